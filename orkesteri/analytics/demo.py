"""Demo history: generated figures for demo channels, so a new user sees full dashboards.

`generate_history` makes demo channels (`Channel.demo`: no account behind them, never
published to or collected from) and writes what the collector would have stored for real
accounts over the last `days` days: an account Sample a day at midnight UTC, published posts
with their Variant, Delivery and PostStats, and each post's Samples at the collection points
that have passed (`POST_POINTS`). The figures follow the patterns real accounts show, so
every dashboard finds something:

- followers grow steadily or along a logistic curve, with daily noise, and jump after a
  viral post;
- posts go out more on weekdays, in the mornings and evenings of the workspace's zone;
- a post's engagement is log-normal around followers × the channel's rate, times an
  hour-of-day and weekday effect, a format effect (video and images above text) and a
  pillar effect; about one post in seventy goes viral (12–40× its expected figure);
  most of it arrives within the first day;
- views, reach and impressions, where the network gives them, exceed the engagement.

Deterministic for a seed and `now`; no network calls; one transaction. It streams channel
by channel and writes samples in batches, so memory stays flat when the benchmark writes
millions of them.
"""

from __future__ import annotations

import math
import random
import re
import time
import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from itertools import accumulate, chain
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone

from orkesteri.analytics import collect
from orkesteri.analytics.demo_content import (
    BLENDS,
    BRAND,
    CAMPAIGNS,
    LINKS,
    NAMES,
    PLACES,
    TEXTS,
    THREAD_PARTS,
    WORDS,
    Campaign,
)
from orkesteri.analytics.models import Collection, PostStats, Sample
from orkesteri.campaigns import actions as campaigns
from orkesteri.channels.models import Channel
from orkesteri.lib import crypto
from orkesteri.networks.base import ACCOUNT_METRICS, POST_METRICS, Adapter, Feature
from orkesteri.networks.registry import ADAPTERS
from orkesteri.publishing.models import Delivery, Post, Variant
from orkesteri.workspaces.models import Membership, Workspace
from orkesteri.workspaces.roles import Role

MAX_CHANNELS = 200
MAX_DAYS = 5 * 365
DEFAULT_POSTS_PER_DAY = 1.2  # per channel, on average
# When the collector reads a post: 1 h, 24 h, then daily up to 30 days.
POST_POINTS = collect.POINTS
# What a network with Feature.METRICS shows when its adapter does not declare post_metrics
# yet; one that declares an empty set gives no post figures, and its demo posts have none.
FALLBACK_POST_METRICS = ("likes", "replies", "reposts")
WRITE_BATCH = 1000  # rows per bulk_create
SAMPLE_BATCH = 20_000  # sample rows per executemany
SQLITE_CACHE_KIB = -32768  # negative: KiB, as PRAGMA cache_size reads it
UNIT_DAYS = {"d": 1, "w": 7, "y": 365}
DEMO_ID_NAMESPACE = uuid.UUID("6f1d2c9e-7d0a-4c47-9f4e-0d3f8b1a2e5c")

# --- the patterns ------------------------------------------------------------------------

# Engagement by local hour (a multiplier): mornings and evenings, little at night.
HOUR_EFFECT = (
    0.45, 0.35, 0.3, 0.3, 0.35, 0.5, 0.75, 1.05, 1.3, 1.2, 1.0, 0.95,
    1.05, 0.95, 0.85, 0.85, 0.9, 1.05, 1.25, 1.4, 1.35, 1.15, 0.85, 0.6,
)  # fmt: skip
WEEKDAY_EFFECT = (1.0, 1.08, 1.12, 1.08, 0.95, 0.8, 0.85)  # Monday first
# When posts go out (relative weights): workdays early and after work, weekends later.
WORKDAY_POSTING = (
    0.05, 0.02, 0.02, 0.02, 0.03, 0.1, 0.5, 1.6, 2.0, 1.6, 1.0, 1.0,
    1.2, 0.9, 0.7, 0.7, 0.8, 1.2, 1.5, 1.6, 1.3, 0.9, 0.4, 0.2,
)  # fmt: skip
WEEKEND_POSTING = (
    0.05, 0.02, 0.02, 0.02, 0.02, 0.05, 0.2, 0.4, 0.7, 0.8, 1.4, 1.5,
    1.3, 1.0, 0.8, 0.8, 0.9, 1.0, 1.2, 1.3, 1.2, 0.8, 0.4, 0.2,
)  # fmt: skip
WEEKDAY_POSTING = (1.0, 1.05, 1.05, 1.0, 0.9, 0.45, 0.4)
FORMATS: dict[str, tuple[float, float]] = {  # format: (share of posts, engagement effect)
    PostStats.Format.TEXT: (0.3, 1.0),
    PostStats.Format.IMAGE: (0.35, 1.3),
    PostStats.Format.LINK: (0.15, 0.7),
    PostStats.Format.VIDEO: (0.1, 1.6),
    PostStats.Format.THREAD: (0.1, 1.15),
}
PILLARS = {  # pillar: (share of posts, engagement effect)
    "Product": (0.3, 0.85),
    "Education": (0.25, 1.05),
    "Behind the scenes": (0.25, 1.2),
    "Community": (0.2, 1.3),
}
# Share of a post's engagement per metric.
ENGAGEMENT_SHARES = {"likes": 0.74, "replies": 0.09, "reposts": 0.13, "quotes": 0.04}
VIRAL_SHARE = 0.015
CAMPAIGN_SHARE = 0.35  # of the posts inside a campaign's months
CAMPAIGN_EFFECT = 1.15


