"""events: index on (score, id), the order /api/events pages in (keyset paging)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 00:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_score_id", "events", ["score", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_events_score_id", table_name="events")
