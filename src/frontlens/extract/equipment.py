"""Equipment losses: model-designated items (T-72B3, 2S6M Tunguska, Ми-26) and their fate.

Matching is dictionary-driven, not a loop over aliases: the text is cut into alphanumeric
tokens once, each token gets a normal-form key (``eq_key``: Cyrillic romanised, case and
punctuation dropped), and runs of up to six joinable tokens are looked up in one alias dict, with
a prefix set to stop early. So "Т-72Б3", "T‑72B3", "M 777" and "2 S 5 Giatsint-S" all hit without
per-spelling rules. A designation that extends a known one by a short variant suffix ("Т-72Б3М"
when only T-72B3 is catalogued) is kept as written, with the parent's category.

Per document the mentions are merged into items (the gold convention: one entry per item), then
fate, owning side, count and evidence links are read from the supporting sentences with the cue
lists of the language packs (``extract/lang/<code>/equipment.txt``, joined over every pack).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from frontlens.extract.doc import Doc, PlaceMention, component, provenance
from frontlens.extract.lang import available, get_pack
from frontlens.model import EquipmentLoss, Fate, Side

# ---------------------------------------------------------------------------- normal form

_CYR = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e", "є": "ye",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "yu", "я": "ya",
}  # fmt: skip
_TRANS = str.maketrans(_CYR)
# Latin letters that look like Cyrillic ones, read as the Cyrillic letter ("C-300" typed for
# С-300 in a Russian text, "T-80БB" with a Latin B for В).
_LOOKALIKE = str.maketrans({"c": "с", "b": "в", "h": "н", "p": "р", "x": "х", "y": "у"})


def has_cyrillic(s: str) -> bool:
    return bool(re.search(r"[\u0400-\u04ff]", s))


def eq_key(s: str) -> str:
    """Lookup key: NFKC, casefold, Cyrillic romanised, only letters and digits kept."""
    s = unicodedata.normalize("NFKC", s).casefold().translate(_TRANS)
    return "".join(ch for ch in s if ch.isalnum())


def _lookalike_key(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).casefold().translate(_LOOKALIKE).translate(_TRANS)
    return "".join(ch for ch in s if ch.isalnum())


def romanise(s: str) -> str:
    """Display form of a designation: "Т-72Б3М" → "T-72B3M", "M 777" → "M777"."""
    out = []
    s = unicodedata.normalize("NFKC", s)
    for ch in s:
        low = ch.lower()
        if low in _CYR:
            r = _CYR[low]
            out.append(r.upper() if ch != low else r)
        elif ch in "\u2010\u2011\u2012\u2013":
            out.append("-")
        else:
            out.append(ch)
    t = "".join(out)
    t = re.sub(r"(?<=[A-Za-z0-9])\s+(?=\d)|(?<=\d)\s+(?=[A-Z]\b)", "", t)
    return re.sub(r"\s*-\s*", "-", t)


# ---------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class Model:
    id: str
    family: str
    category: str
    origin: str
    lost_by: str = ""  # the one side that loses this type (Oryx), "" when both do


@dataclass
class Catalog:
    models: dict[str, Model]
    alias: dict[str, str]  # key → model id
    weak: set[str]  # keys of bare names that are also ordinary words
    acronyms: set[str]  # digitless all-caps aliases ("HIMARS"): match only all-caps text
    prefixes: set[str]
    stems: dict[str, str]  # Cyrillic inflection: key minus final vowel → model id
    ships: dict[str, str] = field(default_factory=dict)  # ship_key(name) → named ship's id

    def resolve(self, text: str) -> str | None:
        """Model id for a model string ("Tor-M2", "2S6M Tunguska", "Т-90М"), else None."""
        k = eq_key(text)
        if k in self.alias:
            return self.alias[k]
        hit = _variant(self, k)
        return romanise(text) if hit else None


_SHIP_NAME = re.compile(r"^Project \S+ \(([^)]+)\)$")
_SHIP_DIGRAPHS = (("shch", "s"), ("kh", "h"), ("zh", "s"), ("ch", "c"), ("sh", "s"),
                  ("ts", "c"), ("z", "s"), ("g", "h"), ("x", "ks"), ("w", "v"))


def ship_key(name: str) -> str:
    """Consonants of a ship's name, romanised, with the letters romanisations disagree on
    merged: «Цезарь Куников» / Caesar Kunikov / Tsezar Kunikov, «Василий Быков» / Vasily Bykov,
    Новочеркаськ / Novocherkassk agree."""
    words = []
    for w in re.findall(r"[^\W\d_]+", romanise(name).lower()):
        for a, b in _SHIP_DIGRAPHS:
            w = w.replace(a, b)
        words.append(re.sub(r"(.)\1+", r"\1", re.sub(r"[aeiouyj'’]", "", w)))
    return " ".join(w for w in words if w)


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """Load the built catalog once (``scripts/build_equipment_catalog.py`` writes it)."""
    base = resources.files("frontlens") / "data"
    models: dict[str, Model] = {}
    with (base / "equipment_catalog.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            models[r["model_id"]] = Model(r["model_id"], r["family"], r["category"], r["origin"],
                                          r.get("lost_by") or "")
    alias: dict[str, str] = {}
    weak: set[str] = set()
    acronyms: set[str] = set()
    stems: dict[str, str] = {}
    ships: dict[str, str] = {}
    with (base / "equipment_aliases.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            a, k = r["alias"], eq_key(r["alias"])
            if len(k) < 3 or k.isdigit():
                continue
            alias[k] = r["model_id"]
            digitless = not any(c.isdigit() for c in k)
            if r["weak"] == "1":
                weak.add(k)
            if digitless and a.replace("-", "").isupper() and len(k) <= 4:
                acronyms.add(k)
            if digitless and has_cyrillic(a) and len(k) >= 4:  # written Cyrillic names inflect
                stems[k[:-1] if k[-1] in "aeiouy" else k] = r["model_id"]
            elif digitless and len(k) >= 4:  # "Леопардов", "Градів": Latin names, inflected
                stems.setdefault(k, r["model_id"])
            named = _SHIP_NAME.search(r["model_id"])
            if named and r["kind"] in ("name", "hand") and named.group(1) == a:
                ships[ship_key(a)] = r["model_id"]
    prefixes = {k[:i] for k in alias for i in range(1, len(k) + 1)}
    return Catalog(models, alias, weak, acronyms, prefixes, stems, ships)


def _variant(cat: Catalog, key: str) -> str | None:
    """Parent key when ``key`` is a catalogued designation plus a short variant suffix."""
    if not any(c.isdigit() for c in key):
        return None
    for k in range(len(key) - 1, 2, -1):
        rest = key[k:]
        if len(rest) > 3 or not rest[0].isalpha() or not key[k - 1].isalnum():
            continue
        if not re.fullmatch(r"[a-z]{1,2}\d?", rest):
            continue
        if key[:k] in cat.alias and any(c.isdigit() for c in key[:k]):
            return key[:k]
    return None


# ---------------------------------------------------------------------------- cues

_TOKEN = re.compile(r"[^\W_]+")
_URL = re.compile(
    r"(?:https?://\S+|(?<![\w.])(?:pic\.twitter\.com|t\.me|youtu\.be|i\.postimg\.cc|imgur\.com"
    r"|(?:www\.)?(?:twitter|x)\.com)/[^\s\"'»”<>)]+)"
)
_JOIN = re.compile(r"[ \u00a0]?[-\u2010\u2011\u2012\u2013]?[ \u00a0]?")
_QUOTE_CH = "\"'‘’“”«»„"

# The cue lists are data: every language pack's ``equipment.txt`` (see en/equipment.txt for
# the lists), joined over all packs, because reports quote across languages (a Ukrainian post
# quoting a Russian one). A new language adds its words by adding its file.


def _cue_lists() -> dict[str, list[tuple[str, str]]]:
    """List name → (pack code, entry) over every pack's ``equipment.txt``, in pack order, each
    entry once."""
    out: dict[str, list[tuple[str, str]]] = {}
    seen: set[tuple[str, str]] = set()
    for code in available():
        for line in get_pack(code).entries("equipment"):
            name, _, entry = line.partition(" ")
            entry = entry.strip()
            if entry and (name, entry) not in seen:
                seen.add((name, entry))
                out.setdefault(name, []).append((code, entry))
    return out


_CUES = _cue_lists()


def _alts(name: str, code: str | None = None) -> str:
    """One list's entries (of one pack, or of all) as a group; an empty list matches nothing."""
    items = [e for c, e in _CUES.get(name, []) if code is None or c == code]
    return "(?:" + "|".join(items) + ")" if items else "(?!)"


