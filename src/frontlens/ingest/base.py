"""What every ingestor shares: the raw input, errors, and the format registry.

An ingestor is a module with a ``parse(raw, settings)`` generator that yields records
(``Source``, ``MapLayer``, ``MapFeature``) and ``ItemError`` for single items it had to reject,
and raises ``IngestError`` when the whole input is unusable. It registers itself with
:func:`register`, giving a ``detect`` function that looks at the file name and first bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from frontlens.config import Settings, now
from frontlens.model import MapFeature, MapLayer, Source

HEAD_BYTES = 4096
PREAMBLE_MAX_BYTES = 1024 * 1024
"""Most leading whitespace, XML comments and processing instructions skipped to find what an
input is (an RSS root after 4 KB of comments was "unrecognised", 4 KB of blank lines "empty")."""

# control characters, line and paragraph separators, and the lone surrogates a file name with
# non-UTF-8 bytes decodes to (surrogateescape): each would split or garble a one-line message
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    if 0xDC80 <= c <= 0xDCFF:  # a byte that was not UTF-8, as os.fsdecode keeps it
        return f"\\x{c - 0xDC00:02x}"
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(m.group()) or (
        f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}")


def printable(origin: str) -> str:
    """``origin`` (a file name or URL) safe inside a one-line message: a newline or other
    control character in a file name is written as an escape (``\\n``), and a byte that was
    not UTF-8 as ``\\xff``, so the name can neither split the line nor fail to print."""
    return _UNPRINTABLE.sub(_escape, origin)


class IngestError(Exception):
    """The whole input is rejected; ``str()`` is one line: ``origin: reason``."""

    def __init__(self, origin: str, reason: str) -> None:
        reason = " ".join(reason.split())  # parser messages can span lines; ours never do
        super().__init__(f"{printable(origin)}: {reason}")
        self.origin = origin
        self.reason = reason


@dataclass(frozen=True)
class ItemError:
    """One item inside an input was rejected (e.g. a Telegram message missing its date)."""

    origin: str
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{printable(self.origin)}: {self.where}: {' '.join(self.reason.split())}"


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
    retrieved_at: datetime = field(default_factory=now)
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

_NAME_FIELDS = ("author", "outlet", "forwarded_from", "external_id")


def bounded(item: Produced, settings: Settings) -> Produced:
    """A source within the per-field bounds of ``settings`` (``FRONTLENS_MAX_*_CHARS``), or
    the ItemError that rejects it. Names and the title are display fields: a longer one is cut
    and the original length noted in ``meta["truncated"]``. The URL and the text are what a
    record cites: one over its bound rejects the item with the reason (a cut URL would point
    elsewhere, a cut text would be quoted as whole); the rest of the input is stored."""
    if not isinstance(item, Source):
        return item
    where = f"{item.kind} {(item.external_id or item.url or item.id)[:60]}"
    for name, value, limit, setting in (
        ("url", item.url, settings.max_url_chars, "FRONTLENS_MAX_URL_CHARS"),
        ("text", item.text, settings.max_text_chars, "FRONTLENS_MAX_TEXT_CHARS"),
    ):
        if value is not None and len(value) > limit:
            return ItemError(item.origin, where, f"{name} is {len(value):,} characters, above "
                             f"the {limit:,} limit ({setting})")
    limits = {f: settings.max_name_chars for f in _NAME_FIELDS}
    limits["title"] = settings.max_title_chars
    cut = {f: n for f, n in limits.items()
           if isinstance(getattr(item, f), str) and len(getattr(item, f)) > n}
    if not cut:
        return item
    noted = dict(item.meta.get("truncated") or {}) if isinstance(
        item.meta.get("truncated"), dict) else {}
    for f in cut:  # the model may have cut it to its column already and noted the original
        before = noted.get(f)
        noted[f] = max(before if isinstance(before, int) else 0, len(getattr(item, f)))
    return item.model_copy(update={**{f: getattr(item, f)[:n] for f, n in cut.items()},
                                   "meta": {**item.meta, "truncated": noted}})
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


_BLANK = b" \t\r\n\x0b\x0c"
_SKIPPED = ((b"<!--", b"-->"), (b"<?", b"?>"))


def significant_head(raw: RawInput, n: int = HEAD_BYTES,
                     limit: int = PREAMBLE_MAX_BYTES) -> bytes:
    """The first ``n`` bytes after a byte-order mark, leading whitespace, XML comments and
    processing instructions (``<?xml …?>``, ``<?xml-stylesheet …?>``), skipping at most
    ``limit`` bytes: detection then sees the root element or the first text however long
    the preamble. ``b""`` when the input holds nothing else."""
    with raw.open() as fh:
        buf = fh.read(n)
        if buf.startswith(b"\xef\xbb\xbf"):
            buf = buf[3:]
        skipped, eof = 0, False

        def refill(want: int) -> None:
            nonlocal buf, eof
            while not eof and len(buf) < want:
                more = fh.read(max(want - len(buf), n))
                eof = not more
                buf += more

        while skipped <= limit:
            refill(n)
            rest = buf.lstrip(_BLANK)
            if len(rest) < len(buf):
                skipped += len(buf) - len(rest)
                buf = rest
                continue
            for opener, closer in _SKIPPED:
                if buf.startswith(opener):
                    end = buf.find(closer, len(opener))
                    while end < 0 and not eof and len(buf) <= limit:
                        refill(2 * len(buf))
                        end = buf.find(closer, len(opener))
                    if end < 0:
                        return buf[:n]  # unterminated: let the detectors judge it
                    skipped += end + len(closer)
                    buf = buf[end + len(closer):]
                    break
            else:
                return buf[:n]
        return buf[:n]


def detect_format(raw: RawInput) -> Format:
    """Pick the ingestor for an input by name and first bytes; refuse what none recognises."""
    head = significant_head(raw)
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
