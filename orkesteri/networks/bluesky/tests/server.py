"""A small stateful XRPC server for the answers a real PDS will not give on demand.

Everything a PDS does in the ordinary way is tested against the real local AT Protocol
network (conftest.py). This server exists for the rest: 429 with rate-limit headers, 5xx,
slow answers, malformed JSON, expired and revoked sessions, a PDS with no AppView, and counts
and feeds a test sets at will (the AppView part: app.bsky.actor.getProfile,
app.bsky.feed.getPosts, app.bsky.feed.getAuthorFeed, written from their lexicons). It
follows the XRPC conventions (https://atproto.com/specs/xrpc): GET for queries, POST for
procedures, errors as {"error": name, "message": text}, and the behaviour of the reference
PDS observed on the local network (a second createRecord at the same key answers 500;
an unknown identifier or wrong password answers 401 "Invalid identifier or password").
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from orkesteri.networks.testing import running_server

HANDLE = "alice.test"
DID = "did:plc:alicealicealice"
PASSWORD = "abcd-efgh-ijkl-mnop"
POST = "app.bsky.feed.post"


def jwt(subject: str, scope: str, expires_in: float, serial: int) -> str:
    """A token shaped like the PDS's: the SDK reads `exp` from it to decide when to refresh."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    payload = {
        "scope": scope,
        "sub": subject,
        "iat": int(time.time()),
        "exp": int(time.time() + expires_in),
        "jti": str(serial),
    }
    return f"{part({'typ': 'at+jwt', 'alg': 'HS256'})}.{part(payload)}.c2lnbmF0dXJl"


