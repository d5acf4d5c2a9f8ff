"""Database access: one small API over SQLite (default) and PostgreSQL (by URL).

Writes are idempotent upserts keyed by record id ("insert if new"), so re-ingesting is a no-op,
and every write happens inside a transaction the caller scopes, so a failing input leaves what
was stored before untouched.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    and_,
    create_engine,
    delete,
    event,
    false,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement

from frontlens.model import (
    EXTRACTED_TYPES,
    Actor,
    AreaClaim,
    Contradiction,
    ControlEvent,
    ControlState,
    EquipmentLoss,
    Event,
    EventEvidence,
    Evidence,
    Extraction,
    MapFeature,
    MapLayer,
    Mention,
    Place,
    Record,
    Source,
    SourceDuplicate,
    Statement,
    utc,
)
from frontlens.store import schema

R = TypeVar("R", bound=Record)

TABLES: dict[type[Record], Table] = {
    Source: schema.sources,
    Place: schema.places,
    Actor: schema.actors,
    Mention: schema.mentions,
    Statement: schema.statements,
    ControlEvent: schema.control_events,
    EquipmentLoss: schema.equipment_losses,
    AreaClaim: schema.area_claims,
    Evidence: schema.evidence,
    MapLayer: schema.map_layers,
    MapFeature: schema.map_features,
    Extraction: schema.extractions,
    Event: schema.events,
    EventEvidence: schema.event_evidence,
    Contradiction: schema.contradictions,
    SourceDuplicate: schema.source_duplicates,
    ControlState: schema.control_states,
}

_CHUNK = 500
_IDS_PER_DELETE = 1000  # source ids in one DELETE … WHERE source_id IN (…)



@cache
def _pk_names(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.primary_key.columns)


def pending_query(extractor: str, version: str, *, since: datetime | None = None,
                  limit: int = 500, after: str = "") -> Any:
    """One page of sources without an extraction by this extractor version: a walk of the
    sources' primary key from ``after``, each checked against the extractions' index on
    (source_id, extractor, version), so a page costs the same at 10k and at 1M stored sources.

    SQLite probes that index once per source (covering: no table row is read, and probes in
    id order land on neighbouring index pages). PostgreSQL turns the NOT EXISTS into an anti
    join; the repeated ``extractions.source_id > after`` lets it start the extractions' index
    at ``after`` too (a merge anti join of two index ranges): without it a page past the first
    was planned as a hash anti join over a sequential scan of every extraction."""
    s = schema.sources
    q = select(s).where(s.c.id > after, ~_done(extractor, version, after)) \
        .order_by(s.c.id).limit(limit)
    if since is not None:
        q = q.where(s.c.published_at >= since)
    return q


def _done(extractor: str, version: str, after: str | None = None) -> Any:
    """EXISTS an extraction of this source by this extractor version: a correlated probe of
    the (source_id, extractor, version) index. ``NOT IN (SELECT …)`` made SQLite rebuild the
    whole list of done ids for every page, so paging cost grew with the store."""
    x, s = schema.extractions, schema.sources
    probe = select(x.c.source_id).where(x.c.source_id == s.c.id, x.c.extractor == extractor,
                                        x.c.version == version)  # not SELECT *: covering
    if after is not None:
        probe = probe.where(x.c.source_id > after)
    return probe.exists()

# -- keyset paging -----------------------------------------------------------------------------

SortKey = tuple[Any, bool]
"""A column (or labelled expression) of a list's order and whether it sorts descending."""


def _nullable(col: Any) -> bool:
    return bool(getattr(col, "nullable", False))


def keyset_order(keys: Sequence[SortKey]) -> list[Any]:
    """ORDER BY terms of a keyset-paged list. Nullable columns sort NULLs last in both
    directions, on every backend (SQLite and PostgreSQL disagree by default), so a cursor
    names the same place on both; NOT NULL columns keep the plain order an index serves."""
    terms = []
    for col, desc in keys:
        term = col.desc() if desc else col.asc()
        terms.append(term.nulls_last() if _nullable(col) else term)
    return terms


