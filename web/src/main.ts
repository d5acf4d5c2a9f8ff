// frontlens dashboard: map + timeline + evidence, ledgers, contradictions, brief, ingest.
// Leaflet is loaded by index.html from /vendor/leaflet (global L); no request leaves the origin.
import { ApiError, getAll, getJSON, getText, ingest, items } from "./api";
import { append, clear, el, extLink, highlighted, status } from "./dom";

declare const L: any;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const parseDay = (s: string) => Date.parse(s.slice(0, 10) + "T00:00:00Z");

const STATUS_COLOURS: Record<string, string> = {
  occupied: "#c0392b", occupied_pre2022: "#7b241c", liberated: "#2e86c1",
  contested: "#a6a6a6", free: "#5dade2",
};
const CONTROLLER_COLOURS: Record<string, string> = { UA: "#1f6fb2", RU: "#b8322a", unknown: "#6b6b6b" };
const CONTROLLER_NAMES: Record<string, string> = { UA: "Ukraine", RU: "Russia", unknown: "unknown" };

/** Opacity from the Admiralty grade: credibility digit 1 (confirmed) … 6 (cannot be judged). */
export function gradeOpacity(grade: string | null | undefined): number {
  const m = /^([A-F])([1-6])$/.exec(grade || "");
  if (!m) return 0.3;
  const byDigit = [1, 0.9, 0.72, 0.55, 0.4, 0.3][Number(m[2]) - 1];
  const byLetter = { A: 1, B: 0.95, C: 0.85, D: 0.75, E: 0.65, F: 0.55 }[m[1] as "A"];
  return Math.max(0.2, byDigit * byLetter);
}

const state = {
  min: parseDay("2022-02-24"),
  max: Date.now(),
  asOf: parseDay("2022-09-12"),
  playing: 0 as number,
  layers: [] as any[],
  layerCache: new Map<string, any>(),
  events: [] as any[],
  coords: new Map<string, [number, number]>(), // place_id → lat, lon (from the picture)
  picture: [] as any[],
  selected: null as string | null,
  loadSeq: 0,
  badHash: null as string | null, // an #as_of the link carried that is not a date
  tab: "map",
  restoring: true, // applying an address (or starting): nothing writes the address meanwhile
  viewTracked: false, // the opening view is fitted: from now on a moved map goes in the address
  defaultView: null as { z: number; c: [number, number] } | null,
  hashNotes: [] as string[], // what the address asked for that could not be shown
  // the download range typed by hand (first, last day): it stops following the date and goes
  // in the address; null while it follows the as-of week
  exportRange: null as [string, string] | null,
};

/** What the address (#as_of=…&place=…&z=…&c=lat,lon&from=…&to=…&tab=…) asks for. */
export type HashState = {
  day: number | null | "invalid";
  place: string | null;
  view: { z: number; c: [number, number] } | null;
  range: [string, string] | null; // the download range, both days YYYY-MM-DD
  tab: string | null;
  problems: string[];
};

const VIEWS = ["map", "ledgers", "contradictions", "brief", "ingest"];

/** A day typed as YYYY-MM-DD (a real calendar day), as a time; null otherwise. */
export function isoDay(raw: string): number | null {
  const v = raw.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return null;
  const t = parseDay(v);
  return Number.isNaN(t) || iso(t) !== v ? null : t;
}

export function parseHash(hash: string): HashState {
  const q = new URLSearchParams(hash.replace(/^#/, ""));
  const out: HashState = { day: null, place: null, view: null, range: null, tab: null, problems: [] };
  const day = q.get("as_of");
  if (day !== null) {
    const t = isoDay(day);
    out.day = t === null ? "invalid" : t;
  }
  out.place = q.get("place") || null;
  const z = q.get("z"), c = q.get("c");
  if (z !== null || c !== null) {
    const zoom = Number(z);
    const ll = (c ?? "").split(",").map(Number);
    if (Number.isInteger(zoom) && zoom >= 4 && zoom <= 13 && ll.length === 2 &&
        ll.every(Number.isFinite) && Math.abs(ll[0]) <= 85 && Math.abs(ll[1]) <= 180) {
      out.view = { z: zoom, c: [ll[0], ll[1]] };
    } else out.problems.push(`the map view “z=${z ?? ""}&c=${c ?? ""}” (zoom 4–13, centre lat,lon)`);
  }
  const from = q.get("from"), to = q.get("to");
  if (from !== null || to !== null) {
    const a = isoDay(from ?? ""), b = isoDay(to ?? "");
    if (a !== null && b !== null && a <= b) out.range = [iso(a), iso(b)];
    else out.problems.push(`the download range “from=${from ?? ""}&to=${to ?? ""}” ` +
                           "(two days as YYYY-MM-DD, the first not after the second)");
  }
  const tab = q.get("tab");
  if (tab !== null) {
    if (VIEWS.includes(tab)) out.tab = tab;
    else out.problems.push(`a view named “${tab}”`);
  }
  return out;
}

let map: any;
let controlLayer: any;
let placeLayer: any;
let eventLayer: any;
let labelLayer: any;

/** A label on the map and how much it matters when labels collide (higher wins). */
type BaseLabel = { el: HTMLElement; ll: [number, number]; prio: number;
                   off?: { dx: number; dy: number; w: number; h: number } };
/** A settlement's name: its box is computed from the projection and the text's width, and
 * its element is made only while it is shown (thousands of names cost no DOM when hidden). */
type DataLabel = { text: string; ll: [number, number]; prio: number; always: boolean;
                   sel: boolean; contested: boolean; marker?: any; el?: HTMLElement };
let baseLabels: BaseLabel[] = []; // cities and oblasts from the basemap
let dataLabels: DataLabel[] = []; // the settlements of the picture

// ---------------------------------------------------------------------------------- tabs

/** Show a view (tab); ``push``: a user's choice, a history entry of its own. */
function showTab(view: string, focus = false, push = true): void {
  const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>("[role=tab]"));
  const tab = tabs.find((t) => t.dataset.view === view) ?? tabs[0];
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")!).hidden = !on;
  }
  if (focus) tab.focus();
  $("search-results").hidden = true;
  state.tab = tab.dataset.view!;
  if (state.tab === "map") quietly(() => map?.invalidateSize());
  void loadView(state.tab);
  writeHash(push ? "push" : "replace");
}

function setupTabs(): void {
  const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>("[role=tab]"));
  const show = (tab: HTMLButtonElement, focus = false) => showTab(tab.dataset.view!, focus);
  tabs.forEach((t, i) => {
    t.addEventListener("click", () => show(t));
    t.addEventListener("keydown", (e) => {
      const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (d) { e.preventDefault(); show(tabs[(i + d + tabs.length) % tabs.length], true); }
    });
  });
}

const loaded = new Set<string>();
async function loadView(view: string): Promise<void> {
  if (loaded.has(view)) return;
  loaded.add(view);
  try {
    if (view === "ledgers") await loadLedgers();
    else if (view === "contradictions") await loadContradictions();
  } catch (e) {
    loaded.delete(view);
    console.error(e);
  }
}

// ---------------------------------------------------------------------------------- map

async function setupMap(): Promise<void> {
  map = L.map("map", { zoomControl: true, preferCanvas: false, attributionControl: true,
                       minZoom: 4, maxZoom: 13, keyboard: true })
    .setView([48.9, 33.5], 6);
  map.attributionControl.setPrefix(false);
  // the container changes size with the panel, the phone layout and orientation changes
  if ("ResizeObserver" in window) new ResizeObserver(() => map.invalidateSize()).observe($("map"));
  map.attributionControl.addAttribution("Natural Earth; gazetteer: Who's On First, GeoNames");
  L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);
  map.createPane("basemap").style.zIndex = "200";
  map.createPane("control").style.zIndex = "300";
  map.createPane("water").style.zIndex = "320"; // rivers over the control areas: the front follows them
  map.createPane("labels").style.zIndex = "350";
  map.createPane("events").style.zIndex = "420";
  map.createPane("places").style.zIndex = "450";
  map.createPane("placelabels").style.zIndex = "460";
  map.getPane("placelabels").style.pointerEvents = "none";
  controlLayer = L.layerGroup().addTo(map);
  const riverLayer = L.layerGroup().addTo(map);
  placeLayer = L.layerGroup().addTo(map);
  eventLayer = L.layerGroup().addTo(map);
  labelLayer = L.layerGroup().addTo(map);
  L.control.layers(null, {
    "Control map": controlLayer, "Rivers": riverLayer, "Settlements": placeLayer,
    "Settlement names": labelLayer,
    "Events (7 days)": eventLayer,
  }, { collapsed: true }).addTo(map);
  legendControl().addTo(map);
  // labels that would overlap are hidden, the less important first, at every zoom and pan
  // (next frame: the SVG renderers move their paths in their own moveend handlers, after this one)
  // dots that would overlap at the new zoom are grouped (before the labels are placed)
  map.on("zoomend", () => drawMarks(false));
  let queued = 0;
  map.on("zoomend moveend overlayadd resize", () => {
    if (!queued) queued = requestAnimationFrame(() => { queued = 0; declutter(); });
  });
  // a moved map goes in the address (replacing the entry: panning is not a history step)
  map.on("moveend", () => { if (state.viewTracked) writeHash("replace"); });

  const [countries, places, oblasts, rivers] = await Promise.all([
    fetch("/basemap/countries.geojson").then((r) => r.json()).catch(() => null),
    fetch("/basemap/places.geojson").then((r) => r.json()).catch(() => null),
    fetch("/basemap/oblasts.geojson").then((r) => r.json()).catch(() => null),
    fetch("/basemap/rivers.geojson").then((r) => r.json()).catch(() => null),
  ]);
  if (countries) {
    L.geoJSON(countries, {
      pane: "basemap", interactive: false,
      style: (f: any) => ({
        color: "#8a8a8a", weight: f.properties.name === "Ukraine" ? 1.6 : 0.8,
        fillColor: f.properties.name === "Ukraine" ? "#fbfaf5" : "#e9e7e0", fillOpacity: 1,
      }),
    }).addTo(map);
  }
  if (oblasts) {
    // approximate outlines derived from the gazetteer (scripts/build_basemap.py): orientation only
    L.geoJSON(oblasts, {
      pane: "basemap", interactive: false,
      style: () => ({ color: "#b9b4a6", weight: 0.8, dashArray: "3 3", fill: false }),
    }).addTo(map);
  }
  if (rivers) drawRivers(rivers, riverLayer);
  if (places) {
    const labels = L.layerGroup().addTo(map);
    for (const f of places.features) {
      const [lon, lat] = f.geometry.coordinates;
      const p = f.properties;
      if (p.kind === "oblast") {
        const node = el("span", { class: "oblast-label" }, p.name.replace(/ Oblast$/, ""));
        L.marker([lat, lon], { pane: "labels", interactive: false, keyboard: false,
          icon: L.divIcon({ className: "oblast-icon", html: node, iconSize: null }) }).addTo(labels);
        baseLabels.push({ el: node, ll: [lat, lon], prio: 100 });
      } else {
        const m = L.circleMarker([lat, lon], { pane: "labels", radius: p.rank === 1 ? 3.5 : 2.5,
          color: "#444", weight: 1, fillColor: "#fff", fillOpacity: 1, interactive: false });
        if (p.rank <= 2) {
          m.bindTooltip(tip(p.name), { permanent: true, direction: "right", className: "city-label",
                                  offset: [4, 0] });
        }
        m.addTo(labels);
        const t = p.rank <= 2 ? m.getTooltip()?.getElement() : null;
        if (t) baseLabels.push({ el: t, ll: [lat, lon], prio: p.rank === 1 ? 300 : 200 });
      }
    }
  }
}

