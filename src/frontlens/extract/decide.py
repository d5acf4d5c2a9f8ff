"""Learned decisions over what the rules propose.

Hand-written rules generalise poorly from a few documents; they are good at *proposing*. This
component turns their output, and broader cue-word hits, into candidates and lets small
logistic-regression models (trained by ``scripts/train.py`` on ``corpus/train.jsonl``) decide:

- **place**: is this recognised span a place (vs a weapon, vehicle, word, person, unit)?
- **control**: does this sentence claim ``action`` about this place?
- **actor**: which side did it (UA / RU / unknown)? ``new_controller`` follows from it.
- **status**: new, recalled (background), denied or hypothetical?
- **statement**: is this rule statement an attributed claim by a person or organisation (not a
  quote hung on a place name, a headline fragment or a date)?
- **statement_side**: whose side is the speaker on (UA / RU / US / other / unknown)?
- **equipment_side**: who owned the item before its fate (UA / RU / unknown)?

Candidates and features are computed by the same functions at training and run time, so what
was learned is what runs. Models are plain JSON (feature → weights): no pickle, no scikit-learn
at run time. ``models/manifest.json`` says which decisions the learned model won on the dev split;
a decision whose model is missing or lost keeps the rules' answer.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from frontlens.extract.control import claim_status, date_of_span
from frontlens.extract.doc import Doc, PlaceMention, component, provenance
from frontlens.extract.lang import get_pack, has_pack
from frontlens.model import ControlEvent, EquipmentLoss, Side, Statement
from frontlens.resolve.translit import norm_key

ACTIONS = ("liberated", "captured", "withdrew", "entered", "advanced_toward", "encircled",
           "shelled", "held", "fighting")
# A change of hands is one candidate: whether it is a liberation or a capture is the actor's
# side (and the country), which the actor model decides, not the verb ("took control" serves
# both sides).
TAKE = "take"
_TAKE_OF = {"liberated": TAKE, "captured": TAKE}


def cand_action(action: str) -> str:
    return _TAKE_OF.get(action, action)
_WORD = re.compile(r"[^\W_]+(?:['’ʼ-][^\W_]+)*")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_QUOTES = "\"“”«»„"
_NEIGHBOURS = frozenset({"BY", "PL", "MD", "RO", "SK", "HU", "GE"})


# ------------------------------------------------------------------ cue data and models

@dataclass(frozen=True)
class Cues:
    """One language's cue prefixes: per action, per side, per status class."""

    actions: dict[str, tuple[tuple[str, ...], ...]]
    sides: dict[str, tuple[tuple[str, ...], ...]]
    status: dict[str, tuple[tuple[str, ...], ...]]
    # equipment ownership cues: "captured" (a side named after it is the captor, not the
    # owner) and "abandoned" (a side named after it is the owner)
    equipment: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    # whole words (and word endings) that negate the cue within ``negation_reach`` words after
    # them: "no longer has full control" (en: 3), "не захопили" (uk/ru: right before the verb)
    negators: frozenset[str] = frozenset()
    negator_endings: tuple[str, ...] = ()
    negation_reach: int = 0


@lru_cache(maxsize=8)
def cues(lang: str) -> Cues:
    """The ``decide.toml`` of the language's pack (English where a pack has none)."""
    base = resources.files("frontlens") / "extract" / "lang"
    path = base / lang / "decide.toml"
    if not path.is_file():
        path = base / "en" / "decide.toml"
    pack = tomllib.loads(path.read_text(encoding="utf-8"))

    def comp(d: dict[str, list[str]]) -> dict[str, tuple[tuple[str, ...], ...]]:
        return {k: tuple(tuple(item.split()) for item in v) for k, v in d.items()}

    neg = pack.get("negation", {})
    return Cues(comp(pack["actions"]), comp(pack["sides"]), comp(pack["status"]),
                comp(pack.get("equipment", {})), frozenset(neg.get("words", [])),
                tuple(neg.get("endings", [])), int(neg.get("reach", 0)))


@dataclass
class Model:
    """A multinomial (or binary) logistic regression over sparse binary features."""

    name: str
    classes: list[str]
    index: dict[str, int]
    coef: list[list[float]]
    intercept: list[float]
    threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)

    def proba(self, feats: Iterable[str]) -> dict[str, float]:
        get = self.index.get
        # fixed summation order (sorted indices), the same floats whatever the feature order
        idx = sorted({j for j in map(get, feats) if j is not None})
        scores = [b + sum(map(row.__getitem__, idx)) for row, b in zip(self.coef,
                                                                       self.intercept,
                                                                       strict=True)]
        if len(self.classes) == 2 and len(scores) == 1:  # binary: one row for the 2nd class
            p = 1.0 / (1.0 + math.exp(-scores[0]))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def to_json(self) -> dict[str, Any]:
        names = sorted(self.index, key=self.index.__getitem__)
        return {"name": self.name, "classes": self.classes, "features": names,
                "coef": [[round(x, 5) for x in row] for row in self.coef],
                "intercept": [round(x, 5) for x in self.intercept],
                "threshold": self.threshold, "meta": self.meta}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Model:
        return cls(d["name"], d["classes"], {f: i for i, f in enumerate(d["features"])},
                   d["coef"], d["intercept"], d.get("threshold", 0.5), d.get("meta", {}))


def models_dir() -> Any:
    from frontlens.config import get_settings

    custom = get_settings().models_dir
    return Path(custom) if custom else resources.files("frontlens") / "data" / "models"


