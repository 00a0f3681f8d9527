"""The workspace's iCalendar feed at a secret address (docs/calendar.md).

Anyone with the address reads the workspace's scheduled and published posts, so it is as
secret as a password: long and random (`secrets.token_urlsafe`), shown only to owners and
managers, and replaced (the old address stops working) with one click.
"""

from __future__ import annotations

import secrets
from datetime import UTC, timedelta

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from orkesteri.accounts.models import User
from orkesteri.publishing.calendar import first_line, post_url_maker, with_channels
from orkesteri.publishing.models import Post
from orkesteri.workspaces.actions import record
from orkesteri.workspaces.models import Workspace

# What a subscriber sees: posts that are going out or went out, not drafts or failures.
FEED_STATUSES = (
    Post.Status.SCHEDULED,
    Post.Status.PUBLISHING,
    Post.Status.PUBLISHED,
    Post.Status.PARTIALLY_FAILED,
)
# A calendar app re-reads the whole feed every few hours: keep it to a useful window.
FEED_PAST = timedelta(days=180)
FEED_MAX_EVENTS = 2000
EVENT_LENGTH = timedelta(minutes=15)
MIN_TOKEN_LENGTH = 24


def calendar_token_of(workspace: Workspace) -> str:
    """The workspace's feed secret, made on first use (two racing requests agree on one)."""
    if not workspace.calendar_token:
        Workspace.objects.filter(pk=workspace.pk, calendar_token="").update(
            calendar_token=secrets.token_urlsafe(24)
        )
        workspace.refresh_from_db(fields=["calendar_token"])
    return workspace.calendar_token


def reset_calendar_token(workspace: Workspace, actor: User | None) -> str:
    """A new secret; the old feed address answers 404 from now on."""
    token = secrets.token_urlsafe(24)
    Workspace.objects.filter(pk=workspace.pk).update(calendar_token=token)
    workspace.calendar_token = token
    record(workspace, actor, "calendar.token_reset", workspace.name)
    return token


def feed_path(token: str) -> str:
    try:
        return reverse("calendar_ics", kwargs={"token": token})
    except NoReverseMatch:
        return f"/ical/{token}.ics"


def feed_posts(workspace: Workspace) -> QuerySet[Post]:
    since = timezone.now() - FEED_PAST
    posts = Post.objects.filter(
        workspace=workspace, status__in=FEED_STATUSES, scheduled_at__gte=since
    ).order_by("scheduled_at", "pk")
    return with_channels(posts, "updated_at")[:FEED_MAX_EVENTS]


def build_calendar(workspace: Workspace, posts: QuerySet[Post], base: str, host: str) -> bytes:
    """The feed's bytes; `base` is the site's address for links, `host` names the event UIDs."""
    cal = Calendar()
    cal.add("prodid", "-//Orkesteri//Calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{workspace.name} · Orkesteri")
    cal.add("x-wr-timezone", workspace.timezone)
    url_of = post_url_maker(workspace.slug)
    for post in posts:
        cal.add_component(event_of(post, base + url_of(post.pk), host))
    return cal.to_ical()


def event_of(post: Post, url: str, host: str) -> Event:
    assert post.scheduled_at is not None
    channels = ", ".join(
        f"{d.channel.display_name} ({d.channel.network_label})" for d in post.deliveries.all()
    )
    status = str(Post.Status(post.status).label)
    event = Event()
    event.add("uid", f"post-{post.pk}@{host}")
    event.add("dtstamp", post.updated_at)
    event.add("dtstart", post.scheduled_at.astimezone(UTC))
    event.add("dtend", post.scheduled_at.astimezone(UTC) + EVENT_LENGTH)
    event.add("summary", first_line(post.text) or _("Post %(id)s") % {"id": post.pk})
    lines = [post.text.strip(), "", _("Channels: %(list)s") % {"list": channels or "—"}]
    lines.append(_("Status: %(status)s") % {"status": status})
    event.add("description", "\n".join(lines))
    event.add("url", url)
    if post.pillar:
        event.add("categories", [post.pillar])
    return event


@require_GET
def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The public feed: the token is the credential, so a wrong one is a plain 404."""
    if len(token) < MIN_TOKEN_LENGTH:
        raise Http404("No such calendar")
    workspace = Workspace.objects.filter(calendar_token=token).first()
    if workspace is None:
        raise Http404("No such calendar")
    base = request.build_absolute_uri("/").rstrip("/")
    host = request.get_host().split(":")[0]
    body = build_calendar(workspace, feed_posts(workspace), base, host)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{workspace.slug}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
