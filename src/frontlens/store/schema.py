"""Storage tables, one per record type in ``frontlens.model``.

Column names equal the record's field names (a test pins this), so rows convert to records with
``Model.model_validate(row._mapping)`` and back with ``record.model_dump()``. Types are chosen to
run unchanged on SQLite and PostgreSQL: JSON becomes JSONB on PostgreSQL, and datetimes are kept
in UTC because SQLite has no time zones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JsonType = JSON().with_variant(JSONB(), "postgresql")


@compiles(UnaryExpression, "sqlite")
def _sqlite_unary(element: UnaryExpression[Any], compiler: Any, **kw: Any) -> str:
    """``x DESC NULLS LAST`` is SQLite's own DESC order (NULL sorts lowest), and SQLite refuses
    the words in CREATE INDEX: written as plain DESC there, so one index definition serves
    the publication order (newest first, undated last) on both backends."""
    inner = element.element
    if (element.modifier is operators.nulls_last_op and isinstance(inner, UnaryExpression)
            and inner.modifier is operators.desc_op):
        return str(compiler.process(inner, **kw))
    return str(compiler.visit_unary(element, **kw))


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _provenance() -> list[Column[Any]]:
    return [
        Column("id", String(64), primary_key=True),
        Column(
            "source_id",
            String(64),
            ForeignKey("sources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("start", Integer, nullable=False),
        Column("end", Integer, nullable=False),
        Column("extractor", String(64), nullable=False),
        Column("extractor_version", String(32), nullable=False),
    ]


sources = Table(
    "sources",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("origin", Text, nullable=False),
    Column("external_id", String(256)),
    Column("url", Text),
    Column("outlet", String(256)),
    Column("author", String(256)),
    Column("title", Text),
    Column("language", String(8)),
    Column("language_score", Float),
    Column("published_at", UTCDateTime),
    Column("retrieved_at", UTCDateTime, nullable=False),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("media", JsonType, nullable=False),
    Column("forwarded_from", String(256)),
    Column("meta", JsonType, nullable=False),
)

places = Table(
    "places",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(256), nullable=False, index=True),
    Column("names", JsonType, nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("admin1", String(128)),
    Column("admin2", String(128)),
    Column("country", String(2)),
    Column("feature_class", String(32), nullable=False),
    Column("population", Integer),
    Column("precision", String(16), nullable=False),
)

actors = Table(
    "actors",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(256), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("side", String(8), nullable=False),
    Column("aliases", JsonType, nullable=False),
)

mentions = Table(
    "mentions",
    metadata,
    *_provenance(),
    Column("text", Text, nullable=False),
    Column("type", String(16), nullable=False, index=True),
    Column("resolved_id", String(64), index=True),
    Column("score", Float),
    Column("candidates", JsonType, nullable=False),
)

statements = Table(
    "statements",
    metadata,
    *_provenance(),
    Column("speaker", String(256)),
    Column("speaker_id", String(64)),
    Column("role", Text),
    Column("side", String(8), nullable=False),
    Column("cue", String(64)),
    Column("quote", Text, nullable=False),
    Column("quote_start", Integer),
    Column("quote_end", Integer),
    Column("direct", Boolean, nullable=False),
    Column("against_interest", Boolean, nullable=False),
)

control_events = Table(
    "control_events",
    metadata,
    *_provenance(),
    Column("place_id", String(64), index=True),
    Column("place_name", String(256), nullable=False),
    Column("action", String(16), nullable=False),
    Column("new_controller", String(8), nullable=False),
    Column("claimed_by", String(8), nullable=False),
    Column("claimant", String(256)),
    Column("event_date", Date, index=True),
    Column("time_precision", String(8), nullable=False),
    Column("hedged", Boolean, nullable=False),
    Column("actor", String(8), nullable=False, server_default="unknown"),
    Column("status", String(16), nullable=False, server_default="new", index=True),
    Column("date_source", String(16), nullable=False, server_default="none"),
    Column("confidence", Float),
)

equipment_losses = Table(
    "equipment_losses",
    metadata,
    *_provenance(),
    Column("catalog_type", String(128), index=True),
    Column("model_text", String(256), nullable=False),
    Column("category", String(128)),
    Column("side", String(8), nullable=False),
    Column("fate", String(16), nullable=False),
    Column("count", Integer, nullable=False),
    Column("evidence_urls", JsonType, nullable=False),
    Column("place_id", String(64)),
    Column("place_name", String(256)),
    Column("place_start", Integer),
    Column("place_end", Integer),
)

area_claims = Table(
    "area_claims",
    metadata,
    *_provenance(),
    Column("value_km2", Float, nullable=False),
    Column("raw_value", Float, nullable=False),
    Column("raw_unit", String(32), nullable=False),
    Column("qualifier", String(16), nullable=False),
    Column("claimed_by", String(8), nullable=False),
    Column("claimant", String(256)),
    Column("place_id", String(64)),
)

fusion_state = Table(
    "fusion_state",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("n_sources", Integer, nullable=False),
    Column("n_extractions", Integer, nullable=False),
    Column("last_extracted_at", UTCDateTime),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("config", String(64)),
    Column("generation", Integer, nullable=False, server_default="0"),
)
"""One row ("last"): what the last fusion run was built from, so a picture or brief read
after new sources or extractions can say it is stale; ``config`` fingerprints what fusion
depends on besides the records (code version, reliability table): incremental fusion is only
exact when it is unchanged. ``generation`` counts runs, so a server's caches notice any rewrite."""

