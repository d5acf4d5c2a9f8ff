"""The ``places`` component: recognise toponyms in ``doc.text`` and resolve them.

Recognition is gazetteer-driven (a dictionary lookup over token n-grams, longest match first),
because the small English NER misreads Ukrainian toponyms (Balakliia → PERSON) and there is no
packaged Ukrainian NER. NER output in ``doc.ents`` is used as evidence when a component put it
there (LOC accepts a weak match, a titled PER rejects one), never required.

- English: capitalised n-grams (≤ 5 tokens, "of"/"on"/"de" allowed inside) looked up by
  ``norm_key``; "<name> Oblast/region/province/Raion" forms the region; organisation names
  ("Armed Forces of Ukraine", "Kherson regional council") and person titles are excluded.
- Ukrainian/Russian: every token is tried in its surface form, its pymorphy3 lemmas and
  suffix-stripped stems, so Балаклії/Балаклію/Балаклеи all find Balakliia; adjective +
  область/район finds the oblast or raion by the adjective's stem; relational adjectives on their
  own (Харківський напрямок, изюмско-балаклейской) are not mentions.

``geoparse(text, lang, published)`` is the CLI-facing entry point.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import product
from typing import Any

from frontlens.extract import models
from frontlens.extract.doc import COMPONENTS, Doc, PlaceKind, PlaceMention, component
from frontlens.extract.lang import get_pack, has_pack
from frontlens.ingest.lang import detect_language, script_fallback
from frontlens.resolve.gazetteer import Candidate, Gazetteer, default_gazetteer
from frontlens.resolve.geocode import Pending, resolve
from frontlens.resolve.translit import (
    LATIN_SKELETON_PREFIX,
    SKELETON_PREFIX,
    adj_stem,
    latin_skeleton,
    norm_key,
    skeleton,
)

_TOKEN = re.compile(r"[^\W_]+(?:['’ʼ`][^\W_]+)*", re.UNICODE)
MAX_N = 5

# ---- capitalised-name languages: word lists are in the pack (lang/en/places_*.txt) ----------
@dataclass(frozen=True)
class _Vocab:
    """What the capitalised-name matcher needs from a language pack."""

    stop: frozenset[str]
    region_words: frozenset[str]
    joiners: frozenset[str]
    org_head: frozenset[str]
    org_tail: frozenset[str]
    org_tail_lower: frozenset[str]
    titles: frozenset[str]
    not_place_next: frozenset[str]
    role_next: frozenset[str]
    personish: frozenset[str]
    raion: re.Pattern[str] | None
    # words before village names ("village of", "near"): after them a romanised name may be
    # found by its consonants (Velikyi Burluk → Velykyi Burluk); None: never
    skeleton_cues: re.Pattern[str] | None = None
    # nouns after a town's name that make it the raion named after the town ("Izium
    # district", "the Izium and Kupiansk districts"); plural ones end in "s"
    district_words: frozenset[str] = frozenset()


@functools.cache
def _vocab(lang: str) -> _Vocab:
    pack = get_pack(lang)
    w = pack.words
    raion = pack.setting("places", "raion_adjective")
    return _Vocab(
        stop=w("places_stop"), region_words=w("places_region_words"),
        joiners=w("places_joiners"), org_head=w("places_org_head"),
        org_tail=w("places_org_head") | w("places_org_tail"),
        org_tail_lower=w("places_org_tail_lower"), titles=w("places_titles"),
        not_place_next=w("places_not_place_next"), role_next=w("places_role_next"),
        personish=w("places_personish"), raion=re.compile(raion) if raion else None,
        skeleton_cues=_stems_rx(cues) if (cues := pack.setting("places", "skeleton_cues", []))
        else None,
        district_words=frozenset(pack.setting("places", "district_words", [])),
    )


_CONTRACTION = re.compile(r"['’](ll|ve|re|d|m|t)$", re.IGNORECASE)
_USUK = re.compile(r"\b(U\.S\.(?:A\.)?|U\.K\.)(?!\w)")
# ---- inflected-name languages: word lists are in the pack ([places] of lang/uk/pack.toml) ------
@dataclass(frozen=True)
class _Inflected:
    """What the inflected-name matcher needs from a language pack."""

    region_nouns: dict[str, str]  # "області" → "obl", "району" → "raion"
    conj: frozenset[str]
    relational_next: re.Pattern[str]
    org_before: frozenset[str]
    org_defining_before: frozenset[str]
    org_defining_head: frozenset[str]
    org_after: frozenset[str]
    river_cue: re.Pattern[str]
    country_lower: frozenset[str]
    noun_endings: tuple[str, ...]  # longest first
    nominative_endings: tuple[str, ...]
    adjective_endings: tuple[str, ...]
    # words before village names ("село", "населённых пунктов"): after them a name may be
    # found by its consonant skeleton (Russian text on Ukrainian villages); None: never
    skeleton_cues: re.Pattern[str] | None
    # a hromada's kind between its adjective and the noun ("Покровської міської громади"):
    # word stem → the subtype its centre has (city / town / village; "" says nothing)
    region_qualifiers: dict[str, str]
    region_qualifier_rx: re.Pattern[str]
    # words before village names ("село", "населені пункти"): the capitalised words after them
    # in the sentence are names even when the dictionary knows them as common words or
    # surnames; defaults to skeleton_cues (a pack may have these without skeleton matching)
    settlement_cues: re.Pattern[str] | None = None
    # what lets a name the dictionary doubts (a common word, a surname, a sentence's first
    # word) stand as a place: a predicate about a place right after it ("Урожайне звільнили"),
    # the words such a predicate may skip ("наразі є окупованою"), and a word that governs a
    # place right before it ("освободили Тихое", "западнее Бердычей")
    place_predicates: re.Pattern[str] = re.compile("(?!)")
    predicate_skip: frozenset[str] = frozenset()
    place_governors: re.Pattern[str] = re.compile("(?!)")
    # nouns naming a settlement's kind, whose next capitalised word is its name ("села Шевченко")
    settlement_nouns: frozenset[str] = frozenset()
    # the ending of a relational adjective ("-ському", "-ского")
    relational_adjective: re.Pattern[str] = re.compile("(?!)")
    # unit nouns before a unit's name ("угруповання", "бригади") and words between the two
    # (also ships': "корабель «Новочеркаськ»")
    unit_nouns: re.Pattern[str] = re.compile("(?!)")
    # prepositions before a direction's adjective ("на Лиманському – 15")
    direction_preps: frozenset[str] = frozenset()
    # compass words that open a compound adjective ("Південно-Слобожанському")
    compound_compass: frozenset[str] = frozenset()
    unit_between: frozenset[str] = frozenset()


def _stems_rx(stems: list[str]) -> re.Pattern[str]:
    return re.compile("^(" + "|".join(map(re.escape, stems)) + ")") if stems else re.compile("(?!)")


@functools.cache
def _inflected(lang: str) -> _Inflected:
    pack = get_pack(lang)

    def get(key: str) -> Any:
        return pack.setting("places", key, [])

    return _Inflected(
        region_nouns=dict(pack.setting("places", "region_nouns", {})),
        conj=frozenset(get("conjunctions")),
        relational_next=_stems_rx(get("relational_next")),
        org_before=frozenset(get("org_before")),
        org_defining_before=frozenset(get("org_defining_before")),
        org_defining_head=frozenset(get("org_defining_head")),
        org_after=frozenset(get("org_after")),
        river_cue=_stems_rx(get("river_cues")),
        country_lower=frozenset(get("country_lower")),
        noun_endings=tuple(sorted(get("noun_endings"), key=len, reverse=True)),
        nominative_endings=tuple(get("nominative_endings")),
        adjective_endings=tuple(get("adjective_endings")),
        skeleton_cues=_stems_rx(get("skeleton_cues")) if get("skeleton_cues") else None,
        region_qualifiers=dict(pack.setting("places", "region_qualifiers", {})),
        region_qualifier_rx=_stems_rx(list(pack.setting("places", "region_qualifiers", {}))),
        settlement_cues=_stems_rx(get("settlement_cues") or get("skeleton_cues"))
        if get("settlement_cues") or get("skeleton_cues") else None,
        place_predicates=_stems_rx(get("place_predicates")),
        predicate_skip=frozenset(get("predicate_skip")),
        place_governors=_stems_rx(get("place_governors")),
        settlement_nouns=frozenset(get("settlement_nouns")),
        relational_adjective=re.compile(pack.setting("places", "relational_adjective", "(?!)")),
        unit_nouns=_stems_rx(get("unit_nouns")),
        unit_between=frozenset(get("unit_between")),
        direction_preps=frozenset(get("direction_preps")),
        compound_compass=frozenset(get("compound_compass")),
    )


@lru_cache(maxsize=100_000)
def _parse(lang: str, word: str) -> tuple[tuple[str, str], ...]:
    """(normal form, tag) for the top analyses of a word; () without the pack's morphology."""
    return tuple((p.normal_form, str(p.tag)) for p in get_pack(lang).parses(word)[:4])


