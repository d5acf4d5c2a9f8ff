"""indexes in the lists' publication order: sources by (filter column, published_at DESC NULLS
LAST, id) and each record table by (source_id, start, id), so a filtered page of
/api/sources or /api/records/{type} is an index range in keyset order instead of a sort of
every matching row; they replace the single-column indexes they start with

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILTERS = ("language", "kind", "outlet")
RECORD_TABLES = ("mentions", "statements", "control_events", "equipment_losses", "area_claims")


def _newest_first() -> sa.TextClause:
    # SQLite's DESC already puts NULL last and it refuses NULLS LAST in an index
    sqlite = op.get_bind().dialect.name == "sqlite"
    return sa.text("published_at DESC" if sqlite else "published_at DESC NULLS LAST")


def upgrade() -> None:
    op.create_index("ix_sources_published", "sources", [_newest_first(), "id"], unique=False)
    for col in FILTERS:
        op.create_index(f"ix_sources_{col}_published", "sources",
                        [col, _newest_first(), "id"], unique=False)
        op.drop_index(f"ix_sources_{col}", table_name="sources")
    op.drop_index("ix_sources_published_at", table_name="sources")
    for table in RECORD_TABLES:
        op.create_index(f"ix_{table}_source_start", table, ["source_id", "start", "id"],
                        unique=False)
        op.drop_index(f"ix_{table}_source_id", table_name=table)


def downgrade() -> None:
    for table in RECORD_TABLES:
        op.create_index(f"ix_{table}_source_id", table, ["source_id"], unique=False)
        op.drop_index(f"ix_{table}_source_start", table_name=table)
    op.create_index("ix_sources_published_at", "sources", ["published_at"], unique=False)
    for col in FILTERS:
        op.create_index(f"ix_sources_{col}", "sources", [col], unique=False)
        op.drop_index(f"ix_sources_{col}_published", table_name="sources")
    op.drop_index("ix_sources_published", table_name="sources")
