"""Streaming JSON for large exports (Telegram result.json, tweets.js, GeoJSON).

A 200 MB channel export must not become a 2 GB Python object: items of one top-level array are
built one at a time, and top-level scalars (channel name, layer date) are reported as they pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any, Literal

import ijson

from frontlens.ingest.base import IngestError

_SCALARS = frozenset({"string", "number", "boolean", "null"})
Event = tuple[Literal["meta"], tuple[str, Any]] | tuple[Literal["item"], Any]


def skip_bom(fh: IO[bytes]) -> IO[bytes]:
    if fh.read(3) != b"\xef\xbb\xbf":
        fh.seek(0)
    return fh


def stream_array(fh: IO[bytes], array_key: str, origin: str) -> Iterator[Event]:
    """Yield ``("meta", (key, value))`` for top-level scalars and ``("item", obj)`` for each
    element of the top-level array ``array_key`` ("" for a top-level array), in file order."""
    item_prefix = f"{array_key}.item" if array_key else "item"
    builder: Any = None
    try:
        for prefix, event, value in ijson.parse(fh, use_float=True):
            if builder is not None:
                builder.event(event, value)
                if prefix == item_prefix and event in ("end_map", "end_array"):
                    yield "item", builder.value
                    builder = None
                continue
            if prefix == item_prefix:
                if event in ("start_map", "start_array"):
                    builder = ijson.ObjectBuilder()
                    builder.event(event, value)
                else:
                    yield "item", value
            elif prefix and "." not in prefix and event in _SCALARS:
                yield "meta", (prefix, value)
    except ijson.JSONError as exc:
        raise IngestError(origin, f"malformed JSON: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise IngestError(origin, f"JSON is not valid UTF-8: {exc}") from exc
