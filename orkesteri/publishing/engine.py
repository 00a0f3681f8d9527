"""The publishing engine's worker side (DESIGN.md §5): claim, re-check, send, record.

A task claims its delivery with a conditional UPDATE (status and version must match) and
proceeds only if one row changed; a per-channel lease keeps one send at a time per channel.
Before sending it re-checks the channel, the approval, the adapter's problems() and the late
cutoff. Only transient errors are retried; an outcome the network cannot dedupe becomes
`unknown`, never a second post. The sweeper re-enqueues what is due and settles sends that a
crashed worker abandoned.
"""

from __future__ import annotations

import functools
import logging
import random
import re
import threading
import time
import unicodedata
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote_plus, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image as PILImage

from orkesteri.channels import actions as channel_actions
from orkesteri.channels.models import Channel
from orkesteri.lib import sql
from orkesteri.links import actions as links
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
from orkesteri.networks.registry import ADAPTERS
from orkesteri.publishing.actions import (
    WAITING,
    enqueue,
    needs_approval,
    refresh_post_statuses,
)
from orkesteri.publishing.models import Delivery, Post, PostMedia

logger = logging.getLogger(__name__)
S = Delivery.Status


# A worker holds a channel this long at most; a crash frees it when it runs out.
LEASE = timedelta(minutes=2)
# A delivery still `publishing` after this long was abandoned by a crashed worker.
STALE_AFTER = timedelta(minutes=5)
# huey's scheduler ticks once a second, so a task may run up to a second before its eta.
EARLY = timedelta(seconds=1)
# How many deliveries one claim looks at, in due order (to find a batch of free channels).
HEAD = 48
# A task sends what is due until nothing is, for up to DRAIN_BUDGET_S, in batches of up to
# BATCH deliveries (one per channel). A batch's requests go out at once on the process's
# sender threads (settings.PUBLISH_CONCURRENCY of them), so a batch takes as long as its
# slowest send, not the sum of them.
BATCH = 24
DRAIN_BUDGET_S = 20.0


_senders: ThreadPoolExecutor | None = None
_senders_lock = threading.Lock()


def senders() -> ThreadPoolExecutor:
    """This process's sender threads: they only wait on networks, never touch the database."""
    global _senders
    with _senders_lock:
        if _senders is None:
            _senders = ThreadPoolExecutor(
                max_workers=settings.PUBLISH_CONCURRENCY, thread_name_prefix="orkesteri-send"
            )
        return _senders


@dataclass
class Outcome:
    """What one send of a batch came to, for writing the channel and the post back."""

    delivery: Delivery
    adapter: Adapter | None = None  # set when the network took the post
    not_before: datetime | None = None  # the network asked to wait (Retry-After)


def publish_due(delivery_id: int, version: int) -> int:
    """The task's body: send what is due, this delivery first; the number sent.

    Any task may send any due delivery: the claim's conditions (status waiting, due, the
    channel free) are what make a send right, not which task runs it. So a task that finds
    its own delivery taken still helps with a backlog, and the per-delivery tasks queued at
    schedule time are wake-ups that cost two queries when there is nothing to do.
    """
    started = time.monotonic()
    now = timezone.now()
    own = (
        Delivery.objects.filter(pk=delivery_id, version=version, status__in=WAITING)
        .exclude(channel__status=Channel.Status.NEEDS_RECONNECT)  # paused until a reconnect
        .values_list(
            "due_at", "channel_id", "channel__network", "channel__busy_until", "channel__not_before"
        )
        .first()
    )
    first: tuple[int, int, str] | None = None
    come_back: datetime | None = None  # when to look at this delivery again, if not sent
    if own is not None and own[0] is not None and own[0] <= now + EARLY:
        _due, channel_id, network, busy_until, not_before = own
        if not_before is not None and not_before > now + EARLY:
            come_back = not_before  # the network's rate: the channel must wait
        else:
            first = (delivery_id, channel_id, network)
            come_back = now + timedelta(seconds=1 + random.random())  # held, or lost a race
            if busy_until is not None and busy_until >= now:
                first = None  # another send holds the channel
    sent: set[int] = set()
    misses = 0
    while True:
        batch, seen = claim_due(timezone.now(), first=first)
        first = None
        if not batch:
            # Nothing due, or what was due went to other workers first: look again a few
            # times while the queue's head still shows due deliveries.
            misses += 1
            if not seen or misses > 3:
                break
            continue
        misses = 0
        settle(send_batch(batch))
        sent.update(d.pk for d in batch)
        if time.monotonic() - started > DRAIN_BUDGET_S:
            break
    if come_back is not None and delivery_id not in sent:
        from orkesteri.publishing.tasks import publish_delivery

        publish_delivery.schedule((delivery_id, version), eta=come_back)
    return len(sent)


