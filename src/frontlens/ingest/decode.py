"""Bytes to text for documents whose encoding nobody declared.

Reports from the region arrive as UTF-8, UTF-8 with a BOM, Windows-1251 or KOI8-R, and files
stitched together from several sources mix them line by line. Strict UTF-8 is tried first; lines
that fail it are decoded with the legacy Cyrillic/Latin encoding charset-normalizer finds best
for them. Binary content is refused rather than stored as mojibake.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from frontlens.ingest.base import IngestError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LEGACY = ["cp1251", "koi8_r", "cp1252", "iso8859_5", "mac_cyrillic"]
_MAX_CONTROL_SHARE = 0.02


def _check_text(text: str, origin: str) -> str:
    if not text.strip():
        raise IngestError(origin, "empty file (no text)")
    sample = text[:65536]
    controls = sum(1 for ch in sample if (ch < " " and ch not in "\t\n\r\f") or ch == "\ufffd")
    if controls / len(sample) > _MAX_CONTROL_SHARE:
        raise IngestError(origin, "binary content, not text")
    return text


def decode_bytes(data: bytes, origin: str) -> tuple[str, str]:
    """Return (text, encoding label); raise IngestError for empty or binary input."""
    if not data.strip():
        raise IngestError(origin, "empty file")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(enc), origin), enc
            except UnicodeDecodeError as exc:
                raise IngestError(origin, f"invalid {enc} after byte-order mark: {exc}") from exc
    if b"\x00" in data[:8192]:
        raise IngestError(origin, "binary content (NUL bytes), not text")
    try:
        return _check_text(data.decode("utf-8"), origin), "utf-8"
    except UnicodeDecodeError:
        pass
    lines = data.splitlines(keepends=True)
    bad = [ln for ln in lines if not _is_utf8(ln)]
    guess = from_bytes(b"".join(bad), cp_isolation=_LEGACY).best()
    if guess is None:
        raise IngestError(origin, "unknown text encoding (not UTF-8, cp1251, KOI8-R or Latin-1)")
    legacy = guess.encoding
    out = [ln.decode("utf-8") if _is_utf8(ln) else ln.decode(legacy, "replace") for ln in lines]
    label = legacy if len(bad) == len(lines) else f"utf-8+{legacy}"
    return _check_text("".join(out), origin), label


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
