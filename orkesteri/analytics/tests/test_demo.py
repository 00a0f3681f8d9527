"""The demo history generator (analytics/demo.py) and `orkesteri demo` (issue 5, "Demo data")."""

from __future__ import annotations

import statistics
import zoneinfo
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orkesteri.accounts.models import User
from orkesteri.analytics import demo
from orkesteri.analytics.demo import (
    FALLBACK_POST_METRICS,
    POST_POINTS,
    generate_history,
    parse_channels,
    parse_history,
    remove_history,
)
from orkesteri.analytics.models import Collection, PostStats, Sample
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.lib import crypto
from orkesteri.networks.base import ACCOUNT_METRICS, POST_METRICS, Adapter, Feature
from orkesteri.networks.registry import ADAPTERS
from orkesteri.publishing.models import Delivery, Post, Variant
from orkesteri.testing import make_user
from orkesteri.workspaces.management.commands import demo as demo_command
from orkesteri.workspaces.models import Workspace

NOW = datetime(2025, 6, 18, 12, 30, tzinfo=UTC)
ENGAGEMENT = ("likes", "replies", "reposts", "quotes")


class Everything(Adapter):
    """A network that gives every post metric."""

    kind = "everything"
    label = "Everything"
    features = frozenset({Feature.METRICS, Feature.MEDIA, Feature.THREAD})
    post_metrics = frozenset(POST_METRICS)


class ViewsOnly(Adapter):
    kind = "viewsonly"
    label = "Views only"
    features = frozenset({Feature.METRICS})
    post_metrics = frozenset({"views", "reposts"})


class Undeclared(Adapter):
    """Reports figures, but its adapter does not say which yet."""

    kind = "undeclared"
    label = "Undeclared"
    features = frozenset({Feature.METRICS, Feature.MEDIA})


class AccountOnly(Adapter):
    """Reports followers, and declares that it gives no post figures."""

    kind = "accountonly"
    label = "Account only"
    features = frozenset({Feature.METRICS})
    post_metrics = frozenset[str]()


class Silent(Adapter):
    kind = "silent"
    label = "Silent"
    features = frozenset({Feature.PUBLISH})


@pytest.fixture
def networks(monkeypatch: pytest.MonkeyPatch) -> list[type[Adapter]]:
    """Networks with known metrics, whatever the real adapters declare today."""
    fakes: list[type[Adapter]] = [Everything, ViewsOnly, Undeclared, AccountOnly, Silent]
    monkeypatch.setattr(demo, "ADAPTERS", {cls.kind: cls for cls in fakes})
    return fakes


@pytest.fixture
def everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "ADAPTERS", {Everything.kind: Everything})


def given_metrics(network: str) -> set[str]:
    cls = demo.ADAPTERS[network]
    return set(cls.post_metrics) or (set() if cls is AccountOnly else set(FALLBACK_POST_METRICS))


def fingerprint(workspace: Workspace) -> dict[str, Any]:
    channels = Channel.objects.filter(workspace=workspace, demo=True).order_by("remote_id")
    stats = PostStats.objects.filter(workspace=workspace).order_by(
        "published_at", "channel__remote_id"
    )
    return {
        "channels": list(channels.values_list("network", "display_name", "remote_id")),
        "posts": list(
            stats.values_list(
                "channel__remote_id",
                "published_at",
                "format",
                "followers",
                "likes",
                "views",
                "delivery__post__text",
                "delivery__post__pillar",
                "delivery__post__campaign",
            )
        ),
        "samples": list(
            Sample.objects.filter(channel__workspace=workspace)
            .order_by("channel__remote_id", "delivery__published_at", "metric", "at")
            .values_list("channel__remote_id", "metric", "at", "value")
        ),
    }


def engagement(stats: PostStats) -> int:
    return sum(getattr(stats, m) or 0 for m in ENGAGEMENT)


# --- what it makes ---------------------------------------------------------------------


