"""Near-duplicate sources: copies must count once as evidence, but every copy stays linked.

Five ways a source can copy another, checked in this order (the first one found is kept):

* ``exact``: the same normalised text (``Source.content_hash``), e.g. a repost.
* ``forward``: a Telegram forward (``Source.forwarded_from``). The original is looked up among
  stored posts of that channel by text similarity; when it is not stored, the copied channel is
  still recorded (``copied_outlet``), so two forwards of one post count once.
* ``minhash``: near-identical text (rewrites, light edits): MinHash over word 3-shingles with
  LSH (datasketch), so candidates are found without comparing all pairs.
* ``quote``: an article that embeds a stored tweet (its status URL is in the text).
* ``translation``: cross-language copies. No multilingual embedding model ships offline, so a
  source's *facts* are compared instead: extracted places + actions, equipment types, speakers,
  dates and area figures. A copy needs a different language, publication within two days, at
  least five shared facts including two specific ones (equipment, speaker, area figure) and a
  Jaccard overlap of 0.7, so two independent reports of the same liberation (place, action,
  date) are not merged.

The canonical source is the earliest published one. :func:`groups_of` turns the links into
independence groups for one event (copies and posts of one outlet form one group).
"""

from __future__ import annotations

import re
import zlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from datasketch import MinHash, MinHashLSH

from frontlens.model import SourceDuplicate

NUM_PERM = 64
TEXT_THRESHOLD = 0.6
FACT_THRESHOLD = 0.7
FACT_MIN_SHARED = 5
FACT_MIN_SPECIFIC = 2
TRANSLATION_WINDOW = timedelta(days=2)
SPECIFIC_PREFIXES = ("e:", "s:", "q:")
MAX_CHARS = 4000
FORWARD_LOOKBACK = 500  # posts of the forwarded channel searched for the original

_WORD = re.compile(r"\w+", re.UNICODE)
_URL = re.compile(r"https?://\S+")
_STATUS = re.compile(r"(?:twitter|x)\.com/[A-Za-z0-9_]+/status(?:es)?/(\d+)", re.IGNORECASE)


@dataclass(slots=True)
class SourceInfo:
    """What fusion needs of a source (the text is read for dedup, then dropped)."""

    id: str
    kind: str = "text"
    outlet: str | None = None
    url: str | None = None
    external_id: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    content_hash: str = ""
    forwarded_from: str | None = None
    media: bool = False
    letter: str = "F"
    category: str = "unknown"
    side: str = "unknown"
    text: str = field(default="", repr=False)


def outlet_key(name: str | None) -> str:
    return " ".join(name.casefold().lstrip("@").split()) if name else ""


def _shingles(text: str) -> set[bytes]:
    """Word 3-shingles of the first ``MAX_CHARS`` (the head identifies a copy; long texts
    would only cost hashing time)."""
    words = _WORD.findall(_URL.sub(" ", text[:MAX_CHARS]).casefold())
    if len(words) < 3:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)}


def _hash32(b: bytes) -> int:
    # CRC-32: as fast as Python's own hash() but the same in every process (hash() is salted
    # per process, which made the near-duplicate pairs differ from run to run)
    return zlib.crc32(b)


@cache
def _template() -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=7, hashfunc=_hash32)


def _minhash(items: Iterable[bytes]) -> MinHash:
    # reusing the permutations saves ~300 µs per source (datasketch regenerates them otherwise)
    t = _template()
    m = MinHash(num_perm=NUM_PERM, seed=7, hashfunc=_hash32, permutations=t.permutations,
                scheme=t.scheme)
    m.update_batch(list(items))
    return m


def _sort_key(s: SourceInfo) -> tuple[str, str]:
    return (s.published_at.isoformat() if s.published_at else "9999", s.id)


def find_duplicates(
    sources: Iterable[SourceInfo], facts: dict[str, set[str]] | None = None
) -> list[SourceDuplicate]:
    """One link per copying source; ``facts`` (source id → fact strings) enables translations.

    Sources are taken in publication order, so the canonical one is always the earliest. The
    text of each source is read once and released (``SourceInfo.text`` is cleared).
    """
    ordered = sorted(sources, key=_sort_key)
    links: dict[str, SourceDuplicate] = {}
    by_hash: dict[str, str] = {}
    by_outlet: dict[str, deque[str]] = {}
    tweets: dict[str, str] = {}
    hashes: dict[str, MinHash] = {}
    lsh = MinHashLSH(threshold=TEXT_THRESHOLD, num_perm=NUM_PERM)
    info = {s.id: s for s in ordered}
    for s in ordered:
        mh = _minhash(_shingles(s.text)) if s.text.strip() else None
        quoted = [m.group(1) for m in _STATUS.finditer(s.text)] if s.kind != "tweet" else []
        s.text = ""
        link: SourceDuplicate | None = None
        if s.content_hash and s.content_hash in by_hash:
            link = SourceDuplicate(source_id=s.id, canonical_id=by_hash[s.content_hash],
                                   method="exact", similarity=1.0)
        elif s.forwarded_from:
            link = _forward(s, mh, by_outlet, hashes)
        elif mh is not None:
            best, sim = None, 0.0
            for cand in lsh.query(mh):
                j = mh.jaccard(hashes[cand])
                if j > sim:
                    best, sim = cand, j
            if best is not None and sim >= TEXT_THRESHOLD:
                link = SourceDuplicate(source_id=s.id, canonical_id=best, method="minhash",
                                       similarity=round(sim, 3))
        if link is None:
            for status in quoted:
                if status in tweets:
                    link = SourceDuplicate(source_id=s.id, canonical_id=tweets[status],
                                           method="quote", similarity=1.0)
                    break
        if link is not None:
            links[s.id] = link
        if s.content_hash:
            by_hash.setdefault(s.content_hash, s.id)
        if mh is not None:
            hashes[s.id] = mh
            if link is None:
                # only originals go into the LSH: a copy is found through its original, and
                # buckets stay small when one text is reposted thousands of times
                lsh.insert(s.id, mh)
        by_outlet.setdefault(outlet_key(s.outlet), deque(maxlen=FORWARD_LOOKBACK)).append(s.id)
        if s.kind == "tweet" and s.external_id:
            tweets.setdefault(s.external_id, s.id)
    if facts:
        for link in _translations([info[i] for i in info if i not in links], facts):
            links[link.source_id] = link
    return list(links.values())


