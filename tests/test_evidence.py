"""Preserved originals: every ingested input and the photos an export ships are kept
content-addressed, re-hashed by `frontlens evidence verify`, listed by `evidence show`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontlens.cli import app
from frontlens.config import Settings
from frontlens.ingest import ingest_inputs
from frontlens.store.db import Store
from frontlens.store.evidence import file_sha256, path_for

PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg, but bytes to keep"


def _export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "p1.jpg").write_bytes(PHOTO)
    msgs = [{"id": 1, "type": "message", "date": "2022-09-10T13:00:00",
             "date_unixtime": "1662814800", "from": "Front Watch",
             "text": "Прапор над Балаклією.", "photo": "photos/p1.jpg"},
            {"id": 2, "type": "message", "date": "2022-09-10T14:00:00",
             "date_unixtime": "1662818400", "from": "Front Watch",
             "text": "Без фото.", "photo": "../../outside.jpg"}]
    (folder / "result.json").write_text(json.dumps(
        {"name": "Front Watch", "type": "public_channel", "id": 7, "messages": msgs},
        ensure_ascii=False), encoding="utf-8")
    (tmp_path / "outside.jpg").write_bytes(b"not part of the export")
    return folder


def _env(db_url: str, tmp_path: Path) -> dict[str, str]:
    env = {"FRONTLENS_DB": db_url}
    if not db_url.startswith("sqlite"):
        env["FRONTLENS_EVIDENCE_DIR"] = str(tmp_path / "evidence")
    return env


def test_inputs_and_their_photos_are_kept_verified_and_shown(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in _env(db_url, tmp_path).items():
        monkeypatch.setenv(k, v)
    folder = _export(tmp_path)
    run = CliRunner().invoke
    assert run(app, ["ingest", str(folder)]).exit_code == 0
    ok = run(app, ["evidence", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.output)
    assert report["checked"] == 2 and report["problems"] == []  # result.json + p1.jpg
    store = Store(db_url)
    src = next(s for s in store.list_sources(limit=5) if s.media == ["photos/p1.jpg"])
    root = Path(report["folder"])
    original = path_for(root, src.meta["evidence"]["sha256"])
    assert original.read_bytes() == (folder / "result.json").read_bytes()
    photo_sha = src.meta["media_sha256"]["photos/p1.jpg"]
    assert path_for(root, photo_sha).read_bytes() == PHOTO
    other = next(s for s in store.list_sources(limit=5) if s.id != src.id)
    assert "media_sha256" not in other.meta  # a path outside the export folder is not copied
    shown = json.loads(run(app, ["evidence", "show", src.id[:12], "--json"]).output)
    assert [(e["kind"], e["present"]) for e in shown["evidence"]] == [("input", True),
                                                                       ("media", True)]
    # the same input again keeps nothing twice
    assert run(app, ["ingest", str(folder)]).exit_code == 0
    assert json.loads(run(app, ["evidence", "verify", "--json"]).output)["checked"] == 2
    # a changed original is found and named
    os.chmod(original, 0o644)
    original.write_bytes(original.read_bytes() + b" ")
    bad = run(app, ["evidence", "verify"])
    assert bad.exit_code == 1
    assert src.meta["evidence"]["sha256"] in bad.output and "1 missing or changed" in bad.output
    assert file_sha256(path_for(root, photo_sha)) == photo_sha


def test_an_input_that_would_overfill_the_evidence_folder_is_refused_with_a_reason(
        store: Store, tmp_path: Path) -> None:
    settings = Settings(db=store.url, evidence_max_bytes=10,
                        evidence_dir=str(tmp_path / "ev"))
    text = tmp_path / "a.txt"
    text.write_text("Fighting near Kupiansk, more than ten bytes.", encoding="utf-8")
    batch = ingest_inputs(store, [str(text)], settings)
    assert batch.inputs[0].error and "FRONTLENS_EVIDENCE_MAX_BYTES" in batch.inputs[0].error
    assert store.counts()["sources"] == 0 and store.counts()["evidence"] == 0
    off = Settings(db=store.url, evidence_max_bytes=0, evidence_dir=str(tmp_path / "ev"))
    assert ingest_inputs(store, [str(text)], off).added == 1  # 0 keeps no originals
    assert store.counts()["evidence"] == 0