def claim_due(
    now: datetime, first: tuple[int, int, str] | None = None
) -> tuple[list[Delivery], bool]:
    """Take due deliveries, at most one per free channel, for sending; (them, whether any
    were due). Up to BATCH of them.

    `first` (id, channel id, network) is a delivery the caller found due on a free channel:
    it is taken first. One transaction of four queries claims the whole batch: the head of
    the due queue, its channels' state, the channels' leases (a conditional UPDATE …
    RETURNING: a channel another worker holds is not taken) and the deliveries (conditional
    on still being waiting and due); a fifth reads what sending needs.
    """
    ready = now + EARLY  # for `first`, whose task huey may run up to a second early
    with transaction.atomic():
        # The head of the queue in due order, read along the partial index and locked; rows
        # another worker's claim holds are skipped, not waited for (PostgreSQL's SKIP LOCKED;
        # SQLite lets one writer in at a time anyway), so claimers take different channels.
        # No join to the channels here: with one, PostgreSQL may (its statistics permitting)
        # read and sort every due row per claim, 77 ms with 6,000 of them.
        due = list(
            Delivery.objects.filter(status__in=WAITING, due_at__lte=now)
            .select_for_update(skip_locked=True)
            .order_by("due_at")
            .values_list("pk", "channel_id")[:HEAD]
        )
        head = _on_free_channels(due, now, ready)
        if first is not None:
            head = [first, *(row for row in head if row[0] != first[0])]
        picked: dict[int, int] = {}  # channel → delivery, the earliest due of each channel
        for pk, channel_id, network in head:
            if channel_id in picked:
                continue
            if picked and not ADAPTERS[network].idempotent:
                # Only a batch's first send may be to a network that cannot dedupe: if the
                # worker dies mid-batch, that one is `unknown` and the others are retried.
                continue
            picked[channel_id] = pk
            if len(picked) == BATCH:
                break
        if not picked:
            return [], bool(head)
        leased = _lease(list(picked), now)
        ids = [picked[channel_id] for channel_id in leased]
        claimed = _claim(ids, now, ready) if ids else set()
        lost = [channel_id for channel_id in leased if picked[channel_id] not in claimed]
        if lost:
            Channel.objects.filter(pk__in=lost).update(busy_until=None)
    rows: list[Delivery] = list(
        Delivery.objects.filter(pk__in=claimed)
        .select_related("channel", "variant", "post__workspace")
        .annotate(has_media=Exists(PostMedia.objects.filter(post=OuterRef("post_id"))))
        .order_by("due_at")
    )
    for delivery in rows:
        delivery.variant.post = delivery.post  # one Post object: effective_text() reads it
    return rows, True


def _on_free_channels(
    rows: list[tuple[int, int]], now: datetime, ready: datetime
) -> list[tuple[int, int, str]]:
    """(delivery, channel, network) of the rows whose channel is connected, not held by
    another send and not waiting for the network's rate."""
    free = {
        pk: network
        for pk, network, busy_until, not_before, status in Channel.objects.filter(
            pk__in={channel_id for _pk, channel_id in rows}
        ).values_list("pk", "network", "busy_until", "not_before", "status")
        if (busy_until is None or busy_until < now)
        and (not_before is None or not_before <= ready)
        and status != Channel.Status.NEEDS_RECONNECT
    }
    return [(pk, channel_id, free[channel_id]) for pk, channel_id in rows if channel_id in free]


