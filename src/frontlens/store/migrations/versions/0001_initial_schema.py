"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 19:25:45.849057
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import frontlens.store.schema

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "actors",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column(
            "aliases",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actors")),
    )
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actors_name"), ["name"], unique=False)

    op.create_table(
        "map_layers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("layer_date", sa.Date(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("feature_count", sa.Integer(), nullable=False),
        sa.Column(
            "bbox",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "retrieved_at", frontlens.store.schema.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "meta",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_map_layers")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_map_layers_content_hash")),
    )
    with op.batch_alter_table("map_layers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_map_layers_layer_date"), ["layer_date"], unique=False)

    op.create_table(
        "places",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column(
            "names",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("admin1", sa.String(length=128), nullable=True),
        sa.Column("admin2", sa.String(length=128), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("feature_class", sa.String(length=32), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("precision", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
    )
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_places_name"), ["name"], unique=False)

    op.create_table(
        "sources",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("external_id", sa.String(length=256), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("outlet", sa.String(length=256), nullable=True),
        sa.Column("author", sa.String(length=256), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("language_score", sa.Float(), nullable=True),
        sa.Column("published_at", frontlens.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "retrieved_at", frontlens.store.schema.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "media",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("forwarded_from", sa.String(length=256), nullable=True),
        sa.Column(
            "meta",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
    )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sources_content_hash"), ["content_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_sources_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_sources_language"), ["language"], unique=False)
        batch_op.create_index(batch_op.f("ix_sources_outlet"), ["outlet"], unique=False)
        batch_op.create_index("ix_sources_outlet_external", ["outlet", "external_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sources_published_at"), ["published_at"], unique=False)

    op.create_table(
        "area_claims",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.Column("value_km2", sa.Float(), nullable=False),
        sa.Column("raw_value", sa.Float(), nullable=False),
        sa.Column("raw_unit", sa.String(length=32), nullable=False),
        sa.Column("qualifier", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=8), nullable=False),
        sa.Column("claimant", sa.String(length=256), nullable=True),
        sa.Column("place_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_area_claims_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_claims")),
    )
    with op.batch_alter_table("area_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_claims_source_id"), ["source_id"], unique=False)

    op.create_table(
        "control_events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.Column("place_id", sa.String(length=64), nullable=True),
        sa.Column("place_name", sa.String(length=256), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("new_controller", sa.String(length=8), nullable=False),
        sa.Column("claimed_by", sa.String(length=8), nullable=False),
        sa.Column("claimant", sa.String(length=256), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("time_precision", sa.String(length=8), nullable=False),
        sa.Column("hedged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_control_events_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_events")),
    )
    with op.batch_alter_table("control_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_control_events_event_date"), ["event_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_control_events_place_id"), ["place_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_control_events_source_id"), ["source_id"], unique=False
        )

    op.create_table(
        "equipment_losses",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.Column("catalog_type", sa.String(length=128), nullable=True),
        sa.Column("model_text", sa.String(length=256), nullable=False),
        sa.Column("category", sa.String(length=128), nullable=True),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("fate", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column(
            "evidence_urls",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("place_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_equipment_losses_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment_losses")),
    )
    with op.batch_alter_table("equipment_losses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_equipment_losses_catalog_type"), ["catalog_type"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_equipment_losses_source_id"), ["source_id"], unique=False
        )

    op.create_table(
        "map_features",
        sa.Column("layer_id", sa.String(length=64), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column(
            "geometry",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "properties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["layer_id"],
            ["map_layers.id"],
            name=op.f("fk_map_features_layer_id_map_layers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("layer_id", "idx", name=op.f("pk_map_features")),
    )
    op.create_table(
        "mentions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("resolved_id", sa.String(length=64), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column(
            "candidates",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_mentions_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentions")),
    )
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentions_resolved_id"), ["resolved_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentions_source_id"), ["source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentions_type"), ["type"], unique=False)

    op.create_table(
        "statements",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("extractor", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.Column("speaker", sa.String(length=256), nullable=True),
        sa.Column("speaker_id", sa.String(length=64), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("cue", sa.String(length=64), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("quote_start", sa.Integer(), nullable=True),
        sa.Column("quote_end", sa.Integer(), nullable=True),
        sa.Column("direct", sa.Boolean(), nullable=False),
        sa.Column("against_interest", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_statements_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
    )
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statements_source_id"), ["source_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statements_source_id"))

    op.drop_table("statements")
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentions_type"))
        batch_op.drop_index(batch_op.f("ix_mentions_source_id"))
        batch_op.drop_index(batch_op.f("ix_mentions_resolved_id"))

    op.drop_table("mentions")
    op.drop_table("map_features")
    with op.batch_alter_table("equipment_losses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_equipment_losses_source_id"))
        batch_op.drop_index(batch_op.f("ix_equipment_losses_catalog_type"))

    op.drop_table("equipment_losses")
    with op.batch_alter_table("control_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_events_source_id"))
        batch_op.drop_index(batch_op.f("ix_control_events_place_id"))
        batch_op.drop_index(batch_op.f("ix_control_events_event_date"))

    op.drop_table("control_events")
    with op.batch_alter_table("area_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_claims_source_id"))

    op.drop_table("area_claims")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sources_published_at"))
        batch_op.drop_index("ix_sources_outlet_external")
        batch_op.drop_index(batch_op.f("ix_sources_outlet"))
        batch_op.drop_index(batch_op.f("ix_sources_language"))
        batch_op.drop_index(batch_op.f("ix_sources_kind"))
        batch_op.drop_index(batch_op.f("ix_sources_content_hash"))

    op.drop_table("sources")
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_places_name"))

    op.drop_table("places")
    with op.batch_alter_table("map_layers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_map_layers_layer_date"))

    op.drop_table("map_layers")
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actors_name"))

    op.drop_table("actors")
