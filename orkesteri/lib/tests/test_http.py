"""lib/http.py: the private-address guard, DNS rebinding, redirects, timeouts, size cap.

Only 127.0.0.0/8 is ever connected to: "public" names are faked by patching the resolver,
and the `loopback_only` fixture fails any test that tries to connect anywhere else.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from orkesteri.lib import http

PUBLIC_IP = "93.184.216.34"  # global unicast; resolved to in tests, never connected to

AddrInfo = list[tuple[Any, ...]]


class Handler(BaseHTTPRequestHandler):
    server: LocalServer

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Host", "")))
        url = urlsplit(self.path)
        route = self.server.routes.get(url.path.split("/")[1])
        if route is None:
            self.send_error(404)
            return
        # The client may have given up already (timeout tests).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self, url.path.split("/")[2:], parse_qs(url.query))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.reply(200, b"got " + body)

    def reply(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def route_ok(h: Handler, parts: list[str], query: dict[str, list[str]]) -> None:
    h.reply(200, h.headers.get("User-Agent", "").encode())


def route_slow(h: Handler, parts: list[str], query: dict[str, list[str]]) -> None:
    time.sleep(float(parts[0]))
    h.reply(200, b"late")


def route_hops(h: Handler, parts: list[str], query: dict[str, list[str]]) -> None:
    left = int(parts[0])
    if left == 0:
        h.reply(200, b"arrived")
    else:
        h.reply(302, Location=f"/hops/{left - 1}")


def route_to(h: Handler, parts: list[str], query: dict[str, list[str]]) -> None:
    h.reply(302, Location=query["url"][0])


def route_bytes(h: Handler, parts: list[str], query: dict[str, list[str]]) -> None:
    h.reply(200, b"x" * int(parts[0]))


def route_undeclared(h: Handler, parts: list[str], query: dict[str, list[str]]) -> None:
    # No Content-Length: HTTP/1.0 style, the body ends when the connection closes.
    h.close_connection = True
    h.send_response(200)
    h.end_headers()
    for _ in range(int(parts[0])):
        h.wfile.write(b"y" * 1024)


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[tuple[str, str]] = []
        self.routes: dict[str, Callable[[Handler, list[str], dict[str, list[str]]], None]] = {
            "ok": route_ok,
            "slow": route_slow,
            "hops": route_hops,
            "to": route_to,
            "bytes": route_bytes,
            "undeclared": route_undeclared,
        }

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def _is_loopback_literal(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly instead of ever opening a connection outside 127.0.0.0/8."""
    real = socket.create_connection

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        host = address[0]
        if host != "localhost" and not _is_loopback_literal(host):
            pytest.fail(f"test tried to connect to {host}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    thread = threading.Thread(target=local.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield local
    local.shutdown()
    local.server_close()


@pytest.fixture
def guarded(settings: Any) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = False


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    """Resolve the names in `answers` to their next address (the last one sticks)."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> AddrInfo:
        if host not in answers:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        ip = answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def trust_first_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat 127.0.0.1 (the test server) as public; 127.0.0.2 and the rest stay blocked."""
    real = http.blocked_kind

    def blocked_kind(ip: http.IPAddress) -> str | None:
        return None if str(ip) == "127.0.0.1" else real(ip)

    monkeypatch.setattr(http, "blocked_kind", blocked_kind)


# --- check_url ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.8.9.10:8000/x",
        "http://localhost/",
        "https://10.0.0.5/",
        "http://172.16.1.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:10.0.0.5]/",
        "http://[64:ff9b::a00:5]/",
        "http://[2002:a00:5::1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://2130706433/",
    ],
)
def test_it_blocks_non_public_addresses(guarded: None, url: str) -> None:
    with pytest.raises(http.BlockedAddress, match="ORKESTERI_ALLOW_PRIVATE_NETWORKS=1"):
        http.check_url(url)


def test_it_names_the_host_and_the_address(guarded: None, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"intranet.example": ["10.0.0.5"]})
    with pytest.raises(http.BlockedAddress) as caught:
        http.check_url("https://intranet.example/feed")
    assert str(caught.value) == (
        "intranet.example resolves to a private address 10.0.0.5; "
        "set ORKESTERI_ALLOW_PRIVATE_NETWORKS=1 to allow it"
    )


