"""PostGIS: geometry columns where the extension exists, and the same map answers from SQL as
from shapely.

Each parity test builds one store on SQLite (shapely) and one on PostgreSQL with PostGIS (SQL),
runs the same map questions on both — point statuses, claim checks (`mapcheck`), `mapdiff`,
layer areas and the layer endpoint's statuses — and compares the answers whole. Needs
``FRONTLENS_TEST_PG_URL`` on a server with PostGIS (``scripts/pg-test-server.sh`` creates the
extension when ``postgresql-15-postgis-3`` is installed); ``FRONTLENS_REQUIRE_POSTGIS=1`` (CI)
makes a server without it a failure instead of a skip.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from frontlens.cli import app
from frontlens.config import Settings
from frontlens.fuse import maps
from frontlens.ingest import ingest_inputs
from frontlens.model import ControlEvent, Source
from frontlens.serve import create_app
from frontlens.store.db import Store

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample"
DEEPSTATE = REPO.parent / "shared" / "data" / "control" / "deepstate"
PG_URL = os.environ.get("FRONTLENS_TEST_PG_URL")

pytestmark = pytest.mark.skipif(
    not PG_URL and os.environ.get("FRONTLENS_REQUIRE_PG") != "1",
    reason="FRONTLENS_TEST_PG_URL unset")


def _postgis_available(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).first() is not None
    finally:
        engine.dispose()


@pytest.fixture
def postgis_url(pg_url: str) -> str:
    """A fresh PostgreSQL database with PostGIS (inherited from template1)."""
    if not _postgis_available(pg_url):
        if os.environ.get("FRONTLENS_REQUIRE_POSTGIS") == "1":
            pytest.fail("FRONTLENS_REQUIRE_POSTGIS=1 but the server has no postgis extension")
        pytest.skip("PostGIS not installed on the test server")
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    return pg_url


@pytest.fixture
def pair(tmp_path: Path, postgis_url: str) -> Iterator[tuple[Store, Store]]:
    """(SQLite store, PostGIS store), both empty."""
    sq, pg = Store(f"sqlite:///{tmp_path / 'sq.db'}"), Store(postgis_url)
    assert not maps.use_postgis(sq) and maps.use_postgis(pg)
    yield sq, pg
    sq.close()
    pg.close()


def _ingest(store: Store, *paths: Path) -> None:
    report = ingest_inputs(store, [str(p) for p in paths], Settings(db=store.url))
    assert report.exit_code == 0, report.errors


def _layer(path: Path, day: str, features: list[tuple[dict[str, Any], dict[str, Any]]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "date": day, "features": [
        {"type": "Feature", "properties": p, "geometry": g} for p, g in features]}))
    return path


def _square(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    return mapping(shapely.segmentize(box(x0, y0, x1, y1), 0.05))


def _awkward_layers(tmp_path: Path) -> list[Path]:
    """Overlapping statuses, a self-intersecting ring (repaired by make_valid), a
    GeometryCollection, a point and a line (no status), a polygon wholly outside Ukraine's box,
    an unknown style and a DeepState-style fill: what the SQL path must read as shapely does."""
    bowtie = {"type": "Polygon", "coordinates": [[[37.0, 48.0], [37.6, 48.6], [37.6, 48.0],
                                                   [37.0, 48.6], [37.0, 48.0]]]}
    collection = {"type": "GeometryCollection", "geometries": [
        _square(38.0, 47.5, 38.4, 47.9), {"type": "Point", "coordinates": [38.1, 47.6]}]}
    day1 = _layer(tmp_path / "a.geojson", "2022-09-01", [
        ({"status": "occupied"}, _square(36.0, 49.0, 37.0, 50.0)),
        ({"status": "contested"}, _square(35.9, 49.0, 36.1, 50.0)),
        ({"status": "occupied"}, bowtie),
        ({"status": "occupied_pre2022"}, _square(33.0, 44.5, 35.0, 45.5)),
        ({"status": "occupied"}, collection),
        ({"status": "occupied"}, {"type": "Point", "coordinates": [36.5, 49.5]}),
        ({"status": "occupied"}, {"type": "LineString", "coordinates": [[36, 49], [37, 50]]}),
        ({"status": "occupied"}, _square(60.0, 10.0, 61.0, 11.0)),
        ({"status": "something else"}, _square(31.0, 50.0, 31.5, 50.5)),
        ({"fill": "#a52714", "name": "Окупована територія"}, _square(39.0, 48.0, 39.5, 48.5)),
    ])
    day2 = _layer(tmp_path / "b.geojson", "2022-09-05", [
        ({"status": "occupied"}, _square(36.5, 49.0, 37.0, 50.0)),
        ({"status": "liberated"}, _square(36.0, 49.0, 36.5, 50.0)),
        ({"status": "occupied"}, _square(38.0, 48.0, 38.5, 48.5)),
        ({"status": "occupied_pre2022"}, _square(33.0, 44.5, 35.2, 45.6)),
        ({"status": "outside"}, _square(28.5, 46.5, 29.5, 47.5)),
    ])
    return [day1, day2]


def _points(store: Store) -> np.ndarray:
    """Random points over the layers, every polygon vertex (boundaries) and two non-numbers."""
    rng = np.random.default_rng(13)
    pts = [np.column_stack([rng.uniform(28.0, 40.5, 4000), rng.uniform(44.0, 51.0, 4000)])]
    for layer in maps.list_layers(store):
        for f in maps.load_features(store, layer.id):
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                pts.append(shapely.get_coordinates(shapely.geometry.shape(f.geometry))[:, :2])
    pts.append(np.array([[np.nan, 48.0], [36.0, np.inf]]))
    return np.vstack(pts)


def _answers(store: Store, settlements: Any) -> dict[str, Any]:
    """Everything the map questions return on one store, in comparable form."""
    pts = _points(store)
    layers = [x for x in maps.list_layers(store) if x.layer_date]
    first, last = layers[0].layer_date, layers[-1].layer_date
    assert first and last
    out: dict[str, Any] = {"layers": [x.id for x in layers]}
    for day in (first, last, last + timedelta(days=2)):
        res = maps.control_at(store, day, pts)
        out[f"control_at {day}"] = (res.layer.id, list(res.statuses))
    events = []
    for i, (lon, lat) in enumerate(pts[::7]):
        action = ("liberated", "captured")[i % 2]
        ev = ControlEvent(source_id="src-x", start=0, end=1, extractor="t", extractor_version="0",
                          place_name=f"p{i}", action=action, new_controller="unknown",
                          event_date=first + timedelta(days=i % 6), time_precision="day")
        events.append((ev, lon, lat))
    out["cross_check"] = [(c.event.place_name, c.verdict, c.observations, c.agree_day)
                          for c in maps.cross_check(store, events, horizon_days=3,
                                                    settlements=settlements)]
    diff = maps.mapdiff(store, first, last, settlements=settlements)
    out["mapdiff"] = {
        "wkb": [shapely.to_wkb(g, hex=True) for g in (diff.to_free, diff.to_occupied,
                                                      diff.redrawn)],
        "km2": (diff.to_free_km2, diff.to_occupied_km2, diff.redrawn_km2),
        "transitions": diff.transitions_km2,
        "settlements": ([s.place_id for s in diff.settlements_to_free],
                        [s.place_id for s in diff.settlements_to_occupied]),
    }
    out["areas"] = [maps.layer_areas(store, x) for x in layers]
    out["feature_status"] = [maps.feature_statuses(store, x, maps.load_features(store, x.id))
                             for x in layers]
    return out


class GridSettlements:
    """Settlements on a 0.05° grid over the test layers (the gazetteer stand-in)."""

    def __init__(self) -> None:
        self.rows = [maps.Settlement(f"g{i}", f"s{i}", float(la), float(lo), 1000 + i)
                     for i, (lo, la) in enumerate(
                         (lo, la) for lo in np.arange(28.0, 40.5, 0.05)
                         for la in np.arange(44.0, 51.0, 0.05))]

    def coords(self, place_ids: Any) -> dict[str, tuple[float, float]]:
        return {}

    def settlements(self, bbox: tuple[float, float, float, float]) -> list[maps.Settlement]:
        return [s for s in self.rows
                if bbox[0] <= s.lon <= bbox[2] and bbox[1] <= s.lat <= bbox[3]]


def test_postgis_store_has_indexed_geometry_columns_in_srid_4326(postgis_url: str) -> None:
    with Store(postgis_url) as store, store.engine.connect() as conn:
        cols = {(r[0], r[1]): (r[2], r[3]) for r in conn.execute(text(
            "SELECT f_table_name, f_geometry_column, srid, type FROM geometry_columns "
            "WHERE f_table_name <> 'event_points'"))}
        views = {r[0] for r in conn.execute(text(
            "SELECT f_table_name FROM geometry_columns WHERE f_table_name = 'event_points'"))}
        gist = {r[0] for r in conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING gist (geom)%'"))}
    assert cols == {("places", "geom"): (4326, "POINT"),
                    ("control_states", "geom"): (4326, "POINT"),
                    ("map_features", "geom"): (4326, "MULTIPOLYGON")}
    assert gist == {"ix_places_geom", "ix_control_states_geom", "ix_map_features_geom"}
    assert views == {"event_points"}  # fused events with their place's point


def test_control_state_points_are_generated_from_their_coordinates(postgis_url: str) -> None:
    with Store(postgis_url) as store, store.transaction() as conn:
        conn.execute(text(
            "INSERT INTO control_states (id, place_key, place_name, lat, lon, controller, since, "
            "grade, score, disputed, event_ids, sources) VALUES ('s1', 'k', 'Izium', 49.21, "
            "37.26, 'UA', '2022-09-10', 'B2', 1, false, '[]', '[]'), ('s2', 'k2', 'Nowhere', "
            "NULL, NULL, 'RU', '2022-09-10', 'C3', 1, false, '[]', '[]')"))
        rows = conn.execute(text("SELECT id, ST_AsText(geom) FROM control_states ORDER BY id"))
        assert list(rows) == [("s1", "POINT(37.26 49.21)"), ("s2", None)]


def test_sqlite_and_postgresql_without_postgis_have_no_geometry_columns(
        tmp_path: Path, pg_url: str) -> None:
    with Store(f"sqlite:///{tmp_path / 'x.db'}") as sq:
        assert "geom" not in {c["name"] for c in inspect(sq.engine).get_columns("map_features")}
        assert not maps.use_postgis(sq)
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text("DROP EXTENSION IF EXISTS postgis CASCADE"))
    admin.dispose()
    with Store(pg_url) as plain:
        assert "geom" not in {c["name"] for c in inspect(plain.engine).get_columns("places")}
        assert not maps.use_postgis(plain)


def test_map_answers_are_identical_on_sqlite_and_postgis(
        tmp_path: Path, pair: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch) -> None:
    sq, pg = pair
    files = _awkward_layers(tmp_path) + sorted((SAMPLE / "maps").glob("*.geojson"))
    for store in pair:
        _ingest(store, *files)
    grid = GridSettlements()
    on_sqlite = _answers(sq, grid)
    maps._COMPILED.clear()
    on_postgis = _answers(pg, grid)
    with pg.engine.connect() as conn:  # the answers above really came from the geometry columns
        synced = conn.execute(text("SELECT count(*), count(geom) FROM map_features "
                                   "WHERE control_status IS NOT NULL")).one()
    assert synced[0] > 0 and synced[1] > 0
    monkeypatch.setenv("FRONTLENS_POSTGIS", "0")
    maps._COMPILED.clear()
    assert not maps.use_postgis(pg)
    on_pg_shapely = _answers(pg, grid)
    assert on_postgis == on_sqlite
    assert on_pg_shapely == on_sqlite
    seen = {s for k, v in on_postgis.items() if k.startswith("control_at") for s in v[1]}
    assert {"occupied", "contested", "liberated", "occupied_pre2022", "free", "outside"} <= seen
    assert {c[1] for c in on_postgis["cross_check"]} >= {"agree", "disagree"}


def _claims(store: Store) -> None:
    """Capture/liberation claims at real settlements around the sample's front, dated over
    the sample's two map days, so `frontlens mapcheck` has something to judge."""
    gaz = maps.GazetteerSettlements()
    towns = sorted(gaz.settlements((36.0, 49.0, 38.5, 50.3)), key=lambda s: s.place_id)[:300]
    source = Source(kind="article", origin="test", text="claims", outlet="t",
                    published_at=datetime(2022, 9, 7, tzinfo=UTC))
    records: list[Any] = [source]
    for i, s in enumerate(towns):
        records.append(ControlEvent(
            source_id=source.id, start=0, end=6, extractor="t", extractor_version=str(i),
            place_id=s.place_id, place_name=s.name, action=("liberated", "captured")[i % 2],
            new_controller="unknown", event_date=date(2022, 9, 5 + i % 9), time_precision="day"))
    with store.transaction() as conn:
        store.insert_new(conn, records)


