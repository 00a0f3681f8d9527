"""The collector against a scripted network: points, upserts, batches, failures, backfill."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from django import forms

from orkesteri.accounts.models import User
from orkesteri.analytics import collect
from orkesteri.analytics.models import Collection, PostStats, Sample
from orkesteri.analytics.tests import helpers
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.lib.text import TextRules
from orkesteri.media.testing import make_asset
from orkesteri.networks.base import (
    Adapter,
    AdapterError,
    AuthExpired,
    Connection,
    Feature,
    Limits,
    RateLimited,
    Receipt,
    RemotePost,
    Samples,
)
from orkesteri.networks.registry import ADAPTERS
from orkesteri.publishing.models import Delivery, Post, PostMedia, Variant
from orkesteri.workspaces.models import Workspace

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class NameForm(forms.Form):
    name = forms.CharField()


class Counting(Adapter):
    """A network whose figures a test sets: `likes[remote_id]`, `followers`; `script` pops
    an error per fetch; `calls` records each fetch's remote ids."""

    kind = "counting"
    label = "Counting"
    features = frozenset({Feature.PUBLISH, Feature.METRICS})
    default_limits = Limits(text=TextRules(counter="simple", limit=300))
    ConnectForm = NameForm
    post_metrics = frozenset({"likes", "replies"})
    samples_batch = 2
    followers: ClassVar[int] = 100
    likes: ClassVar[dict[str, int]] = {}
    script: ClassVar[list[AdapterError]] = []
    calls: ClassVar[list[list[str]]] = []
    account_asked: ClassVar[int] = 0
    recent: ClassVar[list[RemotePost]] = []

    @classmethod
    def connect(cls, data: Mapping[str, Any]) -> Connection:
        return Connection(data["name"], "@" + data["name"], {"token": "t"})

    def fetch_samples(self, posts: Sequence[Receipt], account: bool = True) -> Samples:
        Counting.calls.append([r.remote_id for r in posts])
        Counting.account_asked += account
        if Counting.script:
            raise Counting.script.pop(0)
        found = {
            r.remote_id: {"likes": self.likes[r.remote_id], "replies": 1}
            for r in posts
            if r.remote_id in self.likes
        }
        gone = frozenset(r.remote_id for r in posts if r.remote_id not in self.likes)
        counts = {"followers": Counting.followers, "posts": 7} if account else {}
        return Samples(counts, found, gone)

    def recent_posts(self, limit: int) -> list[RemotePost]:
        return Counting.recent[:limit]


class Silent(Counting):
    kind = "silent"
    label = "Silent"
    features = frozenset({Feature.PUBLISH})


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Counting]]:
    monkeypatch.setitem(ADAPTERS, "counting", Counting)
    monkeypatch.setitem(ADAPTERS, "silent", Silent)
    Counting.likes, Counting.script, Counting.calls, Counting.recent = {}, [], [], []
    Counting.account_asked = 0
    Counting.followers = 100
    yield Counting


@pytest.fixture
def channel(acme: Workspace, alice: User, counting: type[Counting]) -> Channel:
    return connect_channel(acme, alice, "counting", {"name": "acme"})


def published(
    channel: Channel, remote_id: str, at: datetime, text: str = "Hello #Coffee"
) -> Delivery:
    return helpers.published(channel, at, text, remote_id)


def prepare(now: datetime) -> None:
    collect.ensure_collections(now)
    collect.track_published(now)


def post_samples(delivery: Delivery) -> list[tuple[str, datetime, int]]:
    return list(
        Sample.objects.filter(delivery=delivery)
        .order_by("at", "metric")
        .values_list("metric", "at", "value")
    )


def test_points_are_one_hour_then_daily_for_thirty_days() -> None:
    assert collect.POINTS[0] == timedelta(hours=1)
    assert collect.POINTS[1:] == tuple(timedelta(days=d) for d in range(1, 31))
    assert collect.point_at(T0, T0 + timedelta(minutes=59)) is None
    assert collect.point_at(T0, T0 + timedelta(hours=5)) == T0 + timedelta(hours=1)
    assert collect.point_at(T0, T0 + timedelta(days=7, hours=3)) == T0 + timedelta(days=7)
    assert collect.next_point(T0, T0 + timedelta(days=7, hours=3)) == T0 + timedelta(days=8)
    assert collect.next_point(T0, T0 + timedelta(days=30)) is None


