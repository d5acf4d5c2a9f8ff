"""The one data model of frontlens.

Every stage (ingest, extract, fuse, store, serve, export) passes these records. Storage tables
are derived from them (see ``store/schema.py``) and a test pins that the two stay in step, so
there is no second, ad-hoc shape of the same thing anywhere.

Extracted records inherit :class:`Extracted`, which carries provenance: the source, the char span
of the supporting text in ``Source.text``, and the extractor name and version that produced it.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from frontlens.config import now

Side = Literal["UA", "RU", "US", "other", "unknown"]
SourceKind = Literal["article", "text", "feed_item", "telegram", "tweet"]
TimePrecision = Literal["day", "week", "month", "year", "unknown"]
MentionType = Literal["place", "person", "org", "unit", "equipment", "quantity", "time"]
ControlAction = Literal[
    "liberated", "captured", "withdrew", "entered", "advanced_toward", "encircled", "shelled",
    "held", "fighting",
]
Fate = Literal["destroyed", "damaged", "abandoned", "captured", "unknown"]
ClaimStatus = Literal["new", "recalled", "denied", "hypothetical"]
# where an event date came from: the text itself, a dateline, or only the publication date
DateSource = Literal["text", "dateline", "publication", "none"]


class Record(BaseModel):
    """Base for all records: strict about unknown fields, so a typo never vanishes silently."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def utc(dt: datetime | None) -> datetime | None:
    """Normalise to aware UTC; naive datetimes are taken to already be UTC."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_str(text: str) -> str:
    """No NULs and no lone UTF-16 surrogates (JSON can spell "\\ud800"; UTF-8, and so
    PostgreSQL, cannot store it): the same string on every database."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def clean_json(value: Any, depth: int = 0) -> Any:
    """``clean_str`` through a JSON value; NaN and infinities (not JSON, refused by JSONB)
    become null."""
    if isinstance(value, str):
        return clean_str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if depth > 64:
        return value
    if isinstance(value, dict):
        return {clean_str(str(k)): clean_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(v, depth + 1) for v in value]
    return value


def normalise_text(text: str) -> str:
    """NFC, unified newlines, no NULs: the form in which text is hashed, stored and spanned."""
    text = unicodedata.normalize("NFC", clean_str(text))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


SHORT_FIELDS = ("external_id", "outlet", "author", "forwarded_from")
"""Source fields stored as VARCHAR(256)."""


class Source(Record):
    """A document or post as ingested: the unit every extracted fact points back to.

    ``id`` is derived from what identifies the item (kind, native id or url, content hash),
    so ingesting the same content twice yields the same id and is a no-op.
    """

    id: str = ""
    kind: SourceKind
    origin: str = Field(description="File path or URL the item was ingested from.")
    external_id: str | None = Field(None, description="Native id: Telegram message, tweet, guid.")
    url: str | None = None
    outlet: str | None = Field(None, description="Publication, Telegram channel or X account.")
    author: str | None = None
    title: str | None = None
    language: str | None = Field(None, description="ISO 639-1 code; None when undetermined.")
    language_score: float | None = None
    published_at: datetime | None = None
    retrieved_at: datetime = Field(default_factory=now)
    content_hash: str = ""
    text: str
    media: list[str] = Field(default_factory=list, description="Photo/video links or paths.")
    forwarded_from: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    @field_validator("published_at", "retrieved_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        return utc(v)

    @field_validator("text")
    @classmethod
    def _norm(cls, v: str) -> str:
        return normalise_text(v)

    @field_validator("origin", "external_id", "url", "outlet", "author", "title",
                     "forwarded_from", "language")
    @classmethod
    def _clean(cls, v: str | None) -> str | None:
        return clean_str(v) if v is not None else None

    @field_validator("meta", "media")
    @classmethod
    def _clean_json(cls, v: Any) -> Any:
        return clean_json(v)

    @model_validator(mode="before")
    @classmethod
    def _fit_columns(cls, data: Any) -> Any:
        """Names longer than their column (256 characters) are cut, and the cut is noted in
        ``meta["truncated"]``: an input is never refused on one database and kept on another."""
        if not isinstance(data, dict):
            return data
        cut = [k for k in SHORT_FIELDS if isinstance(data.get(k), str) and len(data[k]) > 256]
        if not cut:
            return data
        meta = dict(data.get("meta") or {}) if isinstance(data.get("meta"), dict | None) \
            else data.get("meta")
        if isinstance(meta, dict):
            meta["truncated"] = {k: len(data[k]) for k in cut}
        return {**data, **{k: data[k][:256] for k in cut}, "meta": meta}

    @model_validator(mode="after")
    def _derive_ids(self) -> Source:
        if not self.content_hash:
            object.__setattr__(
                self, "content_hash", content_hash((self.title or "") + "\n" + self.text)
            )
        if not self.id:
            # outlet is left out: an archive may not know the handle a JSON Lines copy names
            ident = "|".join([self.kind, self.external_id or self.url or "", self.content_hash])
            object.__setattr__(self, "id", "src-" + hashlib.sha256(ident.encode()).hexdigest()[:20])
        return self


class Extracted(Record):
    """Provenance shared by every extracted record."""

    id: str = ""
    source_id: str
    start: int = Field(ge=0, description="Char offset of the supporting span in Source.text.")
    end: int = Field(ge=0)
    extractor: str
    extractor_version: str

    @model_validator(mode="after")
    def _span_and_id(self) -> Extracted:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} before start {self.start}")
        if not self.id:
            ident = f"{type(self).__name__}|{self.source_id}|{self.start}|{self.end}|" + "|".join(
                str(getattr(self, k)) for k in self._identity_fields()
            )
            prefix = type(self).__name__.lower()[:3]
            object.__setattr__(
                self, "id", f"{prefix}-" + hashlib.sha256(ident.encode()).hexdigest()[:20]
            )
        return self

    def _identity_fields(self) -> tuple[str, ...]:
        return ()


