"""Ledgers: an Oryx-style equipment-loss ledger and a claims ledger, as typed rows.

The equipment ledger counts each loss once. When fusion has run, the records of one fused
equipment event (same type, fate and place within a few days, or the same photo link; see
``fuse/events.py``) are reports of the same items, so each (side, category, type, fate) inside
an event counts ``max(count)``, never the sum: a forwarded copy or a rewrite adds a citation,
not a vehicle. Records fusion has not seen (extracted after the last ``frontlens fuse``) fall
back to one group per source text (``content_hash``), so an exact repost still counts once.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

from sqlalchemy import Connection, Select, func, select

from frontlens.extract.decide import names_a_side
from frontlens.extract.equipment import romanise
from frontlens.fuse.events import equipment_key
from frontlens.store import schema
from frontlens.store.db import Store
from frontlens.store.evidence import DHASH_SAME_BITS, KeptPhotos, dhash_distance

FATES = ("destroyed", "damaged", "abandoned", "captured", "unknown")
MAX_CITATIONS = 5
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a fact comes from: the outlet, its link and the exact sentence cited."""

    source_id: str
    outlet: str | None
    url: str | None
    published_at: datetime | None
    start: int
    end: int
    sentence: str


@dataclass(frozen=True, slots=True)
class OryxType:
    """How Oryx writes a catalog type: its spelling, its section, and the side that loses it
    when Oryx's lists show it one-sided (``lost_by``: Russia, Ukraine or empty)."""

    name: str
    section: str
    lost_by: str


@cache
def oryx_types() -> dict[str, OryxType]:
    """Catalog model id → :class:`OryxType` (``data/equipment_catalog.csv``, built from the
    Oryx scrapes by ``scripts/build_equipment_catalog.py``)."""
    text = (files("frontlens") / "data" / "equipment_catalog.csv").read_text(encoding="utf-8")
    return {r["model_id"]: OryxType(r.get("oryx_name") or "", r.get("oryx_section") or "",
                                    r.get("lost_by") or "")
            for r in csv.DictReader(text.splitlines())}


def oryx_type(label: str) -> str:
    """Oryx's spelling of a type ("BMP-2" → "BMP-2(K)"); empty where Oryx has none."""
    t = oryx_types().get(label)
    return t.name if t else ""


def oryx_section(category: str, label: str = "") -> str:
    """The Oryx section of a type (MT-LB: Armoured Fighting Vehicles), else of its category."""
    t = oryx_types().get(label)
    return (t.section if t and t.section else "") or oryx_sections().get(category, "")


COUNTRY_NAMES = {"RU": "Russia", "UA": "Ukraine"}
SIDE_OF_COUNTRY = {v: k for k, v in COUNTRY_NAMES.items()}


class _OryxNames:
    """Oryx's wording of a ledger line's side, section and type (items and rows alike)."""

    __slots__ = ()
    side: str
    category: str
    type: str

    @property
    def country(self) -> str:
        """The side as Oryx writes it (Russia, Ukraine)."""
        return COUNTRY_NAMES.get(self.side, self.side)

    @property
    def oryx_section(self) -> str:
        return oryx_section(self.category, self.type)

    @property
    def oryx_type(self) -> str:
        """The type as Oryx spells it; empty where Oryx lists no such type."""
        return oryx_type(self.type)


@dataclass(slots=True)
class EquipmentItem(_OryxNames):
    """One counted loss: ``count`` items of one type with one fate, however many reports,
    copies and languages name it. ``date`` is the day it was first published (Oryx's per-item
    tables date an item by its first proof too), so a period can be compared with Oryx."""

    side: str
    category: str
    type: str
    fate: str
    count: int
    date: date | None
    event_id: str | None
    source_ids: list[str] = field(default_factory=list)
    evidence_urls: list[str] = field(default_factory=list)
    spans: list[tuple[str, int, int]] = field(default_factory=list)
    photo_dhashes: list[str] = field(default_factory=list)
    """Perceptual hashes of the photos its reports ship (``meta.media_dhash``)."""
    side_basis: str = "stated"
    """Where ``side`` comes from: "stated" (a report names a side), "oryx" (no report does;
    the model is lost by one side only in Oryx's lists) or "guessed" (neither: the
    extractor's reading from the type's origin), see :func:`_side_of`."""
    places: list[tuple[str | None, str]] = field(default_factory=list)
    """Where its reports say it was lost: (gazetteer id or None, name as written), one per
    distinct place; empty where no report says (:func:`places_compatible`)."""

    @property
    def place(self) -> str:
        """The places named for it, "; "-joined (empty where no report names one)."""
        return "; ".join(name for _, name in self.places)