def keyset_after(keys: Sequence[SortKey], values: Sequence[Any]) -> Any:
    """The rows strictly after the one whose sort key is ``values`` in ``keyset_order(keys)``
    (the last key must be unique): what a page after a cursor starts with, whatever the depth,
    at the cost of an index range instead of counting off ``offset`` rows."""
    cond: Any = None
    beyond: ColumnElement[bool]
    same: ColumnElement[bool]
    for (col, desc), v in reversed(list(zip(keys, values, strict=True))):
        if v is None:  # NULLs sort last: nothing follows a NULL but more of the same
            beyond, same = false(), col.is_(None)
        else:
            b = literal(v, col.type)  # typed: True/False compare as values, not as IS
            beyond = col < b if desc else col > b
            if _nullable(col):
                beyond = or_(beyond, col.is_(None))
            same = col == b
        cond = beyond if cond is None else or_(beyond, and_(same, cond))
    first, desc = keys[0]
    if values[0] is not None and not _nullable(first):  # a range an index on it can serve
        b = literal(values[0], first.type)
        cond = and_(first <= b if desc else first >= b, cond)
    return cond


def keyset_ranges(keys: Sequence[SortKey], values: Sequence[Any]) -> list[Any]:
    """The rows strictly after ``values`` in ``keyset_order(keys)`` as conditions to read one
    after the other, each one index range in that order. A nullable first key with a value in
    the cursor splits them: first the rest of the non-NULL keys (bounded ``first <= value``,
    or ``>=`` ascending), then every row whose first key is NULL (they sort last). Written as
    one OR (``keyset_after``) the cursor bounded no index: SQLite read a filtered list's index
    from its start to the cursor, or merged three ranges and sorted them (MULTI-INDEX OR)."""
    first, desc = keys[0]
    if not _nullable(first):
        return [keyset_after(keys, values)]
    rest = keyset_after(keys[1:], values[1:]) if len(keys) > 1 else false()
    if values[0] is None:  # among the NULLs: the next key's range (bounded when NOT NULL)
        return [and_(first.is_(None), rest)]
    b = literal(values[0], first.type)
    head = and_(first <= b if desc else first >= b,
                or_(first < b if desc else first > b, and_(first == b, rest)))
    return [head, first.is_(None)]


def keyset_values(keys: Sequence[SortKey], raw: Any) -> list[Any]:
    """A cursor's decoded JSON values checked against the columns' types (ISO strings back
    to dates and times): a forged or foreign cursor is a ValueError, never a database error
    (PostgreSQL refuses a NUL in text, an integer past 64 bits, text compared with a number)."""
    if not isinstance(raw, list) or len(raw) != len(keys):
        raise ValueError("cursor of another list")
    return [_key_value(col, v) for (col, _), v in zip(keys, raw, strict=True)]


def _key_value(col: Any, v: Any) -> Any:
    if v is None:
        if not _nullable(col):
            raise ValueError(f"{col}: null")
        return None
    try:  # a TypeDecorator (UTCDateTime) says what it stores through its implementation
        py = getattr(col.type, "impl_instance", col.type).python_type
    except NotImplementedError as exc:
        raise ValueError(f"{col}: not a sort key") from exc
    if py is datetime and isinstance(v, str):
        t = datetime.fromisoformat(v)
        return t.replace(tzinfo=UTC) if t.tzinfo is None else t
    if py is date and isinstance(v, str):
        return date.fromisoformat(v)
    if py is bool and isinstance(v, bool):
        return v
    if py is int and isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**63:
        return v
    if (py is float and isinstance(v, int | float) and not isinstance(v, bool)
            and math.isfinite(v)):
        return float(v)
    if py is str and isinstance(v, str) and "\x00" not in v:
        return v
    raise ValueError(f"{col}: {v!r} is not a {py.__name__}")


def keyset_key(keys: Sequence[SortKey], row: Any) -> list[Any]:
    """A row's sort key as JSON values (dates and times as ISO strings), for its cursor."""
    out = []
    for col, _ in keys:
        v = row._mapping[col] if hasattr(row, "_mapping") else row[col.key]
        out.append(v.isoformat() if isinstance(v, date) else v)  # datetime is a date too
    return out


MERGED_FIELDS = ("outlet", "author", "url", "title", "published_at", "forwarded_from")
"""Source fields two copies of one item may disagree on (an X archive knows the handle, a
JSON Lines copy may not): the stored row takes the merge of all copies, so what fusion grades
does not depend on which copy was ingested first."""