def _per_pack(name: str, template: str, **defaults: str) -> str:
    """``template`` filled per pack with its entries of ``name`` (``{alts}``) and its
    ``[equipment]`` settings (``defaults`` where it has none), the packs' versions joined."""
    out = []
    for code in dict.fromkeys(c for c, _ in _CUES.get(name, [])):
        pack = get_pack(code)
        values = {k: pack.setting("equipment", k, v) for k, v in defaults.items()}
        out.append(template.format(alts=_alts(name, code), **values))
    return "|".join(out) or "(?!)"


_FATES = ("captured", "destroyed", "abandoned", "damaged", "delivered")
_FATE_RE = re.compile(
    "|".join(f"(?P<{f}>(?<!\\w){_alts('fate.' + f)}(?!\\w))" for f in _FATES), re.IGNORECASE
)
# cue words used in another sense: "a video captures the moment", "captured on camera"
_NOT_FATE = re.compile(_alts("not_fate"), re.IGNORECASE)
_AND = _alts("and")


def _other_sense(text: str, s: int, e: int, c: re.Match[str]) -> bool:
    """Whether the cue ``c`` is a word of a phrase in which it says no fate ("a video captures
    the moment", "отримав пошкодження": received, not delivered)."""
    return any(n.start() < c.end() and c.start() < n.end()
               for n in _NOT_FATE.finditer(text, max(s, c.start() - 25), min(e, c.end() + 15)))


_COORD = re.compile(
    rf"[\w\s«»“”„\"'’-]{{0,20}}?(?:,|(?<!\w){_AND}(?!\w))[\s\w«»“”„\"'’-]{{0,30}}",
    re.IGNORECASE
)
# Between two items of one list: at most a head noun of the first ("trucks", "tanks"), a
# connector, at most two words opening the second ("an", "two", "three more"); nothing else,
# so "a T-72 was seen near Izium and a BMP-2 destroyed" is no list.
_LIST_GAP = re.compile(
    r"\s*(?:[^\W\d_][\w'’-]*\s*)?[«»\"“”]?\s*"
    rf"(?:,\s*(?:{_AND}\s+)?|(?:{_AND}|&)\s+)"
    r"(?:[\w'’-]+\s+){0,2}?[«\"“]?",
    re.IGNORECASE,
)
_PRIORITY = {f: i for i, f in enumerate(_FATES)}
# "X lost ..." names the owner as subject; other verbs name the actor.
_OWNER_SUBJECT = tuple(e for _, e in _CUES.get("owner_lost", []))

# side words: RU, UA, or relative to the narrator ("enemy", "наші")
_SIDE_GROUPS = ("RU", "UA", "enemy", "own")
_SIDE_RE = re.compile("(?i:" + "|".join(
    f"(?P<{g}>(?<!\\w){_alts('side.' + g)}(?!\\w))" for g in _SIDE_GROUPS) + ")")
# right after the mention: its owner ("a Su-27 of the Ukrainian Air Force", "М777 производства
# США"), at most two words between and no punctuation
_OWNER_AFTER = re.compile(
    r"[\s\"'”»]*(?:[\w-]+\s+){0,2}?(?i:" + "|".join(
        f"(?P<{g}>{_alts('owner_after.' + g)})" for g in ("RU", "UA", "enemy")) + r")(?!\w)"
)
_NARRATOR = {side: re.compile(rf"(?<!\w){_alts('narrator.' + side)}(?!\w)", re.IGNORECASE)
             for side in ("UA", "RU")}


def narrator_side(text: str) -> Side:
    """The side a text is written from, by the words only one side's reporting uses
    ("occupiers", "окупанти" / "Kiev regime", "СВО"): "enemy" and "our" in it are relative to
    this side. "unknown" on a tie."""
    ua = len(_NARRATOR["UA"].findall(text))
    ru = len(_NARRATOR["RU"].findall(text))
    return "UA" if ua > ru else "RU" if ru > ua else "unknown"


def _opposite(side: Side) -> Side:
    return "UA" if side == "RU" else "RU" if side == "UA" else "unknown"


def _side_word(group: str, narrator: Side) -> Side:
    """The side a side word names: the narrator's enemy (RU when the narrator is unknown) or
    the narrator's own side (UA when unknown)."""
    if group == "enemy":
        return "UA" if narrator == "RU" else "RU"
    if group == "own":
        return "RU" if narrator == "RU" else "UA"
    return "RU" if group == "RU" else "UA"


