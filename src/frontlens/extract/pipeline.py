"""Extraction: stored sources in, typed records with provenance out.

``Extractor`` is the interface a later statistical or LLM-based extractor implements; the rule
pipeline here is one implementation. Which components run for which language is data
(``frontlens/data/pipelines.toml``). English texts are parsed by spaCy in batches
(``nlp.pipe``) before the per-document components run. A source whose text cannot be processed
(no letters, an unsupported language) is marked with the reason, or processed in a fallback
language; a component that fails on one source fails that source only.

Place resolution uses what the store knows (issue 14): the front line of the control-map layer
nearest each source's date (``resolve.frontline``; layers read once per run, each built on
first use; nothing when no layer is stored) and the source's channel area (``resolve.channel``,
from the sure places of the outlet's earlier posts in the store when the run started). Worker
processes get the same: they read the layers from the store themselves (an in-memory store's
are built here and sent), and each batch carries its sources' channel areas.
"""

from __future__ import annotations

import importlib
import time
import tomllib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Protocol

from frontlens.extract import models
from frontlens.extract.doc import (
    COMPONENTS,
    EXTRACTOR_NAME,
    EXTRACTOR_VERSION,
    Doc,
)
from frontlens.extract.lang import has_pack
from frontlens.extract.ner import SPACY_CHUNK
from frontlens.extract.timex import apply_dateline
from frontlens.ingest.lang import detect_languages, script_fallback
from frontlens.model import Extracted, Extraction, Source
from frontlens.store.db import Store

if TYPE_CHECKING:
    from frontlens.resolve.channel import ChannelArea
    from frontlens.resolve.frontline import Front


class Extractor(Protocol):
    """What ``frontlens extract`` needs from an extractor, rule-based or learned."""

    name: str
    version: str

    def extract(self, sources: Sequence[Source]) -> Iterator[ExtractionResult]: ...


@dataclass
class ExtractionResult:
    run: Extraction
    records: list[Extracted] = field(default_factory=list)
    doc: Doc | None = None


@cache
def _config() -> dict[str, Any]:
    return tomllib.loads((files("frontlens") / "data" / "pipelines.toml").read_text("utf-8"))


def pipeline_config() -> dict[str, list[str]]:
    return {lang: list(spec) for lang, spec in _config()["pipelines"].items()}


def supported_languages() -> tuple[str, ...]:
    """Languages with a pipeline in ``pipelines.toml`` and a pack in ``extract/lang``."""
    return tuple(code for code in pipeline_config() if has_pack(code))


SUPPORTED = supported_languages()
COMMIT_SOURCES = 512  # extraction results written per transaction, at most ...
COMMIT_SECONDS = 2.0  # ... or those that waited this long (a slow stream still commits)
UNSURE_BELOW = 0.8  # a detected language below this confidence is not taken as the language


@cache
def load_components(lang: str) -> list[Callable[[Doc], Doc]]:
    """The component functions for a language; their modules register them on import."""
    names = pipeline_config()[lang]
    modules = _config()["modules"]
    for name in names:
        if name not in COMPONENTS:
            importlib.import_module(modules[name])
    return [COMPONENTS[n] for n in names]


def choose_language(source: Source) -> tuple[str | None, str, str | None]:
    """(pipeline language, status, reason).

    The declared language when it has a pipeline, else the detected one. A text whose language
    is known (declared, or detected with confidence ``UNSURE_BELOW`` or more) but has no pack
    (Polish, German, French...) is skipped as ``unsupported language 'pl'``: no other
    language's rules are run on it. Only a text whose language cannot be told (too few letters,
    a list of names) is read by the pipeline of its script.
    """
    text = source.text
    if not any(ch.isalpha() for ch in text[:100_000]):
        return None, "skipped", "no letters in text"
    if source.language in SUPPORTED:
        return source.language, "ok", None
    detected, confidence = detect_languages([text])[0]
    if detected in SUPPORTED:
        why = f"declared language {source.language!r} not supported" if source.language else None
        return detected, "ok" if why is None else "fallback", why
    known = detected if detected and confidence >= UNSURE_BELOW else source.language
    if known:
        return None, "skipped", f"unsupported language {known!r}"
    fallback = script_fallback(text)
    if fallback is None or fallback not in SUPPORTED:
        return None, "skipped", "language unknown"
    return fallback, "fallback", f"language unknown; processed as {fallback}"


