"""The one outbound HTTP seam: every network adapter and feed fetcher goes through here.

What it adds to a plain `httpx.Client`:

- timeouts from settings (connect 5 s, read/write/pool `HTTP_TIMEOUT_S`);
- an `Orkesteri/0.1` User-Agent, no proxies or .netrc taken from the environment;
- at most `MAX_REDIRECTS` redirects, each hop checked again by `check_url`;
- a private-address guard (DESIGN.md §7): URLs whose host is or resolves to a loopback,
  private, link-local, multicast, reserved, unspecified or shared (100.64/10) address, also
  when wrapped in IPv6 (IPv4-mapped, 6to4, NAT64), raise `BlockedAddress` unless
  `settings.ALLOW_PRIVATE_NETWORKS` (ORKESTERI_ALLOW_PRIVATE_NETWORKS=1; on under pytest).

DNS rebinding: checking a name and then letting the socket layer resolve it again leaves a
window in which the name can change to 127.0.0.1. So the check also runs where the
connection is made: `GuardedBackend` wraps httpcore's public `NetworkBackend` interface,
resolves the host once in `connect_tcp`, refuses if any address is blocked, and connects to
the checked IP literal itself. httpcore takes the TLS SNI name and the Host header from the
request's origin, not from what `connect_tcp` connected to, so certificates and virtual hosts
still work. `GuardedTransport` is an `httpx.HTTPTransport` whose connection pool is built
with that backend (`httpcore.ConnectionPool(network_backend=...)`, public httpcore API);
the only private detail relied on is `HTTPTransport._pool`, stable across httpx 0.2x.
Proxies are refused because through a proxy the guard would check the proxy, not the target.
The early `check_url` in a request hook gives a clear error before any connection and for
redirects to other schemes; the connect-time check is the one that cannot be raced.

Connections are kept alive in one pool per thread (`SharedTransport`): a worker publishing
many posts to one network reuses its connections instead of a TCP and TLS handshake per call.

Sync only: web requests and huey workers are synchronous.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

USER_AGENT = "Orkesteri/0.1"
CONNECT_TIMEOUT_S = 5.0
MAX_REDIRECTS = 5
# Each thread's connection pool: open connections in all, idle ones kept, for how long.
POOL_CONNECTIONS = 100
POOL_KEEPALIVE = 8
KEEPALIVE_S = 30.0
ALLOW_HINT = "set ORKESTERI_ALLOW_PRIVATE_NETWORKS=1 to allow it"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_KINDS: tuple[tuple[str, str], ...] = (
    ("loopback", "is_loopback"),
    ("unspecified", "is_unspecified"),
    ("link-local", "is_link_local"),
    ("multicast", "is_multicast"),
    ("site-local", "is_site_local"),
    ("private", "is_private"),
    ("reserved", "is_reserved"),
)


class BlockedAddress(Exception):
    """The URL may not be fetched: bad scheme, no host, or a non-public address."""


class ResponseTooLarge(Exception):
    """The response body is bigger than the caller allowed."""

    def __init__(self, url: str, max_bytes: int) -> None:
        super().__init__(f"{url} is larger than {max_bytes} bytes; refusing to download it")
        self.url = url
        self.max_bytes = max_bytes


def _allow_private() -> bool:
    from django.conf import settings

    return bool(settings.ALLOW_PRIVATE_NETWORKS)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address forwards to (IPv4-mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_kind(ip: IPAddress) -> str | None:
    """Why `ip` is not a public address ("loopback", "private", ...), or None if it is."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return blocked_kind(inner)
    if ip in _SHARED:
        return "shared (carrier-grade NAT)"
    for kind, attribute in _KINDS:
        if getattr(ip, attribute, False):  # is_site_local is IPv6-only
            return kind
    return None if ip.is_global else "non-public"


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """All addresses `host` resolves to, in the resolver's order; raises OSError."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # A scoped IPv6 address comes back as "fe80::1%eth0"; the scope does not change the kind.
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    return list(dict.fromkeys(addresses))


def _refuse_blocked(host: str, addresses: Iterable[IPAddress]) -> None:
    literal = _literal_ip(host) is not None
    for ip in addresses:
        kind = blocked_kind(ip)
        if kind is None:
            continue
        if literal:
            raise BlockedAddress(f"{host} is a {kind} address; {ALLOW_HINT}")
        raise BlockedAddress(f"{host} resolves to a {kind} address {ip}; {ALLOW_HINT}")


def check_url(url: str | httpx.URL) -> None:
    """Raise BlockedAddress unless `url` is http(s) with a host that is a public address."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise BlockedAddress(f"not a valid URL: {url!s} ({exc})") from exc
    if parsed.scheme not in ("http", "https"):
        raise BlockedAddress(f"only absolute http and https URLs are allowed: {url}")
    if not parsed.host:
        raise BlockedAddress(f"URL has no host: {url}")
    if _allow_private():
        return
    host = parsed.raw_host.decode("ascii")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    literal = _literal_ip(host)
    if literal is not None:
        _refuse_blocked(host, [literal])
        return
    if PUBLIC_NAMES.seen(host, port):
        return
    try:
        addresses = resolve(host, port)
    except OSError as exc:
        raise httpx.ConnectError(f"cannot resolve {host}: {exc}") from exc
    _refuse_blocked(host, addresses)
    PUBLIC_NAMES.add(host, port)