# "captured by the Ukrainians" after the mention: the actor, so the owner is the other side
_BY_SIDE = re.compile(
    rf"(?<!\w){_alts('by')}\s+(?:\w+\s+)?"
    rf"(?:(?P<RU>{_alts('by_side.RU')})|(?P<UA>{_alts('by_side.UA')}))\b"
)
# A side named as the source of a report is who says it, not who owned the item: "according to
# the Ukrainian military", "по данным украинских военных", "за даними Генштабу ЗСУ".
ATTRIBUTION = re.compile(
    rf"(?<!\w){_alts('attribution')}(?:\s+{_alts('article')}\b)?(?:\s+[\w'’.-]+){{0,2}}?\s*$",
    re.IGNORECASE,
)
# A side word joined to a number is part of a designation: "ZSU-23-4" / "ЗСУ-23-4" is a gun, not
# the Ukrainian armed forces.
DESIGNATION_AFTER = re.compile(r"[-\u2010\u2011]?\d")


def not_a_side(text: str, start: int, end: int) -> bool:
    """Whether the side word at ``text[start:end]`` names no owner: it attributes a report
    ("according to Ukrainian officials") or is part of a designation ("ZSU-23-4")."""
    return bool(DESIGNATION_AFTER.match(text, end)
                or ATTRIBUTION.search(text[max(0, start - 60) : start]))


# the mention is the weapon used, not the target: "destroyed by a Lancet", "sank after a Neptune"
_INSTRUMENT = re.compile(
    _per_pack("instrument", r"(?<!\w){alts}\s+{instrument_gap}$",
              instrument_gap=r"(?:[\w-]+\s+){0,1}"),
    re.IGNORECASE,
)
# words that make a bare name a person ("Gen. Bradley said"), not a vehicle
_PERSON_BEFORE = re.compile(rf"(?<!\w){_alts('person_title')}\.?\s+$")
_PERSON_AFTER = re.compile(rf"^\s+{_alts('person_verb')}(?!\w)")
_BY_BEFORE = re.compile(rf"(?<!\w){_alts('agent_before')}\s+$")
_OBJECT_AFTER = re.compile(rf"^\s+{_alts('object')}\b", re.IGNORECASE)
_AGENT_AFTER = re.compile(rf"^\s*(?:(?:\w+\s+){{0,2}}{_alts('agent')})?\s*$", re.IGNORECASE)
_BASE_CTX = re.compile(
    _per_pack("base", r"(?<!\w){alts}{base_link}\s+(?:[\w-]+\s+){{0,2}}$", base_link=""),
    re.IGNORECASE,
)
_EQUIP_CTX = re.compile(rf"(?<!\w){_alts('equipment_word')}(?!\w)", re.IGNORECASE)
_NUMWORDS = {e: int(name.split(".", 1)[1]) for name, entries in _CUES.items()
             if name.startswith("count.") for _, e in entries}
_NUMW = "|".join(sorted((re.escape(w) for w in _NUMWORDS), key=len, reverse=True)) or "(?!)"
# "two T-72s", "17 ударних БпЛА типу "Shahed"", "две 152-мм гаубицы «Мста-Б»": a number, at most
# three words (a calibre among them) and an opening quote before the mention
_COUNT_BEFORE = re.compile(
    rf"(?<![\w.,\-‑])(?P<n>\d{{1,3}}|{_NUMW})(?:\s*[x×]\s*|\s+)(?:(?:(?!{_alts('count_unit')}\b)"
    rf"[^\W\d][\w'’-]*|\d{{2,3}}[-‑]?(?:mm|мм))\s+){{0,3}}[«\"“„]?$",
    re.IGNORECASE,
)
_COUNT_AFTER = re.compile(r"^\s*[x×]\s*(?P<n>\d{1,3})\b|^\s*\(\s*[x×]?(?P<m>\d{1,3})\s*[x×]?\)")
_COUNT_X_BEFORE = re.compile(r"(?<!\w)(?P<n>\d{1,3})\s*[x×]\s*$")


@dataclass
class _Mention:
    start: int
    end: int
    model: str
    surface: str
    key: str
    family: str
    category: str | None
    origin: str
    variant_of: str | None = None
    base_ctx: bool = False
    fate: str | None = None
    cue_pos: int = -1
    side: Side = "unknown"
    count: int | None = None
    urls: list[str] = field(default_factory=list)
    place: PlaceMention | None = None


# ---------------------------------------------------------------------------- matching


_DIGIT = re.compile(r"\d")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _token_key(word: str) -> str:
    """eq_key of one alphanumeric token, without the NFKC pass when the token is plain."""
    k = word.casefold().translate(_TRANS)
    return k if k.isascii() and k.isalnum() else eq_key(word)


# romanised Ukrainian/Russian case endings a name may take ("Градів", "Леопардов", "Града")
_ENDING = re.compile(r"a|u|y|i|e|ia|iu|om|ov|iv|ei|am|akh|ami|ykh|ikh|oiu|oi|iam|iakh|ym|im")
_SHIP_CUE = re.compile(
    rf"(?<!\w){_alts('ship')}\s+(?:[\w-]+\s+){{0,2}}?[«\"“]?"
    r"(?P<name>[A-ZА-ЯІЇЄҐ][\w'’-]+(?:\s+[A-ZА-ЯІЇЄҐ][\w'’-]+)?)", re.IGNORECASE)


def _ship_mentions(text: str, cat: Catalog) -> list[_Mention]:
    """Named ships after a ship word, by the consonants of their name (the catalog writes the
    name once, in English; reports decline and transliterate it)."""
    out = []
    for m in _SHIP_CUE.finditer(text):
        name = m.group("name")
        if not name[:1].isupper():
            continue
        words = name.split()
        for n in (len(words), 1):
            cand = " ".join(words[:n])
            mid = cat.ships.get(ship_key(cand)) if len(ship_key(cand)) >= 3 else None
            if mid:
                start = m.start("name")
                ref = cat.models.get(mid)
                out.append(_Mention(start, start + len(cand), mid, cand, eq_key(mid),
                                    ref.family if ref else mid, ref.category if ref else None,
                                    ref.origin if ref else ""))
                break
    return out


def _find_mentions(text: str, cat: Catalog, cyr_doc: bool) -> list[_Mention]:
    ships = _ship_mentions(text, cat) if cat.ships else []
    found = [m for m in _catalog_mentions(text, cat, cyr_doc)
             if not any(m.start < sh.end and sh.start < m.end for sh in ships)]
    return sorted(found + ships, key=lambda m: m.start)


