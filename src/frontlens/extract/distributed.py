"""Extraction on a Dask cluster: the client pages pending source ids, workers extract.

Each task is one partition of source ids. A worker opens the shared database itself (one
``Store`` per worker process, kept between tasks), reads the partition's sources, runs the
same ``RuleExtractor`` as the laptop path (its language models load once per worker process)
and writes the results in one transaction with ``replace_extractions``. A retried partition
deletes and rewrites the same records, so retries never duplicate; a worker killed mid-task
loses only its uncommitted partition, which the next run finds still pending. The client
holds only ids and counts.

    frontlens extract --engine dask                       # a LocalCluster sized to this machine
    frontlens extract --engine dask --scheduler tcp://host:8786

Needs the ``dask`` extra (``pip install 'frontlens[dask]'``); every worker must reach the
database URL (PostgreSQL for several machines; a SQLite file works for a LocalCluster).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from frontlens.extract.pipeline import EXTRACTOR_NAME, EXTRACTOR_VERSION, ExtractReport
from frontlens.store import schema
from frontlens.store.db import Store, pending_query

_STORES: dict[str, Store] = {}


def _worker_store(url: str, lock_timeout: float) -> Store:
    store = _STORES.get(url)
    if store is None:
        store = _STORES[url] = Store(url, migrate=False, lock_timeout=lock_timeout)
    return store


def extract_partition(url: str, ids: list[str], lock_timeout: float = 30.0) -> dict[str, Any]:
    """Run on a worker: extract and store one partition; returns counts for the client."""
    from frontlens.extract.pipeline import RuleExtractor

    store = _worker_store(url, lock_timeout)
    sources = sorted(store.sources_by_id(ids), key=lambda s: s.id)
    results = list(RuleExtractor().extract(sources))
    with store.transaction() as conn:
        store.replace_extractions(conn, [(r.run, r.records) for r in results])
    by_status: dict[str, int] = {}
    problems = []
    for r in results:
        by_status[r.run.status] = by_status.get(r.run.status, 0) + 1
        if r.run.reason:
            problems.append(f"{r.run.source_id}: {r.run.status}: {r.run.reason}")
    return {"processed": len(results), "records": sum(len(r.records) for r in results),
            "by_status": by_status, "problems": problems}


def _pending_ids(store: Store, since: datetime | None, size: int) -> Iterator[list[str]]:
    after = ""
    with store.engine.connect() as conn:
        while True:
            q = pending_query(EXTRACTOR_NAME, EXTRACTOR_VERSION, since=since, limit=size,
                              after=after).with_only_columns(schema.sources.c.id)
            ids = [r[0] for r in conn.execute(q)]
            if not ids:
                return
            after = ids[-1]
            yield ids


def run_extract_dask(
    store: Store,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    since: datetime | None = None,
    batch_size: int = 64,
    lock_timeout: float = 30.0,
    on_batch: Callable[[int], None] | None = None,
    on_start: Callable[[str], None] | None = None,
) -> ExtractReport:
    """Extract every pending source on a Dask cluster (``scheduler``) or on a LocalCluster of
    ``workers`` single-threaded processes (default: one per core)."""
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        n = workers or os.cpu_count() or 1
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address="127.0.0.1:0", silence_logs=40)
        client = Client(cluster)
    report = ExtractReport()
    try:
        if on_start is not None:
            on_start(str(client.dashboard_link))
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        window = 2 * n_workers  # at most two partitions per worker in flight
        parts = _pending_ids(store, since, batch_size)
        running = as_completed()
        for ids in parts:
            running.add(client.submit(extract_partition, store.url, ids, lock_timeout,
                                      pure=False, retries=2))
            if running.count() >= window:
                _collect(next(running), report, on_batch)
        for fut in running:
            _collect(fut, report, on_batch)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return report


def _collect(fut: Any, report: ExtractReport, on_batch: Callable[[int], None] | None) -> None:
    got = fut.result()
    report.processed += got["processed"]
    report.records += got["records"]
    for k, v in got["by_status"].items():
        report.by_status[k] = report.by_status.get(k, 0) + v
    report.problems.extend(got["problems"])
    if on_batch is not None:
        on_batch(got["processed"])