def make_doc(source: Source, lang: str, front: Front | None = None,
             channel: ChannelArea | None = None) -> Doc:
    """The shared document for a source; a source without a publication date is dated by the
    dateline that opens its text, if any ("KYIV, Sept 10, 2022 (Reuters) —"). ``front`` and
    ``channel`` are the place resolver's priors (issue 14)."""
    published: date | None = source.published_at.date() if source.published_at else None
    doc = Doc(
        text=source.text,
        lang=lang,
        published=published,
        source_id=source.id,
        user={"media": list(source.media), "title": source.title, "outlet": source.outlet},
    )
    if front is not None:
        doc.user["front"] = front
    if channel is not None:
        doc.user["channel"] = channel
    if published is None:
        apply_dateline(doc)
    return doc


def _spacy_docs(texts: list[str]) -> list[object | None]:
    """Batch-parse English texts with ``nlp.pipe``; long ones are left to the component."""
    nlp = models.spacy_en()
    short = [i for i, t in enumerate(texts) if len(t) <= SPACY_CHUNK]
    out: list[object | None] = [None] * len(texts)
    for i, sdoc in zip(short, nlp.pipe((texts[i] for i in short), batch_size=32), strict=True):
        out[i] = sdoc
    return out


def run_components(doc: Doc) -> Doc:
    for fn in load_components(doc.lang or "en"):
        doc = fn(doc)
    return doc


class RuleExtractor:
    """The rule- and lexicon-based pipeline over spaCy, natasha and pymorphy3."""

    name = EXTRACTOR_NAME
    version = EXTRACTOR_VERSION

    def __init__(self, front: Front | None = None) -> None:
        self.front = front  # control-map layers for the front-line prior (issue 14)

    def extract(self, sources: Sequence[Source],
                channels: Mapping[str, ChannelArea] | None = None
                ) -> Iterator[ExtractionResult]:
        """``channels``: source id → its channel's usual area (the channel prior)."""
        plans = [(src, *choose_language(src)) for src in sources]
        english = [i for i, (_, lang, *_rest) in enumerate(plans)
                   if lang is not None and "ner.en" in pipeline_config()[lang]]
        parsed = _spacy_docs([plans[i][0].text for i in english]) if english else []
        spacy_for = dict(zip(english, parsed, strict=True))
        for i, (src, lang, status, reason) in enumerate(plans):
            run = Extraction(source_id=src.id, extractor=self.name, version=self.version,
                             status=status, reason=reason, language=lang)
            if lang is None:
                yield ExtractionResult(run)
                continue
            doc = make_doc(src, lang, self.front, (channels or {}).get(src.id))
            if spacy_for.get(i) is not None:
                doc.user["spacy"] = spacy_for[i]
            try:
                doc = run_components(doc)
            except Exception as exc:  # one bad source must not stop the batch
                run.status, run.reason = "failed", f"{type(exc).__name__}: {exc}"[:500]
                yield ExtractionResult(run)
                continue
            records = _dedupe(doc.records)
            run.n_records = len(records)
            yield ExtractionResult(run, records, doc)


def _dedupe(records: Iterable[Extracted]) -> list[Extracted]:
    seen: dict[str, Extracted] = {}
    for rec in records:
        seen.setdefault(rec.id, rec)
    return list(seen.values())


_WORKER_FRONT: Front | None = None


def _worker_init(front: str | Front | None) -> None:
    """A worker process's front: read from the store at this URL (built layer by layer as
    texts ask), or the one the parent built (an in-memory store). Its native pools get one
    thread first (``frontlens.limit_loaded_native_threads``)."""
    global _WORKER_FRONT
    from frontlens import limit_loaded_native_threads

    limit_loaded_native_threads()
    if isinstance(front, str):
        from frontlens.resolve.frontline import Front as _Front

        front = _Front.from_store(Store(front, migrate=False))
    _WORKER_FRONT = front


def _worker_extract(sources: list[Source],
                    channels: Mapping[str, ChannelArea] | None = None
                    ) -> list[ExtractionResult]:
    return [
        ExtractionResult(r.run, r.records)
        for r in RuleExtractor(_WORKER_FRONT).extract(sources, channels)
    ]  # Docs stay in the worker: only records cross the process boundary


