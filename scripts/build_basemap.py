"""Write the dashboard's offline place labels: major Ukrainian cities and oblast centres.

Reads the bundled gazetteer (src/frontlens/data/gazetteer.sqlite) and writes a compact GeoJSON
FeatureCollection of points (coordinates rounded to 4 decimals, ~10 m) to
src/frontlens/serve/static/basemap/places.geojson. Country boundaries come from the
``world-atlas`` npm package and are converted by web/build.mjs, not here.

The gazetteer holds points only, so oblast *outlines* are derived: every Ukrainian settlement
gets its Voronoi cell, cells are merged by the settlement's oblast and clipped to Ukraine's
outline from countries.geojson (built first by web/build.mjs). The result follows the real
boundaries to within the spacing of villages (a few km) — good enough for orientation on a
dashboard, not for measuring (mapdiff uses the control layers, never these outlines). Written
to basemap/oblasts.geojson.

Usage: python scripts/build_basemap.py [--min-population 50000] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GAZETTEER = REPO / "src" / "frontlens" / "data" / "gazetteer.sqlite"
OUT = REPO / "src" / "frontlens" / "serve" / "static" / "basemap" / "places.geojson"


def _feature(lon: float, lat: float, props: dict[str, object]) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 4), round(lat, 4)]},
        "properties": props,
    }


def build(gazetteer: Path, min_population: int) -> dict[str, object]:
    conn = sqlite3.connect(f"file:{gazetteer}?mode=ro", uri=True)
    try:
        cities = conn.execute(
            "SELECT name, name_uk, lat, lon, population, subtype, admin1 FROM places "
            "WHERE country = 'UA' AND subtype IN ('city', 'capital') AND lat IS NOT NULL "
            "AND population >= ? AND name_uk IS NOT NULL AND name_uk != '' "
            "ORDER BY population DESC",
            (min_population,),
        ).fetchall()
        oblasts = conn.execute(
            "SELECT name, name_uk, lat, lon FROM places "
            "WHERE country = 'UA' AND subtype = 'oblast' AND lat IS NOT NULL ORDER BY name"
        ).fetchall()
    finally:
        conn.close()
    features: list[dict[str, object]] = []
    seen: set[str] = set()
    for name, name_uk, lat, lon, pop, subtype, admin1 in cities:
        # the gazetteer has city districts (admin1 a bare code) and a few duplicate names
        if name in seen or not admin1 or admin1.isdigit():
            continue
        seen.add(name)
        rank = 1 if subtype == "capital" or pop >= 700_000 else 2 if pop >= 200_000 else 3
        features.append(_feature(lon, lat, {"name": name, "name_uk": name_uk, "kind": "city",
                                            "rank": rank, "population": pop}))
    for name, name_uk, lat, lon in oblasts:
        features.append(_feature(lon, lat, {"name": name, "name_uk": name_uk or name,
                                            "kind": "oblast", "rank": 0, "population": None}))
    return {
        "type": "FeatureCollection",
        "attribution": "frontlens gazetteer: Who's On First (CC0), GeoNames (CC BY 4.0)",
        "features": features,
    }


def oblast_outlines(gazetteer: Path, countries: Path) -> dict[str, object]:
    """Approximate oblast polygons: settlements' Voronoi cells merged per oblast, clipped to
    Ukraine, simplified (0.01°) and rounded to 3 decimals."""
    import numpy as np
    import shapely
    from shapely.geometry import mapping, shape

    ukraine = next(shape(f["geometry"]) for f in json.loads(countries.read_text())["features"]
                   if f["properties"].get("name") == "Ukraine")
    conn = sqlite3.connect(f"file:{gazetteer}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT lon, lat, admin1 FROM places WHERE country = 'UA' AND fclass = 'settlement' "
            "AND lat IS NOT NULL AND (admin1 LIKE '% Oblast' OR admin1 IN ('Crimea', 'Kyiv', "
            "'Sevastopol'))").fetchall()
    finally:
        conn.close()
    pts = shapely.points(np.array([(r[0], r[1]) for r in rows]))
    keep = shapely.contains(ukraine.buffer(0.05), pts)
    pts, names = pts[keep], [r[2] for r, k in zip(rows, keep, strict=True) if k]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts),
                                                       extend_to=ukraine.envelope))
    tree = shapely.STRtree(pts)
    cell_idx, pt_idx = tree.query(cells, predicate="contains")
    by_oblast: dict[str, list[object]] = {}
    for c, p in zip(cell_idx, pt_idx, strict=True):
        by_oblast.setdefault(names[p], []).append(cells[c])
    features = []
    for name, parts in sorted(by_oblast.items()):
        geom = shapely.intersection(shapely.union_all(parts), ukraine)
        geom = shapely.set_precision(shapely.simplify(geom, 0.01), 0.001)
        if not geom.is_empty:
            features.append({"type": "Feature", "geometry": mapping(geom),
                             "properties": {"name": name, "derived": "voronoi"}})
    return {"type": "FeatureCollection",
            "note": "approximate: Voronoi cells of gazetteer settlements merged per oblast",
            "features": features}


CRIMEA_BOX = (32.4, 44.3, 36.65, 46.3)
"""lon/lat box holding the Crimean peninsula and Sevastopol (and no part of Russia's mainland:
the Taman peninsula starts east of 36.65°)."""


def de_jure(fc: dict[str, object]) -> dict[str, object]:
    """Crimea drawn as Ukraine: Natural Earth's 1:50m countries give the peninsula to Russia
    (its "de facto" view). The internationally recognised border is drawn instead, and the
    occupation is what the control-map layers show. The pieces of Russia whose centre lies
    in :data:`CRIMEA_BOX` move to Ukraine, merged with it (they share the Perekop line)."""
    import shapely
    from shapely.geometry import MultiPolygon, box, mapping, shape

    feats = fc["features"]  # type: ignore[index]
    ru = next(f for f in feats if f["properties"].get("name") == "Russia")  # type: ignore[union-attr]
    ua = next(f for f in feats if f["properties"].get("name") == "Ukraine")  # type: ignore[union-attr]
    crimea_box = box(*CRIMEA_BOX)
    parts = list(shapely.get_parts(shape(ru["geometry"])))
    moved = [p for p in parts if crimea_box.contains(p.centroid)]
    if not moved:
        return fc
    # Russia keeps its other parts as they are (Natural Earth's rounded rings are not all
    # valid, so they are not re-unioned); Ukraine and the peninsula become one outline
    ru["geometry"] = mapping(MultiPolygon([p for p in parts if p not in moved]))
    ua["geometry"] = mapping(shapely.set_precision(shapely.union_all(
        [shapely.make_valid(g) for g in (shape(ua["geometry"]), *moved)]), 0.001))
    return fc


def ccw(fc: dict[str, object]) -> dict[str, object]:
    """Every polygon ring in RFC 7946 orientation: exteriors counter-clockwise, holes
    clockwise (GDAL and some web renderers read clockwise exteriors as holes); and every
    polygon a MultiPolygon, so GDAL sees one geometry type per file (a mix of Polygon and
    MultiPolygon is "Unknown" to it, and QGIS splits the file into sublayers)."""
    from shapely.geometry import MultiPolygon, mapping, shape
    from shapely.geometry.polygon import orient

    def fix(g: object) -> object:
        if g.geom_type == "Polygon":  # type: ignore[attr-defined]
            return MultiPolygon([orient(g, 1.0)])  # type: ignore[arg-type]
        if g.geom_type == "MultiPolygon":  # type: ignore[attr-defined]
            return MultiPolygon([orient(p, 1.0) for p in g.geoms])  # type: ignore[attr-defined]
        return g

    for f in fc["features"]:  # type: ignore[union-attr]
        geom = shape(f["geometry"])
        f["geometry"] = mapping(fix(geom))
    return fc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--min-population", type=int, default=50_000)
    ap.add_argument("--gazetteer", type=Path, default=GAZETTEER)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    fc = build(args.gazetteer, args.min_population)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n",
                        encoding="utf-8")
    print(f"{args.out}: {len(fc['features'])} places")  # type: ignore[arg-type]
    countries = args.out.parent / "countries.geojson"
    if countries.exists():
        fixed = ccw(de_jure(json.loads(countries.read_text(encoding="utf-8"))))
        countries.write_text(json.dumps(fixed, separators=(",", ":")) + "\n", encoding="utf-8")
        outlines = ccw(oblast_outlines(args.gazetteer, countries))
        target = args.out.parent / "oblasts.geojson"
        target.write_text(json.dumps(outlines, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"{target}: {len(outlines['features'])} oblast outlines")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