def test_it_tracks_a_published_delivery_from_one_hour_after(channel: Channel) -> None:
    collect.store_account(channel.pk, {"followers": 80}, T0 - timedelta(days=1))
    delivery = published(channel, "r1", T0, "Fresh #Coffee and #coffee, #Beans! Not#this")
    prepare(T0 + timedelta(minutes=5))
    stats = PostStats.objects.get(delivery=delivery)
    assert stats.next_collect_at == T0 + timedelta(hours=1)
    assert stats.hashtags == ["beans", "coffee"]
    assert stats.format == PostStats.Format.TEXT
    assert stats.length == len(delivery.post.text)
    assert stats.followers == 80  # the audience when it went out, not later
    assert stats.workspace_id == channel.workspace_id


def test_format_is_read_from_the_post(channel: Channel, alice: User) -> None:
    thread = published(channel, "t", T0)
    Variant.objects.filter(pk=thread.variant_id).update(thread=["part two"])
    link = published(channel, "l", T0)
    Post.objects.filter(pk=link.post_id).update(link="https://example.com/")
    image = published(channel, "i", T0)
    PostMedia.objects.create(post=image.post, asset=make_asset(channel.workspace, alice))
    published(channel, "x", T0)
    prepare(T0)
    formats = dict(PostStats.objects.values_list("delivery__remote_id", "format"))
    assert formats == {"t": "thread", "l": "link", "i": "image", "x": "text"}


def test_it_collects_at_the_point_and_again_overwrites(channel: Channel) -> None:
    delivery = published(channel, "r1", T0)
    Counting.likes["r1"] = 5
    prepare(T0)
    run = collect.collect_channel(channel.pk, T0 + timedelta(hours=1, minutes=2))
    assert run is not None and run.posts == 1 and run.account == 2
    point = T0 + timedelta(hours=1)
    assert post_samples(delivery) == [("likes", point, 5), ("replies", point, 1)]
    stats = PostStats.objects.get(delivery=delivery)
    assert (stats.likes, stats.replies, stats.reposts) == (5, 1, None)
    assert stats.next_collect_at == T0 + timedelta(days=1)
    # The same point collected again (a crashed run re-done): one row, the new value.
    Counting.likes["r1"] = 6
    PostStats.objects.filter(pk=stats.pk).update(next_collect_at=T0)
    Collection.objects.filter(pk=channel.pk).update(next_account_at=T0)
    collect.collect_channel(channel.pk, T0 + timedelta(hours=1, minutes=9))
    assert post_samples(delivery) == [("likes", point, 6), ("replies", point, 1)]
    account = Sample.objects.filter(channel=channel, delivery__isnull=True)
    assert sorted(account.values_list("metric", "value")) == [("followers", 100), ("posts", 7)]


def test_the_account_is_sampled_once_a_day(channel: Channel) -> None:
    prepare(T0)
    collect.collect_channel(channel.pk, T0)
    state = Collection.objects.get(pk=channel.pk)
    assert state.status == Collection.Status.OK and state.last_success_at == T0
    assert state.next_account_at == datetime(2026, 3, 3, tzinfo=UTC) + timedelta(
        minutes=channel.pk % 60
    )
    assert channel.pk not in collect.due_channels(T0 + timedelta(hours=3))
    assert channel.pk in collect.due_channels(T0 + timedelta(days=1, hours=1))
    Counting.followers = 120
    collect.collect_channel(channel.pk, T0 + timedelta(days=1, hours=1))
    days = Sample.objects.filter(channel=channel, metric="followers").order_by("at")
    assert list(days.values_list("at", "value")) == [
        (datetime(2026, 3, 2, tzinfo=UTC), 100),
        (datetime(2026, 3, 3, tzinfo=UTC), 120),
    ]


def test_posts_are_asked_in_the_networks_batches(channel: Channel) -> None:
    for n in range(5):
        published(channel, f"r{n}", T0)
        Counting.likes[f"r{n}"] = n
    prepare(T0)
    collect.collect_channel(channel.pk, T0 + timedelta(hours=2))
    assert sorted(len(call) for call in Counting.calls) == [1, 2, 2]
    assert Counting.account_asked == 1  # once per run, not once per batch
    assert set(PostStats.objects.values_list("followers", flat=True)) == {100}
    assert PostStats.objects.filter(likes__isnull=False).count() == 5