@lru_cache(maxsize=100_000)
def word_forms(lang: str, word: str) -> tuple[str, ...]:
    """Candidate nominative keys for one inflected word: surface, lemmas, stems + endings."""
    v = _inflected(lang)
    w = norm_key(word)
    out: dict[str, None] = {w: None}
    for lemma, tag in _parse(lang, word.lower()):
        lk = norm_key(lemma)
        out[lk] = None
        if tag.startswith("ADJF"):
            st = adj_stem(lemma)
            for e in v.adjective_endings:
                out[st + e] = None
    for end in v.noun_endings:
        if w.endswith(end) and len(w) - len(end) >= 3:
            stem = w[: -len(end)]
            for e in v.nominative_endings:
                out[stem + e] = None
            break
    if len(w) >= 4:
        out[adj_stem(w) + "е"] = None
    return tuple(out)


def _is_cap(s: str) -> bool:
    return s[:1].isupper()


class _Tok:
    __slots__ = ("end", "key", "start", "text")

    def __init__(self, m: re.Match[str]) -> None:
        self.start, self.end, self.text = m.start(), m.end(), m.group()
        if (self.text[-2:] in ("'s", "’s") and self.text.isascii() is False) or \
                self.text[-2:] in ("'s", "’s"):
            self.text = self.text[:-2]  # English possessive: Ukraine's
            self.end -= 2
        self.key = norm_key(self.text)


def _tokens(text: str) -> list[_Tok]:
    return list(_tokens_of(text))


@functools.lru_cache(maxsize=4)
def _tokens_of(text: str) -> tuple[_Tok, ...]:
    """The tokens of a text, made once for the several passes over one document."""
    return tuple(_Tok(m) for m in _TOKEN.finditer(text))


def _joinable(text: str, a: _Tok, b: _Tok) -> bool:
    """Tokens a, b may be parts of one name: only spaces or one hyphen/apostrophe between."""
    gap = text[a.end : b.start]
    if gap[:2] in ("'s", "’s"):
        gap = gap[2:]
    return gap in (" ", "-", "‑", "–") or (len(gap) <= 2 and gap.strip() in ("", "-"))


def _kind(c: Candidate) -> PlaceKind:
    if c.fclass == "country":
        return "country"
    if c.fclass == "region":
        return "oblast-or-region"
    if c.fclass == "other":
        return "river-or-other"
    return "settlement"


# ---- English --------------------------------------------------------------------------------
def _ner_maps(doc: Doc) -> tuple[list[tuple[int, int]], list[tuple[int, int]],
                                 list[tuple[int, int]]]:
    loc: list[tuple[int, int]] = []
    per: list[tuple[int, int]] = []
    org: list[tuple[int, int]] = []
    for e in doc.ents:
        (loc if e.label == "LOC" else per if e.label == "PER" else org if e.label == "ORG"
         else []).append((e.start, e.end))
    return loc, per, org


def _inside(spans: list[tuple[int, int]], s: int, e: int) -> tuple[int, int] | None:
    for a, b in spans:
        if a <= s and e <= b:
            return a, b
    return None


def _org_context(text: str, toks: list[_Tok], i: int, j: int, v: _Vocab) -> bool:
    """Whether tokens i..j-1 sit inside an organisation name (by its head or tail words)."""
    # backward: "... Forces of (the) X", "Ministry of Defence of X"
    k = i - 1
    steps = 0
    while k >= 0 and steps < 6:
        t = toks[k]
        if not _joinable(text, t, toks[k + 1]) and text[t.end : toks[k + 1].start].strip():
            break
        if t.key in v.org_head and _is_cap(t.text):
            return True
        if t.key in ("of", "the", "and", "for") or _is_cap(t.text):
            k -= 1
            steps += 1
            continue
        break
    # hyphen compound with a non-place acronym or name before: RBC-Ukraine, Interfax-Ukraine
    if i > 0 and text[toks[i - 1].end : toks[i].start] == "-" and (
            toks[i - 1].text.isupper() or (_is_cap(toks[i - 1].text) and not gaz_has(
                toks[i - 1].key) and j == i + 1 and _countries_only(toks[i].key))):
        return True
    if j < len(toks):
        nxt = toks[j]
        gap = text[toks[j - 1].end : nxt.start]
        if gap in (" ", "-") and nxt.key in v.org_tail and (_is_cap(nxt.text) or
                                                            nxt.key in v.org_tail_lower):
            if nxt.key == "regional" or nxt.key == "city":
                return j + 1 < len(toks) and toks[j + 1].key in {
                    "council", "administration", "court", "prosecutor", "hospital", "military",
                    "state", "police", "prosecutors", "department", "head"}
            if nxt.key in ("nuclear", "power", "military", "air"):
                return True
            return True
    return False


def _countries_only(key: str) -> bool:
    cands = default_gazetteer().names_for(key)
    return bool(cands) and all(c.fclass == "country" for c in cands)


def _raion_adjective(gaz: Gazetteer, t: _Tok, v: _Vocab) -> list[Candidate]:
    """"Kupyanskyi district" → Kupiansk Raion (or its centre town as a proxy)."""
    m = v.raion.match(t.key) if v.raion else None
    if not m:
        return []
    base = m.group(1)
    for k in (base + "k", base.rstrip("s"), base.rstrip("s") + "a", base.rstrip("st") + "a",
              base.rstrip("s") + "aya", base.rstrip("s") + "e", base.rstrip("s") + "o"):
        cands = [c for c in gaz.names_for(k) if c.fclass in ("settlement", "region")]
        if cands:
            return cands
    return []


def _match_capitalised(doc: Doc, gaz: Gazetteer, demonyms: bool = False,
              lang: str = "en") -> list[Pending]:
    text = doc.text
    v = _vocab(lang)
    names_for = functools.partial(gaz.names_for, demonyms=demonyms)
    toks = _tokens(text)
    loc, per, org = _ner_maps(doc)
    out: list[Pending] = []
    for m in _USUK.finditer(text):
        countries = [c for c in gaz.names_for("united states" if m.group().startswith("U.S")
                                              else "united kingdom") if c.fclass == "country"]
        if countries:
            out.append(Pending(m.start(), m.end(), m.group(), countries, via="gazetteer",
                               strong=True))
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        if not _is_cap(t.text) or len(t.text) == 1 or _CONTRACTION.search(t.text):
            i += 1
            continue
        if i + 1 < n and toks[i + 1].key in ("district", "raion", "rayon") and \
                text[t.end : toks[i + 1].start] == " ":
            got = _raion_adjective(gaz, t, v)
            if got:
                out.append(Pending(t.start, toks[i + 1].end, text[t.start : toks[i + 1].end],
                                   got, via="adj+raion", strong=True))
                i += 2
                continue
        best: tuple[int, tuple[Candidate, ...], str] | None = None
        key = t.key
        j = i + 1
        if gaz.has_key(key) and names_for(key):
            best = (j, names_for(key), "any")
        while j < n and j - i < MAX_N and _joinable(text, toks[j - 1], toks[j]):
            nt = toks[j]
            if not (_is_cap(nt.text) or nt.key in v.joiners or nt.key in v.region_words):
                break
            key = f"{key} {nt.key}"
            j += 1
            if gaz.has_key(key) and names_for(key):
                want = "region" if nt.key in v.region_words else "any"
                best = (j, names_for(key), want)
            elif not gaz.has_prefix(key):
                break
        if v.skeleton_cues is not None and _after_settlement_cue(text, toks, i, v.skeleton_cues):
            sk = _skeleton_match(text, toks, i, gaz, None)  # the longest name wins
            if sk is not None and (best is None or sk[0] > best[0]):
                best = (sk[0], tuple(sk[1]), "settlement")
        if best is None:
            i += 1
            continue
        j, cands, want = best
        if want == "region" and toks[j - 1].key in v.district_words:
            # "Kharkiv district": the raion, not the oblast the same words may also name
            cands = tuple(c for c in cands if c.subtype == "raion") or cands
        elif j < n and toks[j].key in v.district_words and \
                text[toks[j - 1].end : toks[j].start] == " ":
            raions = _raions_of(cands, names_for)
            if raions:
                if toks[j].key.endswith("s"):  # "the Izium and Kupiansk districts"
                    _regions_listed_before(out, text, toks[i].start, names_for, "raion")
                cands, want, j = tuple(raions), "region", j + 1
        if want != "region" and j < n and toks[j].key in ("region", "oblast", "province") and \
                text[toks[j - 1].end : toks[j].start] == " " and \
                any(c.fclass == "region" for c in cands):
            cands = tuple(c for c in cands if c.fclass == "region")
            want = "region"
            j += 1
        if want == "region" and toks[j - 1].key in _EN_REGIONS_PLURAL:
            _regions_listed_before(out, text, toks[i].start, names_for)
        s, e = toks[i].start, toks[j - 1].end
        surface = text[s:e]
        if _keep_capitalised(doc, toks, i, j, cands, want, loc, per, org, v):
            out.append(Pending(s, e, surface, list(cands), want=want, via="gazetteer",
                               strong=want == "region" or _inside(loc, s, e) is not None
                               or any(c.fclass == "country" for c in cands)))
            i = j
        else:
            i += 1
    return out


