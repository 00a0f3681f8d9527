"""Every change to posts and deliveries goes through here (STYLE.md rules 5–7).

Scheduling (DESIGN.md §5) enqueues `publish_delivery(id, version)` with the due time as
eta, once the transaction commits; the worker side (claim, re-check, send, record, sweep) is
in `engine.py`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from orkesteri.accounts.models import User, hash_token
from orkesteri.channels.models import Channel
from orkesteri.lib import dates
from orkesteri.media.models import Asset
from orkesteri.publishing import series
from orkesteri.publishing.models import (
    ApprovalLink,
    Delivery,
    Post,
    PostMedia,
    QueueSlot,
    Variant,
)
from orkesteri.workspaces.actions import ActionError, record
from orkesteri.workspaces.models import Workspace

logger = logging.getLogger(__name__)
S = Delivery.Status

# Deliveries that may still be sent; `published`, `failed`, `unknown`, `cancelled` are final.
OPEN = (S.DRAFT, S.AWAITING_APPROVAL, S.SCHEDULED, S.RETRYING)
WAITING = (S.SCHEDULED, S.RETRYING)


# --- writing posts ---------------------------------------------------------------------


@dataclass
class PostInput:
    """What the composer and the API send; validated by `clean_post_input`."""

    text: str = ""
    channel_ids: Sequence[int] = ()
    overrides: dict[int, str] = field(default_factory=dict)  # channel id → its own text
    link: str = ""
    utm: bool = False
    short_link: bool = False  # count clicks: each delivery gets its own short link
    first_comment: str = ""
    pillar: str = ""
    campaign: str = ""
    notes: str = ""
    thread: Sequence[str] = ()  # further parts after the text, for networks with threads
    options: dict[int, dict[str, Any]] = field(default_factory=dict)  # channel id → options
    media: Sequence[int] = ()  # asset ids of the workspace's media library, in order
    watermark: bool = False  # the workspace logo on every image
    enhance: bool = False
    repeat: series.Repeat | None = None  # None: publish once


def workspace_channels(workspace: Workspace, ids: Iterable[int]) -> list[Channel]:
    wanted = list(dict.fromkeys(ids))
    found = {c.pk: c for c in Channel.objects.filter(workspace=workspace, pk__in=wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ActionError({"channels": _("No such channel in this workspace: %(ids)s.") % {
            "ids": ", ".join(map(str, missing))}})  # fmt: skip
    demo = [found[i].display_name for i in wanted if found[i].demo]
    if demo:
        raise ActionError({"channels": _(
            "%(name)s is a demo channel: its figures are generated and there is no account "
            "behind it, so nothing can be published to it.") % {"name": demo[0]}})  # fmt: skip
    return [found[i] for i in wanted]


def _clean(workspace: Workspace, data: PostInput) -> list[Channel]:
    errors: dict[str, str] = {}
    if not data.channel_ids:
        errors["channels"] = _("Choose at least one channel.")
    if not data.text.strip() and not any(t.strip() for t in data.overrides.values()):
        errors["text"] = _("Write the post's text.")
    if data.link and not data.link.startswith(("https://", "http://")):
        errors["link"] = _("Give a web address starting with https://.")
    for name in ("pillar", "campaign"):
        if len(getattr(data, name)) > 100:
            errors[name] = _("At most 100 characters.")
    errors.update(series.rule_errors(data.repeat))
    if errors:
        raise ActionError(errors)
    channels = workspace_channels(workspace, data.channel_ids)
    unknown = sorted(set(data.overrides) - {c.pk for c in channels})
    if unknown:
        raise ActionError({"overrides": _("Texts for channels the post does not go to.")})
    assets = set(
        Asset.objects.filter(workspace=workspace, pk__in=data.media).values_list("pk", flat=True)
    )
    if len(assets) != len(set(data.media)):
        raise ActionError({"media": _("No such image in this workspace's media library.")})
    return channels


@transaction.atomic
def create_post(workspace: Workspace, author: User | None, data: PostInput) -> Post:
    channels = _clean(workspace, data)
    post = _new_post(workspace, author, data)
    post.save()
    _set_channels(post, channels, data)
    _set_media(post, data)
    record(workspace, author, "post.created", post_label(post))
    return post


def create_scheduled(
    workspace: Workspace,
    author: User | None,
    items: Sequence[tuple[PostInput, datetime]],
    *,
    waiting: bool,
    **fields: Any,
) -> list[Post]:
    """Write new posts at their times in a few statements for them all (the CSV import, the
    occurrences of a repeating post): each post with `fields`, a variant and a delivery per
    channel, its images; waiting for approval, or scheduled with their sends queued once the
    transaction commits. The caller has checked the input (the workspace's channels and
    images, times to come); a delivery is left at version 1, as `schedule_post` leaves one."""
    status = S.AWAITING_APPROVAL if waiting else S.SCHEDULED
    posts = Post.objects.bulk_create(
        _new_post(
            workspace,
            author,
            data,
            scheduled_at=when,
            status=derive_post_status([status]),
            **fields,
        )
        for data, when in items
    )
    pairs = list(zip(posts, (data for data, _when in items), strict=True))
    variants = Variant.objects.bulk_create(
        Variant(post=post, channel_id=channel_id, **_variant_fields(channel_id, data))
        for post, data in pairs
        for channel_id in data.channel_ids
    )
    PostMedia.objects.bulk_create(item for post, data in pairs for item in _media_of(post, data))
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            post=variant.post,
            variant=variant,
            channel_id=variant.channel_id,
            status=status,
            version=1,
            due_at=variant.post.scheduled_at,
        )
        for variant in variants
    )
    if not waiting:
        for delivery in deliveries:
            enqueue(delivery)
    return posts


def _new_post(workspace: Workspace, author: User | None, data: PostInput, **fields: Any) -> Post:
    return Post(
        workspace=workspace,
        author=author,
        text=data.text,
        link=data.link,
        utm=data.utm,
        short_link=data.short_link,
        first_comment=data.first_comment,
        pillar=data.pillar.strip(),
        campaign=data.campaign.strip(),
        notes=data.notes,
        **series.rule_fields(data.repeat),
        **fields,
    )


def _variant_fields(channel_id: int, data: PostInput) -> dict[str, Any]:
    return {
        "text": data.overrides.get(channel_id, ""),
        "thread": [t for t in data.thread if t.strip()],
        "options": data.options.get(channel_id, {}),
    }


def _set_channels(post: Post, channels: list[Channel], data: PostInput) -> None:
    keep = {c.pk for c in channels}
    Variant.objects.filter(post=post).exclude(channel_id__in=keep).delete()
    for channel in channels:
        variant, _created = Variant.objects.update_or_create(
            post=post, channel=channel, defaults=_variant_fields(channel.pk, data)
        )
        Delivery.objects.get_or_create(variant=variant, defaults={"post": post, "channel": channel})


def _set_media(post: Post, data: PostInput) -> None:
    PostMedia.objects.filter(post=post).delete()
    PostMedia.objects.bulk_create(_media_of(post, data))


def _media_of(post: Post, data: PostInput) -> list[PostMedia]:
    return [
        PostMedia(
            post=post, asset_id=asset, position=n, watermark=data.watermark, enhance=data.enhance
        )
        for n, asset in enumerate(dict.fromkeys(data.media))
    ]


@transaction.atomic
def update_post(
    post: Post,
    actor: User | None,
    data: PostInput,
    *,
    audit: bool = True,
    scheduling: bool = False,
) -> Post:
    """Edit a post that has not gone out; a scheduled one keeps its time.

    `scheduling`: the caller schedules the post next, which is when a new repeat rule takes
    effect; one occurrence of a series changes alone, and its rule not at all.
    """
    locked = Post.objects.select_for_update().get(pk=post.pk)
    if locked.deliveries.exclude(status__in=OPEN).exists():
        raise ActionError(
            _("This post is being published or was published; duplicate it to change it."),
            status=409,
        )
    channels = _clean(post.workspace, data)
    series.check_rule_change(locked, data.repeat, scheduling=scheduling)
    for name in ("text", "link", "utm", "short_link", "first_comment", "notes"):
        setattr(locked, name, getattr(data, name))
    locked.pillar, locked.campaign = data.pillar.strip(), data.campaign.strip()
    for name, value in series.rule_fields(data.repeat).items():
        setattr(locked, name, value)
    locked.save()
    _set_channels(locked, channels, data)
    _set_media(locked, data)
    if locked.scheduled_at is not None and not needs_approval(locked):
        # New channels join; the versions move on, so sends queued before do nothing.
        _schedule_deliveries([locked.pk], locked.scheduled_at)
    if audit:  # autosaves of a draft every few seconds would drown the audit log
        record(post.workspace, actor, "post.updated", post_label(locked))
    return locked


def post_input_of(post: Post) -> PostInput:
    variants = list(post.variants.all())
    media = list(post.media.all())
    return PostInput(
        text=post.text,
        channel_ids=[v.channel_id for v in variants],
        overrides={v.channel_id: v.text for v in variants if v.text},
        link=post.link,
        utm=post.utm,
        short_link=post.short_link,
        first_comment=post.first_comment,
        pillar=post.pillar,
        campaign=post.campaign,
        notes=post.notes,
        thread=variants[0].thread if variants else (),
        options={v.channel_id: v.options for v in variants if v.options},
        media=[m.asset_id for m in media],
        watermark=any(m.watermark for m in media),
        enhance=any(m.enhance for m in media),
        repeat=series.rule_of(post),
    )


def duplicate_post(post: Post, actor: User | None) -> Post:
    """A new draft with the same content and repeat rule, in no series until scheduled."""
    return create_post(post.workspace, actor, post_input_of(post))


# --- scheduling --------------------------------------------------------------------------


def needs_approval(post: Post) -> bool:
    return post.workspace.requires_approval and post.approved_at is None


# A time picked for "now" in a form that took a while to submit is still accepted.
SCHEDULE_GRACE = timedelta(minutes=1)


def has_passed(when: datetime) -> bool:
    """Whether a chosen publish time is too far in the past to schedule."""
    return when < timezone.now() - SCHEDULE_GRACE


def passed_message() -> str:
    return _("That time has passed. Choose a later one.")


@transaction.atomic
def schedule_post(post: Post, actor: User | None, when: datetime | None) -> Post:
    """Publish at `when` (None: now). Waits for approval where the workspace asks for it.

    A post that repeats and is in no series yet gets its later occurrences now (series.py).
    """
    if when is not None and timezone.is_naive(when):
        raise ActionError({"scheduled_at": _("Give the time with its time zone.")})
    due = when or timezone.now()
    if when is not None and has_passed(due):
        raise ActionError({"scheduled_at": passed_message()})
    locked = Post.objects.select_for_update().get(pk=post.pk)
    times: list[datetime] = []
    rule = series.rule_of(locked)
    if rule is not None and locked.series_id is None:
        if when is None:
            message = _("A repeating post starts at an exact time: choose it and press "
                        "Schedule, or turn Repeat off.")  # fmt: skip
            raise ActionError({"repeat": message})
        times = series.occurrence_times(rule, due, locked.workspace.timezone)
    locked.scheduled_at = due
    locked.save(update_fields=["scheduled_at", "updated_at"])
    if needs_approval(locked):
        locked.deliveries.filter(status__in=OPEN).update(
            status=S.AWAITING_APPROVAL, due_at=due, version=F("version") + 1
        )
        record(locked.workspace, actor, "post.submitted", post_label(locked))
    else:
        _schedule_deliveries([locked.pk], due)
        record(locked.workspace, actor, "post.scheduled", post_label(locked))
    refresh_post_status(locked)
    if times:
        series.create_series(locked, actor, times)
    return locked


def _schedule_deliveries(post_ids: Sequence[int], due: datetime | None = None) -> None:
    """The posts' open deliveries scheduled at `due` (None: each post's own time, or now if
    that has passed), their sends queued once the transaction commits."""
    ids = list(
        Delivery.objects.filter(post_id__in=post_ids, status__in=OPEN).values_list("pk", flat=True)
    )
    if not ids:
        return
    own_time = Subquery(Post.objects.filter(pk=OuterRef("post_id")).values("scheduled_at")[:1])
    Delivery.objects.filter(pk__in=ids).update(
        status=S.SCHEDULED,
        due_at=due if due is not None else Greatest(own_time, Value(timezone.now())),
        version=F("version") + 1,
        attempts=0,
        last_error="",
    )
    for delivery in Delivery.objects.filter(pk__in=ids).only("pk", "version", "due_at"):
        enqueue(delivery)


def enqueue(delivery: Delivery) -> None:
    """Queue the send for the due time, once the transaction has committed."""
    from orkesteri.publishing.tasks import publish_delivery

    pk, version, due = delivery.pk, delivery.version, delivery.due_at
    if due and due > timezone.now():
        transaction.on_commit(lambda: publish_delivery.schedule((pk, version), eta=due))
    else:
        transaction.on_commit(lambda: publish_delivery(pk, version))


@transaction.atomic
def approve_post(post: Post, approver: str) -> Post:
    """Approve the post; approving a series' first post approves its waiting occurrences."""
    locked = Post.objects.select_for_update().get(pk=post.pk)
    if locked.approved_at is None:
        locked.approved_at = timezone.now()
        locked.approved_by = approver[:254]
        locked.save(update_fields=["approved_at", "approved_by", "updated_at"])
    if locked.scheduled_at is not None:
        _schedule_deliveries([locked.pk])
    refresh_post_status(locked)
    label = f"{post_label(locked)} ({approver})"
    if locked.series_id == locked.pk:
        more = _approve_occurrences(locked, approver)
        if more:
            label = _("%(post)s and %(count)s later occurrences") % {"post": label, "count": more}
    record(locked.workspace, None, "post.approved", label)
    return locked