def test_it_says_what_a_literal_is(guarded: None) -> None:
    with pytest.raises(http.BlockedAddress, match=r"^169\.254\.169\.254 is a link-local address"):
        http.check_url("http://169.254.169.254/")


def test_it_blocks_a_name_with_any_private_address(
    guarded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> AddrInfo:
        if host != "mixed.example":
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_IP, port)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(http.BlockedAddress, match="loopback address ::1"):
        http.check_url("https://mixed.example/")


def test_it_allows_public_addresses(guarded: None, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"mastodon.example": [PUBLIC_IP]})
    http.check_url("https://mastodon.example/api/v2/instance")
    http.check_url(f"http://{PUBLIC_IP}/")
    http.check_url("http://[2606:4700:4700::1111]/")


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/", "javascript:alert(1)"],
)
def test_it_blocks_other_schemes(url: str) -> None:
    with pytest.raises(http.BlockedAddress, match="only absolute http and https URLs"):
        http.check_url(url)


@pytest.mark.parametrize("url", ["http:///path", "https://", "/relative/path", "example.com"])
def test_it_blocks_urls_without_host(url: str) -> None:
    with pytest.raises(http.BlockedAddress):
        http.check_url(url)


def test_an_unknown_host_is_a_connect_error(guarded: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def getaddrinfo(*args: Any, **kwargs: Any) -> AddrInfo:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(httpx.ConnectError, match=r"cannot resolve nowhere\.example"):
        http.check_url("https://nowhere.example/")


def test_the_setting_lifts_the_guard(settings: Any) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = True
    http.check_url("http://127.0.0.1/")
    http.check_url("http://10.0.0.5/")
    with pytest.raises(http.BlockedAddress):
        http.check_url("file:///etc/passwd")


# --- requests against the local server ----------------------------------------------------


def test_it_gets_from_an_allowed_local_server(server: LocalServer) -> None:
    response = http.get(server.url("/ok"))
    assert response.status_code == 200
    assert response.text == "Orkesteri/0.1"


def test_it_posts(server: LocalServer) -> None:
    response = http.post(server.url("/ok"), content=b"hello")
    assert response.text == "got hello"


def test_it_refuses_the_local_server_when_guarded(guarded: None, server: LocalServer) -> None:
    with pytest.raises(http.BlockedAddress, match="loopback"):
        http.get(server.url("/ok"))
    assert server.seen == []


def test_it_times_out(server: LocalServer) -> None:
    with http.client(timeout=0.2) as c, pytest.raises(httpx.TimeoutException):
        c.get(server.url("/slow/2"))


def test_it_never_connects_outside_loopback_in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"public.example": [PUBLIC_IP]})
    with pytest.raises(pytest.fail.Exception, match="tried to connect"):
        http.get("http://public.example/")


def test_it_takes_timeouts_from_settings(settings: Any) -> None:
    settings.HTTP_TIMEOUT_S = 7
    with http.client() as c:
        assert c.timeout == httpx.Timeout(7, connect=5)


def test_it_refuses_options_that_bypass_the_guard() -> None:
    with pytest.raises(TypeError, match="transport"):
        http.client(transport=httpx.HTTPTransport())
    with pytest.raises(TypeError, match="proxy"):
        http.client(proxy="http://127.0.0.1:3128")


def test_it_keeps_the_callers_hooks_and_headers(server: LocalServer) -> None:
    urls: list[str] = []
    hooks = {"request": [lambda request: urls.append(str(request.url))]}
    with http.client(event_hooks=hooks, headers={"Accept": "text/plain"}) as c:
        response = c.get(server.url("/ok"))
    assert urls == [server.url("/ok")]
    assert response.request.headers["Accept"] == "text/plain"
    assert response.request.headers["User-Agent"] == "Orkesteri/0.1"


def test_it_follows_five_redirects(server: LocalServer) -> None:
    response = http.get(server.url("/hops/5"))
    assert response.text == "arrived"
    assert len(response.history) == 5


