"""The control picture, and the fusion run that rebuilds it from stored records.

:func:`run_fusion` reads every stored control event, equipment loss, statement and area claim,
finds copies among the sources, fuses, grades, finds contradictions and writes the result
(events, evidence, contradictions, source duplicates and the per-place control timeline) in one
transaction, replacing the previous run: running it twice gives the same tables. It streams:
memory holds a slim record per source and one partition of claims, not the store.

The timeline (``control_states``) is precomputed here so that :func:`picture` is one indexed
range query: ``since <= as_of AND (until IS NULL OR until > as_of)``. Per place, control
events are walked in date order; a change of hands starts a new state only when it is a change
action (liberated, captured, withdrew, entered) or outscores the state it would replace; a
weaker opposing report marks the state as disputed instead of flipping it, and so does a
listed contradiction of any event the state rests on (a denial, "only one bank"). Events graded
"unknown" or 5 (improbable) never enter the timeline.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import tempfile
import time
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

import numpy as np
from sqlalchemy import String, delete, func, or_, select, type_coerce

from frontlens.config import build_time
from frontlens.fuse import confidence as conf
from frontlens.fuse import incremental as inc
from frontlens.fuse.dedup import (
    Copy,
    CopyFinder,
    Links,
    SourceInfo,
    from_micros,
    photos_from_text,
    photos_text,
    to_micros,
)
from frontlens.fuse.events import (
    CHANGE,
    GAP_DAYS,
    UNSIDED_CHANGE,
    AreaItem,
    Claim,
    EqClaim,
    Fused,
    StClaim,
    area_contradictions,
    claim_from_row,
    day_of,
    equipment_key,
    fuse_control,
    fuse_equipment,
    fuse_statements,
    item_facts,
    place_key,
    quote_key,
    side_after,
    speaker_key,
)
from frontlens.store import schema
from frontlens.store.db import SortKey, Store, keyset_after, keyset_order
from frontlens.store.evidence import DHASH_SAME_BITS, KeptPhotos, near_photos

_CHUNK = 2000
MAX_STATE_SOURCES = 50
PARTITION_ROWS = 10_000  # claims fused at a time (a place with more stays in one partition)


@dataclass
class FusionReport:
    records: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    graded: dict[str, int] = field(default_factory=dict)
    evidence: int = 0
    contradictions: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    states: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    mode: str = "full"  # or "incremental": only the blocks new sources touch were rewritten
    recomputed: dict[str, int] = field(default_factory=dict)  # places, equipment, statements


# -- timeline -----------------------------------------------------------------------------------


# id → (lat, lon, feature class): "region"/"country" places are not rows of the picture
Coords = Callable[[set[str]], dict[str, tuple[float | None, float | None, str]]]


def _coords() -> tuple[Coords | None, str | None]:
    """A batch id → (lat, lon) lookup in the bundled gazetteer, else None and a note why."""
    try:
        from frontlens.resolve.gazetteer import default_gazetteer

        gaz = default_gazetteer()
    except (ImportError, FileNotFoundError, OSError) as exc:
        return None, f"gazetteer unavailable ({exc}); lat/lon left empty"

    def lookup(ids: set[str]) -> dict[str, tuple[float | None, float | None, str]]:
        return {gid: (c.lat, c.lon, c.fclass) for gid, c in gaz.get_many(ids).items()}

    return lookup, None


def build_states(events: list[dict[str, Any]], sources_of: dict[str, list[str]],
                 coords: Coords | None = None) -> list[dict[str, Any]]:
    """Per-place control timeline from graded control events (see the module docstring).
    Claims about an oblast or a country ("several settlements in Kharkiv Oblast liberated")
    stay events, but are no row of the picture: a region is not held like a settlement."""
    ids = {e["place_id"] for e in events if e["kind"] == "control" and e["place_id"]}
    where = coords(ids) if coords else {}
    regions = {gid for gid, v in where.items() if v[2] in ("region", "country")}
    by_place: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["place_id"] in regions:
            continue
        if (e["kind"] == "control" and e["new_controller"] in ("UA", "RU")
                and e["first_date"] is not None and e["grade"] != conf.UNKNOWN_GRADE
                and e["credibility"] <= 4):
            by_place[e["explanation"]["place_key"]].append(e)
    out: list[dict[str, Any]] = []
    gap = timedelta(days=GAP_DAYS)
    for key, evs in by_place.items():
        evs.sort(key=lambda e: (e["first_date"], -e["score"], e["id"]))
        states: list[dict[str, Any]] = []
        cur: dict[str, Any] | None = None
        for e in evs:
            if cur is not None and e["new_controller"] == cur["controller"]:
                _absorb(cur, e, sources_of)
                continue
            if cur is not None:
                overlaps = e["first_date"] <= cur["_last"] + gap
                weaker = e["score"] <= cur["score"]
                if weaker and (overlaps or e["action"] not in CHANGE):
                    cur["disputed"] = True
                    continue
                cur["until"] = e["first_date"]
            cur = _state(key, e, sources_of)
            if states and cur["since"] <= states[-1]["_last"] + gap:
                cur["disputed"] = True
            states.append(cur)
        out.extend(states)
    for s in out:
        s.pop("_last")
        s.pop("_best")
        s["lat"], s["lon"], _ = where.get(s["place_id"], (None, None, ""))
    return out


def _state(key: str, e: dict[str, Any], sources_of: dict[str, list[str]]) -> dict[str, Any]:
    ident = f"{key}|{e['first_date']}|{e['new_controller']}|{e['id']}"
    return {
        "id": "cs-" + hashlib.sha256(ident.encode()).hexdigest()[:20],
        "place_key": key, "place_id": e["place_id"], "place_name": e["place_name"] or key,
        "lat": None, "lon": None, "controller": e["new_controller"], "since": e["first_date"],
        "until": None, "grade": e["grade"], "score": e["score"],
        "disputed": bool(e.get("contradicted")),
        "event_ids": [e["id"]], "sources": list(sources_of.get(e["id"], []))[:MAX_STATE_SOURCES],
        "_last": e["last_date"] or e["first_date"], "_best": e["score"],
    }


def _absorb(cur: dict[str, Any], e: dict[str, Any], sources_of: dict[str, list[str]]) -> None:
    cur["event_ids"].append(e["id"])
    cur["disputed"] = cur["disputed"] or bool(e.get("contradicted"))
    cur["_last"] = max(cur["_last"], e["last_date"] or e["first_date"])
    if e["score"] > cur["_best"]:
        cur["_best"] = cur["score"] = e["score"]
        cur["grade"] = e["grade"]
    have = set(cur["sources"])
    for s in sources_of.get(e["id"], []):
        if len(cur["sources"]) >= MAX_STATE_SOURCES:
            break
        if s not in have:
            cur["sources"].append(s)
            have.add(s)


def picture(store: Store, as_of: date) -> list[dict[str, Any]]:
    """Who holds which place on ``as_of``: one indexed query over the precomputed timeline.

    Dates and the JSON list are read as plain text and decoded here (``date.fromisoformat``,
    ``json.loads``): SQLAlchemy's per-value type processing cost more than the query itself
    at thousands of places. PostgreSQL hands back native values, which pass through.
    """
    t = schema.control_states
    q = (
        select(t.c.place_name, t.c.place_id, t.c.lat, t.c.lon, t.c.controller,
               type_coerce(t.c.since, String), type_coerce(t.c.until, String), t.c.grade,
               t.c.score, t.c.disputed, type_coerce(t.c.sources, String))
        .where(t.c.since <= as_of, or_(t.c.until.is_(None), t.c.until > as_of))
        .order_by(t.c.place_name)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    return [_picture_row(r) for r in rows]


def _as_date(v: Any) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


def timeline(store: Store, place: str) -> list[dict[str, Any]]:
    """All states of one place (id or name), oldest first."""
    t = schema.control_states
    q = select(t).where(or_(t.c.place_id == place, func.lower(t.c.place_name) == place.lower()))
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q.order_by(t.c.since))]


# -- the fusion run -----------------------------------------------------------------------------


def fusion_inputs(store: Store) -> dict[str, Any]:
    """What fusion reads, counted: stored sources, extraction runs and the latest of them."""
    x = schema.extractions
    with store.engine.connect() as conn:
        n_sources = conn.execute(select(func.count()).select_from(schema.sources)).scalar_one()
        n_x, last = conn.execute(select(func.count(), func.max(x.c.processed_at))).one()
    return {"n_sources": int(n_sources), "n_extractions": int(n_x), "last_extracted_at": last}


def fusion_staleness(store: Store) -> str | None:
    """Why the stored picture is out of date (None when it is current or was never built)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(schema.fusion_state)).first()
    if row is None:
        return None
    if (row.config or "").startswith(schema.STALE_CONFIG):
        return (f"{row.config.removeprefix(schema.STALE_CONFIG)} since the last "
                "`frontlens fuse`")
    now = fusion_inputs(store)
    new_sources = now["n_sources"] - row.n_sources
    if now["n_extractions"] != row.n_extractions or \
            now["last_extracted_at"] != row.last_extracted_at:
        return (f"{abs(now['n_extractions'] - row.n_extractions) or 'some'} extraction(s) "
                "changed since the last `frontlens fuse`")
    if new_sources:
        return f"{new_sources} source(s) ingested since the last `frontlens fuse`"
    return None