@dataclass(slots=True)
class EquipmentRow(_OryxNames):
    """One line of the Oryx-style ledger: one catalog type lost by one side."""

    side: str
    category: str
    type: str
    destroyed: int = 0
    damaged: int = 0
    abandoned: int = 0
    captured: int = 0
    unknown: int = 0
    total: int = 0  # destroyed + damaged + abandoned + captured: as Oryx, without "unknown"
    first_seen: date | None = None  # earliest publication among its reports
    last_seen: date | None = None
    source_ids: list[str] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    evidence_urls: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)



@cache
def oryx_sections() -> dict[str, str]:
    """frontlens category → Oryx section name (``data/oryx_sections.csv``)."""
    text = (files("frontlens") / "data" / "oryx_sections.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(ln for ln in text.splitlines() if not ln.startswith("#"))
    return {r["category"]: r["oryx_section"] for r in rows}


@dataclass(slots=True)
class ClaimRow:
    """One statement: who said what, when (the source's publication time), and where."""

    statement_id: str
    source_id: str
    published_at: datetime | None
    speaker: str | None
    role: str | None
    side: str
    cue: str | None
    direct: bool
    against_interest: bool
    quote: str
    outlet: str | None
    url: str | None
    start: int
    end: int


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive day range → [start, end) UTC datetimes, for publication-time filters."""
    lo = datetime.combine(since, time(), tzinfo=UTC) if since else None
    hi = datetime.combine(until + timedelta(days=1), time(), tzinfo=UTC) if until else None
    return lo, hi


def _published_between(q: Select[Any], since: date | None, until: date | None) -> Select[Any]:
    lo, hi = day_bounds(since, until)
    col = schema.sources.c.published_at
    if lo is not None:
        q = q.where(col >= lo)
    if hi is not None:
        q = q.where(col < hi)
    return q


def clip(text: str, limit: int = 300) -> str:
    """One line, at most ``limit`` characters: enough to find the sentence again."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def load_citations(conn: Connection, spans: Iterable[tuple[str, int, int]]
                   ) -> dict[tuple[str, int, int], Citation]:
    """Citations for (source id, start, end) spans; only the sources named are read."""
    wanted = set(spans)
    by_source: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for span in wanted:
        by_source[span[0]].append(span)
    s = schema.sources
    out: dict[tuple[str, int, int], Citation] = {}
    ids = sorted(by_source)
    for i in range(0, len(ids), _CHUNK):
        q = select(s.c.id, s.c.outlet, s.c.url, s.c.published_at, s.c.text).where(
            s.c.id.in_(ids[i : i + _CHUNK]))
        for r in conn.execute(q):
            for span in by_source[r.id]:
                out[span] = Citation(r.id, r.outlet, r.url, r.published_at, span[1], span[2],
                                     clip(r.text[span[1] : span[2]]))
    return out


# -- equipment ----------------------------------------------------------------------------------


def _event_of_records(conn: Connection) -> dict[str, str]:
    """EquipmentLoss record id → fused event id (supporting evidence only)."""
    ev = schema.event_evidence
    q = select(ev.c.record_id, ev.c.event_id).where(
        ev.c.record_type == "EquipmentLoss", ev.c.role == "supporting")
    return {r.record_id: r.event_id for r in conn.execute(q)}


