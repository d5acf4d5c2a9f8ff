"""Sentence boundaries for English, Ukrainian and Russian news text.

A rule splitter is enough for attribution windows and record spans, and it is fast; it keeps
abbreviations ("Gen.", "St.", "ст.", "м.", "р.", "н.п." for a settlement) and initials
("В. Зеленський") together.
"""

from __future__ import annotations

import re

from frontlens.extract.doc import Doc, component

_END = re.compile(r"""[.!?…]+["'»”’)\]]*(?=\s+["'«“„(\[]?[A-ZА-ЯІЇЄҐЁ0-9])|\n+""")
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|St|Sen|Rep|Gov|Jan|Feb|Mar|Apr|Jun|Jul|Aug|"
    r"Sep|Sept|Oct|Nov|Dec|No|vs|U\.S|U\.K|ст|м|р|с|г|обл|ім|им|т\.д|т\.п|проф|ген|полк|н\.\s?п|смт|пгт)\.?"
    r"|\b[A-ZА-ЯІЇЄҐ])\.$"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        end = m.end()
        if m.group().strip() and _ABBREV.search(text[max(start, end - 12) : end]):
            continue
        if text[start:end].strip():
            out.append(_trim(text, start, end))
        start = end
    if text[start:].strip():
        out.append(_trim(text, start, len(text)))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@component("sentences")
def sentences(doc: Doc) -> Doc:
    doc.sents = split_sentences(doc.text)
    return doc
