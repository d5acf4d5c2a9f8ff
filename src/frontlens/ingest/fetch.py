"""Safe, explicit URL fetching for ``frontlens ingest``.

frontlens only touches the network when a user names a URL, but that URL (or a redirect it
leads to) may point at the user's own network: a router page, a cloud metadata endpoint, a
local admin service. The fetcher therefore refuses anything that is not plain http(s) to a
public address, checks every redirect hop with the same rules, connects to exactly the address
it checked (so a DNS answer cannot change between the check and the connection), and bounds
both time and size. It makes one attempt; retrying is the caller's decision.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

__all__ = ["DEFAULT_USER_AGENT", "MAX_REDIRECTS", "FetchError", "Fetched", "fetch_url"]

DEFAULT_USER_AGENT = "frontlens/0.1 (+public-report analysis)"
MAX_REDIRECTS = 5
# Connecting should be quick even when the whole fetch may take longer; a host that does not
# answer a TCP handshake within this is treated as unreachable.
CONNECT_TIMEOUT = 10.0
_ALLOWED_SCHEMES = ("http", "https")
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_MiB = 1024 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """A fetch that was refused or failed; the message is one line naming the URL and why."""


@dataclass(frozen=True)
class Fetched:
    """One successfully fetched document, with the provenance a report needs to cite it."""

    url: str
    final_url: str
    status: int
    content_type: str | None
    charset: str | None
    body: bytes
    retrieved_at: datetime


def _resolve(host: str, port: int) -> list[str]:
    """Return every address ``host`` resolves to, so all of them can be vetted.

    Kept as a small module-level function so tests can substitute a fake resolver instead of
    touching DNS. Raises ``OSError`` (``socket.gaierror``) when the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def address_refusal(address: IPAddress) -> str | None:
    """Say why ``address`` is not a public destination, or return None if it is.

    IPv4-mapped (``::ffff:a.b.c.d``) and 6to4 IPv6 addresses are judged by the IPv4 address
    they carry, since that is where the packets end up.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return address_refusal(embedded)
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    )
    for label, hit in checks:
        if hit:
            return label
    return None


def _parse_ip(text: str) -> IPAddress | None:
    """Parse an IP literal (IPv6 scope ids allowed), or return None for a host name."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _resolve_before(host: str, port: int, deadline: float, timeout: float) -> list[str]:
    """Run ``_resolve`` but give up at ``deadline``: getaddrinfo itself cannot be timed out.

    The lookup runs in a daemon thread; if it overruns, the thread is abandoned (it ends when
    the system resolver gives up) and the fetch fails with a timeout.
    """
    result: list[list[str]] = []
    error: list[BaseException] = []

    def work() -> None:
        try:
            result.append(_resolve(host, port))
        except BaseException as exc:  # handed to the calling thread below
            error.append(exc)

    worker = threading.Thread(target=work, name=f"frontlens-resolve-{host}", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        raise FetchError(f"timed out after {timeout:g}s (resolving {host})")
    if error:
        if isinstance(error[0], OSError | ValueError):  # gaierror; UnicodeError for odd names
            raise FetchError("cannot resolve host") from error[0]
        raise error[0]
    return result[0]


def _vetted_address(
    url: httpx.URL, *, allow_private: bool, deadline: float, timeout: float
) -> str | None:
    """Check one hop's URL and return the IP to connect to (None: the URL host is already an IP).

    Every resolved address must pass, not just the first: a name that also resolves to an
    internal address would otherwise be a way in.
    """
    if url.scheme not in _ALLOWED_SCHEMES:
        if not url.scheme:
            raise FetchError("not an absolute http(s) URL")
        raise FetchError(f"scheme {url.scheme!r} refused (only http and https)")
    host = url.raw_host.decode("ascii")
    if not host:
        raise FetchError("URL has no host")
    literal = _parse_ip(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        port = url.port or (443 if url.scheme == "https" else 80)
        resolved = _resolve_before(host, port, deadline, timeout)
        addresses = [ip for ip in map(_parse_ip, resolved) if ip is not None]
        if not addresses:
            raise FetchError("cannot resolve host")
    if not allow_private:
        for address in addresses:
            reason = address_refusal(address)
            if reason is not None:
                raise FetchError(f"address {address} is {reason} (use --allow-private to permit)")
    return None if literal is not None else str(addresses[0])


def _size_label(max_bytes: int) -> str:
    """Render the size limit the way a user would have written it."""
    if max_bytes >= _MiB and max_bytes % _MiB == 0:
        return f"{max_bytes // _MiB} MB"
    return f"{max_bytes} bytes"


def _split_content_type(header: str | None) -> tuple[str | None, str | None]:
    """Split ``text/html; charset="UTF-8"`` into ``("text/html", "UTF-8")``."""
    if not header:
        return None, None
    media_type, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return media_type.strip().lower() or None, charset


def _read_capped(
    response: httpx.Response, *, max_bytes: int, deadline: float, timeout: float
) -> bytes:
    """Read the (decoded) body, stopping as soon as it passes ``max_bytes`` or the deadline.

    The deadline is checked between chunks, so one stalled read is bounded by the read
    timeout that was set for the request.
    """
    declared = response.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > max_bytes:
        raise FetchError(f"response exceeds {_size_label(max_bytes)} limit")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"response exceeds {_size_label(max_bytes)} limit")
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise FetchError(f"timed out after {timeout:g}s")
    return b"".join(chunks)


def _one_line(message: str) -> str:
    """Collapse whitespace so an error always prints as a single line in the CLI."""
    return " ".join(message.split())


def _describe_connect_error(exc: httpx.ConnectError) -> str:
    """Turn httpx's connect failure into a short reason a user can act on."""
    text = str(exc) or type(exc).__name__
    if "refused" in text.lower():
        return "cannot connect (connection refused)"
    return f"cannot connect ({text})"


def _finish_hop(
    response: httpx.Response,
    *,
    requested: str,
    current: httpx.URL,
    max_bytes: int,
    deadline: float,
    timeout: float,
) -> Fetched | httpx.URL:
    """Turn one hop's response into the result, or the next URL when it is a redirect."""
    location = response.headers.get("location")
    if response.status_code in _REDIRECT_STATUSES and location:
        try:
            return current.join(location)
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid redirect location {location!r}") from exc
    if not 200 <= response.status_code < 300:
        phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
        raise FetchError(f"HTTP {response.status_code}{phrase}")
    body = _read_capped(response, max_bytes=max_bytes, deadline=deadline, timeout=timeout)
    content_type, charset = _split_content_type(response.headers.get("content-type"))
    return Fetched(
        url=requested,
        final_url=str(current),
        status=response.status_code,
        content_type=content_type,
        charset=charset,
        body=body,
        retrieved_at=datetime.now(UTC),
    )


def _fetch_hops(
    requested: str,
    start: httpx.URL,
    *,
    timeout: float,
    max_bytes: int,
    allow_private: bool,
    user_agent: str,
    deadline: float,
) -> Fetched:
    """Follow up to ``MAX_REDIRECTS`` redirects by hand, vetting each hop before connecting."""
    current = start
    for hop in range(MAX_REDIRECTS + 1):
        try:
            pinned = _vetted_address(
                current, allow_private=allow_private, deadline=deadline, timeout=timeout
            )
        except FetchError as exc:
            if hop == 0:
                raise
            raise FetchError(f"redirect to {current}: {exc}") from exc.__cause__

        # Connect to the vetted IP while keeping the real name for Host and TLS (SNI and
        # certificate check), so the server sees a normal request.
        target = current if pinned is None else current.copy_with(host=pinned)
        headers = {"User-Agent": user_agent, "Host": current.netloc.decode("ascii")}
        extensions: dict[str, str] = {}
        if pinned is not None and current.scheme == "https":
            extensions["sni_hostname"] = current.raw_host.decode("ascii")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"timed out after {timeout:g}s")
        request_timeout = httpx.Timeout(remaining, connect=min(CONNECT_TIMEOUT, remaining))

        # A fresh client per hop: no pooled connection (opened with another hop's SNI) is
        # reused, and trust_env=False keeps proxy settings from sending traffic elsewhere
        # than the address that was checked.
        with httpx.Client(follow_redirects=False, trust_env=False) as client:
            request = client.build_request(
                "GET", target, headers=headers, extensions=extensions, timeout=request_timeout
            )
            response = client.send(request, stream=True)
            try:
                outcome = _finish_hop(
                    response,
                    requested=requested,
                    current=current,
                    max_bytes=max_bytes,
                    deadline=deadline,
                    timeout=timeout,
                )
            finally:
                response.close()
        if isinstance(outcome, Fetched):
            return outcome
        current = outcome
    raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")