@lru_cache(maxsize=1)
def load_models() -> dict[str, Model]:
    """The decisions the learned model won on dev (manifest), by name; empty when untrained."""
    base = models_dir()
    try:
        manifest = json.loads((base / "manifest.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, OSError):
        return {}
    out = {}
    for name, use in manifest.get("use_learned", {}).items():
        if use:
            out[name] = Model.from_json(json.loads((base / f"{name}.json").read_text(
                encoding="utf-8")))
    return out


# ------------------------------------------------------------------ tokens and cue hits

class Tok(NamedTuple):
    """A word of a sentence (a named tuple: tens of thousands are made per hundred documents,
    and a frozen dataclass costs several times as much to build)."""

    start: int
    end: int
    low: str


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Tok]:
    end = len(text) if end is None else end
    return [Tok(m.start() + start, m.end() + start, m.group().lower())
            for m in _WORD.finditer(text[start:end])]


_Index = dict[str, tuple[tuple[int, tuple[str, ...], str], ...]]
"""Cue index: first two letters of a cue's first word -> (list number, cue, joined cue)."""
# cue lists by identity (the lists of ``cues()`` live as long as the process; hashing a long
# tuple of tuples on every call cost more than the matching): (items, index)
_INDEXES: dict[int, tuple[tuple[tuple[str, ...], ...], _Index]] = {}


def _index(items: tuple[tuple[str, ...], ...]) -> _Index:
    """Cues by the first two letters of their first word, each with its joined text: a token
    is tried only against the cues that can start with it."""
    got = _INDEXES.get(id(items))
    if got is not None and got[0] is items:
        return got[1]
    out: dict[str, list[tuple[int, tuple[str, ...], str]]] = {}
    for item in items:
        out.setdefault(item[0][:2], []).append((0, item, " ".join(item)))
    index = {k: tuple(v) for k, v in out.items()}
    if len(_INDEXES) > 256:
        _INDEXES.clear()
    _INDEXES[id(items)] = (items, index)
    return index


def _hits(toks: list[Tok], items: tuple[tuple[str, ...], ...]) -> list[tuple[int, str]]:
    """(token index, cue) for every cue (a run of prefixes) that starts at a token."""
    index = _index(items)
    return _scan(toks, index, 1)[0] if index else []


_GroupIndex = _Index
# per language's Cues (by identity: ``cues()`` keeps them for the process): the cue lists a
# sentence is searched for and one index of them all
_GROUPS: dict[int, tuple[Cues, _GroupIndex, int]] = {}


def _sentence_index(c: Cues) -> tuple[_GroupIndex, int]:
    """One index of the cue lists :func:`sentences` searches every sentence for (actions,
    sides, status classes, in that order), by the first two letters of a cue's first word;
    and how many lists there are."""
    got = _GROUPS.get(id(c))
    if got is None or got[0] is not c:
        groups = (*c.actions.values(), *c.sides.values(), *c.status.values())
        merged: dict[str, list[tuple[int, tuple[str, ...], str]]] = {}
        for g, items in enumerate(groups):
            for item in items:
                merged.setdefault(item[0][:2], []).append((g, item, " ".join(item)))
        if len(_GROUPS) > 64:
            _GROUPS.clear()
        got = _GROUPS[id(c)] = (c, {k: tuple(v) for k, v in merged.items()}, len(groups))
    return got[1], got[2]


def _hits_many(toks: list[Tok], c: Cues) -> list[list[tuple[int, str]]]:
    """``[_hits(toks, items) for items in <the lists of _sentence_index>]`` in one pass over
    the tokens: the same hits in the same order."""
    index, n_groups = _sentence_index(c)
    return _scan(toks, index, n_groups)


def _scan(toks: list[Tok], index: _GroupIndex, n_groups: int) -> list[list[tuple[int, str]]]:
    """The hits of every cue list of ``index`` (entries: list number, cue, joined text), in
    token order: each token is tried only against the cues that can start with it."""
    out: list[list[tuple[int, str]]] = [[] for _ in range(n_groups)]
    n = len(toks)
    get = index.get
    for i, tok in enumerate(toks):
        bucket = get(tok.low[:2])
        if bucket is None:
            continue
        for g, item, joined in bucket:
            m = len(item)
            if i + m > n or not tok.low.startswith(item[0]):
                continue
            k = 1
            while k < m and toks[i + k].low.startswith(item[k]):
                k += 1
            if k == m:
                out[g].append((i, joined))
    return out


def span_tokens(doc: Doc, start: int, end: int) -> list[Tok]:
    """:func:`tokens` of a span of the document, made once per document and span (the
    sentences, the place proposals and the statement features read the same spans)."""
    cache = doc.user.setdefault("_decide_tokens", {})
    got = cache.get((start, end))
    if got is None:
        got = cache[(start, end)] = tokens(doc.text, start, end)
    return got


def owner_side_hits(text: str, toks: list[Tok], items: tuple[tuple[str, ...], ...],
                    spans: Iterable[tuple[int, int]] = ()) -> list[tuple[int, str]]:
    """:func:`_hits` of side cues that can name an item's owner: not inside an equipment
    designation (``spans``, or a side word joined to a number: "ZSU-23-4" is a gun, not the
    Ukrainian armed forces) and not the source of a report ("according to the Ukrainian
    military", "по данным украинских военных"): see ``equipment.not_a_side``."""
    from frontlens.extract.equipment import not_a_side

    spans = list(spans)
    out = []
    for i, cue in _hits(toks, items):
        a, b = toks[i].start, toks[min(i + len(cue.split()), len(toks)) - 1].end
        if (any(x <= a and b <= y for x, y in spans) or not_a_side(text, a, b)
                or any(ch.isdigit() for ch in text[a:b])):
            continue
        out.append((i, cue))
    return out


def names_a_side(text: str, lang: str | None) -> bool:
    """Whether a sentence names a side at all (a side cue of its language: "Ukrainian",
    "росіян", "enemy"; not one inside a designation or naming a report's source, see
    :func:`owner_side_hits`). The learned equipment-side model answers UA or RU for every
    record, also where the text names no side and the answer rests on the type's origin; the
    ledger asks this to tell a side a report states from one inferred (``ledgers._side_of``)."""
    toks = tokens(text)
    return any(owner_side_hits(text, toks, items) for items in cues(lang or "en").sides.values())


def _bucket(n: int) -> str:
    return "0" if n <= 1 else "1" if n <= 3 else "2" if n <= 6 else "3" if n <= 10 else "4"


def _tok_range(toks: list[Tok], start: int, end: int) -> tuple[int, int]:
    """Token indices [a, b) covering the char span [start, end)."""
    a = bisect.bisect_right(toks, start, key=lambda t: t.end)
    b = bisect.bisect_left(toks, end, key=lambda t: t.start)
    return a, max(b, a + 1)


# Sentences beyond these sizes (run-on lists, scraped tables) are left to the rules: the
# models were trained on news sentences, and judging every place pair there is quadratic.
MAX_SENT_CHARS = 2000
MAX_SENT_PLACES = 30


def judgeable(st: Sentence) -> bool:
    return st.end - st.start <= MAX_SENT_CHARS and len(st.places) <= MAX_SENT_PLACES


def _country(pm: PlaceMention) -> str:
    c = pm.place.country if pm.place else None
    if c in ("UA", "RU"):
        return c
    return "near" if c in _NEIGHBOURS else "none" if c is None else "far"


def _in_quote(text: str, s: int, pos: int) -> bool:
    return sum(text[s:pos].count(q) for q in _QUOTES) % 2 == 1


# ------------------------------------------------------------------ candidates

@dataclass
class Sentence:
    start: int
    end: int
    toks: list[Tok]
    action_hits: dict[str, list[tuple[int, str]]]
    side_hits: list[tuple[int, str]]
    status_hits: dict[str, list[tuple[int, str]]]
    places: list[PlaceMention]


def sentences(doc: Doc) -> list[Sentence]:
    """The doc's sentences with their cue hits (computed once per document) and places."""
    c = cues(doc.lang or "en")
    cache = doc.user.setdefault("_decide_hits", {})
    out = []
    for s, e in doc.sents or [(0, len(doc.text))]:
        if (s, e) not in cache:
            toks = span_tokens(doc, s, e)
            hits = iter(_hits_many(toks, c))
            acts = {a: next(hits) for a in c.actions}
            sides = [(i, side) for side in c.sides for i, _ in next(hits)]
            cache[(s, e)] = (toks, acts, sides, {k: next(hits) for k in c.status})
        toks, acts, sides, status = cache[(s, e)]
        out.append(Sentence(s, e, toks, acts, sides, status,
                            [p for p in doc.places if s <= p.start < e]))
    return out


@dataclass
class Candidate:
    sent: int
    place: PlaceMention
    action: str
    rule: ControlEvent | None
    feats: list[str]
    trigger: int | None = None


def _rule_events(doc: Doc) -> dict[tuple[int, int], list[ControlEvent]]:
    by_span: dict[tuple[int, int], list[ControlEvent]] = {}
    for r in doc.records:
        if isinstance(r, ControlEvent):
            by_span.setdefault((r.start, r.end), []).append(r)
    return by_span


def _rule_for(events: list[ControlEvent], pm: PlaceMention) -> list[ControlEvent]:
    return [r for r in events if (r.place_id and pm.place and r.place_id == pm.place.id)
            or r.place_name.lower() == pm.name.lower()]


_Context = tuple[list[tuple[str, str, bool, list[str]]], list[str]]
"""What :func:`_place_context` makes once per place for its actions' features."""


def control_candidates(doc: Doc, sents: list[Sentence] | None = None) -> list[Candidate]:
    """Every (sentence, place, action) that a rule emitted or an action cue makes possible."""
    sents = sents if sents is not None else sentences(doc)
    rules = _rule_events(doc)
    lang = doc.lang or "en"
    byline = _dateline_places(doc)
    out = []
    for k, st in enumerate(sents):
        if not st.places or not judgeable(st):
            continue
        ev_here = rules.get((st.start, st.end), [])
        cued = {cand_action(a) for a, h in st.action_hits.items() if h}
        for rank, pm in enumerate(st.places):
            if pm.kind == "country" or (pm.start, pm.end) in byline:
                continue
            mine = _rule_for(ev_here, pm)
            # any cue in the sentence makes every action a candidate (a cue of one action
            # often signals another: "offensive operations near X" is fighting at X)
            acts = ({cand_action(a) for a in ACTIONS} if cued else set()) | {
                cand_action(r.action) for r in mine}
            if not acts:
                continue
            pa, pb = _tok_range(st.toks, pm.start, pm.end)
            nearest: tuple[int, str] | None = None
            best = {a: _nearest_cue(st, a, pa, pb) for a in sorted(acts)}
            for a, hit in best.items():
                if hit is not None and (nearest is None or hit[0] < nearest[0]):
                    nearest = (hit[0], a)
            context = _place_context(doc, st, k, rank, pm, pa, pb)
            for a, hit in best.items():
                rule = next((r for r in mine if cand_action(r.action) == a), None)
                f, trig = _control_features(doc, st, pm, a, mine, rule, hit, nearest, pa, pb,
                                            lang, context)
                out.append(Candidate(k, pm, a, rule, f, trig))
    return out


def _dateline_places(doc: Doc) -> set[tuple[int, int]]:
    """Spans of places in the dateline that opens the text ("KYIV, Sept. 10 (Reuters) —"):
    where the report was filed, never what it claims."""
    out: set[tuple[int, int]] = set()
    for t in doc.times:
        if getattr(t, "kind", "") != "dateline":
            continue
        line = doc.text.rfind("\n", 0, t.start) + 1
        out |= {(p.start, p.end) for p in doc.places if line <= p.start and p.end <= t.start}
    return out


@dataclass
class _Parse:
    """spaCy's parse as plain lists, read once per document: spaCy builds a new Token object
    on every access, and the features walk the same heads many times per sentence."""

    sdoc: Any
    starts: list[int]
    ends: list[int]
    heads: list[int]
    deps: list[str]


def _parse(doc: Doc, sdoc: Any) -> _Parse:
    got = doc.user.get("_spacy_parse")
    if got is None or got.sdoc is not sdoc or len(got.starts) != len(sdoc):
        arr = sdoc.to_array(["IDX", "LENGTH", "HEAD"]).astype("int64")  # HEAD: relative offset
        strings = sdoc.vocab.strings
        starts = arr[:, 0].tolist()
        ends = (arr[:, 0] + arr[:, 1]).tolist()
        heads = (arr[:, 2] + range(len(arr))).tolist()
        deps = [strings[h] for h in sdoc.to_array("DEP").tolist()]  # label hashes (uint64)
        got = doc.user["_spacy_parse"] = _Parse(sdoc, starts, ends, heads, deps)
    return got


def _token_at(parse: _Parse, start: int) -> int | None:
    """Index of the spaCy token covering ``start``."""
    k = bisect.bisect_right(parse.starts, start) - 1
    return k if k >= 0 and start < parse.ends[k] else None


def _spacy_token(doc: Doc, sdoc: Any, start: int) -> Any:
    """The spaCy token covering ``start``."""
    k = _token_at(_parse(doc, sdoc), start)
    return sdoc[k] if k is not None else None


def _ancestors(heads: list[int], i: int, limit: int = 8) -> list[int]:
    out = [i]
    while heads[out[-1]] != out[-1] and len(out) < limit:
        out.append(heads[out[-1]])
    return out


def _grammar(doc: Doc, pm: PlaceMention, cue: Tok | None) -> list[str]:
    """English: the dependency path from the place up to the cue word (spaCy's parse, kept by
    ner.en). Ukrainian/Russian: the grammatical case of the place's first word (pymorphy3),
    which carries the preposition's meaning ("під Бахмутом", "к Покровску")."""
    out: list[str] = []
    sdoc = doc.user.get("spacy")
    if doc.lang == "en" and sdoc is not None:
        parse = _parse(doc, sdoc)
        heads, deps = parse.heads, parse.deps
        pt = _token_at(parse, pm.start)
        while pt is not None and heads[pt] != pt and pm.start <= parse.starts[heads[pt]] < pm.end:
            pt = heads[pt]
        ct = _token_at(parse, cue.start) if cue is not None else None
        if pt is not None and ct is not None:
            up = _ancestors(heads, pt)
            cup = _ancestors(heads, ct)
            k = next((n for n, t in enumerate(up) if t in cup), None)
            if k is not None:
                left = [deps[t] for t in up[:k]]
                right = [deps[t] for t in cup[:cup.index(up[k])]]
                out.append("dep=" + ">".join(left) + "^" + "<".join(reversed(right)))
                out.append(f"dep_len={min(len(left) + len(right), 5)}")
        if pt is not None:
            out.append(f"place_dep={deps[pt]}")
    elif doc.lang in ("uk", "ru"):
        from frontlens.extract import models

        words = pm.surface.split()
        parses = models.parses(doc.lang, words[0]) if words else ()
        case = parses[0].tag.case if parses else None
        out.append(f"case={case}")
    return out


def _action_hits(st: Sentence, a: str) -> list[tuple[int, str]]:
    if a == TAKE:
        return st.action_hits.get("liberated", []) + st.action_hits.get("captured", [])
    return st.action_hits.get(a, [])


def _nearest_cue(st: Sentence, a: str, pa: int, pb: int) -> tuple[int, int, str] | None:
    """(token distance, token index, cue) of the cue of action ``a`` nearest the place's tokens
    [pa, pb); the first one wins a tie."""
    best: tuple[int, int, str] | None = None
    for i, item in _action_hits(st, a):
        d = pa - i if i < pa else i - pb + 1
        if best is None or d < best[0]:
            best = (d, i, item)
    return best


def _chained(st: Sentence, trig: int, pa: int, pb: int, lang: str) -> bool:
    """Only places and the pack's coordinating words lie between the cue and the place (the
    sentence's tokens are words, so commas and dashes never count): the place is an item of a
    list the cue governs."""
    lo, hi = (trig + 1, pa) if trig < pa else (pb, trig)
    inside: set[int] = set()
    for p in st.places:
        a, b = _tok_range(st.toks, p.start, p.end)
        inside.update(range(a, b))
    coord = _pack_words(lang, "control_coordination")
    return all(i in inside or st.toks[i].low in coord for i in range(lo, hi))


@cache
def _pack_words(lang: str, name: str) -> frozenset[str]:
    """A word list of the language's pack; empty for a language without one."""
    return get_pack(lang).words(name) if has_pack(lang) else frozenset()


def _pop(pm: PlaceMention) -> str:
    pop = (pm.place.population or 0) if pm.place else 0
    return "0" if pop <= 0 else str(min(6, int(math.log10(pop))))


def equipment_patient(doc: Doc, st: Sentence, trig: int | None, pm: PlaceMention) -> bool:
    """Whether the cue at ``trig`` is an equipment item's fate cue and the item is nearer to it
    than the place: "a T-72B3 was captured at a farm outside Balakliia" captures a tank, not
    the town; "captured Balakliia and two tanks" still captures the town."""
    if trig is None:
        return False
    at = st.toks[trig].start
    for info in doc.user.get("equipment", []):
        for cue, ms, me in info.get("cues", ()):
            if cue != at:
                continue
            d_item = ms - at if ms >= at else at - me
            d_place = pm.start - at if pm.start >= at else at - pm.end
            if d_item < d_place:
                return True
    return False


def _cue_verb(doc: Doc, st: Sentence, trig: int | None) -> Any:
    """English: the verb of the cue word at token ``trig`` in spaCy's parse (the cue itself,
    or the word it hangs from: "took" in "took control"); None without a parse."""
    sdoc = doc.user.get("spacy")
    if trig is None or doc.lang != "en" or sdoc is None:
        return None
    tok = _spacy_token(doc, sdoc, st.toks[trig].start)
    if tok is None:
        return None
    return tok if tok.pos_ in ("VERB", "AUX") else tok.head


def person_patient(doc: Doc, st: Sentence, trig: int | None) -> bool:
    """English: the verb of the cue at ``trig`` acts on people (its object or passive subject
    is one of the pack's ``control_person_patients``): "residents of Kupiansk had been taken
    across the border" moves people, it takes no ground. Ukrainian and Russian have no
    parse here, so they are left to the model."""
    if trig is None:
        return False
    memo = doc.user.setdefault("_person_patient", {})  # one answer per cue word and document
    at = st.toks[trig].start
    got = memo.get(at)
    if got is None:
        verb = _cue_verb(doc, st, trig)
        people = _pack_words("en", "control_person_patients")
        got = memo[at] = verb is not None and any(
            t.dep_ in ("dobj", "nsubjpass") and t.lemma_.lower() in people
            for t in verb.children)
    return got


def _control_features(doc: Doc, st: Sentence, pm: PlaceMention, a: str,
                      mine: list[ControlEvent], rule: ControlEvent | None,
                      best: tuple[int, int, str] | None, nearest: tuple[int, str] | None,
                      pa: int, pb: int, lang: str,
                      context: _Context) -> tuple[list[str], int | None]:
    """One candidate's features; ``best`` is :func:`_nearest_cue` for its action, ``context``
    :func:`_place_context` of its place."""
    toks = st.toks
    f = [f"a={a}", f"{a}|lang={lang}", f"{a}|kind={pm.kind}", f"{a}|cty={_country(pm)}"]
    if rule is not None:
        f += [f"{a}|rule", f"{a}|rule_nc={rule.new_controller}", f"{a}|rule_hedged={rule.hedged}"]
    elif mine:
        f.append(f"{a}|rule_other")
    else:
        f.append(f"{a}|no_rule")
    trig = None
    if best is None:
        f.append(f"{a}|no_cue")
    else:
        d, trig, item = best
        side = "before" if trig < pa else "after"
        f += [f"{a}|cue_{side}_{_bucket(d)}", f"{a}|cue={item}", f"{a}|cue={item}|{side}"]
        between = sum(1 for p in st.places if p is not pm and
                      min(toks[trig].start, pm.start) < p.start < max(toks[trig].start, pm.start))
        f.append(f"{a}|between={min(between, 2)}")
        if between and _chained(st, trig, pa, pb, lang):
            f.append(f"{a}|chain")  # "liberated A, B, C and D": D is listed with A
        f.append(f"{a}|cue={item}|{side}_{_bucket(d)}")
        if equipment_patient(doc, st, trig, pm):
            f.append(f"{a}|equipment_patient")
        if person_patient(doc, st, trig):
            f.append(f"{a}|person_patient")
        if d <= 4:  # the words that link cue and place ("of", "в", "toward", "під")
            lo_i, hi_i = (trig + 1, pa) if trig < pa else (pb, trig)
            f += [f"{a}|link={toks[i].low[:6]}" for i in range(lo_i, hi_i)]
            if hi_i <= lo_i:
                f.append(f"{a}|adjacent")
        lo = max(0, trig - 3)
        negs = {item for i, item in st.status_hits.get("negation", []) if lo <= i < trig}
        f += [f"{a}|neg_before_cue={n}" for n in negs]
        for i, s in st.side_hits:
            if abs(i - trig) <= 5:
                f.append(f"{a}|side_{'pre' if i < trig else 'post'}={s}")
    if nearest is not None:
        f.append(f"{a}|nearest={'me' if nearest[1] == a else nearest[1]}")
    memo = doc.user.setdefault("_decide_grammar", {})  # the same place and cue for 9 actions
    key = (pm.start, pm.end, pm.surface, toks[trig].start if trig is not None else None)
    gram = memo.get(key)
    if gram is None:
        gram = memo[key] = _grammar(doc, pm, toks[trig] if trig is not None else None)
    f += [f"{a}|{x}" for x in gram]
    words, tail = context
    for b, taken, has_hits, near_words in words:
        if taken != a and has_hits:
            f.append(f"{a}|also={b}")
        f += [f"{a}|{w}" for w in near_words]
    f += [f"{a}|{x}" for x in tail]
    return f, trig


def _place_context(doc: Doc, st: Sentence, k: int, rank: int, pm: PlaceMention, pa: int,
                   pb: int) -> _Context:
    """The features of a place in its sentence that no action changes (each action prefixes
    them with its name), made once for the up to 9 actions it is a candidate of: per action
    cue list (its name, the action it counts as, whether it has hits, its "word=cue|near/far"
    features), then the rest (usage, population, statuses, neighbouring words, place count
    and rank, quote, first sentence, sides)."""
    toks = st.toks
    take_of = _TAKE_OF.get
    words = []
    for b, h in st.action_hits.items():
        # which cue words the sentence has, near the place or anywhere
        near_words = [f"word={item}|{'near' if abs(i - pa) <= 4 or abs(i - pb) <= 4 else 'far'}"
                      for i, item in h]
        words.append((b, take_of(b, b), bool(h), near_words))
    tail = [f"usage={pm.usage}", f"cand_pop={_pop(pm)}"]
    for kind in ("denied", "hypothetical", "recalled", "report"):
        if st.status_hits.get(kind):
            tail.append(f"st_{kind}")
    prev = toks[pa - 1].low[:6] if pa > 0 else "<s>"
    prev2 = toks[pa - 2].low[:6] if pa > 1 else "<s>"
    nxt = toks[pb].low[:6] if pb < len(toks) else "</s>"
    tail += [f"prev={prev}", f"prev2={prev2}", f"next={nxt}"]
    n = len(st.places)
    tail += [f"nplaces={min(n, 3)}", f"rank={'first' if rank == 0 else 'later'}"]
    if _in_quote(doc.text, st.start, pm.start):
        tail.append("in_quote")
    if k == 0:
        tail.append("first_sentence")
    sides = {s for _, s in st.side_hits}
    tail += [f"sent_side={s}" for s in sides]
    return words, tail


def actor_features(doc: Doc, sents: list[Sentence], c: Candidate) -> list[str]:
    st = sents[c.sent]
    a = c.action
    f = [f"a={a}", f"lang={doc.lang}", f"{a}|cty={_country(c.place)}"]
    if c.rule is not None:
        f += [f"{a}|rule_nc={c.rule.new_controller}", f"{a}|claim={c.rule.claimed_by}"]
    pos = c.trigger if c.trigger is not None else _tok_range(st.toks, c.place.start,
                                                            c.place.end)[0]
    for i, s in st.side_hits:
        where = "pre" if i < pos else "post"
        f += [f"{a}|side_{where}={s}", f"{a}|side_{where}_{_bucket(abs(i - pos))}={s}",
              f"side={s}"]
    if not st.side_hits:
        f.append(f"{a}|no_side")
        if c.sent > 0:
            f += [f"{a}|prev_sent_side={s}" for _, s in sents[c.sent - 1].side_hits]
    if st.status_hits.get("report"):
        f.append(f"{a}|report")
    return f


def status_features(doc: Doc, sents: list[Sentence], c: Candidate) -> list[str]:
    st = sents[c.sent]
    a = c.action
    f = [f"a={a}", f"lang={doc.lang}"]
    for kind in ("denied", "hypothetical", "recalled", "negation"):
        for _, item in st.status_hits.get(kind, []):
            f += [f"st_{kind}", f"st_{kind}={item}"]
    text = doc.text[st.start:st.end]
    pub = doc.published.year if doc.published else None
    for y in _YEAR.findall(text):
        y_i = int(y)
        f.append("year" if pub is None else "year_before" if y_i < pub else "year_same"
                 if y_i == pub else "year_after")
        if y_i < 2014:
            f.append("year_pre2014")
    if doc.published is not None:  # resolved dates in the sentence against the publication
        for t in doc.times:
            if st.start <= t.start < st.end and t.value is not None:
                days = (doc.published - t.value).days
                when = "long_before" if days > 21 else "after" if days < -1 else "recent"
                f.append(f"time_{when}")
                if getattr(t, "year_inferred", False):
                    f.append(f"time_{when}_inferred")
    if c.rule is not None and c.rule.hedged:
        f.append("rule_hedged")
    if _in_quote(doc.text, st.start, c.place.start):
        f.append("in_quote")
    if c.trigger is not None and c.trigger > 0:
        f.append(f"before_cue={st.toks[c.trigger - 1].low[:6]}")
    return f


def place_features(doc: Doc, st: Sentence, pm: PlaceMention, equipment_names: set[str]
                   ) -> list[str]:
    from frontlens.extract.equipment import catalog

    toks = st.toks
    pa, pb = _tok_range(toks, pm.start, pm.end)
    surf = pm.surface
    f = [f"low={surf.lower()}", f"kind={pm.kind}", f"via={pm.via}", f"cty={_country(pm)}",
         f"lang={doc.lang}", f"usage={pm.usage}"]
    if pm.place is None or pm.place.lat is None:
        f.append("unresolved")
    else:
        f += [f"pop={_pop(pm)}", f"fclass={pm.place.feature_class}"]
    f.append(f"ncand={min(len(pm.candidates), 4)}")
    f.append(f"score={min(4, max(0, int(pm.score)))}")
    if surf.isupper():
        f.append("upper")
    if not surf[:1].isupper():
        f.append("lower_initial")
    if any(ch.isdigit() for ch in surf):
        f.append("digit")
    if catalog().resolve(surf) is not None or surf.lower() in equipment_names:
        f.append("equipment_name")
    prev = toks[pa - 1].low[:6] if pa > 0 else "<s>"
    nxt = toks[pb].low[:6] if pb < len(toks) else "</s>"
    f += [f"prev={prev}", f"next={nxt}"]
    if pa == 0:
        f.append("sentence_initial")
    if _in_quote(doc.text, st.start, pm.start):
        f.append("in_quote")
    f += _place_shape(doc, pm)
    return f


def _place_shape(doc: Doc, pm: PlaceMention) -> list[str]:
    """Shapes that tell a name inside another name from a place: a name in quote marks of its
    own (a unit «Скеля», a group «Днепр», a paper) and the word class of the surface in uk/ru
    (an adjective "Українська", a comparative "Севернее" are no settlements). Half of a
    hyphenated compound and a capitalised neighbour were tried too: the shared dev sets
    annotate "pro-Moscow" and "Sudzha-Sukhodolovka" as places, and both cost recall there."""
    text, f = doc.text, []
    if text[max(0, pm.start - 1):pm.start] in tuple(_QUOTES) and \
            text[pm.end:pm.end + 1] in tuple(_QUOTES):
        f.append("own_quotes")
    if doc.lang in ("uk", "ru") and " " not in pm.surface and "-" not in pm.surface:
        from frontlens.extract import models

        parses = models.parses(doc.lang, pm.surface)
        if parses:  # a capitalised word's first reading is often a guessed name (NOUN)
            f.append(f"pos={parses[0].tag.POS}")
            f += sorted({f"can_be={p.tag.POS}" for p in parses
                         if p.tag.POS in ("ADJF", "COMP", "ADVB", "PRTF", "VERB", "INFN")})
    return f


# ------------------------------------------------------------------ more place candidates

_THEATRE = frozenset({"UA", "RU"})


def propose_places(doc: Doc) -> list[PlaceMention]:
    """Capitalised words the places component left out whose word or dictionary form names a
    settlement of Ukraine or Russia in the gazetteer ("Бахмута" → бахмут, "Надії" → надія).
    Only proposals: the place model decides. A namesake is chosen only when it is the sole one
    or lies in an oblast the document names; otherwise the mention stays unresolved (it can
    carry a claim but is never drawn on the map)."""
    from frontlens.resolve.gazetteer import default_gazetteer

    gaz = default_gazetteer()
    # ... nor words the places component set aside whatever the context ("на Покровському та
    # Торецькому напрямках": directions, not villages)
    taken = [(p.start, p.end) for p in doc.places] + [
        (e.start, e.end) for e in doc.ents if e.label in ("PER", "PERSON")] + [
        (a, b) for a, b, _ in doc.user.get("place_rejects", ())]
    oblasts = {p.place.admin1 for p in doc.places
               if p.kind == "oblast-or-region" and p.place and p.place.admin1}
    # one referent per name per document (issue 14): a word the resolver placed elsewhere in
    # the text, as written or as one of its readings, is that place here too
    resolved = {norm_key(p.surface): p for p in doc.places
                if p.place is not None and p.kind == "settlement"}
    placed = {p.place.id: p for p in resolved.values() if p.place is not None}
    out = []
    spans = [(a, b) for a, b in doc.sents or [(0, len(doc.text))] if b - a <= MAX_SENT_CHARS]
    for t in (t for a, b in spans for t in span_tokens(doc, a, b)):
        surf = doc.text[t.start:t.end]
        if len(surf) < 4 or not surf[:1].isupper() or surf.isupper():
            continue
        if any(a < t.end and t.start < b for a, b in taken):
            continue
        keys = [surf]
        if doc.lang in ("uk", "ru"):
            from frontlens.extract import models

            parses = models.parses(doc.lang, surf)
            if parses:
                keys.append(parses[0].normal_form.capitalize())
        cands = []
        for k in keys:
            cands = [c for c in gaz.lookup(k) if c.fclass == "settlement" and c.country
                     in _THEATRE]
            if cands:
                break
        if not cands:
            continue
        if k != surf:  # an inflected form: every reading, as the resolver sees it, not only
            # the first lemma ("Вербового" is Вербове's genitive as well as вербовий's)
            from frontlens.extract.places import word_forms

            seen = {c.pid for c in cands}
            for form in word_forms(doc.lang, surf):
                if gaz.has_key(form):
                    cands += [c for c in gaz.names_for(form) if c.fclass == "settlement"
                              and c.country in _THEATRE and c.pid not in seen]
                    seen = {c.pid for c in cands}
        same = resolved.get(norm_key(surf))
        if same is None:
            named = {c.gid for c in cands if c.gid in placed}
            same = placed[named.pop()] if len(named) == 1 else None
        if same is not None:
            out.append(PlaceMention(t.start, t.end, surf, "settlement", same.place,
                                    score=same.score, candidates=list(same.candidates),
                                    via="decide"))
            continue
        local = [c for c in cands if c.admin1 in oblasts]
        pick = cands[0] if len(cands) == 1 else local[0] if len(local) == 1 else None
        out.append(PlaceMention(t.start, t.end, surf, "settlement",
                                pick.to_place() if pick else None,
                                candidates=[c.to_place() for c in cands[:5]], via="decide"))
    return out


def place_candidates(doc: Doc) -> list[PlaceMention]:
    """What the place model judges: the places component's mentions and the proposals."""
    return sorted(doc.places + propose_places(doc), key=lambda p: p.start)


# ------------------------------------------------------------------ statements and equipment

_DIGIT = re.compile(r"\d")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
           "січ", "лют", "берез", "квіт", "трав", "черв", "лип", "серп", "верес", "жовт",
           "листоп", "груд", "янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сент",
           "окт", "нояб", "дек")