def _approve_occurrences(first: Post, approver: str) -> int:
    """The series' occurrences that wait for approval, approved with their first post: the
    same content (in a few statements for them all)."""
    waiting = series.members(first).filter(status=Post.Status.AWAITING_APPROVAL)
    ids = list(waiting.exclude(pk=first.pk).select_for_update().values_list("pk", flat=True))
    if ids:
        now = timezone.now()
        Post.objects.filter(pk__in=ids, approved_at__isnull=True).update(
            approved_at=now, approved_by=approver[:254], updated_at=now
        )
        _schedule_deliveries(ids)
        refresh_post_statuses(ids)
    return len(ids)


@transaction.atomic
def cancel_post(post: Post, actor: User | None) -> Post:
    """Stop whatever has not gone out yet; what was published stays published."""
    cancel_deliveries([post.pk])
    record(post.workspace, actor, "post.cancelled", post_label(post))
    refresh_post_status(post)
    return post


def cancel_deliveries(post_ids: Sequence[int]) -> None:
    Delivery.objects.filter(post_id__in=post_ids, status__in=OPEN).update(
        status=S.CANCELLED, version=F("version") + 1
    )


@transaction.atomic
def delete_post(post: Post, actor: User | None) -> None:
    if post.deliveries.filter(status__in=(S.PUBLISHING, S.PROCESSING)).exists():
        raise ActionError(_("This post is being published right now; try again in a minute."), 409)
    record(post.workspace, actor, "post.deleted", post_label(post))
    series.before_delete(post)
    post.delete()


