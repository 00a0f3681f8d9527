"""The feed network's own storage: it is the "remote side" the feed adapter publishes to."""

from __future__ import annotations

import uuid

from django.db import models


class FeedEntry(models.Model):
    feed_id = models.CharField(max_length=64, db_index=True)  # Channel.remote_id
    key = models.CharField(max_length=200)  # the Delivery's idempotency key
    entry_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    content = models.TextField()
    link = models.CharField(max_length=2000, blank=True)
    # [{"name": file name under feeds/<feed_id>/, "mime", "alt", "width", "height"}]
    images = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["feed_id", "key"], name="feed_entry_key_once")
        ]

    def __str__(self) -> str:
        return self.title
