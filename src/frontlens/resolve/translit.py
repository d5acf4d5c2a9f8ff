"""Latin spellings of Ukrainian and Russian place names, and the lookup key every name shares.

News in English spells the same town several ways: the official Ukrainian national system
(KMU 2010: Kharkiv, Balakliia, Kupiansk, Izium), older Ukrainian-based forms (Balakliya) and
Russian-derived ones (Kharkov, Balakleya, Kupyansk, Izyum, Liman). The gazetteer stores all of
them, generated from the Ukrainian and Russian names, so a lookup never depends on which one a
reporter used. ``norm_key`` is the single normalisation applied to stored names and to text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

APOSTROPHES = "'’ʼ`´ʹ‘′ʻ"
_APOS_RE = re.compile(f"[{APOSTROPHES}]")
_DASH_RE = re.compile(r"[-‐‑‒–—―_/]+")
_NONWORD_RE = re.compile(r"[^\w\s]+")
_SPACE_RE = re.compile(r"\s+")


def _fold_char(ch: str) -> str:
    """Strip diacritics from Latin letters only: Cyrillic й/ї must keep their marks."""
    if ch.isascii():
        return ch
    base = unicodedata.normalize("NFD", ch)
    if base[0].isascii():
        return "".join(c for c in base if not unicodedata.combining(c))
    return {"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i"}.get(ch, ch)


@lru_cache(maxsize=200_000)
def norm_key(text: str) -> str:
    """The lookup key: case-folded, apostrophes dropped, ё→е, hyphens/punctuation → one space.
    Cached: news repeats the same surfaces, and the per-character Unicode folding was 7 % of
    extraction time."""
    s = text.casefold().replace("ё", "е")
    s = _APOS_RE.sub("", s)
    s = _DASH_RE.sub(" ", s)
    s = _NONWORD_RE.sub(" ", s)
    s = "".join(_fold_char(c) for c in s)
    return _SPACE_RE.sub(" ", s).strip()


def is_cyrillic(text: str) -> bool:
    return any("а" <= c <= "я" or c in "іїєґё" for c in text.lower())


def is_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(_fold_char(c.lower()).isascii() for c in letters)


# KMU 2010 (Resolution No. 55): letters with a word-initial form differ for є ї й ю я.
_UK_KMU = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia",
}
_UK_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}

_RU = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}
_VOWELS = set("аеёиоуыэюяіїє")


def _case_like(out: str, src: str) -> str:
    return out[:1].upper() + out[1:] if src[:1].isupper() else out


def kmu(text: str) -> str:
    """Official Ukrainian national transliteration (KMU 2010): Балаклія → Balakliia."""
    out: list[str] = []
    low = _APOS_RE.sub("", text)
    for word in re.split(r"(\W+)", low):
        w = word.lower()
        buf: list[str] = []
        for i, ch in enumerate(w):
            if ch == "г" and i > 0 and w[i - 1] == "з":
                buf.append("gh")  # зг → zgh, so it is not read as ж
            elif i == 0 and ch in _UK_INITIAL:
                buf.append(_UK_INITIAL[ch])
            else:
                buf.append(_UK_KMU.get(ch, ch))
        out.append(_case_like("".join(buf), word))
    return "".join(out)


def uk_variants(text: str) -> set[str]:
    """KMU plus the older 'y'-glide forms news still uses (Balakliya, Zaporizhzhya, Kyyiv)."""
    base = kmu(text)
    low = _APOS_RE.sub("", text).lower()
    alt: list[str] = []
    for i, ch in enumerate(low):
        prev = low[i - 1] if i else " "
        if ch in "єїюя" and (prev in _VOWELS or not prev.isalpha() or prev == "ь"):
            alt.append({"є": "ye", "ї": "yi", "ю": "yu", "я": "ya"}[ch])
        elif ch in "єїюя":
            alt.append({"є": "ie", "ї": "i", "ю": "yu", "я": "ya"}[ch])
        elif ch == "й":
            alt.append("y")
        elif ch == "ь":
            alt.append("")
        else:
            alt.append(_UK_KMU.get(ch, ch))
    variants = {base, "".join(alt)}
    variants.add(base.replace("iia", "iya").replace("iie", "iye"))
    if "г" in low:  # г as g, the Russian habit in Latin text: Bilogorivka, Shalygyne
        variants |= {_h_as_g(v, low) for v in (base, "".join(alt))}
    if re.search(r"ий\b", low):  # a final -ий as -iy: Krutiy Yar, Zeleniy Hai
        variants |= {re.sub(r"y(i|y)\b", "iy", v) for v in variants}
    if "щ" in low:  # щ as sch: Khreschenivka, Schastia
        variants |= {v.replace("shch", "sch").replace("Shch", "Sch") for v in variants}
    return {v for v in variants if v}


def _h_as_g(latin: str, low: str) -> str:
    """``latin`` (a letter-by-letter romanisation of ``low``) with the h of each г as g.

    Walks both strings in step, so the h of kh/zh/sh/ch (х ж ш ч) is never touched."""
    out = []
    j = 0
    for ch in low:
        piece = _UK_KMU.get(ch, ch)
        if ch in "єїюяй" and latin[j:j + 2] in ("ye", "yi", "yu", "ya", "ie"):
            piece = latin[j:j + 2]
        elif ch in "єїюяй" and latin[j:j + 1] in ("i", "y"):
            piece = latin[j:j + 1]
        elif ch == "ь":
            piece = ""
        if latin[j:j + len(piece)] != piece:
            return latin  # not a letter-by-letter match (should not happen): leave as is
        out.append("g" if ch == "г" else piece)
        j += len(piece)
    return "".join(out) + latin[j:]


def ru_variants(text: str) -> set[str]:
    """Common Russian-derived romanisations: Харьков → Kharkov, Балаклея → Balakleya."""
    low = text.lower().replace("ё", "е")
    plain: list[str] = []
    bgn: list[str] = []
    for i, ch in enumerate(low):
        prev = low[i - 1] if i else " "
        if ch == "е" and (not prev.isalpha() or prev in _VOWELS or prev in "ьъ"):
            bgn.append("ye")
        else:
            bgn.append(_RU.get(ch, ch))
        plain.append(_RU.get(ch, ch))
    out = {"".join(plain), "".join(bgn)}
    if "й" in low:  # й as i as well as y: Mikhailovka, Gai (Зелёный Гай → Zeleny Gai)
        out |= {"".join("i" if c == "й" else p for c, p in zip(low, plain, strict=True))}
    out |= {re.sub(r"(iy|yy|yi)\b", "y", v) for v in out}
    return {v for v in out if v}


def latin_variants(name_uk: str | None, name_ru: str | None) -> set[str]:
    """Every Latin spelling we generate for a place with these Cyrillic names."""
    out: set[str] = set()
    if name_uk and is_cyrillic(name_uk):
        out |= uk_variants(name_uk)
    if name_ru and is_cyrillic(name_ru):
        out |= ru_variants(name_ru)
    return out


_ADJ_ENDINGS = sorted(
    {"ого", "ому", "ими", "ій", "ої", "ою", "ий", "им", "их", "ая", "ое", "ой", "ую", "ом",
     "ые", "ый", "ым", "ых", "ей", "ее", "ие", "іх", "ім", "а", "е", "у", "і", "и", "я", "ю"},
    key=len, reverse=True,
)


def adj_stem(word: str) -> str:
    """Stem of a relational adjective in any case: Харківської/Харківська → харківськ."""
    a = norm_key(word)
    for end in _ADJ_ENDINGS:
        if a.endswith(end) and len(a) - len(end) >= 3:
            return a[: -len(end)]
    return a


_UK_RU_ENDINGS = (("ївка", "евка"), ("івка", "овка"), ("ове", "ово"), ("еве", "ево"),
                  ("єве", "ево"), ("ине", "ино"), ("їне", "ино"), ("ське", "ское"),
                  ("цьке", "цкое"), ("не", "ное"), ("ий", "ый"), ("ський", "ский"))
_UK_RU_LETTERS = str.maketrans({"і": "и", "и": "ы", "ї": "и", "є": "е", "'": "", "’": "",
                                "ʼ": "", "ґ": "г"})


def uk_to_ru_guess(name_uk: str) -> str:
    """A likely Russian form of a Ukrainian village name (Шевченкове → Шевченково).

    Only a lookup aid for Russian-language text where the sources give no Russian name.
    """
    words = []
    for w in name_uk.lower().split():
        for uk_end, ru_end in _UK_RU_ENDINGS:
            if w.endswith(uk_end) and len(w) > len(uk_end) + 2:
                w = w[: -len(uk_end)] + "\x00" + ru_end
                break
        head, _, tail = w.partition("\x00")
        head = head.replace("ськ", "ск").replace("цьк", "цк")
        words.append(head.translate(_UK_RU_LETTERS).replace("ыы", "ий") + tail)
    return " ".join(words)


SKELETON_PREFIX = "skel "
_SKEL_DROP = str.maketrans("", "", "аеёиоуыэюяіїєйьъ")
_SKEL_MIN = 4  # consonants a skeleton needs before it may name a village on its own


def skeleton(name: str) -> str | None:
    """The consonants of a Cyrillic name, word by word: Ukrainian Дегтярне / Роботине / Суха
    Кам'янка and Russian Дегтярное / Работино / Сухая Каменка share ``дгтрн`` / ``рбтн`` /
    ``сх кмнк``. The two languages spell one village with different vowels and endings, and the
    sources give no Russian name for most small villages; their consonants mostly agree. A
    lookup aid for Russian-language text only, under the gazetteer key ``SKELETON_PREFIX +
    skeleton``. None when the name is not Cyrillic or too short to be specific."""
    if not is_cyrillic(name):
        return None
    words = [w.translate(_SKEL_DROP).replace("ґ", "г") for w in norm_key(name).split()]
    if not all(words) or sum(len(w) for w in words) < _SKEL_MIN:
        return None
    return " ".join(words)


LATIN_SKELETON_PREFIX = "lskel "
_LATIN_DIGRAPHS = (("shch", "s"), ("kh", "h"), ("zh", "z"), ("ch", "c"), ("sh", "s"),
                   ("ts", "c"), ("tz", "c"), ("g", "h"), ("x", "ks"), ("w", "v"))
_LATIN_DROP = str.maketrans("", "", "aeiouyj")


def latin_skeleton(name: str) -> str | None:
    """The consonants of a romanised name, with the letters romanisations disagree on merged
    (g/h, kh/h, ts/c): Velykyi Burluk / Velikyi Burluk / Veliky Burluk → ``vlk brlk``, Nova
    Kamianka / Nova Kamenka → ``nv kmnk``. The English-language counterpart of ``skeleton``,
    under ``LATIN_SKELETON_PREFIX``; None when not Latin or too short to be specific."""
    if not is_latin(name):
        return None
    words = []
    for w in norm_key(name).split():
        for a, b in _LATIN_DIGRAPHS:
            w = w.replace(a, b)
        words.append(re.sub(r"(.)\1+", r"\1", w.translate(_LATIN_DROP)))
    if not all(words) or sum(len(w) for w in words) < _SKEL_MIN:
        return None
    return " ".join(words)


_BGN_REVERSE = (("shch", "щ"), ("kh", "х"), ("zh", "ж"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"),
                ("yu", "ю"), ("ya", "я"), ("ye", "е"), ("yo", "е"), ("yy", "ый"),
                ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"), ("e", "е"),
                ("z", "з"), ("i", "и"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
                ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
                ("f", "ф"), ("'", "ь"))
_RU_CONS = set("бвгджзклмнпрстфхцчшщ")


def ru_from_bgn(latin: str) -> str | None:
    """The Russian Cyrillic a BGN/PCGN romanisation was made from: Rabotino → работино,
    Mednaya Ruda → медная руда, Sin'kovka → синьковка, Veterinarnoye → ветеринарное.

    GeoNames' alternate names of Ukrainian villages are often their Soviet-era Russian names in
    this romanisation, which no source gives in Cyrillic; Russian-language text spells them so.
    Ambiguous letters are read the common way (y: ы after a consonant, else й; a word-initial e
    is э; ts is ц, never тс), so the result is a lookup key to check, not a name to trust: the
    caller keeps it only when its consonants agree with the Ukrainian name's. None when the
    text has letters the romanisation does not use."""
    s = _APOS_RE.sub("'", latin.lower())
    s = "".join(_fold_char(c) for c in s)
    words = []
    for word in re.split(r"[\s-]+", s.strip()):
        if not word:
            continue
        out: list[str] = []
        i = 0
        while i < len(word):
            if word[i] == "y" and not word.startswith(("a", "u", "e", "o", "i"), i + 1):
                prev = out[-1][-1] if out else ""
                out.append("ы" if prev in _RU_CONS else "й")
                i += 1
                continue
            if word.startswith("yo", i) and out and out[-1][-1] in "аеиоуыэюя":
                out.append("йо")  # Mayorsk: й then о after a vowel (ё is yo elsewhere)
                i += 2
                continue
            if word.startswith("iy", i) and i + 2 == len(word):
                out.append("ий")
                i += 2
                continue
            for lat, cyr in _BGN_REVERSE:
                if word.startswith(lat, i):
                    if lat == "e" and i == 0:
                        cyr = "э"
                    out.append(cyr)
                    i += len(lat)
                    break
            else:
                return None
        words.append("".join(out))
    return " ".join(words) or None
