"""Incremental fusion: recompute only the blocks (places, equipment types, statement keys) that
new or re-extracted sources touch, writing exactly the rows a full rebuild would write.

What crosses blocks, and how it is kept exact:

* **Copy links.** A source's link depends only on sources published before it. The copy
  finder's state per fused source (publication position, outlet key, MinHash signature,
  original or copy, tweet id; ``fusion_sources``) and the LSH buckets of the originals
  (``fusion_bands``) stay in the store, so the sources from the earliest new one onwards (the
  *replay*: usually just the new ones, more when a backfill lands among old posts) are linked
  against that state exactly as one pass over every text would link them. Translations
  (cross-language copies by shared facts) look back two days: the unlinked sources of those
  two days are read with their facts and seed the index.
* **Independence groups and grades** of an event depend on the links of its own sources, and
  an event's sources are the claims of its block. Every block holding a claim of a replayed
  source is recomputed (and, for a re-extracted source, every block it was cited in before).
* **Reliability** is a per-source lookup in the table; **concessions** ("against interest")
  are per source. Area-figure contradictions are few and recomputed whole.
* Anything else fusion depends on (its code, the reliability table) is fingerprinted in
  ``fusion_state.config``; when it changed, when state is missing or sources were removed,
  or when the replay would be long, fusion falls back to a full rebuild.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any

import numpy as np
from sqlalchemy import and_, delete, func, or_, select

from frontlens.fuse import confidence as conf
from frontlens.fuse.dedup import (
    FORWARD_LOOKBACK,
    NUM_PERM,
    TEXT_THRESHOLD,
    TRANSLATION_WINDOW,
    UNDATED_US,
    Copy,
    SourceInfo,
    _translations,
    band_keys,
    from_micros,
    outlet_key,
    photos_from_text,
    photos_text,
    quoted_statuses,
    signature,
    sort_us,
    to_micros,
)
from frontlens.fuse.events import (
    UNSIDED_CHANGE,
    AreaItem,
    Claim,
    EqClaim,
    StClaim,
    claim_from_row,
    day_of,
    equipment_key,
    item_facts,
    place_key,
    quote_key,
    side_after,
    speaker_key,
)
from frontlens.store import schema
from frontlens.store.evidence import KeptPhotos

FUSION_VERSION = "3"
"""Bump when fusion's output changes in a way the fingerprinted sources do not show."""
MAX_REPLAY = 100_000
"""Sources relinked at most; a deeper backfill is a full rebuild (cheaper than row-by-row)."""
_IN = 500  # ids per IN (...) list
CONTROL_KINDS = ("denial", "control_conflict")
_FUSE_CODE = ("confidence.py", "dedup.py", "events.py", "incremental.py", "picture.py")


def config_fingerprint(table: conf.ReliabilityTable) -> str:
    """What fusion's output depends on besides the stored records: its code and the
    reliability table. Incremental fusion is exact only while this is unchanged."""
    h = hashlib.sha256(FUSION_VERSION.encode())
    pkg = files("frontlens") / "fuse"
    for name in _FUSE_CODE:
        h.update((pkg / name).read_bytes())
    for r in table.rows:
        h.update(repr((r.pattern, r.letter, r.category, r.side)).encode())
    return h.hexdigest()


def chunks(xs: Iterable[Any], n: int = _IN) -> Iterator[list[Any]]:
    buf: list[Any] = []
    for x in xs:
        buf.append(x)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf


Pos = tuple[int, str]


def _id_col(col: Any, conn: Any) -> Any:
    """Ids compared as bytes on PostgreSQL (its "C" collation), the order Python uses."""
    return col.collate("C") if conn.dialect.name == "postgresql" else col


def _before(conn: Any, p: Pos) -> Any:
    fs = schema.fusion_sources
    sid = _id_col(fs.c.source_id, conn)
    return or_(fs.c.sort_us < p[0], and_(fs.c.sort_us == p[0], sid < p[1]))


def _at_or_after(conn: Any, p: Pos) -> Any:
    fs = schema.fusion_sources
    sid = _id_col(fs.c.source_id, conn)
    return or_(fs.c.sort_us > p[0], and_(fs.c.sort_us == p[0], sid >= p[1]))


# -- what changed --------------------------------------------------------------------------------