/** Rivers (Natural Earth 1:10m, scripts/build_rivers.py): wider for bigger ones (lower
 * rank). Each named river has one name, placed anew at every pan and zoom on the part of the
 * river that is on screen (placeRiverLabels), so a river in view shows its name wherever the
 * view is; it yields to city names and settlement labels where they collide. */
function drawRivers(fc: any, layer: any): void {
  L.geoJSON(fc, {
    pane: "water", interactive: false,
    style: (f: any) => {
      const rank = Number(f.properties?.rank ?? 12);
      return { color: "#4f8fc9", weight: rank <= 4 ? 2.4 : rank <= 8 ? 1.7 : 1.1, opacity: 0.85,
               className: "fl-river" };
    },
  }).addTo(layer);
  const byName = new Map<string, RiverLabel>();
  for (const f of fc.features ?? []) {
    const name = f.properties?.name;
    if (!name || f.geometry?.type !== "MultiLineString") continue;
    const rank = Number(f.properties.rank ?? 12);
    let r = byName.get(name);
    if (!r) {
      const node = el("span", { class: "river-label fl-label-hidden", "data-river": name }, name);
      const marker = L.marker([0, 0], { pane: "labels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "river-icon", html: node, iconSize: null }) });
      r = { name, prio: 160 - rank, lines: [], el: node, marker, layer, w: 0, h: 0 };
      byName.set(name, r);
      const [lon, lat] = f.geometry.coordinates[0]?.[0] ?? [0, 0];
      marker.setLatLng([lat, lon]).addTo(layer); // placed by declutter once the map has a size
    }
    r.prio = Math.max(r.prio, 160 - rank);
    for (const line of f.geometry.coordinates as number[][][]) {
      const b = [90, 180, -90, -180];
      for (const [lon, lat] of line) {
        b[0] = Math.min(b[0], lat); b[1] = Math.min(b[1], lon);
        b[2] = Math.max(b[2], lat); b[3] = Math.max(b[3], lon);
      }
      r.lines.push({ ll: line.map(([lon, lat]) => [lat, lon] as [number, number]), bbox: b });
    }
  }
  riverLabels = [...byName.values()];
}

/** A river's name and the lines it is drawn from (lat/lon, with each line's bounding box). */
type RiverLabel = { name: string; prio: number; el: HTMLElement; marker: any; layer: any;
                    lines: { ll: [number, number][]; bbox: number[] }[]; w: number; h: number };
let riverLabels: RiverLabel[] = [];

type Pt = { x: number; y: number };

/** Where a label may sit on a polyline's visible part: the lines are clipped to ``box``
 * (screen pixels), the pieces at least ``minLen`` px long are taken longest first, and on
 * each the points at the middle, then at 30/70 % and 15/85 % of its length are offered (so a
 * name that collides at the middle can move along the river); at most ``max`` points. */
export function riverLabelSpots(lines: Pt[][], box: Box, minLen: number, max = 9): Pt[] {
  const runs: { pts: Pt[]; len: number }[] = [];
  for (const line of lines) {
    let run: Pt[] = [];
    const close = () => {
      if (run.length > 1) {
        let len = 0;
        for (let i = 1; i < run.length; i++) len += Math.hypot(run[i].x - run[i - 1].x, run[i].y - run[i - 1].y);
        if (len >= minLen) runs.push({ pts: run, len });
      }
      run = [];
    };
    for (let i = 1; i < line.length; i++) {
      const seg = clipSegment(line[i - 1], line[i], box);
      if (!seg) { close(); continue; }
      const last = run[run.length - 1];
      if (!last || last.x !== seg[0].x || last.y !== seg[0].y) { close(); run.push(seg[0]); }
      run.push(seg[1]);
      if (seg[1] !== line[i]) close(); // the line leaves the box here
    }
    close();
  }
  runs.sort((a, b) => b.len - a.len);
  const out: Pt[] = [];
  for (const { pts, len } of runs) {
    for (const f of [0.5, 0.3, 0.7, 0.15, 0.85]) {
      if (out.length >= max) return out;
      let want = len * f;
      for (let i = 1; i < pts.length; i++) {
        const d = Math.hypot(pts[i].x - pts[i - 1].x, pts[i].y - pts[i - 1].y);
        if (want <= d || i === pts.length - 1) {
          const t = d > 0 ? Math.min(1, want / d) : 0;
          out.push({ x: pts[i - 1].x + (pts[i].x - pts[i - 1].x) * t, y: pts[i - 1].y + (pts[i].y - pts[i - 1].y) * t });
          break;
        }
        want -= d;
      }
    }
  }
  return out;
}

/** The part of segment a–b inside ``box`` (Liang–Barsky), or null; an end inside the box is
 * returned as the same object, so a caller can tell where the line leaves the box. */
function clipSegment(a: Pt, b: Pt, box: Box): [Pt, Pt] | null {
  const dx = b.x - a.x, dy = b.y - a.y;
  let t0 = 0, t1 = 1;
  for (const [p, q] of [[-dx, a.x - box.left], [dx, box.right - a.x], [-dy, a.y - box.top], [dy, box.bottom - a.y]]) {
    if (p === 0) { if (q < 0) return null; continue; }
    const t = q / p;
    if (p < 0) { if (t > t1) return null; if (t > t0) t0 = t; } else { if (t < t0) return null; if (t < t1) t1 = t; }
  }
  return [t0 === 0 ? a : { x: a.x + dx * t0, y: a.y + dy * t0 }, t1 === 1 ? b : { x: a.x + dx * t1, y: a.y + dy * t1 }];
}

// ---------------------------------------------------------------------------------- legend

const SVGNS = "http://www.w3.org/2000/svg";

/** A 16×16 legend swatch drawn with the map's own styles (and its hatch patterns). */
function swatch(shape: "dot" | "area", style: Record<string, string>): SVGSVGElement {
  const svg = document.createElementNS(SVGNS, "svg");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "lg-sw");
  const node = document.createElementNS(SVGNS, shape === "dot" ? "circle" : "rect");
  const geo: Record<string, string> = shape === "dot" ? { cx: "8", cy: "8", r: "5.5" }
    : { x: "1.5", y: "3", width: "13", height: "10" };
  for (const [k, v] of Object.entries({ ...geo, ...style })) node.setAttribute(k, v);
  svg.appendChild(node);
  return svg;
}

/** A river's legend swatch: a wavy line in the river colour. */
function riverSwatch(): SVGSVGElement {
  const svg = swatch("area", { fill: "none", stroke: "none" });
  const path = document.createElementNS(SVGNS, "path");
  for (const [k, v] of Object.entries({ d: "M1 10 C5 4, 9 14, 15 6", fill: "none", stroke: "#4f8fc9", "stroke-width": "2" })) {
    path.setAttribute(k, v);
  }
  svg.appendChild(path);
  return svg;
}

function legendRow(sw: SVGSVGElement, text: string, key: string): HTMLElement {
  return el("li", { "data-legend": key }, sw, text);
}

/** The legend, on the map (bottom right): what colours, rings, patterns and faintness mean.
 * A <details>: open on a laptop, closed on a phone, where it would cover the map. */
function legendControl(): any {
  const ctl = L.control({ position: "bottomright" });
  ctl.onAdd = () => {
    const dot = (fill: string, extra: Record<string, string> = {}) =>
      swatch("dot", { fill, stroke: "#222", "stroke-width": "1.2", ...extra });
    const area = (fill: string, extra: Record<string, string> = {}) =>
      swatch("area", { fill, "fill-opacity": "0.45", stroke: fill, "stroke-width": "0.8", ...extra });
    const box = el("details", { class: "fl-legend leaflet-control", id: "map-legend",
                                open: !window.matchMedia("(max-width: 800px)").matches },
      el("summary", {}, "Legend"),
      el("p", { class: "lg-head" }, "Settlements"),
      el("ul", {},
        legendRow(dot(CONTROLLER_COLOURS.UA), "held by Ukraine", "UA"),
        legendRow(dot(CONTROLLER_COLOURS.RU), "held by Russia", "RU"),
        legendRow(dot(CONTROLLER_COLOURS.unknown), "controller unknown", "unknown"),
        legendRow(dot("url(#hatch-UA)", { stroke: "#f1c40f", "stroke-width": "2.5" }),
                  "disputed / contested: claims conflict (stripes: stated holder)",
                  "contested"),
        legendRow(dot(CONTROLLER_COLOURS.UA, { "fill-opacity": "0.3", "stroke-opacity": "0.6" }),
                  "faint: weak grade (A1 solid … F6 faint)", "grade"),
        legendRow(dot(CONTROLLER_COLOURS.UA, { "fill-opacity": "0.3", "stroke-dasharray": "1.5 2" }),
                  "dotted: undated (grade unknown)", "undated"),
        legendRow(dot(CONTROLLER_COLOURS.UA, { "fill-opacity": "0.1" }),
                  "hollow: approximate location", "approximate"),
        legendRow(swatch("dot", { fill: "none", stroke: "#f39c12", "stroke-width": "2.5" }),
                  "event in the last 7 days", "event"),
        legendRow(dot(CONTROLLER_COLOURS.UA, { stroke: "#000", "stroke-width": "3" }),
                  "selected", "selected"),
        el("li", { "data-legend": "cluster" },
           el("span", { class: "fl-cluster", "aria-hidden": "true",
                        style: `background:conic-gradient(${CONTROLLER_COLOURS.UA} 0 60%,${CONTROLLER_COLOURS.RU} 60% 100%)` },
              el("span", { class: "fl-cluster-n" })),
           "n: settlements too close to tell apart (ring: share held by each side); click to zoom in")),
      el("p", { class: "lg-head" }, "Control map areas"),
      el("ul", {},
        legendRow(area(STATUS_COLOURS.occupied), "occupied", "occupied"),
        legendRow(area(STATUS_COLOURS.occupied_pre2022), "occupied before 2022", "occupied_pre2022"),
        legendRow(area(STATUS_COLOURS.liberated), "liberated", "liberated"),
        legendRow(area("url(#hatch-area)", { "fill-opacity": "1", stroke: "#6b6b6b" }),
                  "contested area", "contested-area"),
        legendRow(riverSwatch(), "river (Natural Earth)", "river")));
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  return ctl;
}

// ---------------------------------------------------------------------------------- labels

type Box = { left: number; top: number; right: number; bottom: number };

/** Where to put each label: in order of priority, a label takes its first candidate place
 * (right of its dot, else left) that overlaps no placed label and no obstacle (the settlement
 * dots), or is hidden (-1); ``always`` ones (the selected place) take their first free place,
 * else the first. Labels outside ``view`` keep their first place and do not count. */
export function pickLabels(cands: Box[][], prio: number[], always: boolean[], obstacles: Box[],
                           view: Box, pad = 2): number[] {
  const hit = (a: Box, b: Box) => a.left < b.right + pad && b.left < a.right + pad &&
    a.top < b.bottom + pad && b.top < a.bottom + pad;
  // boxes are bucketed in a grid of CELL px, so a label is tested against its neighbours only
  // (thousands of settlements zoomed out stay linear, not quadratic)
  const CELL = 64;
  const grid = new Map<number, Box[]>();
  const cells = (b: Box, f: (k: number) => boolean | void): boolean => {
    for (let x = Math.floor((b.left - pad) / CELL); x <= Math.floor((b.right + pad) / CELL); x++) {
      for (let y = Math.floor((b.top - pad) / CELL); y <= Math.floor((b.bottom + pad) / CELL); y++) {
        if (f((x + 4096) * 8192 + (y + 4096))) return true;
      }
    }
    return false;
  };
  const add = (b: Box) => { cells(b, (k) => { const l = grid.get(k); if (l) l.push(b); else grid.set(k, [b]); }); };
  const taken = (b: Box) => cells(b, (k) => grid.get(k)?.some((o) => hit(o, b)));
  for (const o of obstacles) if (o.right > o.left && hit(o, view)) add(o);
  const order = cands.map((_, i) => i).sort((a, b) => Number(always[b]) - Number(always[a]) ||
    prio[b] - prio[a] || a - b);
  const pick = cands.map(() => 0);
  for (const i of order) {
    const first = cands[i][0];
    if (!first || first.right <= first.left || !hit(first, view)) continue; // not drawn, off the map
    const free = cands[i].findIndex((b) => !taken(b));
    pick[i] = free >= 0 ? free : always[i] ? 0 : -1;
    if (pick[i] >= 0) add(cands[i][pick[i]]);
  }
  return pick;
}

const widths = new Map<string, number>();
let measureCtx: CanvasRenderingContext2D | null = null;
let fontFamily = "sans-serif";

/** The drawn width of a settlement name (canvas text metrics: no layout). */
function textWidth(text: string, sel: boolean): number {
  const key = (sel ? "s:" : "n:") + text;
  let w = widths.get(key);
  if (w === undefined) {
    if (!measureCtx) {
      measureCtx = document.createElement("canvas").getContext("2d");
      fontFamily = getComputedStyle(document.documentElement).fontFamily || "sans-serif";
    }
    const font = `600 ${sel ? 13 : 12}px ${fontFamily}`;
    if (measureCtx && measureCtx.font !== font) measureCtx.font = font;
    w = measureCtx ? measureCtx.measureText(text).width : text.length * 7.5;
    widths.set(key, w);
  }
  return w;
}

const LABEL_DX = 16; // .place-label's translate(16px, -50%): clear of the dot and its event ring
const LABEL_H = 18;

/** Show the labels that do not collide, keeping the important ones: settlement names are
 * made for the winners only; basemap names are hidden with class fl-label-hidden. Boxes come
 * from the projection (map.latLngToContainerPoint), not from the DOM. */
function declutter(): void {
  if (!map || !labelLayer) return;
  const size = map.getSize();
  if (!size.x) return;
  const t0 = performance.now();
  const pt = (ll: [number, number]) => map.latLngToContainerPoint(ll);
  // a basemap label's offset from its point and its size are measured once
  const base = baseLabels.filter((l) => l.el.isConnected);
  let mapBox: DOMRect | null = null; // a DOM read forces layout: only until all are measured
  for (const l of base) {
    if (l.off) continue;
    mapBox ??= $("map").getBoundingClientRect();
    const r = l.el.getBoundingClientRect(), p = pt(l.ll);
    if (r.width) l.off = { dx: r.left - mapBox.left - p.x, dy: r.top - mapBox.top - p.y, w: r.width, h: r.height };
  }
  const cands: Box[][] = [], prio: number[] = [], always: boolean[] = [];
  for (const l of dataLabels) {
    const p = pt(l.ll), w = textWidth(l.text, l.sel);
    const top = p.y - LABEL_H / 2, bottom = p.y + LABEL_H / 2;
    cands.push([{ left: p.x + LABEL_DX, right: p.x + LABEL_DX + w, top, bottom },   // right
                { left: p.x - LABEL_DX - w, right: p.x - LABEL_DX, top, bottom }]); // left
    prio.push(l.prio);
    always.push(l.always);
  }
  for (const l of base) {
    const p = pt(l.ll), o = l.off;
    cands.push([o ? { left: p.x + o.dx, right: p.x + o.dx + o.w, top: p.y + o.dy, bottom: p.y + o.dy + o.h }
      : { left: 0, right: 0, top: 0, bottom: 0 }]);
    prio.push(l.prio);
    always.push(false);
  }
  // river names: candidate places along the part of each river on screen (whole label inside)
  const rivers = riverLabels.filter((r) => r.el.isConnected);
  const riverSpots: Pt[][] = [];
  const shown = map.getBounds().pad(0.05);
  const [s, w, n, e] = [shown.getSouth(), shown.getWest(), shown.getNorth(), shown.getEast()];
  for (const r of rivers) {
    if (!r.w) {
      const b = r.el.getBoundingClientRect();
      r.w = b.width; r.h = b.height;
    }
    const lines: Pt[][] = [];
    for (const l of r.lines) {
      const [bs, bw, bn, be] = l.bbox;
      if (bn < s || bs > n || be < w || bw > e) continue;
      lines.push(l.ll.map(pt));
    }
    const inner = { left: r.w / 2 + 2, top: r.h / 2 + 2, right: size.x - r.w / 2 - 2, bottom: size.y - r.h / 2 - 2 };
    const spots = r.w ? riverLabelSpots(lines, inner, Math.max(30, r.w / 2)) : [];
    riverSpots.push(spots);
    cands.push(spots.length ? spots.map((q) => ({ left: q.x - r.w / 2, right: q.x + r.w / 2,
                                                  top: q.y - r.h / 2, bottom: q.y + r.h / 2 }))
      : [{ left: 0, right: 0, top: 0, bottom: 0 }]);
    prio.push(r.prio);
    always.push(false);
  }
  const dots: Box[] = [];
  if (map.hasLayer(placeLayer)) {
    for (const { ll, r } of drawnMarks) { // settlement dots and clusters
      const c = pt(ll);
      dots.push({ left: c.x - r, right: c.x + r, top: c.y - r, bottom: c.y + r });
    }
  }
  // names just outside the map take part too, so a pan does not reshuffle the edge
  const view = { left: -size.x / 4, top: -size.y / 4, right: size.x * 1.25, bottom: size.y * 1.25 };
  const t1 = performance.now();
  const pick = pickLabels(cands, prio, always, dots, view);
  const t2 = performance.now();
  let hidden = 0;
  dataLabels.forEach((l, i) => {
    const b = cands[i][0];
    const on = pick[i] >= 0 && b.right > view.left && b.left < view.right && b.bottom > view.top &&
      b.top < view.bottom;
    if (pick[i] < 0) hidden++;
    if (on && !l.marker) {
      l.el = el("span", { class: `place-label${l.sel ? " sel" : ""}${l.contested ? " contested" : ""}`,
                          "data-place": l.text, "aria-hidden": "true" }, l.text);
      l.marker = L.marker(l.ll, { pane: "placelabels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "place-label-icon", html: l.el, iconSize: null }) }).addTo(labelLayer);
    } else if (!on && l.marker) {
      labelLayer.removeLayer(l.marker);
      l.marker = l.el = undefined;
    }
    l.el?.classList.toggle("left", pick[i] === 1);
  });
  base.forEach((l, j) => {
    const on = pick[dataLabels.length + j] >= 0;
    if (!on) hidden++;
    l.el.classList.toggle("fl-label-hidden", !on);
  });
  rivers.forEach((r, k) => {
    const i = dataLabels.length + base.length + k, spots = riverSpots[k];
    const on = spots.length > 0 && pick[i] >= 0;
    if (spots.length && !on) hidden++; // off screen is not hidden by a collision
    if (on) r.marker.setLatLng(map.containerPointToLatLng([spots[pick[i]].x, spots[pick[i]].y]));
    r.el.classList.toggle("fl-label-hidden", !on);
  });
  (window as any).__fl && ((window as any).__fl.labels = {
    total: dataLabels.length + base.length + rivers.length, hidden, ms: performance.now() - t0, boxes_ms: t1 - t0, pick_ms: t2 - t1 });
}

/** Leaflet puts *string* tooltip content in with innerHTML: always hand it a text element. */
function tip(text: string): HTMLElement {
  return el("span", {}, text);
}

function layerForDate(day: string): any | null {
  // the newest layer dated on or before the day (the API's /layers/for does the same)
  let best: any = null;
  for (const l of state.layers) {
    const d = l.layer_date;
    if (d && d <= day && (!best || d > best.layer_date)) best = l;
  }
  return best;
}

async function drawControl(day: string, seq: number): Promise<void> {
  let layer: any = null;
  if (!layerForDate(day)) {
    // no layer dated on or before this day: asking /layers/for would only log a 404
    controlLayer.clearLayers();
    $("layer-info").textContent = "no control map on or before this date";
    return;
  }
  try {
    const r = await getJSON("/layers/for", { date: day });
    layer = Array.isArray(r) ? r[0] : r?.layer ?? r;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) console.warn(e);
    layer = layerForDate(day);
  }
  if (seq !== state.loadSeq) return;
  if (!layer || !layer.id) {
    controlLayer.clearLayers();
    $("layer-info").textContent = "no control map on or before this date";
    return;
  }
  let fc = state.layerCache.get(layer.id);
  if (!fc) {
    fc = await getJSON(`/layers/${encodeURIComponent(layer.id)}/features`);
    state.layerCache.set(layer.id, fc);
  }
  if (seq !== state.loadSeq) return;
  controlLayer.clearLayers();
  L.geoJSON(fc, {
    pane: "control", interactive: false,
    style: (f: any) => {
      const s = f.properties?.status ?? "contested";
      // contested ground is hatched, so it reads apart from either side's colour
      if (s === "contested") {
        return { color: "#6b6b6b", weight: 0.8, fillOpacity: 1, fillColor: "url(#hatch-area)",
                 className: "fl-area-contested" };
      }
      return { color: STATUS_COLOURS[s] ?? "#999", weight: 0.6, fillOpacity: 0.35,
               fillColor: STATUS_COLOURS[s] ?? "#999" };
    },
  }).addTo(controlLayer);
  $("layer-info").textContent = `control map: ${layer.name ?? layer.id} (${layer.layer_date ?? "undated"})`;
}

function placeKey(p: any): string {
  return p.place_id || p.place;
}

/** A place whose picture state is contested: its claims conflict (``disputed``), or the
 * picture names no single holder (``contested``). */
export function isContested(p: any): boolean {
  return !!p.disputed || p.controller === "contested" || p.status === "contested";
}

/** The grade cannot be judged: undated (or unplaced) evidence gets grade "unknown". */
export function isUndated(p: any): boolean {
  return !/^[A-F][1-6]$/.test(p.grade || "");
}

/** A settlement row's label (tooltip, aria-label, list button). */
function placeLabel(p: any): string {
  const contested = isContested(p), undated = isUndated(p);
  return `${p.place}: ${CONTROLLER_NAMES[p.controller] ?? p.controller} since ${p.since}, grade ${p.grade}${contested ? ", contested" : ""}${undated ? " (undated or ungradable evidence)" : ""}${p.approximate ? " (approximate location: hromada centre)" : ""}`;
}

/** How much a settlement matters when dots are grouped or names collide (higher wins). */
function placePrio(p: any): number {
  return 600 + (isContested(p) ? 60 : 0) + Math.round(100 * (Number(p.score) || 0));
}

/** The picture's settlements: the list below the map, then the dots and clusters. */
function drawPlaces(rows: any[]): void {
  const list = $("place-list");
  clear(list);
  for (const p of rows) {
    if (p.place_id && p.lat != null) state.coords.set(p.place_id, [p.lat, p.lon]);
    const contested = isContested(p), undated = isUndated(p);
    list.appendChild(el("li", {}, el("button", {
      type: "button", class: `place-btn ctl-${p.controller}${contested ? " contested" : ""}`, "data-place": p.place,
      "aria-label": placeLabel(p), onclick: () => selectPlace(p, true),
    }, el("span", { class: "swatch", style: `opacity:${gradeOpacity(p.grade)}`, "aria-hidden": "true" }),
      `${p.place} `, el("small", {}, `${p.controller} · ${p.grade}${contested ? " · contested" : ""}${undated ? " · undated" : ""}`))));
  }
  $("place-count").textContent = `${rows.length} settlements with a known controller`;
  drawMarks(true);
}

// ---------------------------------------------------------------------------------- clusters

/** Group points (pixels at one zoom) that lie within ``radius`` of a group's first point:
 * the most important point not yet taken starts a group and takes the free points around it;
 * ``alone`` points (the selected place) are never grouped. With ``discRadius`` (the drawn
 * radius of a group of n), groups whose discs would touch are then merged. Returns groups of
 * indices; a grid of cells keeps it linear. */
export function clusterPoints(pts: { x: number; y: number }[], prio: number[], alone: boolean[],
                              radius: number, discRadius?: (n: number) => number): number[][] {
  const cell = (v: number) => Math.floor(v / radius);
  const grid = new Map<string, number[]>();
  pts.forEach((p, i) => {
    if (alone[i]) return;
    const k = `${cell(p.x)},${cell(p.y)}`;
    const l = grid.get(k);
    if (l) l.push(i); else grid.set(k, [i]);
  });
  const order = pts.map((_, i) => i).sort((a, b) => prio[b] - prio[a] || a - b);
  const taken = new Uint8Array(pts.length);
  const groups: number[][] = [];
  const r2 = radius * radius;
  for (const i of order) {
    if (taken[i]) continue;
    taken[i] = 1;
    const g = [i];
    if (!alone[i]) {
      const p = pts[i], cx = cell(p.x), cy = cell(p.y);
      for (let x = cx - 1; x <= cx + 1; x++) {
        for (let y = cy - 1; y <= cy + 1; y++) {
          for (const j of grid.get(`${x},${y}`) ?? []) {
            if (taken[j]) continue;
            const dx = pts[j].x - p.x, dy = pts[j].y - p.y;
            if (dx * dx + dy * dy <= r2) { taken[j] = 1; g.push(j); }
          }
        }
      }
    }
    groups.push(g);
  }
  return discRadius ? mergeTouching(groups, pts, alone, discRadius) : groups;
}

/** Merge groups whose drawn discs (centred on their mean point, ``discRadius(size)`` px)
 * would touch, until none do, so no mark covers another; ``alone`` points stay alone. */
function mergeTouching(groups: number[][], pts: { x: number; y: number }[], alone: boolean[],
                       discRadius: (n: number) => number): number[][] {
  const CELL = 2 * discRadius(pts.length) + 2;
  // pairs first (each group merges with at most one other per pass, the one it overlaps
  // most), so a dense field settles into many discs instead of one chain-merged blob; once a
  // pass merges few (under 2% of the groups, or after 40 passes), every touching chain at once
  let lastMerges = Infinity;
  for (let pass = 0; pass < 48; pass++) {
    const pairwise = pass < 40 && lastMerges > groups.length * 0.02;
    const disc = groups.map((g) => {
      let x = 0, y = 0;
      for (const i of g) { x += pts[i].x; y += pts[i].y; }
      return { x: x / g.length, y: y / g.length, r: discRadius(g.length), fixed: g.length === 1 && alone[g[0]] };
    });
    const grid = new Map<string, number[]>();
    disc.forEach((d, k) => {
      const key = `${Math.floor(d.x / CELL)},${Math.floor(d.y / CELL)}`;
      const l = grid.get(key);
      if (l) l.push(k); else grid.set(key, [k]);
    });
    const parent = groups.map((_, k) => k);
    const root = (k: number): number => (parent[k] === k ? k : (parent[k] = root(parent[k])));
    const matched = new Uint8Array(groups.length);
    let merged = false, merges = 0;
    disc.forEach((d, k) => {
      if (d.fixed || (pairwise && matched[k])) return;
      const cx = Math.floor(d.x / CELL), cy = Math.floor(d.y / CELL);
      let best = -1, bestDepth = 0;
      for (let x = cx - 1; x <= cx + 1; x++) {
        for (let y = cy - 1; y <= cy + 1; y++) {
          for (const o of grid.get(`${x},${y}`) ?? []) {
            if (o === k || disc[o].fixed || (pairwise && matched[o])) continue;
            const e = disc[o];
            const depth = d.r + e.r - Math.hypot(e.x - d.x, e.y - d.y);
            if (depth <= 0) continue;
            if (!pairwise) {
              if (root(o) !== root(k)) { parent[root(o)] = root(k); merged = true; merges++; }
            } else if (depth > bestDepth) { best = o; bestDepth = depth; }
          }
        }
      }
      if (best >= 0) { matched[k] = matched[best] = 1; parent[best] = k; merged = true; merges++; }
    });
    if (!merged) break;
    lastMerges = merges;
    const out = new Map<number, number[]>();
    groups.forEach((g, k) => {
      const r = root(k), l = out.get(r);
      if (l) l.push(...g); else out.set(r, [...g]);
    });
    groups = [...out.values()];
  }
  return groups;
}

/** Dots closer than this (px, centre to centre) are one cluster: a dot is 16 px across (18
 * with its outline), so closer dots touch or overlap and a click could open the wrong one. */
const CLUSTER_PX = 20;
/** The drawn radius (px) of a mark for n settlements: a dot (8 px and its outline), or a
 * cluster disc growing with the count (see drawCluster). */
const markRadius = (n: number) => (n === 1 ? 9 : clusterDiameter(n) / 2 + 2);
const clusterDiameter = (n: number) => Math.round(Math.min(44, 26 + 5 * Math.log2(n)));

let marksKey = ""; // the grouping last drawn (zoom + groups): redrawn only when it changes
let clustered = new Set<string>(); // place keys inside a cluster (their event rings are not drawn)
let drawnMarks: { ll: [number, number]; r: number }[] = []; // dots and clusters: label obstacles

/** Draw the settlements as dots, and the ones that would overlap at this zoom as a cluster
 * (a count); ``force``: the rows or the selection changed, else only a new grouping redraws. */
function drawMarks(force: boolean): void {
  if (!map || !placeLayer) return;
  const t0 = performance.now();
  const rows = state.picture.filter((p) => p.lat != null && p.lon != null);
  const z = map.getZoom();
  const pts = rows.map((p) => map.project([p.lat, p.lon], z));
  const groups = clusterPoints(pts, rows.map(placePrio),
                               rows.map((p) => placeKey(p) === state.selected), CLUSTER_PX,
                               markRadius);
  const key = `${z}|${groups.filter((g) => g.length > 1).map((g) => g.join(",")).join(";")}`;
  const ms = performance.now() - t0;
  if (!force && key === marksKey) return;
  marksKey = key;
  placeLayer.clearLayers();
  labelLayer.clearLayers();
  dataLabels = [];
  drawnMarks = [];
  clustered = new Set();
  const day = iso(state.asOf);
  const recent = recentEventPlaces(day);
  let nClusters = 0;
  for (const g of groups) {
    if (g.length === 1) drawDot(rows[g[0]]);
    else {
      nClusters++;
      const members = g.map((i) => rows[i]);
      for (const p of members) clustered.add(placeKey(p));
      drawCluster(members, recent);
    }
  }
  drawEvents(day);
  (window as any).__fl && ((window as any).__fl.clusters = {
    zoom: z, places: rows.length, clusters: nClusters, ms, draw_ms: performance.now() - t0 });
  declutter();
}

/** The place keys with an event in the 7 days to ``day`` (what drawEvents rings). */
function recentEventPlaces(day: string): Set<string> {
  const t = parseDay(day), out = new Set<string>();
  for (const e of state.events) {
    const d = e.first_date ?? e.last_date;
    if (!d || !e.place_id) continue;
    const dt = parseDay(d);
    if (dt <= t && dt >= t - 6 * DAY) out.add(e.place_id);
  }
  return out;
}

function drawDot(p: any): void {
  const contested = isContested(p), undated = isUndated(p);
  const label = placeLabel(p);
  const op = gradeOpacity(p.grade);
  const sel = placeKey(p) === state.selected;
  const ctl = CONTROLLER_COLOURS[p.controller] ? p.controller : "unknown";
  // contested: hatched in the stated holder's colour, with a yellow ring; undated: dotted
  const m = L.circleMarker([p.lat, p.lon], {
    pane: "places", radius: sel ? 10 : 8, weight: sel ? 4 : contested ? 3 : 1.5,
    color: sel ? "#000" : contested ? "#f1c40f" : "#222",
    dashArray: sel || contested ? null : undated ? "1.5 3" : null,
    fillColor: contested ? `url(#hatch-${ctl})` : CONTROLLER_COLOURS[ctl],
    fillOpacity: p.approximate ? op / 3 : contested ? Math.max(op, 0.85) : op,
    opacity: sel ? 1 : 0.5 + op / 2,
    className: `fl-place${sel ? " fl-selected" : ""}${contested ? " fl-contested" : ""}${undated ? " fl-undated" : ""}`,
  });
  m.bindTooltip(tip(label));
  m.on("click", () => selectPlace(p));
  m.addTo(placeLayer);
  const path: SVGElement | undefined = m.getElement?.();
  if (path) {
    path.setAttribute("tabindex", "0");
    path.setAttribute("role", "button");
    path.setAttribute("aria-label", label);
    path.setAttribute("data-place", p.place);
    if (sel) path.setAttribute("aria-current", "true");
    path.addEventListener("keydown", (e: KeyboardEvent) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); selectPlace(p, true); }
    });
  }
  drawnMarks.push({ ll: [p.lat, p.lon], r: sel ? 11 : 9 });
  // the settlement's name beside its dot, drawn by declutter() where names do not collide
  dataLabels.push({ text: p.place, ll: [p.lat, p.lon], always: sel, sel, contested, prio: placePrio(p) });
}

