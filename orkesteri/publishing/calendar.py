"""The calendar's periods, filters, grid and chips (DESIGN.md §6: every time in the workspace zone).

Posts sit on the local day and time of their `scheduled_at` in the workspace's IANA zone,
computed with `zoneinfo`, so a DST change moves nothing that was not meant to move. The
month view reads only ids and times for the whole grid and loads the posts it shows (at most
`MONTH_CHIPS_PER_DAY` a day) with their channels in one prefetch: a month with 5,000 posts
stays a handful of queries (bench/calendar.py).
"""

from __future__ import annotations

import calendar as stdlib_calendar
import hashlib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse

from orkesteri.lib.dates import add_months, wall_time
from orkesteri.publishing.actions import OPEN
from orkesteri.publishing.models import Delivery, Post
from orkesteri.workspaces.models import Workspace

VIEWS = ("month", "week", "list")
MONTH_CHIPS_PER_DAY = 4
LIST_PAGE_SIZE = 100
# Readable on white with white text; a pillar keeps its colour wherever it appears.
PALETTE = (
    "#2563eb",
    "#059669",
    "#d97706",
    "#db2777",
    "#7c3aed",
    "#0891b2",
    "#65a30d",
    "#dc2626",
    "#4f46e5",
    "#b45309",
    "#0d9488",
    "#9333ea",
)
NO_PILLAR = "#64748b"
FILTER_NAMES = ("channel", "status", "pillar", "campaign")


# --- periods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The days a view shows, [start_on, end_on), and where previous/next/today lead."""

    view: str
    anchor_on: date
    start_on: date
    end_on: date
    previous_on: date
    next_on: date

    @property
    def last_on(self) -> date:
        return self.end_on - timedelta(days=1)


def period_of(view: str, anchor_on: date) -> Period:
    if view == "week":
        start = anchor_on - timedelta(days=anchor_on.weekday())
        return Period(
            view,
            anchor_on,
            start,
            start + timedelta(days=7),
            anchor_on - timedelta(days=7),
            anchor_on + timedelta(days=7),
        )
    first = anchor_on.replace(day=1)
    next_month = add_months(first, 1)
    if view == "list":
        start, end = first, next_month
    else:
        weeks = month_weeks(first.year, first.month)
        start, end = weeks[0][0], weeks[-1][-1] + timedelta(days=1)
    return Period(view, anchor_on, start, end, add_months(first, -1), next_month)


def month_weeks(year: int, month: int) -> list[list[date]]:
    """The month's grid: whole weeks, Monday first, spilling into the months around it."""
    return stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def local_instant(on: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in `zone` (DST as lib/dates.wall_time reads it)."""
    return wall_time(on, at, zone.key)


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    channel: int | None = None
    status: str = ""
    pillar: str = ""
    campaign: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str], channel_ids: Iterable[int]) -> Filters:
        """Only values that name something: another workspace's channel id is ignored."""
        channel = query.get("channel", "")
        channel_id = int(channel) if channel.isdigit() else None
        status = query.get("status", "")
        return cls(
            channel=channel_id if channel_id in set(channel_ids) else None,
            status=status if status in Post.Status.values else "",
            pillar=query.get("pillar", "").strip()[:100],
            campaign=query.get("campaign", "").strip()[:100],
        )

    def apply(self, posts: QuerySet[Post]) -> QuerySet[Post]:
        if self.channel is not None:
            posts = posts.filter(deliveries__channel_id=self.channel)  # one delivery a channel
        if self.status:
            posts = posts.filter(status=self.status)
        if self.pillar:
            posts = posts.filter(pillar=self.pillar)
        if self.campaign:
            posts = posts.filter(campaign=self.campaign)
        return posts

    def params(self) -> dict[str, str]:
        values = {
            "channel": "" if self.channel is None else str(self.channel),
            "status": self.status,
            "pillar": self.pillar,
            "campaign": self.campaign,
        }
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.params())


def query_string(view: str, on: date, filters: Filters, **extra: str) -> str:
    """`?view=…&on=…` plus the filters: links between views keep what the user chose."""
    return "?" + urlencode({"view": view, "on": on.isoformat(), **filters.params(), **extra})


