"""VK: posts on a community wall, as the community, with a community editor's user key.

A thin client on lib/http (no SDK). Every call is a POST to `conf.API_BASE_URL + method`
with `v` pinned and the key in the Authorization header
(https://dev.vk.com/ru/api/api-requests). VK answers errors with HTTP 200 and a body
{"error": {"error_code", "error_msg", "request_params"}}; `_vk_error` maps the codes of
https://dev.vk.com/ru/reference/errors onto the adapter errors.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from time import monotonic, sleep
from typing import Any

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orkesteri.lib import http
from orkesteri.networks.base import (
    Adapter,
    AdapterError,
    AuthExpired,
    Connection,
    Counts,
    Draft,
    Feature,
    Image,
    Limits,
    RateLimited,
    Receipt,
    Rejected,
    RemotePost,
    Samples,
    Unsupported,
    generic_problems,
    web_url,
)
from orkesteri.networks.vk import conf
from orkesteri.networks.vk.forms import ConnectForm

# Errors the request may have reached VK before (the post may exist): only then is an
# unknown outcome possible.
_MAYBE_SENT = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.TooManyRedirects,
)
_ACCESS_CODES = {7, 15, 200, 203}  # permission / access denied (errors.json)
_POST_REFUSED_CODES = {214, 219, 220, 222, 224, 225}  # wall.post's own errors (schema)
_UPLOAD_CODES = {22, 105, 114, 118, 121, 122, 129}  # upload and photo parameters
_BAD_PARAM_CODES = {100, 113, 125}
_NOT_FOUND = 104
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif"}


def _needs_user_key() -> str:
    return _(
        "This is a community key. VK lets only the key of a person who is an administrator "
        "or editor of the community post on its wall. Create a user key as described above "
        "and connect again."
    )


def _vk_error(error: Mapping[str, Any]) -> AdapterError:
    """The adapter error for one of VK's documented error codes."""
    try:
        code = int(error.get("error_code") or 0)
    except (TypeError, ValueError):
        code = 0
    detail = str(error.get("error_msg") or "")[:300]
    if code == 5:
        return AuthExpired(
            _(
                "VK no longer accepts this channel's access key (it was revoked, expired or "
                "the account's password changed). Get a new key and reconnect the channel."
            )
        )
    if code == 27:
        return AuthExpired(_needs_user_key())
    if code in (17, 28, 703):
        return AuthExpired(
            _(
                "VK wants the account owner to act first (%(detail)s): log in to vk.com "
                "with that account, confirm what VK asks, then reconnect the channel."
            )
            % {"detail": detail}
        )
    if code in conf.RETRY_AFTER_S:
        return RateLimited(
            _("VK asks Orkesteri to slow down (%(detail)s). It will try again later.")
            % {"detail": detail},
            retry_after=conf.RETRY_AFTER_S[code],
        )
    if code == 14:
        return AdapterError(
            _(
                "VK wants a captcha solved before it takes more posts from this account. "
                "Orkesteri cannot solve captchas: publish this post yourself on vk.com, or "
                "wait a few hours and try again."
            ),
            permanent=True,
        )
    if code in _ACCESS_CODES:
        return AuthExpired(
            _(
                "VK denied access (%(detail)s). Check that the VK account is still an "
                "administrator or editor of the community and that its key has the rights "
                "wall and photos, then reconnect the channel."
            )
            % {"detail": detail}
        )
    # VK's own text for 214 at the daily cap: "Access to adding post denied: you can only
    # add 50 posts a day" (quoted in vknet/vk#597).
    if code in _POST_REFUSED_CODES:
        return Rejected(
            _(
                "VK did not take the post on the community wall (%(detail)s). A community "
                "can publish at most 50 posts a day, and VK may forbid links or ads there."
            )
            % {"detail": detail}
        )
    if code in _UPLOAD_CODES:
        return Rejected(_("VK did not accept an image (%(detail)s).") % {"detail": detail})
    if code in _BAD_PARAM_CODES:
        return Rejected(_("VK refused the request as invalid (%(detail)s).") % {"detail": detail})
    return AdapterError(
        _("VK reported an error (%(code)s: %(detail)s). Try again later.")
        % {"code": code, "detail": detail}
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if re.fullmatch(r"[0-9]{1,9}", value) else None


def _int(value: Any) -> int | None:
    """A whole number from an answer field, or None if VK sent something else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,19}", value):
        return int(value)
    return None


def _send(url: str, *, write: bool = False, **kwargs: Any) -> httpx.Response:
    """POST through lib/http, turning every transport failure into an AdapterError."""
    try:
        with http.client() as client:
            response = client.post(url, **kwargs)
    except http.BlockedAddress as exc:
        raise AdapterError(
            _("Orkesteri may not connect to %(url)s: %(reason)s") % {"url": url, "reason": exc},
            permanent=True,
        ) from exc
    except _MAYBE_SENT as exc:
        raise AdapterError(
            _(
                "VK did not answer in time. The request may have gone through; check the "
                "community wall before publishing again."
            ),
            unknown_outcome=True,
        ) from exc
    except httpx.HTTPError as exc:
        raise AdapterError(
            _("Could not reach VK. Check the server's internet connection and try again later.")
        ) from exc
    except httpx.InvalidURL as exc:  # e.g. an upload_url in VK's answer that is not a URL
        raise AdapterError(_("VK sent an address Orkesteri cannot use. Try again later.")) from exc
    _check_status(response, write)
    return response


def _check_status(response: httpx.Response, write: bool) -> None:
    if response.status_code == 429:
        raise RateLimited(
            _("VK asks Orkesteri to slow down. It will try again later."),
            retry_after=_retry_after(response),
        )
    if response.status_code >= 500:
        raise AdapterError(
            _("VK is having trouble (HTTP %(status)s). Try again later.")
            % {"status": response.status_code},
            unknown_outcome=write,
        )
    if response.status_code != 200:
        raise AdapterError(
            _("VK answered with an unexpected HTTP %(status)s. Try again later.")
            % {"status": response.status_code}
        )


def _json(response: httpx.Response, write: bool = False) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise AdapterError(
            _("VK sent an answer Orkesteri cannot read. Try again later."),
            unknown_outcome=write,
        ) from exc
    if not isinstance(body, dict):
        raise AdapterError(
            _("VK sent an answer Orkesteri cannot read. Try again later."),
            unknown_outcome=write,
        )
    return body


def call(
    token: str,
    method: str,
    params: Mapping[str, Any],
    *,
    write: bool = False,
    tolerate: frozenset[int] = frozenset(),
) -> Any:
    """The `response` of one API method, or None for a tolerated error code."""
    response = _send(
        conf.API_BASE_URL + method,
        write=write,
        data={**params, "v": conf.API_VERSION},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = _json(response, write)
    if isinstance(body.get("error"), Mapping):
        if _int(body["error"].get("error_code")) in tolerate:
            return None
        raise _vk_error(body["error"])
    if "response" not in body:
        raise AdapterError(
            _("VK sent an answer Orkesteri cannot read. Try again later."),
            unknown_outcome=write,
        )
    return body["response"]


def guid_for(key: str) -> str:
    """wall.post's `guid` for a Delivery key: short and plain (see conf.GUID_LENGTH)."""
    return hashlib.sha256(key.encode()).hexdigest()[: conf.GUID_LENGTH]


def _first_group(response: Any) -> Mapping[str, Any] | None:
    # 5.199 answers {"groups": [...], "profiles": [...]}; older versions a bare list.
    groups = response.get("groups") if isinstance(response, Mapping) else response
    if isinstance(groups, list) and groups and isinstance(groups[0], Mapping):
        return groups[0]
    return None


def _items(response: Any) -> list[Any]:
    items = response.get("items") if isinstance(response, Mapping) else response
    return items if isinstance(items, list) else []


class _Pace:
    """Keeps one adapter's reads within VK's requests a second by waiting between them."""

    def __init__(self, per_second: int) -> None:
        self._sent: deque[float] = deque(maxlen=max(per_second, 1))

    def wait(self) -> None:
        if len(self._sent) == self._sent.maxlen:
            delay = self._sent[0] + 1.0 - monotonic()
            if delay > 0:
                sleep(delay)
        self._sent.append(monotonic())


class VkAdapter(Adapter):
    kind = "vk"
    label = gettext_lazy("VK")
    features = frozenset(
        {Feature.PUBLISH, Feature.DELETE, Feature.MEDIA, Feature.LINK_CARD, Feature.METRICS}
    )
    default_limits = Limits(
        text=conf.TEXT_RULES,
        max_images=conf.MAX_IMAGES,
        image_types=conf.IMAGE_TYPES,
        max_image_bytes=conf.MAX_IMAGE_BYTES,
        image_presets=conf.IMAGE_PRESETS,
        rate=conf.PUBLISH_RATE,
    )
    ConnectForm = ConnectForm
    help_text = gettext_lazy(
        "VK only lets a person's key post on a community wall; a community key from the "
        "community's settings will not work.\n"
        "1. Use a VK account that is an administrator or editor of the community.\n"
        "2. Create a Standalone app at vk.com/apps?act=manage (VK now grants the wall right "
        "to new apps only on request to devsupport@corp.vk.com).\n"
        "3. Open https://oauth.vk.com/authorize?client_id=APP_ID&display=page&redirect_uri="
        "https://oauth.vk.com/blank.html&scope=wall,photos,offline&response_type=token"
        "&v=5.199 with your app's number instead of APP_ID and allow access. To also see "
        "each post's reach, write scope=wall,photos,stats,offline instead (VK shows "
        "statistics to the community's administrators).\n"
        "4. Paste the address VK shows (or just the access_token part) below, with the "
        "community's address."
    )
    idempotent = True  # wall.post dedupes by `guid`, derived from the Delivery key
    # A wall post counts likes, reposts, comments and views
    # (https://dev.vk.com/reference/objects/post); comments are our "replies". Reach comes
    # from stats.getPostReach when the key has the stats right (conf.POST_REACH_BATCH).
    post_metrics = frozenset({"likes", "reposts", "replies", "views", "reach"})
    samples_batch = conf.GET_BY_ID_BATCH

    def __init__(self, credentials: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        super().__init__(credentials, config)
        self._pace = _Pace(conf.READS_PER_SECOND)
        self._reach_denied = False  # VK refused statistics to this key: do not ask again

    # connecting

    @classmethod
    def connect(cls, data: Mapping[str, Any]) -> Connection:
        return cls._connection(str(data["access_token"]), str(data["group"]))

    def verify(self) -> Connection:
        return self._connection(self._token, str(self._group_id))

    @classmethod
    def _connection(cls, token: str, group: str) -> Connection:
        mask = cls._token_rights(token)
        found = cls._find_group(token, group)
        level = _int(found.get("admin_level")) or 0
        if not found.get("is_admin") or level < conf.MIN_ADMIN_LEVEL:
            raise AuthExpired(
                _(
                    "The VK account of this key is not an administrator or editor of "
                    "%(name)s, so it cannot post there as the community."
                )
                % {"name": found.get("name") or group}
            )
        group_id = _int(found.get("id"))
        if group_id is None:
            raise AdapterError(_("VK sent an answer Orkesteri cannot read. Try again later."))
        screen_name = str(found.get("screen_name") or f"club{group_id}")
        return Connection(
            account_id=str(group_id),
            display_name=str(found.get("name") or screen_name),
            credentials={"access_token": token},
            config={
                "group_id": group_id,
                "screen_name": screen_name,
                "photos": bool(mask & conf.RIGHT_PHOTOS),
                "stats": bool(mask & conf.RIGHT_STATS),
            },
            url=conf.SITE_URL + screen_name,
        )

    @staticmethod
    def _token_rights(token: str) -> int:
        users = call(token, "users.get", {})
        if not isinstance(users, list) or not users or not isinstance(users[0], Mapping):
            raise AuthExpired(_needs_user_key())
        mask = call(token, "account.getAppPermissions", {"user_id": users[0].get("id")})
        if not isinstance(mask, int) or not mask & conf.RIGHT_WALL:
            raise AuthExpired(
                _(
                    "This VK key lacks the wall right, which posting needs. Get a new key "
                    "with scope=wall,photos,offline and connect again."
                )
            )
        return mask

    @staticmethod
    def _find_group(token: str, group: str) -> Mapping[str, Any]:
        response = call(
            token,
            "groups.getById",
            {"group_id": group, "fields": "members_count"},
            tolerate=frozenset(_BAD_PARAM_CODES),
        )
        found = _first_group(response)
        if found is None or "id" not in found:
            raise Rejected(
                _("VK has no community %(group)s. Check its address.") % {"group": group}
            )
        if found.get("deactivated"):
            raise Rejected(
                _("The VK community %(group)s was deleted or blocked.") % {"group": group}
            )
        return found

    # publishing

    def problems(self, draft: Draft) -> list[str]:
        found = generic_problems(self, draft)
        if draft.images and not self.config.get("photos", True):
            found.append(
                _(
                    "This channel's VK key lacks the photos right, so its posts cannot carry "
                    "images. Reconnect with a key that has it."
                )
            )
        for number, image in enumerate(draft.images, start=1):
            found += _image_shape_problems(number, image)
        return found

    def publish(self, draft: Draft, key: str) -> Receipt:
        if draft.reply_to is not None:
            raise Unsupported(_("VK community posts cannot be replies."))
        problems = self.problems(draft)
        if problems:
            raise Rejected(" ".join(problems))
        attachments = [self._upload(image, n) for n, image in enumerate(draft.images, start=1)]
        if draft.link:
            attachments.append(draft.link)
        params: dict[str, Any] = {
            "owner_id": -self._group_id,
            "from_group": 1,
            "guid": guid_for(key),
        }
        if draft.text:
            params["message"] = draft.text
        if attachments:
            params["attachments"] = ",".join(attachments)
        response = call(self._token, "wall.post", params, write=True)
        post_id = response.get("post_id") if isinstance(response, Mapping) else None
        if not isinstance(post_id, int):
            raise AdapterError(
                _("VK did not say which post it created; check the community wall."),
                unknown_outcome=True,
            )
        return self._receipt(post_id)

    def _receipt(self, post_id: int) -> Receipt:
        owner_id = -self._group_id
        return Receipt(
            remote_id=f"{owner_id}_{post_id}",
            url=f"{conf.SITE_URL}wall{owner_id}_{post_id}",
            data={"owner_id": owner_id, "post_id": post_id},
        )

    def _upload(self, image: Image, number: int) -> str:
        """photos.getWallUploadServer → multipart POST → photos.saveWallPhoto
        (https://dev.vk.com/en/api/upload/wall-photo); returns "photo{owner_id}_{id}"."""
        server = call(self._token, "photos.getWallUploadServer", {"group_id": self._group_id})
        upload_url = server.get("upload_url") if isinstance(server, Mapping) else None
        if not isinstance(upload_url, str):
            raise AdapterError(_("VK did not say where to upload images. Try again later."))
        filename = f"image{number}{_EXTENSIONS.get(image.mime, '')}"
        uploaded = _json(_send(upload_url, files={"photo": (filename, image.data, image.mime)}))
        if not uploaded.get("photo") or uploaded.get("photo") == "[]" or "error" in uploaded:
            raise Rejected(
                _("VK did not accept image %(n)s; try a different JPEG, PNG or GIF file.")
                % {"n": number}
            )
        saved = call(
            self._token,
            "photos.saveWallPhoto",
            {
                "group_id": self._group_id,
                "photo": uploaded["photo"],
                "server": uploaded.get("server", ""),
                "hash": uploaded.get("hash", ""),
            },
        )
        photo = saved[0] if isinstance(saved, list) and saved else None
        if not isinstance(photo, Mapping) or "id" not in photo or "owner_id" not in photo:
            raise AdapterError(
                _("VK did not confirm image %(n)s. Try again later.") % {"n": number}
            )
        return f"photo{photo['owner_id']}_{photo['id']}"

    def delete(self, remote_id: str, data: Mapping[str, Any] | None = None) -> None:
        owner_id, post_id = self._parse_remote_id(remote_id)
        # A post that is already gone is what the user wanted.
        call(
            self._token,
            "wall.delete",
            {"owner_id": owner_id, "post_id": post_id},
            tolerate=frozenset({_NOT_FOUND}),
        )

    # reading back

    def account_counts(self) -> Counts:
        """Members (groups.getById members_count) and the community's own posts (wall.get's
        `count`); a community follows no one."""
        response = self._read(
            "groups.getById", {"group_id": self._group_id, "fields": "members_count"}
        )
        found = _first_group(response)
        values: dict[str, int] = {}
        if found is not None and _int(found.get("members_count")) is not None:
            values["followers"] = int(found["members_count"])
        wall = self._read("wall.get", {**self._wall, "count": 1})
        if isinstance(wall, Mapping) and _int(wall.get("count")) is not None:
            values["posts"] = int(wall["count"])
        if "followers" not in values:
            return Counts(values, note=_("VK did not report the number of members."))
        return Counts(values)

    def post_counts(self, receipt: Receipt) -> Counts:
        owner_id, post_id = self._parse_remote_id(receipt.remote_id)
        items = _items(self._read("wall.getById", {"posts": f"{owner_id}_{post_id}"}))
        if not items or not isinstance(items[0], Mapping) or items[0].get("is_deleted"):
            raise Rejected(_("The post is no longer on VK."))
        return Counts(_post_counts(items[0]))

    # analytics

    def fetch_samples(self, posts: Sequence[Receipt], account: bool = True) -> Samples:
        """The community's counts and the posts': wall.getById, many posts a call, then
        each post's reach from stats.getPostReach where the key may read statistics."""
        counts = self.account_counts() if account else Counts({})
        refs: dict[str, str] = {}  # "<owner_id>_<post_id>" → the Receipt's remote_id
        gone: set[str] = set()
        for receipt in posts:
            try:
                owner_id, post_id = self._parse_remote_id(receipt.remote_id)
            except Rejected:
                gone.add(receipt.remote_id)
                continue
            refs[f"{owner_id}_{post_id}"] = receipt.remote_id
        found: dict[str, dict[str, int]] = {}
        wanted = list(refs)
        for start in range(0, len(wanted), conf.GET_BY_ID_BATCH):
            chunk = ",".join(wanted[start : start + conf.GET_BY_ID_BATCH])
            for item in _items(self._read("wall.getById", {"posts": chunk})):
                ref = _ref(item)
                if ref in refs and not item.get("is_deleted"):
                    found[refs[ref]] = _post_counts(item)
        gone |= {remote_id for remote_id in refs.values() if remote_id not in found}
        notes = (counts.note, self._add_reach(found, refs))
        return Samples(counts.values, found, frozenset(gone), " ".join(n for n in notes if n))

    def _add_reach(self, found: dict[str, dict[str, int]], refs: Mapping[str, str]) -> str:
        """Put each found post's reach_total (stats.getPostReach, POST_REACH_BATCH posts a
        call) into its counts; returns a note for the user when VK refuses this key.

        A key connected without the stats right is not asked at all. A channel connected
        before its config said (no "stats") is asked, as is an account that is an editor
        but not an administrator: VK's refusal then stops asking for this adapter."""
        if not found:
            return ""
        if self.config.get("stats") is False or self._reach_denied:
            return _reach_note()
        owner_id = -self._group_id
        wanted: dict[int, str] = {}  # post id on the community's wall → remote_id
        for ref, remote_id in refs.items():
            owner, _sep, post = ref.partition("_")
            if remote_id in found and owner == str(owner_id):
                wanted[int(post)] = remote_id
        post_ids = list(wanted)
        for start in range(0, len(post_ids), conf.POST_REACH_BATCH):
            chunk = post_ids[start : start + conf.POST_REACH_BATCH]
            response = self._read(
                "stats.getPostReach",
                {"owner_id": owner_id, "post_ids": ",".join(map(str, chunk))},
                tolerate=conf.STATS_DENIED_CODES,
            )
            if response is None:  # one of STATS_DENIED_CODES
                self._reach_denied = True
                return _reach_note()
            for post_id, reach in _reaches(response, chunk).items():
                found[wanted[post_id]]["reach"] = reach
        return ""

    def recent_posts(self, limit: int) -> list[RemotePost]:
        """The community's own posts (wall.get, filter owner, paged by offset), newest first.

        Reposts of other walls are left out. The pinned post comes first on the wall
        whatever its date, so it is not counted while paging and is sorted in by its date.
        """
        found: list[RemotePost] = []
        listed = offset = 0
        while listed < limit:
            count = min(conf.WALL_GET_MAX, limit - listed + 1)
            response = self._read("wall.get", {**self._wall, "offset": offset, "count": count})
            items = [item for item in _items(response) if isinstance(item, Mapping)]
            for item in items:
                post = _remote_post(item) if _is_own_post(item) else None
                if post is not None:
                    found.append(post)
                    listed += 0 if item.get("is_pinned") else 1
            offset += len(items)
            total = _int(response.get("count")) if isinstance(response, Mapping) else None
            if not items or (total is not None and offset >= total):
                break
        found.sort(key=lambda post: post.published_at, reverse=True)
        return found[:limit]

    # channel data

    def _read(
        self, method: str, params: Mapping[str, Any], tolerate: frozenset[int] = frozenset()
    ) -> Any:
        """`call` for the analytics reads, paced to conf.READS_PER_SECOND."""
        self._pace.wait()
        return call(self._token, method, params, tolerate=tolerate)

    @property
    def _token(self) -> str:
        return str(self.credentials.get("access_token", ""))

    @property
    def _group_id(self) -> int:
        return int(self.config.get("group_id", 0))

    @property
    def _wall(self) -> dict[str, Any]:
        return {"owner_id": -self._group_id, "filter": "owner"}

    def _parse_remote_id(self, remote_id: str) -> tuple[int, int]:
        """ "-<group_id>_<post_id>" as published, or a bare post id on this community."""
        owner, _sep, post = remote_id.strip().rpartition("_")
        try:
            return (int(owner) if owner else -self._group_id), int(post)
        except ValueError as exc:
            raise Rejected(_("%(id)s is not a VK post id.") % {"id": remote_id}) from exc


def _image_shape_problems(number: int, image: Image) -> list[str]:
    """The pixel rules of https://dev.vk.com/en/api/upload/wall-photo."""
    found = []
    if image.width + image.height > conf.MAX_IMAGE_SIDES_SUM:
        found.append(
            _("Image %(n)s is %(w)s×%(h)s; VK takes at most %(max)s pixels width plus height.")
            % {"n": number, "w": image.width, "h": image.height, "max": conf.MAX_IMAGE_SIDES_SUM}
        )
    short, long = sorted((image.width, image.height))
    if short > 0 and long / short > conf.MAX_ASPECT_RATIO:
        found.append(
            _("Image %(n)s is too narrow; VK takes images up to 1:%(ratio)s.")
            % {"n": number, "ratio": conf.MAX_ASPECT_RATIO}
        )
    return found


# --- analytics helpers ---------------------------------------------------------------------

# The post object's counters (https://dev.vk.com/reference/objects/post) under our names.
_COUNTERS = {"likes": "likes", "reposts": "reposts", "comments": "replies", "views": "views"}


def _post_counts(post: Mapping[str, Any]) -> dict[str, int]:
    values = {}
    for field, metric in _COUNTERS.items():
        counter = post.get(field)
        count = _int(counter.get("count")) if isinstance(counter, Mapping) else None
        if count is not None:
            values[metric] = count
    return values


def _reaches(response: Any, asked: Sequence[int]) -> dict[int, int]:
    """post id → reach_total from stats.getPostReach's list of stats_wallpost_stat objects
    (VKCOM/vk-api-schema stats/objects.json); a post VK leaves out has no reach."""
    found = {}
    for item in response if isinstance(response, list) else ():
        if not isinstance(item, Mapping):
            continue
        post_id, reach = _int(item.get("post_id")), _int(item.get("reach_total"))
        if post_id is not None and post_id in asked and reach is not None:
            found[post_id] = reach
    return found


def _reach_note() -> str:
    return _(
        "VK gave no reach for these posts: the channel's VK key lacks the stats right, or "
        "its account is not an administrator of the community. Likes, reposts, comments "
        "and views are still collected. To add reach, get a new key with "
        "scope=wall,photos,stats,offline as an administrator of the community (see the "
        "steps for connecting VK) and reconnect the channel."
    )


def _ref(post: Mapping[str, Any]) -> str:
    return f"{_int(post.get('owner_id'))}_{_int(post.get('id'))}"


def _is_own_post(post: Mapping[str, Any]) -> bool:
    """The community's own post: not a repost of another wall (post_type "copy", with
    copy_history) and not a suggested or scheduled one."""
    return post.get("post_type", "post") == "post" and not post.get("copy_history")


def _remote_post(post: Mapping[str, Any]) -> RemotePost | None:
    owner_id, post_id, date = (
        _int(post.get("owner_id")),
        _int(post.get("id")),
        _int(post.get("date")),
    )
    if owner_id is None or post_id is None or date is None:
        return None
    attachments = [a for a in post.get("attachments") or () if isinstance(a, Mapping)]
    kinds = [str(a.get("type")) for a in attachments]
    links = [a.get("link") for a in attachments if a.get("type") == "link"]
    return RemotePost(
        remote_id=f"{owner_id}_{post_id}",
        published_at=datetime.fromtimestamp(date, UTC),
        text=str(post.get("text") or ""),
        url=f"{conf.SITE_URL}wall{owner_id}_{post_id}",
        counts=_post_counts(post),
        images=sum(1 for kind in kinds if kind in conf.MEDIA_ATTACHMENTS),
        video=any(kind in conf.VIDEO_ATTACHMENTS for kind in kinds),
        link=next((web_url(link.get("url")) for link in links if isinstance(link, Mapping)), ""),
        data={"owner_id": owner_id, "post_id": post_id},
    )
