"""The /api/events page cache: a page is answered from memory until fusion runs again (its
generation counter or the timeline's stamp moves), then from the database; a write through the
API is seen by the very next read; the cache stays inside its byte budget. The other paged
lists count their filtered total once per store write (ingest, extract) and see a write in
the next response. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time as time_mod
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from frontlens.config import Settings
from frontlens.fuse import picture as pic_mod
from frontlens.fuse.picture import PictureIndex
from frontlens.model import Extraction, Mention, Source
from frontlens.serve import api as api_mod
from frontlens.serve import create_app
from frontlens.serve.api import ByteLRU
from frontlens.store import schema
from frontlens.store.db import Store

TOKEN = "cache-token"


def _event(i: int, score: float) -> dict[str, Any]:
    return {"id": f"e{i:02d}", "kind": "control", "action": "held", "new_controller": "UA",
            "place_name": f"Place {i}", "first_date": date(2022, 9, 9), "time_precision": "day",
            "grade": "B2", "reliability": "B", "credibility": 2, "score": score,
            "n_sources_independent": 1, "n_mentions": 1, "both_sides": False,
            "concession": False, "photo": False, "hedged_share": 0.0, "contradicted": False,
            "explanation": {"why": "x" * 400}}


def _fused(db_url: str, n: int) -> None:
    """``n`` events and the fusion_state row a fusion run leaves (generation 1)."""
    with Store(db_url) as store, store.transaction() as conn:
        conn.execute(schema.events.insert(), [_event(i, 0.5) for i in range(n)])
        conn.execute(schema.fusion_state.insert(), [{
            "id": "last", "n_sources": 0, "n_extractions": 0,
            "finished_at": datetime(2022, 9, 10, tzinfo=UTC), "generation": 1}])


def _ids(r: Any) -> list[str]:
    assert r.status_code == 200, r.text
    return [x["id"] for x in r.json()["items"]]


def test_events_pages_are_reused_until_fusion_runs_again(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _fused(db_url, 5)
    monkeypatch.setattr(api_mod, "PICTURE_RECHECK_S", 0.0)  # re-read the stamp every request
    with TestClient(create_app(Settings(db=db_url))) as c:
        first = c.get("/api/events", params={"limit": 2})
        assert first.headers["content-encoding"] == "gzip"  # stored compressed, sent as is
        assert first.json()["total"] == 5 and first.headers["link"]
        second = c.get("/api/events", params={"limit": 2, "after": first.json()["next"]})
        # a row written behind fusion's back (no run recorded) is not seen: memory answers
        with Store(db_url) as store, store.transaction() as conn:
            conn.execute(schema.events.insert(), [_event(9, 0.9)])
        again = c.get("/api/events", params={"limit": 2})
        assert again.content == first.content and again.headers["link"] == first.headers["link"]
        assert _ids(c.get("/api/events", params={"limit": 2, "after": first.json()["next"]})
                    ) == _ids(second)
        # a fusion run elsewhere moves the generation: the next read sees the new events
        with Store(db_url) as store, store.transaction() as conn:
            conn.execute(update(schema.fusion_state).values(generation=2))
        fresh = c.get("/api/events", params={"limit": 2})
        assert fresh.json()["total"] == 6 and _ids(fresh)[0] == "e09"
        # the filtered total is counted per filter set, not shared between them
        assert c.get("/api/events", params={"grade": "A"}).json()["total"] == 0
        assert c.get("/api/events", params={"grade": "B"}).json()["total"] == 6


def test_a_fusion_run_through_the_api_is_seen_by_the_next_read(db_url: str) -> None:
    _fused(db_url, 3)
    with TestClient(create_app(Settings(db=db_url, api_token=TOKEN))) as c:
        assert c.get("/api/events").json()["total"] == 3
        r = c.post("/api/fuse", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200, r.text
        # fusion rebuilt the events from the store's records (none): without waiting out the
        # stamp's recheck interval, the cached pages are not served any more
        assert c.get("/api/events").json()["total"] == 0


def test_uncompressed_answers_are_cached_apart_from_gzip_ones(db_url: str) -> None:
    _fused(db_url, 4)
    with TestClient(create_app(Settings(db=db_url))) as c:
        gz = c.get("/api/events")
        plain = c.get("/api/events", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert plain.json() == gz.json()


def test_page_cache_of_zero_megabytes_queries_every_page(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _fused(db_url, 2)
    with TestClient(create_app(Settings(db=db_url, page_cache_mb=0))) as c:
        assert c.get("/api/events").json()["total"] == 2
        with Store(db_url) as store, store.transaction() as conn:
            conn.execute(schema.events.insert(), [_event(9, 0.9)])
        assert c.get("/api/events").json()["total"] == 3
        assert len(c.app.state.pages) == 0  # type: ignore[attr-defined]


def test_byte_lru_keeps_inside_its_budget_dropping_the_least_recently_used() -> None:
    cache = ByteLRU(100)
    for k in "abc":
        cache.put(k, k * 30, 30)
    assert cache.size == 90 and cache.get("a") == "a" * 30
    cache.put("d", "d" * 30, 30)  # over budget: "b" was used least recently ("a" was read)
    assert cache.get("b") is None and cache.get("a") is not None and cache.size == 90
    cache.put("a", "a", 1)  # replacing an entry counts its new size only
    assert cache.size == 61
    cache.put("huge", "x" * 101, 101)  # larger than the whole budget: not kept
    assert cache.get("huge") is None and cache.size == 61
    cache.clear()
    assert len(cache) == 0 and cache.size == 0


# -- list totals: counted once per store write ---------------------------------------------------


def _src(i: int, **kw: Any) -> Source:
    return Source(kind="text", origin="cache-test", text=f"Report number {i} from Izium.",
                  published_at=datetime(2022, 9, 9, i, tzinfo=UTC), language="en",
                  **kw)


def _mention(src: Source) -> Mention:
    return Mention(source_id=src.id, start=17, end=21, text="Izium", type="place",
                   extractor="test", extractor_version="1")


def _store(db_url: str, sources: list[Source]) -> None:
    """What `frontlens ingest` writes, through the same Store method, from another handle
    (as another process would)."""
    with Store(db_url) as store, store.transaction() as conn:
        store.insert_new(conn, sources)


def _counts(store: Store) -> list[str]:
    """Every COUNT statement the app's store runs from now on."""
    seen: list[str] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def _seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if "count(" in statement.lower() and "max(rowid)" not in statement:
            seen.append(statement)  # (not the search index's own freshness check)
    return seen


