"""Plain text and Markdown, with optional YAML front matter (title, url, date, outlet...)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import yaml

from frontlens.config import Settings
from frontlens.ingest.base import (
    MAX_NESTING,
    Format,
    IngestError,
    Produced,
    RawInput,
    nesting_depth,
    register,
    suffix,
)
from frontlens.ingest.decode import decode_bytes
from frontlens.model import Source

_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.S)
_HEADING = re.compile(r"^#{1,3}\s+(.+?)\s*#*\s*$", re.M)
_KNOWN_KEYS = {"title", "url", "date", "published", "outlet", "author", "language", "lang"}


_MONTH_ONLY = re.compile(r"(\d{4})-(\d{2})")


def date_precision(value: Any) -> str | None:
    """"month" for a month-only date such as 2023-06, else None (day or finer)."""
    return "month" if value is not None and _MONTH_ONLY.fullmatch(str(value).strip()) else None


def parse_date(value: Any, origin: str, field: str = "date") -> datetime | None:
    """Front-matter and feed dates: datetimes, dates (midnight UTC) or ISO 8601 strings."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if (m := _MONTH_ONLY.fullmatch(str(value).strip())) and 1 <= int(m.group(2)) <= 12:
        # ISO 8601 reduced precision ("2023-06"): the first of the month, marked by the caller
        return datetime(int(m.group(1)), int(m.group(2)), 1, tzinfo=UTC)
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise IngestError(origin, f"{field} {value!r} is not an ISO 8601 date") from exc


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: front matter never needs them, and a 500-byte
    "billion laughs" of nested aliases expands to gigabytes once the metadata is serialised."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in front matter", event.start_mark)
        return super().compose_node(parent, index)


def split_front_matter(text: str, origin: str,
                       max_depth: int = MAX_NESTING) -> tuple[dict[str, Any], str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.load(m.group(1), Loader=_NoAliasLoader) or {}
    except yaml.YAMLError as exc:
        raise IngestError(origin, f"front matter is not valid YAML: {exc}") from exc
    except RecursionError as exc:  # PyYAML composes recursively: "[[[[…" 1,000 deep
        raise IngestError(origin, "front matter is nested too deeply to read") from exc
    if not isinstance(meta, dict):
        raise IngestError(origin, "front matter is not a key: value mapping")
    if nesting_depth(meta, max_depth) > max_depth:  # kept in meta: nothing nested past that
        raise IngestError(origin, f"front matter nested deeper than {max_depth} levels "
                          "(FRONTLENS_MAX_META_DEPTH)")
    return meta, text[m.end() :]


def parse(raw: RawInput, settings: Settings) -> Iterator[Produced]:
    text, encoding = decode_bytes(raw.read_bytes(settings.max_doc_bytes), raw.origin)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta, body = split_front_matter(text, raw.origin, settings.max_meta_depth)
    if not body.strip():
        raise IngestError(raw.origin, "no text after the front matter")
    title = meta.get("title")
    if not title and (h := _HEADING.search(body[:2000])):
        title = h.group(1)
    language = meta.get("language") or meta.get("lang")
    extra = {k: v for k, v in meta.items() if k not in _KNOWN_KEYS}
    stamp = meta.get("date") or meta.get("published")
    yield Source(
        kind="article" if meta.get("url") or meta.get("outlet") else "text",
        origin=raw.origin,
        url=_scalar(meta.get("url")) or raw.url,
        outlet=_scalar(meta.get("outlet")),
        author=_scalar(meta.get("author")),
        title=_scalar(title),
        language=str(language).lower()[:8] if language else None,
        published_at=parse_date(stamp, raw.origin),
        retrieved_at=raw.retrieved_at,
        text=body.strip("\n"),
        meta={
            "encoding": encoding,
            "format": "markdown" if suffix(raw) in {".md", ".markdown"} else "text",
            **({"front_matter": _jsonable(extra)} if extra else {}),
            **({"date_precision": p} if (p := date_precision(stamp)) else {}),
        },
    )


def _scalar(value: Any) -> str | None:
    """Front matter is hand-written: accept a list of authors or a numeric outlet as text."""
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v is not None) or None
    return str(value)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    return obj


def _detect(raw: RawInput, head: bytes) -> bool:
    return suffix(raw) in {".txt", ".md", ".markdown", ".text", ""} or (
        raw.content_type or ""
    ).startswith("text/plain")


FORMAT = register(
    Format(
        "text",
        "Plain text or Markdown with optional YAML front matter",
        parse,
        _detect,
        priority=90,
    )
)
