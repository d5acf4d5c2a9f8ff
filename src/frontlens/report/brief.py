"""The daily brief: what changed in a date range, each item with the sentences behind it.

Sections: changes of control (fused control events with a change action, strongest first),
new equipment losses (the Oryx-style ledger over sources published in the range), key
statements (against-interest ones first: a side conceding is the most telling) and
contradictions. Every item cites outlet, link, source id and the sentence.

Source text is data, never markup: the Markdown escapes HTML and Markdown syntax (so a
Markdown renderer shows a scraped ``<script>`` as text) and the HTML is built with
``html.escape``; links are only made for http(s) URLs. The HTML has no external resources.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, or_, select

from frontlens.config import build_time
from frontlens.fuse.events import CHANGE, quote_key
from frontlens.report.ledgers import (
    Citation,
    EquipmentRow,
    clip,
    equipment_ledger,
    iter_claims,
    load_citations,
)
from frontlens.store import schema
from frontlens.store.db import Store

MAX_CHANGES = 50
MAX_STATEMENTS = 20
MAX_CONTRADICTIONS = 30
CITATIONS_PER_ITEM = 3


@dataclass(slots=True)
class ChangeItem:
    """A fused change of control (liberated, captured, withdrew, entered)."""

    event_id: str
    place: str
    place_id: str | None
    action: str
    new_controller: str
    first_date: date | None
    last_date: date | None
    grade: str
    score: float
    n_sources: int
    contradicted: bool
    citations: list[Citation] = field(default_factory=list)
    more: int = 0


@dataclass(slots=True)
class StatementItem:
    """One statement (copies of the same quote merged), with every citing source."""

    speaker: str | None
    role: str | None
    side: str
    cue: str | None
    direct: bool
    against_interest: bool
    quote: str
    citations: list[Citation] = field(default_factory=list)


@dataclass(slots=True)
class ContradictionItem:
    kind: str
    reason: str
    place: str | None
    a: Citation | None
    b: Citation | None


@dataclass(slots=True)
class Brief:
    since: date
    until: date
    generated_at: datetime
    changes: list[ChangeItem]
    equipment: list[EquipmentRow]
    statements: list[StatementItem]
    contradictions: list[ContradictionItem]


# -- building -----------------------------------------------------------------------------------


def build_brief(store: Store, since: date, until: date) -> Brief:
    """Collect the brief's items for the inclusive day range ``since``..``until``."""
    with store.engine.connect() as conn:
        changes = _changes(conn, since, until)
        contradictions = _contradictions(conn, since, until)
    return Brief(since, until, build_time(), changes,
                 equipment_ledger(store, since=since, until=until, max_citations=2),
                 _statements(store, since, until), contradictions)


def _changes(conn: Any, since: date, until: date) -> list[ChangeItem]:
    ev, evd = schema.events, schema.event_evidence
    q = (select(ev).where(ev.c.kind == "control", ev.c.action.in_(sorted(CHANGE)),
                          ev.c.first_date.is_not(None), ev.c.first_date <= until,
                          func.coalesce(ev.c.last_date, ev.c.first_date) >= since)
         .order_by(ev.c.score.desc(), ev.c.first_date, ev.c.id).limit(MAX_CHANGES))
    rows = [r._mapping for r in conn.execute(q)]
    if not rows:
        return []
    spans: dict[str, list[tuple[str, int, int]]] = {r["id"]: [] for r in rows}
    total: dict[str, int] = dict.fromkeys(spans, 0)
    eq = (select(evd.c.event_id, evd.c.source_id, evd.c.start, evd.c.end, evd.c.duplicate_of)
          .where(evd.c.event_id.in_(list(spans)), evd.c.role == "supporting")
          .order_by(evd.c.event_id, evd.c.duplicate_of.is_not(None), evd.c.source_id))
    for r in conn.execute(eq):
        total[r.event_id] += 1
        if len(spans[r.event_id]) < CITATIONS_PER_ITEM:
            spans[r.event_id].append((r.source_id, r.start, r.end))
    cites = load_citations(conn, [sp for v in spans.values() for sp in v])
    return [
        ChangeItem(r["id"], r["place_name"] or r["place_id"] or "?", r["place_id"], r["action"],
                   r["new_controller"], r["first_date"], r["last_date"], r["grade"],
                   r["score"], r["n_sources_independent"], bool(r["contradicted"]),
                   [cites[sp] for sp in spans[r["id"]] if sp in cites],
                   total[r["id"]] - len(spans[r["id"]]))
        for r in rows
    ]


