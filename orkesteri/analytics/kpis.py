"""KPI formulas: engagement rates, follower growth, posting frequency (docs/metrics.md).

Pure functions over small frozen dataclasses, no database: dashboards, the API and the PDF
reports all call these, so a figure is computed one way everywhere. Rules that hold for every
figure here:

- A metric of None means the network does not give it; it is left out, never counted as 0.
- A figure that cannot be computed (its numerator missing, its denominator missing or 0) is
  None, shown as a dash: never 0, never inf, never a ZeroDivisionError.
- Rates are percentages (× 100); the absolute change of a rate is in percentage points.

Over many posts a rate is averaged one of two ways (`Averaging`, the workspace setting
`Workspace.er_averaging`): the mean of each post's rate, or the sum of the numerators over the
sum of the denominators of the posts that have both.

Speed: `summarize` reads each field of each post once into a column and then makes one pass
per figure over plain lists; 50,000 posts take a few tens of milliseconds.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import TypeVar

from django.utils.translation import gettext_lazy as _

Number = int | float
Column = Sequence[int | None]
K = TypeVar("K", bound=Hashable)


class Averaging(StrEnum):
    """How the rates of many posts become one figure; the values of `Workspace.er_averaging`."""

    ARITHMETIC = "arithmetic"  # the mean of each post's rate
    WEIGHTED = "weighted"  # sum of numerators / sum of denominators: big posts weigh more


def parse_averaging(value: Averaging | str) -> Averaging:
    """`value` as an `Averaging` (a workspace's stored setting is a plain string)."""
    try:
        return Averaging(str(value))
    except ValueError:
        raise ValueError(
            f"Unknown ER averaging {value!r}: use 'arithmetic' or 'weighted'."
        ) from None


@dataclass(frozen=True, slots=True)
class PostFigures:
    """One published post's latest figures. None: the network does not give it (not zero).

    The fields are in the order of the columns of `PostStats`, so
    `PostFigures(*row)` works for `PostStats.objects.values_list(*POST_FIELDS)`.
    """

    likes: int | None = None
    replies: int | None = None
    reposts: int | None = None
    quotes: int | None = None
    views: int | None = None
    reach: int | None = None
    impressions: int | None = None
    clicks: int | None = None
    followers: int | None = None  # the channel's followers when the post was published


POST_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(PostFigures))


@dataclass(frozen=True, slots=True)
class FollowerSeries:
    """An account's followers at the start and at the end of a period (None: unknown)."""

    start: int | None
    end: int | None


# --- One post ---------------------------------------------------------------------------------


