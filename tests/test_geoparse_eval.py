"""GeoWebNews-format scoring on a tiny synthetic corpus (the real one is in shared data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontlens.evaluate.geoparse import auc, eval_geoparse, metrics, read_lines

TEXT = "Troops left Izium for Kharkiv. Paris reacted."


def _write(root: Path) -> None:
    (root / "system_outputs" / "geocoding").mkdir(parents=True)
    (root / "GWN.xml").write_text(
        f'<articles><article file="7"><title>t</title><link>l</link><text>{TEXT}</text>'
        "<toponyms/></article></articles>", encoding="utf-8")
    gold = ("Izium,,Izium,,49.21,,37.25,,12,,17||Kharkiv,,Kharkiv,,49.98,,36.25,,22,,29||"
            "Paris,,Paris,,48.85,,2.35,,31,,36\n")
    (root / "gwn_full.txt").write_text(gold, encoding="utf-8")
    peer = "X,Y,,Izium,,49.2,,37.3,,12,,17||X,,Paris,,33.66,,-95.55,,31,,36\n"
    (root / "system_outputs" / "geocoding" / "gwn_edin.txt").write_text(peer, encoding="utf-8")


def test_auc_bounds() -> None:
    assert auc([0.0, 0.0, 0.0]) == 0.0
    assert auc([20039.0, 20039.0]) == pytest.approx(1.0, abs=1e-4)


def test_metrics_and_peers(tmp_path: Path) -> None:
    _write(tmp_path)
    gold = read_lines(tmp_path / "gwn_full.txt")
    peer = read_lines(tmp_path / "system_outputs" / "geocoding" / "gwn_edin.txt")
    m = metrics(gold, peer)
    assert (m["precision"], m["recall"]) == (1.0, pytest.approx(2 / 3, abs=1e-3))
    assert m["acc_161km"] == 0.5 and m["n"] == 2
    res = eval_geoparse(tmp_path, use_ner=False)
    assert set(res) == {"end_to_end", "gold_toponyms", "peers"}
    for part in (res["end_to_end"], res["gold_toponyms"], res["peers"]["edin"]):
        assert {"precision", "recall", "f1", "acc_161km", "mean_km", "median_km", "auc",
                "n"} <= set(part)
    assert res["gold_toponyms"]["recall"] == 1.0
    assert res["gold_toponyms"]["acc_161km"] == 1.0
    assert res["gold_toponyms"]["acc_161km_ceiling"] == 1.0  # every gold name is in the gazetteer
    assert res["end_to_end"]["f1"] == 1.0
