"""Write the dashboard's offline place labels: major Ukrainian cities and oblast centres.

Reads the bundled gazetteer (src/frontlens/data/gazetteer.sqlite) and writes a compact GeoJSON
FeatureCollection of points (coordinates rounded to 4 decimals, ~10 m) to
src/frontlens/serve/static/basemap/places.geojson. Country boundaries come from the
``world-atlas`` npm package and are converted by web/build.mjs, not here.

The gazetteer holds points only, so there are no oblast *outlines*: oblasts are written as
label points (``kind: "oblast"``) at their gazetteer centroid.

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
                                            "kind": "oblast", "rank": 0}))
    return {
        "type": "FeatureCollection",
        "attribution": "frontlens gazetteer: Who's On First (CC0), GeoNames (CC BY 4.0)",
        "features": features,
    }


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


if __name__ == "__main__":
    main()