# --- the public part -------------------------------------------------------------------


@dataclass(frozen=True)
class HistorySummary:
    channels: int
    posts: int
    samples: int
    seconds: float

    @property
    def samples_per_s(self) -> float:
        return self.samples / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class DemoNetwork:
    """What a demo channel of a network gets: the figures and formats its adapter offers."""

    kind: str
    label: str
    post_metrics: tuple[str, ...]
    formats: tuple[str, ...]


def demo_networks() -> list[DemoNetwork]:
    """The networks that report figures (Feature.METRICS), read from the adapters now."""
    return [_demo_network(cls) for cls in ADAPTERS.values() if Feature.METRICS in cls.features]


def parse_history(value: str) -> int:
    """Days in a duration like "180d", "26w" or "2y" (a bare number is days)."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*([dwy]?)\s*", value.lower())
    if match is None:
        raise ValueError(
            f"“{value}” is not a duration: give a number of days, weeks or years,"
            " like 30d, 26w or 2y."
        )
    days = int(match[1]) * UNIT_DAYS[match[2] or "d"]
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(
            f"“{value}” is {days} days: the history must be 1 day to 5 years ({MAX_DAYS} days)."
        )
    return days


def parse_channels(value: str) -> int:
    """A number of demo channels, 1 to MAX_CHANNELS."""
    try:
        count = int(value)
    except ValueError:
        raise ValueError(f"“{value}” is not a whole number of channels.") from None
    if not 1 <= count <= MAX_CHANNELS:
        raise ValueError(f"{count} channels: give 1 to {MAX_CHANNELS}.")
    return count


def generate_history(
    workspace: Workspace,
    *,
    days: int,
    channels: int,
    seed: int = 0,
    now: datetime | None = None,
    posts_per_day: float | None = None,
    post_points: Sequence[timedelta] | None = None,
) -> HistorySummary:
    """Replace the workspace's demo channels with `channels` new ones and `days` of history.

    `posts_per_day` is the average per channel (default DEFAULT_POSTS_PER_DAY; the channels
    differ around it). `post_points` are the collection points written as post Samples
    (default POST_POINTS); PostStats always holds the figures of the last standard point
    passed. Non-demo channels and their posts are never touched.
    """
    _check(days, channels, posts_per_day)
    points = _points(post_points)
    now = (now or timezone.now()).astimezone(UTC)
    networks = demo_networks()
    if not networks:
        raise ValueError("No network reports figures, so there is nothing to generate.")
    started = time.perf_counter()
    window = Window.of(now, days, workspace.timezone)
    rate = DEFAULT_POSTS_PER_DAY if posts_per_day is None else posts_per_day
    posts = samples = 0
    with _roomy_cache(), transaction.atomic():
        remove_history(workspace)
        profiles = _profiles(seed, channels, networks, _languages(workspace))
        authors = _authors(workspace)
        for channel, profile in zip(
            _create_channels(workspace, profiles, now), profiles, strict=True
        ):
            count = round(rate * days * profile.activity)
            made, written = _write_channel(
                workspace, channel, profile, window, count, points, authors
            )
            posts += made
            samples += written
        seed_campaigns(workspace, window, random.Random(seed))
    return HistorySummary(channels, posts, samples, time.perf_counter() - started)


# Ad platforms of the demo campaigns: (platform, cost per click in euros, clicks per 1,000
# impressions).
AD_PLATFORMS = (("Meta Ads", 0.42, 9.0), ("Google Ads", 0.85, 31.0), ("VK Ads", 0.30, 7.0))


def seed_campaigns(workspace: Workspace, window: Window, rng: random.Random) -> int:
    """The campaigns the demo posts name, for the months of the history they run in, with
    ad spend per platform and weekly results, so Campaigns and ROI has figures too. A
    campaign the workspace already has (by name) is left as it is."""
    have = {name.casefold() for name in campaigns.Campaign.objects.filter(workspace=workspace)
            .values_list("name", flat=True)}  # fmt: skip
    made = 0
    first, last = window.start.date(), window.now.date()
    for planned in CAMPAIGNS:
        days = [d for d in _dates(first, last) if d.month in planned.months]
        if not days or planned.name.casefold() in have:
            continue
        budget = Decimal(rng.choice((1500, 2000, 3000)))
        campaign = campaigns.create_campaign(
            workspace,
            None,
            campaigns.CampaignInput(
                name=planned.name,
                currency="EUR",
                starts_on=days[0],
                ends_on=days[-1],
                budget=budget,
                other_costs=Decimal(rng.choice((200, 350, 500))),
                goal="Sign-ups and shop orders from social posts",
            ),
        )
        for platform, per_click, per_mille in AD_PLATFORMS:
            amount = (budget / len(AD_PLATFORMS) * Decimal(str(rng.uniform(0.6, 0.95)))).quantize(
                Decimal("0.01")
            )
            clicks = int(float(amount) / per_click)
            campaigns.add_spend(
                campaign,
                None,
                campaigns.SpendInput(
                    platform=platform,
                    amount=amount,
                    starts_on=days[0],
                    ends_on=days[-1],
                    impressions=int(clicks * 1000 / per_mille),
                    clicks=clicks,
                ),
            )
        for week_start in days[::7]:
            conversions = rng.randint(4, 30)
            revenue = Decimal(conversions * rng.randint(25, 60))
            campaigns.add_result(
                campaign,
                None,
                campaigns.ResultInput(on=week_start, conversions=conversions, revenue=revenue),
            )
        made += 1
    return made


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@contextmanager
def _roomy_cache() -> Iterator[None]:
    """On SQLite, a 32 MiB page cache while writing: with the default 2 MiB, the sample
    indexes spill to the WAL and writing millions of rows takes about twice as long."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def remove_history(workspace: Workspace) -> int:
    """Delete the workspace's demo channels and everything under them; how many there were."""
    demo = Channel.objects.filter(workspace=workspace, demo=True)
    ids = list(demo.values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        # One DELETE for the bulk of the rows (samples have no dependents), before the
        # cascades below look at them.
        Sample.objects.filter(channel_id__in=ids).delete()
        on_demo = Delivery.objects.filter(channel_id__in=ids).values("post_id")
        Post.objects.filter(workspace=workspace, pk__in=on_demo).exclude(
            deliveries__channel__demo=False
        ).delete()
        demo.delete()
    return len(ids)


# --- channels --------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The days of the history: midnight UTC of each, oldest first, and now."""

    now: datetime
    days: tuple[datetime, ...]
    zone: zoneinfo.ZoneInfo

    @classmethod
    def of(cls, now: datetime, days: int, zone: str) -> Window:
        today = now.date()
        midnights = tuple(
            datetime(d.year, d.month, d.day, tzinfo=UTC)
            for d in (today - timedelta(days=days - 1 - n) for n in range(days))
        )
        return cls(now, midnights, zoneinfo.ZoneInfo(zone))

    @property
    def start(self) -> datetime:
        return self.days[0]

    def day_index(self, moment: datetime) -> int:
        return (moment - self.start).days


@dataclass(frozen=True)
class Profile:
    """The random character of one demo channel."""

    number: int
    network: DemoNetwork
    name: str
    language: str  # most of its posts are in this one
    languages: tuple[str, ...]  # the workspace's, for the others
    rng_seed: str
    activity: float  # posting rate relative to the average (mean 1 over the channels)
    engagement_rate: float  # expected engagement per post / followers
    peak_shift: int  # hours this audience is later (+) or earlier (-) than the average
    followers: float  # at the start of the history
    growth: float  # steady daily growth, or the logistic rate when `ceiling` is set
    ceiling: float | None  # logistic: the followers it tends to
    midpoint: float  # logistic: where in the history (0..1) growth is fastest
    following: int
    posts: int  # posts the account had before the history starts


def _check(days: int, channels: int, posts_per_day: float | None) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}, not {days}.")
    if not 1 <= channels <= MAX_CHANNELS:
        raise ValueError(f"channels must be 1 to {MAX_CHANNELS}, not {channels}.")
    if posts_per_day is not None and not 0 <= posts_per_day <= 50:
        raise ValueError(f"posts_per_day must be 0 to 50, not {posts_per_day}.")


