"""Overload: `frontlens serve` answers the request past ``serve_max_in_flight`` at once with
503 and ``Retry-After``, over a real socket, and serves again as soon as a slot is free."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from frontlens.config import Settings
from frontlens.serve import create_app
from frontlens.serve.api import RETRY_AFTER_S


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, threading.Event, list[int]]]:
    """uvicorn on a free port serving the real app with room for 2 requests, plus a route
    that holds its request until the test releases it (so "in flight" is not a race)."""
    app = create_app(Settings(db=f"sqlite:///{tmp_path / 'o.db'}", serve_max_in_flight=2))
    release, held = threading.Event(), [0]

    @app.get("/api/test-hold")
    def hold() -> dict[str, bool]:
        held[0] += 1
        return {"released": release.wait(30)}

    app.router.routes.insert(0, app.router.routes.pop())  # before the dashboard's mount at /

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                        http="h11"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield base, release, held
    finally:
        release.set()
        srv.should_exit = True
        thread.join(10)


def test_requests_past_the_limit_get_a_fast_503_with_retry_after(
        server: tuple[str, threading.Event, list[int]]) -> None:
    base, release, held = server

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=20) as http:
            holders = [asyncio.create_task(http.get("/api/test-hold")) for _ in range(2)]
            for _ in range(200):  # both requests are inside the app
                if held[0] == 2:
                    break
                await asyncio.sleep(0.02)
            assert held[0] == 2
            t0 = time.perf_counter()
            busy = await asyncio.gather(*(http.get("/api/stats") for _ in range(8)))
            elapsed = time.perf_counter() - t0
            # every extra request is answered (no reset, no timeout), refused, and told when
            # to come back, without waiting for the held ones
            assert [r.status_code for r in busy] == [503] * 8
            assert all(r.headers["retry-after"] == str(RETRY_AFTER_S) for r in busy)
            assert all("busy" in r.json()["detail"] for r in busy)
            assert busy[0].headers["cache-control"] == "no-store"
            assert elapsed < 2.0
            release.set()
            done = await asyncio.gather(*holders)
            assert [r.status_code for r in done] == [200, 200]
            # the slots are free again: the same connections are served
            again = await asyncio.gather(*(http.get("/api/stats") for _ in range(2)))
            assert [r.status_code for r in again] == [200, 200]

    asyncio.run(scenario())


def test_sequential_requests_on_one_connection_never_count_twice(
        server: tuple[str, threading.Event, list[int]]) -> None:
    """A slot is freed with the last body part: a keep-alive client at the limit sending
    back to back is never refused."""
    base, _, _ = server

    async def scenario() -> None:
        async def walk(http: httpx.AsyncClient) -> list[int]:
            return [(await http.get("/api/stats")).status_code for _ in range(25)]

        async with httpx.AsyncClient(base_url=base, timeout=20) as a, \
                httpx.AsyncClient(base_url=base, timeout=20) as b:
            codes = await asyncio.gather(walk(a), walk(b))
        assert codes == [[200] * 25, [200] * 25]

    asyncio.run(scenario())


def test_503_is_in_the_openapi_schema_with_its_header(tmp_path: Path) -> None:
    schema = create_app(Settings(db=f"sqlite:///{tmp_path / 's.db'}")).openapi()
    busy = schema["paths"]["/api/events"]["get"]["responses"]["503"]
    assert "Retry-After" in busy["headers"]
