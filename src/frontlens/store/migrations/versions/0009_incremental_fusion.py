"""incremental fusion: the copy finder's state per source (fusion_sources, fusion_bands), the
fusion config fingerprint and run counter (fusion_state), indexes to find re-extracted
sources and a place's unresolved names

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fusion_state") as batch:
        batch.add_column(sa.Column("config", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("generation", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.create_table(
        "fusion_sources",
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("sort_us", sa.BigInteger(), nullable=False),
        sa.Column("outlet_key", sa.String(length=256), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("original", sa.Boolean(), nullable=False),
        sa.Column("tweet_id", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_fusion_sources")),
    )
    op.create_index(op.f("ix_fusion_sources_sort_us"), "fusion_sources", ["sort_us"])
    op.create_index(op.f("ix_fusion_sources_outlet_key"), "fusion_sources", ["outlet_key"])
    op.create_index(op.f("ix_fusion_sources_tweet_id"), "fusion_sources", ["tweet_id"])
    op.create_table(
        "fusion_bands",
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "source_id", name=op.f("pk_fusion_bands")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_extractions_processed_at", "extractions", ["processed_at"])
    op.create_index("ix_control_events_place_name", "control_events", ["place_name"])


def downgrade() -> None:
    op.drop_index("ix_control_events_place_name", table_name="control_events")
    op.drop_index("ix_extractions_processed_at", table_name="extractions")
    op.drop_table("fusion_bands")
    op.drop_index(op.f("ix_fusion_sources_tweet_id"), table_name="fusion_sources")
    op.drop_index(op.f("ix_fusion_sources_outlet_key"), table_name="fusion_sources")
    op.drop_index(op.f("ix_fusion_sources_sort_us"), table_name="fusion_sources")
    op.drop_table("fusion_sources")
    with op.batch_alter_table("fusion_state") as batch:
        batch.drop_column("generation")
        batch.drop_column("config")