_EN_REGIONS_PLURAL = frozenset({"regions", "oblasts", "provinces"})
_LIST_GAP = re.compile(r"\s*(,|,?\s+and|,?\s+&)\s*")


def _raions_of(cands: Iterable[Candidate], names_for: Callable[[str], tuple[Candidate, ...]]
               ) -> list[Candidate]:
    """The raions named after the settlements among ``cands`` (by their gazetteer names, so a
    spelling found by its consonants finds its raion too: Bohoduhiv → Bohodukhiv Raion)."""
    out: dict[int, Candidate] = {}
    for c in cands:
        if c.fclass == "settlement" and c.country in ("UA", "RU"):
            for r in names_for(norm_key(f"{c.name} raion")):
                if r.fclass == "region":
                    out.setdefault(r.pid, r)
    return list(out.values())


def _regions_listed_before(out: list[Pending], text: str, start: int,
                           names_for: Callable[[str], tuple[Candidate, ...]],
                           noun: str = "region") -> None:
    """The names listed before "<name> regions" name regions too ("the Kharkiv, Sumy and
    Chernihiv regions"; with ``noun`` "raion", "the Izium and Kupiansk districts"): each one
    just before ``start``, joined by a comma or "and", becomes the region "<name> <noun>"
    where the gazetteer has one; the list stops at the first that is not."""
    for p in reversed(out):
        if not _LIST_GAP.fullmatch(text[p.end : start]) or p.want == "region":
            return
        regions = _raions_of(p.cands, names_for) if noun == "raion" else [
            c for c in names_for(norm_key(f"{p.surface} region")) if c.fclass == "region"]
        if not regions:
            return
        p.cands, p.want, p.strong = regions, "region", True
        start = p.start


def gaz_has(key: str) -> bool:
    return default_gazetteer().has_key(key)


def _keep_capitalised(doc: Doc, toks: list[_Tok], i: int, j: int, cands: Iterable[Candidate],
             want: str, loc: list[tuple[int, int]], per: list[tuple[int, int]],
             org: list[tuple[int, int]], v: _Vocab) -> bool:
    text = doc.text
    cands = list(cands)
    s, e = toks[i].start, toks[j - 1].end
    single = j - i == 1
    key = " ".join(t.key for t in toks[i:j])
    if any(c.lang == "dem" for c in cands):
        return True  # only reachable when the caller asked for demonyms (GeoWebNews task)
    if (key in v.stop and text[s:e] not in ("US", "UK")) or key in v.personish:
        return False
    if _org_context(text, toks, i, j, v):
        return False
    if j < len(toks) and toks[j].key in v.not_place_next and not _is_cap(toks[j].text):
        return False  # a named agreement or format: Minsk agreements
    if single and any(ch.isupper() for ch in toks[i].text[1:]) and not toks[i].text.isupper():
        return False  # MoD, McDonald: mixed-case acronyms and names
    if i > 0 and toks[i - 1].key in v.titles and _is_cap(toks[i - 1].text):
        return False
    if single and toks[i].text.isupper() and len(toks[i].text) <= 3 and not any(
        c.fclass in ("country", "region") for c in cands
    ):
        return False  # acronyms (ISW, AFU) unless a country code such as "US"/"UK"
    # world first/second-level regions (subtype admin1/2) include small or person-like names (Sofia,
    # Grad): they do not make a name a place on their own
    strong_kind = any(c.fclass in ("country", "other") or (
        c.fclass == "region" and c.subtype not in ("admin1", "admin2")) for c in cands)
    war = any(c.country in ("UA", "RU", "BY") for c in cands)
    maxpop = max((c.population or 0) for c in cands)
    ner_loc = _inside(loc, s, e) is not None
    ner_per = _inside(per, s, e)
    if want == "region" or (strong_kind and not single):
        return True
    # a following capitalised word that does not continue the name: "Jackson Smith", and
    # "Taras Shevchenko" (Taras is only an alias of Taraz)
    primary = max(((c.population or 0) for c in cands if norm_key(c.name) == key), default=-1)
    if j < len(toks) and text[toks[j - 1].end : toks[j].start] == " " and _is_cap(toks[j].text) \
            and toks[j].key not in v.stop and toks[j].key not in v.role_next and not strong_kind \
            and (primary < 0 or (primary < 2_000_000 and not war)):
        return False
    # preceded by a capitalised non-stop token in the same name chain: "Tobias Schneider"
    if i > 0 and text[toks[i - 1].end : toks[i].start] == " " and _is_cap(toks[i - 1].text) and \
            toks[i - 1].key not in v.stop and not strong_kind and maxpop < 100_000 and \
            not _sentence_start(text, toks[i - 1].start):
        return False
    if ner_per and not ner_loc and ner_per != (s, e) and not strong_kind:
        return False  # part of a longer person name
    for x in doc.ents:
        if x.start <= s and e <= x.end and (x.start, x.end) != (s, e) and \
                x.label in ("PER", "LOC") and not strong_kind and \
                not gaz_has(norm_key(x.text)) and " " in x.text.strip():
            return False  # inside a longer name the gazetteer does not know: Taras Shevchenko
    other = _exact_label(doc, s, e)
    if other and other not in ("LOC", "PER", "GPE", "NORP") and not strong_kind and not war:
        return False  # NER calls it a product/organisation/work: Bradley, Concord
    # a sentence's first word the tagger reads as a common word ("Due to", "Let us"), unless
    # the text names the place mid-sentence too ("... in Bakhmut." "Bakhmut has been ...")
    if single and not ner_loc and not strong_kind and not toks[i].text.isupper() and \
            _sentence_start(text, s) and _tagger_pos(doc, s) in _COMMON_POS and \
            not any(t.key == toks[i].key and _is_cap(t.text) and
                    not _sentence_start(text, t.start) for t in toks if t is not toks[i]):
        return False
    if ner_loc or strong_kind:
        return True
    if war:
        return maxpop >= 300 or not single
    return maxpop >= 15000 or (maxpop >= 1000 and not single)


# parts of speech of a common word (the tagger's reading; a name is PROPN)
_COMMON_POS = frozenset({"VERB", "AUX", "ADP", "ADV", "PRON", "DET", "SCONJ", "CCONJ", "PART",
                         "INTJ", "NOUN", "ADJ"})


def _tagger_pos(doc: Doc, start: int) -> str:
    """The part of speech the language's tagger gave the token at ``start`` ("" if none)."""
    toks = doc.user.get("tokens") or ()
    k = bisect.bisect_left([t.start for t in toks], start) if toks else 0
    return toks[k].pos if k < len(toks) and toks[k].start == start else ""


