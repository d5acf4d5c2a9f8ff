"""X/Twitter: the data archive's ``tweets.js`` and a JSON Lines form (one post per line).

Archive files begin with ``window.YTD.tweets.part0 = `` before the JSON array; the account's
handle lives in ``account.js`` beside it, which is read when present.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import IO, Any

from frontlens.config import Settings
from frontlens.ingest.base import (
    Format,
    IngestError,
    ItemError,
    Produced,
    RawInput,
    guarded,
    register,
    suffix,
)
from frontlens.ingest.jsonstream import TooDeep, stream_array
from frontlens.ingest.text import parse_date
from frontlens.model import Source

_YTD = re.compile(rb"^\s*window\.YTD\.[\w.]+\s*=\s*")
_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"


def parse_time(value: str, origin: str) -> datetime:
    try:
        return datetime.strptime(value, _TWITTER_TIME)
    except ValueError:
        stamp = parse_date(value, origin, "created_at")
        if stamp is None:
            raise IngestError(origin, "empty created_at") from None
        return stamp


def _media(tweet: dict[str, Any]) -> list[str]:
    urls: list[str] = []
    for block in (tweet.get("extended_entities") or {}, tweet.get("entities") or {}):
        for m in block.get("media", []) or []:
            url = m.get("media_url_https") or m.get("media_url") or m.get("expanded_url")
            if url and url not in urls:
                urls.append(url)
    for m in tweet.get("media", []) or []:  # JSON Lines form: list of urls or objects
        url = m if isinstance(m, str) else (m.get("url") or m.get("media_url_https"))
        if url and url not in urls:
            urls.append(url)
    return urls


def _language(code: Any) -> str | None:
    """X's own tag; 'und', 'qme' (media only) and the like mean it did not know."""
    return str(code)[:2].lower() if code and code not in {"und", "qme", "qht", "zxx"} else None


def _tweet(obj: Any, raw: RawInput, handle: str | None) -> Source:
    if not isinstance(obj, dict):
        raise ValueError("not an object")
    tweet = obj.get("tweet", obj)
    tid = tweet.get("id_str") or tweet.get("id")
    text = tweet.get("full_text") if "full_text" in tweet else tweet.get("text")
    if tid is None:
        raise ValueError("missing field 'id'")
    if text is None:
        raise ValueError("missing field 'full_text'")
    if not tweet.get("created_at"):
        raise ValueError("missing field 'created_at'")
    user = tweet.get("user") or {}
    if isinstance(user, str):
        user = {"screen_name": user}
    screen = user.get("screen_name") or user.get("username") or handle
    links = [
        u.get("expanded_url")
        for u in (tweet.get("entities") or {}).get("urls", [])
        if isinstance(u, dict) and u.get("expanded_url")
    ]
    return Source(
        kind="tweet",
        origin=raw.origin,
        external_id=str(tid),
        url=f"https://x.com/{screen or 'i/web'}/status/{tid}",
        outlet=f"@{screen}" if screen else None,
        author=user.get("name") or (f"@{screen}" if screen else None),
        language=_language(tweet.get("lang")),
        published_at=parse_time(str(tweet["created_at"]), raw.origin),
        retrieved_at=raw.retrieved_at,
        text=str(text),
        media=_media(tweet),
        meta={"format": "x", **({"links": links} if links else {})},
    )


def _account_handle(raw: RawInput) -> str | None:
    if raw.path is None:
        return None
    account = raw.path.with_name("account.js")
    if not account.exists():
        return None
    try:
        body = _YTD.sub(b"", account.read_bytes(), count=1)
        return json.loads(body)[0]["account"]["username"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _after_prefix(fh: IO[bytes], origin: str) -> IO[bytes]:
    head = fh.read(256)
    m = _YTD.match(head)
    if not m:
        raise IngestError(origin, "not an X archive file: missing 'window.YTD....= ' prefix")
    fh.seek(m.end())
    return fh


def parse_archive(raw: RawInput, settings: Settings) -> Iterator[Produced]:
    handle = _account_handle(raw)
    with raw.open() as fh:
        for n, (kind, value) in enumerate(
            stream_array(_after_prefix(fh, raw.origin), "", raw.origin,
                         settings.max_item_depth)
        ):
            if kind != "item":
                continue
            if isinstance(value, TooDeep):
                yield ItemError(raw.origin, f"tweet #{n}", str(value))
                continue
            yield guarded(raw.origin, f"tweet #{n}", partial(_tweet, value, raw, handle))


def parse_jsonl(raw: RawInput, settings: Settings) -> Iterator[Produced]:
    seen = 0
    with raw.open() as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            seen += 1
            yield guarded(raw.origin, f"line {lineno}", partial(_tweet_line, line, raw))
    if not seen:
        raise IngestError(raw.origin, "empty file")


def _tweet_line(line: bytes, raw: RawInput) -> Source:
    return _tweet(_json_line(line), raw, None)


def _json_line(line: bytes) -> Any:
    try:
        return json.loads(line)
    except UnicodeDecodeError as exc:
        raise ValueError("not valid UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON: {exc.msg}") from exc


def _detect_archive(raw: RawInput, head: bytes) -> bool:
    return bool(_YTD.match(head)) and b"tweet" in head[:200]


def _detect_jsonl(raw: RawInput, head: bytes) -> bool:
    return suffix(raw) in {".jsonl", ".ndjson"} or (
        head.lstrip().startswith(b"{") and b"\n{" in head and b"full_text" in head
    )


register(
    Format(
        "x-archive", "X/Twitter data archive tweets.js", parse_archive, _detect_archive, priority=10
    )
)
register(
    Format(
        "x-jsonl",
        "X/Twitter posts as JSON Lines (id, created_at, full_text, user)",
        parse_jsonl,
        _detect_jsonl,
        priority=30,
    )
)
