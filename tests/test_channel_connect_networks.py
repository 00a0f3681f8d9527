"""Connecting real network adapters through the product, against their local servers.

The adapters' own tests cover each network's answers; these check what a user sees: the
network's reason on the connect form and in the API, and no channel left behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client

from orkesteri.channels.models import Channel
from orkesteri.lib import crypto
from orkesteri.networks.mastodon.tests.server import MastodonState, serve
from orkesteri.networks.telegram import conf as telegram_conf
from orkesteri.networks.telegram.tests import server as telegram
from orkesteri.networks.vk import conf as vk_conf
from orkesteri.networks.vk.tests.server import GROUP_ID, VkState, running_vk
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def mastodon() -> Iterator[tuple[str, MastodonState]]:
    with serve() as server:
        yield server.url, server.state  # type: ignore[attr-defined]


@pytest.fixture
def bot_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[telegram.BotApiState]:
    with telegram.bot_api() as state:
        monkeypatch.setattr(telegram_conf, "API_URL", state.url)
        yield state


@pytest.fixture
def vk(monkeypatch: pytest.MonkeyPatch) -> Iterator[VkState]:
    with running_vk() as (server, state):
        monkeypatch.setattr(vk_conf, "API_BASE_URL", server.url + "/method/")  # type: ignore[attr-defined]
        yield state


def api_connect(client: Client, workspace: Workspace, network: str, config: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/workspaces/{workspace.pk}/channels",
        json.dumps({"network": network, "config": config}),
        content_type="application/json",
    )


def test_mastodon_connects_with_a_token_and_keeps_the_server_limits(
    alice_api: Client, acme: Workspace, mastodon: tuple[str, MastodonState]
) -> None:
    url, _state = mastodon
    r = api_connect(
        alice_api, acme, "mastodon", {"instance_url": url, "access_token": "valid-token"}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["display_name"].startswith("@")
    assert body["limits"]["text"] > 0
    channel = Channel.objects.get(pk=body["id"])
    assert crypto.decrypt_json(channel.credentials)["access_token"] == "valid-token"
    assert "valid-token" not in r.content.decode()


def test_mastodon_connects_through_the_server_s_sign_in_page(
    alice_client: Client, acme: Workspace, mastodon: tuple[str, MastodonState]
) -> None:
    url, _state = mastodon
    r = alice_client.post("/w/acme/channels/connect/mastodon/", {"instance_url": url})
    assert r.status_code == 302
    authorize = r["Location"]
    assert authorize.startswith(f"{url}/oauth/authorize?")
    # The user approves on their server, which sends the browser back to Orkesteri.
    back = httpx.get(authorize, follow_redirects=False)
    assert back.status_code in (302, 303)
    callback = urlsplit(back.headers["Location"])
    assert callback.path == "/channels/oauth/callback/"
    r = alice_client.get(callback.path, parse_qs(callback.query))
    assert r.status_code == 302 and r["Location"] == "/w/acme/channels/"
    channel = Channel.objects.get(workspace=acme)
    assert channel.network == "mastodon"
    assert channel.status == Channel.Status.CONNECTED


def test_mastodon_sign_in_declined_leaves_nothing(
    alice_client: Client, acme: Workspace, mastodon: tuple[str, MastodonState]
) -> None:
    url, state = mastodon
    state.deny_authorization = True
    r = alice_client.post("/w/acme/channels/connect/mastodon/", {"instance_url": url})
    back = httpx.get(r["Location"], follow_redirects=False)
    callback = urlsplit(back.headers["Location"])
    page = alice_client.get(callback.path, parse_qs(callback.query), follow=True).content.decode()
    assert "did not grant access" in page
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"access_token": "revoked"}, "token"),
        ({"instance_url": "TEAPOT", "access_token": "x"}, "does not answer as a Mastodon server"),
        ({"instance_url": "http://127.0.0.1:9", "access_token": "x"}, "127.0.0.1"),
    ],
)
def test_mastodon_refusals_are_explained_and_save_nothing(
    alice_client: Client,
    alice_api: Client,
    acme: Workspace,
    mastodon: tuple[str, MastodonState],
    teapot_url: str,
    config: dict[str, str],
    expected: str,
) -> None:
    url, _state = mastodon
    config = {"instance_url": url, **config}
    if config["instance_url"] == "TEAPOT":
        config["instance_url"] = teapot_url
    page = alice_client.post("/w/acme/channels/connect/mastodon/", config)
    assert page.status_code == 422
    assert expected in page.content.decode()
    r = api_connect(alice_api, acme, "mastodon", config)
    assert r.status_code in (422, 502), r.content
    assert expected in r.json()["detail"]
    assert not Channel.objects.exists()


def test_a_private_address_is_refused_when_the_guard_is_on(
    alice_api: Client, acme: Workspace, settings: Any
) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = False
    for network, config in (
        ("mastodon", {"instance_url": "http://10.0.0.7", "access_token": "x"}),
        (
            "bluesky",
            {
                "service_url": "http://192.168.1.2",
                "handle": "a.test",
                "app_password": "abcd-efgh-ijkl-mnop",
            },
        ),
    ):
        r = api_connect(alice_api, acme, network, config)
        assert r.status_code == 422, r.content
        assert "private address" in r.json()["detail"]
    assert not Channel.objects.exists()


def test_telegram_explains_a_bot_that_may_not_post(
    alice_client: Client, acme: Workspace, bot_api: telegram.BotApiState
) -> None:
    page = alice_client.post(
        "/w/acme/channels/connect/telegram/", {"bot_token": telegram.TOKEN, "chat": "@not_our_news"}
    )
    assert page.status_code == 422
    assert "as an administrator of the channel" in page.content.decode()
    assert not Channel.objects.exists()


def test_telegram_connects_a_channel_and_sends_a_test_post(
    alice_client: Client, acme: Workspace, bot_api: telegram.BotApiState
) -> None:
    r = alice_client.post(
        "/w/acme/channels/connect/telegram/",
        {"bot_token": telegram.TOKEN, "chat": "@orkesteri_news"},
    )
    assert r.status_code == 302
    channel = Channel.objects.get(workspace=acme)
    page = alice_client.post(f"/w/acme/channels/{channel.pk}/test/", follow=True).content.decode()
    assert "Test post published to" in page
    assert 'href="https://t.me/orkesteri_news/' in page


def test_telegram_revoked_token_marks_the_channel_for_reconnecting(
    alice_client: Client, acme: Workspace, bot_api: telegram.BotApiState
) -> None:
    alice_client.post(
        "/w/acme/channels/connect/telegram/",
        {"bot_token": telegram.TOKEN, "chat": "@orkesteri_news"},
    )
    channel = Channel.objects.get(workspace=acme)
    Channel.objects.filter(pk=channel.pk).update(
        credentials=crypto.encrypt({"bot_token": telegram.REVOKED_TOKEN})
    )
    alice_client.post(f"/w/acme/channels/{channel.pk}/test/")
    channel.refresh_from_db()
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    assert channel.status_message


def test_vk_revoked_key_is_explained_and_saves_nothing(
    alice_api: Client, acme: Workspace, vk: VkState
) -> None:
    r = api_connect(alice_api, acme, "vk", {"access_token": "revoked-key", "group": str(GROUP_ID)})
    assert r.status_code == 422, r.content
    assert r.json()["detail"]
    assert not Channel.objects.exists()


def test_vk_connects_and_publishes_as_the_community(
    alice_api: Client, alice_client: Client, acme: Workspace, vk: VkState
) -> None:
    r = api_connect(alice_api, acme, "vk", {"access_token": "alice-key", "group": "orkfriends"})
    assert r.status_code == 201, r.content
    assert r.json()["display_name"] == "Orkesteri Friends"
    channel = Channel.objects.get(pk=r.json()["id"])
    alice_client.post(f"/w/acme/channels/{channel.pk}/test/")
    [post] = vk.posts.values()
    assert "Test post from Orkesteri" in post["text"]
