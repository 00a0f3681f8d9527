"""VK analytics against the local VK API (server.py): wall.getById for many posts at once,
reach from stats.getPostReach where the key may read statistics, gone posts, wall.get for
backfill, pacing, and the rate-limit and key errors on those reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from orkesteri.networks.base import (
    POST_METRICS,
    AdapterError,
    AuthExpired,
    Draft,
    RateLimited,
    Receipt,
)
from orkesteri.networks.vk import adapter as vk_adapter
from orkesteri.networks.vk import conf
from orkesteri.networks.vk.adapter import VkAdapter
from orkesteri.networks.vk.tests.conftest import CONFIG, adapter
from orkesteri.networks.vk.tests.server import GROUP_ID, VkState

MARCH_1 = int(datetime(2025, 3, 1, tzinfo=UTC).timestamp())
DAY = 86400


class Clock:
    """Stands in for the adapter's monotonic() and sleep(): time passes only by sleeping."""

    def __init__(self) -> None:
        self.now = 0.0
        self.naps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(vk_adapter, "monotonic", clock.monotonic)
    monkeypatch.setattr(vk_adapter, "sleep", clock.sleep)
    return clock


def counters(likes: int, reposts: int, comments: int, views: int) -> dict[str, Any]:
    return {
        "likes": {"count": likes},
        "reposts": {"count": reposts},
        "comments": {"count": comments},
        "views": {"count": views},
    }


# declared metrics


def test_it_declares_what_a_wall_post_counts() -> None:
    assert VkAdapter.post_metrics == {"likes", "reposts", "replies", "views", "reach"}
    assert VkAdapter.post_metrics <= set(POST_METRICS)
    assert VkAdapter.samples_batch == 100


# fetch_samples


def test_it_reads_many_posts_in_one_call(vk: VkState) -> None:
    receipts = [adapter().publish(Draft(f"Post {n}"), f"delivery-{n}") for n in range(3)]
    vk.posts[(-GROUP_ID, receipts[0].data["post_id"])] |= counters(11, 4, 2, 900)

    samples = adapter().fetch_samples(receipts)

    assert samples.account == {"followers": 1234, "posts": 3}
    assert samples.posts[receipts[0].remote_id] == {
        "likes": 11,
        "reposts": 4,
        "replies": 2,
        "views": 900,
        "reach": 0,
    }
    assert set(samples.posts) == {r.remote_id for r in receipts}
    assert samples.gone == frozenset()
    (asked,) = vk.params_of("wall.getById")
    assert asked["posts"] == ",".join(r.remote_id for r in receipts)


def test_it_asks_at_most_100_posts_a_call(vk: VkState) -> None:
    posts = [vk.add_post(f"Old {n}", MARCH_1) for n in range(130)]

    samples = adapter().fetch_samples([Receipt(f"-{GROUP_ID}_{p['id']}") for p in posts])

    assert len(samples.posts) == 130
    assert [len(p["posts"].split(",")) for p in vk.params_of("wall.getById")] == [100, 30]


def test_deleted_and_malformed_posts_are_gone(vk: VkState) -> None:
    kept = adapter().publish(Draft("Kept"), "delivery-kept")
    deleted = adapter().publish(Draft("Deleted"), "delivery-deleted")
    adapter().delete(deleted.remote_id)
    marked = vk.add_post("Marked deleted", MARCH_1, is_deleted=True)

    samples = adapter().fetch_samples(
        [kept, deleted, Receipt(f"-{GROUP_ID}_{marked['id']}"), Receipt("not-a-post")]
    )

    assert set(samples.posts) == {kept.remote_id}
    assert samples.gone == {deleted.remote_id, f"-{GROUP_ID}_{marked['id']}", "not-a-post"}
    (asked,) = vk.params_of("stats.getPostReach")
    assert asked["post_ids"] == str(kept.data["post_id"])


def test_a_bare_post_id_is_read_on_the_channels_wall(vk: VkState) -> None:
    post = vk.add_post("Old", MARCH_1, **counters(1, 0, 0, 10))

    samples = adapter().fetch_samples([Receipt(str(post["id"]))])

    assert samples.posts[str(post["id"])]["views"] == 10


# reach (stats.getPostReach)


