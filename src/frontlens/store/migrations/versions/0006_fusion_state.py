"""fusion_state: what the last fusion run was built from (stale-picture warnings)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 00:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import frontlens.store.schema

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fusion_state",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("n_sources", sa.Integer(), nullable=False),
        sa.Column("n_extractions", sa.Integer(), nullable=False),
        sa.Column("last_extracted_at", frontlens.store.schema.UTCDateTime(timezone=True),
                  nullable=True),
        sa.Column("finished_at", frontlens.store.schema.UTCDateTime(timezone=True),
                  nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fusion_state")),
    )


def downgrade() -> None:
    op.drop_table("fusion_state")
