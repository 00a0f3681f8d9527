"""/l/<code>: the redirect that counts; /w/<workspace>/links/: the workspace's short links."""

from __future__ import annotations

import logging
from datetime import UTC, timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from orkesteri.channels.models import Channel
from orkesteri.lib.csvfile import csv_response
from orkesteri.links import actions, queries
from orkesteri.links.models import ShortLink
from orkesteri.links.queries import CountedLink, links_with_counts
from orkesteri.workspaces.models import Workspace
from orkesteri.workspaces.roles import Perm
from orkesteri.workspaces.views import enter

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
MAX_CODE = ShortLink._meta.get_field("code").max_length or 16
PERIOD_DAYS = 30


@require_safe
def follow(request: HttpRequest, code: str) -> HttpResponse:
    """Redirect to the link's stored target, never to anything taken from the request; count
    the click (a GET: HEAD requests are not clicks). Counting never stops the redirect."""
    if len(code) > MAX_CODE:
        raise Http404("No such short link")
    link = ShortLink.objects.filter(code=code).only("pk", "target", "delivery_id").first()
    if link is None or not link.target.startswith(("https://", "http://")):
        raise Http404("No such short link")
    if request.method == "GET":
        try:
            actions.count_click(
                link, ip=client_ip(request), user_agent=request.headers.get("User-Agent", "")
            )
        except Exception:
            logger.exception("short link %s: the click could not be counted", link.pk)
    response = HttpResponseRedirect(link.target)
    # Every click must reach us to be counted, and a target may change while a failed send
    # is retried: neither the browser nor a proxy may keep the redirect.
    response["Cache-Control"] = "no-store"
    # The target learns the origin of the page where the link was clicked (as the browser's
    # default policy gives it for a direct link), never its full address; Django's default
    # for our own pages (same-origin) would hide even the network from the target.
    response["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def client_ip(request: HttpRequest) -> str:
    """The visitor's address, only ever used inside the day's keyed hash. Behind a reverse
    proxy (ORKESTERI_BEHIND_PROXY) it is the last X-Forwarded-For entry, the one our proxy
    added; earlier entries are whatever the client sent."""
    behind_proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is not None
    forwarded = request.headers.get("X-Forwarded-For", "")
    if behind_proxy and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


# --- the workspace's page ------------------------------------------------------------------


def _rows(workspace: Workspace) -> QuerySet[CountedLink]:
    since = timezone.now().astimezone(UTC).date() - timedelta(days=PERIOD_DAYS - 1)
    return links_with_counts(workspace, since)


@login_required
def link_list(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.VIEW_ANALYTICS)
    ws = membership.workspace
    page = Paginator(_rows(ws), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(link, actions.short_url(link.code)) for link in page.object_list]
    today = timezone.now().astimezone(UTC).date()
    since = today - timedelta(days=PERIOD_DAYS - 1)
    names = dict(Channel.objects.filter(workspace=ws).values_list("pk", "display_name"))
    by_channel = [
        (names.get(int(key), ""), counts)
        for key, counts in queries.counts_by(ws, since, today, "channel").items()
    ]
    by_campaign = list(queries.counts_by(ws, since, today, "campaign").items())
    context = {
        "page": page,
        "rows": rows,
        "period_days": PERIOD_DAYS,
        "by_channel": sorted(by_channel, key=lambda item: -item[1].clicks),
        "by_campaign": sorted(by_campaign, key=lambda item: -item[1].clicks),
    }
    return render(request, "links/list.html", context)


@login_required
def link_export(request: HttpRequest, workspace: str) -> HttpResponse:
    """The page's table as CSV, every link (not one page of them)."""
    membership = enter(request, workspace, Perm.VIEW_ANALYTICS)
    ws = membership.workspace
    today = timezone.now().astimezone(UTC).date()
    header = [
        _("Short link"),
        _("Target"),
        _("Post"),
        _("Post text"),
        _("Channel"),
        _("Campaign"),
        _("Created (UTC)"),
        _("Clicks, last %(days)s days") % {"days": PERIOD_DAYS},
        _("Unique visitors (estimated)"),
        _("Bot clicks"),
    ]
    rows = (
        (
            actions.short_url(link.code),
            link.target,
            link.post_id or "",
            link.post.text[:200] if link.post else "",
            link.channel.display_name if link.channel else "",
            link.campaign,
            link.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            link.clicks,
            link.unique_visitors,
            link.bot_clicks,
        )
        for link in _rows(ws).iterator(chunk_size=500)
    )
    return csv_response(f"{ws.slug}-short-links-{today}.csv", header, rows)
