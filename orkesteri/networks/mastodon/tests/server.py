"""A local, stateful Mastodon server, written from https://docs.joinmastodon.org.

Pages followed: methods/apps (POST /api/v1/apps), methods/oauth (GET /oauth/authorize,
POST /oauth/token), methods/instance (GET /api/v2/instance, /api/v1/instance),
methods/accounts (verify_credentials), methods/media (POST /api/v2/media answering 202 while
processing, GET /api/v1/media/:id answering 206 until done), methods/statuses (create with
Idempotency-Key, view, delete), entities/Error (bodies {"error": ...}), api/rate-limits
(X-RateLimit-* headers), api/oauth-scopes (403 "outside the authorized scopes").

State lives in `MastodonState`; tests reach it as `server.state` to revoke tokens, make media
slow to process, or queue faults (`state.fail(...)`) that answer the next matching request
with a documented error, a malformed body, or after a delay.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from orkesteri.lib.text import mastodon as mastodon_text
from orkesteri.networks.testing import running_server

ALL_SCOPES = {"read", "write", "follow", "push", "profile"} | {
    f"{kind}:{what}"
    for kind, whats in (
        ("read", ("accounts", "statuses", "follows", "notifications")),
        ("write", ("accounts", "statuses", "media", "follows", "notifications")),
    )
    for what in whats
}
INVALID_TOKEN = "The access token is invalid"
OUTSIDE_SCOPES = "This action is outside the authorized scopes"
NOT_FOUND = "Record not found"
MEDIA_NOT_READY = "Cannot attach files that have not finished processing. Try again in a moment!"


@dataclass
class Fault:
    method: str
    path: str
    status: int = 500
    body: Any = None  # dict → JSON, bytes → as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow server)
    times: int = 1
    passthrough: bool = False  # after the delay, handle the request as usual (late success)


@dataclass
class Token:
    account_id: str
    scopes: set[str]


class MastodonState:
    """Everything the server remembers; safe to touch from tests while it runs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids = itertools.count(110_000_000_000_000_001)
        self.domain = "social.example"
        self.version = "4.4.0"  # what GET /api/v2/instance (or v1) reports
        self.max_characters = 500
        self.url_length = 23
        self.max_media = 4
        self.image_size_limit = 16_777_216
        self.description_limit = 1500
        self.has_v2_instance = True
        self.has_oauth_metadata = True
        self.deny_authorization = False
        self.processing_polls = 0  # GET /api/v1/media/:id answers 206 this many times
        self.account: dict[str, Any] = {
            "id": "109000000000000001",
            "username": "alice",
            "acct": "alice",
            "display_name": "Alice",
            "followers_count": 42,
            "following_count": 7,
            "statuses_count": 0,
        }
        self.tokens: dict[str, Token] = {
            "valid-token": Token(self.account["id"], {"read", "write"}),
        }
        self.apps: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.statuses: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[tuple[str, str], str] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    def next_id(self) -> str:
        return str(next(self.ids))

    def fail(self, method: str, path: str, status: int = 500, **kwargs: Any) -> Fault:
        fault = Fault(method, path, status, **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and path.startswith(fault.path) and fault.times:
                    fault.times -= 1
                    return fault
        return None

    def requested(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.requests if m == method and p.startswith(path))

    def add_status(self, text: str, created_at: str, **fields: Any) -> dict[str, Any]:
        """A status of the account published elsewhere; ids grow with time, as Mastodon's."""
        status_id = self.next_id()
        status = {
            "id": status_id,
            "created_at": created_at,
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "visibility": "public",
            "uri": f"https://{self.domain}/users/alice/statuses/{status_id}",
            "url": f"https://{self.domain}/@alice/{status_id}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "content": f"<p>{text}</p>",
            "reblog": None,
            "account": {"id": self.account["id"], "username": "alice", "acct": "alice"},
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
            **fields,
        }
        with self.lock:
            self.statuses[status_id] = status
            self.account["statuses_count"] += 1
        return status


class MastodonHandler(BaseHTTPRequestHandler):
    state: MastodonState  # set per server by serve()
    query: dict[str, str]
    multi_query: dict[str, list[str]]
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each answer's body waits 40 ms for a delayed ACK

    # plumbing

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        self.multi_query = parse_qs(url.query)
        self.query = {k: v[-1] for k, v in self.multi_query.items()}
        self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.state.requests.append((method, path, dict(self.headers)))
        fault = self.state.take_fault(method, path)
        if fault is not None and fault.passthrough:
            time.sleep(fault.delay)
        elif fault is not None:
            self._fault(fault)
            return
        for route_method, prefix, handler in ROUTES:
            if method == route_method and _matches(prefix, path):
                handler(self, path.split("/")[-1])
                return
        self._json(404, {"error": NOT_FOUND})

    def _fault(self, fault: Fault) -> None:
        if fault.delay:
            time.sleep(fault.delay)
        if fault.status == 429:
            reset = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=120)
            fault.headers = {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z"),
                **fault.headers,
            }
        body = fault.body if fault.body is not None else {"error": "Internal server error"}
        self._send(fault.status, body, fault.headers)

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, body, headers or {})

    def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        content_type = "application/json" if not isinstance(body, bytes) else "text/html"
        self.send_header("Content-Type", headers.pop("Content-Type", content_type))
        self.send_header("Content-Length", str(len(data)))
        if self.path.startswith("/api/") and "X-RateLimit-Reset" not in headers:
            # Sent on every API answer (https://docs.joinmastodon.org/api/rate-limits/).
            reset = datetime.now(UTC) + timedelta(minutes=5)
            headers = {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "299",
                "X-RateLimit-Reset": reset.isoformat(timespec="microseconds"),
                **headers,
            }
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _form(self) -> dict[str, list[str]]:
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            return {}
        if content_type.startswith("application/json"):
            data = json.loads(self.body or b"{}")
            return {k: v if isinstance(v, list) else [str(v)] for k, v in data.items()}
        return parse_qs(self.body.decode(), keep_blank_values=True)

    def _token(self, scope: str) -> Token | None:
        """The caller's token if it is valid and has `scope`; else answers 401/403."""
        header = self.headers.get("Authorization", "")
        token = self.state.tokens.get(header.removeprefix("Bearer "))
        if token is None:
            self._json(401, {"error": INVALID_TOKEN})
            return None
        # A granular scope is covered by itself or its parent; verify_credentials also by
        # `profile` (https://docs.joinmastodon.org/api/oauth-scopes/#profile).
        acceptable = {scope, scope.split(":")[0]} | (
            {"profile"} if scope == "read:accounts" else set()
        )
        if not acceptable & token.scopes:
            self._json(403, {"error": OUTSIDE_SCOPES})
            return None
        return token

    @property
    def base(self) -> str:
        return f"http://{self.headers.get('Host')}"

    # instance

    def instance_v2(self, _: str) -> None:
        if not self.state.has_v2_instance:
            self._json(404, {"error": NOT_FOUND})
            return
        self._json(
            200, {"domain": self.state.domain, "version": self.state.version, **self._config()}
        )

    def instance_v1(self, _: str) -> None:
        self._json(200, {"uri": self.state.domain, "version": self.state.version, **self._config()})

    def _config(self) -> dict[str, Any]:
        s = self.state
        media: dict[str, Any] = {
            "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "video/mp4"],
            "image_size_limit": s.image_size_limit,
            "image_matrix_limit": 33_177_600,
        }
        if s.has_v2_instance:  # description_limit came with 4.4 (v2-era servers only)
            media["description_limit"] = s.description_limit
        return {
            "configuration": {
                "statuses": {
                    "max_characters": s.max_characters,
                    "max_media_attachments": s.max_media,
                    "characters_reserved_per_url": s.url_length,
                },
                "media_attachments": media,
            }
        }

    def oauth_metadata(self, _: str) -> None:
        if not self.state.has_oauth_metadata:
            self._json(404, {"error": NOT_FOUND})
            return
        self._json(
            200,
            {
                "issuer": f"{self.base}/",
                "authorization_endpoint": f"{self.base}/oauth/authorize",
                "token_endpoint": f"{self.base}/oauth/token",
                "scopes_supported": sorted(ALL_SCOPES),
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "client_credentials"],
            },
        )

    # apps and OAuth

    def create_app(self, _: str) -> None:
        form = self._form()
        redirects = (form.get("redirect_uris") or [""])[0].split()
        scopes = set((form.get("scopes") or ["read"])[0].split())
        if not redirects or not all("://" in r or r.startswith("urn:") for r in redirects):
            self._json(422, {"error": "Validation failed: Redirect URI must be an absolute URI."})
            return
        if not scopes <= ALL_SCOPES:
            self._json(422, {"error": "Validation failed: Scopes are invalid"})
            return
        client_id, secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.state.apps[client_id] = {"secret": secret, "redirects": redirects, "scopes": scopes}
        self._json(
            200,
            {
                "id": self.state.next_id(),
                "name": (form.get("client_name") or [""])[0],
                "scopes": sorted(scopes),
                "redirect_uris": redirects,
                "client_id": client_id,
                "client_secret": secret,
                "client_secret_expires_at": 0,
            },
        )

    def authorize(self, _: str) -> None:
        """The user signs in and presses Authorize (or Deny) at once."""
        app = self.state.apps.get(self.query.get("client_id", ""))
        redirect = self.query.get("redirect_uri", "")
        scopes = set(self.query.get("scope", "read").split())
        if app is None or redirect not in app["redirects"] or not scopes <= app["scopes"]:
            self._send(400, b"<html>The redirect URI included is not valid.</html>", {})
            return
        answer = {"state": self.query.get("state", "")}
        if self.state.deny_authorization:
            answer |= {
                "error": "access_denied",
                "error_description": "The resource owner or authorization server denied the"
                " request.",
            }
        else:
            code = secrets.token_urlsafe(24)
            self.state.codes[code] = {
                "client_id": self.query["client_id"],
                "redirect": redirect,
                "scopes": scopes,
            }
            answer["code"] = code
        self._redirect(f"{redirect}?{urlencode(answer)}")

    def token(self, _: str) -> None:
        form = {k: v[-1] for k, v in self._form().items()}
        app = self.state.apps.get(form.get("client_id", ""))
        if app is None or app["secret"] != form.get("client_secret"):
            self._json(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Client authentication failed due to unknown client.",
                },
            )
            return
        grant = self.state.codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect"] != form.get("redirect_uri"):
            self._json(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The provided authorization grant is invalid.",
                },
            )
            return
        access_token = secrets.token_urlsafe(32)
        self.state.tokens[access_token] = Token(self.state.account["id"], set(grant["scopes"]))
        self._json(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "scope": " ".join(sorted(grant["scopes"])),
                "created_at": int(time.time()),
            },
        )

    # accounts

    def verify_credentials(self, _: str) -> None:
        if self._token("read:accounts") is None:
            return
        self._json(200, self._account())

    def _account(self) -> dict[str, Any]:
        account = dict(self.state.account)
        account["url"] = f"{self.base}/@{account['username']}"
        return account

    # media

    def create_media(self, _: str) -> None:
        if self._token("write:media") is None:
            return
        parts = _multipart(self.headers.get("Content-Type", ""), self.body)
        upload = parts.get("file")
        if upload is None or not upload["type"].startswith(("image/", "video/")):
            self._json(
                422, {"error": "Validation failed: File content type is invalid, File is invalid"}
            )
            return
        media_id = self.state.next_id()
        processing = self.state.processing_polls > 0
        media = {
            "id": media_id,
            "type": "image",
            "url": None if processing else f"{self.base}/media/{media_id}.png",
            "preview_url": f"{self.base}/media/{media_id}-small.png",
            "description": (parts.get("description") or {}).get("text"),
            "blurhash": None,
            "_polls_left": self.state.processing_polls,
            "_data": upload["data"],
            "_mime": upload["type"],
        }
        self.state.media[media_id] = media
        self._json(202 if processing else 200, _public(media))

    def get_media(self, media_id: str) -> None:
        if self._token("write:media") is None:
            return
        media = self.state.media.get(media_id)
        if media is None:
            self._json(404, {"error": NOT_FOUND})
            return
        if media["_polls_left"] > 0:
            media["_polls_left"] -= 1
            self._json(206, _public(media))
            return
        media["url"] = f"{self.base}/media/{media_id}.png"
        self._json(200, _public(media))

    # statuses

    def create_status(self, _: str) -> None:
        token = self._token("write:statuses")
        if token is None:
            return
        key = self.headers.get("Idempotency-Key")
        with self.state.lock:
            known = self.state.idempotency.get((token.account_id, key or ""))
        if key and known in self.state.statuses:
            self._json(200, self.state.statuses[known])
            return
        form = {k: v for k, v in self._form().items()}
        error = self._status_problem(form)
        if error is not None:
            self._json(*error)
            return
        status = self._new_status(form)
        with self.state.lock:
            self.state.statuses[status["id"]] = status
            if key:
                self.state.idempotency[(token.account_id, key)] = status["id"]
            self.state.account["statuses_count"] += 1
        self._json(200, status)

    def _status_problem(self, form: dict[str, list[str]]) -> tuple[int, dict[str, str]] | None:
        text = (form.get("status") or [""])[-1]
        spoiler = (form.get("spoiler_text") or [""])[-1]
        media_ids = form.get("media_ids[]") or []
        reply_to = (form.get("in_reply_to_id") or [""])[-1]
        if not text.strip() and not media_ids:
            return 422, {"error": "Validation failed: Text can't be blank"}
        length = mastodon_text.status_length(text, self.state.url_length, spoiler)
        if length > self.state.max_characters:
            limit = self.state.max_characters
            return 422, {"error": f"Validation failed: Text character limit of {limit} exceeded"}
        if len(media_ids) > self.state.max_media:
            return 422, {"error": "Validation failed: Media attachments are too many"}
        for media_id in media_ids:
            media = self.state.media.get(media_id)
            if media is None:
                return 422, {"error": "Validation failed: Media attachments are invalid"}
            if media["url"] is None:
                return 422, {"error": MEDIA_NOT_READY}
        if reply_to and reply_to not in self.state.statuses:
            return 404, {"error": NOT_FOUND}
        visibility = (form.get("visibility") or ["public"])[-1]
        if visibility not in ("public", "unlisted", "private", "direct"):
            return 422, {"error": "Validation failed: Visibility is not included in the list"}
        return None

    def _new_status(self, form: dict[str, list[str]]) -> dict[str, Any]:
        status_id = self.state.next_id()

        def one(name: str, default: str | None = None) -> str | None:
            values = form.get(name) or []
            return values[-1] if values and values[-1] else default

        return {
            "id": status_id,
            "created_at": datetime.now(UTC).isoformat(),
            "in_reply_to_id": one("in_reply_to_id"),
            "sensitive": one("sensitive") == "1",
            "spoiler_text": one("spoiler_text", ""),
            "visibility": one("visibility", "public"),
            "language": one("language", "en"),
            "uri": f"{self.base}/users/alice/statuses/{status_id}",
            "url": f"{self.base}/@alice/{status_id}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "content": f"<p>{one('status', '')}</p>",
            "text": one("status", ""),
            "account": self._account(),
            "media_attachments": [
                _public(self.state.media[m]) for m in form.get("media_ids[]") or []
            ],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
        }

    def get_status(self, status_id: str) -> None:
        status = self.state.statuses.get(status_id)
        if status is None:
            self._json(404, {"error": NOT_FOUND})
            return
        self._json(200, status)

    def list_statuses(self, _: str) -> None:
        """GET /api/v1/statuses?id[]=… (4.3.0): the statuses that exist, at most 20 asked."""
        if _version(self.state.version) < (4, 3, 0):
            self._json(404, {"error": NOT_FOUND})  # the route does not exist yet
            return
        if "Authorization" in self.headers and self._token("read:statuses") is None:
            return
        ids = list(dict.fromkeys(self.multi_query.get("id[]", [])))
        if len(ids) > 20:
            self._json(422, {"error": "Validation failed"})
            return
        statuses = self.state.statuses
        self._json(200, [statuses[i] for i in ids if i in statuses])

    def account_statuses(self, path: str) -> None:
        """GET /api/v1/accounts/:id/statuses: newest first, paginated by max_id."""
        account_id = self.path.split("?")[0].rstrip("/").split("/")[-2]
        if account_id != self.state.account["id"]:
            self._json(404, {"error": NOT_FOUND})
            return
        if "Authorization" in self.headers and self._token("read:statuses") is None:
            return
        limit = min(int(self.query.get("limit", "20")), 40)
        max_id = int(self.query.get("max_id", "0") or 0)
        own = self.state.account["id"]
        found = []
        for status in sorted(self.state.statuses.values(), key=lambda s: -int(s["id"])):
            if max_id and int(status["id"]) >= max_id:
                continue
            if _truthy(self.query.get("exclude_reblogs")) and status.get("reblog"):
                continue
            reply_to = status.get("in_reply_to_account_id")
            if _truthy(self.query.get("exclude_replies")) and reply_to not in (None, own):
                continue
            found.append(status)
        self._json(200, found[:limit])

    def delete_status(self, status_id: str) -> None:
        if self._token("write:statuses") is None:
            return
        with self.state.lock:
            status = self.state.statuses.pop(status_id, None)
        if status is None:
            self._json(404, {"error": NOT_FOUND})
            return
        self._json(200, status)


