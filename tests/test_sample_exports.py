"""The bundled sample through the whole chain: its equipment ledger against the hand tally in
``sample/README.md``, and every GeoJSON the project writes or serves read by GDAL (pyogrio)
with one geometry type and one schema per file. No network."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SAMPLE
from fastapi.testclient import TestClient

from frontlens.config import Settings
from frontlens.extract.pipeline import run_extract
from frontlens.fuse.picture import run_fusion
from frontlens.ingest import ingest_inputs
from frontlens.report.export import write_acled, write_geojson
from frontlens.report.ledgers import equipment_items
from frontlens.serve.api import create_app
from frontlens.store import schema
from frontlens.store.db import Store
from frontlens.store.evidence import evidence_dir, file_sha256, path_for

pyogrio = pytest.importorskip("pyogrio", reason="pyogrio (GDAL) missing: pip install -e .[dev]")


@pytest.fixture(scope="module")
def sample_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite holding the sample, extracted and fused (built once for the module)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sample') / 'frontlens.db'}"
    with Store(url) as store:
        assert ingest_inputs(store, [str(SAMPLE)], Settings(db=url)).added > 0
        run_extract(store)
        run_fusion(store)
    yield url


def hand_tally() -> dict[tuple[str, str, str], int]:
    """(type, side, fate) → count from the table under "Equipment tally" in the README."""
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    section = text.split("## Equipment tally", 1)[1]
    out: dict[tuple[str, str, str], int] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[3].isdigit():
            out[(cells[0], cells[1], cells[2])] = int(cells[3])
    return out


def test_sample_ledger_counts_each_item_once_as_the_hand_tally_does(sample_url: str) -> None:
    """Every item the hand tally lists once is counted once (the T-72B3 of nine reports in
    three languages, a recap and a repainted photo; the Shilka reported by both sides' desks;
    the Ka-52 claim and its confirmations), and no two items are folded into one: the two
    MT-LB of unknown fate standing in Balakliia stay apart from the MT-LB destroyed near
    Verbivka the same week, because the reports name different places. Every row equals the
    tally."""
    tally = hand_tally()
    assert sum(tally.values()) == 17 and len(tally) == 14
    with Store(sample_url) as store:
        items = equipment_items(store)
    ledger: dict[tuple[str, str, str], int] = {}
    for it in items:
        key = (it.type, it.country, it.fate)
        ledger[key] = ledger.get(key, 0) + it.count
    diff = {k: (ledger.get(k, 0), tally.get(k, 0)) for k in set(ledger) | set(tally)
            if ledger.get(k, 0) != tally.get(k, 0)}
    assert diff == {}
    assert all(it.date is not None for it in items)
    unknown = [it for it in items if (it.type, it.fate) == ("MT-LB", "unknown")]
    assert [it.place for it in unknown] == ["Balakliia"]


def _check_geojson(path: Path) -> tuple[str, int]:
    """GDAL reads the file as one layer with one geometry type; every feature has the same
    property names, and GDAL's fields are those names."""
    info = pyogrio.read_info(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    feats = doc["features"]
    assert info["features"] == len(feats), path
    if not feats:
        return "none", 0
    assert info["geometry_type"] not in ("Unknown", "GeometryCollection", None), (
        path, info["geometry_type"])
    assert len({f["geometry"]["type"] for f in feats}) == 1, path
    assert all(len(f["geometry"]["coordinates"]) and _flat2d(f["geometry"]["coordinates"])
               for f in feats), path
    keys = {tuple(sorted(f["properties"])) for f in feats}
    assert len(keys) == 1, (path, keys)
    assert set(info["fields"]) <= set(next(iter(keys))) | {"id"}, path
    return str(info["geometry_type"]), len(feats)


def _flat2d(coords: Any) -> bool:
    if coords and isinstance(coords[0], (int, float)):
        return len(coords) == 2
    return all(_flat2d(c) for c in coords)


def test_every_geojson_written_or_served_reads_in_gdal_with_one_geometry_type(
        sample_url: str, tmp_path: Path) -> None:
    checked: dict[str, tuple[str, int]] = {}
    with Store(sample_url) as store:
        for what in ("events", "timelines"):
            path = tmp_path / f"{what}.geojson"
            with path.open("w", encoding="utf-8") as fh:
                write_geojson(store, fh, what)
            checked[f"export {what}"] = _check_geojson(path)
    with TestClient(create_app(Settings(db=sample_url))) as client:
        layers = client.get("/api/layers").json()
        assert layers
        for layer in layers:
            for kind in ("all", "polygons", "points"):
                r = client.get(f"/api/layers/{layer['id']}/features",
                               params={"geometry": kind})
                assert r.status_code == 200
                path = tmp_path / f"{layer['id']}-{kind}.geojson"
                path.write_text(r.text, encoding="utf-8")
                checked[f"layer {layer['id']} {kind}"] = _check_geojson(path)
        for name in ("countries", "oblasts", "places"):
            r = client.get(f"/basemap/{name}.geojson")
            assert r.status_code == 200, name
            path = tmp_path / f"basemap-{name}.geojson"
            path.write_text(r.text, encoding="utf-8")
            checked[f"basemap {name}"] = _check_geojson(path)
    for name in ("countries", "oblasts", "places"):
        shipped = REPO / "src" / "frontlens" / "serve" / "static" / "basemap" / f"{name}.geojson"
        checked[f"shipped {name}"] = _check_geojson(shipped)
    assert checked["export events"][1] > 0 and checked["export timelines"][1] > 0
    assert all(re.fullmatch(r"(Multi)?(Point|Polygon|LineString)|none", t)
               for t, _ in checked.values()), checked


def test_exports_carry_each_sources_original_hash_and_capture_time(
        sample_url: str, tmp_path: Path) -> None:
    """ACLED rows and GeoJSON features name, per supporting source, the SHA-256 of the kept
    original (which re-hashes to it in the evidence folder), of the text, and the capture
    time, so a cited row can be proven against what was retrieved."""
    import csv
    import io

    from sqlalchemy import select

    root = evidence_dir(sample_url, None)
    assert root is not None
    with Store(sample_url) as store, store.engine.connect() as conn:
        src = {r.id: r for r in conn.execute(select(schema.sources))}
        fh = io.StringIO()
        write_acled(store, fh, timestamp=1)
        path = tmp_path / "events.geojson"
        with path.open("w", encoding="utf-8") as out:
            write_geojson(store, out, "events")
    rows = list(csv.DictReader(io.StringIO(fh.getvalue())))
    assert rows
    for r in rows:
        ids, orig, text, when = (r[c].split("; ") for c in (
            "frontlens_source_ids", "frontlens_original_sha256", "frontlens_text_sha256",
            "frontlens_captured_at"))
        assert ids and len(ids) == len(orig) == len(text) == len(when), r
        for i, o, t, w in zip(ids, orig, text, when, strict=True):
            assert o == src[i].meta["evidence"]["sha256"] and re.fullmatch("[0-9a-f]{64}", o)
            assert file_sha256(path_for(root, o)) == o
            assert t == src[i].content_hash
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", w)
    feats = json.loads(path.read_text(encoding="utf-8"))["features"]
    with_sources = [f["properties"] for f in feats if f["properties"]["sources"]]
    assert with_sources
    for p in with_sources:
        assert len(p["sources"]) == len(p["source_original_sha256"]) == \
            len(p["source_text_sha256"]) == len(p["source_captured_at"])
        assert p["source_original_sha256"] == [src[i].meta["evidence"]["sha256"]
                                               for i in p["sources"]]
    info = pyogrio.read_info(path)
    assert "source_original_sha256" in list(info["fields"])


def test_basemap_draws_crimea_as_ukraine_de_jure() -> None:
    """Natural Earth gives the peninsula to Russia; the shipped basemap draws the recognised
    border (occupation is shown by control layers), and Crimea's oblast outline is the
    peninsula, not a strip along the Perekop line."""
    from shapely.geometry import Point, shape

    base = REPO / "src" / "frontlens" / "serve" / "static" / "basemap"
    countries = json.loads((base / "countries.geojson").read_text(encoding="utf-8"))
    shapes = {f["properties"]["name"]: shape(f["geometry"]) for f in countries["features"]}
    for lon, lat in ((34.10, 44.95), (33.52, 44.60), (35.38, 45.03)):  # Simferopol, ...
        assert shapes["Ukraine"].contains(Point(lon, lat)), (lon, lat)
        assert not shapes["Russia"].contains(Point(lon, lat)), (lon, lat)
    assert shapes["Russia"].contains(Point(37.6, 45.3))  # the Taman peninsula stays Russia's
    oblasts = json.loads((base / "oblasts.geojson").read_text(encoding="utf-8"))
    crimea = next(shape(f["geometry"]) for f in oblasts["features"]
                  if f["properties"]["name"] == "Crimea")
    assert crimea.area > 2.5 and crimea.contains(Point(34.10, 44.95))