def test_source_pages_count_their_total_once_until_ingest_writes(db_url: str) -> None:
    _store(db_url, [_src(i) for i in range(3)])
    with TestClient(create_app(Settings(db=db_url))) as c:
        counts = _counts(c.app.state.store)  # type: ignore[attr-defined]
        first = c.get("/api/sources", params={"limit": 2})
        assert first.json()["total"] == 3 and len(counts) == 1
        nxt = c.get("/api/sources", params={"limit": 2, "after": first.json()["next"]})
        assert nxt.json()["total"] == 3 and len(nxt.json()["items"]) == 1
        assert c.get("/api/sources", params={"limit": 2}).json()["total"] == 3
        assert len(counts) == 1  # later pages and repeats reuse the count
        assert c.get("/api/sources", params={"lang": "uk"}).json()["total"] == 0
        assert len(counts) == 2  # another filter set has its own
        # a write by another handle shows in the very next response, whatever page it is
        _store(db_url, [_src(7)])
        assert c.get("/api/sources", params={"limit": 2, "after": first.json()["next"]}
                     ).json()["total"] == 4
        # a copy of a stored source that fills in its outlet changes no row count, but moves
        # a filtered total: the merge is a write too
        assert c.get("/api/sources", params={"outlet": "Wire"}).json()["total"] == 0
        _store(db_url, [_src(0, outlet="Wire")])
        assert c.get("/api/sources", params={"outlet": "Wire"}).json()["total"] == 1
        # re-ingesting what is stored writes nothing and keeps the count
        before = len(counts)
        _store(db_url, [_src(1)])
        assert c.get("/api/sources", params={"outlet": "Wire"}).json()["total"] == 1
        assert len(counts) == before


def test_record_pages_see_the_next_extraction_and_search_its_next_ingest(db_url: str) -> None:
    sources = [_src(i) for i in range(3)]
    _store(db_url, sources)
    with TestClient(create_app(Settings(db=db_url))) as c:
        counts = _counts(c.app.state.store)  # type: ignore[attr-defined]
        assert c.get("/api/records/mentions").json()["total"] == 0
        assert c.get("/api/search", params={"q": "Izium"}).json()["total"] == 3
        n = len(counts)
        assert c.get("/api/records/mentions").json()["total"] == 0
        assert c.get("/api/search", params={"q": "Izium", "limit": 1}).json()["total"] == 3
        assert len(counts) == n
        with Store(db_url) as store, store.transaction() as conn:  # what `extract` writes
            store.replace_extractions(conn, [(
                Extraction(source_id=s.id, extractor="test", version="1", status="ok",
                           n_records=1), [_mention(s)]) for s in sources[:2]])
        assert c.get("/api/records/mentions").json()["total"] == 2
        assert c.get("/api/records/mentions", params={"place": "izium"}).json()["total"] == 2
        _store(db_url, [_src(8)])
        assert c.get("/api/search", params={"q": "Izium", "limit": 1}).json()["total"] == 4