PartitionTask = tuple[list[Any], dict[str, SourceInfo], Links, dict[str, set[str]]]
"""A partition's claims, the sources they cite, those sources' copy links and concessions."""
PartitionRunner = Callable[[Iterable[PartitionTask]], Iterable[dict[str, Any]]]
"""Computes ``compute_partition`` for each task elsewhere (a Dask cluster), yielding the
results in the tasks' order; ``parts`` is how many partitions it wants at least."""


def run_fusion(store: Store, table: conf.ReliabilityTable | None = None,
               partition_rows: int = PARTITION_ROWS, full: bool = False,
               runner: PartitionRunner | None = None, min_parts: int = 1) -> FusionReport:
    """Bring every fusion table up to date with the stored records, in one transaction.

    Incremental by default (:mod:`frontlens.fuse.incremental`): only the places, equipment
    types and statement keys that sources stored or extracted since the last run touch are
    recomputed, with exactly the rows a rebuild writes; ``full`` (or missing state, a changed
    fusion config, a deep backfill) rebuilds everything, as described below.

    A rebuild is idempotent.
    Memory stays about flat as the store grows. Texts are streamed once, in publication
    order, through the copy finder (:class:`CopyFinder`) and dropped; per source a few columns
    stay (:class:`_Sources`). Claims are read once and spilled, by block (place key,
    equipment type, speaker and quote), into partitions of about ``partition_rows`` (temporary
    files when there are several); each partition is fused, graded and written in turn. A
    block never spans two partitions, so the rows are the same for any partition size. Every
    write happens in one transaction, so readers never see a half-built picture.

    ``runner`` (``frontlens fuse --engine dask``) computes a rebuild's partitions elsewhere,
    at least ``min_parts`` of them: each task carries its claims and only the source facts,
    copy links (with the chains they pass) and concessions those claims cite; this process
    reads, links copies and writes as before. Incremental runs stay in this process.
    """
    t0 = time.perf_counter()
    table = table or conf.default_table()
    config = inc.config_fingerprint(table)
    why = "--full"
    if not full:
        done, why = _run_incremental(store, table, config, partition_rows)
        if done is not None:
            done.seconds = round(time.perf_counter() - t0, 3)
            return done
    rep = FusionReport()
    rep.notes.append(f"full rebuild: {why}")
    built_from = fusion_inputs(store)
    with ExitStack() as stack:
        conn = stack.enter_context(store.engine.connect())
        sources, finder = _read_sources(conn, table)
        n_claims = sum(conn.execute(select(func.count()).select_from(t)).scalar_one()
                       for t in (schema.control_events, schema.equipment_losses,
                                 schema.statements))
        spill = stack.enter_context(_Spill(max(1, -(-n_claims // partition_rows),
                                               min_parts if runner is not None else 1)))
        facts, against, areas, counts = _read_claims(conn, sources, spill)
        conn.close()
        rep.records = {"sources": len(sources), **counts}
        dups = finder.links(facts.of, keep=True)
        del facts
        links = Links(dups)
        coords, note = _coords()
        if note:
            rep.notes.append(note)
        with store.transaction() as conn:
            generation = _generation(conn)
            for t in (schema.events, schema.event_evidence, schema.contradictions,
                      schema.source_duplicates, schema.control_states, schema.fusion_sources,
                      schema.fusion_bands):
                conn.execute(delete(t))
            _insert(conn, schema.source_duplicates, (d.row() for d in dups))
            for rows, bands in finder.state_rows():
                _insert(conn, schema.fusion_sources,
                        ({**r, **sources.grading(r["source_id"])} for r in rows))
                _insert(conn, schema.fusion_bands, bands)
            del finder
            if runner is None:
                for part in range(spill.parts):
                    items = spill.take(part)
                    _fuse_partition(conn, items, sources.infos(x.source_id for x in items),
                                    links, against, coords, rep)
                    del items
            else:
                for out in runner(_tasks(spill, sources, links, against)):
                    _write_partition(conn, out, rep)
            area = area_contradictions(sorted(areas, key=lambda a: a.id))
            _insert(conn, schema.contradictions, area)
            _tally(rep, [], area)
            _finish(conn, built_from, config, generation)
    for d in dups:
        rep.duplicates[d.method] = rep.duplicates.get(d.method, 0) + 1
    rep.events = {k: rep.events[k] for k in ("control", "equipment", "statement")
                  if k in rep.events}
    rep.seconds = round(time.perf_counter() - t0, 3)
    return rep


def _generation(conn: Any) -> int:
    g = conn.execute(select(schema.fusion_state.c.generation)).scalar()
    return int(g or 0) + 1


def _finish(conn: Any, built_from: dict[str, Any], config: str, generation: int) -> None:
    """Record what this run was built from (staleness warnings, the next incremental run) and
    its generation (a serving cache notices any rewrite)."""
    conn.execute(delete(schema.fusion_state))
    conn.execute(schema.fusion_state.insert(), [{"id": "last", **built_from,
                                                 "finished_at": build_time(),
                                                 "config": config, "generation": generation}])


def _run_incremental(store: Store, table: conf.ReliabilityTable, config: str,
                     partition_rows: int) -> tuple[FusionReport | None, str]:
    """Relink the sources from the earliest new one on and refuse the blocks they touch;
    (None, why) when a full rebuild is needed instead. One transaction."""
    built_from = fusion_inputs(store)
    rep = FusionReport(mode="incremental",
                       recomputed={"places": 0, "equipment": 0, "statements": 0})
    with store.transaction() as conn:
        state = conn.execute(select(schema.fusion_state)).first()
        pl = inc.plan(conn, state, config)
        if pl.reason is not None:
            return None, pl.reason
        if not pl.replay:
            rep.records = {"sources": 0}
            conn.execute(schema.fusion_state.update().values(**built_from))  # nothing rewritten
            return rep, ""
        items = inc.read_replay(conn, pl.replay, table)
        old = [sid for sid in pl.replay if sid not in pl.new]
        facts: dict[str, set[str]] = defaultdict(set)
        dirty: set[tuple[str, str]] = set()
        n_claims = 0
        for c in inc.claims_of_sources(conn, pl.replay, published=None):
            facts[c.source_id].update(item_facts(c))
            b = inc.block_of(c)
            if b is not None:
                dirty.add(b)
            n_claims += 1
        links = inc.relink(conn, items, facts)
        del facts
        dirty |= _cited_blocks(conn, old)
        d = schema.source_duplicates
        for part in inc.chunks(pl.replay):
            conn.execute(delete(d).where(d.c.source_id.in_(part)))
        _insert(conn, d, (c.row() for c in links))
        inc.write_state(conn, items, old)
        rep.records = {"sources": len(items), "claims": n_claims}
        for c in links:
            rep.duplicates[c.method] = rep.duplicates.get(c.method, 0) + 1
        del items, links
        coords, note = _coords()
        if note:
            rep.notes.append(note)
        _refuse(conn, dirty, table, coords, rep, partition_rows)
        conn.execute(delete(schema.contradictions).where(
            schema.contradictions.c.kind == "area_figures"))
        area = area_contradictions(_all_areas(conn))
        _insert(conn, schema.contradictions, area)
        _tally(rep, [], area)
        _finish(conn, built_from, config, _generation(conn))
    rep.events = {k: rep.events[k] for k in ("control", "equipment", "statement")
                  if k in rep.events}
    return rep, ""


def _cited_blocks(conn: Any, source_ids: list[str]) -> set[tuple[str, str]]:
    """The blocks whose stored events cite these sources (a re-extracted source may have left
    some of them)."""
    ev, e = schema.event_evidence, schema.events
    out: set[tuple[str, str]] = set()
    event_ids: set[str] = set()
    for part in inc.chunks(source_ids):
        event_ids.update(r[0] for r in conn.execute(
            select(ev.c.event_id).where(ev.c.source_id.in_(part))))
    for part in inc.chunks(event_ids):
        for kind, expl in conn.execute(select(e.c.kind, e.c.explanation)
                                       .where(e.c.id.in_(part))):
            expl = json.loads(expl) if isinstance(expl, str) else expl
            out.add((kind, expl["place_key"]))
    return out


def _all_areas(conn: Any) -> list[AreaItem]:
    a, s = schema.area_claims, schema.sources
    q = (select(a.c.id, a.c.source_id, a.c.value_km2, a.c.qualifier, a.c.place_id,
                s.c.published_at).join(s, s.c.id == a.c.source_id))
    return sorted((AreaItem(r[0], r[1], r[2], r[3], r[4], day_of(r[5]))
                   for r in _stream(conn, q)), key=lambda a: a.id)  # ties: the same as a rebuild


def _links_of(conn: Any, ids: Iterable[str]) -> Links:
    """The stored copy links of these sources and of every source their chains pass."""
    d = schema.source_duplicates
    got: dict[str, Copy] = {}
    todo = set(ids)
    while todo:
        nxt: set[str] = set()
        for part in inc.chunks(todo):
            for r in conn.execute(select(d).where(d.c.source_id.in_(part))):
                got[r.source_id] = Copy(r.source_id, r.canonical_id, r.copied_outlet, r.method,
                                        r.similarity)
                if r.canonical_id and r.canonical_id not in got:
                    nxt.add(r.canonical_id)
        todo = nxt - set(got)
    return Links(got.values())


def _refuse(conn: Any, dirty: set[tuple[str, str]], table: conf.ReliabilityTable,
            coords: Coords | None, rep: FusionReport, partition_rows: int) -> None:
    """Delete what the dirty blocks had and fuse them again from all their claims."""
    ctrl = {k for kind, k in dirty if kind == "control"}
    eq = {k for kind, k in dirty if kind == "equipment"}
    st = {k for kind, k in dirty if kind == "statement"}
    e, ev, ct, cs = (schema.events, schema.event_evidence, schema.contradictions,
                     schema.control_states)
    placed = [k for k in ctrl if k and not k.startswith("name:")]
    named = ctrl - set(placed)
    unplaced = or_(e.c.place_id.is_(None), e.c.place_id == "")
    old: list[str] = []
    for part in inc.chunks(placed):
        old += [r[0] for r in conn.execute(select(e.c.id).where(e.c.kind == "control",
                                                                e.c.place_id.in_(part)))]
    if named:
        old += [i for i, n in conn.execute(select(e.c.id, e.c.place_name)
                                           .where(e.c.kind == "control", unplaced))
                if place_key(None, n) in named]
    if eq:
        old += [i for i, subj in conn.execute(select(e.c.id, e.c.subject)
                                              .where(e.c.kind == "equipment")) if subj in eq]
    speakers = {k.rsplit("|", 1)[0] for k in st}
    for part in inc.chunks(speakers):
        for i, expl in conn.execute(select(e.c.id, e.c.explanation)
                                    .where(e.c.kind == "statement", e.c.subject.in_(part))):
            expl = json.loads(expl) if isinstance(expl, str) else expl
            if expl["place_key"] in st:
                old.append(i)
    for part in inc.chunks(old):
        conn.execute(delete(ev).where(ev.c.event_id.in_(part)))
        conn.execute(delete(e).where(e.c.id.in_(part)))
    for part in inc.chunks(placed):
        conn.execute(delete(ct).where(ct.c.kind.in_(inc.CONTROL_KINDS), ct.c.place_id.in_(part)))
    if named:
        gone = [i for i, n in conn.execute(select(ct.c.id, ct.c.place_name).where(
            ct.c.kind.in_(inc.CONTROL_KINDS),
            or_(ct.c.place_id.is_(None), ct.c.place_id == ""))) if place_key(None, n) in named]
        for part in inc.chunks(gone):
            conn.execute(delete(ct).where(ct.c.id.in_(part)))
    for part in inc.chunks(ctrl):
        conn.execute(delete(cs).where(cs.c.place_key.in_(part)))

    against: dict[str, set[str]] = defaultdict(set)
    st_rows = []
    for r in _stream(conn, select(schema.statements)):
        if r.against_interest and r.side in ("UA", "RU"):
            against[r.source_id].add(r.side)
        if st and f"{speaker_key(r.speaker_id, r.speaker)}|{quote_key(r.quote)}" in st:
            st_rows.append(r)
    eq_rows = inc.equipment_rows(conn, eq) if eq else []
    batches: list[list[Any]] = [[*eq_rows, *st_rows]]
    keys = sorted(ctrl)
    step = max(1, min(len(keys), partition_rows // 200 or 1))
    for lo in range(0, len(keys), step):
        batches.append(inc.control_claims(conn, set(keys[lo : lo + step])))
    for batch in batches:
        if not batch:
            continue
        infos = inc.source_infos(conn, (r.source_id for r in batch))
        items: list[Any] = []
        for r in batch:
            if isinstance(r, Claim):
                items.append(r)
            elif hasattr(r, "fate"):
                items.append(EqClaim(r.id, r.source_id, r.start, r.end,
                                     equipment_key(r.catalog_type, r.model_text), r.fate, r.side,
                                     r.place_id, list(r.evidence_urls or []),
                                     _day(infos, r.source_id), place_name=r.place_name))
            else:
                items.append(StClaim(r.id, r.source_id, r.start, r.end,
                                     speaker_key(r.speaker_id, r.speaker), quote_key(r.quote),
                                     _day(infos, r.source_id), bool(r.against_interest),
                                     r.side))
        items.sort(key=lambda x: x.id)
        _fuse_partition(conn, items, infos, _links_of(conn, infos), dict(against), coords, rep)


def _day(infos: dict[str, SourceInfo], source_id: str) -> date | None:
    info = infos.get(source_id)
    return day_of(info.published_at) if info is not None else None


def _fuse_partition(conn: Any, items: list[Any], sources: dict[str, SourceInfo], links: Links,
                    against: dict[str, set[str]], coords: Coords | None,
                    rep: FusionReport) -> None:
    """Fuse, grade and write one partition's claims (events, evidence, contradictions and the
    timeline of its places). Claims are taken in id order, so the rows do not depend on the
    order the database returned them in (a rebuild and an incremental run agree)."""
    _write_partition(conn, compute_partition(items, sources, links, against, coords), rep)


def _tasks(spill: _Spill, sources: _Sources, links: Links,
           against: dict[str, set[str]]) -> Iterable[PartitionTask]:
    for part in range(spill.parts):
        items = spill.take(part)
        ids = {x.source_id for x in items}
        yield (items, sources.infos(ids), links.subset(ids),
               {k: v for k in ids if (v := against.get(k))})


def fuse_task(task: PartitionTask) -> dict[str, Any]:
    """Run on a worker: one partition's rows (the gazetteer for coordinates is opened once per
    worker process)."""
    items, infos, links, against = task
    return compute_partition(items, infos, links, against, _worker_coords())


_COORDS: list[Coords | None] = []


def _worker_coords() -> Coords | None:
    if not _COORDS:
        _COORDS.append(_coords()[0])
    return _COORDS[0]


def compute_partition(items: list[Any], sources: dict[str, SourceInfo], links: Links,
                      against: dict[str, set[str]], coords: Coords | None) -> dict[str, Any]:
    """One partition's rows, computed without the database: what a Dask worker runs."""
    items = sorted(items, key=lambda x: x.id)
    recomputed = {
        "places": len({x.key for x in items if isinstance(x, Claim)}),
        "equipment": len({x.subject for x in items if isinstance(x, EqClaim)}),
        "statements": len({(x.subject, x.quote_key) for x in items
                           if isinstance(x, StClaim) and x.quote_key}),
    }
    parts: list[Fused] = [
        fuse_control([x for x in items if isinstance(x, Claim)], sources, links, against),
        fuse_equipment([x for x in items if isinstance(x, EqClaim)], sources, links),
        fuse_statements([x for x in items if isinstance(x, StClaim)], sources, links),
    ]
    events = [e for p in parts for e in p.events]
    evidence = [e for p in parts for e in p.evidence]
    contradictions = parts[0].contradictions
    del parts
    sources_of: dict[str, list[str]] = defaultdict(list)
    for ev in evidence:
        if ev["role"] == "supporting" and ev["duplicate_of"] is None:
            sources_of[ev["event_id"]].append(ev["source_id"])
    states = build_states(events, sources_of, coords)
    return {"events": events, "evidence": evidence, "contradictions": contradictions,
            "states": states, "recomputed": recomputed}


def _write_partition(conn: Any, out: dict[str, Any], rep: FusionReport) -> None:
    for k, v in out["recomputed"].items():
        rep.recomputed[k] = rep.recomputed.get(k, 0) + v
    for t, rows in ((schema.events, out["events"]), (schema.event_evidence, out["evidence"]),
                    (schema.contradictions, out["contradictions"]),
                    (schema.control_states, out["states"])):
        _insert(conn, t, rows)
    _tally(rep, out["events"], out["contradictions"])
    rep.evidence += len(out["evidence"])
    rep.states += len(out["states"])


def _insert(conn: Any, t: Any, rows: Iterable[dict[str, Any]]) -> None:
    it = iter(rows)
    while chunk := list(islice(it, _CHUNK)):
        conn.execute(t.insert(), chunk)


def _tally(rep: FusionReport, events: list[dict[str, Any]],
           contradictions: list[dict[str, Any]]) -> None:
    for e in events:
        rep.events[e["kind"]] = rep.events.get(e["kind"], 0) + 1
        g = e["grade"] if e["grade"] == conf.UNKNOWN_GRADE else e["grade"][0] + "*"
        rep.graded[g] = rep.graded.get(g, 0) + 1
    for c in contradictions:
        rep.contradictions[c["kind"]] = rep.contradictions.get(c["kind"], 0) + 1


def _stream(conn: Any, q: Any) -> Any:
    """Rows in batches (a server-side cursor on PostgreSQL, whose driver would otherwise
    fetch the whole result first)."""
    return conn.execute(q.execution_options(yield_per=_CHUNK))


def _read_sources(conn: Any, table: conf.ReliabilityTable) -> tuple[_Sources, CopyFinder]:
    """Every source, oldest first, through the copy finder, and its grading fields.

    Ids are compared as bytes (PostgreSQL's "C" collation), the order Python sorts them in."""
    s = schema.sources
    n = conn.execute(select(func.count()).select_from(s)).scalar_one()
    by_id = s.c.id.collate("C") if conn.dialect.name == "postgresql" else s.c.id
    q = (select(*inc.source_columns())
         .order_by(s.c.published_at.asc().nulls_last(), by_id))
    finder = CopyFinder(n)
    sources = _Sources()
    photos = KeptPhotos()
    for r in _stream(conn, q):
        info = inc.source_info(r, table)
        inc.note_photos(photos, r)
        sources.add(info, finder.add(info))
    for sid, more in photos.resolve(conn).items():
        sources.add_photos(sid, more)
    return sources, finder


class _Sources:
    """Each source's grading fields in columns: its id and rank, a time and a code for
    (outlet, media, reliability), ~80 bytes where a SourceInfo and its datetime cost ~250. A
    partition gets the sources it cites as SourceInfo objects."""

    def __init__(self) -> None:
        self.rank: dict[str, int] = {}  # id → place in publication order
        self._time = array("q")
        self._code = array("i")  # (outlet, media, letter, category, side), numbered
        self._codes: dict[tuple[Any, ...], int] = {}
        self._values: list[tuple[Any, ...]] = []
        self._photos: dict[str, tuple[tuple[str, str], ...]] = {}  # the few with photos

    def __len__(self) -> int:
        return len(self.rank)

    def add(self, s: SourceInfo, rank: int) -> None:
        if rank != len(self._time):
            raise ValueError("sources must be added in the copy finder's order")
        self.rank[s.id] = rank
        self._time.append(to_micros(s.published_at))
        v = (s.outlet, s.media, s.letter, s.category, s.side)
        k = self._codes.get(v)
        if k is None:
            k = self._codes[v] = len(self._values)
            self._values.append(v)
        self._code.append(k)
        if s.photos:
            self._photos[s.id] = s.photos

    def add_photos(self, source_id: str, more: set[tuple[str, str]]) -> None:
        self._photos[source_id] = tuple(sorted(set(self._photos.get(source_id, ())) | more))

    def published(self, source_id: str) -> datetime | None:
        rank = self.rank.get(source_id)
        return None if rank is None else from_micros(self._time[rank])

    def grading(self, source_id: str) -> dict[str, Any]:
        """A source's grading fields, as incremental fusion keeps them."""
        outlet, media, letter, category, side = self._values[self._code[self.rank[source_id]]]
        return {"outlet": outlet, "media": media, "letter": letter, "category": category,
                "side": side, "photos": photos_text(self._photos.get(source_id, ()))}

    def infos(self, ids: Iterable[str]) -> dict[str, SourceInfo]:
        """The stored ones among ``ids``, as SourceInfo without dedup fields."""
        out: dict[str, SourceInfo] = {}
        for sid in ids:
            rank = self.rank.get(sid)
            if rank is None or sid in out:
                continue
            outlet, media, letter, category, side = self._values[self._code[rank]]
            out[sid] = SourceInfo(id=sid, outlet=outlet, media=media, letter=letter,
                                  category=category, side=side,
                                  photos=self._photos.get(sid, ()),
                                  published_at=from_micros(self._time[rank]))
        return out


def _read_claims(conn: Any, sources: _Sources, spill: _Spill
                 ) -> tuple[_Facts, dict[str, set[str]], list[AreaItem], dict[str, int]]:
    """Stream the claims into the spill; keep each source's facts (for translations), the
    sides conceding in statements, the (few) area figures, and the rows read per table."""
    facts = _Facts()
    n = {"control_events": 0, "equipment_losses": 0, "statements": 0, "area_claims": 0}
    sides = _sides_after(conn)
    for r in _stream(conn, select(schema.control_events)):
        c = claim_from_row(r, side=sides.get(r.id))
        facts.add(sources.rank.get(c.source_id), c)
        spill.add(c.key, c)
        n["control_events"] += 1
    del sides
    for r in _stream(conn, select(schema.equipment_losses)):
        e = EqClaim(r.id, r.source_id, r.start, r.end, equipment_key(r.catalog_type, r.model_text),
                    r.fate, r.side, r.place_id, list(r.evidence_urls or []),
                    day_of(sources.published(r.source_id)), place_name=r.place_name)
        facts.add(sources.rank.get(r.source_id), e)
        spill.add(e.subject, e)
        n["equipment_losses"] += 1
    against: dict[str, set[str]] = defaultdict(set)
    for r in _stream(conn, select(schema.statements)):
        st = StClaim(r.id, r.source_id, r.start, r.end, speaker_key(r.speaker_id, r.speaker),
                     quote_key(r.quote), day_of(sources.published(r.source_id)),
                     bool(r.against_interest), r.side)
        facts.add(sources.rank.get(r.source_id), st)
        spill.add(f"{st.subject}|{st.quote_key}", st)
        if r.against_interest and r.side in ("UA", "RU"):
            against[r.source_id].add(r.side)
        n["statements"] += 1
    areas = []
    for r in _stream(conn, select(schema.area_claims)):
        a = AreaItem(r.id, r.source_id, r.value_km2, r.qualifier, r.place_id,
                     day_of(sources.published(r.source_id)))
        facts.add(sources.rank.get(r.source_id), a)
        areas.append(a)
    n["area_claims"] = len(areas)
    return facts, dict(against), areas, n


def _sides_after(conn: Any) -> dict[str, str]:
    """Who holds the place after each withdrawal/entry with no side of its own, read from its
    sentence (cut out by the database: texts are never held here); only where it changes the
    stored ``new_controller``. SQL ``substr`` counts characters from 1, as Python slices count
    code points from 0."""
    c, s = schema.control_events, schema.sources
    q = (select(c.c.id, c.c.action, c.c.new_controller,
                func.substr(s.c.text, c.c.start + 1, c.c.end - c.c.start))
         .join(s, s.c.id == c.c.source_id)
         .where(c.c.action.in_(sorted(UNSIDED_CHANGE)), c.c.new_controller.not_in(("UA", "RU"))))
    out: dict[str, str] = {}
    for rid, action, controller, sentence in _stream(conn, q):
        if sentence:
            side = side_after(action, sentence)
            if side != controller:
                out[rid] = side
    return out


class _Facts:
    """Each source's facts as (source, fact number) pairs in two int arrays, ~8 bytes a fact
    where a set of strings per source costs ~500 bytes."""

    def __init__(self) -> None:
        self._number: dict[str, int] = {}
        self._names: list[str] = []
        self._src = array("i")
        self._fact = array("i")
        self._index: tuple[np.ndarray, np.ndarray] | None = None

    def add(self, rank: int | None, item: Any) -> None:
        if rank is None:
            return
        for f in item_facts(item):
            k = self._number.get(f)
            if k is None:
                k = self._number[f] = len(self._names)
                self._names.append(f)
            self._src.append(rank)
            self._fact.append(k)

    def of(self, rank: int, _source_id: str = "") -> set[str]:
        if self._index is None:
            src = np.frombuffer(self._src, dtype=np.int32)
            order = np.argsort(src, kind="stable")
            starts = np.zeros(int(src.max()) + 2 if len(src) else 1, dtype=np.int64)
            np.cumsum(np.bincount(src), out=starts[1:])
            self._index = (starts, np.frombuffer(self._fact, dtype=np.int32)[order])
            del src, order
            self._src, self._fact = array("i"), array("i")
        starts, facts = self._index
        if rank + 1 >= len(starts):
            return set()
        return {self._names[k] for k in facts[starts[rank] : starts[rank + 1]].tolist()}


class _Spill(ExitStack):
    """Claims in partitions by block key: in memory when there is one partition, else pickled
    in batches to temporary files (removed on exit), so fusion holds one partition at a time."""

    def __init__(self, parts: int) -> None:
        super().__init__()
        self.parts = parts
        self._buf: list[list[Any]] = [[] for _ in range(parts)]
        self._files = ([self.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (exit)
                        for _ in range(parts)]
                       if parts > 1 else [])
        self._batch = max(64, 20_000 // parts)

    def add(self, key: str, item: Any) -> None:
        p = zlib.crc32(key.encode("utf-8", "surrogatepass")) % self.parts if self._files else 0
        buf = self._buf[p]
        buf.append(item)
        if self._files and len(buf) >= self._batch:
            pickle.dump(buf, self._files[p], protocol=pickle.HIGHEST_PROTOCOL)
            self._buf[p] = []

    def take(self, part: int) -> list[Any]:
        """A partition's claims in the order they were added (then forgotten)."""
        items: list[Any] = []
        if self._files:
            fh = self._files[part]
            fh.seek(0)
            while True:
                try:
                    items.extend(pickle.load(fh))
                except EOFError:
                    break
            fh.truncate(0)
        items.extend(self._buf[part])
        self._buf[part] = []
        return items


# -- reading back -------------------------------------------------------------------------------


class UnknownEvent(LookupError):
    pass


def find_event(store: Store, event_id: str) -> dict[str, Any]:
    """An event by id or unique id prefix."""
    t = schema.events
    with store.engine.connect() as conn:
        q = select(t).where(t.c.id.startswith(event_id, autoescape=True)).limit(2)
        rows = conn.execute(q).all()
    if len(rows) != 1:
        why = "no event" if not rows else "more than one event"
        raise UnknownEvent(f"{why} with id {event_id!r}")
    return dict(rows[0]._mapping)


def _cite(text: str, start: int, end: int, limit: int = 300) -> str:
    quote = " ".join(text[start:end].split())
    return quote if len(quote) <= limit else quote[: limit - 1] + "…"


def explain(store: Store, event_id: str) -> str:
    """Why an event has its grade, citing the sentence behind every piece of evidence."""
    e = find_event(store, event_id)
    ev_t, src_t, dup_t = schema.event_evidence, schema.sources, schema.source_duplicates
    with store.engine.connect() as conn:
        evidence = [dict(r._mapping) for r in conn.execute(
            select(ev_t).where(ev_t.c.event_id == e["id"]).order_by(ev_t.c.role.desc(),
                                                                     ev_t.c.source_id))]
        ids = {x["source_id"] for x in evidence}
        srcs = {r.id: r for r in conn.execute(
            select(src_t.c.id, src_t.c.outlet, src_t.c.url, src_t.c.published_at,
                   src_t.c.text).where(src_t.c.id.in_(ids)))}
        dups = {r.source_id: r for r in conn.execute(
            select(dup_t).where(dup_t.c.source_id.in_(ids)))}
        fs = schema.fusion_sources
        photos = {sid: photos_from_text(p) for sid, p in conn.execute(
            select(fs.c.source_id, fs.c.photos).where(fs.c.source_id.in_(ids),
                                                      fs.c.photos.is_not(None)))}
    table = conf.default_table()
    what = e["place_name"] or e["subject"] or "?"
    when = (f"{e['first_date']} … {e['last_date']}" if e["first_date"] else "no date")
    lines = [
        f"Event {e['id']} ({e['kind']}): {what}"
        + (f" [{e['place_id']}]" if e["place_id"] else "")
        + f" — {e['action']}"
        + (f", controller {e['new_controller']}" if e["new_controller"] != "unknown" else "")
        + f"; {when} ({e['time_precision']})",
        f"Grade {e['grade']}: source reliability {e['reliability']} (best independent "
        f"source), information credibility {e['credibility']}; score {e['score']:.3f}",
        "Why:",
        *[f"  - {r}" for r in e["explanation"].get("reasons", [])],
        f"  independent source groups {e['n_sources_independent']}, mentions {e['n_mentions']}, "
        f"both sides {_yn(e['both_sides'])}, concession {_yn(e['concession'])}, "
        f"photo/video {_yn(e['photo'])}, hedged {e['hedged_share']:.0%}, "
        f"contradicted {_yn(e['contradicted'])}",
    ]
    p = e["explanation"].get("extraction_confidence")
    if p is not None:
        lines.append(f"  extractor's confidence that the text makes this claim: {p:.2f} "
                     "(learned decision layer)")
    for role in ("supporting", "contradicting"):
        rows = [x for x in evidence if x["role"] == role]
        if not rows:
            continue
        lines.append(f"{role.capitalize()} ({len(rows)}):")
        for x in rows:
            s = srcs.get(x["source_id"])
            outlet = (s.outlet if s else None) or "unknown outlet"
            letter = table.lookup(s.outlet if s else None, s.url if s else None).letter
            day = s.published_at.date() if s and s.published_at else "undated"
            quote = _cite(s.text, x["start"], x["end"]) if s else ""
            lines.append(f"  [{letter}] {outlet}, {day}, {x['source_id']}[{x['start']}:{x['end']}]"
                         f" “{quote}”")
            d = dups.get(x["source_id"])
            if x["duplicate_of"]:
                how = d.method if d is not None else "same outlet or a copy of one"
                if d is None and near_photos(
                        (k, dh) for k in (x["source_id"], x["duplicate_of"])
                        for _, dh in photos.get(k, ())):
                    how = (f"the same photo: dHashes within {DHASH_SAME_BITS} bits, or a "
                           "copy of one")
                lines.append(f"      counted once with {x['duplicate_of']} ({how})")
            elif d is not None:
                target = d.canonical_id or d.copied_outlet
                lines.append(f"      a copy ({d.method}) of {target}, which is not evidence "
                             "here: counts as its representative")
    return "\n".join(lines)


def _yn(flag: bool) -> str:
    return "yes" if flag else "no"


CONTRADICTION_ORDER: list[SortKey] = [(schema.contradictions.c.kind, False),
                                      (schema.contradictions.c.place_name, False),
                                      (schema.contradictions.c.id, False)]
"""Contradictions by kind, place (unnamed last) and id: the order lists and cursors use."""


def list_contradictions(store: Store, limit: int = 1000, after: Sequence[Any] | None = None
                        ) -> list[dict[str, Any]]:
    """Contradiction pairs with both citations (outlet, date, quoted sentence); ``after``:
    those following this sort key (``keyset_key(CONTRADICTION_ORDER, row)``), for paging."""
    c, s = schema.contradictions, schema.sources
    q = select(c).order_by(*keyset_order(CONTRADICTION_ORDER)).limit(limit)
    if after is not None:
        q = q.where(keyset_after(CONTRADICTION_ORDER, after))
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
        ids = {r["a_source_id"] for r in rows} | {r["b_source_id"] for r in rows}
        srcs = {r.id: r for r in conn.execute(
            select(s.c.id, s.c.outlet, s.c.published_at, s.c.text).where(s.c.id.in_(ids)))}
        spans = _spans(conn, rows)
    for r in rows:
        for side in ("a", "b"):
            src = srcs.get(r[f"{side}_source_id"])
            start, end = spans.get(r[f"{side}_record_id"], (0, 0))
            r[f"{side}_outlet"] = src.outlet if src else None
            r[f"{side}_quote"] = _cite(src.text, start, end) if src else ""
    return rows


def _spans(conn: Any, rows: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    ids = {r["a_record_id"] for r in rows} | {r["b_record_id"] for r in rows}
    out: dict[str, tuple[int, int]] = {}
    for t in (schema.control_events, schema.area_claims):
        for r in conn.execute(select(t.c.id, t.c.start, t.c.end).where(t.c.id.in_(ids))):
            out[r.id] = (r.start, r.end)
    return out


# -- in-memory as-of index (for serving) -------------------------------------------------------

_FAR = 10**7  # a day ordinal beyond any date: an open-ended state


def picture_stamp(store: Store) -> tuple[Any, ...]:
    """A cheap fingerprint of the control timeline; it changes whenever fusion rewrites it.
    The run counter is part of it: an incremental run can flip a state's ``disputed`` or its
    sources without changing the count or any date or score."""
    t = schema.control_states
    q = select(func.count(), func.max(t.c.since), func.max(t.c.until), func.sum(t.c.score))
    with store.engine.connect() as conn:
        gen = conn.execute(select(schema.fusion_state.c.generation)).scalar()
        return (*conn.execute(q).one(), gen)


class PictureIndex:
    """The control timeline held in memory with every state pre-encoded as JSON.

    A dashboard scrubbing through dates asks for the whole picture again and again; with the
    states in arrays, an as-of answer is a vectorised interval test and a join of ready-made
    bytes, not a query plus thousands of dict encodings. Rebuild it when ``picture_stamp``
    changes (``frontlens fuse`` rewrote the timeline).
    """

    def __init__(self, store: Store) -> None:
        self.stamp = picture_stamp(store)
        rows = picture_states(store)
        self._since = np.array([r["since"].toordinal() for r in rows], dtype=np.int64)
        self._until = np.array(
            [r["until"].toordinal() if r["until"] else _FAR for r in rows], dtype=np.int64)
        self._json = np.array(
            [json.dumps(r, default=str, ensure_ascii=False).encode() for r in rows], dtype=object)

    def json(self, as_of: date) -> bytes:
        """The same list ``picture(store, as_of)`` returns, as UTF-8 JSON."""
        d = as_of.toordinal()
        hits = self._json[(self._since <= d) & (self._until > d)]
        return b"[" + b",".join(hits) + b"]"


def picture_states(store: Store) -> list[dict[str, Any]]:
    """Every control state, in ``picture()``'s row shape and order."""
    t = schema.control_states
    q = select(t.c.place_name, t.c.place_id, t.c.lat, t.c.lon, t.c.controller,
               type_coerce(t.c.since, String), type_coerce(t.c.until, String), t.c.grade,
               t.c.score, t.c.disputed, type_coerce(t.c.sources, String)
               ).order_by(t.c.place_name, t.c.since)
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    return [_picture_row(r) for r in rows]


def _picture_row(r: Any) -> dict[str, Any]:
    return {"place": r[0], "place_id": r[1], "lat": r[2], "lon": r[3], "controller": r[4],
            "since": _as_date(r[5]), "until": _as_date(r[6]), "grade": r[7], "score": r[8],
            "disputed": bool(r[9]), "approximate": approximate_point(r[1]),
            "sources": json.loads(r[10]) if isinstance(r[10], str) else r[10]}


def approximate_point(place_id: str | None) -> bool:
    """Gazetteer rows keyed ``katotth:`` have no surveyed point: a village at its hromada's
    centre (median 8 km off) or a raion at its settlements' centroid. The map draws them hollow
    and says so, rather than implying a precise position."""
    return bool(place_id) and str(place_id).startswith("katotth:")