# --- chips ---------------------------------------------------------------------------------


def pillar_colour(pillar: str) -> str:
    """A stable colour per pillar name (the same in every process and on every page)."""
    name = pillar.strip().casefold()
    if not name:
        return NO_PILLAR
    digest = hashlib.sha256(name.encode()).digest()
    return PALETTE[int.from_bytes(digest[:4], "big") % len(PALETTE)]


@dataclass(frozen=True)
class ChannelMark:
    network: str
    label: str
    name: str

    @property
    def initial(self) -> str:
        return self.label[:1]


@dataclass(frozen=True)
class Chip:
    """What the calendar shows of one post."""

    pk: int
    local_at: datetime
    title: str
    status: str
    status_label: str
    pillar: str
    campaign: str
    colour: str
    channels: list[ChannelMark]
    movable: bool
    url: str
    at_iso: str = ""  # local time with its offset, for <time datetime> and ordering chips
    time_label: str = ""  # 14:30
    repeats: bool = False  # one of a series of repeating posts

    @property
    def local_on(self) -> date:
        return self.local_at.date()


def first_line(text: str, limit: int = 80) -> str:
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def is_movable(statuses: Iterable[str]) -> bool:
    """Nothing has gone out yet: every delivery is still open (draft … scheduled, retrying)."""
    found = list(statuses)
    return bool(found) and all(s in OPEN for s in found)


def post_url_maker(slug: str) -> Callable[[int], str]:
    """The composer's address for a post; reversed once, not once per chip."""
    sentinel = 987654321
    try:
        pattern = reverse("post_edit", kwargs={"workspace": slug, "post_id": sentinel})
    except NoReverseMatch:
        pattern = f"/w/{slug}/posts/{sentinel}/"
    head, tail = pattern.split(str(sentinel), 1)
    return lambda pk: f"{head}{pk}{tail}"


def chip_of(post: Post, zone: ZoneInfo, url_of: Callable[[int], str]) -> Chip:
    """A chip from a post whose deliveries (with channels) are prefetched."""
    deliveries = list(post.deliveries.all())
    assert post.scheduled_at is not None
    local_at = post.scheduled_at.astimezone(zone)
    return Chip(
        pk=post.pk,
        local_at=local_at,
        at_iso=local_at.isoformat(),
        time_label=local_at.strftime("%H:%M"),
        title=first_line(post.text) or f"#{post.pk}",
        status=post.status,
        status_label=str(Post.Status(post.status).label),
        pillar=post.pillar,
        campaign=post.campaign,
        colour=pillar_colour(post.pillar),
        channels=[
            ChannelMark(d.channel.network, d.channel.network_label, d.channel.display_name)
            for d in sorted(deliveries, key=lambda d: (d.channel.display_name, d.channel_id))
        ],
        movable=is_movable(d.status for d in deliveries),
        url=url_of(post.pk),
        repeats=post.series_id is not None,
    )


CHIP_FIELDS = (
    "pk", "workspace_id", "text", "status", "pillar", "campaign", "scheduled_at", "series_id",
)  # fmt: skip


def with_channels(posts: QuerySet[Post], *extra_fields: str) -> QuerySet[Post]:
    """The posts with their deliveries and channels: two queries, however many posts."""
    deliveries = Delivery.objects.select_related("channel").only(
        "pk", "post_id", "status", "channel__network", "channel__display_name"
    )
    return posts.only(*CHIP_FIELDS, *extra_fields).prefetch_related(
        Prefetch("deliveries", queryset=deliveries)
    )


def posts_between(
    workspace: Workspace, start_at: datetime, end_at: datetime, filters: Filters
) -> QuerySet[Post]:
    posts = Post.objects.filter(
        workspace=workspace, scheduled_at__gte=start_at, scheduled_at__lt=end_at
    )
    return filters.apply(posts).order_by("scheduled_at", "pk")


# --- days ----------------------------------------------------------------------------------


@dataclass
class Day:
    on: date
    chips: list[Chip] = field(default_factory=list)
    total: int = 0
    in_month: bool = True
    is_today: bool = False

    @property
    def more(self) -> int:
        return self.total - len(self.chips)


