"""What the dashboards and the API read: a workspace's posts and follower history in a period.

Every function takes the workspace first and filters by it (DESIGN.md §7): no figure of
one client reaches another's page. Posts are the deliveries published in the period, with
their latest figures (PostStats); followers are the daily account samples.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from orkesteri.analytics.kpis import (
    POST_FIELDS,
    RATES,
    TOTALS,
    FollowerSeries,
    PostFigures,
    RateSums,
    Tally,
    days_inclusive,
)
from orkesteri.analytics.models import PostStats, Sample
from orkesteri.channels.models import Channel
from orkesteri.lib import sql
from orkesteri.lib.dates import local_date, utc_bounds
from orkesteri.publishing.models import Delivery, Post
from orkesteri.workspaces.models import Workspace

PRESETS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """Whole days in the workspace's zone, both ends included."""

    start_on: date
    end_on: date

    @property
    def days(self) -> int:
        return days_inclusive(self.start_on, self.end_on)

    def previous(self) -> Period:
        """The same number of days just before: "compared with the previous period"."""
        return Period(self.start_on - timedelta(days=self.days), self.start_on - timedelta(days=1))

    def bounds(self, zone: str) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day to that after the last."""
        return utc_bounds(self.start_on, self.end_on + timedelta(days=1), zone)


def today_in(workspace: Workspace) -> date:
    return local_date(timezone.now(), workspace.timezone)


def period_from(query: Mapping[str, str], today: date) -> tuple[Period, str]:
    """The period a query asks for (`days`, or `from` and `to`), and an error to show when
    it asks for an impossible one (then the default: the last 30 days)."""
    default = Period(today - timedelta(days=DEFAULT_DAYS - 1), today)
    start, end = query.get("from", "").strip(), query.get("to", "").strip()
    if start or end:
        try:
            period = Period(date.fromisoformat(start), date.fromisoformat(end))
        except ValueError:
            return default, _("Give both dates of the period as YYYY-MM-DD.")
        if period.end_on < period.start_on:
            return default, _("The period ends before it starts.")
        if period.days > MAX_DAYS:
            return default, _("A period can be at most %(days)s days long.") % {"days": MAX_DAYS}
        return period, ""
    days = query.get("days", "").strip()
    if not days:
        return default, ""
    if not days.isdigit() or not 1 <= int(days) <= MAX_DAYS:
        return default, _("The number of days must be a whole number from 1 to %(max)s.") % {
            "max": MAX_DAYS
        }
    return Period(today - timedelta(days=int(days) - 1), today), ""


@dataclass(frozen=True)
class PostRow:
    """A published delivery with its latest figures and what it is about. `text` and `url`
    are filled only by `with_texts` (the few posts a page lists)."""

    delivery_id: int
    channel_id: int
    published_at: datetime
    format: str
    length: int
    hashtags: Sequence[str]
    pillar: str
    campaign: str
    figures: PostFigures
    text: str = ""
    url: str = ""
    post_id: int = 0


# PostStats' figure columns in PostFigures' order (kpis.POST_FIELDS).
_FIGURES = ", ".join(f"s.{name}" for name in POST_FIELDS)


def post_rows(
    workspace: Workspace,
    period: Period,
    channel_ids: Sequence[int] | None = None,
    *,
    about: bool = True,
) -> list[PostRow]:
    """The deliveries published in the period, oldest first. Written out and read without
    the ORM's per-value converters: a year of a big workspace is tens of thousands of rows,
    and converting each value cost more than the query. `about=False` leaves out the
    format, length, hashtags, pillar and campaign (the overview needs only the figures)."""
    start_at, end_at = period.bounds(workspace.timezone)
    stats, post, delivery = (
        PostStats._meta.db_table,
        Post._meta.db_table,
        Delivery._meta.db_table,
    )
    columns = "s.delivery_id, s.channel_id, s.published_at, " + _FIGURES
    joins = ""
    if about:
        columns += ", s.format, s.length, s.hashtags, p.pillar, p.campaign"
        joins = f" JOIN {delivery} d ON d.id = s.delivery_id JOIN {post} p ON p.id = d.post_id"
    where, params = _published_in(workspace, start_at, end_at, channel_ids)
    found = sql.execute(
        f"SELECT {columns} FROM {stats} s{joins} WHERE {where} ORDER BY s.published_at", params
    )
    width = len(POST_FIELDS)
    rows = []
    for values in found:
        figures = PostFigures(*values[3 : 3 + width])
        extra = values[3 + width :]
        if about:
            fmt, length, tags, pillar, campaign = extra
            rows.append(
                PostRow(
                    values[0], values[1], sql.instant(values[2]), fmt, length,
                    _tags(tags), pillar, campaign, figures,
                )
            )  # fmt: skip
        else:
            rows.append(
                PostRow(values[0], values[1], sql.instant(values[2]), "", 0, (), "", "", figures)
            )
    return rows


# The SQL of kpis._columns: a missing figure is NULL, as None is in Python.
_ENGAGEMENTS = (
    "CASE WHEN s.likes IS NULL AND s.replies IS NULL AND s.reposts IS NULL"
    " AND s.quotes IS NULL THEN NULL ELSE COALESCE(s.likes, 0) + COALESCE(s.replies, 0)"
    " + COALESCE(s.reposts, 0) + COALESCE(s.quotes, 0) END"
)
_COLUMNS = {
    **{name: f"s.{name}" for name in POST_FIELDS},
    "engagements": _ENGAGEMENTS,
    "shown": "COALESCE(s.impressions, s.views)",
}


def _tally_sql() -> str:
    """The aggregates of kpis.Tally, in the order `_tally_of` reads them."""
    parts = ["COUNT(*)"]
    for name in TOTALS:
        parts += [f"SUM({_COLUMNS[name]})", f"COUNT({_COLUMNS[name]})"]
    for top, bottom in RATES.values():
        num, den = _COLUMNS[top], _COLUMNS[bottom]
        counted = f"{num} IS NOT NULL AND {den} > 0"
        parts += [
            f"SUM(CASE WHEN {counted} THEN {num} END)",
            f"SUM(CASE WHEN {counted} THEN {den} END)",
            f"SUM(CASE WHEN {counted} THEN 1.0 * {num} / {den} END)",
            f"SUM(CASE WHEN {counted} THEN 1 ELSE 0 END)",
        ]
    return ", ".join(parts)


_TALLY = _tally_sql()


def _tally_of(values: Sequence[Any]) -> Tally:
    it = iter(values)
    posts = int(next(it))
    sums, given = {}, {}
    for name in TOTALS:
        sums[name], given[name] = int(next(it) or 0), int(next(it) or 0)
    rates = {}
    for name in RATES:
        top, bottom, ratios, count = next(it), next(it), next(it), next(it)
        rates[name] = RateSums(
            float(top or 0), float(bottom or 0), float(ratios or 0), int(count or 0)
        )
    return Tally(posts, sums, given, rates)


def _published_in(
    workspace: Workspace, start_at: datetime, end_at: datetime, channel_ids: Sequence[int] | None
) -> tuple[str, list[Any]]:
    """The WHERE of the workspace's PostStats (as `s`) published in [start_at, end_at)."""
    where = "s.workspace_id = %s AND s.published_at >= %s AND s.published_at < %s"
    params: list[Any] = [workspace.pk, start_at, end_at]
    if channel_ids:
        where += f" AND s.channel_id IN ({sql.placeholders(len(channel_ids))})"
        params += list(channel_ids)
    return where, params