def _side_of(recs: list[Any], label: str, dup: dict[str, str]) -> tuple[str, str]:
    """The one side an item belongs to, however its reports disagree (a Ukrainian post and a
    Russian one about the same hulk are one loss, not one per side): the side most of its
    independent reports state, ties to the first.

    Where no report states a side (its sentence names none, so the side on the record is the
    extractor's guess from the type's origin), the side the model is lost by when Oryx's lists
    show it one-sided fills it (a HIMARS is Ukraine's, the Sergey Kotov Russia's). It never
    overrides a side a report states: a T-72B3 captured and then lost in Ukrainian service is
    Ukraine's loss, though Oryx lists T-72B3s almost only on Russia's side.

    Returns the side and its basis: "stated", "oryx" or "guessed" (no report names a side
    and Oryx's lists do not settle it)."""
    stated = [r for r in recs if r.side in COUNTRY_NAMES
              and names_a_side(r.sentence or "", r.language)]
    lost_by = SIDE_OF_COUNTRY.get(oryx_types()[label].lost_by) if label in oryx_types() else None
    if lost_by and not stated:
        return lost_by, "oryx"
    basis = "stated" if stated else "guessed"
    votes: dict[str, set[str]] = defaultdict(set)
    for r in stated or recs:
        if r.side in COUNTRY_NAMES:
            votes[r.side].add(dup.get(r.source_id) or r.source_id)
    if not votes:
        return recs[0].side, "guessed"
    best = max(len(v) for v in votes.values())
    return next(r.side for r in recs if len(votes.get(r.side, ())) == best), basis


def equipment_items(store: Store, *, since: date | None = None, until: date | None = None,
                    side: str | None = None) -> list[EquipmentItem]:
    """Every loss counted once, with the day it was first published.

    One item is the reports of one fused equipment event (same type, fate and place within a
    few days, or the same photo link) or, before fusion, of one source text and its copies:
    it counts ``max(count)`` of its reports, never the sum, on one side (:func:`_side_of`).
    A report of unknown fate in the same event as, or a copy of, a report with a known fate is
    that item again and adds nothing. ``since``/``until`` filter on the publication day;
    ``side`` is the side that lost the item.
    """
    e, s = schema.equipment_losses, schema.sources
    q = select(e.c.id, e.c.source_id, e.c.start, e.c.end, e.c.catalog_type, e.c.model_text,
               e.c.category, e.c.side, e.c.fate, e.c["count"].label("n"), e.c.evidence_urls,
               e.c.place_id, e.c.place_name,
               s.c.content_hash, s.c.published_at, s.c.language,
               func.substr(s.c.text, e.c.start + 1, e.c.end - e.c.start).label("sentence"),
               ).join(s, s.c.id == e.c.source_id)
    q = _published_between(q, since, until)
    with store.engine.connect() as conn:
        event_of = _event_of_records(conn)
        dup = dict(conn.execute(select(schema.source_duplicates.c.source_id,
                                       schema.source_duplicates.c.canonical_id)).all())
        # item key → its reports: (event or raw copy group, category, type, fate)
        groups: dict[tuple[str, str, str, str], list[Any]] = defaultdict(list)
        for r in conn.execute(q.order_by(s.c.published_at, e.c.id)):
            label = r.catalog_type or r.model_text
            group = event_of.get(r.id) or (
                f"raw:{r.content_hash}:{equipment_key(r.catalog_type, r.model_text)}")
            groups[(group, r.category or "unknown", label, r.fate)].append(r)

    def roots(recs: list[Any]) -> set[str]:
        return {dup.get(r.source_id) or r.source_id for r in recs}

    # an item reported with an unknown fate in the same event as a known one (fusion joins
    # different fates only by the same photo), or in a copy (forward, repost) of a report
    # with a known fate, is that item once, with the known fate (the photo of a hulk, then the
    # report that it burned); in a copy only where the places agree: a recap's "two MT-LB
    # standing in Balakliia" are not its "MT-LB destroyed near the Oskil"
    known: dict[tuple[str, str], list[tuple[str, set[str], list[tuple[str | None, str]]]]] = \
        defaultdict(list)
    for (group, cat, label, fate), recs in groups.items():
        if fate != "unknown":
            known[(cat, label)].append((group, roots(recs), _places(recs)))
    with_photos = sorted({r.source_id for recs in groups.values() for r in recs
                          if r.evidence_urls})
    dhash_of = _media_dhashes(store, with_photos)
    items: list[EquipmentItem] = []
    for (group, cat, label, fate), recs in groups.items():
        if fate == "unknown" and any(
                g == group or (roots(recs) & r and places_compatible(_places(recs), pl))
                for g, r, pl in known.get((cat, label), [])):
            continue
        days = [r.published_at.date() for r in recs if r.published_at is not None]
        item_side, basis = _side_of(recs, label, dup)
        item = EquipmentItem(item_side, cat, label, fate,
                             max(int(r.n) for r in recs), min(days) if days else None,
                             None if group.startswith("raw:") else group, side_basis=basis,
                             places=_places(recs))
        for r in recs:
            _cite(item, r.source_id, (r.source_id, r.start, r.end), r.evidence_urls or [])
            for u in r.evidence_urls or []:
                dh = dhash_of.get(r.source_id, {}).get(u)
                if dh and dh not in item.photo_dhashes:
                    item.photo_dhashes.append(dh)
        items.append(item)
    items = _same_photo(_same_items(items))
    if side:
        items = [i for i in items if i.side == side]
    return sorted(items, key=lambda i: (i.date or date.min, i.side, i.category, i.type, i.fate))


