"""The Mastodon adapter against a local stateful Mastodon server (tests/server.py)."""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import mastodon.internals
import pytest

from orkesteri.lib import http as lib_http
from orkesteri.networks.base import (
    AdapterError,
    AuthExpired,
    Draft,
    Image,
    RateLimited,
    Receipt,
    Rejected,
)
from orkesteri.networks.mastodon import adapter as adapter_module
from orkesteri.networks.mastodon import conf
from orkesteri.networks.mastodon.adapter import MastodonAdapter
from orkesteri.networks.mastodon.forms import ConnectForm
from orkesteri.networks.mastodon.tests.server import MastodonState
from orkesteri.networks.testing import PIXEL_PNG, AdapterContract, running_server

REDIRECT_URI = "https://orkesteri.example/channels/oauth/callback"


class TestContract(AdapterContract):
    adapter_class = MastodonAdapter
    sample_credentials = {"access_token": "valid-token"}
    sample_config = {"instance_url": "https://social.example"}

    @pytest.fixture
    def broken_adapter(self, teapot_url: str) -> MastodonAdapter:
        return MastodonAdapter({"access_token": "x"}, {"instance_url": teapot_url})


@pytest.fixture(autouse=True)
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The adapter's waits while media processes, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(adapter_module, "sleep", slept.append)
    return slept


@pytest.fixture(autouse=True)
def sdk_never_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(seconds: float) -> None:
        raise AssertionError(f"Mastodon.py slept {seconds}s: rate limits must be raised")

    monkeypatch.setattr(mastodon.internals.time, "sleep", refuse)


def image(alt: str = "") -> Image:
    return Image(PIXEL_PNG, "image/png", 1, 1, alt=alt)