def _catalog_mentions(text: str, cat: Catalog, cyr_doc: bool) -> list[_Mention]:
    url_spans = [m.span() for m in _URL.finditer(text)]
    words = [m.group() for m in _TOKEN.finditer(text)]
    toks = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    keys = [_token_key(w) for w in words]
    digit = [bool(_DIGIT.search(w)) for w in words]
    cyr = [bool(_CYRILLIC.search(w)) for w in words]
    prefixes = cat.prefixes
    out: list[_Mention] = []
    n = len(toks)
    i = 0
    while i < n:
        if keys[i] not in prefixes and not digit[i] and not cyr[i]:
            i += 1  # fast path: most words cannot start a designation
            continue
        s0 = toks[i][0]
        if any(a <= s0 < b for a, b in url_spans) or (s0 > 0 and text[s0 - 1] in "@#/"):
            i += 1
            continue
        best: tuple[int, str, str | None] | None = None  # last token, key, variant parent
        key = ""
        for j in range(i, min(i + 6, n)):
            if j > i:
                sep = text[toks[j - 1][1] : toks[j][0]]
                if not _JOIN.fullmatch(sep) or (
                    sep.strip() == "" and keys[j - 1].isdigit() and keys[j][:1].isdigit()
                ) or (sep.strip() == "" and len(words[j]) == 1 and words[j].islower()):
                    break  # "Ми-24 в районе": a preposition after a space is no variant letter
            piece = keys[j]
            if cyr_doc or cyr[j]:
                alt = _lookalike_key(text[toks[j][0] : toks[j][1]])
                if key + piece not in cat.prefixes and key + alt in cat.prefixes:
                    piece = alt
            key += piece
            if key in cat.alias:
                best = (j, key, None)
            elif j == i or key not in cat.prefixes:
                tail = text[toks[j][0] : toks[j][1]]
                if (
                    key.endswith("s")
                    and key[:-1] in cat.alias
                    and tail[-1] == "s"
                    and (len(tail) > 1 and (tail[-2].isdigit() or tail[-2].isupper()))
                ):
                    best = (j, key[:-1], None)
                elif cyr[j] and not any(c.isdigit() for c in key):
                    for cut in (1, 2, 3):
                        stem = key[:-cut]
                        if len(stem) >= 3 and (stem in cat.stems) and (
                                _ENDING.fullmatch(key[-cut:])):
                            best = (j, stem, "stem")
                            break
                parent = None
                if digit[j] and (best is None or best[0] < j):
                    parent = _variant(cat, key)
                    if parent and len(key) - len(parent) > len(keys[j]):
                        parent = None
                if parent and (best is None or len(parent) >= len(best[1])):
                    best = (j, key, parent)
            if key not in cat.prefixes:
                break
        if best is None:
            i += 1
            continue
        j, key, parent = best
        start, end = toks[i][0], toks[j][1]
        surface = text[start:end]
        if not _plausible(text, start, end, surface, key, cat):
            i += 1
            continue
        if parent == "stem":
            mid = cat.stems[key]
            parent = None
        elif parent:
            mid = romanise(surface)
        else:
            mid = cat.alias[key]
        ref = cat.models.get(cat.alias[parent] if parent else mid)
        out.append(
            _Mention(
                start, end, mid, surface, eq_key(mid),
                ref.family if ref else mid, ref.category if ref else None,
                ref.origin if ref else "", variant_of=cat.alias[parent] if parent else None,
            )
        )  # fmt: skip
        i = j + 1
    return out


_UNIT_BEFORE = re.compile(
    rf"(?<!\w){_alts('unit')}(?P<gap>(?:\s+[\w'’.-]+){{0,8}})\s*[«\"“„']\s*$", re.IGNORECASE)


def _unit_name(text: str, start: int) -> bool:
    """Whether a quoted name is a unit's ("47th Brigade "Magura"", "подразделения «Ахмат»"):
    a unit word at most eight words before it, with no fate cue between."""
    found = _UNIT_BEFORE.search(text, max(0, start - 120), start)
    return found is not None and not _FATE_RE.search(found.group("gap"))


_DATELINE_CAPS = re.compile(r"\s*(?:,|\(|[—–-]\s)")  # "МОСКВА, 5 мая —": a city, no cruiser


def _plausible(text: str, start: int, end: int, surface: str, key: str, cat: Catalog) -> bool:
    """Reject lowercase prose ("a 50-year"), and weak bare names without an equipment cue."""
    first_alpha = next((c for c in surface if c.isalpha()), "")
    if not surface[0].isdigit() and first_alpha and not first_alpha.isupper():
        return False
    if end < len(text) and (text[end].isalnum() or text[end] in "@"):
        return False
    digitless = not any(c.isdigit() for c in key)
    if digitless and (
        _PERSON_BEFORE.search(text[max(0, start - 12) : start])
        or _PERSON_AFTER.match(text[end : end + 12])
    ):
        return False
    if digitless and key in cat.acronyms and not surface.replace("-", "").isupper():
        return False
    if digitless and _unit_name(text, start):
        return False
    if digitless and key in cat.weak:
        before = text[max(0, start - 1) : start]
        after = text[end : end + 1]
        if before and before in _QUOTE_CH and after and after in _QUOTE_CH:
            return True
        window = text[max(0, start - 40) : end + 40]
        dateline = _DATELINE_CAPS.match(text, end) is not None and (
            start == 0 or text[start - 1] == "\n")
        return bool(_EQUIP_CTX.search(window)) or (
            surface.isupper() and len(surface) > 2 and not dateline)
    return True


# ---------------------------------------------------------------------------- attributes


def _line_window(text: str, pos: int) -> tuple[int, int]:
    """The line of ``pos``, extended over an embedded post's attribution lines ("— Name (@h)")."""
    s = text.rfind("\n", 0, pos) + 1
    e = text.find("\n", pos)
    e = len(text) if e < 0 else e
    for _ in range(2):
        nxt = text.find("\n", e + 1)
        line = text[e + 1 : len(text) if nxt < 0 else nxt]
        if e < len(text) and (line.lstrip().startswith(("—", "-", ":")) or "pic.twitter" in line):
            e = len(text) if nxt < 0 else nxt
        else:
            break
    return s, e


# "were hit", "was later destroyed", "were also hit": a passive, the mention is the patient
_AUX_BEFORE = re.compile(rf"(?<!\w){_alts('aux')}\s+(?:\w+\s+)?$", re.I)
# verbs without an object ("the Challenger 2 tanks arrived", "the cruiser sank"): the subject is
# what the fate befell
_INTRANSITIVE = re.compile(_alts("intransitive"), re.I)
_PARTICIPLE = re.compile(_alts("participle"), re.I)


_VERBLIKE = re.compile(r"(?!trophy|scrap)[a-z]+(?:\s(?:down|up|out|off))?", re.I)
_EQUIP_AFTER = re.compile(rf"\s+{_alts('equipment_word')}", re.IGNORECASE)


