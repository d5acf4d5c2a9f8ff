"""The dashboard in a real browser (Playwright + Debian's /usr/bin/chromium) against the real API.

The app (``frontlens.serve.api.create_app``) runs under uvicorn in a thread on 127.0.0.1 over a
temporary SQLite database built from ``sample/`` plus two hostile inputs (a Markdown article and
a Telegram export whose text carries ``<script>`` and ``<img onerror>``). Every request the
browser makes is routed through a handler that aborts anything not addressed to 127.0.0.1.

Skipped, with the reason, when /usr/bin/chromium, the playwright package or the built dashboard
(``bash scripts/build_web.sh``) is missing; ``FRONTLENS_REQUIRE_BROWSER=1`` turns those skips
into failures (CI). Never runs ``playwright install``: the browser is the system chromium.

Timings (first paint, as-of switch) are printed and written to test-artifacts/timings.json;
they are reported, not asserted tightly. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from frontlens.config import Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample"
STATIC = REPO / "src" / "frontlens" / "serve" / "static"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TOKEN = "dashboard-test-token"
REQUIRE = os.environ.get("FRONTLENS_REQUIRE_BROWSER") == "1"

PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
ARTICLE = f"""---
title: "[SYNTHETIC] Balakliia liberated, says the test desk"
url: https://example.org/frontlens-test/balakliia-payload
date: "2022-09-09T12:00:00+03:00"
outlet: frontlens test desk
language: en
---

[SYNTHETIC] Ukrainian forces liberated Balakliia on 8 September, the test desk said {PAYLOAD}.
"""
TELEGRAM = {
    "name": "frontlens test channel", "type": "public_channel", "id": 9876543210,
    "messages": [{
        "id": 7, "type": "message", "date": "2022-09-09T13:00:00", "date_unixtime": "1662717600",
        "from": "frontlens test channel", "from_id": "channel9876543210",
        "text": f"[SYNTHETIC] ЗСУ звільнили Балаклію {PAYLOAD} tgpayloadmarker",
    }],
}


def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"FRONTLENS_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser_available() -> None:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed (pip install playwright)")
    try:
        import uvicorn  # noqa: F401

        from frontlens.serve.api import create_app  # noqa: F401
    except ImportError as exc:
        _unavailable(f"the API cannot be imported: {exc}")
    built = [STATIC / "app.js", STATIC / "vendor" / "leaflet" / "leaflet.js"]
    if not all(p.exists() for p in built):
        _unavailable("the dashboard is not built (bash scripts/build_web.sh)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(browser_available: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from frontlens.extract.pipeline import run_extract
    from frontlens.fuse.picture import run_fusion
    from frontlens.ingest.pipeline import ingest_inputs
    from frontlens.serve.api import create_app
    from frontlens.store.db import Store

    tmp = tmp_path_factory.mktemp("dashboard")
    inputs = tmp / "inputs"
    shutil.copytree(SAMPLE, inputs / "sample")
    (inputs / "payload.md").write_text(ARTICLE, encoding="utf-8")
    tg = inputs / "tg_payload"
    tg.mkdir()
    (tg / "result.json").write_text(json.dumps(TELEGRAM, ensure_ascii=False), encoding="utf-8")
    settings = Settings(db=f"sqlite:///{tmp / 'dash.db'}", api_token=TOKEN)
    store = Store(settings.db)
    try:
        batch = ingest_inputs(store, [str(inputs)], settings)
        assert not any(r.error for r in batch.inputs), [r.error for r in batch.inputs if r.error]
        run_extract(store)
        run_fusion(store)
    finally:
        store.close()

    port = _free_port()
    app = create_app(settings, static_dir=STATIC)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


class Offsite:
    """Route handler: lets 127.0.0.1 through, aborts and records everything else."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def __call__(self, route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture(scope="module")
def browser(browser_available: None) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def timings() -> Iterator[dict[str, Any]]:
    out: dict[str, Any] = {}
    yield out
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps(out, indent=2) + "\n")
    print("\ndashboard timings:", json.dumps(out))


def _page(browser: Any, server: str, offsite: Offsite, width: int, height: int,
          mobile: bool = False) -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(viewport={"width": width, "height": height}, is_mobile=mobile,
                              has_touch=mobile, service_workers="block")
    ctx.route("**/*", offsite)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "/#as_of=2022-09-12")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    return ctx, page, errors