def _statements(store: Store, since: date, until: date) -> list[StatementItem]:
    merged: dict[tuple[str, str], tuple[StatementItem, list[tuple[str, int, int]]]] = {}
    for c in iter_claims(store, since=since, until=until):
        key = ((c.speaker or "").casefold(), quote_key(c.quote))
        got = merged.get(key)
        if got is None:
            item = StatementItem(c.speaker, c.role, c.side, c.cue, c.direct, c.against_interest,
                                 c.quote)
            got = merged[key] = (item, [])
        got[0].against_interest |= c.against_interest
        got[1].append((c.source_id, c.start, c.end))
    ranked = sorted(merged.values(), key=lambda it: (
        not it[0].against_interest, not it[0].direct, it[0].speaker is None, -len(it[1])))
    ranked = ranked[:MAX_STATEMENTS]
    with store.engine.connect() as conn:
        cites = load_citations(conn, [sp for _, v in ranked for sp in v[:CITATIONS_PER_ITEM]])
    out = []
    for item, spans in ranked:
        item.citations = [cites[sp] for sp in spans[:CITATIONS_PER_ITEM] if sp in cites]
        out.append(item)
    return out


def _contradictions(conn: Any, since: date, until: date) -> list[ContradictionItem]:
    c = schema.contradictions
    q = (select(c).where(or_(c.c.a_date.between(since, until), c.c.b_date.between(since, until)))
         .order_by(c.c.kind, c.c.place_name, c.c.id).limit(MAX_CONTRADICTIONS))
    rows = [r._mapping for r in conn.execute(q)]
    rec_ids = {r["a_record_id"] for r in rows} | {r["b_record_id"] for r in rows}
    span_of: dict[str, tuple[str, int, int]] = {}
    for t in (schema.control_events, schema.area_claims):
        for r in conn.execute(select(t.c.id, t.c.source_id, t.c.start, t.c.end)
                              .where(t.c.id.in_(sorted(rec_ids)))):
            span_of[r.id] = (r.source_id, r.start, r.end)
    cites = load_citations(conn, span_of.values())

    def cite(record_id: str) -> Citation | None:
        sp = span_of.get(record_id)
        return cites.get(sp) if sp else None

    return [ContradictionItem(r["kind"], r["reason"], r["place_name"], cite(r["a_record_id"]),
                              cite(r["b_record_id"])) for r in rows]


# -- Markdown -----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_SAFE_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


