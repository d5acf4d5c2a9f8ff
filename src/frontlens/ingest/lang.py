"""Language identification per source, offline.

Letters are first counted by script: Cyrillic text is told apart among Ukrainian and Russian by a
full-accuracy lingua model over just those two (short posts like "Балаклея освобождена" need
it), Latin text among English and common European languages by lingua's lighter trigram mode,
so that French or German is reported as such instead of being forced into English. The two
detectors load lazily, so a pure-English batch never pays for the Cyrillic models.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_CYRILLIC = (Language.UKRAINIAN, Language.RUSSIAN, Language.BELARUSIAN)
_LATIN = (
    Language.ENGLISH,
    Language.GERMAN,
    Language.FRENCH,
    Language.SPANISH,
    Language.POLISH,
    Language.ITALIAN,
    Language.PORTUGUESE,
    Language.DUTCH,
    Language.TURKISH,
)
_SAMPLE_CHARS = 1000
MIN_LETTERS = 3


@cache
def _detector(script: str) -> LanguageDetector:
    if script == "cyrillic":
        return LanguageDetectorBuilder.from_languages(*_CYRILLIC).build()
    return LanguageDetectorBuilder.from_languages(*_LATIN).with_low_accuracy_mode().build()


_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|pic\.twitter\.com/\S+")
_CYR = re.compile(r"[\u0400-\u04ffʼ]")
_LAT = re.compile(r"[A-Za-z\u00c0-\u024f]")


def _script(sample: str) -> str | None:
    cyr, lat = len(_CYR.findall(sample)), len(_LAT.findall(sample))
    if max(cyr, lat) < MIN_LETTERS:
        return None
    return "cyrillic" if cyr >= lat else "latin"


def script_fallback(text: str) -> str | None:
    """The pipeline language to use when detection gave nothing supported: Russian for mostly
    Cyrillic text, English for mostly Latin, None when the text has letters of neither."""
    sample = text[:5000]
    cyr, lat = len(_CYR.findall(sample)), len(_LAT.findall(sample))
    if max(cyr, lat) == 0:
        return None
    return "ru" if cyr > lat else "en"


def _best(values: list[Any]) -> tuple[str | None, float]:
    if not values or values[0].value <= 0.0:
        return None, 0.0
    return values[0].language.iso_code_639_1.name.lower(), round(float(values[0].value), 3)


def detect_language(text: str) -> tuple[str | None, float]:
    """Return (ISO 639-1 code, confidence), or (None, 0.0) when the text has too few letters
    or is in a script none of the detectors covers."""
    return detect_languages([text])[0]


def detect_languages(texts: list[str]) -> list[tuple[str | None, float]]:
    """Batch form: each script's texts go to lingua's parallel API in one call."""
    out: list[tuple[str | None, float]] = [(None, 0.0)] * len(texts)
    groups: dict[str, list[int]] = {}
    samples = [_NOISE.sub(" ", t[: _SAMPLE_CHARS * 2])[:_SAMPLE_CHARS] for t in texts]
    for i, sample in enumerate(samples):
        if (script := _script(sample)) is not None:
            groups.setdefault(script, []).append(i)
    for script, idx in groups.items():
        values = _detector(script).compute_language_confidence_values_in_parallel(
            [samples[i] for i in idx]
        )
        for i, v in zip(idx, values, strict=True):
            out[i] = _best(v)
    return out
