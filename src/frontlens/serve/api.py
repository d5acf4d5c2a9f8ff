"""The JSON API (and the dashboard's static files) over one store.

Reads are open; writes (``POST /api/ingest``, ``POST /api/fuse``) need ``Authorization:
Bearer <Settings.api_token>``. With no token configured, or when the app is built read-only
(``frontlens serve`` on a non-loopback address without a token), writes are refused, so a
server exposed by mistake cannot be fed or rebuilt. Uploads are counted while they stream in
and cut off at ``Settings.upload_max_bytes`` (413); URLs go through ``ingest/fetch.py`` with
its refusal of private addresses. Source text is returned as JSON strings only.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import queue
import re
import shutil
import tempfile
import threading
import zlib
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Annotated, Any, Literal, TextIO, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.responses import StreamingResponse as Streaming
from fastapi.staticfiles import StaticFiles
from pydantic import BeforeValidator, TypeAdapter, ValidationError, WithJsonSchema
from sqlalchemy import Select, func, or_, select
from starlette.datastructures import MutableHeaders, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontlens.config import Settings, get_settings
from frontlens.fuse import maps
from frontlens.fuse import picture as pic
from frontlens.model import (
    EXTRACTED_TYPES,
    AreaClaim,
    ControlEvent,
    ControlState,
    EquipmentLoss,
    Event,
    Evidence,
    Extracted,
    MapLayer,
    Mention,
    Source,
    Statement,
)
from frontlens.report import brief as brief_mod
from frontlens.report import export as ex
from frontlens.report.ledgers import ClaimRow, EquipmentRow, _claims_query, equipment_ledger
from frontlens.serve.schemas import (
    CitedContradiction,
    CitedEvidence,
    CitedRecord,
    EventDetail,
    IngestRequest,
    IngestResult,
    Page,
    PictureEntry,
    Problem,
    SearchResult,
    SourceDetail,
    Stats,
    TimelineStep,
)
from frontlens.store import schema
from frontlens.store.db import (
    TABLES,
    SortKey,
    Store,
    keyset_key,
    keyset_order,
    keyset_ranges,
    keyset_values,
    write_stamp,
)
from frontlens.store.search import SEARCH_ORDER, search_sources

STATIC_DIR = Path(__file__).parent / "static"
MAX_LIMIT = 1000
RECORD_TYPES: dict[str, type[Extracted]] = {
    "control": ControlEvent, "equipment": EquipmentLoss, "statements": Statement,
    "area": AreaClaim, "mentions": Mention,
}
EXPORTS = {"geojson": ("application/geo+json", "geojson"), "acled": ("text/csv", "csv"),
           "ledger": ("text/csv", "csv"), "jsonl": ("application/x-ndjson", "jsonl")}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_PICTURE: TypeAdapter[list[dict[str, Any]]] = TypeAdapter(list[dict[str, Any]])

# Bounds at the edge: an offset past any real table (and inside a 64-bit integer), days inside
# a window every database and ``date`` arithmetic can hold ("to + 1 day" must not overflow).
MAX_OFFSET = 1_000_000_000
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> date:
    """A day only as ``YYYY-MM-DD`` inside [FIRST_DAY, LAST_DAY]: pydantic alone also takes
    ``0`` or ``0.0`` (a Unix time) and 9999-12-31."""
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"not a calendar day: {value!r}") from exc
    else:
        raise ValueError(f"expected a day as YYYY-MM-DD, got {value!r}")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{day} is outside {FIRST_DAY}..{LAST_DAY}")
    return day


Day = Annotated[date, BeforeValidator(_iso_day), WithJsonSchema({
    "type": "string", "format": "date", "pattern": r"^(19\d\d|20\d\d|2100)-\d\d-\d\d$",
    "description": f"A day, YYYY-MM-DD, {FIRST_DAY}..{LAST_DAY}."})]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Cursor = Annotated[str | None, Query(
    max_length=1000, pattern=r"^[A-Za-z0-9_=-]+$", description=(
        "Keyset cursor from the previous page's ``next``: constant cost per page however deep "
        "(``offset`` is ignored with it)."))]
From = Annotated[Day | None, Query(alias="from", description="First day (inclusive).")]
To = Annotated[Day | None, Query(alias="to", description="Last day (inclusive).")]


# -- dependencies -------------------------------------------------------------------------------


async def get_store(request: Request) -> Store:
    """The app's one Store (created by :func:`create_app` from ``Settings.db``). Async: a
    plain function dependency costs every request a hop to a worker thread and back."""
    return request.app.state.store


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def require_writer(request: Request) -> None:
    """Refuse writes unless a token is configured, the app is writable and the caller sends it.

    Runs before the body is read, so an unauthenticated upload is never received.
    """
    settings: Settings = request.app.state.settings
    if request.app.state.read_only:
        raise HTTPException(403, "read-only server: writes are disabled")
    if not settings.api_token:
        raise HTTPException(403, "writes are disabled: no API token is configured "
                                 "(FRONTLENS_API_TOKEN or frontlens serve --token)")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise HTTPException(401, "missing bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.strip().encode(), settings.api_token.encode()):
        raise HTTPException(403, "wrong token")


Writer = Depends(require_writer)


# -- helpers ------------------------------------------------------------------------------------


def _ordered(d1: date | None, d2: date | None) -> None:
    """A day range whose start is after its end is the caller's mistake (400)."""
    if d1 and d2 and d1 > d2:
        raise HTTPException(400, f"from {d1} is after to {d2}")


def _day_bounds(d1: date | None, d2: date | None) -> tuple[datetime | None, datetime | None]:
    lo = datetime.combine(d1, time(), tzinfo=UTC) if d1 else None
    hi = datetime.combine(d2 + timedelta(days=1), time(), tzinfo=UTC) if d2 else None
    return lo, hi