@dataclass
class Plan:
    """The sources to relink (publication order) and why; ``reason`` set: rebuild instead."""

    replay: list[str] = field(default_factory=list)
    new: set[str] = field(default_factory=set)
    reason: str | None = None


def plan(conn: Any, state: Any, config: str) -> Plan:
    """Which sources to relink: those not fused yet, those extracted since the last run, and
    every fused source published after the earliest of them."""
    if state is None:
        return Plan(reason="no earlier fusion")
    if (state.config or "").startswith(schema.STALE_CONFIG):
        return Plan(reason=f"{state.config.removeprefix(schema.STALE_CONFIG)} since the last "
                           "fusion")
    if state.config != config:
        return Plan(reason="fusion code or reliability table changed since the last fusion")
    s, fs, x = schema.sources, schema.fusion_sources, schema.extractions
    n_src = conn.execute(select(func.count()).select_from(s)).scalar_one()
    n_fused = conn.execute(select(func.count()).select_from(fs)).scalar_one()
    if n_src and not n_fused:
        return Plan(reason="no copy-finder state stored (fused by an older version)")
    new = {r[0] for r in conn.execute(
        select(s.c.id).where(~select(fs.c.source_id).where(fs.c.source_id == s.c.id).exists()))}
    if n_fused + len(new) != n_src:
        return Plan(reason="sources were removed since the last fusion")
    q = select(x.c.source_id).distinct()
    if state.last_extracted_at is not None:
        q = q.where(x.c.processed_at > state.last_extracted_at)
    touched = {r[0] for r in conn.execute(q)} - new
    if not new and not touched:
        return Plan()
    starts: list[Pos] = []
    for part in chunks(new):
        for sid, when in conn.execute(select(s.c.id, s.c.published_at).where(s.c.id.in_(part))):
            starts.append((sort_us(to_micros(when)), sid))
    for part in chunks(touched):
        starts += [(u, sid) for sid, u in conn.execute(
            select(fs.c.source_id, fs.c.sort_us).where(fs.c.source_id.in_(part)))]
    p = min(starts)
    n_after = conn.execute(select(func.count()).select_from(fs).where(
        _at_or_after(conn, p))).scalar_one()
    if n_after + len(new) > MAX_REPLAY:
        return Plan(reason=f"{n_after + len(new):,} sources to relink (more than "
                           f"{MAX_REPLAY:,}: a backfill among old sources)")
    older = [r[0] for r in conn.execute(select(fs.c.source_id).where(_at_or_after(conn, p)))]
    return Plan(replay=[*older, *new], new=new)


# -- relinking -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Item:
    """A replayed source as the copy finder sees it (text read, then dropped)."""

    info: SourceInfo
    pos: Pos
    okey: str
    sig: np.ndarray | None
    keys: list[int]
    quoted: list[str]
    tweet: str | None
    original: bool = False


def source_columns() -> tuple[Any, ...]:
    """The columns of ``sources`` a SourceInfo is read from (full and incremental fusion)."""
    s = schema.sources
    return (s.c.id, s.c.kind, s.c.outlet, s.c.url, s.c.external_id, s.c.published_at,
            s.c.language, s.c.content_hash, s.c.forwarded_from, s.c.media, s.c.text,
            s.c.meta["media_dhash"].label("media_dhash"),
            s.c.meta["media_sha256"].label("media_sha256"))


def source_info(r: Any, table: conf.ReliabilityTable) -> SourceInfo:
    """A row of ``source_columns()`` with its outlet's reliability and the side whose voice it
    carries (a forward's original channel, else the outlet); ``photos`` holds the
    dHashes its meta names (:func:`note_photos` notes those only the evidence table has)."""
    rel = table.lookup(r.outlet, r.url)
    named = r.media_dhash if isinstance(r.media_dhash, dict) else {}
    side = rel.side
    if r.forwarded_from:  # a forward speaks with its original's voice, when the table has it
        fwd = table.lookup(r.forwarded_from).side
        side = fwd if fwd in ("UA", "RU") else side
    return SourceInfo(
        id=r.id, kind=r.kind, outlet=r.outlet, url=r.url, external_id=r.external_id,
        published_at=r.published_at, language=r.language, content_hash=r.content_hash,
        forwarded_from=r.forwarded_from, media=bool(r.media), letter=rel.letter,
        category=rel.category, side=side, text=r.text,
        photos=tuple(sorted((k, v) for k, v in named.items()
                            if isinstance(k, str) and _is_dhash(v))))


