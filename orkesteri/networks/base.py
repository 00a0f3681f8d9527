"""The adapter contract (DESIGN.md §4): what every network package implements.

Adapters take and return the small frozen dataclasses below and never save models; the
caller (`orkesteri/channels/actions.py`, later `publishing/actions.py`) persists. Adapters
raise only the four error types below, each with a message a user can act on; every
network maps its documented error bodies onto them in its own `adapter.py`.

Generic code never names a network: it asks the adapter class for `features`, `limits`,
`ConnectForm` and `label` (STYLE.md rules 2–3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from orkesteri.lib.text import Measurement, TextRules, measure

if TYPE_CHECKING:
    from django import forms
    from django.utils.functional import _StrPromise as StrPromise


# --- errors ----------------------------------------------------------------------------


class AdapterError(Exception):
    """Something went wrong talking to the network. `permanent` means retrying won't help."""

    permanent: bool = False

    def __init__(
        self, message: str, permanent: bool | None = None, unknown_outcome: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        if permanent is not None:
            self.permanent = permanent
        # The request may have reached the network (a timeout after sending, a dropped
        # connection): re-sending is only safe where the adapter is `idempotent`.
        self.unknown_outcome = unknown_outcome

    def __str__(self) -> str:
        return self.message


class AuthExpired(AdapterError):
    """The credentials no longer work: the channel needs reconnecting."""

    permanent = True


class RateLimited(AdapterError):
    """The network asks us to slow down. `retry_after` in seconds when the network says."""

    def __init__(
        self, message: str, retry_after: float | None = None, scope: str = "account"
    ) -> None:
        super().__init__(message, permanent=False)
        self.retry_after = retry_after
        self.scope = scope


class Rejected(AdapterError):
    """The network refused this content (too long, bad media, duplicate…): fix the post."""

    permanent = True


class Unsupported(Rejected):
    """The draft asks for a feature this network does not have (e.g. a thread on VK)."""


# --- what adapters declare -------------------------------------------------------------


class Feature(StrEnum):
    PUBLISH = "publish"
    THREAD = "thread"  # a reply chain of our own posts
    DELETE = "delete"
    MEDIA = "media"  # images with the post
    ALT_TEXT = "alt_text"
    LINK_CARD = "link_card"
    CONTENT_WARNING = "content_warning"
    VISIBILITY = "visibility"
    LANGUAGE = "language"
    SILENT = "silent"  # publish without notifying subscribers
    OAUTH = "oauth"  # connects through the network's authorization page
    INBOX = "inbox"
    REPLY = "reply"
    DM = "dm"
    METRICS = "metrics"
    PUBLIC_READ = "public_read"


@dataclass(frozen=True)
class ImagePreset:
    """A rendition a network wants: `width`×`height` pixels (crop to fill), at most `max_bytes`."""

    name: str  # stable slug, e.g. "instagram-portrait"
    label: str  # what the media picker shows
    width: int
    height: int
    max_bytes: int | None = None


@dataclass(frozen=True)
class Rate:
    """At most `posts` publishes per `seconds` on one channel: the network's documented limit.

    Kept as a token bucket on the channel (`spend`): up to `posts` may go at once, then one
    more each `seconds / posts`.
    """

    posts: int
    seconds: float

    def spend(self, tokens: float | None, elapsed_s: float) -> tuple[float, float]:
        """(tokens left after one publish, seconds until the next may start); `tokens` is
        what was left `elapsed_s` ago (None: a full bucket)."""
        per_s = self.posts / self.seconds
        full = float(self.posts) if tokens is None else tokens + max(elapsed_s, 0.0) * per_s
        left = min(full, float(self.posts)) - 1.0
        return left, (0.0 if left >= 1.0 else (1.0 - left) / per_s)


@dataclass(frozen=True)
class Limits:
    """What the composer, the media picker and the publisher read (STYLE.md rule 3)."""

    text: TextRules
    caption: TextRules | None = None  # the text limit when images are attached, if different
    max_images: int = 0
    image_types: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp", "image/gif")
    max_image_bytes: int | None = None
    max_alt_text: int | None = None  # characters (code points)
    max_thread: int = 1  # posts in one thread, 1 = no threads
    image_presets: tuple[ImagePreset, ...] = ()  # renditions the media pipeline makes
    rate: Rate | None = None  # publishes per channel the network allows, None: no limit

    def text_rules(self, with_images: bool) -> TextRules:
        return self.caption if with_images and self.caption else self.text


# --- what adapters take and return -----------------------------------------------------


@dataclass(frozen=True)
class Image:
    data: bytes
    mime: str
    width: int
    height: int
    alt: str = ""


@dataclass(frozen=True)
class Receipt:
    """A published post. `data` holds what the network needs later (e.g. Bluesky's cid)."""

    remote_id: str
    url: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Draft:
    """One post to publish on one channel.

    `options` are the per-network choices the composer offers when the adapter declares
    the feature: content_warning (str), visibility (str), language (str), silent (bool).
    `reply_to` makes it a reply (THREAD); `link` asks for a link card (LINK_CARD).
    """

    text: str
    images: tuple[Image, ...] = ()
    link: str = ""
    reply_to: Receipt | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Connection:
    """A verified account: what `connect` and `finish_authorize` return for the caller to save."""

    account_id: str  # the network's stable id for the account (DID, account id, chat id…)
    display_name: str  # what the user recognises (@handle, channel title…)
    credentials: Mapping[str, Any]  # encrypted at rest; never shown or returned by the API
    config: Mapping[str, Any] = field(default_factory=dict)  # not secret (service URL, limits…)
    url: str = ""  # the account's public page


@dataclass(frozen=True)
class Counts:
    """Numbers read back from the network; a missing key means the network doesn't say."""

    values: Mapping[str, int]
    note: str = ""  # e.g. why some numbers are unavailable


# The metrics Orkesteri keeps (analytics). Account: the channel's audience and output.
ACCOUNT_METRICS = ("followers", "following", "posts")
# Post: reactions and reach. "replies" are comments; "reposts" are boosts/shares/retweets.
POST_METRICS = ("likes", "replies", "reposts", "quotes", "views", "reach", "impressions")


@dataclass(frozen=True)
class Samples:
    """What `fetch_samples` read: the account's counts and each asked post's counts.

    `posts` maps the Receipt's remote_id to its counts; a post the network no longer shows
    (deleted) is in `gone`, not in `posts`. A metric the network does not give is absent.
    """

    account: Mapping[str, int]
    posts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    gone: frozenset[str] = frozenset()
    note: str = ""


@dataclass(frozen=True)
class RemotePost:
    """One of the account's own posts as the network lists it (backfill of history)."""

    remote_id: str
    published_at: datetime  # aware, UTC
    text: str = ""
    url: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)
    images: int = 0  # how many images or videos it carries
    video: bool = False
    link: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)  # as Receipt.data


