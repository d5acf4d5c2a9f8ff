"""fuse.maps on small layers the tests write themselves (no network, no shared data needed)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from frontlens.config import Settings
from frontlens.fuse import maps
from frontlens.ingest import ingest_inputs
from frontlens.model import ControlEvent, MapFeature, MapLayer
from frontlens.store.db import Store

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample"
SHARED = REPO.parent / "shared"
LAYER = MapLayer(name="t", origin="t.geojson", layer_date=date(2022, 9, 1), content_hash="0" * 64)


def _feature(props: dict[str, Any], geom: dict[str, Any] | None = None) -> MapFeature:
    geom = geom or shapely.geometry.mapping(box(36.0, 49.0, 36.5, 49.5))
    status = next((str(props[k]) for k in ("status", "control") if props.get(k)), None)
    return MapFeature(layer_id=LAYER.id, idx=0, status=status, name=props.get("name"),
                      geometry=geom, properties=props)


def _square(x0: float, y0: float, x1: float, y1: float, step: float = 0.01) -> dict[str, Any]:
    """A lon/lat rectangle densified along its parallels (so its true area is known)."""
    return shapely.geometry.mapping(shapely.segmentize(box(x0, y0, x1, y1), step))


def _write_layer(
    path: Path, features: Iterable[tuple[dict[str, Any], dict[str, Any]]], day: str | None
) -> Path:
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    if day:
        doc["date"] = day
    doc["features"] = [
        {"type": "Feature", "properties": p, "geometry": g} for p, g in features
    ]
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _ingest(store: Store, settings: Settings, *paths: Path) -> None:
    report = ingest_inputs(store, [str(p) for p in paths], settings)
    assert report.exit_code == 0, report.errors


def _ellipsoid_rect_km2(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Exact area of a lon/lat rectangle on the WGS 84 ellipsoid (authalic integral)."""
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    e = math.sqrt(e2)

    def s(phi: float) -> float:
        x = math.sin(math.radians(phi))
        return x / (1 - e2 * x * x) + math.log((1 + e * x) / (1 - e * x)) / (2 * e)

    b2 = a * a * (1 - e2)
    return b2 / 2 * math.radians(lon1 - lon0) * (s(lat1) - s(lat0)) / 1e6


class FakeSettlements:
    """A gazetteer stand-in: (place_id, name, lat, lon, population) rows."""

    def __init__(self, rows: list[tuple[str, str, float, float, int]]) -> None:
        self.rows = [maps.Settlement(i, n, la, lo, p) for i, n, la, lo, p in rows]

    def coords(self, place_ids: Iterable[str]) -> dict[str, tuple[float, float]]:
        ids = set(place_ids)
        return {s.place_id: (s.lon, s.lat) for s in self.rows if s.place_id in ids}

    def settlements(self, bbox: tuple[float, float, float, float]) -> list[maps.Settlement]:
        return [s for s in self.rows
                if bbox[0] <= s.lon <= bbox[2] and bbox[1] <= s.lat <= bbox[3]]


# -- status ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"status": "occupied"}, "occupied"),
        ({"status": "Russian"}, "occupied"),
        ({"control": "liberated"}, "liberated"),
        ({"status": "contested"}, "contested"),
        ({"fill": "#a52714", "name": "Окуповано /// Occupied"}, "occupied"),
        ({"fill": "#A52714", "name": "Окуповано /// Occupied /// geoJSON.status.occupied"},
         "occupied"),
        ({"fill": "#0f9d58", "name": "Звільнено 25.03 /// Taken back 25.03"}, "liberated"),
        ({"fill": "#0288d1", "name": "Звільнено /// Recaptured"}, "liberated"),
        ({"fill": "#0f9d58", "name": "Звільнено\xa0///\xa0Liberated\n"}, "liberated"),
        ({"fill": "#bcaaa4", "name": "Під питанням /// Contensed"}, "contested"),
        ({"fill": "#bdbdbd", "name": "Статус невідомий /// Situation is unknown"}, "contested"),
        ({"fill": "#880e4f", "name": "ОРДЛО /// CADR and CALR"}, "occupied_pre2022"),
        ({"fill": "#880e4f", "name": "Окупований Крим /// Occupied Crimea"}, "occupied_pre2022"),
        ({"fill": "#ff5252", "name": "Придністров'я /// Transnistria"}, None),
        ({"fill": "#ff5252", "name": "Окупована Абхазія. /// Occupied Abkhazia."}, None),
        # an unlisted colour falls back to the wording, specific names before "occupied"
        ({"fill": "#123456", "name": "Статус невідомий /// Unknown status"}, "contested"),
        ({"fill": "#123456", "name": "Окупований Крим /// Occupied Crimea"}, "occupied_pre2022"),
        ({"fill": "#123456", "name": "Окуповано /// Occupied"}, "occupied"),
        ({"fill": "#123456", "name": "Напрямок удару"}, None),
        ({}, None),
    ],
)
def test_feature_status(props: dict[str, Any], expected: str | None) -> None:
    assert maps.feature_status(_feature(props), LAYER) == expected


