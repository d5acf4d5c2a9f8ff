"""Language identification per source, offline.

Letters are first counted by script: Cyrillic text is told apart among Ukrainian and Russian by a
full-accuracy lingua model over just those two (short posts like "Балаклея освобождена" need
it), Latin text among English and common European languages by lingua's lighter trigram mode,
so that French or German is reported as such instead of being forced into English. The two
detectors load lazily, so a pure-English batch never pays for the Cyrillic models.
"""

from __future__ import annotations

from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_CYRILLIC = (Language.UKRAINIAN, Language.RUSSIAN)
_LATIN = (
    Language.ENGLISH, Language.GERMAN, Language.FRENCH, Language.SPANISH, Language.POLISH,
    Language.ITALIAN, Language.PORTUGUESE, Language.DUTCH, Language.TURKISH,
)
_SAMPLE_CHARS = 3000
MIN_LETTERS = 3


@cache
def _detector(script: str) -> LanguageDetector:
    if script == "cyrillic":
        return LanguageDetectorBuilder.from_languages(*_CYRILLIC).build()
    return LanguageDetectorBuilder.from_languages(*_LATIN).with_low_accuracy_mode().build()


def _script_counts(text: str) -> tuple[int, int]:
    cyr = lat = 0
    for ch in text:
        if ch.isalpha():
            if "\u0400" <= ch <= "\u04ff" or ch in "ʼ":
                cyr += 1
            elif ch.isascii() or "\u00c0" <= ch <= "\u024f":
                lat += 1
    return cyr, lat


def detect_language(text: str) -> tuple[str | None, float]:
    """Return (ISO 639-1 code, confidence), or (None, 0.0) when the text has too few letters
    or is in a script none of the detectors covers."""
    sample = text[:_SAMPLE_CHARS]
    cyr, lat = _script_counts(sample)
    if max(cyr, lat) < MIN_LETTERS:
        return None, 0.0
    script = "cyrillic" if cyr >= lat else "latin"
    values = _detector(script).compute_language_confidence_values(sample)
    if not values or values[0].value <= 0.0:
        return None, 0.0
    best = values[0]
    return best.language.iso_code_639_1.name.lower(), round(float(best.value), 3)