def _owner_phrase(text: str, pos: int, mention_start: int) -> bool:
    """Whether the forces word ending at ``pos`` only qualifies an equipment noun that runs on
    to the mention with no fate cue between ("украинских военных вертолета: Ми-8", "Ukrainian
    military helicopters Mi-8"): an owner, unlike "Russian air defence systems shot down"."""
    return bool(_EQUIP_AFTER.match(text, pos)) and not _FATE_RE.search(text, pos, mention_start)
_FORCES = re.compile(rf"^[\s'’s]*(?:[\w-]+\s+){{0,2}}{_alts('forces')}\b", re.IGNORECASE)


def _is_agent(text: str, m: _Mention, c: re.Match[str]) -> bool:
    """English, cue after the mention: is the mention the doer rather than what was hit?"""
    if not _VERBLIKE.fullmatch(c.group()) or _INTRANSITIVE.fullmatch(c.group()):
        return False  # "turned into scrap metal", "a trophy": not a verb with a subject
    after = text[c.end() : c.end() + 20]
    if re.match(r"^\s+by\b", after):
        return False
    if _AUX_BEFORE.search(text[max(m.end, c.start() - 30) : c.start()]):
        return False
    near = len(re.findall(r"[\w-]+", text[m.end : c.start()])) <= 3
    # "T-72B3 captured near ...", "the tank destroyed in ...": the mention is the patient
    return not (near and _PARTICIPLE.fullmatch(c.group()) and not _OBJECT_AFTER.match(after))


_CLAUSE = re.compile(r"[,:;“”«»\"]|\s[–—]\s")
_RELATIVE = re.compile(rf"^[\s’'”»]*,\s+{_alts('relative')}\b", re.IGNORECASE)


def _clause_gap(between: str) -> int:
    """Distance penalty for a cue in another clause; ", which ..." stays in the same one."""
    if _RELATIVE.match(between):
        return 0
    return 40 if _CLAUSE.search(between) else 0


def _fate(text: str, s: int, e: int, m: _Mention, lang: str | None) -> tuple[str | None, int]:
    """Nearest fate cue in the sentence for which the mention is the patient, not the agent."""
    pack = get_pack(lang or "en")
    best: tuple[int, str, int] | None = None
    for c in _FATE_RE.finditer(text, s, e):
        if m.start <= c.start() < m.end:
            continue
        fate = c.lastgroup or ""
        if _other_sense(text, s, e, c):
            continue
        if c.start() >= m.end:  # cue after the mention
            between = text[m.end : c.start()]
            if re.search(r"[.;!?]", between):
                continue
            if pack.setting("equipment", "agent_rule") and _is_agent(text, m, c):
                continue  # "a Bradley obliterating a T-90M": the Bradley is the agent
            raw = c.start() - m.end
            dist = raw * 3 // 2 + _clause_gap(between)
        else:  # cue before the mention
            between = text[c.end() : m.start]
            if fate != "delivered" and _INSTRUMENT.search(between):
                continue  # "destroyed by a Lancet", not "provides Ukraine with Javelins"
            if fate == "delivered" and c.group().lower() in pack.words("equipment_not_delivery"):
                continue
            raw = m.start - c.end()
            dist = raw + _clause_gap(between)
        if raw > 200:
            continue
        if best is None or dist < best[0]:
            best = (dist, fate, c.start())
    return (best[1], best[2]) if best else (None, -1)


def _side(text: str, s: int, m: _Mention, prev_end: int = 0, coord: bool = False,
          narrator: Side = "unknown") -> Side:
    """Owning side: the nearest owner adjective before the mention (and after the previous
    mention, whose adjectives are its own); else an owner named right after it ("of the
    Ukrainian Air Force"); else the opposite of the actor. "Enemy" and "our" are read against
    the ``narrator``."""
    owner: Side | None = None
    actor: Side | None = None
    shared: Side | None = None  # "a Russian BMP-3 and three BTR-82A": shared by coordination
    # "ВСУ за неделю в зоне российской группировки потеряли ... Leopard": a "lost" verb's owner
    # is its subject, the first side named before it, not the nearest
    lost_at = next((c.start() for c in _FATE_RE.finditer(text, s, m.start)
                    if any(w in c.group().lower() for w in _OWNER_SUBJECT)), -1)
    subject: Side | None = None
    owner_pos = -1
    for sm in _SIDE_RE.finditer(text, s, m.start):
        if not_a_side(text, sm.start(), sm.end()):
            continue
        side = _side_word(sm.lastgroup or "", narrator)
        before = text[max(s, sm.start() - 12) : sm.start()]
        after = text[sm.end() : sm.end() + 60]
        cue_after = _FATE_RE.match(after.lstrip()) or re.match(
            r"^\s*(?:\w+\s+){0,2}(?:" + _FATE_RE.pattern + ")", after, re.IGNORECASE
        )
        forces = _FORCES.match(text[sm.end() : min(m.start, sm.end() + 60)])
        is_actor = (
            bool(_BY_BEFORE.search(before))
            or bool(cue_after and _AGENT_AFTER.match(after[: cue_after.start()]))
            or bool(forces and not _owner_phrase(text, sm.end() + forces.end(), m.start))
        )
        # "X lost ...", "X abandoned ...": the subject is the owner
        owner_subject = cue_after is not None and (
            any(w in cue_after.group().lower() for w in _OWNER_SUBJECT)
            or (cue_after.lastgroup == "abandoned"
                and bool(_AGENT_AFTER.match(lead := after[: cue_after.start("abandoned")])
                         or _FORCES.match(lead)))
        )
        if sm.end() <= lost_at and subject is None and not is_actor:
            subject = side
        if owner_subject:
            owner = side  # "Kiev's forces lost ... two D-30": scopes over the whole list
            owner_pos = sm.start()
        elif is_actor:
            actor = side
        elif sm.start() >= prev_end:
            owner = side
            owner_pos = sm.start()
        elif coord:
            shared = side
    if subject is not None and (owner is None or owner_pos < lost_at):
        owner = subject
    # "captured by the Ukrainians" after the mention
    by = _BY_SIDE.search(text[m.end : m.end + 80])
    if owner or shared:
        return owner or shared  # type: ignore[return-value]
    named = _OWNER_AFTER.match(text, m.end, min(len(text), m.end + 60))
    if named:
        return _side_word(named.lastgroup or "", narrator)
    if actor:
        # the actor of a loss is the other side; of anything else ("Ukrainian soldiers trained
        # on the Challenger 2", "Russian troops fired Iskanders") the owner
        return _opposite(actor) if m.fate in _LOSS_FATES else actor
    if by:
        # "abandoned by Russian troops": who abandons owned it; "captured by" names the taker
        side = "RU" if by.lastgroup == "RU" else "UA"
        return side if m.fate == "abandoned" else _opposite(side)
    return "unknown"


