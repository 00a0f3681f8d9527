"""Emails about channels, sent by the worker."""

from __future__ import annotations

from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from orkesteri.channels.models import Channel
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
        send_mail(subject, body, None, [member.user.email])
