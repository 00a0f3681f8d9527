"""The one place that decides whether a user reaches a workspace (DESIGN.md §7).

Not a member, or no such workspace: 404 (never confirm that another client exists).
A member whose role lacks the permission: 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from orkesteri.accounts.models import User
from orkesteri.workspaces.models import Membership, Workspace
from orkesteri.workspaces.roles import Perm, Role


def memberships_of(user: Any) -> QuerySet[Membership]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("workspace")


def workspaces_of(user: Any) -> QuerySet[Workspace]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Workspace.objects.none()
    return Workspace.objects.filter(memberships__user=user)


def managers_of(workspace: Workspace) -> QuerySet[User]:
    """The active owners and managers: the people who can fix what went wrong."""
    return User.objects.filter(
        is_active=True,
        memberships__workspace=workspace,
        memberships__role__in=(Role.OWNER, Role.MANAGER),
    )


def default_language(workspace: Workspace) -> str | None:
    """The workspace's first language, for people who have not chosen one (None: the site's)."""
    return workspace.languages[0] if workspace.languages else None


def get_workspace_for_user(
    user: Any,
    *,
    slug: str | None = None,
    pk: int | None = None,
    perm: Perm = Perm.VIEW_WORKSPACE,
) -> Membership:
    """The user's membership of the workspace (with `.workspace` loaded), checked for `perm`."""
    lookup: dict[str, object] = (
        {"workspace__slug": slug} if slug is not None else {"workspace_id": pk}
    )
    membership = memberships_of(user).filter(**lookup).first()
    if membership is None:
        raise Http404("No such workspace")
    if not membership.can(perm):
        raise PermissionDenied(f"Your role ({membership.role}) does not allow this.")
    return membership


def get_rw_workspace_for_user(
    user: Any, *, slug: str | None = None, pk: int | None = None
) -> Membership:
    return get_workspace_for_user(user, slug=slug, pk=pk, perm=Perm.EDIT_SETTINGS)


def get_member(membership: Membership, member_id: int) -> Membership:
    """A membership of the same workspace, or 404."""
    found = (
        Membership.objects.filter(workspace_id=membership.workspace_id, pk=member_id)
        .select_related("user")
        .first()
    )
    if found is None:
        raise Http404("No such member")
    return found
