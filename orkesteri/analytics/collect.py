"""Collecting our own metric history (issue 5): what is due, asking the network, storing it.

Every few minutes `collect_due` (tasks.py) makes sure each channel has a `Collection` and
each published delivery a `PostStats`, then queues `collect_channel` for the channels with
something due: the daily account sample, or posts whose next collection point has come
(published_at + 1 h, then each day up to 30 d: `POINTS`). A channel's run holds a lease, so
two workers never collect one channel at once, and asks the network in batches
(`Adapter.samples_batch`). Each sample is keyed by its point, so a repeated or crashed run
writes the same rows again (an upsert), never twins. A network's refusal touches only its
own channel: a Retry-After or a backoff waits on that channel, the others go on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from orkesteri.analytics.models import Collection, PostStats, Sample
from orkesteri.channels.actions import note_failure, open_adapter
from orkesteri.channels.models import Channel
from orkesteri.lib import sql
from orkesteri.links.queries import clicks_by_delivery
from orkesteri.networks.base import (
    ACCOUNT_METRICS,
    POST_METRICS,
    Adapter,
    AdapterError,
    AuthExpired,
    Feature,
    RateLimited,
    Receipt,
    RemotePost,
    Samples,
    Unsupported,
)
from orkesteri.publishing.models import Delivery, Post, PostMedia, Variant

logger = logging.getLogger(__name__)

# When a post's figures are read: 1 h after it went out, then once a day for 30 days.
POINTS: tuple[timedelta, ...] = (timedelta(hours=1), *(timedelta(days=d) for d in range(1, 31)))
BACKFILL_POSTS = 100  # the latest posts read back when a channel is first collected
MAX_POSTS_PER_RUN = 500  # the rest waits for the next run, so one channel cannot hog a worker
LEASE = timedelta(minutes=10)
RATE_WAIT = timedelta(minutes=15)  # when the network says "slow down" without saying how long
BACKOFF = timedelta(minutes=5)  # doubled per failure in a row, at most MAX_BACKOFF
MAX_BACKOFF = timedelta(hours=6)
HASHTAG = re.compile(r"(?<![\w#])#(\w{1,100})")


# --- collection points -----------------------------------------------------------------


def point_at(published_at: datetime, now: datetime) -> datetime | None:
    """The latest collection point of a post that has come by `now` (None: not yet 1 h)."""
    passed = [published_at + p for p in POINTS if published_at + p <= now]
    return passed[-1] if passed else None


def next_point(published_at: datetime, now: datetime) -> datetime | None:
    """The first collection point after `now`; None once the last (30 d) has passed."""
    return next((published_at + p for p in POINTS if published_at + p > now), None)


def day_of(moment: datetime) -> datetime:
    """Midnight UTC of the moment's day: the time of that day's account sample."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def next_account_at(channel_id: int, now: datetime) -> datetime:
    """Tomorrow, a few minutes past midnight UTC, spread over the first hour per channel."""
    return day_of(now) + timedelta(days=1, minutes=channel_id % 60)


def hashtags(text: str) -> list[str]:
    return sorted({tag.lower() for tag in HASHTAG.findall(text)})


# --- what is due ----------------------------------------------------------------------