def _pwned(page: Any) -> Any:
    return page.evaluate("() => window.__pwned")


def _set_as_of(page: Any, day: str) -> float:
    """Set the as-of date through the date field; return the switch time the app measured."""
    page.evaluate("() => { window.__fl.lastAsOfMs = null; }")
    t0 = time.perf_counter()
    page.fill("#asof-date", day)
    page.dispatch_event("#asof-date", "change")
    page.wait_for_function(f"() => window.__fl.asOf === '{day}' && window.__fl.lastAsOfMs !== null")
    wall = (time.perf_counter() - t0) * 1000
    return float(page.evaluate("() => window.__fl.lastAsOfMs") or wall)


def test_dashboard_end_to_end(browser: Any, server: str, timings: dict[str, Any]) -> None:
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 1366, 860)
    try:
        paint = page.evaluate("""() => Object.fromEntries(performance.getEntriesByType('paint')
            .map(e => [e.name, e.startTime]))""")
        nav = page.evaluate("""() => {
            const n = performance.getEntriesByType('navigation')[0];
            return n ? {dom_content_loaded: n.domContentLoadedEventEnd, load: n.loadEventEnd}
                     : {}; }""")
        timings["first_paint_ms"] = paint.get("first-paint")
        timings["first_contentful_paint_ms"] = paint.get("first-contentful-paint")
        timings.update({f"{k}_ms": v for k, v in nav.items()})
        timings["initial_as_of_ms"] = page.evaluate("() => window.__fl.lastAsOfMs")
        assert paint.get("first-contentful-paint") is not None

        # the map: basemap drawn, control polygons of the day, settlements
        page.wait_for_selector("path.fl-place", timeout=10_000)
        assert page.locator("path.fl-place").count() >= 3
        assert page.locator(".leaflet-overlay-pane path, .leaflet-pane path").count() > 10
        assert "control map:" in page.inner_text("#layer-info")

        # as-of switches through the date field and the slider (keyboard)
        switches = [_set_as_of(page, d) for d in ("2022-09-06", "2022-09-09", "2022-09-12")]
        timings["as_of_switch_ms"] = [round(x, 1) for x in switches]
        page.focus("#asof")
        before = page.evaluate("() => window.__fl.asOf")
        page.keyboard.press("ArrowLeft")
        page.wait_for_function(f"() => window.__fl.asOf !== '{before}'")
        after = page.evaluate("() => window.__fl.asOf")
        assert after < before
        _set_as_of(page, "2022-09-12")

        # play / pause moves the date forward
        _set_as_of(page, "2022-09-08")
        page.click("#play")
        assert page.get_attribute("#play", "aria-pressed") == "true"
        page.wait_for_function("() => window.__fl.asOf > '2022-09-08'", timeout=10_000)
        page.click("#play")
        assert page.get_attribute("#play", "aria-pressed") == "false"
        _set_as_of(page, "2022-09-12")

        # click Balakliia on the map: timeline + evidence
        page.locator("path.fl-place[data-place='Balakliia']").first.click()
        page.wait_for_selector("#panel:not([hidden]) ol.timeline li")
        assert page.inner_text("#panel-title") == "Balakliia"
        page.wait_for_selector("#event-detail .ev")
        panel_text = page.inner_text("#panel")
        assert "Control timeline" in panel_text
        assert "Grade" in panel_text
        assert page.locator("#event-detail .ev mark").count() >= 1
        assert page.locator("#event-detail details.explain pre").count() == 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-laptop-balakliia.png"))

        # hostile text from an article and a Telegram post is shown literally, never run
        page.fill("#search-q", "tgpayloadmarker")
        page.click("#search-form button[type=submit]")
        page.wait_for_selector("#search-results li")
        assert "<script>window.__pwned=1</script>" in page.inner_text("#search-results")
        page.fill("#search-q", "test desk said")
        page.click("#search-form button[type=submit]")
        page.wait_for_selector("#search-results li")
        assert '<img src=x onerror="window.__pwned=2' in page.inner_text("#search-results")
        page.wait_for_timeout(300)  # give an <img onerror> time to fire, were it markup
        assert _pwned(page) is None
        assert page.locator("#search-results script, #search-results img").count() == 0
        if "<script>" in panel_text:  # the payload sentences also back Balakliia's event
            assert page.locator("#panel script, #panel img").count() == 0
        timings["payload_in_evidence_panel"] = "<script>" in panel_text

        # ledgers, contradictions, brief (Markdown as text; HTML in a sandbox)
        page.click("#tab-ledgers")
        page.wait_for_selector("#ledger-equipment table tbody tr")
        page.click("#ledger-equipment th button")
        page.screenshot(path=str(ARTIFACTS / "dashboard-laptop-ledgers.png"))
        page.fill("#ledger-equipment-filter", "T-72")
        assert "of" in page.inner_text("#ledger-equipment .table-tools")
        page.click("#tab-contradictions")
        page.wait_for_function(
            "() => !document.getElementById('contradictions-list').textContent.includes('loading')")
        page.screenshot(path=str(ARTIFACTS / "dashboard-laptop-contradictions.png"))
        page.click("#tab-brief")
        page.fill("#brief-from", "2022-09-06")
        page.fill("#brief-to", "2022-09-14")
        page.select_option("#brief-format", "md")
        page.click("#brief-form button[type=submit]")
        page.wait_for_selector("#brief-out pre")
        page.select_option("#brief-format", "html")
        page.click("#brief-form button[type=submit]")
        page.wait_for_selector("#brief-out iframe")
        assert page.get_attribute("#brief-out iframe", "sandbox") == ""
        page.wait_for_timeout(200)
        page.screenshot(path=str(ARTIFACTS / "dashboard-laptop-brief.png"))

        # ingest a file with the token: progress, then the per-input report
        page.click("#tab-ingest")
        page.fill("#ingest-token", "wrong")
        page.set_input_files("#ingest-file", files=[{
            "name": "upload<img src=x onerror=window.__pwned=3>.md", "mimeType": "text/markdown",
            "buffer": ARTICLE.replace("Balakliia on 8", "Balakliia on 9").encode()}])
        page.click("#ingest-form button[type=submit]")
        page.wait_for_function(
            "() => document.getElementById('ingest-status').dataset.kind === 'error'")
        assert "403" in page.inner_text("#ingest-status")
        page.fill("#ingest-token", TOKEN)
        page.click("#ingest-form button[type=submit]")
        page.wait_for_function(
            "() => document.getElementById('ingest-status').textContent === 'done'",
            timeout=60_000)
        report = page.inner_text("#ingest-result")
        assert "upload:" in report
        assert page.locator("#ingest-result table.ingest-report tbody tr").count() == 1
        page.screenshot(path=str(ARTIFACTS / "dashboard-laptop-ingest.png"), full_page=True)
        assert _pwned(page) is None

        assert offsite.blocked == [], offsite.blocked
        # the one expected console error is the refused upload (403, wrong token)
        assert not [e for e in errors if "favicon" not in e and "status of 403" not in e], errors

        # first paint again with a warm server and HTTP cache (a second visit)
        page.reload()
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        timings["warm_first_contentful_paint_ms"] = page.evaluate(
            "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
        timings["warm_ready_ms"] = page.evaluate("() => performance.now()")
    finally:
        ctx.close()


def test_dashboard_phone(browser: Any, server: str) -> None:
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 390, 844, mobile=True)
    try:
        page.wait_for_selector("path.fl-place")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-phone-map.png"))
        # the settlement list is the keyboard/touch path to the same panel
        page.click("details.places summary")
        page.click("button.place-btn[data-place='Balakliia']")
        page.wait_for_selector("#event-detail .ev")
        assert page.evaluate("() => document.activeElement.id") == "panel-title"
        page.screenshot(path=str(ARTIFACTS / "dashboard-phone-balakliia.png"), full_page=True)
        # nothing wider than the screen
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1
        page.keyboard.press("Escape")
        assert page.locator("#panel").is_hidden()
        assert _pwned(page) is None
        assert offsite.blocked == [], offsite.blocked
        assert not [e for e in errors if "favicon" not in e], errors
    finally:
        ctx.close()


