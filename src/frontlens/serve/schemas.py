"""Response shapes of the JSON API.

Records are the ones from ``frontlens.model`` (and the report dataclasses), returned as they
are; this module only adds envelopes (a page, an event with its evidence) and the few rows
that are joins of records with their source (a citation). Source text is always a plain JSON
string: the dashboard renders it as text, never as markup.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from frontlens.model import (
    AreaClaim,
    Contradiction,
    ControlEvent,
    ControlState,
    EquipmentLoss,
    Event,
    EventEvidence,
    Evidence,
    Mention,
    Source,
    Statement,
)

T = TypeVar("T")

AnyRecord = ControlEvent | EquipmentLoss | Statement | AreaClaim | Mention


class Page(BaseModel, Generic[T]):
    """A slice of a longer list: ``total`` matches, ``items`` from ``offset``."""

    total: int
    limit: int
    offset: int
    items: list[T]
    next: str | None = Field(None, description="Cursor of the next page where the endpoint "
                             "supports keyset paging (pass it as ``after``); null on the last.")


class CitedRecord(BaseModel):
    """An extracted record with the sentence it rests on and where that was published."""

    type: str
    record: AnyRecord
    sentence: str
    outlet: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    language: str | None = None


class SourceDetail(BaseModel):
    """A source, every record extracted from it (keyed by record type) and what is preserved
    of it: its original input and kept media, with SHA-256 and, for photos, the dHash."""

    source: Source
    records: dict[str, list[AnyRecord]]
    evidence: list[Evidence] = Field(default_factory=list)


class CitedEvidence(EventEvidence):
    """A piece of an event's evidence with its citation: the sentence and its char span."""

    outlet: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    sentence: str = ""
    media: list[str] = Field(default_factory=list)
    evidence_urls: list[str] = Field(default_factory=list)


class EventDetail(BaseModel):
    event: Event
    evidence: list[CitedEvidence]
    explain: str = Field(description="The `frontlens explain` text: why the event has its grade.")


class PictureEntry(BaseModel):
    """Who holds one place on the requested day (a row of ``fuse.picture.picture``)."""

    place: str
    place_id: str | None
    lat: float | None
    lon: float | None
    controller: str
    since: date
    until: date | None
    grade: str
    score: float
    disputed: bool
    approximate: bool = False
    sources: list[str]


class TimelineStep(BaseModel):
    state: ControlState
    evidence: list[CitedEvidence]


class CitedContradiction(Contradiction):
    """A contradiction with both sides' outlet and quoted sentence."""

    a_outlet: str | None = None
    a_quote: str = ""
    b_outlet: str | None = None
    b_quote: str = ""


class SearchResult(BaseModel):
    source: Source
    rank: float
    snippet: str
    match_start: int | None
    match_end: int | None


class IngestRequest(BaseModel):
    url: str = Field(description="http(s) URL to fetch; private addresses are refused.",
                     pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s\x1c-\x1f\x85]+$", max_length=2048)
    format: str | None = Field(None, description="Force an input format (see /api/stats).")


class IngestResult(BaseModel):
    """The per-input report, plus the extract and fusion reports when they were asked for."""

    origin: str
    format: str | None
    added: int
    skipped: int
    error: str | None
    item_errors: list[str]
    extract: dict[str, Any] | None = None
    fusion: dict[str, Any] | None = None


class Stats(BaseModel):
    counts: dict[str, int]
    by_language: dict[str, int]
    by_kind: dict[str, int]
    read_only: bool
    writes_enabled: bool
    newest_source: datetime | None = None
    """The latest publication time of a stored source (undated sources do not count)."""
    newest_retrieved: datetime | None = None
    """When the most recently retrieved source was fetched or read."""
    fused_at: datetime | None = None
    """When the last fusion run finished (None: never fused)."""
    fusion_stale: str | None = None
    """Why the fused picture is older than the stored records (None when it is current)."""


class Problem(BaseModel):
    """An error body: what was wrong with the request (a sentence, or the validation errors)."""

    detail: str | list[dict[str, Any]]
