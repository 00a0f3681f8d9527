"""Emails and in-app notifications about channels, sent by the worker."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from orkesteri.channels.models import Channel
from orkesteri.notifications.actions import tell
from orkesteri.notifications.models import Notification
from orkesteri.workspaces.access import managers_of


@db_task(retries=3, retry_delay=60)
def send_reconnect_email(channel_id: int, key: str) -> None:
    """Tell the workspace's owners and managers that a channel needs reconnecting; `key`
    names this loss of the connection (actions.note_failure): a retry tells nobody twice."""
    channel = Channel.objects.select_related("workspace").filter(pk=channel_id).first()
    if channel is None or channel.status != Channel.Status.NEEDS_RECONNECT:
        return
    workspace = channel.workspace

    def letter() -> tuple[str, str]:
        subject = _("%(channel)s needs reconnecting") % {"channel": channel.display_name}
        body = _(
            "%(network)s no longer accepts the credentials of %(channel)s in %(workspace)s:"
            "\n\n%(reason)s\n\nIts posts wait until someone reconnects it under Channels."
        ) % {
            "network": channel.network_label,
            "channel": channel.display_name,
            "workspace": workspace.name,
            "reason": channel.status_message,
        }
        return subject, body

    url = reverse("channel_list", args=[workspace.slug])
    kind = Notification.Kind.CHANNEL_NEEDS_RECONNECT
    tell(managers_of(workspace), workspace, kind, key, url, channel.status_message, letter)