def _keyset_page(store: Store, q: Select[Any], keys: list[SortKey], limit: int, offset: int,
                 after: str | None, total: int | None = None, *, count: bool = True,
                 where: Sequence[Any] = ()) -> tuple[int, Sequence[Any], str | None]:
    """(total, rows, next cursor) of one page of ``q`` in ``keys`` order: after a cursor by
    keyset (an index range however deep), else by offset; ``next`` is None on a short page.
    ``total``: the count already known (it is a scan of every matching row); without
    ``count`` (a list that sends no total) it is not counted and returned as 0. ``where``: the
    list's filters, added after the cursor's range: SQLite bounds an index range by the first
    bound on a column it is given, and a date filter's bound placed before the cursor's made
    a deep page walk the index from that date down to the cursor."""
    q = q.order_by(*keyset_order(keys))
    ranges = keyset_ranges(keys, _cursor(after, keys)) if after is not None else []
    with store.engine.connect() as conn:
        if not count:
            total = 0
        elif total is None:
            total = int(conn.execute(select(func.count()).select_from(
                q.where(*where).order_by(None).subquery())).scalar_one())
        if after is None:
            rows: list[Any] = list(conn.execute(
                q.where(*where).limit(limit).offset(offset)).all())
        else:  # each range is read in index order until the page is full
            rows = []
            for cond in ranges:
                rows += conn.execute(q.where(cond, *where).limit(limit - len(rows))).all()
                if len(rows) >= limit:
                    break
    nxt = _make_cursor(keyset_key(keys, rows[-1])) if len(rows) == limit else None
    return total, rows, nxt


def _known_total(request: Request, store: Store, *key: Any) -> tuple[tuple[Any, ...] | None,
                                                                     int | None]:
    """(cache key, filtered total counted before) of a list whose rows only ingest and
    extract write: the key carries the store's write counter (``write_stamp``), read before
    the count, so the first response after a committed write counts again. (None, None) where
    the counter cannot be read."""
    stamp = write_stamp(store.engine)
    if stamp is None:
        return None, None
    full = (*key, stamp)
    return full, request.app.state.pages.get(full)


def _keep_total(request: Request, key: tuple[Any, ...] | None, total: int) -> None:
    if key is not None:
        request.app.state.pages.put(key, total, 64)


def _make_cursor(values: list[Any]) -> str:
    """The sort key of a page's last row, opaque to clients: unpadded URL-safe base64 of its
    JSON (nothing in it needs escaping in a query string)."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _cursor(token: str, keys: list[SortKey]) -> list[Any]:
    """A cursor's sort key; malformed, forged or from another list is the client's error."""
    try:
        raw = base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4))
        return keyset_values(keys, json.loads(raw))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise HTTPException(400, "after: not a cursor from this list's 'next'") from exc


def _next_link(request: Request, nxt: str | None) -> dict[str, str]:
    """An RFC 8288 ``Link: <…>; rel="next"`` header: the same request from the cursor on (list
    endpoints whose body is a bare array carry their ``next`` only there)."""
    if nxt is None:
        return {}
    url = request.url.remove_query_params("offset").include_query_params(after=nxt)
    return {"Link": f'<{url.path}?{url.query}>; rel="next"'}


def _json(request: Request, body: bytes, nxt: str | None) -> Response:
    """A validated answer sent as is (FastAPI would validate it a second time against the
    route's ``response_model``) with its ``next`` link."""
    return Response(body, media_type="application/json", headers=_next_link(request, nxt))


def _source_filters(d1: date | None, d2: date | None, lang: str | None, kind: str | None,
                    outlet: str | None) -> list[Any]:
    """What a list of sources (or of their records) is filtered by: publication days and the
    source's language, kind and outlet."""
    s = schema.sources
    lo, hi = _day_bounds(d1, d2)
    out: list[Any] = []
    if lo is not None:
        out.append(s.c.published_at >= lo)
    if hi is not None:
        out.append(s.c.published_at < hi)
    for col, val in (("language", lang), ("kind", kind), ("outlet", outlet)):
        if val:
            out.append(s.c[col] == val)
    return out


def _upload_name(filename: str | None) -> str:
    """The upload's base name, made safe and short enough for any file system (the stem is
    cut, the extension kept: the format is detected from it)."""
    name = _SAFE_NAME.sub("_", Path(filename or "upload").name).strip("._") or "upload"
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[:100]}.{ext[:16]}" if dot and stem else name[:120]
    return name


def _one_source(store: Store, source_id: str) -> Source:
    found = store.find_sources(source_id)
    if len(found) != 1:
        why = "no source" if not found else "more than one source"
        raise HTTPException(404, f"{why} with id {source_id!r}")
    return found[0]


def _cite_evidence(conn: Any, rows: list[dict[str, Any]]) -> list[CitedEvidence]:
    """Evidence rows with outlet, link, date, media and the exact sentence of each."""
    s = schema.sources
    ids = {r["source_id"] for r in rows}
    srcs = {r.id: r for r in conn.execute(
        select(s.c.id, s.c.outlet, s.c.url, s.c.published_at, s.c.media, s.c.text)
        .where(s.c.id.in_(ids)))} if ids else {}
    e = schema.equipment_losses
    eq_ids = [r["record_id"] for r in rows if r["record_type"] == "EquipmentLoss"]
    urls = {r.id: list(r.evidence_urls or []) for r in conn.execute(
        select(e.c.id, e.c.evidence_urls).where(e.c.id.in_(eq_ids)))} if eq_ids else {}
    out = []
    for r in rows:
        src = srcs.get(r["source_id"])
        out.append(CitedEvidence(
            **r, outlet=src.outlet if src else None, url=src.url if src else None,
            published_at=src.published_at if src else None,
            sentence=src.text[r["start"]:r["end"]] if src else "",
            media=list(src.media or []) if src else [],
            evidence_urls=urls.get(r["record_id"], [])))
    return out


def _evidence_of(conn: Any, event_ids: list[str], per_event: int | None = None
                 ) -> dict[str, list[CitedEvidence]]:
    ev = schema.event_evidence
    if not event_ids:
        return {}
    rows = [dict(r._mapping) for r in conn.execute(
        select(ev).where(ev.c.event_id.in_(event_ids))
        .order_by(ev.c.event_id, ev.c.role.desc(), ev.c.source_id, ev.c.start))]
    if per_event is not None:
        kept: dict[str, int] = {}
        trimmed = []
        for r in rows:
            if kept.get(r["event_id"], 0) < per_event:
                kept[r["event_id"]] = kept.get(r["event_id"], 0) + 1
                trimmed.append(r)
        rows = trimmed
    out: dict[str, list[CitedEvidence]] = {}
    for c in _cite_evidence(conn, rows):
        out.setdefault(c.event_id, []).append(c)
    return out


