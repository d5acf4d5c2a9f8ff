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


def test_every_tab_is_on_screen_and_opens_on_a_phone(browser: Any, server: str) -> None:
    """At 360 and 390 px wide every tab of the header lies inside the screen (no sideways
    scrolling of the tab row, nothing covering it) and a tap on it opens its view."""
    offsite = Offsite()
    for width in (360, 390):
        ctx, page, errors = _page(browser, server, offsite, width, 800, mobile=True)
        try:
            tabs = page.evaluate("""() => [...document.querySelectorAll('[role=tab]')].map(t => {
                const r = t.getBoundingClientRect();
                const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                return {id: t.id, left: r.left, right: r.right, w: r.width, h: r.height,
                        onTop: t === hit || t.contains(hit)}; })""")
            assert [t["id"] for t in tabs] == ["tab-map", "tab-ledgers", "tab-contradictions",
                                                "tab-brief", "tab-ingest"]
            for t in tabs:
                assert t["left"] >= 0 and t["right"] <= width, (width, t)
                assert t["h"] >= 24 and t["onTop"], (width, t)  # a tap target, not covered
            nav = page.evaluate("() => { const n = document.querySelector('[role=tablist]');"
                                " return [n.scrollWidth, n.clientWidth]; }")
            assert nav[0] <= nav[1], (width, nav)
            for view in ("ingest", "brief", "contradictions", "ledgers", "map"):
                page.tap(f"#tab-{view}")
                assert page.get_attribute(f"#tab-{view}", "aria-selected") == "true"
                assert page.locator(f"#view-{view}").is_visible()
                assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1
                if view == "ingest" and width == 360:
                    page.screenshot(path=str(ARTIFACTS / "dashboard-phone360-ingest.png"))
            assert not errors, errors
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


# -- issue 10: legend and hatching, the view in the address, ranged exports, freshness, ISO
# -- dates, label collisions

def _stub_picture(rows: list[dict[str, Any]]) -> Any:
    return lambda route: route.fulfill(status=200, content_type="application/json",
                                       body=json.dumps(rows))


def _row(place: str, lat: float, lon: float, **kw: Any) -> dict[str, Any]:
    return {"place": place, "place_id": f"test:{place}", "lat": lat, "lon": lon,
            "controller": "UA", "since": "2022-09-08", "until": None, "grade": "B2",
            "score": 0.8, "disputed": False, "approximate": False, "sources": ["src-x"], **kw}


