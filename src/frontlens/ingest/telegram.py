"""Telegram Desktop channel exports (``result.json``): one Source per message.

The export is streamed, so a channel's whole history does not have to fit in memory. Message
text is either a string or a list mixing strings and entity objects; both are flattened to the
text a reader sees, with link targets kept apart. ``date_unixtime`` is preferred over ``date``
because the latter is in the exporting computer's local time, with no zone given.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any

from frontlens.config import Settings
from frontlens.ingest.base import (
    Format,
    IngestError,
    ItemError,
    Produced,
    RawInput,
    guarded,
    register,
)
from frontlens.ingest.jsonstream import TooDeep, skip_bom, stream_array
from frontlens.model import Source

_MEDIA_KEYS = ("photo", "file", "thumbnail")


def flatten_text(text: Any) -> tuple[str, list[str]]:
    """Return (visible text, link targets) from a message's ``text`` field."""
    if isinstance(text, str):
        return text, []
    if not isinstance(text, list):
        raise ValueError(f"'text' is a {type(text).__name__}, expected a string or a list")
    parts: list[str] = []
    links: list[str] = []
    for piece in text:
        if isinstance(piece, str):
            parts.append(piece)
        elif isinstance(piece, dict):
            parts.append(str(piece.get("text", "")))
            if piece.get("type") == "text_link" and piece.get("href"):
                links.append(str(piece["href"]))
            elif piece.get("type") == "link":
                links.append(str(piece.get("text", "")))
    return "".join(parts), links


def _published(msg: dict[str, Any]) -> datetime:
    if "date_unixtime" in msg:
        return datetime.fromtimestamp(int(msg["date_unixtime"]), UTC)
    return datetime.fromisoformat(str(msg["date"]))  # naive: exporter's local time, taken as UTC


def _message(msg: Any, channel: dict[str, Any], raw: RawInput,
             max_text: int | None = None) -> Source | None:
    if not isinstance(msg, dict):
        raise ValueError("message is not an object")
    for field in ("id", "date"):
        if field not in msg:
            raise ValueError(f"missing field '{field}'")
    if msg.get("type", "message") != "message":
        return None  # service messages: pins, joins, title changes
    text, links = flatten_text(msg.get("text", ""))
    if max_text is not None and len(text) > max_text:  # refused before it is normalised
        raise ValueError(f"text is {len(text):,} characters, above the {max_text:,} limit "
                         "(FRONTLENS_MAX_TEXT_CHARS)")
    # a media field is a file path; any other value names no file (the original keeps it)
    media = [msg[k] for k in _MEDIA_KEYS if isinstance(msg.get(k), str) and msg[k]]
    channel_id = channel.get("id")
    name = channel.get("name") or msg.get("from")
    meta: dict[str, Any] = {"format": "telegram", "channel_id": channel_id, "message_id": msg["id"]}
    if links:
        meta["links"] = links
    for key in ("edited", "reply_to_message_id", "media_type", "views"):
        if key in msg:
            meta[key] = msg[key]
    return Source(
        kind="telegram",
        origin=raw.origin,
        external_id=f"{channel_id or name}/{msg['id']}",
        outlet=name,
        author=msg.get("author") or msg.get("from"),
        published_at=_published(msg),
        retrieved_at=raw.retrieved_at,
        text=text,
        media=media,
        forwarded_from=msg.get("forwarded_from"),
        meta=meta,
    )


def parse(raw: RawInput, settings: Settings) -> Iterator[Produced]:
    if raw.size > settings.max_stream_bytes:
        raise IngestError(raw.origin, f"file is larger than {settings.max_stream_bytes} bytes")
    channel: dict[str, Any] = {}
    n = 0  # position among messages, as Telegram Desktop shows them (1-based)
    with raw.open() as fh:
        for kind, value in stream_array(skip_bom(fh), "messages", raw.origin,
                                       settings.max_item_depth):
            if kind == "meta":
                channel[value[0]] = value[1]
                continue
            n += 1
            if isinstance(value, TooDeep):
                yield ItemError(raw.origin, _where(n, value), str(value))
                continue
            src = guarded(raw.origin, _where(n, value),
                          partial(_message, value, channel, raw, settings.max_text_chars))
            if src is not None:
                yield src
    if n == 0:
        raise IngestError(
            raw.origin, "not a Telegram channel export: no 'messages' list, or it is empty"
        )


def _where(n: int, value: Any) -> str:
    mid = value.get("id", "?") if isinstance(value, dict) else "?"
    return f"message #{n} (id {str(mid)[:40]})"


def _detect(raw: RawInput, head: bytes) -> bool:
    return raw.name == "result.json" or (b'"messages"' in head and b'_channel"' in head)


FORMAT = register(
    Format("telegram", "Telegram Desktop channel export (result.json)", parse, _detect, priority=10)
)