def refresh_post_status(post: Post) -> None:
    """The post's status, from its deliveries (the calendar filters on it)."""
    post.status = refresh_post_statuses([post.pk])[post.pk]


def refresh_post_statuses(post_ids: Iterable[int]) -> dict[int, str]:
    """The posts' statuses from their deliveries: one read, then one write per distinct new
    status, only for posts whose status changes. Returns each post's status."""
    found: dict[int, list[str]] = {pk: [] for pk in post_ids}
    current: dict[int, str] = {}
    rows = Delivery.objects.filter(post_id__in=found).values_list(
        "post_id", "status", "post__status"
    )
    for post_id, status, post_status in rows:
        found[post_id].append(status)
        current[post_id] = post_status
    derived = {pk: derive_post_status(statuses) for pk, statuses in found.items()}
    changed: dict[str, list[int]] = {}
    for pk, new in derived.items():
        if current.get(pk) != new:
            changed.setdefault(new, []).append(pk)
    for new, ids in changed.items():
        Post.objects.filter(pk__in=ids).update(status=new)
    return derived


def derive_post_status(statuses: Sequence[str]) -> str:
    P = Post.Status
    if not statuses:
        return P.DRAFT
    present = set(statuses)
    if present <= {S.CANCELLED}:
        return P.CANCELLED
    active = present - {S.CANCELLED}
    if active <= {S.PUBLISHED}:
        return P.PUBLISHED
    if active & {S.PUBLISHING, S.PROCESSING}:
        return P.PUBLISHING
    if active & {S.SCHEDULED, S.RETRYING}:
        return P.SCHEDULED
    if S.AWAITING_APPROVAL in active:
        return P.AWAITING_APPROVAL
    if S.DRAFT in active:
        return P.DRAFT
    if S.UNKNOWN in active:
        return P.UNKNOWN
    if S.PUBLISHED in active:
        return P.PARTIALLY_FAILED
    return P.FAILED


