"""The Bluesky adapter without the real network: contract, errors, session handling."""

from __future__ import annotations

import time
from typing import Any

import pytest

from orkesteri.networks.base import (
    Adapter,
    AdapterError,
    AuthExpired,
    Draft,
    Image,
    RateLimited,
    Receipt,
    Rejected,
)
from orkesteri.networks.bluesky import conf, records
from orkesteri.networks.bluesky.adapter import BlueskyAdapter
from orkesteri.networks.bluesky.tests import server
from orkesteri.networks.bluesky.tests.server import State, session_string
from orkesteri.networks.testing import PIXEL_PNG, AdapterContract

SAMPLE_SESSION = ":::".join(
    [
        server.HANDLE,
        server.DID,
        server.jwt(server.DID, "com.atproto.appPass", 7200, 1),
        server.jwt(server.DID, "com.atproto.refresh", 86400, 1),
        "https://pds.example",
    ]
)


class TestContract(AdapterContract):
    adapter_class = BlueskyAdapter
    sample_credentials = {"session": SAMPLE_SESSION, "app_password": server.PASSWORD}
    sample_config = {"service_url": "https://pds.example"}

    @pytest.fixture
    def broken_adapter(self, teapot_url: str) -> Adapter:
        teapot_session = SAMPLE_SESSION.replace("https://pds.example", teapot_url)
        return BlueskyAdapter(
            {"session": teapot_session, "app_password": "x"}, {"service_url": teapot_url}
        )


# connecting


def test_it_connects_and_keeps_the_session_and_app_password(pds: tuple[str, State]) -> None:
    url, _ = pds
    connection = BlueskyAdapter.connect(
        {"service_url": url, "handle": server.HANDLE, "app_password": server.PASSWORD}
    )
    assert connection.account_id == server.DID
    assert connection.display_name == "@alice.test"
    assert connection.config == {"service_url": url, "handle": server.HANDLE}
    assert connection.credentials["app_password"] == server.PASSWORD
    assert connection.credentials["session"].endswith(f":::{url}/xrpc")


def test_it_tells_a_wrong_password_from_an_unknown_handle(pds: tuple[str, State]) -> None:
    url, _ = pds
    with pytest.raises(AuthExpired, match=r"app password was refused for @alice\.test"):
        BlueskyAdapter.connect({"service_url": url, "handle": server.HANDLE, "app_password": "no"})
    with pytest.raises(AdapterError, match=r"knows no account @bob\.test"):
        BlueskyAdapter.connect({"service_url": url, "handle": "bob.test", "app_password": "no"})


def test_it_refuses_a_private_address_when_the_guard_is_on(
    settings: Any, pds: tuple[str, State]
) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = False
    url, state = pds
    with pytest.raises(AdapterError, match="private or local address") as caught:
        BlueskyAdapter.connect(
            {"service_url": url, "handle": server.HANDLE, "app_password": server.PASSWORD}
        )
    assert caught.value.permanent
    assert state.sessions_created == 0


def test_it_says_a_non_bluesky_server_is_one(teapot_url: str) -> None:
    with pytest.raises(AdapterError, match="does not answer as a Bluesky server"):
        BlueskyAdapter.connect(
            {"service_url": teapot_url, "handle": server.HANDLE, "app_password": "x"}
        )


def test_it_says_an_xrpc_server_without_describe_server_is_not_a_pds(
    pds: tuple[str, State],
) -> None:
    url, state = pds
    state.fail("com.atproto.server.describeServer", 501, server.error("MethodNotImplemented", ""))
    with pytest.raises(AdapterError, match="does not answer as a Bluesky server"):
        BlueskyAdapter.connect(
            {"service_url": url, "handle": server.HANDLE, "app_password": server.PASSWORD}
        )


# sessions


def test_it_refreshes_a_session_about_to_expire_and_hands_it_back(
    pds: tuple[str, State],
) -> None:
    url, state = pds
    state.access_ttl = 60  # the SDK refreshes 15 minutes before expiry
    old = session_string(state, url)
    adapter = BlueskyAdapter(
        {"session": old, "app_password": server.PASSWORD}, {"service_url": url}
    )

    adapter.publish(Draft("Hello"), "key-1")

    assert state.refreshes == 1
    assert state.sessions_created == 0
    assert adapter.credentials["session"] != old


def test_it_logs_in_again_when_the_session_is_dead(
    adapter: BlueskyAdapter, pds: tuple[str, State]
) -> None:
    _, state = pds
    before = adapter.credentials["session"]
    state.revoke_sessions()

    receipt = adapter.publish(Draft("Hello"), "key-1")

    assert state.sessions_created == 1
    assert adapter.credentials["session"] != before
    assert receipt.remote_id in state.records