def _points(post_points: Sequence[timedelta] | None) -> tuple[timedelta, ...]:
    if post_points is None:
        return POST_POINTS
    if any(point <= timedelta(0) for point in post_points):
        raise ValueError("post_points must be after the publication (positive).")
    return tuple(sorted(set(post_points)))


def _demo_network(cls: type[Adapter]) -> DemoNetwork:
    given = tuple(m for m in POST_METRICS if m in cls.post_metrics)
    if not given and not _declares_post_metrics(cls):
        given = FALLBACK_POST_METRICS
    formats = [PostStats.Format.TEXT, PostStats.Format.LINK]
    if Feature.MEDIA in cls.features:
        formats += [PostStats.Format.IMAGE, PostStats.Format.VIDEO]
    if Feature.THREAD in cls.features:
        formats.append(PostStats.Format.THREAD)
    return DemoNetwork(cls.kind, str(cls.label), given, tuple(str(f) for f in formats))


def _declares_post_metrics(cls: type[Adapter]) -> bool:
    """Whether the adapter says which post metrics it gives, if only "none" (an empty set of
    its own), rather than inheriting the base class's empty default."""
    return any("post_metrics" in vars(k) for k in cls.__mro__ if k is not Adapter)


def _languages(workspace: Workspace) -> list[str]:
    known = [lang for lang in workspace.languages or [] if lang in TEXTS]
    return known or ["en"]