def md(text: object) -> str:
    """Text for Markdown: HTML-escaped (no raw markup survives a renderer), syntax escaped."""
    s = " ".join(str(text).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with characters that could break out of a link percent-encoded."""
    if not url or not _SAFE_URL.match(url.strip()):
        return None
    return quote(url.strip(), safe=":/?#@!$&*+,;=%~._-[]")


def _md_cite(c: Citation) -> str:
    day = c.published_at.date().isoformat() if c.published_at else "undated"
    outlet = md(c.outlet or "unknown outlet")
    url = safe_url(c.url)
    head = f"[{outlet}]({url})" if url else outlet
    return f"  - {head}, {day}, `{c.source_id}` [{c.start}:{c.end}]: “{md(c.sentence)}”"


def _when(first: date | None, last: date | None) -> str:
    if first is None:
        return "undated"
    return str(first) if last in (None, first) else f"{first} – {last}"


def render_markdown(b: Brief) -> str:
    """The brief as Markdown; every piece of source text is escaped."""
    lines = [f"# frontlens brief {b.since} – {b.until}", "",
             f"Generated {b.generated_at.isoformat()}. Grades are Admiralty codes (source "
             "reliability A–F, information credibility 1–6); every item cites its sources.", ""]
    lines += ["## Changes of control", ""]
    if not b.changes:
        lines.append("No fused change of control in this range.")
    for ch in b.changes:
        lines.append(f"- **{md(ch.place)}**: {md(ch.action)}, new controller "
                     f"{md(ch.new_controller)}; {_when(ch.first_date, ch.last_date)}; grade "
                     f"**{md(ch.grade)}** (score {ch.score:.2f}, {ch.n_sources} independent "
                     f"source{'s' if ch.n_sources != 1 else ''})"
                     + ("; **contradicted**" if ch.contradicted else "")
                     + f" — event `{ch.event_id}`")
        lines += [_md_cite(c) for c in ch.citations]
        if ch.more:
            lines.append(f"  - … and {ch.more} more (`frontlens explain {ch.event_id}`)")
    lines += ["", "## New equipment losses", ""]
    if not b.equipment:
        lines.append("No equipment loss reported in this range.")
    for r in b.equipment:
        fates = ", ".join(f"{f} {getattr(r, f)}" for f in
                          ("destroyed", "damaged", "abandoned", "captured", "unknown")
                          if getattr(r, f))
        lines.append(f"- **{md(r.side)}** {md(r.category)} **{md(r.type)}**: {r.total} "
                     f"({fates}); {len(r.source_ids)} source(s)")
        lines += [_md_cite(c) for c in r.citations]
    lines += ["", "## Key statements", ""]
    if not b.statements:
        lines.append("No statement in this range.")
    for st in b.statements:
        who = md(st.speaker or "unnamed speaker")
        if st.role:
            who += f" ({md(st.role)})"
        flag = " **[against interest]**" if st.against_interest else ""
        kind = "quoted" if st.direct else "reported"
        lines.append(f"- {who}, side {md(st.side)}, {kind}{flag}: “{md(clip(st.quote, 400))}”")
        lines += [_md_cite(c) for c in st.citations]
    lines += ["", "## Contradictions", ""]
    if not b.contradictions:
        lines.append("No contradiction in this range.")
    for ct in b.contradictions:
        lines.append(f"- {md(ct.kind)}: {md(ct.reason)}")
        lines += [_md_cite(c) for c in (ct.a, ct.b) if c is not None]
    return "\n".join(lines) + "\n"


# -- HTML ---------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
line-height:1.45;color:#1b1b1b}
h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;margin-top:2rem}
li{margin:.4rem 0}ul.cites{font-size:.9rem;color:#444}code{font-size:.85rem}
.grade{font-weight:bold}.flag{color:#a40000;font-weight:bold}
q{font-style:italic}
"""


def h(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_cite(c: Citation) -> str:
    day = c.published_at.date().isoformat() if c.published_at else "undated"
    outlet = h(c.outlet or "unknown outlet")
    url = safe_url(c.url)
    head = (f'<a href="{h(url)}" rel="noopener noreferrer nofollow">{outlet}</a>'
            if url else outlet)
    return (f"<li>{head}, {day}, <code>{h(c.source_id)}</code> [{c.start}:{c.end}]: "
            f"<q>{h(c.sentence)}</q></li>")


def _cites(cs: list[Citation | None]) -> str:
    items = [_html_cite(c) for c in cs if c is not None]
    return f'<ul class="cites">{"".join(items)}</ul>' if items else ""


def render_html(b: Brief) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no external resources)."""
    title = f"frontlens brief {b.since} – {b.until}"
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
             "style-src 'unsafe-inline'\">",
             f"<title>{h(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{h(title)}</h1>",
             f"<p>Generated {h(b.generated_at.isoformat())}. Grades are Admiralty codes (source "
             "reliability A–F, information credibility 1–6); every item cites its sources.</p>"]
    parts.append("<h2>Changes of control</h2><ul>")
    if not b.changes:
        parts.append("<li>No fused change of control in this range.</li>")
    for ch in b.changes:
        contra = ' <span class="flag">contradicted</span>' if ch.contradicted else ""
        more = (f"<p>… and {ch.more} more (<code>frontlens explain {h(ch.event_id)}</code>)</p>"
                if ch.more else "")
        parts.append(
            f"<li><strong>{h(ch.place)}</strong>: {h(ch.action)}, new controller "
            f"{h(ch.new_controller)}; {h(_when(ch.first_date, ch.last_date))}; grade "
            f'<span class="grade">{h(ch.grade)}</span> (score {ch.score:.2f}, {ch.n_sources} '
            f"independent sources){contra} — event <code>{h(ch.event_id)}</code>"
            f"{_cites(list(ch.citations))}{more}</li>")
    parts.append("</ul><h2>New equipment losses</h2><ul>")
    if not b.equipment:
        parts.append("<li>No equipment loss reported in this range.</li>")
    for r in b.equipment:
        fates = ", ".join(f"{f} {getattr(r, f)}" for f in
                          ("destroyed", "damaged", "abandoned", "captured", "unknown")
                          if getattr(r, f))
        parts.append(f"<li><strong>{h(r.side)}</strong> {h(r.category)} "
                     f"<strong>{h(r.type)}</strong>: {r.total} ({h(fates)}); "
                     f"{len(r.source_ids)} source(s){_cites(list(r.citations))}</li>")
    parts.append("</ul><h2>Key statements</h2><ul>")
    if not b.statements:
        parts.append("<li>No statement in this range.</li>")
    for st in b.statements:
        who = h(st.speaker or "unnamed speaker") + (f" ({h(st.role)})" if st.role else "")
        flag = ' <span class="flag">against interest</span>' if st.against_interest else ""
        kind = "quoted" if st.direct else "reported"
        parts.append(f"<li>{who}, side {h(st.side)}, {kind}{flag}: "
                     f"<q>{h(clip(st.quote, 400))}</q>{_cites(list(st.citations))}</li>")
    parts.append("</ul><h2>Contradictions</h2><ul>")
    if not b.contradictions:
        parts.append("<li>No contradiction in this range.</li>")
    for ct in b.contradictions:
        parts.append(f"<li>{h(ct.kind)}: {h(ct.reason)}{_cites([ct.a, ct.b])}</li>")
    parts.append("</ul></body></html>")
    return "\n".join(parts) + "\n"
