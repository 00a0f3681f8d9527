"""Every change to workspaces, members and invites goes through here and is audited."""

from __future__ import annotations

import io
import logging
import re
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from orkesteri.accounts.models import User, hash_token, normalize_email
from orkesteri.media import images
from orkesteri.workspaces.models import AuditEvent, Invite, Membership, Workspace
from orkesteri.workspaces.roles import Perm, Role, assignable_roles
from orkesteri.workspaces.tasks import send_invite_email

EDITABLE_FIELDS = (
    "name",
    "slug",
    "timezone",
    "languages",
    "brand_color",
    "requires_approval",
    "er_averaging",
)
# Fallback-only entries of LANG_INFO (zh-cn, …) have no name to show: not offered.
LANGUAGE_CODES = frozenset(code for code, info in LANG_INFO.items() if "name_local" in info)
logger = logging.getLogger(__name__)


class ActionError(Exception):
    """Bad input or a forbidden state change; `errors` maps a field ('' = whole form) to text."""

    def __init__(self, errors: dict[str, str] | str, status: int = 422) -> None:
        self.errors = errors if isinstance(errors, dict) else {"": errors}
        self.status = status
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in self.errors.items()))


def record(
    workspace: Workspace,
    actor: User | None,
    action: str,
    target: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        workspace=workspace,
        actor=actor,
        actor_label=actor.email if actor else "system",
        action=action,
        target=target[:254],
        changes=changes or {},
    )


# --- workspaces -------------------------------------------------------------------------


