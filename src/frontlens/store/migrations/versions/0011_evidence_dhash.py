"""evidence.dhash: the perceptual hash of each kept photo; fusion_sources.photos: the dHashes of
a fused source's photos, so near-identical photos count as one piece of evidence

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import frontlens.store.schema

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 500


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("dhash", sa.String(length=16), nullable=True))
    # fusion_sources rows written before lack the column; the fusion version changed with it,
    # so the next `frontlens fuse` is a full rebuild that fills it
    with op.batch_alter_table("fusion_sources") as batch:
        batch.add_column(sa.Column("photos", sa.Text(), nullable=True))
    backfill_from_sources(op.get_bind())


def backfill_from_sources(conn: sa.Connection) -> int:
    """Kept photos of sources ingested since dHashes were computed carry theirs in the source's
    meta (``media_sha256`` and ``media_dhash``, by photo name): copy them into the evidence
    rows. Photos kept before that are hashed from their files by ``frontlens evidence dhash``.
    Returns the rows filled."""
    json = frontlens.store.schema.JsonType
    sources = sa.table("sources", sa.column("id", sa.String()), sa.column("meta", json))
    evidence = sa.table("evidence", sa.column("sha256", sa.String()),
                        sa.column("kind", sa.String()), sa.column("dhash", sa.String()))
    found: dict[str, str] = {}
    q = sa.select(sources.c.meta["media_sha256"], sources.c.meta["media_dhash"])
    for shas, dhashes in conn.execute(q.execution_options(yield_per=_CHUNK)):
        if not isinstance(shas, dict) or not isinstance(dhashes, dict):
            continue
        for name, sha in shas.items():
            dh = dhashes.get(name)
            if isinstance(sha, str) and isinstance(dh, str) and len(dh) == 16:
                found[sha] = min(dh, found.get(sha, dh))
    n = 0
    items = sorted(found.items())
    for i in range(0, len(items), _CHUNK):
        part = dict(items[i : i + _CHUNK])
        todo = [r[0] for r in conn.execute(sa.select(evidence.c.sha256).where(
            evidence.c.sha256.in_(list(part)), evidence.c.kind == "media",
            evidence.c.dhash.is_(None)))]
        for sha in todo:
            conn.execute(evidence.update().where(evidence.c.sha256 == sha)
                         .values(dhash=part[sha]))
        n += len(todo)
    return n


def downgrade() -> None:
    with op.batch_alter_table("fusion_sources") as batch:
        batch.drop_column("photos")
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("dhash")