def tallies(
    workspace: Workspace, period: Period, channel_ids: Sequence[int] | None = None
) -> dict[int, Tally]:
    """Each channel's tally of the posts published in the period, added up by the database:
    a year of a big workspace is tens of thousands of posts, too many to read one by one
    for every page view. kpis.tally is the same in Python (a test holds them equal)."""
    start_at, end_at = period.bounds(workspace.timezone)
    where, params = _published_in(workspace, start_at, end_at, channel_ids)
    found = sql.execute(
        f"SELECT s.channel_id, {_TALLY} FROM {PostStats._meta.db_table} s WHERE {where}"
        " GROUP BY s.channel_id",
        params,
    )
    return {row[0]: _tally_of(row[1:]) for row in found}


def engagement_by_day(
    workspace: Workspace, period: Period, channel_ids: Sequence[int] | None = None
) -> list[tuple[date, int]]:
    """The engagements of the posts published each day of the period (workspace zone),
    the days with posts. The database adds them up per UTC hour; each hour then goes to its
    local day (an hour is never split: zones whose offset is not whole hours are added up
    per post instead)."""
    zone = ZoneInfo(workspace.timezone)
    start_at, end_at = period.bounds(workspace.timezone)
    whole_hours = all(
        (moment.astimezone(zone).utcoffset() or timedelta()).total_seconds() % 3600 == 0
        for moment in (start_at, end_at)
    )
    hour = "date_trunc('hour', s.published_at)" if connection.vendor == "postgresql" else (
        "substr(s.published_at, 1, 13) || ':00:00'"
    )  # fmt: skip
    bucket = hour if whole_hours else "s.published_at"
    where, params = _published_in(workspace, start_at, end_at, channel_ids)
    found = sql.execute(
        f"SELECT {bucket}, SUM({_ENGAGEMENTS}) FROM {PostStats._meta.db_table} s"
        f" WHERE {where} GROUP BY {bucket}",
        params,
    )
    days: dict[date, int] = defaultdict(int)
    for moment, total in found:
        days[sql.instant(moment).astimezone(zone).date()] += int(total or 0)
    return sorted(days.items())


