"""control events: actor, claim status, where the date came from, learned confidence

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("control_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor", sa.String(length=8), nullable=False,
                                      server_default="unknown"))
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=False,
                                      server_default="new"))
        batch_op.add_column(sa.Column("date_source", sa.String(length=16), nullable=False,
                                      server_default="none"))
        batch_op.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch_op.create_index(batch_op.f("ix_control_events_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("control_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_events_status"))
        batch_op.drop_column("confidence")
        batch_op.drop_column("date_source")
        batch_op.drop_column("status")
        batch_op.drop_column("actor")