def _exact_label(doc: Doc, s: int, e: int) -> str | None:
    for x in doc.ents:
        if x.start == s and x.end == e:
            return x.label
    return None


def _sentence_start(text: str, pos: int) -> bool:
    k = pos - 1
    while k >= 0 and text[k] in " \t\"'“«(":
        k -= 1
    return k < 0 or text[k] in ".!?\n:"


# ---- Ukrainian / Russian --------------------------------------------------------------------
def _inflected_keys(lang: str, toks: list[_Tok], gaz: Gazetteer) -> list[str]:
    forms = [word_forms(lang, t.text) for t in toks]
    if len(forms) == 1:
        return list(forms[0])
    heads = [f for f in forms[0] if gaz.has_prefix(f)]
    if not heads:
        return []
    return [" ".join(c) for c in product(heads, *[f[:6] for f in forms[1:]])]


def _has_name_tag(lang: str, word: str) -> bool:
    return any(("Geox" in tag or "Name" in tag or "Surn" in tag or "Abbr" in tag)
               for _, tag in _parse(lang, word.lower()))


def _known_common(lang: str, word: str) -> bool:
    """Known dictionary word with no proper-noun reading (Вчора, Прапор, Наказ)."""
    if get_pack(lang).morphology != "pymorphy3":
        return False
    w = word.lower()
    return bool(models.morph(lang).word_is_known(w)) and not _has_name_tag(lang, word)


def _match_inflected(doc: Doc, gaz: Gazetteer, lang: str,
                     rejected: list[tuple[int, int, str]] | None = None) -> list[Pending]:
    """Names in an inflected-name language; ``rejected`` collects (start, end, why) of the
    words set aside as no place whatever the context (an organisation's or a direction's
    name), so that later proposals leave them out too."""
    v = _inflected(lang)
    text = doc.text
    toks = _tokens(text)
    n = len(toks)
    out: list[Pending] = []
    skip_until = -1
    doubted: list[tuple[int, int, list[Candidate], str]] = []
    i = 0
    while i < n:
        if i < skip_until:
            i += 1
            continue
        t = toks[i]
        low = t.key
        nxt = toks[i + 1] if i + 1 < n else None
        # compound relational adjective: изюмско-балаклейской, харківсько-донецький
        # (also after a compass word: Південно-Слобожанському, Южно-Донецком)
        if nxt and text[t.end : nxt.start] == "-" and (
                re.search(r"(ск|цк|зк|ськ|цьк|зьк)о$", low) or (
                    low in v.compound_compass and v.relational_adjective.search(nxt.key))):
            skip_until = i + 2
            i += 1
            continue
        # adjective + область/район (also "A і B районів")
        got = _region_adj(doc, gaz, lang, toks, i)
        if got:
            out.extend(got[0])
            i = got[1]
            continue
        cap = _is_cap(t.text)
        if not cap and low not in v.country_lower and not any(
            k in v.country_lower for k in word_forms(lang, t.text)[:3]
        ):
            i += 1
            continue
        best: tuple[int, list[Candidate]] | None = None
        for size in (3, 2, 1):
            j = i + size
            if j > n or any(not _joinable(text, toks[k], toks[k + 1]) for k in range(i, j - 1)):
                continue
            if size > 1 and not all(_is_cap(x.text) or x.key in ("на", "над")
                                    for x in toks[i + 1 : j]) and \
                    not _region_as_written(gaz, text[toks[i].start : toks[j - 1].end]):
                continue  # lower-case words go on a name only in a region's own name
            # every reading of the inflected form, not the first key found: Оріхову is the
            # dative of Оріхів as well as of Оріхове; the resolver chooses (issue 14)
            found: dict[int, Candidate] = {}
            for key in _inflected_keys(lang, toks[i:j], gaz):
                if gaz.has_key(key):
                    cands = list(gaz.names_for(key))
                    if not cap:
                        cands = [c for c in cands if c.fclass == "country"]
                    for c in cands:
                        found.setdefault(c.pid, c)
            if found:
                best = (j, list(found.values()))
            if best:
                break
        cued = cap and v.settlement_cues is not None and \
            _after_settlement_cue(text, toks, i, v.settlement_cues)
        if cued and v.skeleton_cues is not None:
            sk = _skeleton_match(text, toks, i, gaz, lang)  # after "село": the longest wins
            if sk is not None and (best is None or sk[0] > best[0]):
                best = sk
        if best is None:
            i += 1
            continue
        j, cands = best
        why = _doubt_inflected(doc, lang, toks, i, j, cands, cued)
        if why is None:
            out.append(_inflected_pending(text, toks, i, j, cands, v))
            i = j
        else:
            if why in _SOFT_DOUBTS:
                doubted.append((i, j, cands, why))
            elif why == "relational":  # the adjectives coordinated with it are relational too
                skip_until = _qualified_noun(lang, text, toks, j, v) or -1
            if rejected is not None and why not in _SOFT_DOUBTS:
                end = toks[max(j, skip_until) - 1].end
                rejected.extend((t.start, t.end, why) for t in toks[i:max(j, skip_until)]
                                if t.end <= end and _is_cap(t.text))
            i += 1
    return _rescue_doubted(doc, lang, toks, out, doubted)


def _inflected_pending(text: str, toks: list[_Tok], i: int, j: int, cands: list[Candidate],
                       v: _Inflected) -> Pending:
    s, e = toks[i].start, toks[j - 1].end
    river = any(v.river_cue.match(x.key) for x in toks[max(0, i - 2) : i])
    return Pending(s, e, text[s:e], cands, via="gazetteer", want="other" if river else "any",
                   strong=any(c.fclass in ("country", "region") for c in cands))


_FUNCTION_POS = ("PREP", "CONJ", "PRCL", "NPRO", "ADVB")
_FUNCTION_WORD_POS = ("PREP", "CONJ", "PRCL", "NPRO", "COMP", "INTJ", "PRED")


def _speech_verb(lang: str, word: str, singular: bool = False) -> bool:
    """A form of one of the pack's reporting verbs (statements_cues: заявить, повідомити);
    with ``singular``, only a form that can have one speaker as its subject."""
    cues = get_pack(lang).words("statements_cues")
    return any(tag.startswith(("VERB", "INFN")) and lemma in cues and
               not (singular and "plur" in tag) for lemma, tag in _parse(lang, word.lower()))


def _before_surname(lang: str, text: str, toks: list[_Tok], i: int, j: int, v: _Inflected
                    ) -> bool:
    """The capitalised word after token ``i`` reads as a surname and nothing makes ``i`` a
    place: no place reading of its own, no preposition or governing word before it ("в центре
    Работино Рогов рассказал"), and the next word does not open a region's name ("Журавка
    Хотінської громади")."""
    if any("Geox" in tag for _, tag in _parse(lang, toks[i].text.lower())):
        return False
    if not any("Surn" in tag for _, tag in _parse(lang, toks[j].text.lower())):
        return False
    after = toks[j + 1] if j + 1 < len(toks) else None
    if after is not None and (after.key in v.region_nouns or
                              v.region_qualifier_rx.match(after.key)):
        return False
    return not (i > 0 and _governed(text, toks, i, v))


def _unit_name(text: str, toks: list[_Tok], i: int, v: _Inflected) -> bool:
    """Token ``i`` names a military unit or group: a unit noun before it ("угруповання
    військ «Хортиця»", "группировки «Восток»", "ОСУВ Хортиця", "бригади «Хартія»"), across
    quote marks and the pack's words that may stand between ("войск", "ВС России")."""
    k = i - 1
    while k >= 0 and i - k <= 4:
        gap = text[toks[k].end : toks[k + 1].start]
        if gap.strip(" «»\"“”„'‘’()") or "\n" in gap:
            return False
        if v.unit_nouns.match(toks[k].key):
            return True
        if toks[k].key not in v.unit_between:
            return False
        k -= 1
    return False
# Doubts that context may lift: the dictionary reads the word as something else (a common
# word, a name) or its capital says nothing (a sentence's first word). The others (an
# organisation's name, a relational adjective) are about the words around it and stand.
_SOFT_DOUBTS = frozenset({"common_word", "sentence_start", "name_reading", "surname",
                          "person_next", "person_prev"})
