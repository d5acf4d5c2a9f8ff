"""Extraction throughput on a Dask LocalCluster with 1 and 2 (or more) workers.

Generates N Telegram-length documents (recombined sample sentences in uk, ru and en), stores
them in a fresh SQLite database per run and times ``run_extract_dask`` end to end (cluster
start and model loading included, so use N in the thousands for a steady-state figure).
Prints docs/s per worker count and the parallel efficiency (speed-up ÷ workers) against the
1-worker run of the same process. Goal (issue): efficiency >= 0.8 at 2 workers on 2 cores.

    python bench/dask_extract.py [--n 800] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import writes  # bench/writes.py: the same document generator

from frontlens.extract.distributed import run_extract_dask
from frontlens.store.db import Store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=800)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    docs = writes.documents(args.n)
    base = None
    print(f"{args.n} documents")
    for w in args.workers:
        store = Store(f"sqlite:///{Path(tempfile.mkdtemp()) / 'd.db'}")
        with store.transaction() as conn:
            store.insert_new(conn, docs)
        t = time.perf_counter()
        report = run_extract_dask(store, workers=w, batch_size=32)
        dt = time.perf_counter() - t
        rate = report.processed / dt
        base = base or rate
        print(f"{w} worker(s): {rate:6.1f} docs/s ({dt:.1f} s, {report.records} records)  "
              f"speed-up {rate / base:.2f}  efficiency {rate / base / w:.2f}")


if __name__ == "__main__":
    main()