def ensure_collections(now: datetime, channel_id: int | None = None) -> int:
    """A Collection for every channel that has none (new channels; only `channel_id` when
    given): collected at once."""
    missing = Channel.objects.filter(collection__isnull=True).values_list("pk", "demo")
    if channel_id is not None:
        missing = missing.filter(pk=channel_id)
    rows = [
        Collection(
            channel_id=pk,
            status=Collection.Status.DEMO if demo else Collection.Status.WAITING,
            next_account_at=None if demo else now,
        )
        for pk, demo in missing
    ]
    Collection.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def track_published(now: datetime, limit: int = 2000) -> int:
    """A PostStats for each published delivery that has none yet (its first point: 1 h)."""
    has_stats = PostStats.objects.filter(delivery=OuterRef("pk"))
    # What each row needs, in the one query: whether the post has images, and the channel's
    # followers in the last account sample before it went out (published_at, else the
    # delivery's last change, as below).
    followers = Sample.objects.filter(
        channel_id=OuterRef("channel_id"),
        delivery__isnull=True,
        metric="followers",
        at__lte=Coalesce(OuterRef("published_at"), OuterRef("updated_at")),
    ).order_by("-at")
    new = (
        Delivery.objects.filter(status=Delivery.Status.PUBLISHED, channel__demo=False)
        .exclude(Exists(has_stats))
        .annotate(
            has_media=Exists(PostMedia.objects.filter(post=OuterRef("post_id"))),
            followers=Subquery(followers.values("value")[:1]),
        )
        .select_related("post", "variant", "channel")
        .order_by("pk")[:limit]
    )
    rows = []
    for delivery in new:
        published_at = delivery.published_at or delivery.updated_at
        post, variant = delivery.post, delivery.variant
        text = variant.text or post.text
        rows.append(
            PostStats(
                delivery=delivery,
                workspace_id=post.workspace_id,
                channel_id=delivery.channel_id,
                published_at=published_at,
                format=_format_of(post, variant, delivery.has_media),
                length=len(text),
                hashtags=hashtags(text),
                followers=delivery.followers,
                next_collect_at=_first_collection(delivery.channel, published_at, now),
            )
        )
    PostStats.objects.bulk_create(rows, ignore_conflicts=True)
    # Clicks on a short link counted before its row existed are only in the link's days:
    # their totals now, after the rows exist, so a click in between is not lost; later
    # clicks add to the row as they come (links.actions.count_click).
    for delivery_id, total in clicks_by_delivery(row.delivery_id for row in rows).items():
        PostStats.objects.filter(pk=delivery_id).update(clicks=total)
    return len(rows)


def _format_of(post: Post, variant: Variant, has_media: bool) -> str:
    if variant.thread:
        return PostStats.Format.THREAD
    if has_media:
        return PostStats.Format.IMAGE
    if post.link:
        return PostStats.Format.LINK
    return PostStats.Format.TEXT


def _first_collection(channel: Channel, published_at: datetime, now: datetime) -> datetime | None:
    """1 h after publishing; a post older than that (published before analytics were
    collected) is read once now, at its latest point, and follows the points from there."""
    if not gives_post_figures(channel):
        return None  # nothing to ask
    return max(published_at + POINTS[0], now)


def gives_post_figures(channel: Channel) -> bool:
    adapter_class = channel.adapter_class
    return Feature.METRICS in adapter_class.features and bool(adapter_class.post_metrics)


def due_channels(now: datetime) -> list[int]:
    """Channels with something to collect that no worker is collecting and may be asked."""
    posts_due = PostStats.objects.filter(
        channel_id=OuterRef("channel_id"), next_collect_at__lte=now
    )
    return list(
        Collection.objects.filter(
            Q(busy_until__isnull=True) | Q(busy_until__lt=now),
            Q(not_before__isnull=True) | Q(not_before__lte=now),
            channel__demo=False,
            channel__status=Channel.Status.CONNECTED,
        )
        .exclude(status=Collection.Status.UNSUPPORTED)
        .filter(Q(next_account_at__lte=now) | Exists(posts_due))
        .values_list("channel_id", flat=True)
    )


# --- one channel's run ------------------------------------------------------------------


@dataclass
class Run:
    """What one collect_channel run did: shown in logs and read by tests."""

    account: int = 0
    posts: int = 0
    gone: int = 0
    imported: int = 0
    error: str = ""
    note: str = ""  # what the network said of figures it could not give (Samples.note)


def collect_channel(channel_id: int, now: datetime | None = None) -> Run | None:
    """Collect what is due on one channel; None when another worker holds it or it must wait."""
    now = now or timezone.now()
    if not _lease(channel_id, now):
        return None
    run = Run()
    try:
        channel = Channel.objects.select_related("workspace").get(pk=channel_id)
        _collect(channel, now, run)
    except Channel.DoesNotExist:
        return None
    finally:
        Collection.objects.filter(pk=channel_id).update(busy_until=None)
    return run


def _lease(channel_id: int, now: datetime) -> bool:
    free = Q(busy_until__isnull=True) | Q(busy_until__lt=now)
    may = Q(not_before__isnull=True) | Q(not_before__lte=now)
    return (
        Collection.objects.filter(free, may, pk=channel_id).update(
            busy_until=now + LEASE, last_run_at=now
        )
        == 1
    )