_PRONOUNS = frozenset({"he", "she", "they", "it", "він", "вона", "вони", "он", "она", "они"})


def _speaker_span(doc: Doc, r: Statement) -> tuple[int, int] | None:
    """Where the speaker's words stand (the speaker as written, else the role, which keeps
    the surface when the speaker was normalised): the occurrence nearest the quote within
    the record's span, else the first in the text."""
    q = r.quote_start if r.quote_start is not None else r.start
    for sp in (r.speaker, r.role):
        if not sp:
            continue
        hits = []
        k = doc.text.find(sp, r.start, max(r.end, r.start + 1))
        while k >= 0:
            hits.append(k)
            k = doc.text.find(sp, k + 1, max(r.end, r.start + 1))
        if hits:
            k = min(hits, key=lambda h: (abs(h - q), h))
            return k, k + len(sp)
        k = doc.text.find(sp)
        if k >= 0:
            return k, k + len(sp)
    return None


def _speaker_shape(sp: str) -> list[str]:
    words = sp.split()
    f = [f"spk_words={min(len(words), 5)}", f"spk_len={_bucket(len(sp) // 4)}"]
    if sp.isupper():
        f.append("spk_upper")
    caps = sum(1 for w in words if w[:1].isupper())
    f.append("spk_caps=" + ("all" if caps == len(words) else "none" if caps == 0 else "some"))
    if _DIGIT.search(sp):
        f.append("spk_digit")
    low = sp.lower()
    if any(w.lower().startswith(m) for w in words for m in _MONTHS) and _DIGIT.search(sp):
        f.append("spk_date")
    if any(ch in sp for ch in _QUOTES + ":—–|"):
        f.append("spk_punct")
    f.append(f"spk_last={words[-1].lower()[:5]}" if words else "spk_last=")
    f.append(f"spk_first={words[0].lower()[:5]}" if words else "spk_first=")
    if low in _PRONOUNS:
        f.append("spk_pronoun")
    return f