_BREAKDOWN = re.compile(
    rf"\s*\(((?:\d{{1,3}}\s+[^\W\d]+(?:\s*(?:,|;|{_AND})\s*)?){{2,6}})\)")
_PART = re.compile(r"(\d{1,3})\s+([^\W\d]+)")


def _breakdown(text: str, m: _Mention) -> list[tuple[int, str]]:
    """A tally's split of one line by fate, right after the type: "3x MT-LB (2 destroyed,
    1 captured)" is two destroyed and one captured, not three destroyed. Empty unless every
    part is a count and a fate word."""
    found = _BREAKDOWN.match(text, m.end)
    if found is None:
        return []
    parts = []
    for n, word in _PART.findall(found.group(1)):
        fate = _FATE_RE.fullmatch(word)
        if fate is None or fate.lastgroup in (None, "delivered"):
            return []
        parts.append((int(n), fate.lastgroup or ""))
    return parts if len(parts) >= 2 else []


def _count(text: str, s: int, m: _Mention) -> int | None:
    before = text[max(s, m.start - 60) : m.start]
    after = text[m.end : m.end + 12]
    ma = _COUNT_AFTER.match(after)
    if ma:
        return int(ma.group("n") or ma.group("m"))
    mx = _COUNT_X_BEFORE.search(before)
    if mx:
        return int(mx.group("n"))
    mb = _COUNT_BEFORE.search(before)
    if mb:
        raw = mb.group("n").lower()
        val = int(raw) if raw.isdigit() else _NUMWORDS.get(raw)
        if val and 0 < val < 1000:
            return val
    return None


def _urls(text: str, pos: int) -> list[str]:
    s, e = _line_window(text, pos)
    return [u.group().rstrip(".,;:!?") for u in _URL.finditer(text, s, e)]


# ---------------------------------------------------------------------------- places

# A clause ends at this: "Shilka damaged in Balakliia; two T-80BV captured near Kupiansk"
# names one place per item.
_CLAUSE_END = re.compile(r";")
# A place named as an axis or front is a direction, not where an item was lost.
_AXIS_AFTER = re.compile(rf"[\s'’s]*{_alts('axis')}(?!\w)", re.IGNORECASE)
# A clause that points back to a place named before it: "parked nearby", "Поруч — ...", "on
# the edge of town". Without such a word a clause without a place stays without one.
_BACK_REF = re.compile(rf"(?<!\w){_alts('back_ref')}(?!\w)", re.IGNORECASE)


def _placeable(doc: Doc) -> list[PlaceMention]:
    """Place mentions that can say where an item was lost: settlements and regions used
    literally, not named as an axis ("Kharkiv axis") or as a hashtag ("#Kharkiv", a topic);
    countries and rivers say too little."""
    return [p for p in doc.places
            if p.kind in ("settlement", "oblast-or-region") and p.usage == "literal"
            and not _AXIS_AFTER.match(doc.text, p.end)
            and doc.text[max(0, p.start - 1) : p.start] != "#"]


def _best(cands: list[PlaceMention], pos: int) -> PlaceMention | None:
    """A settlement before a region ("near Verbivka, Kharkiv Oblast"), then the nearest."""
    if not cands:
        return None
    return min(cands, key=lambda p: (p.kind != "settlement", abs(p.start - pos)))


def _attach_places(doc: Doc, mentions: list[_Mention]) -> None:
    """Where each mention's item was lost: a place named in its clause between the mention
    and the next item's (the nearest after it, else before it, back to the previous item's);
    a coordinated list ("Т-80БВ и БМП-2 у Купянска") shares its last item's place; a clause
    that points back ("nearby", "поруч") takes the nearest place of the earlier sentences of
    its paragraph. Otherwise the mention has no place: the text does not say."""
    text = doc.text
    places = _placeable(doc)
    for k, m in enumerate(mentions):
        s, e = doc.sentence_of(m.start)
        lo = max([s] + [x.end() for x in _CLAUSE_END.finditer(text, s, m.start)])
        end = _CLAUSE_END.search(text, m.end, e)
        hi = end.start() if end else e
        nxt = mentions[k + 1].start if k + 1 < len(mentions) else hi
        prv = mentions[k - 1].end if k > 0 else lo
        after = [p for p in places if m.end <= p.start and p.end <= min(hi, nxt)]
        before = [p for p in places if max(lo, prv) <= p.start and p.end <= m.start]
        m.place = _best(after, m.end) or _best(before, m.start)
        if m.place is None and _BACK_REF.search(text, lo, hi):
            para = text.rfind("\n\n", 0, s) + 1
            earlier = [p for p in places if para <= p.start and p.end <= s]
            settled = [p for p in earlier if p.kind == "settlement"]
            m.place = max(settled or earlier, key=lambda p: p.start, default=None)
    for k in range(len(mentions) - 1, 0, -1):
        m, prev = mentions[k], mentions[k - 1]
        if (m.place is not None and prev.place is None
                and doc.sentence_of(prev.start) == doc.sentence_of(m.start)
                and _LIST_GAP.fullmatch(text[prev.end : m.start])):
            prev.place = m.place


# ---------------------------------------------------------------------------- items


def _merge(mentions: list[_Mention], text: str) -> list[tuple[str, list[_Mention]]]:
    """Group mentions into items: same model; a family name or later short form joins the
    specific model; a component named "from the … system" joins its vehicle."""
    groups: dict[str, list[_Mention]] = {}
    for m in mentions:
        groups.setdefault(m.key, []).append(m)
    keys = list(groups)
    first = {k: groups[k][0].start for k in keys}
    target: dict[str, str] = {}
    for a in keys:
        ga = groups[a]
        if any(x.base_ctx for x in ga):
            continue
        ma = ga[0]
        best: str | None = None
        for b in keys:
            if b == a:
                continue
            mb = groups[b][0]
            family_name = a == eq_key(mb.family) and not any(c.isdigit() for c in a)
            shorter = b.startswith(a) and len(b) > len(a) and any(c.isdigit() for c in a)
            same_fam = ma.family == mb.family or family_name
            later_short = shorter and bool(ma.family == mb.family or mb.variant_of)
            named = mb.model.split()[0] == ma.model and " " in mb.model  # "2S5" ~ "2S5 Giatsint-S"
            cand = family_name or named or (same_fam and a == eq_key(mb.family))
            cand = cand or (later_short and first[b] < first[a])
            if not cand and same_fam and first[b] < first[a]:
                # "a 2S6M combat vehicle from the 2K22M Tunguska system"
                cand = any(
                    0 <= x.start - y.end <= 60
                    and re.search(
                        r"\b(?:from|of|for)\s+the\b|(?<!\w)(?:з|із|из|от)\s", text[y.end : x.start]
                    )
                    for x in ga
                    for y in groups[b]
                )
            if cand and (best is None or len(b) > len(best)):
                best = b
        if best:
            target[a] = best
    items: dict[str, list[_Mention]] = {}
    for k in keys:
        root = k
        seen = {k}
        while root in target and target[root] not in seen:
            root = target[root]
            seen.add(root)
        items.setdefault(root, []).extend(groups[k])
    return [
        (k, part)
        for k, v in sorted(items.items(), key=lambda kv: first[kv[0]])
        for part in _split_fates(sorted(v, key=lambda m: m.start), text)
    ]