# --- the adapter -----------------------------------------------------------------------


class Adapter:
    """Base class. A network overrides what it supports; the rest raises `Unsupported`.

    An instance is built from a channel's decrypted credentials and its config. If the
    network refreshes a session, the adapter updates `self.credentials`; the caller saves
    them when they changed.
    """

    kind: ClassVar[str]
    label: ClassVar[str | StrPromise]
    features: ClassVar[frozenset[Feature]] = frozenset()
    default_limits: ClassVar[Limits]
    ConnectForm: ClassVar[type[forms.Form]]  # fields for connect; its cleaned_data → connect()
    help_text: ClassVar[str | StrPromise] = (
        ""  # how to get the credentials, shown above the connect form
    )
    # True when publish() with the same key twice cannot create two posts (Bluesky record key,
    # Mastodon Idempotency-Key, VK guid): only then may an unknown outcome be retried.
    idempotent: ClassVar[bool] = False
    # True when publish() only talks to the network, so the engine may run it on a sender
    # thread alongside others; False when it writes this server's database (the feed).
    remote: ClassVar[bool] = True

    def __init__(self, credentials: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        self.credentials = dict(credentials)
        self.config = dict(config)
        self._credentials_given = dict(credentials)

    @property
    def credentials_changed(self) -> bool:
        """Whether the adapter replaced its credentials (a refreshed session) since it was
        made: then they must be stored again."""
        return self.credentials != self._credentials_given

    @property
    def limits(self) -> Limits:
        """This channel's limits: the defaults, unless the network told us its own."""
        return self.default_limits

    # connecting

    @classmethod
    def connect(cls, data: Mapping[str, Any]) -> Connection:
        """Verify what the user entered (ConnectForm.cleaned_data) against the network."""
        raise Unsupported(_("%(network)s cannot be connected this way.") % {"network": cls.label})

    @classmethod
    def authorize_url(
        cls, data: Mapping[str, Any], redirect_uri: str, state: str
    ) -> tuple[str, dict[str, Any]]:
        """OAuth: the URL to send the user to, and what finish_authorize needs back."""
        raise Unsupported(_("%(network)s does not connect through OAuth.") % {"network": cls.label})

    @classmethod
    def finish_authorize(
        cls, pending: Mapping[str, Any], params: Mapping[str, str], redirect_uri: str
    ) -> Connection:
        raise Unsupported(_("%(network)s does not connect through OAuth.") % {"network": cls.label})

    def verify(self) -> Connection:
        """Check the stored credentials still work (reconnect, health checks)."""
        raise Unsupported(_("%(network)s cannot check its connection.") % {"network": self.label})

    # publishing

    def problems(self, draft: Draft) -> list[str]:
        """Why this draft cannot be published here. Pure: no I/O, safe in a request."""
        return generic_problems(self, draft)

    def publish(self, draft: Draft, key: str) -> Receipt:
        raise Unsupported(_("%(network)s cannot publish.") % {"network": self.label})

    def delete(self, remote_id: str, data: Mapping[str, Any] | None = None) -> None:
        """Delete a published post; `data` is its Receipt's data (e.g. an album's other ids)."""
        raise Unsupported(_("%(network)s cannot delete posts.") % {"network": self.label})

    # reading back

    def account_counts(self) -> Counts:
        raise Unsupported(_("%(network)s does not report followers.") % {"network": self.label})

    def post_counts(self, receipt: Receipt) -> Counts:
        raise Unsupported(_("%(network)s does not report post numbers.") % {"network": self.label})

    # analytics: what the collector asks (orkesteri/analytics/collect.py)

    # The POST_METRICS this network gives for a post; empty: it gives none (declared, so
    # dashboards say so instead of showing zeros).
    post_metrics: ClassVar[frozenset[str]] = frozenset()
    # How many posts one fetch_samples call may ask about (the collector splits the rest).
    samples_batch: ClassVar[int] = 25

    def fetch_samples(self, posts: Sequence[Receipt], account: bool = True) -> Samples:
        """The account's counts now (unless `account` is False: a run's later batches) and
        those of `posts` (at most `samples_batch`).

        The default asks `account_counts` once and `post_counts` per post; a network with a
        batch endpoint overrides it. Raises Unsupported when the network gives no metrics.
        """
        if Feature.METRICS not in self.features:
            raise Unsupported(_("%(network)s does not report figures.") % {"network": self.label})
        counts = self.account_counts() if account else Counts({})
        found: dict[str, Mapping[str, int]] = {}
        gone: set[str] = set()
        for receipt in posts if self.post_metrics else ():
            try:
                found[receipt.remote_id] = self.post_counts(receipt).values
            except Rejected:
                gone.add(receipt.remote_id)
        return Samples(counts.values, found, frozenset(gone), counts.note)

    def recent_posts(self, limit: int) -> list[RemotePost]:
        """The account's own latest posts, newest first, at most `limit` (backfill)."""
        raise Unsupported(
            _("%(network)s does not list an account's earlier posts.") % {"network": self.label}
        )


def web_url(value: Any) -> str:
    """`value` if it is an http(s) address a browser may open, else "" (never javascript:)."""
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value
    return ""


def aware_utc(value: Any) -> datetime | None:
    """An aware UTC datetime from what a network or its SDK gives (an RFC 3339 / ISO 8601
    string or a datetime; no zone means UTC), or None if it is not one."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def measure_draft(adapter: Adapter, draft: Draft) -> Measurement:
    return measure(draft.text, adapter.limits.text_rules(with_images=bool(draft.images)))


def generic_problems(adapter: Adapter, draft: Draft) -> list[str]:
    """The checks every network shares, driven by its `features` and `limits`."""
    limits, features = adapter.limits, adapter.features
    problems = list(measure_draft(adapter, draft).problems)
    if not draft.text.strip() and not draft.images:
        problems.append(_("The post is empty."))
    if draft.images:
        if Feature.MEDIA not in features or not limits.max_images:
            problems.append(
                _("%(network)s posts cannot carry images here.") % {"network": adapter.label}
            )
        elif len(draft.images) > limits.max_images:
            problems.append(
                ngettext(
                    "At most %(max)s image can go with a post.",
                    "At most %(max)s images can go with a post.",
                    limits.max_images,
                )
                % {"max": limits.max_images}
            )
        for number, image in enumerate(draft.images, start=1):
            problems += _image_problems(limits, features, number, image)
    needs = (
        (draft.reply_to is not None, Feature.THREAD, gettext_noop("replies")),
        (bool(draft.link), Feature.LINK_CARD, gettext_noop("link cards")),
        (
            bool(draft.options.get("content_warning")),
            Feature.CONTENT_WARNING,
            gettext_noop("content warnings"),
        ),
        (bool(draft.options.get("visibility")), Feature.VISIBILITY, gettext_noop("visibility")),
        (bool(draft.options.get("silent")), Feature.SILENT, gettext_noop("silent posts")),
    )
    for wanted, feature, name in needs:
        if wanted and feature not in features:  # translated only when it is said
            problems.append(
                _("%(network)s does not support %(feature)s.")
                % {"network": adapter.label, "feature": _(name)}
            )
    return problems


def _image_problems(
    limits: Limits, features: frozenset[Feature], number: int, image: Image
) -> list[str]:
    found = []
    if image.mime not in limits.image_types:
        found.append(
            _("Image %(n)s is %(type)s; this network takes %(types)s.")
            % {"n": number, "type": image.mime, "types": ", ".join(limits.image_types)}
        )
    if limits.max_image_bytes and len(image.data) > limits.max_image_bytes:
        found.append(
            _("Image %(n)s is %(size)s KB; the most is %(max)s KB.")
            % {"n": number, "size": len(image.data) // 1024, "max": limits.max_image_bytes // 1024}
        )
    if image.alt and limits.max_alt_text and len(image.alt) > limits.max_alt_text:
        found.append(
            _("The alt text of image %(n)s is %(length)s characters; the most is %(max)s.")
            % {"n": number, "length": len(image.alt), "max": limits.max_alt_text}
        )
    if image.alt and Feature.ALT_TEXT not in features:
        found.append(
            _("Image %(n)s has alt text, which this network does not show.") % {"n": number}
        )
    return found