class _QueueWriter:
    """A text file whose writes become chunks on a bounded queue (export → HTTP stream)."""

    def __init__(self, q: queue.Queue[str | BaseException | None], closed: threading.Event,
                 chunk: int = 64 * 1024) -> None:
        self.q, self.closed, self.chunk, self.size = q, closed, chunk, 0
        self.buf: list[str] = []

    def write(self, s: str) -> int:
        self.buf.append(s)
        self.size += len(s)
        if self.size >= self.chunk:
            self.flush()
        return len(s)

    def flush(self) -> None:
        if self.buf:
            self._put("".join(self.buf))
            self.buf, self.size = [], 0

    def _put(self, item: str | BaseException | None) -> None:
        while True:
            if self.closed.is_set():
                raise BrokenPipeError("client went away")
            try:
                self.q.put(item, timeout=0.5)
                return
            except queue.Full:
                continue


def _stream_writer(write: Callable[[TextIO], object]) -> Iterator[bytes]:
    """Run an export writer in a thread and yield what it writes, with bounded memory."""
    q: queue.Queue[str | BaseException | None] = queue.Queue(maxsize=16)
    closed = threading.Event()
    fh = _QueueWriter(q, closed)

    def work() -> None:
        try:
            write(fh)  # type: ignore[arg-type]
            fh.flush()
            fh._put(None)
        except BrokenPipeError:
            pass
        except BaseException as exc:  # hand the failure to the response, which ends the stream
            with suppress(BrokenPipeError):
                fh._put(exc)

    threading.Thread(target=work, daemon=True, name="frontlens-export").start()
    try:
        while True:
            item = q.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item.encode("utf-8")
    finally:
        closed.set()


async def _limited_body(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"upload larger than {limit} bytes")
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise HTTPException(413, f"upload larger than {limit} bytes")
        yield chunk


def _run_ingest(store: Store, settings: Settings, raw: Any, fmt: str | None, extract: bool,
                fuse: bool) -> IngestResult:
    from frontlens.ingest.pipeline import ingest_one

    rep = ingest_one(store, raw, settings, fmt)
    result = IngestResult(origin=rep.origin, format=rep.format, added=rep.added,
                          skipped=rep.skipped, error=rep.error, item_errors=rep.item_errors)
    if rep.error is None and (extract or fuse):
        if extract:
            from frontlens.extract.pipeline import run_extract

            result.extract = asdict(run_extract(store))
        if fuse:
            result.fusion = asdict(pic.run_fusion(store))
    return result


# -- routes -------------------------------------------------------------------------------------

# every route may answer these; documented once so clients and schema fuzzers expect them
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "A parameter combination that cannot be served."},
    404: {"model": Problem, "description": "No such source, event, layer or place."},
    503: {"model": Problem, "description": "Server busy (more than `serve_max_in_flight` "
                                           "requests at once): retry after ``Retry-After`` s.",
          "headers": {"Retry-After": {"description": "Seconds to wait before retrying.",
                                      "schema": {"type": "integer"}}}},
}
api = APIRouter(prefix="/api", responses=_ERRORS)
_LINK_HEADER = {"Link": {"description": 'The next page, ``<URL>; rel="next"`` (the same '
                                        "request with ``after``); absent on the last page.",
                         "schema": {"type": "string"}}}
_PAGED: dict[int | str, dict[str, Any]] = {200: {"headers": _LINK_HEADER}}
_CLAIMS: TypeAdapter[list[ClaimRow]] = TypeAdapter(list[ClaimRow])
_CONTRADICTIONS: TypeAdapter[list[CitedContradiction]] = TypeAdapter(list[CitedContradiction])


@api.get("/sources", response_model=Page[Source], tags=["sources"], responses=_PAGED)
def list_sources(request: Request, store: StoreDep, d1: From = None, d2: To = None,
                 lang: str | None = None, kind: str | None = None, outlet: str | None = None,
                 limit: Limit = 50, offset: Offset = 0, after: Cursor = None) -> Response:
    """Sources, newest first, filtered by publication day, language, kind and outlet."""
    s = schema.sources
    key, known = _known_total(request, store, "sources", d1, d2, lang, kind, outlet)
    total, rows, nxt = _keyset_page(store, select(s), [(s.c.published_at, True), (s.c.id, False)],
                                    limit, offset, after, total=known,
                                    where=_source_filters(d1, d2, lang, kind, outlet))
    _keep_total(request, key, total)
    page = Page[Source](total=total, limit=limit, offset=0 if after else offset, next=nxt,
                        items=[Source.model_validate(dict(r._mapping)) for r in rows])
    return _json(request, page.model_dump_json().encode(), nxt)


@api.get("/sources/{source_id}", response_model=SourceDetail, tags=["sources"])
def get_source(store: StoreDep, source_id: str) -> SourceDetail:
    """One source (a unique id prefix is enough) with every record extracted from it."""
    src = _one_source(store, source_id)
    names = {m: k for k, m in RECORD_TYPES.items()}
    return SourceDetail(source=src, records={
        names[m]: store.records_for(m, src.id) for m in EXTRACTED_TYPES},
        evidence=_preserved(store, src))


def _preserved(store: Store, src: Source) -> list[Evidence]:
    """The source's preserved original and kept media (``evidence`` rows, photos with their
    dHash), input first, then media in the order the source names them."""
    shas = [src.meta.get("evidence", {}).get("sha256"),
            *(src.meta.get("media_sha256") or {}).values()]
    shas = [x for i, x in enumerate(shas) if isinstance(x, str) and x not in shas[:i]]
    if not shas:
        return []
    t = schema.evidence
    with store.engine.connect() as conn:
        rows = {r.sha256: Evidence.model_validate(dict(r._mapping))
                for r in conn.execute(select(t).where(t.c.sha256.in_(shas)))}
    return [rows[x] for x in shas if x in rows]


def _record_filters(model: type[Extracted], q: Select[Any], side: str | None,
                    place: str | None) -> Select[Any]:
    t = TABLES[model]
    if side:
        col = {ControlEvent: "new_controller", AreaClaim: "claimed_by"}.get(model, "side")
        if col not in t.c:
            raise HTTPException(400, "records of this type have no side")
        q = q.where(t.c[col] == side)
    if place:
        if model is Mention:
            q = q.where(or_(t.c.resolved_id == place, func.lower(t.c.text) == place.lower()))
        elif model is ControlEvent:
            q = q.where(or_(t.c.place_id == place,
                            func.lower(t.c.place_name) == place.lower()))
        elif "place_id" in t.c:
            q = q.where(t.c.place_id == place)
        else:  # statements: the place is named inside the quoted span
            m = TABLES[Mention]
            q = q.where(select(m.c.id).where(
                m.c.source_id == t.c.source_id, m.c.start >= t.c.start, m.c.end <= t.c.end,
                or_(m.c.resolved_id == place, func.lower(m.c.text) == place.lower()),
            ).exists())
    return q