@dataclass
class Failure:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class State:
    password: str = PASSWORD
    access_ttl: float = 7200.0
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    blobs: int = 0
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    sessions_created: int = 0
    refreshes: int = 0
    serial: int = 0
    has_appview: bool = True
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    # The AppView's view: profile counts, per-post counts, posts it has not indexed yet,
    # reposts of other accounts' posts in the author feed, and every query it was asked.
    followers: int = 7
    follows: int = 3
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    unindexed: set[str] = field(default_factory=set)
    reposts: list[dict[str, Any]] = field(default_factory=list)
    queries: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)

    def fail(
        self,
        nsid: str,
        status: int,
        body: dict[str, Any] | bytes | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """The next call of `nsid` answers `status` with `body` (after `delay` seconds)."""
        raw = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
        self.failures.setdefault(nsid, []).append(Failure(status, raw, headers or {}, delay))

    def new_session(self) -> dict[str, Any]:
        self.serial += 1
        access = jwt(DID, "com.atproto.appPass", self.access_ttl, self.serial)
        refresh = jwt(DID, "com.atproto.refresh", 90 * 86400, self.serial)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {"accessJwt": access, "refreshJwt": refresh, "handle": HANDLE, "did": DID}

    def revoke_sessions(self) -> None:
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    def add_post(
        self,
        text: str,
        created_at: str,
        embed: dict[str, Any] | None = None,
        reply: dict[str, Any] | None = None,
        counts: dict[str, int] | None = None,
    ) -> str:
        """A post already in the repository (published elsewhere); returns its URI."""
        self.serial += 1
        uri = f"at://{DID}/{POST}/3kseed{self.serial:07d}"
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": created_at}
        if embed is not None:
            record["embed"] = embed
        if reply is not None:
            record["reply"] = reply
        self.records[uri] = {"cid": f"bafyreiseed{self.serial}", "value": record}
        if counts is not None:
            self.counts[uri] = counts
        return uri

    def add_repost(self, text: str, reposted_at: str) -> None:
        """Someone else's post that the account reposted: it shows in the author feed."""
        self.serial += 1
        uri = f"at://did:plc:bobbobbobbob/{POST}/3kother{self.serial:06d}"
        post = {
            "uri": uri,
            "cid": f"bafyreiother{self.serial}",
            "author": {"did": "did:plc:bobbobbobbob", "handle": "bob.test"},
            "record": {"$type": POST, "text": text, "createdAt": reposted_at},
            "indexedAt": reposted_at,
        }
        reason = {
            "$type": "app.bsky.feed.defs#reasonRepost",
            "by": {"did": DID, "handle": HANDLE},
            "indexedAt": reposted_at,
        }
        self.reposts.append({"post": post, "reason": reason, "sortAt": reposted_at})


def session_string(state: State, server_url: str) -> str:
    """What connect() would have saved: the SDK's session string for a fresh session."""
    tokens = state.new_session()
    fields = [HANDLE, DID, tokens["accessJwt"], tokens["refreshJwt"], server_url]
    return ":::".join(fields)


def error(name: str, message: str) -> dict[str, str]:
    return {"error": name, "message": message}


class Handler(BaseHTTPRequestHandler):
    state: State
    multi_query: dict[str, list[str]]

    def do_GET(self) -> None:
        self._handle({})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        is_json = "json" in (self.headers.get("Content-Type") or "")
        self._handle(json.loads(raw) if is_json and raw else {"_bytes": raw})

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self, body: dict[str, Any]) -> None:
        parts = urlsplit(self.path)
        nsid = parts.path.removeprefix("/xrpc/")
        multi = parse_qs(parts.query)
        self.multi_query = multi
        self.state.queries.append((nsid, multi))
        query = {key: values[0] for key, values in multi.items()}
        queued = self.state.failures.get(nsid)
        if queued:
            failure = queued.pop(0)
            time.sleep(failure.delay)
            self._send(failure.status, failure.body, failure.headers)
            return
        method = getattr(self, "x_" + nsid.replace(".", "_"), None)
        if method is None:
            self._json(501, error("MethodNotImplemented", f"Method Not Implemented: {nsid}"))
            return
        method(query, body)

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: dict[str, Any]) -> None:
        self._send(status, json.dumps(value).encode())

    def _token(self) -> str:
        return (self.headers.get("Authorization") or "").removeprefix("Bearer ")

    def _authed(self) -> bool:
        if self._token() in self.state.access_tokens:
            return True
        self._json(400, error("ExpiredToken", "Token has expired"))
        return False

    # com.atproto.server

    def x_com_atproto_server_describeServer(self, query: dict[str, str], body: Any) -> None:
        self._json(200, {"did": "did:web:fake.test", "availableUserDomains": [".test"]})

    def x_com_atproto_server_createSession(self, query: dict[str, str], body: Any) -> None:
        known = body.get("identifier") in (HANDLE, DID)
        if not known or body.get("password") != self.state.password:
            self._json(401, error("AuthenticationRequired", "Invalid identifier or password"))
            return
        self.state.sessions_created += 1
        self._json(200, self.state.new_session())

    def x_com_atproto_server_refreshSession(self, query: dict[str, str], body: Any) -> None:
        token = self._token()
        if token not in self.state.refresh_tokens:
            self._json(400, error("ExpiredToken", "Token has been revoked"))
            return
        self.state.refresh_tokens.discard(token)
        self.state.refreshes += 1
        self._json(200, self.state.new_session())

    def x_com_atproto_server_getSession(self, query: dict[str, str], body: Any) -> None:
        if self._authed():
            self._json(200, {"handle": HANDLE, "did": DID, "active": True})

    # com.atproto.identity and repo

    def x_com_atproto_identity_resolveHandle(self, query: dict[str, str], body: Any) -> None:
        if query.get("handle") == HANDLE:
            self._json(200, {"did": DID})
        else:
            self._json(400, error("HandleNotFound", "Unable to resolve handle"))

    def x_com_atproto_repo_uploadBlob(self, query: dict[str, str], body: Any) -> None:
        if not self._authed():
            return
        self.state.blobs += 1
        blob = {
            "$type": "blob",
            "ref": {"$link": f"bafkreifakeblob{self.state.blobs}"},
            "mimeType": self.headers.get("Content-Type") or "application/octet-stream",
            "size": len(body.get("_bytes", b"")),
        }
        self._json(200, {"blob": blob})

    def x_com_atproto_repo_createRecord(self, query: dict[str, str], body: Any) -> None:
        if not self._authed():
            return
        uri = f"at://{body['repo']}/{body['collection']}/{body['rkey']}"
        if uri in self.state.records:
            self._json(500, error("InternalServerError", "Internal Server Error"))
            return
        cid = f"bafyreifake{len(self.state.records)}"
        self.state.records[uri] = {"cid": cid, "value": body["record"]}
        self._json(200, {"uri": uri, "cid": cid})

    def x_com_atproto_repo_getRecord(self, query: dict[str, str], body: Any) -> None:
        uri = f"at://{query['repo']}/{query['collection']}/{query['rkey']}"
        stored = self.state.records.get(uri)
        if stored is None:
            self._json(400, error("RecordNotFound", f"Could not locate record: {uri}"))
            return
        self._json(200, {"uri": uri, "cid": stored["cid"], "value": stored["value"]})

    def x_com_atproto_repo_deleteRecord(self, query: dict[str, str], body: Any) -> None:
        if self._authed():
            uri = f"at://{body['repo']}/{body['collection']}/{body['rkey']}"
            self.state.records.pop(uri, None)
            self._json(200, {})

    # app.bsky (the AppView, proxied by the PDS)

    def x_app_bsky_actor_getProfile(self, query: dict[str, str], body: Any) -> None:
        if self._authed() and self._appview("app.bsky.actor.getProfile"):
            posts = sum(1 for uri in self.state.records if uri.startswith(f"at://{DID}/{POST}/"))
            self._json(
                200,
                {
                    "did": DID,
                    "handle": HANDLE,
                    "followersCount": self.state.followers,
                    "followsCount": self.state.follows,
                    "postsCount": posts,
                },
            )

    def x_app_bsky_feed_getPosts(self, query: dict[str, str], body: Any) -> None:
        if not (self._authed() and self._appview("app.bsky.feed.getPosts")):
            return
        uris = self.multi_query.get("uris", [])
        if len(uris) > 25:  # lexicons/app/bsky/feed/getPosts.json: uris maxLength 25
            self._json(400, error("InvalidRequest", "uris must not have more than 25 elements"))
            return
        views = (self._post_view(uri) for uri in uris)
        self._json(200, {"posts": [view for view in views if view is not None]})

    def x_app_bsky_feed_getAuthorFeed(self, query: dict[str, str], body: Any) -> None:
        """Newest first; filter posts_no_replies leaves replies out; reposts come with a
        reason; the cursor is opaque (here: how many items were already given)."""
        if not (self._authed() and self._appview("app.bsky.feed.getAuthorFeed")):
            return
        limit = int(query.get("limit", "50"))
        if not 1 <= limit <= 100:
            self._json(400, error("InvalidRequest", "limit must be between 1 and 100"))
            return
        items = list(self.state.reposts)
        for uri, stored in self.state.records.items():
            view = self._post_view(uri)
            replies = query.get("filter") == "posts_no_replies" and "reply" in stored["value"]
            if view is not None and not replies:
                items.append({"post": view, "sortAt": stored["value"]["createdAt"]})
        items.sort(key=lambda item: str(item["sortAt"]), reverse=True)
        start = int(query.get("cursor", "0"))
        page = items[start : start + limit]
        answer: dict[str, Any] = {
            "feed": [{k: v for k, v in item.items() if k != "sortAt"} for item in page]
        }
        if start + limit < len(items):
            answer["cursor"] = str(start + limit)
        self._json(200, answer)

    def _post_view(self, uri: str) -> dict[str, Any] | None:
        stored = self.state.records.get(uri)
        if stored is None or uri in self.state.unindexed:
            return None
        counts = self.state.counts.get(uri, {})
        view = {
            "uri": uri,
            "cid": stored["cid"],
            "author": {"did": DID, "handle": HANDLE},
            "record": stored["value"],
            "indexedAt": "2025-01-01T00:00:00.000Z",
            "likeCount": counts.get("likes", 2),
            "repostCount": counts.get("reposts", 1),
            "replyCount": counts.get("replies", 0),
            "quoteCount": counts.get("quotes", 0),
        }
        embed = _embed_view(stored["value"].get("embed"))
        if embed is not None:
            view["embed"] = embed
        return view

    def _appview(self, nsid: str) -> bool:
        if not self.state.has_appview:
            self._json(400, error("InvalidRequest", f"No service configured for {nsid}"))
        return self.state.has_appview


