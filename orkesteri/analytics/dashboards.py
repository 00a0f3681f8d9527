"""The figures of each dashboard, computed once for the web page, its CSV and the API.

Each function reads through queries.py (scoped by workspace) and computes with kpis.py and
besttime.py; none renders anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from orkesteri.analytics import besttime, kpis
from orkesteri.analytics.kpis import Delta, KpiSet, PostFigures
from orkesteri.analytics.models import Collection, PostStats, Sample
from orkesteri.analytics.queries import (
    Period,
    PostRow,
    daily_totals,
    engagement_by_day,
    follower_history,
    follower_series,
    last_before,
    post_rows,
    series_of,
    tallies,
    with_texts,
)
from orkesteri.channels.models import Channel
from orkesteri.publishing.models import Delivery
from orkesteri.workspaces.models import Workspace

TOP_POSTS = 10


@dataclass(frozen=True)
class ChannelLine:
    channel: Channel
    kpis: KpiSet
    collection: Collection | None


@dataclass(frozen=True)
class Overview:
    period: Period
    previous: Period
    kpis: KpiSet
    before: KpiSet
    deltas: dict[str, Delta]
    followers: list[tuple[date, int]]  # all channels, per day
    engagement: list[tuple[date, int]]  # engagements of the posts published each day
    channels: list[ChannelLine]
    has_data: bool


def channels_of(workspace: Workspace) -> list[Channel]:
    return list(Channel.objects.filter(workspace=workspace).select_related("collection"))


def overview(
    workspace: Workspace,
    period: Period,
    channel_ids: Sequence[int] | None = None,
    channels: Sequence[Channel] | None = None,
) -> Overview:
    """`channels`: the workspace's channels when the caller has them already."""
    mode = workspace.er_averaging
    previous = period.previous()
    groups = tallies(workspace, period, channel_ids)
    before_groups = tallies(workspace, previous, channel_ids)
    history = follower_history(workspace, period, channel_ids)
    accounts = series_of(history, last_before(workspace, period.start_on, channel_ids))
    before_accounts = follower_series(workspace, previous, channel_ids)
    current = kpis.from_tally(
        sum(groups.values(), kpis.Tally.empty()),
        mode,
        days=period.days,
        accounts=accounts.values(),
    )
    before = kpis.from_tally(
        sum(before_groups.values(), kpis.Tally.empty()),
        mode,
        days=period.days,
        accounts=before_accounts.values(),
    )
    lines = []
    for channel in channels if channels is not None else channels_of(workspace):
        if channel_ids and channel.pk not in channel_ids:
            continue
        figures = kpis.from_tally(
            groups.get(channel.pk, kpis.Tally.empty()), mode, days=period.days
        )
        figures = _with_followers(figures, accounts.get(channel.pk))
        lines.append(ChannelLine(channel, figures, getattr(channel, "collection", None)))
    return Overview(
        period=period,
        previous=previous,
        kpis=current,
        before=before,
        deltas=kpis.compare(current, before),
        followers=daily_totals(history),
        engagement=engagement_by_day(workspace, period, channel_ids),
        channels=lines,
        has_data=bool(groups or history),
    )


def _with_followers(figures: KpiSet, series: kpis.FollowerSeries | None) -> KpiSet:
    if series is None:
        return figures
    return replace(
        figures,
        followers_start=series.start,
        followers_end=series.end,
        follower_growth=kpis.follower_growth(series.start, series.end),
        follower_growth_percent=kpis.follower_growth_percent(series.start, series.end),
    )


# --- content -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    period: Period
    by_format: dict[str, KpiSet]
    by_pillar: dict[str, KpiSet]
    by_campaign: dict[str, KpiSet]
    by_length: dict[str, KpiSet]
    by_weekday: dict[int, KpiSet]
    by_hashtag: dict[str, KpiSet]
    top: list[PostRow]
    bottom: list[PostRow]
    posts: int
    # The same groups in the previous period, by table ("format", "pillar"…), for the change.
    before: dict[str, dict[Any, Earlier]]


def content(
    workspace: Workspace, period: Period, channel_ids: Sequence[int] | None = None
) -> Content:
    mode, days = workspace.er_averaging, period.days
    rows = post_rows(workspace, period, channel_ids)
    tz = ZoneInfo(workspace.timezone)
    groups = _groups(rows, tz, mode, days)
    before = _earlier(post_rows(workspace, period.previous(), channel_ids), tz, mode)

    def best_first(found: dict[Any, KpiSet]) -> dict[Any, KpiSet]:
        return dict(sorted(found.items(), key=lambda item: _rank(item[1]), reverse=True))

    ranked = sorted(
        (r for r in rows if kpis.engagements(r.figures) is not None),
        key=lambda r: (kpis.engagements(r.figures) or 0, r.published_at),
    )
    lengths = groups["length"]
    return Content(
        period=period,
        by_format=best_first(groups["format"]),
        by_pillar=best_first(groups["pillar"]),
        by_campaign=best_first(groups["campaign"]),
        by_length={key: lengths[key] for key, _largest in kpis.LENGTH_BUCKETS if key in lengths},
        by_weekday=dict(sorted(groups["weekday"].items())),
        by_hashtag=dict(
            list(best_first({t: s for t, s in groups["hashtag"].items() if s.posts >= 2}).items())[
                :20
            ]
        ),
        top=with_texts(ranked[::-1][:TOP_POSTS]),
        bottom=with_texts(ranked[:TOP_POSTS]) if len(ranked) > TOP_POSTS else [],
        posts=len(rows),
        before=before,
    )


@dataclass(frozen=True)
class Earlier:
    """A content group in the previous period: what its change is measured against."""

    posts: int
    er_by_followers: float | None


