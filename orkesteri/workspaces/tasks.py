"""Invitation emails, sent by the worker."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from orkesteri.workspaces.models import Invite
from orkesteri.workspaces.roles import Role


@db_task(retries=5, retry_delay=60)
def send_invite_email(invite_id: int, url: str, language: str = "en") -> None:
    """Send the invitation, unless it was withdrawn, replaced or used meanwhile."""
    invite = Invite.objects.select_related("workspace", "invited_by").filter(pk=invite_id).first()
    if invite is None or invite.status != "pending":
        return
    zone = ZoneInfo(invite.workspace.timezone)
    inviter = invite.invited_by.get_full_name() if invite.invited_by else "Orkesteri"
    with translation.override(language):
        subject = _("%(name)s invites you to %(workspace)s on Orkesteri") % {
            "name": inviter,
            "workspace": invite.workspace.name,
        }
        body = _(
            "%(name)s invited you to the workspace “%(workspace)s” as %(role)s.\n\n"
            "Accept the invitation: %(url)s\n\nThe link works once and expires on %(expires)s."
        ) % {
            "name": inviter,
            "workspace": invite.workspace.name,
            "role": Role(invite.role).label,
            "url": url,
            "expires": f"{invite.expires_at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})",
        }
    send_mail(" ".join(subject.split()), body, None, [invite.email])
