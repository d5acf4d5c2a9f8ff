"""Streaming JSON for large exports (Telegram result.json, tweets.js, GeoJSON).

A 200 MB channel export must not become a 2 GB Python object: items of one top-level array are
built one at a time, and top-level scalars (channel name, layer date) are reported as they pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any, Literal

import ijson

from frontlens.ingest.base import IngestError

_OPEN = frozenset({"start_map", "start_array"})
_CLOSE = frozenset({"end_map", "end_array"})
Event = tuple[Literal["meta"], tuple[str, Any]] | tuple[Literal["item"], Any]


def skip_bom(fh: IO[bytes]) -> IO[bytes]:
    if fh.read(3) != b"\xef\xbb\xbf":
        fh.seek(0)
    return fh


MAX_ITEM_DEPTH = 64
"""Deepest nesting inside one array item; a deeper item is skipped, not built."""


class TooDeep:
    """Stands in for an array item nested deeper than the limit (it is never built)."""

    def __init__(self, limit: int = MAX_ITEM_DEPTH) -> None:
        self.limit = limit

    def __str__(self) -> str:
        return f"nested deeper than {self.limit} levels (FRONTLENS_MAX_ITEM_DEPTH)"


READ_BYTES = 64 * 1024


class _GrowingReads:
    """A file whose reads double while the parser produces no event.

    ijson's C parser (yajl) re-scans a token that spans reads from its start at every read,
    so one 150 MB string read 64 KB at a time cost ~2,400 re-scans of up to 150 MB each (a
    Telegram message with a huge text took 61-170 s). Reading as much again as was read since
    the last event keeps the re-scans geometric: the time is linear in the token's length."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self.quiet = 0  # bytes read since the parser last produced an event

    def read(self, n: int = READ_BYTES) -> bytes:
        data = self._fh.read(max(n, self.quiet))
        self.quiet += len(data)
        return data


def stream_array(fh: IO[bytes], array_key: str, origin: str,
                 max_depth: int = MAX_ITEM_DEPTH) -> Iterator[Event]:
    """Yield ``("meta", (key, value))`` for top-level scalars and ``("item", obj)`` for each
    element of the top-level array ``array_key`` ("" for a top-level array), in file order.

    Works on ijson's prefix-free events and counts depth itself: ijson's prefixed events
    carry a path string per event, which for a 60 KB file nested 30,000 deep is gigabytes. An
    item nested deeper than ``max_depth`` is yielded as a :class:`TooDeep`."""
    array_depth = 2 if array_key else 1  # container depth inside the target array
    depth = 0
    top_key: str | None = None
    in_array = False
    builder: Any = None
    skipping = False
    try:
        # use_float=False: the C parser's native numbers overflow on integers beyond 64 bits
        # (a Telegram id of 2**70 rejected the whole export); decimals become floats here
        reads = _GrowingReads(fh)
        for event, value in ijson.basic_parse(reads, use_float=False, buf_size=READ_BYTES):
            reads.quiet = 0
            if event == "number" and isinstance(value, Decimal):
                value = float(value)
            if builder is not None or skipping:
                if event in _OPEN:
                    depth += 1
                    if not skipping and depth - array_depth > max_depth:
                        skipping, builder = True, None
                elif event in _CLOSE:
                    depth -= 1
                if builder is not None:
                    builder.event(event, value)
                if depth == array_depth:
                    yield "item", (TooDeep(max_depth) if skipping else builder.value)
                    skipping, builder = False, None
                continue
            if event in _OPEN:
                if in_array:
                    builder = ijson.ObjectBuilder()
                    builder.event(event, value)
                    depth += 1
                    continue
                depth += 1
                if event == "start_array" and depth == array_depth and (
                        not array_key or top_key == array_key):
                    in_array = True
            elif event in _CLOSE:
                if in_array and depth == array_depth:
                    in_array = False
                depth -= 1
            elif event == "map_key":
                if depth == 1:
                    top_key = value
            elif in_array and depth == array_depth:
                yield "item", value
            elif depth == 1 and array_key and top_key is not None:
                yield "meta", (top_key, value)
    except ijson.JSONError as exc:
        raise IngestError(origin, f"malformed JSON: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise IngestError(origin, f"JSON is not valid UTF-8: {exc}") from exc