def month_days(
    workspace: Workspace,
    period: Period,
    filters: Filters,
    today_on: date,
    url_of: Callable[[int], str],
) -> list[list[Day]]:
    """The month grid's weeks of days, each day with its first few chips and its total."""
    zone = ZoneInfo(workspace.timezone)
    weeks = month_weeks(period.anchor_on.year, period.anchor_on.month)
    days = [d for week in weeks for d in week]
    shown, totals = first_of_each_day(workspace, days, filters, zone)
    chips = load_chips(Post.objects.filter(pk__in=shown), zone, url_of)
    by_day = group_by_day(chips)
    month = period.anchor_on.month
    return [
        [Day(d, by_day.get(d, []), totals.get(d, 0), d.month == month, d == today_on) for d in week]
        for week in weeks
    ]


def first_of_each_day(
    workspace: Workspace, days: list[date], filters: Filters, zone: ZoneInfo
) -> tuple[list[int], dict[date, int]]:
    """The first few posts of each local day and each day's total.

    Reads only ids and times, in time order, and sorts them into days by each day's start in
    UTC (a day is 23 or 25 hours long when the clocks change). Measured faster on SQLite than
    numbering rows per day in SQL with a window function (bench/calendar.py).
    """
    starts = [local_instant(d, time(0), zone) for d in [*days, days[-1] + timedelta(days=1)]]
    posts = posts_between(workspace, starts[0], starts[-1], filters)
    shown: list[int] = []
    totals: dict[date, int] = {}
    for pk, scheduled_at in posts.values_list("pk", "scheduled_at"):
        day = days[bisect_right(starts, scheduled_at) - 1]  # type: ignore[type-var]  # in range
        totals[day] = totals.get(day, 0) + 1
        if totals[day] <= MONTH_CHIPS_PER_DAY:
            shown.append(pk)
    return shown, totals


def load_chips(posts: QuerySet[Post], zone: ZoneInfo, url_of: Callable[[int], str]) -> list[Chip]:
    return [chip_of(p, zone, url_of) for p in with_channels(posts.order_by("scheduled_at", "pk"))]


def group_by_day(chips: Iterable[Chip]) -> dict[date, list[Chip]]:
    days: dict[date, list[Chip]] = defaultdict(list)
    for chip in chips:
        days[chip.local_on].append(chip)
    return dict(days)  # a plain dict: templates would read `days.items` as a missing day


def period_days(period: Period, chips: Iterable[Chip], today_on: date) -> list[Day]:
    by_day = group_by_day(chips)
    days = []
    on = period.start_on
    while on < period.end_on:
        found = by_day.get(on, [])
        days.append(Day(on, found, len(found), True, on == today_on))
        on += timedelta(days=1)
    return days


@dataclass
class Slot:
    on: date
    hour: int
    chips: list[Chip]


def week_hours(days: list[Day]) -> list[list[Slot]]:
    """The week view's rows: one per hour of the local day, one slot per day."""
    rows = [[Slot(day.on, hour, []) for day in days] for hour in range(24)]
    for column, day in enumerate(days):
        for chip in day.chips:
            rows[chip.local_at.hour][column].chips.append(chip)
    return rows


def moved_instant(current_at: datetime, on: date, hour: int | None, zone: ZoneInfo) -> datetime:
    """Where a post dropped on day `on` (and hour, in the week view) is to be published.

    It keeps its wall-clock time of day (and minutes when only the hour changes), in the
    workspace's zone, whatever the UTC offset of the new day.
    """
    local = current_at.astimezone(zone)
    at = local.time().replace(tzinfo=None, fold=0)
    if hour is not None:
        at = at.replace(hour=hour)
    return local_instant(on, at, zone)


def distinct_values(workspace: Workspace, name: str) -> list[str]:
    """The pillars (or campaigns) the workspace's posts use, for filters and suggestions."""
    posts = Post.objects.filter(workspace=workspace).exclude(**{name: ""}).order_by()
    return sorted(posts.values_list(name, flat=True).distinct(), key=str.casefold)