def test_legend_is_on_the_map_and_contested_places_are_hatched(browser: Any, server: str) -> None:
    """The legend sits on the map and names every mark, contested and undated included; a
    contested place is filled with stripes (an SVG pattern), not just a ring."""
    from io import BytesIO

    from PIL import Image

    offsite = Offsite()
    rows = [_row("Plainville", 49.40, 36.60), _row("Splitbank", 49.70, 37.60, disputed=True),
            _row("Nodate", 49.20, 37.20, grade="unknown", controller="RU")]
    ctx = browser.new_context(viewport={"width": 1366, "height": 860}, service_workers="block")
    ctx.route("**/*", offsite)
    ctx.route("**/api/picture?*", _stub_picture(rows))
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(server + "/#as_of=2022-09-12")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        legend = page.locator("#map .fl-legend")
        assert legend.count() == 1 and legend.is_visible()
        assert legend.get_attribute("open") is not None  # open on a laptop
        keys = page.eval_on_selector_all("#map-legend [data-legend]",
                                         "els => els.map(e => e.dataset.legend)")
        for k in ("UA", "RU", "unknown", "contested", "undated", "approximate", "event",
                  "occupied", "liberated", "contested-area"):
            assert k in keys, keys
        text = legend.inner_text()
        assert "contested" in text and "undated" in text
        # the legend's contested swatch uses the same pattern as the map
        assert page.get_attribute("#map-legend [data-legend=contested] circle",
                                  "fill") == "url(#hatch-UA)"
        # the below-the-map legend of ten items is gone
        assert page.locator("section#view-map > .legend").count() == 0

        split = page.locator("path.fl-place[data-place='Splitbank']")
        assert split.get_attribute("fill") == "url(#hatch-UA)"
        assert "fl-contested" in (split.get_attribute("class") or "")
        assert page.locator("pattern#hatch-UA").count() == 1
        assert "contested" in (split.get_attribute("aria-label") or "")
        plain = page.locator("path.fl-place[data-place='Plainville']")
        assert plain.get_attribute("fill") == "#1f6fb2"
        nodate = page.locator("path.fl-place[data-place='Nodate']")
        assert "fl-undated" in (nodate.get_attribute("class") or "")
        assert nodate.get_attribute("stroke-dasharray")  # dotted ring
        # the stripes are drawn: the dot's pixels hold both the holder's blue and white
        img = Image.open(BytesIO(split.screenshot())).convert("RGB")
        w, h = img.size
        core = [img.getpixel((x, y)) for x in range(w // 2 - 4, w // 2 + 4)
                for y in range(h // 2 - 4, h // 2 + 4)]
        blue = sum(1 for r, g, b in core if b > 140 and r < 90)
        white = sum(1 for r, g, b in core if min(r, g, b) > 200)
        assert blue >= 6 and white >= 6, (blue, white)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-laptop-legend-contested.png"))
        assert offsite.blocked == [] and not errors, errors
    finally:
        ctx.close()
    # on a phone the legend starts closed (it would cover the map) and opens with a tap
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                              has_touch=True, service_workers="block")
    ctx.route("**/*", offsite)
    page = ctx.new_page()
    try:
        page.goto(server + "/#as_of=2022-09-12")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        assert page.get_attribute("#map-legend", "open") is None
        page.tap("#map-legend summary")
        assert page.get_attribute("#map-legend", "open") is not None
        box = page.locator("#map-legend").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1
        page.screenshot(path=str(ARTIFACTS / "dashboard-phone-legend.png"))
    finally:
        ctx.close()


def _hash(page: Any) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(page.evaluate("() => location.hash").lstrip("#")))


def test_address_keeps_place_view_and_tab_and_back_walks_them(browser: Any, server: str) -> None:
    """Selected place, zoom/centre and tab go in the address with the date; the copied
    address reopens that view; back undoes one step at a time; a bad part is explained."""
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 1366, 860)
    try:
        page.locator("path.fl-place[data-place='Balakliia']").first.click()
        page.wait_for_selector("#event-detail .ev")
        h = _hash(page)
        assert h["as_of"] == "2022-09-12" and h["place"], h
        place_id = h["place"]
        page.click(".leaflet-control-zoom-in")
        page.wait_for_function("() => location.hash.includes('z=')")
        h = _hash(page)
        zoom = int(h["z"])
        lat, lon = (float(x) for x in h["c"].split(","))
        assert zoom == page.evaluate("() => window.__fl.map.getZoom()")
        page.click("#tab-ledgers")
        h = _hash(page)
        assert h["tab"] == "ledgers" and h["place"] == place_id and int(h["z"]) == zoom
        url = page.url

        # the copied address, in a new tab: same tab, place, day and view
        other = ctx.new_page()
        other.goto(url)
        other.wait_for_selector("body[data-ready='1']", timeout=30_000)
        assert other.get_attribute("#tab-ledgers", "aria-selected") == "true"
        assert other.locator("#view-ledgers").is_visible()
        other.click("#tab-map")
        other.wait_for_selector("#panel:not([hidden]) #panel-title")
        assert other.inner_text("#panel-title") == "Balakliia"
        assert other.locator("path.fl-selected").get_attribute("data-place") == "Balakliia"
        assert other.evaluate("() => window.__fl.map.getZoom()") == zoom
        c = other.evaluate("() => window.__fl.map.getCenter()")
        assert abs(c["lat"] - lat) < 1e-3 and abs(c["lng"] - lon) < 1e-3, (c, lat, lon)
        assert other.evaluate("() => window.__fl.asOf") == "2022-09-12"
        other.screenshot(path=str(ARTIFACTS / "dashboard-laptop-restored-view.png"))
        other.close()

        # back: the tab, then the zoom (replaced, so it goes with the place), then the place
        page.go_back()
        page.wait_for_function("() => document.getElementById('tab-map')"
                               ".getAttribute('aria-selected') === 'true'")
        assert page.locator("#view-map").is_visible()
        assert "tab" not in _hash(page)
        page.go_back()
        page.wait_for_function("() => document.getElementById('panel').hidden")
        assert "place" not in _hash(page)
        assert page.locator("path.fl-selected").count() == 0
        page.go_forward()
        page.wait_for_selector("#panel:not([hidden]) #panel-title")
        assert page.inner_text("#panel-title") == "Balakliia"

        # a place with no controller on the address's day: its panel opens and says so
        page.evaluate(f"() => {{ location.hash = '#as_of=2022-08-30&place={place_id}'; }}")
        page.wait_for_function("() => window.__fl.asOf === '2022-08-30'")
        page.wait_for_function("() => document.querySelector('#panel .asof-line')"
                               "?.textContent.includes('no stated controller')")
        assert page.inner_text("#panel-title") == "Balakliia"
        assert page.get_attribute("#map-status", "data-kind") != "error"
        # an edited address with a place that has no timeline: a message, not a dead page
        page.evaluate("() => { location.hash = '#as_of=2022-09-12&place=nowhere%3A1&z=99'; }")
        page.wait_for_function("() => document.getElementById('map-status').dataset.kind"
                               " === 'error'")
        msg = page.inner_text("#map-status")
        assert "nowhere:1" in msg and "map view" in msg, msg
        assert page.evaluate("() => window.__fl.asOf") == "2022-09-12"
        assert page.locator("#panel").is_hidden()
        assert page.locator("path.fl-place").count() >= 3
        assert not [e for e in errors if "404" in e], errors
        assert offsite.blocked == []
    finally:
        ctx.close()


