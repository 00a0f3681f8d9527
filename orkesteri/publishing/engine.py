"""The publishing engine's worker side (DESIGN.md §5): claim, re-check, send, record.

A task claims its delivery with a conditional UPDATE (status and version must match) and
proceeds only if one row changed; a per-channel lease keeps one send at a time per channel.
Before sending it re-checks the channel, the approval, the adapter's problems() and the late
cutoff. Only transient errors are retried; an outcome the network cannot dedupe becomes
`unknown`, never a second post. The sweeper re-enqueues what is due and settles sends that a
crashed worker abandoned.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image as PILImage

from orkesteri.channels import actions as channel_actions
from orkesteri.channels.models import Channel
from orkesteri.media import actions as media_actions
from orkesteri.media.images import Edits
from orkesteri.networks.base import (
    Adapter,
    AdapterError,
    AuthExpired,
    Draft,
    Feature,
    Image,
    RateLimited,
    Receipt,
    Rejected,
)
from orkesteri.publishing.actions import (
    LEASE,
    STALE_AFTER,
    WAITING,
    enqueue,
    needs_approval,
    refresh_post_status,
)
from orkesteri.publishing.models import Delivery, Post

logger = logging.getLogger(__name__)
S = Delivery.Status


def claim_delivery(delivery_id: int, version: int) -> Delivery | None:
    """Take the delivery for sending, if it is still what the task was queued for."""
    now = timezone.now()
    delivery = (
        Delivery.objects.filter(pk=delivery_id, version=version, status__in=WAITING)
        .select_related("channel")
        .first()
    )
    if delivery is None or (delivery.due_at and delivery.due_at > now + timedelta(seconds=1)):
        return None
    if not _take_channel(delivery.channel_id, now):
        # Another send holds the channel: try again shortly, same version.
        _requeue_soon(delivery)
        return None
    changed = Delivery.objects.filter(pk=delivery_id, version=version, status__in=WAITING).update(
        status=S.PUBLISHING, version=F("version") + 1, claimed_at=now, attempts=F("attempts") + 1
    )
    if changed != 1:
        _free_channel(delivery.channel_id)
        return None
    claimed = Delivery.objects.select_related("channel", "variant", "post__workspace").get(
        pk=delivery_id
    )
    claimed.variant.post = claimed.post  # one Post object: variant.effective_text() reads it
    return claimed


def _take_channel(channel_id: int, now: datetime) -> bool:
    return (
        Channel.objects.filter(pk=channel_id)
        .filter(Q(busy_until__isnull=True) | Q(busy_until__lt=now))
        .update(busy_until=now + LEASE)
        == 1
    )


def _free_channel(channel_id: int) -> None:
    Channel.objects.filter(pk=channel_id).update(busy_until=None)


def _requeue_soon(delivery: Delivery) -> None:
    from orkesteri.publishing.tasks import publish_delivery

    publish_delivery.schedule(
        (delivery.pk, delivery.version),
        delay=1 + random.random(),
    )


def send_delivery(delivery: Delivery) -> None:
    """Publish a claimed delivery and write down what happened. Never raises AdapterError."""
    try:
        reason = _reason_not_to_send(delivery)
        draft = None if reason else first_draft(delivery)
        if draft is not None:
            adapter_class = delivery.channel.adapter_class
            reason = " ".join(adapter_class({}, delivery.channel.config).problems(draft))
        if reason or draft is None:
            _finish(delivery, S.FAILED, error=reason)
            return
        adapter = channel_actions.open_adapter(delivery.channel)
        receipt = _publish(adapter, delivery, draft)
    except AdapterError as error:
        _record_failure(delivery, error)
    else:
        channel_actions.note_success(delivery.channel, adapter)
        record_receipt(delivery, receipt)
    finally:
        _free_channel(delivery.channel_id)
        refresh_post_status(delivery.post)


def first_draft(delivery: Delivery) -> Draft:
    """The delivery's post as its network gets it, images rendered once."""
    try:
        return draft_of(delivery)
    except (OSError, ValueError, PILImage.DecompressionBombError) as e:
        logger.exception("delivery %s: could not prepare its images", delivery.pk)
        raise Rejected(
            _("An image of the post could not be prepared (%(error)s). Replace it and try again.")
            % {"error": e}
        ) from e