def post_label(post: Post) -> str:
    text = " ".join(post.text.split())
    return text[:60] + ("…" if len(text) > 60 else "") or f"#{post.pk}"


# --- the queue ---------------------------------------------------------------------------

QUEUE_HORIZON_DAYS = 365


def next_free_slot(channel: Channel, after: datetime) -> datetime | None:
    """The channel's next queue slot after `after` that no other post of it takes."""
    slots = list(QueueSlot.objects.filter(channel=channel))
    if not slots:
        return None
    zone = channel.workspace.timezone
    taken = set(
        Delivery.objects.filter(channel=channel, due_at__gte=after)
        .exclude(status__in=(S.CANCELLED, S.FAILED))
        .values_list("due_at", flat=True)
    )
    start = dates.local_date(after, zone)
    for offset in range(QUEUE_HORIZON_DAYS):
        day = start + timedelta(days=offset)
        for slot in sorted(s.time for s in slots if s.weekday == day.weekday()):
            moment = dates.wall_time(day, slot, zone)
            if moment > after and moment not in taken:
                return moment
    return None


@transaction.atomic
def queue_post(post: Post, actor: User | None) -> Post:
    """Each channel's delivery takes that channel's next free queue slot."""
    locked = Post.objects.select_for_update().get(pk=post.pk)
    if locked.repeat_every and locked.series_id is None:
        message = _("A repeating post goes out at an exact time, not from the queue: choose "
                    "the time and press Schedule, or turn Repeat off.")  # fmt: skip
        raise ActionError({"repeat": message})
    now = timezone.now()
    deliveries = list(locked.deliveries.filter(status__in=OPEN).select_related("channel"))
    times: dict[int, datetime] = {}
    for delivery in deliveries:
        # Lock the channel's row: two posts queued at once must not take the same slot.
        Channel.objects.select_for_update().filter(pk=delivery.channel_id).first()
        slot = next_free_slot(delivery.channel, now)
        if slot is None:
            raise ActionError(
                {
                    "queue": _("%(channel)s has no queue times yet. Add them under Channels.")
                    % {"channel": delivery.channel.display_name}
                }
            )
        times[delivery.pk] = slot
        Delivery.objects.filter(pk=delivery.pk).update(due_at=slot)
    locked.scheduled_at = min(times.values()) if times else now
    locked.save(update_fields=["scheduled_at", "updated_at"])
    for delivery in deliveries:
        delivery.due_at = times[delivery.pk]
    if needs_approval(locked):
        locked.deliveries.filter(status__in=OPEN).update(
            status=S.AWAITING_APPROVAL, version=F("version") + 1
        )
        record(locked.workspace, actor, "post.submitted", post_label(locked))
    else:
        for delivery in deliveries:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=S.SCHEDULED, version=F("version") + 1, attempts=0, last_error=""
            )
            delivery.refresh_from_db(fields=["version", "due_at", "status"])
            enqueue(delivery)
        record(locked.workspace, actor, "post.queued", post_label(locked))
    refresh_post_status(locked)
    return locked


