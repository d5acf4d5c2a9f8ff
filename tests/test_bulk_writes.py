"""Bulk writes: PostgreSQL's COPY path stores exactly what one INSERT per row stores (and what
SQLite stores), stays idempotent, skips keys a parallel writer stored, and fails as SQLAlchemy
errors so callers still tell a lost database from a bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import PG_URL
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from frontlens.config import Settings
from frontlens.ingest import ingest_inputs
from frontlens.model import ControlEvent, EquipmentLoss, Extraction, Mention, Source
from frontlens.store import db as store_db
from frontlens.store import schema
from frontlens.store.db import TABLES, Store, write_rows

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not PG_URL, reason="FRONTLENS_TEST_PG_URL unset")]

ODD = ["tab\there", "back\\slash \\N not null", "line\nbreak", 'quote " and \'', "Бахмут 𝕏 ✓",
       "\\.", "comma, semicolon; pipe|"]


def _export(path: Path, n: int) -> Path:
    msgs = []
    for i in range(n):
        msg: dict[str, Any] = {"id": i + 1, "type": "message",
                               "date": f"2023-05-0{1 + i % 9}T10:00:00", "from": f"chan {i % 7}",
                               "text": f"{ODD[i % len(ODD)]} Бахмут {i}" if i % 3 else
                               [f"Bakhmut {i} ", {"type": "text_link", "text": "link",
                                                  "href": f"https://t.me/x/{i}"}]}
        if i % 4 == 0:
            msg["photo"] = f"photos/{i}.jpg"
        if i % 5 == 0:
            msg["forwarded_from"] = "Other \\ channel"
        msgs.append(msg)
    msgs.append({**msgs[0], "id": 10_000})  # same text under another id: a second source
    path.mkdir(parents=True, exist_ok=True)
    (path / "result.json").write_text(json.dumps({"name": "bulk", "type": "public_channel",
                                                  "id": 7, "messages": msgs}), "utf-8")
    return path / "result.json"


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every record table, without the ingest clock, as comparable tuples."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with Store(url, migrate=False) as store, store.engine.connect() as conn:
        for table in TABLES.values():
            cols = [c for c in table.columns if c.name not in ("retrieved_at", "processed_at")]
            rows = conn.execute(select(*cols)).all()  # sorted here: collations differ
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def _results(store: Store) -> list[tuple[Extraction, list[Any]]]:
    out = []
    for src in store.list_sources(limit=1000):
        prov = {"source_id": src.id, "start": 0, "end": 4, "extractor": "t",
                "extractor_version": "1"}
        recs = [Mention(**prov, text=src.text[:4], type="place", candidates=["gn:1"]),
                ControlEvent(**prov, place_name=src.text[:4], action="captured",
                             new_controller="RU", event_date=date(2023, 5, 20),
                             time_precision="day"),
                EquipmentLoss(**prov, model_text="T-72B3", fate="destroyed",
                              evidence_urls=["https://x/a\\b"])]
        out.append((Extraction(source_id=src.id, extractor="t", version="1", status="ok",
                               n_records=len(recs)), recs))
    return out


def _fill(url: str, tmp_path: Path) -> int:
    """Ingest the export and store extraction results for its sources; returns sources added."""
    export = tmp_path / "in" / "result.json"
    if not export.exists():
        _export(export.parent, 180)
    with Store(url) as store:
        report = ingest_inputs(store, [str(export)], Settings(db=url, batch_size=100,
                                                             evidence_max_bytes=0))
        assert report.errors == []
        with store.transaction() as conn:
            store.replace_extractions(conn, _results(store))
    return report.added


def test_copy_path_stores_the_rows_insert_stores_on_both_databases(
        tmp_path: Path, sqlite_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(pg_url, tmp_path)  # batches of 100 sources, 181 runs, 543 records: COPY
    copied = _rows(pg_url)
    _fill(sqlite_url, tmp_path)
    with Store(pg_url, migrate=False) as store, store.transaction() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            if table in TABLES.values():
                conn.execute(table.delete())
    monkeypatch.setattr(store_db, "COPY_MIN_ROWS", 10**9)  # one INSERT per row
    _fill(pg_url, tmp_path)
    assert copied["sources"] and copied["control_events"]
    assert copied == _rows(pg_url)
    sqlite = _rows(sqlite_url)
    for name in copied:  # SQLite stores the same records (its JSON columns read back alike)
        assert sqlite[name] == copied[name], name


def test_copy_path_is_idempotent_and_skips_keys_a_parallel_writer_stored(
        tmp_path: Path, pg_url: str) -> None:
    assert _fill(pg_url, tmp_path) == 181
    before = _rows(pg_url)
    assert _fill(pg_url, tmp_path) == 0  # again: nothing new
    assert _rows(pg_url) == before
    with Store(pg_url, migrate=False) as store:
        stored = store.list_sources(limit=60)
        fresh = [Source(kind="text", origin="o", text=f"new {i}") for i in range(60)]
        rows = [s.model_dump() for s in stored + fresh]  # as if the existence check raced
        with store.transaction() as conn:
            write_rows(conn, schema.sources, rows)
            write_rows(conn, schema.sources, rows)  # the staging table is emptied each time
        assert store.counts()["sources"] == 181 + 60


def test_copy_errors_are_sqlalchemy_errors_and_roll_back(tmp_path: Path, pg_url: str) -> None:
    with Store(pg_url) as store:
        sources = [Source(kind="text", origin="o", text=f"s {i}") for i in range(61)]
        with store.transaction() as conn:
            store.insert_new(conn, sources)
        rows = [Extraction(source_id=s.id, extractor="t", version="1", status="ok").model_dump()
                for s in sources[1:]]
        with store.transaction() as conn:
            write_rows(conn, schema.extractions, rows, ignore=False)
        with pytest.raises(IntegrityError), store.transaction() as conn:
            write_rows(conn, schema.extractions,
                       [Extraction(source_id=sources[0].id, extractor="t", version="1",
                                   status="ok").model_dump(), *rows], ignore=False)
        assert store.counts()["extractions"] == 60
