"""A Channel: one connected account, page or community of a network inside a workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orkesteri.lib import crypto

if TYPE_CHECKING:
    from orkesteri.networks.base import Adapter


class ChannelQuerySet(models.QuerySet["Channel"]):
    def publishable(self) -> ChannelQuerySet:
        """The channels posts may go to: every one but the demo's generated ones."""
        return self.filter(demo=False)


class Channel(models.Model):
    class Status(models.TextChoices):
        CONNECTED = "connected", _("Connected")
        NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnecting")
        ERROR = "error", _("Error")

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="channels"
    )
    network = models.CharField(_("network"), max_length=32)
    display_name = models.CharField(_("name"), max_length=200)
    remote_id = models.CharField(_("account id"), max_length=255)
    url = models.CharField(_("address"), max_length=500, blank=True)
    # Fernet token of a JSON object (lib/crypto.py); never shown, never returned by the API.
    credentials = models.TextField(editable=False)
    config = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    status_message = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Per-channel concurrency 1: a worker holds this lease while it publishes here.
    busy_until = models.DateTimeField(null=True, blank=True, editable=False)
    # The network's publish rate (Limits.rate) as a token bucket: what was left at
    # `send_tokens_at` (null: full), and the earliest time the next publish may start (also
    # set from a Retry-After).
    send_tokens = models.FloatField(null=True, blank=True, editable=False)
    send_tokens_at = models.DateTimeField(null=True, blank=True, editable=False)
    not_before = models.DateTimeField(null=True, blank=True, editable=False)
    # Made by `orkesteri demo --history`: generated figures, no account behind it. It is
    # not offered in the composer and never collected from.
    demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ChannelQuerySet.as_manager()

    class Meta:
        ordering = ["display_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "network", "remote_id"], name="channel_account_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.network})"

    @property
    def adapter_class(self) -> type[Adapter]:
        from orkesteri.networks.registry import ADAPTERS

        return ADAPTERS[self.network]

    @property
    def network_label(self) -> str:
        from orkesteri.networks.registry import network_label

        return network_label(self.network)

    def adapter(self) -> Adapter:
        """An adapter with this channel's decrypted credentials (raises SecretUnreadable)."""
        return self.adapter_class(crypto.decrypt_json(self.credentials), self.config)