SAME_ITEM_DAYS = 7
"""Reports of one type and fate whose places do not tell them apart, published within a week
of the first, are one item: a recap or weekly tally re-reports what was photographed days
before (fusion joins reports only a few days apart, so the recap became a second event)."""


def _places(recs: Iterable[Any]) -> list[tuple[str | None, str]]:
    """The distinct (place id, name) of the reports that name where the item was lost."""
    out: list[tuple[str | None, str]] = []
    for r in recs:
        if r.place_name and not any(same_place((r.place_id, r.place_name), p) for p in out):
            out.append((r.place_id, r.place_name))
    return out


def _name_key(name: str) -> str:
    return "".join(ch for ch in romanise(name).casefold() if ch.isalnum())


@cache
def _region_of(place_id: str) -> tuple[bool, str | None]:
    """(whether the place is a region, its first-level region) from the gazetteer."""
    try:
        from frontlens.resolve.gazetteer import default_gazetteer

        c = default_gazetteer().get(place_id)
    except (ImportError, FileNotFoundError, OSError):
        return False, None
    if c is None:
        return False, None
    return (c.fclass or "") == "region", c.admin1


def same_place(a: tuple[str | None, str], b: tuple[str | None, str]) -> bool:
    """Whether two reported places can be where one item was lost: the same gazetteer id; a
    region and a place in it ("Kharkiv Oblast" and Balakliia); or, where either name is
    unresolved, the same name up to a case ending in any script ("Вербівці", "Verbivka")."""
    (ia, na), (ib, nb) = a, b
    if ia and ib:
        if ia == ib:
            return True
        (ra, aa), (rb, ab) = _region_of(ia), _region_of(ib)
        return (ra or rb) and aa is not None and aa == ab
    ka, kb = _name_key(na), _name_key(nb)
    n = min(len(ka), len(kb))
    return ka == kb or (n >= 5 and ka[: n - 2] == kb[: n - 2])


def places_compatible(a: list[tuple[str | None, str]], b: list[tuple[str | None, str]]
                      ) -> bool:
    """Reports may be of one item unless both name places and none of those agree
    (:func:`same_place`): a report that names no place conflicts with none."""
    return not a or not b or any(same_place(x, y) for x in a for y in b)


def _cite(item: EquipmentItem, source_id: str, span: tuple[str, int, int],
          urls: Iterable[str]) -> None:
    if source_id not in item.source_ids:
        item.source_ids.append(source_id)
        item.spans.append(span)
    for u in urls:
        if u not in item.evidence_urls:
            item.evidence_urls.append(u)


def _absorb(into: EquipmentItem, other: EquipmentItem) -> None:
    for sid, span in zip(other.source_ids, other.spans, strict=True):
        _cite(into, sid, span, [])
    for u in other.evidence_urls:
        if u not in into.evidence_urls:
            into.evidence_urls.append(u)
    for p in other.places:
        if not any(same_place(p, q) for q in into.places):
            into.places.append(p)


def _media_dhashes(store: Store, ids: list[str]) -> dict[str, dict[str, str]]:
    """Source id → {photo name: dHash} for the sources named: ``meta.media_dhash``, and for
    kept photos it lacks (kept before photos were hashed) the evidence table's ``dhash``."""
    s = schema.sources
    out: dict[str, dict[str, str]] = {}
    photos = KeptPhotos()
    with store.engine.connect() as conn:
        for i in range(0, len(ids), _CHUNK):
            for r in conn.execute(select(s.c.id, s.c.meta).where(s.c.id.in_(ids[i : i + _CHUNK]))):
                meta = r.meta or {}
                dh = meta.get("media_dhash")
                named = {k: v for k, v in dh.items() if isinstance(v, str)} \
                    if isinstance(dh, dict) else {}
                if named:
                    out[r.id] = named
                photos.note(r.id, meta.get("media_sha256"), named)
        for sid, more in photos.resolve(conn).items():
            for name, dh in more:
                out.setdefault(sid, {})[name] = dh
    return out


