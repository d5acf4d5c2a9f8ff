"""Keyset paging of every list that grows with the store: following ``next`` (the page's field,
or the ``Link`` header of a bare array) visits every row exactly once, in the order of one
long page, on SQLite and PostgreSQL; a forged cursor is a 400, never a 500.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from test_api import client, loaded_url  # noqa: F401  (the sample, ingested, extracted, fused)

from frontlens.config import Settings
from frontlens.model import Source
from frontlens.serve import create_app
from frontlens.store import schema
from frontlens.store.db import Store

# (path, params, id of an item): each list that keyset-pages
LISTS: list[tuple[str, dict[str, str], Any]] = [
    ("/api/events", {}, lambda x: x["id"]),
    ("/api/sources", {}, lambda x: x["id"]),
    ("/api/records/control", {}, lambda x: x["record"]["id"]),
    ("/api/records/statements", {}, lambda x: x["record"]["id"]),
    ("/api/records/mentions", {"place": "Izium"}, lambda x: x["record"]["id"]),
    ("/api/search", {"q": "Izium"}, lambda x: x["source"]["id"]),
    ("/api/ledger/claims", {}, lambda x: x["statement_id"]),
    ("/api/contradictions", {}, lambda x: x["id"]),
]


def _items(body: Any) -> list[Any]:
    return body["items"] if isinstance(body, dict) else body


def _next(r: Any) -> str | None:
    """The next cursor: the page's ``next``, else the one in the ``Link`` header."""
    body = r.json()
    if isinstance(body, dict):
        return body["next"]  # type: ignore[no-any-return]
    link = r.headers.get("link")
    if link is None:
        return None
    m = re.fullmatch(r'<([^>]*)>; rel="next"', link)
    assert m, link
    return unquote(re.search(r"[?&]after=([^&]+)", m.group(1)).group(1))  # type: ignore[union-attr]


def _walk(c: TestClient, path: str, params: dict[str, str], limit: int,
          key: Any) -> list[str]:
    ids: list[str] = []
    r = c.get(path, params={**params, "limit": str(limit)})
    while True:
        assert r.status_code == 200, r.text
        ids += [key(x) for x in _items(r.json())]
        cursor = _next(r)
        if cursor is None:
            return ids
        r = c.get(path, params={**params, "limit": str(limit), "after": cursor})


@pytest.mark.parametrize(("path", "params", "key"), LISTS, ids=[p for p, _, _ in LISTS])
def test_following_next_returns_every_row_once_in_one_pages_order(
        client: TestClient, path: str, params: dict[str, str], key: Any) -> None:  # noqa: F811
    whole = client.get(path, params={**params, "limit": "1000"}).json()
    everything = [key(x) for x in _items(whole)]
    assert len(everything) > 3, "the sample should fill more than one page"
    if isinstance(whole, dict):
        assert whole["total"] == len(everything) and whole["next"] is None
    walked = _walk(client, path, params, 3, key)
    assert walked == everything
    assert len(set(walked)) == len(walked)


def test_next_link_is_the_same_request_from_the_cursor_on(client: TestClient) -> None:  # noqa: F811
    r = client.get("/api/ledger/claims", params={"limit": "2", "side": "UA", "offset": "1"})
    link = r.headers["link"]
    assert link.startswith("</api/ledger/claims?") and link.endswith('>; rel="next"')
    assert "side=UA" in link and "limit=2" in link and "offset" not in link
    r = client.get("/api/events", params={"limit": "2"})
    assert r.json()["next"] and r.json()["next"] in r.headers["link"]
    last = client.get("/api/events", params={"limit": "1000"})
    assert last.json()["next"] is None and "link" not in last.headers
    assert "Link" in client.get("/openapi.json").json()["paths"]["/api/ledger/claims"]["get"][
        "responses"]["200"]["headers"]