def test_a_deleted_post_is_marked_gone_and_not_asked_again(channel: Channel) -> None:
    delivery = published(channel, "lost", T0)
    prepare(T0)
    run = collect.collect_channel(channel.pk, T0 + timedelta(hours=2))
    assert run is not None and run.gone == 1
    stats = PostStats.objects.get(delivery=delivery)
    assert stats.gone and stats.next_collect_at is None and stats.likes is None


def test_collection_ends_after_thirty_days(channel: Channel) -> None:
    delivery = published(channel, "r1", T0)
    Counting.likes["r1"] = 9
    prepare(T0)
    PostStats.objects.filter(delivery=delivery).update(next_collect_at=T0 + timedelta(days=30))
    collect.collect_channel(channel.pk, T0 + timedelta(days=30, hours=1))
    stats = PostStats.objects.get(delivery=delivery)
    assert stats.next_collect_at is None and stats.likes == 9
    assert post_samples(delivery)[0][1] == T0 + timedelta(days=30)


def test_an_old_post_is_read_once_at_its_latest_point(channel: Channel) -> None:
    delivery = published(channel, "old", T0 - timedelta(days=90))
    Counting.likes["old"] = 40
    prepare(T0)
    assert PostStats.objects.get(delivery=delivery).next_collect_at == T0
    collect.collect_channel(channel.pk, T0)
    stats = PostStats.objects.get(delivery=delivery)
    assert stats.likes == 40 and stats.next_collect_at is None


def test_rate_limit_waits_on_that_channel_only(
    channel: Channel, acme: Workspace, alice: User
) -> None:
    other = connect_channel(acme, alice, "counting", {"name": "other"})
    prepare(T0)
    Counting.script = [RateLimited("Slow down.", retry_after=120)]
    run = collect.collect_channel(channel.pk, T0)
    assert run is not None and run.error == "Slow down."
    state = Collection.objects.get(pk=channel.pk)
    assert state.status == Collection.Status.RATE_LIMITED
    assert state.not_before == T0 + timedelta(seconds=120)
    due = collect.due_channels(T0 + timedelta(seconds=60))
    assert other.pk in due and channel.pk not in due
    assert collect.collect_channel(channel.pk, T0 + timedelta(seconds=60)) is None
    assert channel.pk in collect.due_channels(T0 + timedelta(seconds=121))


def test_failures_back_off_and_say_why(channel: Channel) -> None:
    prepare(T0)
    Counting.script = [AdapterError("The network is down."), AdapterError("Still down.")]
    collect.collect_channel(channel.pk, T0)
    state = Collection.objects.get(pk=channel.pk)
    assert (state.status, state.message, state.failures) == ("error", "The network is down.", 1)
    assert state.not_before == T0 + timedelta(minutes=5)
    later = T0 + timedelta(minutes=6)
    collect.collect_channel(channel.pk, later)
    state.refresh_from_db()
    assert state.failures == 2 and state.not_before == later + timedelta(minutes=10)
    collect.collect_channel(channel.pk, later + timedelta(minutes=11))
    state.refresh_from_db()
    assert (state.status, state.failures, state.not_before) == ("ok", 0, None)


def test_expired_credentials_ask_for_reconnecting(channel: Channel) -> None:
    prepare(T0)
    Counting.script = [AuthExpired("The token was revoked.")]
    collect.collect_channel(channel.pk, T0)
    channel.refresh_from_db()
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    assert channel.pk not in collect.due_channels(T0 + timedelta(days=2))


def test_a_held_channel_is_not_collected_twice(channel: Channel) -> None:
    prepare(T0)
    Collection.objects.filter(pk=channel.pk).update(busy_until=T0 + timedelta(minutes=3))
    assert collect.collect_channel(channel.pk, T0) is None
    assert channel.pk not in collect.due_channels(T0)
    assert collect.collect_channel(channel.pk, T0 + timedelta(minutes=4)) is not None