class _PublicNames:
    """Names that resolved to public addresses lately, so that a worker sending hundreds of
    posts a minute to one API does not ask DNS before every request. Only an early answer:
    every new connection is still resolved and checked by GuardedBackend, and a kept-alive
    one is to an address checked when it was opened."""

    TTL_S = 60.0
    MAX = 1024

    def __init__(self) -> None:
        self._until: dict[tuple[str, int], float] = {}
        self._lock = threading.Lock()

    def seen(self, host: str, port: int) -> bool:
        return self._until.get((host, port), 0.0) > time.monotonic()

    def add(self, host: str, port: int) -> None:
        with self._lock:
            if len(self._until) >= self.MAX:
                self._until.clear()
            self._until[(host, port)] = time.monotonic() + self.TTL_S

    def clear(self) -> None:
        with self._lock:
            self._until.clear()


PUBLIC_NAMES = _PublicNames()


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves once, checks every address, connects to a checked IP (see module docstring)."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if _allow_private():
            return self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        addresses = self._checked_addresses(host, port)
        last_error: httpcore.ConnectError | None = None
        for ip in addresses:
            try:
                return self._inner.connect_tcp(
                    str(ip), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                last_error = exc
        assert last_error is not None  # resolve() never returns an empty list
        raise last_error

    def _checked_addresses(self, host: str, port: int) -> list[IPAddress]:
        literal = _literal_ip(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                addresses = resolve(host, port)
            except OSError as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        _refuse_blocked(host, addresses)
        return addresses

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise BlockedAddress(f"Unix sockets are not allowed: {path}")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def tls_context(verify: bool | str = True) -> ssl.SSLContext:
    """One per process: building one parses the whole CA bundle (tens of milliseconds, most of
    a publish's CPU when every call made its own). SSL contexts are safe to share."""
    return httpx.create_ssl_context(verify=verify, trust_env=False)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport with the connection pool built on `GuardedBackend`."""

    def __init__(self, verify: bool | str = True) -> None:
        context = tls_context(verify)
        super().__init__(verify=context, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            network_backend=GuardedBackend(),
            max_connections=POOL_CONNECTIONS,
            max_keepalive_connections=POOL_KEEPALIVE,
            keepalive_expiry=KEEPALIVE_S,
        )


_pools = threading.local()


def _thread_pool(verify: bool | str) -> GuardedTransport:
    """This thread's connection pool: httpcore's pool takes one lock per request and checks
    every idle connection under it, so one pool shared by a worker's 32 threads had them
    queueing for it (bench/publish.py). A pool per thread has no one to wait for."""
    pools: dict[bool | str, GuardedTransport] = getattr(_pools, "by_verify", None) or {}
    _pools.by_verify = pools
    if verify not in pools:
        pools[verify] = GuardedTransport(verify=verify)
    return pools[verify]


class SharedTransport(httpx.BaseTransport):
    """A client's handle on its thread's guarded connection pool (per `verify`).

    Connections to a network's API stay open between calls (keep-alive), so a worker does
    not pay a TCP and TLS handshake per post; closing a client leaves the pool to the next
    client of the thread. Every new connection still goes through `GuardedBackend`'s check.
    """

    def __init__(self, verify: bool | str = True) -> None:
        self._verify = verify

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # The pool of the thread sending, whichever thread made the client.
        return _thread_pool(self._verify).handle_request(request)

    def close(self) -> None:
        """The pool outlives the client."""


def default_timeout() -> httpx.Timeout:
    from django.conf import settings

    total = float(settings.HTTP_TIMEOUT_S)
    return httpx.Timeout(total, connect=min(CONNECT_TIMEOUT_S, total))


def _check_request(request: httpx.Request) -> None:
    check_url(request.url)


def client(**kwargs: Any) -> httpx.Client:
    """An httpx.Client with the guard, timeouts, User-Agent and redirect cap installed.

    Takes httpx.Client's keyword arguments except those that would bypass the guard.
    """
    for name in ("transport", "mounts", "proxy", "trust_env"):
        if name in kwargs:
            raise TypeError(
                f"lib.http.client() does not accept {name!r}: it would bypass the guard"
            )
    hooks = dict(kwargs.pop("event_hooks", {}))
    hooks["request"] = [_check_request, *hooks.get("request", [])]
    headers = httpx.Headers({"User-Agent": USER_AGENT})
    headers.update(kwargs.pop("headers", None) or {})
    kwargs.setdefault("timeout", default_timeout())
    kwargs.setdefault("follow_redirects", True)
    kwargs["max_redirects"] = min(kwargs.get("max_redirects", MAX_REDIRECTS), MAX_REDIRECTS)
    return httpx.Client(
        transport=SharedTransport(verify=kwargs.pop("verify", True)),
        trust_env=False,
        event_hooks=hooks,
        headers=headers,
        **kwargs,
    )


def get(url: str, **kwargs: Any) -> httpx.Response:
    with client() as http:
        return http.get(url, **kwargs)


def post(url: str, **kwargs: Any) -> httpx.Response:
    with client() as http:
        return http.post(url, **kwargs)


def _refuse_declared_length(response: httpx.Response, max_bytes: int) -> None:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(str(response.url), max_bytes)


def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise ResponseTooLarge(str(response.url), max_bytes)
    return bytes(body)


def fetch_bytes(url: str, max_bytes: int, **kwargs: Any) -> bytes:
    """The body of a successful GET of `url`, refusing to read more than `max_bytes`."""
    with client() as http, http.stream("GET", url, **kwargs) as response:
        response.raise_for_status()
        _refuse_declared_length(response, max_bytes)
        return _read_capped(response, max_bytes)
