"""VK analytics against the local VK API (server.py): wall.getById for many posts at once,
gone posts, wall.get for backfill, and the rate-limit and key errors on those reads."""

from __future__ import annotations

from collections.abc import Iterator
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
from orkesteri.networks.vk import conf
from orkesteri.networks.vk.adapter import VkAdapter
from orkesteri.networks.vk.tests.server import GROUP_ID, VkState, running_vk

CONFIG = {"group_id": GROUP_ID, "screen_name": "orkfriends", "photos": True}
MARCH_1 = int(datetime(2025, 3, 1, tzinfo=UTC).timestamp())
DAY = 86400


@pytest.fixture
def vk(monkeypatch: pytest.MonkeyPatch) -> Iterator[VkState]:
    with running_vk() as (server, state):
        monkeypatch.setattr(conf, "API_BASE_URL", server.url + "/method/")  # type: ignore[attr-defined]
        yield state


def adapter(token: str = "alice-key") -> VkAdapter:
    return VkAdapter({"access_token": token}, CONFIG)


def counters(likes: int, reposts: int, comments: int, views: int) -> dict[str, Any]:
    return {
        "likes": {"count": likes},
        "reposts": {"count": reposts},
        "comments": {"count": comments},
        "views": {"count": views},
    }


# declared metrics


def test_it_declares_what_a_wall_post_counts() -> None:
    assert VkAdapter.post_metrics == {"likes", "reposts", "replies", "views"}
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


def test_a_bare_post_id_is_read_on_the_channels_wall(vk: VkState) -> None:
    post = vk.add_post("Old", MARCH_1, **counters(1, 0, 0, 10))

    samples = adapter().fetch_samples([Receipt(str(post["id"]))])

    assert samples.posts[str(post["id"])]["views"] == 10


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
    assert samples.posts[found.remote_id] == found.counts


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