def _forward(s: SourceInfo, mh: MinHash | None, by_outlet: dict[str, deque[str]],
             hashes: dict[str, MinHash]) -> SourceDuplicate:
    best, sim = None, 0.0
    if mh is not None:
        for cand in by_outlet.get(outlet_key(s.forwarded_from), ()):
            if cand in hashes:
                j = mh.jaccard(hashes[cand])
                if j > sim:
                    best, sim = cand, j
    if best is not None and sim >= TEXT_THRESHOLD:
        return SourceDuplicate(source_id=s.id, canonical_id=best, copied_outlet=s.forwarded_from,
                               method="forward", similarity=round(sim, 3))
    return SourceDuplicate(source_id=s.id, canonical_id=None, copied_outlet=s.forwarded_from,
                           method="forward", similarity=1.0)


def _translations(candidates: list[SourceInfo], facts: dict[str, set[str]]
                  ) -> list[SourceDuplicate]:
    """Cross-language copies by overlap of extracted facts (LSH over the fact sets)."""
    lsh = MinHashLSH(threshold=0.5, num_perm=NUM_PERM)
    seen: dict[str, SourceInfo] = {}
    out: list[SourceDuplicate] = []
    for s in candidates:  # already in publication order
        fs = facts.get(s.id) or set()
        if len(fs) < FACT_MIN_SHARED:
            continue
        mh = _minhash(f.encode() for f in fs)
        best, best_j = None, 0.0
        for cid in lsh.query(mh):
            c = seen[cid]
            if s.language and c.language and s.language == c.language:
                continue
            if s.published_at is None or c.published_at is None:
                continue
            if abs(s.published_at - c.published_at) > TRANSLATION_WINDOW:
                continue
            other = facts[cid]
            shared = fs & other
            specific = sum(1 for f in shared if f.startswith(SPECIFIC_PREFIXES))
            j = len(shared) / len(fs | other)
            ok = len(shared) >= FACT_MIN_SHARED and specific >= FACT_MIN_SPECIFIC
            if ok and j >= FACT_THRESHOLD and j > best_j:
                best, best_j = cid, j
        if best is not None:
            out.append(SourceDuplicate(source_id=s.id, canonical_id=best, method="translation",
                                       similarity=round(best_j, 3)))
        else:
            seen[s.id] = s
            lsh.insert(s.id, mh)
    return out


class Links:
    """Copy links resolved to roots: ``root(id)`` is the earliest original a source copies."""

    def __init__(self, links: Iterable[SourceDuplicate]) -> None:
        self.links = {d.source_id: d for d in links}
        self._root: dict[str, str] = {}

    def root(self, source_id: str) -> str:
        hit = self._root.get(source_id)
        if hit is not None:
            return hit
        seen = {source_id}
        cur = source_id
        while True:
            d = self.links.get(cur)
            if d is None:
                break
            if d.canonical_id is None:
                cur = "outlet:" + outlet_key(d.copied_outlet)
                break
            if d.canonical_id in seen:
                break
            seen.add(d.canonical_id)
            cur = d.canonical_id
        self._root[source_id] = cur
        return cur


def groups_of(source_ids: Iterable[str], sources: dict[str, SourceInfo], links: Links
              ) -> dict[str, str]:
    """Source id → representative of its independence group, for the sources of one event.

    Two sources are one group when one copies the other (through any chain of links) or when
    they come from the same outlet (an outlet repeating itself is not corroboration). The
    representative is the earliest published member.
    """
    ids = sorted(set(source_ids), key=lambda i: _sort_key(sources[i]) if i in sources else
                 ("9999", i))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    for sid in ids:
        union("s:" + sid, "r:" + links.root(sid))
        s = sources.get(sid)
        if s is not None and s.outlet:
            union("s:" + sid, "o:" + outlet_key(s.outlet))
        d = links.links.get(sid)
        if d is not None and d.copied_outlet:
            union("s:" + sid, "o:" + outlet_key(d.copied_outlet))
    rep: dict[str, str] = {}
    for sid in ids:  # earliest first, so the first member seen represents its group
        rep.setdefault(find("s:" + sid), sid)
    return {sid: rep[find("s:" + sid)] for sid in ids}
