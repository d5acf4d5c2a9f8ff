"""fusion output: events, evidence, contradictions, source duplicates, control states

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 19:50:35.917938
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contradictions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("a_record_id", sa.String(length=64), nullable=False),
        sa.Column("a_source_id", sa.String(length=64), nullable=False),
        sa.Column("b_record_id", sa.String(length=64), nullable=False),
        sa.Column("b_source_id", sa.String(length=64), nullable=False),
        sa.Column("a_event_id", sa.String(length=64), nullable=True),
        sa.Column("b_event_id", sa.String(length=64), nullable=True),
        sa.Column("place_id", sa.String(length=64), nullable=True),
        sa.Column("place_name", sa.String(length=256), nullable=True),
        sa.Column("a_date", sa.Date(), nullable=True),
        sa.Column("b_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contradictions")),
    )
    with op.batch_alter_table("contradictions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contradictions_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_contradictions_place_id"), ["place_id"], unique=False)

    op.create_table(
        "control_states",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("place_key", sa.String(length=320), nullable=False),
        sa.Column("place_id", sa.String(length=64), nullable=True),
        sa.Column("place_name", sa.String(length=256), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("controller", sa.String(length=8), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column(
            "event_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "sources",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_states")),
    )
    with op.batch_alter_table("control_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_control_states_place_key"), ["place_key"], unique=False
        )
        batch_op.create_index("ix_control_states_since_until", ["since", "until"], unique=False)

    op.create_table(
        "event_evidence",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("duplicate_of", sa.String(length=64), nullable=True),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "record_id", name=op.f("pk_event_evidence")),
    )
    with op.batch_alter_table("event_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_evidence_source_id"), ["source_id"], unique=False
        )

    op.create_table(
        "events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("place_id", sa.String(length=64), nullable=True),
        sa.Column("place_name", sa.String(length=256), nullable=True),
        sa.Column("subject", sa.String(length=256), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("new_controller", sa.String(length=8), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=True),
        sa.Column("last_date", sa.Date(), nullable=True),
        sa.Column("time_precision", sa.String(length=8), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.Column("reliability", sa.String(length=1), nullable=False),
        sa.Column("credibility", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("n_sources_independent", sa.Integer(), nullable=False),
        sa.Column("n_mentions", sa.Integer(), nullable=False),
        sa.Column("both_sides", sa.Boolean(), nullable=False),
        sa.Column("concession", sa.Boolean(), nullable=False),
        sa.Column("photo", sa.Boolean(), nullable=False),
        sa.Column("hedged_share", sa.Float(), nullable=False),
        sa.Column("contradicted", sa.Boolean(), nullable=False),
        sa.Column(
            "explanation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_first_date"), ["first_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_place_id"), ["place_id"], unique=False)

    op.create_table(
        "source_duplicates",
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("canonical_id", sa.String(length=64), nullable=True),
        sa.Column("copied_outlet", sa.String(length=256), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_source_duplicates")),
    )
    with op.batch_alter_table("source_duplicates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_source_duplicates_canonical_id"), ["canonical_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("source_duplicates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_duplicates_canonical_id"))

    op.drop_table("source_duplicates")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_place_id"))
        batch_op.drop_index(batch_op.f("ix_events_kind"))
        batch_op.drop_index(batch_op.f("ix_events_first_date"))

    op.drop_table("events")
    with op.batch_alter_table("event_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_evidence_source_id"))

    op.drop_table("event_evidence")
    with op.batch_alter_table("control_states", schema=None) as batch_op:
        batch_op.drop_index("ix_control_states_since_until")
        batch_op.drop_index(batch_op.f("ix_control_states_place_key"))

    op.drop_table("control_states")
    with op.batch_alter_table("contradictions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contradictions_place_id"))
        batch_op.drop_index(batch_op.f("ix_contradictions_kind"))

    op.drop_table("contradictions")