def test_exports_follow_the_date_range(browser: Any, server: str) -> None:
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 1366, 860)
    try:
        # the range follows the as-of date (the week to it) ...
        assert page.input_value("#export-from") == "2022-09-06"
        assert page.input_value("#export-to") == "2022-09-12"
        href = page.get_attribute("#export-geojson", "href") or ""
        assert "from=2022-09-06" in href and "to=2022-09-12" in href
        _set_as_of(page, "2022-09-10")
        assert "to=2022-09-10" in (page.get_attribute("#export-acled", "href") or "")
        assert "from=2022-09-04" in (page.get_attribute("#export-brief", "href") or "")
        # ... until a day is typed in it
        page.fill("#export-from", "2022-09-08")
        page.press("#export-from", "Enter")
        page.fill("#export-to", "2022-09-09")
        page.press("#export-to", "Enter")
        for link in ("#export-geojson", "#export-timelines", "#export-acled", "#export-ledger",
                     "#export-brief"):
            href = page.get_attribute(link, "href") or ""
            assert "from=2022-09-08" in href and "to=2022-09-09" in href, (link, href)
        _set_as_of(page, "2022-09-12")
        assert "to=2022-09-09" in (page.get_attribute("#export-geojson", "href") or "")
        with page.expect_download() as dl:
            page.click("#export-geojson")
        d = dl.value
        assert "2022-09-08-to-2022-09-09" in d.suggested_filename
        feats = json.loads(Path(d.path()).read_text(encoding="utf-8"))["features"]
        assert feats
        for f in feats:
            p = f["properties"]
            assert p["first_date"] <= "2022-09-09" and (p["last_date"] or p["first_date"]) >= \
                "2022-09-08", p
        # a mistyped day is marked and the links are not followed
        page.fill("#export-from", "8.9.2022")
        page.press("#export-from", "Enter")
        assert page.get_attribute("#export-from", "aria-invalid") is not None
        assert "YYYY-MM-DD" in page.inner_text("#export-status")
        assert "jsonl" in (page.get_attribute("#export-jsonl", "href") or "")
        assert not errors, errors
    finally:
        ctx.close()


def test_download_range_is_in_the_address_and_back_undoes_it(browser: Any, server: str) -> None:
    """A typed download range goes in the address (from=, to=) as one history step however
    many of its boxes were typed while focus stayed in them: a copied address reopens it,
    back returns to the range before the whole edit; a later edit is a step of its own; a bad
    range in an address is named and the rest of the view opens."""
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 1366, 860)
    try:
        assert "from" not in _hash(page) and "to" not in _hash(page)  # following the date
        page.fill("#export-from", "2022-09-08")
        page.press("#export-from", "Enter")
        assert _hash(page)["from"] == "2022-09-08" and _hash(page)["to"] == "2022-09-12"
        page.fill("#export-to", "2022-09-09")
        page.press("#export-to", "Enter")
        h = _hash(page)
        assert (h["as_of"], h["from"], h["to"]) == ("2022-09-12", "2022-09-08", "2022-09-09"), h
        _set_as_of(page, "2022-09-10")  # a new day keeps the typed range, in the address too
        h = _hash(page)
        assert (h["as_of"], h["from"], h["to"]) == ("2022-09-10", "2022-09-08", "2022-09-09"), h
        url = page.url

        other = ctx.new_page()
        other.goto(url)
        other.wait_for_selector("body[data-ready='1']", timeout=30_000)
        assert other.input_value("#export-from") == "2022-09-08"
        assert other.input_value("#export-to") == "2022-09-09"
        for link in ("#export-geojson", "#export-acled", "#export-ledger", "#export-brief"):
            href = other.get_attribute(link, "href") or ""
            assert "from=2022-09-08" in href and "to=2022-09-09" in href, (link, href)
        assert other.evaluate("() => window.__fl.asOf") == "2022-09-10"
        other.close()

        # focus has left the boxes (the date box): a new edit is a new step, and From then
        # To typed by leaving each box (no Enter) is one step too
        steps = page.evaluate("() => history.length")
        page.fill("#export-from", "2022-09-07")
        page.fill("#export-to", "2022-09-10")  # leaving From commits it
        page.click("#asof-date")  # leaving To commits it and ends the edit
        h = _hash(page)
        assert (h["from"], h["to"]) == ("2022-09-07", "2022-09-10"), h
        assert page.evaluate("() => history.length") == steps + 1

        page.go_back()  # the second edit, both days at once
        page.wait_for_function(
            "() => document.getElementById('export-from').value === '2022-09-08'")
        assert page.input_value("#export-to") == "2022-09-09"
        assert page.evaluate("() => window.__fl.asOf") == "2022-09-10"
        page.go_back()  # the day
        page.wait_for_function("() => window.__fl.asOf === '2022-09-12'")
        assert (page.input_value("#export-from"), page.input_value("#export-to")) == (
            "2022-09-08", "2022-09-09")
        page.go_back()  # the first edit, From and To together: the as-of week again
        page.wait_for_function(
            "() => document.getElementById('export-from').value === '2022-09-06'")
        assert page.input_value("#export-to") == "2022-09-12"
        assert "to=2022-09-12" in (page.get_attribute("#export-acled", "href") or "")
        assert "from" not in _hash(page)
        _set_as_of(page, "2022-09-10")
        assert page.input_value("#export-from") == "2022-09-04"
        assert not errors, errors
    finally:
        ctx.close()

    # bad ranges in an address: named, the day and the rest of the view still open
    for bad in ("from=2022-09-09&to=2022-09-01", "from=8.9.2022&to=2022-09-09",
                "from=2022-09-08"):
        ctx = browser.new_context(viewport={"width": 1366, "height": 860},
                                  service_workers="block")
        ctx.route("**/*", offsite)
        page = ctx.new_page()
        try:
            page.goto(f"{server}/#as_of=2022-09-10&{bad}&tab=ledgers")
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            assert page.get_attribute("#map-status", "data-kind") == "error"
            msg = page.inner_text("#map-status")
            assert "download range" in msg and bad.split("&")[0] in msg, msg
            assert page.evaluate("() => window.__fl.asOf") == "2022-09-10"
            assert page.get_attribute("#tab-ledgers", "aria-selected") == "true"
            assert page.input_value("#export-from") == "2022-09-04"
            assert page.input_value("#export-to") == "2022-09-10"
            assert "download range" in page.inner_text("#export-status")
            assert "from" not in _hash(page)  # the address now says what is shown
        finally:
            ctx.close()