def test_it_makes_demo_channels_with_their_history(acme: Workspace, networks: Any) -> None:
    summary = generate_history(acme, days=20, channels=4, now=NOW, posts_per_day=2)

    channels = Channel.objects.filter(workspace=acme)
    assert channels.count() == summary.channels == 4
    for channel in channels:
        assert channel.demo and channel.status == Channel.Status.CONNECTED
        assert crypto.decrypt_json(channel.credentials) == {}
        assert Collection.objects.get(channel=channel).status == Collection.Status.DEMO
    assert Post.objects.filter(workspace=acme).count() == summary.posts
    assert 100 <= summary.posts <= 200  # 4 channels × 20 days × 2 a day, give or take
    assert Variant.objects.filter(post__workspace=acme).count() == summary.posts
    assert PostStats.objects.filter(workspace=acme).count() == summary.posts
    assert Sample.objects.count() == summary.samples
    account = Sample.objects.filter(delivery=None)
    assert account.count() == 4 * 20 * len(ACCOUNT_METRICS)
    assert summary.seconds > 0 and summary.samples_per_s > 0


def test_posts_are_published_deliveries(acme: Workspace, networks: Any) -> None:
    generate_history(acme, days=20, channels=3, now=NOW)

    for delivery in Delivery.objects.filter(channel__workspace=acme).select_related("post"):
        assert delivery.status == Delivery.Status.PUBLISHED
        assert delivery.post.status == Post.Status.PUBLISHED
        assert not delivery.post.imported
        assert delivery.published_at is not None
        assert NOW - timedelta(days=20) <= delivery.published_at <= NOW - timedelta(hours=1)
        assert delivery.post.scheduled_at == delivery.published_at
        assert delivery.remote_id
        assert delivery.post.text and delivery.post.pillar
    remote_ids = Delivery.objects.values_list("remote_id", flat=True)
    assert len(set(remote_ids)) == len(remote_ids)


def test_the_channels_spread_over_the_networks_that_report_figures(
    acme: Workspace, networks: Any
) -> None:
    generate_history(acme, days=3, channels=9, now=NOW)

    spread = Counter(Channel.objects.values_list("network", flat=True))
    assert spread == {"everything": 3, "viewsonly": 2, "undeclared": 2, "accountonly": 2}
    names = list(Channel.objects.values_list("display_name", flat=True))
    assert len(set(names)) == 9
    assert "Nordic Roastery (Everything)" in names


def test_each_post_has_the_samples_of_the_points_passed(acme: Workspace, networks: Any) -> None:
    generate_history(acme, days=40, channels=3, now=NOW)

    counts = Counter(Sample.objects.exclude(delivery=None).values_list("delivery_id", flat=True))
    for delivery in Delivery.objects.filter(channel__workspace=acme):
        assert delivery.published_at is not None
        passed = [p for p in POST_POINTS if delivery.published_at + p <= NOW]
        assert counts[delivery.pk] == len(passed) * len(given_metrics(delivery.channel.network))


def test_only_the_points_asked_are_written(acme: Workspace, networks: Any) -> None:
    points = [timedelta(hours=1), timedelta(days=7), timedelta(days=30)]
    generate_history(acme, days=60, channels=2, now=NOW, post_points=points)

    offsets = set()
    for sample in Sample.objects.exclude(delivery=None).select_related("delivery"):
        assert sample.delivery is not None and sample.delivery.published_at is not None
        offsets.add(sample.at - sample.delivery.published_at)
    assert offsets == set(points)
    # The latest figures are still those of the last standard point passed.
    old = PostStats.objects.filter(published_at__lt=NOW - timedelta(days=31)).first()
    assert old is not None and old.collected_at == old.published_at + timedelta(days=30)


