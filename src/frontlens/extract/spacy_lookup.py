"""Two of spaCy's English pipes done by table lookup, with the same token attributes.

``attribute_ruler`` (tag → POS/morphology map and ~120 exceptions) runs a ``Matcher`` with 179
patterns over every token: about 8 ms of a ~65 ms parse per news-length document, more than the
tagger. Each pattern is a fixed run of one or two tokens constrained only on TAG, LOWER, DEP and
IS_SPACE, so whether a pattern token matches depends on those four values of one token alone.
``apply_rules`` evaluates the model's own patterns once per distinct (tag, lower, dep,
is_space) and applies them the way ``AttributeRuler`` does: every match is found on the tokens
as the parser left them, and the attributes are written in pattern order, a later pattern
overriding an earlier one. ``compile_rules`` refuses (``ValueError``) a pattern outside that
subset (another attribute, an operator, a quantifier); ``models.spacy_en`` then keeps the
shipped ruler.

The rule ``lemmatizer`` makes a spaCy Token object per token to look its lemma up; the lemma is
a function of the token's (orth, POS, morphology), the key of spaCy's own cache, so
``apply_lemmas`` reads those three through ``Doc.to_array`` and asks the shipped lemmatizer only
for a key it has not seen.

Both are checked token attribute by token attribute against the shipped pipeline in
``tests/test_spacy_lookup.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, ORTH, POS, TAG

# The token values a pattern may test, in the order of the lookup key.
_TESTED = {"TAG": 0, "LOWER": 1, "DEP": 2, "IS_SPACE": 3}
_READ = [TAG, LOWER, DEP, IS_SPACE]
# The attributes a rule may set: written back through ``Doc.from_array`` (no HEAD, so the
# parse's tree and sentence starts are left as they are).
_WRITTEN = [TAG, POS, MORPH, LEMMA, DEP]

Check = Callable[[tuple[int, ...]], bool]


@dataclass(frozen=True)
class Rule:
    """One ruler pattern: its order (later wins), token checks, target token and attributes."""

    order: int
    tokens: tuple[tuple[Check, ...], ...]
    index: int
    attrs: tuple[tuple[int, int], ...]  # (column in _WRITTEN, value)


@dataclass
class Rules:
    """The ruler's patterns, and what they do to a token, cached per (tag, lower, dep,
    is_space)."""

    single: list[Rule]  # one-token patterns: their effect is cached per token key
    multi: list[Rule]  # longer runs: which of their tokens a key matches is cached as bits
    cache: dict[tuple[int, ...], tuple[tuple[tuple[int, int, int], ...], int]]
    first_bits: int = 0  # the bits of the multi rules' first tokens


def _check(col: int, spec: Any, strings: Any) -> Check:
    if isinstance(spec, bool):
        want = int(spec)
        return lambda key: key[col] == want
    if isinstance(spec, str):
        value = strings.add(spec)
        return lambda key: key[col] == value
    if isinstance(spec, dict) and len(spec) == 1:
        (op, arg), = spec.items()
        if op in ("IN", "NOT_IN") and all(isinstance(v, str) for v in arg):
            values = frozenset(strings.add(v) for v in arg)
            if op == "IN":
                return lambda key: key[col] in values
            return lambda key: key[col] not in values
        if op == "REGEX" and isinstance(arg, str):
            rx = re.compile(arg)
            return lambda key: bool(rx.search(strings[key[col]]))
    raise ValueError(f"attribute rule value {spec!r} is not one this lookup reproduces")


_CACHE_MAX = 200_000
_WIDTH = 8  # bits per multi-token rule: patterns up to 8 tokens long


def compile_rules(patterns: list[dict[str, Any]], vocab: Any) -> Rules:
    """The ruler's ``patterns`` as lookup rules; ``ValueError`` for any it cannot reproduce."""
    from spacy.tokens._retokenize import normalize_token_attrs

    single: list[Rule] = []
    multi: list[Rule] = []
    for order, entry in enumerate(patterns):
        attrs = normalize_token_attrs(vocab, dict(entry["attrs"]))
        if "_" in attrs or any(a not in _WRITTEN for a in attrs):
            raise ValueError(f"attribute rule sets {entry['attrs']!r}")
        cols = tuple((_WRITTEN.index(a), int(v)) for a, v in attrs.items())
        for pattern in entry["patterns"]:
            toks = []
            for tok in pattern:
                if not tok or any(k not in _TESTED for k in tok):
                    raise ValueError(f"attribute rule pattern {pattern!r}")
                toks.append(tuple(_check(_TESTED[k], v, vocab.strings) for k, v in tok.items()))
            index = entry.get("index", 0)
            if not toks or len(toks) > _WIDTH or not -len(toks) <= index < len(toks):
                raise ValueError(f"attribute rule pattern {pattern!r}, index {index}")
            rule = Rule(order, tuple(toks), index % len(toks), cols)
            (single if len(toks) == 1 else multi).append(rule)
    first = sum(1 << (r * _WIDTH) for r in range(len(multi)))
    return Rules(single, multi, {}, first)