def fetch_url(
    url: str,
    *,
    timeout: float = 15.0,
    max_bytes: int = 20 * _MiB,
    allow_private: bool = False,
    user_agent: str = DEFAULT_USER_AGENT,
) -> Fetched:
    """Fetch ``url`` once, safely, and return its body with provenance.

    Only http(s) to public addresses is allowed unless ``allow_private`` (the CLI's
    ``--allow-private``); redirects are followed by hand (at most ``MAX_REDIRECTS``) and each
    hop is checked the same way. ``timeout`` bounds the whole fetch (resolving, connecting,
    redirects and reading); the body is refused once it passes ``max_bytes``. Any refusal or
    failure raises ``FetchError`` whose message starts with ``url``.
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")
    deadline = time.monotonic() + timeout
    try:
        start = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchError(f"{url}: invalid URL ({exc})") from exc
    try:
        return _fetch_hops(
            url,
            start,
            timeout=timeout,
            max_bytes=max_bytes,
            allow_private=allow_private,
            user_agent=user_agent,
            deadline=deadline,
        )
    except FetchError as exc:
        raise FetchError(_one_line(f"{url}: {exc}")) from exc.__cause__
    except httpx.TimeoutException as exc:
        raise FetchError(_one_line(f"{url}: timed out after {timeout:g}s")) from exc
    except httpx.ConnectError as exc:
        raise FetchError(_one_line(f"{url}: {_describe_connect_error(exc)}")) from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        detail = str(exc) or type(exc).__name__
        raise FetchError(_one_line(f"{url}: {type(exc).__name__} ({detail})")) from exc
