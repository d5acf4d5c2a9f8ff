"""Incremental fusion vs a full rebuild: 1,000 new sources fused into a large store.

The store is bench/fuse_store.py's synthetic corpus (Telegram-length uk/ru/en posts naming
real settlements, a third of them copies of every kind), generated for ``--size`` + ``--new``
sources and sorted by publication time: the oldest ``--size`` are stored and fused (a full
rebuild, which also writes the copy finder's state), then the newest ``--new`` arrive — as
in live use — and are fused incrementally; then the same store is rebuilt with ``--full``.
Prints the three times, what the incremental run recomputed, the ratio, and whether the
incremental tables equal the rebuilt ones (a digest of every fused table and the state).

    python bench/fuse_incremental.py [--size 100000] [--new 1000] [--db URL]
                                     [--keep DIR] [--no-full]

``--keep DIR`` keeps the fused base store (SQLite) there and starts from a copy of it when it
exists, so the incremental run can be repeated (``--no-full`` skips the rebuild).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuse_store import Corpus, insert
from sqlalchemy import select

from frontlens.fuse.picture import run_fusion
from frontlens.store import schema
from frontlens.store.db import Store

TABLES = ("events", "event_evidence", "contradictions", "source_duplicates", "control_states",
          "fusion_sources", "fusion_bands")


def digest(store: Store) -> dict[str, tuple[int, str]]:
    out = {}
    with store.engine.connect() as conn:
        for name in TABLES:
            t = schema.metadata.tables[name]
            h, n = hashlib.sha256(), 0
            for r in conn.execute(select(t).order_by(*t.primary_key.columns)):
                h.update(repr(tuple(r)).encode())
                n += 1
            out[name] = (n, h.hexdigest()[:16])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--new", type=int, default=1000)
    ap.add_argument("--db", default=None, help="an empty database URL (default: a temporary "
                                               "SQLite file)")
    ap.add_argument("--keep", default=None, help="folder to keep the fused base store in")
    ap.add_argument("--no-full", action="store_true", help="skip the rebuild")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        kept = folder / f"inc_base_{args.size}.db"
        url = args.db or f"sqlite:///{folder / 'inc.db'}"
        t0 = time.perf_counter()
        docs = sorted(Corpus(args.size + args.new).documents(),
                      key=lambda d: (d["when"], d["i"]))
        base, new = docs[: args.size], docs[args.size :]
        reuse = args.keep and not args.db and kept.exists()
        if reuse:
            for suffix in ("-wal", "-shm"):
                Path(str(folder / "inc.db") + suffix).unlink(missing_ok=True)
            shutil.copy(kept, folder / "inc.db")
        with Store(url) as store:
            if not reuse:
                insert(store, base)
                print(f"store: {args.size:,} sources built in {time.perf_counter() - t0:.0f} s "
                      f"({url.split('://')[0]})", flush=True)
                first = run_fusion(store, full=True)
                print(f"initial full fusion of {args.size:,}: {first.seconds:.2f} s",
                      flush=True)
                if args.keep and not args.db:
                    with store.engine.connect() as conn:
                        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                    shutil.copy(folder / "inc.db", kept)
            insert(store, new)
            inc = run_fusion(store)
            print(f"incremental fusion of {args.new:,} new ({inc.mode}): {inc.seconds:.2f} s; "
                  f"relinked {inc.records.get('sources', 0):,} sources, recomputed "
                  f"{inc.recomputed}", flush=True)
            if args.no_full:
                return
            after_inc = digest(store)
            full = run_fusion(store, full=True)
            print(f"full rebuild of {args.size + args.new:,}: {full.seconds:.2f} s "
                  f"({full.recomputed})", flush=True)
            same = digest(store) == after_inc
            rows = ", ".join(f"{k} {v[0]:,}" for k, v in after_inc.items())
            print(f"rows: {rows}")
            print(f"incremental / full: {inc.seconds / full.seconds:.3f} "
                  f"(x{full.seconds / inc.seconds:.1f} faster); same tables: "
                  f"{'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
