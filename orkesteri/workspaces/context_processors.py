from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from orkesteri.workspaces.access import memberships_of
from orkesteri.workspaces.roles import Perm


def shell(request: HttpRequest) -> dict[str, Any]:
    """The workspace switcher and the current workspace, for the base layout."""
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "membership": membership,
        "current_workspace": membership.workspace if membership else None,
        "switcher": lambda: list(memberships_of(user).order_by("workspace__name")),
        "Perm": Perm,
    }