def _authors(workspace: Workspace) -> list[int]:
    writers = (Role.OWNER, Role.MANAGER, Role.EDITOR)
    members = Membership.objects.filter(workspace=workspace, role__in=writers)
    return sorted(members.values_list("user_id", flat=True))


def _profiles(
    seed: int, channels: int, networks: list[DemoNetwork], languages: list[str]
) -> list[Profile]:
    profiles = [_profile(seed, n, networks, languages) for n in range(channels)]
    mean = sum(p.activity for p in profiles) / len(profiles)
    return [replace(p, activity=p.activity / mean) for p in profiles]


def _profile(seed: int, number: int, networks: list[DemoNetwork], languages: list[str]) -> Profile:
    rng = random.Random(f"orkesteri-demo:{seed}:{number}")
    network = networks[number % len(networks)]
    place = number // len(networks)
    name = f"{BRAND} {PLACES[place]}" if place < len(PLACES) else f"{BRAND} {place + 1}"
    logistic = rng.random() < 0.4
    return Profile(
        number=number,
        network=network,
        name=f"{name.strip()} ({network.label})",
        language=languages[number % len(languages)],
        languages=tuple(languages),
        rng_seed=f"orkesteri-demo:{seed}:{number}:posts",
        activity=rng.uniform(0.5, 1.5),
        engagement_rate=rng.uniform(0.01, 0.05),
        peak_shift=rng.choice((-1, 0, 0, 1)),
        followers=math.exp(rng.uniform(math.log(800), math.log(40_000))),
        growth=rng.uniform(4, 10) if logistic else rng.uniform(0.0004, 0.0025),
        ceiling=rng.uniform(1.8, 4.0) if logistic else None,
        midpoint=rng.uniform(0.3, 0.8),
        following=rng.randint(50, 600),
        posts=rng.randint(100, 3000),
    )


def _create_channels(workspace: Workspace, profiles: list[Profile], now: datetime) -> list[Channel]:
    credentials = crypto.encrypt({})
    channels = [
        Channel(
            workspace=workspace,
            network=p.network.kind,
            display_name=p.name,
            remote_id=f"demo-{p.number + 1}",
            credentials=credentials,
            status=Channel.Status.CONNECTED,
            demo=True,
        )
        for p in profiles
    ]
    made = Channel.objects.bulk_create(channels, batch_size=WRITE_BATCH)
    Collection.objects.bulk_create(
        [
            Collection(
                channel=c, status=Collection.Status.DEMO, last_run_at=now, last_success_at=now
            )
            for c in made
        ],
        batch_size=WRITE_BATCH,
    )
    return made


