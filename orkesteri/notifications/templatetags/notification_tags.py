"""The unread count in the top bar: one COUNT query per page, remembered on the request."""

from __future__ import annotations

from typing import Any

from django import template

from orkesteri.notifications.actions import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    if not hasattr(request, "unread_notifications"):
        request.unread_notifications = unread_count(user)
    return int(request.unread_notifications)