# a doubt an adjacent capitalised name caused: only a locator or a settlement word lifts it
_NAME_DOUBTS = frozenset({"person_next", "person_prev"})
_LIST_JOIN = re.compile(r"\s*(,|[-‑–—])\s*")
_LOCATOR_GAP = re.compile(r"\s*(,\s*)?((в|у|на)\s+)?")


def _theatre_settlements(cands: list[Candidate]) -> list[Candidate]:
    return [c for c in cands if c.fclass == "settlement" and c.country in ("UA", "RU")]


def _admin_key(admin1: str | None) -> str:
    """An oblast's name comparable across the gazetteer's sources ("Kursk" / "Kursk Oblast")."""
    return (admin1 or "").lower().replace(" oblast", "").strip()


def _rescue_doubted(doc: Doc, lang: str, toks: list[_Tok], out: list[Pending],
                    doubted: list[tuple[int, int, list[Candidate], str]]) -> list[Pending]:
    """Names set aside only because the dictionary doubted them, kept when the text supports a
    place of the theatre (issue 9): an oblast or raion of the name's own oblast right after it
    ("Лимана Донецької області", "Запорожское Днепропетровской области"); a settlement word
    just before it ("села Шевченко"); the same name accepted elsewhere in the text; an item of
    a list whose neighbour is an accepted settlement ("Тихое и Отрадное", "Комар,
    Новоэкономическое"); a predicate about a place after a sentence's first word ("Урожайне
    звільнили", "Синьковка расположена"); a word that governs a place before it ("освободили
    Затишье", "западнее Бердычей"). Repeated until nothing changes, so a list is taken whole."""
    if not doubted:
        return out
    text = doc.text
    v = _inflected(lang)
    out = sorted(out, key=lambda p: p.start)
    pending = list(doubted)
    changed = True
    while changed and pending:
        changed = False
        for item in list(pending):
            i, j, cands, why = item
            s, e = toks[i].start, toks[j - 1].end
            if any(p.start < e and s < p.end for p in out):
                pending.remove(item)
                continue
            theatre = _theatre_settlements(cands)
            # a word naming a settlement's kind is no name ("Село расположено в ...")
            if not theatre or toks[i].key in v.settlement_nouns or (
                    v.settlement_cues is not None and v.settlement_cues.match(toks[i].key)):
                pending.remove(item)
                continue
            if _place_support(text, lang, toks, i, j, theatre, why, out, v):
                out.append(_inflected_pending(text, toks, i, j, cands, v))
                out.sort(key=lambda p: p.start)
                pending.remove(item)
                changed = True
    return out


def _place_support(text: str, lang: str, toks: list[_Tok], i: int, j: int,
                   theatre: list[Candidate], why: str, out: list[Pending], v: _Inflected
                   ) -> bool:
    s, e = toks[i].start, toks[j - 1].end
    # an oblast, raion or people's republic right after it that holds one of its namesakes
    after = next((p for p in out if p.start >= e), None)
    if after is not None and _LOCATOR_GAP.fullmatch(text[e : after.start]) and any(
            c.fclass == "region" for c in after.cands):
        regions = {_admin_key(c.admin1) for c in after.cands if c.fclass == "region"} | {
            _admin_key(c.admin1) for c in after.cands if after.via == "adj+raion"}
        if any(_admin_key(c.admin1) in regions for c in theatre if c.admin1):
            return True
    if why in _NAME_DOUBTS:
        return False
    # the rest say nothing about a word that is part of a longer capitalised name
    # ("Вольное Поле", "Анна Маляр", "Большую Новоселку")
    if (j < len(toks) and _is_cap(toks[j].text) and text[e : toks[j].start] == " ") or (
            i > 0 and _is_cap(toks[i - 1].text) and text[toks[i - 1].end : s] == " "):
        return False
    if i > 0 and toks[i - 1].key in v.settlement_nouns and not _is_cap(toks[i - 1].text) and \
            text[toks[i - 1].end : s].strip(" .") == "":
        return True  # "села Шевченко", "с. Устиновка"
    # the same name accepted elsewhere where the words before it read as a place's ("в
    # Алешках", "освободили Рыбное"): one referent per name in a text
    key = toks[i].key
    pids = {c.pid for c in theatre}
    starts = {t.start: k for k, t in enumerate(toks)}
    for p in out:
        other = norm_key(p.surface)
        k = starts.get(p.start, 0)
        if j - i == 1 and " " not in p.surface and pids & {c.pid for c in p.cands} and \
                _shared_prefix(key, other) >= max(4, min(len(key), len(other)) - 3) and \
                k > 0 and _governed(text, toks, k, v):
            return True
    # an item of a list whose neighbour is an accepted settlement
    before = next((p for p in reversed(out) if p.end <= s), None)
    for a, b, nb in ((before.end if before else -1, s, before),
                     (e, after.start if after else -1, after)):
        if nb is None or a < 0 or b < 0:
            continue
        gap = text[a:b]
        words = gap.strip(" ,-‑–—").split()
        if (_LIST_JOIN.fullmatch(gap) or (len(words) == 1 and words[0].lower() in v.conj)) \
                and any(c.fclass == "settlement" for c in nb.cands) and "\n" not in gap:
            return True
    if _sentence_start(text, s):
        k = j
        while k < len(toks) and k < j + 4 and toks[k].key in v.predicate_skip and \
                not any(ch in text[toks[k - 1].end : toks[k].start] for ch in ".!?\n"):
            k += 1
        return k < len(toks) and not any(ch in text[toks[k - 1].end : toks[k].start]
                                         for ch in ".!?\n") and \
            v.place_predicates.match(toks[k].key) is not None and not _is_cap(toks[k].text)
    # a governing word before it, or one preposition after that word ("к западу от Вербового")
    return _governed(text, toks, i, v, prepositions=False)


def _governed(text: str, toks: list[_Tok], i: int, v: _Inflected,
              prepositions: bool = True) -> bool:
    """The word before token ``i`` makes it a place: a governing word ("освободили", "западнее")
    or a settlement noun, also across one short preposition; with ``prepositions``, a short
    preposition alone ("в Алешках")."""
    s = toks[i].start
    for k in (i - 1, i - 2):
        if k < 0 or any(ch in text[toks[k].end : s] for ch in ".!?\n«\"“"):
            return False
        g = toks[k]
        if _is_cap(g.text):
            return False
        if v.place_governors.match(g.key) or g.key in v.settlement_nouns:
            return True
        short = len(g.key) <= 3 and g.key not in v.conj
        if k == i - 1 and short and prepositions:
            return True
        if not short:
            return False
    return False


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _region_as_written(gaz: Gazetteer, surface: str) -> bool:
    """The words, exactly as written, are a region's name ("Донецкой народной республике")."""
    key = norm_key(surface)
    return gaz.has_key(key) and any(c.fclass == "region" for c in gaz.names_for(key))


SKELETON_CUE_REACH = 12  # words back from a name to its "село", "населённых пунктов", ...


def _after_settlement_cue(text: str, toks: list[_Tok], i: int, cues: re.Pattern[str]
                          ) -> bool:
    """A word naming settlements ("село", "населённых пунктов", "в районах") stands before
    token ``i`` in its sentence: the capitalised words after it are village names, and only
    there may a name be found by its consonants alone."""
    for k in range(i - 1, max(-1, i - 1 - SKELETON_CUE_REACH), -1):
        if any(ch in text[toks[k].end : toks[k + 1].start] for ch in ".!?\n"):
            return False
        if cues.match(toks[k].key):
            return True
    return False


def _listed_after_cue(text: str, toks: list[_Tok], i: int, v: _Inflected) -> bool:
    """Only names (capitalised words, numbers, list commas and conjunctions, short
    prepositions) lie between a settlement word and token ``i``."""
    for k in range(i - 1, max(-1, i - 1 - SKELETON_CUE_REACH), -1):
        gap = text[toks[k].end : toks[k + 1].start]
        if gap.strip(" ,:;-‑–—()•\t"):
            return False
        t = toks[k]
        if v.settlement_cues is not None and v.settlement_cues.match(t.key) and \
                not _is_cap(t.text):
            return True
        if not (_is_cap(t.text) or t.text.isdigit() or t.key in v.conj or len(t.key) <= 2):
            return False
    return False


