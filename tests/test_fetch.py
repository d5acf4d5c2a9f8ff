"""Tests for the safe fetcher. Everything runs against a local server or a fake resolver:
no test may reach the internet, so both DNS and (where a test is about refusing) sending
are replaced by functions that fail loudly if used."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from frontlens.ingest import fetch
from frontlens.ingest.fetch import Fetched, FetchError, fetch_url

OK_BODY = "<html><head><title>Report</title></head><body>Ça va</body></html>".encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stop: threading.Event
    seen: list[tuple[str, str]]  # (path, Host header)

    def handle_error(self, request: object, client_address: object) -> None:
        """The client hangs up on purpose (size/time limits); that is not a test failure."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Host", "")))
        route = getattr(self, "route_" + self.path.strip("/").replace("-", "_"), None)
        if route is None:
            self._head(404, {"Content-Length": "0"})
            return
        route()

    def route_ok(self) -> None:
        self._head(
            200,
            {"Content-Type": 'text/html; charset="UTF-8"', "Content-Length": str(len(OK_BODY))},
        )
        self.wfile.write(OK_BODY)

    def route_echo(self) -> None:
        body = json.dumps(
            {"host": self.headers.get("Host"), "user_agent": self.headers.get("User-Agent")}
        ).encode()
        self._head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
        self.wfile.write(body)

    def route_redirect(self) -> None:
        self._head(302, {"Location": "/ok", "Content-Length": "0"})

    def route_redirect_private(self) -> None:
        self._head(302, {"Location": "http://internal.example/secret", "Content-Length": "0"})

    def route_loop(self) -> None:
        self._head(302, {"Location": "/loop", "Content-Length": "0"})

    def route_huge(self) -> None:
        """Streams ~4 MB with no Content-Length, so only the running count can stop it."""
        self._head(200, {"Content-Type": "application/octet-stream"})
        chunk = b"x" * 65536
        for _ in range(64):
            if self.server.stop.is_set():
                return
            self.wfile.write(chunk)

    def route_huge_declared(self) -> None:
        self._head(200, {"Content-Type": "text/plain", "Content-Length": str(10**9)})
        self.wfile.write(b"x" * 1024)

    def route_slow_headers(self) -> None:
        self.server.stop.wait(2.0)
        self._head(200, {"Content-Length": "2"})
        self.wfile.write(b"ok")

    def route_trickle(self) -> None:
        """Sends a byte every 50 ms: each read is quick, so only a total deadline stops it."""
        self._head(200, {"Content-Type": "text/plain"})
        end = time.monotonic() + 3.0
        while time.monotonic() < end and not self.server.stop.is_set():
            self.wfile.write(b".")
            self.wfile.flush()
            time.sleep(0.05)


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.stop = threading.Event()
    srv.seen = []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def base(server: _Server) -> str:
    server.seen.clear()
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def port(server: _Server) -> int:
    return int(server.server_address[1])


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(host: str, port: int) -> list[str]:
        raise AssertionError(f"unexpected DNS lookup of {host}")

    monkeypatch.setattr(fetch, "_resolve", refuse)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: httpx.Client, request: httpx.Request, **kwargs: object) -> httpx.Response:
        raise AssertionError(f"unexpected request to {request.url}")

    monkeypatch.setattr(httpx.Client, "send", refuse)


def fake_dns(monkeypatch: pytest.MonkeyPatch, table: dict[str, list[str]]) -> list[str]:
    """Replace the module's resolver with a table; returns the list of names looked up."""
    looked_up: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        looked_up.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    monkeypatch.setattr(fetch, "_resolve", resolve)
    return looked_up