def _lease(channel_ids: list[int], now: datetime) -> list[int]:
    """The channels of `channel_ids` this worker now holds (per-channel concurrency 1): a
    conditional UPDATE … RETURNING (SQLite 3.35+ and PostgreSQL; the ORM's update() cannot
    say which rows it changed)."""
    rows = sql.execute(
        f"UPDATE {Channel._meta.db_table} SET busy_until = %s"
        f" WHERE id IN ({sql.placeholders(len(channel_ids))})"
        " AND (busy_until IS NULL OR busy_until < %s) RETURNING id",
        [now + LEASE, *channel_ids, now],
    )
    return [row[0] for row in rows]


def _claim(ids: list[int], now: datetime, ready: datetime) -> set[int]:
    """The deliveries of `ids` this worker claimed: still waiting and due, now publishing."""
    rows = sql.execute(
        f"UPDATE {Delivery._meta.db_table} SET status = %s, version = version + 1,"
        f" claimed_at = %s, attempts = attempts + 1, updated_at = %s"
        f" WHERE id IN ({sql.placeholders(len(ids))})"
        " AND status IN (%s, %s) AND due_at <= %s RETURNING id",
        [S.PUBLISHING, now, now, *ids, *WAITING, ready],
    )
    return {row[0] for row in rows}


def send_batch(batch: list[Delivery]) -> list[Outcome]:
    """Publish claimed deliveries and write down what happened; never raises. The checks
    and every write happen on this thread, each receipt the moment its answer arrives; the
    requests of single posts to remote networks go out at once on the sender threads (a
    thread or a first comment is sent here, part after part). The channels' leases and the
    posts' statuses are written back by `settle`."""
    outcomes = [Outcome(delivery) for delivery in batch]
    in_flight: dict[Future[Receipt], tuple[Outcome, Adapter]] = {}
    for outcome in outcomes:
        delivery = outcome.delivery
        try:
            ready = _ready(delivery)
            if ready is None:
                continue
            adapter, draft = ready
            if len(batch) > 1 and adapter.remote and _single(delivery):
                future = senders().submit(adapter.publish, draft, str(delivery.key))
                in_flight[future] = (outcome, adapter)
                continue
            _publish(adapter, delivery, draft)
            outcome.adapter = adapter
        except AdapterError as error:
            _failed(outcome, error)
        except Exception:
            _unexpected(delivery)
    waiting = set(in_flight)
    while waiting:
        # The receipts of the sends that have answered, stored at once in one write; the
        # others are still in flight, so nothing known waits on them.
        done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
        answered: list[tuple[Outcome, Adapter]] = []
        for future in done:
            outcome, adapter = in_flight[future]
            try:
                _record_part(outcome.delivery, future.result())
                answered.append((outcome, adapter))
            except AdapterError as error:
                _failed(outcome, error)
            except Exception:
                _unexpected(outcome.delivery)
        try:
            record_receipts([outcome.delivery for outcome, _adapter in answered])
        except Exception:
            for outcome, _adapter in answered:
                _unexpected(outcome.delivery)
            continue
        for outcome, adapter in answered:
            outcome.adapter = adapter
    return outcomes


def _ready(delivery: Delivery) -> tuple[Adapter, Draft] | None:
    """The delivery's adapter and first draft after the send-time checks; None when a
    check failed (the delivery is then failed, with the reason, and people told)."""
    reason = _reason_not_to_send(delivery)
    if reason:
        _fail(delivery, reason)
        return None
    draft = first_draft(delivery)
    adapter = channel_actions.open_adapter(delivery.channel)
    problems = adapter.problems(draft)
    if problems:
        _fail(delivery, " ".join(problems))
        return None
    return adapter, draft