def test_it_adds_each_posts_reach_when_the_key_may_read_statistics(vk: VkState) -> None:
    first, second = [adapter().publish(Draft(f"Post {n}"), f"delivery-{n}") for n in range(2)]
    vk.set_reach(first.remote_id, 1500, subscribers=900, viral=600)

    samples = adapter().fetch_samples([first, second])

    assert samples.posts[first.remote_id]["reach"] == 1500
    assert samples.posts[first.remote_id]["likes"] == 5
    assert samples.posts[second.remote_id]["reach"] == 0
    assert samples.note == ""
    (asked,) = vk.params_of("stats.getPostReach")
    assert asked["owner_id"] == str(-GROUP_ID)
    assert asked["post_ids"] == f"{first.data['post_id']},{second.data['post_id']}"


def test_a_key_without_the_stats_right_still_gets_the_other_figures(vk: VkState) -> None:
    receipt = adapter().publish(Draft("Post"), "delivery-1")
    vk.set_reach(receipt.remote_id, 1500)
    channel = adapter("no-stats-key")

    samples = channel.fetch_samples([receipt])

    assert samples.posts[receipt.remote_id] == {
        "likes": 5,
        "reposts": 2,
        "replies": 3,
        "views": 100,
    }
    assert samples.account == {"followers": 1234, "posts": 1}
    assert "stats" in samples.note
    assert "scope=wall,photos,stats,offline" in samples.note


def test_a_refused_key_is_not_asked_again_by_the_same_adapter(vk: VkState) -> None:
    receipt = adapter().publish(Draft("Post"), "delivery-1")
    channel = adapter("no-stats-key")

    first = channel.fetch_samples([receipt])
    again = channel.fetch_samples([receipt])

    assert len(vk.params_of("stats.getPostReach")) == 1
    assert again.posts == first.posts
    assert again.note == first.note != ""
    # a new adapter (a new run) asks again while the channel's config does not say
    adapter("no-stats-key").fetch_samples([receipt])
    assert len(vk.params_of("stats.getPostReach")) == 2


def test_a_channel_connected_without_the_stats_right_never_asks_for_reach(vk: VkState) -> None:
    receipt = adapter().publish(Draft("Post"), "delivery-1")
    vk.set_reach(receipt.remote_id, 1500)
    connection = VkAdapter.connect({"access_token": "no-stats-key", "group": "orkfriends"})

    for _run in range(2):  # each collection run builds a new adapter
        channel = VkAdapter(connection.credentials, connection.config)
        samples = channel.fetch_samples([receipt])
        assert samples.posts[receipt.remote_id] == {
            "likes": 5,
            "reposts": 2,
            "replies": 3,
            "views": 100,
        }
        assert "scope=wall,photos,stats,offline" in samples.note

    assert vk.params_of("stats.getPostReach") == []


def test_a_channel_connected_with_the_stats_right_asks_for_reach(vk: VkState) -> None:
    receipt = adapter().publish(Draft("Post"), "delivery-1")
    vk.set_reach(receipt.remote_id, 1500)
    connection = VkAdapter.connect({"access_token": "alice-key", "group": "orkfriends"})

    samples = VkAdapter(connection.credentials, connection.config).fetch_samples([receipt])

    assert samples.posts[receipt.remote_id]["reach"] == 1500
    assert samples.note == ""
    assert len(vk.params_of("stats.getPostReach")) == 1


@pytest.mark.parametrize("code", sorted(conf.STATS_DENIED_CODES))
def test_every_refusal_of_statistics_leaves_reach_out(vk: VkState, code: int) -> None:
    receipt = adapter().publish(Draft("Post"), "delivery-1")
    vk.stats_error = code

    samples = adapter().fetch_samples([receipt])

    assert "reach" not in samples.posts[receipt.remote_id]
    assert samples.posts[receipt.remote_id]["views"] == 100
    assert "stats" in samples.note


def test_a_refusal_after_some_batches_keeps_the_reach_already_read(vk: VkState) -> None:
    posts = [vk.add_post(f"Old {n}", MARCH_1) for n in range(40)]
    receipts = [Receipt(f"-{GROUP_ID}_{p['id']}") for p in posts]
    vk.set_reach(receipts[0].remote_id, 70)

    class Refusing(VkAdapter):
        def _read(self, method: str, params: Any, tolerate: frozenset[int] = frozenset()) -> Any:
            if method == "stats.getPostReach" and vk.params_of(method):
                vk.stats_error = 7  # the first batch was answered, the second is refused
            return super()._read(method, params, tolerate)

    samples = Refusing({"access_token": "alice-key"}, CONFIG).fetch_samples(receipts)

    assert samples.posts[receipts[0].remote_id]["reach"] == 70
    assert "reach" not in samples.posts[receipts[-1].remote_id]
    assert "stats" in samples.note