def test_mapcheck_and_mapdiff_commands_print_the_same_on_sqlite_and_postgis(
        pair: tuple[Store, Store]) -> None:
    outs = []
    for store in pair:
        _ingest(store, SAMPLE / "maps")
        _claims(store)
        run = CliRunner().invoke
        check = run(app, ["--db", store.url, "mapcheck", "--json"])
        diff = run(app, ["--db", store.url, "mapdiff", "--from", "2022-09-06", "--to",
                         "2022-09-12", "--json"])
        assert check.exit_code == 0 and diff.exit_code == 0, check.output + diff.output
        outs.append((json.loads(check.stdout), json.loads(diff.stdout)))
    assert outs[0] == outs[1]
    assert outs[0][0]["stats"]["n_checked"] > 50  # the claims were judged, not skipped


def test_layer_endpoint_serves_the_same_statuses_on_sqlite_and_postgis(
        tmp_path: Path, pair: tuple[Store, Store]) -> None:
    bodies = []
    for store in pair:
        _ingest(store, *_awkward_layers(tmp_path), SAMPLE / "maps")
        with TestClient(create_app(Settings(db=store.url))) as client:
            layers = client.get("/api/layers").json()
            bodies.append([client.get(f"/api/layers/{x['id']}/features").json()["features"]
                           for x in layers])
    assert bodies[0] == bodies[1]
    statuses = {f["properties"]["status"] for layer in bodies[1] for f in layer}
    assert {"occupied", "contested", None} <= statuses


@pytest.mark.skipif(not DEEPSTATE.exists(), reason="shared DeepState snapshots not present")
def test_deepstate_answers_are_identical_on_sqlite_and_postgis(
        pair: tuple[Store, Store]) -> None:
    files = sorted(DEEPSTATE.glob("deepstate_2022-09-0[6]_*.geojson")) + sorted(
        DEEPSTATE.glob("deepstate_2022-09-1[4]_*.geojson"))
    assert len(files) == 2
    answers = []
    for store in pair:
        _ingest(store, *files)
        maps._COMPILED.clear()
        answers.append(_answers(store, maps.GazetteerSettlements()))
    assert answers[0] == answers[1]
    assert answers[0]["mapdiff"]["km2"][0] > 1000  # the Kharkiv counter-offensive
