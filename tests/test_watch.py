"""``frontlens watch``: each cycle ingests what is new among local folders and a file-based
feed, extracts and fuses it incrementally, says so in one status line and a log, and a
running API shows the new picture without a restart. No network: only local inputs."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import SAMPLE
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from frontlens.cli import app
from frontlens.config import Settings
from frontlens.serve import api as api_module
from frontlens.serve import create_app
from frontlens.store.db import Store
from frontlens.watch import Watcher


def drop(src: Path, folder: Path) -> Path:
    """Copy a file into the watched folder as if it had finished arriving a minute ago."""
    dest = folder / src.name
    shutil.copy(src, dest)
    past = time.time() - 60
    os.utime(dest, (past, past))
    return dest


def test_watch_once_ingests_a_folder_and_a_local_feed_then_extracts_and_fuses(
        tmp_path: Path, sqlite_url: str) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    drop(SAMPLE / "articles" / "2022-09-08-en-balakliia-celebrates.md", folder)
    feed = drop(SAMPLE / "feeds" / "frontlens-sample.rss", tmp_path)
    log = tmp_path / "watch.log"
    res = CliRunner().invoke(app, ["--db", sqlite_url, "watch", "--once", str(folder),
                                   str(feed), "--log", str(log)])
    assert res.exit_code == 0, res.output
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and "cycle 1: 2 inputs read" in lines[0]
    assert "fusion full" in lines[0] and lines[0] in res.output
    with Store(sqlite_url) as st:
        counts = st.counts()
    assert counts["sources"] >= 3 and counts["control_events"] and counts["events"]


def test_a_file_dropped_later_is_read_once_and_fused_incrementally_and_served_fresh(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_module, "PICTURE_RECHECK_S", 0.0)
    folder = tmp_path / "drop"
    folder.mkdir()
    drop(SAMPLE / "articles" / "2022-09-08-en-balakliia-celebrates.md", folder)
    lines: list[str] = []
    with Store(sqlite_url) as st:
        watcher = Watcher(st, [str(folder)], Settings(db=sqlite_url), log=lines.append)
        first = watcher.cycle()
        assert first.inputs == 1 and first.added and first.fusion == "full"
        with TestClient(create_app(Settings(db=sqlite_url))) as client:
            before = {p["place"] for p in client.get("/api/picture?as_of=2022-09-13").json()}
            idle = watcher.cycle()
            assert idle.inputs == 0 and idle.added == 0 and idle.fusion == ""
            drop(SAMPLE / "articles" / "2022-09-12-uk-izium-flag.md", folder)
            third = watcher.cycle()
            assert third.inputs == 1 and third.added and third.extracted == 1
            assert third.fusion == "incremental" and third.places >= 1
            after = {p["place"] for p in client.get("/api/picture?as_of=2022-09-13").json()}
    assert after - before, (before, after)
    assert len(lines) == 3 and all(" cycle " in ln for ln in lines)