/** What a cluster holds, in words: "5 settlements: 3 Ukraine, 2 Russia; 1 contested". */
export function clusterSummary(members: any[]): string {
  const by: Record<string, number> = {};
  let contested = 0;
  for (const p of members) {
    const c = CONTROLLER_COLOURS[p.controller] ? p.controller : "unknown";
    by[c] = (by[c] ?? 0) + 1;
    if (isContested(p)) contested++;
  }
  const parts = ["UA", "RU", "unknown"].filter((c) => by[c]).map((c) => `${by[c]} ${CONTROLLER_NAMES[c]}`);
  return `${members.length} settlements: ${parts.join(", ")}${contested ? `; ${contested} contested` : ""}`;
}

/** A cluster: a disc whose ring shows the share held by each side, the count inside; a yellow
 * outline when one of them is contested, an orange one when one had an event this week. */
function drawCluster(members: any[], recent: Set<string>): void {
  const n = members.length;
  // at the members' mean point in pixels (where clusterPoints placed its disc)
  const z = map.getZoom();
  const px = members.map((p) => map.project([p.lat, p.lon], z));
  const c = map.unproject(L.point(px.reduce((s, q) => s + q.x, 0) / n, px.reduce((s, q) => s + q.y, 0) / n), z);
  const lat: number = c.lat, lon: number = c.lng;
  const count = (c: string) => members.filter((p) => (CONTROLLER_COLOURS[p.controller] ? p.controller : "unknown") === c).length;
  let at = 0;
  const stops = ["UA", "RU", "unknown"].map((c) => {
    const from = at;
    at += (100 * count(c)) / n;
    return `${CONTROLLER_COLOURS[c]} ${from.toFixed(1)}% ${at.toFixed(1)}%`;
  });
  const d = clusterDiameter(n);
  const contested = members.some(isContested), event = members.some((p) => recent.has(placeKey(p)));
  const names = members.map((p) => p.place).sort((a, b) => a.localeCompare(b));
  const summary = clusterSummary(members);
  const node = el("span", {
    class: `fl-cluster${contested ? " contested" : ""}${event ? " event" : ""}`, tabindex: "0", role: "button",
    "aria-label": `${summary}. Zoom in to separate them`, "data-count": String(n),
    "data-places": names.join("|"),
    style: `width:${d}px;height:${d}px;background:conic-gradient(${stops.join(",")})`,
  }, el("span", { class: "fl-cluster-n" }, String(n)));
  const m = L.marker([lat, lon], { pane: "places", keyboard: false, riseOnHover: true,
    icon: L.divIcon({ className: "fl-cluster-icon", html: node, iconSize: [d, d] }) });
  m.bindTooltip(tip(`${summary} (${names.slice(0, 8).join(", ")}${n > 8 ? ", …" : ""}); click to zoom in`));
  const open = () => expandCluster(members, [lat, lon]);
  m.on("click", open);
  node.addEventListener("keydown", (e: KeyboardEvent) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); e.stopPropagation(); open(); }
  });
  m.addTo(placeLayer);
  drawnMarks.push({ ll: [lat, lon], r: d / 2 + 2 });
}