def test_account_samples_are_daily_at_midnight_utc(acme: Workspace, networks: Any) -> None:
    generate_history(acme, days=10, channels=2, now=NOW)

    for channel in Channel.objects.filter(workspace=acme):
        days = Sample.objects.filter(channel=channel, delivery=None, metric="followers")
        times = list(days.order_by("at").values_list("at", flat=True))
        assert times == [datetime(2025, 6, 9 + n, tzinfo=UTC) for n in range(10)]
        metrics = set(
            Sample.objects.filter(channel=channel, delivery=None).values_list("metric", flat=True)
        )
        assert metrics == set(ACCOUNT_METRICS)


def test_the_posts_count_counts_the_posts(acme: Workspace, networks: Any) -> None:
    generate_history(acme, days=30, channels=1, now=NOW)

    channel = Channel.objects.get(workspace=acme)
    posts = Sample.objects.filter(channel=channel, delivery=None, metric="posts").order_by("at")
    first, last = posts.first(), posts.last()
    assert first is not None and last is not None
    published = Delivery.objects.filter(
        channel=channel, published_at__gte=first.at, published_at__lt=last.at
    ).count()
    assert last.value - first.value == published


# --- the figures -------------------------------------------------------------------------


def test_only_metrics_the_network_gives_have_values(acme: Workspace, networks: Any) -> None:
    generate_history(acme, days=20, channels=8, now=NOW)

    for channel in Channel.objects.filter(workspace=acme):
        given = given_metrics(channel.network)
        sampled = set(
            Sample.objects.filter(channel=channel)
            .exclude(delivery=None)
            .values_list("metric", flat=True)
        )
        assert sampled == given
        for stats in PostStats.objects.filter(channel=channel):
            assert {m for m in POST_METRICS if getattr(stats, m) is not None} == given
            assert stats.clicks is None
    assert given_metrics("undeclared") == set(FALLBACK_POST_METRICS)
    # A network that declares no post figures has posts, and no figures for them.
    declared_none = PostStats.objects.filter(channel__network="accountonly")
    assert declared_none.exists()
    assert not Sample.objects.filter(channel__network="accountonly").exclude(delivery=None)
    assert Sample.objects.filter(channel__network="accountonly", delivery=None).exists()


def test_every_sample_metric_is_one_orkesteri_keeps(acme: Workspace) -> None:
    generate_history(acme, days=10, channels=len(ADAPTERS), now=NOW)  # the real adapters

    account = set(Sample.objects.filter(delivery=None).values_list("metric", flat=True))
    posts = set(Sample.objects.exclude(delivery=None).values_list("metric", flat=True))
    assert account <= set(ACCOUNT_METRICS)
    assert posts and posts <= set(POST_METRICS)
    for channel in Channel.objects.filter(workspace=acme):
        assert Feature.METRICS in ADAPTERS[channel.network].features


def test_views_reach_and_impressions_exceed_the_engagement(
    acme: Workspace, everything: None
) -> None:
    generate_history(acme, days=45, channels=2, now=NOW)

    for stats in PostStats.objects.filter(workspace=acme):
        total = engagement(stats)
        assert stats.views is not None and stats.reach is not None
        assert stats.impressions is not None
        assert min(stats.views, stats.reach, stats.impressions) >= total
        assert stats.impressions >= stats.reach
    by_point: dict[tuple[int | None, datetime], dict[str, int]] = defaultdict(dict)
    for s in Sample.objects.exclude(delivery=None):
        by_point[(s.delivery_id, s.at)][s.metric] = s.value
    for values in by_point.values():
        assert values["views"] >= sum(values[m] for m in ENGAGEMENT)