def test_it_asks_reach_for_at_most_30_posts_a_call(vk: VkState) -> None:
    posts = [vk.add_post(f"Old {n}", MARCH_1) for n in range(130)]
    receipts = [Receipt(f"-{GROUP_ID}_{p['id']}") for p in posts]
    vk.set_reach(receipts[0].remote_id, 10)
    vk.set_reach(receipts[-1].remote_id, 20)

    samples = adapter().fetch_samples(receipts)

    sizes = [len(p["post_ids"].split(",")) for p in vk.params_of("stats.getPostReach")]
    assert sizes == [30, 30, 30, 30, 10]
    assert conf.POST_REACH_BATCH == 30
    assert samples.posts[receipts[0].remote_id]["reach"] == 10
    assert samples.posts[receipts[-1].remote_id]["reach"] == 20
    assert all("reach" in counts for counts in samples.posts.values())


def test_no_posts_no_statistics_call(vk: VkState) -> None:
    samples = adapter().fetch_samples([])

    assert samples.posts == {}
    assert vk.params_of("stats.getPostReach") == []


@pytest.mark.parametrize(("code", "wait"), [(6, 1.0), (9, 900.0), (29, 3600.0)])
def test_a_rate_limit_on_reach_still_raises(vk: VkState, code: int, wait: float) -> None:
    receipt = adapter().publish(Draft("Post"), "delivery-1")
    vk.inject("stats.getPostReach", code=code)

    with pytest.raises(RateLimited) as caught:
        adapter().fetch_samples([receipt])

    assert caught.value.retry_after == wait


def test_http_429_on_reach_honours_retry_after(vk: VkState) -> None:
    receipt = adapter().publish(Draft("Post"), "delivery-1")
    vk.inject("stats.getPostReach", status=429, headers={"Retry-After": "9"})

    with pytest.raises(RateLimited) as caught:
        adapter().fetch_samples([receipt])

    assert caught.value.retry_after == 9


def test_other_errors_on_reach_are_not_swallowed(vk: VkState) -> None:
    receipt = adapter().publish(Draft("Post"), "delivery-1")
    vk.inject("stats.getPostReach", code=5)
    with pytest.raises(AuthExpired):
        adapter().fetch_samples([receipt])

    vk.inject("stats.getPostReach", status=502)
    with pytest.raises(AdapterError) as caught:
        adapter().fetch_samples([receipt])
    assert type(caught.value) is AdapterError


def test_a_post_vk_leaves_out_of_its_statistics_has_no_reach() -> None:
    answer = [
        {"post_id": 1, "reach_total": 5},
        {"post_id": 2},
        {"post_id": 3, "reach_total": "many"},
        {"post_id": 9, "reach_total": 7},
        "junk",
    ]

    assert vk_adapter._reaches(answer, [1, 2, 3]) == {1: 5}
    assert vk_adapter._reaches({"error": "odd"}, [1]) == {}


# pacing


