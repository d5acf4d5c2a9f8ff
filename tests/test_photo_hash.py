"""Perceptual hashes of photos: a re-encoded or resized repost of a photo is recognised as the
same photo (dHash), recorded at ingest beside the SHA-256, shown by `evidence show`, and used
by the ledger to count the item once. Every image is drawn here with Pillow."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from typer.testing import CliRunner

from frontlens.cli import app
from frontlens.config import Settings
from frontlens.ingest import ingest_inputs
from frontlens.model import EquipmentLoss
from frontlens.report.ledgers import equipment_items
from frontlens.store.db import Store
from frontlens.store.evidence import DHASH_SAME_BITS, dhash_distance, photo_dhash


def draw_photo(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A picture with structure (a gradient sky, ground, shapes), different for each seed."""
    rnd = random.Random(seed)
    w, h = size
    img = Image.new("RGB", size)
    d = ImageDraw.Draw(img)
    for y in range(h):  # a vertical gradient, so rows differ
        g = int(80 + 120 * y / h)
        d.line([(0, y), (w, y)], fill=(g, g + rnd.randrange(0, 20), 200 - g // 2))
    for _ in range(12):
        x0, y0 = rnd.randrange(w), rnd.randrange(h)
        x1, y1 = x0 + rnd.randrange(30, w // 2), y0 + rnd.randrange(30, h // 2)
        fill = tuple(rnd.randrange(256) for _ in range(3))
        (d.ellipse if rnd.random() < 0.5 else d.rectangle)([x0, y0, x1, y1], fill=fill)
    return img


def _save(img: Image.Image, path: Path, **kw: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, **kw)
    return path


def test_dhash_survives_reencoding_and_resizing_but_tells_photos_apart(tmp_path: Path) -> None:
    original = draw_photo(1)
    a = photo_dhash(_save(original, tmp_path / "a.png"))
    jpeg = photo_dhash(_save(original, tmp_path / "a.jpg", quality=60))
    small = photo_dhash(_save(original.resize((213, 160)), tmp_path / "a_small.jpg",
                              quality=75))
    other = photo_dhash(_save(draw_photo(2), tmp_path / "b.png"))
    assert a and jpeg and small and other and len(a) == 16
    assert dhash_distance(a, jpeg) <= DHASH_SAME_BITS
    assert dhash_distance(a, small) <= DHASH_SAME_BITS
    assert dhash_distance(a, other) > 3 * DHASH_SAME_BITS
    (tmp_path / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 not an image")
    assert photo_dhash(tmp_path / "clip.mp4") is None  # a video keeps its SHA-256 only


def _channel(folder: Path, name: str, ident: int, day: str, text: str, photo: Path) -> Path:
    """A Telegram Desktop export of one post shipping ``photo`` beside result.json."""
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    rel = f"photos/{photo.name}"
    (folder / rel).write_bytes(photo.read_bytes())
    msg = {"id": 1, "type": "message", "date": f"{day}T10:00:00", "from": name, "text": text,
           "photo": rel}
    (folder / "result.json").write_text(json.dumps(
        {"name": name, "type": "public_channel", "id": ident, "messages": [msg]},
        ensure_ascii=False), encoding="utf-8")
    return folder


def test_ingest_records_each_photos_dhash_and_evidence_show_lists_it(
        sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    photo = _save(draw_photo(3), tmp_path / "img" / "p1.jpg", quality=90)
    folder = _channel(tmp_path / "export", "Front Watch", 7, "2022-09-10",
                      "Знищений танк біля Балаклії.", photo)
    monkeypatch.setenv("FRONTLENS_DB", sqlite_url)
    run = CliRunner().invoke
    assert run(app, ["ingest", str(folder)]).exit_code == 0
    with Store(sqlite_url) as store:
        src = store.list_sources(limit=1)[0]
    assert src.meta["media_dhash"] == {"photos/p1.jpg": photo_dhash(photo)}
    shown = json.loads(run(app, ["evidence", "show", src.id, "--json"]).output)
    media = [e for e in shown["evidence"] if e["kind"] == "media"]
    assert [e["dhash"] for e in media] == [photo_dhash(photo)]
    assert "dhash " + str(photo_dhash(photo)) in run(app, ["evidence", "show", src.id]).output


@pytest.mark.parametrize("same_photo", [True, False])
def test_ledger_counts_a_resized_repost_of_a_photo_once(
        store: Store, tmp_path: Path, same_photo: bool) -> None:
    """A destroyed T-72B3 photographed on 1 September and the same photo, resized and
    re-encoded, posted by another channel three weeks later (too late for the recap rule,
    another file for fusion's same-link rule): one item. A different photo: two items."""
    first = draw_photo(4)
    p1 = _save(first, tmp_path / "img" / "t72.png")
    p2 = _save(first.resize((320, 240)) if same_photo else draw_photo(5),
               tmp_path / "img" / "repost.jpg", quality=70)
    a = _channel(tmp_path / "a", "Desk A", 11, "2022-09-01", "Destroyed T-72B3.", p1)
    b = _channel(tmp_path / "b", "Desk B", 12, "2022-09-22", "T-72B3 destroyed, photo.", p2)
    settings = Settings(db=store.url, evidence_dir=str(tmp_path / "evidence"))
    assert ingest_inputs(store, [str(a), str(b)], settings).added == 2
    srcs = store.list_sources(limit=5)
    assert all(s.meta.get("media_dhash") for s in srcs)
    with store.transaction() as conn:
        store.insert_new(conn, [EquipmentLoss(
            source_id=s.id, start=0, end=len(s.text), extractor="test", extractor_version="0",
            catalog_type="T-72B3", model_text="T-72B3", category="tank", side="RU",
            fate="destroyed", evidence_urls=list(s.media)) for s in srcs])
    items = equipment_items(store)
    assert len(items) == (1 if same_photo else 2), items
    if same_photo:
        assert sorted(items[0].source_ids) == sorted(s.id for s in srcs)
        assert str(items[0].date) == "2022-09-01"
