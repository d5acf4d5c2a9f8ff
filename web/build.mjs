// Build the dashboard into src/frontlens/serve/static/ (no network, no CDN):
//  - bundles web/src/main.ts with esbuild into static/app.js (ES2020, one file, sourcemap-free)
//  - copies Leaflet's JS/CSS/images into static/vendor/leaflet/
//  - converts world-atlas countries-50m (Natural Earth 1:50m, TopoJSON) to GeoJSON, clipped to
//    the countries around Ukraine and rounded to 3 decimals: static/basemap/countries.geojson
import { build } from "esbuild";
import { cpSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { feature } from "topojson-client";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const stat = join(root, "src", "frontlens", "serve", "static");
const nm = join(here, "node_modules");

await build({
  entryPoints: [join(here, "src", "main.ts")],
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  legalComments: "none",
  outfile: join(stat, "app.js"),
  logLevel: "info",
});

const vend = join(stat, "vendor", "leaflet");
mkdirSync(join(vend, "images"), { recursive: true });
for (const f of ["leaflet.js", "leaflet.css", "LICENSE"]) {
  const src = f === "LICENSE" ? join(nm, "leaflet", "LICENSE") : join(nm, "leaflet", "dist", f);
  copyFileSync(src, join(vend, f));
}
cpSync(join(nm, "leaflet", "dist", "images"), join(vend, "images"), { recursive: true });

// Swagger UI for the API's /docs page, served from here instead of a CDN
const sw = join(stat, "vendor", "swagger-ui");
mkdirSync(sw, { recursive: true });
for (const f of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE"]) {
  copyFileSync(join(nm, "swagger-ui-dist", f), join(sw, f));
}

// countries: keep those whose bbox meets [10,40]-[55,60] (Ukraine and its neighbours)
const topo = JSON.parse(readFileSync(join(nm, "world-atlas", "countries-50m.json"), "utf8"));
const fc = feature(topo, topo.objects.countries);
const box = [10, 38, 55, 62];
const round = (c) => (typeof c[0] === "number" ? [Math.round(c[0] * 1e3) / 1e3, Math.round(c[1] * 1e3) / 1e3] : c.map(round));
function bbox(coords, b = [180, 90, -180, -90]) {
  if (typeof coords[0] === "number") {
    b[0] = Math.min(b[0], coords[0]); b[1] = Math.min(b[1], coords[1]);
    b[2] = Math.max(b[2], coords[0]); b[3] = Math.max(b[3], coords[1]);
  } else for (const c of coords) bbox(c, b);
  return b;
}
const keep = fc.features.filter((f) => {
  if (!f.geometry) return false;
  const b = bbox(f.geometry.coordinates);
  return b[0] < box[2] && b[2] > box[0] && b[1] < box[3] && b[3] > box[1];
}).map((f) => ({
  type: "Feature",
  properties: { name: f.properties.name, id: f.id ?? null },
  geometry: { type: f.geometry.type, coordinates: round(f.geometry.coordinates) },
}));
mkdirSync(join(stat, "basemap"), { recursive: true });
writeFileSync(join(stat, "basemap", "countries.geojson"), JSON.stringify({
  type: "FeatureCollection",
  attribution: "Natural Earth 1:50m via world-atlas (public domain / ISC)",
  features: keep,
}));
console.log(`basemap/countries.geojson: ${keep.length} countries`);
