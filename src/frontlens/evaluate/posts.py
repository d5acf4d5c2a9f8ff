"""Short-post geoparsing (corpus/posts, issue 14): is the named place put in the right place?

Each post names one settlement whose point was annotated by hand. The post is geoparsed as
``frontlens geoparse`` would (sentences, NER when installed, places), with its date, and the
prediction is the mention overlapping the gold span. Every post is one outcome:
- ``ok``: resolved within 25 km of the gold point;
- ``namesake``: resolved more than 25 km away (another place of that name, or another place);
- ``unresolved``: recognised, but left without a place (ambiguous namesakes, no support);
- ``not_found``: no mention over the gold span.
``within_25km`` and ``acc_161km`` are shares of ALL posts (a miss of any kind counts as wrong).
With ``control`` (a folder of dated GeoJSON control maps) the front-line prior is active. With
``channel`` the channel prior is too: each post gets the usual area of its outlet learned from
the outlet's other posts in the same split (those published before it when it is dated), as
the places a first pass without the channel prior resolved with score ≥
``resolve.channel.SURE_SCORE`` — what ``frontlens extract`` finds in the store from an earlier
run. The split is by outlet, so a post's history never comes from another split.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from frontlens.extract.doc import COMPONENTS, Doc
from frontlens.extract.places import _doc_lang, find_places
from frontlens.resolve.channel import ChannelArea, ChannelHistory
from frontlens.resolve.gazetteer import haversine_km

OK_KM = 25.0


def read_posts(path: Path, split: str | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r for r in rows if split is None or r.get("split") == split]


def _day(post: dict[str, Any]) -> date | None:
    if post.get("date") and len(post["date"]) == 10:
        return date.fromisoformat(post["date"])
    return None


def _moment(post: dict[str, Any]) -> datetime | None:
    """The post's day as the start of that day in UTC (how a channel history is cut)."""
    day = _day(post)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def score_post(post: dict[str, Any], use_ner: bool = True,
               channel: ChannelArea | None = None) -> dict[str, Any]:
    """Outcome of one post: ``outcome``, ``km`` and what was predicted; ``sure``: the (place
    id, score) of every resolved mention (for channel histories)."""
    doc = Doc(text=post["text"], lang=post.get("lang"), published=_day(post))
    if channel is not None:
        doc.user["channel"] = channel
    doc.lang = _doc_lang(doc)
    for name in ("sentences", f"ner.{doc.lang}" if use_ner else ""):
        if name in COMPONENTS:
            with contextlib.suppress(Exception):
                doc = COMPONENTS[name](doc)
    g = post["gold"]
    found = find_places(doc)
    hits = [m for m in found if m.start < g["end"] and m.end > g["start"]]
    out: dict[str, Any] = {"id": post["id"], "surface": g["surface"], "km": None,
                           "predicted": None,
                           "sure": [(m.place.id, m.score) for m in found if m.place]}
    if not hits:
        return out | {"outcome": "not_found"}
    m = max(hits, key=lambda h: min(h.end, g["end"]) - max(h.start, g["start"]))
    p = m.place
    if p is None or p.lat is None or p.lon is None:
        return out | {"outcome": "unresolved"}
    km = haversine_km(g["lat"], g["lon"], p.lat, p.lon)
    return out | {"outcome": "ok" if km <= OK_KM else "namesake", "km": round(km, 1),
                  "predicted": f"{p.name} ({p.admin1 or p.country})"}


def _histories(posts: list[dict[str, Any]], rows: list[dict[str, Any]]
               ) -> dict[str, ChannelHistory]:
    """Per outlet, the sure places of its posts as a first pass resolved them."""
    by: dict[str, list[tuple[datetime | None, str, str, float]]] = {}
    for post, row in zip(posts, rows, strict=True):
        when = _moment(post)
        by.setdefault(post.get("outlet") or "", []).extend(
            (when, post["id"], gid, score) for gid, score in row["sure"])
    return {k: ChannelHistory(v) for k, v in by.items() if k}


def eval_posts(path: Path, split: str | None = None, control: Path | None = None,
               use_ner: bool = True, channel: bool = False) -> dict[str, Any]:
    """Score the posts of ``split`` (all when None); ``control``: dated GeoJSON layers;
    ``channel``: the channel prior from each outlet's other posts."""
    import frontlens.extract.sentences
    from frontlens.resolve import frontline

    with contextlib.suppress(Exception):  # NER components are optional
        import frontlens.extract.ner  # noqa: F401
    posts = read_posts(path, split)
    prev = frontline.active()
    if control is not None:
        frontline.use(frontline.Front.from_geojson(control.glob("*.geojson")))
    try:
        rows = [score_post(p, use_ner) for p in posts]
        if channel:
            hist = _histories(posts, rows)
            rows = []
            for p in posts:
                h = hist.get(p.get("outlet") or "")
                area = h.area_for(p["id"], _moment(p)) if h else None
                rows.append(score_post(p, use_ner, area) | {"channel_posts": len(set(
                    area.post)) if area else 0})
    finally:
        frontline.use(prev)
    n = len(rows) or 1
    cnt = Counter(r["outcome"] for r in rows)
    acc161 = sum(1 for r in rows if r["km"] is not None and r["km"] <= 161) / n
    return {
        "n": len(rows), "split": split or "all", "front_prior": control is not None,
        "channel_prior": channel,
        "within_25km": round(cnt["ok"] / n, 4), "acc_161km": round(acc161, 4),
        "breakdown": {k: cnt[k] for k in ("ok", "namesake", "unresolved", "not_found")},
        "namesake_share": round(cnt["namesake"] / n, 4),
        "misses": [{k: v for k, v in r.items() if k != "sure"} for r in rows
                   if r["outcome"] != "ok"],
    }