def _public(media: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in media.items() if not k.startswith("_")}


def _matches(prefix: str, path: str) -> bool:
    """`prefix` with ":id" standing for one non-empty path segment."""
    pattern = "/".join("[^/]+" if part == ":id" else re.escape(part) for part in prefix.split("/"))
    return re.fullmatch(pattern, path) is not None


def _version(value: str) -> tuple[int, ...]:
    found = re.match(r"(\d+)\.(\d+)\.(\d+)", value)
    return tuple(int(part) for part in found.groups()) if found else (0, 0, 0)


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true")


def _multipart(content_type: str, body: bytes) -> dict[str, dict[str, Any]]:
    """Form fields of a multipart/form-data body: name → {text | data, type}."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, dict[str, Any]] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        fields[str(name)] = {
            "type": part.get_content_type(),
            "data": data,
            "text": data.decode("utf-8", "replace"),
        }
    return fields


ROUTES = (
    ("GET", "/api/v2/instance", MastodonHandler.instance_v2),
    ("GET", "/api/v1/instance", MastodonHandler.instance_v1),
    ("GET", "/.well-known/oauth-authorization-server", MastodonHandler.oauth_metadata),
    ("POST", "/api/v1/apps", MastodonHandler.create_app),
    ("GET", "/oauth/authorize", MastodonHandler.authorize),
    ("POST", "/oauth/token", MastodonHandler.token),
    ("GET", "/api/v1/accounts/verify_credentials", MastodonHandler.verify_credentials),
    ("GET", "/api/v1/accounts/:id/statuses", MastodonHandler.account_statuses),
    ("POST", "/api/v2/media", MastodonHandler.create_media),
    ("GET", "/api/v1/media/:id", MastodonHandler.get_media),
    ("POST", "/api/v1/statuses", MastodonHandler.create_status),
    ("GET", "/api/v1/statuses", MastodonHandler.list_statuses),
    ("GET", "/api/v1/statuses/:id", MastodonHandler.get_status),
    ("DELETE", "/api/v1/statuses/:id", MastodonHandler.delete_status),
)


@contextmanager
def serve(state: MastodonState | None = None) -> Iterator[ThreadingHTTPServer]:
    """A running server with its own state; `server.url`, `server.state`."""
    handler = type("Handler", (MastodonHandler,), {"state": state or MastodonState()})
    with running_server(handler) as server:
        server.state = handler.state  # type: ignore[attr-defined]
        yield server