def _fail(delivery: Delivery, reason: str) -> None:
    _finish(delivery, S.FAILED, error=reason)
    notify_failure(delivery)


def _single(delivery: Delivery) -> bool:
    """A post of one part with nothing sent yet (no thread, no first comment, no retry of
    one half sent)."""
    return not delivery.receipt.get("parts") and len(parts_of(delivery)) == 1


def _failed(outcome: Outcome, error: AdapterError) -> None:
    _record_failure(outcome.delivery, error)
    if isinstance(error, RateLimited) and error.retry_after:
        outcome.not_before = timezone.now() + timedelta(seconds=error.retry_after)


def _unexpected(delivery: Delivery) -> None:
    # Left `publishing`: whether it went out is not known, so the sweeper settles it after
    # STALE_AFTER (sends again only where the network dedupes).
    logger.exception("delivery %s: the send failed unexpectedly", delivery.pk)


def settle(outcomes: list[Outcome]) -> None:
    """After a batch: free its channels (noting successes and the network's rate) and
    derive its posts' statuses, in a few queries for the whole batch."""
    if not outcomes:
        return
    channel_actions.note_sends(
        [(o.delivery.channel, o.adapter, o.not_before) for o in outcomes], timezone.now()
    )
    refresh_post_statuses([o.delivery.post_id for o in outcomes])


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
    text, link = place_link(text, sent_link(delivery) if part == 0 else "", delivery.channel)
    return Draft(
        text=text,
        images=images_of(post, delivery.channel) if part == 0 and _has_media(delivery) else (),
        link=link,
        reply_to=reply_to,
        options=variant.options if part == 0 else {},
    )


def _has_media(delivery: Delivery) -> bool:
    """False only when the claim's query found no images (saves a query per send)."""
    return bool(getattr(delivery, "has_media", True))


def place_link(text: str, link: str, channel: Channel) -> tuple[str, str]:
    """(text, link card): where the network has no link cards the link goes at the end of
    the text, as people post it by hand. The composer's counts and the send use this."""
    if link and Feature.LINK_CARD not in channel.adapter_class.features:
        return (text if link in text else f"{text.rstrip()}\n\n{link}"), ""
    return text, link


def link_of(post: Post, channel: Channel) -> str:
    """The post's link as visitors from this channel should reach it: with UTM parameters
    (docs/links.md) when the post asks for them."""
    if not post.link or not post.utm:
        return post.link
    return tag_link(post.link, channel, campaign=post.campaign, post_id=post.pk)


def sent_link(delivery: Delivery) -> str:
    """The link the network gets: the post's (UTM-tagged), or the delivery's own short link
    to it when the post counts clicks (made at the first send, the same on a retry)."""
    target = link_of(delivery.post, delivery.channel)
    if not target or not delivery.post.short_link:
        return target
    return links.short_url(links.link_for_delivery(delivery, target).code)


def planned_link(
    link: str,
    channel: Channel,
    *,
    utm: bool,
    short_link: bool,
    campaign: str = "",
    post_id: int | None = None,
) -> str:
    """The link as `sent_link` will make it, for the composer's counts before the post is
    sent: a short link's length is known before it has a code."""
    if not link:
        return ""
    if short_link:
        return links.placeholder_url()
    return tag_link(link, channel, campaign=campaign, post_id=post_id) if utm else link


def tag_link(url: str, channel: Channel, *, campaign: str, post_id: int | None) -> str:
    """`url` with the UTM parameters of a post on this channel; unchanged if it is not an
    address that can be parsed."""
    try:
        return add_utm(url, source=channel.network, campaign=campaign, content=utm_content(post_id))
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host: nothing sensible to tag
        return url


def utm_content(post_id: int | None) -> str:
    """utm_content names the post, so that the post's visits can be told apart from the
    other posts' in the site's analytics, and found again in Orkesteri (its id)."""
    return f"post-{post_id}" if post_id is not None else ""