def test_figures_grow_and_saturate_within_the_first_day(acme: Workspace, everything: None) -> None:
    generate_history(acme, days=90, channels=2, now=NOW)

    series: dict[tuple[int | None, str], list[int]] = defaultdict(list)
    for s in Sample.objects.exclude(delivery=None).order_by("at"):
        series[(s.delivery_id, s.metric)].append(s.value)
    assert all(values == sorted(values) for values in series.values()), "cumulative"
    complete = [values for (_, metric), values in series.items() if len(values) == len(POST_POINTS)]
    assert complete
    first_day = sum(values[1] for values in complete)  # POST_POINTS[1] is 24 h
    assert first_day >= 0.7 * sum(values[-1] for values in complete)
    for stats in PostStats.objects.filter(published_at__lt=NOW - timedelta(days=30)):
        assert stats.collected_at == stats.published_at + timedelta(days=30)
        last = Sample.objects.get(delivery_id=stats.pk, metric="likes", at=stats.collected_at)
        assert stats.likes == last.value
        assert stats.next_collect_at is None


def test_stats_describe_the_post(acme: Workspace, everything: None) -> None:
    generate_history(acme, days=60, channels=2, now=NOW)

    formats: Counter[str] = Counter()
    pillars: Counter[str] = Counter()
    campaigns: Counter[str] = Counter()
    for stats in PostStats.objects.filter(workspace=acme).select_related("delivery__post"):
        post = stats.delivery.post
        assert stats.length == len(post.text)
        assert stats.hashtags and all(f"#{tag}" in post.text.lower() for tag in stats.hashtags)
        assert stats.hashtags == [tag.lower() for tag in stats.hashtags]
        formats[stats.format] += 1
        pillars[post.pillar] += 1
        campaigns[post.campaign] += 1
        if stats.format == PostStats.Format.THREAD:
            assert Variant.objects.get(post=post).thread
    assert set(formats) == set(PostStats.Format.values)
    assert set(pillars) == {"Product", "Education", "Behind the scenes", "Community"}
    assert campaigns["Summer cold brew"] > 0  # June
    assert campaigns["Espresso masterclass"] > 0  # April


def test_followers_grow_and_match_the_stats(acme: Workspace, everything: None) -> None:
    generate_history(acme, days=365, channels=3, now=NOW, posts_per_day=0.5)

    for channel in Channel.objects.filter(workspace=acme):
        followers = dict(
            Sample.objects.filter(channel=channel, delivery=None, metric="followers").values_list(
                "at", "value"
            )
        )
        ordered = [followers[at] for at in sorted(followers)]
        assert ordered[-1] > ordered[0]
        for stats in PostStats.objects.filter(channel=channel):
            midnight = stats.published_at.replace(hour=0, minute=0, second=0)
            assert stats.followers == followers[midnight]


def test_engagement_is_heavy_tailed(acme: Workspace, everything: None) -> None:
    generate_history(acme, days=365, channels=4, now=NOW)

    rates = [
        engagement(s) / s.followers for s in PostStats.objects.filter(workspace=acme) if s.followers
    ]
    assert max(rates) >= 10 * statistics.median(rates)


def test_engagement_depends_on_the_hour_and_the_format(acme: Workspace, everything: None) -> None:
    generate_history(acme, days=365, channels=4, now=NOW)

    zone = zoneinfo.ZoneInfo(acme.timezone)
    by_hour: dict[int, list[float]] = defaultdict(list)
    by_format: dict[str, list[float]] = defaultdict(list)
    for s in PostStats.objects.filter(workspace=acme):
        rate = engagement(s) / (s.followers or 1)
        by_hour[s.published_at.astimezone(zone).hour].append(rate)
        by_format[s.format].append(rate)

    def median(hours: range) -> float:
        return statistics.median(r for h in hours for r in by_hour[h])

    assert median(range(18, 21)) > 1.2 * median(range(13, 17))  # evenings beat afternoons
    assert statistics.median(by_format["video"]) > statistics.median(by_format["text"])
    assert statistics.median(by_format["image"]) > statistics.median(by_format["link"])


def test_posts_go_out_in_the_workspace_mornings_and_evenings(
    acme: Workspace, everything: None
) -> None:
    generate_history(acme, days=180, channels=2, now=NOW)

    zone = zoneinfo.ZoneInfo(acme.timezone)
    local = [s.published_at.astimezone(zone) for s in PostStats.objects.filter(workspace=acme)]
    daytime = sum(1 for t in local if 6 <= t.hour <= 22)
    assert daytime >= 0.95 * len(local)
    weekdays = Counter(t.weekday() for t in local)
    assert min(weekdays[d] for d in range(5)) > max(weekdays[5], weekdays[6])