# A later mention that the text marks as the item already named: "the T-72B3", "this tank",
# "цей Т-72Б3", "тот же Т-80БВ", "Це вже четвертий Су-34" (a determiner, at most two words
# between it and the name) ...
_SAME_ITEM_BEFORE = re.compile(
    rf"(?<!\w){_alts('same_item')}\s+(?:[\w-]+\s+){{0,2}}$", re.IGNORECASE)
# ... and one it marks as another: "another T-90M", "a second", "ще один", "ещё одна".
_OTHER_ITEM_BEFORE = re.compile(
    rf"(?<!\w){_alts('other_item')}\s+(?:[\w-]+\s+){{0,2}}$", re.IGNORECASE)
_LOSS_FATES = ("captured", "destroyed", "abandoned", "damaged")


def _place_differs(m: _Mention, part: list[_Mention]) -> bool:
    """Whether the place named for ``m`` differs from every place named for ``part``."""
    def key(p: PlaceMention) -> str:
        return p.place.id if p.place else eq_key(p.surface)

    named = [x.place for x in part if x.place is not None]
    return m.place is not None and bool(named) and all(key(m.place) != key(p) for p in named)


def _split_fates(group: list[_Mention], text: str) -> list[list[_Mention]]:
    """One document's mentions of one type with different fates are two items where the text
    tells them apart: it names different places for them ("a T-80BV captured near Kupiansk
    ... a T-80BV destroyed near Izium") or marks the later one as another ("another T-90M",
    "ще один"). Mentions of one fate stay one item unless their places differ. Otherwise
    they stay one item, as a report usually tells one vehicle's story
    with several verbs ("hit", then "obliterated") or recalls its type in a background figure
    ("54 T-80BVM destroyed and captured throughout the war"); a mention marked as the same
    ("the T-80BV", "цей") always stays. A mention without a loss fate stays with the item
    before it. The item of the strongest fate comes first, as the one item did before (the
    per-document scoring reads the first record of a type). ``_Mention.place`` here is the
    resolver's reading; ``equipment_places`` reads the final one."""
    def fate(m: _Mention) -> str | None:
        return m.fate if m.fate in _LOSS_FATES else None

    if len({fate(m) for m in group} - {None}) < 2:
        return [group]
    parts: list[list[_Mention]] = []
    for m in group:
        f = fate(m)
        if not parts:
            parts.append([m])
            continue
        if f is None:
            parts[-1].append(m)
            continue
        before = text[max(0, m.start - 40) : m.start]
        same = bool(_SAME_ITEM_BEFORE.search(before))
        other = not same and bool(_OTHER_ITEM_BEFORE.search(before))
        # the same fate again is that item, as before ("captured another T-80BVM, this time
        # in the Kherson region" retells the capture the report opened with)
        host = next((p for p in parts if any(fate(x) == f for x in p)
                     and not _place_differs(m, p)), None)
        if host is None and (same or not (other or _place_differs(m, parts[-1]))):
            host = parts[-1]
        if host is None:
            parts.append([m])
        else:
            host.append(m)

    def rank(part: list[_Mention]) -> tuple[int, int]:
        return min(((_PRIORITY[m.fate], m.start) for m in part if m.fate),
                   default=(99, part[0].start))

    return sorted(parts, key=rank)


def _share_list_fates(text: str, mentions: list[_Mention], doc: Doc) -> None:
    """A fate word after a coordinated list of items is the fate of every item of the list:
    "Ural-4320 trucks and an MT-LB abandoned" abandons the trucks too. Only items with no fate
    of their own take it (the agent test reads the first item as the subject of "abandoned"
    when the list is long), walking back from the item the cue follows."""
    for k in range(len(mentions) - 1, 0, -1):
        m, prev = mentions[k], mentions[k - 1]
        if not m.fate or m.cue_pos < m.end or prev.fate:
            continue
        gap = text[prev.end : m.start]
        if (doc.sentence_of(prev.start) != doc.sentence_of(m.start)
                or not _LIST_GAP.fullmatch(gap) or _FATE_RE.search(gap)):
            continue
        prev.fate, prev.cue_pos = m.fate, m.cue_pos


_RU_SUPPLIERS = ("Iran", "North Korea", "Belarus")
_COUNTRY_SIDE: dict[str, Side] = {"Russia": "RU", "Ukraine": "UA"}


def _origin_side(origin: str, fate: str | None, narrator: Side) -> Side:
    """Owner of an item whose sentences name no side, from its make: Western and Ukrainian
    designs serve Ukraine, Iranian, North Korean and Belarusian ones Russia; Soviet and Russian
    designs serve both, so a loss is the narrator's enemy's (a Russian summary's "destroyed a
    D-30"), else Russian."""
    if origin in _RU_SUPPLIERS:
        return "RU"
    if origin in ("Soviet Union", "Russia"):
        if narrator != "unknown" and fate in _LOSS_FATES:
            return _opposite(narrator)
        return "RU"
    return "UA" if origin else "unknown"


_AMONG = re.compile(rf"[\s\"«“]*{_alts('among')}(?!\w)", re.IGNORECASE)
_BULLET = re.compile(r"[ \t]*(?:[-–—•*]|\d{1,2}[.)])\s")


def _last_cue(text: str, s: int, e: int) -> tuple[str | None, int]:
    """The last fate cue in ``text[s:e]`` not used in another sense."""
    last: tuple[str | None, int] = (None, -1)
    for c in _FATE_RE.finditer(text, s, e):
        if not _other_sense(text, s, e, c):
            last = (c.lastgroup, c.start())
    return last