def _is_dhash(v: Any) -> bool:
    return isinstance(v, str) and len(v) == 16 and all(c in "0123456789abcdef" for c in v)


def note_photos(photos: KeptPhotos, r: Any) -> None:
    """Note a ``source_columns()`` row's kept photos that its meta gives no dHash."""
    photos.note(r.id, r.media_sha256, r.media_dhash if isinstance(r.media_dhash, dict) else {})


def with_photos(info: SourceInfo, more: set[tuple[str, str]] | None) -> SourceInfo:
    if more:
        info.photos = tuple(sorted(set(info.photos) | more))
    return info


def read_replay(conn: Any, ids: list[str], table: conf.ReliabilityTable) -> list[Item]:
    """The replayed sources with their texts, as the copy finder sees them, oldest first."""
    s = schema.sources
    out: list[Item] = []
    photos = KeptPhotos()
    for part in chunks(ids):
        q = select(*source_columns()).where(s.c.id.in_(part))
        for r in conn.execute(q):
            info = source_info(r, table)
            note_photos(photos, r)
            sig = signature(info.text)
            out.append(Item(
                info, (sort_us(to_micros(info.published_at)), info.id), outlet_key(info.outlet),
                sig, [], quoted_statuses(info), info.external_id if info.kind == "tweet" else None))
            info.text = ""
    more = photos.resolve(conn)
    for it in out:
        with_photos(it.info, more.get(it.info.id))
    out.sort(key=lambda it: it.pos)
    signed = [it for it in out if it.sig is not None]
    if signed:  # all at once: numpy's cost per call outweighs the work for one signature
        keys = band_keys(np.stack([it.sig for it in signed])).tolist()  # type: ignore[misc]
        for it, ks in zip(signed, keys, strict=True):
            it.keys = ks
    return out


def _closest(sig: np.ndarray, cands: list[tuple[Pos, str, np.ndarray]]
             ) -> tuple[str | None, float]:
    """The candidate (in publication order) most similar to ``sig``, the earliest on a tie,
    as :func:`frontlens.fuse.dedup._closest` decides."""
    if not cands:
        return None, 0.0
    same = np.count_nonzero(np.stack([c[2] for c in cands]) == sig, axis=1)
    k = int(np.argmax(same))
    if same[k] == 0:
        return None, 0.0
    return cands[k][1], float(same[k]) / float(NUM_PERM)


def _sigs(conn: Any, ids: Iterable[str], p: Pos) -> dict[str, tuple[Pos, np.ndarray | None]]:
    fs = schema.fusion_sources
    out: dict[str, tuple[Pos, np.ndarray | None]] = {}
    for part in chunks(set(ids)):
        for sid, u, blob in conn.execute(select(fs.c.source_id, fs.c.sort_us, fs.c.signature)
                                         .where(fs.c.source_id.in_(part), _before(conn, p))):
            out[sid] = ((u, sid), None if blob is None else np.frombuffer(blob, np.uint32))
    return out