@api.get("/records/{record_type}", response_model=Page[CitedRecord], tags=["records"],
         responses=_PAGED)
def list_records(request: Request, store: StoreDep,
                 record_type: Literal["control", "equipment", "statements", "area", "mentions"],
                 d1: From = None, d2: To = None, side: str | None = None,
                 place: str | None = None, lang: str | None = None, limit: Limit = 50,
                 offset: Offset = 0, after: Cursor = None) -> Response:
    """Extracted records with their sentence; the date range is the source's publication day."""
    model = RECORD_TYPES[record_type]
    t, s = TABLES[model], schema.sources
    q = (select(t, s.c.outlet, s.c.url, s.c.published_at, s.c.language, s.c.text, s.c.id)
         .join(s, s.c.id == t.c.source_id))
    q = _record_filters(model, q, side, place)
    # the source's publication order, then the record's place in it; ordering by the
    # source's own id (not the record's equal source_id) lets the join walk sources in an
    # index's order and each source's records in another's
    keys = [(s.c.published_at, True), (s.c.id, False), (t.c.start, False),
            (t.c.id, False)]
    key, known = _known_total(request, store, "records", record_type, d1, d2, side, place,
                              lang)
    total, rows, nxt = _keyset_page(store, q, keys, limit, offset, after, total=known,
                                    where=_source_filters(d1, d2, lang, None, None))
    _keep_total(request, key, total)
    items = []
    fields = set(model.model_fields)
    for r in rows:
        m = dict(r._mapping)
        rec = model.model_validate({k: v for k, v in m.items() if k in fields})
        items.append(CitedRecord(type=record_type, record=rec,
                                 sentence=m["text"][rec.start:rec.end], outlet=m["outlet"],
                                 url=m["url"], published_at=m["published_at"],
                                 language=m["language"]))
    page = Page[CitedRecord](total=total, limit=limit, offset=0 if after else offset,
                             next=nxt, items=items)
    return _json(request, page.model_dump_json().encode(), nxt)


@api.get("/events", response_model=Page[Event], tags=["events"], responses=_PAGED)
async def list_events(request: Request, store: StoreDep, grade: Annotated[str | None, Query(
                    pattern=r"^([A-Fa-f][1-6]?|[1-6]|unknown)$")] = None, place: str | None = None,
                side: str | None = None, kind: str | None = None,
                day: Annotated[Day | None, Query(alias="date")] = None, d1: From = None,
                d2: To = None, limit: Limit = 50, offset: Offset = 0,
                after: Cursor = None) -> Response:
    """Fused events, strongest first. ``grade``: a letter (reliability), a digit
    (credibility), a full grade such as ``B2``, or ``unknown``; ``date``: events spanning it."""
    # events change only when fusion runs: a page already sent since the last run is answered
    # again from memory on the event loop, the database read only on a miss
    state = request.app.state
    if monotonic() - state.stamp_checked >= PICTURE_RECHECK_S:
        await _once(request, ("fusion-stamp", state.writes), _fusion_stamp, request, store)
    gz = "gzip" in request.headers.get("accept-encoding", "")
    filters = (grade, place, side, kind, day, d1, d2)
    key = ("events", state.stamp, *filters, limit, offset, after, gz)
    hit: tuple[bytes, str | None, bool] | None = state.pages.get(key)
    if hit is None:
        hit = await _once(request, key, _events_page, request, store, filters, limit, offset,
                          after, gz)
        state.pages.put(key, hit, len(hit[0]))
    body, nxt, compressed = hit
    headers = _next_link(request, nxt)
    if compressed:
        headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return Response(body, media_type="application/json", headers=headers)


def _events_page(request: Request, store: Store, filters: tuple[Any, ...], limit: int,
                 offset: int, after: str | None, gz: bool) -> tuple[bytes, str | None, bool]:
    """One page of /api/events as sent (gzip when asked and worth it), its ``next`` cursor,
    and whether it is compressed. The filtered total is counted once per fusion run."""
    grade, place, side, kind, day, d1, d2 = filters
    e = schema.events
    q = select(e)
    if grade:
        if len(grade) == 1 and grade.isalpha():
            q = q.where(e.c.reliability == grade.upper())
        elif grade in "123456":
            q = q.where(e.c.credibility == int(grade))
        else:
            q = q.where(e.c.grade == (grade.upper() if len(grade) == 2 else grade))
    if place:
        q = q.where(or_(e.c.place_id == place, func.lower(e.c.place_name) == place.lower()))
    if side:
        q = q.where(e.c.new_controller == side)
    if kind:
        q = q.where(e.c.kind == kind)
    last = func.coalesce(e.c.last_date, e.c.first_date)
    if day is not None:
        q = q.where(e.c.first_date <= day, last >= day)
    if d1 is not None:
        q = q.where(last >= d1)
    if d2 is not None:
        q = q.where(e.c.first_date <= d2)
    state = request.app.state
    total_key = ("events-total", state.stamp, *filters)
    total, rows, nxt = _keyset_page(store, q, [(e.c.score, True), (e.c.id, False)], limit,
                                    offset, after, total=state.pages.get(total_key))
    state.pages.put(total_key, total, 64)
    page = Page[Event](total=total, limit=limit, offset=0 if after else offset, next=nxt,
                       items=[Event.model_validate(dict(r._mapping)) for r in rows])
    raw = page.model_dump_json().encode()
    if gz and len(raw) >= 1024:
        return zlib.compress(raw, GZIP_LEVEL, wbits=31), nxt, True
    return raw, nxt, False


@api.get("/events/{event_id}", response_model=EventDetail, tags=["events"])
def get_event(store: StoreDep, event_id: str) -> EventDetail:
    """An event (id or unique prefix) with every supporting and contradicting record cited."""
    try:
        row = pic.find_event(store, event_id)
        text = pic.explain(store, row["id"])
    except pic.UnknownEvent as exc:
        raise HTTPException(404, str(exc)) from exc
    with store.engine.connect() as conn:
        evidence = _evidence_of(conn, [row["id"]]).get(row["id"], [])
    evidence.sort(key=lambda c: (c.role != "supporting", c.source_id, c.start))
    return EventDetail(event=Event.model_validate(row), evidence=evidence, explain=text)


