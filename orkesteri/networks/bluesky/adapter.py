"""Bluesky through the `atproto` SDK, with the SDK's HTTP going through lib/http.

Credentials are the SDK's session string (handle, DID, access and refresh tokens, PDS
address) and the app password. The SDK refreshes the tokens itself and tells us through
`on_session_change`; when a session is dead (refresh token expired or revoked) the adapter
logs in again once with the app password. `self.credentials` always holds the current
session, and the caller saves it when it changed.

Posts are created with a record key derived from the Delivery key (records.tid_from_key),
so a retried publish cannot make a second post: the PDS refuses a second create at the same
key, and the adapter then returns the receipt of the post that is already there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pydantic
from atproto_client import Client, models
from atproto_client.client.session import Session, SessionEvent
from atproto_client.exceptions import (
    InvokeTimeoutError,
    LoginRequiredError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
)
from atproto_client.models.common import XrpcError
from atproto_client.request import Request, RequestBase
from atproto_core.exceptions import AtProtocolError
from atproto_core.uri import AtUri
from atproto_server.exceptions import InvalidTokenError
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
    Limits,
    RateLimited,
    Receipt,
    Rejected,
    RemotePost,
    Samples,
    aware_utc,
    web_url,
)
from orkesteri.networks.bluesky import conf, records
from orkesteri.networks.bluesky.forms import ConnectForm

T = TypeVar("T")

# Failures that come from talking to the server, never from a bug of ours: the SDK's errors,
# httpx's, the guard's, and answers that are not the JSON they claim to be.
_TALK_ERRORS = (
    AtProtocolError,
    httpx.HTTPError,
    httpx.InvalidURL,
    http.BlockedAddress,
    http.ResponseTooLarge,
    pydantic.ValidationError,
    ValueError,
)


class GuardedRequest(Request):
    """atproto's Request with lib/http's httpx.Client: the private-address guard is applied
    when each connection is made, and timeouts come from settings (atproto_client/request.py
    builds a plain httpx.Client in Request.__init__, which is all this replaces)."""

    def __init__(self, **kwargs: Any) -> None:
        RequestBase.__init__(self)
        self._client_kwargs = kwargs
        self._client = http.client(**kwargs)

    def _send_request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        # uploadBlob hands raw bytes over as `data=`, which httpx deprecates for `content=`.
        if isinstance(kwargs.get("data"), bytes):
            kwargs["content"] = kwargs.pop("data")
        return super()._send_request(method, url, **kwargs)


def new_client(service_url: str) -> Client:
    return Client(base_url=service_url, request=GuardedRequest())


class BlueskyAdapter(Adapter):
    kind = "bluesky"
    label = gettext_lazy("Bluesky")
    features = frozenset(
        {
            Feature.PUBLISH,
            Feature.THREAD,
            Feature.DELETE,
            Feature.MEDIA,
            Feature.ALT_TEXT,
            Feature.LINK_CARD,
            Feature.LANGUAGE,
            Feature.METRICS,
        }
    )
    default_limits = Limits(
        text=conf.TEXT_RULES,
        max_images=conf.MAX_IMAGES,
        image_types=conf.IMAGE_TYPES,
        max_image_bytes=conf.MAX_IMAGE_BYTES,
        image_presets=conf.IMAGE_PRESETS,
        rate=conf.PUBLISH_RATE,
        max_alt_text=conf.MAX_ALT_TEXT,
        max_thread=conf.MAX_THREAD,
    )
    ConnectForm = ConnectForm
    help_text = gettext_lazy(
        "Orkesteri posts with an app password, never your main password. In Bluesky open "
        "Settings → Privacy and security → App passwords, add one named “Orkesteri” and "
        "paste it below with your handle."
    )
    idempotent = True
    # app.bsky.feed.defs#postView: likeCount, repostCount, replyCount, quoteCount; the
    # AppView counts no views.
    post_metrics = frozenset({"likes", "reposts", "replies", "quotes"})
    samples_batch = conf.GET_POSTS_MAX

    def __init__(self, credentials: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        super().__init__(credentials, config)
        self._sdk: Client | None = None

    @property
    def service_url(self) -> str:
        return str(self.config.get("service_url") or conf.DEFAULT_SERVICE_URL)

    # connecting

    @classmethod
    def connect(cls, data: Mapping[str, Any]) -> Connection:
        service_url = data.get("service_url") or conf.DEFAULT_SERVICE_URL
        handle, password = data["handle"], data["app_password"]
        client = new_client(service_url)
        try:
            with translated_errors(service_url):
                _describe_server(client, service_url)
                _log_in_first_time(client, service_url, handle, password)
            credentials = {"session": client.export_session_string(), "app_password": password}
        finally:
            client.request.close()
        return _connection(credentials, service_url)

    def verify(self) -> Connection:
        answer = self._call(lambda client: client.com.atproto.server.get_session())
        if answer.active is False:
            raise AuthExpired(_account_status_message(answer.status or ""))
        return _connection(self.credentials, self.service_url)

    # publishing

    def publish(self, draft: Draft, key: str) -> Receipt:
        rkey = records.tid_from_key(key)
        return self._call(lambda client: self._publish(client, draft, rkey))

    def delete(self, remote_id: str, data: Mapping[str, Any] | None = None) -> None:
        uri = _post_uri(remote_id)
        did = self._session().did
        if uri.hostname != did:
            raise Rejected(_("This post belongs to another Bluesky account; it cannot be deleted."))
        request = models.ComAtprotoRepoDeleteRecord.Data(
            repo=did, collection=conf.POST_COLLECTION, rkey=uri.rkey
        )
        self._call(lambda client: client.com.atproto.repo.delete_record(request))

    # reading back

    def account_counts(self) -> Counts:
        params = models.AppBskyActorGetProfile.Params(actor=self._session().did)
        profile = self._call(lambda client: client.app.bsky.actor.get_profile(params))
        values = {
            "followers": profile.followers_count,
            "following": profile.follows_count,
            "posts": profile.posts_count,
        }
        return Counts({name: value for name, value in values.items() if value is not None})

    def post_counts(self, receipt: Receipt) -> Counts:
        uri = str(receipt.data.get("uri") or receipt.remote_id)
        posts = self._get_posts([uri])
        if not posts:
            raise AdapterError(
                _(
                    "Bluesky does not show this post: it was deleted, or Bluesky has not "
                    "caught up with it yet."
                )
            )
        return Counts(_view_counts(posts[0]))

    # analytics

    def fetch_samples(self, posts: Sequence[Receipt], account: bool = True) -> Samples:
        """The profile's counts and the posts' through app.bsky.feed.getPosts, 25 at a time.

        A post the AppView does not show is gone only if its record is gone from the
        repository too; one it has not indexed yet is left out, to be asked again later.
        """
        counts = self.account_counts() if account else Counts({})
        uris: dict[str, str] = {}  # the post's at:// URI → its Receipt's remote_id
        gone: set[str] = set()
        for receipt in posts:
            uri = _readable_uri(receipt)
            if uri is None:
                gone.add(receipt.remote_id)
            else:
                uris[uri] = receipt.remote_id
        found: dict[str, Mapping[str, int]] = {}
        wanted = list(uris)
        for start in range(0, len(wanted), conf.GET_POSTS_MAX):
            for post in self._get_posts(wanted[start : start + conf.GET_POSTS_MAX]):
                if post.uri in uris:
                    found[uris[post.uri]] = _view_counts(post)
        for uri, remote_id in uris.items():
            if remote_id not in found and not self._record_exists(AtUri.from_str(uri)):
                gone.add(remote_id)
        return Samples(counts.values, found, frozenset(gone), counts.note)

    def recent_posts(self, limit: int) -> list[RemotePost]:
        """The account's own posts from app.bsky.feed.getAuthorFeed, without replies and
        reposts, following the cursor until `limit` are found or the feed ends."""
        did = self._session().did
        found: list[RemotePost] = []
        cursor: str | None = None
        while len(found) < limit:
            page = self._author_feed(did, cursor, min(limit - len(found), conf.AUTHOR_FEED_PAGE))
            for item in page.feed:
                post = self._remote_post(item.post) if _is_own_post(item, did) else None
                if post is not None:
                    found.append(post)
            if not page.feed or not page.cursor or page.cursor == cursor:
                break
            cursor = page.cursor
        return found[:limit]

    def _get_posts(self, uris: list[str]) -> list[models.AppBskyFeedDefs.PostView]:
        params = models.AppBskyFeedGetPosts.Params(uris=uris)
        return list(self._call(lambda client: client.app.bsky.feed.get_posts(params)).posts)

    def _author_feed(
        self, did: str, cursor: str | None, limit: int
    ) -> models.AppBskyFeedGetAuthorFeed.Response:
        params = models.AppBskyFeedGetAuthorFeed.Params(
            actor=did, cursor=cursor, limit=max(limit, 1), filter=conf.AUTHOR_FEED_FILTER
        )
        return self._call(lambda client: client.app.bsky.feed.get_author_feed(params))

    def _record_exists(self, uri: AtUri) -> bool:
        """Whether the post's record is still in its repository (com.atproto.repo.getRecord
        answers 400 RecordNotFound once it is deleted)."""
        if uri.hostname != self._session().did:
            return False  # another account's post: only the AppView could tell
        params = models.ComAtprotoRepoGetRecord.Params(
            repo=uri.hostname, collection=uri.collection, rkey=uri.rkey
        )

        def read(client: Client) -> bool:
            try:
                client.com.atproto.repo.get_record(params)
            except RequestErrorBase as exc:
                if _error_name(exc) == "RecordNotFound":
                    return False
                raise
            return True

        return self._call(read)

    def _remote_post(self, post: models.AppBskyFeedDefs.PostView) -> RemotePost | None:
        record = post.record
        published_at = aware_utc(_field(record, "created_at", "createdAt")) or aware_utc(
            post.indexed_at
        )
        if published_at is None:
            return None
        images, video, link = _embed_summary(post.embed)
        return RemotePost(
            remote_id=post.uri,
            published_at=published_at,
            text=str(_field(record, "text") or ""),
            url=self._post_url(post.uri),
            counts=_view_counts(post),
            images=images,
            video=video,
            link=link,
            data=records.receipt_data(post.uri, post.cid, _reply_of(record)),
        )

    # the SDK client and its session

    def _session(self) -> Session:
        try:
            return Session.decode(str(self.credentials.get("session") or ""))
        except ValueError as exc:
            raise AuthExpired(
                _("The saved Bluesky session is unreadable. Connect the account again.")
            ) from exc

    def _client(self) -> Client:
        if self._sdk is None:
            client = new_client(self.service_url)
            client.on_session_change(self._session_changed)
            client.login(session_string=self._session().encode(), fetch_bsky_profile=False)
            self._sdk = client
        return self._sdk

    def _session_changed(self, event: SessionEvent, session: Session) -> None:
        self.credentials["session"] = session.encode()

    def _log_in_again(self, client: Client) -> None:
        """A new session from the app password, when the saved one can no longer refresh."""
        password = str(self.credentials.get("app_password") or "")
        if not password:
            raise AuthExpired(_app_password_refused())
        try:
            client.login(self._session().did, password, fetch_bsky_profile=False)
        except RequestErrorBase as exc:
            if _status(exc) == 401:
                raise AuthExpired(_app_password_refused()) from exc
            raise

    def _call(self, operation: Callable[[Client], T]) -> T:
        """Run one operation; if the session is dead, log in again and run it once more."""
        with translated_errors(self.service_url):
            client = self._client()
            try:
                return operation(client)
            except _TALK_ERRORS as exc:
                if not _session_is_dead(exc):
                    raise
            self._log_in_again(client)
            return operation(client)

    # building and sending a post

    def _publish(self, client: Client, draft: Draft, rkey: str) -> Receipt:
        did = self._session().did
        record = self._post_record(client, draft)
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=did, collection=conf.POST_COLLECTION, rkey=rkey, record=record
        )
        try:
            created = client.com.atproto.repo.create_record(data)
        except (RequestErrorBase, httpx.HTTPError) as exc:
            # A second create at the same key fails (the reference PDS answers 500), and a
            # dropped connection leaves the outcome open: either way, look for the post.
            if isinstance(exc, RateLimitExceededError) or _session_is_dead(exc):
                raise
            existing = self._existing_post(client, did, rkey)
            if existing is None:
                raise
            return self._receipt(existing.uri, existing.cid or "", record.get("reply"))
        return self._receipt(created.uri, created.cid, record.get("reply"))

    def _existing_post(
        self, client: Client, did: str, rkey: str
    ) -> models.ComAtprotoRepoGetRecord.Response | None:
        params = models.ComAtprotoRepoGetRecord.Params(
            repo=did, collection=conf.POST_COLLECTION, rkey=rkey
        )
        try:
            return client.com.atproto.repo.get_record(params)
        except _TALK_ERRORS:
            return None

    def _receipt(self, uri: str, cid: str, reply: dict[str, Any] | None) -> Receipt:
        return Receipt(
            remote_id=uri, url=self._post_url(uri), data=records.receipt_data(uri, cid, reply)
        )

    def _post_url(self, uri: str) -> str:
        session = self._session()
        # An account whose handle no longer verifies has the handle "handle.invalid"
        # (https://atproto.com/specs/handle); its pages work by DID.
        profile = session.did if session.handle == "handle.invalid" else session.handle
        return f"{conf.APP_URL}/profile/{profile}/post/{AtUri.from_str(uri).rkey}"

    def _post_record(self, client: Client, draft: Draft) -> dict[str, Any]:
        record: dict[str, Any] = {
            "$type": conf.POST_COLLECTION,
            "text": draft.text,
            "createdAt": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
        facets = records.build_facets(draft.text, lambda handle: _resolve(client, handle))
        if facets:
            record["facets"] = facets
        language = str(draft.options.get("language") or "").strip()
        if language:
            record["langs"] = [language]
        if draft.reply_to is not None:
            record["reply"] = _reply_ref(draft.reply_to)
        embed = self._embed(client, draft)
        if embed is not None:
            record["embed"] = embed
        return record

    def _embed(self, client: Client, draft: Draft) -> dict[str, Any] | None:
        # A post has one embed: images or a link card. Images win; the link stays a link
        # in the text (app.bsky.feed.post#main: embed is a single union).
        if draft.images:
            uploaded = [(image, _upload(client, image.data, image.mime)) for image in draft.images]
            return records.image_embed(uploaded)
        if draft.link:
            return _link_card(client, draft.link)
        return None


# --- helpers ---------------------------------------------------------------------------


def _connection(credentials: Mapping[str, Any], service_url: str) -> Connection:
    session = Session.decode(str(credentials["session"]))
    return Connection(
        account_id=session.did,
        display_name=f"@{session.handle}",
        credentials=dict(credentials),
        config={"service_url": service_url, "handle": session.handle},
        url=f"{conf.APP_URL}/profile/{session.handle}",
    )


def _describe_server(client: Client, service_url: str) -> None:
    """Fail early, and clearly, when the address is not a Bluesky (AT Protocol) server."""
    try:
        client.com.atproto.server.describe_server()
    except _TALK_ERRORS as exc:
        if _is_foreign_answer(exc):
            raise AdapterError(_not_a_server(service_url), permanent=True) from exc
        raise


def _is_foreign_answer(exc: Exception) -> bool:
    """An answer came, but not one an XRPC server gives (a web page, a 404, bad JSON…)."""
    if isinstance(exc, RequestErrorBase):
        if exc.response is None or _status(exc) == 429:
            return False
        return not (_is_xrpc(exc) and _status(exc) >= 500 and not _not_served(exc))
    return not isinstance(exc, httpx.HTTPError | http.BlockedAddress | InvalidTokenError)


def _log_in_first_time(client: Client, service_url: str, handle: str, password: str) -> None:
    try:
        client.login(handle, password, fetch_bsky_profile=False)
    except RequestErrorBase as exc:
        if _status(exc) != 401:
            raise
        if _error_name(exc) == "AuthFactorTokenRequired":
            raise AuthExpired(
                _(
                    "Bluesky asks for a sign-in code sent by email, which means this is your "
                    "main password. Use an app password instead: it needs no code."
                )
            ) from exc
        if not _handle_exists(client, handle):
            raise AdapterError(
                _(
                    "%(server)s knows no account @%(handle)s. Check the spelling of the "
                    "handle, and the server if your account is not on bsky.social."
                )
                % {"server": service_url, "handle": handle},
                permanent=True,
            ) from exc
        raise AuthExpired(
            _(
                "The app password was refused for @%(handle)s. Check it, or create a new one "
                "in Bluesky → Settings → Privacy and security → App passwords. If the account "
                "lives on another server than %(server)s, enter that server's address."
            )
            % {"handle": handle, "server": service_url}
        ) from exc


def _handle_exists(client: Client, handle: str) -> bool:
    return _resolve(client, handle) is not None


def _resolve(client: Client, handle: str) -> str | None:
    """The DID of `handle`, or None if the server cannot resolve it (400)."""
    params = models.ComAtprotoIdentityResolveHandle.Params(handle=handle)
    try:
        return client.com.atproto.identity.resolve_handle(params).did
    except RequestErrorBase as exc:
        if _status(exc) == 400 and not _session_is_dead(exc):
            return None
        raise


def _upload(client: Client, data: bytes, mime: str) -> dict[str, Any]:
    answer = client.com.atproto.repo.upload_blob(data, headers={"Content-Type": mime})
    return answer.blob.model_dump(by_alias=True, exclude_none=True)


def _link_card(client: Client, url: str) -> dict[str, Any]:
    """app.bsky.embed.external for `url`. A page that cannot be read still gets a card
    titled with its URL: the post matters more than its preview."""
    card = _fetch_card(url)
    thumb = None
    image = _fetch_thumb(card.image_url) if card.image_url else None
    if image is not None:
        thumb = _upload(client, image[0], image[1])
    return records.external_embed(card, thumb)


def _fetch_card(url: str) -> records.LinkCard:
    try:
        page = http.fetch_bytes(url, conf.MAX_PAGE_BYTES)
    except (httpx.HTTPError, httpx.InvalidURL, http.BlockedAddress, http.ResponseTooLarge):
        return records.LinkCard(url=url, title=url)
    return records.parse_card(url, page.decode("utf-8", errors="replace"))


def _fetch_thumb(url: str) -> tuple[bytes, str] | None:
    try:
        data = http.fetch_bytes(url, conf.MAX_THUMB_BYTES)
    except (httpx.HTTPError, httpx.InvalidURL, http.BlockedAddress, http.ResponseTooLarge):
        return None
    mime = records.sniff_image_type(data)
    return (data, mime) if mime is not None else None


def _reply_ref(parent: Receipt) -> dict[str, Any]:
    data = dict(parent.data)
    data.setdefault("uri", parent.remote_id)
    if not data.get("cid"):
        raise Rejected(
            _("The post this replies to has no Bluesky content id; publish it again first.")
        )
    return records.reply_ref(data)


def _post_uri(remote_id: str) -> AtUri:
    try:
        uri = AtUri.from_str(remote_id)
    except AtProtocolError as exc:
        raise Rejected(_("%(id)s is not a Bluesky post address.") % {"id": remote_id}) from exc
    if uri.collection != conf.POST_COLLECTION or not uri.rkey:
        raise Rejected(_("%(id)s is not a Bluesky post address.") % {"id": remote_id})
    return uri


# --- analytics helpers -----------------------------------------------------------------


def _view_counts(post: models.AppBskyFeedDefs.PostView) -> dict[str, int]:
    values = {
        "likes": post.like_count,
        "reposts": post.repost_count,
        "replies": post.reply_count,
        "quotes": post.quote_count,
    }
    return {name: value for name, value in values.items() if value is not None}


def _readable_uri(receipt: Receipt) -> str | None:
    """The post's at:// URI, or None if the receipt holds no Bluesky post address."""
    uri = str(receipt.data.get("uri") or receipt.remote_id)
    try:
        _post_uri(uri)
    except Rejected:
        return None
    return uri