def treat_loopback_as_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the local test server stand in for a public site while everything else is vetted."""
    real: Callable[[fetch.IPAddress], str | None] = fetch.address_refusal

    def refusal(address: fetch.IPAddress) -> str | None:
        return None if str(address) == "127.0.0.1" else real(address)

    monkeypatch.setattr(fetch, "address_refusal", refusal)


# --- success path -------------------------------------------------------------------------


def test_ok_page_returns_body_and_provenance(base: str) -> None:
    before = datetime.now(UTC)
    got = fetch_url(f"{base}/ok", allow_private=True)
    assert isinstance(got, Fetched)
    assert got.url == got.final_url == f"{base}/ok"
    assert got.status == 200
    assert got.content_type == "text/html"
    assert got.charset == "UTF-8"
    assert got.body == OK_BODY
    assert got.retrieved_at.tzinfo is UTC
    assert before <= got.retrieved_at <= datetime.now(UTC)
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.status = 500  # type: ignore[misc]


def test_redirect_followed_and_final_url_reported(base: str) -> None:
    got = fetch_url(f"{base}/redirect", allow_private=True)
    assert got.url == f"{base}/redirect"
    assert got.final_url == f"{base}/ok"
    assert got.body == OK_BODY


def test_resolved_name_connects_to_checked_address_with_original_host_header(
    monkeypatch: pytest.MonkeyPatch, server: _Server, port: int
) -> None:
    # "news.example" does not exist: reaching the local server proves the connection goes to
    # the address the fetcher resolved and vetted, not to a second, unchecked DNS answer.
    looked_up = fake_dns(monkeypatch, {"news.example": ["127.0.0.1"]})
    got = fetch_url(f"http://news.example:{port}/echo", allow_private=True, user_agent="t/1")
    assert json.loads(got.body) == {"host": f"news.example:{port}", "user_agent": "t/1"}
    assert looked_up == ["news.example"]


# --- refusals before any connection -------------------------------------------------------


def test_loopback_refused_by_default_naming_url(base: str, server: _Server) -> None:
    url = f"{base}/ok"
    with pytest.raises(FetchError) as err:
        fetch_url(url)
    assert str(err.value) == (
        f"{url}: address 127.0.0.1 is loopback (use --allow-private to permit)"
    )
    assert server.seen == []


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://10.0.0.1/", "10.0.0.1"),
        ("http://192.168.1.1/admin", "192.168.1.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("https://[::1]:8443/", "::1"),
        ("http://[::ffff:127.0.0.1]/", "127.0.0.1"),
        ("http://0.0.0.0:8000/", "0.0.0.0"),
    ],
)
@pytest.mark.usefixtures("no_dns", "no_network")
def test_private_literal_address_refused_without_network(url: str, address: str) -> None:
    with pytest.raises(FetchError) as err:
        fetch_url(url)
    message = str(err.value)
    assert message.startswith(f"{url}: address ")
    assert address in message
    assert "--allow-private" in message


@pytest.mark.parametrize(
    ("url", "scheme"),
    [("file:///etc/passwd", "file"), ("ftp://example.com/pub/x", "ftp"), ("gopher://h/", "gopher")],
)
@pytest.mark.usefixtures("no_dns", "no_network")
def test_non_http_scheme_refused(url: str, scheme: str) -> None:
    with pytest.raises(FetchError) as err:
        fetch_url(url)
    assert str(err.value) == f"{url}: scheme '{scheme}' refused (only http and https)"


@pytest.mark.usefixtures("no_network")
def test_name_with_any_private_address_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"mixed.example": ["93.184.216.34", "10.0.0.1"]})
    with pytest.raises(
        FetchError, match=r"^http://mixed\.example/: address 10\.0\.0\.1 is private"
    ):
        fetch_url("http://mixed.example/")


@pytest.mark.usefixtures("no_network")
def test_unresolvable_host_reports_cannot_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {})
    with pytest.raises(FetchError) as err:
        fetch_url("https://x.invalid/a")
    assert str(err.value) == "https://x.invalid/a: cannot resolve host"


@pytest.mark.usefixtures("no_dns", "no_network")
def test_url_without_host_refused() -> None:
    with pytest.raises(FetchError, match=r"^http:///path: URL has no host$"):
        fetch_url("http:///path")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
    ],
)
def test_non_public_addresses_classified_as_refused(address: str) -> None:
    assert fetch.address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_allowed(address: str) -> None:
    assert fetch.address_refusal(ipaddress.ip_address(address)) is None


# --- redirects ----------------------------------------------------------------------------


def test_redirect_to_private_address_refused_without_flag(
    monkeypatch: pytest.MonkeyPatch, server: _Server, port: int
) -> None:
    fake_dns(monkeypatch, {"public.example": ["127.0.0.1"], "internal.example": ["10.0.0.7"]})
    treat_loopback_as_public(monkeypatch)
    url = f"http://public.example:{port}/redirect-private"
    server.seen.clear()
    with pytest.raises(FetchError) as err:
        fetch_url(url)
    assert str(err.value) == (
        f"{url}: redirect to http://internal.example/secret: "
        "address 10.0.0.7 is private (use --allow-private to permit)"
    )
    assert server.seen == [("/redirect-private", f"public.example:{port}")]


def test_redirect_loop_stops_after_max_hops(base: str, server: _Server) -> None:
    with pytest.raises(FetchError, match=r"/loop: too many redirects \(more than 5\)$"):
        fetch_url(f"{base}/loop", allow_private=True)
    assert len(server.seen) == fetch.MAX_REDIRECTS + 1


# --- failures while fetching --------------------------------------------------------------


def test_closed_port_reports_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{closed_port}/"
    with pytest.raises(FetchError) as err:
        fetch_url(url, allow_private=True, timeout=2)
    assert str(err.value) == f"{url}: cannot connect (connection refused)"


def test_http_404_raises(base: str) -> None:
    with pytest.raises(FetchError, match=r"/nothing-here: HTTP 404\b"):
        fetch_url(f"{base}/nothing-here", allow_private=True)


def test_streamed_body_over_max_bytes_rejected(base: str) -> None:
    with pytest.raises(FetchError) as err:
        fetch_url(f"{base}/huge", allow_private=True, max_bytes=100_000)
    assert str(err.value) == f"{base}/huge: response exceeds 100000 bytes limit"


def test_declared_content_length_over_limit_rejected_early(base: str) -> None:
    with pytest.raises(FetchError) as err:
        fetch_url(f"{base}/huge-declared", allow_private=True, max_bytes=1024 * 1024)
    assert str(err.value) == f"{base}/huge-declared: response exceeds 1 MB limit"


def test_slow_response_times_out(base: str) -> None:
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch_url(f"{base}/slow-headers", allow_private=True, timeout=0.3)
    assert str(err.value) == f"{base}/slow-headers: timed out after 0.3s"
    assert time.monotonic() - start < 1.5


def test_trickling_body_stopped_by_total_timeout(base: str) -> None:
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch_url(f"{base}/trickle", allow_private=True, timeout=0.4)
    assert str(err.value) == f"{base}/trickle: timed out after 0.4s"
    assert time.monotonic() - start < 1.5


def test_invalid_limits_rejected() -> None:
    with pytest.raises(ValueError):
        fetch_url("https://example.com/", timeout=0)
    with pytest.raises(ValueError):
        fetch_url("https://example.com/", max_bytes=0)