@transaction.atomic
def set_queue_slots(
    channel: Channel, actor: User | None, slots: Iterable[tuple[int, time]]
) -> None:
    wanted = sorted(set(slots))
    if any(not 0 <= weekday <= 6 for weekday, _t in wanted):
        raise ActionError({"slots": _("A weekday is 0 (Monday) to 6 (Sunday).")})
    QueueSlot.objects.filter(channel=channel).delete()
    QueueSlot.objects.bulk_create(QueueSlot(channel=channel, weekday=w, time=t) for w, t in wanted)
    record(channel.workspace, actor, "channel.queue_changed", channel.display_name)


# --- approval ----------------------------------------------------------------------------

APPROVAL_LINK_DAYS = 7


@transaction.atomic
def request_changes(post: Post, reviewer: str, note: str) -> Post:
    """Send the post back to its author with what to change; it waits as a draft."""
    note = note.strip()
    if not note:
        raise ActionError({"note": _("Say what should change.")})
    locked = Post.objects.select_for_update().get(pk=post.pk)
    locked.review_note = note[:5000]
    locked.approved_at = None
    locked.approved_by = ""
    locked.save(update_fields=["review_note", "approved_at", "approved_by", "updated_at"])
    locked.deliveries.filter(status__in=OPEN).update(status=S.DRAFT, version=F("version") + 1)
    record(locked.workspace, None, "post.changes_requested", f"{post_label(locked)} ({reviewer})")
    refresh_post_status(locked)
    from orkesteri.publishing.tasks import send_review_email

    # This request's save time names it, fixed here: later edits move updated_at on.
    pk, key = locked.pk, f"post:{locked.pk}:changes:{locked.updated_at.isoformat()}"
    transaction.on_commit(lambda: send_review_email(pk, key))
    return locked