def _tags(value: Any) -> Sequence[str]:
    """A JSON list of hashtags: text on SQLite, already a list on PostgreSQL."""
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, list) else []


def with_texts(rows: Sequence[PostRow]) -> list[PostRow]:
    """The rows with their texts, links and post ids (for the few posts a page lists)."""
    found = {
        pk: (post_id, variant_text or text, url)
        for pk, post_id, variant_text, text, url in Delivery.objects.filter(
            pk__in=[r.delivery_id for r in rows]
        ).values_list("pk", "post_id", "variant__text", "post__text", "remote_url")
    }
    return [
        replace(row, post_id=found[row.delivery_id][0], text=found[row.delivery_id][1],
                url=found[row.delivery_id][2])
        for row in rows
        if row.delivery_id in found
    ]  # fmt: skip


WEEKLY_AFTER_DAYS = 92  # longer periods chart followers weekly (plus the last week daily)


def follower_history(
    workspace: Workspace, period: Period, channel_ids: Sequence[int] | None = None
) -> dict[int, list[tuple[date, int]]]:
    """Each channel's followers per day in the period (UTC days of the daily samples); over
    a long period, one day a week and every day of the last week, which draws the same
    line from a seventh of the rows and still ends on the latest sample."""
    first = datetime.combine(period.start_on, time(0), UTC)
    after = datetime.combine(period.end_on + timedelta(days=1), time(0), UTC)
    days = None
    if period.days > WEEKLY_AFTER_DAYS:
        weekly = range(0, period.days, 7)
        last_week = range(max(period.days - 7, 0), period.days)
        days = [first + timedelta(days=n) for n in sorted({*weekly, *last_week})]
    history: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for channel_id, at, value in _followers(workspace, channel_ids, ">=", first, after, days=days):
        history[channel_id].append((sql.instant(at).date(), int(value)))
    return dict(history)


def _followers(
    workspace: Workspace,
    channel_ids: Sequence[int] | None,
    first_op: str,
    first: datetime,
    after: datetime,
    op_after: str = "<",
    days: Sequence[datetime] | None = None,
) -> list[tuple[Any, ...]]:
    """(channel, at, value) of the followers samples in a time range (only at `days` when
    given), oldest first: by the channels' ids, so each reads along the account samples'
    own index."""
    # Samples carry no workspace: the ids are always the workspace's own (DESIGN.md §7).
    channels = Channel.objects.filter(workspace=workspace)
    if channel_ids:
        channels = channels.filter(pk__in=channel_ids)
    ids = list(channels.values_list("pk", flat=True))
    if not ids:
        return []
    only = f" AND at IN ({sql.placeholders(len(days))})" if days else ""
    return sql.execute(
        f"SELECT channel_id, at, value FROM {Sample._meta.db_table}"
        f" WHERE channel_id IN ({sql.placeholders(len(ids))}) AND delivery_id IS NULL"
        f" AND metric = 'followers' AND at {first_op} %s AND at {op_after} %s{only}"
        " ORDER BY at",
        [*ids, first, after, *(days or ())],
    )


def follower_series(
    workspace: Workspace, period: Period, channel_ids: Sequence[int] | None = None
) -> dict[int, FollowerSeries]:
    """Per channel: followers at the start of the period (the last sample on or before its
    first day) and at its end (the last sample in it)."""
    return series_of(
        follower_history(workspace, period, channel_ids),
        last_before(workspace, period.start_on, channel_ids),
    )


def series_of(
    history: Mapping[int, Sequence[tuple[date, int]]], before: Mapping[int, int]
) -> dict[int, FollowerSeries]:
    series = {}
    for channel_id in {*history, *before}:
        days = history.get(channel_id, [])
        start = before.get(channel_id, days[0][1] if days else None)
        end = days[-1][1] if days else None
        series[channel_id] = FollowerSeries(start=start, end=end)
    return series


def last_before(
    workspace: Workspace, day: date, channel_ids: Sequence[int] | None
) -> dict[int, int]:
    """The last followers sample at or before midnight UTC starting `day`, per channel; a
    week's gap at most: an older one is not "the start"."""
    edge = datetime.combine(day, time(0), UTC)
    found = _followers(workspace, channel_ids, ">", edge - timedelta(days=7), edge, "<=")
    return {channel_id: int(value) for channel_id, _at, value in found}


def daily_totals(history: Mapping[int, Sequence[tuple[date, int]]]) -> list[tuple[date, int]]:
    """All channels' followers per day, carrying each channel's last value over days it has
    no sample, so a missed collection is not a dip."""
    days = sorted({day for points in history.values() for day, _v in points})
    last: dict[int, int] = {}
    by_day = {cid: dict(points) for cid, points in history.items()}
    totals = []
    for day in days:
        for channel_id, points in by_day.items():
            if day in points:
                last[channel_id] = points[day]
        totals.append((day, sum(last.values())))
    return totals
