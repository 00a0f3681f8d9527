"""Channel pages and actions, over the built-in feed network and a test network that refuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pytest
from django import forms
from django.test import Client

from orkesteri.accounts.models import User
from orkesteri.channels import actions
from orkesteri.channels.models import Channel
from orkesteri.lib import crypto
from orkesteri.lib.text import TextRules
from orkesteri.networks.base import (
    Adapter,
    AdapterError,
    AuthExpired,
    Connection,
    Draft,
    Feature,
    Limits,
    Receipt,
)
from orkesteri.networks.registry import ADAPTERS
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.models import AuditEvent, Workspace

pytestmark = pytest.mark.django_db


class TokenForm(forms.Form):
    token = forms.CharField(widget=forms.PasswordInput)


class GatedAdapter(Adapter):
    """A network that accepts the token "good" (account 42) and "other" (account 43)."""

    kind = "gated"
    label = "Gated"
    default_limits = Limits(text=TextRules(counter="simple", limit=500))
    ConnectForm: ClassVar[type[forms.Form]] = TokenForm
    published: list[str] = []

    @classmethod
    def connect(cls, data: Mapping[str, Any]) -> Connection:
        accounts = {"good": "42", "other": "43"}
        if data["token"] == "down":
            raise AdapterError("Gated is not answering; try again in a minute.")
        if data["token"] not in accounts:
            raise AuthExpired("Gated refused the token: create a new one in Gated → Settings.")
        return Connection(
            accounts[data["token"]], f"@gated{accounts[data['token']]}", {"token": data["token"]}
        )

    def publish(self, draft: Draft, key: str) -> Receipt:
        if self.credentials["token"] != "good":
            raise AuthExpired("The token was revoked.")
        self.credentials["refreshed"] = True
        self.published.append(draft.text)
        return Receipt("1", "https://gated.example/1")


@pytest.fixture(autouse=True)
def gated(monkeypatch: pytest.MonkeyPatch) -> type[GatedAdapter]:
    monkeypatch.setitem(ADAPTERS, "gated", GatedAdapter)
    GatedAdapter.published = []
    return GatedAdapter


@pytest.fixture
def feed(acme: Workspace, alice: User) -> Channel:
    return actions.connect_channel(acme, alice, "feed", {"title": "Acme news"})


def test_the_list_shows_channels_with_their_status(alice_client: Client, feed: Channel) -> None:
    Channel.objects.filter(pk=feed.pk).update(
        status="needs_reconnect", status_message="Token revoked"
    )
    page = alice_client.get("/w/acme/channels/").content.decode()
    assert "Acme news" in page
    assert "Needs reconnecting" in page
    assert "Token revoked" in page
    assert "Europe/Helsinki" in page


def test_the_empty_list_says_what_to_do(alice_client: Client, acme: Workspace) -> None:
    page = alice_client.get("/w/acme/channels/").content.decode()
    assert "No channels yet" in page
    assert "/w/acme/channels/connect/feed/" in page
    assert "/w/acme/channels/connect/bluesky/" in page


def test_editors_see_channels_but_cannot_manage_them(bob: User, feed: Channel) -> None:
    client = Client()
    client.force_login(bob)
    page = client.get("/w/acme/channels/").content.decode()
    assert "Acme news" in page
    assert "Send a test post" not in page
    assert client.get("/w/acme/channels/connect/feed/").status_code == 403
    assert client.post(f"/w/acme/channels/{feed.pk}/test/").status_code == 403
    assert client.post(f"/w/acme/channels/{feed.pk}/disconnect/").status_code == 403
    assert Channel.objects.filter(pk=feed.pk).exists()


def test_it_connects_a_channel_through_the_form(alice_client: Client, acme: Workspace) -> None:
    r = alice_client.post("/w/acme/channels/connect/gated/", {"token": "good"})
    assert r.status_code == 302
    channel = Channel.objects.get(workspace=acme)
    assert (channel.network, channel.remote_id, channel.display_name) == ("gated", "42", "@gated42")
    assert AuditEvent.objects.filter(workspace=acme, action="channel.connected").count() == 1


def test_credentials_are_stored_encrypted(alice_client: Client, acme: Workspace) -> None:
    alice_client.post("/w/acme/channels/connect/gated/", {"token": "good"})
    channel = Channel.objects.get(workspace=acme)
    assert "good" not in channel.credentials
    assert crypto.decrypt_json(channel.credentials) == {"token": "good"}


@pytest.mark.parametrize(
    ("token", "message"),
    [("bad", "Gated refused the token"), ("down", "Gated is not answering")],
)
def test_a_refused_connect_shows_why_and_saves_nothing(
    alice_client: Client, acme: Workspace, token: str, message: str
) -> None:
    r = alice_client.post("/w/acme/channels/connect/gated/", {"token": token})
    assert r.status_code == 422
    assert message in r.content.decode()
    assert not Channel.objects.filter(workspace=acme).exists()
    assert not AuditEvent.objects.filter(workspace=acme, action__startswith="channel.").exists()


def test_an_empty_required_field_is_named(alice_client: Client, acme: Workspace) -> None:
    r = alice_client.post("/w/acme/channels/connect/gated/", {"token": ""})
    assert r.status_code == 422
    assert "This field is required." in r.content.decode()


def test_an_unknown_network_is_404(alice_client: Client, acme: Workspace) -> None:
    assert alice_client.get("/w/acme/channels/connect/myspace/").status_code == 404


def test_connecting_the_same_account_again_refreshes_it(alice: User, acme: Workspace) -> None:
    first = actions.connect_channel(acme, alice, "gated", {"token": "good"})
    Channel.objects.filter(pk=first.pk).update(status="needs_reconnect")
    again = actions.connect_channel(acme, alice, "gated", {"token": "good"})
    assert again.pk == first.pk
    assert Channel.objects.filter(workspace=acme).count() == 1
    first.refresh_from_db()
    assert first.status == Channel.Status.CONNECTED


def test_the_same_account_may_serve_two_workspaces(
    alice: User, acme: Workspace, charlie: User, globex: Workspace
) -> None:
    actions.connect_channel(acme, alice, "gated", {"token": "good"})
    actions.connect_channel(globex, charlie, "gated", {"token": "good"})
    assert Channel.objects.filter(remote_id="42").count() == 2


def test_reconnect_replaces_the_credentials(
    alice_client: Client, alice: User, acme: Workspace
) -> None:
    channel = actions.connect_channel(acme, alice, "gated", {"token": "good"})
    actions.note_failure(channel, AuthExpired("The token was revoked."))
    r = alice_client.post(f"/w/acme/channels/{channel.pk}/reconnect/", {"token": "good"})
    assert r.status_code == 302
    channel.refresh_from_db()
    assert channel.status == Channel.Status.CONNECTED
    assert channel.status_message == ""


def test_reconnect_refuses_another_account(
    alice_client: Client, alice: User, acme: Workspace
) -> None:
    channel = actions.connect_channel(acme, alice, "gated", {"token": "good"})
    r = alice_client.post(f"/w/acme/channels/{channel.pk}/reconnect/", {"token": "other"})
    assert r.status_code == 422
    assert "different account (@gated43)" in r.content.decode()
    channel.refresh_from_db()
    assert crypto.decrypt_json(channel.credentials) == {"token": "good"}
    assert Channel.objects.filter(workspace=acme).count() == 1


def test_a_test_post_publishes_and_keeps_refreshed_credentials(
    alice_client: Client, alice: User, acme: Workspace, gated: type[GatedAdapter]
) -> None:
    channel = actions.connect_channel(acme, alice, "gated", {"token": "good"})
    r = alice_client.post(f"/w/acme/channels/{channel.pk}/test/", follow=True)
    page = r.content.decode()
    assert "Test post published to @gated42." in page
    assert '<a href="https://gated.example/1" target="_blank" rel="noopener">Open it</a>' in page
    assert gated.published and "Test post from Orkesteri" in gated.published[0]
    channel.refresh_from_db()
    assert channel.last_used_at is not None
    assert crypto.decrypt_json(channel.credentials)["refreshed"] is True


def test_a_failed_test_post_marks_the_channel(
    alice_client: Client, alice: User, acme: Workspace
) -> None:
    channel = actions.connect_channel(acme, alice, "gated", {"token": "other"})
    r = alice_client.post(f"/w/acme/channels/{channel.pk}/test/", follow=True)
    assert "The test post failed: The token was revoked." in r.content.decode()
    channel.refresh_from_db()
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    assert channel.status_message == "The token was revoked."


def test_a_test_post_to_the_feed_appears_in_it(alice_client: Client, feed: Channel) -> None:
    alice_client.post(f"/w/acme/channels/{feed.pk}/test/")
    assert b"Test post from Orkesteri" in Client().get(feed.url).content


def test_unreadable_credentials_ask_for_reconnecting(alice: User, acme: Workspace) -> None:
    channel = actions.connect_channel(acme, alice, "gated", {"token": "good"})
    Channel.objects.filter(pk=channel.pk).update(credentials="not-a-fernet-token")
    channel.refresh_from_db()
    with pytest.raises(AuthExpired):
        actions.send_test_post(channel, alice)
    channel.refresh_from_db()
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    assert "encryption key" in channel.status_message


def test_disconnect_asks_first_then_forgets_the_channel(
    alice_client: Client, feed: Channel
) -> None:
    page = alice_client.get(f"/w/acme/channels/{feed.pk}/disconnect/").content.decode()
    assert "Disconnect Acme news?" in page
    assert Channel.objects.filter(pk=feed.pk).exists()
    alice_client.post(f"/w/acme/channels/{feed.pk}/disconnect/")
    assert not Channel.objects.filter(pk=feed.pk).exists()
    assert AuditEvent.objects.filter(
        action="channel.disconnected", target__contains="Acme news"
    ).exists()


def test_another_workspace_s_channel_is_404(
    charlie: User, globex: Workspace, feed: Channel
) -> None:
    client = Client()
    client.force_login(charlie)
    for url in (
        f"/w/globex/channels/{feed.pk}/test/",
        f"/w/globex/channels/{feed.pk}/reconnect/",
        f"/w/globex/channels/{feed.pk}/disconnect/",
    ):
        assert client.post(url).status_code == 404
    assert Channel.objects.filter(pk=feed.pk).exists()


def test_connect_rejects_fields_the_network_does_not_have(alice: User, acme: Workspace) -> None:
    with pytest.raises(ActionError) as caught:
        actions.connect_channel(acme, alice, "gated", {"token": "good", "password": "x"})
    assert caught.value.errors == {"password": "Unknown field."}


def test_the_demo_workspace_has_a_feed_channel(alice: User) -> None:
    from orkesteri.workspaces.demo import load_demo

    workspace = load_demo(alice)
    assert workspace is not None
    [channel] = Channel.objects.filter(workspace=workspace)
    assert channel.network == "feed"
    assert Client().get(channel.url).status_code == 200


def test_the_channels_page_is_in_the_navigation(alice_client: Client, acme: Workspace) -> None:
    assert 'href="/w/acme/channels/"' in alice_client.get("/w/acme/calendar/").content.decode()


class OAuthForm(forms.Form):
    server = forms.CharField()
    token = forms.CharField(required=False)

    def wants_oauth(self) -> bool:
        return not self.cleaned_data.get("token")


class OAuthAdapter(GatedAdapter):
    kind = "oauthy"
    label = "OAuthy"
    features = frozenset({Feature.PUBLISH, Feature.OAUTH})
    ConnectForm = OAuthForm

    @classmethod
    def authorize_url(
        cls, data: Mapping[str, Any], redirect_uri: str, state: str
    ) -> tuple[str, dict[str, Any]]:
        return (
            f"https://{data['server']}/authorize?state={state}&redirect_uri={redirect_uri}",
            {"client_secret": "s3cret", "server": data["server"]},
        )

    @classmethod
    def finish_authorize(
        cls, pending: Mapping[str, Any], params: Mapping[str, str], redirect_uri: str
    ) -> Connection:
        if params.get("error"):
            raise AdapterError("You declined the access request on OAuthy.")
        assert pending["client_secret"] == "s3cret"
        return Connection("77", "@oauthy77", {"token": params["code"]})


@pytest.fixture
def oauthy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ADAPTERS, "oauthy", OAuthAdapter)


def start_oauth(client: Client) -> str:
    r = client.post("/w/acme/channels/connect/oauthy/", {"server": "social.example"})
    assert r.status_code == 302
    assert r["Location"].startswith("https://social.example/authorize?state=")
    assert "s3cret" not in str(client.session.items())  # the secret is kept encrypted
    return r["Location"].split("state=")[1].split("&")[0]


@pytest.mark.usefixtures("oauthy")
def test_oauth_connects_after_the_network_sends_the_user_back(
    alice_client: Client, acme: Workspace
) -> None:
    state = start_oauth(alice_client)
    r = alice_client.get("/channels/oauth/callback/", {"state": state, "code": "abc"})
    assert r.status_code == 302 and r["Location"] == "/w/acme/channels/"
    channel = Channel.objects.get(workspace=acme)
    assert (channel.network, channel.display_name) == ("oauthy", "@oauthy77")
    assert crypto.decrypt_json(channel.credentials) == {"token": "abc"}


@pytest.mark.usefixtures("oauthy")
def test_oauth_refuses_a_forged_or_replayed_callback(alice_client: Client, acme: Workspace) -> None:
    state = start_oauth(alice_client)
    r = alice_client.get(
        "/channels/oauth/callback/", {"state": "forged", "code": "abc"}, follow=True
    )
    assert "That sign-in link has expired" in r.content.decode()
    r = alice_client.get("/channels/oauth/callback/", {"state": state, "code": "abc"}, follow=True)
    assert "That sign-in link has expired" in r.content.decode()  # one attempt per start
    assert not Channel.objects.exists()


@pytest.mark.usefixtures("oauthy")
def test_oauth_declined_by_the_user_saves_nothing(alice_client: Client, acme: Workspace) -> None:
    state = start_oauth(alice_client)
    r = alice_client.get(
        "/channels/oauth/callback/", {"state": state, "error": "access_denied"}, follow=True
    )
    assert "You declined the access request on OAuthy." in r.content.decode()
    assert not Channel.objects.exists()


@pytest.mark.usefixtures("oauthy")
def test_the_api_asks_for_a_token_where_the_web_would_use_oauth(
    alice_api: Client, acme: Workspace
) -> None:
    import json

    r = alice_api.post(
        f"/api/v1/workspaces/{acme.pk}/channels",
        json.dumps({"network": "oauthy", "config": {"server": "social.example"}}),
        content_type="application/json",
    )
    assert r.status_code == 422
    assert "connect it in the web app, or give an access token" in r.json()["detail"]


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://bsky.app/profile/a", True),
        ("/feeds/abc.atom", True),
        ("javascript:alert(1)", False),
        ("//evil.example/x", False),
        ("data:text/html,x", False),
    ],
)
def test_only_web_addresses_become_links(url: str, kept: bool) -> None:
    assert (actions.safe_link(url) == url) is kept


def test_the_overview_checklist_asks_for_a_channel_until_one_is_connected(
    alice_client: Client, alice: User, acme: Workspace
) -> None:
    step = "Connect the brand&#x27;s social accounts"
    page = alice_client.get("/w/acme/").content.decode()
    assert f'⬜\n      <a href="/w/acme/channels/">{step}</a>' in page
    actions.connect_channel(acme, alice, "feed", {"title": "Acme news"})
    page = alice_client.get("/w/acme/").content.decode()
    assert f'✅\n      <a href="/w/acme/channels/">{step}</a>' in page


def test_managers_hear_once_when_a_channel_needs_reconnecting(
    alice: User, acme: Workspace, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    channel = actions.connect_channel(acme, alice, "gated", {"token": "good"})
    with django_capture_on_commit_callbacks(execute=True):
        actions.note_failure(channel, AuthExpired("The token was revoked."))
        actions.note_failure(channel, AuthExpired("The token was revoked."))
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]  # bob edits: not told
    assert mailoutbox[0].subject == "@gated42 needs reconnecting"
    assert "The token was revoked." in mailoutbox[0].body