def test_a_rolled_back_write_keeps_the_counted_total(db_url: str) -> None:
    _store(db_url, [_src(0)])
    with TestClient(create_app(Settings(db=db_url))) as c:
        counts = _counts(c.app.state.store)  # type: ignore[attr-defined]
        assert c.get("/api/sources").json()["total"] == 1
        with Store(db_url) as store, pytest.raises(RuntimeError), \
                store.transaction() as conn:
            store.insert_new(conn, [_src(5)])
            raise RuntimeError("input failed half-way")
        assert c.get("/api/sources").json()["total"] == 1
        assert len(counts) == 1


def test_the_claims_ledger_counts_nothing_it_does_not_send(db_url: str) -> None:
    _store(db_url, [_src(0)])
    with TestClient(create_app(Settings(db=db_url))) as c:
        counts = _counts(c.app.state.store)  # type: ignore[attr-defined]
        assert c.get("/api/ledger/claims").json() == []
        assert counts == []


# -- the picture: a day computed once, however many ask for it at once ---------------------------


def _timeline(db_url: str, places: int = 40) -> None:
    """Each place changes hands on day 1, 4 and 7 of September 2022: three distinct pictures."""
    rows = []
    for p in range(places):
        for k, (since, until) in enumerate(((1, 4), (4, 7), (7, None))):
            rows.append({
                "id": f"s{p:03d}-{k}", "place_key": f"place {p}", "place_id": f"geo:{p}",
                "place_name": f"Place number {p:03d}", "lat": 48.0 + p / 100, "lon": 37.0,
                "controller": "UA" if k % 2 else "RU", "since": date(2022, 9, since),
                "until": date(2022, 9, until) if until else None, "grade": "B2",
                "score": 0.5 + k / 10, "disputed": False, "event_ids": [f"e{p}-{k}"],
                "sources": [f"src-{p}-{k}"]})
    with Store(db_url) as store, store.transaction() as conn:
        conn.execute(schema.control_states.insert(), rows)


async def _gather_pictures(app: Any, days: list[str]) -> list[Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        return list(await asyncio.gather(*(
            http.get("/api/picture", params={"as_of": d}, headers={"Accept-Encoding": "gzip"})
            for d in days)))


def test_a_day_asked_by_many_clients_at_once_is_computed_once(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _timeline(db_url)
    app = create_app(Settings(db=db_url))
    computed: list[date] = []
    real_json = PictureIndex.json

    def slow_json(self: PictureIndex, as_of: date) -> bytes:
        computed.append(as_of)
        time_mod.sleep(0.2)  # long enough for every request below to arrive meanwhile
        return real_json(self, as_of)

    monkeypatch.setattr(PictureIndex, "json", slow_json)
    answers = asyncio.run(_gather_pictures(app, ["2022-09-02"] * 12 + ["2022-09-05"] * 12))
    assert all(r.status_code == 200 and r.headers["content-encoding"] == "gzip"
               for r in answers)
    assert sorted(computed) == [date(2022, 9, 2), date(2022, 9, 5)]
    assert len({r.content for r in answers[:12]}) == 1
    assert [x["controller"] for x in answers[0].json()][:1] == ["RU"]
    assert [x["controller"] for x in answers[12].json()][:1] == ["UA"]
    # then from memory, without a computation
    asyncio.run(_gather_pictures(app, ["2022-09-02"] * 4))
    assert len(computed) == 2


def test_picture_cache_counts_exactly_what_it_holds_and_stays_in_budget(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, a day computed twice at once was counted twice and kept once: under load the
    cache counted itself full while holding ever fewer days."""
    _timeline(db_url, places=60)
    app = create_app(Settings(db=db_url, picture_cache_mb=1))
    app.state.pictures.budget = 2500  # about two days' compressed answers
    days = [f"2022-09-{d:02d}" for d in (2, 5, 8, 2, 5, 8, 3, 6, 9)] * 3
    answers = asyncio.run(_gather_pictures(app, days))
    assert {r.status_code for r in answers} == {200}
    cache = app.state.pictures
    held = sum(size for _, size in cache._items.values())
    assert cache.size == held <= cache.budget and 1 <= len(cache) <= 2


def test_concurrent_requests_after_the_recheck_interval_read_the_stamp_once(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _timeline(db_url)
    app = create_app(Settings(db=db_url))
    asyncio.run(_gather_pictures(app, ["2022-09-02"]))  # the index is built
    reads: list[int] = []
    real_stamp = pic_mod.picture_stamp

    def slow_stamp(store: Store) -> Any:
        reads.append(1)
        time_mod.sleep(0.2)
        return real_stamp(store)

    monkeypatch.setattr(pic_mod, "picture_stamp", slow_stamp)
    app.state.picture_checked = float("-inf")  # the recheck interval has passed
    answers = asyncio.run(_gather_pictures(app, ["2022-09-02"] * 16))
    assert {r.status_code for r in answers} == {200} and len(reads) == 1