def test_feature_status_geometry_rules() -> None:
    point = {"type": "Point", "coordinates": [36.0, 49.0, 0]}
    assert maps.feature_status(_feature({"status": "occupied"}, point), LAYER) is None
    far = shapely.geometry.mapping(box(64.1, 14.3, 64.5, 14.6))  # the stray 2023-05-21 ring
    assert maps.feature_status(_feature({"status": "contested"}, far), LAYER) is None
    coll = {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "coordinates": [[[36, 49, 0], [37, 49, 0], [37, 50, 0], [36, 49, 0]]]},
        shapely.geometry.mapping(box(64.1, 14.3, 64.5, 14.6)),
    ]}
    feat = _feature({"fill": "#a52714", "name": "Окуповано /// Occupied"}, coll)
    assert maps.feature_status(feat, LAYER) == "occupied"
    geom = maps.feature_geometry(feat)
    assert geom is not None and geom.bounds[2] <= 37.0  # the far part is dropped


def test_fill_decides_and_conflict_is_recorded() -> None:
    feat = _feature({"fill": "#0f9d58", "name": "Окуповано /// Occupied"})
    match = maps.classify_feature(feat, LAYER)
    assert match is not None and match.status == "liberated" and match.conflict


def test_bundled_rules_are_consistent() -> None:
    rules = maps.default_rules()
    assert set(rules.held_by) == {"occupied", "occupied_pre2022", "liberated", "contested",
                                  "outside"}
    fills = [f for r in rules.deepstate for f in r.fills]
    assert len(fills) == len(set(fills)), "a fill colour may mean only one status"
    assert all(len(f) == 7 and f.startswith("#") for f in fills)
    with pytest.raises(ValueError, match="unknown statuses"):
        maps.parse_rules(
            '[statuses]\na = { held_by = "RU", precedence = 1 }\n'
            '[ukraine]\nbbox = [0, 0, 1, 1]\n[[deepstate]]\nstatus = "b"\nfills = ["#000000"]\n'
        )


# -- layers in a store -----------------------------------------------------------------------

OCC = {"status": "occupied"}
CON = {"status": "contested"}
LIB = {"status": "liberated"}


@pytest.fixture
def two_days(tmp_path: Path, store: Store, settings: Settings) -> Store:
    """09-01: occupied 36-37 E × 49-50 N with a contested strip over its west edge.
    09-05: occupied only east of 36.5 E; a new occupied square 38-38.5 E × 48-48.5 N.
    Also an undated layer, which must never be used."""
    d1 = _write_layer(tmp_path / "ctl_2022-09-01.geojson", [
        (OCC, _square(36.0, 49.0, 37.0, 50.0)),
        (CON, _square(35.9, 49.0, 36.1, 50.0)),
    ], None)
    d5 = _write_layer(tmp_path / "ctl.geojson", [
        (OCC, _square(36.5, 49.0, 37.0, 50.0)),
        (LIB, _square(36.0, 49.0, 36.5, 50.0)),
        (OCC, _square(38.0, 48.0, 38.5, 48.5)),
    ], "2022-09-05")
    undated = _write_layer(tmp_path / "ctl_undated.geojson", [(OCC, _square(30, 50, 31, 51))],
                           None)
    _ingest(store, settings, d1, d5, undated)
    return store


