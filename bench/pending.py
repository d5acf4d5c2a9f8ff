"""Cost of one page of "sources not yet extracted" as the store grows.

Fills a fresh store with N stub sources, 90 % of them already extracted, and times pages of
500 pending sources at each size (default 10k and 100k; ``--sizes`` for more). Source ids are
hashes, as real ones are, so the id order the pages walk is not the order rows were written
in: with sequential ids (this bench before) every probe of the extractions landed next to the
previous one and the bench could not see what ``bench/scale.py`` saw on a real corpus. Each
page is read with a cold SQLite page cache (a writer's commit empties it in a real run) after
an untimed first page; the figure is the median of 9 consecutive pages, wall and CPU (the
client's: SQLite runs in this process).

Three forms in the same process: the shipped query (a correlated NOT EXISTS probe of the
extractions' (source_id, extractor, version) covering index, with the cursor repeated on the
extractions' side for PostgreSQL's anti join), the previous one (the same probe through the
primary key, reading each extraction's row for its version) and the ``NOT IN (SELECT …)`` form
before it. Goal: the shipped ratio stays near 1 (issue 16: ≤ 2 at 1M / 10k).

    python bench/pending.py [--sizes 10000 100000 1000000] [--db-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, exists, insert, select, text
from sqlalchemy.engine import make_url

from frontlens.store import schema
from frontlens.store.db import Store, pending_query

PAGES = 9


def not_in_query(after: str) -> Any:
    s, x = schema.sources, schema.extractions
    done = select(x.c.source_id).where(x.c.extractor == "rules", x.c.version == "1")
    return select(s.c.id).where(s.c.id > after, s.c.id.not_in(done)).order_by(s.c.id) \
        .limit(500)


def previous_query(after: str) -> Any:
    """The form shipped before: ``EXISTS (SELECT * …)`` without the cursor on the
    extractions' side (SQLite read each probed row; PostgreSQL planned a scan of them all)."""
    s, x = schema.sources, schema.extractions
    done = exists().where(x.c.source_id == s.c.id, x.c.extractor == "rules",
                          x.c.version == "1")
    return select(s.c.id).where(s.c.id > after, ~done).order_by(s.c.id).limit(500)


def shipped_query(after: str) -> Any:
    return pending_query("rules", "1", after=after).with_only_columns(schema.sources.c.id)


def fill(store: Store, lo: int, hi: int) -> None:
    now = datetime.now(UTC)
    step = 20_000
    with store.engine.begin() as conn:
        for a in range(lo, hi, step):
            ids = {i: hashlib.sha1(str(i).encode()).hexdigest()[:20]
                   for i in range(a, min(hi, a + step))}
            conn.execute(insert(schema.sources), [
                {"id": sid, "kind": "text", "origin": "bench", "retrieved_at": now,
                 "content_hash": "h", "text": "t", "media": [], "meta": {}}
                for sid in ids.values()])
            conn.execute(insert(schema.extractions), [
                {"source_id": sid, "extractor": "rules", "version": "1",
                 "status": "ok", "n_records": 0, "processed_at": now}
                for i, sid in ids.items() if i % 10])
        conn.execute(text("ANALYZE"))


def per_page(store: Store, make: Any) -> tuple[float, float]:
    """Median wall and CPU ms of PAGES consecutive pages after an untimed first one."""
    walls, cpus = [], []
    with store.engine.connect() as conn:
        after = ""
        for _ in range(PAGES + 1):
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA shrink_memory")  # cold page cache
            t, c = time.perf_counter(), time.process_time()
            ids = [r[0] for r in conn.execute(make(after))]
            walls.append((time.perf_counter() - t) * 1000)
            cpus.append((time.process_time() - c) * 1000)
            after = ids[-1] if len(ids) == 500 else ""
    return statistics.median(walls[1:]), statistics.median(cpus[1:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--db-url", default=None,
                    help="PostgreSQL server URL (a scratch database is created and dropped)")
    ap.add_argument("--no-not-in", action="store_true",
                    help="leave out the NOT IN form (seconds per page at 1M)")
    args = ap.parse_args()
    admin = None
    if args.db_url:
        name = f"frontlens_pending_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.db_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.db_url).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/pending.db"
    forms = {"shipped": shipped_query, "previous": previous_query, "NOT IN": not_in_query}
    if args.no_not_in:
        forms.pop("NOT IN")
    store = Store(url)
    try:
        done = 0
        first: dict[str, float] = {}
        print(f"{store.engine.dialect.name}: ms per page of 500 (wall / client CPU), ratio of "
              "CPU to the first size")
        print(f"{'sources':>10} " + " ".join(f"{k:>24}" for k in forms))
        for n in sorted(args.sizes):
            fill(store, done, n)
            done = n
            cells = []
            for k, make in forms.items():
                wall, cpu = per_page(store, make)
                # PostgreSQL's work is the server's: its client CPU is flat whatever the plan
                key = cpu if store.engine.dialect.name == "sqlite" else wall
                first.setdefault(k, key)
                cells.append(f"{wall:7.2f} / {cpu:6.2f} ×{key / first[k]:5.2f}")
            print(f"{n:>10} " + " ".join(f"{c:>24}" for c in cells), flush=True)
    finally:
        store.close()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
