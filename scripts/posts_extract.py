"""The short posts through ``frontlens extract`` itself (issue 14): does the store's front reach?

    python scripts/posts_extract.py --split dev [--maps ../shared/data/control/deepstate]

Stores the posts of a split as sources (with their outlet and date) in a fresh SQLite store,
ingests the dated GeoJSON control maps of ``--maps`` (none: no front prior), runs ``extract``
(the full pipeline: NER, the place model) and scores the place mention over each post's gold
span as ``eval-geoparse`` does: ok (within 25 km), namesake, unresolved, not found. One run, so
no channel has a history (see ``eval-geoparse --channel`` for that prior).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from frontlens.config import Settings
from frontlens.evaluate.posts import OK_KM, read_posts
from frontlens.extract.pipeline import run_extract
from frontlens.ingest import ingest_inputs
from frontlens.model import Source
from frontlens.resolve.gazetteer import default_gazetteer, haversine_km
from frontlens.store import schema
from frontlens.store.db import Store

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=Path, default=ROOT / "corpus" / "posts" / "posts.jsonl")
    ap.add_argument("--split", required=True, choices=["train", "dev", "test"])
    ap.add_argument("--maps", type=Path, help="a folder of dated GeoJSON control maps")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    url = f"sqlite:///{tmp}/posts.db"
    store = Store(url)
    if args.maps:
        batch = ingest_inputs(store, [str(p) for p in sorted(args.maps.glob("*.geojson"))],
                              Settings(db=url, evidence_dir=f"{tmp}/evidence"))
        assert not batch.errors, batch.errors
    posts = read_posts(args.posts, args.split)
    by_id = {}
    sources = []
    for p in posts:
        when = datetime.fromisoformat(p["date"]).replace(tzinfo=UTC) if p.get("date") else None
        s = Source(kind="text", origin="corpus/posts", external_id=p["id"], text=p["text"],
                   language=p["lang"], outlet=p["outlet"], published_at=when)
        sources.append(s)
        by_id[s.id] = p
    with store.transaction() as conn:
        store.insert_new(conn, sources)
    run_extract(store)
    m, gaz = schema.mentions, default_gazetteer()
    with store.engine.connect() as conn:
        rows = conn.execute(select(m.c.source_id, m.c.start, m.c.end, m.c.resolved_id)
                            .where(m.c.type == "place")).all()
    outcome = {p["id"]: "not_found" for p in posts}
    for sid, start, end, rid in rows:
        p = by_id[sid]
        g = p["gold"]
        if not (start < g["end"] and end > g["start"]):
            continue
        c = gaz.get(rid) if rid else None
        if c is None or c.lat is None or c.lon is None:
            outcome[p["id"]] = "unresolved"
        else:
            km = haversine_km(g["lat"], g["lon"], c.lat, c.lon)
            outcome[p["id"]] = "ok" if km <= OK_KM else "namesake"
    cnt = Counter(outcome.values())
    print(json.dumps({"split": args.split, "n": len(posts), "maps": bool(args.maps),
                      "within_25km": round(cnt["ok"] / max(1, len(posts)), 4),
                      "breakdown": {k: cnt[k] for k in ("ok", "namesake", "unresolved",
                                                        "not_found")}}))


if __name__ == "__main__":
    main()
