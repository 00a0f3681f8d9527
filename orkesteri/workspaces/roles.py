"""Who may do what in a workspace: the one table every check reads (docs/roles.md)."""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    EDITOR = "editor", _("Editor")
    CLIENT = "client", _("Client")
    VIEWER = "viewer", _("Viewer")


class Perm(StrEnum):
    VIEW_WORKSPACE = "view_workspace"
    VIEW_MEMBERS = "view_members"
    EDIT_SETTINGS = "edit_settings"
    DELETE_WORKSPACE = "delete_workspace"
    MANAGE_MEMBERS = "manage_members"
    GRANT_OWNER = "grant_owner"
    VIEW_AUDIT = "view_audit"
    # Used by the sections that follow (channels, publishing, reports); listed now so the
    # matrix in docs/roles.md is complete and stable.
    MANAGE_CHANNELS = "manage_channels"
    COMPOSE = "compose"
    APPROVE = "approve"
    PUBLISH = "publish"
    VIEW_ANALYTICS = "view_analytics"
    VIEW_REPORTS = "view_reports"
    MANAGE_CAMPAIGNS = "manage_campaigns"


_ALL = frozenset(Perm)

PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: _ALL,
    Role.MANAGER: _ALL - {Perm.DELETE_WORKSPACE, Perm.GRANT_OWNER},
    Role.EDITOR: frozenset(
        {
            Perm.VIEW_WORKSPACE,
            Perm.VIEW_MEMBERS,
            Perm.COMPOSE,
            Perm.VIEW_ANALYTICS,
            Perm.VIEW_REPORTS,
        }
    ),
    Role.CLIENT: frozenset(
        {Perm.VIEW_WORKSPACE, Perm.APPROVE, Perm.VIEW_ANALYTICS, Perm.VIEW_REPORTS}
    ),
    Role.VIEWER: frozenset(
        {Perm.VIEW_WORKSPACE, Perm.VIEW_MEMBERS, Perm.VIEW_ANALYTICS, Perm.VIEW_REPORTS}
    ),
}

# Roles a member with MANAGE_MEMBERS may hand out; owner needs GRANT_OWNER as well.
ASSIGNABLE = [Role.MANAGER, Role.EDITOR, Role.CLIENT, Role.VIEWER]


def has_perm(role: str, perm: Perm) -> bool:
    return perm in PERMISSIONS.get(role, frozenset())


def assignable_roles(role: str) -> list[Role]:
    roles = [Role.OWNER] if has_perm(role, Perm.GRANT_OWNER) else []
    return roles + (ASSIGNABLE if has_perm(role, Perm.MANAGE_MEMBERS) else [])
