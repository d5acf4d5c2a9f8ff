"""What every ingestor shares: the raw input, errors, and the format registry.

An ingestor is a module with a ``parse(raw, settings)`` generator that yields records
(``Source``, ``MapLayer``, ``MapFeature``) and ``ItemError`` for single items it had to reject,
and raises ``IngestError`` when the whole input is unusable. It registers itself with
:func:`register`, giving a ``detect`` function that looks at the file name and first bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from frontlens.config import Settings
from frontlens.model import MapFeature, MapLayer, Source

HEAD_BYTES = 4096


class IngestError(Exception):
    """The whole input is rejected; ``str()`` is one line: ``origin: reason``."""

    def __init__(self, origin: str, reason: str) -> None:
        reason = " ".join(reason.split())  # parser messages can span lines; ours never do
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


@dataclass(frozen=True)
class ItemError:
    """One item inside an input was rejected (e.g. a Telegram message missing its date)."""

    origin: str
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.where}: {' '.join(self.reason.split())}"


def item_reason(exc: BaseException, limit: int = 300) -> str:
    """One line naming what went wrong in one item, safe for any exception: its message is
    cut to ``limit`` characters, and one that cannot even be rendered (a RecursionError
    raised inside ``__str__``) still yields the exception's type."""
    try:
        msg = " ".join(str(exc)[:limit].split())
    except Exception:  # the reason itself must never raise
        msg = "(message could not be rendered)"
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def guarded(origin: str, where: str, make: Callable[[], Any]) -> Any:
    """``make()``, or the one-line ItemError for whatever it raised: the expected errors
    (ValueError, IngestError) keep their message, any other exception is named by type, so
    one odd item never costs the rest of its input."""
    try:
        return make()
    except (ValueError, IngestError) as exc:
        return ItemError(origin, where, " ".join(str(exc)[:300].split()))
    except Exception as exc:
        return ItemError(origin, where, item_reason(exc))


@dataclass
class RawInput:
    """A file on disk or a fetched body, with what is known about it before parsing."""

    origin: str
    path: Path | None = None
    data: bytes | None = None
    content_type: str | None = None
    url: str | None = None
    retrieved_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    http_status: int | None = None

    @property
    def name(self) -> str:
        return self.path.name if self.path else self.origin.rstrip("/").rsplit("/", 1)[-1]

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path else len(self.data or b"")

    def open(self) -> IO[bytes]:
        if self.path is not None:
            return self.path.open("rb")
        return io.BytesIO(self.data or b"")

    def head(self, n: int = HEAD_BYTES) -> bytes:
        with self.open() as fh:
            return fh.read(n)

    def read_bytes(self, limit: int) -> bytes:
        """The whole input, refusing (without reading it) anything above ``limit`` bytes."""
        size = self.size
        if size > limit:
            raise IngestError(
                self.origin,
                f"file is {size / 1024 / 1024:.1f} MB, above the {limit / 1024 / 1024:.0f} MB "
                "limit for a single document (FRONTLENS_MAX_DOC_BYTES)",
            )
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()


Produced = Source | MapLayer | MapFeature | ItemError
Parser = Callable[[RawInput, Settings], Iterator[Produced]]


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    parse: Parser
    detect: Callable[[RawInput, bytes], bool]
    priority: int = 50  # lower is tried first, so specific formats win over generic ones


FORMATS: dict[str, Format] = {}


MAX_NESTING = 32  # JSON levels kept in a record's properties/meta; GeoJSON coordinates need 4


def nesting_depth(value: Any, limit: int = MAX_NESTING) -> int:
    """How deep ``value`` nests (lists and dicts), counted without recursion and stopping once
    past ``limit``: a structure deeper than the JSON encoder's stack would be a poison record
    (storable by nothing, or stored and then unreadable by every export)."""
    depth = 0
    level = [value]
    while level and depth <= limit:
        nxt: list[Any] = []
        for v in level:
            if isinstance(v, dict):
                nxt.extend(v.values())
            elif isinstance(v, list | tuple):
                nxt.extend(v)
        if not nxt:
            break
        depth += 1
        level = nxt
    return depth


def register(fmt: Format) -> Format:
    FORMATS[fmt.name] = fmt
    return fmt


def detect_format(raw: RawInput) -> Format:
    """Pick the ingestor for an input by name and first bytes; refuse what none recognises."""
    head = raw.head()
    if not head.strip():
        raise IngestError(raw.origin, "empty file")
    for fmt in sorted(FORMATS.values(), key=lambda f: f.priority):
        if fmt.detect(raw, head):
            return fmt
    raise IngestError(
        raw.origin,
        "unrecognised format (expected text, Markdown, HTML, RSS/Atom, "
        "Telegram result.json, X tweets.js/JSON Lines or GeoJSON)",
    )


def suffix(raw: RawInput) -> str:
    return Path(raw.name).suffix.lower()
