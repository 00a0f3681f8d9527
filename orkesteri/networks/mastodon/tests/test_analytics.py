"""Mastodon analytics against the local Mastodon server (server.py): samples 20 statuses a
call where the server has GET /api/v1/statuses, one by one where it is older, gone posts,
the account's statuses for backfill, and the errors on those reads."""

from __future__ import annotations

from datetime import UTC, datetime

import mastodon.internals
import pytest

from orkesteri.networks.base import (
    POST_METRICS,
    AdapterError,
    AuthExpired,
    Draft,
    RateLimited,
    Receipt,
)
from orkesteri.networks.mastodon.adapter import MastodonAdapter, _version
from orkesteri.networks.mastodon.tests.server import MastodonState


@pytest.fixture(autouse=True)
def sdk_never_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(seconds: float) -> None:
        raise AssertionError(f"Mastodon.py slept {seconds}s: rate limits must be raised")

    monkeypatch.setattr(mastodon.internals.time, "sleep", refuse)


def asked(state: MastodonState, path: str) -> int:
    """Calls of GET `path` exactly."""
    return sum(1 for method, seen, _ in state.requests if method == "GET" and seen == path)


def asked_one(state: MastodonState) -> int:
    """Calls of GET /api/v1/statuses/:id."""
    return sum(1 for m, p, _ in state.requests if m == "GET" and p.startswith("/api/v1/statuses/"))


def counts(state: MastodonState, status_id: str, likes: int, boosts: int, replies: int) -> None:
    state.statuses[status_id] |= {
        "favourites_count": likes,
        "reblogs_count": boosts,
        "replies_count": replies,
    }


# declared metrics


def test_it_declares_what_a_status_counts() -> None:
    assert MastodonAdapter.post_metrics == {"likes", "reposts", "replies"}
    assert MastodonAdapter.post_metrics <= set(POST_METRICS)
    assert MastodonAdapter.samples_batch == 20


def test_it_keeps_the_servers_version_when_connecting(adapter: MastodonAdapter) -> None:
    assert adapter.config["version"] == "4.4.0"


# fetch_samples


def test_it_reads_many_statuses_in_one_call(adapter: MastodonAdapter, state: MastodonState) -> None:
    receipts = [adapter.publish(Draft(f"Post {n}"), f"key-{n}") for n in range(3)]
    counts(state, receipts[1].remote_id, likes=5, boosts=2, replies=1)
    samples = adapter.fetch_samples(receipts)

    assert samples.account == {"followers": 42, "following": 7, "posts": 3}
    assert samples.posts[receipts[1].remote_id] == {"likes": 5, "reposts": 2, "replies": 1}
    assert set(samples.posts) == {r.remote_id for r in receipts}
    assert samples.gone == frozenset()
    assert asked(state, "/api/v1/statuses") == 1
    assert asked_one(state) == 0


def test_it_asks_at_most_20_statuses_a_call(adapter: MastodonAdapter, state: MastodonState) -> None:
    ids = [state.add_status(f"Old {n}", "2025-03-01T10:00:00.000Z")["id"] for n in range(25)]

    samples = adapter.fetch_samples([Receipt(status_id) for status_id in ids])

    assert set(samples.posts) == set(ids)
    assert asked(state, "/api/v1/statuses") == 2


def test_a_deleted_status_is_gone(adapter: MastodonAdapter, state: MastodonState) -> None:
    kept = adapter.publish(Draft("Kept"), "key-kept")
    deleted = adapter.publish(Draft("Deleted"), "key-deleted")
    adapter.delete(deleted.remote_id)

    samples = adapter.fetch_samples([kept, deleted])

    assert set(samples.posts) == {kept.remote_id}
    assert samples.gone == {deleted.remote_id}


def test_an_older_server_is_asked_one_status_at_a_time(url: str, state: MastodonState) -> None:
    state.version = "4.2.10"
    connection = MastodonAdapter.connect({"instance_url": url, "access_token": "valid-token"})
    adapter = MastodonAdapter(connection.credentials, connection.config)
    kept = adapter.publish(Draft("Kept"), "key-kept")
    deleted = adapter.publish(Draft("Deleted"), "key-deleted")
    adapter.delete(deleted.remote_id)
    counts(state, kept.remote_id, likes=3, boosts=0, replies=0)

    samples = adapter.fetch_samples([kept, deleted])

    assert samples.posts == {kept.remote_id: {"likes": 3, "reposts": 0, "replies": 0}}
    assert samples.gone == {deleted.remote_id}
    assert asked(state, "/api/v1/statuses") == 0
    assert asked_one(state) == 2


