"""The notifications page: the signed-in user's own notifications, across their workspaces."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orkesteri.accounts.models import User
from orkesteri.notifications import actions

PAGE_SIZE = 50


def me(request: HttpRequest) -> User:
    """The signed-in user: every view here is behind login_required."""
    assert isinstance(request.user, User)
    return request.user


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    found = actions.visible_to(me(request)).select_related("workspace")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark it read and go where it points; someone else's notification is a 404."""
    user = me(request)
    notification = get_object_or_404(actions.visible_to(user), pk=notification_id)
    actions.mark_read(user, [notification.pk])
    safe = url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(notification.url if notification.url and safe else "notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    if actions.mark_all_read(me(request)):
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications")