def test_freshness_line_and_iso_dates_in_any_locale(browser: Any, server: str) -> None:
    """A German-locale browser still sees and types YYYY-MM-DD; the header says how fresh
    the data is."""
    import re

    offsite = Offsite()
    ctx = browser.new_context(viewport={"width": 1366, "height": 860}, locale="de-DE",
                              service_workers="block")
    ctx.route("**/*", offsite)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(server + "/#as_of=2022-09-12")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        assert page.evaluate("() => navigator.language") == "de-DE"
        page.wait_for_function("() => document.getElementById('freshness').textContent")
        fresh = page.inner_text("#freshness")
        assert re.search(r"newest source 2022-\d\d-\d\d", fresh), fresh
        assert re.search(r"last fusion \d{4}-\d\d-\d\d \d\d:\d\d UTC", fresh), fresh
        assert page.get_attribute("#freshness", "data-kind") == "info"
        for box in ("#asof-date", "#brief-from", "#brief-to", "#export-from"):
            assert page.get_attribute(box, "type") == "text"
            assert page.get_attribute(box, "pattern")
        # what the box shows is what it holds: ISO, whatever the locale
        assert page.input_value("#asof-date") == "2022-09-12"
        shown = page.evaluate("() => { const r = document.getElementById('asof-date');"
                              " return r.value; }")
        assert shown == "2022-09-12"
        page.fill("#asof-date", "12.09.2022")
        page.press("#asof-date", "Enter")
        assert page.get_attribute("#asof-date", "aria-invalid") is not None
        assert "YYYY-MM-DD" in page.inner_text("#map-status")
        assert page.evaluate("() => window.__fl.asOf") == "2022-09-12"
        page.fill("#asof-date", "2022-02-30")  # not a calendar day
        page.press("#asof-date", "Enter")
        assert "not a day" in page.inner_text("#map-status")
        page.fill("#asof-date", "2022-09-10")
        page.press("#asof-date", "Enter")
        page.wait_for_function("() => window.__fl.asOf === '2022-09-10'")
        assert page.get_attribute("#asof-date", "aria-invalid") is None
        page.click("#tab-brief")
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", page.input_value("#brief-from"))
        page.fill("#brief-from", "06/09/2022")  # refused by the form's pattern
        page.click("#brief-form button[type=submit]")
        assert page.evaluate("() => document.getElementById('brief-from').validity"
                             ".patternMismatch")
        assert page.locator("#brief-out iframe").count() == 0
        assert not errors, errors
    finally:
        ctx.close()


