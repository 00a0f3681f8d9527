"""The calendar: month, week and list views, drag-to-reschedule, the feed's secret address."""

from __future__ import annotations

from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orkesteri.channels.models import Channel
from orkesteri.lib.dates import utc_bounds
from orkesteri.publishing import calendar as cal
from orkesteri.publishing.actions import schedule_post
from orkesteri.publishing.ical import calendar_token_of, feed_path, reset_calendar_token
from orkesteri.publishing.models import Post
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.models import Workspace
from orkesteri.workspaces.roles import Perm
from orkesteri.workspaces.views import enter


@login_required
def calendar(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace)
    ws = membership.workspace
    zone = ZoneInfo(ws.timezone)
    today_on = timezone.now().astimezone(zone).date()
    view = request.GET.get("view", "month")
    view = view if view in cal.VIEWS else "month"
    period = cal.period_of(view, cal.parse_date(request.GET.get("on")) or today_on)
    channels = list(Channel.objects.filter(workspace=ws).only("pk", "network", "display_name"))
    filters = cal.Filters.from_query(request.GET, [c.pk for c in channels])
    context: dict[str, Any] = {
        "view": view,
        "period": period,
        "filters": filters,
        "channels": channels,
        "statuses": Post.Status.choices,
        "pillars": [(p, cal.pillar_colour(p)) for p in cal.distinct_values(ws, "pillar")],
        "campaigns": cal.distinct_values(ws, "campaign"),
        "can_move": membership.can(Perm.PUBLISH),
        "links": nav_links(view, period, today_on, filters),
        "compose_url": compose_url(ws.slug),
    }
    url_of = cal.post_url_maker(ws.slug)
    if view == "month":
        weeks = cal.month_days(ws, period, filters, today_on, url_of)
        context["weeks"] = weeks
        context["total"] = sum(day.total for week in weeks for day in week)
    else:
        start_at, end_at = utc_bounds(period.start_on, period.end_on, ws.timezone)
        posts = cal.posts_between(ws, start_at, end_at, filters)
        if view == "week":
            chips = cal.load_chips(posts, zone, url_of)
            days = cal.period_days(period, chips, today_on)
            context.update(days=days, hours=cal.week_hours(days), total=len(chips))
        else:
            page = Paginator(cal.with_channels(posts), cal.LIST_PAGE_SIZE).get_page(
                request.GET.get("page")
            )
            chips = [cal.chip_of(p, zone, url_of) for p in page.object_list]
            context.update(page=page, days=cal.group_by_day(chips), total=page.paginator.count)
    if membership.can(Perm.EDIT_SETTINGS):
        context["feed_url"] = request.build_absolute_uri(feed_path(calendar_token_of(ws)))
    return render(request, "publishing/calendar.html", context)


def nav_links(
    view: str, period: cal.Period, today_on: date, filters: cal.Filters
) -> dict[str, str]:
    """Previous, today, next and the three views: each keeps the filters."""
    q = cal.query_string
    return {
        "previous": q(view, period.previous_on, filters),
        "today": q(view, today_on, filters),
        "next": q(view, period.next_on, filters),
        **{name: q(name, period.anchor_on, filters) for name in cal.VIEWS},
    }


def compose_url(slug: str) -> str:
    try:
        return reverse("compose", kwargs={"workspace": slug})
    except NoReverseMatch:
        return f"/w/{slug}/compose/"


def refusal(message: str, status: int) -> HttpResponse:
    """An error the calendar's script shows in place of the moved chip."""
    html = render_to_string("publishing/_calendar_error.html", {"message": message})
    return HttpResponse(html, status=status)


@login_required
@require_POST
def calendar_move(request: HttpRequest, workspace: str) -> HttpResponse:
    """Drop a post on a day (month) or an hour (week): it keeps its wall-clock time of day."""
    membership = enter(request, workspace)
    ws = membership.workspace
    if not membership.can(Perm.PUBLISH):
        return refusal(_("Your role cannot reschedule posts; an owner or manager can."), 403)
    post_id = request.POST.get("post", "")
    post = Post.objects.filter(workspace=ws, pk=post_id).first() if post_id.isdigit() else None
    if post is None:
        return refusal(_("That post no longer exists. Reload the calendar."), 404)
    on = cal.parse_date(request.POST.get("on"))
    if on is None:
        return refusal(_("Day: give a date like 2026-03-29."), 422)
    hour = request.POST.get("hour", "")
    if hour and not (hour.isdigit() and 0 <= int(hour) <= 23):
        return refusal(_("Hour: give a whole hour from 0 to 23."), 422)
    if not cal.is_movable(post.deliveries.values_list("status", flat=True)):
        return refusal(
            _("This post was published or is being published, so it stays where it is."), 409
        )
    zone = ZoneInfo(ws.timezone)
    current_at = post.scheduled_at or cal.local_instant(on, time(9), zone)
    when = cal.moved_instant(current_at, on, int(hour) if hour else None, zone)
    if when != post.scheduled_at:
        try:
            schedule_post(post, request.user, when)  # type: ignore[arg-type]
        except ActionError as error:
            return refusal(" ".join(error.errors.values()), error.status)
    return moved_chip(request, ws, post.pk, zone)


def moved_chip(request: HttpRequest, ws: Workspace, post_id: int, zone: ZoneInfo) -> HttpResponse:
    post = cal.with_channels(Post.objects.filter(pk=post_id)).get()
    chip = cal.chip_of(post, zone, cal.post_url_maker(ws.slug))
    local = chip.local_at
    said = _("Moved to %(day)s at %(time)s (%(zone)s).") % {
        "day": local.date().isoformat(),
        "time": chip.time_label,
        "zone": ws.timezone,
    }
    context = {"chip": chip, "can_move": True, "said": said}
    return render(request, "publishing/_calendar_moved.html", context)


@login_required
@require_POST
def calendar_token_reset(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.EDIT_SETTINGS)
    reset_calendar_token(membership.workspace, request.user)  # type: ignore[arg-type]
    messages.success(
        request, _("New calendar address made. The old one no longer works: subscribe again.")
    )
    return redirect("calendar", workspace=membership.workspace.slug)