def _same_photo(items: list[EquipmentItem]) -> list[EquipmentItem]:
    """Join items of one type shown by the same photo, whatever their dates, places and
    sides: a repost re-encoded or resized (another file, another SHA-256, so fusion's
    same-link rule misses it) has a dHash within :data:`DHASH_SAME_BITS` of the first, and
    shows the same hulk. A known fate absorbs an unknown one; two known fates stay apart (the
    photo is then evidence for both, which the reports, not the ledger, must settle)."""
    out: list[EquipmentItem] = []
    hosts: dict[tuple[str, str], list[EquipmentItem]] = defaultdict(list)
    order = sorted(items, key=lambda i: (i.fate == "unknown", i.date or date.max,
                                         i.event_id or ""))
    for it in order:
        host = next((k for k in hosts[(it.category, it.type)]
                     if (k.fate == it.fate or it.fate == "unknown") and any(
                         dhash_distance(a, b) <= DHASH_SAME_BITS
                         for a in k.photo_dhashes for b in it.photo_dhashes)), None)
        if host is not None:
            host.count = max(host.count, it.count) if host.fate == it.fate else host.count
            host.date = min((d for d in (host.date, it.date) if d), default=None)
            _absorb(host, it)
            host.photo_dhashes += [d for d in it.photo_dhashes if d not in host.photo_dhashes]
            continue
        if it.photo_dhashes:
            hosts[(it.category, it.type)].append(it)
        out.append(it)
    return out


def _same_items(items: list[EquipmentItem]) -> list[EquipmentItem]:
    """Join the items that are one physical loss reported again (:data:`SAME_ITEM_DAYS`).

    Items of one side, type and fate whose places agree (:func:`places_compatible`: the same
    place, a region and a place in it, or no place named by one of them), first published
    within a week of the first of them, count ``max(count)``; an item of unknown fate within
    that week of a known-fate item of its side and type whose places agree, and no bigger,
    is that item. Items whose reports name different places stay apart: the MT-LB destroyed
    near Verbivka is not one of the two MT-LB standing in Balakliia. A joined item keeps every
    place its reports name, so a later report agreeing with any of them joins it too.

    A side no report of the later item names (``side_basis`` "guessed": the extractor's
    reading from the type's origin) does not keep it apart: it joins an earlier item of
    another side under the same rules (same-side hosts first), and the earlier item keeps its
    side. A side a report states does keep items apart, as before.
    """
    def near(a: EquipmentItem, b: EquipmentItem) -> bool:
        return a.date is not None and b.date is not None and \
            abs((b.date - a.date).days) <= SAME_ITEM_DAYS

    def hosts_for(it: EquipmentItem, cands: Iterable[EquipmentItem]) -> list[EquipmentItem]:
        ok = [k for k in cands if k.side == it.side or it.side_basis == "guessed"]
        return sorted(ok, key=lambda k: k.side != it.side)  # stable: same side first

    out: list[EquipmentItem] = []
    # (category, type, fate) → each side's items so far (a new one where places disagree)
    runs: dict[tuple[str, str, str], dict[str, list[EquipmentItem]]] = defaultdict(dict)
    for it in sorted(items, key=lambda i: (i.date or date.max, i.event_id or "")):
        if it.fate != "unknown":
            heads = runs[(it.category, it.type, it.fate)]
            first = next((k for k in hosts_for(it, [k for x in sorted(heads) for k in heads[x]])
                          if near(k, it) and places_compatible(k.places, it.places)), None)
            if first is not None:
                first.count = max(first.count, it.count)
                _absorb(first, it)
                continue
            heads.setdefault(it.side, []).append(it)
        out.append(it)
    out = _fill_counted(out, near, hosts_for)
    kept: list[EquipmentItem] = []
    for it in out:
        if it.fate == "unknown":
            host = next((k for k in hosts_for(it, out) if k.fate != "unknown"
                         and (k.category, k.type) == (it.category, it.type)
                         and k.count >= it.count and near(k, it)
                         and places_compatible(k.places, it.places)), None)
            if host is not None:
                _absorb(host, it)
                continue
        kept.append(it)
    return kept