def statement_features(doc: Doc, r: Statement, k: int, n: int) -> list[str]:
    """Keep/drop features of the rules' statement ``r`` (the k-th of the document's n)."""
    lang = doc.lang or "en"
    f = [f"lang={lang}", f"side={r.side}", f"direct={r.direct}", f"cue={(r.cue or '').lower()[:6]}",
         f"role={'yes' if r.role else 'no'}"]
    if not r.speaker:
        f.append("no_speaker")
    else:
        f += _speaker_shape(r.speaker)
        span = _speaker_span(doc, r)
        low = r.speaker.lower()
        placed = any(low in (p.surface.lower(), p.name.lower()) for p in doc.places)
        labels: list[str] = []
        if span is not None:
            a, b = span
            placed = placed or any(p.start < b and a < p.end for p in doc.places)
            labels = sorted({e.label for e in doc.ents if e.start < b and a < e.end})
            if span[0] < (r.quote_start or 0):
                f.append("spk_before_quote")
            sent = doc.sentence_of(a)
            if a == sent[0]:
                f.append("spk_sentence_initial")
        else:
            f.append("spk_not_in_text")
        if placed:
            f += ["spk_place", f"spk_place|{lang}"]
        f += [f"spk_ent={x}" for x in labels] or ["spk_ent=none"]
        c = cues(lang)
        toks = tokens(" ".join(x for x in (r.speaker, r.role) if x))
        f += sorted({f"spk_side={s}" for s, items in c.sides.items() if _hits(toks, items)})
    qlen = (r.quote_end or 0) - (r.quote_start or 0) if r.quote_start is not None else len(
        r.quote)
    f.append(f"qlen={_bucket(qlen // 20)}")
    if r.quote and _DIGIT.search(r.quote[:40]) and len(r.quote) < 60:
        f.append("q_short_digit")
    f.append("pos=" + ("first" if k == 0 else "early" if k < 3 else "later"))
    f.append("pos_char=" + ("head" if r.start < 200 else "body"))
    if doc.sents and (r.start, r.end) == doc.sents[0]:
        f.append("first_sentence")
    title = doc.user.get("title")
    if title and r.quote and r.quote.strip()[:30] in title:
        f.append("in_title")
    f.append(f"n_stmts={min(n, 6)}")
    return f


