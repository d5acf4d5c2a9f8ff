"""HTML article pages (files or fetched URLs): main text via trafilatura, metadata from <head>.

Only text is kept; scripts, styles and markup never reach storage, so hostile pages cannot
inject anything into what the dashboard later shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import htmldate.extractors
import htmldate.validators
import lxml.html
import trafilatura
import trafilatura.utils
from lxml import etree

from frontlens.config import Settings
from frontlens.ingest.base import Format, IngestError, Produced, RawInput, register, suffix
from frontlens.ingest.decode import decode_bytes
from frontlens.ingest.text import parse_date
from frontlens.model import Source

# Characters XML forbids: lxml parses them out of HTML but refuses them when drop_tree() writes
# the text back ("All strings must be XML compatible"), which made such a page an internal error
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HTML_HEAD = re.compile(rb"<!doctype html|<html[\s>]|<head[\s>]|<body[\s>]", re.I)
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "pubdate",
    "date",
    "dc.date",
    "DC.date.issued",
    "parsely-pub-date",
)
_DROP = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "nav",
    "footer",
    "header",
    "form",
)


MAX_EXTRACT_ELEMENTS = 50_000
"""Pages with more elements skip trafilatura for the plain visible text: its cost grows about
50 µs per element (a 2.4 MB page of 300,000 table cells took 27 s; 10 MB, minutes),
while a news article has a few thousand."""


TEXT_KEYED_CACHES = (
    trafilatura.utils.trim,
    trafilatura.utils.line_processing,
    htmldate.extractors.try_date_expr,
    htmldate.validators._parse_and_validate,
)
"""trafilatura's and htmldate's module-level LRU caches whose keys and values are a page's own
text (a whole page's text content, a line, an attribute value). They are bounded in entries
(1,024 to 8,192), not in bytes, so each keeps up to its size of whole pages alive across pages:
over 2,000 fuzz pages of 64 kB on average, RSS grew ~70 MB per 1,000 pages in one process
(bench/ingest_memory.py). Emptied after every page: within a page they still save work, across
pages they only hold memory."""


def _release_text_caches() -> None:
    for fn in TEXT_KEYED_CACHES:
        fn.cache_clear()


def _meta(doc: lxml.html.HtmlElement, names: tuple[str, ...]) -> str | None:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            found = doc.xpath(f"//meta[@{attr}=$n]/@content", n=name)
            if found and str(found[0]).strip():
                return str(found[0]).strip()
    return None


def _plain_text(doc: lxml.html.HtmlElement) -> str:
    """Fallback when trafilatura finds no main text: visible text of <body>, markup dropped."""
    for el in doc.xpath("|".join(f"//{t}" for t in _DROP)):
        el.drop_tree()
    body = doc.find("body")
    text = (body if body is not None else doc).text_content()
    lines = (" ".join(ln.split()) for ln in text.splitlines())
    return "\n".join(ln for ln in lines if ln)


def parse(raw: RawInput, settings: Settings) -> Iterator[Produced]:
    html, encoding = decode_bytes(raw.read_bytes(settings.max_doc_bytes), raw.origin)
    html = NOT_XML.sub(" ", html)
    try:
        doc = lxml.html.document_fromstring(
            html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")
        )
    except (etree.ParserError, ValueError) as exc:
        raise IngestError(raw.origin, f"unparseable HTML: {exc}") from exc
    too_big = sum(1 for _ in doc.iter()) > MAX_EXTRACT_ELEMENTS
    try:
        extracted = None if too_big else trafilatura.bare_extraction(
            html,
            url=raw.url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
        )
    finally:
        _release_text_caches()
    text = (getattr(extracted, "text", None) or "").strip()
    if len(text) < 40:  # trafilatura gives up on short pages; keep their visible text
        text = _plain_text(doc)
    if not text.strip():
        raise IngestError(raw.origin, "no readable text in HTML page")
    published: datetime | None = None
    if (stamp := _meta(doc, _DATE_META)) is not None:
        try:
            published = parse_date(stamp, raw.origin)
        except IngestError:
            published = None
    if published is None and (found_date := getattr(extracted, "date", None)):
        published = parse_date(found_date, raw.origin)
    title = getattr(extracted, "title", None) or _meta(doc, ("og:title",))
    if not title and (t := doc.find(".//title")) is not None:
        title = (t.text_content() or "").strip() or None
    lang = doc.get("lang") or _meta(doc, ("og:locale", "language"))
    canonical = _meta(doc, ("og:url",)) or next(
        iter(doc.xpath('//link[@rel="canonical"]/@href')), None
    )
    yield Source(
        kind="article",
        origin=raw.origin,
        url=raw.url or (str(canonical) if canonical else None),
        outlet=getattr(extracted, "sitename", None) or _meta(doc, ("og:site_name",)),
        author=getattr(extracted, "author", None) or _meta(doc, ("author",)),
        title=title,
        language=lang[:2].lower() if lang else None,
        published_at=published,
        retrieved_at=raw.retrieved_at,
        text=text,
        media=[str(u) for u in doc.xpath('//meta[@property="og:image"]/@content')][:5],
        meta={"encoding": encoding, "format": "html",
              **({"text_from": f"visible text (over {MAX_EXTRACT_ELEMENTS} elements)"}
                 if too_big else {})},
    )


def _detect(raw: RawInput, head: bytes) -> bool:
    if suffix(raw) in {".html", ".htm", ".xhtml"}:
        return True
    if "html" in (raw.content_type or ""):
        return True
    return bool(_HTML_HEAD.search(head[:1024])) and b"<rss" not in head and b"<feed" not in head


FORMAT = register(
    Format("html", "HTML article page (main text extracted)", parse, _detect, priority=60)
)
