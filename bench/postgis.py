"""Map questions on PostgreSQL with PostGIS (SQL) against the same store with shapely.

Ingests the shared DeepState snapshots (``../shared/data/control/deepstate``, 26 days of
September 2022) into a fresh database on the PostgreSQL server at ``--pg`` (the test server's
URL; the database is created and dropped), then times, each in a fresh process state (layer
caches cleared), with ``FRONTLENS_POSTGIS`` on and off:

- ``mapcheck``: ``cross_check`` of N claims spread over the month (one point query per day),
- ``control_at``: N points against one layer,
- ``mapdiff`` of the first and last day, and the layer endpoint's statuses of every layer.

Each is timed cold (first question after the layers were ingested: PostGIS writes its geometry
columns, shapely compiles the GeoJSON) and warm (the same question again in a new process: the
columns are written, shapely compiles again since its cache lives in the process). Answers are
compared; the script stops if they differ.

    python bench/postgis.py --pg "$FRONTLENS_TEST_PG_URL" [--points 20000]
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from frontlens.config import Settings
from frontlens.fuse import maps
from frontlens.ingest import ingest_inputs
from frontlens.model import ControlEvent
from frontlens.store.db import Store

DEEPSTATE = Path(__file__).resolve().parents[2] / "shared" / "data" / "control" / "deepstate"


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _questions(store: Store, n: int) -> dict[str, Callable[[], Any]]:
    rng = np.random.default_rng(5)
    pts = np.column_stack([rng.uniform(35.0, 39.5, n), rng.uniform(46.5, 50.5, n)])
    layers = [x for x in maps.list_layers(store) if x.layer_date]
    d0, d1 = layers[0].layer_date, layers[-1].layer_date
    assert d0 and d1
    events = [(ControlEvent(source_id="s", start=0, end=1, extractor="b", extractor_version="0",
                            place_name=str(i), action=("liberated", "captured")[i % 2],
                            new_controller="unknown", time_precision="day",
                            event_date=d0 + timedelta(days=i % (d1 - d0).days)), x, y)
              for i, (x, y) in enumerate(pts)]
    gaz = maps.GazetteerSettlements()
    return {
        "mapcheck": lambda: [(c.verdict, c.agree_day) for c in maps.cross_check(
            store, events, horizon_days=3, settlements=gaz)],
        "control_at": lambda: list(maps.control_at(store, date(2022, 9, 14), pts).statuses),
        "mapdiff": lambda: (lambda d: (round(d.to_free_km2, 1), round(d.to_occupied_km2, 1),
                                       len(d.settlements_to_free)))(
            maps.mapdiff(store, d0, d1, settlements=gaz)),
        "feature statuses": lambda: [maps.feature_statuses(
            store, x, maps.load_features(store, x.id)) for x in layers],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pg", default=os.environ.get("FRONTLENS_TEST_PG_URL"), required=False)
    ap.add_argument("--points", type=int, default=20_000)
    args = ap.parse_args()
    if not args.pg:
        raise SystemExit("--pg URL (or FRONTLENS_TEST_PG_URL) is needed")
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    name = f"fl_bench_postgis_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
    try:
        store = Store(url)
        if not maps.use_postgis(store):
            raise SystemExit("the server has no PostGIS (CREATE EXTENSION postgis failed?)")
        files = sorted(str(p) for p in DEEPSTATE.glob("deepstate_*.geojson"))
        t, _ = _timed(lambda: ingest_inputs(store, files, Settings(db=url)))
        print(f"{len(files)} DeepState layers ingested in {t:.1f} s; {args.points:,} points")
        print(f"{'question':18} {'mode':8} {'PostGIS s':>10} {'shapely s':>10} {'ratio':>6}")
        for q in _questions(store, args.points):
            times: dict[str, list[float]] = {"1": [], "0": []}
            answers: dict[str, Any] = {}
            for mode in ("cold", "warm"):
                for flag in ("1", "0"):
                    os.environ["FRONTLENS_POSTGIS"] = flag
                    maps._COMPILED.clear()
                    maps._SYNCED.clear()  # a fresh process has seen nothing written
                    if mode == "cold" and flag == "1":
                        with store.transaction() as conn:  # as just ingested
                            conn.execute(text("UPDATE map_features SET geom = NULL, "
                                              "control_status = NULL"))
                    t, answers[flag] = _timed(_questions(store, args.points)[q])
                    times[flag].append(t)
                if answers["1"] != answers["0"]:
                    raise SystemExit(f"{q}: PostGIS and shapely answers differ")
                pg, sh = times["1"][-1], times["0"][-1]
                print(f"{q:18} {mode:8} {pg:10.2f} {sh:10.2f} {sh / pg:6.1f}")
        store.close()
    finally:
        os.environ.pop("FRONTLENS_POSTGIS", None)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