def _token(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


FORGED = [
    _token(["2022-09-09T10:00:00+00:00", "a\u0000b"]),  # NUL: PostgreSQL refuses it in text
    _token(["NaN", "x"]),
    _token([[], "x"]),
    _token(["x"]),  # too short for any list
    _token({"a": 1}),
    _token([None, None, None, None, None]),
    "bm90LWEtY3Vyc29y",  # base64 of something else
    "=",
]


@pytest.mark.parametrize("path", [p for p, _, _ in LISTS])
def test_forged_or_foreign_cursors_are_400(client: TestClient, path: str) -> None:  # noqa: F811
    params = dict(next(p for q, p, _ in LISTS if q == path))
    for token in FORGED:
        r = client.get(path, params={**params, "after": token})
        assert r.status_code == 400, (token, r.text)
        assert "cursor" in r.json()["detail"]
    if path.startswith("/api/records/"):  # (published_at, source_id, start, id)
        past_64_bits = _token(["2022-09-09T10:00:00+00:00", "s", 2**70, "x"])
        assert client.get(path, params={**params, "after": past_64_bits}).status_code == 400
    other = "/api/sources" if path != "/api/sources" else "/api/events"
    cursor = _next(client.get(other, params={**dict(next(p for q, p, _ in LISTS if q == other)),
                                             "limit": "1"}))
    assert client.get(path, params={**params, "after": cursor}).status_code == 400


def test_ties_and_nulls_page_once_each(db_url: str) -> None:
    """Rows sharing every sort key but the last, and rows with NULL keys (undated sources,
    unnamed places: sorted last on both backends), are each served exactly once."""
    with Store(db_url) as store, store.transaction() as conn:
        when = datetime(2022, 9, 9, 10, tzinfo=UTC)
        store.insert_new(conn, [
            Source(kind="text", origin=f"t{i}", text=f"Report number {i} from Izium.",
                   published_at=None if i % 3 == 0 else when) for i in range(17)])
        conn.execute(schema.contradictions.insert(), [
            {"id": f"c{i:02d}", "kind": "denial", "a_record_id": "r", "a_source_id": "s",
             "b_record_id": "r", "b_source_id": "s", "place_name": None if i % 2 else "Izium",
             "reason": "both"} for i in range(13)])
        conn.execute(schema.events.insert(), [
            {"id": f"e{i:02d}", "kind": "control", "action": "held", "new_controller": "UA",
             "first_date": date(2022, 9, 9), "time_precision": "day", "grade": "B2",
             "reliability": "B", "credibility": 2, "score": 0.5 if i % 4 else 0.25,
             "n_sources_independent": 1, "n_mentions": 1, "both_sides": False,
             "concession": False, "photo": False, "hedged_share": 0.0, "contradicted": False,
             "explanation": {}} for i in range(11)])
    with TestClient(create_app(Settings(db=db_url))) as c:
        for path, params, key, n in (
                ("/api/sources", {}, lambda x: x["id"], 17),
                ("/api/search", {"q": "Izium"}, lambda x: x["source"]["id"], 17),
                ("/api/contradictions", {}, lambda x: x["id"], 13),
                ("/api/events", {}, lambda x: x["id"], 11)):
            whole = [key(x) for x in _items(c.get(path, params={**params, "limit": 1000}).json())]
            for limit in (1, 2, 5):
                assert _walk(c, path, params, limit, key) == whole, (path, limit)
            assert len(set(whole)) == n
        names = [x["place_name"] for x in c.get("/api/contradictions").json()]
        assert names == ["Izium"] * 7 + [None] * 6
        dated = [x["published_at"] for x in c.get("/api/sources", params={"limit": 100}).json()[
            "items"]]
        assert dated[-6:] == [None] * 6 and None not in dated[:-6]


def _big_store(db_url: str, n: int) -> None:
    """``n`` sources (hashed ids; language uk 55 %, ru 40 %, en 5 %; three kinds; 250 outlets;
    1 in 40 undated) and a mention on every other one, as ingest and extract write them."""
    import hashlib

    from sqlalchemy import insert, text

    t0, now = datetime(2022, 2, 24, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
    with Store(db_url) as store, store.transaction() as conn:
        for a in range(0, n, 20_000):
            srcs, ments = [], []
            for i in range(a, min(n, a + 20_000)):
                sid = hashlib.sha1(f"s{i}".encode()).hexdigest()[:20]
                h = int(sid[:8], 16)
                srcs.append({
                    "id": sid, "kind": ("article", "telegram", "feed_item")[h % 3],
                    "origin": "t", "outlet": f"outlet-{h % 250}", "retrieved_at": now,
                    "language": "en" if h % 20 == 0 else "uk" if h % 20 < 12 else "ru",
                    "content_hash": sid, "text": "Shelling near Izium.", "media": [], "meta": {},
                    "published_at": None if h % 40 == 1 else t0 + timedelta(minutes=17 * i)})
                if i % 2 == 0:
                    ments.append({"id": f"m{sid}", "source_id": sid, "start": 14, "end": 19,
                                  "text": "Izium", "type": "place", "candidates": [],
                                  "extractor": "t", "extractor_version": "1"})
            conn.execute(insert(schema.sources), srcs)
            conn.execute(insert(schema.mentions), ments)
        conn.execute(text("ANALYZE"))


def test_filtered_pages_are_an_index_range_in_publication_order_in_a_100k_store(
        db_url: str) -> None:
    """A page of a filtered list (language, kind, outlet, a date range; sources and records),
    first, deep among the dated rows or among the undated ones, reads one index range in the
    list's order: never a sort of every matching row (SQLite's ``TEMP B-TREE FOR ORDER BY``),
    a scan of the table, or an OR of ranges. A record page may sort one source's own records
    (SQLite: ``RIGHT PART OF ORDER BY``, PostgreSQL: ``Incremental Sort``); PostgreSQL may sort
    a range it knows to be small (the last dated rows), never more than a page's
    neighbourhood. How much a page reads does not grow with its depth."""
    from sqlalchemy import event

    n, limit = 100_000, 50
    _big_store(db_url, n)
    app = create_app(Settings(db=db_url))
    store: Store = app.state.store
    pg = store.engine.dialect.name == "postgresql"
    seen: list[tuple[str, Any]] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def keep(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if " LIMIT " in sql:
            seen.append((sql, params))

    def cost(sql: str, params: Any) -> tuple[str, int]:
        """(plan, work): SQLite's plan lines and VM steps / 100; PostgreSQL's node types (a
        sort with the rows it sorted) and the rows its scans of sources and mentions read
        (returned plus filtered out)."""
        with store.engine.connect() as conn:
            if not pg:
                plan = " | ".join(str(r[-1]) for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + sql, params))
                steps = [0]
                raw = conn.connection.driver_connection
                raw.set_progress_handler(lambda: steps.__setitem__(0, steps[0] + 1), 100)
                conn.exec_driver_sql(sql, params).all()
                raw.set_progress_handler(None, 0)
                return plan, steps[0]
            out = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            raw_plan = out.scalar_one()
            nodes, stack = [], [(json.loads(raw_plan) if isinstance(raw_plan, str)
                                 else raw_plan)[0]["Plan"]]
            while stack:
                node = stack.pop()
                nodes.append(node)
                stack.extend(node.get("Plans", []))
            read = sum((node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0))
                       * node.get("Actual Loops", 1) for node in nodes
                       if node.get("Relation Name") in ("sources", "mentions"))
            return " > ".join(node["Node Type"] + (
                f" of {node['Plans'][0]['Actual Rows']}" if node["Node Type"] == "Sort" else "")
                for node in nodes), read

    lists = [("/api/sources", {"lang": "en"}), ("/api/sources", {"lang": "uk"}),
             ("/api/sources", {"kind": "telegram"}), ("/api/sources", {"outlet": "outlet-7"}),
             ("/api/sources", {"lang": "ru", "from": "2022-06-01", "to": "2023-06-30"}),
             ("/api/records/mentions", {"lang": "en"}),
             ("/api/records/mentions", {"lang": "uk"})]
    with TestClient(app) as c:
        for path, params in lists:
            total = c.get(path, params={**params, "limit": 1}).json()["total"]
            dated = c.get(path, params={"to": "2100-12-31", **params, "limit": 1}).json()["total"]
            works = []
            # the first page, a cursor in the middle, one whose page runs from the last dated
            # rows into the undated ones, one among the undated rows at the end
            for offset in (None, total // 2, dated - limit - 20, total - limit - 25):
                cursor = None
                if offset is not None:
                    r = c.get(path, params={**params, "limit": limit, "offset": offset})
                    cursor = r.json()["next"]
                first = len(seen)
                r = c.get(path, params={**params, "limit": limit,
                                        **({"after": cursor} if cursor else {})})
                assert r.status_code == 200 and r.json()["items"], (path, params, r.text)
                work = 0
                for sql, sql_params in seen[first:]:  # one range, or the dated then the undated
                    plan, read = cost(sql, sql_params)
                    work += read
                    where = (path, params, offset, plan)
                    if pg:
                        kinds = set(plan.split(" > "))
                        assert not kinds & {"Seq Scan", "Hash", "Hash Join"}, where
                        assert "Incremental Sort" not in kinds or "records" in path, where
                        for sort in (k for k in kinds if k.startswith("Sort of ")):
                            assert int(sort.removeprefix("Sort of ")) <= 4 * limit, where
                    else:
                        assert "TEMP B-TREE FOR ORDER BY" not in plan, where
                        assert "SEARCH sources USING INDEX ix_sources_" in plan, where
                        for bad in ("SCAN", "MULTI-INDEX OR", "AUTOMATIC"):
                            assert bad not in plan, where
                        assert "RIGHT PART" not in plan or "records" in path, where
                works.append(work)
            # a page deep in the list reads about what the first one does (the dated and
            # undated parts of a page past the last dated row are two ranges); PostgreSQL may
            # walk the unfiltered order and filter it (3 rows read per row kept at a third)
            if pg:
                assert max(works) <= 8 * limit, (path, params, works)
            else:
                assert max(works[1:]) <= 3 * max(works[0], 10), (path, params, works)
    store.close()
