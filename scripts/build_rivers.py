"""Write the dashboard's offline river layer: src/frontlens/serve/static/basemap/rivers.geojson.

Source: Natural Earth 1:10m physical themes "rivers_lake_centerlines" (the world's main
rivers: Dnipro, Siverskyi Donets, Desna, Southern Bug, Dniester, Prypiat, ...) and its regional
supplement "rivers_europe" (smaller rivers such as the Oskil, Teteriv, Ros). Natural Earth is
in the public domain (no permission needed, credit appreciated: "Made with Natural Earth").
Both are read as GeoJSON (the shapefiles converted with ogr2ogr, or a published GeoJSON
conversion of them); the raw files (15 MB) are not kept in the repository, only the result.

What is kept: the parts of the lines within the box around Ukraine (BOX, with one point past
its edge so lines reach it), simplified with Douglas-Peucker (TOLERANCE degrees, about 1 km:
the dashboard's widest useful zoom on a river shows it at that detail) and rounded to 3
decimals (about 100 m). Names follow the Ukrainian romanisation the rest of the dashboard uses
where Natural Earth has the Russian form (RENAME); nameless minor streams are left out. The
properties per feature are ``name`` (or null) and ``rank`` (Natural Earth's scalerank: lower
is a bigger river); features of one river and rank are merged into one MultiLineString.

Usage: python scripts/build_rivers.py NE_10M_RIVERS_LAKE_CENTERLINES.json NE_10M_RIVERS_EUROPE.json
       [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "frontlens" / "serve" / "static" / "basemap" / "rivers.geojson"
BOX = (21.5, 44.0, 41.0, 52.8)  # lon/lat: Ukraine and a margin of its neighbours
TOLERANCE = 0.01
MIN_UNNAMED_RANK = 10  # nameless lines of this scalerank or smaller rivers are left out
RENAME = {
    "Donets": "Siverskyi Donets", "Seversky Donets": "Siverskyi Donets", "Oskol": "Oskil",
    "Pripyat": "Prypiat", "Prypyat": "Prypiat", "Seym": "Seim", "Bug": "Western Bug",
    "Zakhidnyy Buh": "Western Bug",
}

Point = tuple[float, float]


def _inside(p: Point) -> bool:
    return BOX[0] <= p[0] <= BOX[2] and BOX[1] <= p[1] <= BOX[3]


def clip_runs(line: list[Point]) -> list[list[Point]]:
    """The runs of a line inside BOX, each with its neighbour outside (so it reaches the edge)."""
    runs: list[list[Point]] = []
    cur: list[Point] = []
    for i, p in enumerate(line):
        if _inside(p):
            if not cur and i > 0:
                cur.append(line[i - 1])
            cur.append(p)
        elif cur:
            cur.append(p)
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return [r for r in runs if len(r) >= 2]


def simplify(line: list[Point], tol: float) -> list[Point]:
    """Douglas-Peucker: keep the points farther than ``tol`` from the chord (iterative)."""
    if len(line) < 3:
        return line
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = line[a], line[b]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        far, at = -1.0, -1
        for i in range(a + 1, b):
            x, y = line[i]
            d = (abs(dy * x - dx * y + x2 * y1 - y2 * x1) / norm if norm
                 else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5)
            if d > far:
                far, at = d, i
        if at >= 0 and far > tol:
            keep[at] = True
            stack += [(a, at), (at, b)]
    return [p for p, k in zip(line, keep, strict=True) if k]


def _lines(geom: dict[str, object]) -> list[list[Point]]:
    coords = geom.get("coordinates") or []
    parts = coords if geom.get("type") == "MultiLineString" else [coords]
    return [[(float(x), float(y)) for x, y, *_ in part] for part in parts]  # type: ignore[union-attr]


def build(paths: list[Path]) -> dict[str, object]:
    merged: dict[tuple[str | None, int], list[list[list[float]]]] = defaultdict(list)
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            features = data["features"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SystemExit(f"{path}: not a GeoJSON FeatureCollection ({exc})") from exc
        for f in features:
            geom, props = f.get("geometry"), f.get("properties") or {}
            if not geom or geom.get("type") not in ("LineString", "MultiLineString"):
                continue
            raw = props.get("name") or props.get("name_en")  # "Dnipro", not "Dnieper"
            name = RENAME.get(raw, raw) if isinstance(raw, str) else None
            rank = int(float(props.get("scalerank") or 12))
            if name is None and rank >= MIN_UNNAMED_RANK:
                continue  # nameless minor streams: a quarter of the points, little to read
            for line in _lines(geom):
                for run in clip_runs(line):
                    pts = simplify(run, TOLERANCE)
                    out = [[round(x, 3), round(y, 3)] for x, y in pts]
                    out = [p for i, p in enumerate(out) if i == 0 or p != out[i - 1]]
                    # a corner clipped to its two outside points is no river on the map
                    if len(out) >= 2 and any(_inside((x, y)) for x, y in out):
                        merged[(name, rank)].append(out)
    features_out = [
        {"type": "Feature", "properties": {"name": name, "rank": rank},
         "geometry": {"type": "MultiLineString", "coordinates": parts}}
        for (name, rank), parts in sorted(merged.items(),
                                          key=lambda kv: (kv[0][1], kv[0][0] or "~"))
    ]
    return {
        "type": "FeatureCollection",
        "attribution": "Rivers: Natural Earth 1:10m rivers_lake_centerlines and rivers_europe "
                       "(public domain), clipped and simplified by scripts/build_rivers.py",
        "features": features_out,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="+", type=Path,
                    help="Natural Earth river GeoJSON files (10m centerlines, 10m Europe)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    for p in args.sources:
        if not p.is_file():
            print(f"ERROR: {p}: no such file", file=sys.stderr)
            return 1
    fc = build(args.sources)
    args.out.write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n",
                        encoding="utf-8")
    n = len(fc["features"])  # type: ignore[arg-type]
    print(f"{args.out}: {n} river features, {args.out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
