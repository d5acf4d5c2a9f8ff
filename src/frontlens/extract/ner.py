"""Named entities and tokens per language, written to ``doc.ents`` and ``doc.user["tokens"]``.

- English: spaCy's small English model (its Doc is kept in ``doc.user["spacy"]``). It mislabels
  Ukrainian toponyms (Balakliia → PERSON), so the places component decides with the gazetteer.
- Russian: natasha's news NER; lemmas from pymorphy3.
- Ukrainian: no packaged NER exists, so spaCy's blank Ukrainian tokenizer, pymorphy3 lemmas and
  rules: capitalised runs with a first-name/surname/patronymic reading, or after a title word.

Labels are unified to PER, ORG, LOC, NORP, DATE (others kept as spaCy names them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from frontlens.extract import models
from frontlens.extract.doc import Doc, EntitySpan, component
from frontlens.extract.lang import get_pack

_SPACY_LABELS = {"PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "ORG": "ORG"}
_WORD = re.compile(r"[^\W\d_]", re.UNICODE)
_NAME_TAGS = ("Name", "Surn", "Patr")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    lemma: str
    pos: str = ""
    is_title: bool = False


# spaCy's parser needs about 1 GB per 100k characters; longer texts are parsed in pieces.
SPACY_CHUNK = 50_000


def chunk_bounds(text: str, size: int = SPACY_CHUNK) -> list[tuple[int, int]]:
    """Pieces of at most ``size`` chars, cut at a line break or space where there is one."""
    out, start = [], 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            cut = max(text.rfind("\n", start, end), text.rfind(" ", start, end))
            end = cut + 1 if cut > start else end
        out.append((start, end))
        start = end
    return out


@component("ner.en")
def ner_en(doc: Doc) -> Doc:
    sdoc = doc.user.get("spacy")
    if sdoc is None and len(doc.text) <= SPACY_CHUNK:
        sdoc = models.spacy_en()(doc.text)
    if sdoc is not None:
        doc.user["spacy"] = sdoc
        _add_spacy(doc, sdoc, 0)
        return doc
    # A very long text: no document-wide parse is kept, components fall back to tokens.
    bounds = chunk_bounds(doc.text)
    nlp = models.spacy_en()
    doc.user["tokens"] = []
    for (start, _end), piece in zip(
        bounds, nlp.pipe(doc.text[s:e] for s, e in bounds), strict=True
    ):
        _add_spacy(doc, piece, start)
    doc.notes.append(f"long text: parsed in {len(bounds)} pieces")
    return doc


def _add_spacy(doc: Doc, sdoc: Any, offset: int) -> None:
    doc.user.setdefault("tokens", []).extend(
        Token(offset + t.idx, offset + t.idx + len(t.text), t.text, t.lemma_.lower() or t.lower_,
              t.pos_, t.text[:1].isupper())
        for t in sdoc
    )
    doc.ents.extend(
        EntitySpan(offset + e.start_char, offset + e.end_char,
                   _SPACY_LABELS.get(e.label_, e.label_), e.text, "spacy")
        for e in sdoc.ents
    )


def _morph_tokens(doc: Doc, lang: str, spans: list[tuple[int, int, str]]) -> list[Token]:
    out = []
    for start, end, text in spans:
        if _WORD.search(text):
            found = models.parses(lang, text)
            lem = found[0].normal_form if found else text.lower()
            pos = str(found[0].tag.POS or "") if found else ""
        else:
            lem, pos = text, "PUNCT"
        out.append(Token(start, end, text, lem, pos, text[:1].isupper()))
    return out


@component("ner.ru")
def ner_ru(doc: Doc) -> Doc:
    from natasha import Doc as NDoc

    segmenter, tagger = models.natasha()
    ndoc = NDoc(doc.text)
    ndoc.segment(segmenter)
    ndoc.tag_ner(tagger)
    doc.user["tokens"] = _morph_tokens(
        doc, "ru", [(t.start, t.stop, t.text) for t in ndoc.tokens]
    )
    doc.ents.extend(
        EntitySpan(s.start, s.stop, s.type, s.text, "natasha") for s in ndoc.spans
    )
    return doc


def _has_name_reading(tok: Token, lang: str) -> bool:
    return any(any(t in p.tag for t in _NAME_TAGS) for p in models.parses(lang, tok.text))


@component("ner.uk")
def ner_uk(doc: Doc) -> Doc:
    sdoc = models.spacy_blank("uk")(doc.text)
    tokens = _morph_tokens(doc, "uk", [(t.idx, t.idx + len(t.text), t.text) for t in sdoc])
    doc.user["tokens"] = tokens
    titles = get_pack("uk").words("person_titles")
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        titled = i > 0 and tokens[i - 1].lemma in titles
        initial = len(tok.text) == 2 and tok.text.endswith(".") and tok.is_title
        if tok.is_title and (titled or initial or _has_name_reading(tok, "uk")):
            j = i + 1
            while j < len(tokens) and j - i < 4 and tokens[j].is_title and (
                _has_name_reading(tokens[j], "uk") or tokens[j - 1].text.endswith(".")
            ):
                j += 1
            if j - i >= 2 or titled:
                start, end = tokens[i].start, tokens[j - 1].end
                doc.ents.append(EntitySpan(start, end, "PER", doc.text[start:end], "uk-rules"))
                i = j
                continue
        i += 1
    return doc