def _is_own_post(item: models.AppBskyFeedDefs.FeedViewPost, did: str) -> bool:
    # A repost (or a pinned post, when asked for) carries a `reason`
    # (app.bsky.feed.defs#feedViewPost).
    return item.reason is None and item.post.author.did == did


def _field(record: Any, *names: str) -> Any:
    """A field of a record the SDK parsed into a model, or left as a dict."""
    for name in names:
        value = record.get(name) if isinstance(record, Mapping) else getattr(record, name, None)
        if value is not None:
            return value
    return None


def _reply_of(record: Any) -> dict[str, Any] | None:
    """The record's reply refs as records.receipt_data reads them, if it is a reply."""
    root = _field(_field(record, "reply") or {}, "root")
    uri, cid = _field(root or {}, "uri"), _field(root or {}, "cid")
    return {"root": {"uri": str(uri), "cid": str(cid)}} if uri and cid else None


def _embed_summary(embed: Any) -> tuple[int, bool, str]:
    """(images or videos, whether one is a video, external link) of a post view's embed."""
    if isinstance(embed, models.AppBskyEmbedRecordWithMedia.View):
        return _embed_summary(embed.media)
    if isinstance(embed, models.AppBskyEmbedImages.View):
        return len(embed.images), False, ""
    if isinstance(embed, models.AppBskyEmbedGallery.View):
        return len(embed.items), False, ""
    if isinstance(embed, models.AppBskyEmbedVideo.View):
        return 1, True, ""
    if isinstance(embed, models.AppBskyEmbedExternal.View):
        return 0, False, web_url(embed.external.uri)
    return 0, False, ""