TABLES = ("format", "pillar", "campaign", "length", "weekday", "hashtag")


def _keys(row: PostRow, tz: ZoneInfo) -> Iterable[tuple[str, Hashable]]:
    """The content groups a post is in, by table: a post counts under each of its hashtags,
    its weekday is the workspace zone's."""
    yield "format", row.format
    yield "pillar", row.pillar
    yield "campaign", row.campaign
    yield "length", kpis.length_bucket(row.length)
    yield "weekday", row.published_at.astimezone(tz).weekday()
    for tag in row.hashtags:
        yield "hashtag", tag


def _earlier(rows: Sequence[PostRow], tz: ZoneInfo, mode: str) -> dict[str, dict[Any, Earlier]]:
    """Posts and ER by followers of every content group, in one pass over the posts: the
    previous period needs only what the change is measured against."""
    posts: dict[tuple[str, Hashable], int] = defaultdict(int)
    rates: dict[tuple[str, Hashable], kpis.RateSums] = defaultdict(kpis.RateSums)
    for row in rows:
        engaged, followers = kpis.engagements(row.figures), row.figures.followers
        one = None
        if engaged is not None and followers is not None and followers > 0:
            one = kpis.RateSums(engaged, followers, engaged / followers, 1)
        for group in _keys(row, tz):
            posts[group] += 1
            if one is not None:
                rates[group] += one
    found: dict[str, dict[Any, Earlier]] = defaultdict(dict)
    averaging = kpis.parse_averaging(mode)
    for (table, key), count in posts.items():
        found[table][key] = Earlier(count, rates[(table, key)].rate(averaging))
    return found


def _groups(
    rows: Sequence[PostRow], tz: ZoneInfo, mode: str, days: int
) -> dict[str, dict[Any, KpiSet]]:
    """The period's posts by each content group they are in (`_keys`)."""
    pairs: dict[str, list[tuple[Hashable, PostFigures]]] = {table: [] for table in TABLES}
    for row in rows:
        for table, key in _keys(row, tz):
            pairs[table].append((key, row.figures))
    return {table: kpis.group_summaries(found, mode, days=days) for table, found in pairs.items()}


def _rank(figures: KpiSet) -> tuple[float, int]:
    """Best first: by ER by followers, then by engagements per post."""
    per_post = (figures.engagements or 0) / figures.posts if figures.posts else 0
    return (figures.er_by_followers or -1.0, int(per_post))


# --- one channel -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelPage:
    channel: Channel
    collection: Collection | None
    overview: Overview
    followers: list[tuple[date, int]]
    top: list[PostRow]


def channel_page(workspace: Workspace, channel: Channel, period: Period) -> ChannelPage:
    found = overview(workspace, period, [channel.pk], [channel])
    rows = post_rows(workspace, period, [channel.pk], about=False)
    ranked = sorted(rows, key=lambda r: kpis.engagements(r.figures) or 0, reverse=True)
    return ChannelPage(
        channel=channel,
        collection=found.channels[0].collection,
        overview=found,
        followers=found.followers,
        top=with_texts(ranked[:TOP_POSTS]),
    )


# --- one post --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostPage:
    delivery: Delivery
    stats: PostStats | None
    figures: PostFigures
    series: dict[str, list[tuple[datetime, int]]] = field(default_factory=dict)
    rates: dict[str, float | None] = field(default_factory=dict)


def post_page(delivery: Delivery) -> PostPage:
    stats = PostStats.objects.filter(pk=delivery.pk).first()
    series: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    samples = Sample.objects.filter(delivery=delivery).order_by("at")
    for metric, at, value in samples.values_list("metric", "at", "value"):
        series[metric].append((at, int(value)))
    figures = (
        PostFigures(**{name: getattr(stats, name) for name in kpis.POST_FIELDS})
        if stats
        else PostFigures()
    )
    rates = {
        "er_by_followers": kpis.er_by_followers(figures),
        "er_by_reach": kpis.er_by_reach(figures),
        "er_by_views": kpis.er_by_views(figures),
        "love_rate": kpis.love_rate(figures),
        "talk_rate": kpis.talk_rate(figures),
        "amplification_rate": kpis.amplification_rate(figures),
        "virality_rate": kpis.virality_rate(figures),
    }
    return PostPage(delivery, stats, figures, dict(series), rates)


# --- best time -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BestTime:
    channel: Channel
    heatmap: besttime.Heatmap
    slots: list[besttime.Slot]


def best_time(workspace: Workspace, channel: Channel, now: datetime | None = None) -> BestTime:
    """The channel's weekday × hour heatmap from its own posts, shrunk toward the
    workspace's other channels (or the published defaults when it has none)."""
    now = now or timezone.now()
    since = now - besttime.DEFAULT_WINDOW
    scores: dict[int, list[besttime.PostScore]] = defaultdict(list)
    found = PostStats.objects.filter(workspace=workspace, published_at__gte=since)
    columns = ("channel_id", "published_at", *kpis.POST_FIELDS)
    for channel_id, published_at, *figures in found.values_list(*columns):
        engaged = kpis.engagements(PostFigures(*figures))
        if engaged is not None:
            scores[channel_id].append(besttime.PostScore(published_at, float(engaged)))
    others = [posts for channel_id, posts in scores.items() if channel_id != channel.pk]
    prior = besttime.workspace_prior(others, workspace.timezone, now=now)
    heatmap = besttime.build_heatmap(
        scores.get(channel.pk, []), workspace.timezone, now=now, prior=prior
    )
    existing = list(channel.slots.all())
    return BestTime(channel, heatmap, besttime.suggest_slots(heatmap, existing=existing))
