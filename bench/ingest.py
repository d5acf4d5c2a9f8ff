"""Ingest throughput and memory on generated Telegram exports.

Prints sources/s for ingesting N generated messages (default 10,000) through the full
frontlens path (streamed parse, language id, validation, idempotent insert) and, as a baseline
in the same process, the bare minimum: ``json.load`` plus one ``executemany`` into sqlite3.
The ratio shows what the product's guarantees cost. Peak Python memory is measured with
tracemalloc on a separate run, so it does not slow the timed one.

    python bench/ingest.py [--n 10000] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from frontlens.config import Settings
from frontlens.ingest import ingest_inputs
from frontlens.store.db import Store

PLACES = ["Балаклія", "Куп'янськ", "Ізюм", "Балаклея", "Купянск", "Изюм", "Balakliia", "Izium"]
LINES = {
    "uk": "ЗСУ продовжують наступ біля {p}. Окупанти відходять, повідомляє штаб.",
    "ru": "Подразделения перегруппировываются в районе {p}, сообщает ведомство.",
    "en": "Ukrainian forces reported fighting near {p}; photos show abandoned vehicles.",
}


def generate(path: Path, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    start = datetime(2022, 9, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            '{"name": "frontlens bench channel", "type": "public_channel", '
            '"id": 99, "messages": [\n'
        )
        for i in range(n):
            lang = rnd.choice(list(LINES))
            when = start + timedelta(seconds=rnd.randint(0, 20 * 86400))
            text = " ".join(
                LINES[lang].format(p=rnd.choice(PLACES)) for _ in range(rnd.randint(1, 4))
            )
            body: object = (
                text if i % 3 else [text[:20], {"type": "bold", "text": text[20:40]}, text[40:]]
            )
            msg = {
                "id": i + 1,
                "type": "message",
                "date": when.strftime("%Y-%m-%dT%H:%M:%S"),
                "date_unixtime": str(int(when.timestamp())),
                "from": "bench",
                "text": body,
            }
            if i % 5 == 0:
                msg["photo"] = f"photos/photo_{i}.jpg"
            fh.write(("," if i else "") + json.dumps(msg, ensure_ascii=False) + "\n")
        fh.write("]}\n")


def baseline(path: Path, dbfile: Path) -> float:
    t0 = time.perf_counter()
    data = json.loads(path.read_text(encoding="utf-8"))
    con = sqlite3.connect(dbfile)
    con.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, date TEXT, text TEXT)")
    rows = [
        (m["id"], m["date"], m["text"] if isinstance(m["text"], str) else json.dumps(m["text"]))
        for m in data["messages"]
    ]
    con.executemany("INSERT INTO m VALUES (?, ?, ?)", rows)
    con.commit()
    con.close()
    return time.perf_counter() - t0


def run(path: Path, url: str) -> tuple[float, int]:
    store = Store(url)
    t0 = time.perf_counter()
    report = ingest_inputs(store, [str(path)], Settings(db=url))
    elapsed = time.perf_counter() - t0
    store.close()
    if report.errors:
        sys.exit(f"bench input rejected: {report.errors[:3]}")
    return elapsed, report.added


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--db", help="database URL (default: a fresh SQLite file per run)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        export = tmpdir / "result.json"
        generate(export, args.n)
        size_mb = export.stat().st_size / 1e6
        base = baseline(export, tmpdir / "baseline.db")
        url = args.db or f"sqlite:///{tmpdir / 'frontlens.db'}"
        # warm the language models so that one-off model loading is reported apart
        t0 = time.perf_counter()
        from frontlens.ingest.lang import detect_language

        detect_language("Балаклія звільнена"), detect_language("Ukrainian forces advanced")
        warm = time.perf_counter() - t0
        elapsed, added = run(export, url)
        again, added_again = run(export, url)  # idempotent re-ingest of the same export
        tracemalloc.start()
        run(export, f"sqlite:///{tmpdir / 'frontlens-mem.db'}")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"messages: {args.n} ({size_mb:.1f} MB export), stored {added}, re-ingest added "
        f"{added_again}"
    )
    print(f"frontlens ingest:   {elapsed:7.2f} s  {args.n / elapsed:9.0f} sources/s")
    print(f"re-ingest (no-op):  {again:7.2f} s  {args.n / again:9.0f} sources/s")
    print(f"baseline json+sqlite3: {base:4.2f} s  {args.n / base:9.0f} sources/s")
    print(f"ratio frontlens/baseline time: {elapsed / base:.1f}x")
    print(f"language model warm-up: {warm:.2f} s (excluded above)")
    print(f"peak Python memory during ingest (tracemalloc): {peak / 1e6:.1f} MB")
    print(f"peak process RSS (whole bench): {rss:.0f} MB")


if __name__ == "__main__":
    main()