_LABEL_BOXES = """() => {
    const shown = [...document.querySelectorAll(
        '.place-label, .city-label, .oblast-label, .river-label')]
        .filter(e => !e.classList.contains('fl-label-hidden'))
        .map(e => e.getBoundingClientRect()).filter(r => r.width > 0);
    const m = document.getElementById('map').getBoundingClientRect();
    const inMap = shown.filter(r => r.right > m.left && r.left < m.right &&
                                    r.bottom > m.top && r.top < m.bottom);
    let overlaps = 0;
    for (let i = 0; i < inMap.length; i++) for (let j = i + 1; j < inMap.length; j++) {
        const a = inMap[i], b = inMap[j];
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
            overlaps++;
    }
    return {shown: inMap.length, overlaps, hidden: window.__fl.labels.hidden,
            total: window.__fl.labels.total};
}"""


def test_place_labels_do_not_collide(browser: Any, server: str,
                                     timings: dict[str, Any]) -> None:
    """Settlements carry their names; where names would overlap (zoomed out) the less
    important are hidden, and zooming in brings them back; the selected one always shows."""
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 1366, 860)
    try:
        assert page.locator(".place-label[data-place='Balakliia']").count() == 1
        at_start = page.evaluate(_LABEL_BOXES)
        assert at_start["overlaps"] == 0, at_start
        page.evaluate("() => { window.__fl.map.setView([49.2, 36.5], 5, {animate: false}); }")
        page.wait_for_timeout(100)
        far = page.evaluate(_LABEL_BOXES)
        assert far["overlaps"] == 0 and far["hidden"] > 0, far
        page.screenshot(path=str(ARTIFACTS / "dashboard-laptop-labels-zoom5.png"))
        page.evaluate("() => { window.__fl.map.setView([49.46, 36.86], 12, {animate: false}); }")
        page.wait_for_timeout(100)
        near = page.evaluate(_LABEL_BOXES)
        assert near["overlaps"] == 0, near
        bal = page.locator(".place-label[data-place='Balakliia']")
        assert "fl-label-hidden" not in (bal.get_attribute("class") or "")
        # selected: its name shows even where it collides
        page.evaluate("() => { window.__fl.map.setView([49.2, 36.5], 5, {animate: false}); }")
        page.locator("button.place-btn[data-place='Balakliia']").evaluate("b => b.click()")
        page.wait_for_selector(".place-label.sel[data-place='Balakliia']")
        sel = page.locator(".place-label.sel[data-place='Balakliia']")
        assert "fl-label-hidden" not in (sel.get_attribute("class") or "")
        assert not errors, errors
    finally:
        ctx.close()
    # a name with no room on the right of its dot goes to the left
    pair = [_row("Westdorf", 49.5, 36.50, score=0.9), _row("Ostdorf", 49.5, 36.53, score=0.5)]
    ctx = browser.new_context(viewport={"width": 1366, "height": 860}, service_workers="block")
    ctx.route("**/*", offsite)
    ctx.route("**/api/picture?*", _stub_picture(pair))
    page = ctx.new_page()
    try:
        page.goto(server + "/#as_of=2022-09-12")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        page.evaluate("() => { window.__fl.map.setView([49.5, 36.515], 10, {animate: false}); }")
        page.wait_for_timeout(150)
        assert page.evaluate(_LABEL_BOXES)["overlaps"] == 0
        assert "left" in (page.get_attribute(".place-label[data-place='Westdorf']", "class") or "")
        assert "left" not in (page.get_attribute(".place-label[data-place='Ostdorf']", "class")
                              or "")
    finally:
        ctx.close()
    # 2,000 settlements around the front: only the names that fit are made, none overlap
    import random

    rng = random.Random(10)
    rows = [_row(f"Selo {i}", 47 + rng.random() * 4, 34 + rng.random() * 5,
                 score=rng.random(), disputed=rng.random() < 0.1) for i in range(2000)]
    ctx = browser.new_context(viewport={"width": 1366, "height": 860}, service_workers="block")
    ctx.route("**/*", offsite)
    ctx.route("**/api/picture?*", _stub_picture(rows))
    page = ctx.new_page()
    try:
        page.goto(server + "/#as_of=2022-09-12")
        page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        ms = []
        for z in (6, 8, 10):
            page.evaluate("z => { window.__fl.map.setView([49.0, 36.5], z, {animate: false}); }", z)
            page.wait_for_timeout(150)
            got = page.evaluate(_LABEL_BOXES)
            assert got["overlaps"] == 0, (z, got)
            # names for the settlements drawn as dots (clustered ones have a count instead)
            names, dots = page.locator(".place-label").count(), page.locator(
                "path.fl-place").count()
            assert names <= dots and names < 2000, (z, names, dots)
            assert names > 0 or z < 8, (z, names, dots)
            ms.append(round(page.evaluate("() => window.__fl.labels.ms"), 1))
        timings["declutter_2000_places_ms_z6_z8_z10"] = ms
    finally:
        ctx.close()