/** A cluster clicked: zoom in to the first zoom at which it falls apart; settlements that
 * never do (the same or nearly the same point) are listed in a popup to pick from. */
function expandCluster(members: any[], at: [number, number]): void {
  const z0 = map.getZoom(), zmax = map.getMaxZoom();
  const prio = members.map(placePrio), alone = members.map(() => false);
  for (let z = z0 + 1; z <= zmax; z++) {
    const pts = members.map((p) => map.project([p.lat, p.lon], z));
    if (clusterPoints(pts, prio, alone, CLUSTER_PX).length > 1) {
      const b = L.latLngBounds(members.map((p) => [p.lat, p.lon]));
      map.setView(b.getCenter(), z);
      return;
    }
  }
  const list = el("ul", { class: "cluster-list" }, ...members
    .slice().sort((a, b) => a.place.localeCompare(b.place))
    .map((p) => el("li", {}, el("button", {
      type: "button", class: `place-btn ctl-${p.controller}`, "data-place": p.place,
      "aria-label": placeLabel(p), onclick: () => { map.closePopup(); selectPlace(p, true); },
    }, `${p.place} `, el("small", {}, `${p.controller} · ${p.grade}`)))));
  const box = el("div", { class: "cluster-pop" },
    el("p", {}, `${members.length} settlements at this point`), list);
  L.popup({ maxWidth: 260, autoPanPadding: [20, 20] }).setLatLng(at).setContent(box).openOn(map);
  (list.querySelector("button") as HTMLButtonElement | null)?.focus();
}

