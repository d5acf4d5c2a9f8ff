"""A channel's usual area, as a weak prior for choosing among namesakes (issue 14).

A Telegram channel or a local outlet reports from one area: a Sievierodonetsk site that writes
"Bilohorivka" means the Luhansk village, not one of the two in Donetsk Oblast. The area is
learned from the places the channel's *earlier* posts resolved unambiguously (a stored place
mention with score ≥ ``SURE_SCORE``, a Ukrainian, Russian or Belarusian settlement), so it
needs no table of outlets and follows a channel that moves with the front.

The resolver term (``resolve.geocode``, ``CHANNEL_*``): a UA/RU settlement gains
``CHANNEL_BONUS`` when at least ``CHANNEL_MIN`` distinct earlier posts of the channel named a
place within ``CHANNEL_KM`` of it. It is smaller than the oblast (+2.5) or a place named beside
it (+2.0): it breaks ties between namesakes; it never outvotes the text.

"Earlier": for a dated post, the channel's posts published before it; for an undated one, the
channel's other posts. During ``frontlens extract`` the history is the posts the current
extractor version had processed before the run started, so a run's results do not depend on
batch order, ``--workers`` or Dask timing: the first extraction of a corpus (or of a new
extractor version) has no history; later runs over new posts (``frontlens watch``, a daily
ingest) have it.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from frontlens.resolve.gazetteer import Candidate, default_gazetteer

SURE_SCORE = 0.85
"""A stored place mention this confident counts as resolved unambiguously."""
MAX_POSTS = 500
"""Only the channel's most recent posts before the one resolved make its area."""
AREA_COUNTRIES = ("UA", "RU", "BY")
CACHE_AREAS = 32
"""Areas kept per channel (posts of one day share one)."""
_R = 6371.0


@dataclass(frozen=True)
class ChannelArea:
    """Points the channel named before (lat/lon, degrees) and the post each came from."""

    lat: tuple[float, ...] = ()
    lon: tuple[float, ...] = ()
    post: tuple[int, ...] = ()
    _arrays: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.lat)

    def posts_near(self, lat: float, lon: float, km: float) -> int:
        """How many distinct earlier posts named a place within ``km`` of the point."""
        if not self.lat:
            return 0
        if not self._arrays:
            self._arrays.update(lat=np.radians(np.array(self.lat)),
                                lon=np.radians(np.array(self.lon)),
                                post=np.array(self.post))
        la, lo = math.radians(lat), math.radians(lon)
        a = (np.sin((self._arrays["lat"] - la) / 2) ** 2 + math.cos(la)
             * np.cos(self._arrays["lat"]) * np.sin((self._arrays["lon"] - lo) / 2) ** 2)
        d = 2 * _R * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
        return len(np.unique(self._arrays["post"][d <= km]))

    def __getstate__(self) -> dict[str, Any]:  # the numpy cache is rebuilt, not pickled
        return {"lat": self.lat, "lon": self.lon, "post": self.post}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_arrays", {})


def area_from_points(points: Iterable[tuple[float, float, int]]) -> ChannelArea | None:
    pts = list(points)
    if not pts:
        return None
    return ChannelArea(tuple(p[0] for p in pts), tuple(p[1] for p in pts),
                       tuple(p[2] for p in pts))


def sure_points(mentions: Iterable[tuple[str | None, float | None]],
                cands: dict[str, Candidate] | None = None) -> list[tuple[float, float]]:
    """lat/lon of the (gazetteer id, score) mentions that count as resolved unambiguously."""
    ms = [(g, s) for g, s in mentions if g and s is not None and s >= SURE_SCORE]
    if cands is None:
        cands = default_gazetteer().get_many(g for g, _ in ms)
    out = []
    for g, _ in ms:
        c = cands.get(g or "")
        if c is not None and c.fclass == "settlement" and c.country in AREA_COUNTRIES \
                and c.lat is not None and c.lon is not None:
            out.append((c.lat, c.lon))
    return out


class ChannelHistory:
    """One outlet's sure places in the store, oldest first, ready to cut at a post's date."""

    def __init__(self, rows: Sequence[tuple[datetime | None, str, str, float]]) -> None:
        cands = default_gazetteer().get_many(r[2] for r in rows)
        self.posts: list[tuple[datetime | None, str, list[tuple[float, float]]]] = []
        by_post: dict[str, tuple[datetime | None, list[tuple[str, float]]]] = {}
        for when, sid, gid, score in rows:
            by_post.setdefault(sid, (when, []))[1].append((gid, score))
        for sid, (when, ms) in by_post.items():
            pts = sure_points(ms, cands)
            if pts:
                self.posts.append((when, sid, pts))
        self.posts.sort(key=lambda p: (p[0] is None, p[0] or datetime.min, p[1]))
        self._dated = [p[0] for p in self.posts if p[0] is not None]
        self._cache: dict[tuple[int, int, str], ChannelArea | None] = {}

    def area_for(self, source_id: str, published: datetime | None) -> ChannelArea | None:
        if published is None:  # the channel's other posts, the most recent ones
            hi, skip = len(self.posts), source_id
        else:  # the posts published before it (its own included only if dated earlier: never)
            hi, skip = bisect.bisect_left(self._dated, published), ""
        ids = [i for i in range(max(0, hi - MAX_POSTS - 1), hi) if self.posts[i][1] != skip]
        ids = ids[-MAX_POSTS:]
        key = (ids[0] if ids else 0, hi, skip if ids and len(ids) < hi - ids[0] else "")
        if key not in self._cache:
            if len(self._cache) >= CACHE_AREAS:  # a run over a long channel: bounded memory
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = area_from_points(
                (lat, lon, i) for i in ids for lat, lon in self.posts[i][2])
        return self._cache[key]


def load_history(store: Any, outlet: str, extractor: str, version: str,
                 before: datetime) -> ChannelHistory:
    """The outlet's place mentions stored by this extractor version from sources it processed
    before ``before``, with their post's date."""
    from sqlalchemy import select

    from frontlens.store import schema

    m, s, e = schema.mentions, schema.sources, schema.extractions
    q = (select(s.c.published_at, s.c.id, m.c.resolved_id, m.c.score)
         .join(m, m.c.source_id == s.c.id)
         .join(e, (e.c.source_id == s.c.id) & (e.c.extractor == m.c.extractor))
         .where(s.c.outlet == outlet, m.c.type == "place", m.c.resolved_id.is_not(None),
                m.c.score >= SURE_SCORE, m.c.extractor == extractor,
                m.c.extractor_version == version, e.c.version == version,
                e.c.processed_at < before))
    with store.engine.connect() as conn:
        rows = [(r[0], r[1], r[2], float(r[3])) for r in conn.execute(q)]
    return ChannelHistory(rows)


class ChannelAreas:
    """Channel areas for the sources of one run, one store query per outlet."""

    def __init__(self, store: Any, extractor: str, version: str, before: datetime) -> None:
        self.store = store
        self.extractor, self.version, self.before = extractor, version, before
        self._hist: dict[str, ChannelHistory] = {}

    def for_sources(self, sources: Iterable[Any]) -> dict[str, ChannelArea]:
        out = {}
        for src in sources:
            if not src.outlet:
                continue
            hist = self._hist.get(src.outlet)
            if hist is None:
                hist = self._hist[src.outlet] = load_history(
                    self.store, src.outlet, self.extractor, self.version, self.before)
            area = hist.area_for(src.id, src.published_at)
            if area is not None:
                out[src.id] = area
        return out
