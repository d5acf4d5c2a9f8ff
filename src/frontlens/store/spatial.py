"""PostGIS in the store: geometry columns and the SQL that reads them, where the database has it.

Why: on a shared PostgreSQL store (several workers, the API, a newsroom's analysts with QGIS)
the control-map polygons should stay in the server behind a spatial index, so "who holds these
points on that day" sends points in and statuses back instead of every polygon of a layer out
to each process. SQLite, and PostgreSQL without the ``postgis`` extension, have none of this:
``fuse.maps`` answers there with shapely, and the answers are the same (a test runs both).

What is added (migration 0008, or :func:`add_spatial` on a database that got PostGIS later):

- ``map_features.geom`` (MultiPolygon, SRID 4326) and ``map_features.control_status``: the
  feature's polygons as ``fuse.maps.feature_geometry`` cleans them (made valid, parts outside
  Ukraine's box dropped) and its status as ``classify_feature`` decides it ('' for none). They
  are written by ``fuse.maps`` from that same shapely code the first time a layer is asked
  about, not computed in SQL, because PostGIS's GEOS (3.11 on Debian 12) and shapely's
  (3.14) may repair an invalid ring differently, and the two backends must agree.
- ``places.geom`` and ``control_states.geom`` (Point, SRID 4326): generated from the rows'
  lon/lat, so nothing that writes those tables changes; ``control_states`` are the located
  fused events (the as-of picture's rows).
- a GiST index on each.
- the view ``event_points``: each fused event with the point of its place (from the control
  states of that place id), for GIS clients. The ``events`` table has no coordinates of its
  own, and fusion rewrites it, so a view rather than a column kept in step. (A later
  migration that changes the type of ``events.id/kind/place_id/place_name/action/
  new_controller/first_date/last_date/grade`` must drop and recreate it.)

These columns are not in ``schema.metadata`` (SQLite has no such type, and ``select(table)``
must not fetch geometry); :func:`include_object` tells Alembic's comparison to ignore them.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, text

SRID = 4326

_POINT_TABLES = (("places", "lon", "lat"), ("control_states", "lon", "lat"))
SPATIAL_COLUMNS = frozenset({("places", "geom"), ("control_states", "geom"),
                             ("map_features", "geom"), ("map_features", "control_status")})
SPATIAL_INDEXES = frozenset({"ix_places_geom", "ix_control_states_geom", "ix_map_features_geom"})


def postgis_installed(conn: Connection) -> bool:
    """Whether this PostgreSQL database has the postgis extension (never true on SQLite)."""
    if conn.dialect.name != "postgresql":
        return False
    return conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first() \
        is not None


def add_spatial(conn: Connection) -> None:
    """Add the geometry columns and their GiST indexes (idempotent; needs postgis)."""
    for table, lon, lat in _POINT_TABLES:
        conn.execute(text(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS geom geometry(Point, {SRID}) "
            f"GENERATED ALWAYS AS (CASE WHEN {lon} IS NOT NULL AND {lat} IS NOT NULL "
            f"THEN ST_SetSRID(ST_MakePoint({lon}, {lat}), {SRID}) END) STORED"))
    conn.execute(text(f"ALTER TABLE map_features ADD COLUMN IF NOT EXISTS geom "
                      f"geometry(MultiPolygon, {SRID})"))
    conn.execute(text("ALTER TABLE map_features ADD COLUMN IF NOT EXISTS control_status "
                      "varchar(32)"))
    for table in ("places", "control_states", "map_features"):
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_{table}_geom ON {table} "
                          "USING gist (geom)"))
    conn.execute(text(
        "CREATE OR REPLACE VIEW event_points AS SELECT e.id, e.kind, e.place_id, e.place_name, "
        "e.action, e.new_controller, e.first_date, e.last_date, e.grade, p.geom "
        "FROM events e LEFT JOIN LATERAL (SELECT s.geom FROM control_states s "
        "WHERE s.place_id = e.place_id AND s.geom IS NOT NULL LIMIT 1) p ON true"))


def drop_spatial(conn: Connection) -> None:
    """Remove what :func:`add_spatial` added (the migration's downgrade)."""
    conn.execute(text("DROP VIEW IF EXISTS event_points"))
    for table in ("places", "control_states", "map_features"):
        conn.execute(text(f"DROP INDEX IF EXISTS ix_{table}_geom"))
        conn.execute(text(f"ALTER TABLE {table} DROP COLUMN IF EXISTS geom"))
    conn.execute(text("ALTER TABLE map_features DROP COLUMN IF EXISTS control_status"))


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """Alembic ``include_object`` hook: leave PostGIS's own tables and the spatial columns and
    indexes above out of schema comparisons (they exist only where the extension does)."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "table":
        return name not in ("spatial_ref_sys",)
    if type_ == "column":
        return (obj.table.name, name) not in SPATIAL_COLUMNS
    if type_ == "index":
        return name not in SPATIAL_INDEXES
    return True


_READY: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def spatial_ready(engine: Engine) -> bool:
    """Whether this database has the spatial columns (checked once per engine)."""
    hit = _READY.get(engine)
    if hit is None:
        if engine.dialect.name != "postgresql":
            hit = False
        else:
            with engine.connect() as conn:
                hit = postgis_installed(conn) and conn.execute(text(
                    "SELECT 1 FROM information_schema.columns WHERE table_schema = "
                    "current_schema() AND table_name = 'map_features' AND column_name = 'geom'"
                )).first() is not None
        _READY[engine] = hit
    return hit


def forget(engine: Engine) -> None:
    """Drop the cached answer of :func:`spatial_ready` (after :func:`add_spatial`)."""
    _READY.pop(engine, None)


# -- map features -------------------------------------------------------------------------------

def unsynced_features(conn: Connection, layer_id: str) -> list[Any]:
    """Rows (idx, status, name, geometry, properties) of a layer's features whose geometry
    column has not been written yet."""
    return list(conn.execute(text(
        "SELECT idx, status, name, geometry, properties FROM map_features "
        "WHERE layer_id = :l AND control_status IS NULL ORDER BY idx"), {"l": layer_id}))


def write_features(conn: Connection, layer_id: str,
                   rows: Sequence[tuple[int, str, bytes | None]]) -> None:
    """Store (idx, control status or '', WKB of the cleaned polygons or None) per feature."""
    if not rows:
        return
    conn.execute(text(
        "UPDATE map_features SET control_status = :s, geom = CASE WHEN CAST(:g AS bytea) IS NULL "
        f"THEN NULL ELSE ST_Multi(ST_GeomFromWKB(CAST(:g AS bytea), {SRID})) END "
        "WHERE layer_id = :l AND idx = :i"),
        [{"l": layer_id, "i": i, "s": s, "g": g} for i, s, g in rows])


def feature_statuses(conn: Connection, layer_id: str) -> dict[int, str]:
    """idx → stored control status ('' where the feature has none)."""
    return {int(i): s for i, s in conn.execute(text(
        "SELECT idx, control_status FROM map_features WHERE layer_id = :l"), {"l": layer_id})}


def layer_polygons(conn: Connection, layer_id: str) -> list[tuple[str, bytes]]:
    """(status, WKB) of every classified polygonal feature of a layer, in feature order."""
    return [(s, bytes(g)) for s, g in conn.execute(text(
        "SELECT control_status, ST_AsBinary(geom) FROM map_features WHERE layer_id = :l "
        "AND control_status <> '' AND geom IS NOT NULL ORDER BY idx"), {"l": layer_id})]


def hits_at(conn: Connection, layer_id: str, lon: np.ndarray, lat: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """(point index, status) for every classified polygon of the layer each point intersects
    (boundary included, as shapely's ``intersects``): one query, served by the GiST index."""
    if len(lon) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=object)
    # the planner's cost for thousands of index probes switches JIT on, whose compilation
    # (~0.2 s measured) costs more than the probes themselves
    conn.execute(text("SET LOCAL jit = off"))
    rows = conn.execute(text(
        "SELECT p.i - 1, f.control_status FROM unnest(CAST(:lon AS float8[]), "
        "CAST(:lat AS float8[])) WITH ORDINALITY AS p(lon, lat, i) "
        "JOIN map_features f ON f.layer_id = :l AND f.control_status <> '' "
        f"AND ST_Intersects(f.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), {SRID}))"),
        {"l": layer_id, "lon": [float(x) for x in lon], "lat": [float(y) for y in lat]}
    ).all()
    pts = np.array([r[0] for r in rows], dtype=np.int64)
    return pts, np.array([r[1] for r in rows], dtype=object)