def test_keyboard_focus_order(browser: Any, server: str) -> None:
    offsite = Offsite()
    ctx, page, _ = _page(browser, server, offsite, 1366, 860)
    try:
        seen = []
        for _ in range(12):
            page.keyboard.press("Tab")
            seen.append(page.evaluate(
                "() => { const a = document.activeElement; return a.id || a.tagName; }"))
        assert "tab-map" in seen and "play" in seen and "asof" in seen
        # the visible focus ring comes from :focus-visible
        page.focus("#play")
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
        # tab list: arrow keys move between views
        page.focus("#tab-map")
        page.keyboard.press("ArrowRight")
        assert page.evaluate("() => document.activeElement.id") == "tab-ledgers"
        assert page.locator("#view-ledgers").is_visible()
        assert offsite.blocked == []
    finally:
        ctx.close()


def test_hostile_place_names_render_as_text(browser: Any, server: str) -> None:
    """Map tooltips, the settlement list and the panel header get place names as text.

    The API is trusted to serve what was extracted, and a place name can come from an article;
    here /api/picture is answered with names that are markup, through a route stub.
    """
    offsite = Offsite()
    hostile = [{"place": f"Balakliia{PAYLOAD}", "place_id": "x<img src=x onerror=alert(1)>",
                "lat": 49.46, "lon": 36.86, "controller": "UA<b>", "since": "2022-09-08",
                "until": None, "grade": "B2\"><script>window.__pwned=4</script>", "score": 0.9,
                "disputed": True, "sources": ["src-x"]}]
    ctx = browser.new_context(viewport={"width": 1366, "height": 860}, service_workers="block")
    ctx.route("**/*", offsite)
    ctx.route("**/api/picture?*", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(hostile)))
    page = ctx.new_page()
    try:
        page.goto(server + "/#as_of=2022-09-12")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        marker = page.locator("path.fl-place").first
        marker.hover()
        tooltip = ".leaflet-tooltip:not(.city-label)"
        page.wait_for_selector(tooltip)
        assert "<script>window.__pwned=1</script>" in page.inner_text(tooltip)
        marker.click()
        page.wait_for_selector("#panel:not([hidden]) #panel-title")
        assert page.inner_text("#panel-title") == f"Balakliia{PAYLOAD}"
        page.click("details.places summary")
        assert PAYLOAD in page.inner_text("#place-list")
        page.wait_for_timeout(300)
        assert _pwned(page) is None
        assert page.locator("#main script, #main img, .leaflet-tooltip img").count() == 0
        assert offsite.blocked == [], offsite.blocked
    finally:
        ctx.close()


