"""Cost of one page of "sources not yet extracted" as the store grows.

Fills a fresh SQLite store with N stub sources, 90 % of them already extracted, and times
pages of 500 pending sources at each size (default 10k and 100k; ``--sizes`` for more). Prints
ms per page and the ratio to the first size, for the shipped query (a correlated NOT EXISTS
probe of the extractions' primary key) and, as the baseline in the same process, the
``NOT IN (SELECT …)`` form it replaced. Goal: the ratio stays near 1 (issue: ≤ 2 at 1M / 10k).

    python bench/pending.py [--sizes 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from frontlens.store import schema
from frontlens.store.db import Store, pending_query


def not_in_query(extractor: str, version: str, after: str, limit: int) -> Any:
    s, x = schema.sources, schema.extractions
    done = select(x.c.source_id).where(x.c.extractor == extractor, x.c.version == version)
    return select(s.c.id).where(s.c.id > after, s.c.id.not_in(done)).order_by(s.c.id) \
        .limit(limit)


def fill(store: Store, lo: int, hi: int) -> None:
    now = datetime.now(UTC)
    step = 20_000
    with store.engine.begin() as conn:
        for a in range(lo, hi, step):
            b = min(hi, a + step)
            conn.execute(insert(schema.sources), [
                {"id": f"src-{i:09d}", "kind": "text", "origin": "bench", "retrieved_at": now,
                 "content_hash": "h", "text": "t", "media": [], "meta": {}} for i in range(a, b)])
            conn.execute(insert(schema.extractions), [
                {"source_id": f"src-{i:09d}", "extractor": "rules", "version": "1",
                 "status": "ok", "n_records": 0, "processed_at": now}
                for i in range(a, b) if i % 10])


def ms_per_page(store: Store, make: Any, pages: int = 2) -> float:
    with store.engine.connect() as conn:
        t = time.perf_counter()
        after = ""
        for _ in range(pages):
            ids = [r[0] for r in conn.execute(make(after))]
            after = ids[-1]
        return (time.perf_counter() - t) / pages * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = ap.parse_args()
    store = Store(f"sqlite:///{tempfile.mkdtemp()}/pending.db")
    shipped = lambda after: pending_query("rules", "1", after=after).with_only_columns(  # noqa: E731
        schema.sources.c.id)
    baseline = lambda after: not_in_query("rules", "1", after, 500)  # noqa: E731
    done = 0
    first: dict[str, float] = {}
    print(f"{'sources':>10} {'shipped ms/page':>16} {'ratio':>6} {'NOT IN ms/page':>15} "
          f"{'ratio':>6}")
    for n in sorted(args.sizes):
        fill(store, done, n)
        done = n
        a, b = ms_per_page(store, shipped), ms_per_page(store, baseline)
        first.setdefault("a", a)
        first.setdefault("b", b)
        print(f"{n:>10} {a:>16.2f} {a / first['a']:>6.2f} {b:>15.2f} {b / first['b']:>6.2f}")


if __name__ == "__main__":
    main()