def _skeleton_match(text: str, toks: list[_Tok], i: int, gaz: Gazetteer, lang: str | None
                    ) -> tuple[int, list[Candidate]] | None:
    """Ukrainian settlements whose consonant skeleton equals that of the capitalised words at
    ``i`` (three to one, longest first). Cyrillic (``lang`` uk/ru: each word's surface or a
    lemma, ``translit.skeleton``): Дегтярное → Дегтярне, Работино → Роботине, Сухая Каменка →
    Суха Кам'янка. Romanised (``lang`` None, ``translit.latin_skeleton``): Velikyi Burluk,
    Nova Kamenka, Ivanovske."""
    for size in (3, 2, 1):
        j = i + size
        if j > len(toks) or not all(_is_cap(t.text) for t in toks[i:j]) or any(
                not _joinable(text, toks[k], toks[k + 1]) for k in range(i, j - 1)):
            continue
        forms = [dict.fromkeys([t.key, *(norm_key(lm) for lm, _ in _parse(lang, t.text.lower()))]
                               if lang else [t.key]) for t in toks[i:j]]
        for combo in product(*forms):
            name = " ".join(combo)
            sk = skeleton(name) if lang else latin_skeleton(name)
            if not sk:
                continue
            prefix = SKELETON_PREFIX if lang else LATIN_SKELETON_PREFIX
            cands = [c for c in gaz.names_for(prefix + sk)
                     if c.fclass == "settlement" and c.country == "UA"]
            if cands:
                return j, cands
    return None


def _region_adj(doc: Doc, gaz: Gazetteer, lang: str, toks: list[_Tok],
                i: int) -> tuple[list[Pending], int] | None:
    v = _inflected(lang)
    text = doc.text
    n = len(toks)
    t = toks[i]
    if not _is_cap(t.text) or i + 1 >= n:
        return None
    # "Купянского и Изюмского районов", "Хотінська, Лебединська та Есманьська громади": a
    # list of adjectives, then the noun; "Середино-Будській громаді": a hyphenated adjective
    adjs: list[tuple[int, int]] = []  # first and last token of each adjective
    kinds: dict[int, str] = {}  # adjective's first token → its centre's subtype (міська: city)
    j = i
    while j < n and len(adjs) < 8:
        k = j
        while k + 1 < n and text[toks[k].end : toks[k + 1].start] == "-" and \
                _is_cap(toks[k + 1].text):
            k += 1
        adjs.append((j, k))
        j = k + 1
        for _ in range(2):  # "Лиманской городской территориальной громаде"
            q = v.region_qualifier_rx.match(toks[j].key) if j < n else None
            if q is None or _is_cap(toks[j].text) or text[toks[j - 1].end : toks[j].start] != " ":
                break
            kinds[adjs[-1][0]] = v.region_qualifiers[q.group(1)] or kinds.get(adjs[-1][0], "")
            j += 1
        if j >= n or toks[j].key in v.region_nouns:
            break
        gap = text[toks[j - 1].end : toks[j].start].strip()
        if toks[j].key in v.conj and gap == "" and j + 1 < n and _is_cap(toks[j + 1].text):
            j += 1
        elif gap == "," and _is_cap(toks[j].text):
            continue
        else:
            return None
    if j >= n or toks[j].key not in v.region_nouns:
        return None
    cls = v.region_nouns[toks[j].key]
    out = []
    for a, a_end in adjs:
        stem = adj_stem(text[toks[a].start : toks[a_end].end])
        cands = list(gaz.names_for(norm_key(f"{stem} #{cls}")))
        if not cands and cls == "raion":
            # the centre the raion is named after: Изюмский → Изюм, Кореневский → Коренево
            # (tried before the bare stem, which can be another village's Russian name)
            for alt in (stem, stem[:-2] + "о", stem[:-2], stem[:-2] + "а",
                        stem[:-3] + "я" if stem.endswith("йск") else stem):
                cands = [c for c in gaz.names_for(alt) if c.fclass == "settlement"]
                if cands:
                    break
        kind = kinds.get(a) if cls == "hromada" else None
        if kind:  # Миколаївська сільська громада is centred on a village, never on Mykolaiv
            cands = [c for c in cands if (c.subtype or "").split("~")[0] in (kind, "locality")
                     or (kind == "city" and c.subtype == "capital")]
        if not cands:
            continue
        end = toks[j].end if (a, a_end) == adjs[-1] else toks[a_end].end
        s = toks[a].start
        out.append(Pending(s, end, text[s:end], cands, want="region" if cls == "obl" else "any",
                           via="adj+" + cls, strong=True))
    # the list must open with a region's adjective: "Балаклію, Харківська область" is a town
    # and then its oblast, and the town is left to the name matcher
    return (out, j + 1) if out and out[0].start == toks[i].start else None