function drawEvents(day: string): void {
  eventLayer.clearLayers();
  const t = parseDay(day);
  for (const e of state.events) {
    const d = e.first_date ?? e.last_date;
    if (!d) continue;
    const dt = parseDay(d);
    if (dt > t || dt < t - 6 * DAY) continue;
    if (clustered.has(e.place_id)) continue; // its cluster has an orange outline instead
    const ll = (e.lat != null && e.lon != null) ? [e.lat, e.lon] : state.coords.get(e.place_id);
    if (!ll) continue;
    // a ring under the settlement dot: the dot stays clickable, the ring still shows the event
    const m = L.circleMarker(ll, {
      pane: "events", radius: 13, weight: 4, color: "#f39c12", opacity: 0.9, fill: true,
      fillOpacity: 0, className: "fl-event",
    });
    m.bindTooltip(tip(`${e.place_name ?? e.subject ?? "?"}: ${e.action} (${d}, ${e.grade})`));
    m.on("click", () => openEvent(e.id));
    m.addTo(eventLayer);
  }
}

// ---------------------------------------------------------------------------------- as-of

async function setAsOf(t: number, why = "user"): Promise<void> {
  t = Math.min(Math.max(t, state.min), state.max);
  state.asOf = t;
  const day = iso(t);
  const slider = $<HTMLInputElement>("asof");
  slider.value = String(Math.round((t - state.min) / DAY));
  slider.setAttribute("aria-valuetext", day);
  $<HTMLInputElement>("asof-date").value = day;
  const seq = ++state.loadSeq;
  const t0 = performance.now();
  status($("map-status"), `loading ${day}…`);
  try {
    const [rows] = await Promise.all([
      getJSON("/picture", { as_of: day }),
      drawControl(day, seq).catch((e) => console.warn("control map", e)),
    ]);
    if (seq !== state.loadSeq) return;
    state.picture = items(rows);
    drawPlaces(state.picture); // and the events of the week
    const ms = performance.now() - t0;
    (window as any).__fl.lastAsOfMs = ms;
    (window as any).__fl.asOf = day;
    performance.measure?.(`fl-asof ${day}`, { start: t0, end: performance.now() });
    status($("map-status"), `as of ${day}: ${state.picture.length} settlements (${Math.round(ms)} ms)`);
    if (!state.exportRange) setExportRange(iso(t - 6 * DAY), day);
    // a day the user chose is a history entry (back returns to the day before); playback,
    // the first load and history moves themselves only replace the current one
    writeHash(why === "user" || why === "event" ? "push" : "replace");
    if (state.selected && why !== "play") {
      // the panel follows the date: header, "as of date" step and evidence of that day
      const p = state.picture.find((x) => placeKey(x) === state.selected);
      if (p) void openPlace(p, false);
      else renderMissingPlace(day);
    }
  } catch (e) {
    if (seq === state.loadSeq) status($("map-status"), `could not load ${day}: ${(e as Error).message}`, "error");
  }
}

function setupTime(): void {
  const slider = $<HTMLInputElement>("asof");
  slider.min = "0";
  slider.max = String(Math.round((state.max - state.min) / DAY));
  slider.addEventListener("input", () => void setAsOf(state.min + Number(slider.value) * DAY));
  // a text box, not <input type=date>: Chromium shows a date box in the browser's locale
  // (09/14/2022); this one is YYYY-MM-DD everywhere, checked when the day is committed
  const date = $<HTMLInputElement>("asof-date");
  const commit = () => {
    const t = isoDay(date.value);
    if (t === null) {
      date.setAttribute("aria-invalid", "true");
      status($("map-status"), `“${date.value}” is not a day: type it as YYYY-MM-DD, e.g. ` +
             `${iso(state.asOf)}; the data runs ${iso(state.min)} – ${iso(state.max)}.`, "error");
      return;
    }
    date.removeAttribute("aria-invalid");
    if (t < state.min || t > state.max) {
      status($("map-status"), `${iso(t)} is outside the data (${iso(state.min)} – ` +
             `${iso(state.max)}): showing the nearest day.`, "error");
    }
    if (iso(t) !== iso(state.asOf) || t < state.min || t > state.max) void setAsOf(t);
  };
  date.addEventListener("change", commit);
  date.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); commit(); } });
  $("prev-day").addEventListener("click", () => void setAsOf(state.asOf - DAY));
  $("next-day").addEventListener("click", () => void setAsOf(state.asOf + DAY));
  const play = $<HTMLButtonElement>("play");
  play.addEventListener("click", () => (state.playing ? stop() : start()));
  const speed = $<HTMLSelectElement>("speed");
  const start = () => {
    if (state.asOf >= state.max) void setAsOf(state.min);
    play.setAttribute("aria-pressed", "true");
    play.textContent = "❚❚ Pause";
    const tick = async () => {
      if (!state.playing) return;
      if (state.asOf >= state.max) return stop();
      await setAsOf(state.asOf + DAY, "play");
      if (state.playing) state.playing = window.setTimeout(tick, Number(speed.value));
    };
    state.playing = window.setTimeout(tick, 0);
  };
  const stop = () => {
    window.clearTimeout(state.playing);
    state.playing = 0;
    play.setAttribute("aria-pressed", "false");
    play.textContent = "▶ Play";
  };
  $("range-info").textContent = `${iso(state.min)} – ${iso(state.max)}`;
  // slider ticks on the days with events (a datalist on a range input draws them)
  const ticks = $("event-days");
  clear(ticks);
  const seen = new Set<number>();
  for (const e of state.events) {
    if (!e.first_date) continue;
    const v = Math.round((parseDay(e.first_date) - state.min) / DAY);
    if (v >= 0 && !seen.has(v)) { seen.add(v); ticks.appendChild(el("option", { value: String(v) })); }
  }
  // back/forward and an edited address move the date, the view, the place and the tab
  let pending: Promise<void> = Promise.resolve();
  const follow = () => { pending = pending.then(() => applyHash(parseHash(location.hash))); };
  window.addEventListener("popstate", follow);
  window.addEventListener("hashchange", follow);
}

// ---------------------------------------------------------------------------------- address

/** The view as the address keeps it; zoom/centre only once the map was moved from the
 * opening view (a link to the opening view stays #as_of=… and reopens the same). */
export function hashFor(s: { asOf: number; selected: string | null; tab: string;
                             view: { z: number; c: [number, number] } | null;
                             range?: [string, string] | null }): string {
  const q = new URLSearchParams();
  q.set("as_of", iso(s.asOf));
  if (s.selected) q.set("place", s.selected);
  if (s.view) { q.set("z", String(s.view.z)); q.set("c", `${s.view.c[0].toFixed(4)},${s.view.c[1].toFixed(4)}`); }
  if (s.range) { q.set("from", s.range[0]); q.set("to", s.range[1]); }
  if (s.tab !== "map") q.set("tab", s.tab);
  return "#" + q.toString();
}

/** The map's view when it differs from the opening one (by a zoom step or 2 px), else null. */
function movedView(): { z: number; c: [number, number] } | null {
  if (!map || !state.viewTracked || state.tab !== "map") return null;
  const z = map.getZoom(), c = map.getCenter();
  const d = state.defaultView;
  if (d && d.z === z) {
    const p = map.latLngToContainerPoint(d.c), size = map.getSize();
    if (Math.hypot(p.x - size.x / 2, p.y - size.y / 2) < 2) return null;
  }
  return { z, c: [c.lat, c.lng] };
}

let lastView: { z: number; c: [number, number] } | null = null;
/** A download range is being edited: focus has stayed in its From/To boxes since the edit's
 * first day was committed (that commit was the history step; the rest replace it). */
let rangeEditOpen = false;

/** Put the current view in the address: a new history entry ("push", a user's choice) or in
 * place of the current one ("replace"). Nothing is written while an address is applied. */
function writeHash(mode: "push" | "replace"): void {
  if (state.restoring) return;
  // on another tab the map is hidden (size 0): the address keeps the view it had
  const view = state.tab === "map" ? movedView() : lastView;
  lastView = view;
  const h = hashFor({ asOf: state.asOf, selected: state.selected, tab: state.tab, view,
                      range: state.exportRange });
  if (mode === "push") rangeEditOpen = false; // another step: a range edit after it is new
  if (location.hash === h) return;
  if (mode === "push") history.pushState(null, "", h);
  else history.replaceState(null, "", h);
}

