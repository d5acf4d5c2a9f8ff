"""RSS and Atom feeds: one Source per entry, the feed's title as outlet."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
import lxml.html

from frontlens.config import Settings
from frontlens.ingest.base import (
    Format,
    IngestError,
    ItemError,
    Produced,
    RawInput,
    item_reason,
    register,
)
from frontlens.ingest.base import suffix as _suffix
from frontlens.ingest.html import NOT_XML
from frontlens.model import Source

_FEED_HEAD = re.compile(rb"<rss[\s>]|<feed[\s>]|<rdf:RDF[\s>]", re.I)
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")


def _valid_char_ref(m: re.Match[bytes]) -> bytes:
    """A numeric character reference to a surrogate, NUL or a code point past U+10FFFF made
    feedparser's lenient parser raise UnicodeEncodeError/ValueError and cost the whole feed;
    it becomes U+FFFD, as an HTML parser would read it."""
    code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    return m.group(0) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else b"&#xFFFD;"


def html_to_text(fragment: str) -> str:
    """Feed summaries are HTML fragments; keep their visible text only."""
    if "<" not in fragment:
        return fragment.strip()
    fragment = NOT_XML.sub(" ", fragment)  # else drop_tree() below raises on them
    try:
        doc = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml raises several types on junk; the raw text is still better than none
        return re.sub(r"<[^>]+>", " ", fragment).strip()
    for el in doc.xpath("//script|//style|//iframe|//object|//embed"):
        el.drop_tree()
    for br in doc.xpath("//br|//p|//div|//li"):
        br.tail = "\n" + (br.tail or "")
    return "\n".join(" ".join(ln.split()) for ln in doc.text_content().splitlines() if ln.strip())


def _text(value: str, detail: Any) -> str:
    """A feed text construct as plain text: HTML only where the feed says so (Atom's
    ``type="html"``, or feedparser's reading of an RSS element that holds markup); a plain
    title such as "Navy drills <again>" keeps its angle brackets instead of losing "again" to
    an HTML parser."""
    kind = (detail.get("type") if isinstance(detail, dict) else None) or "text/html"
    if "html" in kind:
        return html_to_text(value)
    return "\n".join(" ".join(ln.split()) for ln in value.splitlines() if ln.strip())


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        if entry.get(key):
            return datetime.fromtimestamp(calendar.timegm(entry[key]), UTC)
    return None


def parse(raw: RawInput, settings: Settings) -> Iterator[Produced]:
    data = _CHAR_REF.sub(_valid_char_ref, raw.read_bytes(settings.max_doc_bytes))
    try:
        # feedparser's own sanitizer is not needed (markup becomes text through html_to_text,
        # which drops scripts) and its sgmllib regexes are quadratic in a long attribute value:
        # a 100 KB entry took 200 s
        parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # its lenient parser has more failure modes than it documents
        raise IngestError(raw.origin, f"unparseable feed: {item_reason(exc)}") from exc
    if not parsed.entries:
        why = f": {parsed.bozo_exception}" if parsed.bozo else " (no entries)"
        raise IngestError(raw.origin, f"not a usable RSS/Atom feed{why}")
    outlet = parsed.feed.get("title")
    for n, entry in enumerate(parsed.entries, 1):
        try:
            yield _entry(raw, parsed, outlet, n, entry)
        except Exception as exc:  # one odd entry must not cost the rest
            yield ItemError(raw.origin, f"entry {n}", item_reason(exc))


def _entry(raw: RawInput, parsed: Any, outlet: str | None, n: int, entry: Any) -> Produced:
    body = ""
    if entry.get("content"):
        body = " ".join(_text(c.get("value", "") or "", c) for c in entry.content)
    body = body.strip() or _text(entry.get("summary", "") or "", entry.get("summary_detail"))
    title = _text(entry.get("title", "") or "", entry.get("title_detail")) or None
    if not body and not title:
        return ItemError(raw.origin, f"entry {n}", "no title and no text")
    media = [m.get("url") for m in entry.get("media_content", []) if m.get("url")]
    media += [e.get("href") for e in entry.get("enclosures", []) if e.get("href")]
    return Source(
        kind="feed_item",
        origin=raw.origin,
        external_id=entry.get("id") or entry.get("link"),
        url=entry.get("link"),
        outlet=outlet,
        author=entry.get("author"),
        title=title,
        language=(entry.get("language") or parsed.feed.get("language") or "")[:2].lower()
        or None,
        published_at=_when(entry),
        retrieved_at=raw.retrieved_at,
        text=body or (title or ""),
        media=media,
        meta={
            "format": "atom" if parsed.version.startswith("atom") else "rss",
            "feed_url": parsed.feed.get("link"),
        },
    )


def _detect(raw: RawInput, head: bytes) -> bool:
    ct = raw.content_type or ""
    if any(t in ct for t in ("rss", "atom", "rdf")):
        return True
    return (_suffix(raw) in {".rss", ".atom", ".xml", ""} or "xml" in ct) and bool(
        _FEED_HEAD.search(head)
    )


FORMAT = register(
    Format("feed", "RSS or Atom feed (one source per entry)", parse, _detect, priority=40)
)