def statement_side_features(doc: Doc, r: Statement) -> list[str]:
    """Side features: side cues in the speaker and role, in the sentence, the rules' side."""
    lang = doc.lang or "en"
    c = cues(lang)
    f = [f"lang={lang}", f"rule_side={r.side}", f"role={'yes' if r.role else 'no'}"]
    who = " ".join(x for x in (r.speaker, r.role) if x)
    wt = tokens(who)
    f += [f"w={t.low[:6]}" for t in wt]
    spk = sorted({s for s, items in c.sides.items() if _hits(wt, items)})
    f += [f"spk_side={s}" for s in spk] or ["spk_side=none"]
    st = span_tokens(doc, r.start, r.end)
    f += sorted({f"sent_side={s}" for s, items in c.sides.items() if _hits(st, items)})
    if not r.speaker:
        f.append("no_speaker")
    return f


def _origin(model: str | None) -> str:
    from frontlens.extract.equipment import catalog

    m = catalog().models.get(model or "")
    if m is None:
        return "none"
    o = m.origin
    # Soviet designs serve both armies; post-Soviet Russian ones (and Iranian, North Korean,
    # Belarusian) mostly the Russian side; Western ones the Ukrainian side
    return {"Soviet Union": "soviet", "Russia": "russia", "Ukraine": "ukraine", "Iran": "ru_ally",
            "North Korea": "ru_ally", "Belarus": "ru_ally", "": "none"}.get(o, "western")