/** Show what an address asks for: the tab, the day, the map view and the selected place;
 * what cannot be shown is said in the status line, and the rest of the view stays. */
async function applyHash(h: HashState): Promise<void> {
  state.restoring = true;
  rangeEditOpen = false; // back/forward ends a range edit: the next one is a step of its own
  const notes = [...h.problems];
  try {
    // back to the map first: a hidden map has no size to set a view on
    if (!h.tab && state.tab !== "map") showTab("map", false, false);
    if (h.day === "invalid") {
      const raw = new URLSearchParams(location.hash.replace(/^#/, "")).get("as_of");
      state.badHash = raw;
      notes.unshift(`the date “${raw}”, which is not a day (YYYY-MM-DD)`);
    } else if (typeof h.day === "number" && iso(h.day) !== iso(state.asOf)) {
      await setAsOf(h.day, "history");
    }
    if (h.view) {
      const c = map.getCenter();
      if (map.getZoom() !== h.view.z || Math.abs(c.lat - h.view.c[0]) > 1e-4 || Math.abs(c.lng - h.view.c[1]) > 1e-4) {
        map.setView(h.view.c, h.view.z, { animate: false });
      }
      lastView = h.view;
    } else if (state.viewTracked && state.defaultView && movedView()) {
      map.setView(state.defaultView.c, state.defaultView.z, { animate: false });
      lastView = null;
    }
    if (h.place && h.place !== state.selected) {
      const p = state.picture.find((x) => placeKey(x) === h.place) ?? await placeOffPicture(h.place);
      if (p) {
        const done = openPlace(p, false);
        // a known place with no controller that day: its panel says so, as when the date moves
        if (!state.picture.includes(p)) renderMissingPlace(iso(state.asOf));
        void done;
      } else {
        notes.push(`the place “${h.place}”, which has no control timeline`);
        if (state.selected) closePanel(false);
      }
    } else if (!h.place && state.selected) closePanel(false);
    applyExportRange(h.range);
    const asked = new URLSearchParams(location.hash.replace(/^#/, ""));
    if (!h.range && (asked.has("from") || asked.has("to"))) {
      status($("export-status"), "the address's download range is not two days as YYYY-MM-DD " +
             "(the first not after the second): showing the week to the date", "error");
    }
    if (h.tab && h.tab !== state.tab) showTab(h.tab, false, false);
  } finally {
    state.restoring = false;
    state.viewTracked = true;
  }
  state.hashNotes = notes;
  if (notes.length) hashMessage();
  writeHash("replace"); // the address now says what is shown
}

/** A place of the address that is not in the day's picture, from its control timeline (a
 * picture row's shape, from its first state); null when it has none. */
async function placeOffPicture(key: string): Promise<any | null> {
  // only places some event is about have a timeline: others would only log a 404
  if (!state.events.some((e) => e.place_id === key)) return null;
  try {
    const steps = items(await getJSON(`/timeline/${encodeURIComponent(key)}`, { evidence: "0" }));
    const s = steps[0]?.state ?? steps[0];
    if (!s) return null;
    return { place: s.place_name ?? key, place_id: s.place_id ?? key, lat: s.lat, lon: s.lon,
             controller: s.controller, since: s.since, grade: s.grade, score: s.score,
             disputed: s.disputed };
  } catch {
    return null;
  }
}

function hashMessage(): void {
  status($("map-status"), `The address names ${state.hashNotes.join("; and ")}: left out, ` +
         `showing ${iso(state.asOf)} instead.`, "error");
}

// ---------------------------------------------------------------------------------- exports

/** The export links for [from, to] (inclusive days): what the API's from/to take. */
export function exportLinks(from: string, to: string): Record<string, string> {
  const r = `from=${from}&to=${to}`;
  return {
    "export-geojson": `/api/export/geojson?${r}`,
    "export-timelines": `/api/export/geojson?what=timelines&${r}`,
    "export-acled": `/api/export/acled?${r}`,
    "export-ledger": `/api/export/ledger?${r}`,
    "export-brief": `/api/brief?${r}&format=html`,
  };
}

function setExportRange(from: string, to: string): void {
  $<HTMLInputElement>("export-from").value = from;
  $<HTMLInputElement>("export-to").value = to;
  for (const [id, href] of Object.entries(exportLinks(from, to))) $<HTMLAnchorElement>(id).href = href;
  status($("export-status"), "");
}

/** The export range follows the as-of date (the week to it) until a day is typed in it.
 *
 * From and To are one choice: a user who types both and then presses back expects the range
 * from before the edit, not half of it. So the first day committed (Enter or leaving the box)
 * pushes a history step and later commits replace it while focus stays in the two boxes; an
 * edit after focus has left them (or after back/forward) is a step of its own. The address is
 * rewritten at each commit, so a link copied mid-edit is what the boxes show. Tying the pair
 * to focus rather than to a time window keeps it independent of how fast someone types. */
function setupExports(): void {
  const from = $<HTMLInputElement>("export-from"), to = $<HTMLInputElement>("export-to");
  const commit = () => {
    const a = isoDay(from.value), b = isoDay(to.value);
    from.toggleAttribute("aria-invalid", a === null);
    to.toggleAttribute("aria-invalid", b === null);
    if (a === null || b === null) {
      status($("export-status"), "type both days as YYYY-MM-DD", "error");
      return;
    }
    if (a > b) { status($("export-status"), `${iso(a)} is after ${iso(b)}`, "error"); return; }
    const range: [string, string] = [iso(a), iso(b)];
    if (state.exportRange && range[0] === state.exportRange[0] && range[1] === state.exportRange[1]) return;
    state.exportRange = range;
    setExportRange(...range);
    // a range chosen is a step back can undo, and part of a shared link
    // (a change on leaving a box comes before its focusout, which closes the edit if need be)
    writeHash(rangeEditOpen ? "replace" : "push");
    rangeEditOpen = true;
  };
  // the edit ends when focus goes anywhere but the other box (a link, the map, another window)
  for (const x of [from, to]) {
    x.addEventListener("focusout", (e) => {
      const next = (e as FocusEvent).relatedTarget;
      if (next !== from && next !== to) rangeEditOpen = false;
    });
  }
  for (const x of [from, to]) {
    x.addEventListener("change", commit);
    x.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); commit(); } });
  }
  // a link followed before the range was fixed would download something else than it shows
  for (const id of Object.keys(exportLinks("", ""))) {
    $(id).addEventListener("click", (e) => {
      if (from.getAttribute("aria-invalid") !== null || to.getAttribute("aria-invalid") !== null) {
        e.preventDefault();
        status($("export-status"), "fix the range first (YYYY-MM-DD)", "error");
      }
    });
  }
}

/** The download range an address asks for (null: follow the as-of week again). */
function applyExportRange(range: [string, string] | null): void {
  for (const id of ["export-from", "export-to"]) $(id).removeAttribute("aria-invalid");
  state.exportRange = range;
  if (range) setExportRange(...range);
  else setExportRange(iso(state.asOf - 6 * DAY), iso(state.asOf));
}

async function loadRange(): Promise<void> {
  const [layers, events] = await Promise.all([
    getJSON("/layers").then(items).catch(() => []),
    getAll("/events").catch(() => []),
  ]);
  state.layers = layers;
  state.events = events;
  const days: number[] = [];
  for (const l of layers) if (l.layer_date) days.push(parseDay(l.layer_date));
  for (const e of events) {
    if (e.first_date) days.push(parseDay(e.first_date));
    if (e.last_date) days.push(parseDay(e.last_date));
  }
  if (days.length) {
    state.min = Math.min(...days) - 3 * DAY;
    state.max = Math.max(...days) + 3 * DAY;
  }
  const h = parseHash(location.hash).day;
  state.asOf = typeof h === "number" ? h : days.length ? Math.max(...days) : state.max;
}

// ---------------------------------------------------------------------------------- panel

function openPanel(): HTMLElement {
  const panel = $("panel");
  panel.hidden = false;
  document.body.classList.add("panel-open");
  return panel;
}

function closePanel(push = true): void {
  quietly(() => {
    $("panel").hidden = true;
    document.body.classList.remove("panel-open");
    state.selected = null;
    drawPlaces(state.picture);
    map?.invalidateSize();
  });
  writeHash(push ? "push" : "replace");
}

/** Run ``fn`` without writing the address (the map's moveend, fired synchronously by
 * invalidateSize, would otherwise replace the entry a user's step is about to push). */
function quietly<T>(fn: () => T): T {
  const was = state.restoring;
  state.restoring = true;
  try { return fn(); } finally { state.restoring = was; }
}

/** A user picked a settlement (map, list, keyboard): its panel opens, a history entry. */
function selectPlace(p: any, focus = true): void {
  const done = quietly(() => openPlace(p, focus)); // its synchronous part: selection, panel
  writeHash("push");
  void done;
}

/** The selected settlement has no stated controller on the chosen day. */
function renderMissingPlace(day: string): void {
  const line = $("panel-head").querySelector(".asof-line");
  if (line) line.textContent = `As of ${day}: no stated controller`;
}

function renderPlaceHeader(p: any): void {
  const head = $("panel-head");
  clear(head);
  append(head, [
    el("h2", { id: "panel-title", tabindex: "-1" }, p.place),
    el("p", { class: "asof-line" },
      `As of ${iso(state.asOf)}: `,
      el("strong", { class: `ctl ctl-${p.controller}` }, CONTROLLER_NAMES[p.controller] ?? p.controller),
      ` since ${p.since}`, " · grade ", el("strong", { class: "grade" }, p.grade),
      ` (score ${Number(p.score).toFixed(2)})`,
      p.disputed ? el("span", { class: "badge disputed" }, "disputed") : null),
  ]);
}

async function openPlace(p: any, focus = true): Promise<void> {
  const changed = state.selected !== placeKey(p);
  state.selected = placeKey(p);
  openPanel();
  if (changed) drawPlaces(state.picture); // highlight the selected dot
  renderPlaceHeader(p);
  const body = $("panel-body");
  if (focus || !body.childElementCount) {
    clear(body);
    body.appendChild(el("p", { class: "muted" }, "loading timeline…"));
  }
  if (focus) ($("panel-title") as HTMLElement).focus();
  map?.invalidateSize();
  let steps: any[] = [];
  try {
    steps = items(await getJSON(`/timeline/${encodeURIComponent(p.place_id || p.place)}`));
  } catch (e) {
    clear(body);
    body.appendChild(el("p", { class: "error" }, `timeline: ${(e as Error).message}`));
    return;
  }
  if (state.selected !== placeKey(p)) return;
  clear(body);
  body.appendChild(el("h3", {}, "Control timeline"));
  const ol = el("ol", { class: "timeline", "aria-label": `Control timeline of ${p.place}` });
  let current: any = null;
  const asOf = iso(state.asOf);
  for (const step of steps) {
    const s = step.state ?? step;
    const isNow = s.since <= asOf && (!s.until || s.until > asOf);
    if (isNow) current = step;
    const evIds: string[] = s.event_ids ?? [];
    ol.appendChild(el("li", { class: `tl ctl-${s.controller}${isNow ? " now" : ""}` },
      el("span", { class: "tl-date" }, `${s.since} → ${s.until ?? "…"}`), " ",
      el("strong", {}, CONTROLLER_NAMES[s.controller] ?? s.controller), ` · ${s.grade}`,
      s.disputed ? el("span", { class: "badge disputed" }, "disputed") : null,
      isNow ? el("span", { class: "badge" }, "as of date") : null,
      evIds.length ? el("span", { class: "tl-events" }, ...evIds.map((id) =>
        el("button", { type: "button", class: "linkish", onclick: () => openEvent(id, false) },
          `event ${id.slice(0, 12)}`))) : null));
  }
  if (!steps.length) ol.appendChild(el("li", {}, "no control states"));
  body.appendChild(ol);
  const evSection = el("section", { id: "event-detail", "aria-live": "polite" });
  body.appendChild(evSection);
  const pick = current ?? steps[steps.length - 1];
  const ids: string[] = (pick?.state ?? pick)?.event_ids ?? [];
  if (ids.length) await openEvent(ids[ids.length - 1], false);
  else if (pick?.evidence?.length) renderEvidence(evSection, pick.evidence);
}