def _clean_languages(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ActionError({"languages": _('Give a list of language codes like ["en", "fi"].')})
    codes = list(dict.fromkeys(v.strip().lower() for v in value if v.strip()))
    unknown = [c for c in codes if c not in LANGUAGE_CODES]
    if unknown:
        raise ActionError(
            {"languages": _("Unknown language code: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    return codes


def _validate(workspace: Workspace, fields: list[str]) -> None:
    try:
        workspace.full_clean(
            exclude=[f.name for f in Workspace._meta.fields if f.name not in fields]
        )
    except ValidationError as e:
        raise ActionError({k: " ".join(v) for k, v in e.message_dict.items()}) from e


def unique_slug(name: str) -> str:
    # slugify keeps "_", which slugs here do not allow.
    base = re.sub(r"[^a-z0-9-]+", "-", slugify(name).lower())[:40].strip("-") or "workspace"
    slug, n = base, 2
    while Workspace.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_workspace(
    owner: User,
    name: str,
    slug: str | None = None,
    timezone_name: str = "UTC",
    languages: list[str] | None = None,
    brand_color: str = "#4f46e5",
) -> Workspace:
    chosen = (slug or "").strip()
    workspace = Workspace(
        name=name.strip(),
        slug=chosen or unique_slug(name),
        timezone=timezone_name,
        languages=_clean_languages(languages if languages is not None else ["en"]),
        brand_color=brand_color,
    )
    _validate(workspace, [*EDITABLE_FIELDS])
    for attempt in range(3):
        try:
            with transaction.atomic():
                workspace.save()
                Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
                record(workspace, owner, "workspace.created", workspace.name)
            return workspace
        except IntegrityError as e:
            if chosen or attempt == 2:
                raise ActionError({"slug": _("This slug is already taken.")}, 409) from e
            # Someone took the generated slug a moment ago: generate the next one.
            workspace.pk = None
            workspace.slug = unique_slug(name)
    raise AssertionError("unreachable")


def update_workspace(actor: User, workspace: Workspace, **values: Any) -> Workspace:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ActionError({sorted(unknown)[0]: _("This field cannot be changed.")})
    if "languages" in values:
        values["languages"] = _clean_languages(values["languages"])
    if isinstance(values.get("name"), str):
        values["name"] = values["name"].strip()
    changes = {
        k: [getattr(workspace, k), v] for k, v in values.items() if getattr(workspace, k) != v
    }
    if not changes:
        return workspace
    for field, (_old, new) in changes.items():
        setattr(workspace, field, new)
    _validate(workspace, list(changes))
    try:
        with transaction.atomic():
            workspace.save(update_fields=[*changes, "updated_at"])
            record(workspace, actor, "workspace.updated", workspace.name, changes)
    except IntegrityError as e:
        workspace.refresh_from_db()
        raise ActionError({"slug": _("This slug is already taken.")}, 409) from e
    return workspace


def delete_workspace(actor: User, workspace: Workspace) -> None:
    # The workspace's own audit log goes with it, so the server log keeps this one line.
    logger.warning("workspace %s (%s) deleted by %s", workspace.pk, workspace.slug, actor.email)
    with transaction.atomic():
        if workspace.logo:
            _delete_file_after_commit(workspace.logo.storage, workspace.logo.name)
        workspace.delete()


def _delete_file_after_commit(storage: Storage, name: str) -> None:
    """Remove a file only once the row that pointed at it is gone for good."""
    transaction.on_commit(lambda: storage.delete(name))


LOGO_FORMATS = ["PNG", "JPEG", "WEBP", "GIF"]


def logo_max_size() -> str:
    return f"{settings.LOGO_MAX_SIDE}×{settings.LOGO_MAX_SIDE}"


def too_big_message() -> str:
    limit = settings.LOGO_MAX_BYTES // (1024 * 1024)
    return _("The logo is larger than %(mb)s MB.") % {"mb": limit}


def read_logo(data: bytes) -> bytes:
    """Check an uploaded logo and re-encode it as PNG (drops EXIF/GPS and anything hidden)."""
    try:
        image = images.open_checked(
            data,
            formats=LOGO_FORMATS,
            max_bytes=settings.LOGO_MAX_BYTES,
            max_pixels=settings.LOGO_MAX_PIXELS,
        ).convert("RGBA")
    except images.TooBig as e:
        raise ActionError({"logo": too_big_message()}) from e
    except images.TooManyPixels as e:
        message = (
            _("The logo is %(w)s×%(h)s pixels; %(most)s is the most.")
            if e.width
            else _("The logo has more pixels than %(most)s.")
        )
        raise ActionError(
            {"logo": message % {"w": e.width, "h": e.height, "most": logo_max_size()}}
        ) from e
    except images.Unreadable as e:
        message = _("This is not a PNG, JPEG, WebP or GIF image we can read.")
        raise ActionError({"logo": message}) from e
    image.thumbnail((512, 512))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def set_logo(actor: User, workspace: Workspace, data: bytes) -> Workspace:
    png = read_logo(data)
    old = workspace.logo.name if workspace.logo else ""
    with transaction.atomic():
        workspace.logo.save("logo.png", ContentFile(png), save=False)
        workspace.save(update_fields=["logo", "updated_at"])
        record(workspace, actor, "workspace.logo_changed", workspace.name)
        if old:
            _delete_file_after_commit(workspace.logo.storage, old)
    return workspace


def remove_logo(actor: User, workspace: Workspace) -> Workspace:
    if workspace.logo:
        with transaction.atomic():
            _delete_file_after_commit(workspace.logo.storage, workspace.logo.name)
            workspace.logo = None  # type: ignore[assignment]
            workspace.save(update_fields=["logo", "updated_at"])
            record(workspace, actor, "workspace.logo_removed", workspace.name)
    return workspace


# --- members and invites ----------------------------------------------------------------


def _check_can_assign(actor: Membership, role: str) -> None:
    if role not in Role.values:
        raise ActionError(
            {"role": _("Choose one of: %(roles)s.") % {"roles": ", ".join(Role.values)}}
        )
    if role not in assignable_roles(actor.role):
        raise PermissionDenied(_("Your role cannot give the role “%(role)s”.") % {"role": role})


def _check_can_touch(actor: Membership, member: Membership) -> None:
    if not actor.can(Perm.MANAGE_MEMBERS) and actor.pk != member.pk:
        raise PermissionDenied(_("Your role cannot manage members."))
    if member.role == Role.OWNER and actor.pk != member.pk and not actor.can(Perm.GRANT_OWNER):
        raise PermissionDenied(_("Only an owner can change or remove another owner."))


def _check_not_last_owner(member: Membership) -> None:
    if member.role != Role.OWNER:
        return
    owners = Membership.objects.select_for_update().filter(
        workspace_id=member.workspace_id, role=Role.OWNER
    )
    if len(owners) <= 1:
        raise ActionError(
            _("A workspace needs at least one owner; make someone else owner first."), status=409
        )


def invite_url(raw_token: str, base_url: str = "") -> str:
    """The link to accept an invitation, on the address the inviter uses (else BASE_URL)."""
    return (base_url or settings.BASE_URL).rstrip("/") + reverse("open_invite", args=[raw_token])


def invite_member(
    actor: Membership, email: str, role: str, base_url: str = ""
) -> tuple[Invite, str]:
    """Create an invitation and queue its email; returns it with the one-time link token."""
    if not actor.can(Perm.MANAGE_MEMBERS):
        raise PermissionDenied(_("Your role cannot invite members."))
    email = normalize_email(email or "")
    try:
        validate_email(email)
    except ValidationError as e:
        raise ActionError({"email": _("Enter a valid email address.")}) from e
    _check_can_assign(actor, role)
    workspace = actor.workspace
    if Membership.objects.filter(workspace=workspace, user__email=email).exists():
        raise ActionError({"email": _("%(email)s is already a member.") % {"email": email}}, 409)
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        # Serialise invitations per workspace (PostgreSQL), so two at once leave one pending.
        Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
        # A new invitation replaces any earlier one still pending for the same address.
        Invite.objects.filter(
            workspace=workspace, email=email, accepted_at=None, revoked_at=None
        ).update(revoked_at=now)
        invite = Invite.objects.create(
            workspace=workspace,
            email=email,
            role=role,
            token_hash=hash_token(raw),
            invited_by=actor.user,
            expires_at=now + timedelta(days=settings.INVITE_TTL_DAYS),
        )
        record(workspace, actor.user, "member.invited", email, {"role": [None, role]})
        url, language = invite_url(raw, base_url), translation.get_language() or "en"
        transaction.on_commit(lambda: send_invite_email(invite.pk, url, language))
    return invite, raw


class InviteError(ActionError):
    pass


def find_invite(raw_token: str) -> Invite:
    invite = (
        Invite.objects.select_related("workspace").filter(token_hash=hash_token(raw_token)).first()
    )
    if invite is None:
        raise InviteError(_("This invitation link is not valid. Ask for a new one."), status=404)
    if invite.accepted_at:
        raise InviteError(_("This invitation has already been used."), status=410)
    if invite.revoked_at:
        raise InviteError(_("This invitation was withdrawn. Ask for a new one."), status=410)
    if invite.expires_at <= timezone.now():
        raise InviteError(_("This invitation has expired. Ask for a new one."), status=410)
    return invite


def accept_invite(user: User, raw_token: str) -> Membership:
    with transaction.atomic():
        invite = find_invite(raw_token)
        if normalize_email(user.email) != invite.email:
            raise InviteError(
                _("This invitation is for %(email)s; sign in with that address.")
                % {"email": invite.email},
                status=403,
            )
        # Conditional update: of two simultaneous accepts, exactly one wins.
        claimed = Invite.objects.filter(pk=invite.pk, accepted_at=None, revoked_at=None).update(
            accepted_at=timezone.now(), accepted_by=user
        )
        if claimed != 1:
            raise InviteError(_("This invitation has already been used."), status=410)
        membership, created = Membership.objects.get_or_create(
            workspace=invite.workspace, user=user, defaults={"role": invite.role}
        )
        if created:
            record(
                invite.workspace, user, "member.joined", user.email, {"role": [None, invite.role]}
            )
    return membership


def revoke_invite(actor: Membership, invite: Invite) -> None:
    if not actor.can(Perm.MANAGE_MEMBERS):
        raise PermissionDenied(_("Your role cannot manage invitations."))
    changed = Invite.objects.filter(pk=invite.pk, accepted_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if changed:
        record(actor.workspace, actor.user, "member.invite_revoked", invite.email)


def change_role(actor: Membership, member: Membership, role: str) -> Membership:
    _check_can_touch(actor, member)
    if not actor.can(Perm.MANAGE_MEMBERS):
        raise PermissionDenied(_("Your role cannot change roles."))
    _check_can_assign(actor, role)
    if role == member.role:
        return member
    with transaction.atomic():
        if role != Role.OWNER:
            _check_not_last_owner(member)
        old = member.role
        Membership.objects.filter(pk=member.pk).update(role=role)
        member.role = role
        record(
            member.workspace,
            actor.user,
            "member.role_changed",
            member.user.email,
            {"role": [old, role]},
        )
    return member


def remove_member(actor: Membership, member: Membership) -> None:
    """Remove a member; any member may also remove themselves (leave), except the last owner."""
    _check_can_touch(actor, member)
    with transaction.atomic():
        _check_not_last_owner(member)
        member.delete()
        action = "member.left" if actor.pk == member.pk else "member.removed"
        record(
            actor.workspace, actor.user, action, member.user.email, {"role": [member.role, None]}
        )
