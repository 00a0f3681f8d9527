"""Bluesky analytics against the fake PDS + AppView (server.py): samples in batches, gone
posts, the author feed for backfill, and the errors on those reads."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from orkesteri.networks.base import (
    POST_METRICS,
    AdapterError,
    AuthExpired,
    Draft,
    RateLimited,
    Receipt,
)
from orkesteri.networks.bluesky import conf
from orkesteri.networks.bluesky.adapter import BlueskyAdapter
from orkesteri.networks.bluesky.tests import server
from orkesteri.networks.bluesky.tests.server import State


def asked(state: State, nsid: str) -> list[dict[str, list[str]]]:
    return [query for name, query in state.queries if name == nsid]


def at(day: int) -> str:
    return f"2025-03-{day:02d}T10:00:00.000Z"


# declared metrics


def test_it_declares_what_a_post_view_counts() -> None:
    assert BlueskyAdapter.post_metrics == {"likes", "reposts", "replies", "quotes"}
    assert BlueskyAdapter.post_metrics <= set(POST_METRICS)
    assert BlueskyAdapter.samples_batch == 25


# fetch_samples


def test_it_reads_the_profile_and_many_posts_in_one_call(
    adapter: BlueskyAdapter, state: State
) -> None:
    receipts = [adapter.publish(Draft(f"Post {n}"), f"delivery-{n}") for n in range(3)]
    state.counts[receipts[0].remote_id] = {"likes": 10, "reposts": 4, "replies": 2, "quotes": 1}
    state.followers, state.follows = 120, 35

    samples = adapter.fetch_samples(receipts)

    assert samples.account == {"followers": 120, "following": 35, "posts": 3}
    assert samples.posts[receipts[0].remote_id] == {
        "likes": 10,
        "reposts": 4,
        "replies": 2,
        "quotes": 1,
    }
    assert set(samples.posts) == {r.remote_id for r in receipts}
    assert samples.gone == frozenset()
    calls = asked(state, "app.bsky.feed.getPosts")
    assert len(calls) == 1
    assert calls[0]["uris"] == [r.remote_id for r in receipts]


def test_it_asks_at_most_25_posts_a_call(adapter: BlueskyAdapter, state: State) -> None:
    uris = [state.add_post(f"Old {n}", at(1)) for n in range(30)]

    samples = adapter.fetch_samples([Receipt(uri) for uri in uris])

    assert set(samples.posts) == set(uris)
    assert [len(q["uris"]) for q in asked(state, "app.bsky.feed.getPosts")] == [25, 5]


def test_a_deleted_post_is_gone_and_the_rest_are_read(
    adapter: BlueskyAdapter, state: State
) -> None:
    kept = adapter.publish(Draft("Kept"), "delivery-kept")
    deleted = adapter.publish(Draft("Deleted"), "delivery-deleted")
    adapter.delete(deleted.remote_id)

    samples = adapter.fetch_samples([kept, deleted, Receipt("not-a-bluesky-post")])

    assert set(samples.posts) == {kept.remote_id}
    assert samples.gone == {deleted.remote_id, "not-a-bluesky-post"}


def test_a_post_the_appview_has_not_indexed_yet_is_neither_read_nor_gone(
    adapter: BlueskyAdapter, state: State
) -> None:
    fresh = adapter.publish(Draft("Just now"), "delivery-fresh")
    state.unindexed.add(fresh.remote_id)

    samples = adapter.fetch_samples([fresh])

    assert samples.posts == {}
    assert samples.gone == frozenset()


def test_it_reads_a_post_by_the_uri_in_its_receipt_data(
    adapter: BlueskyAdapter, state: State
) -> None:
    uri = state.add_post("Imported", at(2), counts={"likes": 3})

    samples = adapter.fetch_samples([Receipt("delivery-7", data={"uri": uri})])

    assert samples.posts["delivery-7"]["likes"] == 3


# recent_posts


def test_it_lists_own_posts_newest_first_without_replies_or_reposts(
    adapter: BlueskyAdapter, state: State
) -> None:
    first = state.add_post("First", at(1))
    second = state.add_post("Second", at(3))
    state.add_post("A reply", at(4), reply={"root": {"uri": first, "cid": "x"}})
    state.add_repost("Bob's post", at(5))
    third = state.add_post("Third", at(6))

    posts = adapter.recent_posts(10)

    assert [p.remote_id for p in posts] == [third, second, first]
    assert asked(state, "app.bsky.feed.getAuthorFeed")[0]["filter"] == ["posts_no_replies"]


def test_it_follows_the_cursor_until_it_has_enough(
    adapter: BlueskyAdapter, state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conf, "AUTHOR_FEED_PAGE", 2)
    uris = [state.add_post(f"Post {day}", at(day)) for day in range(1, 8)]
    state.add_repost("Bob's post", at(7))

    posts = adapter.recent_posts(5)

    assert [p.remote_id for p in posts] == list(reversed(uris))[:5]
    calls = asked(state, "app.bsky.feed.getAuthorFeed")
    assert [c.get("cursor") for c in calls] == [None, ["2"], ["4"]]
    assert all(int(c["limit"][0]) <= 2 for c in calls)


def test_it_stops_at_the_end_of_the_feed(adapter: BlueskyAdapter, state: State) -> None:
    state.add_post("Only one", at(1))

    assert len(adapter.recent_posts(50)) == 1
    assert len(asked(state, "app.bsky.feed.getAuthorFeed")) == 1


def test_it_maps_a_post_onto_a_remote_post(adapter: BlueskyAdapter, state: State) -> None:
    blob = {"$type": "blob", "ref": {"$link": "bafkreiimg"}, "mimeType": "image/png", "size": 9}
    images = {
        "$type": "app.bsky.embed.images",
        "images": [{"alt": "one", "image": blob}, {"alt": "two", "image": blob}],
    }
    uri = state.add_post(
        "Two pictures", "2025-03-02T12:30:00+02:00", embed=images, counts={"likes": 9}
    )
    link = {
        "$type": "app.bsky.embed.external",
        "external": {"uri": "https://example.com/a", "title": "A", "description": ""},
    }
    state.add_post("A link", at(1), embed=link)
    video = {"$type": "app.bsky.embed.video", "video": blob}
    state.add_post("A video", at(3), embed=video)

    video_post, pictures, linked = adapter.recent_posts(3)

    assert pictures.remote_id == uri
    assert pictures.published_at == datetime(2025, 3, 2, 10, 30, tzinfo=UTC)
    assert pictures.published_at.tzinfo is UTC
    assert pictures.text == "Two pictures"
    assert pictures.url == f"https://bsky.app/profile/alice.test/post/{uri.rsplit('/', 1)[1]}"
    assert pictures.counts == {"likes": 9, "reposts": 1, "replies": 0, "quotes": 0}
    assert (pictures.images, pictures.video, pictures.link) == (2, False, "")
    assert pictures.data["uri"] == uri
    assert pictures.data["cid"] == state.records[uri]["cid"]
    assert pictures.data["root_uri"] == uri
    assert (video_post.images, video_post.video) == (1, True)
    assert linked.link == "https://example.com/a"


def test_a_listed_post_can_be_sampled_by_its_remote_id(
    adapter: BlueskyAdapter, state: State
) -> None:
    state.add_post("Backfilled", at(1), counts={"likes": 4})
    (post,) = adapter.recent_posts(1)

    samples = adapter.fetch_samples([Receipt(post.remote_id, post.url, post.data)])

    assert samples.posts[post.remote_id]["likes"] == 4


# errors


def test_a_rate_limit_says_when_to_come_back(adapter: BlueskyAdapter, state: State) -> None:
    reset = int(time.time()) + 60
    state.fail(
        "app.bsky.feed.getPosts",
        429,
        server.error("RateLimitExceeded", "Rate Limit Exceeded"),
        headers={
            "ratelimit-limit": "3000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(reset),
        },
    )
    receipt = adapter.publish(Draft("Hello"), "delivery-1")

    with pytest.raises(RateLimited) as caught:
        adapter.fetch_samples([receipt])

    assert caught.value.retry_after is not None
    assert 40 <= caught.value.retry_after <= 60


def test_a_revoked_app_password_asks_to_reconnect(adapter: BlueskyAdapter, state: State) -> None:
    state.revoke_sessions()
    state.password = "revoked"

    with pytest.raises(AuthExpired):
        adapter.recent_posts(10)


def test_a_server_error_in_the_feed_is_transient(adapter: BlueskyAdapter, state: State) -> None:
    state.fail("app.bsky.feed.getAuthorFeed", 502, server.error("UpstreamFailure", "Upstream"))

    with pytest.raises(AdapterError) as caught:
        adapter.recent_posts(10)

    assert type(caught.value) is AdapterError
    assert not caught.value.permanent


def test_a_pds_without_an_appview_cannot_give_figures(
    adapter: BlueskyAdapter, state: State
) -> None:
    state.has_appview = False

    with pytest.raises(AdapterError, match="no Bluesky AppView") as caught:
        adapter.fetch_samples([])

    assert caught.value.permanent