def _doubt_inflected(doc: Doc, lang: str, toks: list[_Tok], i: int, j: int,
                     cands: list[Candidate], cued: bool = False) -> str | None:
    """Why the words [i, j) that matched ``cands`` may not name a place here (None: they do).
    ``cued``: they follow a word naming settlements ("село Дегтярное"), so a dictionary
    adjective or noun (Дегтярное, Зеленое) is a village name, not a common word.
    :func:`_rescue_doubted` may lift the doubts in ``_SOFT_DOUBTS`` from the context."""
    text = doc.text
    t = toks[i]
    nxt = toks[j] if j < len(toks) else None
    prev = toks[i - 1] if i > 0 else None
    strong = any(c.fclass in ("country", "region") for c in cands)
    maxpop = max((c.population or 0) for c in cands)
    # organisation names: Збройні сили України, Міноборони РФ, Харківська ОВА, «Россия 24»
    v = _inflected(lang)
    if prev and prev.key in v.org_before and text[prev.end : t.start].strip() == "":
        return "org"
    if not strong and _unit_name(text, toks, i, v):
        return "org"  # «Хортиця» of "угруповання військ «Хортиця»", a unit, not the island
    # a country joined by a hyphen to another name: an outlet (РБК-Україна, Інтерфакс-Україна)
    if prev and text[prev.end : t.start] == "-" and _is_cap(prev.text) and \
            any(c.fclass == "country" for c in cands):
        return "org"
    # a single word in Latin letters in a Cyrillic text: a brand, outlet or weapon (Bradley,
    # ISW, CNN), not a place the text names in its own script
    if j - i == 1 and t.text.isascii() and not any(c.fclass == "country" for c in cands):
        return "org"
    if prev and prev.key in v.org_defining_before and i > 1 and \
            toks[i - 2].key in v.org_defining_head:
        return "org"
    if nxt and nxt.key in v.org_after and text[toks[j - 1].end : nxt.start].strip() in (
            "", "»"):
        return "org"
    # relational adjective: Харківському напрямку, Ізюмський міський голова
    first = _parse(lang, t.text.lower())
    country = any(c.fclass == "country" for c in cands)
    # read as an adjective, or formed as a relational one (Торецького, which the dictionary
    # knows only as Торецьке's genitive)
    relational = v.relational_adjective.search(t.key) is not None
    adjf = any(tag.startswith("ADJF") for _, tag in first)
    if j - i == 1 and first and (first[0][1].startswith("ADJF") or relational) and \
            not country:
        # the noun it qualifies may stand after more adjectives: coordinated ones ("Покровському
        # та Торецькому напрямках") and lower-case ones ("Східного воєнного округу"); a raion's
        # adjective before "напрямку" is a direction too
        k = _qualified_noun(lang, text, toks, j, v)
        if k is not None and any(v.relational_next.match(x.key) and (
                not adjf or _same_case(lang, t, x)) for x in toks[j : k + 1]
                if not _is_cap(x.text)):
            return "relational"
        # an adjective before a noun it agrees with ("Українська армія"), not one in another
        # case ("у Вовчанську ситуація", "село Торське дорогою до ...")
        if k is not None and not strong and (first[0][1].startswith("ADJF") or adjf) and \
                text[toks[k - 1].end : toks[k].start] == " " and any(
            tag.startswith("NOUN") for _, tag in _parse(lang, toks[k].text.lower())[:1]
        ) and _cases(lang, t.text) & _cases(lang, toks[k].text, ("NOUN",)):
            return "relational"
    # "на Лиманському – 15 атак": a direction's adjective whose noun the dash stands for
    if j - i == 1 and not country and relational and prev and prev.key in v.direction_preps \
            and nxt and text[t.end : nxt.start].strip() in ("–", "—", "-") and \
            " " in text[t.end : nxt.start]:
        return "relational"
    # a speaker: a reporting verb right before or after the name ("— написав Сирський",
    # "Песков заявил"); a town that speaks for its government is larger than a village
    # (a verb after it speaks for it only in the singular and when no preposition governs
    # the name: not "у Лиман повідомив речник", "Курахове визнали окупованим")
    if j - i == 1 and not strong and maxpop < 100_000 and (
            (nxt and text[t.end : nxt.start] == " " and _speech_verb(lang, nxt.text, True)
             and not (i > 0 and _governed(text, toks, i, v))) or
            (prev and text[prev.end : t.start] == " " and _speech_verb(lang, prev.text))):
        return "speaker"
    pack = get_pack(lang)
    # a sentence's first word that the dictionary reads as a function word (Вона, Тоді, Но, Из)
    if j - i == 1 and not strong and _sentence_start(text, t.start) and any(
            tag.startswith(_FUNCTION_WORD_POS) for _, tag in first):
        return "function_word"
    common_max = pack.setting("places", "common_word_max_population", 0)
    if j - i == 1 and not strong and not cued and maxpop < common_max and \
            _known_common(lang, t.text):
        return "common_word"
    if j - i > 1 and not strong and not cued and _sentence_start(text, t.start) and \
            maxpop < 5000:
        return "sentence_start"
    tags = [tg for _, tg in _parse(lang, t.text.lower())]
    # Суровикина, Сырский: a person's name read first. Not a first name the dictionary also
    # knows as a place (Бахмут), nor after a settlement word ("село Шевченко")
    # a settlement word lifts a name's doubt only when names alone follow it ("села Шевченко",
    # "населені пункти Зайцеве, Шевченко"), not across a clause ("на напрямку — Залужний")
    listed = cued and v.settlement_cues is not None and _listed_after_cue(text, toks, i, v)
    if j - i == 1 and not strong and not listed and \
            pack.setting("places", "reject_name_first_reading") and tags and \
            "Geox" not in tags[0] and (any(x in tags[0] for x in ("Surn", "Patr")) or (
                "Name" in tags[0] and not any("Geox" in tg for tg in tags))):
        return "name_reading"
    if j - i == 1 and not strong and not listed and tags and "Surn" in tags[0] and \
            maxpop < pack.setting("places", "surname_max_population", 0):
        return "surname"
    # (not after "населені пункти:", where a colon opens a list of names)
    if j - i == 1 and not strong and not cued and _sentence_start(text, t.start) and \
            maxpop < 5000 and not _has_name_tag(lang, t.text):
        return "sentence_start"
    # person: a first name/surname reading next to another capitalised name, or a word before
    # a surname ("Володимир Зеленський", where the dictionary gives Володимир no name tag)
    if j - i == 1 and not strong and nxt and _is_cap(nxt.text) and \
            text[t.end : nxt.start] == " " and (
                any("Name" in tg or "Surn" in tg for _, tg in _parse(lang, t.text.lower())) or
                _before_surname(lang, text, toks, i, j, v)):
        return "person_next"
    # (a capitalised preposition opening the sentence is no first name: "Из Угледара")
    prev_tags = [tg for _, tg in _parse(lang, prev.text.lower())] if prev else []
    if j - i == 1 and not strong and prev and _is_cap(prev.text) and \
            text[prev.end : t.start] == " " and any("Name" in tg for tg in prev_tags) and \
            not prev_tags[0].startswith(_FUNCTION_POS):
        return "person_prev"
    return None


def _qualified_noun(lang: str, text: str, toks: list[_Tok], j: int, v: _Inflected
                    ) -> int | None:
    """The index of the first lower-case word after the adjective that ends at token ``j``,
    passing other adjectives: capitalised ones after a comma or conjunction ("Покровському та
    Торецькому напрямках") and up to two lower-case ones in the same case ("Східного воєнного
    округу", but not "у районі Сватового величезну кількість"). None when a name, punctuation
    or the text's end comes first."""
    cases = _cases(lang, toks[j - 1].text)
    k, lower_adjs, listed = j, 0, False
    while k < len(toks):
        t, gap = toks[k], text[toks[k - 1].end : toks[k].start]
        if gap == "-" and _is_cap(t.text):  # the second half of a compound: Південно-Слобожанському
            k += 1
            continue
        if gap.strip(" ,\"»”'") or "\n" in gap:
            return None
        if _is_cap(t.text):  # another adjective of the list: read so, or inflected alike
            if (not listed and "," not in gap) or not (t.key[-3:] == toks[j - 1].key[-3:] or any(
                    tag.startswith("ADJF") for _, tag in _parse(lang, t.text.lower()))):
                return None
            listed = False
            k += 1
            continue
        if t.key in v.conj and k + 1 < len(toks) and _is_cap(toks[k + 1].text):
            listed = True
            k += 1
            continue
        first = (_parse(lang, t.key) or (("", ""),))[0][1]
        if lower_adjs < 2 and gap == " " and first.startswith(("ADJF", "PRTF")) and \
                cases & _cases(lang, t.text, ("ADJF", "PRTF")):
            lower_adjs += 1
            k += 1
            continue
        return k
    return None


_CASES = frozenset({"nomn", "gent", "datv", "accs", "ablt", "loct", "voct"})


def _same_case(lang: str, a: _Tok, b: _Tok) -> bool:
    """Two words can agree in case (the first's adjective readings, the second's any; true
    when either has none): "Харківському напрямку", not "село Торське дорогою"."""
    ca, cb = _cases(lang, a.text), _cases(lang, b.text, ("ADJF", "NOUN", "PRTF"))
    return not ca or not cb or bool({c for c, _ in ca} & {c for c, _ in cb})
_GENDERS = ("plur", "masc", "femn", "neut")


def _cases(lang: str, word: str, pos: tuple[str, ...] = ("ADJF",)) -> set[tuple[str, str]]:
    """(case, gender or plural) of a word's readings of the given parts of speech: two
    adjectives agree when these meet ("Сватового" masc gen/acc, "величезну" fem acc do not)."""
    out = set()
    for _, tag in _parse(lang, word.lower()):
        if not tag.startswith(pos):
            continue
        grams = set(re.split(r"[ ,]", tag))
        gender = next((g for g in _GENDERS if g in grams), "")
        out |= {(c, gender) for c in grams & _CASES}
    return out


# ---- component ------------------------------------------------------------------------------
def _doc_lang(doc: Doc) -> str:
    """The pipeline language for a text given without one: the shared detector, else the
    same script fallback ``frontlens extract`` uses (English when there is nothing to go on)."""
    if has_pack(doc.lang):
        return doc.lang  # type: ignore[return-value]
    code, _ = detect_language(doc.text)
    if has_pack(code):
        return code  # type: ignore[return-value]
    return script_fallback(doc.text) or "en"


def _front_km(doc: Doc) -> Callable[[Candidate], float] | None:
    """Distance to the contact line on the text's date, when the text is dated and a front is
    given (``doc.user["front"]``, as ``frontlens extract`` sets it from the store's control
    maps) or active (``frontline.use``, as ``geoparse --control`` sets it); issue 14."""
    from frontlens.resolve import frontline

    front = doc.user.get("front") or frontline.active()
    day = doc.published
    if front is None or day is None:
        return None
    km = front.km_for(day if isinstance(day, date) else day.date())
    if km is None:
        return None
    return lambda c: km(c.lat, c.lon)


def _channel(doc: Doc) -> Callable[[Candidate], int] | None:
    """Earlier posts of the text's channel near a candidate (``doc.user["channel"]``, a
    ``resolve.channel.ChannelArea``), when the channel has a history; issue 14."""
    from frontlens.resolve.geocode import CHANNEL_KM

    area = doc.user.get("channel")
    if not area:
        return None
    cache: dict[int, int] = {}

    def near(c: Candidate) -> int:
        if c.pid not in cache:
            cache[c.pid] = area.posts_near(c.lat, c.lon, CHANNEL_KM)
        return cache[c.pid]

    return near


