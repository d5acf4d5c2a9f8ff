"""RSS of one process that ingests many HTML pages (issue 11: the fuzz process grew on HTML).

Generates N distinct pages (seeded: one long text or many short paragraphs, huge attribute
values, date-like meta values), ingests them one at a time into one SQLite store through
``ingest_inputs``, and prints the RSS after every 1,000 pages and its growth per 1,000 against
a baseline taken in the same process after a warm-up of W pages (imports, models, fixed-size
tables), and the highest RSS seen: caches bounded by entry count grow to a plateau and then
move up and down with the sizes of what they evict, so the peak over the baseline is what they
hold. ``--keep-caches`` skips the per-page release of trafilatura's and htmldate's
text-keyed caches (``frontlens.ingest.html.TEXT_KEYED_CACHES``): the growth as it was before.

    python bench/ingest_memory.py [--n 3000] [--warmup 50] [--seed 1] [--keep-caches]
                                  [--max-growth-mb 20]
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import tempfile
import time
from pathlib import Path

import frontlens.ingest.html as html_ingest
from frontlens.config import Settings
from frontlens.ingest import ingest_inputs
from frontlens.store.db import Store

PLACES = ["Kupiansk", "Izium", "Balakliia", "Куп'янськ", "Ізюм", "Купянск"]


def rss_mb() -> float:
    """Resident set size now (VmRSS), not the peak: growth is what is measured."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    raise SystemExit("needs Linux /proc/self/status")


def _words(rnd: random.Random, n: int) -> str:
    return " ".join("".join(rnd.choices(string.ascii_lowercase, k=rnd.randint(2, 11)))
                    if rnd.random() > 0.05 else rnd.choice(PLACES) for _ in range(n))


def page(rnd: random.Random, i: int) -> bytes:
    """One page of 1 kB to about 250 kB (log-uniform), every text in it new. One in five is
    laid out as a news article (many short paragraphs); the rest hold their text in one
    element on one line (plain text served as HTML, a transcript, most fuzz pages), which is
    where the caches held the most: they evict by count and keep one entry per element text
    and per line, so a page of many short texts pushes the long ones out, a page of one long
    text adds one entry that stays for about a thousand such pages."""
    size = int(2 ** rnd.uniform(10, 18))
    if rnd.random() < 0.2:
        blocks = []
        while sum(map(len, blocks)) < size:
            blocks.append(f"<p>{_words(rnd, rnd.randint(20, 120))}.</p>")
        body = "".join(blocks)
    else:
        tag = rnd.choice(["div", "p", "pre", "td", "span"])
        body = f"<{tag}>{_words(rnd, size // 7 + 10)}.</{tag}>"
    attr = _words(rnd, rnd.randint(10, size // 16 + 10))
    day = f"2022-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
    return (f'<!DOCTYPE html><html lang="en"><head><title>Report {i} {_words(rnd, 6)}</title>'
            f'<meta property="article:published_time" content="{day}T{rnd.randint(0, 23):02d}'
            f':00:00Z"><meta name="description" content="{attr}">'
            f'<meta name="date" content="{_words(rnd, 4)} {day}"></head><body><article>'
            f"<h1>{_words(rnd, 8)}</h1>{body}</article>"
            f"<footer>{_words(rnd, 12)}</footer></body></html>").encode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="pages measured after the warm-up")
    ap.add_argument("--warmup", type=int, default=50,
                    help="pages before the baseline (imports, models, fixed-size tables)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep-caches", action="store_true",
                    help="do not release the text-keyed caches after each page (as before)")
    ap.add_argument("--max-growth-mb", type=float, default=None,
                    help="exit 1 when RSS grows more than this per 1,000 pages")
    args = ap.parse_args()
    if args.keep_caches:
        html_ingest._release_text_caches = lambda: None  # type: ignore[assignment]
    rnd = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'bench.db'}"
        settings = Settings(db=url, evidence_dir=str(root / "evidence"))
        path = root / "page.html"
        with Store(url) as store:
            def ingest(i: int) -> None:
                path.write_bytes(page(rnd, i))
                batch = ingest_inputs(store, [str(path)], settings)
                if batch.exit_code != 0:
                    raise SystemExit(f"page {i}: {batch.errors}")

            for i in range(args.warmup):
                ingest(i)
            base = rss_mb()
            print(f"caches {'kept (as before)' if args.keep_caches else 'released per page'}; "
                  f"baseline after {args.warmup} warm-up pages: RSS {base:.0f} MB")
            t0, last, last_done, worst, peak = time.perf_counter(), base, 0, 0.0, base
            for k in range(args.n):
                ingest(args.warmup + k)
                if k % 50 == 0:
                    peak = max(peak, rss_mb())
                if (k + 1) % 1000 == 0 or k + 1 == args.n:
                    now, done = rss_mb(), k + 1
                    peak = max(peak, now)
                    step = (now - last) * 1000 / (done - last_done)
                    worst = max(worst, step)
                    rate = done / (time.perf_counter() - t0)
                    print(f"{done:>6} pages: RSS {now:.0f} MB, +{now - base:.1f} MB since "
                          f"baseline ({(now - base) * 1000 / done:.1f} MB per 1,000; this "
                          f"stretch: {step:+.1f} MB per 1,000), {rate:.1f} pages/s", flush=True)
                    last, last_done = now, done
    print(f"highest RSS seen (every 50 pages): {peak:.0f} MB, +{peak - base:.1f} MB over the "
          "baseline")
    if args.max_growth_mb is not None and worst > args.max_growth_mb:
        print(f"FAIL: RSS grew {worst:.1f} MB per 1,000 pages (limit {args.max_growth_mb})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
