from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from orkesteri.workspaces.access import memberships_of
from orkesteri.workspaces.roles import Perm


def shell(request: HttpRequest) -> dict[str, Any]:
    """The workspace switcher and the current workspace, for the base layout."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    if membership is None and hasattr(request, "session"):
        # Pages outside a workspace (the list, account pages) keep the last one's navigation.
        last = request.session.get("last_workspace")
        membership = memberships_of(user).filter(workspace__slug=last).first() if last else None
    return {
        "membership": membership,
        # What the member may do, by permission name, for templates: {% if can.manage_members %}
        "can": {p.value: membership.can(p) for p in Perm} if membership else {},
        "current_workspace": membership.workspace if membership else None,
        "switcher": lambda: list(memberships_of(user).order_by("workspace__name")),
    }
