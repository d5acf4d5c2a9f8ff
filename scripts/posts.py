"""Build the short-post geoparsing set (corpus/posts/, issue 14) from hand-annotated drafts.

    python scripts/posts.py build          # drafts → posts.jsonl (+ split), exclusion-checked
    python scripts/posts.py cands NAME     # gazetteer rows for NAME, to choose the referent by hand

A draft line (corpus/posts/draft*.jsonl) is one real post or first sentence: ``url``, ``lang``,
``date`` (as the page states it, else null), ``text`` (verbatim, short), ``surface`` (the place
as written) and ``gid``: the gazetteer row of the referent, chosen BY HAND from the post's own
context (oblast or raion named, places beside it, the date, the outlet), never by running the
resolver, with ``how`` saying what decided it. ``build`` takes the point from that row, checks
every text against ../shared/data/news/exclude/ (the same URL-hash and 8-word-shingle rule as
scripts/corpus.py), drops near-copies and assigns the split by a salted hash of the outlet, so a
test outlet is never tuned on. The split rule was written before any tuning.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import _load_exclusions, exclusion_hit, norm_url, shingles

ROOT = Path(__file__).resolve().parents[1]
POSTS = ROOT / "corpus" / "posts"
SALT = "frontlens-posts-issue14"
LICENCE = "third-party copyrighted excerpt; research evaluation only"


def split_of(outlet: str) -> str:
    """test for about a third of outlets, dev for a sixth, train the rest (whole outlets)."""
    b = int(hashlib.sha256(f"{SALT}|{outlet}".encode()).hexdigest(), 16) % 100
    return "test" if b < 34 else "dev" if b < 50 else "train"


def outlet_of(url: str) -> str:
    host = norm_url(url).split("/")[0]
    if host == "t.me":
        return "t.me/" + norm_url(url).split("/")[1]
    return host.removeprefix("m.").removeprefix("amp.")


def cmd_build() -> int:
    from frontlens.resolve.gazetteer import default_gazetteer

    gaz = default_gazetteer()
    urls, sh = _load_exclusions()
    rows = []
    seen: list[set[str]] = []
    bad = 0
    for path in sorted(POSTS.glob("draft*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            d = json.loads(line)
            where = f"{path.name}:{n}"
            hit = exclusion_hit(d, urls, sh)
            if hit:
                print(f"{where}: reserved, dropped ({hit})")
                continue
            s = shingles(d["text"])
            if s and any(len(s & o) >= max(1, len(s) // 5) for o in seen):
                print(f"{where}: near-copy of an earlier post, dropped")
                continue
            m = [x.start() for x in re.finditer(re.escape(d["surface"]), d["text"])]
            row = gaz.get(d["gid"]) if d.get("gid") else None
            if not m or (d.get("gid") and row is None):
                print(f"{where}: surface not in text or unknown gid {d.get('gid')}")
                bad += 1
                continue
            seen.append(s)
            outlet = outlet_of(d["url"])
            lat, lon = (row.lat, row.lon) if row else (d["lat"], d["lon"])
            rows.append({
                "url": d["url"], "outlet": outlet, "lang": d["lang"], "date": d.get("date"),
                "text": d["text"], "licence": LICENCE,
                "gold": {"surface": d["surface"], "start": m[0], "end": m[0] + len(d["surface"]),
                         "name": row.name if row else d.get("name"), "gazetteer": d.get("gid"),
                         "lat": lat, "lon": lon, "admin1": row.admin1 if row else None,
                         "country": row.country if row else d.get("country"),
                         "how": d["how"]},
                "split": split_of(outlet)})
    for i, r in enumerate(rows, 1):
        r["id"] = f"post-{i:03d}"
    out = POSTS / "posts.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"id": r.pop("id"), **r}, ensure_ascii=False) + "\n")
    by: dict[str, int] = {}
    for r in rows:
        by[r["split"]] = by.get(r["split"], 0) + 1
    print(f"{len(rows)} posts → {out.relative_to(ROOT)} {by}; {bad} bad drafts")
    return 1 if bad else 0


def cmd_cands(names: list[str]) -> int:
    from frontlens.resolve.gazetteer import default_gazetteer

    gaz = default_gazetteer()
    for name in names:
        for c in gaz.lookup(name):
            print(f"{name}\t{c.gid}\t{c.country}\t{c.admin1}\t{c.admin2}\t{c.lat:.4f},"
                  f"{c.lon:.4f}\tpop={c.population}")
    return 0


def read_posts(split: str | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(x) for x in (POSTS / "posts.jsonl").read_text().splitlines() if x]
    return [r for r in rows if split is None or r["split"] == split]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build")
    c = sub.add_parser("cands")
    c.add_argument("names", nargs="+")
    a = ap.parse_args(argv)
    return cmd_build() if a.cmd == "build" else cmd_cands(a.names)


if __name__ == "__main__":
    raise SystemExit(main())