def create_approval_link(post: Post, actor: User | None) -> str:
    """A one-decision link for someone without an account; returns the raw token once."""
    raw = secrets.token_urlsafe(32)
    ApprovalLink.objects.create(
        post=post,
        token_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=APPROVAL_LINK_DAYS),
        created_by=actor,
    )
    record(post.workspace, actor, "post.approval_link", post_label(post))
    return raw


def find_approval_link(raw: str) -> ApprovalLink | None:
    link = (
        ApprovalLink.objects.select_related("post__workspace")
        .filter(token_hash=hash_token(raw))
        .first()
    )
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        return None
    return link


@transaction.atomic
def decide_by_link(raw: str, approve: bool, note: str = "") -> ApprovalLink:
    """Use the link once: approve, or ask for changes with a note."""
    link = find_approval_link(raw)
    if link is None:
        raise ActionError(_("This approval link has expired or was already used."), status=410)
    if not approve and not note.strip():
        raise ActionError({"note": _("Say what should change.")})
    used = ApprovalLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
        used_at=timezone.now(), decision="approved" if approve else "changes_requested"
    )
    if used != 1:  # the same link, decided twice at once
        raise ActionError(_("This approval link has expired or was already used."), status=410)
    who = _("client link")
    if approve:
        approve_post(link.post, who)
    else:
        request_changes(link.post, who, note)
    link.refresh_from_db()
    return link