def _pick(a: Any, b: Any) -> Any:
    """The merged value of one field: the one that is set; if both are and differ, the
    smaller (the earlier date, the first string in sort order): the same in any order."""
    if a is None or a == "":
        return b
    if b is None or b == "" or a == b:
        return a
    return min(a, b)


PROVENANCE_FIELDS = ("origin", "retrieved_at", "meta")
"""Where a copy was read, when, and its format details and evidence pointer: kept together,
from the copy ``_provenance_key`` puts first, so the stored row and the exports do not depend
on which file of a batch was ingested first."""


def _provenance_key(copy: Any) -> tuple[int, str, str, str]:
    """The richest copy first (the most of MERGED_FIELDS set: an archive's copy over a bare
    repost), then by origin, time and meta: a total order, the same in any ingest order.
    The media maps (merged from every copy, see MEDIA_META) are left out of the meta compared,
    so a merged copy sorts where the copy it took its provenance from does."""
    when = copy.retrieved_at
    when = utc(when) if isinstance(when, datetime) else None
    rich = sum(1 for f in MERGED_FIELDS if getattr(copy, f) not in (None, ""))
    meta = {k: v for k, v in (copy.meta or {}).items() if k not in MEDIA_META}
    return (-rich, str(copy.origin or ""), when.isoformat() if when else "",
            json.dumps(meta, sort_keys=True, default=str))


MEDIA_META = ("media_sha256", "media_dhash")
"""Meta maps keyed by photo name (kept original's SHA-256, perceptual hash): merged from every
copy, like ``media``, so a copy without photos never hides what another copy preserved."""


def _media(a: Any, b: Any) -> dict[str, Any]:
    """The media of two copies of one source, order-free: every copy's photo and video links
    (one list when they agree, else the sorted union) and every copy's ``MEDIA_META`` entries
    (the smaller value when two copies name one photo differently), added to ``a``'s meta."""
    ma, mb = list(a.media or []), list(b.media or [])
    media = ma if ma == mb else sorted(set(ma) | set(mb))
    meta = dict(a.meta or {})
    for key in MEDIA_META:
        xa, xb = (a.meta or {}).get(key), (b.meta or {}).get(key)
        xa = xa if isinstance(xa, dict) else {}
        xb = xb if isinstance(xb, dict) else {}
        both = {k: _pick(xa.get(k), xb.get(k)) for k in sorted(set(xa) | set(xb))}
        if both:
            meta[key] = both
        else:
            meta.pop(key, None)
    return {"media": media, "meta": meta}


def _language(a: Any, b: Any) -> dict[str, Any]:
    """The language of two copies: one the input declares (no detection score) over one
    detected, the smaller code of two declared; two detected ones keep ``a``'s (the stored
    row's). A feed copy saying "uk" thus wins whichever copy came first."""
    said_a = a.language is not None and a.language_score is None
    said_b = b.language is not None and b.language_score is None
    if said_b and (not said_a or b.language < a.language):
        return {"language": b.language, "language_score": None}
    return {"language": a.language, "language_score": a.language_score}


def merge_copies(a: Source, b: Source) -> Source:
    """Two copies of one source (same id) as one, independent of their order."""
    merged = {f: _pick(getattr(a, f), getattr(b, f)) for f in MERGED_FIELDS}
    merged.update(_language(a, b))
    first, other = (b, a) if _provenance_key(b) < _provenance_key(a) else (a, b)
    merged.update({f: getattr(first, f) for f in PROVENANCE_FIELDS})
    merged.update(_media(first, other))
    return a.model_copy(update=merged)


def _fill_stored_sources(conn: Connection, copies: Sequence[Source]) -> bool:
    """Merge new copies of already stored sources into their rows (see MERGED_FIELDS);
    whether any row changed."""
    t = schema.sources
    ids = [c.id for c in copies]
    any_changed = False
    stored = {r.id: r for r in conn.execute(
        select(t.c.id, t.c.language, t.c.language_score, t.c.media,
               *[t.c[f] for f in MERGED_FIELDS + PROVENANCE_FIELDS]).where(t.c.id.in_(ids)))}
    for c in copies:
        row = stored.get(c.id)
        if row is None:
            continue
        merged = {f: _pick(getattr(row, f), getattr(c, f)) for f in MERGED_FIELDS}
        merged.update(_language(row, c))
        first, other = (c, row) if _provenance_key(c) < _provenance_key(row) else (row, c)
        merged.update({f: getattr(first, f) for f in PROVENANCE_FIELDS})
        merged.update(_media(first, other))
        changed = {f: v for f, v in merged.items() if v != getattr(row, f)}
        if changed:
            conn.execute(t.update().where(t.c.id == c.id).values(**changed))
            any_changed = True
    return any_changed