def relink(conn: Any, items: list[Item], facts: dict[str, set[str]]) -> list[Copy]:
    """Copy links of the replayed sources, decided in publication order against the stored
    state of every source before them (see :meth:`CopyFinder.links`, which this mirrors)."""
    if not items:
        return []
    p = items[0].pos
    s, fs, fb = schema.sources, schema.fusion_sources, schema.fusion_bands
    h_hash: dict[str, Pos] = {}
    h_hash_id: dict[str, str] = {}
    for part in chunks({it.info.content_hash for it in items if it.info.content_hash}):
        q = (select(s.c.content_hash, fs.c.sort_us, fs.c.source_id)
             .join(fs, fs.c.source_id == s.c.id)
             .where(s.c.content_hash.in_(part), _before(conn, p)))
        for h, u, sid in conn.execute(q):
            if h not in h_hash or (u, sid) < h_hash[h]:
                h_hash[h], h_hash_id[h] = (u, sid), sid
    h_tweet: dict[str, Pos] = {}
    for part in chunks({q for it in items for q in it.quoted}):
        q = select(fs.c.tweet_id, fs.c.sort_us, fs.c.source_id).where(
            fs.c.tweet_id.in_(part), _before(conn, p))
        for t, u, sid in conn.execute(q):
            if t not in h_tweet or (u, sid) < h_tweet[t]:
                h_tweet[t] = (u, sid)
    h_outlet: dict[str, list[tuple[Pos, str, np.ndarray | None]]] = {}
    for fwd in {outlet_key(it.info.forwarded_from) for it in items if it.info.forwarded_from}:
        q = (select(fs.c.source_id, fs.c.sort_us, fs.c.signature)
             .where(fs.c.outlet_key == fwd, _before(conn, p))
             .order_by(fs.c.sort_us.desc(), _id_col(fs.c.source_id, conn).desc())
             .limit(FORWARD_LOOKBACK))
        rows = [((u, sid), sid, None if b is None else np.frombuffer(b, np.uint32))
                for sid, u, b in conn.execute(q)]
        h_outlet[fwd] = rows[::-1]
    bucket_ids: dict[int, list[str]] = defaultdict(list)
    for part in chunks({k for it in items for k in it.keys}):
        q = select(fb.c.bucket, fb.c.source_id).where(fb.c.bucket.in_(part))
        for b, sid in conn.execute(q):
            bucket_ids[b].append(sid)
    h_sig = _sigs(conn, (sid for ids in bucket_ids.values() for sid in ids), p)

    out: dict[int, Copy] = {}
    r_hash: dict[str, int] = {}
    r_tweet: dict[str, int] = {}
    r_outlet: dict[str, list[int]] = defaultdict(list)
    r_bucket: dict[int, list[int]] = defaultdict(list)
    for k, it in enumerate(items):
        sid, info = it.info.id, it.info
        link: Copy | None = None
        h = info.content_hash
        if h:
            first = r_hash.setdefault(h, k)
            if h in h_hash:
                link = Copy(sid, h_hash_id[h], None, "exact", 1.0)
            elif first != k:
                link = Copy(sid, items[first].info.id, None, "exact", 1.0)
        if link is None and info.forwarded_from:
            fwd = info.forwarded_from
            okey = outlet_key(fwd)
            recent = [*h_outlet.get(okey, []),
                      *((items[j].pos, items[j].info.id, items[j].sig) for j in r_outlet[okey])]
            cands = [(pos, cid, s) for pos, cid, s in recent[-FORWARD_LOOKBACK:]
                     if s is not None]
            best, sim = _closest(it.sig, cands) if it.sig is not None else (None, 0.0)
            if best is not None and sim >= TEXT_THRESHOLD:
                link = Copy(sid, best, fwd, "forward", round(sim, 3))
            else:
                link = Copy(sid, None, fwd, "forward", 1.0)
        elif link is None and it.sig is not None:
            found: dict[str, tuple[Pos, str, np.ndarray]] = {}
            for key in it.keys:
                for c in bucket_ids.get(key, ()):
                    hit = h_sig.get(c)
                    if hit is not None and hit[1] is not None:
                        found[c] = (hit[0], c, hit[1])
                for j in r_bucket.get(key, ()):
                    o = items[j]
                    found[o.info.id] = (o.pos, o.info.id, o.sig)  # type: ignore[assignment]
            best, sim = _closest(it.sig, sorted(found.values(), key=lambda c: c[0]))
            if best is not None and sim >= TEXT_THRESHOLD:
                link = Copy(sid, best, None, "minhash", round(sim, 3))
        if link is None:
            for status in it.quoted:
                if status in h_tweet:
                    link = Copy(sid, h_tweet[status][1], None, "quote", 1.0)
                    break
                if status in r_tweet:
                    link = Copy(sid, items[r_tweet[status]].info.id, None, "quote", 1.0)
                    break
        if link is not None:
            out[k] = link
        elif it.sig is not None:
            it.original = True
            for key in it.keys:
                r_bucket[key].append(k)
        r_outlet[it.okey].append(k)
        if it.tweet:
            r_tweet.setdefault(it.tweet, k)
    links = list(out.values())
    seeds = _seeds(conn, p)
    ids = {it.info.id for it in items}
    unlinked = [*seeds, *((it.info.id, it.info.language, it.info.published_at,
                           facts.get(it.info.id, set()))
                          for k, it in enumerate(items) if k not in out)]
    links += [c for c in _translations(unlinked) if c.source_id in ids]
    return links



