"""postgis: geometry columns (SRID 4326) and GiST indexes where the database has PostGIS

Places and control states get a point generated from their lon/lat; map features get their
cleaned polygons and control status (written by fuse.maps on first use of a layer). Nothing
happens on SQLite or on a PostgreSQL database without the postgis extension; see
frontlens.store.spatial for why and for adding them later.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 04:30:00
"""

from collections.abc import Sequence

from alembic import op

from frontlens.store import spatial

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if spatial.postgis_installed(conn):
        spatial.add_spatial(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if spatial.postgis_installed(conn):
        spatial.drop_spatial(conn)