def equipment_side_features(doc: Doc, r: EquipmentLoss) -> list[str]:
    """Owner features of the rules' equipment record ``r``: side cues near its mentions (and
    whether a "captured by"/"abandoned by" cue stands between), fate, catalog origin."""
    lang = doc.lang or "en"
    c = cues(lang)
    f = [f"lang={lang}", f"fate={r.fate}", f"origin={_origin(r.catalog_type)}",
         f"rule_side={r.side}", f"origin={_origin(r.catalog_type)}|fate={r.fate}",
         f"cat={r.category}"]
    info = next((e for e in doc.user.get("equipment", []) if e.get("record_id") == r.id), None)
    spans = [tuple(m) for m in info["mentions"]] if info else [(r.start, r.start)]
    designations = [(int(a), int(b)) for e in doc.user.get("equipment", [])
                    for a, b in e.get("mentions", ())]
    seen: set[str] = set()
    for a, b in spans[:4]:
        s, e = doc.sentence_of(a)
        if e <= s:
            s, e = r.start, r.end
        toks = span_tokens(doc, s, e)
        pa, pb = _tok_range(toks, a, b)
        cap = [i for i, _ in _hits(toks, c.equipment.get("captured", ()))]
        ab = [i for i, _ in _hits(toks, c.equipment.get("abandoned", ()))]
        for i in cap:
            seen.add("cap_cue" + ("_pre" if i < pa else "_post"))
        for i in ab:
            seen.add("ab_cue" + ("_pre" if i < pa else "_post"))
        for side, items in c.sides.items():
            for i, _ in owner_side_hits(doc.text, toks, items, designations):
                where = "pre" if i < pa else "post"
                d = pa - i if i < pa else i - pb + 1
                seen.add(f"side_{where}={side}")
                seen.add(f"side_{where}_{_bucket(d)}={side}")
                seen.add(f"side={side}")
                if any(j < i and i - j <= 4 for j in cap):
                    seen.add(f"side_after_cap={side}")
                if any(j < i and i - j <= 4 for j in ab):
                    seen.add(f"side_after_ab={side}")
                seen.add(f"side={side}|fate={r.fate}")
                seen.add(f"side_{where}={side}|{lang}")
    f += sorted(seen)
    if not any(x.startswith("side") for x in seen):
        f.append("no_side")  # no owner cue, even where a capture/abandonment cue stands
    return f