# --- one channel's history ---------------------------------------------------------------


@dataclass(frozen=True)
class DemoPost:
    published_at: datetime
    text: str
    thread: list[str]
    link: str
    pillar: str
    campaign: str
    format: str
    followers: int
    final: dict[str, int]  # each given metric after 30 days
    curve: tuple[float, float, float]  # fast share, fast and slow time constants (hours)
    author_id: int | None


def _write_channel(
    workspace: Workspace,
    channel: Channel,
    profile: Profile,
    window: Window,
    count: int,
    points: tuple[timedelta, ...],
    authors: list[int],
) -> tuple[int, int]:
    """Write the channel's posts and samples; (posts, samples) written."""
    rng = random.Random(profile.rng_seed)
    base = _base_followers(rng, profile, len(window.days))
    jumps = [0] * (len(window.days) + 1)
    posts = [
        _demo_post(rng, profile, window, at, base, jumps, authors)
        for at in _post_times(rng, window, count, profile)
    ]
    followers = list(accumulate(jumps[:-1]))
    followers = [round(b) + extra for b, extra in zip(base, followers, strict=True)]
    delivery_ids = _save_posts(workspace, channel, posts, window.now)
    rows = chain(
        _account_rows(channel, profile, window, followers, posts),
        _post_rows(channel, delivery_ids, posts, points, window.now),
    )
    return len(posts), _insert_samples(rows)


def _base_followers(rng: random.Random, profile: Profile, days: int) -> list[float]:
    """Followers at each midnight without the viral jumps: a trend plus daily noise."""
    start = profile.followers
    if profile.ceiling is None:
        trend = [start * (1 + profile.growth) ** n for n in range(days)]
    else:
        ceiling = start * profile.ceiling
        rate, mid = profile.growth / days, profile.midpoint * days

        def share(n: float) -> float:
            return 1 / (1 + math.exp(-rate * (n - mid)))

        first = share(0)
        trend = [start + (ceiling - start) * (share(n) - first) / (1 - first) for n in range(days)]
    values, level = [], start
    for n, expected in enumerate(trend):
        added = expected - trend[n - 1] if n else 0.0
        level = max(0.0, level + added + rng.gauss(0, 0.0008 * expected + 1))
        values.append(level)
    return values


def _post_times(rng: random.Random, window: Window, count: int, profile: Profile) -> list[datetime]:
    """When the posts went out: weekday and hour weights in the workspace's zone."""
    first = window.start.astimezone(window.zone).date()
    last = window.now.astimezone(window.zone).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    day_weights = list(accumulate(WEEKDAY_POSTING[d.weekday()] for d in days))
    hour_weights = (list(accumulate(WORKDAY_POSTING)), list(accumulate(WEEKEND_POSTING)))
    latest = window.now - POST_POINTS[0]  # every post has its first collection point
    times = []
    for day in rng.choices(days, cum_weights=day_weights, k=count):
        weights = hour_weights[day.weekday() >= 5]
        hour = (rng.choices(range(24), cum_weights=weights)[0] + profile.peak_shift) % 24
        local = datetime(
            day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60),
            tzinfo=window.zone,
        )  # fmt: skip
        at = local.astimezone(UTC)
        if window.start <= at < latest:
            times.append(at)
    return sorted(times)


def _demo_post(
    rng: random.Random,
    profile: Profile,
    window: Window,
    at: datetime,
    base: list[float],
    jumps: list[int],
    authors: list[int],
) -> DemoPost:
    local = at.astimezone(window.zone)
    day = window.day_index(at)
    followers = round(base[day]) + sum(jumps[: day + 1])
    campaign = _campaign(rng, local.date())
    pillar = campaign.pillar if campaign else _pick(rng, PILLARS)
    fmt = rng.choices(profile.network.formats, [FORMATS[f][0] for f in profile.network.formats])[0]
    language = profile.language if rng.random() < 0.85 else rng.choice(profile.languages)
    latent = _expected_engagement(rng, profile, followers, local, fmt, pillar, campaign)
    viral = rng.random() < VIRAL_SHARE
    if viral:
        latent *= rng.uniform(12, 40)
        jumps[day + 1] += round(latent * rng.uniform(0.03, 0.1))
    link = ""
    if campaign:
        link = campaign.link
    elif fmt == PostStats.Format.LINK or rng.random() < 0.1:
        link = LINKS[pillar]
    return DemoPost(
        published_at=at,
        text=_text(rng, language, pillar, campaign),
        thread=list(THREAD_PARTS[language]) if fmt == PostStats.Format.THREAD else [],
        link=link,
        pillar=pillar,
        campaign=campaign.name if campaign else "",
        format=fmt,
        followers=followers,
        final=_final_figures(rng, profile.network.post_metrics, latent),
        curve=(rng.uniform(0.75, 0.88), rng.uniform(2, 6), rng.uniform(48, 120)),
        author_id=rng.choice(authors) if authors else None,
    )


