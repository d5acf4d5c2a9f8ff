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

import hashlib
import json
import re
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from frontlens.model import SourceDuplicate
from frontlens.store.evidence import near_photos

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
    photos: tuple[tuple[str, str], ...] = ()
    """(photo name, dHash) of the photos it ships (``meta.media_dhash``, ``evidence.dhash``),
    sorted; see :func:`photos_text` for how ``fusion_sources`` keeps them."""
    text: str = field(default="", repr=False)


def photos_text(photos: Iterable[tuple[str, str]]) -> str | None:
    """Photos as ``fusion_sources.photos`` keeps them: a JSON list of [name, dHash] pairs."""
    pairs = sorted(set(photos))
    return json.dumps(pairs, ensure_ascii=False) if pairs else None


def photos_from_text(text: str | None) -> tuple[tuple[str, str], ...]:
    if not text:
        return ()
    return tuple((str(n), str(d)) for n, d in json.loads(text))


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


@dataclass(slots=True)
class Copy:
    """A copy link (the fields of :class:`SourceDuplicate`, without pydantic's ~0.5 KB)."""

    source_id: str
    canonical_id: str | None
    copied_outlet: str | None
    method: str
    similarity: float

    def row(self) -> dict[str, Any]:
        return {"source_id": self.source_id, "canonical_id": self.canonical_id,
                "copied_outlet": self.copied_outlet, "method": self.method,
                "similarity": self.similarity}


def find_duplicates(
    sources: Iterable[SourceInfo], facts: dict[str, set[str]] | None = None
) -> list[SourceDuplicate]:
    """One link per copying source; ``facts`` (source id → fact strings) enables translations.

    Sources are taken in publication order, so the canonical one is always the earliest. The
    text of each source is read once and released (``SourceInfo.text`` is cleared).
    """
    ordered = sorted(sources, key=_sort_key)
    finder = CopyFinder(len(ordered))
    for s in ordered:
        finder.add(s)
        s.text = ""
    del ordered
    facts_of = (lambda _i, sid: facts.get(sid) or set()) if facts else None
    return [SourceDuplicate(**c.row()) for c in finder.links(facts_of)]


_NO_TIME = -(2**63)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(dt: datetime | None) -> int:
    """An aware datetime as microseconds since 1970 (exact; ``_NO_TIME`` for None)."""
    return _NO_TIME if dt is None else (dt - _EPOCH) // timedelta(microseconds=1)


def from_micros(us: int) -> datetime | None:
    return None if us == _NO_TIME else _EPOCH + timedelta(microseconds=us)