def _seeds(conn: Any, p: Pos) -> list[tuple[str, str | None, datetime, set[str]]]:
    """The unlinked dated sources of the two days before ``p``: what the translation index
    holds when the replay starts."""
    if p[0] >= UNDATED_US:
        return []
    fs, d = schema.fusion_sources, schema.source_duplicates
    lo = p[0] - TRANSLATION_WINDOW // timedelta(microseconds=1) - 1
    q = (select(fs.c.source_id, fs.c.sort_us, fs.c.language)
         .where(fs.c.sort_us >= lo, _before(conn, p),
                ~select(d.c.source_id).where(d.c.source_id == fs.c.source_id).exists()))
    rows = sorted(((u, sid), lang) for sid, u, lang in conn.execute(q))
    facts = read_facts(conn, [pos[1] for pos, _ in rows])
    return [(pos[1], lang, from_micros(pos[0]), facts.get(pos[1], set()))  # type: ignore[misc]
            for pos, lang in rows]


def read_facts(conn: Any, ids: list[str]) -> dict[str, set[str]]:
    """Each source's facts (:func:`item_facts`) from its stored records."""
    out: dict[str, set[str]] = defaultdict(set)
    for c in claims_of_sources(conn, ids, published=None):
        out[c.source_id].update(item_facts(c))
    return out


def claims_of_sources(conn: Any, ids: list[str], published: dict[str, Any] | None
                      ) -> Iterator[Any]:
    """The records of these sources as fusion's claim objects (sides not read: for facts
    and block keys only)."""
    pub = published or {}
    for part in chunks(ids):
        for r in conn.execute(select(schema.control_events).where(
                schema.control_events.c.source_id.in_(part))):
            yield claim_from_row(r)
        for r in conn.execute(select(schema.equipment_losses).where(
                schema.equipment_losses.c.source_id.in_(part))):
            yield EqClaim(r.id, r.source_id, r.start, r.end,
                          equipment_key(r.catalog_type, r.model_text), r.fate, r.side,
                          r.place_id, list(r.evidence_urls or []), day_of(pub.get(r.source_id)),
                          place_name=r.place_name)
        for r in conn.execute(select(schema.statements).where(
                schema.statements.c.source_id.in_(part))):
            yield StClaim(r.id, r.source_id, r.start, r.end, speaker_key(r.speaker_id, r.speaker),
                          quote_key(r.quote), day_of(pub.get(r.source_id)),
                          bool(r.against_interest), r.side)
        for r in conn.execute(select(schema.area_claims).where(
                schema.area_claims.c.source_id.in_(part))):
            yield AreaItem(r.id, r.source_id, r.value_km2, r.qualifier, r.place_id,
                           day_of(pub.get(r.source_id)))


def block_of(c: Any) -> tuple[str, str] | None:
    """The block a claim is fused in: (kind, place key / equipment type / speaker|quote)."""
    if isinstance(c, Claim):
        return ("control", c.key)
    if isinstance(c, EqClaim):
        return ("equipment", c.subject)
    if isinstance(c, StClaim):
        return ("statement", f"{c.subject}|{c.quote_key}")
    return None


def grading(s: SourceInfo) -> dict[str, Any]:
    """The ``fusion_sources`` fields grading reads (see :func:`source_infos`)."""
    return {"outlet": s.outlet, "media": s.media, "letter": s.letter, "category": s.category,
            "side": s.side, "photos": photos_text(s.photos)}


def source_infos(conn: Any, ids: Iterable[str]) -> dict[str, SourceInfo]:
    """Grading fields of fused sources, as a rebuild's ``_Sources.infos`` gives them, from
    the state table (small rows; the reliability lookup was done when they were fused)."""
    fs = schema.fusion_sources
    out: dict[str, SourceInfo] = {}
    for part in chunks(set(ids)):
        q = select(fs.c.source_id, fs.c.sort_us, fs.c.outlet, fs.c.media, fs.c.letter,
                   fs.c.category, fs.c.side, fs.c.photos).where(fs.c.source_id.in_(part))
        for sid, u, outlet, media, letter, category, side, photos in conn.execute(q):
            out[sid] = SourceInfo(id=sid, outlet=outlet, media=bool(media), letter=letter,
                                  category=category, side=side,
                                  published_at=None if u >= UNDATED_US else from_micros(u),
                                  photos=photos_from_text(photos))
    return out