async function openEvent(id: string, standalone = true): Promise<void> {
  if (standalone) {
    if (state.selected) { state.selected = null; drawPlaces(state.picture); }
    openPanel();
    const head = $("panel-head");
    clear(head);
    head.appendChild(el("h2", { id: "panel-title", tabindex: "-1" }, "Event"));
    clear($("panel-body"));
    $("panel-body").appendChild(el("section", { id: "event-detail", "aria-live": "polite" }));
  }
  const sec = $("event-detail");
  clear(sec);
  sec.appendChild(el("p", { class: "muted" }, "loading event…"));
  let d: any;
  try {
    d = await getJSON(`/events/${encodeURIComponent(id)}`);
  } catch (e) {
    clear(sec);
    sec.appendChild(el("p", { class: "error" }, `event ${id}: ${(e as Error).message}`));
    return;
  }
  const e = d.event ?? d;
  if (standalone) {
    // "open event" shows it where and when it happened: the map moves to it, the date to its day
    if (e.first_date && e.first_date !== iso(state.asOf)) await setAsOf(parseDay(e.first_date), "event");
    const ll = (e.lat != null && e.lon != null) ? [e.lat, e.lon] : state.coords.get(e.place_id);
    if (ll) map.setView(ll, Math.max(map.getZoom(), 9), { animate: false });
  }
  clear(sec);
  const what = e.kind === "control"
    ? `${e.place_name ?? "?"}: ${e.action}${e.new_controller && e.new_controller !== "unknown" ? ` (controller ${e.new_controller})` : ""}`
    : `${e.subject ?? e.place_name ?? "?"}: ${e.action}`;
  const when = e.first_date ? (e.last_date && e.last_date !== e.first_date ? `${e.first_date} … ${e.last_date}` : e.first_date) : "undated";
  append(sec, [
    el("h3", {}, "The claim"),
    el("p", { class: "claim" }, what, el("br"), el("small", {}, `${when} · ${e.time_precision ?? ""} · event ${e.id}`)),
    el("p", {}, "Grade ", el("strong", { class: "grade" }, e.grade),
      ` — source reliability ${e.reliability}, information credibility ${e.credibility}; ` +
      `${e.n_sources_independent} independent source group(s), ${e.n_mentions} mention(s)` +
      (e.contradicted ? "; contradicted" : "")),
  ]);
  if (d.explain) {
    sec.appendChild(el("details", { class: "explain" }, el("summary", {}, "Why this grade (explain)"),
      el("pre", {}, d.explain)));
  }
  renderEvidence(sec, d.evidence ?? []);
}

function renderEvidence(sec: HTMLElement, evidence: any[]): void {
  for (const role of ["supporting", "contradicting"]) {
    const rows = evidence.filter((x) => (x.role ?? "supporting") === role);
    sec.appendChild(el("h3", {}, `${role === "supporting" ? "Supporting" : "Contradicting"} sources (${rows.length})`));
    if (!rows.length) { sec.appendChild(el("p", { class: "muted" }, "none")); continue; }
    const ul = el("ul", { class: `evidence ${role}` });
    for (const x of rows) {
      const media: string[] = [...(x.media ?? []), ...(x.evidence_urls ?? [])];
      ul.appendChild(el("li", { class: "ev" },
        el("div", { class: "ev-meta" },
          el("strong", {}, x.outlet ?? "unknown outlet"), " · ",
          x.published_at ? String(x.published_at).slice(0, 16).replace("T", " ") : "undated", " · ",
          x.url ? extLink(x.url, "source link") : el("span", { class: "muted" }, "no link"),
          x.duplicate_of ? el("span", { class: "badge" }, `copy of ${String(x.duplicate_of).slice(0, 12)}`) : null),
        el("blockquote", { class: "ev-sentence" },
          x.sentence != null ? el("mark", {}, x.sentence) : highlighted(x.text ?? "", x.start, x.end)),
        el("div", { class: "ev-ids muted" }, `${x.source_id} [${x.start}:${x.end}]`),
        media.length ? el("div", { class: "media" }, "Photos/videos: ",
          ...media.map((u, i) => [i ? ", " : "", extLink(u, mediaLabel(u))])) : null));
    }
    sec.appendChild(ul);
  }
}

function mediaLabel(u: string): string {
  try { const p = new URL(u).pathname; return p.split("/").pop() || u; } catch { return u; }
}

// ---------------------------------------------------------------------------------- tables

type Col = { key: string; label: string; num?: boolean; fmt?: (r: any) => string | Node };

function sortableTable(host: HTMLElement, rows: any[], cols: Col[], caption: string,
                       initial: { key: string; dir: 1 | -1 } = { key: cols[0].key, dir: 1 }): void {
  clear(host);
  let sortKey = initial.key;
  let dir: number = initial.dir;
  const filter = el("input", { type: "search", id: `${host.id}-filter`, placeholder: "filter…",
                               "aria-controls": `${host.id}-table` });
  const count = el("span", { class: "muted", "aria-live": "polite" });
  const table = el("table", { id: `${host.id}-table` });
  const thead = el("thead");
  const tbody = el("tbody");
  table.append(el("caption", {}, caption), thead, tbody);
  const headRow = el("tr");
  const ths: HTMLTableCellElement[] = [];
  for (const c of cols) {
    const th = el("th", { scope: "col", "aria-sort": "none", class: c.num ? "num" : "" },
      el("button", { type: "button", class: "sort", onclick: () => {
        // a count is read largest first; text A→Z first
        dir = sortKey === c.key ? -dir : c.num ? -1 : 1; sortKey = c.key; render();
      } }, c.label));
    ths.push(th);
    headRow.appendChild(th);
  }
  thead.appendChild(headRow);
  const cellText = (r: any, c: Col) => {
    const v = r[c.key];
    return Array.isArray(v) ? v.join(" ") : v == null ? "" : String(v);
  };
  const render = () => {
    // every word must match some column: "RU tank" finds Russian tanks
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const col = cols.find((c) => c.key === sortKey)!;
    const shown = rows.filter((r) => words.every((w) =>
      cols.some((c) => cellText(r, c).toLowerCase().includes(w))));
    shown.sort((a, b) => {
      const x = a[sortKey], y = b[sortKey];
      if (col.num) return dir * ((Number(x) || 0) - (Number(y) || 0));
      return dir * cellText(a, col).localeCompare(cellText(b, col));
    });
    clear(tbody);
    for (const r of shown) {
      tbody.appendChild(el("tr", {}, ...cols.map((c) => el("td", { class: c.num ? "num" : "" },
        c.fmt ? c.fmt(r) : cellText(r, c)))));
    }
    ths.forEach((th, i) => th.setAttribute("aria-sort",
      cols[i].key === sortKey ? (dir > 0 ? "ascending" : "descending") : "none"));
    count.textContent = `${shown.length} of ${rows.length} rows`;
  };
  filter.addEventListener("input", render);
  host.append(el("div", { class: "table-tools" },
    el("label", { for: filter.id }, "Filter "), filter, " ", count),
    el("div", { class: "table-wrap" }, table));
  render();
}

/** One line per side: its total and the count per fate, as Oryx heads its lists. */
export function sideTotals(rows: any[]): HTMLElement {
  const fates = ["destroyed", "damaged", "abandoned", "captured"];
  const by = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const t = by.get(r.side) ?? { total: 0, unknown: 0, ...Object.fromEntries(fates.map((f) => [f, 0])) };
    for (const k of ["total", "unknown", ...fates]) t[k] += Number(r[k]) || 0;
    by.set(r.side, t);
  }
  const ul = el("ul", { class: "side-totals" });
  for (const [side, t] of [...by].sort()) {
    ul.appendChild(el("li", { "data-side": side }, el("strong", {}, `${CONTROLLER_NAMES[side] ?? side}: ${t.total}`),
      ` (${fates.map((f) => `${f} ${t[f]}`).join(", ")}${t.unknown ? `; ${t.unknown} of unknown fate, not in the total` : ""})`));
  }
  return ul;
}

function cites(r: any): Node {
  const cs: any[] = r.citations ?? (r.citation ? [r.citation] : []);
  if (!cs.length) return document.createTextNode(r.sentence ?? "");
  const d = el("details", {}, el("summary", {}, `${cs.length} citation(s)`));
  for (const c of cs) {
    d.appendChild(el("p", { class: "cite-row" }, el("strong", {}, c.outlet ?? "?"), " ",
      c.published_at ? String(c.published_at).slice(0, 10) : "", ": ",
      el("mark", {}, c.sentence ?? ""), " ", c.url ? extLink(c.url, "link") : null));
  }
  return d;
}

async function loadLedgers(): Promise<void> {
  const [eq, claims] = await Promise.all([
    getAll("/ledger/equipment").catch((e) => { status($("ledger-equipment"), String(e.message), "error"); return null; }),
    getJSON("/ledger/claims", { limit: "1000" }).then(items).catch((e) => { status($("ledger-claims"), String(e.message), "error"); return null; }),
  ]);
  if (eq) {
    sortableTable($("ledger-equipment"), eq, [
      { key: "side", label: "Side" }, { key: "category", label: "Category" },
      { key: "type", label: "Type" }, { key: "destroyed", label: "Destroyed", num: true },
      { key: "damaged", label: "Damaged", num: true }, { key: "abandoned", label: "Abandoned", num: true },
      { key: "captured", label: "Captured", num: true }, { key: "unknown", label: "Unknown", num: true },
      { key: "total", label: "Total", num: true },
      { key: "citations", label: "Evidence", fmt: cites },
    ], "Equipment losses (Oryx-style: an event counts once)", { key: "total", dir: -1 });
    $("ledger-equipment").prepend(sideTotals(eq));
  }
  if (claims) {
    sortableTable($("ledger-claims"), claims, [
      { key: "published_at", label: "Published", fmt: (r) => r.published_at ? String(r.published_at).slice(0, 16).replace("T", " ") : "undated" },
      { key: "speaker", label: "Speaker" }, { key: "role", label: "Role" },
      { key: "side", label: "Side" },
      { key: "against_interest", label: "Against interest", fmt: (r) => r.against_interest ? "yes" : "" },
      { key: "direct", label: "Direct quote", fmt: (r) => r.direct ? "yes" : "reported" },
      { key: "quote", label: "Quote", fmt: (r) => el("mark", {}, r.quote ?? "") },
      { key: "outlet", label: "Outlet", fmt: (r) => r.url ? extLink(r.url, r.outlet ?? "link") : (r.outlet ?? "") },
    ], "Claims ledger (statements; first 1000)", { key: "published_at", dir: -1 });
  }
}

