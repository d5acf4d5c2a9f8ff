"""Extraction on a Dask LocalCluster gives the same records as the single-process run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from frontlens.config import Settings
from frontlens.extract.pipeline import run_extract
from frontlens.ingest import ingest_inputs
from frontlens.model import EXTRACTED_TYPES
from frontlens.store.db import TABLES, Store

pytest.importorskip("dask.distributed")

ROOT = Path(__file__).resolve().parents[1]


def _records(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every extracted record, as its model's JSON (the same on SQLite and PostgreSQL)."""
    out = {}
    with store.engine.connect() as conn:
        for model in EXTRACTED_TYPES:
            rows = [model.model_validate(dict(r._mapping)).model_dump(mode="json")
                    for r in conn.execute(select(TABLES[model]))]
            out[model.__name__] = sorted(rows, key=lambda d: d["id"])
    return out


def _stored(url: str, tmp_path: Path, name: str) -> Store:
    store = Store(url)
    settings = Settings(db=url, evidence_dir=str(tmp_path / f"ev-{name}"))
    batch = ingest_inputs(store, [str(ROOT / "sample" / "articles"),
                                  str(ROOT / "sample" / "telegram")], settings)
    assert not batch.errors
    return store


def test_dask_local_cluster_extracts_the_same_records_as_one_process(
        db_url: str, tmp_path: Path) -> None:
    """The reference runs in one process on SQLite; the cluster writes to ``db_url``."""
    from frontlens.extract.distributed import run_extract_dask

    one = _stored(f"sqlite:///{tmp_path / 'one.db'}", tmp_path, "one")
    run_extract(one, batch_size=8)
    two = _stored(db_url, tmp_path, "two")
    links: list[str] = []
    report = run_extract_dask(two, workers=2, batch_size=8, on_start=links.append)
    assert report.processed == two.counts()["sources"] and report.records > 0
    assert links and links[0].startswith("http")
    expected = _records(one)
    assert sum(len(v) for v in expected.values()) > 0
    assert _records(two) == expected
    # a second run finds nothing pending: no partition is extracted twice
    again = run_extract_dask(two, workers=2, batch_size=8)
    assert again.processed == 0 and _records(two) == expected


def test_dask_ingest_stores_what_one_process_stores(db_url: str, tmp_path: Path) -> None:
    from frontlens.extract.distributed import run_ingest_dask

    inputs = [str(ROOT / "sample" / "articles"), str(ROOT / "sample" / "telegram")]
    one = Store(f"sqlite:///{tmp_path / 'one.db'}")
    ingest_inputs(one, inputs, Settings(db=one.url, evidence_dir=str(tmp_path / "e1")))
    two = Store(db_url)
    settings = Settings(db=db_url, evidence_dir=str(tmp_path / "e2"))
    batch = run_ingest_dask(two, inputs, settings, workers=2)
    assert not batch.errors and batch.added == one.counts()["sources"]
    ids = sorted(s.id for s in one.list_sources(limit=1000))
    assert sorted(s.id for s in two.list_sources(limit=1000)) == ids
    again = run_ingest_dask(two, inputs, settings, workers=2)  # idempotent on a cluster too
    assert again.added == 0 and two.counts()["sources"] == len(ids)


def test_dask_local_cluster_fuses_the_same_tables_as_one_process(db_url: str,
                                                                  tmp_path: Path) -> None:
    """A rebuild's partitions computed on a 2-worker LocalCluster (each shipped with only the
    sources, copy links and concessions it cites) write, row by row, the tables and copy-finder
    state of the single-process rebuild of the same store; the CLI's --engine dask too."""
    from test_fuse_incremental import state_tables
    from test_fuse_streaming import fused_tables, generated

    from frontlens.extract.distributed import run_fusion_dask
    from frontlens.fuse.picture import run_fusion

    store = Store(db_url)
    with store.transaction() as conn:
        store.insert_new(conn, generated(240))
    ref = run_fusion(store, full=True)  # the reference, then the cluster rewrites every row
    expected, state = fused_tables(store), state_tables(store)
    assert sum(len(v) for v in expected.values()) > 100
    links: list[str] = []
    got = run_fusion_dask(store, workers=2, full=True, on_start=links.append)
    assert links and links[0].startswith("http")
    assert got.mode == "full" and got.events == ref.events and got.graded == ref.graded
    assert got.recomputed == ref.recomputed and got.evidence == ref.evidence
    assert fused_tables(store) == expected
    assert state_tables(store) == state
    store.close()
