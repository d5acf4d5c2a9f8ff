"""The offline river layer (basemap/rivers.geojson, built by scripts/build_rivers.py from
Natural Earth 1:10m, public domain): what the dashboard ships, and the clipping and
simplification that made it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
RIVERS = REPO / "src" / "frontlens" / "serve" / "static" / "basemap" / "rivers.geojson"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_rivers",
                                                  REPO / "scripts" / "build_rivers.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_shipped_rivers_name_the_front_rivers_stay_near_ukraine_and_small() -> None:
    raw = RIVERS.read_bytes()
    assert len(raw) < 80_000  # about 15 KB gzipped on the first load
    fc = json.loads(raw)
    assert "Natural Earth" in fc["attribution"] and "public domain" in fc["attribution"]
    names = {f["properties"]["name"] for f in fc["features"]}
    assert {"Dnipro", "Siverskyi Donets", "Oskil", "Desna", "Southern Bug", "Dniester"} <= names
    assert not {"Donets", "Oskol", "Dnieper"} & names  # the Ukrainian forms, as elsewhere
    box = _script().BOX
    for f in fc["features"]:
        assert f["geometry"]["type"] == "MultiLineString"
        assert isinstance(f["properties"]["rank"], int)
        for part in f["geometry"]["coordinates"]:
            assert len(part) >= 2
            inside = [box[0] <= x <= box[2] and box[1] <= y <= box[3] for x, y in part]
            # every stretch is inside the box but for the one point that carries it to the edge
            assert sum(not i for i in inside) <= 2 and any(inside), (f["properties"], part[:3])


def test_clip_keeps_runs_inside_the_box_and_their_crossing_points() -> None:
    m = _script()
    x0, y0 = m.BOX[0], m.BOX[1]
    line = [(x0 - 2, y0 + 1), (x0 + 1, y0 + 1), (x0 + 2, y0 + 1), (x0 - 3, y0 + 1),
            (x0 - 4, y0 + 1), (x0 + 1, y0 + 2)]
    runs = m.clip_runs(line)
    assert runs == [line[0:4], line[4:6]]
    assert m.clip_runs([(x0 - 5, y0 - 5), (x0 - 6, y0 - 6)]) == []


def test_simplify_drops_points_within_the_tolerance_and_keeps_bends() -> None:
    m = _script()
    straight = [(0.0, 0.0), (1.0, 0.004), (2.0, -0.003), (3.0, 0.0)]
    assert m.simplify(straight, 0.01) == [(0.0, 0.0), (3.0, 0.0)]
    bend = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]
    assert m.simplify(bend, 0.01) == bend


def test_build_merges_one_river_renames_and_drops_nameless_minor_streams(tmp_path: Path) -> None:
    m = _script()
    x, y = m.BOX[0] + 1, m.BOX[1] + 1

    def feat(name: str | None, rank: float, coords: list[list[float]]) -> dict[str, object]:
        return {"type": "Feature", "properties": {"name": name, "scalerank": rank},
                "geometry": {"type": "LineString", "coordinates": coords}}

    src = tmp_path / "ne.json"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [
        feat("Oskol", 11.0, [[x, y], [x + 0.5, y + 0.5]]),
        feat("Oskol", 11.0, [[x + 1, y], [x + 1.5, y + 0.2]]),
        feat(None, 11.0, [[x, y], [x + 0.3, y]]),
        feat(None, 6.0, [[x, y], [x + 0.3, y + 0.001]]),
    ]}))
    fc = m.build([src])
    got = {(f["properties"]["name"], f["properties"]["rank"]): f["geometry"]["coordinates"]
           for f in fc["features"]}
    assert set(got) == {("Oskil", 11), (None, 6)}
    assert len(got[("Oskil", 11)]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    try:
        m.build([bad])
    except SystemExit as exc:
        assert "bad.json" in str(exc) and "FeatureCollection" in str(exc)
    else:
        raise AssertionError("a file that is not a FeatureCollection was accepted")
