"""mapdiff and mapcheck on the bundled synthetic control layers."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from frontlens.cli import app

SAMPLE = Path(__file__).resolve().parents[1] / "sample"

runner = CliRunner()


def _cli(db: str, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--db", db, *args])


def test_mapdiff_reports_area_settlements_and_period_claims(sqlite_url: str,
                                                            tmp_path: Path) -> None:
    claim = tmp_path / "claim.md"
    claim.write_text("---\ndate: 2022-09-10T10:00:00Z\noutlet: frontlens test\n---\n"
                     "Ukraine says it has retaken more than 1,000 square kilometers.\n",
                     encoding="utf-8")
    assert _cli(sqlite_url, "ingest", str(SAMPLE / "maps"), str(claim)).exit_code == 0
    assert _cli(sqlite_url, "extract").exit_code == 0
    result = _cli(sqlite_url, "mapdiff", "--from", "2022-09-06", "--to", "2022-09-12", "--json")
    assert result.exit_code == 0, result.output
    diff = json.loads(result.stdout)
    assert diff["layers"] == ["2022-09-06", "2022-09-12"]
    assert diff["to_free_km2"] > 100 and diff["n_settlements_to_free"] > 0
    assert [c["value_km2"] for c in diff["area_claims"]] == [1000.0]
    # no source names any settlement, so every one that changed hands is a coverage gap
    assert diff["n_coverage_gaps"] == diff["n_settlements_to_free"] + diff[
        "n_settlements_to_occupied"]
    assert "square kilometers" in diff["area_claims"][0]["sentence"]


def test_mapdiff_without_layers_is_a_clear_usage_error(sqlite_url: str) -> None:
    result = _cli(sqlite_url, "mapdiff", "--from", "2022-09-06", "--to", "2022-09-12")
    assert result.exit_code == 2 and result.stderr.startswith("error: ")


def test_mapcheck_needs_layers_and_then_judges_claims(sqlite_url: str, tmp_path: Path) -> None:
    text = tmp_path / "a.md"
    text.write_text("---\ndate: 2022-09-12T10:00:00Z\n---\nUkrainian forces liberated Izium "
                    "on Monday.\n", encoding="utf-8")
    _cli(sqlite_url, "ingest", str(text))
    _cli(sqlite_url, "extract")
    assert _cli(sqlite_url, "mapcheck").exit_code == 2
    _cli(sqlite_url, "ingest", str(SAMPLE / "maps"))
    result = _cli(sqlite_url, "mapcheck", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    [row] = [r for r in report["claims"] if r["place"] == "Izium"]
    assert row["action"] == "liberated" and row["verdict"] in ("agree", "disagree")
    assert report["stats"]["n_events"] >= 1


def test_mapcheck_text_says_what_each_verdict_means_and_cites_contradicted_claims(
        sqlite_url: str, tmp_path: Path) -> None:
    text = tmp_path / "a.md"
    text.write_text("---\ndate: 2022-09-12T10:00:00Z\n---\nRussian forces captured Izium "
                    "on Monday. Heavy fighting continued near Kupiansk.\n", encoding="utf-8")
    for args in (("ingest", str(text)), ("extract",), ("ingest", str(SAMPLE / "maps"))):
        _cli(sqlite_url, *args)
    result = _cli(sqlite_url, "mapcheck")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "claims checked against the map layers" in out
    assert "nothing to check" in out or "says RU; the map does not" in out
    if "disagree" in out:
        assert "“Russian forces captured Izium" in out