def _collect(channel: Channel, now: datetime, run: Run) -> None:
    state = Collection.objects.get(pk=channel.pk)
    if channel.demo or channel.status != Channel.Status.CONNECTED:
        return
    if Feature.METRICS not in channel.adapter_class.features:
        _settle(state, Collection.Status.UNSUPPORTED, "", now)  # the status says it all
        return
    try:
        adapter = open_adapter(channel)
        if state.backfilled_at is None:
            run.imported = backfill(channel, adapter, now)
            state.backfilled_at = now
            state.save(update_fields=["backfilled_at"])
        _collect_due(channel, adapter, state, now, run)
    except RateLimited as e:
        wait = timedelta(seconds=e.retry_after) if e.retry_after else RATE_WAIT
        run.error = e.message
        _settle(state, Collection.Status.RATE_LIMITED, e.message, now, not_before=now + wait)
    except AdapterError as e:
        run.error = e.message
        if isinstance(e, AuthExpired):
            note_failure(channel, e)  # the channel needs reconnecting: its managers are told
        failures = state.failures + 1
        wait = min(BACKOFF * 2 ** (failures - 1), MAX_BACKOFF)
        _settle(
            state, Collection.Status.ERROR, e.message, now, not_before=now + wait, failures=failures
        )
    else:
        _settle(state, Collection.Status.OK, run.note, now, success=True)


def _settle(
    state: Collection,
    status: str,
    message: str,
    now: datetime,
    *,
    not_before: datetime | None = None,
    failures: int = 0,
    success: bool = False,
) -> None:
    state.status = status
    state.message = message
    state.not_before = not_before
    state.failures = failures
    fields = ["status", "message", "not_before", "failures"]
    if success:
        state.last_success_at = now
        fields.append("last_success_at")
    if status == Collection.Status.UNSUPPORTED:
        state.next_account_at = None
        fields.append("next_account_at")
    state.save(update_fields=fields)


def _collect_due(
    channel: Channel, adapter: Adapter, state: Collection, now: datetime, run: Run
) -> None:
    due = list(
        PostStats.objects.filter(channel=channel, next_collect_at__lte=now, gone=False)
        .select_related("delivery")
        .order_by("next_collect_at")[:MAX_POSTS_PER_RUN]
    )
    account_due = state.next_account_at is None or state.next_account_at <= now
    batch = max(adapter.samples_batch, 1)
    batches = [due[i : i + batch] for i in range(0, len(due), batch)] or (
        [[]] if account_due else []
    )
    followers: int | None = None  # read with the first batch, for the run's new posts
    for number, stats in enumerate(batches):
        receipts = [_receipt(s.delivery) for s in stats]
        samples = adapter.fetch_samples(receipts, account=number == 0)
        run.note = samples.note or run.note
        followers = samples.account.get("followers", followers)
        with transaction.atomic():
            if number == 0 and account_due:
                run.account = store_account(channel.pk, samples.account, now)
                state.next_account_at = next_account_at(channel.pk, now)
                state.save(update_fields=["next_account_at"])
            store_posts(stats, samples, now, run, followers)


def _receipt(delivery: Delivery) -> Receipt:
    return Receipt(delivery.remote_id, delivery.remote_url, delivery.receipt or {})


# --- storing ----------------------------------------------------------------------------


def store_account(channel_id: int, counts: Mapping[str, int], now: datetime) -> int:
    """Today's account sample (one per metric per day: collecting again overwrites)."""
    at = day_of(now)
    rows = [(channel_id, None, m, at, int(v)) for m, v in counts.items() if m in ACCOUNT_METRICS]
    upsert_samples(rows)
    return len(rows)


def store_posts(
    stats: Sequence[PostStats],
    samples: Samples,
    now: datetime,
    run: Run,
    followers: int | None = None,
) -> None:
    """Each asked post's sample at its point, and its latest figures on PostStats;
    `followers` (the account's now) for a post first seen without its audience."""
    rows = []
    changed = []
    for row in stats:
        remote_id = row.delivery.remote_id
        counts = samples.posts.get(remote_id)
        row.next_collect_at = next_point(row.published_at, now)
        if remote_id in samples.gone:
            row.gone, row.next_collect_at = True, None
            run.gone += 1
        elif counts is not None:
            point = point_at(row.published_at, now) or now
            values = {m: int(v) for m, v in counts.items() if m in POST_METRICS}
            rows += [(row.channel_id, row.delivery_id, m, point, v) for m, v in values.items()]
            for metric, value in values.items():
                setattr(row, metric, value)
            if row.followers is None and followers is not None:
                # No sample before it went out (a new channel): the audience as it is now.
                row.followers = int(followers)
            row.collected_at = now
            run.posts += 1
        changed.append(row)
    upsert_samples(rows)
    PostStats.objects.bulk_update(
        changed, [*POST_METRICS, "followers", "collected_at", "next_collect_at", "gone"]
    )