def test_it_stops_after_five_redirects(server: LocalServer) -> None:
    with pytest.raises(httpx.TooManyRedirects):
        http.get(server.url("/hops/6"))
    with http.client(max_redirects=50) as c, pytest.raises(httpx.TooManyRedirects):
        c.get(server.url("/hops/6"))


def test_it_checks_every_redirect_hop(
    guarded: None, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    trust_first_loopback(monkeypatch)
    assert http.get(server.url("/ok")).status_code == 200
    target = server.url("/ok", host="127.0.0.2")
    with pytest.raises(http.BlockedAddress, match=r"127\.0\.0\.2 is a loopback address"):
        http.get(server.url(f"/to?url={target}"))
    assert [path for path, _ in server.seen] == ["/ok", f"/to?url={target}"]


def test_it_blocks_a_redirect_to_another_scheme(server: LocalServer) -> None:
    with pytest.raises(http.BlockedAddress, match="only absolute http and https"):
        http.get(server.url("/to?url=file:///etc/passwd"))


# --- DNS rebinding: the connect-time check ------------------------------------------------


def test_it_blocks_a_name_that_rebinds_to_loopback(
    guarded: None, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # First lookup (check_url) answers a public address, the second (connect) loopback.
    asked = fake_dns(monkeypatch, {"rebind.example": [PUBLIC_IP, "127.0.0.1"]})
    with pytest.raises(http.BlockedAddress, match=r"rebind\.example resolves to a loopback"):
        http.get(server.url("/ok", host="rebind.example"))
    assert asked == ["rebind.example", "rebind.example"]
    assert server.seen == []


def test_the_connect_time_check_stands_alone(
    guarded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"rebind.example": ["127.0.0.1"]})
    with pytest.raises(http.BlockedAddress, match="loopback"):
        http.GuardedBackend().connect_tcp("rebind.example", 80, timeout=1)


def test_it_connects_to_the_checked_address_keeping_the_host(
    guarded: None, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    trust_first_loopback(monkeypatch)
    fake_dns(monkeypatch, {"public.example": ["127.0.0.1"]})
    response = http.get(server.url("/ok", host="public.example"))
    assert response.status_code == 200
    assert server.seen == [("/ok", f"public.example:{server.port}")]


def test_a_name_checked_lately_is_not_looked_up_again_before_each_request(
    guarded: None, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    trust_first_loopback(monkeypatch)
    asked = fake_dns(monkeypatch, {"public.example": ["127.0.0.1"]})
    with http.client() as client:
        for _n in range(3):
            assert client.get(server.url("/ok", host="public.example")).status_code == 200
    # One check, then the connections' own lookups (this test server closes each one).
    assert asked == ["public.example"] * 4


# --- fetch_bytes --------------------------------------------------------------------------


def test_fetch_bytes_returns_the_body(server: LocalServer) -> None:
    assert http.fetch_bytes(server.url("/bytes/1000"), max_bytes=1000) == b"x" * 1000


def test_fetch_bytes_refuses_a_declared_length_past_the_cap(server: LocalServer) -> None:
    with pytest.raises(http.ResponseTooLarge, match="larger than 999 bytes"):
        http.fetch_bytes(server.url("/bytes/1000"), max_bytes=999)


def test_fetch_bytes_stops_reading_past_the_cap(server: LocalServer) -> None:
    assert len(http.fetch_bytes(server.url("/undeclared/4"), max_bytes=4096)) == 4096
    with pytest.raises(http.ResponseTooLarge):
        http.fetch_bytes(server.url("/undeclared/64"), max_bytes=4096)


def test_fetch_bytes_raises_on_error_status(server: LocalServer) -> None:
    with pytest.raises(httpx.HTTPStatusError):
        http.fetch_bytes(server.url("/missing"), max_bytes=100)


def test_fetch_bytes_is_guarded(guarded: None, server: LocalServer) -> None:
    with pytest.raises(http.BlockedAddress):
        http.fetch_bytes(server.url("/bytes/10"), max_bytes=100)
    assert server.seen == []