async function loadContradictions(): Promise<void> {
  const host = $("contradictions-list");
  let rows: any[];
  try { rows = await getAll("/contradictions"); } catch (e) { status(host, (e as Error).message, "error"); return; }
  clear(host);
  if (!rows.length) { host.textContent = "No contradictions."; return; }
  const ul = el("ul", { class: "contra" });
  for (const c of rows) {
    ul.appendChild(el("li", {},
      el("h3", {}, `${c.place_name ?? "—"} · ${c.kind.replace(/_/g, " ")}`),
      el("p", {}, c.reason),
      el("div", { class: "pair" },
        el("div", {}, el("strong", {}, c.a_outlet ?? c.a_source_id), ` ${c.a_date ?? ""}`,
          el("blockquote", {}, el("mark", {}, c.a_quote ?? "")),
          c.a_event_id ? el("button", { type: "button", class: "linkish", onclick: () => openEventFromTab(c.a_event_id) }, "open event") : null),
        el("div", {}, el("strong", {}, c.b_outlet ?? c.b_source_id), ` ${c.b_date ?? ""}`,
          el("blockquote", {}, el("mark", {}, c.b_quote ?? "")),
          c.b_event_id ? el("button", { type: "button", class: "linkish", onclick: () => openEventFromTab(c.b_event_id) }, "open event") : null))));
  }
  host.appendChild(ul);
}

function openEventFromTab(id: string): void {
  (document.querySelector("[data-view=map]") as HTMLButtonElement).click();
  void openEvent(id);
}

// ---------------------------------------------------------------------------------- brief

function setupBrief(): void {
  const from = $<HTMLInputElement>("brief-from");
  const to = $<HTMLInputElement>("brief-to");
  from.value = iso(state.asOf - 6 * DAY);
  to.value = iso(state.asOf);
  $("brief-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const fmt = $<HTMLSelectElement>("brief-format").value;
    const out = $("brief-out");
    clear(out);
    status($("brief-status"), "loading…");
    try {
      if (fmt === "html") {
        const html = await getText("/brief", { from: from.value, to: to.value, format: "html" });
        // sandbox with no tokens: no scripts, no forms, no same-origin; CSP is inherited too
        const frame = el("iframe", { sandbox: "", title: "Daily brief (HTML)", class: "brief-frame",
                                      referrerpolicy: "no-referrer" });
        frame.srcdoc = html;
        out.appendChild(frame);
      } else if (fmt === "md") {
        out.appendChild(el("pre", { class: "brief-text" },
          await getText("/brief", { from: from.value, to: to.value, format: "md" })));
      } else {
        const j = await getJSON("/brief", { from: from.value, to: to.value, format: "json" });
        out.appendChild(el("pre", { class: "brief-text" }, JSON.stringify(j, null, 2)));
      }
      status($("brief-status"), `brief ${from.value} – ${to.value}`);
    } catch (e) {
      status($("brief-status"), (e as Error).message, "error");
    }
  });
}

// ---------------------------------------------------------------------------------- ingest

function setupIngest(): void {
  const form = $<HTMLFormElement>("ingest-form");
  const token = $<HTMLInputElement>("ingest-token");
  try { token.value = sessionStorage.getItem("fl-token") ?? ""; } catch { /* storage off */ }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = $<HTMLInputElement>("ingest-file").files?.[0];
    const url = $<HTMLInputElement>("ingest-url").value.trim();
    const out = $("ingest-result");
    const bar = $<HTMLProgressElement>("ingest-progress");
    clear(out);
    if (!file && !url) { status($("ingest-status"), "choose a file or enter a URL", "error"); return; }
    try { sessionStorage.setItem("fl-token", token.value); } catch { /* storage off */ }
    const submit = form.querySelector("button[type=submit]") as HTMLButtonElement;
    submit.disabled = true;
    bar.hidden = false;
    bar.removeAttribute("value");
    status($("ingest-status"), file ? `uploading ${file.name}…` : `fetching ${url}…`);
    try {
      let body: FormData | string;
      if (file) { body = new FormData(); body.append("file", file, file.name); }
      else body = JSON.stringify({ url });
      const process = $<HTMLInputElement>("ingest-process").checked;
      const res = await ingest(body, token.value.trim(), process, (loaded, total) => {
        if (total) { bar.max = total; bar.value = loaded; }
        if (total && loaded >= total) status($("ingest-status"), "uploaded; processing on the server…");
      });
      bar.max = 1; bar.value = 1;
      renderIngestReport(out, res);
      status($("ingest-status"), res?.error ? `refused: ${res.error}` : "done",
             res?.error ? "error" : "info");
      loaded.delete("ledgers"); loaded.delete("contradictions");
      void loadRange().then(() => setAsOf(state.asOf));
      void loadStats(); // the freshness line: a newer source, a new fusion run
    } catch (e) {
      status($("ingest-status"), (e as Error).message, "error");
    } finally {
      submit.disabled = false;
    }
  });
}

function renderIngestReport(out: HTMLElement, res: any): void {
  const reports: any[] = Array.isArray(res) ? res : res?.inputs ?? res?.items ?? [res];
  const table = el("table", { class: "ingest-report" }, el("caption", {}, "Per-input report"),
    el("thead", {}, el("tr", {}, ...["input", "format", "added", "skipped", "error"].map((h) => el("th", { scope: "col" }, h)))));
  const tb = el("tbody");
  for (const r of reports) {
    tb.appendChild(el("tr", { class: r.error ? "bad" : "ok" },
      el("td", {}, r.origin ?? ""), el("td", {}, r.format ?? ""),
      el("td", { class: "num" }, String(r.added ?? r.stored ?? "")),
      el("td", { class: "num" }, String(r.skipped ?? "")),
      el("td", {}, r.error ?? (r.item_errors?.length ? r.item_errors.join("; ") : "—"))));
  }
  table.appendChild(tb);
  const extra: Node[] = [];
  for (const r of reports) {
    if (r.extract) extra.push(el("p", {}, `extracted: ${r.extract.processed ?? "?"} source(s), ${r.extract.records ?? "?"} record(s)`));
    if (r.fusion) extra.push(el("p", {}, `fusion: ${Object.entries(r.fusion).filter(([, v]) => typeof v === "number").map(([k, v]) => `${k.replace(/_/g, " ")} ${v}`).join(", ")}`));
  }
  out.append(table, ...extra, el("details", {}, el("summary", {}, "raw response"),
    el("pre", {}, JSON.stringify(res, null, 2))));
}

// ---------------------------------------------------------------------------------- search, stats

function setupSearch(): void {
  $("search-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const q = $<HTMLInputElement>("search-q").value.trim();
    const out = $("search-results");
    clear(out);
    if (!q) return;
    try {
      const rows = items(await getJSON("/search", { q }));
      out.hidden = false;
      out.appendChild(el("p", { class: "muted" }, `${rows.length} result(s) for “${q}” `,
        el("button", { type: "button", class: "linkish", onclick: () => { out.hidden = true; $("search-q").focus(); } }, "close")));
      const ul = el("ul");
      for (const r of rows.slice(0, 50)) {
        const s = r.source ?? r;
        const snippet: string = r.snippet ?? s.text?.slice(0, 200) ?? "";
        const off = snippet && r.match_start != null && s.text ? snippet.indexOf(s.text.slice(r.match_start, r.match_end)) : -1;
        ul.appendChild(el("li", {}, el("strong", {}, s.outlet ?? s.origin ?? s.id), " ",
          s.published_at ? String(s.published_at).slice(0, 10) : "", " ", s.url ? extLink(s.url, "link") : null,
          el("div", { class: "snippet" }, off >= 0
            ? highlighted(snippet, off, off + (r.match_end - r.match_start)) : document.createTextNode(snippet))));
      }
      out.appendChild(ul);
    } catch (e) {
      out.hidden = false;
      out.appendChild(el("p", { class: "error" }, (e as Error).message));
    }
  });
}

/** "2022-09-14 09:30 UTC" from an ISO time (the API's are UTC or carry an offset). */
export function utcMinute(t: string | null | undefined): string | null {
  if (!t) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** The data-freshness line: the newest source and the last fusion run, and a warning when the
 * picture is older than what is stored. */
export function freshnessText(s: any): string {
  const parts: string[] = [];
  const newest = utcMinute(s.newest_source);
  parts.push(newest ? `newest source ${newest.slice(0, 10)}` : "no dated source");
  const fused = utcMinute(s.fused_at);
  parts.push(fused ? `last fusion ${fused}` : "never fused (run frontlens fuse)");
  let out = "Data: " + parts.join(" · ");
  if (s.fusion_stale) out += ` · out of date: ${s.fusion_stale}`;
  return out;
}

async function loadStats(): Promise<void> {
  try {
    const s = await getJSON("/stats");
    const fresh = $("freshness");
    fresh.textContent = freshnessText(s);
    fresh.dataset.kind = s.fusion_stale || !s.fused_at ? "error" : "info";
    if (s.newest_retrieved) fresh.title = `newest retrieval ${utcMinute(s.newest_retrieved)}`;
    const c = s.counts ?? s;
    const parts = Object.entries(c).filter(([, v]) => typeof v === "number" && v > 0).slice(0, 8)
      .map(([k, v]) => `${k.replace(/_/g, " ")} ${v}`);
    $("stats").textContent = parts.join(" · ");
    if (s.writes_enabled === false) $("ingest-status").textContent = "The server has writes disabled: ingest will be refused.";
  } catch { /* optional */ }
}

/** The points near the bulk of the data: those within 3× the median distance from the
 * median point (at least 150 km), so one far-away dot does not zoom the view out to it. */
export function nearBulk(pts: number[][]): number[][] {
  if (pts.length < 4) return pts;
  const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
  const lat0 = med(pts.map((p) => p[0])), lon0 = med(pts.map((p) => p[1]));
  const kx = Math.cos((lat0 * Math.PI) / 180);
  const km = (p: number[]) => 111 * Math.hypot(p[0] - lat0, (p[1] - lon0) * kx);
  const limit = Math.max(150, 3 * med(pts.map(km)));
  return pts.filter((p) => km(p) <= limit);
}

/** Zoom to the settlements of the picture (the area the data is about), once at start. */
function fitToData(): void {
  const pts = nearBulk(state.picture.filter((p) => p.lat != null && p.lon != null)
    .map((p) => [p.lat, p.lon]));
  if (!pts.length) return;
  const b = L.latLngBounds(pts).pad(pts.length > 1 ? 0.6 : 0);
  // no animation: the first view is drawn once, at its final zoom, by every renderer
  if (pts.length === 1) map.setView(pts[0], 9, { animate: false });
  else map.fitBounds(b, { maxZoom: 9, animate: false });
}

// ---------------------------------------------------------------------------------- start

async function main(): Promise<void> {
  (window as any).__fl = { ready: false, lastAsOfMs: null, asOf: null };
  setupTabs();
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    if (!$("search-results").hidden) { $("search-results").hidden = true; return; }
    if (!$("panel").hidden) closePanel();
  });
  $("panel-close").addEventListener("click", () => closePanel());
  const first = parseHash(location.hash); // read before anything rewrites the address
  await Promise.all([setupMap(), loadRange()]);
  setupTime();
  setupExports();
  setupBrief();
  setupIngest();
  setupSearch();
  void loadStats();
  await setAsOf(state.asOf, "init");
  fitToData();
  state.defaultView = { z: map.getZoom(), c: [map.getCenter().lat, map.getCenter().lng] };
  await applyHash(first);
  (window as any).__fl.map = map;
  (window as any).__fl.ready = true;
  document.body.dataset.ready = "1";
}

void main();
