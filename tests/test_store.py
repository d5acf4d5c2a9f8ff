"""Storage: the one data model maps onto the tables, writes are idempotent and transactional,
and the same code runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import inspect, text

from frontlens.model import (
    AreaClaim,
    ControlEvent,
    EquipmentLoss,
    MapFeature,
    MapLayer,
    Mention,
    Source,
    Statement,
)
from frontlens.store.db import TABLES, Store, current_revision, head_revision


def _source(text: str = "Ukrainian forces entered Balakliia.", **kw: object) -> Source:
    return Source(kind="text", origin="test", text=text, **kw)  # type: ignore[arg-type]


def test_every_model_field_is_a_column_and_back() -> None:
    for model, table in TABLES.items():
        assert set(model.model_fields) == set(table.columns.keys()), model.__name__


def test_source_id_is_stable_for_same_content_and_differs_otherwise() -> None:
    assert _source().id == _source().id
    assert _source().id != _source("Russian troops withdrew from Izium.").id
    tweet = dict(kind="tweet", origin="a", external_id="42", text="x")
    assert Source(**tweet, outlet="@a").id == Source(**tweet).id  # type: ignore[arg-type]


def test_source_text_is_normalised_before_hashing() -> None:
    a = _source("Куп\u0027янськ\r\nзвільнено")
    b = _source("Куп\u0027янськ\nзвільнено")
    assert a.text == b.text and a.id == b.id


def test_extracted_span_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="span end"):
        Mention(
            source_id="s",
            start=5,
            end=2,
            extractor="t",
            extractor_version="1",
            text="x",
            type="place",
        )


def test_unknown_fields_are_rejected_not_dropped() -> None:
    with pytest.raises(ValueError):
        Source(kind="text", origin="o", text="t", publishd_at="2022-09-09")  # type: ignore[call-arg]


def test_records_round_trip_through_the_database(store: Store) -> None:
    src = _source(
        published_at=datetime(2022, 9, 9, 18, 30, tzinfo=timezone(timedelta(hours=3))),
        media=["https://example.org/p.jpg"],
        meta={"k": [1, "два"]},
    )
    prov = dict(source_id=src.id, start=0, end=10, extractor="test", extractor_version="0")
    layer = MapLayer(name="l", origin="o", layer_date=date(2022, 9, 6), content_hash="ab" * 32)
    records = [
        src,
        Mention(**prov, text="Balakliia", type="place", candidates=["gn:1", "gn:2"]),
        Statement(
            **prov,
            speaker="Spokesman",
            quote="We withdrew",
            direct=True,
            against_interest=True,
            side="RU",
        ),
        ControlEvent(
            **prov,
            place_name="Balakliia",
            action="liberated",
            new_controller="UA",
            event_date=date(2022, 9, 8),
            time_precision="day",
        ),
        EquipmentLoss(
            **prov,
            model_text="T-72B3",
            fate="captured",
            count=2,
            evidence_urls=["https://example.org/a.jpg"],
        ),
        AreaClaim(**prov, value_km2=1000.0, raw_value=1000, raw_unit="km2", qualifier="more_than"),
        layer,
        MapFeature(layer_id=layer.id, idx=0, geometry={"type": "Point", "coordinates": [36, 49]}),
    ]
    with store.transaction() as conn:
        assert store.insert_new(conn, records) == (len(records), 0)
    for rec in records:
        if hasattr(rec, "id") and rec.id:
            assert store.get(type(rec), rec.id) == rec
    got = store.get(Source, src.id)
    assert got is not None and got.published_at == datetime(2022, 9, 9, 15, 30, tzinfo=UTC)
    assert [m.text for m in store.records_for(Mention, src.id)] == ["Balakliia"]


def test_inserting_the_same_records_twice_adds_nothing(store: Store) -> None:
    recs = [_source(), _source("Second report."), _source()]
    with store.transaction() as conn:
        assert store.insert_new(conn, recs) == (2, 1)
    with store.transaction() as conn:
        assert store.insert_new(conn, recs) == (0, 3)
    assert store.counts()["sources"] == 2


def test_failed_transaction_leaves_stored_data_untouched(store: Store) -> None:
    with store.transaction() as conn:
        store.insert_new(conn, [_source("kept")])
    before = store.counts()
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.insert_new(conn, [_source("lost 1"), _source("lost 2")])
        raise RuntimeError("crash mid-batch")
    assert store.counts() == before


def test_new_database_is_migrated_to_head(store: Store) -> None:
    assert current_revision(store.engine) == head_revision()
    names = set(inspect(store.engine).get_table_names())
    assert {t.name for t in TABLES.values()} <= names


def test_list_sources_filters_and_orders_newest_first(store: Store) -> None:
    older = _source("old", published_at=datetime(2022, 9, 6, tzinfo=UTC), language="en")
    newer = _source("new", published_at=datetime(2022, 9, 9, tzinfo=UTC), language="uk")
    with store.transaction() as conn:
        store.insert_new(conn, [older, newer])
    assert [s.text for s in store.list_sources()] == ["new", "old"]
    assert [s.text for s in store.list_sources(language="en")] == ["old"]
    assert store.find_sources(newer.id[:10])[0].id == newer.id


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    with Store(sqlite_url) as s, s.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def _stub_store(db_url: str, n: int) -> Store:
    """``n`` stub sources with hashed ids (the id order is not the insert order, as with real
    sources): 8 in 10 extracted by ("rules", "1"), 1 by an older version, 1 not at all."""
    import hashlib

    from sqlalchemy import insert

    from frontlens.store import schema

    store = Store(db_url)
    now = datetime.now(UTC)
    ids = [hashlib.sha1(str(i).encode()).hexdigest()[:20] for i in range(n)]
    with store.engine.begin() as conn:
        for a in range(0, n, 20_000):
            part = range(a, min(n, a + 20_000))
            conn.execute(insert(schema.sources), [
                {"id": ids[i], "kind": "text", "origin": "stub", "retrieved_at": now,
                 "content_hash": "h", "text": "t", "media": [], "meta": {}} for i in part])
            conn.execute(insert(schema.extractions), [
                {"source_id": ids[i], "extractor": "rules", "version": "0" if i % 10 else "1",
                 "status": "ok", "n_records": 0, "processed_at": now}
                for i in part if i % 10 != 1])
        conn.execute(text("ANALYZE"))
    return store


def test_pending_sources_page_costs_the_same_anywhere_in_a_100k_store(db_url: str) -> None:
    """The page query's plan at 100k stub sources, from the first page and from deep ones:
    a walk of the sources' key from the cursor, checked against the extractions' covering
    index (SQLite) or a merge anti join of two index ranges both starting at the cursor
    (PostgreSQL), never a scan of every extraction, a sort, or a list of every done id."""
    import json

    from frontlens.store.db import pending_query

    n, limit = 100_000, 500
    store = _stub_store(db_url, n)
    with store.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM sources ORDER BY id"))]
        for after in ("", ids[n // 2], ids[n - 20 * limit]):
            q = pending_query("rules", "0", after=after, limit=limit)
            got = [r[0] for r in conn.execute(q.with_only_columns(q.selected_columns.id))]
            assert len(got) == limit and got[0] > after
            sql = str(q.compile(store.engine, compile_kwargs={"literal_binds": True}))
            if store.engine.dialect.name == "sqlite":
                plan = " | ".join(str(r[-1]) for r in
                                  conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
                assert ("SEARCH extractions USING COVERING INDEX "
                        "ux_extractions_source_extractor_version") in plan, plan
                assert "SEARCH sources USING" in plan, plan  # a walk of the key from `after`
                for bad in ("SCAN extractions", "SCAN sources", "LIST SUBQUERY", "TEMP B-TREE"):
                    assert bad not in plan, plan
                continue
            raw = conn.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)).scalar_one()
            root = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
            nodes, stack = [], [root]
            while stack:
                node = stack.pop()
                nodes.append(node)
                stack.extend(node.get("Plans", []))
            kinds = {node["Node Type"] for node in nodes}
            assert not kinds & {"Seq Scan", "Sort", "Hash", "Bitmap Heap Scan"}, kinds
            read = sum(node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                       for node in nodes if node.get("Relation Name") == "extractions")
            assert read <= 12 * limit, (after, read)  # a page's neighbourhood, not 90k rows
    store.close()


def test_parallel_ingests_of_overlapping_inputs_into_a_fresh_database_all_succeed(
        db_url: str, tmp_path: Any) -> None:
    """Eight processes open one new database at once (the migration is serialised) and store
    overlapping files (the check-then-insert race ends in ON CONFLICT DO NOTHING)."""
    import os
    import subprocess
    import sys

    files = []
    for k in range(6):
        p = tmp_path / f"in{k}" / "note.txt"
        p.parent.mkdir()
        p.write_text(f"Fighting near Kupiansk, report {k}.", encoding="utf-8")
        files.append(str(p))
    url = db_url if not db_url.startswith("sqlite") else f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {**os.environ, "FRONTLENS_DB": url}
    cmd = [sys.executable, "-m", "frontlens.cli", "ingest"]
    procs = [subprocess.Popen([*cmd, *files[i % 3 : i % 3 + 4]], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for i in range(8)]
    results = [(p.wait(timeout=240), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(rc == 0 for rc, _ in results), results
    store = Store(url)
    assert store.counts()["sources"] == 6


def test_an_older_database_is_migrated_with_its_data_and_a_newer_one_refused(
        db_url: str) -> None:
    from frontlens.store.db import StoreError, upgrade

    old = Store(db_url, migrate=False)
    upgrade(old.engine, "0004")  # the schema of an earlier release
    src = Source(kind="text", origin="old.txt", text="Fighting near Kupiansk.")
    with old.transaction() as conn:
        conn.execute(text("INSERT INTO sources (id, kind, origin, retrieved_at, content_hash, "
                          "text, media, meta) VALUES (:id, 'text', 'old.txt', :t, :h, :x, "
                          "'[]', '{}')"), {"id": src.id, "t": src.retrieved_at,
                                           "h": src.content_hash, "x": src.text})
    old.close()
    store = Store(db_url)
    assert current_revision(store.engine) == head_revision()
    assert store.get(Source, src.id) is not None and store.counts()["evidence"] == 0
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreError, match="newer than this frontlens knows"):
        Store(db_url)
    with Store(db_url, migrate=False).engine.connect() as conn:  # left untouched
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"


def test_migrations_build_the_tables_schema_py_declares_with_lists_indexes_newest_first(
        db_url: str) -> None:
    """Every table, column and index of schema.py, as the migrations leave them (alembic's
    comparison does not see an index column's direction, so that is read back on its own);
    0015 steps down to 0014's indexes and back up with the rows kept."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from frontlens.store import schema, spatial
    from frontlens.store.db import _alembic_config

    store = Store(db_url)
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False,
                                                     "include_object": spatial.include_object})
        assert compare_metadata(ctx, schema.metadata) == []
    names = ("ix_sources_published", "ix_sources_language_published",
             "ix_sources_kind_published", "ix_sources_outlet_published")
    pg = store.engine.dialect.name == "postgresql"
    if pg:
        found = {ix["name"]: ix for ix in inspect(store.engine).get_indexes("sources")}
        for name in names:
            assert found[name]["column_sorting"] == {"published_at": ("desc", "nulls_last")}
    else:
        with store.engine.connect() as conn:
            ddl = dict(conn.execute(text("SELECT name, sql FROM sqlite_master "
                                         "WHERE tbl_name = 'sources' AND type = 'index'")).all())
        for name in names:
            assert "published_at DESC, id)" in ddl[name], ddl[name]
    src = _source(published_at=datetime(2022, 9, 9, tzinfo=UTC), language="uk")
    with store.transaction() as conn:
        store.insert_new(conn, [src])
        store.insert_new(conn, [Mention(source_id=src.id, start=25, end=34, text="Balakliia",
                                        type="place", extractor="t", extractor_version="1")])
    cfg = _alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0014")
        assert "ix_mentions_source_id" in {ix["name"] for ix in inspect(conn).get_indexes(
            "mentions")}
        command.upgrade(cfg, "head")
    assert [s.id for s in store.list_sources(language="uk")] == [src.id]
    assert len(store.records_for(Mention, src.id)) == 1
    store.close()