class CopyFinder:
    """Copy detection over sources fed in publication order, holding no text or objects.

    :meth:`add` keeps of each source its id, outlet, language and time in arrays, its MinHash
    signature (64 × uint32 in one array), a 16-byte digest of its content hash and, for the
    few that have them, its forward, quoted tweet ids or tweet id; :meth:`links` then decides
    in publication order, exactly as one pass over the sources with every text at hand would.
    The text LSH is MinHashLSH's banding (the same bands and rows for ``TEXT_THRESHOLD``)
    laid out in arrays: per band, each source's bucket (−1 when no other source shares it)
    and a chain of the originals inserted so far, where MinHashLSH keeps a dict of sets per
    band (~4 KB a source). Among equally similar candidates the earliest is kept (MinHashLSH
    returned them in the order of a per-process salted string hash).
    """

    def __init__(self, n_hint: int = 1024) -> None:
        size = max(n_hint, 16)
        self.ids: list[str] = []
        self._codes: dict[str | None, int] = {}
        self._values: list[str | None] = []
        self._outlet = array("i")  # code of outlet_key(outlet)
        self._lang = array("i")  # code of language
        self._time = array("q")  # published_at, µs
        self._sig = np.empty((size, NUM_PERM), dtype=np.uint32)
        self._has_mh = np.zeros(size, dtype=bool)
        self._digest = np.zeros(size, dtype="S16")
        self._has_hash = np.zeros(size, dtype=bool)
        self._forwards: dict[int, str] = {}
        self._quoted: dict[int, list[str]] = {}
        self._tweets: dict[int, str] = {}
        self._last: tuple[str, str] = ("", "")

    def _code(self, value: str | None) -> int:
        k = self._codes.get(value)
        if k is None:
            k = self._codes[value] = len(self._values)
            self._values.append(value)
        return k

    def add(self, s: SourceInfo) -> int:
        """Take the next source in publication order (a ValueError if it is out of order);
        returns its place in that order. Nothing of ``s`` is kept but its id string."""
        key = _sort_key(s)
        if key < self._last:
            raise ValueError(f"source {s.id} out of publication order")
        self._last = key
        i = len(self.ids)
        if i == len(self._sig):
            grow = 2 * i
            self._sig = np.resize(self._sig, (grow, NUM_PERM))
            self._has_mh = np.resize(self._has_mh, grow)
            self._digest = np.resize(self._digest, grow)
            self._has_hash = np.resize(self._has_hash, grow)
            self._has_mh[i:] = self._has_hash[i:] = False
        self.ids.append(s.id)
        self._outlet.append(self._code(outlet_key(s.outlet)))
        self._lang.append(self._code(s.language))
        self._time.append(to_micros(s.published_at))
        if s.text.strip():
            self._sig[i] = _minhash(_shingles(s.text)).hashvalues  # values < 2**32
            self._has_mh[i] = True
        if s.kind != "tweet":
            quoted = [m.group(1) for m in _STATUS.finditer(s.text)]
            if quoted:
                self._quoted[i] = quoted
        elif s.external_id:
            self._tweets[i] = s.external_id
        if s.content_hash:
            self._digest[i] = hashlib.blake2b(s.content_hash.encode(), digest_size=16).digest()
            self._has_hash[i] = True
        if s.forwarded_from:
            self._forwards[i] = s.forwarded_from
        return i

    def links(self, facts_of: Callable[[int, str], set[str]] | None = None,
              keep: bool = False) -> list[Copy]:
        """One link per copying source; ``facts_of(place, id)`` (the facts of a source)
        enables translations. Call once: the arrays are released as they are used, unless
        ``keep`` holds the signatures for :meth:`state_rows` (incremental fusion's state)."""
        n = len(self.ids)
        sig, has_mh, ids = self._sig[:n], self._has_mh[:n], self.ids
        first = _first_of(self._digest[:n], self._has_hash[:n])
        self._digest = np.zeros(0, dtype="S16")
        lsh = MinHashLSH(threshold=TEXT_THRESHOLD, num_perm=NUM_PERM)
        bands = [_buckets(sig[:, lo:hi], has_mh) for lo, hi in lsh.hashranges]
        del lsh
        heads = [np.full(int(b.max()) + 1 if len(b) else 0, -1, dtype=np.int32) for b in bands]
        chain = [np.full(n, -1, dtype=np.int32) for _ in bands]
        out: dict[int, Copy] = {}
        by_outlet: dict[int, deque[int]] = {}
        tweets: dict[str, int] = {}
        for i in range(n):
            sid = ids[i]
            link: Copy | None = None
            if self._has_hash[i] and first[i] != i:
                link = Copy(sid, ids[first[i]], None, "exact", 1.0)
            elif i in self._forwards:
                fwd = self._forwards[i]
                code = self._codes.get(outlet_key(fwd), -1)
                cands = [c for c in by_outlet.get(code, ()) if has_mh[c]]
                best, sim = _closest(sig, i, cands) if has_mh[i] else (None, 0.0)
                if best is not None and sim >= TEXT_THRESHOLD:
                    link = Copy(sid, ids[best], fwd, "forward", round(sim, 3))
                else:
                    link = Copy(sid, None, fwd, "forward", 1.0)
            elif has_mh[i]:
                near: set[int] = set()
                for b, band in enumerate(bands):
                    j = heads[b][band[i]] if band[i] >= 0 else -1
                    while j >= 0:
                        near.add(int(j))
                        j = chain[b][j]
                best, sim = _closest(sig, i, sorted(near))
                if best is not None and sim >= TEXT_THRESHOLD:
                    link = Copy(sid, ids[best], None, "minhash", round(sim, 3))
            if link is None:
                for status in self._quoted.get(i, ()):
                    if status in tweets:
                        link = Copy(sid, ids[tweets[status]], None, "quote", 1.0)
                        break
            if link is not None:
                out[i] = link
            elif has_mh[i]:
                # only originals are candidates: a copy is found through its original, and
                # chains stay short when one text is reposted thousands of times
                for b, band in enumerate(bands):
                    if band[i] >= 0:
                        chain[b][i] = heads[b][band[i]]
                        heads[b][band[i]] = i
            by_outlet.setdefault(self._outlet[i], deque(maxlen=FORWARD_LOOKBACK)).append(i)
            if i in self._tweets:
                tweets.setdefault(self._tweets[i], i)
        del bands, heads, chain, by_outlet, tweets, sig, has_mh
        if keep:
            self._original = np.array([i not in out for i in range(n)], dtype=bool)
        else:
            self._sig = np.zeros((0, NUM_PERM), dtype=np.uint32)
        links = list(out.values())
        if facts_of is not None:
            links += _translations(
                (ids[i], self._values[self._lang[i]], from_micros(self._time[i]),
                 facts_of(i, ids[i])) for i in range(n) if i not in out)
        return links


    def state_rows(self, block: int = 20_000) -> Iterable[tuple[list[dict[str, Any]],
                                                                 list[dict[str, Any]]]]:
        """After ``links(keep=True)``: per block of sources, their ``fusion_sources`` rows and
        the ``fusion_bands`` rows of the originals, in publication order; then released."""
        n = len(self.ids)
        for lo in range(0, n, block):
            hi = min(n, lo + block)
            sig, has = self._sig[lo:hi], self._has_mh[lo:hi]
            keys = band_keys(sig)
            srcs: list[dict[str, Any]] = []
            bands: list[dict[str, Any]] = []
            for k in range(hi - lo):
                i = lo + k
                original = bool(self._original[i])
                srcs.append({
                    "source_id": self.ids[i], "sort_us": sort_us(self._time[i]),
                    "outlet_key": self._values[self._outlet[i]] or "",
                    "language": self._values[self._lang[i]],
                    "signature": sig[k].tobytes() if has[k] else None,
                    "original": original, "tweet_id": self._tweets.get(i)})
                if original and has[k]:
                    bands.extend({"bucket": int(b), "source_id": self.ids[i]} for b in keys[k])
            yield srcs, bands
        self._sig = np.zeros((0, NUM_PERM), dtype=np.uint32)