def test_it_asks_to_reconnect_when_the_app_password_no_longer_works(
    adapter: BlueskyAdapter, pds: tuple[str, State]
) -> None:
    _, state = pds
    state.revoke_sessions()
    state.password = "revoked"

    with pytest.raises(AuthExpired, match="App passwords"):
        adapter.publish(Draft("Hello"), "key-1")
    assert state.records == {}


# publishing


def test_it_derives_the_record_key_from_the_delivery_key(
    adapter: BlueskyAdapter, pds: tuple[str, State]
) -> None:
    receipt = adapter.publish(Draft("Hello"), "delivery-42")
    assert receipt.remote_id.endswith("/" + records.tid_from_key("delivery-42"))
    assert receipt.url == (
        f"https://bsky.app/profile/alice.test/post/{records.tid_from_key('delivery-42')}"
    )


def test_it_returns_the_existing_post_when_the_create_is_retried(
    adapter: BlueskyAdapter, pds: tuple[str, State]
) -> None:
    _, state = pds
    first = adapter.publish(Draft("Hello"), "delivery-1")
    again = adapter.publish(Draft("Hello"), "delivery-1")
    assert again == first
    assert len(state.records) == 1


def test_it_returns_the_post_a_timed_out_create_already_made(
    settings: Any, adapter: BlueskyAdapter, pds: tuple[str, State]
) -> None:
    settings.HTTP_TIMEOUT_S = 1
    _, state = pds
    first = adapter.publish(Draft("Hello"), "delivery-1")
    state.fail(
        "com.atproto.repo.createRecord", 500, server.error("InternalServerError", ""), delay=2
    )

    again = BlueskyAdapter(adapter.credentials, adapter.config).publish(
        Draft("Hello"), "delivery-1"
    )
    assert again == first


def test_it_marks_a_timeout_after_sending_as_an_unknown_outcome(
    settings: Any, adapter: BlueskyAdapter, pds: tuple[str, State]
) -> None:
    settings.HTTP_TIMEOUT_S = 1
    _, state = pds
    state.fail("com.atproto.repo.createRecord", 200, {}, delay=2)

    with pytest.raises(AdapterError) as caught:
        adapter.publish(Draft("Hello"), "delivery-1")
    assert caught.value.unknown_outcome
    assert not caught.value.permanent
    assert "did not answer in time" in str(caught.value)


