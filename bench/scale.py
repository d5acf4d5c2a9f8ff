"""How each stage's cost grows with the store: ingest, write, fusion, picture, export, pending.

The corpus is ``bench/fuse_store.py``'s: uk/ru/en posts naming real settlements of the bundled
gazetteer, a third of them copies of earlier ones (reposts, rewrites, forwards, translations),
spread over two years. ``--length telegram`` keeps its 300–800-character posts; ``news`` pads
each to 2,000–4,000 characters (article length). For every size in ``--sizes`` the posts are
written as Telegram exports of 10,000 messages (the sender of each message names its outlet)
and each stage runs in a fresh child process, which reports wall time, CPU time and peak RSS
(``VmHWM``):

- ingest: ``ingest_inputs`` over the exports into an empty store (streamed parse, language
  id, validation, idempotent insert; the language models are loaded before the clock starts);
- write: the corpus's own records (control claims, equipment, statements, area figures) stored
  as extraction results with ``Store.replace_extractions``, as many sources per transaction as
  that version's ``frontlens extract`` writes at once: ms per source;
- pending: one page of 500 unextracted sources (a tenth of the store is left pending), the
  median of 9 consecutive pages;
- fuse: ``run_fusion``; picture: ``picture()`` on 20 dates; export: GeoJSON, ACLED and JSONL.

Extraction runs for real at the smaller ``--extract-sizes``: ``run_extract`` with 1 and 2
worker processes (``--extract-workers``; each run on a copy of one ingested store, repeats
interleaved with ``--extract-repeats``), reporting parallel efficiency, CPU per source (main
process and workers) and the main process's share of wall time spent writing and paging; and
a Dask LocalCluster of 1 and 2 workers at ``--dask-size`` as in ``bench/dask_extract.py``. The
1-worker CPU cost per source is extrapolated to each size. ``--baseline REV`` (a git revision,
unpacked like ``bench/fuse_store.py`` does, or a folder holding a ``frontlens`` package) runs
every chosen stage (``--baseline-stages``; ``extract`` included)
again under that code in the same run, so the table shows the ratio to it. ``--db postgresql``
creates one database per size on the server of ``--db-url`` (default
``$FRONTLENS_TEST_PG_URL``) and drops it afterwards.

    python bench/scale.py [--sizes 10000,100000] [--extract-sizes 1000,10000] [--dask-size 2000]
        [--extract-workers 1,2] [--extract-repeats N] [--db sqlite|postgresql]
        [--db-url URL] [--baseline REV|PATH|none] [--stages ingest,write,...]
        [--length telegram|news] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import fuse_store  # bench/fuse_store.py: the corpus, its records, unpacking a revision

BENCH = Path(__file__).resolve()
STAGES = ("ingest", "write", "pending", "fuse", "picture", "export")
CHUNK = 10_000  # messages per generated Telegram export
PENDING_EVERY = 10  # every tenth source is left without an extraction of the current version
PENDING_PAGES = 9  # timed pages of the pending stage (their median is reported)


class NewsCorpus(fuse_store.Corpus):
    """The same posts padded to article length (the claims' spans are unchanged)."""

    def text(self, doc: dict[str, Any]) -> tuple[str, list[tuple[int, int]]]:
        text, spans = super().text(doc)
        target = self.rnd.randint(2000, 4000)
        parts = [text]
        size = len(text)
        while size < target:
            filler = self.words(doc["lang"], self.rnd.randint(8, 16)) + "."
            parts.append(filler)
            size += len(filler) + 1
        return " ".join(parts), spans


def corpus(n: int, length: str) -> Iterator[dict[str, Any]]:
    return (NewsCorpus if length == "news" else fuse_store.Corpus)(n).documents()


def external_id(doc: dict[str, Any]) -> str:
    """The id ingest gives the message: the sender (no channel id in the export) and its id."""
    return f"{doc['outlet']}/{doc['i'] + 1}"


def write_exports(folder: Path, n: int, length: str) -> int:
    """Telegram exports of the corpus, CHUNK messages each; returns the bytes written."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    fh = None
    for doc in corpus(n, length):
        if doc["i"] % CHUNK == 0:
            if fh is not None:
                fh.write("]}\n")
                fh.close()
            sub = folder / f"part{doc['i'] // CHUNK:04d}"
            sub.mkdir(exist_ok=True)
            fh = (sub / "result.json").open("w", encoding="utf-8")
            fh.write('{"type": "public_channel", "messages": [\n')
            first = True
        msg: dict[str, Any] = {"id": doc["i"] + 1, "type": "message",
                               "date": doc["when"].strftime("%Y-%m-%dT%H:%M:%S"),
                               "date_unixtime": str(int(doc["when"].timestamp())),
                               "from": doc["outlet"], "text": doc["text"]}
        if doc.get("forwarded_from"):
            msg["forwarded_from"] = doc["forwarded_from"]
        if doc["i"] % 9 == 0:
            msg["photo"] = f"photos/photo_{doc['i']}.jpg"
        assert fh is not None
        fh.write(("" if first else ",") + json.dumps(msg, ensure_ascii=False) + "\n")
        first = False
    if fh is not None:
        fh.write("]}\n")
        fh.close()
    for f in folder.glob("*/result.json"):
        total += f.stat().st_size
    return total


# -- stages (each in a child process) ----------------------------------------------------------


def _hwm_kb() -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", text).group(1))  # type: ignore[union-attr]


def stage_ingest(url: str, n: int, folder: Path, length: str) -> dict[str, Any]:
    from frontlens.config import Settings
    from frontlens.ingest import ingest_inputs
    from frontlens.ingest.lang import detect_language
    from frontlens.store.db import Store

    detect_language("Балаклія звільнена"), detect_language("Ukrainian forces advanced")
    store = Store(url)
    t, c = time.perf_counter(), time.process_time()
    report = ingest_inputs(store, [str(folder)], Settings(db=url))
    out = {"seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
           "items": report.added, "errors": report.errors[:3]}
    store.close()
    return out


def _results(store: Any, n: int, length: str,
             per_batch: int = 64) -> Iterator[list[tuple[Any, list[Any]]]]:
    """The corpus's records as extraction results of the ingested sources, ``per_batch`` a
    batch."""
    from sqlalchemy import select

    from frontlens.model import Extraction
    from frontlens.store import schema

    s = schema.sources
    with store.engine.connect() as conn:
        ids = dict(conn.execute(select(s.c.external_id, s.c.id)).all())
    batch: list[tuple[Any, list[Any]]] = []
    for doc in corpus(n, length):
        sid = ids.get(external_id(doc))
        if sid is None:
            continue
        recs = [type(r).model_validate({**r.model_dump(exclude={"id"}), "source_id": sid})
                for r in fuse_store.records(doc)[1:]]
        version = "old" if doc["i"] % PENDING_EVERY == 0 else "0"
        run = Extraction(source_id=sid, extractor="bench", version=version, status="ok",
                         language=doc["lang"], n_records=len(recs))
        batch.append((run, recs))
        if len(batch) == per_batch:
            yield batch
            batch = []
    if batch:
        yield batch


def stage_write(url: str, n: int, folder: Path, length: str) -> dict[str, Any]:
    """The write path of ``frontlens extract``: as many sources per transaction as that
    version's ``run_extract`` writes at once (``COMMIT_SOURCES``, 64 where it has none: one
    transaction per batch)."""
    from frontlens.extract import pipeline
    from frontlens.store.db import Store

    per = int(getattr(pipeline, "COMMIT_SOURCES", 64))
    store = Store(url, migrate=False)
    seconds = cpu = 0.0
    docs = records = 0
    for batch in _results(store, n, length, per):  # building the records is not timed
        t, c = time.perf_counter(), time.process_time()
        with store.transaction() as conn:
            store.replace_extractions(conn, batch)
        seconds += time.perf_counter() - t
        cpu += time.process_time() - c
        docs += len(batch)
        records += sum(len(r) for _, r in batch)
    store.close()
    return {"seconds": seconds, "cpu": cpu, "items": docs, "records": records,
            "ms_per_doc": seconds / max(docs, 1) * 1000,
            "cpu_ms_per_doc": cpu / max(docs, 1) * 1000, "per_transaction": per}


def stage_pending(url: str, n: int, folder: Path, length: str) -> dict[str, Any]:
    """Pages of 500 pending ids, walked as ``frontlens extract`` walks them (a short store's
    pages start over from the first); the first page warms the cache and is not counted, the
    figure is the median of the next PENDING_PAGES (robust to a shared machine's noise)."""
    from frontlens.store import schema
    from frontlens.store.db import Store, pending_query

    store = Store(url, migrate=False)
    times: list[float] = []
    cpus: list[float] = []  # the client's CPU: on SQLite the query runs in this process
    with store.engine.connect() as conn:
        after = ""
        for _ in range(PENDING_PAGES + 1):
            if conn.dialect.name == "sqlite":  # the page cache a writer's commit empties in a
                conn.exec_driver_sql("PRAGMA shrink_memory")  # real run (and a short store's
            t, c = time.perf_counter(), time.process_time()  # second lap would find warm):
            q = pending_query("bench", "0", after=after).with_only_columns(schema.sources.c.id)
            ids = [r[0] for r in conn.execute(q)]  # each page is read cold
            times.append((time.perf_counter() - t) * 1000)
            cpus.append((time.process_time() - c) * 1000)
            after = ids[-1] if len(ids) == 500 else ""
    store.close()
    timed, cpu = sorted(times[1:]), sorted(cpus[1:])
    return {"seconds": sum(timed) / 1000, "cpu": sum(cpu) / 1000, "items": len(timed) * 500,
            "ms_per_page": timed[len(timed) // 2], "cpu_ms_per_page": cpu[len(cpu) // 2]}


def stage_fuse(url: str, n: int, folder: Path, length: str) -> dict[str, Any]:
    from frontlens.fuse.picture import run_fusion
    from frontlens.store.db import Store

    store = Store(url, migrate=False)
    t, c = time.perf_counter(), time.process_time()
    run_fusion(store)
    out = {"seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
           "items": store.counts()["control_events"]}
    store.close()
    return out


def stage_picture(url: str, n: int, folder: Path, length: str) -> dict[str, Any]:
    from frontlens.fuse.picture import picture
    from frontlens.store.db import Store

    store = Store(url, migrate=False)
    start = fuse_store.START.date()
    days = [start + timedelta(days=fuse_store.DAYS * k // 20) for k in range(1, 21)]
    picture(store, days[0])  # warm
    times, places = [], 0
    t0, c = time.perf_counter(), time.process_time()
    for d in days:
        t = time.perf_counter()
        places = max(places, len(picture(store, d)))
        times.append((time.perf_counter() - t) * 1000)
    out = {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c,
           "items": len(days), "median_ms": sorted(times)[len(times) // 2], "places": places}
    store.close()
    return out


def stage_export(url: str, n: int, folder: Path, length: str) -> dict[str, Any]:
    from frontlens.report import export as ex
    from frontlens.store.db import Store

    store = Store(url, migrate=False)
    written: dict[str, int] = {}
    t0, c = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in (("geojson", ex.write_geojson), ("acled", ex.write_acled),
                         ("jsonl", ex.write_jsonl)):
            with open(Path(tmp) / name, "w", encoding="utf-8", newline="") as fh:
                written[name] = fn(store, fh).written
    out = {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c,
           "items": sum(written.values()), "written": written}
    store.close()
    return out


def stage_extract(url: str, n: int, folder: Path, length: str,
                  workers: int = 1) -> dict[str, Any]:
    """The real extraction of ingested sources, ``run_extract`` with ``workers`` processes as
    ``frontlens extract --workers N`` runs it. The models are loaded before the clock (forked
    workers inherit them). Besides wall and CPU time (the main process's, and with workers
    also theirs: ``RUSAGE_CHILDREN`` once the pool is shut down), the main process's time in
    the two store calls it makes per batch: writing the results (``replace_extractions``,
    commit included) and reading the next page of pending sources."""
    import resource

    from frontlens.extract.pipeline import RuleExtractor, run_extract
    from frontlens.model import Source
    from frontlens.store.db import Store

    store = Store(url, migrate=False)
    spent = {"write": [0.0, 0.0, 0], "page": [0.0, 0.0, 0]}  # wall, CPU, calls

    def timed(name: str, fn: Any) -> Any:
        def run(*a: Any, **kw: Any) -> Any:
            t, c = time.perf_counter(), time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                spent[name][0] += time.perf_counter() - t
                spent[name][1] += time.process_time() - c
                spent[name][2] += 1
        return run

    # run_extract writes each batch in a ``with store.transaction()`` block that ends with
    # the commit: the block is what is timed as the write
    tx, page = store.transaction, store.pending_sources

    class _Timed:
        def __init__(self) -> None:
            self.cm = tx()

        def __enter__(self) -> Any:
            self.t, self.c = time.perf_counter(), time.process_time()
            return self.cm.__enter__()

        def __exit__(self, *exc: Any) -> Any:
            try:
                return self.cm.__exit__(*exc)
            finally:
                spent["write"][0] += time.perf_counter() - self.t
                spent["write"][1] += time.process_time() - self.c
                spent["write"][2] += 1

    store.transaction = _Timed  # type: ignore[method-assign]
    store.pending_sources = timed("page", page)  # type: ignore[method-assign]
    ex = RuleExtractor()
    list(ex.extract([Source(kind="text", origin="warm", text=t, language=lang) for t, lang in
                     (("Балаклію звільнено.", "uk"), ("Изюм освобождён.", "ru"),
                      ("Izium was liberated.", "en"))]))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t, c = time.perf_counter(), time.process_time()
    report = run_extract(store, extractor=ex, workers=workers)
    wall, main_cpu = time.perf_counter() - t, time.process_time() - c
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    docs = max(report.processed, 1)
    out = {"seconds": wall, "cpu": main_cpu + worker_cpu, "main_cpu": main_cpu,
           "worker_cpu": worker_cpu, "items": report.processed, "records": report.records,
           "workers": workers,
           "write_s": spent["write"][0], "write_cpu": spent["write"][1],
           "write_ms_per_doc": spent["write"][0] / docs * 1000,
           "write_share": spent["write"][0] / wall, "page_s": spent["page"][0],
           "page_share": spent["page"][0] / wall, "batches": spent["write"][2]}
    store.close()
    return out


def stage_extract2(url: str, n: int, folder: Path, length: str) -> dict[str, Any]:
    """``stage_extract`` with 2 worker processes (``frontlens extract --workers 2``)."""
    return stage_extract(url, n, folder, length, workers=2)


def stage_dask(url: str, n: int, folder: Path, length: str) -> dict[str, Any]:
    """Dask LocalCluster extraction with 1 and 2 workers, each on a fresh copy of the store."""
    import dask_extract  # bench/dask_extract.py

    from frontlens.store.db import Store

    def make_store() -> Store:
        target = f"{url}-dask-{time.monotonic_ns()}"
        fresh = _fresh_url(target)
        child(fresh, "ingest", n, folder, length, None)
        return Store(fresh, migrate=False)

    rows = dask_extract.measure(make_store, [1, 2])
    return {"seconds": sum(r["seconds"] for r in rows), "cpu": 0.0, "items": n, "runs": rows}


CHILD_STAGES = {f.__name__.removeprefix("stage_"): f for f in (
    stage_ingest, stage_write, stage_pending, stage_fuse, stage_picture, stage_export,
    stage_extract, stage_extract2, stage_dask)}


# -- the parent --------------------------------------------------------------------------------


def _fresh_url(url: str) -> str:
    """A URL to an empty store: SQLite files are new paths; on PostgreSQL the database named
    after the tag is created (dropped first if left over)."""
    if url.startswith("sqlite"):
        return re.sub(r"[^A-Za-z0-9_/.:-]", "_", url) + ".db"
    server, _, tag = url.partition("#")
    name = re.sub(r"[^a-z0-9_]", "_", tag.lower())[-60:]
    _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


def _pg_admin(server: str, *sql: str) -> None:
    import psycopg

    admin = server.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        for q in sql:
            conn.execute(q)  # type: ignore[arg-type]


def child(url: str, stage: str, n: int, folder: Path, length: str,
          pythonpath: str | None) -> dict[str, Any]:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    cmd = [sys.executable, str(BENCH), "--child", stage, "--n", str(n), "--url", url,
           "--folder", str(folder), "--length", length]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{stage} {n}: {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_child(args: argparse.Namespace) -> None:
    res = CHILD_STAGES[args.child](args.url, args.n, Path(args.folder), args.length)
    import frontlens

    res["peak_mb"] = _hwm_kb() / 1024
    res["module"] = frontlens.__file__
    print(json.dumps(res, default=str))


def growth(rows: dict[int, dict[str, Any]], n: int, sizes: list[int]) -> str:
    """Against the previous size: time ratio ÷ size ratio, and the log-log slope."""
    i = sizes.index(n)
    if i == 0:
        return "–"
    a, ta, tb = sizes[i - 1], rows[sizes[i - 1]]["seconds"], rows[n]["seconds"]
    if ta <= 0 or tb <= 0:
        return "–"
    return f"{tb / ta / (n / a):.2f} (slope {math.log(tb / ta) / math.log(n / a):.2f})"


def _folder_for(base: Path, n: int, length: str) -> Path:
    folder = base / f"corpus_{length}_{n}"
    if not folder.exists():
        t = time.perf_counter()
        size = write_exports(folder, n, length)
        print(f"corpus {n:,} {length}: {size / 1e6:.1f} MB of Telegram exports "
              f"({time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--extract-sizes", default="1000,10000",
                    help="sizes extraction runs at ('' for none)")
    ap.add_argument("--extract-workers", default="1,2",
                    help="worker counts of `extract --workers N` at each --extract-sizes "
                         "(each on a copy of one ingested store); 1 and 2 are supported")
    ap.add_argument("--extract-repeats", type=int, default=1,
                    help="runs per worker count, interleaved (the lower median is reported)")
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--db-url", default=os.environ.get("FRONTLENS_TEST_PG_URL"),
                    help="PostgreSQL server URL (a database per size is created there)")
    ap.add_argument("--baseline", default="none",
                    help="git revision or folder of a frontlens package to compare with")
    ap.add_argument("--stages", default=",".join(STAGES))
    ap.add_argument("--baseline-stages", default=None,
                    help="stages the baseline also runs (default: all of --stages)")
    ap.add_argument("--length", choices=("telegram", "news"), default="telegram")
    ap.add_argument("--dask-size", type=int, default=2000,
                    help="sources of the Dask 1- and 2-worker runs (0: none)")
    ap.add_argument("--keep", default=None,
                    help="folder for corpora and SQLite stores (kept; PostgreSQL's are dropped)")
    ap.add_argument("--child", choices=sorted(CHILD_STAGES), help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run_child(args)
        return
    if args.db == "postgresql" and not args.db_url:
        sys.exit("--db postgresql needs --db-url or FRONTLENS_TEST_PG_URL")
    sizes = [int(x) for x in args.sizes.split(",") if x]
    ex_sizes = [int(x) for x in args.extract_sizes.split(",") if x]
    ex_workers = [int(x) for x in args.extract_workers.split(",") if x]
    stages = [s for s in args.stages.split(",") if s]
    base_stages = set((args.baseline_stages or args.stages).split(","))
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(args.keep or tmp)
        base.mkdir(parents=True, exist_ok=True)
        impls: dict[str, str | None] = {"shipped": None}
        if args.baseline != "none":
            path = (args.baseline if Path(args.baseline).is_dir()
                    else fuse_store.unpack(args.baseline, Path(tmp) / "base"))
            impls = {"shipped": None, "baseline": path}
        made: list[str] = []

        def store_url(tag: str) -> str:
            url = (_fresh_url(f"sqlite:///{base / tag}") if args.db == "sqlite"
                   else _fresh_url(f"{args.db_url}#frontlens_scale_{tag}"))
            made.append(url)
            return url

        res: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
        failed: list[str] = []
        try:
            for n in sizes:
                folder = _folder_for(base, n, args.length)
                urls = {name: store_url(f"{args.length}_{n}_{name}") for name in impls}
                for stage in stages:
                    # stages after ingest use the shipped store (fusion rewrites its own
                    # tables, the rest only read); ingest needs an empty one per version, and
                    # the baseline's write goes to a copy taken before the shipped one writes
                    order = [(k, v) for k, v in impls.items()
                             if k == "shipped" or stage in base_stages]
                    for name, path in order:
                        url = urls[name] if stage == "ingest" else urls["shipped"]
                        if stage == "write" and name != "shipped":  # into a copy of the
                            url = _clone(urls["shipped"], f"{args.length}_{n}_w_{name}", made)
                        try:  # ingested store: both write into the same state
                            r = child(url, stage, n, folder, args.length, path)
                        except RuntimeError as exc:  # reported, and the other stages still run
                            print(f"{stage:>8} {n:>9,} {name:>8}: FAILED {str(exc)[:600]}",
                                  file=sys.stderr, flush=True)
                            failed.append(f"{stage} {n:,} ({name}): {str(exc)[-300:]}")
                            continue
                        res.setdefault((stage, name), {})[n] = r
                        print(f"{stage:>8} {n:>9,} {name:>8}: {r['seconds']:8.2f} s "
                              f"{r['peak_mb']:6.0f} MB  {r['module']}", file=sys.stderr,
                              flush=True)
                if "baseline" in urls and args.db == "postgresql":
                    _drop(urls.pop("baseline"), made)
            for m in ex_sizes:
                folder = _folder_for(base, m, args.length)
                ex_impls = [(k, v) for k, v in impls.items()
                            if k == "shipped" or "extract" in base_stages]
                ingested = {}
                for name, path in ex_impls:  # each version ingests its own (its schema)
                    ingested[name] = store_url(f"{args.length}_{m}_extract_{name}")
                    child(ingested[name], "ingest", m, folder, args.length, path)
                for rep in range(args.extract_repeats):  # worker counts, versions interleaved
                    for w in ex_workers:
                        for name, path in ex_impls:
                            stage = "extract" if w == 1 else f"extract{w}"
                            copy = _clone(ingested[name],
                                          f"{args.length}_{m}_extract_{name}_w{w}_r{rep}", made)
                            r = child(copy, stage, m, folder, args.length, path)
                            res.setdefault((stage, name), {}).setdefault(m, []).append(r)
                            print(f" extract {m:>9,} {name} {w} worker(s): {r['seconds']:.1f} s,"
                                  f" write share {r['write_share']:.3f}", file=sys.stderr,
                                  flush=True)
                            if args.db == "postgresql":
                                _drop(copy, made)
            m = args.dask_size
            if m:
                tag = (f"sqlite:///{base / f'{args.length}_{m}'}" if args.db == "sqlite"
                       else f"{args.db_url}#frontlens_scale_{m}")
                res["dask", "shipped"] = {m: child(tag, "dask", m, _folder_for(base, m,
                                                   args.length), args.length, None)}
        finally:
            if args.db == "postgresql":
                for url in list(made):
                    _drop(url, made)
                _pg_drop_dask(args.db_url)
        report(res, sizes, ex_sizes, stages, args)
        for line in failed:
            print(f"- failed: {' '.join(line.split())}")


def _clone(url: str, tag: str, made: list[str]) -> str:
    """A copy of the store at ``url`` (SQLite: ``VACUUM INTO`` a new file; PostgreSQL: a
    database made from it as a template), so each extraction run starts from the same state."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        target = path.with_name(f"{tag}.db")
        target.unlink(missing_ok=True)
        import sqlite3

        with sqlite3.connect(path) as conn:
            conn.execute("VACUUM INTO ?", (str(target),))
        return f"sqlite:///{target}"
    name = re.sub(r"[^a-z0-9_]", "_", f"frontlens_scale_{tag}".lower())[-60:]
    src = url.rsplit("/", 1)[1]
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}"',
              f'CREATE DATABASE "{name}" TEMPLATE "{src}"')
    copy = url.rsplit("/", 1)[0] + "/" + name
    made.append(copy)
    return copy


def _drop(url: str, made: list[str]) -> None:
    name = url.rsplit("/", 1)[1]
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if url in made:
        made.remove(url)


def _pg_drop_dask(server: str) -> None:
    """Databases the Dask run created (one per worker count)."""
    import psycopg

    admin = server.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'frontlens_scale_%dask%'")]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def report(res: dict[tuple[str, str], dict[int, dict[str, Any]]], sizes: list[int],
           ex_sizes: list[int], stages: list[str], args: argparse.Namespace) -> None:
    """The markdown table and the per-stage figures the issues ask for."""
    unit = {"ingest": "sources/s", "write": "sources/s", "pending": "ids/s",
            "fuse": "control claims/s", "picture": "queries/s", "export": "rows/s"}
    has_base = any(k[1] == "baseline" for k in res)
    print(f"\n{args.db}, {args.length}-length corpus: `python bench/scale.py "
          f"{' '.join(sys.argv[1:])}`\n")
    head = "| stage | sources | time s | CPU s | throughput | peak RSS MB | growth ÷ size |"
    sep = "|---|---:|---:|---:|---:|---:|---|"
    if has_base:
        head += " baseline s | ratio |"
        sep += "---:|---:|"
    print(head)
    print(sep)
    for stage in stages:
        rows = res.get((stage, "shipped"), {})
        base = res.get((stage, "baseline"), {})
        for n in sizes:
            if n not in rows:
                continue
            r = rows[n]
            rate = r["items"] / r["seconds"] if r["seconds"] else float("nan")
            extra = ""
            if stage == "write":
                extra = f"; **{r['ms_per_doc']:.2f} ms/source**" + (
                    f" (CPU {r['cpu_ms_per_doc']:.2f}, {r['per_transaction']} a transaction)"
                    if "cpu_ms_per_doc" in r else "")
            elif stage == "pending":
                extra = f"; **{r['ms_per_page']:.2f} ms/page**" + (
                    f" (CPU {r['cpu_ms_per_page']:.2f})" if "cpu_ms_per_page" in r else "")
            elif stage == "picture":
                extra = f"; median {r['median_ms']:.1f} ms, {r['places']:,} places"
            line = (f"| {stage} | {n:,} | {r['seconds']:.2f} | {r['cpu']:.1f} | "
                    f"{rate:,.0f} {unit[stage]}{extra} | {r['peak_mb']:.0f} | "
                    f"{growth(rows, n, sizes)} |")
            if has_base:
                b = base.get(n)
                line += (f" {b['seconds']:.2f} | {r['seconds'] / b['seconds']:.2f} |" if b
                         else " – | – |")
            print(line)
    for name in ("shipped", "baseline"):
        runs = {w: res.get(("extract" if w == 1 else f"extract{w}", name), {})
                for w in (1, 2)}
        if runs[1] or runs[2]:
            print()
        for m in ex_sizes:
            med: dict[int, dict[str, Any]] = {}
            for w, by_size in runs.items():
                rs = sorted(by_size.get(m, []), key=lambda r: r["seconds"])
                if not rs:
                    continue
                r = med[w] = rs[(len(rs) - 1) // 2]  # of two, the faster: load only slows
                per = r["cpu"] / max(r["items"], 1)
                print(f"- extract ({name}) {m:,} sources, {w} worker(s) (median of {len(rs)}): "
                      f"{r['seconds']:.1f} s, {r['items'] / r['seconds']:.1f} sources/s, "
                      f"**{per * 1000:.1f} ms CPU/source** (main process {r['main_cpu']:.1f} s,"
                      f" workers {r['worker_cpu']:.1f} s), {r['records']:,} records, peak RSS "
                      f"{r['peak_mb']:.0f} MB; main process writing **{r['write_share']:.1%}** "
                      f"of the wall time ({r['write_ms_per_doc']:.2f} ms/source, "
                      f"{r['write_cpu'] / max(r['items'], 1) * 1000:.2f} ms CPU/source, "
                      f"{r['batches']} transactions), paging {r['page_share']:.1%}")
            if 1 in med and 2 in med:
                a, b = med[1], med[2]
                ca, cb = a["cpu"] / max(a["items"], 1), b["cpu"] / max(b["items"], 1)
                print(f"- extract ({name}) {m:,}: 1 → 2 workers speed-up "
                      f"{a['seconds'] / b['seconds']:.2f}, parallel efficiency "
                      f"**{a['seconds'] / b['seconds'] / 2:.2f}**; CPU per source ×{cb / ca:.2f}")
    runs = {w: res.get(("extract" if w == 1 else f"extract{w}", "shipped"), {}) for w in (1, 2)}
    ext = runs[1]
    if ext and ex_sizes:
        last = ext[ex_sizes[-1]][0]
        per = last["cpu"] / max(last["items"], 1)
        print("- extrapolated extraction CPU: " + ", ".join(
            f"{n:,} → {per * n / 3600:.2f} CPU-h" for n in [*sizes, 1_000_000]
            if n not in ex_sizes))
    dask = res.get(("dask", "shipped"), {})
    for m, r in dask.items():
        print(f"- Dask LocalCluster, {m:,} sources (cluster start and model loading included): "
              + ", ".join(f"{x['workers']} worker(s) {x['rate']:.1f} sources/s" for x in r["runs"])
              + f"; parallel efficiency at 2 workers **{r['runs'][-1]['efficiency']:.2f}**")
    for name in ("shipped", "baseline"):
        r = res.get(("ingest", name), {}).get(sizes[-1]) if sizes else None
        if r:
            print(f"- ingest ({name}) extrapolated linearly to 1,000,000 sources at the "
                  f"{sizes[-1]:,} rate: {r['seconds'] / sizes[-1] * 1e6 / 60:.1f} min")


if __name__ == "__main__":
    main()