def upsert_samples(rows: Iterable[tuple[int, int | None, str, datetime, int]]) -> None:
    """Insert samples (channel, delivery or None, metric, at, value); a sample already at that
    point gets the new value. Written out: the ORM cannot name a partial unique index as the
    conflict target, which SQLite and PostgreSQL both require."""
    account: list[tuple[Any, ...]] = []
    posts: list[tuple[Any, ...]] = []
    for channel_id, delivery_id, metric, at, value in rows:
        if delivery_id is None:
            account.append((channel_id, metric, at, value))
        else:
            posts.append((channel_id, delivery_id, metric, at, value))
    table = Sample._meta.db_table
    sql.execute_many(
        f"INSERT INTO {table} (channel_id, delivery_id, metric, at, value)"
        " VALUES (%s, NULL, %s, %s, %s) ON CONFLICT (channel_id, metric, at)"
        " WHERE delivery_id IS NULL DO UPDATE SET value = excluded.value",
        account,
    )
    sql.execute_many(
        f"INSERT INTO {table} (channel_id, delivery_id, metric, at, value)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (delivery_id, metric, at)"
        " WHERE delivery_id IS NOT NULL DO UPDATE SET value = excluded.value",
        posts,
    )


# --- backfill ---------------------------------------------------------------------------


def backfill(channel: Channel, adapter: Adapter, now: datetime) -> int:
    """Read the account's latest posts from before it was connected into our history (as
    imported posts), once, when the channel is first collected."""
    try:
        found = adapter.recent_posts(BACKFILL_POSTS)
    except Unsupported:
        return 0
    # Only what was posted before the channel was connected: a later post may be one of
    # ours whose send has not stored its remote id yet, and would be counted twice.
    earlier = [p for p in found if p.remote_id and p.published_at < channel.created_at]
    wanted = [p.remote_id for p in earlier]
    known = set(
        Delivery.objects.filter(channel=channel, remote_id__in=wanted).values_list(
            "remote_id", flat=True
        )
    )
    fresh = [p for p in earlier if p.remote_id not in known]
    with transaction.atomic():
        for remote in fresh:
            _import(channel, remote, now)
    return len(fresh)


def _import(channel: Channel, remote: RemotePost, now: datetime) -> None:
    post = Post.objects.create(
        workspace_id=channel.workspace_id,
        text=remote.text,
        link=remote.link[:2000],
        status=Post.Status.PUBLISHED,
        scheduled_at=remote.published_at,
        imported=True,
    )
    variant = Variant.objects.create(post=post, channel=channel)
    delivery = Delivery.objects.create(
        post=post,
        variant=variant,
        channel=channel,
        status=Delivery.Status.PUBLISHED,
        due_at=remote.published_at,
        published_at=remote.published_at,
        remote_id=remote.remote_id[:255],
        remote_url=remote.url[:2000],
        receipt=dict(remote.data),
    )
    values = {m: int(v) for m, v in remote.counts.items() if m in POST_METRICS}
    PostStats.objects.create(
        delivery=delivery,
        workspace_id=channel.workspace_id,
        channel=channel,
        published_at=remote.published_at,
        format=_remote_format(remote),
        length=len(remote.text),
        hashtags=hashtags(remote.text),
        collected_at=now,
        next_collect_at=next_point(remote.published_at, now)
        if gives_post_figures(channel)
        else None,
        **values,
    )
    point = point_at(remote.published_at, now) or now
    upsert_samples((channel.pk, delivery.pk, m, point, v) for m, v in values.items())


def _remote_format(remote: RemotePost) -> str:
    if remote.video:
        return PostStats.Format.VIDEO
    if remote.images:
        return PostStats.Format.IMAGE
    if remote.link:
        return PostStats.Format.LINK
    return PostStats.Format.TEXT