@api.get("/picture", response_model=list[PictureEntry], tags=["picture"])
async def get_picture(request: Request, store: StoreDep, as_of: Day | None = None) -> Response:
    """Who holds which place on ``as_of`` (default: today), with grade and sources."""
    state, day = request.app.state, as_of or datetime.now(UTC).date()
    # a fresh index and a cached day are answered on the event loop; database reads,
    # index builds and compression go to a worker thread, once for all who wait on them
    index: pic.PictureIndex | None = getattr(state, "picture_index", None)
    if index is None or monotonic() - state.picture_checked >= PICTURE_RECHECK_S:
        index = await _once(request, ("picture-index", state.writes), _picture_index, request,
                            store)
    if "gzip" in request.headers.get("accept-encoding", ""):
        key = ("picture", index.stamp, day)
        body = state.pictures.get(key)
        if body is None:
            body = await _once(request, key, _picture_gzip, request, index, day)
        if body:
            return Response(body, media_type="application/json", headers={
                "Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return Response(await run_in_threadpool(index.json, day), media_type="application/json")


T = TypeVar("T")


async def _once(request: Request, key: Any, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` on a worker thread, run once for every request that asks for ``key``
    while it runs: under load many clients ask for the same missing day (or recheck the
    same stamp) at once, and each computing it again cost the server CPU in proportion to
    the number of clients. A waiter that gives up does not cancel the others' answer."""
    pending: dict[Any, tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]]] = (
        request.app.state.pending)
    loop = asyncio.get_running_loop()
    entry = pending.get(key)
    if entry is None or entry[0] is not loop:  # a TestClient may run each request on a new loop
        task = loop.create_task(run_in_threadpool(fn, *args))
        entry = pending[key] = (loop, task)

        def done(_: asyncio.Future[Any], entry: Any = entry) -> None:
            if pending.get(key) is entry:
                del pending[key]
        task.add_done_callback(done)
    result: T = await asyncio.shield(entry[1])
    return result


_INDEX_LOCK = threading.Lock()
PICTURE_RECHECK_S = 1.0
"""How often the picture's stamp is re-read: a `frontlens fuse` run elsewhere shows within a
second, and the stamp's aggregate over the timeline (~10 ms at 30k states) is not paid by
every request. A write through this API rechecks at once."""
GZIP_LEVEL = 1
"""Compression of responses: level 1 makes JSON ~8x smaller at a tenth of level 9's time
(1.4 MB picture: 8 ms vs 150 ms), which is what decides throughput on a few cores."""


class ByteLRU:
    """Answers by key, least recently used dropped first once their sizes pass ``budget``
    bytes; thread-safe (handlers run on worker threads and on the event loop)."""

    def __init__(self, budget: int) -> None:
        self.budget, self.size = budget, 0
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            self._items.move_to_end(key)
            return hit[0]

    def put(self, key: Any, value: Any, size: int) -> None:
        if size > self.budget:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self.size += size - (old[1] if old else 0)
            self._items[key] = (value, size)
            while self.size > self.budget:
                self.size -= self._items.popitem(last=False)[1][1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._items)


def _fusion_stamp(request: Request, store: Store) -> tuple[Any, ...]:
    """The store's fusion stamp (``picture_stamp``: it changes with every fusion run, which is
    what rewrites events), re-read at most every PICTURE_RECHECK_S; the page cache is emptied
    when it changes."""
    state = request.app.state
    if monotonic() - state.stamp_checked >= PICTURE_RECHECK_S:
        stamp = pic.picture_stamp(store)
        if stamp != state.stamp:
            state.pages.clear()
            state.stamp = stamp
        state.stamp_checked = monotonic()
    return state.stamp


def _picture_index(request: Request, store: Store) -> pic.PictureIndex:
    """The app's in-memory picture, rebuilt when fusion has rewritten the timeline (its stamp
    re-read at most every PICTURE_RECHECK_S, so a `frontlens fuse` run elsewhere shows)."""
    state = request.app.state
    index: pic.PictureIndex | None = getattr(state, "picture_index", None)
    if index is not None and monotonic() - state.picture_checked < PICTURE_RECHECK_S:
        return index
    stamp = pic.picture_stamp(store)
    if index is None or index.stamp != stamp:
        with _INDEX_LOCK:
            index = getattr(state, "picture_index", None)
            if index is None or index.stamp != stamp:
                index = pic.PictureIndex(store)
                state.pictures.clear()
                state.picture_index = index
    state.picture_checked = monotonic()
    return index


def _picture_gzip(request: Request, index: pic.PictureIndex, day: date) -> bytes:
    """The day's answer compressed (empty when too small to be worth compressing), kept in a
    byte-bounded LRU (``Settings.picture_cache_mb``) emptied when the index is rebuilt:
    scrubbing clients ask for the same days again and again."""
    state = request.app.state
    key = ("picture", index.stamp, day)
    hit: bytes | None = state.pictures.get(key)
    if hit is not None:
        return hit
    raw = index.json(day)
    body = zlib.compress(raw, GZIP_LEVEL, wbits=31) if len(raw) >= 1024 else b""
    state.pictures.put(key, body, len(body))
    return body


@api.get("/timeline/{place_id}", response_model=list[TimelineStep], tags=["picture"])
def get_timeline(store: StoreDep, place_id: str,
                 evidence: Annotated[int, Query(ge=0, le=100)] = 10) -> list[TimelineStep]:
    """Control states of one place (gazetteer id or name), oldest first, each with up to
    ``evidence`` cited records per event behind it."""
    states = [ControlState.model_validate(r) for r in pic.timeline(store, place_id)]
    if not states:
        raise HTTPException(404, f"no control timeline for {place_id!r}")
    with store.engine.connect() as conn:
        cited = _evidence_of(conn, [e for st in states for e in st.event_ids], evidence)
    return [TimelineStep(state=st, evidence=[c for e in st.event_ids for c in cited.get(e, [])])
            for st in states]


@api.get("/layers", response_model=list[MapLayer], tags=["maps"])
def get_layers(store: StoreDep) -> list[MapLayer]:
    """Stored control-map layers (no geometry), oldest first."""
    return maps.list_layers(store)


@api.get("/layers/for", response_model=MapLayer, tags=["maps"])
def get_layer_for(store: StoreDep, day: Annotated[Day, Query(alias="date")]) -> MapLayer:
    """The layer of a day, else the nearest earlier one (a map never speaks for the future)."""
    try:
        return maps.layer_for(store, day)
    except maps.NoLayerError as exc:
        raise HTTPException(404, str(exc)) from exc


@api.get("/layers/{layer_id}/features", tags=["maps"], responses={200: {
    "description": "A GeoJSON FeatureCollection with the layer's metadata under ``layer``.",
    "content": {"application/geo+json": {"schema": {"type": "object"}}}}})
def get_features(store: StoreDep, layer_id: str,
                 simplify: Annotated[float | None, Query(ge=0, le=1, description=(
                     "Douglas–Peucker tolerance in degrees (e.g. 0.001 ≈ 100 m)."))] = None,
                 geometry_type: Annotated[Literal["all", "polygons", "points"], Query(
                     alias="geometry", description=(
                         "all: as stored (2-D); polygons or points: only features with parts "
                         "of that type, as MultiPolygon or MultiPoint, so GIS tools see one "
                         "geometry type."))] = "all",
                 ) -> JSONResponse:
    """A layer as a GeoJSON FeatureCollection; each feature's ``status`` is its control status
    (``feature_status``: null when the polygon is not about the front). Coordinates are 2-D
    and polygon rings follow RFC 7946 (exteriors counter-clockwise)."""
    layer = store.get(MapLayer, layer_id)
    if layer is None:
        raise HTTPException(404, f"no layer with id {layer_id!r}")
    features = []
    stored = maps.load_features(store, layer_id)
    status_of = maps.feature_statuses(store, layer, stored)  # SQL columns on PostGIS
    for f in stored:
        geometry = f.geometry
        if simplify:
            from shapely.geometry import mapping, shape

            try:
                geometry = mapping(shape(geometry).simplify(simplify, preserve_topology=True))
            except (ValueError, TypeError, AttributeError):
                geometry = f.geometry  # an odd geometry is served as stored
        fixed = maps.gis_geometry(geometry, geometry_type)
        if fixed is None:
            continue
        geometry = fixed
        props = {**f.properties, "name": f.name, "idx": f.idx,
                 "status": status_of[f.idx]}
        features.append({"type": "Feature", "id": f.idx, "geometry": geometry,
                         "properties": props})
    return JSONResponse({"type": "FeatureCollection", "features": features,
                         "layer": layer.model_dump(mode="json")},
                        media_type="application/geo+json")


@api.get("/ledger/equipment", response_model=list[EquipmentRow], tags=["reports"])
def get_equipment_ledger(store: StoreDep, d1: From = None, d2: To = None,
                         side: str | None = None) -> list[EquipmentRow]:
    """Oryx-style losses by side, category and type, each item counted once, with citations."""
    return equipment_ledger(store, since=d1, until=d2, side=side)


@api.get("/ledger/claims", response_model=list[ClaimRow], tags=["reports"], responses=_PAGED)
def get_claims_ledger(request: Request, store: StoreDep, d1: From = None, d2: To = None,
                      side: str | None = None, against_interest: bool | None = None,
                      limit: Limit = 100, offset: Offset = 0, after: Cursor = None) -> Response:
    """Statements, newest first (against-interest first within a publication time); the next
    page's link is in the ``Link`` header."""
    st, s = schema.statements, schema.sources
    keys = [(s.c.published_at, True), (st.c.against_interest, True), (st.c.source_id, False),
            (st.c.start, False), (st.c.id, False)]
    _, rows, nxt = _keyset_page(store, _claims_query(d1, d2, side, against_interest), keys,
                                limit, offset, after, count=False)  # a bare array: no total
    items = [ClaimRow(r.id, r.source_id, r.published_at, r.speaker, r.role, r.side, r.cue,
                      bool(r.direct), bool(r.against_interest), r.quote, r.outlet, r.url,
                      r.start, r.end) for r in rows]
    return _json(request, _CLAIMS.dump_json(items), nxt)


@api.get("/contradictions", response_model=list[CitedContradiction], tags=["reports"],
         responses=_PAGED)
def get_contradictions(request: Request, store: StoreDep, limit: Limit = 200,
                       after: Cursor = None) -> Response:
    """Pairs of claims that cannot both hold, each side with outlet and quoted sentence, by
    kind and place; the next page's link is in the ``Link`` header."""
    keys = pic.CONTRADICTION_ORDER
    rows = pic.list_contradictions(store, limit, after=_cursor(after, keys) if after else None)
    nxt = _make_cursor(keyset_key(keys, rows[-1])) if len(rows) == limit else None
    items = [CitedContradiction.model_validate(r) for r in rows]
    return _json(request, _CONTRADICTIONS.dump_json(items), nxt)


@api.get("/brief", tags=["reports"], responses={200: {"content": {
    "application/json": {}, "text/markdown": {}, "text/html": {}}}})
def get_brief(store: StoreDep, d1: Annotated[Day, Query(alias="from")],
              d2: Annotated[Day, Query(alias="to")],
              format: Literal["json", "md", "html"] = "json") -> Response:
    """The daily brief for an inclusive day range: JSON, Markdown or self-contained HTML."""
    _ordered(d1, d2)
    b = brief_mod.build_brief(store, d1, d2)
    if format == "md":
        return PlainTextResponse(brief_mod.render_markdown(b), media_type="text/markdown")
    if format == "html":
        return HTMLResponse(brief_mod.render_html(b), headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
    return Response(TypeAdapter(brief_mod.Brief).dump_json(b), media_type="application/json")


@api.get("/search", response_model=Page[SearchResult], tags=["sources"], responses=_PAGED)
def search(request: Request, store: StoreDep,
           q: Annotated[str, Query(min_length=1, max_length=500)], limit: Limit = 20,
           offset: Offset = 0, after: Cursor = None) -> Response:
    """Full text over source titles and texts (every word must occur), best first."""
    key = _cursor(after, SEARCH_ORDER) if after is not None else None
    counted, known = _known_total(request, store, "search", q)
    hits, total = search_sources(store, q, limit=limit, offset=0 if key else offset,
                                 after=(key[0], key[1]) if key else None, total=known)
    _keep_total(request, counted, total)
    nxt = _make_cursor([hits[-1].rank, hits[-1].source.id]) if len(hits) == limit else None
    page = Page[SearchResult](total=total, limit=limit, offset=0 if key else offset, next=nxt,
                              items=[SearchResult(source=h.source, rank=h.rank,
                                                  snippet=h.snippet, match_start=h.match_start,
                                                  match_end=h.match_end) for h in hits])
    return _json(request, page.model_dump_json().encode(), nxt)


@api.get("/export/{fmt}", tags=["reports"], response_class=Streaming, responses={200: {
    "description": "The export as a download.",
    "content": {media: {"schema": {"type": "object" if suffix == "geojson" else "string"}}
                for media, suffix in EXPORTS.values()}}})
def export(store: StoreDep, fmt: Literal["geojson", "acled", "ledger", "jsonl"],
           what: Literal["events", "timelines"] = "events", d1: From = None,
           d2: To = None) -> Streaming:
    """Stream an export: GeoJSON (events or timelines), ACLED CSV, ledger CSV or JSON Lines.

    ``from``/``to`` (inclusive days) limit it to a date range: events whose dates meet it,
    control states in force on some day of it, ledger items first published in it. JSON Lines
    is every stored record and takes no range (400)."""
    _ordered(d1, d2)
    if fmt == "jsonl" and (d1 or d2):
        raise HTTPException(400, "jsonl exports every stored record: from/to do not apply")
    writers: dict[str, Callable[[TextIO], object]] = {
        "geojson": lambda fh: ex.write_geojson(store, fh, what, since=d1, until=d2),
        "acled": lambda fh: ex.write_acled(store, fh, since=d1, until=d2),
        "ledger": lambda fh: ex.write_ledger(store, fh, since=d1, until=d2),
        "jsonl": lambda fh: ex.write_jsonl(store, fh),
    }
    media, suffix = EXPORTS[fmt]
    span = f"-{d1 or 'start'}-to-{d2 or 'end'}" if d1 or d2 else ""
    return Streaming(_stream_writer(writers[fmt]), media_type=media, headers={
        "Content-Disposition": f'attachment; filename="frontlens-{fmt}{span}.{suffix}"'})


@api.get("/stats", response_model=Stats, tags=["sources"])
def stats(request: Request, store: StoreDep) -> Stats:
    """Row counts per table and sources per language and kind, and how fresh the data is:
    the newest source's publication and retrieval times, when fusion last ran and, when the
    picture is older than the stored records, why."""
    settings: Settings = request.app.state.settings
    s, fs = schema.sources, schema.fusion_state
    with store.engine.connect() as conn:
        newest, retrieved = conn.execute(
            select(func.max(s.c.published_at), func.max(s.c.retrieved_at))).one()
        fused_at = conn.execute(select(fs.c.finished_at)).scalar()
    return Stats(counts=store.counts(), by_language=store.source_counts_by("language"),
                 by_kind=store.source_counts_by("kind"), read_only=request.app.state.read_only,
                 writes_enabled=bool(settings.api_token) and not request.app.state.read_only,
                 newest_source=newest, newest_retrieved=retrieved, fused_at=fused_at,
                 fusion_stale=pic.fusion_staleness(store) if fused_at else None)


@api.post("/ingest", response_model=IngestResult, tags=["writes"], dependencies=[Writer],
          responses={
              413: {"model": Problem, "description": "Upload larger than upload_max_bytes."},
              415: {"model": Problem, "description": "Neither multipart nor JSON."},
              422: {"description": "The input was refused (an ingest report saying why) or the "
                                   "request body was invalid (validation errors).",
                    "content": {"application/json": {"schema": {"anyOf": [
                        {"$ref": "#/components/schemas/IngestResult"},
                        {"$ref": "#/components/schemas/HTTPValidationError"}]}}}},
          },
          openapi_extra={"requestBody": {"required": True, "content": {
              "multipart/form-data": {"schema": {"type": "object", "properties": {
                  "file": {"type": "string", "format": "binary"},
                  "format": {"type": "string"}}, "required": ["file"]}},
              "application/json": {"schema": IngestRequest.model_json_schema()}}}})
async def ingest(request: Request, store: StoreDep, settings: SettingsDep,
                 extract: bool = False, fuse: bool = False) -> JSONResponse:
    """Ingest one uploaded file (multipart ``file``) or one URL (JSON ``{"url": ...}``);
    ``extract``/``fuse`` run extraction and fusion afterwards. 422 when the input was refused
    (the report says why), 413 when the upload is larger than ``upload_max_bytes``."""
    from frontlens.ingest.base import RawInput

    ctype = request.headers.get("content-type", "")
    limit = settings.upload_max_bytes
    if ctype.startswith("multipart/form-data"):
        parser = MultiPartParser(request.headers, _limited_body(request, limit), max_files=1,
                                 max_fields=4)
        try:
            form = await parser.parse()
        except MultiPartException as exc:
            raise HTTPException(400, f"bad multipart body: {exc.message}") from exc
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(400, "multipart body needs a 'file' part")
        fmt = form.get("format")
        name = _upload_name(upload.filename)
        tmp = Path(tempfile.mkdtemp(prefix="frontlens-upload-"))
        try:
            path = tmp / name
            with path.open("wb") as fh:
                await run_in_threadpool(shutil.copyfileobj, upload.file, fh)
            await upload.close()
            raw = RawInput(origin=f"upload:{name}", path=path)
            result = await run_in_threadpool(_run_ingest, store, settings, raw,
                                             fmt if isinstance(fmt, str) and fmt else None,
                                             extract, fuse)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    elif ctype.startswith("application/json"):
        body = b""
        async for chunk in _limited_body(request, min(limit, 64 * 1024)):
            body += chunk
        try:
            req = IngestRequest.model_validate_json(body)
        except ValidationError as exc:
            raise HTTPException(422, json.loads(exc.json(include_url=False))) from exc
        if not re.match(r"^https?://", req.url, re.I):
            raise HTTPException(422, "only http(s) URLs are fetched")
        raw = RawInput(origin=req.url, url=req.url)
        result = await run_in_threadpool(_run_ingest, store, settings, raw, req.format,
                                         extract, fuse)
    else:
        raise HTTPException(415, "send multipart/form-data with a 'file' part, or JSON "
                                 '{"url": ...}')
    return JSONResponse(result.model_dump(mode="json"),
                        status_code=422 if result.error else 200)


@api.post("/fuse", tags=["writes"], dependencies=[Writer])
def fuse(store: StoreDep) -> dict[str, Any]:
    """Rebuild events, grades, contradictions and the control timeline (idempotent)."""
    return asdict(pic.run_fusion(store))


# -- the app ------------------------------------------------------------------------------------

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                          "interest-cohort=()",
}
# the same policy as the dashboard's <meta> tag, plus what only a header can say
DASHBOARD_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                 "img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-src 'self'; "
                 "object-src 'none'; base-uri 'none'; form-action 'self'; "
                 "frame-ancestors 'none'")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
DASHBOARD_FILES = frozenset({".html", ".js", ".css", ".png", ".svg", ".ico", ".json",
                             ".geojson", ".woff", ".woff2"})


def _docs_csp(html: str) -> str:
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT.findall(html))
    return (f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'")


def _allowed_methods(path: str) -> list[str]:
    """The methods the API routes matching ``path`` accept (the ``Allow`` of a 405)."""
    methods: set[str] = set()
    for route in api.routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods |= set(getattr(route, "methods", None) or ())
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def headers_middleware(app: ASGIApp) -> ASGIApp:
    """Security and caching headers on every response, ``Allow`` on an API 405. Plain ASGI:
    Starlette's ``BaseHTTPMiddleware`` (``@app.middleware``) costs a task and a body stream
    per request, a tenth of a small request's server time under load."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                for k, v in SECURITY_HEADERS.items():
                    h.setdefault(k, v)
                if h.get("content-type", "").startswith("text/html"):
                    h.setdefault("Content-Security-Policy", DASHBOARD_CSP)
                if message["status"] == 405 and path.startswith("/api/"):
                    h["Allow"] = ", ".join(_allowed_methods(path))
                if method not in ("GET", "HEAD"):
                    h.setdefault("Cache-Control", "no-store")
                    state = scope["app"].state  # a write may have fused: recheck at once
                    state.picture_checked = state.stamp_checked = float("-inf")
                    state.writes += 1  # and not by joining a recheck begun before it
                elif path.startswith(("/vendor/", "/basemap/")):
                    h.setdefault("Cache-Control", "public, max-age=604800")  # versioned
                else:
                    h.setdefault("Cache-Control", "no-cache")  # revalidate: data change on fusion
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


RETRY_AFTER_S = 1
"""What a refused request is told to wait (``Retry-After``): a queue of a few hundred ms
has drained by then."""


def overload_middleware(app: ASGIApp, limit: int) -> ASGIApp:
    """At most ``limit`` requests in flight; the next is answered 503 with ``Retry-After`` on
    the spot (no database, no handler thread), so an overloaded server stays fast for the
    requests it takes and tells the rest when to come back, instead of queueing them for
    seconds or letting connections time out. A request's slot is freed as its last body
    part is sent, before the client can send its next request on that connection."""
    in_flight = 0
    body = json.dumps({"detail": f"server busy: {limit} requests in flight; retry after "
                                 f"{RETRY_AFTER_S} s"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"retry-after", str(RETRY_AFTER_S).encode()), (b"cache-control", b"no-store"),
               *((k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items())]

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal in_flight
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if in_flight >= limit:
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        in_flight += 1
        counted = True

        async def send_counted(message: Message) -> None:
            nonlocal in_flight, counted
            if counted and message["type"] == "http.response.body" and \
                    not message.get("more_body", False):
                counted = False
                in_flight -= 1
            await send(message)

        try:
            await app(scope, receive, send_counted)
        finally:
            if counted:
                in_flight -= 1

    return wrapped


class DashboardFiles(StaticFiles):
    """The dashboard's own files only: its README and licence texts are not served."""

    async def get_response(self, path: str, scope: Any) -> Response:
        suffix = Path(path).suffix.lower()
        if suffix and suffix not in DASHBOARD_FILES:
            return PlainTextResponse("Not Found", status_code=404)
        return await super().get_response(path, scope)



def create_app(settings: Settings | None = None, *, static_dir: Path | None = None,
               read_only: bool = False) -> FastAPI:
    """The API over ``settings.db`` (one Store per app), with the dashboard at ``/`` when its
    static folder exists. ``read_only`` refuses every write whatever the token."""
    settings = settings or get_settings()
    store = Store(settings.db, pool_size=settings.db_pool_size or settings.serve_threads)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # as many handler threads as pooled connections (AnyIO's default is 40 threads for
        # 15 connections: under load most of them waited for a connection or for the GIL)
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.serve_threads
        yield
        store.close()

    app = FastAPI(title="frontlens", version="0.1.0", lifespan=lifespan, docs_url=None,
                  description="A sourced, confidence-graded picture from public war reporting. "
                              "Source text is returned as plain JSON strings.")
    app.state.store, app.state.settings, app.state.read_only = store, settings, read_only
    app.state.picture_checked = float("-inf")
    app.state.pictures = ByteLRU(settings.picture_cache_mb * 1024 * 1024)
    app.state.pending = {}
    app.state.stamp, app.state.stamp_checked = None, float("-inf")
    app.state.writes = 0  # writes answered through this app: a recheck after one starts anew
    app.state.pages = ByteLRU(settings.page_cache_mb * 1024 * 1024)

    app.add_middleware(headers_middleware)
    # compress JSON, GeoJSON and the dashboard's files (the picture and basemap shrink ~5x)
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=GZIP_LEVEL)
    # outermost: a refused request costs nothing below it
    app.add_middleware(overload_middleware, limit=settings.serve_max_in_flight)
    app.include_router(api)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI from the package's own copy (vendor/swagger-ui), not a CDN; its one
        inline script is allowed by hash, nothing else inline runs."""
        page = get_swagger_ui_html(
            openapi_url="/openapi.json", title="frontlens API",
            swagger_js_url="/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/vendor/swagger-ui/favicon-32x32.png")
        page.headers["Content-Security-Policy"] = _docs_csp(bytes(page.body).decode())
        return page

    static = static_dir if static_dir is not None else STATIC_DIR
    if static.is_dir():
        app.mount("/", DashboardFiles(directory=static, html=True), name="dashboard")
    else:
        @app.get("/", include_in_schema=False)
        def root() -> dict[str, str]:
            return {"api": "/api", "docs": "/docs", "dashboard": f"not installed ({static})"}
    return app
