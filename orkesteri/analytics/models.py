"""Our own metric history (DESIGN.md §2 "Sample"): the platforms forget, we do not.

- `Sample` is one value of one metric at one time, of a channel (account metrics: followers,
  following, posts; `delivery` is null) or of a published delivery (likes, replies…). Its
  time is the collection point (a day for accounts, published_at + 1 h, 24 h, 1..30 d for
  posts), so collecting the same point again overwrites the value: an upsert, never a twin.
- `PostStats` is a delivery's latest figures in one row, kept beside the samples so that
  dashboards over tens of thousands of posts add up columns instead of searching samples.
- `Collection` is a channel's collection state, shown on the channel and the dashboard.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sample(models.Model):
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    # No index of its own: `sample_post_once` starts with it. With one, SQLite read the
    # account samples (delivery_id IS NULL) along it, a scan of every account row.
    delivery = models.ForeignKey(
        "publishing.Delivery",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    metric = models.CharField(max_length=24)
    at = models.DateTimeField()
    value = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "metric", "at"],
                condition=models.Q(delivery__isnull=True),
                name="sample_account_once",
            ),
            models.UniqueConstraint(
                fields=["delivery", "metric", "at"],
                condition=models.Q(delivery__isnull=False),
                name="sample_post_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric}={self.value} at {self.at:%Y-%m-%d %H:%M}"


class PostStats(models.Model):
    """A published delivery's latest figures, and when to collect them next."""

    class Format(models.TextChoices):
        TEXT = "text", _("Text")
        IMAGE = "image", _("Image")
        LINK = "link", _("Link")
        VIDEO = "video", _("Video")
        THREAD = "thread", _("Thread")

    delivery = models.OneToOneField(
        "publishing.Delivery", primary_key=True, on_delete=models.CASCADE, related_name="stats"
    )
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+"
    )
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField()
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.TEXT)
    length = models.PositiveIntegerField(default=0)  # characters of the published text
    hashtags = models.JSONField(default=list, blank=True)  # lower-case, without "#"
    # The latest values; null: the network does not give this metric (not zero).
    likes = models.BigIntegerField(null=True, blank=True)
    replies = models.BigIntegerField(null=True, blank=True)
    reposts = models.BigIntegerField(null=True, blank=True)
    quotes = models.BigIntegerField(null=True, blank=True)
    views = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)
    impressions = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(null=True, blank=True)  # our short links
    # The channel's followers when the post went out (the ER-by-followers denominator).
    followers = models.BigIntegerField(null=True, blank=True)
    collected_at = models.DateTimeField(null=True, blank=True)
    next_collect_at = models.DateTimeField(null=True, blank=True)  # null: history complete
    gone = models.BooleanField(default=False)  # the network no longer shows the post

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "published_at"]),
            models.Index(fields=["channel", "published_at"]),
            models.Index(
                fields=["next_collect_at"],
                condition=models.Q(next_collect_at__isnull=False),
                name="poststats_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Stats of delivery {self.delivery_id}"


class Collection(models.Model):
    """How collecting a channel's figures goes: shown to the user, read by the collector."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for the first collection")
        OK = "ok", _("Collecting")
        RATE_LIMITED = "rate_limited", _("Waiting: the network asked us to slow down")
        ERROR = "error", _("Collection failed")
        UNSUPPORTED = "unsupported", _("The network gives no figures")
        DEMO = "demo", _("Demo figures")

    channel = models.OneToOneField(
        "channels.Channel", primary_key=True, on_delete=models.CASCADE, related_name="collection"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    message = models.TextField(blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # The next account sample (daily); the collector's wake-up reads it and PostStats.
    next_account_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)  # a Retry-After, or backoff
    failures = models.PositiveIntegerField(default=0)  # in a row, for the backoff
    backfilled_at = models.DateTimeField(null=True, blank=True)
    busy_until = models.DateTimeField(null=True, blank=True)  # one collector at a time

    def __str__(self) -> str:
        return f"Collection of channel {self.channel_id}: {self.status}"
