"""Photo dHashes in the evidence table, and fusion counting one photo once (issues 12, 15).

A kept photo's perceptual hash is stored in ``evidence.dhash`` at ingest (migration 0011 adds
the column and fills it from the sources' meta; ``frontlens evidence dhash`` hashes photos kept
before that from their files); ``evidence show`` and ``/api/sources/{id}`` list it. Two
reports from different outlets shipping the same photo (re-encoded or resized, so another
file and another id) are one piece of evidence for fusion, not independent corroboration,
in a rebuild and in incremental fusion alike; two copies of one source keep every copy's
media. Every image is drawn here with Pillow, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from test_fuse_incremental import assert_equals_rebuild
from test_photo_hash import _channel, _save, draw_photo
from typer.testing import CliRunner

from frontlens.cli import app
from frontlens.config import Settings
from frontlens.fuse.picture import explain, fusion_staleness, run_fusion
from frontlens.ingest import ingest_inputs
from frontlens.model import ControlEvent, EquipmentLoss, Source
from frontlens.report.ledgers import equipment_items
from frontlens.serve.api import create_app
from frontlens.store import schema
from frontlens.store.db import Store, _alembic_config, current_revision, head_revision
from frontlens.store.evidence import DHASH_SAME_BITS, dhash_distance, near_photos, photo_dhash


def _photos(tmp_path: Path, same: bool) -> tuple[Path, Path]:
    """A photo and its repost: the same picture resized and re-encoded, or another one."""
    first = draw_photo(24)
    p1 = _save(first, tmp_path / "img" / "flag.png")
    p2 = _save(first.resize((320, 240)) if same else draw_photo(25),
               tmp_path / "img" / "repost.jpg", quality=70)
    return p1, p2


def _reports(tmp_path: Path, same: bool) -> list[Path]:
    """Two channels (two outlets, two texts no copy finder joins) report one liberation, each
    with its photo."""
    p1, p2 = _photos(tmp_path, same)
    return [_channel(tmp_path / "a", "Desk A", 11, "2022-09-10",
                     "Ukrainian forces liberated Balakliia, flag raised.", p1),
            _channel(tmp_path / "b", "Desk B", 12, "2022-09-11",
                     "Our troops are back in Balakliia: see the picture from the square.", p2)]


def _claim(store: Store, src: Source) -> None:
    """The liberation claim an extractor would read (written directly: no models needed)."""
    with store.transaction() as conn:
        store.insert_new(conn, [ControlEvent(
            source_id=src.id, start=0, end=len(src.text), extractor="test",
            extractor_version="0", place_name="Balakliia", action="liberated",
            new_controller="UA", event_date=date(2022, 9, 10), time_precision="day")])


def _ingest(store: Store, folder: Path, evidence: Path) -> Source:
    settings = Settings(db=store.url, evidence_dir=str(evidence))
    batch = ingest_inputs(store, [str(folder)], settings)
    assert batch.added == 1, batch
    outlet = json.loads((folder / "result.json").read_text("utf-8"))["name"]
    return next(s for s in store.list_sources(limit=10) if s.outlet == outlet)


def _event(store: Store) -> dict[str, Any]:
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(
            select(schema.events).where(schema.events.c.kind == "control"))]
    assert len(rows) == 1, rows
    return rows[0]


def _duplicates(store: Store) -> dict[str, str | None]:
    ev = schema.event_evidence
    with store.engine.connect() as conn:
        return {r.source_id: r.duplicate_of for r in conn.execute(
            select(ev).where(ev.c.record_type == "ControlEvent"))}


def test_near_photos_finds_pairs_within_the_bits_and_only_those() -> None:
    base = 0x9A3C_55F0_0FF1_C3A5
    flips = [base ^ (1 << b) for b in (0, 13, 26, 39)]  # 4 bits in 4 different parts
    items = [("a", f"{base:016x}"), ("b", f"{flips[-1]:016x}"),
             ("c", f"{base ^ 0b1111 ^ (1 << 63):016x}"),  # 5 bits off
             ("d", f"{base ^ sum(1 << b for b in (0, 13, 26, 39)):016x}"),  # 4 spread bits
             ("a", f"{(~base) & (2**64 - 1):016x}"), ("x", "not hex")]
    assert near_photos(items) == [("a", "b"), ("a", "d"), ("b", "d")]
    brute = sorted({(min(k1, k2), max(k1, k2)) for k1, h1 in items[:5] for k2, h2 in items[:5]
                    if k1 != k2 and dhash_distance(h1, h2) <= DHASH_SAME_BITS})
    assert near_photos(items) == brute


@pytest.mark.parametrize("same_photo", [True, False])
def test_two_reports_with_one_photo_count_as_one_piece_of_evidence(
        store: Store, tmp_path: Path, same_photo: bool) -> None:
    """Desk B reposts Desk A's photo (resized, another file and another id): one independent
    group, F2 (one group, photo −1); a different photo is real corroboration: two groups, F1.
    The first report is fused alone (a full rebuild), the second incrementally; both equal
    a rebuild."""
    a_dir, b_dir = _reports(tmp_path, same_photo)
    a = _ingest(store, a_dir, tmp_path / "ev")
    _claim(store, a)
    assert run_fusion(store).mode == "full"
    assert _event(store)["grade"] == "F2"  # one group with a photo
    b = _ingest(store, b_dir, tmp_path / "ev")
    _claim(store, b)
    assert run_fusion(store).mode == "incremental"
    e = _event(store)
    assert e["n_mentions"] == 2 and e["photo"]
    if same_photo:
        assert (e["n_sources_independent"], e["grade"]) == (1, "F2")
        assert _duplicates(store) == {a.id: None, b.id: a.id}
    else:
        assert (e["n_sources_independent"], e["grade"]) == (2, "F1")
        assert _duplicates(store) == {a.id: None, b.id: None}
    assert_equals_rebuild(store)
    with store.engine.connect() as conn:
        photos = dict(conn.execute(select(schema.fusion_sources.c.source_id,
                                          schema.fusion_sources.c.photos)).all())
    assert {k: json.loads(v) for k, v in photos.items()} == {
        a.id: [["photos/flag.png", a.meta["media_dhash"]["photos/flag.png"]]],
        b.id: [["photos/repost.jpg", b.meta["media_dhash"]["photos/repost.jpg"]]]}


def test_kept_photos_have_their_dhash_in_the_evidence_table_shown_by_cli_and_api(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a_dir, _ = _reports(tmp_path, True)
    (a_dir / "photos" / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 not an image")
    msgs = json.loads((a_dir / "result.json").read_text("utf-8"))
    msgs["messages"].append({"id": 2, "type": "message", "date": "2022-09-10T11:00:00",
                             "from": "Desk A", "text": "Video from Balakliia.",
                             "file": "photos/clip.mp4", "media_type": "video_file"})
    (a_dir / "result.json").write_text(json.dumps(msgs), "utf-8")
    monkeypatch.setenv("FRONTLENS_DB", db_url)
    monkeypatch.setenv("FRONTLENS_EVIDENCE_DIR", str(tmp_path / "ev"))
    run = CliRunner().invoke
    assert run(app, ["ingest", str(a_dir)]).exit_code == 0
    photo = photo_dhash(a_dir / "photos" / "flag.png")
    assert photo
    with Store(db_url) as store:
        with store.engine.connect() as conn:
            rows = {r.kind + ":" + Path(r.origin).name: r.dhash
                    for r in conn.execute(select(schema.evidence))}
        src = next(s for s in store.list_sources(limit=5) if s.media == ["photos/flag.png"])
    assert rows == {"input:result.json": None, "media:flag.png": photo, "media:clip.mp4": None}
    assert src.meta["media_dhash"] == {"photos/flag.png": photo}
    shown = json.loads(run(app, ["evidence", "show", src.id, "--json"]).output)
    assert [(e["kind"], e["dhash"]) for e in shown["evidence"]] == [("input", None),
                                                                     ("media", photo)]
    client = TestClient(create_app(Settings(db=db_url, evidence_dir=str(tmp_path / "ev"))))
    with client:
        detail = client.get(f"/api/sources/{src.id[:14]}").json()
    assert [(e["kind"], e["dhash"]) for e in detail["evidence"]] == [("input", None),
                                                                     ("media", photo)]
    assert detail["evidence"][1]["sha256"] == src.meta["media_sha256"]["photos/flag.png"]


def test_migration_fills_dhashes_from_sources_and_the_command_hashes_older_photos(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store at 0010 holds two kept photos: one whose source names its dHash (ingested after
    photos were hashed: the migration copies it), one from before (no dHash anywhere:
    ``evidence dhash`` reads it from the kept file). Fusion then sees both through the
    evidence table and counts the two reports once."""
    a_dir, b_dir = _reports(tmp_path, True)
    store = Store(db_url)
    a = _ingest(store, a_dir, tmp_path / "ev")
    b = _ingest(store, b_dir, tmp_path / "ev")
    with store.transaction() as conn:  # b was ingested before photos were hashed
        meta = {k: v for k, v in b.meta.items() if k != "media_dhash"}
        conn.execute(update(schema.sources).where(schema.sources.c.id == b.id)
                     .values(meta=meta))
    cfg = _alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    store.close()
    store = Store(db_url)  # opening it migrates to head
    assert current_revision(store.engine) == head_revision()
    sha_a = a.meta["media_sha256"]["photos/flag.png"]
    sha_b = b.meta["media_sha256"]["photos/repost.jpg"]
    ev = schema.evidence

    def dhashes() -> dict[str, str | None]:
        with store.engine.connect() as conn:
            return dict(conn.execute(select(ev.c.sha256, ev.c.dhash).where(ev.c.kind == "media"))
                        .all())

    assert dhashes() == {sha_a: a.meta["media_dhash"]["photos/flag.png"], sha_b: None}
    monkeypatch.setenv("FRONTLENS_DB", db_url)
    monkeypatch.setenv("FRONTLENS_EVIDENCE_DIR", str(tmp_path / "ev"))
    got = CliRunner().invoke(app, ["evidence", "dhash", "--json"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.output) | {"folder": ""} == {"folder": "", "hashed": 1,
                                                       "not_images": 0, "missing": 0}
    filled = dhashes()
    assert filled[sha_b] == photo_dhash(b_dir / "photos" / "repost.jpg")
    assert dhash_distance(filled[sha_a] or "", filled[sha_b] or "") <= DHASH_SAME_BITS
    again = json.loads(CliRunner().invoke(app, ["evidence", "dhash", "--json"]).output)
    assert again["hashed"] == 0  # nothing left to do
    for place, src in (("gn:1", a), ("gn:2", b)):
        _claim(store, src)
        with store.transaction() as conn:  # two places: only the photo joins the two
            store.insert_new(conn, [EquipmentLoss(
                source_id=src.id, start=0, end=len(src.text), extractor="test",
                extractor_version="0", catalog_type="T-72B3", model_text="T-72B3",
                category="tank", side="RU", fate="destroyed", place_id=place,
                evidence_urls=list(src.media))])
    run_fusion(store, full=True)
    assert _event(store)["n_sources_independent"] == 1
    assert _duplicates(store) == {a.id: None, b.id: a.id}
    assert "counted once with " + a.id + " (the same photo" in explain(store, _event(store)["id"])
    (item,) = equipment_items(store)
    assert sorted(item.source_ids) == sorted([a.id, b.id])
    store.close()


@pytest.mark.parametrize("photo_first", [True, False])
def test_two_copies_of_one_post_keep_every_copys_media(
        store: Store, tmp_path: Path, photo_first: bool) -> None:
    """The same Telegram post (same id) from an export that ships its photo and from one
    that does not, whichever is ingested first and whichever copy's provenance is kept (the
    bare copy's folder sorts first): the stored source keeps the photo, its SHA-256 and its
    dHash."""
    photo, _ = _photos(tmp_path, True)
    with_photo = _channel(tmp_path / "b-with-photo", "Desk A", 11, "2022-09-10",
                          "Ukrainian forces liberated Balakliia.", photo)
    bare = tmp_path / "a-bare"
    bare.mkdir()
    export = json.loads((with_photo / "result.json").read_text("utf-8"))
    export["messages"] = [{k: v for k, v in m.items() if k != "photo"}
                          for m in export["messages"]]
    (bare / "result.json").write_text(json.dumps(export), "utf-8")
    settings = Settings(db=store.url, evidence_dir=str(tmp_path / "ev"))
    order = [with_photo, bare] if photo_first else [bare, with_photo]
    for folder in order:
        ingest_inputs(store, [str(folder)], settings)
    (src,) = store.list_sources(limit=5)
    assert src.media == ["photos/flag.png"]
    assert src.origin.startswith(str(bare))  # provenance from the bare copy (sorts first)
    assert set(src.meta["media_sha256"]) == set(src.meta["media_dhash"]) == {"photos/flag.png"}
    assert src.meta["media_dhash"]["photos/flag.png"] == photo_dhash(photo)
    # fresh stores, both orders: the same media
    for folders in ([with_photo, bare], [bare, with_photo]):
        with Store(f"sqlite:///{tmp_path / f'one-{folders[0].name}.db'}") as one:
            ingest_inputs(one, [str(f) for f in folders],
                          Settings(db=one.url, evidence_dir=str(tmp_path / "ev2")))
            (got,) = one.list_sources(limit=5)
            assert (got.media, got.meta["media_dhash"]) == (src.media, src.meta["media_dhash"])


def test_an_x_archives_own_copies_of_tweet_photos_are_kept_with_their_dhash(
        store: Store, tmp_path: Path) -> None:
    """An X archive ships each tweet's media as ``data/tweets_media/<tweet id>-<name>``; the
    tweet names them by URL. The archive's copy is kept (SHA-256, dHash) under that URL, so a
    repost of the photo elsewhere is recognised; a photo the archive lacks stays a link."""
    from test_ingest_formats import archive_tweet, tweets_js

    data = tmp_path / "archive" / "data"
    tweet = archive_tweet()
    photo = _save(draw_photo(26), data / "tweets_media" / f"{tweet['id_str']}-A.jpg",
                  quality=90)
    (data / "tweets.js").write_text(tweets_js(tweet), "utf-8")
    (tmp_path / "archive" / "1568000000000000001-B.jpg").write_bytes(b"outside data/")
    settings = Settings(db=store.url, evidence_dir=str(tmp_path / "ev"))
    assert ingest_inputs(store, [str(data / "tweets.js")], settings).added == 1
    (src,) = store.list_sources(limit=5)
    url = "https://pbs.twimg.com/media/A.jpg"
    assert src.media == [url, "https://pbs.twimg.com/media/B.jpg"]
    assert list(src.meta["media_sha256"]) == [url] and src.meta["media_dhash"] == {
        url: photo_dhash(photo)}
    with store.engine.connect() as conn:
        kept = conn.execute(select(schema.evidence).where(
            schema.evidence.c.sha256 == src.meta["media_sha256"][url])).one()
    assert (kept.kind, kept.dhash, Path(kept.origin).name) == (
        "media", photo_dhash(photo), f"{tweet['id_str']}-A.jpg")


@pytest.mark.parametrize("same_photo", [True, False])
def test_equipment_reports_showing_one_photo_weeks_apart_are_one_fused_event(
        store: Store, tmp_path: Path, same_photo: bool) -> None:
    """A destroyed T-72B3 on 1 September and the same photo, resized, three weeks later from
    another channel (another file name: the same-link rule misses it): one equipment event,
    one independent group. A different photo: two events. Fused incrementally, as a rebuild."""
    first = draw_photo(27)
    p1 = _save(first, tmp_path / "img" / "t72.png")
    p2 = _save(first.resize((320, 240)) if same_photo else draw_photo(28),
               tmp_path / "img" / "repost.jpg", quality=70)
    assert (dhash_distance(photo_dhash(p1) or "", photo_dhash(p2) or "") <= DHASH_SAME_BITS) \
        == same_photo
    a_dir = _channel(tmp_path / "a", "Desk A", 11, "2022-09-01", "Destroyed T-72B3.", p1)
    b_dir = _channel(tmp_path / "b", "Desk B", 12, "2022-09-22", "T-72B3 destroyed, photo.", p2)
    for folder in (a_dir, b_dir):
        src = _ingest(store, folder, tmp_path / "ev")
        with store.transaction() as conn:
            store.insert_new(conn, [EquipmentLoss(
                source_id=src.id, start=0, end=len(src.text), extractor="test",
                extractor_version="0", catalog_type="T-72B3", model_text="T-72B3",
                category="tank", side="RU", fate="destroyed", evidence_urls=list(src.media))])
        run_fusion(store)
    with store.engine.connect() as conn:
        events = conn.execute(select(schema.events.c.n_mentions,
                                     schema.events.c.n_sources_independent)
                              .where(schema.events.c.kind == "equipment")).all()
    assert sorted(tuple(e) for e in events) == ([(2, 1)] if same_photo else [(1, 1), (1, 1)])
    assert_equals_rebuild(store)


def _fused(store: Store) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        return ([r._asdict() for r in conn.execute(select(schema.events))],
                sorted(tuple(r) for r in conn.execute(select(schema.event_evidence))))


def test_photo_groups_and_grades_do_not_depend_on_ingest_order(
        two_urls: tuple[str, str], tmp_path: Path) -> None:
    """Three reports, two sharing a photo: ingested in two orders, fused after each report
    (incrementally) and rebuilt, the events, grades and evidence rows are the same."""
    a_dir, b_dir = _reports(tmp_path, True)
    c_dir = _channel(tmp_path / "c", "Desk C", 13, "2022-09-10",
                     "Balakliia is Ukrainian again, residents greet the soldiers.",
                     _save(draw_photo(29), tmp_path / "img" / "street.png"))
    got = []
    for url, order in zip(two_urls, ([a_dir, b_dir, c_dir], [c_dir, b_dir, a_dir]),
                          strict=True):
        with Store(url) as store:
            for folder in order:
                _claim(store, _ingest(store, folder, tmp_path / f"ev-{len(got)}"))
                run_fusion(store)
            got.append(_fused(store))
            assert_equals_rebuild(store)
    assert got[0] == got[1]
    (event,), _ = got[0]
    assert (event["n_sources_independent"], event["grade"]) == (2, "F1")


def test_a_photo_groups_letter_is_its_best_member_s_in_either_order_and_fusion_path(
        two_urls: tuple[str, str], tmp_path: Path) -> None:
    """An unrated channel (F) posts a photo first; a day later Reuters (B in the reliability
    table) posts it resized, with the same claim: one independence group, whose letter is the
    best of its members' (B), not its earliest member's (F). A third channel with its own
    photo is a second group. Either ingest order, fused after each report or rebuilt at the
    end, on SQLite and PostgreSQL: B1 with letters B and F (was F1, the earliest copy's F)."""
    p1, p2 = _photos(tmp_path, True)
    early = _channel(tmp_path / "a", "Desk A", 11, "2022-09-10",
                     "Ukrainian forces liberated Balakliia, flag raised.", p1)
    wire = _channel(tmp_path / "b", "Reuters", 12, "2022-09-11",
                    "Ukrainian troops are back in Balakliia, a photo from the square shows.", p2)
    other = _channel(tmp_path / "c", "Desk C", 13, "2022-09-10",
                     "Balakliia is Ukrainian again, residents greet the soldiers.",
                     _save(draw_photo(29), tmp_path / "img" / "street.png"))
    got = []
    for url, order in zip(two_urls, ([early, wire, other], [other, wire, early]), strict=True):
        with Store(url) as store:
            for folder in order:
                _claim(store, _ingest(store, folder, tmp_path / f"ev-{len(got)}"))
                run_fusion(store)
            got.append(_fused(store))
            assert_equals_rebuild(store)
    assert got[0] == got[1]
    (event,), evidence = got[0]
    assert (event["n_sources_independent"], event["reliability"], event["grade"]) == (
        2, "B", "B1")
    assert event["explanation"]["letters"] == ["B", "F"]
    assert sum(1 for row in evidence if row[5] is not None) == 1  # Reuters: a copy of Desk A


def test_evidence_dhash_marks_fusion_stale_so_the_next_fuse_counts_the_photo_once(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Desk B's repost was kept before photos were hashed (no dHash in its meta nor in the
    evidence table): fused, the two reports are two groups. ``evidence dhash`` hashes the kept
    file and marks fusion stale: the picture says so, and the next plain ``fuse`` rebuilds
    (incremental fusion keeps what it read of each fused source, the photos included), so the
    two reports become one group, as a rebuild has them. Nothing hashed: nothing marked."""
    a_dir, b_dir = _reports(tmp_path, True)
    a = _ingest(store, a_dir, tmp_path / "ev")
    b = _ingest(store, b_dir, tmp_path / "ev")
    sha_b = b.meta["media_sha256"]["photos/repost.jpg"]
    with store.transaction() as conn:  # b as kept before photos were hashed
        conn.execute(update(schema.sources).where(schema.sources.c.id == b.id).values(
            meta={k: v for k, v in b.meta.items() if k != "media_dhash"}))
        conn.execute(update(schema.evidence).where(schema.evidence.c.sha256 == sha_b)
                     .values(dhash=None))
    for src in (a, b):
        _claim(store, src)
    assert run_fusion(store).mode == "full"
    assert (_event(store)["n_sources_independent"], _event(store)["grade"]) == (2, "F1")
    assert fusion_staleness(store) is None
    monkeypatch.setenv("FRONTLENS_DB", store.url)
    monkeypatch.setenv("FRONTLENS_EVIDENCE_DIR", str(tmp_path / "ev"))
    got = CliRunner().invoke(app, ["evidence", "dhash"])
    assert got.exit_code == 0, got.output
    assert "1 photo(s) hashed" in got.output and "next `frontlens fuse` rebuilds" in got.output
    assert "photo dHashes added" in (fusion_staleness(store) or "")
    rep = run_fusion(store)
    assert rep.mode == "full" and any("photo dHashes added" in n for n in rep.notes), rep.notes
    assert (_event(store)["n_sources_independent"], _event(store)["grade"]) == (1, "F2")
    assert _duplicates(store) == {a.id: None, b.id: a.id}
    assert fusion_staleness(store) is None
    assert_equals_rebuild(store)
    again = CliRunner().invoke(app, ["evidence", "dhash"])
    assert "0 photo(s) hashed" in again.output and "stale" not in again.output
    assert fusion_staleness(store) is None
    assert run_fusion(store).mode == "incremental"
