"""extractions: unique index on (source_id, extractor, version), the covering index of the
pending-sources page's "done by this version?" probe

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # (source_id, extractor) is the primary key, so adding the version keeps it unique; unique,
    # SQLite's planner takes it over the primary key for the three-column equality probe
    op.create_index("ux_extractions_source_extractor_version", "extractions",
                    ["source_id", "extractor", "version"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_extractions_source_extractor_version", table_name="extractions")