_MARKS = """() => {
    const marks = [...document.querySelectorAll('path.fl-place, .fl-cluster')]
        .filter(e => !e.closest('.fl-legend'))
        .map(e => ({r: e.getBoundingClientRect(), n: Number(e.dataset.count || 1),
                    cluster: e.classList.contains('fl-cluster')}));
    // marks are discs: two overlap when their centres are closer than their radii together
    const disc = marks.map(m => ({x: m.r.left + m.r.width / 2, y: m.r.top + m.r.height / 2,
                                  r: Math.max(m.r.width, m.r.height) / 2}));
    let overlaps = 0;
    for (let i = 0; i < disc.length; i++) for (let j = i + 1; j < disc.length; j++) {
        const a = disc[i], b = disc[j];
        if (Math.hypot(a.x - b.x, a.y - b.y) < a.r + b.r) overlaps++;
    }
    return {marks: marks.length, clusters: marks.filter(m => m.cluster).length,
            places: marks.reduce((s, m) => s + m.n, 0), overlaps,
            zoom: window.__fl.map.getZoom()};
}"""


def _cluster_with(page: Any, name: str) -> Any:
    return page.locator(".fl-cluster").filter(has=page.locator("xpath=self::*[contains("
                                                              f"@data-places, '{name}')]"))


def test_overlapping_settlements_cluster_and_a_click_expands_them(
        browser: Any, server: str, timings: dict[str, Any]) -> None:
    """Zoomed out, settlements whose dots would overlap become one count bubble (no mark
    covers another, every settlement counted once); a click or Enter on it zooms in until
    they separate; settlements at one point are listed to pick from."""
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 1366, 860)
    try:
        placed = page.locator("path.fl-place").count()
        start = page.evaluate(_MARKS)
        assert start["clusters"] == 0 and start["overlaps"] == 0, start  # the front, zoomed in
        page.evaluate("() => { window.__fl.map.setView([49.2, 36.5], 5, {animate: false}); }")
        page.wait_for_timeout(100)
        far = page.evaluate(_MARKS)
        assert far["clusters"] >= 1 and far["overlaps"] == 0 and far["places"] == placed, far
        bubble = _cluster_with(page, "Balakliia")
        assert bubble.count() == 1
        assert page.locator("path.fl-place[data-place='Balakliia']").count() == 0
        label = bubble.get_attribute("aria-label") or ""
        assert "settlements:" in label and "Ukraine" in label, label
        page.screenshot(path=str(ARTIFACTS / "dashboard-laptop-clusters-zoom5.png"))
        # Enter on the focused bubble zooms in; clicks go on until Balakliia has its own dot
        bubble.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => window.__fl.map.getZoom() > 5")
        for _ in range(8):
            if page.locator("path.fl-place[data-place='Balakliia']").count():
                break
            _cluster_with(page, "Balakliia").click()
            page.wait_for_timeout(350)
        near = page.evaluate(_MARKS)
        assert near["overlaps"] == 0 and near["places"] == placed, near
        page.locator("path.fl-place[data-place='Balakliia']").click()
        page.wait_for_selector("#panel:not([hidden]) #panel-title")
        assert page.inner_text("#panel-title") == "Balakliia"
        # the selected settlement keeps its own dot when zoomed out again
        page.evaluate("() => { window.__fl.map.setView([49.2, 36.5], 5, {animate: false}); }")
        page.wait_for_timeout(100)
        assert page.locator("path.fl-selected[data-place='Balakliia']").count() == 1
        assert page.evaluate(_MARKS)["places"] == placed
        assert not errors, errors
    finally:
        ctx.close()

    # two settlements at one point never separate: a click lists them
    rows = [_row("Twin North", 49.5, 36.5), _row("Twin South", 49.5, 36.5, controller="RU"),
            _row("Loner", 49.9, 37.4)]
    ctx = browser.new_context(viewport={"width": 1366, "height": 860}, service_workers="block")
    ctx.route("**/*", offsite)
    ctx.route("**/api/picture?*", _stub_picture(rows))
    page = ctx.new_page()
    try:
        page.goto(server + "/#as_of=2022-09-12")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        page.evaluate("() => { window.__fl.map.setView([49.5, 36.5], 13, {animate: false}); }")
        page.wait_for_timeout(100)
        twins = _cluster_with(page, "Twin North")
        assert twins.get_attribute("data-count") == "2"
        assert "1 Ukraine, 1 Russia" in (twins.get_attribute("aria-label") or "")
        twins.click()
        page.wait_for_selector(".cluster-pop .place-btn")
        assert page.locator(".cluster-pop .place-btn").all_inner_texts() == [
            "Twin North UA · B2", "Twin South RU · B2"]
        assert page.evaluate("() => document.activeElement.dataset.place") == "Twin North"
        page.click(".cluster-pop .place-btn[data-place='Twin South']")
        page.wait_for_function("() => location.hash.includes('place=test%3ATwin+South')")
        assert page.locator("path.fl-selected[data-place='Twin South']").count() == 1
    finally:
        ctx.close()

    # 2,000 settlements around the front: every one counted once, no mark over another
    import random

    rng = random.Random(3)
    many = [_row(f"Selo {i}", 47 + rng.random() * 4, 34 + rng.random() * 5,
                 controller=rng.choice(["UA", "RU"]), score=rng.random()) for i in range(2000)]
    ctx = browser.new_context(viewport={"width": 1366, "height": 860}, service_workers="block")
    ctx.route("**/*", offsite)
    ctx.route("**/api/picture?*", _stub_picture(many))
    page = ctx.new_page()
    try:
        page.goto(server + "/#as_of=2022-09-12")
        page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        ms, counts = [], []
        for z in (6, 8, 10):
            page.evaluate("z => { window.__fl.map.setView([49.0, 36.5], z, {animate: false}); }", z)
            page.wait_for_timeout(150)
            got = page.evaluate(_MARKS)
            assert got["places"] == 2000 and got["overlaps"] == 0, (z, got)
            c = page.evaluate("() => window.__fl.clusters")
            ms.append([round(c["ms"], 1), round(c["draw_ms"], 1)])
            counts.append(got["marks"])
        assert counts[0] < counts[1] < counts[2], counts  # zooming in splits clusters
        page.screenshot(path=str(ARTIFACTS / "dashboard-laptop-clusters-2000.png"))
        timings["cluster_2000_places_group_and_draw_ms_z6_z8_z10"] = ms
        timings["cluster_2000_places_marks_z6_z8_z10"] = counts
    finally:
        ctx.close()