def insert_ignore(conn: Connection, table: Table) -> Any:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; a plain INSERT elsewhere."""
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    return table.insert()


COPY_MIN_ROWS = 50
"""Rows from which a PostgreSQL write goes through COPY (``write_rows``); fewer are cheaper
as one pipelined executemany."""


def write_rows(conn: Connection, table: Table, rows: list[dict[str, Any]], *,
               ignore: bool = True) -> None:
    """Insert ``rows`` (``ignore``: skipping keys already stored). On PostgreSQL a batch of
    at least COPY_MIN_ROWS goes through ``copy_rows``: a profile of a 10k-message ingest
    spent a fifth of its time in psycopg's per-row pipeline; elsewhere one executemany."""
    if not rows:
        return
    if conn.dialect.driver == "psycopg" and len(rows) >= COPY_MIN_ROWS:
        driver = conn.connection.driver_connection
        if driver is not None and not driver.autocommit:  # the staging table lives to COMMIT
            copy_rows(conn, table, rows, ignore=ignore)
            return
    conn.execute(insert_ignore(conn, table) if ignore else table.insert(), rows)


def copy_rows(conn: Connection, table: Table, rows: list[dict[str, Any]], *,
              ignore: bool = True) -> None:
    """PostgreSQL COPY of ``rows`` in the caller's transaction, values bound by the columns'
    own types (JSON, UTC datetimes) so the stored rows equal an INSERT's. With ``ignore`` the
    rows go to a temporary staging table (dropped at COMMIT) and on with one
    ``INSERT … SELECT … ON CONFLICT DO NOTHING``: a key stored meanwhile by a parallel writer
    is skipped, not an error, as with ``insert_ignore``."""
    dialect = conn.dialect
    names = list(rows[0])
    binds = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    q = dialect.identifier_preparer.quote
    cols = ", ".join(q(n) for n in names)
    target = q(table.name)
    stage = q(f"_copy_{table.name}")
    dbapi = dialect.loaded_dbapi
    sql = f"COPY {stage if ignore else target} ({cols}) FROM STDIN"
    try:
        with conn.connection.driver_connection.cursor() as cur:  # type: ignore[union-attr]
            if ignore:
                cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "
                            f"SELECT {cols} FROM {target} WITH NO DATA")
            with cur.copy(sql) as cp:
                for row in rows:
                    cp.write_row([v if f is None else f(v)
                                  for f, v in zip(binds, (row[n] for n in names), strict=True)])
            if ignore:
                cur.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {stage} "
                            "ON CONFLICT DO NOTHING")
                cur.execute(f"DELETE FROM {stage}")
    except dbapi.Error as exc:  # as SQLAlchemy's own errors: callers tell OperationalError apart
        raise DBAPIError.instance(sql, None, exc, dbapi.Error) from exc


_WRITTEN = "frontlens_written"


def mark_written(conn: Connection) -> None:
    """Note that this transaction wrote sources or extracted records: its COMMIT moves the
    ``store_writes`` counter (``write_stamp``), which tells a server its counts are stale."""
    conn.info[_WRITTEN] = True


def _count_writes(engine: Engine) -> None:
    """Move ``store_writes.n`` as the last statement of a marked transaction: its row lock
    (PostgreSQL) is then held only for the COMMIT, and nothing is locked after it, so two
    writers cannot deadlock on it; a reader sees the new value exactly when the rows are
    visible. A rolled-back transaction moves nothing."""

    @event.listens_for(engine, "commit")
    def _commit(conn: Connection) -> None:
        if conn.info.pop(_WRITTEN, False):
            cur = conn.connection.cursor()
            try:
                cur.execute("UPDATE store_writes SET n = n + 1")
            finally:
                cur.close()

    @event.listens_for(engine, "rollback")
    def _rollback(conn: Connection) -> None:
        conn.info.pop(_WRITTEN, None)