def _pick(rng: random.Random, shares: dict[str, tuple[float, float]]) -> str:
    return rng.choices(tuple(shares), [share for share, _ in shares.values()])[0]


def _campaign(rng: random.Random, day: date) -> Campaign | None:
    for campaign in CAMPAIGNS:
        if day.month in campaign.months:
            return campaign if rng.random() < CAMPAIGN_SHARE else None
    return None


def _expected_engagement(
    rng: random.Random,
    profile: Profile,
    followers: int,
    local: datetime,
    fmt: str,
    pillar: str,
    campaign: Campaign | None,
) -> float:
    hour = (local.hour - profile.peak_shift) % 24
    effect = HOUR_EFFECT[hour] * WEEKDAY_EFFECT[local.weekday()]
    effect *= FORMATS[fmt][1] * PILLARS[pillar][1] * (CAMPAIGN_EFFECT if campaign else 1.0)
    return followers * profile.engagement_rate * effect * rng.lognormvariate(0, 0.6)


def _final_figures(rng: random.Random, given: tuple[str, ...], latent: float) -> dict[str, int]:
    """Each given metric after 30 days; views, reach and impressions above the engagement."""
    final = {
        metric: round(latent * share * rng.lognormvariate(0, 0.25))
        for metric, share in ENGAGEMENT_SHARES.items()
        if metric in given
    }
    engagement = sum(final.values())
    audience = latent / rng.uniform(0.025, 0.08)
    spread = {"views": 1.0, "impressions": rng.uniform(1.05, 1.3), "reach": rng.uniform(0.55, 0.85)}
    for metric, factor in spread.items():
        if metric in given:
            final[metric] = max(engagement, round(audience * factor))
    return final


def _text(rng: random.Random, language: str, pillar: str, campaign: Campaign | None) -> str:
    words = WORDS[language]
    template = campaign.texts[language] if campaign else rng.choice(TEXTS[language][pillar])
    body = template.format(
        origin=rng.choice(words["origin"]),
        note=rng.choice(words["note"]),
        method=rng.choice(words["method"]),
        blend=rng.choice(BLENDS),
        name=rng.choice(NAMES),
    )
    tags = rng.sample(words["hashtag"], k=rng.randint(1, 3))
    if "#nordicroastery" not in body and rng.random() < 0.4:
        tags.append("nordicroastery")
    return body + "\n\n" + " ".join(f"#{tag}" for tag in tags)


def _reached(hours: Sequence[float], curve: tuple[float, float, float]) -> list[float]:
    """Share of the 30-day figures a post has `hours` after publication: saturating, most
    of it within the first day."""
    fast_share, fast, slow = curve

    def raw(h: float) -> float:
        return fast_share * (1 - math.exp(-h / fast)) + (1 - fast_share) * (1 - math.exp(-h / slow))

    full = raw(720.0)
    return [raw(min(h, 720.0)) / full for h in hours]


def _last_point(published_at: datetime, now: datetime) -> timedelta:
    """How long after publishing the collector last read the post (collect.point_at)."""
    point = collect.point_at(published_at, now)
    assert point is not None, "every demo post is at least an hour old"
    return point - published_at


# --- writing ---------------------------------------------------------------------------
#
# Up to millions of rows, written without model instances (Django's bulk_create prepares
# every value of every field, which took most of the time): executemany on SQLite, COPY on
# PostgreSQL. Posts come back with their ids (INSERT … RETURNING); variant and delivery ids
# are read back by channel, which is new and only ours.

SampleRow = tuple[int, int | None, str, Any, int]