def _inherit_fates(text: str, mentions: list[_Mention], doc: Doc) -> None:
    """A mention with no fate cue within reach takes the fate its context gives every item of
    a list: the item before it in its sentence took its fate from a cue before both, with no
    cue or sentence end between ("Было уничтожено ... гаубицы Мста-Б и Д-30, реактивная система
    Град": a tally's cue reaches the whole list, however long); its sentence opens with "among
    them" ("Среди них – четыре Су-35, ..."): the last cue of the sentence before; it stands on a
    bullet line under a lead-in line ending with ":" ("The new package includes:"): that
    line's last cue."""
    for k, m in enumerate(mentions):
        if m.fate:
            continue
        s, e = doc.sentence_of(m.start)
        prev = mentions[k - 1] if k else None
        if (prev is not None and prev.fate and s <= prev.cue_pos < prev.start
                and doc.sentence_of(prev.start) == (s, e)
                and not re.search(r"[.;!?]", text[prev.end : m.start])
                and not _FATE_RE.search(text, prev.end, m.start)
                and not _INSTRUMENT.search(text, prev.end, m.start)):
            m.fate, m.cue_pos = prev.fate, prev.cue_pos
            continue
        if s > 0 and _AMONG.match(text, s):
            ps, pe = max((x for x in doc.sents if x[1] <= s), key=lambda x: x[1], default=(0, 0))
            m.fate, m.cue_pos = _last_cue(text, ps, pe)
            if m.fate:
                continue
        line_start = text.rfind("\n", 0, m.start) + 1
        if _BULLET.match(text, line_start):
            end = line_start - 1
            while end > 0:
                ls = text.rfind("\n", 0, end) + 1
                line = text[ls:end]
                if line.strip() and not _BULLET.match(line):
                    if line.rstrip().endswith(":"):
                        m.fate, m.cue_pos = _last_cue(text, ls, end)
                    break
                end = ls - 1


@component("equipment")
def equipment(doc: Doc) -> Doc:
    """Append one EquipmentLoss per model-designated item in the document."""
    cat = catalog()
    text = doc.text
    if not doc.sents:
        from frontlens.extract.sentences import split_sentences

        doc.sents = split_sentences(text)
    cyr_doc = get_pack(doc.lang or "en").script == "cyrillic"
    mentions = _find_mentions(text, cat, cyr_doc)
    if mentions and doc.places:
        # a weapon is never a town: "a ZSU-23-4 Shilka damaged" names no Siberian Shilka
        doc.places = [p for p in doc.places if not any(
            m.start <= p.start and p.end <= m.end for m in mentions)]
    if not mentions:
        return doc
    lang = doc.lang
    narrator = narrator_side(text)
    for m in mentions:
        s, e = doc.sentence_of(m.start)
        m.base_ctx = bool(_BASE_CTX.search(text[max(s, m.start - 60) : m.start]))
        m.fate, m.cue_pos = _fate(text, s, e, m, lang)
    _inherit_fates(text, mentions, doc)
    _share_list_fates(text, mentions, doc)
    prev_end = 0
    for m in mentions:
        s, e = doc.sentence_of(m.start)
        coord = prev_end >= s and bool(_COORD.fullmatch(text[prev_end : m.start]))
        m.side = _side(text, s, m, prev_end, coord, narrator)
        prev_end = m.end
        m.count = _count(text, s, m)
        m.urls = _urls(text, m.start)
    _attach_places(doc, mentions)  # the resolver's places, to tell items apart in _merge
    items = _merge(mentions, text)
    media = list(doc.user.get("media") or [])
    info: list[dict[str, Any]] = doc.user.setdefault("equipment", [])
    # read by ``equipment_places`` once the pipeline's places are final
    placing: list[tuple[EquipmentLoss, list[_Mention], _Mention]] = []
    doc.user["equipment_placing"] = (mentions, placing)
    for root, group in items:
        with_fate = [m for m in group if m.fate]
        primary = (
            min(with_fate, key=lambda m: (_PRIORITY[m.fate or "delivered"], m.start))
            if with_fate
            else group[0]
        )
        # the most specific designation named for this item
        head = next((m for m in group if m.key == root),
                    max(group, key=lambda m: (len(m.key), -m.start)))
        side = primary.side
        ref = cat.models.get(head.model)
        if head.model in cat.ships.values() and ref is not None and ref.lost_by:
            side = _COUNTRY_SIDE.get(ref.lost_by, side)  # a named ship has one navy
        if side == "unknown":
            side = next((m.side for m in group if m.side != "unknown"), "unknown")
        if side == "unknown" and ref is not None and ref.lost_by:
            side = _COUNTRY_SIDE.get(ref.lost_by, side)  # a type only one side loses
        if side == "unknown":
            side = _origin_side(head.origin, primary.fate, narrator)
        # a loss's number is the one its fate sentence gives (a tally elsewhere may recall older
        # losses); a delivery's is often stated once, with the first mention
        count = (primary.count if primary.fate and (primary.fate != "delivered" or primary.count)
                 else next((m.count for m in group if m.count), None))
        urls: list[str] = []
        for m in group:
            for u in m.urls:
                if u not in urls:
                    urls.append(u)
        if len(items) == 1:
            urls.extend(u for u in media if u not in urls)
        fate_raw = primary.fate
        s, e = doc.sentence_of(primary.start)
        split: list[tuple[int | None, str | None]] = list(
            next((b for b in (_breakdown(text, m) for m in group) if b), []))
        for n, f_raw in split or [(count, fate_raw)]:
            fate: Fate = f_raw if f_raw in _PRIORITY and f_raw != "delivered" else "unknown"  # type: ignore[assignment]
            rec = EquipmentLoss(
                catalog_type=head.model,
                model_text=head.surface,
                category=head.category,
                side=side,
                fate=fate,
                count=n or 1,
                evidence_urls=urls,
                **provenance(doc, s, e),
            )
            doc.records.append(rec)
            placing.append((rec, group, primary))
            info.append({
                "record_id": rec.id, "model": head.model, "fate_raw": f_raw,
                "count_stated": n, "mentions": [(m.start, m.end) for m in group],
                "cues": [(m.cue_pos, m.start, m.end) for m in group if m.fate],
            })  # fmt: skip
    return doc


@component("equipment_places")
def equipment_places(doc: Doc) -> Doc:
    """Where each equipment item was lost (``place_id``, ``place_name`` and the offsets of the
    place mention), read after the decision layer, whose places are final: it adds the
    settlements the resolver left out ("near Verbivka" of several Verbivkas), without which
    two items of one type cannot be told apart."""
    mentions, placing = doc.user.pop("equipment_placing", ([], []))
    if not placing:
        return doc
    _attach_places(doc, mentions)
    # later components may have replaced a record by an updated copy: find it by its id
    items = {rec.id: (group, primary) for rec, group, primary in placing}
    for rec in doc.records:
        if not isinstance(rec, EquipmentLoss) or rec.id not in items:
            continue
        group, primary = items[rec.id]
        where = primary.place or next((m.place for m in group if m.place), None)
        if where is not None:
            rec.place_id = where.place.id if where.place else None
            rec.place_name = where.name
            rec.place_start, rec.place_end = where.start, where.end
    return doc