# ------------------------------------------------------------------ the component

def _side(label: str) -> Side:
    return label if label in ("UA", "RU", "US", "other") else "unknown"  # type: ignore[return-value]


def take_action(actor: Side, place: PlaceMention, rule: ControlEvent | None) -> str:
    """A change of hands: a liberation when the place returns to its own country's side."""
    if actor not in ("UA", "RU"):
        return rule.action if rule is not None else "captured"
    home = "RU" if _country(place) == "RU" else "UA"
    return "liberated" if actor == home else "captured"


def _new_controller(action: str, actor: Side, place: PlaceMention) -> Side:
    if action == "liberated":
        return "RU" if _country(place) == "RU" else "UA"
    if action in ("captured", "held"):
        return actor
    return "unknown"


def _event_from(doc: Doc, st: Sentence, c: Candidate,
                rules_here: list[ControlEvent]) -> ControlEvent:
    base = c.rule or (rules_here[0] if rules_here else None)
    extra: dict[str, Any] = {}
    if base is not None:
        extra = {k: getattr(base, k) for k in ("claimed_by", "claimant", "event_date",
                                               "time_precision", "hedged", "date_source",
                                               "status")}
    else:  # a cue-only candidate: the sentence's own date, as the rules would read it
        when, precision, source = date_of_span(doc, st.start, st.end)
        extra = {"event_date": when, "time_precision": precision, "date_source": source,
                 "status": claim_status(when, precision, source, doc.published)}
    action = c.rule.action if c.rule is not None else (
        "captured" if c.action == TAKE else c.action)
    return ControlEvent(**provenance(doc, st.start, st.end),
                        place_id=c.place.place.id if c.place.place else None,
                        place_name=c.place.name, action=action,
                        **extra)


@component("decide")
def decide(doc: Doc) -> Doc:
    """Replace the rules' places and control events by what the trained models keep
    (``doc.user["decide"] = False`` leaves the rules' output, for training and comparison)."""
    if not doc.user.get("decide", True):
        return doc
    return apply_models(doc, load_models())


def apply_statements(doc: Doc, models: dict[str, Model]) -> Doc:
    """Statements: drop those the ``statement`` model rejects, set the side of the rest;
    equipment: set each record's owner side. Records are replaced by updated copies."""
    if not {"statement", "statement_side", "equipment_side"} & set(models):
        return doc
    stmts = [r for r in doc.records if isinstance(r, Statement)]
    out: list[Any] = []
    k = 0
    for r in doc.records:
        if isinstance(r, Statement):
            if "statement" in models:
                m = models["statement"]
                p = m.proba(statement_features(doc, r, k, len(stmts)))["1"]
                k += 1
                if p < m.threshold:
                    continue
            if "statement_side" in models:
                ps = models["statement_side"].proba(statement_side_features(doc, r))
                r = r.model_copy(update={"side": max(ps, key=ps.__getitem__)})
        elif isinstance(r, EquipmentLoss) and "equipment_side" in models:
            ps = models["equipment_side"].proba(equipment_side_features(doc, r))
            r = r.model_copy(update={"side": max(ps, key=ps.__getitem__)})
        out.append(r)
    doc.records = out
    return doc


def apply_models(doc: Doc, models: dict[str, Model]) -> Doc:
    if not models:
        return doc
    doc = apply_statements(doc, models)
    if "place" in models:
        m = models["place"]
        doc.places = place_candidates(doc)
        eq = {r.model_text.lower() for r in doc.records if hasattr(r, "model_text")}
        keep = []
        for st in sentences(doc):
            for pm in st.places:
                if not judgeable(st) and pm.via != "decide":
                    keep.append(pm)  # left to the rules; the proposals are not kept unjudged
                elif judgeable(st) and m.proba(place_features(doc, st, pm, eq))["1"] >= \
                        m.threshold:
                    keep.append(pm)
        kept_ids = {id(p) for p in keep}
        doc.user["dropped_places"] = [p for p in doc.places if id(p) not in kept_ids]
        doc.places = [p for p in doc.places if id(p) in kept_ids]
    if "control" not in models:
        return doc
    cm = models["control"]
    bar, bar_rule = control_bars(cm, doc.lang)
    scored = score_candidates(doc, models, floor=min(bar, bar_rule))
    doc.records = [r for r in doc.records if not isinstance(r, ControlEvent)]
    doc.records.extend(select_events(scored, bar, bar_rule))
    return doc


def rule_threshold(m: Model) -> float:
    """A rule's own proposal needs less from the model than a cue-only candidate: the rules
    stay the prior, the model removes what it is sure is wrong and adds what it is sure of."""
    return float(m.meta.get("threshold_rule", m.threshold))


def control_bars(m: Model, lang: str | None) -> tuple[float, float]:
    """(cue-only bar, rule bar) for a document's language: training sets them per language
    where that language's data supports it, else the pair shared by all."""
    got = m.meta.get("bars_by_lang", {}).get(lang or "")
    if got:
        return float(got[0]), float(got[1])
    return m.threshold, rule_threshold(m)


@dataclass
class Scored:
    p: float
    from_rule: bool
    event: ControlEvent


