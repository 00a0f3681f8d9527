"""The analytics dashboards: overview, content, a channel, a post, the best time to post.

Each page reads its figures from dashboards.py, draws them with charts.py and offers every
table as CSV (`?export=<table>`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import time
from types import ModuleType
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from orkesteri.analytics import dashboards, kpis
from orkesteri.analytics.kpis import KpiSet
from orkesteri.analytics.models import PostStats
from orkesteri.analytics.queries import PRESETS, Period, PostRow, period_from, today_in
from orkesteri.analytics.templatetags.analytics import change, figure
from orkesteri.channels.access import get_channel
from orkesteri.channels.models import Channel
from orkesteri.lib.csvfile import csv_response
from orkesteri.publishing.actions import set_queue_slots
from orkesteri.publishing.models import Delivery, QueueSlot
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.models import Membership, Workspace
from orkesteri.workspaces.roles import Perm
from orkesteri.workspaces.views import enter


def charts() -> ModuleType:
    """The chart functions, imported when a page first draws one: matplotlib and numpy cost
    a web process a third of a second and tens of MB at start-up otherwise."""
    from orkesteri.analytics import charts as module

    return module


# The figures of a channel or group table, in columns: (KpiSet field, kind for formatting).
TABLE_FIGURES = (
    ("posts", "count"),
    ("engagements", "count"),
    ("er_by_followers", "percent"),
    ("er_by_reach", "percent"),
    ("er_by_views", "percent"),
    ("love_rate", "percent"),
    ("talk_rate", "percent"),
    ("amplification_rate", "percent"),
)
CARD_FIGURES = (
    ("followers_end", "count"),
    ("follower_growth", "count"),
    ("posts", "count"),
    ("engagements", "count"),
    ("er_by_followers", "percent"),
    ("er_by_reach", "percent"),
    ("er_by_views", "percent"),
    ("clicks", "count"),
)
MORE_FIGURES = (
    ("follower_growth_percent", "percent"),
    ("posts_per_week", "decimal"),
    ("likes", "count"),
    ("replies", "count"),
    ("reposts", "count"),
    ("quotes", "count"),
    ("views", "count"),
    ("reach", "count"),
    ("love_rate", "percent"),
    ("talk_rate", "percent"),
    ("amplification_rate", "percent"),
    ("applause_rate", "percent"),
    ("conversation_rate", "percent"),
    ("virality_rate", "percent"),
)


def _period(request: HttpRequest, membership: Membership) -> tuple[Period, str]:
    return period_from(request.GET, today_in(membership.workspace))


def _channel_filter(request: HttpRequest, channels: Sequence[Channel]) -> list[int]:
    known = {c.pk for c in channels}
    picked = [int(v) for v in request.GET.getlist("channel") if v.isdigit()]
    return [pk for pk in picked if pk in known]


def _context(
    request: HttpRequest, membership: Membership, period: Period, error: str
) -> dict[str, Any]:
    query = request.GET.copy()
    query.pop("export", None)
    return {
        "period": period,
        "period_error": error,
        "presets": PRESETS,
        "query": query.urlencode(),
        "can_queue": membership.can(Perm.MANAGE_CHANNELS),
    }


@dataclass(frozen=True)
class Scope:
    """What a dashboard of many channels is about: whose, which period, which channels."""

    membership: Membership
    ws: Workspace
    period: Period
    error: str  # why the period asked for could not be shown
    channels: list[Channel]
    picked: list[int]  # the channels asked for (none: all)


def _scope(request: HttpRequest, workspace: str) -> Scope:
    membership = enter(request, workspace, Perm.VIEW_ANALYTICS)
    period, error = _period(request, membership)
    channels = dashboards.channels_of(membership.workspace)
    picked = _channel_filter(request, channels)
    return Scope(membership, membership.workspace, period, error, channels, picked)


# --- overview -------------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest, workspace: str) -> HttpResponse:
    scope = _scope(request, workspace)
    membership, ws, period, error = scope.membership, scope.ws, scope.period, scope.error
    channels, picked = scope.channels, scope.picked
    found = dashboards.overview(ws, period, picked or None, channels)
    if request.GET.get("export") == "channels":
        return _kpi_csv(
            f"{ws.slug}-channels-{period.start_on}-{period.end_on}.csv",
            _("Channel"),
            [(line.channel.display_name, line.kpis) for line in found.channels],
            extra=("followers_end", "follower_growth"),
        )
    if request.GET.get("export") == "figures":
        return _figures_csv(ws.slug, found)
    context = _context(request, membership, period, error)
    context.update(
        {
            "tab": "overview",
            "overview": found,
            "channels": channels,
            "picked": picked,
            "cards": _cards(found.kpis, found.deltas, CARD_FIGURES),
            "more": _cards(found.kpis, found.deltas, MORE_FIGURES, every=True),
            "followers_chart": charts().line_chart(
                [charts().Series(_("Followers"), found.followers)],
                title=_("Followers, all channels"),
                brand=ws.brand_color,
            ),
            "engagement_chart": charts().line_chart(
                [charts().Series(_("Engagements"), found.engagement)],
                title=_("Engagements of the posts published each day"),
                brand=ws.brand_color,
            ),
            "columns": [kpis.FIGURE_LABELS[name] for name, _kind in TABLE_FIGURES],
            "channel_rows": [
                (
                    line,
                    _cells(
                        line.kpis,
                        (("followers_end", "count"), ("follower_growth", "count"), *TABLE_FIGURES),
                    ),
                )
                for line in found.channels
            ],
            "averaging": ws.get_er_averaging_display(),
        }
    )
    return render(request, "analytics/overview.html", context)


def _cards(
    figures: KpiSet,
    deltas: dict[str, kpis.Delta],
    names: Sequence[tuple[str, str]],
    every: bool = False,
) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "label": kpis.FIGURE_LABELS[name],
            "kind": kind,
            "value": getattr(figures, name),
            "delta": deltas.get(name),
            "points": name in kpis.PERCENT_FIGURES,
        }
        for name, kind in names
        # A card no channel gives a figure for, now or before, is left out, not a dash.
        if every or getattr(figures, name) is not None or deltas[name].previous is not None
    ]


def _cells(figures: KpiSet, columns: Sequence[tuple[str, str]]) -> list[str]:
    """A table row's figures, formatted here: a hundred rows of filters in the template
    took longer than the queries behind them."""
    return [figure(getattr(figures, name), kind) for name, kind in columns]


def _table(
    groups: Sequence[tuple[str, KpiSet, dashboards.Earlier | None]],
) -> list[tuple[str, list[str]]]:
    """Each group's row: its figures, and after the ER by followers its change since the
    previous period, in percentage points."""
    rows = []
    for label, now, before in groups:
        cells = _cells(now, TABLE_FIGURES)
        er = kpis.delta(now.er_by_followers, before.er_by_followers if before else None)
        cells.insert(ER_COLUMN + 1, change(er, True))
        rows.append((label, cells))
    return rows


ER_COLUMN = [name for name, _kind in TABLE_FIGURES].index("er_by_followers")


def _compared_columns() -> list[str]:
    columns = [str(kpis.FIGURE_LABELS[name]) for name, _kind in TABLE_FIGURES]
    columns.insert(ER_COLUMN + 1, pgettext("difference between periods", "Change"))
    return columns


def _kpi_csv(
    filename: str,
    key_label: str,
    groups: Sequence[tuple[Any, KpiSet]],
    extra: Sequence[str] = (),
) -> HttpResponse:
    names = [*extra, *(name for name in kpis.FIGURES if name not in extra)]
    header = [key_label, *(str(kpis.FIGURE_LABELS[name]) for name in names)]
    rows = [[key, *(_plain(getattr(figures, name)) for name in names)] for key, figures in groups]
    return csv_response(filename, header, rows)


def _plain(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def _figures_csv(slug: str, found: dashboards.Overview) -> HttpResponse:
    change = pgettext("difference between periods", "Change")
    header = [_("Figure"), _("This period"), _("Previous period"), change, _("Change, %")]
    rows = [
        [
            str(kpis.FIGURE_LABELS[name]),
            _plain(delta.current),
            _plain(delta.previous),
            _plain(delta.change),
            _plain(delta.change_percent),
        ]
        for name, delta in found.deltas.items()
    ]
    period = found.period
    return csv_response(f"{slug}-figures-{period.start_on}-{period.end_on}.csv", header, rows)


# --- content --------------------------------------------------------------------------------


@login_required
def content(request: HttpRequest, workspace: str) -> HttpResponse:
    scope = _scope(request, workspace)
    membership, ws, period, error = scope.membership, scope.ws, scope.period, scope.error
    channels, picked = scope.channels, scope.picked
    found = dashboards.content(ws, period, picked or None)
    days = WEEKDAYS  # Django's, 0 = Monday: translated in its own catalogues
    formats = dict(_format_labels())
    labels: dict[str, Callable[[Any], str]] = {
        "format": lambda k: formats.get(k, k),
        "pillar": lambda k: k or _("No pillar"),
        "campaign": lambda k: k or _("No campaign"),
        "length": lambda k: str(kpis.LENGTH_BUCKET_LABELS[k]),
        "weekday": lambda k: str(days[k]),
        "hashtag": lambda k: f"#{k}",
    }
    titles = {
        "format": _("By format"),
        "pillar": _("By pillar"),
        "campaign": _("By campaign"),
        "length": _("By text length"),
        "weekday": _("By weekday"),
        "hashtag": _("By hashtag (used at least twice)"),
    }
    shown: dict[str, dict[Any, KpiSet]] = {
        table: getattr(found, f"by_{table}") for table in dashboards.TABLES
    }
    # (table, title, [(label, this period, the previous period's same group or None)])
    tables = [
        (
            key,
            titles[key],
            [(labels[key](k), v, found.before[key].get(k)) for k, v in groups.items()],
        )
        for key, groups in shown.items()
    ]
    export = request.GET.get("export", "")
    for key, title, groups in tables:
        if export == key:
            name = f"{ws.slug}-{key}-{period.start_on}-{period.end_on}.csv"
            return _kpi_csv(name, title, [(label, now) for label, now, _before in groups])
    if export in ("top", "bottom"):
        return _posts_csv(ws.slug, export, found.top if export == "top" else found.bottom, channels)
    names = {c.pk: c.display_name for c in channels}
    context = _context(request, membership, period, error)
    context.update(
        {
            "tab": "content",
            "content": found,
            "channels": channels,
            "picked": picked,
            "tables": [(key, title, _table(groups)) for key, title, groups in tables],
            "columns": _compared_columns(),
            "top": [_post_line(r, names) for r in found.top],
            "bottom": [_post_line(r, names) for r in found.bottom],
            "format_chart": charts().bar_chart(
                [formats.get(k, k) for k in found.by_format],
                [v.er_by_followers for v in found.by_format.values()],
                title=_("ER by followers by format"),
                value_format="{:.2f}%",
            ),
            "weekday_chart": charts().bar_chart(
                [str(WEEKDAYS_ABBR[k]) for k in found.by_weekday],
                [v.er_by_followers for v in found.by_weekday.values()],
                title=_("ER by followers by weekday"),
                value_format="{:.2f}%",
            ),
        }
    )
    return render(request, "analytics/content.html", context)


def _format_labels() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in PostStats.Format.choices]


def _post_line(row: PostRow, names: dict[int, str]) -> dict[str, Any]:
    figures = row.figures
    return {
        "row": row,
        "channel": names.get(row.channel_id, ""),
        "engagements": kpis.engagements(figures),
        "er": kpis.er_by_followers(figures),
        "text": row.text[:140],
    }


def _posts_csv(
    slug: str, which: str, rows: Sequence[PostRow], channels: Sequence[Channel]
) -> HttpResponse:
    names = {c.pk: c.display_name for c in channels}
    metrics = [m for m in kpis.POST_FIELDS if m in kpis.FIGURE_LABELS]
    header = [
        *(_("Published (UTC)"), _("Channel"), _("Text"), _("Format"), _("Pillar"), _("Campaign")),
        *(str(kpis.FIGURE_LABELS[m]) for m in metrics),
        *(_("Followers"), _("Engagements"), _("ER by followers"), _("Link")),
    ]
    lines = [
        [
            row.published_at.isoformat(),
            names.get(row.channel_id, ""),
            row.text,
            row.format,
            row.pillar,
            row.campaign,
            *(getattr(row.figures, m) for m in metrics),
            row.figures.followers,
            kpis.engagements(row.figures),
            _plain(kpis.er_by_followers(row.figures)),
            row.url,
        ]
        for row in rows
    ]
    return csv_response(f"{slug}-{which}-posts.csv", header, lines)


# --- one channel ----------------------------------------------------------------------------


@login_required
def channel(request: HttpRequest, workspace: str, channel_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.VIEW_ANALYTICS)
    ws = membership.workspace
    found_channel = get_channel(membership, channel_id)
    period, error = _period(request, membership)
    page = dashboards.channel_page(ws, found_channel, period)
    if request.GET.get("export") == "posts":
        return _posts_csv(ws.slug, f"channel-{found_channel.pk}", page.top, [found_channel])
    names = {found_channel.pk: found_channel.display_name}
    context = _context(request, membership, period, error)
    found = page.overview
    context.update(
        {
            "tab": "channels",
            "channel": found_channel,
            "page": page,
            "cards": _cards(found.kpis, found.deltas, CARD_FIGURES),
            "more": _cards(found.kpis, found.deltas, MORE_FIGURES, every=True),
            "top": [_post_line(r, names) for r in page.top],
            "followers_chart": charts().line_chart(
                [charts().Series(found_channel.display_name, page.followers)],
                title=_("Followers"),
                brand=ws.brand_color,
            ),
            "engagement_chart": charts().line_chart(
                [charts().Series(_("Engagements"), found.engagement)],
                title=_("Engagements of the posts published each day"),
                brand=ws.brand_color,
            ),
        }
    )
    return render(request, "analytics/channel.html", context)


# --- one post -------------------------------------------------------------------------------


@login_required
def post(request: HttpRequest, workspace: str, delivery_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.VIEW_ANALYTICS)
    delivery = (
        Delivery.objects.filter(pk=delivery_id, post__workspace=membership.workspace)
        .select_related("post", "channel")
        .first()
    )
    if delivery is None:
        raise Http404("No such post")
    page = dashboards.post_page(delivery)
    if request.GET.get("export") == "samples":
        rows = [
            [at.isoformat(), metric, value]
            for metric, points in sorted(page.series.items())
            for at, value in points
        ]
        return csv_response(
            f"post-{delivery.pk}-samples.csv", [_("Time (UTC)"), _("Figure"), _("Value")], rows
        )
    labels = kpis.FIGURE_LABELS
    series = [
        charts().Series(
            str(labels.get(metric, metric)), [(at.date(), value) for at, value in points]
        )
        for metric, points in sorted(page.series.items())
    ]
    context = _context(request, membership, *_period(request, membership))
    context.update(
        {
            "tab": "channels",
            "delivery": delivery,
            "page": page,
            "figures": [
                (labels[name], getattr(page.figures, name))
                for name in kpis.POST_FIELDS
                if name in labels and getattr(page.figures, name) is not None
            ],
            "rates": [(labels[name], v) for name, v in page.rates.items() if v is not None],
            "chart": charts().line_chart(
                series, title=_("Figures since publishing"), brand=membership.workspace.brand_color
            ),
        }
    )
    return render(request, "analytics/post.html", context)


# --- best time ------------------------------------------------------------------------------


@login_required
def best_time(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.VIEW_ANALYTICS)
    ws = membership.workspace
    channels = dashboards.channels_of(ws)
    context = _context(request, membership, *_period(request, membership))
    context.update({"tab": "best_time", "channels": channels})
    if not channels:
        return render(request, "analytics/best_time.html", context)
    picked = _channel_filter(request, channels)
    chosen = next((c for c in channels if c.pk in picked), channels[0])
    found = dashboards.best_time(ws, chosen)
    heat = found.heatmap
    if request.GET.get("export") == "cells":
        rows = [
            [
                WEEKDAY_KEYS[cell.weekday],
                cell.hour,
                cell.n,
                _plain(cell.mean),
                _plain(cell.prior),
                _plain(cell.estimate),
            ]
            for cell in heat.cells
        ]
        header = [_("Weekday"), _("Hour"), _("Posts"), _("Own average"), _("Prior"), _("Estimate")]
        return csv_response(f"{ws.slug}-best-time-{chosen.pk}.csv", header, rows)
    days = WEEKDAYS  # Django's, 0 = Monday: translated in its own catalogues
    context.update(
        {
            "chosen": chosen,
            "best": found,
            "chart": charts().heatmap(
                [[cell.estimate for cell in row] for row in heat.rows],
                row_labels=[str(WEEKDAYS_ABBR[d]) for d in range(7)],
                col_labels=[f"{h:02d}" for h in range(24)],
                title=_("Expected performance by weekday and hour (1.00 = typical post)"),
                counts=[[cell.n for cell in row] for row in heat.rows],
            ),
            "slots": [(str(days[s.weekday]), s) for s in found.slots],
        }
    )
    return render(request, "analytics/best_time.html", context)


WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@login_required
@require_POST
def accept_slots(request: HttpRequest, workspace: str, channel_id: int) -> HttpResponse:
    """Add the suggested times to the channel's queue (the ones shown, posted back)."""
    membership = enter(request, workspace, Perm.MANAGE_CHANNELS)
    found_channel = get_channel(membership, channel_id)
    wanted = []
    for value in request.POST.getlist("slot"):
        weekday, _sep, hour = value.partition("@")
        if not (
            weekday.isdigit() and hour.isdigit() and int(weekday) in WEEKDAYS and int(hour) < 24
        ):
            messages.error(
                request, _("A suggested time was not understood: %(value)s") % {"value": value[:20]}
            )
            return redirect(_best_time_url(workspace, found_channel))
        wanted.append((int(weekday), time(int(hour))))
    existing = [(s.weekday, s.time) for s in QueueSlot.objects.filter(channel=found_channel)]
    try:
        set_queue_slots(found_channel, request.user, [*existing, *wanted])  # type: ignore[arg-type]
    except ActionError as e:
        messages.error(request, " ".join(e.errors.values()))
    else:
        messages.success(
            request,
            _("%(count)s times added to the queue of %(channel)s.")
            % {"count": len(wanted), "channel": found_channel.display_name},
        )
    return redirect(_best_time_url(workspace, found_channel))


def _best_time_url(workspace: str, found_channel: Channel) -> str:
    return reverse("analytics_best_time", args=[workspace]) + f"?channel={found_channel.pk}"