def test_it_uploads_images_with_their_type(adapter: BlueskyAdapter, pds: tuple[str, State]) -> None:
    _, state = pds
    image = Image(PIXEL_PNG, "image/png", 1, 1, alt="A dot")
    receipt = adapter.publish(Draft("Look", images=(image,)), "delivery-1")

    embed = state.records[receipt.remote_id]["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert embed["images"][0]["alt"] == "A dot"
    assert embed["images"][0]["image"]["mimeType"] == "image/png"
    ratio = embed["images"][0]["aspectRatio"]
    assert (ratio["width"], ratio["height"]) == (1, 1)


def test_it_sends_replies_to_the_thread_root(
    adapter: BlueskyAdapter, pds: tuple[str, State]
) -> None:
    _, state = pds
    parent = Receipt(
        "at://did:plc:x/app.bsky.feed.post/3k2",
        data={
            "uri": "at://did:plc:x/app.bsky.feed.post/3k2",
            "cid": "cid2",
            "root_uri": "at://did:plc:x/app.bsky.feed.post/3k1",
            "root_cid": "cid1",
        },
    )
    receipt = adapter.publish(Draft("and more", reply_to=parent), "delivery-1")

    reply = state.records[receipt.remote_id]["value"]["reply"]
    assert (reply["root"]["uri"], reply["root"]["cid"]) == (parent.data["root_uri"], "cid1")
    assert (reply["parent"]["uri"], reply["parent"]["cid"]) == (parent.remote_id, "cid2")
    assert receipt.data["root_uri"] == "at://did:plc:x/app.bsky.feed.post/3k1"


def test_it_refuses_to_delete_another_accounts_post(adapter: BlueskyAdapter) -> None:
    with pytest.raises(Rejected):
        adapter.delete("at://did:plc:someoneelse/app.bsky.feed.post/3k2")
    with pytest.raises(Rejected):
        adapter.delete("https://bsky.app/profile/alice.test")


# errors


def test_it_maps_rate_limits_with_the_reset_time(
    adapter: BlueskyAdapter, pds: tuple[str, State]
) -> None:
    _, state = pds
    reset = int(time.time()) + 120
    state.fail(
        "com.atproto.repo.createRecord",
        429,
        server.error("RateLimitExceeded", "Rate Limit Exceeded"),
        headers={
            "ratelimit-limit": "5000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(reset),
        },
    )
    with pytest.raises(RateLimited) as caught:
        adapter.publish(Draft("Hello"), "delivery-1")
    assert caught.value.retry_after is not None
    assert 100 <= caught.value.retry_after <= 120


def test_it_maps_validation_errors_to_rejected(
    adapter: BlueskyAdapter, pds: tuple[str, State]
) -> None:
    _, state = pds
    message = "Invalid app.bsky.feed.post record: grapheme too big (maximum 300, got 301)"
    state.fail("com.atproto.repo.createRecord", 400, server.error("InvalidRequest", message))
    with pytest.raises(Rejected, match="grapheme too big"):
        adapter.publish(Draft("x" * 301), "delivery-1")


def test_it_maps_a_too_large_blob_to_rejected(
    adapter: BlueskyAdapter, pds: tuple[str, State]
) -> None:
    _, state = pds
    state.fail("com.atproto.repo.uploadBlob", 413, server.error("PayloadTooLarge", "too large"))
    image = Image(PIXEL_PNG, "image/png", 1, 1)
    with pytest.raises(Rejected, match="too large"):
        adapter.publish(Draft("Look", images=(image,)), "delivery-1")


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, server.error("InternalServerError", "Internal Server Error")),
        (502, server.error("UpstreamFailure", "Upstream Failure")),
        (503, b"<html>Service Unavailable</html>"),
        (200, b'{"uri": "at://broken'),
    ],
)
def test_it_maps_server_trouble_to_a_transient_error(
    adapter: BlueskyAdapter, pds: tuple[str, State], status: int, body: Any
) -> None:
    _, state = pds
    state.fail("com.atproto.repo.createRecord", status, body)
    with pytest.raises(AdapterError) as caught:
        adapter.publish(Draft("Hello"), "delivery-1")
    assert type(caught.value) is AdapterError
    assert not caught.value.permanent
    assert "Traceback" not in str(caught.value)


def test_it_reads_counts(adapter: BlueskyAdapter) -> None:
    receipt = adapter.publish(Draft("Hello"), "delivery-1")
    assert adapter.post_counts(receipt).values == {
        "likes": 2,
        "reposts": 1,
        "replies": 0,
        "quotes": 0,
    }
    assert adapter.account_counts().values == {"followers": 7, "following": 3, "posts": 1}


def test_it_says_when_the_server_has_no_appview(
    adapter: BlueskyAdapter, pds: tuple[str, State]
) -> None:
    _, state = pds
    state.has_appview = False
    message = "This server has no Bluesky AppView, so follower and like counts are not available."
    with pytest.raises(AdapterError, match=message) as caught:
        adapter.account_counts()
    assert caught.value.permanent
    with pytest.raises(AdapterError, match=message):
        adapter.post_counts(Receipt("at://did:plc:alicealicealice/app.bsky.feed.post/3k2"))


def test_it_says_when_a_post_is_not_visible(adapter: BlueskyAdapter) -> None:
    with pytest.raises(AdapterError, match="does not show this post"):
        adapter.post_counts(Receipt("at://did:plc:alicealicealice/app.bsky.feed.post/3k2"))


# limits and problems


def test_it_checks_image_rules_before_publishing(adapter: BlueskyAdapter) -> None:
    gif = Image(b"GIF89a", "image/gif", 1, 1)
    huge = Image(b"\xff\xd8\xff" + b"0" * conf.MAX_IMAGE_BYTES, "image/jpeg", 1, 1)
    wordy = Image(PIXEL_PNG, "image/png", 1, 1, alt="a" * (conf.MAX_ALT_TEXT + 1))
    for image in (gif, huge, wordy):
        assert adapter.problems(Draft("x", images=(image,)))
    assert adapter.problems(Draft("x", images=(Image(PIXEL_PNG, "image/png", 1, 1),) * 5))


def test_it_counts_graphemes_and_bytes() -> None:
    adapter = BlueskyAdapter({}, {})
    assert adapter.problems(Draft("👩‍👩‍👧‍👦" * 300)) != []  # 300 graphemes, but 7500 bytes
    assert adapter.problems(Draft("é" * 300)) == []
    assert adapter.problems(Draft("é" * 301)) != []