def _save_posts(
    workspace: Workspace, channel: Channel, posts: list[DemoPost], now: datetime
) -> list[int]:
    """Write the posts with their variants, deliveries and stats; the delivery ids."""
    post_ids = _create_rows(
        Post,
        POST_FIELDS,
        ((workspace.pk, *_post_row(p)) for p in posts),
        now,
    )
    _write_rows(
        Variant,
        ("post_id", "channel_id", "thread"),
        ((post_id, channel.pk, p.thread) for post_id, p in zip(post_ids, posts, strict=True)),
        now,
    )
    variant_of = dict(Variant.objects.filter(channel=channel).values_list("post_id", "pk"))
    _write_rows(
        Delivery,
        DELIVERY_FIELDS,
        (
            _delivery_row(channel, n, post_id, variant_of[post_id], p)
            for n, (post_id, p) in enumerate(zip(post_ids, posts, strict=True))
        ),
        now,
    )
    delivery_of = dict(Delivery.objects.filter(channel=channel).values_list("post_id", "pk"))
    delivery_ids = [delivery_of[post_id] for post_id in post_ids]
    _write_rows(
        PostStats,
        STATS_FIELDS,
        (
            _stats_row(workspace, channel, delivery_id, p, now)
            for delivery_id, p in zip(delivery_ids, posts, strict=True)
        ),
        now,
    )
    if posts:
        Channel.objects.filter(pk=channel.pk).update(last_used_at=posts[-1].published_at)
    return delivery_ids


# Published, with the time it went out as its schedule (the calendar shows it that day).
POST_FIELDS = (
    "workspace_id", "author_id", "text", "link", "pillar", "campaign", "status", "scheduled_at",
)  # fmt: skip


def _post_row(post: DemoPost) -> tuple[Any, ...]:
    published = Post.Status.PUBLISHED.value
    return (
        post.author_id,
        post.text,
        post.link,
        post.pillar,
        post.campaign,
        published,
        post.published_at,
    )


DELIVERY_FIELDS = (
    "post_id", "variant_id", "channel_id", "status", "version", "due_at", "attempts", "key",
    "remote_id", "published_at",
)  # fmt: skip


def _delivery_row(
    channel: Channel, n: int, post_id: int, variant_id: int, post: DemoPost
) -> tuple[Any, ...]:
    return (
        post_id,
        variant_id,
        channel.pk,
        Delivery.Status.PUBLISHED.value,
        1,
        post.published_at,
        1,
        uuid.uuid5(DEMO_ID_NAMESPACE, f"{channel.pk}:{n}"),  # the idempotency key, unique
        f"demo-{channel.pk}-{n}",
        post.published_at,
    )


STATS_FIELDS = (
    "delivery_id", "workspace_id", "channel_id", "published_at", "format", "length",
    "hashtags", "followers", "collected_at", "next_collect_at", *POST_METRICS,
)  # fmt: skip


def _stats_row(
    workspace: Workspace, channel: Channel, delivery_id: int, post: DemoPost, now: datetime
) -> tuple[Any, ...]:
    """The latest figures: those of the last collection point passed (None: not given)."""
    point = _last_point(post.published_at, now)
    (share,) = _reached([point / timedelta(hours=1)], post.curve)
    latest = [round(post.final[m] * share) if m in post.final else None for m in POST_METRICS]
    return (
        delivery_id,
        workspace.pk,
        channel.pk,
        post.published_at,
        post.format,
        len(post.text),
        collect.hashtags(post.text),
        post.followers,
        post.published_at + point,
        None,  # next_collect_at: nothing collects a demo channel, so nothing is ever due
        *latest,
    )


def _account_rows(
    channel: Channel,
    profile: Profile,
    window: Window,
    followers: list[int],
    posts: list[DemoPost],
) -> Iterator[SampleRow]:
    rng = random.Random(profile.rng_seed + ":following")
    adapt = connection.ops.adapt_datetimefield_value
    following, published = profile.following, 0
    for day, midnight in enumerate(window.days):
        while published < len(posts) and posts[published].published_at < midnight:
            published += 1
        following = max(0, following + (rng.random() < 0.2) - (rng.random() < 0.05))
        values = {
            "followers": followers[day],
            "following": following,
            "posts": profile.posts + published,
        }
        at = adapt(midnight)
        for metric in ACCOUNT_METRICS:
            yield (channel.pk, None, metric, at, values[metric])