# --- errors ----------------------------------------------------------------------------


@contextmanager
def translated_errors(server: str) -> Iterator[None]:
    """Turn whatever talking to `server` raised into one of the adapter errors."""
    try:
        yield
    except AdapterError:
        raise
    except _TALK_ERRORS as exc:
        raise error_for(exc, server) from exc


def error_for(exc: Exception, server: str) -> AdapterError:
    if isinstance(exc, http.BlockedAddress):
        return AdapterError(
            _(
                "%(server)s is a private or local address, and Orkesteri only connects to "
                "public servers (%(reason)s)."
            )
            % {"server": server, "reason": exc},
            permanent=True,
        )
    if isinstance(exc, InvokeTimeoutError):
        return _timeout(exc, server)
    if isinstance(exc, RequestErrorBase) and exc.response is not None:
        return _answer_error(exc, server)
    if isinstance(exc, NetworkError | httpx.HTTPError):
        return _unreachable(exc, server)
    if isinstance(exc, LoginRequiredError | InvalidTokenError):
        return AuthExpired(_("The Bluesky session has ended. Connect the account again."))
    return AdapterError(
        _("%(server)s answered with something that is not a Bluesky answer. Try again later.")
        % {"server": server}
    )


def _timeout(exc: InvokeTimeoutError, server: str) -> AdapterError:
    sent = not isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout)
    return AdapterError(
        _("%(server)s did not answer in time. Try again later.") % {"server": server},
        unknown_outcome=sent,
    )


