"""Extraction throughput on a Dask LocalCluster with 1 and 2 (or more) workers.

Generates N Telegram-length documents (recombined sample sentences in uk, ru and en), stores
them in a fresh SQLite database per run and times ``run_extract_dask`` end to end (cluster
start and model loading included, so use N in the thousands for a steady-state figure).
Prints docs/s per worker count and the parallel efficiency (speed-up ÷ workers) against the
1-worker run of the same process. Goal (issue): efficiency >= 0.8 at 2 workers on 2 cores.
``bench/scale.py`` runs the same measurement on its own corpus through ``measure``.

    python bench/dask_extract.py [--n 800] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import writes  # bench/writes.py: the same document generator

from frontlens.extract.distributed import run_extract_dask
from frontlens.store.db import Store


def measure(make_store: Callable[[], Store], workers: list[int],
            batch_size: int = 32) -> list[dict[str, Any]]:
    """For each worker count, a fresh store from ``make_store`` extracted on a LocalCluster:
    docs/s, seconds, records, and speed-up and efficiency against the first count."""
    out: list[dict[str, Any]] = []
    base = None
    for w in workers:
        store = make_store()
        t = time.perf_counter()
        report = run_extract_dask(store, workers=w, batch_size=batch_size)
        dt = time.perf_counter() - t
        store.close()
        rate = report.processed / dt
        base = base or rate
        out.append({"workers": w, "rate": rate, "seconds": dt, "records": report.records,
                    "speedup": rate / base, "efficiency": rate / base / w})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=800)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    docs = writes.documents(args.n)

    def make_store() -> Store:
        store = Store(f"sqlite:///{Path(tempfile.mkdtemp()) / 'd.db'}")
        with store.transaction() as conn:
            store.insert_new(conn, docs)
        return store

    print(f"{args.n} documents")
    for r in measure(make_store, args.workers):
        print(f"{r['workers']} worker(s): {r['rate']:6.1f} docs/s ({r['seconds']:.1f} s, "
              f"{r['records']} records)  speed-up {r['speedup']:.2f}  "
              f"efficiency {r['efficiency']:.2f}")


if __name__ == "__main__":
    main()