def _post_rows(
    channel: Channel,
    delivery_ids: list[int],
    posts: list[DemoPost],
    points: tuple[timedelta, ...],
    now: datetime,
) -> Iterator[SampleRow]:
    adapt = connection.ops.adapt_datetimefield_value
    hours = [point / timedelta(hours=1) for point in points]
    for delivery_id, post in zip(delivery_ids, posts, strict=True):
        passed = sum(1 for point in points if post.published_at + point <= now)
        stamps = [adapt(post.published_at + point) for point in points[:passed]]
        shares = _reached(hours[:passed], post.curve)
        for metric, value in post.final.items():
            # By metric, then time: the order of the unique index, so it is only appended to.
            for stamp, share in zip(stamps, shares, strict=True):
                yield (channel.pk, delivery_id, metric, stamp, round(value * share))


def _insert_samples(rows: Iterable[SampleRow]) -> int:
    columns = ("channel_id", "delivery_id", "metric", "at", "value")
    return _insert(Sample._meta.db_table, columns, rows)


def _write_rows(
    model: type[Model], given: Sequence[str], rows: Iterable[Sequence[Any]], now: datetime
) -> int:
    """Insert rows of `model` holding the fields named in `given`, without model instances;
    how many."""
    columns, prepared = _prepared(model, given, rows, now)
    return _insert(model._meta.db_table, columns, prepared)


def _create_rows(
    model: type[Model], given: Sequence[str], rows: Iterable[Sequence[Any]], now: datetime
) -> list[int]:
    """Insert like `_write_rows`; the new primary keys, in the order of `rows`.

    INSERT … VALUES (…), (…) RETURNING, which SQLite (3.35+) and PostgreSQL both answer in
    the order of the VALUES, as Django's bulk_create relies on.
    """
    columns, prepared = _prepared(model, given, rows, now)
    quote = connection.ops.quote_name
    size = min(WRITE_BATCH, (connection.features.max_query_params or 65_535) // len(columns))
    into = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))})"
    one = f"({', '.join(['%s'] * len(columns))})"
    pks: list[int] = []
    with connection.cursor() as cursor:
        for batch in _batches(prepared, size):
            values = ", ".join([one] * len(batch))
            cursor.execute(
                f"{into} VALUES {values} RETURNING {quote(model._meta.pk.column)}",
                [value for row in batch for value in row],
            )
            pks += [pk for (pk,) in cursor.fetchall()]
    return pks


def _prepared(
    model: type[Model], given: Sequence[str], rows: Iterable[Sequence[Any]], now: datetime
) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """The columns, and the rows with their values prepared for the database as their fields
    would prepare them. Every other field gets its default (auto_now fields: `now`), so a
    field added to the model later needs no change here."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    named = [fields[name] for name in given]
    others = [f for f in fields.values() if f.attname not in given and f != model._meta.auto_field]
    defaults = tuple(f.get_db_prep_save(_default(f, now), connection) for f in others)
    prepare = [_preparer(f) for f in named]
    prepared = (
        tuple(v if p is None else p(v) for p, v in zip(prepare, row, strict=True)) + defaults
        for row in rows
    )
    return [f.column for f in named + others], prepared


def _preparer(field: Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How to pass a value of `field` to the database; None: as it is (numbers, text)."""
    internal = field.get_internal_type()
    if internal == "DateTimeField":  # the hot one: aware UTC datetimes
        return connection.ops.adapt_datetimefield_value
    if internal in {"CharField", "TextField", "IntegerField", "BigIntegerField", "ForeignKey"}:
        return None
    if internal in {"PositiveIntegerField", "PositiveSmallIntegerField", "OneToOneField"}:
        return None
    return partial(field.get_db_prep_save, connection=connection)


def _default(field: Field[Any, Any], now: datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def _insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Append rows to a table; how many."""
    quote = connection.ops.quote_name
    into = f"{quote(table)} ({', '.join(quote(c) for c in columns)})"
    if connection.vendor == "postgresql":
        return _copy(into, rows)
    sql = f"INSERT INTO {into} VALUES ({', '.join(['%s'] * len(columns))})"
    written = 0
    with connection.cursor() as cursor:
        for batch in _batches(rows, SAMPLE_BATCH):
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def _copy(into: str, rows: Iterable[Sequence[Any]]) -> int:
    """PostgreSQL's COPY, many times faster than INSERT for bulk rows (psycopg's Cursor.copy:
    https://www.psycopg.org/psycopg3/docs/basic/copy.html)."""
    written = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {into} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