def _unreachable(exc: Exception, server: str) -> AdapterError:
    cause = exc.__cause__ if isinstance(exc, NetworkError) else exc
    sent = not isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout)
    return AdapterError(
        _(
            "Could not reach %(server)s. Check the server address; if it is right, the "
            "server may be down, and Orkesteri will try again."
        )
        % {"server": server},
        unknown_outcome=sent,
    )


def _answer_error(exc: RequestErrorBase, server: str) -> AdapterError:
    status, name, message = _status(exc), _error_name(exc), _error_message(exc)
    if isinstance(exc, RateLimitExceededError) or status == 429:
        return _rate_limited(exc)
    if not _is_xrpc(exc):
        return AdapterError(
            _("%(server)s does not answer as a Bluesky server (HTTP %(status)s).")
            % {"server": server, "status": status},
            permanent=status < 500,
        )
    if conf.NO_APPVIEW_MARKER in message:
        return AdapterError(
            _("This server has no Bluesky AppView, so follower and like counts are not available."),
            permanent=True,
        )
    if name in conf.TAKEDOWN_ERRORS:
        return AuthExpired(_account_status_message(name))
    if status in (401, 403) or name in conf.SESSION_ERRORS:
        return AuthExpired(_app_password_refused())
    if status == 413 or name == "BlobTooLarge":
        return Rejected(
            _("Bluesky refused a file as too large: %(message)s") % {"message": message}
        )
    if _not_served(exc):
        return AdapterError(_not_a_server(server), permanent=True)
    if status >= 500:
        return AdapterError(
            _("Bluesky had a problem (%(error)s). Orkesteri will try again.")
            % {"error": message or name}
        )
    return Rejected(_("Bluesky did not accept this: %(message)s") % {"message": message or name})