def test_reads_keep_to_three_a_second(
    vk: VkState, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = [vk.add_post(f"Old {n}", MARCH_1) for n in range(130)]
    sent_at: list[float] = []
    real_call = vk_adapter.call

    def timed_call(*args: Any, **kwargs: Any) -> Any:
        sent_at.append(clock.now)
        return real_call(*args, **kwargs)

    monkeypatch.setattr(vk_adapter, "call", timed_call)

    adapter().fetch_samples([Receipt(f"-{GROUP_ID}_{p['id']}") for p in posts])

    # members, wall count, 2 × wall.getById, 5 × stats.getPostReach; 3 a second
    assert len(sent_at) == 9
    assert all(sent_at[n + 3] - sent_at[n] >= 1.0 for n in range(len(sent_at) - 3))
    assert sum(clock.naps) == 2.0


# recent_posts


def test_it_lists_the_communitys_own_posts_newest_first(vk: VkState) -> None:
    first = vk.add_post("First", MARCH_1)
    vk.add_post("A visitor's post", MARCH_1 + DAY, from_id=77)
    vk.add_post("", MARCH_1 + 2 * DAY, post_type="copy", copy_history=[{"id": 5}])
    second = vk.add_post("Second", MARCH_1 + 3 * DAY)

    posts = adapter().recent_posts(10)

    assert [p.remote_id for p in posts] == [
        f"-{GROUP_ID}_{second['id']}",
        f"-{GROUP_ID}_{first['id']}",
    ]
    assert vk.params_of("wall.get")[-1]["filter"] == "owner"
    assert vk.params_of("wall.get")[-1]["owner_id"] == str(-GROUP_ID)


def test_it_pages_with_offset_until_it_has_enough(vk: VkState) -> None:
    posts = [vk.add_post(f"Post {n}", MARCH_1 + n * 60) for n in range(250)]

    found = adapter().recent_posts(150)

    newest = sorted(posts, key=lambda p: -p["date"])[:150]
    assert [p.remote_id for p in found] == [f"-{GROUP_ID}_{p['id']}" for p in newest]
    pages = [(p["offset"], p["count"]) for p in vk.params_of("wall.get")]
    assert pages == [("0", "100"), ("100", "51")]


def test_an_old_pinned_post_does_not_push_out_a_newer_one(vk: VkState) -> None:
    pinned = vk.add_post("Pinned long ago", MARCH_1, is_pinned=1)
    newer = [vk.add_post(f"Post {n}", MARCH_1 + (n + 1) * DAY) for n in range(3)]

    posts = adapter().recent_posts(3)

    assert [p.remote_id for p in posts] == [f"-{GROUP_ID}_{p['id']}" for p in reversed(newer)]
    assert f"-{GROUP_ID}_{pinned['id']}" not in [p.remote_id for p in posts]


def test_it_stops_at_the_end_of_the_wall(vk: VkState) -> None:
    vk.add_post("Only one", MARCH_1)

    assert len(adapter().recent_posts(500)) == 1
    assert len(vk.params_of("wall.get")) == 1


def test_it_maps_a_wall_post_onto_a_remote_post(vk: VkState) -> None:
    attachments = [
        {"type": "photo", "photo": {"id": 1, "owner_id": -GROUP_ID}},
        {"type": "photo", "photo": {"id": 2, "owner_id": -GROUP_ID}},
        {"type": "video", "video": {"id": 3, "owner_id": -GROUP_ID}},
        {"type": "link", "link": {"url": "https://example.com/news", "title": "News"}},
    ]
    post = vk.add_post(
        "Look at this", MARCH_1 + 3600, attachments=attachments, **counters(7, 1, 2, 300)
    )

    (found,) = adapter().recent_posts(1)

    assert found.remote_id == f"-{GROUP_ID}_{post['id']}"
    assert found.published_at == datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
    assert found.text == "Look at this"
    assert found.url == f"https://vk.com/wall-{GROUP_ID}_{post['id']}"
    assert found.counts == {"likes": 7, "reposts": 1, "replies": 2, "views": 300}
    assert (found.images, found.video, found.link) == (3, True, "https://example.com/news")
    assert found.data == {"owner_id": -GROUP_ID, "post_id": post["id"]}

    samples = adapter().fetch_samples([Receipt(found.remote_id, found.url, found.data)])
    assert samples.posts[found.remote_id] == {**found.counts, "reach": 0}


def test_a_published_post_lists_with_its_link(vk: VkState) -> None:
    receipt = adapter().publish(Draft("Read", link="https://example.com/a"), "delivery-1")

    (found,) = adapter().recent_posts(5)

    assert found.remote_id == receipt.remote_id
    assert found.link == "https://example.com/a"


# errors


@pytest.mark.parametrize(("code", "wait"), [(6, 1.0), (9, 900.0), (29, 3600.0)])
def test_vk_rate_limit_codes_say_when_to_come_back(vk: VkState, code: int, wait: float) -> None:
    vk.inject("wall.getById", code=code)

    with pytest.raises(RateLimited) as caught:
        adapter().fetch_samples([Receipt(f"-{GROUP_ID}_1")])

    assert caught.value.retry_after == wait


def test_http_429_honours_retry_after(vk: VkState) -> None:
    vk.inject("wall.get", status=429, headers={"Retry-After": "17"})

    with pytest.raises(RateLimited) as caught:
        adapter().recent_posts(10)

    assert caught.value.retry_after == 17


def test_a_revoked_key_asks_to_reconnect(vk: VkState) -> None:
    with pytest.raises(AuthExpired):
        adapter("revoked-key").fetch_samples([])
    with pytest.raises(AuthExpired):
        adapter("revoked-key").recent_posts(10)


def test_a_server_error_is_transient(vk: VkState) -> None:
    vk.inject("wall.get", status=502)

    with pytest.raises(AdapterError) as caught:
        adapter().recent_posts(10)

    assert type(caught.value) is AdapterError
    assert not caught.value.permanent