def _shouting(text: str) -> bool:
    """A text (a headline, a post) written in capitals: the capitalisation cues of name
    matching say nothing, so it is read recased (same length, same offsets)."""
    n_letters = sum(map(str.isalpha, text))
    if n_letters < 8 or sum(map(str.isupper, text)) < 0.8 * n_letters:
        return False  # (capitals of any kind bound the capital letters: the common case, fast)
    letters = [ch for ch in text if ch.isalpha()]
    return (sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)
            and len(text.lower()) == len(text))


def _recase(text: str, lang: str, gaz: Gazetteer) -> str:
    """A shouted text in lower case, with a capital only on words that name a place of the war
    (Ukraine, Russia, Belarus, a country or region) or start a longer name, so the matcher's
    usual precision guards still apply: "ENTER VUHLEDAR" → "enter Vuhledar" (Enter, a Dutch
    town, is not capitalised)."""
    stop = _vocab(lang).stop if get_pack(lang).toponyms == "capitalised" else frozenset()
    out = list(text.lower())
    for m in re.finditer(r"\w+", text):
        w = m.group().lower()
        if len(w) < 3 or w in stop:
            continue
        forms = word_forms(lang, w) if lang in ("uk", "ru") else (w,)
        if any(gaz.has_prefix(norm_key(f)) or any(
                c.country in ("UA", "RU", "BY") or c.fclass in ("country", "region")
                for c in gaz.names_for(norm_key(f))) for f in forms):
            out[m.start()] = out[m.start()].upper()
    return "".join(out)


def find_places(doc: Doc, gaz: Gazetteer | None = None, demonyms: bool = False,
                rejected: list[tuple[int, int, str]] | None = None) -> list[PlaceMention]:
    """Recognise and resolve the toponyms of ``doc`` (does not modify ``doc``).

    ``demonyms`` also tags country/continent adjectives (Russian → Russia), as GeoWebNews
    defines the task; the news convention (and the component) leaves them out. ``rejected``,
    when given, collects the words set aside as no place whatever the context (Ukrainian and
    Russian: a direction's adjective, an organisation's name).
    """
    gaz = gaz or default_gazetteer()
    lang = _doc_lang(doc)
    pack = get_pack(lang)
    capitalised = pack.toponyms == "capitalised"
    if _shouting(doc.text):  # "RUSSIAN TROOPS ENTER VUHLEDAR": match on a recased copy
        found = find_places(dataclasses.replace(doc, text=_recase(doc.text, lang, gaz),
                                                ents=[]), gaz, demonyms, rejected)
        for m in found:
            m.surface = doc.text[m.start : m.end]
        return found
    pending = (_match_capitalised(doc, gaz, demonyms, lang) if capitalised
               else _match_inflected(doc, gaz, lang, rejected))
    war = bool(pack.setting("places", "war_focus")) or bool(
        re.search(r"Ukrain|Russia|Kyiv|Kremlin|Donbas", doc.text))
    resolve(pending, lang, war_focus=war, front_km=_front_km(doc), channel=_channel(doc))
    out = []
    toks = _tokens(doc.text) if capitalised else []
    for p in pending:
        b = p.best
        kind: PlaceKind = _kind(b) if b else "settlement"
        if p.via.startswith("adj+"):
            kind = "oblast-or-region"  # a raion found through its centre town's name
        elif b and kind == "settlement" and capitalised and _region_reading(doc, gaz, toks, p):
            obl = [c for c in gaz.names_for(norm_key(p.surface) + " oblast")
                   if c.fclass == "region"]
            if obl:
                b, kind = obl[0], "oblast-or-region"
                p.best = b
        usage = "literal"
        if b and kind == "settlement" and b.subtype == "capital" and _metonymic(doc, p):
            usage = "metonymic"
        out.append(PlaceMention(
            start=p.start, end=p.end, surface=p.surface, kind=kind,
            place=b.to_place() if b else None, score=p.score,
            candidates=[c.to_place() for c in p.alts], usage=usage,  # type: ignore[arg-type]
            via=p.via))
    return out


_SAYS = re.compile(
    r"^(['’]s\b|\s*(said|says|claimed|claims|announced|denied|warned|insisted|has|had|is|was|"
    r"will|would|wants|hopes|accused|accuses|refused|rejected|responded|agreed|demands|"
    r"demanded|regime|government|authorities|leadership|officials|forces|troops|backed|"
    r"calls|called|denies|insists|admits|admitted|acknowledges|acknowledged|confirms|"
    r"confirmed|reports|reported|describes|described|maintains|tells|told|"
    r"launched|launches|began|begins|started|starts|invaded|invades|annexed|annexes|sent|"
    r"sends|deployed|deploys|ordered|orders|threatened|threatens|intensified|mobili[sz]ed|"
    r"tried|tries|seeks|sought|"
    r"заявил|заявив|сообщил|повідомив|вважає|считает|режим)\b)", re.IGNORECASE)
_BETWEEN = re.compile(r"\b(between|from|and|with|to|by)\s+$", re.IGNORECASE)


def _metonymic(doc: Doc, p: Pending) -> bool:
    """A capital standing for its government: "Moscow said", "Moscow launched its offensive",
    "Kyiv's forces", "the Kiev regime", "talks between Moscow and Kyiv"."""
    after = doc.text[p.end : p.end + 30]
    if _SAYS.match(after):
        return True
    before = doc.text[max(0, p.start - 12) : p.start]
    return bool(_BETWEEN.search(before)) and bool(re.match(r"^\s+(and|to)\s+[A-Z]", after))


_REGION_BEFORE = re.compile(r"\b(region(al)?|oblast|province)\s+(leader|head|governor|chief|"
                            r"authorities|administration)?\s*(of|in)\s+(the\s+)?$",
                            re.IGNORECASE)


def _region_reading(doc: Doc, gaz: Gazetteer, toks: list[_Tok], p: Pending) -> bool:
    """A bare oblast-centre name read as the oblast: "regional leader of Kharkiv", "Donetsk
    and Luhansk" (two oblast names coordinated)."""
    key = norm_key(p.surface)
    if not any(c.fclass == "region" for c in gaz.names_for(key + " oblast")):
        return False
    if _REGION_BEFORE.search(doc.text[max(0, p.start - 40) : p.start]):
        return True
    m = re.match(r"^\s*(and|or|,)\s+(\w+)", doc.text[p.end : p.end + 30])
    b = re.search(r"(\w+)\s*(and|or|,)\s*$", doc.text[max(0, p.start - 30) : p.start])
    pair = (m.group(2) if m else None) or (b.group(1) if b else None)
    return bool(pair and pair[:1].isupper() and pair.lower() in _OBLAST_PAIRS.get(key, ()))


_OBLAST_PAIRS = {"donetsk": ("luhansk", "lugansk"), "luhansk": ("donetsk",),
                 "lugansk": ("donetsk",), "zaporizhzhia": ("kherson",),
                 "kherson": ("zaporizhzhia", "zaporizhia", "zaporozhye")}


@component("places")
def places(doc: Doc) -> Doc:
    rejected: list[tuple[int, int, str]] = []
    doc.places.extend(find_places(doc, rejected=rejected))
    doc.user["place_rejects"] = rejected  # read by decide.propose_places
    return doc


# ---- CLI-facing -----------------------------------------------------------------------------
def geoparse(text: str, lang: str | None = None, published: date | None = None,
             use_ner: bool = True) -> list[dict[str, Any]]:
    """Toponyms in ``text`` with their resolution, one dict per mention (for the CLI)."""
    doc = Doc(text=text, lang=lang, published=published)
    lang = _doc_lang(doc)
    doc.lang = lang
    for name in ("sentences", f"ner.{lang}" if use_ner else ""):
        if name in COMPONENTS:
            try:
                doc = COMPONENTS[name](doc)
            except Exception:  # NER models may be missing; the gazetteer still works
                doc.notes.append(f"{name} failed")
    out = []
    for m in find_places(doc):
        p = m.place
        out.append({
            "surface": m.surface, "start": m.start, "end": m.end, "kind": m.kind,
            "name": p.name if p else None, "lat": p.lat if p else None,
            "lon": p.lon if p else None, "gazetteer_id": p.id if p else None,
            "admin1": p.admin1 if p else None, "country": p.country if p else None,
            "score": m.score, "usage": m.usage,
        })
    return out

