from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orkesteri.lib.dates import validate_timezone
from orkesteri.lib.validators import validate_one_line
from orkesteri.workspaces.roles import Perm, Role, has_perm

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    _("Use 1–50 lowercase letters, digits and hyphens, not starting or ending with a hyphen."),
)
colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a hex colour like #3355ff."))


def logo_path(instance: Workspace, filename: str) -> str:
    return f"workspaces/{instance.pk}/logo-{now():%Y%m%d%H%M%S}.png"


class Workspace(models.Model):
    """One client brand: the tenant every other object belongs to."""

    name = models.CharField(
        pgettext_lazy("workspace", "name"), max_length=100, validators=[validate_one_line]
    )
    slug = models.SlugField(_("slug"), max_length=50, unique=True, validators=[slug_validator])
    timezone = models.CharField(
        _("timezone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    languages = models.JSONField(_("languages"), default=list)
    brand_color = models.CharField(
        _("brand colour"), max_length=7, default="#4f46e5", validators=[colour_validator]
    )
    logo = models.ImageField(_("logo"), upload_to=logo_path, blank=True)
    # The secret in the workspace's iCalendar feed address; empty until first asked for.
    calendar_token = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    requires_approval = models.BooleanField(
        _("posts need approval"),
        default=False,
        help_text=_("Editors submit posts; an owner, manager or client approves them first."),
    )

    class Averaging(models.TextChoices):
        ARITHMETIC = "arithmetic", _("Average of each post's rate")
        WEIGHTED = "weighted", _("Total engagement over total audience")

    er_averaging = models.CharField(
        _("engagement rate over many posts"),
        max_length=12,
        choices=Averaging.choices,
        default=Averaging.ARITHMETIC,
        help_text=_(
            "How the engagement rates of many posts become one figure (docs/metrics.md): the "
            "average of each post's rate, or all engagement over all followers, which gives "
            "big posts more weight."
        ),
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} as {self.role}"

    def can(self, perm: Perm) -> bool:
        return has_perm(self.role, perm)

    def may_schedule(self) -> bool:
        """Editors may schedule only where posts go through approval (they submit)."""
        return self.can(Perm.PUBLISH) or self.workspace.requires_approval


class Invite(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invite {self.email} to {self.workspace}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now():
            return "expired"
        return "pending"


class AuditEvent(models.Model):
    """Who changed what in a workspace. Written only by actions.py."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=254, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="audit_by_workspace")]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target}"

    @property
    def action_label(self) -> str:
        return str(AUDIT_ACTIONS.get(self.action, self.action))

    def describe_changes(self) -> list[tuple[str, Any, Any]]:
        """(field label, old, new) for each changed field, in the reader's language."""
        labels = {f.name: f.verbose_name for f in Workspace._meta.fields}
        labels["role"] = _("role")

        def shown(field: str, value: Any) -> Any:
            if field == "role" and value in Role.values:
                return Role(value).label
            return ", ".join(value) if isinstance(value, list) else value

        return [
            (str(labels.get(field, field)), shown(field, old), shown(field, new))
            for field, (old, new) in sorted(self.changes.items())
        ]


AUDIT_ACTIONS = {
    "workspace.created": _("created the workspace"),
    "workspace.updated": _("changed settings"),
    "workspace.logo_changed": _("changed the logo"),
    "workspace.logo_removed": _("removed the logo"),
    "member.invited": _("invited"),
    "member.invite_revoked": _("withdrew the invitation of"),
    "member.joined": _("joined"),
    "member.added": _("added"),
    "member.role_changed": _("changed the role of"),
    "member.removed": _("removed"),
    "member.left": _("left the workspace"),
    "channel.connected": _("connected the channel"),
    "channel.reconnected": _("reconnected the channel"),
    "channel.disconnected": _("disconnected the channel"),
    "channel.test_post": _("sent a test post to"),
    "channel.queue_changed": _("changed the queue times of"),
    "post.created": _("wrote the post"),
    "post.updated": _("edited the post"),
    "post.scheduled": _("scheduled the post"),
    "post.queued": _("added to the queue the post"),
    "post.submitted": _("submitted for approval the post"),
    "post.approved": _("approved the post"),
    "post.changes_requested": _("asked for changes to the post"),
    "post.approval_link": _("made an approval link for the post"),
    "post.cancelled": _("cancelled the post"),
    "post.deleted": _("deleted the post"),
    "post.imported": _("imported posts from the file"),
    "calendar.token_reset": _("made a new calendar address for"),
    "media.uploaded": _("uploaded the image"),
    "media.rendered": _("made renditions of"),
    "media.focal_point_set": _("set the focal point of"),
    "media.alt_text_changed": _("changed the alt text of"),
    "media.deleted": _("deleted the image"),
}
