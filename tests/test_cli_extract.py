"""The extraction commands end to end: extract, records, geoparse and eval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontlens.cli import app
from frontlens.store.db import Store

runner = CliRunner()

ARTICLE = """---
title: "[SYNTHETIC] test report"
date: 2022-09-09T18:00:00+03:00
outlet: frontlens test
---
Ukrainian President Volodymyr Zelenskyy celebrated the liberation of the city of Balakliia
on Friday. "Several settlements have come under our control," a Ukrainian officer said.
Ukraine says it has retaken more than 1,000 square kilometers. A captured T-72B3 was
photographed near Balakliia.
"""


def _cli(db: str, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--db", db, *args])


def test_extract_stores_records_and_a_second_run_does_nothing(sqlite_url: str,
                                                              tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(ARTICLE, encoding="utf-8")
    assert _cli(sqlite_url, "ingest", str(tmp_path / "a.md")).exit_code == 0
    first = _cli(sqlite_url, "extract", "--json")
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["processed"] == 1 and report["records"] > 0
    assert json.loads(_cli(sqlite_url, "extract", "--json").stdout)["processed"] == 0
    counts = json.loads(_cli(sqlite_url, "stats", "--json").stdout)
    assert counts["control_events"] >= 1 and counts["area_claims"] == 1
    assert counts["equipment_losses"] == 1 and counts["extractions"] == 1
    listed = _cli(sqlite_url, "records", "control")
    assert "liberated" in listed.stdout and "Balakliia" in listed.stdout


def test_extract_rejects_a_malformed_since_date(sqlite_url: str) -> None:
    result = _cli(sqlite_url, "extract", "--since", "last tuesday")
    assert result.exit_code == 2 and "not a date" in result.stderr


def test_geoparse_prints_places_without_storing_anything(sqlite_url: str, tmp_path: Path,
                                                         monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["geoparse", "--lang", "uk",
                                 "ЗСУ звільнили Балаклію на Харківщині."])
    assert result.exit_code == 0, result.output
    places = json.loads(result.stdout)
    assert [p["name"] for p in places] == ["Balakliia", "Kharkiv Oblast"]
    first = places[0]
    assert first["surface"] == "Балаклію" and first["country"] == "UA"
    assert {"start", "end", "lat", "lon", "gazetteer_id", "admin1", "score"} <= set(first)
    assert not (tmp_path / "frontlens.db").exists()


def test_geoparse_jsonl_answers_one_line_per_input(tmp_path: Path) -> None:
    batch = tmp_path / "in.jsonl"
    batch.write_text(
        json.dumps({"id": "x", "text": "Russian troops withdrew from Izium.", "lang": "en"})
        + "\n" + json.dumps({"id": "y", "text": "Войска отошли из Купянска."}) + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["geoparse", "--jsonl", str(batch)])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["x", "y"]
    assert rows[0]["places"][0]["name"] == "Izium"
    assert rows[1]["places"][0]["name"] == "Kupiansk"


def test_eval_writes_json_with_every_section_and_markdown_with_errors(tmp_path: Path) -> None:
    text = "Ukrainian forces liberated Balakliia. Russian troops shelled Kharkiv."
    gold = {
        "id": "t1", "date": "2022-09-09", "text": text,
        "gold": {
            "places": [
                {"surface": "Balakliia", "name": "Balakliia", "kind": "settlement",
                 "country": "UA", "usage": "literal", "mentions": [[27, 36]],
                 "lat": 49.46, "lon": 36.86},
                {"surface": "Kharkiv", "name": "Kharkiv", "kind": "settlement",
                 "country": "UA", "usage": "literal", "mentions": [[61, 68]],
                 "lat": 49.99, "lon": 36.23},
                # deliberately wrong span, so the report must list a miss
                {"surface": "Izium", "name": "Izium", "kind": "settlement", "country": "UA",
                 "usage": "literal", "mentions": [[0, 5]], "lat": 49.21, "lon": 37.26},
            ],
            "control_claims": [{"place_surface": "Balakliia", "place": "Balakliia",
                                "new_controller": "UA", "action": "liberated", "actor": "UA",
                                "claimed_by": None, "date": None},
                               {"place_surface": "Kharkiv", "place": "Kharkiv",
                                "new_controller": None, "action": "shelled", "actor": "RU",
                                "claimed_by": None, "date": None}],
            "equipment": [], "statements": [], "area_claims": [],
        },
    }
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(gold) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", str(path), "--json", str(tmp_path / "r.json"),
                                 "--md", str(tmp_path / "r.md")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    for key in ("places", "control_events", "equipment", "statements", "area_claims"):
        assert {"precision", "recall", "f1", "n_gold", "n_pred"} <= set(report[key])
    assert {"acc_161km", "median_km", "n"} <= set(report["geocoding"])
    assert report["control_events"]["f1"] == 1.0
    assert report["places"]["n_gold"] == 3 and report["places"]["recall"] < 1.0  # "Izium" span
    md = (tmp_path / "r.md").read_text()
    assert "Matching rules" in md and "missed" in md


def test_read_only_commands_refuse_a_database_that_does_not_exist(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from frontlens.cli import app

    db = tmp_path / "typo.db"
    commands = [["picture", "--as-of", "2022-09-12"], ["sources"],
                ["brief", "--from", "2022-09-01", "--to", "2022-09-02"],
                ["export", "--format", "geojson", "-o", str(tmp_path / "e.geojson")]]
    for args in commands:
        r = CliRunner().invoke(app, ["--db", f"sqlite:///{db}", *args])
        assert r.exit_code == 2, (args, r.output)
        assert "no database at" in r.output
    assert not db.exists()


def test_geoparse_without_text_is_an_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from frontlens.cli import app

    r = CliRunner().invoke(app, ["geoparse", ""])
    assert r.exit_code == 1 and "no text" in r.output
    batch = tmp_path / "b.jsonl"
    batch.write_text('{"id": 1}\n{"id": 2, "text": "Shelling of Kupiansk."}\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["geoparse", "--jsonl", str(batch)])
    assert r.exit_code == 1 and f"{batch}:1" in r.output and '"id": 2' in r.output


@pytest.mark.parametrize(("var", "value"), [("FRONTLENS_BATCH_SIZE", "abc"),
                                            ("FRONTLENS_BATCH_SIZE", "0"),
                                            ("FRONTLENS_FETCH_TIMEOUT", "-1"),
                                            ("FRONTLENS_ALLOW_PRIVATE", "maybe")])
def test_a_bad_frontlens_setting_is_one_error_line_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch, var: str, value: str) -> None:
    from typer.testing import CliRunner

    from frontlens.cli import app

    monkeypatch.setenv(var, value)
    r = CliRunner().invoke(app, ["stats"])
    assert r.exit_code == 2
    assert f"error: {var}={value!r}" in r.output and "Traceback" not in r.output


def test_a_database_locked_by_another_process_is_one_line_and_loses_nothing(
        tmp_path: Path) -> None:
    import os
    import sqlite3
    import subprocess
    import sys

    db = tmp_path / "locked.db"
    first = tmp_path / "a.txt"
    first.write_text("Fighting near Kupiansk.", encoding="utf-8")
    env = {**os.environ, "FRONTLENS_DB": f"sqlite:///{db}", "FRONTLENS_LOCK_TIMEOUT": "1"}
    cmd = [sys.executable, "-m", "frontlens.cli"]
    done = subprocess.run([*cmd, "ingest", str(first)], env=env, capture_output=True)
    assert done.returncode == 0
    holder = sqlite3.connect(db)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    try:
        second = tmp_path / "b.txt"
        second.write_text("Shelling of Kharkiv.", encoding="utf-8")
        r = subprocess.run([*cmd, "ingest", str(second)], env=env, capture_output=True, text=True,
                           timeout=60)
    finally:
        holder.rollback()
        holder.close()
    assert r.returncode == 2, r.stderr
    assert "database is locked" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert Store(f"sqlite:///{db}").counts()["sources"] == 1


@pytest.mark.parametrize("bad", ["2022-09-12garbage", "2022-9-1", "12/09/2022"])
def test_a_date_option_with_trailing_text_is_refused(bad: str) -> None:
    r = CliRunner().invoke(app, ["--db", "sqlite:///:memory:", "picture", "--as-of", bad])
    assert r.exit_code == 2 and "not a date" in r.output


def test_picture_says_when_fusion_is_older_than_the_sources(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'f.db'}"
    a = tmp_path / "a.md"
    a.write_text("---\ndate: 2022-09-10\n---\nUkrainian forces liberated Balakliia.",
                 encoding="utf-8")
    run = CliRunner().invoke
    for args in (["ingest", str(a)], ["extract"], ["fuse"]):
        assert run(app, ["--db", db, *args]).exit_code == 0
    fresh = run(app, ["--db", db, "picture", "--as-of", "2022-09-12"])
    assert "stale" not in fresh.output
    b = tmp_path / "b.md"
    b.write_text("---\ndate: 2022-09-11\n---\nRussian forces captured Kupiansk.",
                 encoding="utf-8")
    assert run(app, ["--db", db, "ingest", str(b)]).exit_code == 0
    stale = run(app, ["--db", db, "picture", "--as-of", "2022-09-12"])
    assert "stale: 1 source(s) ingested since the last `frontlens fuse`" in stale.output
    assert run(app, ["--db", db, "extract"]).exit_code == 0
    assert "extraction(s) changed" in run(app, ["--db", db, "brief", "--from", "2022-09-10",
                                                "--to", "2022-09-12"]).output
    assert run(app, ["--db", db, "fuse"]).exit_code == 0
    assert "stale" not in run(app, ["--db", db, "picture", "--as-of", "2022-09-12"]).output


def test_serve_warns_when_fusion_never_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    db = f"sqlite:///{tmp_path / 's.db'}"
    a = tmp_path / "a.md"
    a.write_text("---\ndate: 2022-09-10\n---\nUkrainian forces liberated Balakliia.",
                 encoding="utf-8")
    run = CliRunner().invoke
    for args in (["ingest", str(a)], ["extract"]):
        assert run(app, ["--db", db, *args]).exit_code == 0
    started: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    r = run(app, ["--db", db, "serve"])
    assert r.exit_code == 0 and started
    assert "fusion has not run" in r.output