def _matches(checks: tuple[Check, ...], key: tuple[int, ...]) -> bool:
    return all(check(key) for check in checks)


def _lookup(rules: Rules, key: tuple[int, ...]) -> tuple[tuple[tuple[int, int, int], ...], int]:
    """For a token with this key: (order, column, value) of every one-token rule it matches,
    in rule order, and the bits of the multi-token rules' tokens it matches."""
    found = rules.cache.get(key)
    if found is None:
        writes = tuple((r.order, col, value) for r in rules.single if _matches(r.tokens[0], key)
                       for col, value in r.attrs)
        bits = sum(1 << (r * _WIDTH + j) for r, rule in enumerate(rules.multi)
                   for j, checks in enumerate(rule.tokens) if _matches(checks, key))
        if len(rules.cache) >= _CACHE_MAX:  # a long run's vocabulary: start over
            rules.cache.clear()
        found = rules.cache[key] = (writes, bits)
    return found


def apply_rules(sdoc: Any, rules: Rules) -> Any:
    """Set the rules' attributes on a parsed Doc, as ``AttributeRuler.__call__`` would."""
    import numpy

    n = len(sdoc)
    if not n:
        return sdoc
    found = [_lookup(rules, tuple(row)) for row in sdoc.to_array(_READ).tolist()]
    extra: dict[int, list[tuple[int, int, int]]] = {}
    for i, (_writes, bits) in enumerate(found):
        if not bits & rules.first_bits:
            continue
        for r, rule in enumerate(rules.multi):
            base = r * _WIDTH
            if i + len(rule.tokens) <= n and all(
                found[i + j][1] >> (base + j) & 1 for j in range(len(rule.tokens))
            ):
                extra.setdefault(i + rule.index, []).extend(
                    (rule.order, col, v) for col, v in rule.attrs)
    rows = sdoc.to_array(_WRITTEN).tolist()
    for i, (writes, _bits) in enumerate(found):
        if i in extra:  # stable: within a rule its attributes keep their order; later rules win
            writes = tuple(sorted(writes + tuple(extra[i]), key=lambda w: w[0]))
        row = rows[i]
        for _order, col, value in writes:
            row[col] = value
    sdoc.from_array(_WRITTEN, numpy.array(rows, dtype=numpy.uint64))
    return sdoc


_LEMMA_KEY = [ORTH, POS, MORPH, LEMMA]


def lemma_lookup(lemmatizer: Any) -> dict[tuple[int, int, int], int]:
    """The memo ``apply_lemmas`` fills; ``ValueError`` for a lemmatizer whose lemma may depend
    on more than (orth, POS, morphology): another mode, overwriting, another language's
    ``is_base_form``."""
    from spacy.lang.en.lemmatizer import EnglishLemmatizer
    from spacy.pipeline import Lemmatizer

    if type(lemmatizer) not in (Lemmatizer, EnglishLemmatizer) or lemmatizer.mode != "rule" \
            or lemmatizer.overwrite:
        raise ValueError(f"lemmatizer {type(lemmatizer).__name__} ({lemmatizer.mode}) kept")
    return {}


def apply_lemmas(sdoc: Any, lemmatizer: Any, memo: dict[tuple[int, int, int], int]) -> Any:
    """Set the lemma of every token without one, as the shipped rule lemmatizer would."""
    import numpy

    if not len(sdoc):
        return sdoc
    strings = sdoc.vocab.strings
    lemmas = []
    for i, (orth, pos, morph, lemma) in enumerate(sdoc.to_array(_LEMMA_KEY).tolist()):
        if lemma == 0:
            key = (orth, pos, morph)
            lemma = memo.get(key)
            if lemma is None:
                if len(memo) >= _CACHE_MAX:
                    memo.clear()
                lemma = memo[key] = strings.add(lemmatizer.lemmatize(sdoc[i])[0])
        lemmas.append(lemma)
    sdoc.from_array([LEMMA], numpy.array(lemmas, dtype=numpy.uint64))
    return sdoc
