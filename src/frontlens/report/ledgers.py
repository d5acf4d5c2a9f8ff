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

from sqlalchemy import Connection, Select, select

from frontlens.fuse.events import equipment_key
from frontlens.store import schema
from frontlens.store.db import Store

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


@dataclass(slots=True)
class EquipmentRow:
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

    @property
    def country(self) -> str:
        """The side as Oryx writes it (Russia, Ukraine)."""
        return COUNTRY_NAMES.get(self.side, self.side)

    @property
    def oryx_section(self) -> str:
        return oryx_sections().get(self.category, "")


COUNTRY_NAMES = {"RU": "Russia", "UA": "Ukraine"}


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


def equipment_ledger(store: Store, *, since: date | None = None, until: date | None = None,
                     side: str | None = None, max_citations: int = MAX_CITATIONS
                     ) -> list[EquipmentRow]:
    """Losses by side, category and catalog type, counted by fate, each item once.

    ``since``/``until`` filter on the day the reporting source was published (the date fusion
    uses for equipment too); ``side`` is the side that lost the item.
    """
    e, s = schema.equipment_losses, schema.sources
    q = select(e.c.id, e.c.source_id, e.c.start, e.c.end, e.c.catalog_type, e.c.model_text,
               e.c.category, e.c.side, e.c.fate, e.c["count"].label("n"), e.c.evidence_urls,
               s.c.content_hash, s.c.published_at).join(s, s.c.id == e.c.source_id)
    q = _published_between(q, since, until)
    if side:
        q = q.where(e.c.side == side)
    with store.engine.connect() as conn:
        event_of = _event_of_records(conn)
        # item key → the reports of it: (event or raw copy group, side, category, type, fate)
        items: dict[tuple[str, str, str, str, str], list[Any]] = defaultdict(list)
        for r in conn.execute(q.order_by(s.c.published_at, e.c.id)):
            label = r.catalog_type or r.model_text
            group = event_of.get(r.id) or (
                f"raw:{r.content_hash}:{equipment_key(r.catalog_type, r.model_text)}")
            items[(group, r.side, r.category or "unknown", label, r.fate)].append(r)
        rows: dict[tuple[str, str, str], EquipmentRow] = {}
        cite_spans: dict[tuple[str, str, str], list[tuple[str, int, int]]] = defaultdict(list)
        # an item reported with an unknown fate in the same event as a known one, or in a
        # copy (forward, repost) of a report with a known fate, is that item once, with the
        # known fate (the photo of a hulk, then the report that it burned)
        dup = dict(conn.execute(select(schema.source_duplicates.c.source_id,
                                       schema.source_duplicates.c.canonical_id)).all())

        def roots(recs: list[Any]) -> set[str]:
            return {dup.get(r.source_id) or r.source_id for r in recs}

        known: dict[tuple[str, str, str], list[tuple[str, set[str]]]] = defaultdict(list)
        for (group, sd, cat, label, fate), recs in items.items():
            if fate != "unknown":
                known[(sd, cat, label)].append((group, roots(recs)))

        def merged(group: str, sd: str, cat: str, label: str, recs: list[Any]) -> bool:
            mine = roots(recs)
            return any(g == group or mine & r for g, r in known.get((sd, cat, label), []))

        for (group, sd, cat, label, fate), recs in items.items():
            key = (sd, cat, label)
            row = rows.get(key)
            if row is None:
                row = rows[key] = EquipmentRow(side=sd, category=cat, type=label)
            if not (fate == "unknown" and merged(group, sd, cat, label, recs)):
                n = max(int(r.n) for r in recs)
                setattr(row, fate, getattr(row, fate) + n)
                if fate != "unknown":
                    row.total += n
            _seen(row, recs)
            if not group.startswith("raw:") and group not in row.event_ids:
                row.event_ids.append(group)
            for r in recs:
                if r.source_id not in row.source_ids:
                    row.source_ids.append(r.source_id)
                    cite_spans[key].append((r.source_id, r.start, r.end))
                for u in r.evidence_urls or []:
                    if u not in row.evidence_urls:
                        row.evidence_urls.append(u)
        wanted = [sp for spans in cite_spans.values() for sp in spans[:max_citations]]
        cites = load_citations(conn, wanted)
    for key, row in rows.items():
        row.citations = [cites[sp] for sp in cite_spans[key][:max_citations] if sp in cites]
    return sorted(rows.values(), key=lambda r: (r.side, r.category, -r.total, r.type))


def _seen(row: EquipmentRow, recs: list[Any]) -> None:
    days = [r.published_at.date() for r in recs if r.published_at is not None]
    if days:
        row.first_seen = min([d for d in (row.first_seen, *days) if d is not None])
        row.last_seen = max([d for d in (row.last_seen, *days) if d is not None])


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
    q = select(st.c.id, st.c.source_id, st.c.start, st.c.end, st.c.speaker, st.c.role,
               st.c.side, st.c.cue, st.c.direct, st.c.against_interest, st.c.quote,
               s.c.published_at, s.c.outlet, s.c.url).join(s, s.c.id == st.c.source_id)
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