def _reason_not_to_send(delivery: Delivery) -> str:
    """The re-checks at send time (DESIGN.md §5); "" when the delivery may go out."""
    channel, post = delivery.channel, delivery.post
    if channel.status == Channel.Status.NEEDS_RECONNECT:
        return _("The channel %(name)s needs reconnecting.") % {"name": channel.display_name}
    if needs_approval(post):
        return _("The post was not approved.")
    cutoff = timedelta(hours=settings.LATE_CUTOFF_HOURS)
    if delivery.due_at and timezone.now() - delivery.due_at > cutoff:
        return _(
            "It could not be published within %(hours)s hours of its time, so it was not"
            " published late."
        ) % {"hours": settings.LATE_CUTOFF_HOURS}
    return ""


def parts_of(delivery: Delivery) -> list[str]:
    """The texts the delivery publishes in order: the post, its thread, the first comment
    (a reply to the post, where the network has replies)."""
    variant, post = delivery.variant, delivery.post
    texts = [variant.effective_text(), *(variant.thread or [])]
    if post.first_comment.strip() and Feature.THREAD in delivery.channel.adapter_class.features:
        texts.append(post.first_comment)
    return texts


def draft_of(delivery: Delivery, part: int = 0, reply_to: Receipt | None = None) -> Draft:
    variant, post = delivery.variant, delivery.post
    text = parts_of(delivery)[part]
    text, link = place_link(
        text, link_of(post, delivery.channel) if part == 0 else "", delivery.channel
    )
    return Draft(
        text=text,
        images=images_of(post, delivery.channel) if part == 0 else (),
        link=link,
        reply_to=reply_to,
        options=variant.options if part == 0 else {},
    )


def place_link(text: str, link: str, channel: Channel) -> tuple[str, str]:
    """(text, link card): where the network has no link cards the link goes at the end of
    the text, as people post it by hand. The composer's counts and the send use this."""
    if link and Feature.LINK_CARD not in channel.adapter_class.features:
        return (text if link in text else f"{text.rstrip()}\n\n{link}"), ""
    return text, link


def link_of(post: Post, channel: Channel) -> str:
    """The post's link, with UTM parameters (source = the network) when the post asks."""
    if not post.link or not post.utm:
        return post.link
    return add_utm(post.link, source=channel.network, medium="social", campaign=post.campaign)


def add_utm(url: str, *, source: str, medium: str, campaign: str) -> str:
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.startswith("utm_")
    ]
    query += [("utm_source", source), ("utm_medium", medium)]
    if campaign:
        query.append(("utm_campaign", campaign))
    return urlunsplit(parts._replace(query=urlencode(query)))


def images_of(post: Post, channel: Channel) -> tuple[Image, ...]:
    """The post's images as this channel's network wants them (its first preset), else as
    uploaded."""
    presets = channel.adapter_class.default_limits.image_presets
    found = []
    for item in post.media.select_related("asset"):
        asset = item.asset
        if presets:
            edits = Edits(watermark=item.watermark, enhance=item.enhance)
            rendition = media_actions.rendition_for(asset, presets[0], edits)
            with rendition.file.open("rb") as f:
                data = f.read()
            found.append(
                Image(data, "image/jpeg", rendition.width, rendition.height, asset.alt_text)
            )
        else:
            with asset.file.open("rb") as f:
                data = f.read()
            found.append(Image(data, asset.mime, asset.width, asset.height, asset.alt_text))
    return tuple(found)


def _publish(adapter: Adapter, delivery: Delivery, first: Draft) -> Receipt:
    """The post, then its thread parts, each with its own key; resumes after a retry."""
    parts = list(delivery.receipt.get("parts", []))
    receipt: Receipt | None = None
    for number in range(len(parts_of(delivery))):
        if number < len(parts):
            receipt = Receipt(**parts[number])
            continue
        key = f"{delivery.key}" if number == 0 else f"{delivery.key}-{number}"
        draft = first if number == 0 else draft_of(delivery, number, receipt)
        receipt = adapter.publish(draft, key)
        parts.append(
            {"remote_id": receipt.remote_id, "url": receipt.url, "data": dict(receipt.data)}
        )
        # Stored the moment it is known (STYLE.md rule 7).
        Delivery.objects.filter(pk=delivery.pk).update(receipt={"parts": parts})
        delivery.receipt = {"parts": parts}
        if number == 0:
            Delivery.objects.filter(pk=delivery.pk).update(
                remote_id=receipt.remote_id[:255], remote_url=receipt.url[:2000]
            )
    return Receipt(**parts[0])


