"""A local, stateful VK API written from dev.vk.com and VK's API schema (5.199).

Methods: users.get, account.getAppPermissions, groups.getById, groups.getTokenPermissions,
wall.post (with `guid` dedupe), wall.delete, wall.getById (many posts a call), wall.get
(filter owner, offset/count up to 100, the pinned post first), photos.getWallUploadServer, the
upload endpoint (multipart field "photo"), photos.saveWallPhoto and stats.getPostReach (up to
30 posts a call, reach set per post with `state.set_reach`; a key without the stats right,
or `state.stats_error`, gets VK's refusal). Errors come back the way
VK sends them: HTTP 200 with {"error": {"error_code", "error_msg", "request_params"}}
(https://dev.vk.com/ru/reference/errors). Methods the schema marks "user" only answer a
community key with error 27, as VK does.

`state.inject(method, ...)` makes the next call of `method` ("*" for any) fail once: with
a VK error code, an HTTP status (429 with Retry-After, 5xx), malformed JSON, or a slow
answer (the call is carried out, then the answer is held back past the client's timeout).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from orkesteri.networks.testing import running_server
from orkesteri.networks.vk import conf

WALL_AND_PHOTOS = conf.RIGHT_WALL | conf.RIGHT_PHOTOS
GROUP_ID = 42
# VK's texts for the errors stats.getPostReach answers a key that may not read statistics
# (VKCOM/vk-api-schema errors.json; the method's own error is 210).
STATS_ERRORS = {
    7: "Permission to perform this action is denied",
    15: "Access denied: no access to call this method",
    27: "Group authorization failed: method is unavailable with group auth.",
    28: "Application authorization failed: method is unavailable with service token.",
    203: "Access to group denied: access to the group is denied.",
    210: "Access to wall's post denied",
}


@dataclass
class Token:
    user_id: int | None  # None: a community key
    mask: int = WALL_AND_PHOTOS | conf.RIGHT_STATS
    revoked: bool = False


@dataclass
class Group:
    id: int
    name: str
    screen_name: str
    members_count: int
    admins: dict[int, int]  # user id → admin_level (1 moderator, 2 editor, 3 administrator)
    deactivated: str = ""


@dataclass
class Injection:
    method: str
    code: int = 0
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    malformed: bool = False
    delay: float = 0.0


class VkState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.base_url = ""
        self.tokens = {
            "alice-key": Token(1),
            "revoked-key": Token(1, revoked=True),
            "no-wall-key": Token(1, mask=conf.RIGHT_PHOTOS),
            "no-photos-key": Token(1, mask=conf.RIGHT_WALL),
            "no-stats-key": Token(1, mask=WALL_AND_PHOTOS),
            "charlie-key": Token(3),  # a moderator only
            "bob-key": Token(2),  # not a manager at all
            "community-key": Token(None),
        }
        self.groups = {
            GROUP_ID: Group(GROUP_ID, "Orkesteri Friends", "orkfriends", 1234, {1: 3, 3: 1}),
            7: Group(7, "Gone", "gonegroup", 0, {1: 3}, deactivated="deleted"),
        }
        self.posts: dict[tuple[int, int], dict[str, Any]] = {}
        self.guids: dict[tuple[int, str], int] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.photos: dict[int, dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.injections: list[Injection] = []
        self.reach: dict[tuple[int, int], dict[str, int]] = {}
        self.stats_error = 0  # a code of STATS_ERRORS: stats.getPostReach refuses every key
        self._ids = itertools.count(1)

    def inject(self, method: str, **kwargs: Any) -> None:
        self.injections.append(Injection(method, **kwargs))

    def take_injection(self, method: str) -> Injection | None:
        for injection in self.injections:
            if injection.method in (method, "*"):
                self.injections.remove(injection)
                return injection
        return None

    def next_id(self) -> int:
        return next(self._ids)

    def params_of(self, method: str) -> list[dict[str, str]]:
        return [params for name, params in self.calls if name == method]

    def set_reach(self, remote_id: str, total: int, subscribers: int = 0, viral: int = 0) -> None:
        """What stats.getPostReach says of the post "<owner_id>_<post_id>"."""
        owner, _sep, post = remote_id.rpartition("_")
        self.reach[(int(owner), int(post))] = {
            "reach_total": total,
            "reach_subscribers": subscribers,
            "reach_viral": viral,
        }

    def add_post(self, text: str, date: int, **fields: Any) -> dict[str, Any]:
        """A post on the community wall made elsewhere (by the community unless `from_id`)."""
        post_id = self.next_id()
        post = {
            "id": post_id,
            "owner_id": -GROUP_ID,
            "from_id": -GROUP_ID,
            "date": date,
            "post_type": "post",
            "text": text,
            "attachments": [],
            "likes": {"count": 0},
            "reposts": {"count": 0},
            "comments": {"count": 0},
            "views": {"count": 0},
            **fields,
        }
        self.posts[(-GROUP_ID, post_id)] = post
        return post


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


USER_ONLY = {
    "account.getAppPermissions",
    "wall.post",
    "wall.delete",
    "photos.getWallUploadServer",
    "photos.saveWallPhoto",
    "stats.getPostReach",
}


class VkHandler(BaseHTTPRequestHandler):
    server: Any

    @property
    def state(self) -> VkState:
        return self.server.state  # type: ignore[no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        if path.startswith("/upload/"):
            self._answer(200, self._upload(path.rsplit("/", 1)[-1], body))
            return
        method = path.removeprefix("/method/")
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        with self.state.lock:
            self.state.calls.append((method, params))
            injection = self.state.take_injection(method)
        if injection and self._inject_before(injection, params):
            return
        try:
            with self.state.lock:
                payload: Any = {"response": self._dispatch(method, params)}
        except ApiError as exc:
            payload = self._error(exc.code, exc.message, method, params)
        if injection and injection.delay:
            time.sleep(injection.delay)  # done, but answered after the client gave up
        self._answer(200, payload)

    do_GET = do_POST

    # injected failures

    def _inject_before(self, injection: Injection, params: dict[str, str]) -> bool:
        if injection.code:
            self._answer(200, self._error(injection.code, "Injected", injection.method, params))
        elif injection.status:
            self._answer(injection.status, {"error": "injected"}, injection.headers)
        elif injection.malformed:
            self._raw(200, b'{"response": {"post_id": ', "application/json")
        else:
            return False
        return True

    # answering

    def _answer(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(status, json.dumps(payload).encode(), "application/json", headers)

    def _raw(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    @staticmethod
    def _error(code: int, message: str, method: str, params: dict[str, str]) -> dict[str, Any]:
        request_params = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
        request_params += [{"key": k, "value": v} for k, v in params.items() if k == "v"]
        return {
            "error": {"error_code": code, "error_msg": message, "request_params": request_params}
        }

    # the API

    def _token(self, params: dict[str, str]) -> Token:
        auth = self.headers.get("Authorization", "")
        key = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        token = self.state.tokens.get(key or params.get("access_token", ""))
        if token is None or token.revoked:
            raise ApiError(5, "User authorization failed: invalid access_token (4).")
        return token

    def _dispatch(self, method: str, params: dict[str, str]) -> Any:
        if params.get("v") != conf.API_VERSION:
            raise ApiError(8, "Invalid request: v (version) is required")
        token = self._token(params)
        if method in USER_ONLY and token.user_id is None:
            raise ApiError(27, "Group authorization failed: method is unavailable with group auth.")
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            raise ApiError(3, "Unknown method passed")
        return handler(token, params)

    def _m_users_get(self, token: Token, params: dict[str, str]) -> Any:
        if token.user_id is None:
            return []
        return [{"id": token.user_id, "first_name": "Alice", "last_name": "Admin"}]

    def _m_account_getAppPermissions(self, token: Token, params: dict[str, str]) -> Any:
        if params.get("user_id") != str(token.user_id):
            raise ApiError(15, "Access denied")
        return token.mask

    def _m_groups_getTokenPermissions(self, token: Token, params: dict[str, str]) -> Any:
        if token.user_id is not None:
            raise ApiError(15, "Access denied: method is available only with group auth")
        return {"mask": 4, "settings": [{"name": "photos", "setting": 4}]}

    def _group(self, value: str) -> Group:
        for group in self.state.groups.values():
            if value in (str(group.id), group.screen_name):
                return group
        raise ApiError(100, "One of the parameters specified was missing or invalid: group_id")

    def _m_groups_getById(self, token: Token, params: dict[str, str]) -> Any:
        group = self._group(params.get("group_id", ""))
        item: dict[str, Any] = {
            "id": group.id,
            "name": group.name,
            "screen_name": group.screen_name,
            "is_closed": 0,
            "type": "page",
        }
        if group.deactivated:
            item["deactivated"] = group.deactivated
        level = group.admins.get(token.user_id or 0, 0)
        item["is_admin"] = 1 if level else 0
        if level:
            item["admin_level"] = level
        if "members_count" in params.get("fields", ""):
            item["members_count"] = group.members_count
        return {"groups": [item], "profiles": []}

    def _manager_of(self, token: Token, group_id: int) -> None:
        group = self.state.groups.get(group_id)
        if group is None:
            raise ApiError(100, "One of the parameters specified was missing or invalid")
        if group.admins.get(token.user_id or 0, 0) < conf.MIN_ADMIN_LEVEL:
            raise ApiError(15, "Access denied: you are not an editor of this community")

    def _m_wall_post(self, token: Token, params: dict[str, str]) -> Any:
        if not token.mask & conf.RIGHT_WALL:
            raise ApiError(7, "Permission to perform this action is denied")
        owner_id = int(params.get("owner_id", "0"))
        self._manager_of(token, -owner_id)
        guid = params.get("guid", "")
        if guid and (owner_id, guid) in self.state.guids:
            return {"post_id": self.state.guids[(owner_id, guid)]}
        message, attachments = params.get("message", ""), params.get("attachments", "")
        if not message and not attachments:
            raise ApiError(100, "One of the parameters specified was missing or invalid: message")
        for attachment in filter(None, attachments.split(",")):
            self._check_attachment(attachment)
        post_id = self.state.next_id()
        self.state.posts[(owner_id, post_id)] = {
            "id": post_id,
            "owner_id": owner_id,
            "from_id": owner_id if params.get("from_group") == "1" else token.user_id,
            "date": int(time.time()),
            "post_type": "post",
            "text": message,
            "attachments": attachments,
            "likes": {"count": 5},
            "reposts": {"count": 2},
            "comments": {"count": 3},
            "views": {"count": 100},
        }
        if guid:
            self.state.guids[(owner_id, guid)] = post_id
        return {"post_id": post_id}

    def _check_attachment(self, attachment: str) -> None:
        if attachment.startswith("photo"):
            owner, _sep, photo_id = attachment.removeprefix("photo").partition("_")
            photo = self.state.photos.get(int(photo_id or 0))
            if photo is None or str(photo["owner_id"]) != owner:
                raise ApiError(100, "One of the parameters specified was missing or invalid")

    def _m_wall_delete(self, token: Token, params: dict[str, str]) -> Any:
        owner_id = int(params.get("owner_id", "0"))
        self._manager_of(token, -owner_id)
        if self.state.posts.pop((owner_id, int(params.get("post_id", "0"))), None) is None:
            raise ApiError(104, "Not found")
        return 1

    def _m_wall_getById(self, token: Token, params: dict[str, str]) -> Any:
        items = []
        for ref in params.get("posts", "").split(","):
            owner, _sep, post = ref.rpartition("_")
            post_item = self.state.posts.get((int(owner or 0), int(post or 0)))
            if post_item:
                items.append(_view(post_item))
        return {"items": items}

    def _m_wall_get(self, token: Token, params: dict[str, str]) -> Any:
        owner_id = int(params.get("owner_id", "0"))
        count, offset = int(params.get("count", "20")), int(params.get("offset", "0"))
        if not 0 <= count <= 100:
            raise ApiError(100, "One of the parameters specified was missing or invalid: count")
        posts = [p for (owner, _id), p in self.state.posts.items() if owner == owner_id]
        if params.get("filter") == "owner":
            posts = [p for p in posts if p["from_id"] == owner_id]
        posts.sort(key=lambda p: (not p.get("is_pinned"), -p["id"]))
        return {"count": len(posts), "items": [_view(p) for p in posts[offset : offset + count]]}

    def _m_photos_getWallUploadServer(self, token: Token, params: dict[str, str]) -> Any:
        if not token.mask & conf.RIGHT_PHOTOS:
            raise ApiError(7, "Permission to perform this action is denied")
        group_id = int(params.get("group_id", "0"))
        self._manager_of(token, group_id)
        upload_id = str(self.state.next_id())
        self.state.uploads[upload_id] = {"group_id": group_id, "data": None}
        return {
            "album_id": -14,
            "upload_url": f"{self.state.base_url}/upload/{upload_id}",
            "user_id": token.user_id,
        }

    def _upload(self, upload_id: str, body: bytes) -> dict[str, Any]:
        fields = _multipart(self.headers.get("Content-Type", ""), body)
        with self.state.lock:
            upload = self.state.uploads.get(upload_id)
            if upload is None or "photo" not in fields:
                return {"server": 1, "photo": "[]", "hash": ""}
            upload["data"] = fields["photo"]
        photo = json.dumps([{"photo": f"up{upload_id}:w", "sizes": []}])
        return {"server": 856312, "photo": photo, "hash": f"hash{upload_id}"}

    def _m_photos_saveWallPhoto(self, token: Token, params: dict[str, str]) -> Any:
        upload_id = params.get("hash", "").removeprefix("hash")
        upload = self.state.uploads.get(upload_id)
        if upload is None or upload["data"] is None or params.get("server") != "856312":
            raise ApiError(121, "Invalid hash")
        if str(upload["group_id"]) != params.get("group_id"):
            raise ApiError(100, "One of the parameters specified was missing or invalid")
        photo_id = self.state.next_id()
        photo = {"id": photo_id, "owner_id": -upload["group_id"], "album_id": -14}
        self.state.photos[photo_id] = {**photo, "data": upload["data"]}
        return [photo]

    def _m_stats_getPostReach(self, token: Token, params: dict[str, str]) -> Any:
        """A list of stats_wallpost_stat objects (VKCOM/vk-api-schema stats/objects.json), one
        per asked post on the wall; posts not on the wall are left out."""
        if self.state.stats_error:
            code = self.state.stats_error
            raise ApiError(code, STATS_ERRORS.get(code, "Access denied"))
        if not token.mask & conf.RIGHT_STATS:
            raise ApiError(7, STATS_ERRORS[7])
        owner_id = int(params.get("owner_id", "0"))
        if owner_id >= 0:
            raise ApiError(100, "One of the parameters specified was missing or invalid: owner_id")
        self._manager_of(token, -owner_id)
        post_ids = [int(p) for p in params.get("post_ids", "").split(",") if p]
        if not post_ids or len(post_ids) > conf.POST_REACH_BATCH:
            raise ApiError(100, "One of the parameters specified was missing or invalid: post_ids")
        return [
            _wallpost_stat(post_id, self.state.reach.get((owner_id, post_id), {}))
            for post_id in post_ids
            if (owner_id, post_id) in self.state.posts
        ]


def _wallpost_stat(post_id: int, reach: dict[str, int]) -> dict[str, int]:
    counters = ("hide", "join_group", "links", "report", "to_group", "unsubscribe", "reach_ads")
    return {
        "post_id": post_id,
        "reach_total": 0,
        "reach_subscribers": 0,
        "reach_viral": 0,
        **{name: 0 for name in counters},
        **reach,
    }


def _view(post: dict[str, Any]) -> dict[str, Any]:
    """A stored post as VK answers it: attachments as objects
    (https://dev.vk.com/reference/objects/attachments-wall), not wall.post's string."""
    attachments = post.get("attachments")
    if not isinstance(attachments, str):
        return dict(post)
    objects: list[dict[str, Any]] = []
    for attachment in filter(None, attachments.split(",")):
        if attachment.startswith("photo"):
            owner, _sep, photo_id = attachment.removeprefix("photo").partition("_")
            photo = {"id": int(photo_id), "owner_id": int(owner)}
            objects.append({"type": "photo", "photo": photo})
        else:
            objects.append({"type": "link", "link": {"url": attachment, "title": attachment}})
    return {**post, "attachments": objects}


def _multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    if not content_type.startswith("multipart/form-data"):
        return {}
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    found = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True)
            found[str(name)] = payload if isinstance(payload, bytes) else b""
    return found


@contextmanager
def running_vk() -> Iterator[tuple[ThreadingHTTPServer, VkState]]:
    state = VkState()
    handler = type("Handler", (VkHandler,), {})
    with running_server(handler) as server:
        server.state = state  # type: ignore[attr-defined]
        state.base_url = server.url  # type: ignore[attr-defined]
        yield server, state