def test_posts_are_in_the_workspace_languages(acme: Workspace, everything: None) -> None:
    acme.languages = ["fi"]
    acme.save(update_fields=["languages"])
    generate_history(acme, days=30, channels=1, now=NOW)

    texts = list(Post.objects.filter(workspace=acme).values_list("text", flat=True))
    assert all(not any(word in t for word in ("the ", "our ", "Our ")) for t in texts)
    assert any("kahvi" in t.lower() for t in texts)


# --- seeds, re-runs and other channels -------------------------------------------------------


def test_it_is_deterministic_for_a_seed_and_now(acme: Workspace, networks: Any) -> None:
    generate_history(acme, days=30, channels=3, seed=7, now=NOW)
    first = fingerprint(acme)
    generate_history(acme, days=30, channels=3, seed=7, now=NOW)
    assert fingerprint(acme) == first
    generate_history(acme, days=30, channels=3, seed=8, now=NOW)
    assert fingerprint(acme)["posts"] != first["posts"]


def test_running_again_replaces_the_history(acme: Workspace, networks: Any) -> None:
    generate_history(acme, days=15, channels=3, now=NOW)
    before = set(Channel.objects.values_list("pk", flat=True))
    summary = generate_history(acme, days=15, channels=2, now=NOW)

    assert not Channel.objects.filter(pk__in=before).exists()
    assert Channel.objects.filter(workspace=acme, demo=True).count() == 2
    assert Post.objects.filter(workspace=acme).count() == summary.posts
    assert Delivery.objects.count() == summary.posts
    assert PostStats.objects.count() == summary.posts
    assert Sample.objects.count() == summary.samples
    assert Collection.objects.count() == 2


def test_other_channels_and_workspaces_are_untouched(
    acme: Workspace, globex: Workspace, alice: User, networks: Any
) -> None:
    feed = connect_channel(acme, alice, "feed", {"title": "Acme news"})
    post = Post.objects.create(workspace=acme, text="Real post", status=Post.Status.PUBLISHED)
    variant = Variant.objects.create(post=post, channel=feed)
    delivery = Delivery.objects.create(post=post, variant=variant, channel=feed, status="published")
    kept = Sample.objects.create(channel=feed, metric="followers", at=NOW, value=5)
    generate_history(globex, days=10, channels=2, now=NOW)
    theirs = fingerprint(globex)
    generate_history(acme, days=10, channels=2, now=NOW)
    # A post that also went out on a demo channel stays, with its real delivery.
    demo_channel = Channel.objects.filter(workspace=acme, demo=True).first()
    assert demo_channel is not None
    Variant.objects.create(post=post, channel=demo_channel)

    generate_history(acme, days=10, channels=2, now=NOW)

    assert Channel.objects.filter(pk=feed.pk, demo=False).exists()
    assert Post.objects.filter(pk=post.pk).exists()
    assert Delivery.objects.filter(pk=delivery.pk).exists()
    assert Sample.objects.filter(pk=kept.pk).exists()
    assert fingerprint(globex) == theirs
    assert remove_history(acme) == 2
    assert Channel.objects.filter(workspace=acme).get() == feed