def test_a_channel_connected_before_the_version_was_kept_asks_the_server(
    url: str, state: MastodonState
) -> None:
    adapter = MastodonAdapter({"access_token": "valid-token"}, {"instance_url": url})
    receipt = adapter.publish(Draft("Hello"), "key-1")

    samples = adapter.fetch_samples([receipt])

    assert set(samples.posts) == {receipt.remote_id}
    assert asked(state, "/api/v2/instance") == 1
    assert asked(state, "/api/v1/statuses") == 1


def test_a_server_that_lost_the_batch_method_is_asked_one_by_one(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    receipt = adapter.publish(Draft("Hello"), "key-1")
    state.version = "4.2.0"  # downgraded since the channel was connected

    samples = adapter.fetch_samples([receipt])

    assert set(samples.posts) == {receipt.remote_id}
    assert asked_one(state) == 1


def test_it_reads_the_version_of_compatible_servers_too() -> None:
    assert _version("2.7.2 (compatible; Pleroma 2.5.0)") == (2, 7, 2)
    assert _version("4.3.0+glitch") == (4, 3, 0)
    assert _version("nightly") is None
    assert _version(None) is None


# recent_posts


def test_it_lists_own_statuses_newest_first_without_boosts_or_replies_to_others(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    first = state.add_status("First", "2025-03-01T10:00:00.000Z")
    state.add_status("Reply to Bob", "2025-03-02T10:00:00.000Z", in_reply_to_id="1",
                     in_reply_to_account_id="999")  # fmt: skip
    own_thread = state.add_status("Thread 2/2", "2025-03-03T10:00:00.000Z",
                                  in_reply_to_id=first["id"],
                                  in_reply_to_account_id=state.account["id"])  # fmt: skip
    state.add_status("", "2025-03-04T10:00:00.000Z", reblog={"id": "555", "content": "Bob's"})
    last = state.add_status("Last", "2025-03-05T10:00:00.000Z")

    posts = adapter.recent_posts(10)

    assert [p.remote_id for p in posts] == [last["id"], own_thread["id"], first["id"]]


def test_it_pages_with_max_id_until_it_has_enough(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    ids = [state.add_status(f"Post {n}", f"2025-03-01T10:{n:02d}:00.000Z")["id"] for n in range(50)]

    posts = adapter.recent_posts(45)

    assert [p.remote_id for p in posts] == list(reversed(ids))[:45]
    assert asked(state, f"/api/v1/accounts/{state.account['id']}/statuses") == 2


def test_it_stops_at_the_end_of_the_statuses(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    state.add_status("Only one", "2025-03-01T10:00:00.000Z")

    assert len(adapter.recent_posts(100)) == 1


def test_it_maps_a_status_onto_a_remote_post(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    media = [
        {"id": "1", "type": "image", "url": "https://files.example/1.png"},
        {"id": "2", "type": "video", "url": "https://files.example/2.mp4"},
    ]
    card = {"url": "https://example.com/article", "title": "Article", "type": "link"}
    status = state.add_status(
        "Tom &amp; Jerry<br>second line</p><p>next paragraph",
        "2025-03-02T12:30:00.000+02:00",
        media_attachments=media,
        card=card,
        favourites_count=8,
        reblogs_count=3,
        replies_count=2,
    )

    (post,) = adapter.recent_posts(1)

    assert post.remote_id == status["id"]
    assert post.published_at == datetime(2025, 3, 2, 10, 30, tzinfo=UTC)
    assert post.published_at.utcoffset() is not None
    assert post.text == "Tom & Jerry\nsecond line\n\nnext paragraph"
    assert post.url == status["url"]
    assert post.counts == {"likes": 8, "reposts": 3, "replies": 2}
    assert (post.images, post.video, post.link) == (2, True, "https://example.com/article")

    samples = adapter.fetch_samples([Receipt(post.remote_id, post.url, post.data)])
    assert samples.posts[post.remote_id] == post.counts


# errors


def test_a_rate_limit_says_when_to_come_back(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    state.fail("GET", "/api/v1/statuses", 429, headers={"Retry-After": "42"})

    with pytest.raises(RateLimited) as caught:
        adapter.fetch_samples([Receipt("110000000000000001")])

    assert caught.value.retry_after == 42


def test_a_revoked_token_asks_to_reconnect(adapter: MastodonAdapter, state: MastodonState) -> None:
    state.tokens.clear()

    with pytest.raises(AuthExpired):
        adapter.recent_posts(10)
    with pytest.raises(AuthExpired):
        adapter.fetch_samples([])


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_while_listing_is_transient(
    adapter: MastodonAdapter, state: MastodonState, status: int
) -> None:
    state.fail("GET", f"/api/v1/accounts/{state.account['id']}/statuses", status)

    with pytest.raises(AdapterError) as caught:
        adapter.recent_posts(10)

    assert type(caught.value) is AdapterError
    assert not caught.value.permanent