def test_control_at_vectorised_matches_brute_force(two_days: Store) -> None:
    rng = np.random.default_rng(7)
    pts = np.column_stack([rng.uniform(35.5, 39.0, 20_000), rng.uniform(47.5, 50.5, 20_000)])
    res = maps.control_at(two_days, date(2022, 9, 1), pts)
    assert res.layer.layer_date == date(2022, 9, 1) and res.lag_days == 0
    x, y = pts[:, 0], pts[:, 1]
    in_occ = (x >= 36.0) & (x <= 37.0) & (y >= 49.0) & (y <= 50.0)
    in_con = (x >= 35.9) & (x <= 36.1) & (y >= 49.0) & (y <= 50.0)
    expected = np.where(in_con, "contested", np.where(in_occ, "occupied", "free"))
    assert (res.statuses == expected).all()  # contested wins where the two overlap
    out = maps.control_at(two_days, date(2022, 9, 1), [(50.0, 50.0), (36.5, 49.5)])
    assert list(out.statuses) == ["outside", "occupied"]
    assert len(maps.control_at(two_days, date(2022, 9, 1), np.empty((0, 2))).statuses) == 0


def test_nearest_earlier_layer_is_used(two_days: Store) -> None:
    res = maps.control_at(two_days, date(2022, 9, 4), [(36.2, 49.5)])
    assert res.layer.layer_date == date(2022, 9, 1) and res.lag_days == 3
    assert res.statuses[0] == "occupied"
    res = maps.control_at(two_days, date(2022, 9, 30), [(36.2, 49.5)])
    assert res.layer.layer_date == date(2022, 9, 5) and res.statuses[0] == "liberated"


def test_no_layer_before_day_and_undated_layers_explained(two_days: Store) -> None:
    with pytest.raises(maps.NoLayerError) as err:
        maps.control_at(two_days, date(2022, 8, 1), [(36.2, 49.5)])
    msg = str(err.value)
    assert "2022-08-01" in msg and "earliest is 2022-09-01" in msg
    assert "no date" in msg and "ctl_undated.geojson" in msg


def test_only_undated_layer(tmp_path: Path, store: Store, settings: Settings) -> None:
    _ingest(store, settings, _write_layer(tmp_path / "x.geojson", [(OCC, _square(30, 50, 31, 51))],
                                          None))
    with pytest.raises(maps.NoLayerError, match="1 layer\\(s\\) have no date"):
        maps.control_at(store, date(2022, 9, 1), [(30.5, 50.5)])


def test_mapdiff_areas_and_settlements(two_days: Store) -> None:
    towns = FakeSettlements([
        ("t:1", "Westtown", 49.5, 36.25, 1000),  # retaken
        ("t:2", "Bigwest", 49.2, 36.45, 5000),  # retaken
        ("t:3", "Newocc", 48.25, 38.25, 300),  # newly occupied
        ("t:4", "Easttown", 49.5, 36.75, 9000),  # occupied both days
        ("t:5", "Edge", 49.5, 35.95, 50),  # contested → liberated: grey zone, not counted
    ])
    diff = maps.mapdiff(two_days, date(2022, 9, 1), date(2022, 9, 5), settlements=towns)
    assert (diff.layer1.layer_date, diff.layer2.layer_date) == (date(2022, 9, 1),
                                                                 date(2022, 9, 5))
    west = _ellipsoid_rect_km2(36.1, 49.0, 36.5, 50.0)  # the strip west of 36.1 was contested
    new = _ellipsoid_rect_km2(38.0, 48.0, 38.5, 48.5)
    assert diff.to_free_km2 == pytest.approx(west, rel=0.01)
    assert diff.to_occupied_km2 == pytest.approx(new, rel=0.01)
    assert diff.transitions_km2["contested->UA"] == pytest.approx(
        _ellipsoid_rect_km2(35.9, 49.0, 36.1, 50.0), rel=0.01)
    assert [s.name for s in diff.settlements_to_free] == ["Bigwest", "Westtown"]
    assert [s.name for s in diff.settlements_to_occupied] == ["Newocc"]
    gj = diff.to_geojson()
    assert [f["properties"]["direction"] for f in gj["features"]] == ["occupied->free",
                                                                      "free->occupied"]
    assert json.loads(json.dumps(gj))["features"][0]["geometry"]["type"] in ("Polygon",
                                                                            "MultiPolygon")
    gaps = maps.coverage_gaps(two_days, date(2022, 9, 1), date(2022, 9, 5), {"t:2"},
                              settlements=towns)
    assert [(d, s.name) for d, s in gaps] == [("occupied->free", "Westtown"),
                                              ("free->occupied", "Newocc")]
    with pytest.raises(maps.MapError):
        maps.mapdiff(two_days, date(2022, 9, 5), date(2022, 9, 1), settlements=towns)


