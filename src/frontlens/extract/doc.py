"""The shared document that extraction components read and annotate (spaCy's ``Doc`` idea).

A pipeline is a list of components, each a plain function ``Doc -> Doc`` registered by name.
Components add spans (entities, places, times) and, at the end, typed records
(``frontlens.model``) whose provenance points at char offsets in ``Doc.text`` — which is
exactly ``Source.text``, so every record can be traced back to its sentence.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from frontlens.model import Extracted, Place, Side, TimePrecision

PlaceKind = Literal["settlement", "oblast-or-region", "country", "river-or-other"]


@dataclass
class EntitySpan:
    """A named entity from a language's NER (or rules): PER, ORG, LOC, NORP..."""

    start: int
    end: int
    label: str
    text: str
    via: str = ""


@dataclass
class PlaceMention:
    """A recognised toponym, and what the resolver made of it."""

    start: int
    end: int
    surface: str
    kind: PlaceKind = "settlement"
    place: Place | None = None
    score: float = 0.0
    candidates: list[Place] = field(default_factory=list)
    usage: Literal["literal", "metonymic"] = "literal"
    via: str = ""

    @property
    def name(self) -> str:
        return self.place.name if self.place else self.surface


@dataclass
class TimeExpr:
    """A time expression resolved against the publication date."""

    start: int
    end: int
    text: str
    value: date | None
    precision: TimePrecision = "day"


@dataclass
class Speaker:
    """A person or organisation quoted or cited in the text."""

    name: str | None
    role: str | None = None
    side: Side = "unknown"
    start: int = -1
    end: int = -1


@dataclass
class Doc:
    text: str
    lang: str | None = None
    published: date | None = None
    source_id: str = ""
    sents: list[tuple[int, int]] = field(default_factory=list)
    ents: list[EntitySpan] = field(default_factory=list)
    places: list[PlaceMention] = field(default_factory=list)
    times: list[TimeExpr] = field(default_factory=list)
    records: list[Extracted] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    user: dict[str, Any] = field(default_factory=dict)  # components' scratch (e.g. spaCy Doc)

    def sentence_of(self, pos: int) -> tuple[int, int]:
        """The (start, end) of the sentence containing ``pos``: the whole text if unsegmented,
        the empty span (pos, pos) when ``pos`` falls in the space between two sentences."""
        if not self.sents:
            return 0, len(self.text)
        k = bisect_right(self.sents, (pos, len(self.text) + 1)) - 1
        if k >= 0 and self.sents[k][0] <= pos < self.sents[k][1]:
            return self.sents[k]
        return pos, pos


Component = Callable[[Doc], Doc]
COMPONENTS: dict[str, Component] = {}


def component(name: str) -> Callable[[Component], Component]:
    """Register a pipeline component under ``name`` (as spaCy's ``Language.component``)."""

    def register(fn: Component) -> Component:
        COMPONENTS[name] = fn
        return fn

    return register


EXTRACTOR_NAME = "frontlens-rules"
EXTRACTOR_VERSION = "0.4.3"  # bump to make `frontlens extract` re-process every source


def provenance(doc: Doc, start: int, end: int, extractor: str = EXTRACTOR_NAME) -> dict[str, Any]:
    """Keyword arguments for an ``Extracted`` record supported by ``doc.text[start:end]``."""
    return {
        "source_id": doc.source_id,
        "start": start,
        "end": end,
        "extractor": extractor,
        "extractor_version": EXTRACTOR_VERSION,
    }