def write_state(conn: Any, items: list[Item], old: list[str]) -> None:
    """Replace the copy-finder state of the replayed sources (``old``: those stored before)."""
    fs, fb = schema.fusion_sources, schema.fusion_bands
    if old:
        stale = _sigs(conn, old, (UNDATED_US + 1, ""))
        for part in chunks(old):
            conn.execute(delete(fs).where(fs.c.source_id.in_(part)))
        signed = [(sid, sig) for sid, (_, sig) in stale.items() if sig is not None]
        keys = band_keys(np.stack([sig for _, sig in signed])).tolist() if signed else []
        pairs = [(k, sid) for (sid, _), ks in zip(signed, keys, strict=True) for k in ks]
        for part in chunks(pairs, 200):
            conn.execute(delete(fb).where(or_(*(and_(fb.c.bucket == k, fb.c.source_id == sid)
                                                for k, sid in part))))
    rows = [{"source_id": it.info.id, "sort_us": it.pos[0], "outlet_key": it.okey,
             "language": it.info.language,
             "signature": None if it.sig is None else it.sig.astype(np.uint32).tobytes(),
             "original": it.original, "tweet_id": it.tweet, **grading(it.info)}
            for it in items]
    for part in chunks(rows, 2000):
        conn.execute(fs.insert(), part)
    bands = [{"bucket": k, "source_id": it.info.id}
             for it in items if it.original for k in it.keys]
    for part in chunks(bands, 2000):
        conn.execute(fb.insert(), part)


# -- reading the claims of a set of blocks ------------------------------------------------------


def control_claims(conn: Any, keys: set[str]) -> list[Claim]:
    """Every control claim whose place key is in ``keys`` (sides read from the sentence)."""
    c = schema.control_events
    ids = [k for k in keys if k and not k.startswith("name:")]
    named = {k for k in keys if not k or k.startswith("name:")}
    rows: list[Any] = []
    for part in chunks(ids):
        rows += conn.execute(select(c).where(c.c.place_id.in_(part))).all()
    if named:
        unplaced = or_(c.c.place_id.is_(None), c.c.place_id == "")
        names = [n for (n,) in conn.execute(select(c.c.place_name).where(unplaced).distinct())
                 if place_key(None, n) in named]
        for part in chunks(names):
            rows += conn.execute(select(c).where(unplaced, c.c.place_name.in_(part))).all()
    sides = _sides_after(conn, [r.id for r in rows if r.action in UNSIDED_CHANGE
                                and r.new_controller not in ("UA", "RU")])
    return [claim_from_row(r, side=sides.get(r.id)) for r in rows]


def _sides_after(conn: Any, ids: list[str]) -> dict[str, str]:
    from sqlalchemy import func as f

    c, s = schema.control_events, schema.sources
    out: dict[str, str] = {}
    for part in chunks(ids):
        q = (select(c.c.id, c.c.action, c.c.new_controller,
                    f.substr(s.c.text, c.c.start + 1, c.c.end - c.c.start))
             .join(s, s.c.id == c.c.source_id).where(c.c.id.in_(part)))
        for rid, action, controller, sentence in conn.execute(q):
            if sentence:
                side = side_after(action, sentence)
                if side != controller:
                    out[rid] = side
    return out


def equipment_rows(conn: Any, keys: set[str]) -> list[Any]:
    """Equipment loss rows whose type key is in ``keys``."""
    e = schema.equipment_losses
    typed: set[str] = set()
    untyped: set[str] = set()
    for ct, mt in conn.execute(select(e.c.catalog_type, e.c.model_text).distinct()):
        if equipment_key(ct, mt) in keys:
            (typed.add(ct) if ct else untyped.add(mt))
    rows: list[Any] = []
    for part in chunks(typed):
        rows += conn.execute(select(e).where(e.c.catalog_type.in_(part))).all()
    no_type = or_(e.c.catalog_type.is_(None), e.c.catalog_type == "")
    for part in chunks(untyped):
        rows += conn.execute(select(e).where(no_type, e.c.model_text.in_(part))).all()
    return rows
