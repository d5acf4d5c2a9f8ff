"""Write cost of extraction results per document: batched vs one source at a time.

Extracts N Telegram-length documents once (recombined sample sentences, uk/ru/en), then
stores the same results repeatedly into a fresh database, timing in one process:
  1. the baseline: ``Store.replace_extraction`` per source (seven DELETEs + INSERTs each);
  2. the shipped path: ``Store.replace_extractions`` per batch of 64 (one DELETE per table
     for the batch, multi-row INSERTs).
Prints ms per document for each and their ratio. ``--db`` takes any URL (default: a SQLite
file in a temporary folder); the database is filled with the sources first.

    python bench/writes.py [--n 640] [--db postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from pathlib import Path

from frontlens.extract.pipeline import RuleExtractor
from frontlens.model import Source
from frontlens.store.db import Store

SAMPLE = Path(__file__).resolve().parents[1] / "sample" / "articles"
_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)


def documents(n: int) -> list[Source]:
    rnd = random.Random(5)
    sents = [s for f in sorted(SAMPLE.glob("*.md"))
             for s in re.split(r"(?<=[.!?])\s+", _FRONT.sub("", f.read_text("utf-8")))
             if len(s) > 30]
    return [Source(kind="telegram", origin="bench", external_id=f"bench/{i}",
                   text=" ".join(rnd.sample(sents, 3)) + f" ({i})") for i in range(n)]


def timed(store: Store, results: list, batched: bool) -> float:
    t = time.perf_counter()
    for i in range(0, len(results), 64):
        part = results[i : i + 64]
        with store.transaction() as conn:
            if batched:
                store.replace_extractions(conn, [(r.run, r.records) for r in part])
            else:
                for r in part:
                    store.replace_extraction(conn, r.run, r.records)
    return (time.perf_counter() - t) / len(results) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=640)
    ap.add_argument("--db", default=None)
    args = ap.parse_args()
    store = Store(args.db or f"sqlite:///{tempfile.mkdtemp()}/writes.db")
    docs = documents(args.n)
    with store.transaction() as conn:
        store.insert_new(conn, docs)
    results = list(RuleExtractor().extract(docs))
    n_rec = sum(len(r.records) for r in results)
    base = min(timed(store, results, False) for _ in range(3))
    new = min(timed(store, results, True) for _ in range(3))
    print(f"{len(docs)} documents, {n_rec} records ({store.engine.dialect.name})")
    print(f"one source at a time: {base:6.2f} ms/doc")
    print(f"batched (64):         {new:6.2f} ms/doc   ratio {new / base:.2f}")


if __name__ == "__main__":
    main()