class Place(Record):
    """A gazetteer entry."""

    id: str = Field(description="Gazetteer id, e.g. 'wof:101751737', 'gn:706483', 'katotth:UA...'.")
    name: str
    names: list[str] = Field(default_factory=list)
    lat: float | None = None
    lon: float | None = None
    admin1: str | None = Field(None, description="Oblast or first-level region.")
    admin2: str | None = None
    country: str | None = Field(None, description="ISO 3166-1 alpha-2.")
    feature_class: str = Field("settlement", description="settlement | region | country | other")
    population: int | None = None
    precision: str = Field(
        "point", description="point | centroid | region | hromada (approximate: the centre of "
        "the settlement's hromada, for villages the gazetteer has no point for)")


class Actor(Record):
    id: str
    name: str
    kind: Literal["person", "organisation", "unit"]
    side: Side = "unknown"
    aliases: list[str] = Field(default_factory=list)


class Mention(Extracted):
    """A recognised span (a place, person, model name...), resolved or not."""

    text: str
    type: MentionType
    resolved_id: str | None = Field(None, description="Place or actor id when resolved.")
    score: float | None = None
    candidates: list[str] = Field(default_factory=list)

    def _identity_fields(self) -> tuple[str, ...]:
        return ("type",)


class Statement(Extracted):
    speaker: str | None = None
    speaker_id: str | None = None
    role: str | None = None
    side: Side = "unknown"
    cue: str | None = None
    quote: str
    quote_start: int | None = None
    quote_end: int | None = None
    direct: bool = True
    against_interest: bool = False


class ControlEvent(Extracted):
    place_id: str | None = None
    place_name: str
    action: ControlAction
    new_controller: Side = "unknown"
    claimed_by: Side = "unknown"
    claimant: str | None = None
    event_date: date | None = None
    time_precision: TimePrecision = "unknown"
    hedged: bool = False
    actor: Side = Field("unknown", description="The side that did the action.")
    status: ClaimStatus = Field(
        "new", description="new | recalled (background) | denied | hypothetical (planned, "
        "feared); only 'new' claims enter the timeline.")
    date_source: DateSource = Field(
        "none", description="Where event_date came from; 'publication' dates are never "
        "day-precise facts about the event.")
    confidence: float | None = Field(
        None, ge=0, le=1, description="Calibrated probability from the learned decision layer.")

    def _identity_fields(self) -> tuple[str, ...]:
        return ("place_name", "action")


class EquipmentLoss(Extracted):
    catalog_type: str | None = Field(None, description="Catalog model id, e.g. '2K22 Tunguska'.")
    model_text: str
    category: str | None = None
    side: Side = "unknown"
    fate: Fate = "unknown"
    count: int = Field(1, ge=1)
    evidence_urls: list[str] = Field(default_factory=list)
    place_id: str | None = Field(None, description="Gazetteer id of where it was lost.")
    place_name: str | None = Field(
        None, description="Where it was lost, as written: the settlement or region named in the "
        "item's clause, or, when the clause points back ('nearby', 'поруч'), in the sentence "
        "before. None where the text does not say; telling items apart needs it.")
    place_start: int | None = Field(None, ge=0, description="Offsets of that place mention "
                                    "in the source text (its provenance).")
    place_end: int | None = Field(None, ge=0)

    def _identity_fields(self) -> tuple[str, ...]:
        return ("model_text", "fate")


class AreaClaim(Extracted):
    value_km2: float = Field(ge=0)
    raw_value: float
    raw_unit: str
    qualifier: Literal["exact", "more_than", "less_than", "about", "up_to"] = "exact"
    claimed_by: Side = "unknown"
    claimant: str | None = None
    place_id: str | None = None


class MapFeature(Record):
    """One polygon of a control-map layer; status comes from the layer's own encoding."""

    layer_id: str
    idx: int
    status: str | None = None
    name: str | None = None
    geometry: dict[str, Any]
    properties: dict[str, Any] = Field(default_factory=dict)


