"""fusion_sources: the grading fields of each fused source (outlet, media, reliability letter,
category, side), so incremental fusion grades a place without reading the sources' rows

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # rows written before lack the fields; the fusion version changed with them, so the next
    # `frontlens fuse` is a full rebuild that fills them
    with op.batch_alter_table("fusion_sources") as batch:
        batch.add_column(sa.Column("outlet", sa.String(length=256), nullable=True))
        batch.add_column(sa.Column("media", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("letter", sa.String(length=1), nullable=True))
        batch.add_column(sa.Column("category", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("side", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fusion_sources") as batch:
        for name in ("side", "category", "letter", "media", "outlet"):
            batch.drop_column(name)
