"""Area claims ("more than 1,000 square kilometers", "понад 1000 кв. км") as ``AreaClaim`` records.

Territory figures are how both sides summarise an offensive, and reports restate them in other
units ("2,000 sq km (770 sq miles)"). We normalise every figure to km², keep the figure and unit
as written, and flag restatements so fusion does not count one claim twice.

``AreaClaim`` has no field for conversions or ranges, so this component leaves them in
``doc.user``: ``area_conversions`` (set of record ids stated as a unit conversion of the figure
just before them) and ``area_ranges`` (record id → (low km², high km²); the record carries the
low bound).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from frontlens.extract.doc import Doc, component, provenance
from frontlens.extract.lang import available, get_pack, has_pack
from frontlens.model import AreaClaim, Side

SQ_MI_KM2 = 2.589988
HECTARE_KM2 = 0.01
ACRE_KM2 = 0.004046856

# --- units -------------------------------------------------------------------------------------
_UNITS: list[tuple[str, str, float]] = [  # (canonical raw_unit, regex, km² per unit)
    ("sq km", r"(?:square|sq\.?)[\s-]*(?:kilomet(?:er|re)s?|kms?)\b|km\s?(?:2|²)(?!\d)|sqkm\b"
              r"|kilomet(?:er|re)s?\s+squared\b", 1.0),
    ("sq mi", r"(?:square|sq\.?)[\s-]*mi(?:les?)?\b|mi\s?(?:2|²)(?!\d)", SQ_MI_KM2),
    ("ha", r"hectares?\b|ha\b", HECTARE_KM2),
    ("acre", r"acres?\b", ACRE_KM2),
    ("sq km", r"квадратн\w*\s+(?:кілометр|километр)\w*|кв\.?\s?(?:км|кілометр\w*|километр\w*)"
              r"(?![а-яіїєґ])|км\s?(?:2|²)(?!\d)", 1.0),
    ("sq mi", r"квадратн\w*\s+мил\w*|кв\.?\s?мил\w*", SQ_MI_KM2),
    ("ha", r"гектар\w*|га(?![а-яіїєґ\w])", HECTARE_KM2),
]
_UNIT_RE = "|".join(f"(?P<u{i}>{rx})" for i, (_, rx, _) in enumerate(_UNITS))
# units are rare: find them first and only then look back for the figure (about 10x faster)
_UNIT_ONLY = re.compile("|".join(f"(?:{rx})" for _, rx, _ in _UNITS), re.IGNORECASE)
_LOOKBACK = 90

# --- numbers -----------------------------------------------------------------------------------
_SEP = r"[,\u00a0\u202f\u2009 ]"
_DIGITS = rf"\d{{1,3}}(?:{_SEP}\d{{3}})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?"
_MULT_WORDS = {
    "thousand": 1e3, "million": 1e6, "k": 1e3,
    "тис": 1e3, "тисяча": 1e3, "тыс": 1e3, "тысяча": 1e3,
    "млн": 1e6, "мільйон": 1e6, "миллион": 1e6,
}
_MULT = r"thousand|million|k(?=\s)|тис\.|тис(?![а-яіїєґ])|тыс\.|тыс(?![а-я])|тисяч\w*|тысяч\w*" \
        r"|млн\.?|мільйон\w*|миллион\w*"
_EN_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "a hundred": 100, "half": 0.5,
}
_CYR_LEMMAS = {  # pymorphy3 normal forms (uk and ru) → value
    "один": 1, "одна": 1, "два": 2, "дві": 2, "две": 2, "три": 3, "чотири": 4, "четыре": 4,
    "п'ять": 5, "пять": 5, "шість": 6, "шесть": 6, "сім": 7, "семь": 7, "вісім": 8, "восемь": 8,
    "дев'ять": 9, "девять": 9, "десять": 10, "двадцять": 20, "двадцать": 20, "тридцять": 30,
    "тридцать": 30, "сорок": 40, "п'ятдесят": 50, "пятьдесят": 50, "сто": 100, "двісті": 200,
    "двести": 200, "триста": 300, "чотириста": 400, "четыреста": 400, "п'ятсот": 500,
    "пятьсот": 500, "півтори": 1.5, "півтора": 1.5, "полтора": 1.5, "тисяча": 1000,
    "тысяча": 1000,
}
_CYR_WORD = r"[а-яіїєґё][а-яіїєґё'’ʼ]*"
_EN_WORD = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen" \
           r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|half\s+a|a\s+hundred|hundred)"
_NUM = (
    rf"(?:(?P<digits>{_DIGITS})(?:\s*(?P<mult>{_MULT}))?"
    rf"|(?<![\w'’ʼ])(?P<enw>{_EN_WORD})(?:[\s-]+(?P<enmult>thousand|million|hundred))"
    rf"|(?<![\w'’ʼ])(?P<enmult_only>a\s+thousand|a\s+million)"
    rf"|(?<![\w'’ʼ])(?P<cyr>{_CYR_WORD}(?:\s+{_CYR_WORD})?))"
)

# --- qualifiers --------------------------------------------------------------------------------
_QUALIFIERS: list[tuple[str, str]] = [
    ("more_than", r"more\s+than|over|in\s+excess\s+of|upwards\s+of|at\s+least|some\s+more\s+than"
                  r"|понад|більше\s+ніж|більш\s+ніж|більше\s+за|більше|щонайменше|не\s+менше\s+ніж"
                  r"|не\s+менше|свыше|более\s+чем|более|больше\s+чем|больше|не\s+менее"),
    ("less_than", r"less\s+than|fewer\s+than|under|below|менше\s+ніж|менш\s+ніж|менше|менее"
                  r"|меньше"),
    ("up_to", r"up\s+to|as\s+much\s+as|до"),
    ("about", r"about|around|approximately|roughly|some|nearly|almost|an\s+estimated|estimated"
              r"|close\s+to|~|близько|майже|приблизно|орієнтовно|около|почти|примерно|порядка"
              r"|приблизительно|свыше\s+около"),
]
_QUAL_RE = "|".join(f"(?P<q{i}>{rx})" for i, (_, rx) in enumerate(_QUALIFIERS))

_AREA = re.compile(
    rf"(?:(?<![\w])(?:{_QUAL_RE})\s+)?"
    rf"(?P<rng>(?<![\w])(?:between|від|от|с)\s+)?"
    rf"{_NUM}"
    rf"(?:\s*(?:-|–|—|to|до|and|і|и)\s*(?P<hi>{_DIGITS})(?:\s*(?P<himult>{_MULT}))?)?"
    rf"(?P<plus>-?plus|\+)?\s*(?:-\s*)?(?:{_UNIT_RE})",
    re.IGNORECASE,
)
_CONVERSION_GAP = re.compile(r"^\s*(?:\(|\[|,|/|—|–|-|;)?\s*(?:or|or\s+about|або|или|i\.e\.)?\s*$",
                             re.IGNORECASE)
_CLAIM_CUE = re.compile(
    r"(?P<pre>[A-Z][\w'’.-]*(?:\s+[A-Za-z][\w'’.-]*){0,3}?)\s+(?:has\s+|had\s+)?"
    r"(?:said|says|claimed|claims|announced|stated|wrote|reported|told)\b"
    r"|(?:said|says|according\s+to)\s+(?P<post>(?:[A-Z][\w'’.-]+\s+){0,3}[A-Z][\w'’-]+)"
    r"|(?:заявив|заявила|повідомив|повідомила|повідомили|заявили|сообщил|сообщила|сообщили"
    r"|заявил|заявила|заявили)\s+(?P<cyr>(?:[А-ЯІЇЄҐ][\w'’-]+\s*){1,3})"
)
_SIDE_HINTS: list[tuple[Side, re.Pattern[str]]] = [
    ("UA", re.compile(r"ukrain|україн|украин|зсу|всу", re.IGNORECASE)),
    ("RU", re.compile(r"russia|росі|росс|kremlin|кремл|минобороны\s+рф", re.IGNORECASE)),
]


@dataclass
class AreaMatch:
    """One area figure found in text, before it becomes a record."""

    start: int
    end: int
    raw_value: float
    raw_unit: str
    factor: float
    qualifier: str
    high: float | None = None

    @property
    def km2(self) -> float:
        return self.raw_value * self.factor


@lru_cache(maxsize=4096)
def _cyr_lemma(word: str) -> str:
    w = word.lower().replace("’", "'").replace("ʼ", "'")
    if w in _CYR_LEMMAS:
        return w
    for lang in available():  # number words of every Cyrillic pack with a morphology
        pack = get_pack(lang)
        if pack.script != "cyrillic":
            continue
        for p in pack.parses(w)[:3]:
            if p.normal_form in _CYR_LEMMAS:
                return str(p.normal_form)
    return w


def _cyr_value(words: str) -> float | None:
    """Value of one or two Cyrillic number words ("двух тысяч" → 2000, "тисячу" → 1000)."""
    looked_up = [_CYR_LEMMAS.get(_cyr_lemma(w)) for w in words.split()]
    vals = [v for v in looked_up if v is not None]
    if not vals or len(vals) != len(looked_up):
        # a non-number first word ("території 100 ...") cannot be part of the figure
        return None
    if len(vals) == 2:
        return float(vals[0]) * 1000 if vals[1] == 1000 else None
    return float(vals[0])


def parse_number(s: str, lang: str | None) -> float | None:
    """Digits as written in en/uk/ru ("1,000", "31,75", "2 000", "1.5")."""
    s = s.strip()
    if re.fullmatch(rf"\d{{1,3}}(?:{_SEP}\d{{3}})+(?:[.,]\d+)?", s):
        if has_pack(lang) and get_pack(lang).decimal_comma and re.fullmatch(r"\d{1,3},\d{3}", s):
            return float(s.replace(",", "."))  # "1,500" in Cyrillic text is a decimal comma
        m = re.fullmatch(rf"((?:\d{{1,3}})(?:{_SEP}\d{{3}})+)(?:[.,](\d+))?", s)
        if m:
            head, frac = m.group(1), m.group(2)
            return float(re.sub(_SEP, "", head) + ("." + frac if frac else ""))
    try:
        return float(s.replace(",", "."))
    except ValueError:
        return None


def _mult(word: str | None) -> float:
    if not word:
        return 1.0
    w = word.lower().rstrip(".")
    if w in _MULT_WORDS:
        return _MULT_WORDS[w]
    if w.startswith(("тисяч", "тысяч")):
        return 1e3
    if w.startswith(("мільйон", "миллион", "млн")):
        return 1e6
    return 1.0


def find_areas(text: str, lang: str | None = None) -> list[AreaMatch]:
    """Every area figure in ``text`` with its qualifier, unit and km² factor."""
    out: list[AreaMatch] = []
    last_end = 0
    for u in _UNIT_ONLY.finditer(text):
        if u.start() < last_end:
            continue
        m = next((c for c in _AREA.finditer(text, max(last_end, u.start() - _LOOKBACK), u.end())
                  if c.end() == u.end()), None)
        if m is None:
            continue
        am = _to_match(m, text, lang)
        if am is not None:
            out.append(am)
            last_end = am.end
    return out


def _to_match(m: re.Match[str], text: str, lang: str | None) -> AreaMatch | None:
    """Read one regex match: value, multiplier, unit, qualifier, range."""
    g = m.groupdict()
    if g["digits"]:
        if m.start("digits") > 0 and re.match(r"[\w.,]", text[m.start("digits") - 1]):
            return None  # inside a longer token
        value = parse_number(g["digits"], lang)
        if value is None:
            return None
        value *= _mult(g["mult"])
        num_start = m.start("digits")
    elif g["enw"]:
        w = re.sub(r"\s+", " ", g["enw"].lower())
        base = 0.5 if w.startswith("half") else float(_EN_WORDS.get(w, 0))
        value = base * {"thousand": 1e3, "million": 1e6, "hundred": 1e2}[g["enmult"].lower()]
        num_start = m.start("enw")
    elif g["enmult_only"]:
        value = 1e6 if "million" in g["enmult_only"].lower() else 1e3
        num_start = m.start("enmult_only")
    else:
        cyr = g["cyr"]
        parsed = _cyr_value(cyr)
        num_start = m.start("cyr")
        if parsed is None and len(cyr.split()) == 2:
            # "території тисячу": only the last word is the number
            last = cyr.split()[1]
            parsed = _cyr_value(last)
            num_start = m.start("cyr") + cyr.rindex(last)
        if parsed is None:
            return None
        value = parsed
    if not value:
        return None
    unit_i = next(int(k[1:]) for k, v in g.items() if k.startswith("u") and v)
    raw_unit, _, factor = _UNITS[unit_i]
    if m.start(f"u{unit_i}") > 0 and text[m.start(f"u{unit_i}") - 1].isalpha() and \
            not g["digits"]:
        return None
    qi = next((int(k[1:]) for k, v in g.items() if k.startswith("q") and v), None)
    qualifier = _QUALIFIERS[qi][0] if qi is not None else "exact"
    start = m.start() if qi is not None or (g["rng"] and g["hi"]) else num_start
    if g["plus"] and qualifier == "exact":
        qualifier = "more_than"  # "1,000-plus square kilometers"
    if qi is not None and m.start() > 0 and text[m.start() - 1].isalnum():
        start, qualifier = num_start, "exact"
    high = None
    if g["hi"]:
        hi = parse_number(g["hi"], lang)
        if hi is not None:
            hi *= _mult(g["himult"]) if g["himult"] else _mult(g["mult"])
            if hi > value:
                high = hi
            elif g["mult"] is None and g["himult"]:
                value *= _mult(g["himult"])  # "2-3 thousand"
                high = hi
    if high is None and g["hi"]:
        return None  # "10 to 5 km2" or similar noise
    return AreaMatch(start, m.end(), value, raw_unit, factor, qualifier, high)


def _claimant(sentence: str) -> tuple[str | None, Side]:
    m = _CLAIM_CUE.search(sentence)
    if not m:
        return None, "unknown"
    name = (m.group("pre") or m.group("post") or m.group("cyr") or "").strip()
    if not name or name.split()[0] in {"He", "She", "It", "They", "The", "This", "We"}:
        return None, "unknown"
    side: Side = "unknown"
    for s, rx in _SIDE_HINTS:
        if rx.search(name):
            side = s
            break
    return name, side


def _is_conversion(text: str, prev: AreaMatch, cur: AreaMatch) -> bool:
    if prev.raw_unit == cur.raw_unit or not _CONVERSION_GAP.match(text[prev.end : cur.start]):
        return False
    ratio = cur.km2 / prev.km2 if prev.km2 else 0.0
    return 0.8 <= ratio <= 1.25


@component("area")
def area(doc: Doc) -> Doc:
    """Add an ``AreaClaim`` per area figure; note conversions and ranges in ``doc.user``."""
    conversions: set[str] = doc.user.setdefault("area_conversions", set())
    ranges: dict[str, tuple[float, float]] = doc.user.setdefault("area_ranges", {})
    prev: AreaMatch | None = None
    prev_sent: tuple[int, int] | None = None
    for am in find_areas(doc.text, doc.lang):
        sent = doc.sentence_of(am.start)
        claimant, side = _claimant(doc.text[sent[0] : sent[1]])
        rec = AreaClaim(
            **provenance(doc, am.start, am.end),
            value_km2=round(am.km2, 4),
            raw_value=am.raw_value,
            raw_unit=am.raw_unit,
            qualifier=am.qualifier,
            claimed_by=side,
            claimant=claimant,
        )
        doc.records.append(rec)
        if am.high is not None:
            ranges[rec.id] = (am.km2, am.high * am.factor)
        if prev is not None and prev_sent == sent and _is_conversion(doc.text, prev, am):
            conversions.add(rec.id)
        prev, prev_sent = am, sent
    return doc