def test_bad_arguments_are_refused(acme: Workspace, networks: Any) -> None:
    with pytest.raises(ValueError, match="days must be 1 to"):
        generate_history(acme, days=0, channels=1)
    with pytest.raises(ValueError, match="channels must be 1 to 200"):
        generate_history(acme, days=1, channels=201)
    with pytest.raises(ValueError, match="post_points"):
        generate_history(acme, days=1, channels=1, post_points=[timedelta(0)])
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("text", "days"), [("30d", 30), ("26w", 182), ("2y", 730), ("180", 180), (" 7D ", 7)]
)
def test_durations(text: str, days: int) -> None:
    assert parse_history(text) == days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3x", "is not a duration"),
        ("", "is not a duration"),
        ("-1d", "is not a duration"),
        ("0d", "1 day to 5 years"),
        ("6y", "1 day to 5 years"),
    ],
)
def test_bad_durations(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_history(text)


def test_channel_counts() -> None:
    assert parse_channels("12") == 12
    for bad, message in (("0", "give 1 to 200"), ("201", "give 1 to 200"), ("a", "whole")):
        with pytest.raises(ValueError, match=message):
            parse_channels(bad)


# --- orkesteri demo ----------------------------------------------------------------------


@pytest.fixture
def owner(db: None) -> User:
    user = make_user("owner@example.com", "Olivia Owner")
    user.is_superuser = user.is_staff = True
    user.save(update_fields=["is_superuser", "is_staff"])
    return user


def demo_channels() -> int:
    return Channel.objects.filter(workspace__slug="demo", demo=True).count()


def run_demo(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    call_command("demo", *args)
    return capsys.readouterr().out


def test_demo_loads_the_workspace_with_a_history(
    owner: User, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo_command, "HISTORY_DAYS", 14)
    output = run_demo(capsys)

    assert "Loaded the demo workspace" in output
    assert "Generated 14 days of demo history: 6 channels" in output
    assert demo_channels() == 6
    assert Channel.objects.filter(workspace__slug="demo", demo=False).count() == 1  # the feed
    assert "already there" in run_demo(capsys)
    assert demo_channels() == 6


def test_demo_replaces_the_history_when_asked(
    owner: User, capsys: pytest.CaptureFixture[str]
) -> None:
    run_demo(capsys, "--history", "5d", "--channels", "2")
    output = run_demo(capsys, "--history", "1w", "--channels", "3", "--seed", "4")

    assert "Loaded" not in output
    assert "Generated 7 days of demo history: 3 channels" in output
    assert demo_channels() == 3


def test_demo_without_history(owner: User, capsys: pytest.CaptureFixture[str]) -> None:
    output = run_demo(capsys, "--no-history")

    assert "Loaded the demo workspace" in output and "Generated" not in output
    assert demo_channels() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--history", "3x"], "argument --history: “3x” is not a duration"),
        (["--history", "0d"], "argument --history: “0d” is 0 days"),
        (["--channels", "0"], "argument --channels: 0 channels: give 1 to 200"),
        (["--channels", "many"], "argument --channels: “many” is not a whole number"),
        (["--seed", "x"], "argument --seed: “x” is not a whole number"),
        (["--no-history", "--channels", "2"], "--no-history cannot go with"),
    ],
)
def test_demo_refuses_bad_arguments(owner: User, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("demo", *args)
    assert not Workspace.objects.filter(slug="demo").exists()


def test_demo_needs_an_owner(db: None) -> None:
    with pytest.raises(CommandError, match="Create an owner first"):
        call_command("demo", "--history", "5d")


def test_the_campaigns_the_posts_name_have_spend_and_results(
    acme: Workspace, everything: None
) -> None:
    from orkesteri.campaigns.models import Campaign
    from orkesteri.campaigns.queries import campaign_summaries

    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    generate_history(acme, days=365, channels=2, seed=5, now=now)
    named = set(
        Post.objects.filter(workspace=acme).exclude(campaign="").values_list("campaign", flat=True)
    )
    made = set(Campaign.objects.filter(workspace=acme).values_list("name", flat=True))
    assert named and named <= made
    for summary in campaign_summaries(acme):
        assert summary.spend and summary.clicks and summary.revenue
        assert summary.roi is not None
    # Again: the history is replaced, the campaigns (the user may have edited them) are kept.
    generate_history(acme, days=365, channels=2, seed=6, now=now)
    assert Campaign.objects.filter(workspace=acme).count() == len(made)
