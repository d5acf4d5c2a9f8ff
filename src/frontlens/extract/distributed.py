"""Extraction (and ingest) on a Dask cluster: the client hands out work, workers do it.

Each task is one partition of source ids. A worker opens the shared database itself (one
``Store`` per worker process, kept between tasks), reads the partition's sources, runs the
same ``RuleExtractor`` as the laptop path (its language models load once per worker process;
the front line of the stored control maps and each source's channel area resolve places, as
there; issue 14) and writes the results in one transaction with ``replace_extractions``. A
retried partition deletes and rewrites the same records, so retries never duplicate; a worker
killed mid-task loses only its uncommitted partition, which the next run finds still pending.
The client holds only ids and counts.

    frontlens extract --engine dask                       # a LocalCluster sized to this machine
    frontlens extract --engine dask --scheduler tcp://host:8786
    frontlens ingest --engine dask FOLDER                 # one task per input file
    frontlens fuse --full --engine dask                   # a rebuild's partitions on workers

Ingest runs one input per task through the same ``ingest_one`` (one transaction per input);
parallel writers are safe (``INSERT … ON CONFLICT DO NOTHING``, serialised migration).

A fusion rebuild on Dask (``run_fusion_dask``) keeps reading, copy linking and writing in the
client (one transaction, as always) and sends each partition of claims (by place key,
equipment type or speaker and quote) with the source facts, copy links and concessions it
cites to a worker, which returns its rows; the rows equal the single-process rebuild's.

Needs the ``dask`` extra (``pip install 'frontlens[dask]'``); every worker must reach the
database URL (PostgreSQL for several machines; a SQLite file works for a LocalCluster).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from frontlens.extract.pipeline import EXTRACTOR_NAME, EXTRACTOR_VERSION, ExtractReport
from frontlens.store import schema
from frontlens.store.db import Store, pending_query

_STORES: dict[str, Store] = {}
_FRONTS: dict[str, Any] = {}


def _worker_store(url: str, lock_timeout: float) -> Store:
    store = _STORES.get(url)
    if store is None:
        if not _STORES:  # a worker's first task: its native pools get one thread too (Dask's
            from frontlens import limit_loaded_native_threads  # nanny sets the variables,

            limit_loaded_native_threads()  # a worker started otherwise may not)
        store = _STORES[url] = Store(url, migrate=False, lock_timeout=lock_timeout)
    return store


def _worker_front(url: str, store: Store) -> Any:
    """The store's front for the front-line prior, kept between tasks while the stored layers
    stay the same (layers are built as texts ask; a new ingested layer starts a new one)."""
    from frontlens.resolve.frontline import Front

    fresh = Front.from_store(store)
    key = fresh.key if fresh is not None else ()
    old = _FRONTS.get(url)
    if old is not None and old.key == key:
        return old
    _FRONTS[url] = fresh
    return fresh


def extract_partition(url: str, ids: list[str], lock_timeout: float = 30.0,
                      started: datetime | None = None) -> dict[str, Any]:
    """Run on a worker: extract and store one partition; returns counts for the client.
    ``started``: when the run began (channel histories are what was processed before)."""
    from frontlens.extract.pipeline import RuleExtractor
    from frontlens.resolve.channel import ChannelAreas

    store = _worker_store(url, lock_timeout)
    sources = sorted(store.sources_by_id(ids), key=lambda s: s.id)
    channels = ChannelAreas(store, EXTRACTOR_NAME, EXTRACTOR_VERSION,
                            started or datetime.now(UTC)).for_sources(sources)
    results = list(RuleExtractor(_worker_front(url, store)).extract(sources, channels))
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


def ingest_input(url: str, raw: Any, settings: Any, fmt_name: str | None,
                 default_date: Any, lock_timeout: float) -> Any:
    """Run on a worker: ingest one input into the shared database; returns its report."""
    from frontlens.ingest.pipeline import ingest_one

    store = _worker_store(url, lock_timeout)
    return ingest_one(store, raw, settings, fmt_name, None, default_date)


def _client(scheduler: str | None, workers: int | None) -> tuple[Any, Any]:
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address="127.0.0.1:0", silence_logs=40)
    return Client(cluster), cluster


def run_ingest_dask(store: Store, inputs: list[str], settings: Any, *,
                    scheduler: str | None = None, workers: int | None = None,
                    fmt_name: str | None = None, default_date: Any = None,
                    on_input: Callable[[Any], None] | None = None,
                    on_start: Callable[[str], None] | None = None) -> Any:
    """Ingest every input on a Dask cluster, one task per input (files and fetched URLs as
    the laptop path expands them); a BatchReport like ``ingest_inputs``'s."""
    from dask.distributed import as_completed

    from frontlens.ingest.base import IngestError
    from frontlens.ingest.pipeline import BatchReport, InputReport, expand

    client, cluster = _client(scheduler, workers)
    batch = BatchReport()
    try:
        if on_start is not None:
            on_start(str(client.dashboard_link))
        futures = []
        for raw in expand(inputs):
            if isinstance(raw, IngestError):
                report = InputReport(origin=raw.origin, error=str(raw))
                batch.inputs.append(report)
                if on_input is not None:
                    on_input(report)
                continue
            futures.append(client.submit(ingest_input, store.url, raw, settings, fmt_name,
                                         default_date, settings.lock_timeout, pure=False))
        for fut in as_completed(futures):
            report = fut.result()
            batch.inputs.append(report)
            if on_input is not None:
                on_input(report)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    batch.inputs.sort(key=lambda r: r.origin)
    return batch


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
    from dask.distributed import as_completed

    started = datetime.now(UTC)
    client, cluster = _client(scheduler, workers)
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
                                      started, pure=False, retries=2))
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


def run_fusion_dask(store: Store, *, scheduler: str | None = None, workers: int | None = None,
                    full: bool = False, on_start: Callable[[str], None] | None = None) -> Any:
    """``run_fusion`` with a rebuild's partitions computed on a Dask cluster (at least four
    per worker, at most two per worker in flight: the client's memory stays bounded); an
    incremental run stays in this process. Returns its FusionReport."""
    from collections import deque

    from frontlens.fuse.picture import PartitionTask, fuse_task, run_fusion

    client, cluster = _client(scheduler, workers)
    try:
        if on_start is not None:
            on_start(str(client.dashboard_link))
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))

        def runner(tasks: Iterable[PartitionTask]) -> Iterator[dict[str, Any]]:
            window: deque[Any] = deque()
            for task in tasks:
                [data] = client.scatter([task])
                window.append(client.submit(fuse_task, data, pure=False, retries=2))
                if len(window) >= 2 * n_workers:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()

        return run_fusion(store, full=full, runner=runner, min_parts=4 * n_workers)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
