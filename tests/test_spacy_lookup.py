"""The lookup versions of spaCy's attribute ruler and lemmatizer set the same token attributes
as the shipped pipes (extract/spacy_lookup.py, models.spacy_en)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import spacy

from frontlens.extract import models
from frontlens.extract.spacy_lookup import compile_rules, lemma_lookup

SAMPLE = Path(__file__).resolve().parents[1] / "sample" / "articles"
ATTRS = ["TAG", "POS", "MORPH", "LEMMA", "DEP", "HEAD", "ENT_IOB", "ENT_TYPE", "SENT_START"]
# the exceptions' corners: two-token patterns with a target index ("gon na", "let 's"), an
# expletive before a copula, REGEX ("y'all", "ai n't"), NOT_IN on DEP, space tokens, pronouns
# by dependency, "that" as a relative pronoun
TRICKY = [
    "I ain't gonna do it. Let's go, y'all!\nGotta run \n  ok",
    "There is a tank near Izium. There were two. They're gon na shell it, c'mon.",
    "Russian forces said that they had taken it; the town that they took was Balakliia.",
    "  \n\nHeadline without a full stop\nBody. Got ta go.  Gets done.\t\n",
    "",
]


def _texts() -> list[str]:
    front = re.compile(r"\A---\n.*?\n---\n", re.S)
    return [front.sub("", p.read_text(encoding="utf-8")) for p in sorted(SAMPLE.glob("*-en-*.md"))]


@pytest.fixture(scope="module")
def shipped() -> spacy.language.Language:
    """The model as shipped, plus frontlens's line-break pipe (registered by spacy_en)."""
    models.spacy_en()
    nlp = spacy.load(models.SPACY_EN)
    nlp.add_pipe("frontlens_line_breaks", before="parser")
    return nlp


def test_spacy_en_swaps_ruler_and_lemmatizer_for_lookups() -> None:
    names = models.spacy_en().pipe_names
    assert "frontlens_attribute_rules" in names and "attribute_ruler" not in names
    assert "frontlens_lemmas" in names and "lemmatizer" not in names


def test_lookups_set_the_same_token_attributes_as_the_shipped_pipes(shipped) -> None:
    ours = models.spacy_en()
    texts = _texts() + TRICKY
    for ref, got in zip(shipped.pipe(texts), ours.pipe(texts), strict=True):
        assert (ref.to_array(ATTRS) == got.to_array(ATTRS)).all(), ref.text[:60]
        assert [(str(t.morph), t.lemma_, t.pos_) for t in ref] == \
            [(str(t.morph), t.lemma_, t.pos_) for t in got]
    # the same again once every key is cached
    ref, got = shipped(TRICKY[0]), ours(TRICKY[0])
    assert [t.lemma_ for t in ref] == [t.lemma_ for t in got]


@pytest.mark.parametrize("pattern", [
    [{"TEXT": "Kyiv"}],  # an attribute the lookup key does not hold
    [{"LOWER": "tank", "OP": "+"}],  # a quantifier
    [{"LOWER": {"FUZZY": "tank"}}],  # an operator it does not reproduce
])
def test_patterns_the_lookup_cannot_reproduce_are_refused(pattern) -> None:
    vocab = spacy.blank("en").vocab
    with pytest.raises(ValueError):
        compile_rules([{"patterns": [pattern], "attrs": {"POS": "NOUN"}, "index": 0}], vocab)


def test_a_lookup_mode_lemmatizer_is_kept() -> None:
    nlp = spacy.blank("en")
    lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    with pytest.raises(ValueError):
        lemma_lookup(lemmatizer)
