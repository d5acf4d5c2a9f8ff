"""Control maps on real data: the 25 DeepStateMap snapshots through ingest and fuse.maps.

Ingests ``../shared/data/control/deepstate`` into a throwaway SQLite database, then prints the
area per status of each September 2022 layer, the map difference 2022-09-05 → 2022-09-14 (and
a few other spans, for comparison with public claims), the settlements inside the area that
changed hands, and a cross-check of a handful of publicly reported liberation dates.

Usage: ``.venv/bin/python scripts/eval_maps.py [--data DIR] [--top 20] [--geojson OUT]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from frontlens.config import Settings
from frontlens.fuse import maps
from frontlens.ingest import ingest_inputs
from frontlens.model import ControlEvent
from frontlens.store.db import Store

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "control" / "deepstate"

# Public context, not tuned to: Ukraine said about 6,000 km² had been retaken "since the
# beginning of September" by 12 Sept 2022 and about 8,000 km² by 13-14 Sept.
PUBLIC = {date(2022, 9, 12): 6000, date(2022, 9, 14): 8000}

# Widely reported days Ukrainian forces took these towns (Sept 2022). Illustration of
# cross_check on real layers, not gold data: (name, gazetteer id, day).
REPORTED = [
    ("Balakliia", "geonames:712926", date(2022, 9, 8)),
    ("Shevchenkove", None, date(2022, 9, 9)),
    ("Kupiansk", None, date(2022, 9, 10)),
    ("Izium", "geonames:707292", date(2022, 9, 10)),
    ("Vovchansk", None, date(2022, 9, 12)),
    ("Lyman", None, date(2022, 10, 1)),
]


def _event(name: str, place_id: str | None, day: date) -> ControlEvent:
    return ControlEvent(
        source_id="eval-maps-public-record", start=0, end=0, extractor="eval_maps",
        extractor_version="0", place_id=place_id, place_name=name, action="liberated",
        new_controller="UA", claimed_by="UA", event_date=day, time_precision="day",
    )


def _locate(name: str) -> str | None:
    """Gazetteer id of the most populous Ukrainian settlement called ``name``."""
    from frontlens.resolve.gazetteer import default_gazetteer

    cands = [c for c in default_gazetteer().lookup(name)
             if c.country == "UA" and c.fclass == "settlement"]
    return max(cands, key=lambda c: c.population or 0).gid if cands else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--geojson", type=Path, help="write the 09-05 → 09-14 diff here")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/maps.db"
        store = Store(url)
        t0 = time.perf_counter()
        files = sorted(str(p) for p in args.data.glob("*.geojson"))
        report = ingest_inputs(store, files, Settings(db=url))
        layers = maps.list_layers(store)
        print(f"ingested {len(files)} files → {len(layers)} layers, {report.added} records, "
              f"{len(report.errors)} errors, {time.perf_counter() - t0:.1f} s")
        for err in report.errors:
            print("  error:", err)
        print(f"areas: {maps.projection_used()}\n")

        print("layer        occupied  pre-2022  RU-held  contested  liberated   "
              "decided-by (conflicts/unknown)")
        t1 = time.perf_counter()
        for layer in layers:
            day = layer.layer_date
            if day is None or not date(2022, 8, 31) <= day <= date(2022, 9, 30):
                continue
            a = maps.layer_areas(store, layer)
            comp = maps.compile_layer(store, layer)
            ru = a["occupied"] + a["occupied_pre2022"]
            print(f"{layer.layer_date}  {a['occupied']:9,.0f} {a['occupied_pre2022']:9,.0f} "
                  f"{ru:8,.0f} {a['contested']:10,.0f} {a['liberated']:10,.0f}   "
                  f"{dict(comp.decided_by)} ({comp.conflicts}/{comp.unknown})")
        for layer in layers:
            if layer.layer_date and layer.layer_date.year > 2022:
                a = maps.layer_areas(store, layer)
                print(f"{layer.layer_date}  {a['occupied']:9,.0f} {a['occupied_pre2022']:9,.0f} "
                      f"{a['occupied'] + a['occupied_pre2022']:8,.0f} {a['contested']:10,.0f} "
                      f"{a['liberated']:10,.0f}")
        print(f"({time.perf_counter() - t1:.1f} s)\n")

        d1, d2 = date(2022, 9, 5), date(2022, 9, 14)
        t2 = time.perf_counter()
        diff = maps.mapdiff(store, d1, d2)
        print(f"mapdiff {d1} → {d2} (layers {diff.layer1.layer_date} / "
              f"{diff.layer2.layer_date}, {time.perf_counter() - t2:.1f} s)")
        print(f"  occupied → free: {diff.to_free_km2:8,.0f} km², "
              f"{len(diff.settlements_to_free)} settlements")
        print(f"  free → occupied: {diff.to_occupied_km2:8,.0f} km², "
              f"{len(diff.settlements_to_occupied)} settlements")
        print(f"  all transitions km²: {diff.transitions_km2}")
        print(f"  pre-2022 outlines redrawn (not counted): {diff.redrawn_km2:,.0f} km²")
        print(f"  top {args.top} settlements retaken (gazetteer population):")
        for s in diff.settlements_to_free[: args.top]:
            print(f"    {s.name:24} {s.population:>8,}  {s.admin1 or '':18} {s.place_id}")
        if diff.settlements_to_occupied:
            top = ", ".join(s.name for s in diff.settlements_to_occupied[:10])
            print(f"  lost: {top}")
        if args.geojson:
            args.geojson.write_text(json.dumps(diff.to_geojson()), encoding="utf-8")
            print(f"  written {args.geojson}")

        print("\nretaken since baseline vs public claims (km², RU-held → UA-held):")
        for base in (date(2022, 8, 31), date(2022, 9, 5)):
            row = []
            for day in (date(2022, 9, 8), date(2022, 9, 10), date(2022, 9, 11),
                        date(2022, 9, 12), date(2022, 9, 13), date(2022, 9, 14),
                        date(2022, 9, 20)):
                dd = maps.mapdiff(store, base, day, settlements=_NoSettlements())
                row.append(f"{day:%m-%d} {dd.to_free_km2:,.0f} (net {dd.net_to_free_km2:,.0f}, "
                           f"redrawn {dd.redrawn_km2:,.0f})")
            print(f"  from {base}: " + "; ".join(row))
        print("  public: " + "; ".join(f"{d:%m-%d} ~{v:,}" for d, v in PUBLIC.items()))

        events = [_event(n, pid or _locate(n), d) for n, pid, d in REPORTED]
        checks = maps.cross_check(store, events, horizon_days=3)
        print("\ncross-check of reported liberation days (horizon 3 days, max layer lag 7):")
        for c in checks:
            obs = ", ".join(f"{d:%m-%d}:{s}" for d, _, s in c.observations)
            print(f"  {c.event.place_name:13} {c.event.event_date} {c.verdict:9} {obs}")
        st = maps.agreement_stats(checks)
        print(f"  agree {st.n_agree}/{st.n_checked} (share {st.share_agree}); {st.verdicts}")
        store.close()


class _NoSettlements:
    """Skip the settlement lookup where only areas are printed."""

    def coords(self, place_ids: object) -> dict[str, tuple[float, float]]:
        return {}

    def settlements(self, bbox: object) -> list[maps.Settlement]:
        return []


if __name__ == "__main__":
    main()
