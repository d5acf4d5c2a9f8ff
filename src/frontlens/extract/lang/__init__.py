"""Language packs, spaCy's ``lang/xx/`` idea: everything one language needs, in one folder.

``frontlens/extract/lang/<code>/`` holds

- ``pack.toml``: the pack's settings (script, morphology adapter, gazetteer name column, how
  reported speech and toponyms are read), its closed-class word lists (``[words]``) and its
  time-expression tables (``[timex]``: month and weekday patterns, relative day/week/month
  words, year and day affixes, duration words);
- ``<name>.txt``: open lexicons, one entry per line, ``#`` comments (``control.txt``: control
  triggers; ``statements_cues.txt``: reporting verbs; ``equipment.txt``: the equipment
  component's fate, owner-side, count and context cue lists, ``LIST PATTERN`` a line, read
  from every pack at once since reports quote across languages; ...).

Components stay language-agnostic: they read ``pack = get_pack(doc.lang)`` and its tables
instead of forking on the language code. Word lists shared by every language (mixed en/uk/ru
cue lists) stay in ``frontlens/data/lexicon``. Adding a language is adding a folder here and a
line in ``data/pipelines.toml``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, Literal

from frontlens.extract import models

REQUIRED_TIMEX = ("months", "weekdays")
REQUIRED_FILES = ("control",)


class UnsupportedLanguage(LookupError):
    """No pack exists for a language code."""


@dataclass(frozen=True)
class LangPack:
    """One language's data. Cheap to pass around; ``get_pack`` caches one per code."""

    code: str
    name: str
    script: Literal["latin", "cyrillic"]
    morphology: str | None  # "pymorphy3" or None (no analyser: lemma = lower-case surface)
    gazetteer_name: str  # places-table column with this language's names
    syntax: Literal["dependency", "tokens"]  # reported speech from a parse, or token patterns
    toponyms: Literal["capitalised", "inflected"]  # how the places component finds names
    decimal_comma: bool
    lemma_suffix: str | None  # crude lemma rule when no parser/analyser ran ("ing|ed|es|s")
    role_gloss: bool  # gloss role words in English ("речник" → spokesperson)
    unmarked_official_side: str | None  # side of an official named without a nationality
    timex: Mapping[str, Any] = field(repr=False)
    word_tables: Mapping[str, tuple[str, ...]] = field(repr=False)
    sections: Mapping[str, Mapping[str, Any]] = field(repr=False)  # per-component settings

    def setting(self, section: str, key: str, default: Any = None) -> Any:
        """A component's setting from the pack's ``[<section>]`` table."""
        return self.sections.get(section, {}).get(key, default)

    def entries(self, name: str) -> tuple[str, ...]:
        """A pack lexicon in file order: ``[words].<name>`` of pack.toml or ``<name>.txt``;
        empty when the pack has none."""
        return _entries(self.code, name)

    def words(self, name: str) -> frozenset[str]:
        return _words(self.code, name)

    def lemma(self, word: str) -> str:
        """Lemma of a word with the pack's morphology, else its suffix rule, else lower-case."""
        low = word.lower()
        if self.morphology == "pymorphy3":
            return models.lemma(self.code, low)
        if self.lemma_suffix and len(low) > 5:
            return _suffix_re(self.lemma_suffix).sub("", low)
        return low

    def parses(self, word: str) -> tuple[Any, ...]:
        """pymorphy3 analyses of a word; () for a pack without morphology."""
        return models.parses(self.code, word) if self.morphology == "pymorphy3" else ()


@cache
def _suffix_re(rx: str) -> re.Pattern[str]:
    return re.compile(f"(?:{rx})$")


def _root() -> Traversable:
    return files("frontlens") / "extract" / "lang"


@cache
def available() -> tuple[str, ...]:
    """Codes of every pack folder (a folder with a ``pack.toml``): those with a pipeline in
    ``data/pipelines.toml`` first, in its order, then the rest alphabetically."""
    found = {p.name for p in _root().iterdir() if p.is_dir() and (p / "pack.toml").is_file()}
    config = tomllib.loads((files("frontlens") / "data" / "pipelines.toml").read_text("utf-8"))
    ordered = [c for c in config.get("pipelines", {}) if c in found]
    return (*ordered, *sorted(found - set(ordered)))


@cache
def _toml(code: str) -> dict[str, Any]:
    return tomllib.loads((_root() / code / "pack.toml").read_text(encoding="utf-8"))


@cache
def get_pack(code: str | None) -> LangPack:
    """The pack for a language code; ``UnsupportedLanguage`` when there is none."""
    if not code or code not in available():
        raise UnsupportedLanguage(f"unsupported language {code!r}")
    data = _toml(code)
    meta = data["pack"]
    return LangPack(
        code=code,
        name=meta["name"],
        script=meta["script"],
        morphology=meta.get("morphology") or None,
        gazetteer_name=meta["gazetteer_name"],
        syntax=meta.get("syntax", "tokens"),
        toponyms=meta.get("toponyms", "inflected" if meta["script"] == "cyrillic"
                          else "capitalised"),
        decimal_comma=bool(meta.get("decimal_comma", False)),
        lemma_suffix=meta.get("lemma_suffix") or None,
        role_gloss=bool(meta.get("role_gloss", False)),
        unmarked_official_side=meta.get("unmarked_official_side") or None,
        timex=data.get("timex", {}),
        word_tables={k: tuple(v) for k, v in data.get("words", {}).items()},
        sections={k: v for k, v in data.items()
                  if k not in ("pack", "words", "timex") and isinstance(v, dict)},
    )


def has_pack(code: str | None) -> bool:
    return bool(code) and code in available()


@cache
def _entries(code: str, name: str) -> tuple[str, ...]:
    pack = get_pack(code)
    if name in pack.word_tables:
        return pack.word_tables[name]
    path = _root() / code / f"{name}.txt"
    if not path.is_file():
        return ()
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return tuple(out)


@cache
def _words(code: str, name: str) -> frozenset[str]:
    return frozenset(_entries(code, name))
