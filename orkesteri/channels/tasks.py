"""Emails and in-app notifications about channels, sent by the worker."""

from __future__ import annotations

from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from orkesteri.channels.models import Channel
from orkesteri.notifications.actions import notify
from orkesteri.notifications.models import Notification
from orkesteri.workspaces.models import Membership
from orkesteri.workspaces.roles import Role


@db_task(retries=3, retry_delay=60)
def send_reconnect_email(channel_id: int) -> None:
    """Tell the workspace's owners and managers that a channel needs reconnecting."""
    channel = Channel.objects.select_related("workspace").filter(pk=channel_id).first()
    if channel is None or channel.status != Channel.Status.NEEDS_RECONNECT:
        return
    workspace = channel.workspace
    fallback = workspace.languages[0] if workspace.languages else None
    managers = Membership.objects.filter(
        workspace=workspace, role__in=(Role.OWNER, Role.MANAGER), user__is_active=True
    ).select_related("user")
    letters = []
    for member in managers:
        with translation.override(member.user.language or fallback):
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
        letters.append((member.user, subject, body))
    # In the app before any email, so a mail server that fails loses nothing there. The key
    # is this loss of the connection: a retried task notifies once, a later loss again.
    lost_at = channel.status_changed_at.isoformat() if channel.status_changed_at else ""
    url = reverse("channel_list", args=[workspace.slug])
    for user, subject, _body in letters:
        notify(
            [user],
            workspace,
            Notification.Kind.CHANNEL_NEEDS_RECONNECT,
            subject,
            channel.status_message,
            url,
            key=f"channel:{channel.pk}:reconnect:{lost_at}",
        )
    for user, subject, body in letters:
        send_mail(subject, body, None, [user.email])
