"""Cost of one page of a filtered list (``/api/sources``, ``/api/records/{type}``) in a large
store, and the plan of its query.

Seeds ``--sources`` sources (hashed ids; language uk 45 %, ru 35 %, en 20 %; three kinds;
200 outlets; 2 % without a publication time, as undated posts are) with one mention each and a
control record on every fifth, then walks each list below by its ``next`` cursor through the
app in process (FastAPI's TestClient: validation and JSON included, no socket) and prints the
median wall and CPU ms of ``--pages`` - 1 cursor pages after the first page and after the page
at offset total/2 (the filtered total is counted once and kept) and what the last page query's
plan does: SQLite's SCAN/SEARCH steps and any ``TEMP B-TREE``
(a sort of every matching row), PostgreSQL's node types (``Sort`` is that sort).

    python bench/lists.py [--sources 100000] [--pages 30] [--db-url postgresql+psycopg://…]

Run it with another revision's package on ``PYTHONPATH`` for a before/after in one session.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.engine import make_url

from frontlens.config import Settings
from frontlens.serve import create_app
from frontlens.store import schema
from frontlens.store.db import Store

LISTS: list[tuple[str, dict[str, str]]] = [
    ("/api/sources", {}),
    ("/api/sources", {"lang": "uk"}),
    ("/api/sources", {"lang": "en"}),
    ("/api/sources", {"kind": "telegram"}),
    ("/api/sources", {"outlet": "outlet-007"}),
    ("/api/sources", {"lang": "ru", "from": "2023-01-01", "to": "2023-06-30"}),
    ("/api/records/mentions", {}),
    ("/api/records/mentions", {"lang": "uk"}),
    ("/api/records/mentions", {"lang": "en"}),
    ("/api/records/control", {"lang": "ru"}),
]


def seed(url: str, n: int) -> None:
    """The sources and their records, written as ingest and extract would leave them."""
    t0 = datetime(2022, 2, 24, tzinfo=UTC)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    with Store(url) as store, store.transaction() as conn:
        for a in range(0, n, 10_000):
            srcs: list[dict[str, Any]] = []
            ments: list[dict[str, Any]] = []
            ctrl: list[dict[str, Any]] = []
            for i in range(a, min(n, a + 10_000)):
                sid = hashlib.sha1(f"s{i}".encode()).hexdigest()[:20]
                h = int(sid[:8], 16)
                lang = ("uk", "ru", "en")[0 if h % 20 < 9 else 1 if h % 20 < 16 else 2]
                body = f"Report {i}: fighting near Izium and Kupiansk, source {sid}."
                srcs.append({
                    "id": sid, "kind": ("article", "telegram", "feed_item")[h % 3],
                    "origin": "bench",
                    "url": f"https://example.org/{sid}", "outlet": f"outlet-{h % 200:03d}",
                    "language": lang, "retrieved_at": now, "content_hash": sid, "text": body,
                    "media": [], "meta": {},
                    "published_at": None if h % 50 == 0 else t0 + timedelta(minutes=37 * i)})
                ments.append({
                    "id": f"m{sid}", "source_id": sid, "start": 34, "end": 39, "text": "Izium",
                    "type": "place", "resolved_id": "geo:izium", "score": 0.9,
                    "candidates": [], "extractor": "bench", "extractor_version": "1"})
                if i % 5 == 0:
                    ctrl.append({
                        "id": f"c{sid}", "source_id": sid, "start": 10, "end": 39,
                        "action": "captured", "place_name": "Izium", "place_id": "geo:izium",
                        "new_controller": "UA", "claimed_by": "UA", "time_precision": "day",
                        "hedged": False, "extractor": "bench", "extractor_version": "1"})
            conn.execute(insert(schema.sources), srcs)
            conn.execute(insert(schema.mentions), ments)
            conn.execute(insert(schema.control_events), ctrl)
        conn.execute(text("ANALYZE"))


def _plan(store: Store, sql: str, params: Any) -> str:
    """The page query's plan in one line: SQLite's steps, PostgreSQL's node types in order."""
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
            return " | ".join(str(r[-1]) for r in rows)
        raw = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql, params).scalar_one()
        nodes, stack = [], [(json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]]
        while stack:
            node = stack.pop(0)
            nodes.append(node["Node Type"] + (f" {node['Index Name']}" if "Index Name" in node
                                              else f" {node.get('Relation Name', '')}"))
            stack.extend(node.get("Plans", []))
        return " > ".join(x.strip() for x in nodes)


def run(args: argparse.Namespace, url: str) -> None:
    """Seed ``url`` and time the lists."""
    t0 = time.perf_counter()
    seed(url, args.sources)
    print(f"{args.sources:,} sources seeded in {time.perf_counter() - t0:.1f} s; pages of "
          f"{args.limit}: median ms wall (CPU) of {args.pages - 1} cursor pages after the "
          f"first one, and after the one at offset total/2\n"
          f"{'list':<50} {'total':>6} {'first pages':>15} {'from middle':>15}  plan")
    app = create_app(Settings(db=url))
    store: Store = app.state.store
    seen: list[tuple[str, Any]] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def keep(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool
             ) -> None:
        if " LIMIT " in sql:
            seen.append((sql, params))

    with TestClient(app) as c:
        for path, params in LISTS:
            label = path + ("?" + "&".join(f"{k}={v}" for k, v in params.items())
                            if params else "")
            total = c.get(path, params={**params, "limit": "1"}).json()["total"]
            figures = []
            for start in (0, total // 2):  # from the first page, from the middle
                r = c.get(path, params={**params, "limit": str(args.limit),
                                        "offset": str(start)})
                r.raise_for_status()
                walls, cpus = [], []
                for _ in range(args.pages - 1):
                    nxt = r.json()["next"]
                    if nxt is None:
                        break
                    w, p = time.perf_counter(), time.process_time()
                    r = c.get(path, params={**params, "limit": str(args.limit),
                                            "after": nxt})
                    walls.append(time.perf_counter() - w)
                    cpus.append(time.process_time() - p)
                    r.raise_for_status()
                figures.append(f"{statistics.median(walls) * 1000:6.1f} "
                               f"({statistics.median(cpus) * 1000:5.1f})")
            sql, sql_params = seen[-1]
            print(f"{label:<50} {total:>6} {figures[0]:>15} {figures[1]:>15}  "
                  f"{_plan(store, sql, sql_params)}", flush=True)
    store.close()



def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", type=int, default=100_000)
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--limit", type=int, default=50)
    ap.add_argument("--db-url", default=None,
                    help="a PostgreSQL server: the bench creates a database there and drops it")
    args = ap.parse_args()
    if args.db_url:
        name = f"frontlens_lists_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.db_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(args, make_url(args.db_url).set(database=name).render_as_string(
                hide_password=False))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(args, f"sqlite:///{Path(tmp) / 'lists.db'}")


if __name__ == "__main__":
    main()