def record_receipt(delivery: Delivery, receipt: Receipt) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=S.PUBLISHING).update(
        status=S.PUBLISHED,
        version=F("version") + 1,
        remote_id=receipt.remote_id[:255],
        remote_url=receipt.url[:2000],
        published_at=timezone.now(),
        last_error="",
    )


def _record_failure(delivery: Delivery, error: AdapterError) -> None:
    """The one place a send's error is written on the delivery (STYLE.md rule 4)."""
    idempotent = delivery.channel.adapter_class.idempotent
    if isinstance(error, AuthExpired):
        channel_actions.note_failure(delivery.channel, error)
        # Paused, not failed: it goes out when the channel is reconnected (late cutoff allowing).
        _finish(delivery, S.RETRYING, error=error.message, due_at=delivery.due_at)
        return
    if error.unknown_outcome and not idempotent:
        _finish(
            delivery,
            S.UNKNOWN,
            error=_(
                "%(error)s It may or may not have been published: check the channel before"
                " re-posting."
            )
            % {"error": error.message},
        )
        notify_failure(delivery)
        return
    if error.permanent or delivery.attempts >= settings.PUBLISH_MAX_ATTEMPTS:
        _finish(delivery, S.FAILED, error=error.message)
        notify_failure(delivery)
        return
    retry_after = error.retry_after if isinstance(error, RateLimited) else None
    due = timezone.now() + timedelta(seconds=backoff(delivery.attempts, retry_after))
    _finish(delivery, S.RETRYING, error=error.message, due_at=due)


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next try: the network's Retry-After, else 30 s doubling, ±20%."""
    if retry_after is not None and retry_after > 0:
        return float(retry_after)
    base = min(30 * 2 ** max(attempts - 1, 0), 3600)
    return base * random.uniform(0.8, 1.2)  # jitter, not security


def _finish(
    delivery: Delivery, status: str, error: str = "", due_at: datetime | None = None
) -> None:
    fields: dict[str, Any] = {"status": status, "version": F("version") + 1, "last_error": error}
    if due_at is not None:
        fields["due_at"] = due_at
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    if status == S.RETRYING and delivery.channel.status != Channel.Status.NEEDS_RECONNECT:
        delivery.refresh_from_db(fields=["version", "due_at"])
        enqueue(delivery)


def notify_failure(delivery: Delivery) -> None:
    """Email the author and the workspace's managers what went wrong, in the network's words."""
    from orkesteri.publishing.tasks import send_failure_email

    transaction.on_commit(lambda: send_failure_email(delivery.pk))


# --- the sweeper -------------------------------------------------------------------------


def sweep(now: datetime | None = None) -> int:
    """Enqueue what is due and unclaimed; settle sends abandoned by a crashed worker."""
    now = now or timezone.now()
    recover_abandoned(now)
    due = Delivery.objects.filter(status__in=WAITING, due_at__lte=now).exclude(
        channel__status=Channel.Status.NEEDS_RECONNECT
    )
    count = 0
    for delivery in due.only("pk", "version", "due_at").iterator():
        enqueue(delivery)
        count += 1
    return count


def recover_abandoned(now: datetime) -> None:
    stale = Delivery.objects.filter(status=S.PUBLISHING, claimed_at__lt=now - STALE_AFTER)
    for delivery in stale.select_related("channel", "post"):
        if delivery.channel.adapter_class.idempotent:
            # The network dedupes by our key: sending again cannot make a second post.
            changed = Delivery.objects.filter(pk=delivery.pk, version=delivery.version).update(
                status=S.RETRYING, version=F("version") + 1
            )
        else:
            changed = Delivery.objects.filter(pk=delivery.pk, version=delivery.version).update(
                status=S.UNKNOWN,
                version=F("version") + 1,
                last_error=_(
                    "The send was interrupted, so it may or may not have been published: check"
                    " the channel before re-posting."
                ),
            )
        if changed:
            _free_channel(delivery.channel_id)
            refresh_post_status(delivery.post)