def utm_campaign(campaign: str) -> str:
    """The campaign as a stable UTM value: lower case (GA4 values are case-sensitive, so
    "Autumn" and "autumn" would be two campaigns), letters of any script, digits and _ kept,
    every other run of characters one "-"."""
    folded = unicodedata.normalize("NFKC", campaign).casefold()
    return "-".join(piece for piece in re.split(r"\W+", folded) if piece)


def add_utm(
    url: str, *, source: str, campaign: str = "", content: str = "", medium: str = "social"
) -> str:
    """`url` tagged per GA4's conventions (docs/links.md): utm_source (the network),
    utm_medium, utm_campaign and utm_content when not empty. The link's own utm_* parameters
    are replaced; its other parameters stay as written, and so does its fragment."""
    parts = urlsplit(url)
    kept = [p for p in parts.query.split("&") if p and not _is_utm(p)]
    values = {
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": utm_campaign(campaign),
        "utm_content": content,
    }
    tags = urlencode({k: v for k, v in values.items() if v}, quote_via=quote)
    return urlunsplit(parts._replace(query="&".join([*kept, tags])))


def _is_utm(pair: str) -> bool:
    return unquote_plus(pair.split("=", 1)[0]).lower().startswith("utm_")


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


def _publish(adapter: Adapter, delivery: Delivery, first: Draft) -> None:
    """The post, then its thread parts, each with its own key; resumes after a retry. Each
    part's receipt is stored the moment it is known (STYLE.md rule 7): the last one together
    with the `published` status, in one write."""
    done = len(delivery.receipt.get("parts", []))
    count = len(parts_of(delivery))
    receipt = Receipt(**delivery.receipt["parts"][-1]) if done else None
    for number in range(done, count):
        key = f"{delivery.key}" if number == 0 else f"{delivery.key}-{number}"
        draft = first if number == 0 else draft_of(delivery, number, receipt)
        receipt = adapter.publish(draft, key)
        _record_part(delivery, receipt)
        if number < count - 1:
            assignments, params = _receipt_columns([delivery])
            sql.execute(
                f"UPDATE {Delivery._meta.db_table} SET {assignments} WHERE id = %s",
                [*params, delivery.pk],
            )
    record_receipts([delivery])


def _record_part(delivery: Delivery, receipt: Receipt) -> None:
    """Add a part's receipt to the delivery's (in memory; the caller writes it)."""
    part = {"remote_id": receipt.remote_id, "url": receipt.url, "data": dict(receipt.data)}
    delivery.receipt = {"parts": [*delivery.receipt.get("parts", []), part]}


def record_receipts(deliveries: list[Delivery]) -> None:
    """The deliveries are published: each one's receipt and its status, in one write for
    all, only where the send is still ours."""
    if not deliveries:
        return
    assignments, params = _receipt_columns(deliveries)
    now = timezone.now()
    sql.execute(  # once per delivery or batch: written out (orkesteri/lib/sql.py)
        f"UPDATE {Delivery._meta.db_table} SET status = %s, version = version + 1,"
        f" {assignments}, published_at = %s, last_error = '', updated_at = %s"
        f" WHERE id IN ({sql.placeholders(len(deliveries))}) AND status = %s",
        [S.PUBLISHED, *params, now, now, *(d.pk for d in deliveries), S.PUBLISHING],
    )


