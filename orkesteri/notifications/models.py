"""In-app notifications: one row per recipient, read or not (docs/notifications.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something one person should know about, in their language, with a link to act on it."""

    class Kind(models.TextChoices):
        PUBLISH_FAILED = "publish_failed", _("Failed")
        PUBLISH_UNKNOWN = "publish_unknown", _("Check the channel")
        CHANGES_REQUESTED = "changes_requested", _("Changes asked for")
        CHANNEL_NEEDS_RECONNECT = "channel_needs_reconnect", _("Needs reconnecting")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # What it is about, e.g. "delivery:12:v3": a task that runs twice notifies once.
    subject_key = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)  # the network's (or the reviewer's) own words
    url = models.CharField(max_length=2000, blank=True)  # a path inside this site
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # When its email went out: a retried task emails only the people it has not reached yet.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "subject_key"],
                condition=~models.Q(subject_key=""),
                name="notification_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
