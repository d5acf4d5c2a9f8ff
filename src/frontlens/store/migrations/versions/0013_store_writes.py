"""store_writes: a counter moved by every committed write of sources or extracted records

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "store_writes",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_writes")),
    )
    op.bulk_insert(table, [{"id": "last", "n": 0}])


def downgrade() -> None:
    op.drop_table("store_writes")
