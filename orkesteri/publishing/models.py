"""Posts, their per-channel Variants and Deliveries (DESIGN.md §2, §5).

State lives in rows: a Delivery's `status` and `version` are the truth the worker claims
against with a conditional UPDATE; huey only carries "look at delivery N, version V".
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Post(models.Model):
    """One content idea with its schedule; its status is derived from its deliveries."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHING = "publishing", _("Publishing")
        PUBLISHED = "published", _("Published")
        PARTIALLY_FAILED = "partially_failed", _("Partially failed")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Check the channel")
        CANCELLED = "cancelled", _("Cancelled")

    class RepeatUnit(models.TextChoices):
        DAYS = "days", _("days")
        WEEKS = "weeks", _("weeks")
        MONTHS = "months", _("months")

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="posts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=2000, blank=True)
    utm = models.BooleanField(_("add UTM parameters"), default=False)
    short_link = models.BooleanField(_("count clicks with a short link"), default=False)
    first_comment = models.TextField(_("first comment"), blank=True)
    pillar = models.CharField(_("pillar"), max_length=100, blank=True)
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    notes = models.TextField(_("internal notes"), blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=254, blank=True)  # email, or "client link"
    review_note = models.TextField(blank=True)  # the last "please change…" from a reviewer
    # Repeating (series.py): every N units, until a date (workspace zone) or N times in all.
    # Scheduling materialises the occurrences as posts whose `series` is the first post; the
    # first links to itself, so "in a series" is `series_id is not None` for all of them.
    repeat_every = models.PositiveSmallIntegerField(_("repeat every"), null=True, blank=True)
    repeat_unit = models.CharField(max_length=10, choices=RepeatUnit.choices, blank=True)
    repeat_until = models.DateField(_("last date"), null=True, blank=True)
    repeat_count = models.PositiveSmallIntegerField(_("times in all"), null=True, blank=True)
    series = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="occurrences"
    )
    # Read from the network's history when the channel was connected (analytics backfill),
    # not published by Orkesteri.
    imported = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_at", "-id"]
        indexes = [models.Index(fields=["workspace", "scheduled_at"])]

    def __str__(self) -> str:
        return self.text[:50] or f"Post {self.pk}"


class PostMedia(models.Model):
    """An image of the post, in order, with the edits its renditions get."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    asset = models.ForeignKey("media.Asset", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    watermark = models.BooleanField(default=False)
    enhance = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.post_id}: asset {self.asset_id}"


class Variant(models.Model):
    """The post's text and options for one channel (empty text = the post's text)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)
    thread = models.JSONField(default=list, blank=True)  # further parts, each a text
    options = models.JSONField(default=dict, blank=True)  # content_warning, visibility, silent…

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="variant_channel_once")
        ]

    def __str__(self) -> str:
        return f"{self.post_id} → {self.channel_id}"

    def effective_text(self) -> str:
        return self.text or self.post.text


class Delivery(models.Model):
    """The post's publication on one channel."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHING = "publishing", _("Publishing")
        PROCESSING = "processing", _("Processing")
        PUBLISHED = "published", _("Published")
        RETRYING = "retrying", _("Retrying")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Check the channel")
        CANCELLED = "cancelled", _("Cancelled")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="deliveries")
    variant = models.OneToOneField(Variant, on_delete=models.CASCADE, related_name="delivery")
    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Bumped by every state change; a task acts only on the version it was queued for.
    version = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # The idempotency key the network sees: stable for the life of the delivery.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    remote_id = models.CharField(max_length=255, blank=True)
    remote_url = models.CharField(max_length=2000, blank=True)
    receipt = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "due_at"]),
            # The engine's due queue (engine.claim_due): waiting deliveries by due time.
            models.Index(
                fields=["due_at"],
                condition=models.Q(status__in=["scheduled", "retrying"]),
                name="delivery_waiting_by_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.pk} ({self.status})"


class QueueSlot(models.Model):
    """A wall-clock time on a weekday when the channel's queue publishes (workspace zone)."""

    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField()  # 0 = Monday, as date.weekday()
    time = models.TimeField()

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "weekday", "time"], name="slot_once"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="slot_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.weekday} {self.time:%H:%M}"


class ApprovalLink(models.Model):
    """A link a client opens without an account to approve a post or ask for changes."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="approval_links")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=20, blank=True)  # approved, changes_requested
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Approval link for post {self.post_id}"
