"""Our own short links `/l/<code>` and their click counts (docs/links.md).

- `ShortLink`: one per delivery of a post that counts clicks; it redirects to the stored
  target (the post's link, UTM-tagged) and nowhere else.
- `LinkDay`: a link's clicks of one UTC day: people, bots, and an estimate of unique people.
- `VisitorSalt` and `VisitorDigest`: what the unique estimate needs for the current day only.
  A digest is an HMAC of (link, IP address, user agent) keyed by the day's random salt; no
  IP address or user agent is stored. Once the day is over, the salt and the day's digests
  are deleted (actions.forget_visitors), so nobody can tell whether two digests, or two
  days' clicks, came from the same person.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ShortLink(models.Model):
    code = models.CharField(max_length=16, unique=True)
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="short_links"
    )
    target = models.TextField(_("target"))  # an http(s) address, set by our code only
    # A published post's link keeps working when the post or channel is removed here.
    delivery = models.OneToOneField(
        "publishing.Delivery",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="short_link",
    )
    post = models.ForeignKey(
        "publishing.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.ForeignKey(
        "channels.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "created_at"])]

    def __str__(self) -> str:
        return f"/l/{self.code}"


class LinkDay(models.Model):
    """A link's clicks of one day (UTC)."""

    link = models.ForeignKey(ShortLink, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    clicks = models.PositiveIntegerField(default=0)  # people (not bots), HEAD not counted
    bot_clicks = models.PositiveIntegerField(default=0)  # crawlers and link-preview fetchers
    unique_visitors = models.PositiveIntegerField(default=0)  # estimated, this day only

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "day"], name="linkday_once")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.link_id} on {self.day}: {self.clicks}"


class VisitorSalt(models.Model):
    """The random key of one day's visitor digests; deleted when the day is over."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"Salt of {self.day}"


class VisitorDigest(models.Model):
    """One visitor of one link on one day, as a keyed hash; deleted with its day's salt."""

    link = models.ForeignKey(ShortLink, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link", "day", "digest"], name="visitor_once")
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"Visitor of {self.link_id} on {self.day}"