def _embed_view(embed: dict[str, Any] | None) -> dict[str, Any] | None:
    """The AppView's view of a record's embed (app.bsky.embed.*#view)."""
    if embed is None:
        return None
    kind = embed.get("$type")
    cdn = "https://cdn.example/img"
    if kind == "app.bsky.embed.images":
        images = [
            {
                "thumb": f"{cdn}/thumb/{n}",
                "fullsize": f"{cdn}/full/{n}",
                "alt": image.get("alt", ""),
            }
            for n, image in enumerate(embed["images"])
        ]
        return {"$type": "app.bsky.embed.images#view", "images": images}
    if kind == "app.bsky.embed.video":
        return {
            "$type": "app.bsky.embed.video#view",
            "cid": "bafkreivideo",
            "playlist": "https://video.example/playlist.m3u8",
        }
    if kind == "app.bsky.embed.external":
        external = embed["external"]
        return {
            "$type": "app.bsky.embed.external#view",
            "external": {
                "uri": external["uri"],
                "title": external.get("title", ""),
                "description": external.get("description", ""),
            },
        }
    return None


class FakePds:
    """One running server; `reset()` gives it a fresh state (cheaper than a new server)."""

    def __init__(self, url: str, handler: type[Handler]) -> None:
        self.url = url
        self._handler = handler

    def reset(self) -> State:
        self._handler.state = State()
        return self._handler.state


@contextmanager
def fake_pds() -> Iterator[FakePds]:
    handler = type("FakePdsHandler", (Handler,), {"state": State()})
    with running_server(handler) as server:
        yield FakePds(server.url, handler)  # type: ignore[attr-defined]