class Evidence(Record):
    """An original as it was received (an input file, a fetched body, a photo named by an
    export), kept content-addressed: ``sha256`` is both its id and its file name in the
    evidence folder, so a later re-hash proves the cited text is what was retrieved."""

    sha256: str = Field(min_length=64, max_length=64)
    size: int = Field(ge=0)
    kind: Literal["input", "media"]
    origin: str = Field(description="File path or URL it was read from.")
    media_type: str | None = None
    captured_at: datetime = Field(default_factory=now)
    http_status: int | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    dhash: str | None = Field(
        None, pattern=r"^[0-9a-f]{16}$",
        description="A photo's 64-bit perceptual difference hash (16 hex digits): a "
        "re-encoded or resized copy differs in a few bits. None for what is not an image.")

    @field_validator("captured_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return utc(v)  # type: ignore[return-value]

    @field_validator("origin")
    @classmethod
    def _clean(cls, v: str) -> str:
        return clean_str(v)


class MapLayer(Record):
    """A dated control-map snapshot (GeoJSON), kept as geometry, not as text."""

    id: str = ""
    name: str
    origin: str
    layer_date: date | None = None
    content_hash: str
    feature_count: int = 0
    bbox: list[float] | None = None
    retrieved_at: datetime = Field(default_factory=now)
    meta: dict[str, Any] = Field(default_factory=dict)

    @field_validator("retrieved_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return utc(v)  # type: ignore[return-value]

    @model_validator(mode="after")
    def _derive_id(self) -> MapLayer:
        if not self.id:
            object.__setattr__(self, "id", "map-" + self.content_hash[:20])
        return self


class Extraction(Record):
    """That a source was processed by an extractor version, and how it went.

    Makes ``frontlens extract`` incremental (sources already done by the current version are
    skipped) and keeps the reason when a source could not be processed (no letters, unknown
    language...), so nothing is silently dropped.
    """

    source_id: str
    extractor: str
    version: str
    status: Literal["ok", "fallback", "skipped", "failed"]
    reason: str | None = None
    language: str | None = None
    n_records: int = 0
    processed_at: datetime = Field(default_factory=now)

    @field_validator("processed_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return utc(v)  # type: ignore[return-value]


EXTRACTED_TYPES: tuple[type[Extracted], ...] = (
    Mention,
    Statement,
    ControlEvent,
    EquipmentLoss,
    AreaClaim,
)


# -- fusion output (frontlens.fuse): derived from the records above, rebuilt by `frontlens fuse` --

EventKind = Literal["control", "equipment", "statement"]
EvidenceRole = Literal["supporting", "contradicting"]


class Event(Record):
    """One real-world event fused from many mentions, with its Admiralty grade.

    ``kind`` says which records it fuses: control events (the main case), equipment losses
    (``subject`` = catalog type, ``action`` = fate) or statements (``subject`` = speaker).
    ``grade`` is letter (source reliability) + digit (information credibility), or "unknown"
    when the event has no date or no place, so it is kept but never put on the map.
    """

    id: str
    kind: EventKind = "control"
    place_id: str | None = None
    place_name: str | None = None
    subject: str | None = None
    action: str
    new_controller: Side = "unknown"
    first_date: date | None = None
    last_date: date | None = None
    time_precision: TimePrecision = "unknown"
    grade: str = "unknown"
    reliability: str = "F"
    credibility: int = Field(6, ge=1, le=6)
    score: float = 0.0
    n_sources_independent: int = 0
    n_mentions: int = 0
    both_sides: bool = False
    concession: bool = False
    photo: bool = False
    hedged_share: float = 0.0
    contradicted: bool = False
    explanation: dict[str, Any] = Field(default_factory=dict)


class EventEvidence(Record):
    """A record's part in an event; a copy keeps its link but names what it copies."""

    event_id: str
    record_id: str
    record_type: str
    source_id: str
    role: EvidenceRole = "supporting"
    duplicate_of: str | None = Field(None, description="Source id this evidence copies.")
    start: int = 0
    end: int = 0


class Contradiction(Record):
    """Two records that cannot both be true, each citable by source span."""

    id: str
    kind: Literal["control_conflict", "denial", "area_figures"]
    a_record_id: str
    a_source_id: str
    b_record_id: str
    b_source_id: str
    a_event_id: str | None = None
    b_event_id: str | None = None
    place_id: str | None = None
    place_name: str | None = None
    a_date: date | None = None
    b_date: date | None = None
    reason: str


class SourceDuplicate(Record):
    """A source that copies another (near-duplicate text, forward, quote or translation)."""

    source_id: str
    canonical_id: str | None = Field(None, description="The copied source, when it is stored.")
    copied_outlet: str | None = Field(None, description="Outlet copied (forwards) when known.")
    method: Literal["exact", "minhash", "forward", "quote", "translation"]
    similarity: float = 1.0


class ControlState(Record):
    """One step of a settlement's control timeline: precomputed so as-of queries are one read."""

    id: str
    place_key: str
    place_id: str | None = None
    place_name: str
    lat: float | None = None
    lon: float | None = None
    controller: Side
    since: date
    until: date | None = Field(None, description="Exclusive end: the next state's start.")
    grade: str
    score: float
    disputed: bool = False
    event_ids: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)


FUSED_TYPES: tuple[type[Record], ...] = (
    Event, EventEvidence, Contradiction, SourceDuplicate, ControlState,
)