def test_address_keeps_the_date_back_returns_and_a_bad_date_is_explained(
        browser: Any, server: str) -> None:
    """A chosen day is a history entry: back returns to the day before, an edited address
    moves the map; a link with an impossible date shows the default view and says why."""
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 1366, 860)
    try:
        _set_as_of(page, "2022-09-06")
        assert page.evaluate("() => location.hash") == "#as_of=2022-09-06"
        page.go_back()
        page.wait_for_function("() => window.__fl.asOf === '2022-09-12'")
        page.evaluate("() => { location.hash = '#as_of=2022-09-09'; }")
        page.wait_for_function("() => window.__fl.asOf === '2022-09-09'")
        assert page.input_value("#asof-date") == "2022-09-09"
        # a day before the first control layer: no /layers/for request, so no 404 logged
        _set_as_of(page, "2022-09-01")
        assert "no control map" in page.inner_text("#layer-info")
        # slider ticks on days with events
        assert page.locator("#event-days option").count() >= 3
        assert not [e for e in errors if "404" in e or "favicon" in e], errors
    finally:
        ctx.close()
    ctx = browser.new_context(viewport={"width": 1366, "height": 860}, service_workers="block")
    ctx.route("**/*", offsite)
    page = ctx.new_page()
    try:
        page.goto(server + "/#as_of=2022-13-45")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        assert "not a day" in page.inner_text("#map-status")
        assert page.locator("path.fl-place").count() >= 3  # the default view, not a dead page
        assert offsite.blocked == []
    finally:
        ctx.close()