def write_stamp(engine: Engine) -> int | None:
    """The ``store_writes`` counter: it changes with every committed write of sources or
    extracted records. None where it cannot be read (a read-only database older than the
    table): then nothing may be cached on it."""
    try:
        with engine.connect() as conn:
            n = conn.execute(select(schema.store_writes.c.n)).scalar()
    except DBAPIError:
        return None
    return None if n is None else int(n)


class StoreError(Exception):
    """A database that cannot be opened or migrated; the message names the URL (no password)."""


def make_engine(url: str, lock_timeout: float = 30.0, pool_size: int | None = None) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout (``lock_timeout``
    seconds a writer waits for another process's lock before giving up). ``pool_size``: the
    connections kept open (a server's handler threads), so concurrent reads never queue for
    one; None keeps SQLAlchemy's default (5, plus 10 on demand)."""
    parsed = make_url(url)
    pool = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 10}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not db.startswith("file:"):  # a URI names its own path
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        else:
            pool = {}  # one shared in-memory database: SQLAlchemy's own pool for it
        engine = create_engine(url, connect_args={"timeout": lock_timeout}, **pool)
        _count_writes(engine)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True, **pool)
    _count_writes(engine)
    return engine


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("frontlens.store") / "migrations"))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    """Every schema revision this version's migrations know."""
    script = ScriptDirectory.from_config(_alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` inside one transaction."""
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


MIGRATION_LOCK_KEY = 0x66726F6E  # "fron": the PostgreSQL advisory lock serialising migrations


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold a lock that only one process at a time can hold for this database, so that two
    processes opening a fresh database do not both create its tables (one of them used to fail
    with "table alembic_version already exists"). PostgreSQL: a session advisory lock;
    SQLite: an exclusive ``flock`` on ``<database>.lock`` beside the file."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                conn.commit()
        return
    db = engine.url.database if engine.dialect.name == "sqlite" else None
    if not db or db == ":memory:" or db.startswith("file:"):
        yield
        return
    import fcntl

    with open(f"{Path(db).expanduser()}.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class Store:
    """A handle on one database: open it, scope transactions, read and write records."""

    def __init__(self, url: str, *, migrate: bool = True, lock_timeout: float = 30.0,
                 pool_size: int | None = None) -> None:
        self.url = url
        try:
            safe = make_url(url).render_as_string(hide_password=True)
        except Exception as exc:
            raise StoreError(f"{url!r}: cannot open database: not a database URL ({exc})") from exc
        try:
            self.engine = make_engine(url, lock_timeout, pool_size)
            current = current_revision(self.engine)
            if migrate and current is not None and current not in known_revisions():
                raise StoreError(
                    f"{safe}: the database has schema revision {current}, newer than this "
                    f"frontlens knows (head {head_revision()}): it was written by a later "
                    "version. Upgrade frontlens; the database was left untouched.")
            if migrate and current != head_revision():
                with migration_lock(self.engine):  # re-checked: another process may have won
                    if current_revision(self.engine) != head_revision():
                        upgrade(self.engine)
        except StoreError:
            raise
        except Exception as exc:  # the driver's own message says what is wrong
            detail = str(getattr(exc, "orig", None) or exc).split("(Background on")[0]
            raise StoreError(f"{safe}: cannot open database: {' '.join(detail.split())}") from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """All-or-nothing scope: commits on success, rolls back on any exception."""
        with self.engine.begin() as conn:
            yield conn

    # -- writing ---------------------------------------------------------------------------
    def insert_new(
        self,
        conn: Connection,
        records: Iterable[Record],
        prepare: Callable[[list[Record]], list[Record]] | None = None,
    ) -> tuple[int, int]:
        """Insert records whose primary key is not stored yet; returns (added, skipped).

        ``prepare`` runs on the new records only, just before they are written: costly
        enrichment (language id) is not repeated for content that is already stored.
        """
        added = skipped = 0
        by_type: dict[type[Record], list[Record]] = {}
        for rec in records:
            by_type.setdefault(type(rec), []).append(rec)
        for typ, recs in by_type.items():
            table = TABLES[typ]
            pk = [c.name for c in table.primary_key.columns]
            for i in range(0, len(recs), _CHUNK):
                chunk: dict[tuple[Any, ...], Record] = {}
                for rec in recs[i : i + _CHUNK]:
                    key = tuple(getattr(rec, name) for name in pk)
                    if key in chunk:
                        skipped += 1
                        if isinstance(rec, Source):
                            rec = merge_copies(chunk[key], rec)  # type: ignore[arg-type]
                    chunk[key] = rec
                existing = self._existing_keys(conn, table, list(chunk))
                new = [rec for key, rec in chunk.items() if key not in existing]
                skipped += len(chunk) - len(new)
                if typ is Source and existing and _fill_stored_sources(
                        conn, [rec for key, rec in chunk.items()  # type: ignore[misc]
                               if key in existing]):
                    mark_written(conn)
                if new:
                    if prepare is not None:
                        new = prepare(new)
                    # a parallel writer may store the same key between the check and the
                    # write: the database skips it instead of failing the whole input
                    write_rows(conn, table, [rec.model_dump() for rec in new])
                    mark_written(conn)
                added += len(new)
        return added, skipped

    @staticmethod
    def _existing_keys(
        conn: Connection, table: Table, keys: Sequence[tuple[Any, ...]]
    ) -> set[tuple[Any, ...]]:
        pk = list(table.primary_key.columns)
        if len(pk) == 1:
            rows = conn.execute(select(pk[0]).where(pk[0].in_([k[0] for k in keys])))
        else:
            rows = conn.execute(select(*pk).where(tuple_(*pk).in_(keys)))
        return {tuple(r) for r in rows}

    def replace_extraction(
        self, conn: Connection, run: Extraction, records: Sequence[Record]
    ) -> None:
        """Store one source's extraction result, replacing what an earlier version produced."""
        self.replace_extractions(conn, [(run, records)])

    def replace_extractions(
        self, conn: Connection, results: Sequence[tuple[Extraction, Sequence[Record]]]
    ) -> None:
        """Store a batch of extraction results, replacing what earlier versions produced for
        those sources: one DELETE per table for the whole batch (by source id set) and one
        multi-row INSERT per record type, instead of seven round trips per source.

        The records go straight to ``write_rows`` (INSERT … ON CONFLICT DO NOTHING, COPY on
        PostgreSQL), without ``insert_new``'s SELECT of the keys already stored: the DELETE
        has just removed this extractor's records of these sources, and a key stored by
        anything else is skipped by the database just as the SELECT would have skipped it
        (a profile of the write stage had that SELECT at an eighth of the time)."""
        if results:
            mark_written(conn)
        by_extractor: dict[str, list[str]] = {}
        for run, _ in results:
            by_extractor.setdefault(run.extractor, []).append(run.source_id)
        t = schema.extractions
        for extractor, ids in by_extractor.items():
            for i in range(0, len(ids), _IDS_PER_DELETE):
                part = ids[i : i + _IDS_PER_DELETE]
                for table in [TABLES[m] for m in EXTRACTED_TYPES] + [t]:
                    conn.execute(delete(table).where(table.c.source_id.in_(part),
                                                     table.c.extractor == extractor))
        if results:
            write_rows(conn, t, [run.model_dump() for run, _ in results], ignore=False)
        by_type: dict[type[Record], dict[tuple[Any, ...], Record]] = {}
        for _, recs in results:
            for rec in recs:  # the first of a repeated key wins, as with insert_new
                pk = _pk_names(TABLES[type(rec)])
                by_type.setdefault(type(rec), {}).setdefault(
                    tuple(getattr(rec, name) for name in pk), rec)
        for typ, recs_by_key in by_type.items():
            write_rows(conn, TABLES[typ], [rec.model_dump() for rec in recs_by_key.values()])

    def pending_sources(
        self,
        extractor: str,
        version: str,
        *,
        since: datetime | None = None,
        limit: int = 500,
        after: str = "",
    ) -> list[Source]:
        """Sources not yet processed by this extractor version, in id order (for paging)."""
        q = pending_query(extractor, version, since=since, limit=limit, after=after)
        with self.engine.connect() as conn:
            return [Source.model_validate(dict(r._mapping)) for r in conn.execute(q)]

    def count_pending(self, extractor: str, version: str, since: datetime | None = None) -> int:
        s = schema.sources
        q = select(func.count()).select_from(s).where(~_done(extractor, version))
        if since is not None:
            q = q.where(s.c.published_at >= since)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    # -- reading ---------------------------------------------------------------------------
    def get(self, model: type[R], record_id: str) -> R | None:
        table = TABLES[model]
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == record_id)).first()
        return model.model_validate(dict(row._mapping)) if row else None

    def find_sources(self, prefix: str) -> list[Source]:
        """Sources whose id starts with ``prefix`` (users type short ids, as with git)."""
        t = schema.sources
        with self.engine.connect() as conn:
            q = select(t).where(t.c.id.startswith(prefix, autoescape=True)).limit(2)
            rows = conn.execute(q)
            return [Source.model_validate(dict(r._mapping)) for r in rows]

    def list_sources(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        kind: str | None = None,
        language: str | None = None,
        outlet: str | None = None,
    ) -> list[Source]:
        t = schema.sources
        q = select(t).order_by(t.c.published_at.desc().nulls_last(), t.c.id)
        if kind:
            q = q.where(t.c.kind == kind)
        if language:
            q = q.where(t.c.language == language)
        if outlet:
            q = q.where(t.c.outlet == outlet)
        with self.engine.connect() as conn:
            rows = conn.execute(q.limit(limit).offset(offset))
            return [Source.model_validate(dict(r._mapping)) for r in rows]

    def records_for(self, model: type[R], source_id: str) -> list[R]:
        table = TABLES[model]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table).where(table.c.source_id == source_id)
                .order_by(table.c.start, table.c.id)
            )
            return [model.model_validate(dict(r._mapping)) for r in rows]

    def list_records(self, model: type[R], *, limit: int = 50, offset: int = 0) -> list[R]:
        """Records in (source, offset, id) order: the id breaks ties, so every backend lists
        records at one span in the same order (not the order an index or heap keeps)."""
        table = TABLES[model]
        q = select(table).order_by(table.c.source_id, table.c.start, table.c.id).limit(
            limit).offset(offset)
        with self.engine.connect() as conn:
            return [model.model_validate(dict(r._mapping)) for r in conn.execute(q)]

    def sources_by_id(self, ids: Iterable[str]) -> list[Source]:
        t = schema.sources
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.id.in_(list(ids))))
            return [Source.model_validate(dict(r._mapping)) for r in rows]

    def area_claims_between(
        self, d1: date, d2: date
    ) -> list[tuple[AreaClaim, date | None, str]]:
        """Area claims in sources published from ``d1`` to ``d2`` (inclusive), with the
        publication day and the supporting sentence, oldest first."""
        a, s = schema.area_claims, schema.sources
        lo = datetime(d1.year, d1.month, d1.day, tzinfo=UTC)
        hi = datetime(d2.year, d2.month, d2.day, tzinfo=UTC) + timedelta(days=1)
        q = (
            select(a, s.c.published_at, s.c.text)
            .join(s, s.c.id == a.c.source_id)
            .where(s.c.published_at >= lo, s.c.published_at < hi)
            .order_by(s.c.published_at, a.c.start)
        )
        out = []
        with self.engine.connect() as conn:
            for r in conn.execute(q):
                row = dict(r._mapping)
                when, text = row.pop("published_at"), row.pop("text")
                claim = AreaClaim.model_validate(row)
                out.append((claim, when.date() if when else None, text[claim.start : claim.end]))
        return out

    def mentioned_place_ids(self) -> set[str]:
        """Gazetteer ids of every place some stored source mentions (resolved mentions)."""
        m = schema.mentions
        q = select(m.c.resolved_id).where(m.c.type == "place", m.c.resolved_id.is_not(None))
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(q.distinct())}

    def counts(self) -> dict[str, int]:
        """Row count per table, keyed by table name."""
        with self.engine.connect() as conn:
            return {
                t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in TABLES.values()
            }

    def source_counts_by(self, column: str) -> dict[str, int]:
        col = schema.sources.c[column]
        with self.engine.connect() as conn:
            rows = conn.execute(select(col, func.count()).group_by(col).order_by(col))
            return {("unknown" if k is None else str(k)): n for k, n in rows}