def test_rivers_are_drawn_offline_with_names_that_do_not_collide(browser: Any,
                                                                 server: str) -> None:
    """The basemap has rivers (basemap/rivers.geojson, Natural Earth) drawn over the control
    areas, with names that yield to other labels; the legend names them."""
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 1366, 860)
    try:
        got = page.evaluate("""() => performance.getEntriesByType('resource')
            .filter(e => e.name.endsWith('/basemap/rivers.geojson'))
            .map(e => e.responseStatus)""")
        assert got == [200], got
        assert page.locator("path.fl-river").count() >= 20
        names = page.eval_on_selector_all(".river-label", "els => els.map(e => e.dataset.river)")
        assert {"Dnipro", "Siverskyi Donets", "Oskil"} <= set(names), names
        # over the control areas (their pane is below), under the settlements
        z = page.evaluate("""() => ['control', 'water', 'places'].map(p =>
            Number(window.__fl.map.getPane(p).style.zIndex))""")
        assert z[0] < z[1] < z[2], z
        assert page.locator("#map-legend li[data-legend='river']").count() == 1
        for view in ("[49.5, 36.5], 7", "[49.4, 37.4], 9"):
            page.evaluate(f"() => {{ window.__fl.map.setView({view}, {{animate: false}}); }}")
            page.wait_for_timeout(150)
            boxes = page.evaluate(_LABEL_BOXES)
            assert boxes["overlaps"] == 0, (view, boxes)
            shown = page.eval_on_selector_all(
                ".river-label:not(.fl-label-hidden)", "els => els.length")
            assert shown >= 1, view
        page.screenshot(path=str(ARTIFACTS / "dashboard-laptop-rivers-zoom9.png"))
        assert not errors and offsite.blocked == [], errors
    finally:
        ctx.close()


_RIVER_LABEL = """name => {
    const m = document.getElementById('map').getBoundingClientRect();
    const e = document.querySelector(`.river-label[data-river="${name}"]`);
    const r = e.getBoundingClientRect();
    const map = window.__fl.map;
    const c = {x: r.left + r.width / 2 - m.left, y: r.top + r.height / 2 - m.top};
    // distance from the label's centre to the river as drawn (its paths' projected lines)
    let best = Infinity;
    for (const f of window.__rivers.features.filter(f => f.properties.name === name))
        for (const line of f.geometry.coordinates) {
            const p = line.map(([lon, lat]) => map.latLngToContainerPoint([lat, lon]));
            for (let i = 1; i < p.length; i++) {
                const dx = p[i].x - p[i-1].x, dy = p[i].y - p[i-1].y;
                const t = Math.max(0, Math.min(1, ((c.x - p[i-1].x) * dx + (c.y - p[i-1].y) * dy)
                                                  / (dx * dx + dy * dy || 1)));
                best = Math.min(best, Math.hypot(p[i-1].x + t * dx - c.x, p[i-1].y + t * dy - c.y));
            }
        }
    return {hidden: e.classList.contains('fl-label-hidden'),
            inside: r.left >= m.left && r.right <= m.right &&
                    r.top >= m.top && r.bottom <= m.bottom,
            off_line_px: best};
}"""


