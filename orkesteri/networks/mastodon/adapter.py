"""Mastodon, through Mastodon.py (https://docs.joinmastodon.org/methods/).

Every instance is its own server with its own limits: `connect` reads them from
GET /api/v2/instance (or /api/v1/instance on servers older than 4.0) into the channel's
config, and `limits` builds from them. All HTTP goes through transport.GuardedSession, i.e.
lib/http's guarded client; client.talking_to maps every failure onto the contract's errors.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from time import sleep
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from mastodon import Mastodon
from mastodon.errors import MastodonError, MastodonNotFoundError

from orkesteri.lib.text import TextRules, measure
from orkesteri.lib.text import mastodon as mastodon_text
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
    Receipt,
    Rejected,
    RemotePost,
    Samples,
    aware_utc,
    generic_problems,
    web_url,
)
from orkesteri.networks.mastodon import conf
from orkesteri.networks.mastodon.client import (
    SHAPE_ERRORS,
    raise_for_status,
    status_of,
    talking_to,
)
from orkesteri.networks.mastodon.forms import ConnectForm

# The instance's own limits, as GET /api/v2/instance names them, stored in Connection.config.
LIMIT_KEYS = (
    "max_characters",
    "characters_reserved_per_url",
    "max_media_attachments",
    "image_size_limit",
    "supported_mime_types",
    "description_limit",
)


class MastodonAdapter(Adapter):
    kind = "mastodon"
    label = gettext_lazy("Mastodon")
    features = frozenset(
        {
            Feature.PUBLISH,
            Feature.THREAD,
            Feature.DELETE,
            Feature.MEDIA,
            Feature.ALT_TEXT,
            Feature.CONTENT_WARNING,
            Feature.VISIBILITY,
            Feature.LANGUAGE,
            Feature.OAUTH,
            Feature.METRICS,
        }
    )
    default_limits = Limits(
        text=conf.TEXT_RULES,
        max_images=conf.MAX_MEDIA_ATTACHMENTS,
        image_types=conf.IMAGE_TYPES,
        max_image_bytes=conf.IMAGE_SIZE_LIMIT,
        image_presets=conf.IMAGE_PRESETS,
        rate=conf.PUBLISH_RATE,
        max_alt_text=conf.DESCRIPTION_LIMIT,
        max_thread=conf.MAX_THREAD,
    )
    ConnectForm = ConnectForm
    help_text = gettext_lazy(
        "Enter the address of your Mastodon server and leave the token empty: Orkesteri sends"
        " you to your server to approve access, then brings you back. If you prefer a token,"
        " create one in Preferences → Development → New application with the scopes"
        " read:accounts, read:statuses, write:statuses and write:media, and paste"
        ' "Your access token".'
    )
    # POST /api/v1/statuses honours the Idempotency-Key header for an hour
    # (https://docs.joinmastodon.org/methods/statuses/#create): the same key, the same status.
    idempotent = True
    # The Status entity counts favourites, reblogs and replies
    # (https://docs.joinmastodon.org/entities/Status/); it documents no views or quotes.
    post_metrics = frozenset({"likes", "reposts", "replies"})
    samples_batch = conf.STATUSES_BATCH

    @property
    def limits(self) -> Limits:
        """The instance's own limits, read at connect time; the stock ones where it was silent."""
        config = self.config
        if not any(key in config for key in LIMIT_KEYS):
            return self.default_limits
        images = tuple(
            str(t) for t in config.get("supported_mime_types") or () if str(t).startswith("image/")
        )
        return dataclasses.replace(
            self.default_limits,
            text=TextRules(
                counter="mastodon",
                limit=_positive(config.get("max_characters"), conf.MAX_CHARACTERS),
                url_length=_positive(
                    config.get("characters_reserved_per_url"), conf.CHARACTERS_RESERVED_PER_URL
                ),
            ),
            max_images=_positive(config.get("max_media_attachments"), conf.MAX_MEDIA_ATTACHMENTS),
            image_types=images or conf.IMAGE_TYPES,
            max_image_bytes=_positive(config.get("image_size_limit"), conf.IMAGE_SIZE_LIMIT),
            max_alt_text=_positive(config.get("description_limit"), conf.DESCRIPTION_LIMIT),
        )

    # connecting

    @classmethod
    def connect(cls, data: Mapping[str, Any]) -> Connection:
        token = data.get("access_token") or ""
        if not token:
            raise AdapterError(
                _("Paste an access token, or leave it empty to sign in on your server's page."),
                permanent=True,
            )
        return _connection(data["instance_url"], token)

    @classmethod
    def authorize_url(
        cls, data: Mapping[str, Any], redirect_uri: str, state: str
    ) -> tuple[str, dict[str, Any]]:
        """Registers Orkesteri as an app on the instance (POST /api/v1/apps) and returns the
        instance's authorization page (https://docs.joinmastodon.org/client/token/)."""
        instance_url = data["instance_url"]
        client_id, client_secret = _register_app(instance_url, redirect_uri)
        # Built here rather than with Mastodon.auth_request_url, which would read client_id
        # as a file path if one by that name exists on this machine.
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(conf.SCOPES),
                "state": state,
            }
        )
        pending = {
            "instance_url": instance_url,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        return f"{instance_url}{conf.AUTHORIZE_PATH}?{query}", pending

    @classmethod
    def finish_authorize(
        cls, pending: Mapping[str, Any], params: Mapping[str, str], redirect_uri: str
    ) -> Connection:
        instance_url = pending["instance_url"]
        if params.get("error"):
            raise AdapterError(
                _(
                    "%(instance)s did not grant access (%(reason)s). To connect, start again and"
                    " choose Authorize on your server's page."
                )
                % {
                    "instance": instance_url,
                    "reason": (params.get("error_description") or params["error"])[:200],
                },
                permanent=True,
            )
        code = params.get("code") or ""
        if not code:
            raise AdapterError(
                _("%(instance)s sent no authorization code back. Start connecting again.")
                % {"instance": instance_url},
                permanent=True,
            )
        token = _exchange_code(pending, code, redirect_uri)
        return _connection(instance_url, token)

    def verify(self) -> Connection:
        token = self.credentials.get("access_token")
        if not token or not self.config.get("instance_url"):
            raise AuthExpired(_("This channel's sign-in is incomplete. Reconnect it."))
        return _connection(self.instance_url, token, connecting=False)

    # publishing

    def problems(self, draft: Draft) -> list[str]:
        found = generic_problems(self, draft)
        warning = str(draft.options.get("content_warning") or "")
        rules = self.limits.text_rules(with_images=bool(draft.images))
        if warning and not measure(draft.text, rules).problems:
            length = mastodon_text.status_length(draft.text, rules.url_length, warning)
            if length > rules.limit:
                found.append(
                    _(
                        "With its content warning the post is %(length)s characters long;"
                        " the most is %(limit)s."
                    )
                    % {"length": length, "limit": rules.limit}
                )
        visibility = draft.options.get("visibility")
        if visibility and visibility not in conf.VISIBILITIES:
            found.append(
                _("Visibility must be one of: %(choices)s.")
                % {"choices": ", ".join(conf.VISIBILITIES)}
            )
        return found

    def publish(self, draft: Draft, key: str) -> Receipt:
        options = _status_options(draft)
        with self._api() as api:
            media_ids = [_upload(api, image, number) for number, image in enumerate(draft.images)]
            status = api.status_post(
                draft.text,
                media_ids=media_ids or None,
                idempotency_key=key,
                **options,
            )
            return Receipt(remote_id=_id(status), url=web_url(status.get("url")))

    def delete(self, remote_id: str, data: Mapping[str, Any] | None = None) -> None:
        with self._api() as api:
            try:
                api.status_delete(remote_id)
            except MastodonNotFoundError:
                return  # already gone: deleting again changes nothing

    # reading back

    def account_counts(self) -> Counts:
        with self._api() as api:
            return Counts(_account_counts(api.account_verify_credentials()))

    def post_counts(self, receipt: Receipt) -> Counts:
        with self._api() as api:
            return Counts(_status_counts(api.status(receipt.remote_id)))

    # analytics

    def fetch_samples(self, posts: Sequence[Receipt], account: bool = True) -> Samples:
        """The account's counts and the statuses': 20 a call where the server has
        GET /api/v1/statuses (4.3.0 and later), else one call per status."""
        ids = list(dict.fromkeys(receipt.remote_id for receipt in posts))
        with self._api() as api:
            counts = _account_counts(api.account_verify_credentials()) if account else {}
            if ids and self._has_statuses_batch(api):
                found = _statuses_in_batches(api, ids)
            else:
                found = _statuses_one_by_one(api, ids)
        gone = frozenset(status_id for status_id in ids if status_id not in found)
        return Samples(counts, found, gone)

    def recent_posts(self, limit: int) -> list[RemotePost]:
        """The account's own statuses, newest first, without boosts and replies to others
        (GET /api/v1/accounts/:id/statuses, paginated by max_id as its Link header does)."""
        found: list[RemotePost] = []
        with self._api() as api:
            account_id = _id(api.account_verify_credentials())
            max_id: str | None = None
            while len(found) < limit:
                page = api.account_statuses(
                    account_id,
                    exclude_reblogs=True,
                    exclude_replies=True,
                    max_id=max_id,
                    limit=min(limit - len(found), conf.ACCOUNT_STATUSES_PAGE),
                )
                for status in page:
                    post = None if status.get("reblog") else _remote_post(status)
                    if post is not None:
                        found.append(post)
                if not page or _id(page[-1]) == max_id:
                    break
                max_id = _id(page[-1])
        return found[:limit]

    def __init__(self, credentials: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        super().__init__(credentials, config)
        self._looked_up: dict[str, tuple[int, int, int] | None] = {}  # for this run only

    def _has_statuses_batch(self, api: Mastodon) -> bool:
        """Whether the server's version has GET /api/v1/statuses; Mastodon.py is told that
        version, so it lets the call through."""
        version = _version(self.config.get("version"))
        if version is None:  # a channel connected before its version was stored: ask once
            if "version" not in self._looked_up:
                found = _instance(api, self.instance_url)[0].get("version")
                self._looked_up["version"] = _version(found)
            version = self._looked_up["version"]
        if version is None or version < conf.STATUSES_BATCH_SINCE:
            return False
        api.mastodon_major, api.mastodon_minor, api.mastodon_patch = version
        return True

    # helpers

    @property
    def instance_url(self) -> str:
        return str(self.config["instance_url"])

    def _api(self) -> AbstractContextManager[Mastodon]:
        return talking_to(self.instance_url, self.credentials.get("access_token"))


def _positive(value: Any, default: int) -> int:
    """An instance's number when it is a usable one, else ours."""
    usable = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return int(value) if usable else default


def _status_options(draft: Draft) -> dict[str, Any]:
    visibility = draft.options.get("visibility") or None
    if visibility is not None and visibility not in conf.VISIBILITIES:
        raise Rejected(
            _("Visibility must be one of: %(choices)s.") % {"choices": ", ".join(conf.VISIBILITIES)}
        )
    return {
        "in_reply_to_id": draft.reply_to.remote_id if draft.reply_to else None,
        "spoiler_text": draft.options.get("content_warning") or None,
        "visibility": visibility,
        "language": draft.options.get("language") or None,
    }


def _upload(api: Mastodon, image: Image, number: int) -> str:
    """POST /api/v2/media with the alt text, then wait while the server still processes it."""
    extension = image.mime.split("/")[-1]
    media = api.media_post(
        image.data,
        mime_type=image.mime,
        description=image.alt or None,
        file_name=f"image-{number + 1}.{extension}",
    )
    for delay in conf.MEDIA_POLL_DELAYS:
        if media.get("url"):
            break
        sleep(delay)
        media = api.media(_id(media))
    if not media.get("url"):
        raise AdapterError(
            _("The server is still processing the images. Orkesteri will try again shortly.")
        )
    return _id(media)


def _id(entity: Mapping[str, Any]) -> str:
    """An entity's id; its absence means the answer was not the documented entity."""
    value = entity.get("id")
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise KeyError("id")
    return str(value)


def _register_app(instance_url: str, redirect_uri: str) -> tuple[str, str]:
    """POST /api/v1/apps (https://docs.joinmastodon.org/methods/apps/#create)."""
    with talking_to(instance_url, connecting=True) as api:
        session = api.session
        try:
            client_id, client_secret = Mastodon.create_app(
                conf.APP_NAME,
                scopes=list(conf.SCOPES),
                redirect_uris=redirect_uri,
                api_base_url=instance_url,
                request_timeout=api.request_timeout,
                session=session,
                user_agent=api.user_agent,
            )
        except (MastodonError, *SHAPE_ERRORS):
            raise_for_status(session)
            raise
        # create_app reads the body whatever the status: an error answer must not pass.
        raise_for_status(session)
        if not (_opaque(client_id) and _opaque(client_secret)):
            raise KeyError("client_id")
        return client_id, client_secret


def _opaque(value: Any) -> bool:
    return isinstance(value, str) and value.isprintable() and value.strip() == value != ""


def _exchange_code(pending: Mapping[str, Any], code: str, redirect_uri: str) -> str:
    """POST /oauth/token (https://docs.joinmastodon.org/methods/oauth/#token)."""
    instance_url = pending["instance_url"]
    with talking_to(instance_url, connecting=True) as api:
        api.client_id = pending["client_id"]
        api.client_secret = pending["client_secret"]
        try:
            return str(
                api.log_in(
                    code=code,
                    redirect_uri=redirect_uri,
                    scopes=list(conf.SCOPES),
                    allow_http=instance_url.startswith("http://"),
                )
            )
        except MastodonError as exc:
            # log_in wraps the token endpoint's answer in MastodonIllegalArgumentError.
            if {status_of(exc), status_of(exc.__context__)} & {400, 401}:
                raise AdapterError(
                    _(
                        "%(instance)s did not accept the authorization (it may have expired or"
                        " been used already). Start connecting again."
                    )
                    % {"instance": instance_url},
                    permanent=True,
                ) from exc
            raise


def _connection(instance_url: str, token: str, connecting: bool = True) -> Connection:
    """Read the instance's limits, then verify the token against GET verify_credentials."""
    with talking_to(instance_url, token, connecting=connecting) as api:
        limits, domain = _instance(api, instance_url)
        account = api.account_verify_credentials()
        username = str(account["username"])
        return Connection(
            account_id=str(account["id"]),
            display_name=f"@{username}@{domain}",
            credentials={"access_token": token},
            config={"instance_url": instance_url, **limits},
            url=web_url(account.get("url")),
        )


def _instance(api: Mastodon, instance_url: str) -> tuple[dict[str, Any], str]:
    """The limits and account domain from GET /api/v2/instance, or v1 on older servers."""
    try:
        info = api.instance_v2()
        domain = info.get("domain")
    except MastodonNotFoundError:
        info = (
            api.instance_v1()
        )  # Mastodon < 4.0 (https://docs.joinmastodon.org/methods/instance/#v1)
        domain = info.get("uri")
    configuration = info.get("configuration")
    if not isinstance(configuration, dict) and not domain:
        raise KeyError("configuration")  # some JSON, but not an instance: not Mastodon
    domain = str(domain or urlsplit(instance_url).hostname or "")
    return _limits_config(info, configuration or {}), domain.split("://")[-1]


def _limits_config(info: Mapping[str, Any], configuration: Mapping[str, Any]) -> dict[str, Any]:
    statuses = configuration.get("statuses") or {}
    media = configuration.get("media_attachments") or {}
    found = {
        # kept to know which methods the server has (fetch_samples)
        "version": info.get("version") if isinstance(info.get("version"), str) else None,
        "max_characters": statuses.get("max_characters") or info.get("max_toot_chars"),
        "characters_reserved_per_url": statuses.get("characters_reserved_per_url"),
        "max_media_attachments": statuses.get("max_media_attachments"),
        "image_size_limit": media.get("image_size_limit"),
        "supported_mime_types": media.get("supported_mime_types"),
        "description_limit": media.get("description_limit"),
    }
    return {key: value for key, value in found.items() if value is not None}


# --- analytics helpers ---------------------------------------------------------------------


def _account_counts(account: Mapping[str, Any]) -> dict[str, int]:
    return {
        "followers": int(account["followers_count"]),
        "following": int(account["following_count"]),
        "posts": int(account["statuses_count"]),
    }


def _status_counts(status: Mapping[str, Any]) -> dict[str, int]:
    return {
        "likes": int(status["favourites_count"]),
        "reposts": int(status["reblogs_count"]),
        "replies": int(status["replies_count"]),
    }


def _statuses_in_batches(api: Mastodon, ids: list[str]) -> dict[str, Mapping[str, int]]:
    """GET /api/v1/statuses?id[]=…: a status that is gone is simply not in the answer."""
    found: dict[str, Mapping[str, int]] = {}
    for start in range(0, len(ids), conf.STATUSES_BATCH):
        try:
            statuses = api.statuses(ids[start : start + conf.STATUSES_BATCH])
        except MastodonNotFoundError:  # the server no longer has the method (downgraded)
            return _statuses_one_by_one(api, ids)
        for status in statuses:
            found[_id(status)] = _status_counts(status)
    return found


def _statuses_one_by_one(api: Mastodon, ids: list[str]) -> dict[str, Mapping[str, int]]:
    found: dict[str, Mapping[str, int]] = {}
    for status_id in ids:
        try:
            found[status_id] = _status_counts(api.status(status_id))
        except MastodonNotFoundError:
            continue  # deleted, or no longer visible to this account: gone
    return found


def _version(value: Any) -> tuple[int, int, int] | None:
    """(major, minor, patch) from an instance's version string ("4.3.2", "4.4.0+glitch",
    "2.7.2 (compatible; Pleroma 2.5.0)"), or None."""
    found = re.match(r"\s*(\d+)\.(\d+)\.(\d+)", value) if isinstance(value, str) else None
    if found is None:
        return None
    major, minor, patch = (int(part) for part in found.groups())
    return major, minor, patch


def _remote_post(status: Mapping[str, Any]) -> RemotePost | None:
    published_at = aware_utc(status.get("created_at"))
    if published_at is None:
        return None
    media = [m for m in status.get("media_attachments") or () if isinstance(m, Mapping)]
    card = status.get("card")
    return RemotePost(
        remote_id=_id(status),
        published_at=published_at,
        text=_plain_text(str(status.get("content") or "")),
        url=web_url(status.get("url")),
        counts=_status_counts(status),
        images=len(media),
        video=any(m.get("type") in ("video", "gifv") for m in media),
        link=web_url(card.get("url")) if isinstance(card, Mapping) else "",
    )


def _plain_text(content: str) -> str:
    """A status's HTML `content` as plain text: paragraphs and line breaks kept."""
    content = re.sub(r"<br\s*/?>", "\n", content, flags=re.IGNORECASE)
    content = re.sub(r"</p>\s*<p[^>]*>", "\n\n", content, flags=re.IGNORECASE)
    return html.unescape(strip_tags(content)).strip()