def test_selected_settlement_is_highlighted_and_its_panel_follows_the_date(
        browser: Any, server: str) -> None:
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 1366, 860)
    try:
        page.locator("path.fl-place[data-place='Balakliia']").first.click()
        page.wait_for_selector("#event-detail .ev")
        sel = page.locator("path.fl-selected")
        assert sel.count() == 1 and sel.get_attribute("data-place") == "Balakliia"
        assert page.locator("path.fl-place[aria-current='true']").count() == 1
        _set_as_of(page, "2022-09-10")
        page.wait_for_function("() => document.querySelector('#panel .asof-line')"
                               "?.textContent.includes('2022-09-10')")
        assert page.locator("path.fl-selected").count() == 1  # still marked after a redraw
        page.keyboard.press("Escape")
        assert page.locator("path.fl-selected").count() == 0
        assert not [e for e in errors if "404" in e], errors
    finally:
        ctx.close()


def test_open_event_moves_the_date_and_ledger_filters_and_sorts_as_read(
        browser: Any, server: str) -> None:
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 1366, 860)
    try:
        page.click("#tab-contradictions")
        page.wait_for_selector("#contradictions-list button.linkish")
        page.locator("#contradictions-list button.linkish").first.click()
        page.wait_for_selector("#event-detail .claim")
        when = page.inner_text("#event-detail .claim small")[:10]
        if when[:4].isdigit():  # a dated event: the map shows its day
            page.wait_for_function(f"() => window.__fl.asOf === '{when}'")
        # ledgers: "RU tank" matches across columns; counts sort largest first
        page.click("#tab-ledgers")
        page.wait_for_selector("#ledger-equipment table tbody tr")
        page.fill("#ledger-equipment-filter", "RU tank")
        rows = page.locator("#ledger-equipment tbody tr")
        assert rows.count() >= 1
        for i in range(rows.count()):
            text = rows.nth(i).inner_text()
            assert "RU" in text and "tank" in text.lower(), text
        page.fill("#ledger-equipment-filter", "")
        totals = page.inner_text("#ledger-equipment .side-totals")  # per-side totals
        assert "Russia:" in totals and "destroyed" in totals, totals
        page.click("#ledger-equipment th:has-text('Destroyed') button")
        assert page.get_attribute("#ledger-equipment th:has-text('Destroyed')",
                                  "aria-sort") == "descending"
        align = page.evaluate("() => getComputedStyle(document.querySelector("
                              "'#ledger-equipment th.num')).textAlign")
        assert align == "right"
        assert page.input_value("#brief-format") == "html"  # the brief opens as HTML
        assert not [e for e in errors if "404" in e], errors
    finally:
        ctx.close()


def test_dark_mode_and_print_view(browser: Any, server: str) -> None:
    offsite = Offsite()
    ctx = browser.new_context(viewport={"width": 1366, "height": 860}, color_scheme="dark",
                              service_workers="block")
    ctx.route("**/*", offsite)
    page = ctx.new_page()
    try:
        page.goto(server + "/#as_of=2022-09-12")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        bg = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert bg == "rgb(23, 24, 26)", bg
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-laptop-dark.png"))
        page.emulate_media(media="print")
        assert page.locator("header.top").is_hidden() and page.locator(".time").is_hidden()
        assert page.locator("#map").is_visible()
    finally:
        ctx.close()


def test_opening_view_fits_the_front_not_a_far_away_dot(browser: Any, server: str) -> None:
    """Five settlements near Kharkiv and one wrong dot by the Baltic: the first view shows
    the five, not the Baltic."""
    offsite = Offsite()
    rows = [{"place": f"P{i}", "place_id": f"p{i}", "lat": 49.4 + i * 0.05, "lon": 36.8 + i * 0.1,
             "controller": "UA", "since": "2022-09-08", "until": None, "grade": "B2",
             "score": 0.8, "disputed": False, "sources": ["src-x"]} for i in range(5)]
    rows.append({**rows[0], "place": "Far", "place_id": "far", "lat": 54.7, "lon": 20.5})
    ctx = browser.new_context(viewport={"width": 1366, "height": 860}, service_workers="block")
    ctx.route("**/*", offsite)
    ctx.route("**/api/picture?*", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(rows)))
    page = ctx.new_page()
    try:
        page.goto(server + "/#as_of=2022-09-12")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        assert page.evaluate("() => window.__fl.map.getBounds().contains([49.5, 37.0])")
        assert not page.evaluate("() => window.__fl.map.getBounds().contains([54.7, 20.5])")
        assert offsite.blocked == []
    finally:
        ctx.close()
