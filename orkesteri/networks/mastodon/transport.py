"""A `requests.Session` for Mastodon.py whose every request goes through lib/http.

Mastodon.py speaks `requests`; Orkesteri's one outbound seam is the guarded httpx client of
`orkesteri.lib.http`. Checking URLs in a requests hook (`check_url` before each request)
would guard only before connecting: urllib3 resolves the host name again when it opens the
socket, so a name that changes to 127.0.0.1 between the check and the connect (DNS
rebinding) would get through. Instead this session mounts a transport adapter that hands
each prepared request to `lib.http.client()`, whose `GuardedBackend` resolves once, refuses
private addresses and connects to the checked IP itself; its request hook runs `check_url`
as well. requests still drives redirects (Mastodon.py relies on its semantics, including
dropping the Authorization header on a cross-host redirect), so every hop comes back
through `send` and is checked again; `max_redirects` is lib/http's cap.

httpx errors become the requests exceptions Mastodon.py expects (it wraps any of them in
MastodonNetworkError, keeping the original as `__context__`); `BlockedAddress` passes through
unchanged so the adapter can name the refused address.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import httpx
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from orkesteri.lib import http

Timeout = float | tuple[float | None, float | None] | None


class NotSent(requests.ConnectionError):
    """The request never left: no connection could be made (nothing reached the server)."""


class HttpxAdapter(BaseAdapter):
    """A requests transport adapter that sends through a guarded `lib.http.client()`."""

    def __init__(self) -> None:
        super().__init__()
        self._http = http.client(follow_redirects=False)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Timeout = None,
        verify: bool | str = True,
        cert: object = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        try:
            answer = self._http.request(
                request.method or "GET",
                request.url or "",
                headers=_headers(request.headers),
                content=_body(request.body),
                timeout=_timeout(timeout),
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise NotSent(str(exc), request=request) from exc
        except httpx.TimeoutException as exc:
            raise requests.ReadTimeout(str(exc), request=request) from exc
        except httpx.HTTPError as exc:
            raise requests.ConnectionError(str(exc), request=request) from exc
        return _response(answer, request)

    def close(self) -> None:
        self._http.close()


class GuardedSession(requests.Session):
    """requests.Session with HttpxAdapter mounted; remembers the last response it got."""

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False  # no proxies or .netrc from the environment, as lib/http
        self.max_redirects = http.MAX_REDIRECTS
        self.headers["User-Agent"] = http.USER_AGENT
        adapter = HttpxAdapter()
        self.adapters.clear()
        self.mount("https://", adapter)
        self.mount("http://", adapter)
        # Mastodon.py raises MastodonRatelimitError without the response: the adapter reads
        # Retry-After / X-RateLimit-Reset from here.
        self.last_response: requests.Response | None = None

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        response = super().send(request, **kwargs)  # type: ignore[arg-type]
        self.last_response = response
        return response


def _body(body: object) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return body
    # Mastodon.py sends form data and multipart bodies, which requests prepares as bytes;
    # a streamed body (file object, generator) is read here in full.
    if hasattr(body, "read"):
        return bytes(body.read())
    return b"".join(bytes(chunk) for chunk in body)  # type: ignore[attr-defined]


def _headers(headers: Mapping[str, str | bytes]) -> dict[str, str]:
    return {
        name: value if isinstance(value, str) else value.decode("latin-1")
        for name, value in headers.items()
    }


def _timeout(timeout: Timeout) -> httpx.Timeout:
    if timeout is None:
        return http.default_timeout()
    if isinstance(timeout, tuple):
        connect, read = timeout
        return httpx.Timeout(read, connect=connect)
    return httpx.Timeout(timeout, connect=min(http.CONNECT_TIMEOUT_S, timeout))


def _response(answer: httpx.Response, request: requests.PreparedRequest) -> requests.Response:
    response = requests.Response()
    response.status_code = answer.status_code
    response.reason = answer.reason_phrase
    response.headers = CaseInsensitiveDict(dict(answer.headers))
    response._content = answer.content
    response._content_consumed = True
    response.raw = io.BytesIO(answer.content)
    response.encoding = get_encoding_from_headers(response.headers)
    response.url = str(answer.url)
    response.request = request
    return response