def ratio(
    numerator: Number | None, denominator: Number | None, scale: float = 100.0
) -> float | None:
    """numerator / denominator × scale, or None when either is missing or the denominator ≤ 0."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator * scale / denominator


def engagements(post: PostFigures) -> int | None:
    """likes + replies + reposts + quotes, counting the ones given; None when none is given."""
    return _engagements(post.likes, post.replies, post.reposts, post.quotes)


def _engagements(
    likes: int | None, replies: int | None, reposts: int | None, quotes: int | None
) -> int | None:
    if likes is None and replies is None and reposts is None and quotes is None:
        return None
    return (likes or 0) + (replies or 0) + (reposts or 0) + (quotes or 0)


def virality_base(post: PostFigures) -> int | None:
    """The virality denominator: impressions, or views where the network gives no impressions."""
    return post.impressions if post.impressions is not None else post.views


def er_by_followers(post: PostFigures) -> float | None:
    """ER by followers (Popsters ERpost): engagements / followers × 100."""
    return ratio(engagements(post), post.followers)


def er_by_reach(post: PostFigures) -> float | None:
    """ERR: engagements / reach × 100."""
    return ratio(engagements(post), post.reach)


def er_by_views(post: PostFigures) -> float | None:
    """ER by views (Popsters ERview): engagements / views × 100."""
    return ratio(engagements(post), post.views)


def love_rate(post: PostFigures) -> float | None:
    """Love rate (Popsters, LiveDune): likes / followers × 100. Same formula: applause rate."""
    return ratio(post.likes, post.followers)


def talk_rate(post: PostFigures) -> float | None:
    """Talk rate (Popsters, LiveDune): replies / followers × 100. Same: conversation rate."""
    return ratio(post.replies, post.followers)


def amplification_rate(post: PostFigures) -> float | None:
    """Amplification rate (Kaushik, per follower): reposts / followers × 100."""
    return ratio(post.reposts, post.followers)


def applause_rate(post: PostFigures) -> float | None:
    """Applause rate (Kaushik, per follower): likes / followers × 100, as the love rate."""
    return love_rate(post)


def conversation_rate(post: PostFigures) -> float | None:
    """Conversation rate (Kaushik, per follower): replies / followers × 100, as the talk rate."""
    return talk_rate(post)


def virality_rate(post: PostFigures) -> float | None:
    """Virality rate: reposts / impressions × 100 (views where there are no impressions)."""
    return ratio(post.reposts, virality_base(post))


# --- Many posts -------------------------------------------------------------------------------


def average_rate(
    numerators: Column, denominators: Column, averaging: Averaging | str
) -> float | None:
    """A rate over many posts (numerators[i] / denominators[i] is post i's), in percent.

    Only posts with a numerator and a denominator > 0 count. Arithmetic: the mean of their
    rates. Weighted: the sum of their numerators over the sum of their denominators.
    None when no post counts.
    """
    return _rate_sums(numerators, denominators).rate(parse_averaging(averaging))


def total(values: Iterable[int | None]) -> int | None:
    """The sum of the values given; None when none is (so a missing metric shows a dash)."""
    column = values if isinstance(values, list) else list(values)
    if column.count(None) == len(column):
        return None
    return sum(filter(None, column))  # filter(None) drops None (and zeros, which add nothing)


def average_er_by_followers(
    posts: Sequence[PostFigures], averaging: Averaging | str
) -> float | None:
    """ER by followers over many posts, averaged as the workspace says."""
    return average_rate(
        [engagements(post) for post in posts], [post.followers for post in posts], averaging
    )


# --- Accounts and frequency --------------------------------------------------------------------


def follower_growth(start: int | None, end: int | None) -> int | None:
    """Net follower growth over a period: end − start (negative when followers were lost)."""
    if start is None or end is None:
        return None
    return end - start


def follower_growth_percent(start: int | None, end: int | None) -> float | None:
    """Follower growth in percent of the start: (end − start) / start × 100."""
    return ratio(follower_growth(start, end), start)


def combine_followers(series: Iterable[FollowerSeries]) -> FollowerSeries:
    """Several accounts as one: the sums of the starts and of the ends of the accounts whose
    start and end are both known (an account known at one end only would fake a growth)."""
    start = end = 0
    known = False
    for one in series:
        if one.start is not None and one.end is not None:
            start += one.start
            end += one.end
            known = True
    return FollowerSeries(start, end) if known else FollowerSeries(None, None)


def days_inclusive(start_on: date, end_on: date) -> int:
    """The number of days from start_on to end_on, both counted (a single day is 1)."""
    if end_on < start_on:
        raise ValueError(f"The period ends ({end_on}) before it starts ({start_on}).")
    return (end_on - start_on).days + 1


def posts_per_day(posts: int, days: int | None) -> float | None:
    """Posting frequency: posts / days (None without a period of at least one day)."""
    return ratio(posts, days, scale=1.0)


def posts_per_week(posts: int, days: int | None) -> float | None:
    """Posting frequency: posts / days × 7."""
    return ratio(posts, days, scale=7.0)


# --- Sets of figures ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KpiSet:
    """Every figure over a group of posts (and, optionally, its accounts and period)."""

    averaging: Averaging
    posts: int
    rated_posts: int  # the posts with an ER by followers (engagements and followers > 0)
    engagements: int | None
    likes: int | None
    replies: int | None
    reposts: int | None
    quotes: int | None
    views: int | None
    reach: int | None
    impressions: int | None
    clicks: int | None
    er_by_followers: float | None
    er_by_reach: float | None
    er_by_views: float | None
    love_rate: float | None
    talk_rate: float | None
    amplification_rate: float | None
    applause_rate: float | None
    conversation_rate: float | None
    virality_rate: float | None
    days: int | None
    posts_per_day: float | None
    posts_per_week: float | None
    followers_start: int | None
    followers_end: int | None
    follower_growth: int | None
    follower_growth_percent: float | None


# The figures of a KpiSet, in display order: what `compare` compares and a CSV export lists.
FIGURES: tuple[str, ...] = tuple(
    f.name for f in fields(KpiSet) if f.name not in ("averaging", "days")
)

# Figures in percent: their absolute change is in percentage points.
PERCENT_FIGURES: frozenset[str] = frozenset(
    {
        "er_by_followers",
        "er_by_reach",
        "er_by_views",
        "love_rate",
        "talk_rate",
        "amplification_rate",
        "applause_rate",
        "conversation_rate",
        "virality_rate",
        "follower_growth_percent",
    }
)

FIGURE_LABELS = {
    "posts": _("Posts"),
    "rated_posts": _("Posts with an engagement rate"),
    "engagements": _("Engagements"),
    "likes": _("Likes"),
    "replies": _("Replies"),
    "reposts": _("Reposts"),
    "quotes": _("Quotes"),
    "views": _("Views"),
    "reach": _("Reach"),
    "impressions": _("Impressions"),
    "clicks": _("Link clicks"),
    "er_by_followers": _("ER by followers"),
    "er_by_reach": _("ER by reach (ERR)"),
    "er_by_views": _("ER by views"),
    "love_rate": _("Love rate"),
    "talk_rate": _("Talk rate"),
    "amplification_rate": _("Amplification rate"),
    "applause_rate": _("Applause rate"),
    "conversation_rate": _("Conversation rate"),
    "virality_rate": _("Virality rate"),
    "posts_per_day": _("Posts per day"),
    "posts_per_week": _("Posts per week"),
    "followers_start": _("Followers at the start"),
    "followers_end": _("Followers at the end"),
    "follower_growth": _("Follower growth"),
    "follower_growth_percent": _("Follower growth, %"),
}


# --- Tallies: the sums a KpiSet is made of ---------------------------------------------------

# Each rate over many posts: (numerator, denominator), named as in `_columns`. "engagements"
# is likes + replies + reposts + quotes as `engagements()` adds them; "shown" is
# `virality_base()` (impressions, else views).
RATES: dict[str, tuple[str, str]] = {
    "er_by_followers": ("engagements", "followers"),
    "er_by_reach": ("engagements", "reach"),
    "er_by_views": ("engagements", "views"),
    "love_rate": ("likes", "followers"),
    "talk_rate": ("replies", "followers"),
    "amplification_rate": ("reposts", "followers"),
    "virality_rate": ("reposts", "shown"),
}
# The totals of a KpiSet (a sum over the posts that give the metric; None if none does).
TOTALS: tuple[str, ...] = (
    "engagements", "likes", "replies", "reposts", "quotes", "views", "reach", "impressions",
    "clicks",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RateSums:
    """Over the posts with a numerator and a denominator > 0: Σ numerators, Σ denominators,
    Σ (numerator / denominator), and how many posts. Both averagings come from these."""

    top: float = 0.0
    bottom: float = 0.0
    ratios: float = 0.0
    count: int = 0

    def __add__(self, other: RateSums) -> RateSums:
        return RateSums(
            self.top + other.top,
            self.bottom + other.bottom,
            self.ratios + other.ratios,
            self.count + other.count,
        )

    def rate(self, averaging: Averaging) -> float | None:
        if not self.count:
            return None
        if averaging is Averaging.WEIGHTED:
            return self.top * 100.0 / self.bottom
        return self.ratios * 100.0 / self.count


@dataclass(frozen=True, slots=True)
class Tally:
    """What a group of posts adds up to; tallies of groups add up to the tally of all of
    them, so a database can add a group's posts up (analytics/queries.py) and Python the
    groups."""

    posts: int
    sums: dict[str, int]  # TOTALS: the sum over the posts that give it
    given: dict[str, int]  # TOTALS: how many posts give it (0: the figure is None)
    rates: dict[str, RateSums]  # RATES

    @classmethod
    def empty(cls) -> Tally:
        return cls(0, dict.fromkeys(TOTALS, 0), dict.fromkeys(TOTALS, 0),
                   {name: RateSums() for name in RATES})  # fmt: skip

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.posts + other.posts,
            {k: self.sums[k] + other.sums[k] for k in TOTALS},
            {k: self.given[k] + other.given[k] for k in TOTALS},
            {k: self.rates[k] + other.rates[k] for k in RATES},
        )

    def total(self, name: str) -> int | None:
        return self.sums[name] if self.given[name] else None


def tally(posts: Sequence[PostFigures]) -> Tally:
    """The tally of `posts`, in Python (the same sums as queries.tallies in SQL)."""
    columns = _columns(posts)
    sums, given = {}, {}
    for name in TOTALS:
        present = [v for v in columns[name] if v is not None]
        sums[name], given[name] = sum(present), len(present)
    rates = {
        name: _rate_sums(columns[top], columns[bottom]) for name, (top, bottom) in RATES.items()
    }
    return Tally(len(posts), sums, given, rates)


def _columns(posts: Sequence[PostFigures]) -> dict[str, list[int | None]]:
    columns: dict[str, list[int | None]] = {name: [] for name in POST_FIELDS}
    for post in posts:
        for name in POST_FIELDS:
            columns[name].append(getattr(post, name))
    columns["engagements"] = [
        _engagements(a, b, c, d)
        for a, b, c, d in zip(
            columns["likes"], columns["replies"], columns["reposts"], columns["quotes"], strict=True
        )
    ]
    columns["shown"] = [
        imp if imp is not None else seen
        for imp, seen in zip(columns["impressions"], columns["views"], strict=True)
    ]
    return columns


def _rate_sums(numerators: Column, denominators: Column) -> RateSums:
    top = bottom = ratios = 0.0
    count = 0
    for num, den in zip(numerators, denominators, strict=True):
        if num is not None and den is not None and den > 0:
            top += num
            bottom += den
            ratios += num / den
            count += 1
    return RateSums(top, bottom, ratios, count)


def summarize(
    posts: Sequence[PostFigures],
    averaging: Averaging | str,
    *,
    days: int | None = None,
    accounts: Iterable[FollowerSeries] = (),
) -> KpiSet:
    """Every figure over `posts`, rates averaged as `averaging` says.

    `days`: the length of the period (see `days_inclusive`), for the posting frequency.
    `accounts`: the followers of the channels at the start and end of the period, for the
    follower growth (see `combine_followers`).
    """
    return from_tally(tally(posts), averaging, days=days, accounts=accounts)


def from_tally(
    sums: Tally,
    averaging: Averaging | str,
    *,
    days: int | None = None,
    accounts: Iterable[FollowerSeries] = (),
) -> KpiSet:
    """The KpiSet of posts that add up to `sums` (see `summarize`)."""
    mode = parse_averaging(averaging)
    rates = {name: found.rate(mode) for name, found in sums.rates.items()}
    combined = combine_followers(accounts)
    return KpiSet(
        averaging=mode,
        posts=sums.posts,
        rated_posts=sums.rates["er_by_followers"].count,
        engagements=sums.total("engagements"),
        likes=sums.total("likes"),
        replies=sums.total("replies"),
        reposts=sums.total("reposts"),
        quotes=sums.total("quotes"),
        views=sums.total("views"),
        reach=sums.total("reach"),
        impressions=sums.total("impressions"),
        clicks=sums.total("clicks"),
        er_by_followers=rates["er_by_followers"],
        er_by_reach=rates["er_by_reach"],
        er_by_views=rates["er_by_views"],
        love_rate=rates["love_rate"],
        talk_rate=rates["talk_rate"],
        amplification_rate=rates["amplification_rate"],
        virality_rate=rates["virality_rate"],
        applause_rate=rates["love_rate"],
        conversation_rate=rates["talk_rate"],
        days=days,
        posts_per_day=posts_per_day(sums.posts, days),
        posts_per_week=posts_per_week(sums.posts, days),
        followers_start=combined.start,
        followers_end=combined.end,
        follower_growth=follower_growth(combined.start, combined.end),
        follower_growth_percent=follower_growth_percent(combined.start, combined.end),
    )


def group_summaries(
    rows: Iterable[tuple[K, PostFigures]],
    averaging: Averaging | str,
    *,
    days: int | None = None,
) -> dict[K, KpiSet]:
    """A KpiSet per key (channel, pillar, campaign, format, weekday, length bucket, hashtag…),
    keys in the order first seen. A post in several groups (several hashtags) is one row per
    group, so group totals may add up to more than the whole."""
    mode = parse_averaging(averaging)
    groups: dict[K, list[PostFigures]] = {}
    for key, post in rows:
        groups.setdefault(key, []).append(post)
    return {key: summarize(posts, mode, days=days) for key, posts in groups.items()}


# --- Compared with the previous period -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delta:
    """One figure now and in the previous period. None: it cannot be computed."""

    current: Number | None
    previous: Number | None
    change: Number | None  # current − previous (percentage points for a rate)
    change_percent: float | None  # change / |previous| × 100; None when previous is 0


def delta(current: Number | None, previous: Number | None) -> Delta:
    """How `current` differs from `previous`.

    The percent change is relative to |previous|, so it has the sign of the change even for
    a negative previous value (a follower growth of −10 becoming +10 is +200 %).
    """
    if current is None or previous is None:
        return Delta(current, previous, None, None)
    change = current - previous
    return Delta(current, previous, change, ratio(change, abs(previous)))


def compare(current: KpiSet, previous: KpiSet) -> dict[str, Delta]:
    """Each figure of `current` against the same figure of `previous` (see `FIGURES`)."""
    return {name: delta(getattr(current, name), getattr(previous, name)) for name in FIGURES}


# --- Text length buckets -----------------------------------------------------------------------

# (key, largest length in the bucket; None: no upper end). Keys are stable: URLs, CSV, API.
LENGTH_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-80", 80),
    ("81-140", 140),
    ("141-280", 280),
    ("281-500", 500),
    ("501+", None),
)

LENGTH_BUCKET_LABELS = {
    "0-80": _("Up to 80 characters"),
    "81-140": _("81–140 characters"),
    "141-280": _("141–280 characters"),
    "281-500": _("281–500 characters"),
    "501+": _("501 characters or more"),
}


def length_bucket(characters: int) -> str:
    """The key of the text length bucket `characters` falls in (see LENGTH_BUCKETS)."""
    if characters < 0:
        raise ValueError(f"A text cannot be {characters} characters long.")
    for key, largest in LENGTH_BUCKETS:
        if largest is None or characters <= largest:
            return key
    raise AssertionError("the last bucket has no upper end")