def test_pre2022_redraw_is_not_a_change_of_hands(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    crimea = {"fill": "#880e4f", "name": "Окупований Крим /// Occupied Crimea"}
    a = _write_layer(tmp_path / "a_2022-09-17.geojson", [(crimea, _square(33, 44.5, 34, 45))],
                     None)
    b = _write_layer(tmp_path / "b_2022-09-18.geojson", [(crimea, _square(33, 44.5, 34, 45.2))],
                     None)
    _ingest(store, settings, a, b)
    diff = maps.mapdiff(store, date(2022, 9, 17), date(2022, 9, 18),
                        settlements=FakeSettlements([]))
    assert diff.to_occupied_km2 == 0.0 and diff.to_free_km2 == 0.0
    assert diff.redrawn_km2 == pytest.approx(_ellipsoid_rect_km2(33, 45, 34, 45.2), rel=0.01)


# -- cross-check ---------------------------------------------------------------------------


def _ev(action: str, day: date | None, place_id: str | None = None, **kw: Any) -> ControlEvent:
    return ControlEvent(source_id="src-test", start=0, end=1, extractor="test",
                        extractor_version="0", place_id=place_id, place_name="X", action=action,
                        event_date=day, **kw)


def test_cross_check(two_days: Store) -> None:
    towns = FakeSettlements([("t:1", "Westtown", 49.5, 36.25, 1000)])
    d = date(2022, 9, 2)
    events: list[Any] = [
        _ev("liberated", d, "t:1"),  # map shows it free on 09-05: within 3 days → agree
        (_ev("captured", d, new_controller="RU"), 36.75, 49.5),  # occupied all along → agree
        (_ev("captured", d, new_controller="UA"), 36.75, 49.5),  # a UA capture → disagree
        (_ev("liberated", d), 36.75, 49.5),  # still occupied → disagree
        (_ev("shelled", d), 36.75, 49.5),  # not checkable
        _ev("liberated", d, "t:unknown"),  # not in the gazetteer
        (_ev("liberated", None), 36.25, 49.5),  # no date
        (_ev("liberated", date(2022, 7, 1)), 36.25, 49.5),  # before any layer
    ]
    checks = maps.cross_check(two_days, events, horizon_days=3, settlements=towns)
    assert [c.verdict for c in checks] == ["agree", "agree", "disagree", "disagree", "n/a",
                                           "unlocated", "undated", "no_layer"]
    assert checks[0].agree_day == date(2022, 9, 5)
    assert [o[1] for o in checks[0].observations] == [date(2022, 9, 1)] * 3 + [date(2022, 9, 5)]
    short = maps.cross_check(two_days, events[:1], horizon_days=2, settlements=towns)
    assert short[0].verdict == "disagree"  # the map had not caught up within two days
    stats = maps.agreement_stats(checks)
    assert (stats.n_events, stats.n_checked, stats.n_agree) == (8, 4, 2)
    assert stats.share_agree == 0.5
    assert stats.per_action["captured"]["share_agree"] == 0.5
    assert stats.per_action["shelled"]["checked"] == 0


def test_cross_check_max_lag(two_days: Store) -> None:
    checks = maps.cross_check(two_days, [(_ev("captured", date(2022, 9, 20)), 36.75, 49.5)],
                              max_lag_days=7)
    assert checks[0].verdict == "no_layer"  # the newest layer is 15 days old
    checks = maps.cross_check(two_days, [(_ev("captured", date(2022, 9, 20)), 36.75, 49.5)],
                              max_lag_days=None)
    assert checks[0].verdict == "agree"


# -- projection --------------------------------------------------------------------------------


def test_area_of_known_squares() -> None:
    for x0, y0, x1, y1 in ((36, 49, 37, 50), (22.5, 44.5, 23, 45), (39, 52, 40, 52.4)):
        geom = shapely.geometry.shape(_square(x0, y0, x1, y1))
        assert maps.area_km2(geom) == pytest.approx(_ellipsoid_rect_km2(x0, y0, x1, y1),
                                                    rel=1e-4)
    # an undensified box is densified by area_km2 itself
    assert maps.area_km2(box(36, 49, 37, 50)) == pytest.approx(
        _ellipsoid_rect_km2(36, 49, 37, 50), rel=1e-4)


def test_numpy_projection_matches_pyproj() -> None:
    pyproj = pytest.importorskip("pyproj")
    tr = pyproj.Transformer.from_crs("EPSG:4326", maps.LAEA_PROJ, always_xy=True)
    rng = np.random.default_rng(3)
    ll = np.column_stack([rng.uniform(22, 40.3, 1000), rng.uniform(44.2, 52.5, 1000)])
    x, y = tr.transform(ll[:, 0], ll[:, 1])
    np.testing.assert_allclose(maps.laea_numpy(ll), np.column_stack([x, y]), atol=1e-3)


# -- real layers -----------------------------------------------------------------------------


def test_sample_layers(store: Store, settings: Settings) -> None:
    _ingest(store, settings, SAMPLE / "maps")
    balakliia = (36.836, 49.447)
    before = maps.control_at(store, date(2022, 9, 6), [balakliia])
    after = maps.control_at(store, date(2022, 9, 13), [balakliia])
    assert before.statuses[0] in ("contested", "occupied")
    assert after.statuses[0] == "liberated" and after.layer.layer_date == date(2022, 9, 12)


DEEPSTATE = SHARED / "data" / "control" / "deepstate"


@pytest.mark.skipif(not DEEPSTATE.exists(), reason="shared DeepState snapshots not present")
def test_deepstate_snapshot_is_fully_classified(store: Store, settings: Settings) -> None:
    files = sorted(DEEPSTATE.glob("deepstate_2022-09-1[14]_*.geojson"))
    _ingest(store, settings, *files)
    for layer in maps.list_layers(store):
        comp = maps.compile_layer(store, layer)
        assert comp.unknown == 0 and comp.conflicts == 0
        assert {"occupied", "occupied_pre2022", "liberated", "contested", "outside"} == set(
            comp.statuses)
    res = maps.control_at(store, date(2022, 9, 14), [(37.2822, 49.2054), (34.1, 44.95),
                                                     (29.6, 46.85), (30.52, 50.45)])
    assert list(res.statuses) == ["liberated", "occupied_pre2022", "outside", "free"]


def test_dedupe_settlements() -> None:
    rows = [
        maps.Settlement("gn:1", "Izium", 49.2054, 37.2822, 53778, "Kharkiv Oblast"),
        maps.Settlement("gn:2", "Izium", 49.2211, 37.3169, 0, None),  # 3 km away: a twin
        maps.Settlement("gn:3", "Izium", 45.0442, 35.1343, 1128, "Crimea"),  # another place
    ]
    assert [s.place_id for s in maps.dedupe_settlements(rows)] in (["gn:1", "gn:3"],
                                                                   ["gn:3", "gn:1"])


def test_gazetteer_adapter() -> None:
    gaz = pytest.importorskip("frontlens.resolve.gazetteer")
    if not gaz.DEFAULT_PATH.exists():
        pytest.skip("bundled gazetteer not built")
    source = maps.GazetteerSettlements()
    lon, lat = source.coords(["geonames:707292"])["geonames:707292"]  # Izium
    assert abs(lon - 37.28) < 0.05 and abs(lat - 49.21) < 0.05
    near = source.settlements((37.2, 49.15, 37.4, 49.25))
    assert "Izium" in {s.name for s in near} and all(s.place_id for s in near)
