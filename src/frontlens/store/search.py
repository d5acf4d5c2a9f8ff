"""Full-text search over sources: SQLite FTS5 or PostgreSQL full text, one function.

No migration: on SQLite an external-content FTS5 table (``sources_fts``) is created on first use
and kept in step at query time. Sources are insert-only (ids derive from content), so new rows
are appended by rowid; any other change (a deleted source) triggers a full rebuild. On
PostgreSQL the query uses ``to_tsvector('simple', …) @@ plainto_tsquery('simple', …)`` with
the ``simple`` configuration, because sources mix Ukrainian, Russian and English and a
language stemmer would mangle the other two. Without an expression index this is a sequential
scan; adding a GIN index is a migration's job.

The user's query is never passed to FTS5 as syntax: each word becomes a quoted phrase, so
``"``, ``NEAR`` or ``*`` in a query are searched as text and cannot raise a syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Double,
    Float,
    and_,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    text,
)

from frontlens.model import Source
from frontlens.store import schema
from frontlens.store.db import Store

_WORD = re.compile(r"\w+", re.UNICODE)
SNIPPET_CHARS = 160


@dataclass(slots=True)
class SearchHit:
    """One matching source, its rank (higher is better) and where the first term occurs."""

    source: Source
    rank: float
    snippet: str
    match_start: int | None
    match_end: int | None


def terms(query: str) -> list[str]:
    """The words of a query (letters and digits only): what both backends search for."""
    return _WORD.findall(query)


def _fts5_query(words: list[str]) -> str:
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def sync_sqlite_index(conn: Connection) -> None:
    """Create ``sources_fts`` if missing and bring it up to date with ``sources``."""
    conn.execute(text(
        "CREATE VIRTUAL TABLE IF NOT EXISTS sources_fts USING fts5(title, text, "
        "content='sources', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"))
    conn.execute(text(
        "CREATE TABLE IF NOT EXISTS sources_fts_state (k INTEGER PRIMARY KEY CHECK (k = 0), "
        "max_rowid INTEGER NOT NULL, n INTEGER NOT NULL)"))
    state = conn.execute(text("SELECT max_rowid, n FROM sources_fts_state")).first()
    max_rowid, n = (state[0], state[1]) if state else (0, 0)
    cur_max, cur_n = conn.execute(
        text("SELECT coalesce(max(rowid), 0), count(*) FROM sources")).one()
    if (cur_max, cur_n) == (max_rowid, n):
        return
    added = conn.execute(text("SELECT count(*) FROM sources WHERE rowid > :m"),
                         {"m": max_rowid}).scalar_one()
    if state is not None and n + added == cur_n:
        conn.execute(text("INSERT INTO sources_fts(rowid, title, text) "
                          "SELECT rowid, coalesce(title, ''), text FROM sources WHERE rowid > :m"),
                     {"m": max_rowid})
    else:  # first use, or sources were deleted: rebuild from the content table
        conn.execute(text("INSERT INTO sources_fts(sources_fts) VALUES ('rebuild')"))
    conn.execute(text("INSERT OR REPLACE INTO sources_fts_state (k, max_rowid, n) "
                      "VALUES (0, :m, :n)"), {"m": cur_max, "n": cur_n})


def rebuild_index(store: Store) -> None:
    """Rebuild the SQLite index from scratch (no-op on PostgreSQL, which indexes nothing)."""
    if store.engine.dialect.name != "sqlite":
        return
    with store.transaction() as conn:
        conn.execute(text("DROP TABLE IF EXISTS sources_fts"))
        conn.execute(text("DROP TABLE IF EXISTS sources_fts_state"))
        sync_sqlite_index(conn)


SEARCH_ORDER = [(column("rank", Float), True), (schema.sources.c.id, False)]
"""Hits by rank (higher first), then source id: the order of pages and of their cursors."""


def search_sources(store: Store, query: str, *, limit: int = 20, offset: int = 0,
                   after: tuple[float, str] | None = None, total: int | None = None
                   ) -> tuple[list[SearchHit], int]:
    """Sources matching every word of ``query``, best first, and the total number of matches;
    ``after``: only the hits after this (rank, source id), for keyset paging; ``total``: the
    count already known (counting scans every match), returned as is."""
    words = terms(query)
    if not words:
        return [], 0
    s = schema.sources
    if store.engine.dialect.name == "sqlite":
        with store.transaction() as conn:
            sync_sqlite_index(conn)
        match = _fts5_query(words)
        # bm25: lower is better; ties broken by source id, so every page has one order
        keyed = "WHERE score > :s OR (score = :s AND sid > :sid) " if after else ""
        hits = text(
            "SELECT rid, score FROM (SELECT f.rowid AS rid, bm25(sources_fts) AS score, "
            "sources.id AS sid FROM sources_fts AS f JOIN sources ON sources.rowid = f.rowid "
            f"WHERE sources_fts MATCH :q) {keyed}ORDER BY score, sid LIMIT :lim OFFSET :off"
        ).columns(literal_column("rid"), literal_column("score"))
        key = {"s": -after[0], "sid": after[1]} if after else {}
        with store.engine.connect() as conn:
            if total is None:
                total = conn.execute(text("SELECT count(*) FROM sources_fts WHERE sources_fts "
                                          "MATCH :q"), {"q": match}).scalar_one()
            ranked = conn.execute(hits, {"q": match, "lim": limit, "off": offset,
                                         **key}).all()
            rank_of = {r.rid: -float(r.score) for r in ranked}  # bm25: lower is better
            rows = conn.execute(
                select(s, literal_column("sources.rowid").label("_rid"))
                .where(literal_column("sources.rowid").in_(bindparam("ids", expanding=True))),
                {"ids": list(rank_of)}).all()
        found = [(dict(r._mapping), rank_of[r._rid]) for r in rows]
    else:
        doc = func.to_tsvector("simple", func.coalesce(s.c.title, "") + " " + s.c.text)
        tsq = func.plainto_tsquery("simple", " ".join(words))
        # float8: ts_rank is a float4, whose text form does not round-trip through a cursor
        score = cast(func.ts_rank(doc, tsq), Double)
        rank = score.label("_rank")
        q = select(s, rank).where(doc.op("@@")(tsq))
        if after:
            q = q.where(or_(score < after[0], and_(score == after[0], s.c.id > after[1])))
        with store.engine.connect() as conn:
            if total is None:
                total = conn.execute(
                    select(func.count()).select_from(s).where(doc.op("@@")(tsq))).scalar_one()
            rows = conn.execute(q.order_by(rank.desc(), s.c.id).limit(limit)
                                .offset(offset)).all()
        found = [(dict(r._mapping), float(r._rank)) for r in rows]
    out = []
    for row, hit_rank in found:
        row.pop("_rid", None)
        row.pop("_rank", None)
        src = Source.model_validate(row)
        start, end = _first_match(src.text, words)
        out.append(SearchHit(src, hit_rank, _snippet(src.text, start, end), start, end))
    out.sort(key=lambda h: (-h.rank, h.source.id))
    return out, int(total)


def _first_match(body: str, words: list[str]) -> tuple[int | None, int | None]:
    """The earliest whole-word occurrence of any query word in the text (case-insensitive)."""
    best: tuple[int, int] | None = None
    for w in words:
        m = re.search(r"(?<!\w)" + re.escape(w) + r"\w*", body, re.IGNORECASE)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), m.end())
    return best if best else (None, None)


def _snippet(body: str, start: int | None, end: int | None) -> str:
    """Plain text around the match (the client renders it as text, never as markup)."""
    if start is None or end is None:
        return " ".join(body[:SNIPPET_CHARS].split())
    lo = max(0, start - SNIPPET_CHARS // 2)
    hi = min(len(body), end + SNIPPET_CHARS // 2)
    return ("…" if lo else "") + " ".join(body[lo:hi].split()) + ("…" if hi < len(body) else "")
