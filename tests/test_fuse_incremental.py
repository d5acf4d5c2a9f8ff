"""Incremental fusion writes exactly what a full rebuild writes.

A generated store full of copies (reposts, rewrites, forwards, quoted tweets, translations)
is fed in batches; after each, ``run_fusion`` recomputes only the blocks the batch touches,
and every fused table — and the copy finder's stored state — equals, row by row, what a
rebuild of the same store then writes. Batches in publication order (the live case), batches
that land among older sources (a backfill: the later sources are relinked), and a source
re-extracted with different claims.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from test_fuse_streaming import fused_tables, generated

from frontlens.fuse.picture import run_fusion
from frontlens.model import ControlEvent, Extraction, Record, Source
from frontlens.store import schema
from frontlens.store.db import Store


def by_source(records: list[Record]) -> list[list[Record]]:
    """Each source with its records (generated() lists a source, then what points into it)."""
    out: list[list[Record]] = []
    for r in records:
        if isinstance(r, Source):
            out.append([r])
        else:
            out[-1].append(r)
    return out


def state_tables(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        return {t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
                for t in (schema.fusion_sources, schema.fusion_bands)}


def assert_equals_rebuild(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    got, state = fused_tables(store), state_tables(store)
    rebuilt = run_fusion(store, full=True)
    assert rebuilt.mode == "full"
    assert fused_tables(store) == got
    assert state_tables(store) == state
    return got


def feed(store: Store, groups: list[list[Record]], batches: int) -> list[Any]:
    reports = []
    size = -(-len(groups) // batches)
    for lo in range(0, len(groups), size):
        with store.transaction() as conn:
            store.insert_new(conn, [r for g in groups[lo : lo + size] for r in g])
        reports.append(run_fusion(store))
        assert_equals_rebuild(store)
    return reports


def test_batches_in_publication_order_fuse_incrementally_to_the_rebuilt_tables(
        store: Store) -> None:
    groups = sorted(by_source(generated(240)), key=lambda g: (g[0].published_at, g[0].id))
    reports = feed(store, groups, 8)
    assert reports[0].mode == "full"
    assert [r.mode for r in reports[1:]] == ["incremental"] * 7
    total = len({r[0] for r in fused_tables(store)["control_states"]})
    assert all(r.recomputed["places"] > 0 for r in reports[1:])
    assert all(r.records["sources"] <= len(groups) // 8 + 1 for r in reports[1:])
    got = fused_tables(store)
    methods = {r[3] for r in got["source_duplicates"]}
    assert {"exact", "minhash", "forward", "quote", "translation"} <= methods
    assert total and got["contradictions"]


def test_a_backfill_among_older_sources_relinks_them_and_equals_a_rebuild(store: Store) -> None:
    groups = by_source(generated(200, seed=5))  # random publication times: each batch interleaves
    reports = feed(store, groups, 5)
    assert [r.mode for r in reports[1:]] == ["incremental"] * 4
    assert any(r.records["sources"] > 40 for r in reports[1:])  # later sources relinked


def test_a_re_extracted_source_refuses_the_blocks_it_left_and_joined(store: Store) -> None:
    groups = sorted(by_source(generated(120, seed=9)), key=lambda g: g[0].published_at)
    with store.transaction() as conn:
        store.insert_new(conn, [r for g in groups for r in g])
        run = [Extraction(source_id=g[0].id, extractor="t", version="0", status="ok",
                             processed_at=datetime(2022, 1, 1, tzinfo=UTC)) for g in groups]
        store.insert_new(conn, run)
    run_fusion(store)
    victim = next(g for g in groups[: len(groups) // 2]
                  if any(isinstance(r, ControlEvent) and r.place_id for r in g))
    src = victim[0]
    gone = [r for r in victim if isinstance(r, ControlEvent)]
    redone = ControlEvent(source_id=src.id, start=0, end=5, extractor="t", extractor_version="1",
                          place_id="geonames:999", place_name="Nowhere", action="liberated",
                          new_controller="UA", claimed_by="UA",
                          event_date=src.published_at.date(), time_precision="day")
    ce, x = schema.control_events, schema.extractions
    with store.transaction() as conn:
        conn.execute(delete(ce).where(ce.c.id.in_([r.id for r in gone])))
        conn.execute(delete(x).where(x.c.source_id == src.id))
        store.insert_new(conn, [redone, Extraction(
            source_id=src.id, extractor="t", version="1", status="ok",
            processed_at=datetime.now(UTC) + timedelta(seconds=1))])
    rep = run_fusion(store)
    assert rep.mode == "incremental"
    got = assert_equals_rebuild(store)
    places = {r[2] for r in got["events"]}
    assert "geonames:999" in places
    assert rep.recomputed["places"] >= len({r.place_id or r.place_name for r in gone}) + 1


def test_nothing_new_recomputes_nothing(store: Store) -> None:
    with store.transaction() as conn:
        store.insert_new(conn, generated(60))
    run_fusion(store)
    before = fused_tables(store)
    rep = run_fusion(store)
    assert rep.mode == "incremental" and rep.recomputed == {"places": 0, "equipment": 0,
                                                             "statements": 0}
    assert fused_tables(store) == before


def test_a_changed_reliability_table_forces_a_rebuild(store: Store) -> None:
    from frontlens.fuse.confidence import ReliabilityTable

    with store.transaction() as conn:
        store.insert_new(conn, generated(40))
    run_fusion(store)
    table = ReliabilityTable.parse("pattern,reliability,category,side,note\n"
                                   "outlet 1,A,wire,unknown,\n*,F,unknown,unknown,\n")
    rep = run_fusion(store, table=table)
    assert rep.mode == "full" and any("reliability" in n for n in rep.notes)


def test_a_translation_of_a_source_fused_in_an_earlier_run_is_linked_to_it(store: Store) -> None:
    t0 = datetime(2022, 9, 10, 8, tzinfo=UTC)

    def report(lang: str, text: str, when: datetime) -> list[Record]:
        s = Source(kind="article", origin="test", text=text, outlet=f"outlet {lang}",
                   language=lang, published_at=when)
        common = {"source_id": s.id, "start": 0, "end": 5, "extractor": "t",
                  "extractor_version": "0"}
        recs: list[Record] = [s]
        for gid, name, action, ctl in (("geonames:712451", "Izium", "liberated", "UA"),
                                       ("geonames:706483", "Kharkiv", "held", "UA")):
            recs.append(ControlEvent(**common, place_id=gid, place_name=name, action=action,
                                     new_controller=ctl, claimed_by="UA",
                                     event_date=t0.date(), time_precision="day"))
        from frontlens.model import EquipmentLoss

        recs += [EquipmentLoss(**common, catalog_type=t, model_text=t, side="RU",
                               fate="destroyed") for t in ("T-72B3", "BMP-2")]
        return recs

    with store.transaction() as conn:
        store.insert_new(conn, report("en", "Ukrainian forces liberated Izium; two Russian "
                                            "vehicles destroyed.", t0))
    run_fusion(store)
    with store.transaction() as conn:
        store.insert_new(conn, report("uk", "Українські сили звільнили Ізюм; знищено дві "
                                            "російські машини.", t0 + timedelta(hours=10)))
    rep = run_fusion(store)
    assert rep.mode == "incremental" and rep.duplicates == {"translation": 1}
    assert_equals_rebuild(store)


def test_cli_fuse_says_how_many_places_it_recomputed_and_full_rebuilds(sqlite_url: str) -> None:
    from typer.testing import CliRunner

    from frontlens.cli import app

    groups = sorted(by_source(generated(80, seed=11)), key=lambda g: g[0].published_at)
    with Store(sqlite_url) as st, st.transaction() as conn:
        st.insert_new(conn, [r for g in groups[:60] for r in g])
    run = CliRunner().invoke
    first = run(app, ["--db", sqlite_url, "fuse"])
    assert first.exit_code == 0 and first.output.startswith("full: ")
    assert "note: full rebuild: no earlier fusion" in first.output
    with Store(sqlite_url) as st, st.transaction() as conn:
        st.insert_new(conn, [r for g in groups[60:] for r in g])
    second = run(app, ["--db", sqlite_url, "fuse"])
    assert second.exit_code == 0
    line = second.output.splitlines()[0]
    assert line.startswith("incremental: ") and " places" in line and "from 20 sources" in line
    again = run(app, ["--db", sqlite_url, "fuse", "--full"])
    assert again.output.startswith("full: ") and "note: full rebuild: --full" in again.output
