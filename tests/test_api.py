"""The JSON API over the bundled sample (ingested, extracted and fused once per backend).

Reads run against one module-wide database per backend (SQLite and, when configured,
PostgreSQL); writes get a fresh database per test (the ``settings`` fixture) so they cannot
change what the read tests count.
"""

from __future__ import annotations

import io
import itertools
import json
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import PG_URL, SAMPLE, _pg_param
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from frontlens.config import Settings
from frontlens.extract.pipeline import run_extract
from frontlens.fuse.picture import run_fusion
from frontlens.ingest.pipeline import ingest_inputs
from frontlens.serve import create_app
from frontlens.store.db import Store

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module", params=["sqlite", _pg_param()])
def loaded_url(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database holding the sample, extracted and fused (slow: built once per backend)."""
    admin = name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'frontlens.db'}"
    else:
        assert PG_URL
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        name = f"fl_api_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        with Store(url) as store:
            report = ingest_inputs(store, [str(SAMPLE)], Settings(db=url))
            assert report.added > 0
            run_extract(store)
            run_fusion(store)
        yield url
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(scope="module")
def client(loaded_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=loaded_url, api_token=TOKEN))) as c:
        yield c


def _writer(settings: Settings, **kw: object) -> TestClient:
    return TestClient(create_app(settings.model_copy(update={"api_token": TOKEN, **kw})))


# -- reads --------------------------------------------------------------------------------------


def test_events_keyset_pages_walk_the_same_events_as_offsets(client: TestClient) -> None:
    total = client.get("/api/events", params={"limit": 1}).json()["total"]
    assert total > 6
    by_offset = [e["id"] for k in range(0, total, 4) for e in client.get(
        "/api/events", params={"limit": 4, "offset": k}).json()["items"]]
    by_cursor: list[str] = []
    page = client.get("/api/events", params={"limit": 4}).json()
    while True:
        by_cursor += [e["id"] for e in page["items"]]
        if not page["next"]:
            break
        page = client.get("/api/events", params={"limit": 4, "after": page["next"]}).json()
    assert by_cursor == by_offset and len(set(by_cursor)) == total
    bad = client.get("/api/events", params={"after": "bm90LWEtY3Vyc29y"})
    assert bad.status_code == 400 and "cursor" in bad.text


def test_sources_keyset_pages_walk_the_same_sources_as_offsets(client: TestClient) -> None:
    total = client.get("/api/sources", params={"limit": 1}).json()["total"]
    by_offset = [x["id"] for k in range(0, total, 7) for x in client.get(
        "/api/sources", params={"limit": 7, "offset": k}).json()["items"]]
    by_cursor: list[str] = []
    page = client.get("/api/sources", params={"limit": 7}).json()
    while True:
        by_cursor += [x["id"] for x in page["items"]]
        if not page["next"]:
            break
        page = client.get("/api/sources", params={"limit": 7, "after": page["next"]}).json()
    assert by_cursor == by_offset and len(set(by_cursor)) == total
    events_cursor = client.get("/api/events", params={"limit": 1}).json()["next"]
    assert client.get("/api/sources", params={"after": events_cursor}).status_code == 400


def test_sources_pagination_and_filters(client: TestClient) -> None:
    first = client.get("/api/sources", params={"limit": 5}).json()
    assert first["limit"] == 5 and len(first["items"]) == 5 and first["total"] > 20
    ids: list[str] = []
    for offset in range(0, first["total"], 25):
        page = client.get("/api/sources", params={"limit": 25, "offset": offset}).json()
        ids += [s["id"] for s in page["items"]]
    assert len(ids) == len(set(ids)) == first["total"]
    assert [s["id"] for s in first["items"]] == ids[:5]

    uk = client.get("/api/sources", params={"lang": "uk", "limit": 200}).json()
    assert uk["total"] > 0 and {s["language"] for s in uk["items"]} == {"uk"}
    tg = client.get("/api/sources", params={"kind": "telegram", "limit": 200}).json()
    assert tg["total"] > 0 and {s["kind"] for s in tg["items"]} == {"telegram"}
    outlet = tg["items"][0]["outlet"]
    by_outlet = client.get("/api/sources", params={"outlet": outlet, "limit": 200}).json()
    assert {s["outlet"] for s in by_outlet["items"]} == {outlet}
    day = client.get("/api/sources", params={"from": "2022-09-09", "to": "2022-09-09",
                                             "limit": 200}).json()
    assert day["total"] > 0
    assert all(s["published_at"].startswith("2022-09-09") for s in day["items"])
    assert client.get("/api/sources", params={"limit": 0}).status_code == 422


def test_source_detail_has_its_records(client: TestClient) -> None:
    rec = client.get("/api/records/control", params={"limit": 1}).json()["items"][0]
    sid = rec["record"]["source_id"]
    detail = client.get(f"/api/sources/{sid[:12]}").json()
    assert detail["source"]["id"] == sid
    assert rec["record"]["id"] in {r["id"] for r in detail["records"]["control"]}
    assert set(detail["records"]) == {"control", "equipment", "statements", "area", "mentions"}
    assert client.get("/api/sources/src-nope").status_code == 404


def test_records_with_sentences_and_filters(client: TestClient) -> None:
    page = client.get("/api/records/control", params={"limit": 10}).json()
    assert page["total"] > 10 and len(page["items"]) == 10
    for item in page["items"][:3]:
        r = item["record"]
        src = client.get(f"/api/sources/{r['source_id']}").json()["source"]
        assert item["sentence"] == src["text"][r["start"]:r["end"]] and item["sentence"]
    ua = client.get("/api/records/control", params={"side": "UA", "limit": 200}).json()
    assert ua["total"] > 0 and {i["record"]["new_controller"] for i in ua["items"]} == {"UA"}
    place = client.get("/api/records/control", params={"place": "balakliia"}).json()
    assert place["total"] > 0
    assert {i["record"]["place_name"].lower() for i in place["items"]} == {"balakliia"}
    ru = client.get("/api/records/statements", params={"lang": "ru", "limit": 200}).json()
    assert ru["total"] > 0 and {i["language"] for i in ru["items"]} == {"ru"}
    dated = client.get("/api/records/equipment",
                       params={"from": "2022-09-13", "to": "2022-09-14"}).json()
    assert dated["total"] > 0
    assert all(i["published_at"][:10] in ("2022-09-13", "2022-09-14") for i in dated["items"])
    eq = client.get("/api/records/equipment", params={"side": "RU", "limit": 5}).json()
    assert all(i["record"]["side"] == "RU" for i in eq["items"])
    assert client.get("/api/records/mentions", params={"place": "Izium"}).json()["total"] > 0
    assert client.get("/api/records/nope").status_code == 422
    # statements have no place field: the place is one named inside the quoted span
    nowhere = client.get("/api/records/statements", params={"place": "x"})
    assert nowhere.status_code == 200 and nowhere.json()["total"] == 0


def test_events_and_evidence(client: TestClient) -> None:
    page = client.get("/api/events", params={"kind": "control", "limit": 100}).json()
    assert page["total"] > 0
    graded = client.get("/api/events", params={"grade": "C", "limit": 100}).json()
    assert graded["total"] > 0 and {e["reliability"] for e in graded["items"]} == {"C"}
    side = client.get("/api/events", params={"side": "UA"}).json()
    assert all(e["new_controller"] == "UA" for e in side["items"])
    on_day = client.get("/api/events", params={"date": "2022-09-10", "limit": 200}).json()
    for e in on_day["items"]:
        assert e["first_date"] <= "2022-09-10" <= (e["last_date"] or e["first_date"])
    bal = client.get("/api/events", params={"place": "Balakliia", "kind": "control"}).json()
    assert bal["total"] > 0

    ev = bal["items"][0]
    detail = client.get(f"/api/events/{ev['id']}").json()
    assert detail["event"]["id"] == ev["id"]
    assert f"Grade {ev['grade']}" in detail["explain"]
    assert detail["evidence"]
    for x in detail["evidence"]:
        src = client.get(f"/api/sources/{x['source_id']}").json()["source"]
        assert x["sentence"] == src["text"][x["start"]:x["end"]] and x["sentence"]
        assert x["outlet"] == src["outlet"] and x["url"] == src["url"]
        assert x["role"] in ("supporting", "contradicting")
        assert isinstance(x["media"], list)
    assert client.get("/api/events/ev-nope").status_code == 404


def test_picture_as_of_and_timeline(client: TestClient) -> None:
    rows = client.get("/api/picture", params={"as_of": "2022-09-13"}).json()
    by_place = {r["place"]: r for r in rows}
    bal = by_place["Balakliia"]
    assert bal["controller"] == "UA" and bal["place_id"] and bal["sources"]
    assert {"place", "place_id", "lat", "lon", "controller", "since", "grade", "score",
            "disputed", "sources"} <= set(bal)
    assert all(r["since"] <= "2022-09-13" for r in rows)
    assert client.get("/api/picture", params={"as_of": "2021-01-01"}).json() == []
    assert client.get("/api/picture", params={"as_of": "not-a-day"}).status_code == 422

    steps = client.get(f"/api/timeline/{bal['place_id']}").json()
    assert steps and steps[0]["state"]["place_name"] == "Balakliia"
    assert any(c["sentence"] for s in steps for c in s["evidence"])
    assert client.get("/api/timeline/gn:nowhere").status_code == 404


def test_layers_geojson(client: TestClient) -> None:
    layers = client.get("/api/layers").json()
    assert len(layers) == 2 and all("geometry" not in x for x in layers)
    day = client.get("/api/layers/for", params={"date": "2022-09-10"}).json()
    assert day["layer_date"] == "2022-09-06"
    assert client.get("/api/layers/for", params={"date": "2021-01-01"}).status_code == 404
    r = client.get(f"/api/layers/{day['id']}/features")
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == day["feature_count"]
    assert all("status" in f["properties"] for f in fc["features"])
    assert "occupied" in {f["properties"]["status"] for f in fc["features"]}
    simple = client.get(f"/api/layers/{day['id']}/features", params={"simplify": 0.05}).json()
    assert [f["properties"]["status"] for f in simple["features"]] == [
        f["properties"]["status"] for f in fc["features"]]
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon")
               for f in simple["features"] if f["geometry"])
    assert client.get("/api/layers/map-nope/features").status_code == 404
    polys = client.get(f"/api/layers/{day['id']}/features",
                       params={"geometry": "polygons"}).json()["features"]
    assert polys and {f["geometry"]["type"] for f in polys} == {"MultiPolygon"}

    def ring_area(ring: list[list[float]]) -> float:
        return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2

    for f in polys:
        for poly in f["geometry"]["coordinates"]:
            assert ring_area(poly[0]) > 0  # RFC 7946: exterior rings counter-clockwise
            assert all(len(pt) == 2 for ring in poly for pt in ring)  # 2-D
    assert client.get(f"/api/layers/{day['id']}/features",
                      params={"geometry": "lines"}).status_code == 422


def test_search_full_text(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "Izium"}).json()
    assert hits["total"] > 0
    for h in hits["items"]:
        body = (h["source"]["title"] or "") + " " + h["source"]["text"]
        assert "izium" in body.lower()
        if h["match_start"] is not None:
            assert h["source"]["text"][h["match_start"]:h["match_end"]].lower().startswith(
                "izium")
    cyr = client.get("/api/search", params={"q": "Балаклія"}).json()
    assert cyr["total"] > 0
    both = client.get("/api/search", params={"q": "Izium Kupiansk"}).json()
    assert 0 < both["total"] <= hits["total"]
    page = client.get("/api/search", params={"q": "Izium", "limit": 1, "offset": 1}).json()
    assert page["items"][0]["source"]["id"] == hits["items"][1]["source"]["id"]
    for nasty in ('"', "NEAR(", "a* OR -b", "'; DROP TABLE sources; --"):
        assert client.get("/api/search", params={"q": nasty}).status_code == 200
    assert client.get("/api/search", params={"q": "zzqxnonexistent"}).json()["total"] == 0


def test_reports_and_exports(client: TestClient) -> None:
    ledger = client.get("/api/ledger/equipment").json()
    assert ledger and ledger[0]["citations"] and ledger[0]["citations"][0]["sentence"]
    claims = client.get("/api/ledger/claims", params={"limit": 3}).json()
    assert len(claims) == 3
    claims2 = client.get("/api/ledger/claims", params={"limit": 2, "offset": 1}).json()
    assert [c["statement_id"] for c in claims2] == [c["statement_id"] for c in claims[1:]]
    contra = client.get("/api/contradictions").json()
    assert contra and contra[0]["a_quote"] and contra[0]["b_quote"]

    b = client.get("/api/brief", params={"from": "2022-09-01", "to": "2022-09-30"})
    assert b.json()["changes"]
    md = client.get("/api/brief", params={"from": "2022-09-01", "to": "2022-09-30",
                                          "format": "md"})
    assert md.headers["content-type"].startswith("text/markdown") and "#" in md.text
    html = client.get("/api/brief", params={"from": "2022-09-01", "to": "2022-09-30",
                                            "format": "html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in html.headers["content-security-policy"]
    assert client.get("/api/brief", params={"from": "2022-09-30",
                                            "to": "2022-09-01"}).status_code == 400

    geo = client.get("/api/export/geojson").json()
    assert geo["type"] == "FeatureCollection" and geo["features"]
    lines = client.get("/api/export/jsonl").text.splitlines()
    types = {json.loads(line)["type"] for line in lines}
    assert {"Source", "ControlEvent", "Event"} <= types
    assert client.get("/api/export/acled").text.startswith("event_id_cnty")
    assert client.get("/api/export/ledger").text.startswith("side,")
    assert client.get("/api/export/pdf").status_code == 422

    stats = client.get("/api/stats").json()
    assert stats["counts"]["sources"] > 0 and stats["writes_enabled"] is True


def test_exports_keep_to_the_date_range(client: TestClient) -> None:
    """The dashboard's export links pass from/to: every export that has dates honours them."""
    week = {"from": "2022-09-06", "to": "2022-09-12"}
    every = client.get("/api/export/geojson").json()["features"]
    ranged = client.get("/api/export/geojson", params=week)
    assert ranged.status_code == 200
    assert "2022-09-06-to-2022-09-12" in ranged.headers["content-disposition"]
    feats = ranged.json()["features"]
    assert 0 < len(feats) < len(every)
    for f in feats:
        p = f["properties"]
        assert p["first_date"] <= week["to"] and (p["last_date"] or p["first_date"]) >= week["from"]
    # control states: those in force on some day of the range
    states = client.get("/api/export/geojson", params={**week, "what": "timelines"}).json()
    assert states["features"]
    for f in states["features"]:
        p = f["properties"]
        assert p["since"] <= week["to"] and (p["until"] is None or p["until"] > week["from"])
    rows = client.get("/api/export/acled", params=week).text.splitlines()
    import csv
    days = [r["event_date"] for r in csv.DictReader(rows)]
    assert days and all(week["from"] <= d <= week["to"] for d in days), days
    assert len(rows) < len(client.get("/api/export/acled").text.splitlines())
    # the ledger counts items first published in the range; an empty range is a header only
    assert client.get("/api/export/ledger", params={"from": "2030-01-01"}).text.count("\n") == 1
    assert client.get("/api/export/ledger", params=week).text.startswith("side,")
    assert client.get("/api/export/geojson", params={"from": "2030-01-01"}).json()[
        "features"] == []
    assert client.get("/api/export/acled", params={"from": "2022-09-12",
                                                   "to": "2022-09-06"}).status_code == 400
    assert client.get("/api/export/jsonl", params=week).status_code == 400
    assert client.get("/api/export/geojson", params={"from": "12.09.2022"}).status_code == 422


def test_stats_say_how_fresh_the_data_is(client: TestClient) -> None:
    stats = client.get("/api/stats").json()
    newest = datetime.fromisoformat(stats["newest_source"])
    assert newest.date() >= date(2022, 9, 1)
    assert datetime.fromisoformat(stats["newest_retrieved"]) >= newest
    assert datetime.fromisoformat(stats["fused_at"]).year >= 2025
    assert stats["fusion_stale"] is None  # the module's database was fused after ingesting


def test_openapi_and_docs(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "swagger" in page.lower()
    # the docs page loads Swagger UI from the package, never from a CDN
    assert "https://" not in page and "/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert client.get("/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/openapi.json").json()
    for path in ("/api/picture", "/api/events/{event_id}", "/api/ingest", "/api/search"):
        assert path in spec["paths"]
    assert client.get("/api/sources").headers["x-content-type-options"] == "nosniff"


# -- writes -------------------------------------------------------------------------------------


def test_writes_need_the_token(settings: Settings) -> None:
    with TestClient(create_app(settings)) as open_app:  # no token configured: never writable
        assert open_app.post("/api/fuse").status_code == 403
        assert open_app.post("/api/fuse", headers=AUTH).status_code == 403
    with _writer(settings) as c:
        r = c.post("/api/fuse")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert c.post("/api/fuse", headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert c.post("/api/fuse", headers={"Authorization": TOKEN}).status_code == 401
        files = {"file": ("a.md", b"Ukrainian forces liberated Balakliia.", "text/markdown")}
        assert c.post("/api/ingest", files=files).status_code == 401
        assert c.post("/api/ingest", files=files,
                      headers={"Authorization": "Bearer nope"}).status_code == 403
        assert c.get("/api/stats").json()["counts"]["sources"] == 0
        assert c.post("/api/fuse", headers=AUTH).status_code == 200


def test_read_only_refuses_writes_even_with_token(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"api_token": TOKEN}), read_only=True)
    with TestClient(app) as c:
        assert c.post("/api/fuse", headers=AUTH).status_code == 403
        files = {"file": ("a.md", b"text", "text/markdown")}
        assert c.post("/api/ingest", files=files, headers=AUTH).status_code == 403
        assert c.get("/api/stats").json()["read_only"] is True
        assert c.get("/api/sources").status_code == 200


def test_upload_too_big(settings: Settings) -> None:
    with _writer(settings, upload_max_bytes=2000) as c:
        big = b"Ukrainian forces liberated Balakliia. " * 200
        r = c.post("/api/ingest", files={"file": ("big.md", big, "text/markdown")},
                   headers=AUTH)
        assert r.status_code == 413

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold mid-stream
            yield (b'--xx\r\nContent-Disposition: form-data; name="file"; filename="b.md"\r\n'
                   b"Content-Type: text/markdown\r\n\r\n")
            for _ in range(50):
                yield b"x" * 100
            yield b"\r\n--xx--\r\n"

        r = c.post("/api/ingest", content=chunks(), headers={
            **AUTH, "Content-Type": "multipart/form-data; boundary=xx"})
        assert r.status_code == 413
        assert c.get("/api/stats").json()["counts"]["sources"] == 0
        small = {"file": ("ok.md", b"Ukrainian forces liberated Balakliia.", "text/markdown")}
        assert c.post("/api/ingest", files=small, headers=AUTH).status_code == 200


def _telegram_export() -> bytes:
    export = {
        "name": "api test channel", "type": "public_channel", "id": 42,
        "messages": [
            {"id": 1, "type": "message", "date": "2022-09-10T10:00:00",
             "from": "api test channel", "from_id": "channel42",
             "text": ["Russian forces left Izium. ", {"type": "bold", "text": PAYLOAD}]},
            {"id": 2, "type": "message", "date": "2022-09-11T10:00:00",
             "from": "api test channel", "from_id": "channel42", "text": PAYLOAD},
        ],
    }
    return json.dumps(export, ensure_ascii=False).encode()


def test_telegram_upload_returns_script_verbatim(settings: Settings) -> None:
    with _writer(settings) as c:
        files = {"file": ("result.json", io.BytesIO(_telegram_export()), "application/json")}
        r = c.post("/api/ingest", files=files, headers=AUTH)
        assert r.status_code == 200, r.text
        rep = r.json()
        assert rep["format"] == "telegram" and rep["added"] == 2 and rep["error"] is None
        r = c.get("/api/sources", params={"kind": "telegram"})
        assert r.headers["content-type"] == "application/json"
        texts = [s["text"] for s in r.json()["items"]]
        assert PAYLOAD in texts and any(t.endswith(PAYLOAD) for t in texts if t != PAYLOAD)
        assert "\\u003c" not in r.text and PAYLOAD.replace('"', '\\"') in r.text  # plain JSON
        hit = c.get("/api/search", params={"q": "onerror"}).json()
        assert hit["total"] == 2 and PAYLOAD in hit["items"][0]["source"]["text"]
        again = c.post("/api/ingest", headers=AUTH, files={
            "file": ("result.json", io.BytesIO(_telegram_export()), "application/json")})
        assert again.json()["added"] == 0 and again.json()["skipped"] == 2  # idempotent


@pytest.mark.parametrize("url,why", [("http://127.0.0.1:9/feed.xml", "loopback"),
                                     ("http://10.1.2.3/a.html", "private"),
                                     ("http://169.254.169.254/latest/meta-data/", "link-local")])
def test_private_url_refused(settings: Settings, url: str, why: str) -> None:
    with _writer(settings) as c:
        r = c.post("/api/ingest", json={"url": url}, headers=AUTH)
        assert r.status_code == 422
        assert why in r.json()["error"] and r.json()["added"] == 0
        assert c.post("/api/ingest", json={"url": "file:///etc/passwd"},
                      headers=AUTH).status_code == 422
        assert c.post("/api/ingest", content=b"x", headers={
            **AUTH, "Content-Type": "text/plain"}).status_code == 415


def test_ingest_extract_and_fuse_flags(settings: Settings) -> None:
    article = SAMPLE / "articles" / "2022-09-12-uk-izium-flag.md"
    with _writer(settings) as c:
        r = c.post("/api/ingest", params={"extract": True, "fuse": True}, headers=AUTH,
                   files={"file": (article.name, article.read_bytes(), "text/markdown")})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["added"] == 1 and body["extract"]["processed"] == 1
        assert body["fusion"]["records"]["sources"] == 1
        assert c.get("/api/records/control").json()["total"] > 0


def test_dashboard_static(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>frontlens</title>")
    with TestClient(create_app(settings, static_dir=tmp_path)) as c:
        r = c.get("/")
        assert r.status_code == 200 and "<title>frontlens</title>" in r.text
        assert c.get("/api/stats").status_code == 200
    with TestClient(create_app(settings, static_dir=tmp_path / "missing")) as c:
        assert c.get("/").json()["docs"] == "/docs"


def test_serve_is_read_only_off_loopback() -> None:
    from frontlens.cli import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_dates_are_json_strings(client: TestClient) -> None:
    ev = client.get("/api/events", params={"limit": 1}).json()["items"][0]
    date.fromisoformat(ev["first_date"])
    src = client.get("/api/sources", params={"limit": 1}).json()["items"][0]
    assert datetime.fromisoformat(src["published_at"]).tzinfo is not None


def test_picture_compressed_equals_plain_and_follows_a_fusion(settings: Settings) -> None:
    """The gzip answer (cached by day) decodes to the plain one, and a write through the API
    makes the next request see the rebuilt timeline at once, not a cached day."""
    import gzip

    day = {"as_of": "2022-09-30"}
    with _writer(settings) as c:
        assert c.get("/api/picture", params=day).json() == []
        articles = sorted((SAMPLE / "articles").glob("*.md"))
        for k, article in enumerate(articles):
            r = c.post("/api/ingest", params={"extract": True, "fuse": k == len(articles) - 1},
                       headers=AUTH, files={"file": (article.name, article.read_bytes(),
                                                     "text/markdown")})
            assert r.status_code == 200, r.text
        plain = c.get("/api/picture", params=day, headers={"Accept-Encoding": "identity"})
        assert len(plain.content) > 1024 and "content-encoding" not in plain.headers
        for _ in range(2):  # compressed, then the same bytes from the cache
            with c.stream("GET", "/api/picture", params=day,
                          headers={"Accept-Encoding": "gzip"}) as raw:
                body = b"".join(raw.iter_raw())
            assert raw.headers["content-encoding"] == "gzip"
            assert raw.headers["vary"] == "Accept-Encoding"
            assert json.loads(gzip.decompress(body)) == plain.json()


def test_server_pool_holds_a_connection_per_handler_thread(sqlite_url: str) -> None:
    app = create_app(Settings(db=sqlite_url, serve_threads=3))
    assert app.state.store.engine.pool.size() == 3
    with app.state.store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert create_app(Settings(db=sqlite_url, serve_threads=3, db_pool_size=7)
                      ).state.store.engine.pool.size() == 7