def _fill_counted(items: list[EquipmentItem], near: Any, hosts_for: Any
                  ) -> list[EquipmentItem]:
    """A report at a new place fills a vehicle an earlier item counts but does not place: "2x
    MT-LB destroyed" in the week's tally joined the MT-LB destroyed near Verbivka, so the one
    destroyed near the Oskil that week is the tally's second, not a third. It joins an item
    of its side, type and (known) fate within the week whose count leaves room for it beside
    the places it already has; the count stays the item's."""
    out: list[EquipmentItem] = []
    for it in items:
        host = None
        if it.fate != "unknown" and it.places:
            host = next((k for k in hosts_for(it, out)
                         if (k.category, k.type, k.fate) == (it.category, it.type, it.fate)
                         and near(k, it) and k.count >= len(k.places) + it.count), None)
        if host is not None:
            _absorb(host, it)
            continue
        out.append(it)
    return out


def equipment_ledger(store: Store, *, since: date | None = None, until: date | None = None,
                     side: str | None = None, max_citations: int = MAX_CITATIONS
                     ) -> list[EquipmentRow]:
    """Losses by side, category and catalog type, counted by fate, each item once
    (:func:`equipment_items`); ``unknown`` fates are shown but stay outside ``total``."""
    rows: dict[tuple[str, str, str], EquipmentRow] = {}
    cite_spans: dict[tuple[str, str, str], list[tuple[str, int, int]]] = defaultdict(list)
    for it in equipment_items(store, since=since, until=until, side=side):
        key = (it.side, it.category, it.type)
        row = rows.get(key)
        if row is None:
            row = rows[key] = EquipmentRow(side=it.side, category=it.category, type=it.type)
        setattr(row, it.fate, getattr(row, it.fate) + it.count)
        if it.fate != "unknown":
            row.total += it.count
        if it.date is not None:
            row.first_seen = min(row.first_seen or it.date, it.date)
            row.last_seen = max(row.last_seen or it.date, it.date)
        if it.event_id and it.event_id not in row.event_ids:
            row.event_ids.append(it.event_id)
        for sid, span in zip(it.source_ids, it.spans, strict=True):
            if sid not in row.source_ids:
                row.source_ids.append(sid)
                cite_spans[key].append(span)
        for u in it.evidence_urls:
            if u not in row.evidence_urls:
                row.evidence_urls.append(u)
    wanted = [sp for spans in cite_spans.values() for sp in spans[:max_citations]]
    if wanted:
        with store.engine.connect() as conn:
            cites = load_citations(conn, wanted)
        for key, row in rows.items():
            row.citations = [cites[sp] for sp in cite_spans[key][:max_citations] if sp in cites]
    return sorted(rows.values(), key=lambda r: (r.side, r.category, -r.total, r.type))


