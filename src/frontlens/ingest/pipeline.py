"""Run a batch of inputs into the store, one transaction per input.

A bad input (or a crash while reading it) rolls back only its own transaction, so what was
stored before, and the other inputs of the batch, are kept. Items rejected inside an otherwise
good input (a Telegram message without a date) are reported and the rest of that input is
stored. Re-ingesting is a no-op because record ids derive from content.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy.exc import OperationalError

from frontlens.config import Settings
from frontlens.ingest.base import (
    FORMATS,
    IngestError,
    ItemError,
    RawInput,
    bounded,
    detect_format,
    printable,
)
from frontlens.ingest.fetch import FetchError, fetch_url
from frontlens.ingest.lang import detect_languages
from frontlens.model import Evidence, Record, Source
from frontlens.store.db import Store
from frontlens.store.evidence import EvidenceFull, Keeper, evidence_dir, photo_dhash

_FLUSH_CHARS = 4_000_000  # bound on buffered text, whatever the record count
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
# Files in a walked directory that are documentation or binary media, not reports.
_SKIP_NAMES = re.compile(r"^(readme|license|licence|provenance|changelog)(\..*)?$", re.I)
_SKIP_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".mp4",
    ".mov",
    ".webm",
    ".ogg",
    ".mp3",
    ".pdf",
    ".zip",
    ".gz",
    ".db",
    ".sqlite",
    ".py",
    ".pyc",
    ".css",
    ".js.map",
}


@dataclass
class InputReport:
    origin: str
    format: str | None = None
    added: int = 0
    skipped: int = 0
    error: str | None = None
    item_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.item_errors


@dataclass
class BatchReport:
    inputs: list[InputReport] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(r.added for r in self.inputs)

    @property
    def skipped(self) -> int:
        return sum(r.skipped for r in self.inputs)

    @property
    def errors(self) -> list[str]:
        out: list[str] = []
        for r in self.inputs:
            if r.error:
                out.append(r.error)
            out.extend(r.item_errors)
        return out

    @property
    def exit_code(self) -> int:
        """0 when everything was stored, 1 when something was rejected (the rest stored)."""
        return 0 if all(r.ok for r in self.inputs) else 1


def expand(inputs: Iterable[str]) -> Iterator[RawInput | IngestError]:
    """Turn CLI arguments into raw inputs: URLs stay URLs, directories are walked (sorted)."""
    for arg in inputs:
        if _URL.match(arg):
            yield RawInput(origin=arg, url=arg)
            continue
        path = Path(arg)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    p = Path(root) / name
                    if name.startswith(".") or _SKIP_NAMES.match(name):
                        continue
                    if p.suffix.lower() in _SKIP_SUFFIXES or name in ("account.js",):
                        continue
                    yield RawInput(origin=str(p), path=p)
        elif path.is_file():
            yield RawInput(origin=arg, path=path)
        elif path.exists():
            yield IngestError(arg, "not a regular file or directory")
        else:
            yield IngestError(arg, "no such file or directory")


def _fetch(raw: RawInput, settings: Settings) -> RawInput:
    try:
        got = fetch_url(
            raw.origin,
            timeout=settings.fetch_timeout,
            max_bytes=settings.fetch_max_bytes,
            allow_private=settings.allow_private,
        )
    except FetchError as exc:
        raise IngestError(raw.origin, str(exc).removeprefix(f"{raw.origin}: ")) from exc
    return RawInput(
        origin=raw.origin,
        data=got.body,
        content_type=got.content_type,
        url=got.final_url,
        retrieved_at=got.retrieved_at,
        http_status=got.status,
    )


_R = TypeVar("_R", bound=Record)


def _with_language(records: list[Record]) -> list[Record]:
    """Fill in undeclared languages, in one batch call (only for records about to be stored)."""
    todo = [(i, r) for i, r in enumerate(records)
            if isinstance(r, Source) and r.language is None]
    found = detect_languages([f"{r.title or ''}\n{r.text}" for _, r in todo])
    out = list(records)
    for (i, r), (code, score) in zip(todo, found, strict=True):
        out[i] = r.model_copy(
            update={"language": code, "language_score": score if code else None}
        )
    return out


def with_default_date(item: _R, default: date | None) -> _R:
    """A source the input leaves undated gets the date the user gave (``ingest --date``), and
    its meta says where the date came from; a source with its own date keeps it."""
    if default is None or not isinstance(item, Source) or item.published_at is not None:
        return item
    return item.model_copy(update={
        "published_at": datetime(default.year, default.month, default.day, tzinfo=UTC),
        "meta": {**item.meta, "date_source": "ingest --date"}})


def ingest_one(
    store: Store,
    raw: RawInput,
    settings: Settings,
    fmt_name: str | None = None,
    on_records: Callable[[int], None] | None = None,
    default_date: date | None = None,
) -> InputReport:
    """One input, one transaction; ``on_records`` hears how many records each write handled;
    ``default_date`` dates the sources the input leaves undated."""
    report = InputReport(origin=raw.origin)
    try:
        if raw.url and raw.path is None and raw.data is None:
            raw = _fetch(raw, settings)
        fmt = FORMATS[fmt_name] if fmt_name else detect_format(raw)
        report.format = fmt.name
        with store.transaction() as conn:
            buffer: list[Record] = []
            buffered_chars = 0
            keeper = _keeper(store, settings, conn)
            original = _keep_input(keeper, raw) if keeper else None

            def flush() -> None:
                added, skipped = store.insert_new(conn, buffer, prepare=_with_language)
                report.added += added
                report.skipped += skipped
                if on_records is not None:
                    on_records(len(buffer))
                buffer.clear()

            for item in fmt.parse(raw, settings):
                item = bounded(item, settings)
                if isinstance(item, ItemError):
                    report.item_errors.append(str(item))
                    continue
                item = with_default_date(item, default_date)
                if original is not None and isinstance(item, Source) and keeper is not None:
                    item = _with_evidence(keeper, raw, item, original)
                if isinstance(item, Source):
                    item = _with_dhashes(raw, item)
                buffer.append(item)
                buffered_chars += len(item.text) if isinstance(item, Source) else 1000
                if len(buffer) >= settings.batch_size or buffered_chars > _FLUSH_CHARS:
                    flush()
                    buffered_chars = 0
            flush()
    except IngestError as exc:
        report.error = str(exc)
    except EvidenceFull as exc:
        report.error = f"{printable(raw.origin)}: {exc}"
    except OperationalError:
        raise  # locked, full or unreachable database: no later input can be stored either
    except MemoryError:
        report.error = f"{printable(raw.origin)}: out of memory while reading"
    except Exception as exc:  # an unexpected bug must not take down the rest of the batch
        try:
            detail = " ".join(str(exc).split())[:500]
        except Exception:  # a message that cannot be rendered (RecursionError)
            detail = "(no message)"
        report.error = f"{printable(raw.origin)}: internal error ({type(exc).__name__}: {detail})"
    if report.error:
        report.added = report.skipped = 0  # the transaction was rolled back
    return report


def _keeper(store: Store, settings: Settings, conn: Any) -> Keeper | None:
    root = evidence_dir(store.url, settings.evidence_dir)
    if root is None or settings.evidence_max_bytes <= 0:
        return None
    return Keeper(root, conn, settings.evidence_max_bytes)


def _keep_input(keeper: Keeper, raw: RawInput) -> Evidence:
    with raw.open() as fh:
        return keeper.keep(fh, kind="input", origin=raw.url or raw.origin,
                           captured_at=raw.retrieved_at, media_type=raw.content_type,
                           http_status=raw.http_status)


def _with_evidence(keeper: Keeper, raw: RawInput, src: Source, original: Evidence) -> Source:
    """The source, pointing at its original and at the media files its export ships (a
    photo named ``photos/…`` beside result.json); media are kept as evidence too."""
    meta = {**src.meta, "evidence": {"sha256": original.sha256,
                                     "captured_at": original.captured_at.isoformat()}}
    if raw.path is not None and src.media:
        kept: dict[str, str] = {}
        dhashes: dict[str, str] = {}
        for m, f in _media_files(raw.path, src):
            with f.open("rb") as fh:
                ev = keeper.keep(fh, kind="media", origin=str(f), captured_at=raw.retrieved_at)
            kept[m] = ev.sha256
            if ev.dhash is not None:  # hashed once, from the kept copy (evidence.dhash)
                dhashes[m] = ev.dhash
        if kept:
            meta["media_sha256"] = kept
        if dhashes:
            meta["media_dhash"] = dhashes
    return src.model_copy(update={"meta": meta})


X_MEDIA_DIRS = ("tweets_media", "tweet_media")
"""Where an X archive keeps the photos and videos of its tweets, beside ``data/tweets.js``:
``<tweet id>-<file name of the media URL>``."""


def _media_files(path: Path, src: Source) -> list[tuple[str, Path]]:
    """(media entry, file) for each photo or video the export ships beside ``path``: a path
    relative to the export folder (Telegram's ``photos/…``), or for a tweet's media URL the
    archive's own copy in ``tweets_media/``. Nothing outside the export folder is read."""
    base = path.parent.resolve()
    out: list[tuple[str, Path]] = []
    for m in src.media:
        if "://" not in m:
            cands = [base / m]
        elif src.kind == "tweet" and src.external_id and src.external_id.isdigit():
            name = PurePosixPath(urlsplit(m).path).name
            cands = [base / d / f"{src.external_id}-{name}" for d in X_MEDIA_DIRS] if name \
                else []
        else:
            continue
        for c in cands:
            try:
                f = c.resolve()
                if f.is_file() and base in f.parents:
                    out.append((m, f))
                    break
            except (OSError, ValueError):  # a name no file can have (too long, a NUL byte)
                continue
    return out


def _with_dhashes(raw: RawInput, src: Source) -> Source:
    """The source, with the perceptual hash of each photo its export ships beside it
    (``meta.media_dhash``; kept as evidence or not), so a re-encoded or resized repost of the
    same photo is recognised (:func:`~frontlens.store.evidence.photo_dhash`)."""
    if raw.path is None or not src.media:
        return src
    dhashes: dict[str, str] = dict(src.meta.get("media_dhash") or {})  # kept ones: hashed
    kept = src.meta.get("media_sha256") or {}
    for m, f in _media_files(raw.path, src):
        if m not in dhashes and m not in kept and (dh := photo_dhash(f)) is not None:
            dhashes[m] = dh
    if not dhashes or dhashes == src.meta.get("media_dhash"):
        return src
    return src.model_copy(update={"meta": {**src.meta, "media_dhash": dhashes}})


def ingest_inputs(
    store: Store,
    inputs: Iterable[str],
    settings: Settings,
    *,
    fmt_name: str | None = None,
    on_input: Callable[[InputReport], None] | None = None,
    on_records: Callable[[int], None] | None = None,
    default_date: date | None = None,
) -> BatchReport:
    """Ingest every input; ``on_input`` is called after each (for progress and error lines);
    ``default_date`` dates the sources the inputs leave undated."""
    if fmt_name is not None and fmt_name not in FORMATS:
        raise ValueError(f"unknown format {fmt_name!r}; known: {', '.join(sorted(FORMATS))}")
    batch = BatchReport()
    for raw in expand(inputs):
        if isinstance(raw, IngestError):
            report = InputReport(origin=raw.origin, error=str(raw))
        else:
            report = ingest_one(store, raw, settings, fmt_name, on_records, default_date)
        batch.inputs.append(report)
        if on_input is not None:
            on_input(report)
    return batch
