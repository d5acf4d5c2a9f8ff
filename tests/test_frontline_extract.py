"""Issue 14 inside ``frontlens extract``: the front line of the stored control maps and the
channel's usual area resolve places, in one process, over worker processes and on Dask."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from frontlens.config import Settings
from frontlens.extract import pipeline
from frontlens.extract.pipeline import run_extract
from frontlens.ingest import ingest_inputs
from frontlens.model import Source
from frontlens.resolve import frontline
from frontlens.store import schema
from frontlens.store.db import Store

MARINKA = "geonames:699458"  # the Novomykhailivka of the Marinka hromada, by the front
POST = "Окупанти штурмують Новомихайлівку."
OCCUPIED = {"name": "Окуповано /// Occupied", "fill": "#a52714"}


def _control_map(folder: Path, day: str, west: float = 37.6) -> Path:
    """An occupied block whose western edge runs 8 km east of the Marinka Novomykhailivka."""
    ring = [[west, 46.5], [40.5, 46.5], [40.5, 48.6], [west, 48.6], [west, 46.5]]
    fc = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": OCCUPIED,
        "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    path = folder / f"deepstate_{day}.geojson"
    path.write_text(json.dumps(fc), encoding="utf-8")
    return path


_IDS = itertools.count(1)


def _post(text: str, day: str | None, outlet: str = "t.me/front_news") -> Source:
    when = datetime.fromisoformat(day).replace(tzinfo=UTC) if day else None
    return Source(kind="telegram", origin="test", text=text, language="uk", outlet=outlet,
                  published_at=when, external_id=f"{outlet}/{next(_IDS)}")


def _add(store: Store, *sources: Source) -> None:
    with store.transaction() as conn:
        store.insert_new(conn, list(sources))


def _resolved(store: Store, source: Source) -> str | None:
    m = schema.mentions
    with store.engine.connect() as conn:
        rows = conn.execute(select(m.c.text, m.c.resolved_id).where(
            m.c.source_id == source.id, m.c.type == "place")).all()
    assert [r[0] for r in rows] == ["Новомихайлівку"]
    return rows[0][1]


def _store(tmp_path: Path, name: str, *, layer: bool) -> Store:
    store = Store(f"sqlite:///{tmp_path / f'{name}.db'}")
    if layer:
        settings = Settings(db=store.url, evidence_dir=str(tmp_path / f"ev-{name}"))
        batch = ingest_inputs(store, [str(_control_map(tmp_path, "2023-05-01"))], settings)
        assert not batch.errors
    return store


def test_extract_uses_the_front_of_the_stored_control_map(tmp_path: Path) -> None:
    post = _post(POST, "2023-05-10")
    with_map, without = _store(tmp_path, "map", layer=True), _store(tmp_path, "bare", layer=False)
    for st in (with_map, without):
        _add(st, post)
        assert run_extract(st).processed == 1
    assert _resolved(with_map, post) == MARINKA
    # no layer stored: the resolver's default, an ambiguous village left unresolved
    assert _resolved(without, post) is None
    assert frontline.active() is None  # the run's front was not left behind as a global


def test_no_layer_stored_costs_no_front() -> None:
    store = Store("sqlite://")
    assert frontline.Front.from_store(store) is None


def test_layers_are_built_only_for_the_days_texts_ask(tmp_path: Path) -> None:
    store = _store(tmp_path, "lazy", layer=True)
    settings = Settings(db=store.url, evidence_dir=str(tmp_path / "ev-lazy2"))
    ingest_inputs(store, [str(_control_map(tmp_path, "2024-01-01", 37.5))], settings)
    front = frontline.Front.from_store(store)
    assert front is not None and len(front) == 2 and not front._built
    front.km_for(datetime(2023, 5, 10).date())
    assert sorted(d.isoformat() for d in front._built) == ["2023-05-01"]


def test_worker_processes_use_the_front_too(tmp_path: Path) -> None:
    posts = [_post(POST, "2023-05-10"), _post("ЗСУ звільнили Балаклію.", "2022-09-10")]
    store = _store(tmp_path, "workers", layer=True)
    _add(store, *posts)
    assert run_extract(store, workers=2, batch_size=1).processed == 2
    assert _resolved(store, posts[0]) == MARINKA


def test_an_in_memory_store_sends_its_layers_built() -> None:
    front = frontline.Front(days=[datetime(2023, 5, 1).date()],
                            build=lambda d: frontline.FrontLayer(d, *([_empty()] * 2)))
    front.key = (("2023-05-01", "x"),)
    sent = pipeline._front_for_workers(Store("sqlite://"), front)
    assert isinstance(sent, frontline.Front) and sent._built


def _empty():  # type: ignore[no-untyped-def]
    import shapely

    return shapely.Polygon()


def test_dask_workers_use_the_front(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    from frontlens.extract.distributed import run_extract_dask

    post = _post(POST, "2023-05-10")
    store = _store(tmp_path, "dask", layer=True)
    _add(store, post)
    assert run_extract_dask(store, workers=1).processed == 1
    assert _resolved(store, post) == MARINKA


def test_a_channel_resolves_a_namesake_in_its_usual_area(tmp_path: Path) -> None:
    """A channel that reported Vuhledar and Kurakhove before: its "Novomykhailivka" is the one
    between them; the same post in a channel without that history stays unresolved."""
    store = _store(tmp_path, "channel", layer=False)
    _add(store, _post("Росіяни атакували Вугледар.", "2023-05-01"),
         _post("Бої біля Курахового.", "2023-05-02"),
         _post("Росіяни атакували Вугледар.", "2023-05-01", outlet="t.me/kyiv_news"))
    assert run_extract(store).processed == 3  # the history: a run before the new posts
    here, elsewhere = _post(POST, "2023-05-10"), _post(POST, "2023-05-10", "t.me/odesa_news")
    _add(store, here, elsewhere)
    assert run_extract(store, workers=2, batch_size=1).processed == 2
    assert _resolved(store, here) == MARINKA
    assert _resolved(store, elsewhere) is None


def test_a_channel_area_holds_only_earlier_posts(tmp_path: Path) -> None:
    from frontlens.resolve.channel import ChannelAreas

    store = _store(tmp_path, "earlier", layer=False)
    _add(store, _post("Росіяни атакували Вугледар.", "2023-05-20"))
    run_extract(store)
    post = _post(POST, "2023-05-10")  # published before the only post naming Vuhledar
    areas = ChannelAreas(store, pipeline.EXTRACTOR_NAME, pipeline.EXTRACTOR_VERSION,
                         datetime.now(UTC))
    assert areas.for_sources([post]) == {}
    late = _post(POST, "2023-05-30")
    area = areas.for_sources([late])[late.id]
    assert len(area) == 1 and area.posts_near(47.78, 37.25, 40.0) == 1
    # what this run extracts is not history for it (results independent of batch order)
    before = ChannelAreas(store, pipeline.EXTRACTOR_NAME, pipeline.EXTRACTOR_VERSION,
                          datetime(2000, 1, 1, tzinfo=UTC))
    assert before.for_sources([late]) == {}