UNDATED_US = 2**62
"""``sort_us`` of an undated source: after every dated one, as publication order has it."""


def sort_us(us: int) -> int:
    """A publication time (µs, ``_NO_TIME`` when undated) as a sortable integer."""
    return UNDATED_US if us == _NO_TIME else us


_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@cache
def _hashranges() -> list[tuple[int, int]]:
    return list(MinHashLSH(threshold=TEXT_THRESHOLD, num_perm=NUM_PERM).hashranges)


def band_keys(sig: np.ndarray) -> np.ndarray:
    """One signed 64-bit key per LSH band of each signature (rows of ``sig``): two sources
    share a key exactly when they share that band's values (up to a 2**-64 collision), which
    is when :class:`CopyFinder` makes them candidates."""
    sig = np.atleast_2d(sig)
    out = np.empty((len(sig), len(_hashranges())), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for b, (lo, hi) in enumerate(_hashranges()):
            z = np.full(len(sig), np.uint64(0x9E3779B97F4A7C15) * np.uint64(b + 1),
                        dtype=np.uint64)
            for j in range(lo, hi):
                z = _mix(z ^ sig[:, j].astype(np.uint64))
            out[:, b] = z
    return out.view(np.int64)


def signature(text: str) -> np.ndarray | None:
    """A source's MinHash signature as :class:`CopyFinder` computes it (None: empty text)."""
    if not text.strip():
        return None
    return np.asarray(_minhash(_shingles(text)).hashvalues, dtype=np.uint32)


def quoted_statuses(s: SourceInfo) -> list[str]:
    """Tweet ids a non-tweet's text links to (a ``quote`` copy when that tweet is stored)."""
    return [m.group(1) for m in _STATUS.finditer(s.text)] if s.kind != "tweet" else []


def _first_of(digest: np.ndarray, has: np.ndarray) -> np.ndarray:
    """Per source, the index of the first source with the same content hash."""
    first = np.arange(len(digest))
    idx = np.flatnonzero(has)
    if len(idx):
        _, where, inv = np.unique(digest[idx], return_index=True, return_inverse=True)
        first[idx] = idx[where[inv.ravel()]]
    return first


def _buckets(part: np.ndarray, has: np.ndarray) -> np.ndarray:
    """A band's bucket per source: equal band values share one; −1 for a bucket of one."""
    out = np.full(len(part), -1, dtype=np.int32)
    idx = np.flatnonzero(has)
    if len(idx):
        rows = np.ascontiguousarray(part[idx])
        keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
        _, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
        inv = inv.ravel()
        shared = counts[inv] > 1
        out[idx[shared]] = inv[shared]
    return out


def _closest(sig: np.ndarray, i: int, cands: list[int]) -> tuple[int | None, float]:
    """The candidate most similar to source i (the earliest on a tie) and its Jaccard
    estimate, as ``MinHash.jaccard`` computes it; (None, 0.0) when none shares a value."""
    if not cands:
        return None, 0.0
    same = np.count_nonzero(sig[cands] == sig[i], axis=1)
    k = int(np.argmax(same))
    if same[k] == 0:
        return None, 0.0
    return cands[k], float(same[k]) / float(NUM_PERM)


def _translations(candidates: Iterable[tuple[str, str | None, datetime | None, set[str]]]
                  ) -> list[Copy]:
    """Cross-language copies by overlap of extracted facts (LSH over the fact sets).

    ``candidates`` (id, language, published_at, facts) come in publication order, so a
    source older than ``TRANSLATION_WINDOW`` can never match again: it leaves the index,
    which holds a few days of sources."""
    lsh = MinHashLSH(threshold=0.5, num_perm=NUM_PERM)
    seen: dict[int, tuple[str, str | None, datetime, set[str]]] = {}
    window: deque[int] = deque()
    out: list[Copy] = []
    for k, (sid, lang, when, fs) in enumerate(candidates):
        if len(fs) < FACT_MIN_SHARED or when is None:
            continue  # too few facts; undated sources come last and can match nothing
        while window and seen[window[0]][2] < when - TRANSLATION_WINDOW:
            old = window.popleft()
            lsh.remove(old)
            del seen[old]
        mh = _minhash(f.encode() for f in fs)
        best, best_j = None, 0.0
        for cid in sorted(lsh.query(mh)):  # the earliest wins a tie
            c_id, c_lang, c_when, other = seen[cid]
            if lang and c_lang and lang == c_lang:
                continue
            if abs(when - c_when) > TRANSLATION_WINDOW:
                continue
            shared = fs & other
            specific = sum(1 for f in shared if f.startswith(SPECIFIC_PREFIXES))
            j = len(shared) / len(fs | other)
            ok = len(shared) >= FACT_MIN_SHARED and specific >= FACT_MIN_SPECIFIC
            if ok and j >= FACT_THRESHOLD and j > best_j:
                best, best_j = c_id, j
        if best is not None:
            out.append(Copy(sid, best, None, "translation", round(best_j, 3)))
        else:
            seen[k] = (sid, lang, when, fs)
            window.append(k)
            lsh.insert(k, mh)
    return out


class Links:
    """Copy links resolved to roots: ``root(id)`` is the earliest original a source copies."""

    def __init__(self, links: Iterable[SourceDuplicate | Copy]) -> None:
        self.links = {d.source_id: d for d in links}
        self._root: dict[str, str] = {}

    def subset(self, ids: Iterable[str]) -> Links:
        """The links of these sources and of every source their chains pass: the same
        ``root`` and ``links.get`` for each of them, to ship with a partition."""
        got: dict[str, SourceDuplicate | Copy] = {}
        todo = list(ids)
        while todo:
            d = self.links.get(todo.pop())
            if d is None or d.source_id in got:
                continue
            got[d.source_id] = d
            if d.canonical_id:
                todo.append(d.canonical_id)
        return Links(got.values())

    def root(self, source_id: str) -> str:
        if source_id not in self.links:
            return source_id  # an original: not cached, so the cache holds copies only
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

    Two sources are one group when one copies the other (through any chain of links), when
    they come from the same outlet (an outlet repeating itself is not corroboration), or when
    they ship the same photo: dHashes within ``DHASH_SAME_BITS`` bits (a re-encoded or resized
    repost under another id is one piece of evidence, not two). The representative is the
    earliest published member; none of this depends on the order sources were ingested.
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
    for a, b in near_photos((sid, dh) for sid in ids if (s := sources.get(sid)) is not None
                            for _, dh in s.photos):
        union("s:" + a, "s:" + b)
    rep: dict[str, str] = {}
    for sid in ids:  # earliest first, so the first member seen represents its group
        rep.setdefault(find("s:" + sid), sid)
    return {sid: rep[find("s:" + sid)] for sid in ids}