def score_candidates(doc: Doc, models: dict[str, Model], floor: float = 0.0) -> list[Scored]:
    """Every control candidate with p ≥ ``floor`` as the record it would become."""
    cm = models["control"]
    sents = sentences(doc)
    rules = _rule_events(doc)
    out = []
    cands = control_candidates(doc, sents)
    judged = {c.rule.id for c in cands if c.rule is not None}
    dropped = {p.name for p in doc.user.get("dropped_places", [])}
    # a rule event the model cannot see (its place is named in an earlier sentence) keeps the
    # rules' decision; one about a mention the place model rejected goes with it
    out += [Scored(1.0, True, r) for r in doc.records
            if isinstance(r, ControlEvent) and r.id not in judged
            and r.place_name not in dropped]
    for c in cands:
        p = cm.proba(c.feats)["1"]
        # a vehicle captured or abandoned near a town, or people taken from it, is no capture
        # of, or withdrawal from, the town (a strike that destroyed a vehicle near it is
        # annotated as shelling the place, so only changes of hands and withdrawals)
        if p < floor or (c.action in (TAKE, "withdrew") and (
                f"{c.action}|equipment_patient" in c.feats
                or f"{c.action}|person_patient" in c.feats)):
            continue
        st = sents[c.sent]
        ev = _event_from(doc, st, c, rules.get((st.start, st.end), []))
        actor: Side = ev.actor
        if "actor" in models:
            pa = models["actor"].proba(actor_features(doc, sents, c))
            actor = _side(max(pa, key=pa.__getitem__))
        elif c.rule is not None and c.rule.new_controller in ("UA", "RU"):
            actor = c.rule.new_controller
        status = "new"
        if "status" in models:
            ps = models["status"].proba(status_features(doc, sents, c))
            status = max(ps, key=ps.__getitem__)
        named = named_holder(st, c.trigger)
        if c.action == TAKE:
            # "back under Ukrainian control" names the holder; "Ukraine regains X" the taker
            actor = named or subject_side(doc, st, c.trigger, c.place) or actor
        if negated_cue(st, c.trigger, doc.lang):
            status = "denied"  # "no longer has full control of X", "не захопили X"
        action: str
        if c.rule is not None:  # the rule's reading of the verb and its sides stands
            action = c.rule.action
            nc = (c.rule.new_controller if c.rule.new_controller != "unknown"
                  else _new_controller(action, actor, c.place))
        else:
            action = take_action(actor, c.place, None) if c.action == TAKE else c.action
            nc = _new_controller(action, actor, c.place)
        if (c.rule is None or c.rule.new_controller == "unknown") \
                and not _side_named(sents, c.sent) \
                and (action == "held" or (c.action == TAKE and (c.rule is None
                                                                or action == "captured"))):
            # no side named here or just before: the actor model's answer is its prior (a
            # coin toss between the sides), so the claim names no holder. "The situation in
            # X is under control" is then held by whoever says it (fusion: claimant, outlet);
            # a change of hands keeps its action, and a rule's "liberated" its holder (the
            # verb names it). Precision first: no side is put on the map from a prior.
            actor, nc = "unknown", "unknown"
        # a new record (not a copy): the id is derived from the action
        out.append(Scored(p, c.rule is not None, ControlEvent.model_validate({
            **ev.model_dump(), "id": "", "action": action, "actor": actor,
            "new_controller": nc, "confidence": round(p, 4),
            "status": ev.status if status == "new" else status})))
    return out


_UNDER = ("under", "під", "под")


def _side_named(sents: list[Sentence], k: int) -> bool:
    """A side is named in sentence ``k`` or the one before it (what the actor model reads)."""
    return bool(sents[k].side_hits) or (k > 0 and bool(sents[k - 1].side_hits))


def named_holder(st: Sentence, trigger: int | None) -> Side | None:
    """The side a change-of-hands cue names as the new holder: "under <side> control",
    "back under <side> control", "під контролем ЗСУ", "под контроль ВСУ" (the side within two
    words after "under"). None when the cue has no such construction."""
    if trigger is None:
        return None
    toks = st.toks
    hi = min(len(toks), trigger + 3)
    under = next((i for i in range(trigger, hi) if toks[i].low in _UNDER), None)
    if under is None:
        return None
    sides = {side for i, side in st.side_hits if under < i <= under + 3 and side in ("UA", "RU")}
    return sides.pop() if len(sides) == 1 else None  # type: ignore[return-value]


def negated_cue(st: Sentence, trigger: int | None, lang: str | None) -> bool:
    """A negation word just before the cue (the pack's ``[negation]``): the text says the
    action did not happen or the state no longer holds, so the claim is a denial, not an
    event. Whole words only: the status cues match by prefix ("no" would take "now", "не"
    would take "неудачный"), and "without"/"без" negate a noun, not the claim."""
    if trigger is None:
        return False
    c = cues(lang or "en")
    return any(t.low in c.negators or t.low.endswith(c.negator_endings)
               for t in st.toks[max(0, trigger - c.negation_reach):trigger])


def subject_side(doc: Doc, st: Sentence, trigger: int | None, place: PlaceMention
                 ) -> Side | None:
    """English: the side named in the grammatical subject of a change-of-hands verb ("Ukraine
    regains Kharkiv", "Russian forces have captured the village"), from spaCy's parse. A
    passive ("was captured"), an object ("occupied by Russia") or a side elsewhere in the
    sentence is not the subject, nor is a subject that contains the place itself (headlinese
    "Ukrainian city of Bakhmut captured"). None when the parse names no single side."""
    verb = _cue_verb(doc, st, trigger)
    if verb is None:
        return None
    subjects = [t for t in verb.children if t.dep_ == "nsubj"]
    if not subjects and verb.dep_ in ("conj", "xcomp") and verb.head.pos_ == "VERB":
        subjects = [t for t in verb.head.children if t.dep_ == "nsubj"]  # "... and took"
    if len(subjects) != 1:
        return None
    lo, hi = _subject_chars(subjects[0])
    if lo <= place.start < hi:
        return None
    sides = {side for i, side in st.side_hits if lo <= st.toks[i].start < hi
             and side in ("UA", "RU")}
    return sides.pop() if len(sides) == 1 else None  # type: ignore[return-value]


def _subject_chars(tok: Any) -> tuple[int, int]:
    """The subject's noun phrase: its head with the words before it ("Russian forces",
    "Russia's army") and an "of" phrase after it ("the Armed Forces of Ukraine"); not a
    clause hanging off it ("forces pressing through eastern Ukraine")."""
    right = tok
    for child in tok.rights:
        if child.dep_ == "prep" and child.lower_ == "of":
            right = child.right_edge
            break
    return tok.left_edge.idx, right.idx + len(right.text)


def select_events(scored: list[Scored], threshold: float, threshold_rule: float
                  ) -> list[ControlEvent]:
    """One record per (place, action): the most probable candidate that passes its bar."""
    best: dict[tuple[str, str, str], Scored] = {}
    for sc in scored:
        if sc.p < (threshold_rule if sc.from_rule else threshold):
            continue
        ev = sc.event  # as the rules do: "held" by UA and by RU are two claims
        key = (ev.place_name.lower(), ev.action, ev.new_controller if ev.action == "held" else "")
        if key not in best or sc.p > best[key].p:
            best[key] = sc
    return [sc.event for sc in sorted(best.values(), key=lambda x: x.event.start)]