def _front_for_workers(store: Store | None, front: Front | None) -> str | Front | None:
    """What worker processes get: the store's URL when the front is the store's and they can
    open it, else the layers built here (a front read lazily from a store does not pickle)."""
    if front is None:
        return None
    if store is not None and front.key:
        db = store.engine.url.database if store.engine.dialect.name == "sqlite" else None
        if not (store.engine.dialect.name == "sqlite" and (
                not db or db == ":memory:" or db.startswith("file:"))):
            return store.url
    return type(front)(front.layers)


def extract_batches(
    batches: Iterable[list[Source]], workers: int = 1, extractor: Extractor | None = None,
    *, store: Store | None = None,
    channels: Callable[[list[Source]], Mapping[str, ChannelArea]] | None = None,
) -> Iterator[list[ExtractionResult]]:
    """Extract batch by batch, in-process or over ``workers`` processes (models load once
    per process). With the rule pipeline, ``channels`` gives each batch's channel areas, and
    the extractor's front reaches the workers through ``store`` (they read its layers)."""
    ex = extractor or RuleExtractor()
    if workers <= 1 or not isinstance(ex, RuleExtractor):
        for batch in batches:
            got = (ex.extract(batch, channels(batch) if channels else None)
                   if isinstance(ex, RuleExtractor) else ex.extract(batch))
            yield [ExtractionResult(r.run, r.records) for r in got]
        return
    front = _front_for_workers(store, ex.front)
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                             initargs=(front,)) as pool:
        window: deque[Future[list[ExtractionResult]]] = deque()
        for batch in batches:  # keep at most 2 batches per worker in flight: bounded memory
            window.append(pool.submit(_worker_extract, batch,
                                      channels(batch) if channels else None))
            if len(window) >= 2 * workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


@dataclass
class ExtractReport:
    processed: int = 0
    records: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def run_extract(
    store: Store,
    *,
    since: datetime | None = None,
    workers: int = 1,
    batch_size: int = 64,
    on_batch: Callable[[int], None] | None = None,
    extractor: Extractor | None = None,
    commit_sources: int = COMMIT_SOURCES,
    commit_seconds: float = COMMIT_SECONDS,
) -> ExtractReport:
    """Extract every source not yet processed by the extractor's current version (the rule
    pipeline unless another ``Extractor`` is given) and store the records.

    The rule pipeline resolves places with the store's control maps (front-line prior) and
    each source's channel history (channel prior), both as the store was when the run began;
    a given ``RuleExtractor`` keeps its own front.

    Results are written in groups: batches are held in memory until ``commit_sources`` sources
    are waiting or the oldest has waited ``commit_seconds``, then written in one transaction
    (the write lock is held only while writing, never while waiting for workers). A crash
    loses at most the group not yet written, which the next run finds still pending. One
    transaction per 64-source batch had made the commit (a WAL checkpoint's fsync on SQLite,
    a round trip and a WAL flush on PostgreSQL) the largest part of the main process's
    writing, which caps how many workers one writer can feed."""
    from frontlens.resolve.channel import ChannelAreas
    from frontlens.resolve.frontline import Front as _Front

    ex = extractor or RuleExtractor(_Front.from_store(store))
    channels = None
    if isinstance(ex, RuleExtractor):
        channels = ChannelAreas(store, ex.name, ex.version, datetime.now(UTC)).for_sources

    def pages() -> Iterator[list[Source]]:
        after = ""
        while True:
            page = store.pending_sources(ex.name, ex.version, since=since, limit=batch_size,
                                         after=after)
            if not page:
                return
            after = page[-1].id
            yield page

    report = ExtractReport()
    waiting: list[ExtractionResult] = []
    since_first = 0.0

    def flush() -> None:
        with store.transaction() as conn:
            store.replace_extractions(conn, [(res.run, res.records) for res in waiting])
        for res in waiting:
            report.processed += 1
            report.records += len(res.records)
            report.by_status[res.run.status] = report.by_status.get(res.run.status, 0) + 1
            if res.run.reason:
                report.problems.append(f"{res.run.source_id}: {res.run.status}: "
                                       f"{res.run.reason}")
        waiting.clear()

    for results in extract_batches(pages(), workers=workers, extractor=ex, store=store,
                                   channels=channels):
        if not waiting:
            since_first = time.monotonic()
        waiting.extend(results)
        if (len(waiting) >= commit_sources
                or time.monotonic() - since_first >= commit_seconds):
            flush()
        if on_batch is not None:
            on_batch(len(results))
    if waiting:
        flush()
    return report
