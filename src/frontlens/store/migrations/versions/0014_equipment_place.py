"""equipment_losses.place_name, place_start, place_end: where an item was lost, as written, with
the offsets of that place mention, so the ledger can tell two items of one type apart

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # rows extracted before stay without a place; EXTRACTOR_VERSION changed with this, so the
    # next `frontlens extract` re-reads every source and fills them
    with op.batch_alter_table("equipment_losses") as batch:
        batch.add_column(sa.Column("place_name", sa.String(length=256), nullable=True))
        batch.add_column(sa.Column("place_start", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("place_end", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("equipment_losses") as batch:
        batch.drop_column("place_end")
        batch.drop_column("place_start")
        batch.drop_column("place_name")