def _receipt_columns(deliveries: list[Delivery]) -> tuple[str, list[Any]]:
    """The SET clause for the deliveries' receipts; the first part's address is the post's."""
    prepare = Delivery._meta.get_field("receipt").get_db_prep_value
    first = {d.pk: d.receipt["parts"][0] for d in deliveries}
    return sql.per_row(
        {
            "receipt": {d.pk: prepare(d.receipt, connection) for d in deliveries},
            "remote_id": {pk: part["remote_id"][:255] for pk, part in first.items()},
            "remote_url": {pk: part["url"][:2000] for pk, part in first.items()},
        }
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
        _fail(delivery, error.message)
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
    # Only while still ours: a send slower than STALE_AFTER may have been settled already.
    if not Delivery.objects.filter(pk=delivery.pk, status=S.PUBLISHING).update(**fields):
        return
    delivery.version += 1
    if due_at is not None:
        delivery.due_at = due_at
    if status == S.RETRYING and delivery.channel.status != Channel.Status.NEEDS_RECONNECT:
        enqueue(delivery)


def notify_failure(delivery: Delivery) -> None:
    """Email the author and the workspace's managers what went wrong, in the network's words."""
    from orkesteri.publishing.tasks import send_failure_email

    # The failure is named now, by the version it was decided at (each write moves it on):
    # the task's retries must not read a version that a later write has moved on since.
    pk, key = delivery.pk, f"delivery:{delivery.pk}:v{delivery.version}"
    transaction.on_commit(lambda: send_failure_email(pk, key))


# --- the sweeper -------------------------------------------------------------------------


def sweep(now: datetime | None = None) -> int:
    """Settle sends abandoned by a crashed worker, fail paused posts past the late cutoff,
    and wake workers for what is due and unclaimed; the number of wake-ups queued.

    Any task sends whatever is due until nothing is, so a few wake-ups drain a backlog of any
    size: one per worker thread at most.
    """
    from orkesteri.publishing.tasks import publish_delivery

    now = now or timezone.now()
    recover_abandoned(now)
    fail_paused(now)
    due = Delivery.objects.filter(status__in=WAITING, due_at__lte=now).exclude(
        channel__status=Channel.Status.NEEDS_RECONNECT
    )
    wake = list(due.order_by("due_at").values_list("pk", "version")[: settings.WORKER_THREADS])
    for pk, version in wake:
        transaction.on_commit(functools.partial(publish_delivery, pk, version))
    return len(wake)


def fail_paused(now: datetime) -> None:
    """Deliveries paused on a channel that needs reconnecting fail at the late cutoff, with
    the reason and a notification, instead of waiting for ever."""
    cutoff = now - timedelta(hours=settings.LATE_CUTOFF_HOURS)
    paused = Delivery.objects.filter(
        status__in=WAITING,
        due_at__lt=cutoff,
        channel__status=Channel.Status.NEEDS_RECONNECT,
    ).select_related("channel")
    failed = []
    for delivery in paused:
        error = _(
            "The channel %(name)s still needs reconnecting %(hours)s hours after the post's"
            " time, so it was not published."
        ) % {"name": delivery.channel.display_name, "hours": settings.LATE_CUTOFF_HOURS}
        if _settle(delivery, status=S.FAILED, last_error=error):
            failed.append(delivery)
    for delivery in failed:
        notify_failure(delivery)
    refresh_post_statuses(d.post_id for d in failed)


def recover_abandoned(now: datetime) -> None:
    """Sends still `publishing` long after their claim were abandoned by a crashed worker:
    send again where the network dedupes by our key, else `unknown` and tell people."""
    stale = Delivery.objects.filter(status=S.PUBLISHING, claimed_at__lt=now - STALE_AFTER)
    settled = []
    for delivery in stale.select_related("channel"):
        if delivery.channel.adapter_class.idempotent:
            changed = _settle(delivery, status=S.RETRYING)
        else:
            changed = _settle(
                delivery,
                status=S.UNKNOWN,
                last_error=_(
                    "The send was interrupted, so it may or may not have been published: check"
                    " the channel before re-posting."
                ),
            )
            if changed:
                notify_failure(delivery)
        if changed:
            settled.append(delivery)
    Channel.objects.filter(pk__in={d.channel_id for d in settled}).update(busy_until=None)
    refresh_post_statuses(d.post_id for d in settled)


def _settle(delivery: Delivery, **fields: Any) -> bool:
    """The sweeper's write: only if nobody changed the delivery since it was read."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, version=delivery.version).update(
            version=F("version") + 1, **fields
        )
    )