def _rate_limited(exc: RequestErrorBase) -> RateLimited:
    retry_after = None
    if isinstance(exc, RateLimitExceededError):
        retry_after = exc.retry_after
        if retry_after is None and exc.reset_at is not None:
            retry_after = max((exc.reset_at - datetime.now(UTC)).total_seconds(), 0.0)
    return RateLimited(
        _("Bluesky asks Orkesteri to slow down; it will try again later."),
        retry_after=retry_after,
    )


def _session_is_dead(exc: Exception) -> bool:
    if isinstance(exc, LoginRequiredError | InvalidTokenError):
        return True
    if not isinstance(exc, RequestErrorBase) or exc.response is None or not _is_xrpc(exc):
        return False
    name = _error_name(exc)
    return name in conf.SESSION_ERRORS or (_status(exc) == 401 and name not in conf.TAKEDOWN_ERRORS)


def _not_served(exc: RequestErrorBase) -> bool:
    """The server does not have this method (https://atproto.com/specs/xrpc: 404, 501)."""
    return _error_name(exc) in ("MethodNotImplemented", "XRPCNotSupported") or _status(exc) in (
        404,
        501,
    )


def _status(exc: RequestErrorBase) -> int:
    return exc.response.status_code if exc.response is not None else 0


def _is_xrpc(exc: Exception) -> bool:
    return (
        isinstance(exc, RequestErrorBase)
        and exc.response is not None
        and isinstance(exc.response.content, XrpcError)
    )


def _error_name(exc: RequestErrorBase) -> str:
    content = exc.response.content if exc.response is not None else None
    return content.error if isinstance(content, XrpcError) else ""


def _error_message(exc: RequestErrorBase) -> str:
    content = exc.response.content if exc.response is not None else None
    return (content.message or "") if isinstance(content, XrpcError) else ""


def _not_a_server(server: str) -> str:
    return _(
        "%(server)s does not answer as a Bluesky server. Check the address: for most "
        "accounts it is %(default)s."
    ) % {"server": server, "default": conf.DEFAULT_SERVICE_URL}


def _app_password_refused() -> str:
    return _(
        "The app password was refused. Create a new one in Bluesky → Settings → Privacy and "
        "security → App passwords, then reconnect the channel."
    )


def _account_status_message(status: str) -> str:
    if status in ("AccountTakedown", "takendown", "suspended"):
        return _("Bluesky has suspended this account, so Orkesteri cannot post for it.")
    return _("This Bluesky account is deactivated. Reactivate it in Bluesky, then reconnect.")