def approve(authorize_url: str) -> dict[str, str]:
    """The user opens the authorization page and approves: the callback's query."""
    answer = httpx.get(authorize_url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    return {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}


# --- connecting ----------------------------------------------------------------------------


def test_it_connects_with_a_pasted_token(url: str) -> None:
    connection = MastodonAdapter.connect({"instance_url": url, "access_token": "valid-token"})

    assert connection.account_id == "109000000000000001"
    assert connection.display_name == "@alice@social.example"
    assert connection.url == f"{url}/@alice"
    assert connection.credentials == {"access_token": "valid-token"}
    assert connection.config["instance_url"] == url


def test_it_reads_the_instance_limits_into_the_channel(url: str, state: MastodonState) -> None:
    state.max_characters, state.url_length, state.max_media = 1000, 30, 6
    state.description_limit = 900

    connection = MastodonAdapter.connect({"instance_url": url, "access_token": "valid-token"})
    limits = MastodonAdapter(connection.credentials, connection.config).limits

    assert limits.text.counter == "mastodon"
    assert (limits.text.limit, limits.text.url_length) == (1000, 30)
    assert limits.max_images == 6
    assert limits.image_types == ("image/jpeg", "image/png", "image/gif")  # no video
    assert limits.max_image_bytes == 16_777_216
    assert limits.max_alt_text == 900


def test_it_falls_back_to_v1_instance_on_older_servers(url: str, state: MastodonState) -> None:
    state.has_v2_instance = False
    state.max_characters = 700

    connection = MastodonAdapter.connect({"instance_url": url, "access_token": "valid-token"})

    assert connection.display_name == "@alice@social.example"
    limits = MastodonAdapter(connection.credentials, connection.config).limits
    assert limits.text.limit == 700
    assert limits.max_alt_text == conf.DESCRIPTION_LIMIT  # v1 does not say


def test_it_uses_stock_limits_until_the_instance_said_otherwise() -> None:
    limits = MastodonAdapter({}, {"instance_url": "https://social.example"}).limits

    assert (limits.text.limit, limits.text.url_length, limits.max_images) == (500, 23, 4)


def test_it_refuses_a_wrong_token(url: str) -> None:
    with pytest.raises(AuthExpired) as caught:
        MastodonAdapter.connect({"instance_url": url, "access_token": "wrong"})

    assert "refused the access token" in str(caught.value)
    assert "Development" in str(caught.value)


def test_it_asks_for_a_token_or_oauth(url: str) -> None:
    with pytest.raises(AdapterError) as caught:
        MastodonAdapter.connect({"instance_url": url, "access_token": ""})

    assert caught.value.permanent


def test_it_says_an_unreachable_server_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed

    with pytest.raises(AdapterError) as caught:
        MastodonAdapter.connect(
            {"instance_url": f"http://127.0.0.1:{port}", "access_token": "valid-token"}
        )

    assert "Could not reach" in str(caught.value)
    assert not caught.value.unknown_outcome


def test_it_says_a_teapot_is_not_mastodon(teapot_url: str) -> None:
    with pytest.raises(AdapterError) as caught:
        MastodonAdapter.connect({"instance_url": teapot_url, "access_token": "valid-token"})

    assert "does not answer as a Mastodon server" in str(caught.value)
    assert caught.value.permanent


class _WebPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>My blog</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_it_says_a_web_page_is_not_mastodon() -> None:
    with running_server(_WebPage) as page:
        for connect in (
            lambda: MastodonAdapter.connect({"instance_url": page.url, "access_token": "t"}),  # type: ignore[attr-defined]
            lambda: MastodonAdapter.authorize_url({"instance_url": page.url}, REDIRECT_URI, "s"),  # type: ignore[attr-defined]
        ):
            with pytest.raises(AdapterError) as caught:
                connect()
            assert "does not answer as a Mastodon server" in str(caught.value)


def test_it_refuses_private_addresses_when_the_guard_is_on(
    url: str, state: MastodonState, settings: Any
) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = False

    with pytest.raises(AdapterError) as caught:
        MastodonAdapter.connect({"instance_url": url, "access_token": "valid-token"})
    with pytest.raises(AdapterError):
        MastodonAdapter.authorize_url({"instance_url": url}, REDIRECT_URI, "s")

    assert caught.value.permanent
    assert url in str(caught.value)
    assert "127.0.0.1" in str(caught.value)
    assert state.requests == []


def test_it_checks_every_redirect_hop(
    url: str, state: MastodonState, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the guard on, let the test server (127.0.0.1) count as public and 127.0.0.2 not.
    settings.ALLOW_PRIVATE_NETWORKS = False
    monkeypatch.setattr(
        lib_http, "blocked_kind", lambda ip: "private" if str(ip) == "127.0.0.2" else None
    )
    hidden = "http://127.0.0.2:9/api/v2/instance"
    state.fail("GET", "/api/v2/instance", 302, body=b"", headers={"Location": hidden})

    with pytest.raises(AdapterError) as caught:
        MastodonAdapter.connect({"instance_url": url, "access_token": "valid-token"})

    assert caught.value.permanent
    assert "127.0.0.2" in str(caught.value)
    assert state.requested("GET", "/api/v2/instance") == 1


def test_it_sends_every_request_through_lib_http(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    adapter.publish(Draft("Hello"), "key-ua")

    assert {headers["User-Agent"] for _, _, headers in state.requests} == {"Orkesteri/0.1"}


def test_it_verifies_a_stored_token(adapter: MastodonAdapter, state: MastodonState) -> None:
    assert adapter.verify().account_id == "109000000000000001"

    del state.tokens["valid-token"]
    with pytest.raises(AuthExpired) as caught:
        adapter.verify()
    assert "Reconnect" in str(caught.value)


# --- OAuth ---------------------------------------------------------------------------------


def test_it_connects_through_oauth(url: str, state: MastodonState) -> None:
    authorize, pending = MastodonAdapter.authorize_url({"instance_url": url}, REDIRECT_URI, "xyz")

    assert authorize.startswith(f"{url}/oauth/authorize?")
    assert set(pending) == {"instance_url", "client_id", "client_secret"}
    (app,) = state.apps.values()
    assert app["scopes"] == set(conf.SCOPES)
    assert app["redirects"] == [REDIRECT_URI]

    params = approve(authorize)
    assert params["state"] == "xyz"
    connection = MastodonAdapter.finish_authorize(pending, params, REDIRECT_URI)

    assert connection.display_name == "@alice@social.example"
    channel = MastodonAdapter(connection.credentials, connection.config)
    assert channel.publish(Draft("Connected through OAuth"), "oauth-1").remote_id
    granted = state.tokens[connection.credentials["access_token"]].scopes
    assert granted == set(conf.SCOPES)


def test_it_exchanges_the_code_without_the_oauth_metadata_document(
    url: str, state: MastodonState
) -> None:
    state.has_oauth_metadata = False  # servers before 4.3
    authorize, pending = MastodonAdapter.authorize_url({"instance_url": url}, REDIRECT_URI, "s")

    connection = MastodonAdapter.finish_authorize(pending, approve(authorize), REDIRECT_URI)

    assert connection.account_id == "109000000000000001"


def test_it_reports_a_denied_authorization(url: str, state: MastodonState) -> None:
    state.deny_authorization = True
    authorize, pending = MastodonAdapter.authorize_url({"instance_url": url}, REDIRECT_URI, "s")

    with pytest.raises(AdapterError) as caught:
        MastodonAdapter.finish_authorize(pending, approve(authorize), REDIRECT_URI)

    assert "did not grant access" in str(caught.value)
    assert "denied" in str(caught.value)
    assert caught.value.permanent


def test_it_refuses_a_code_used_twice(url: str) -> None:
    authorize, pending = MastodonAdapter.authorize_url({"instance_url": url}, REDIRECT_URI, "s")
    params = approve(authorize)
    MastodonAdapter.finish_authorize(pending, params, REDIRECT_URI)

    with pytest.raises(AdapterError) as caught:
        MastodonAdapter.finish_authorize(pending, params, REDIRECT_URI)

    assert "did not accept the authorization" in str(caught.value)


def test_it_reports_a_failed_app_registration(url: str, state: MastodonState) -> None:
    state.fail("POST", "/api/v1/apps", 422, body={"error": "Validation failed: Name is bad"})

    with pytest.raises(Rejected) as caught:
        MastodonAdapter.authorize_url({"instance_url": url}, REDIRECT_URI, "s")

    assert "Name is bad" in str(caught.value)


# --- publishing ----------------------------------------------------------------------------


def test_it_publishes_text_with_entities(adapter: MastodonAdapter, state: MastodonState) -> None:
    text = "Hello #world https://example.com/page @bob@other.example"

    receipt = adapter.publish(Draft(text), "key-1")

    status = state.statuses[receipt.remote_id]
    assert status["text"] == text
    assert receipt.url == status["url"]
    assert state.requests[-1][2]["Idempotency-Key"] == "key-1"


def test_it_publishes_images_with_alt_text(adapter: MastodonAdapter, state: MastodonState) -> None:
    draft = Draft("Two pictures", images=(image("A red dot"), image("")))

    receipt = adapter.publish(draft, "key-images")

    attachments = state.statuses[receipt.remote_id]["media_attachments"]
    assert [a["description"] for a in attachments] == ["A red dot", None]
    assert all(m["_data"] == PIXEL_PNG for m in state.media.values())
    assert state.requested("POST", "/api/v2/media") == 2
    assert state.requested("GET", "/api/v1/instance") == 0  # no SDK version probing


def test_it_waits_while_media_is_processing(
    adapter: MastodonAdapter, state: MastodonState, pauses: list[float]
) -> None:
    state.processing_polls = 2

    receipt = adapter.publish(Draft("", images=(image("Alt"),)), "key-slow-media")

    assert state.statuses[receipt.remote_id]["media_attachments"][0]["url"]
    assert state.requested("GET", "/api/v1/media/") == 3  # 206, 206, 200
    assert len(pauses) == 3


def test_it_gives_up_on_media_that_never_finishes(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    state.processing_polls = 1000

    with pytest.raises(AdapterError) as caught:
        adapter.publish(Draft("x", images=(image(),)), "key-stuck")

    assert not caught.value.permanent
    assert not isinstance(caught.value, Rejected)
    assert state.statuses == {}


def test_it_sends_content_warning_visibility_and_language(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    options = {"content_warning": "Spoilers", "visibility": "unlisted", "language": "fi"}

    receipt = adapter.publish(Draft("The butler did it", options=options), "key-opts")

    status = state.statuses[receipt.remote_id]
    assert (status["spoiler_text"], status["visibility"], status["language"]) == (
        "Spoilers",
        "unlisted",
        "fi",
    )


def test_it_threads_replies(adapter: MastodonAdapter, state: MastodonState) -> None:
    first = adapter.publish(Draft("1/2"), "thread-1")
    second = adapter.publish(Draft("2/2", reply_to=first), "thread-2")

    assert state.statuses[second.remote_id]["in_reply_to_id"] == first.remote_id


def test_it_does_not_post_twice_with_the_same_key(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    first = adapter.publish(Draft("Once"), "same-key")
    again = adapter.publish(Draft("Once"), "same-key")

    assert again == first
    assert len(state.statuses) == 1
    assert MastodonAdapter.idempotent


def test_it_can_retry_after_a_timeout_without_a_second_post(
    adapter: MastodonAdapter, state: MastodonState, settings: Any
) -> None:
    settings.HTTP_TIMEOUT_S = 1
    state.fail("POST", "/api/v1/statuses", delay=2, passthrough=True)

    with pytest.raises(AdapterError) as caught:
        adapter.publish(Draft("Late"), "key-timeout")
    assert caught.value.unknown_outcome

    retried = adapter.publish(Draft("Late"), "key-timeout")
    assert list(state.statuses) == [retried.remote_id]


def test_it_deletes_a_post_and_a_gone_post(adapter: MastodonAdapter, state: MastodonState) -> None:
    receipt = adapter.publish(Draft("Short-lived"), "key-del")

    adapter.delete(receipt.remote_id)
    adapter.delete(receipt.remote_id)

    assert state.statuses == {}


def test_it_reads_account_and_post_counts(adapter: MastodonAdapter, state: MastodonState) -> None:
    receipt = adapter.publish(Draft("Count me"), "key-counts")
    state.statuses[receipt.remote_id] |= {
        "favourites_count": 5,
        "reblogs_count": 2,
        "replies_count": 1,
    }

    assert adapter.account_counts().values == {"followers": 42, "following": 7, "posts": 1}
    assert adapter.post_counts(receipt).values == {"likes": 5, "reposts": 2, "replies": 1}


# --- errors --------------------------------------------------------------------------------


def test_it_maps_a_revoked_token_to_auth_expired(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    state.tokens.clear()

    with pytest.raises(AuthExpired) as caught:
        adapter.publish(Draft("Hello"), "key-401")

    assert "Reconnect the channel" in str(caught.value)


def test_it_maps_a_missing_scope_to_auth_expired(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    state.tokens["valid-token"].scopes = {"read"}

    with pytest.raises(AuthExpired) as caught:
        adapter.publish(Draft("Hello"), "key-403")

    assert "write:statuses" in str(caught.value)


def test_it_maps_a_forbidden_action_to_rejected(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    state.fail("POST", "/api/v1/statuses", 403, body={"error": "This action is not allowed"})

    with pytest.raises(Rejected) as caught:
        adapter.publish(Draft("Hello"), "key-403b")

    assert "This action is not allowed" in str(caught.value)


def test_it_maps_a_validation_error_to_rejected_with_the_servers_words(
    adapter: MastodonAdapter,
) -> None:
    with pytest.raises(Rejected) as caught:
        adapter.publish(Draft("x" * 501), "key-long")

    assert "Text character limit of 500 exceeded" in str(caught.value)


def test_it_maps_a_reply_to_a_deleted_post_to_rejected(adapter: MastodonAdapter) -> None:
    with pytest.raises(Rejected) as caught:
        adapter.publish(Draft("Reply", reply_to=Receipt("404404")), "key-404")

    assert "could not find" in str(caught.value)


def test_it_retries_media_that_is_not_ready_rather_than_rejecting(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    state.fail(
        "POST",
        "/api/v1/statuses",
        422,
        body={"error": "Cannot attach files that have not finished processing. Try again!"},
    )

    with pytest.raises(AdapterError) as caught:
        adapter.publish(Draft("Hello"), "key-422m")

    assert not isinstance(caught.value, Rejected)
    assert not caught.value.permanent


def test_it_honours_retry_after(adapter: MastodonAdapter, state: MastodonState) -> None:
    state.fail("POST", "/api/v1/statuses", 429, headers={"Retry-After": "30"})

    with pytest.raises(RateLimited) as caught:
        adapter.publish(Draft("Hello"), "key-429")

    assert caught.value.retry_after == 30


def test_it_reads_the_rate_limit_reset_time(adapter: MastodonAdapter, state: MastodonState) -> None:
    state.fail("POST", "/api/v1/statuses", 429, body={"error": "Too many requests"})

    with pytest.raises(RateLimited) as caught:
        adapter.publish(Draft("Hello"), "key-429b")

    assert caught.value.retry_after is not None
    assert 110 <= caught.value.retry_after <= 121  # the server said: reset in 120 s


@pytest.mark.parametrize("status", [500, 503])
def test_it_maps_server_errors_to_transient_errors(
    adapter: MastodonAdapter, state: MastodonState, status: int
) -> None:
    state.fail("POST", "/api/v1/statuses", status)

    with pytest.raises(AdapterError) as caught:
        adapter.publish(Draft("Hello"), f"key-{status}")

    assert type(caught.value) is AdapterError
    assert not caught.value.permanent
    assert str(status) in str(caught.value)


def test_it_treats_a_gateway_timeout_as_an_unknown_outcome(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    state.fail("POST", "/api/v1/statuses", 504, body=b"<html>Gateway Timeout</html>")

    with pytest.raises(AdapterError) as caught:
        adapter.publish(Draft("Hello"), "key-504")

    assert caught.value.unknown_outcome


def test_it_maps_malformed_json_to_an_adapter_error(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    state.fail(
        "POST", "/api/v1/statuses", 200, body=b'{"id": "1", ', headers={"Content-Type": "json"}
    )

    with pytest.raises(AdapterError) as caught:
        adapter.publish(Draft("Hello"), "key-malformed")

    assert type(caught.value) is AdapterError
    assert caught.value.unknown_outcome


def test_it_maps_an_unexpected_json_shape_to_an_adapter_error(
    adapter: MastodonAdapter, state: MastodonState
) -> None:
    state.fail("POST", "/api/v1/statuses", 200, body={"unexpected": True})

    with pytest.raises(AdapterError):
        adapter.publish(Draft("Hello"), "key-shape")


# --- problems and the form -----------------------------------------------------------------


def test_it_counts_the_content_warning_towards_the_limit() -> None:
    adapter = MastodonAdapter({}, {"instance_url": "https://social.example"})
    draft = Draft("x" * 495, options={"content_warning": "Spoilers!"})

    (problem,) = adapter.problems(draft)

    assert "504" in problem


def test_it_flags_an_unknown_visibility() -> None:
    adapter = MastodonAdapter({}, {"instance_url": "https://social.example"})

    assert adapter.problems(Draft("Hi", options={"visibility": "friends"}))
    assert adapter.problems(Draft("Hi", options={"visibility": "direct"})) == []


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("mastodon.social", "https://mastodon.social"),
        ("  HTTPS://Mastodon.Social/ ", "https://mastodon.social"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
    ],
)
def test_it_normalises_the_instance_address(typed: str, cleaned: str) -> None:
    form = ConnectForm(data={"instance_url": typed, "access_token": ""})

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"instance_url": cleaned, "access_token": ""}


@pytest.mark.parametrize(
    "typed",
    [
        "ftp://mastodon.social",
        "https://mastodon.social/@alice",
        "https://user:pw@mastodon.social",
        "https://mastodon.social/?q=1",
        "https://bad_host.example",
        "",
    ],
)
def test_it_refuses_addresses_that_are_not_a_bare_server(typed: str) -> None:
    form = ConnectForm(data={"instance_url": typed})

    assert not form.is_valid()
    assert "instance_url" in form.errors


def test_it_refuses_a_token_with_spaces() -> None:
    form = ConnectForm(data={"instance_url": "mastodon.social", "access_token": "abc def"})

    assert not form.is_valid()
    assert "access_token" in form.errors
