"""evidence: originals kept content-addressed (input files, fetched bodies, export photos)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import frontlens.store.schema

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(length=128), nullable=True),
        sa.Column("captured_at", frontlens.store.schema.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("headers",
                  sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_evidence")),
    )


def downgrade() -> None:
    op.drop_table("evidence")