def test_a_network_without_figures_is_marked_and_left_alone(
    acme: Workspace, alice: User, counting: type[Counting]
) -> None:
    silent = connect_channel(acme, alice, "silent", {"name": "quiet"})
    delivery = published(silent, "s1", T0)
    prepare(T0)
    assert PostStats.objects.get(delivery=delivery).next_collect_at is None
    collect.collect_channel(silent.pk, T0)
    state = Collection.objects.get(pk=silent.pk)
    assert state.status == Collection.Status.UNSUPPORTED
    assert silent.pk not in collect.due_channels(T0 + timedelta(days=3))
    assert Counting.calls == []


def test_demo_channels_are_never_collected(channel: Channel) -> None:
    Channel.objects.filter(pk=channel.pk).update(demo=True)
    published(channel, "d1", T0)
    prepare(T0)
    assert Collection.objects.get(pk=channel.pk).status == Collection.Status.DEMO
    assert PostStats.objects.count() == 0
    assert collect.due_channels(T0 + timedelta(days=1)) == []


def test_backfill_imports_the_accounts_earlier_posts_once(channel: Channel) -> None:
    Channel.objects.filter(pk=channel.pk).update(created_at=T0 - timedelta(hours=1))
    ours = published(channel, "mine", T0 - timedelta(days=3))
    Counting.likes.update({"mine": 1, "b1": 2, "b2": 3})
    Counting.recent = [
        RemotePost(
            "b1",
            T0 - timedelta(days=2),
            text="Earlier #news",
            url="https://n.example/b1",
            counts={"likes": 4, "replies": 2, "shares": 9},
        ),
        RemotePost("mine", T0 - timedelta(days=3), text="Hello"),
        RemotePost("b2", T0 - timedelta(days=40), text="Old one", images=2, counts={"likes": 3}),
        # After connecting: maybe ours, its remote id not stored yet; never imported.
        RemotePost("b3", T0 - timedelta(minutes=5), text="Just now", counts={"likes": 1}),
    ]
    prepare(T0)
    run = collect.collect_channel(channel.pk, T0)
    assert run is not None and run.imported == 2
    imported = Post.objects.filter(imported=True).order_by("scheduled_at")
    assert [p.text for p in imported] == ["Old one", "Earlier #news"]
    assert all(p.status == Post.Status.PUBLISHED for p in imported)
    b1 = PostStats.objects.get(delivery__remote_id="b1")
    assert (b1.likes, b1.replies, b1.hashtags) == (4, 2, ["news"])  # "shares" is not ours
    assert PostStats.objects.get(delivery__remote_id="b2").format == "image"
    assert Delivery.objects.filter(remote_id="mine").count() == 1
    assert PostStats.objects.get(delivery=ours).likes == 1
    # Only once: a later run does not import again.
    Collection.objects.filter(pk=channel.pk).update(next_account_at=T0)
    collect.collect_channel(channel.pk, T0 + timedelta(hours=1))
    assert Post.objects.filter(imported=True).count() == 2


def test_clicks_on_the_short_link_before_tracking_are_kept(channel: Channel) -> None:
    from orkesteri.links.actions import count_click, link_for_delivery

    delivery = published(channel, "r1", T0)
    plain = published(channel, "r2", T0)
    link = link_for_delivery(delivery, "https://acme.example/")
    count_click(link, ip="203.0.113.5", user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/130")
    prepare(T0)
    assert PostStats.objects.get(delivery=delivery).clicks == 1
    assert PostStats.objects.get(delivery=plain).clicks is None  # no short link: not given


def test_what_the_network_says_of_missing_figures_is_shown(channel: Channel) -> None:
    prepare(T0)
    note = "Reach needs the statistics right."
    original = Counting.fetch_samples

    def with_note(self: Counting, posts: Sequence[Receipt], account: bool = True) -> Samples:
        found = original(self, posts, account)
        return Samples(found.account, found.posts, found.gone, note)

    Counting.fetch_samples = with_note  # type: ignore[method-assign]
    try:
        collect.collect_channel(channel.pk, T0)
    finally:
        Counting.fetch_samples = original  # type: ignore[method-assign]
    state = Collection.objects.get(pk=channel.pk)
    assert (state.status, state.message) == ("ok", note)
