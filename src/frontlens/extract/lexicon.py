"""Word lists as versioned data (``frontlens/data/lexicon/*.txt``), not literals in code.

One entry per line; ``#`` starts a comment; blank lines are ignored. Editing a list changes
behaviour without touching code; bump ``EXTRACTOR_VERSION`` so stored sources are re-extracted.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def words(name: str) -> frozenset[str]:
    return frozenset(entries(name))


@cache
def entries(name: str) -> tuple[str, ...]:
    """Entries of ``data/lexicon/<name>.txt`` in file order."""
    text = (files("frontlens") / "data" / "lexicon" / f"{name}.txt").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return tuple(out)