def equipment_totals(rows: Iterable[EquipmentRow]) -> dict[tuple[str, str], dict[str, int]]:
    """(side, category) → counts by fate and total, for Oryx-style section headers."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    for r in rows:
        t = out.setdefault((r.side, r.category), dict.fromkeys((*FATES, "total"), 0))
        for f in (*FATES, "total"):
            t[f] += getattr(r, f)
    return out


# -- claims -------------------------------------------------------------------------------------


def _claims_query(since: date | None, until: date | None, side: str | None,
                  against_interest: bool | None) -> Select[Any]:
    st, s = schema.statements, schema.sources
    q: Select[Any] = select(
        st.c.id, st.c.source_id, st.c.start, st.c.end, st.c.speaker, st.c.role, st.c.side,
        st.c.cue, st.c.direct, st.c.against_interest, st.c.quote, s.c.published_at,
        s.c.outlet, s.c.url).join(s, s.c.id == st.c.source_id)
    q = _published_between(q, since, until)
    if side:
        q = q.where(st.c.side == side)
    if against_interest is not None:
        q = q.where(st.c.against_interest == against_interest)
    return q


def iter_claims(store: Store, *, since: date | None = None, until: date | None = None,
                side: str | None = None, against_interest: bool | None = None,
                limit: int | None = None) -> Iterator[ClaimRow]:
    """Statements newest first (against-interest first within a publication time), streamed."""
    st, s = schema.statements, schema.sources
    q = _claims_query(since, until, side, against_interest).order_by(
        s.c.published_at.desc().nulls_last(), st.c.against_interest.desc(), st.c.source_id,
        st.c.start)
    if limit is not None:
        q = q.limit(limit)
    with store.engine.connect() as conn:
        for r in conn.execution_options(yield_per=1000).execute(q):
            yield ClaimRow(r.id, r.source_id, r.published_at, r.speaker, r.role, r.side,
                           r.cue, bool(r.direct), bool(r.against_interest), r.quote,
                           r.outlet, r.url, r.start, r.end)


def claims_ledger(store: Store, **kw: Any) -> list[ClaimRow]:
    """The claims ledger as a list (see :func:`iter_claims` for the filters)."""
    return list(iter_claims(store, **kw))



# -- comparison with Oryx -----------------------------------------------------------------------

ORYX_FATES = ("destroyed", "damaged", "abandoned", "captured")


@dataclass(slots=True)
class OryxDiff:
    """One Oryx section of one country over a period: the ledger's count by fate beside the
    growth of Oryx's running count (scarnecchia ``daily_count.csv``)."""

    country: str
    section: str
    ledger: dict[str, int]
    oryx: dict[str, int]

    @property
    def diff(self) -> dict[str, int]:
        """ledger − Oryx per fate and in total (0 where they agree)."""
        out = {f: self.ledger.get(f, 0) - self.oryx.get(f, 0) for f in ORYX_FATES}
        out["total"] = sum(out.values())
        return out


def read_oryx_daily(fh: Iterable[str], since: date | None, until: date | None
                    ) -> dict[tuple[str, str], dict[str, int]]:
    """(country, section) → Oryx's items first recorded in [since, until], by fate.

    ``daily_count.csv`` holds running totals per day recorded; the period's count is the last
    total on or before ``until`` minus the last one before ``since``. Scrape artefacts (a
    section "All Types", or "Losses of …" headers) are skipped; names are whitespace-collapsed.
    """
    rows = csv.DictReader(fh)
    need = {"country", "equipment_type", "date_recorded", *ORYX_FATES}
    if rows.fieldnames is None or not need <= set(rows.fieldnames):
        raise ValueError("not an Oryx daily-count table: needs columns "
                         + ", ".join(sorted(need)))
    last: dict[tuple[str, str], tuple[date, dict[str, int]]] = {}
    before: dict[tuple[str, str], tuple[date, dict[str, int]]] = {}
    for r in rows:
        section = " ".join((r["equipment_type"] or "").split())
        if not section or section == "All Types" or " - " in section or "[" in section:
            continue
        day = date.fromisoformat(r["date_recorded"].strip()[:10])
        key = (r["country"].strip(), section)
        counts = {f: int(float(r[f] or 0)) for f in ORYX_FATES}
        if (until is None or day <= until) and (key not in last or day >= last[key][0]):
            last[key] = (day, counts)
        if since is not None and day < since and (key not in before or day >= before[key][0]):
            before[key] = (day, counts)
    out: dict[tuple[str, str], dict[str, int]] = {}
    for key, (_, counts) in last.items():
        base = before.get(key, (None, dict.fromkeys(ORYX_FATES, 0)))[1]
        out[key] = {f: counts[f] - base[f] for f in ORYX_FATES}
    return out


def compare_with_oryx(items: Iterable[EquipmentItem], oryx: dict[tuple[str, str], dict[str, int]]
                      ) -> list[OryxDiff]:
    """The ledger's items (already filtered to the period) beside Oryx's counts, per country
    and Oryx section; items of unknown fate or without an Oryx section are left out, as Oryx
    has neither."""
    mine: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(ORYX_FATES, 0))
    for it in items:
        if it.fate in ORYX_FATES and it.oryx_section and it.side in COUNTRY_NAMES:
            mine[(it.country, it.oryx_section)][it.fate] += it.count
    keys = sorted(set(mine) | {k for k, v in oryx.items() if any(v.values())})
    return [OryxDiff(c, sec, dict(mine.get((c, sec), dict.fromkeys(ORYX_FATES, 0))),
                     oryx.get((c, sec), dict.fromkeys(ORYX_FATES, 0))) for c, sec in keys]