store_writes = Table(
    "store_writes",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("n", BigInteger, nullable=False, server_default="0"),
)
"""One row ("last"): a counter that every committed write of sources or extracted records
moves (``frontlens.store.db.mark_written``), so a server can keep a list's filtered count
until the next write instead of counting it on every page."""

STALE_CONFIG = "stale: "
"""A ``fusion_state.config`` starting so says why the stored fusion no longer matches what it
reads (the rest of the value): the next ``frontlens fuse`` rebuilds, and pictures say so."""

fusion_sources = Table(
    "fusion_sources",
    metadata,
    Column("source_id", String(64), primary_key=True),
    Column("sort_us", BigInteger, nullable=False, index=True),
    Column("outlet_key", String(256), nullable=False, index=True),
    Column("language", String(8)),
    Column("signature", LargeBinary),
    Column("original", Boolean, nullable=False),
    Column("tweet_id", String(256), index=True),
    Column("outlet", String(256)),
    Column("media", Boolean),
    Column("letter", String(1)),
    Column("category", String(24)),
    Column("side", String(8)),
    Column("photos", Text),
)
"""The copy finder's state per fused source (incremental fusion): its place in publication
order (µs, undated last), outlet key, MinHash signature, whether it is an original (a
candidate for later copies) and its tweet id, so new sources are linked without re-reading
every text; and what grading reads of it (outlet, media, reliability letter, category, side
under the fingerprinted table; ``photos``: the dHashes of its photos, comma-separated, so a
near-identical photo is not counted as independent corroboration), so a refused place does not
read the sources' rows."""

fusion_bands = Table(
    "fusion_bands",
    metadata,
    Column("bucket", BigInteger, primary_key=True),
    Column("source_id", String(64), primary_key=True),
    sqlite_with_rowid=False,
)
"""LSH buckets of the originals (one 64-bit key per band of the signature): the candidates a
new source's text is compared with."""

evidence = Table(
    "evidence",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("origin", Text, nullable=False),
    Column("media_type", String(128)),
    Column("captured_at", UTCDateTime, nullable=False),
    Column("http_status", Integer),
    Column("headers", JsonType, nullable=False),
    Column("dhash", String(16)),
)
"""``dhash``: the perceptual hash of a kept photo (``evidence.photo_dhash``), so a re-encoded
or resized repost is recognised; NULL for inputs, videos and anything Pillow cannot read."""

map_layers = Table(
    "map_layers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(256), nullable=False),
    Column("origin", Text, nullable=False),
    Column("layer_date", Date, index=True),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("feature_count", Integer, nullable=False),
    Column("bbox", JsonType),
    Column("retrieved_at", UTCDateTime, nullable=False),
    Column("meta", JsonType, nullable=False),
)