def _old_river_label_point(name: str) -> tuple[float, float]:
    """Where the river's one name used to be put: the middle vertex of its longest line of its
    biggest rank (lat, lon)."""
    fc = json.loads((STATIC / "basemap" / "rivers.geojson").read_text(encoding="utf-8"))
    best: tuple[int, int, list[list[float]]] | None = None
    for f in fc["features"]:
        if f["properties"]["name"] != name:
            continue
        for line in f["geometry"]["coordinates"]:
            key = (f["properties"]["rank"], -len(line))
            if best is None or key < best[:2]:
                best = (key[0], key[1], line)
    assert best is not None, name
    lon, lat = best[2][len(best[2]) // 2]
    return lat, lon


def test_a_river_in_view_shows_its_name_on_screen(browser: Any, server: str) -> None:
    """A river's name is placed on the part of it that is on screen, at every pan and zoom:
    zoomed in on the lower Oskil (Kupiansk) or on the Siverskyi Donets east of Izium, where
    the point a single fixed name would sit is far off screen, the name is inside the map, on
    the river, and overlaps no other label."""
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 1366, 860)
    try:
        page.evaluate("async () => { window.__rivers = await (await fetch("
                      "'/basemap/rivers.geojson')).json(); }")
        views = {"Oskil": ([49.71, 37.626], 10), "Siverskyi Donets": ([49.02, 38.309], 10)}
        for name, (centre, zoom) in views.items():
            page.evaluate("([c, z]) => { window.__fl.map.setView(c, z, {animate: false}); }",
                          [centre, zoom])
            page.wait_for_timeout(150)
            old = _old_river_label_point(name)
            off = page.evaluate("""ll => {
                const p = window.__fl.map.latLngToContainerPoint(ll), s = window.__fl.map.getSize();
                return p.x < 0 || p.y < 0 || p.x > s.x || p.y > s.y; }""", list(old))
            assert off, (name, old)  # the old single name would be off screen here
            got = page.evaluate(_RIVER_LABEL, name)
            assert not got["hidden"] and got["inside"], (name, got)
            assert got["off_line_px"] < 2, (name, got)
            assert page.evaluate(_LABEL_BOXES)["overlaps"] == 0, name
            page.screenshot(path=str(ARTIFACTS / f"dashboard-laptop-river-{name.split()[-1]}.png"))
        # panned until the river leaves the view, its name goes too
        page.evaluate("() => { window.__fl.map.setView([46.5, 30.7], 10, {animate: false}); }")
        page.wait_for_timeout(150)
        assert page.evaluate(_RIVER_LABEL, "Oskil")["hidden"]
        assert not errors and offsite.blocked == [], errors
    finally:
        ctx.close()


def test_first_load_size_and_a_full_playback_without_console_errors(
        browser: Any, server: str, timings: dict[str, Any]) -> None:
    """First load ≤ 400 KB over the wire (gzip); playback from the first day to the last
    logs no console error (no 404s for days before the first control map, no exceptions)."""
    offsite = Offsite()
    ctx, page, errors = _page(browser, server, offsite, 1366, 860)
    try:
        page.wait_for_load_state("networkidle")
        sent = page.evaluate("""() => {
            const all = [...performance.getEntriesByType('navigation'),
                         ...performance.getEntriesByType('resource')];
            return {bytes: all.reduce((s, e) => s + (e.transferSize || 0), 0),
                    decoded: all.reduce((s, e) => s + (e.decodedBodySize || 0), 0),
                    n: all.length}; }""")
        timings["first_load_kb_transferred"] = round(sent["bytes"] / 1024, 1)
        timings["first_load_kb_decoded"] = round(sent["decoded"] / 1024, 1)
        assert 0 < sent["bytes"] <= 400 * 1024, sent
        days = page.evaluate("() => Number(document.getElementById('asof').max) + 1")
        page.select_option("#speed", "250")
        first = page.evaluate("() => document.getElementById('range-info').textContent"
                              ".slice(0, 10)")
        _set_as_of(page, first)
        t0 = time.perf_counter()
        page.click("#play")
        page.wait_for_function("() => document.getElementById('play')"
                               ".getAttribute('aria-pressed') === 'false'", timeout=120_000)
        timings["full_playback"] = {"days": days, "s": round(time.perf_counter() - t0, 1)}
        last = page.evaluate("() => document.getElementById('range-info').textContent.slice(-10)")
        assert page.evaluate("() => window.__fl.asOf") == last
        assert errors == [], errors
        assert offsite.blocked == []
    finally:
        ctx.close()