map_features = Table(
    "map_features",
    metadata,
    Column(
        "layer_id", String(64), ForeignKey("map_layers.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("idx", Integer, primary_key=True),
    Column("status", String(64)),
    Column("name", Text),
    Column("geometry", JsonType, nullable=False),
    Column("properties", JsonType, nullable=False),
)

Index("ix_sources_outlet_external", sources.c.outlet, sources.c.external_id)
# lists page in publication order (newest first, undated last, then id): with the filter's
# column in front, a filtered page is a range of one index in that order, not a sort of every
# matching row (migration 0015); each also serves its column's equality and date ranges
PUBLICATION_ORDER = (sources.c.published_at.desc().nulls_last(), sources.c.id)
Index("ix_sources_published", *PUBLICATION_ORDER)
for _col in ("language", "kind", "outlet"):
    Index(f"ix_sources_{_col}_published", sources.c[_col], *PUBLICATION_ORDER)
# a source's records in the order record lists page them (source, then offset): joined to
# sources walked in publication order, a page of records needs no sort either
for _t in (mentions, statements, control_events, equipment_losses, area_claims):
    Index(f"ix_{_t.name}_source_start", _t.c.source_id, _t.c.start, _t.c.id)

extractions = Table(
    "extractions",
    metadata,
    Column("source_id", String(64), ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("extractor", String(64), primary_key=True),
    Column("version", String(32), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("reason", Text),
    Column("language", String(8)),
    Column("n_records", Integer, nullable=False),
    Column("processed_at", UTCDateTime, nullable=False),
)

# -- fusion output (frontlens.fuse); rebuilt wholesale by run_fusion, so no foreign keys to the
# extracted records (they may be re-extracted underneath) --------------------------------------

events = Table(
    "events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False, index=True),
    Column("place_id", String(64), index=True),
    Column("place_name", String(256)),
    Column("subject", String(256)),
    Column("action", String(32), nullable=False),
    Column("new_controller", String(8), nullable=False),
    Column("first_date", Date, index=True),
    Column("last_date", Date),
    Column("time_precision", String(8), nullable=False),
    Column("grade", String(8), nullable=False),
    Column("reliability", String(1), nullable=False),
    Column("credibility", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("n_sources_independent", Integer, nullable=False),
    Column("n_mentions", Integer, nullable=False),
    Column("both_sides", Boolean, nullable=False),
    Column("concession", Boolean, nullable=False),
    Column("photo", Boolean, nullable=False),
    Column("hedged_share", Float, nullable=False),
    Column("contradicted", Boolean, nullable=False),
    Column("explanation", JsonType, nullable=False),
)

event_evidence = Table(
    "event_evidence",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("record_type", String(32), nullable=False),
    Column("source_id", String(64), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("duplicate_of", String(64)),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
)

contradictions = Table(
    "contradictions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(24), nullable=False, index=True),
    Column("a_record_id", String(64), nullable=False),
    Column("a_source_id", String(64), nullable=False),
    Column("b_record_id", String(64), nullable=False),
    Column("b_source_id", String(64), nullable=False),
    Column("a_event_id", String(64)),
    Column("b_event_id", String(64)),
    Column("place_id", String(64), index=True),
    Column("place_name", String(256)),
    Column("a_date", Date),
    Column("b_date", Date),
    Column("reason", Text, nullable=False),
)

source_duplicates = Table(
    "source_duplicates",
    metadata,
    Column("source_id", String(64), primary_key=True),
    Column("canonical_id", String(64), index=True),
    Column("copied_outlet", String(256)),
    Column("method", String(16), nullable=False),
    Column("similarity", Float, nullable=False),
)

control_states = Table(
    "control_states",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("place_key", String(320), nullable=False, index=True),
    Column("place_id", String(64)),
    Column("place_name", String(256), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("controller", String(8), nullable=False),
    Column("since", Date, nullable=False),
    Column("until", Date),
    Column("grade", String(8), nullable=False),
    Column("score", Float, nullable=False),
    Column("disputed", Boolean, nullable=False),
    Column("event_ids", JsonType, nullable=False),
    Column("sources", JsonType, nullable=False),
)

# the as-of query reads `since <= d AND (until IS NULL OR until > d)`: one range scan
Index("ix_control_states_since_until", control_states.c.since, control_states.c.until)
Index("ix_events_score_id", events.c.score, events.c.id)
# incremental fusion finds re-extracted sources and the unresolved names of a place key
Index("ix_extractions_processed_at", extractions.c.processed_at)
Index("ix_control_events_place_name", control_events.c.place_name)
# "is this source done by this extractor version": the pending-sources page probes it once per
# source in id order; with the version in the index the probe never reads the table's rows, and
# consecutive probes land on the same index pages, so a page costs the same at any store size
# (through the primary key each probe fetched a row at a random place in the table)
Index("ux_extractions_source_extractor_version", extractions.c.source_id,
      extractions.c.extractor, extractions.c.version, unique=True)
