from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from orkesteri.accounts.models import User
from orkesteri.channels import actions
from orkesteri.channels.models import Channel
from orkesteri.testing import api_client
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def post_json(client: Client, url: str, body: object) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_it_connects_a_feed_channel(alice_api: Client, acme: Workspace) -> None:
    r = post_json(
        alice_api,
        f"/api/v1/workspaces/{acme.pk}/channels",
        {"network": "feed", "config": {"title": "Acme news"}},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["network"] == "feed"
    assert body["display_name"] == "Acme news"
    assert body["status"] == "connected"
    assert "publish" in body["features"]
    assert body["limits"]["text"] == 10_000
    assert "credentials" not in body
    assert Channel.objects.get(pk=body["id"]).workspace == acme


def test_credentials_are_never_returned(alice_api: Client, alice: User, acme: Workspace) -> None:
    channel = actions.connect_channel(acme, alice, "feed", {"title": "Acme news"})
    Channel.objects.filter(pk=channel.pk).update(
        config={"feed_id": channel.remote_id, "title": "x"}
    )
    body = alice_api.get(f"/api/v1/workspaces/{acme.pk}/channels/{channel.pk}").json()
    assert set(body) == {
        "id", "network", "network_label", "display_name", "remote_id", "url", "status",
        "status_message", "features", "limits", "last_used_at", "created_at",
    }  # fmt: skip
    assert channel.credentials not in json.dumps(body)


def test_it_lists_only_this_workspace_s_channels(
    alice_api: Client, alice: User, acme: Workspace, charlie: User, globex: Workspace
) -> None:
    actions.connect_channel(acme, alice, "feed", {"title": "Acme news"})
    actions.connect_channel(globex, charlie, "feed", {"title": "Globex news"})
    body = alice_api.get(f"/api/v1/workspaces/{acme.pk}/channels").json()
    assert [c["display_name"] for c in body["items"]] == ["Acme news"]
    assert body["count"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"network": "myspace", "config": {}}, "network"),
        ({"network": "feed", "config": {}}, "title"),
        ({"network": "feed", "config": {"title": "x" * 121}}, "title"),
        ({"network": "feed", "config": {"title": "ok", "extra": "1"}}, "extra"),
        ({"network": "feed", "config": {"title": "two\nlines"}}, "title"),
        ({"network": "feed"}, "config"),
        ({"network": "feed", "config": "title"}, "config"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    alice_api: Client, acme: Workspace, body: dict[str, Any], field: str
) -> None:
    r = post_json(alice_api, f"/api/v1/workspaces/{acme.pk}/channels", body)
    assert r.status_code == 422, r.content
    assert field in [e["field"] for e in r.json()["errors"]]
    assert not Channel.objects.exists()


def test_editors_cannot_connect_or_disconnect(bob: User, alice: User, acme: Workspace) -> None:
    client = api_client(bob)
    channel = actions.connect_channel(acme, alice, "feed", {"title": "Acme news"})
    r = post_json(
        client,
        f"/api/v1/workspaces/{acme.pk}/channels",
        {"network": "feed", "config": {"title": "x"}},
    )
    assert r.status_code == 403
    assert client.delete(f"/api/v1/workspaces/{acme.pk}/channels/{channel.pk}").status_code == 403
    assert client.get(f"/api/v1/workspaces/{acme.pk}/channels/{channel.pk}").status_code == 200
    assert Channel.objects.count() == 1


def test_it_disconnects(alice_api: Client, alice: User, acme: Workspace) -> None:
    channel = actions.connect_channel(acme, alice, "feed", {"title": "Acme news"})
    r = alice_api.delete(f"/api/v1/workspaces/{acme.pk}/channels/{channel.pk}")
    assert r.status_code == 204
    assert not Channel.objects.exists()


def test_another_workspace_s_channel_is_404(
    alice_api: Client, acme: Workspace, charlie: User, globex: Workspace
) -> None:
    theirs = actions.connect_channel(globex, charlie, "feed", {"title": "Globex news"})
    assert alice_api.get(f"/api/v1/workspaces/{acme.pk}/channels/{theirs.pk}").status_code == 404
    assert alice_api.delete(f"/api/v1/workspaces/{acme.pk}/channels/{theirs.pk}").status_code == 404
    assert alice_api.get(f"/api/v1/workspaces/{globex.pk}/channels/{theirs.pk}").status_code == 404
    assert Channel.objects.filter(pk=theirs.pk).exists()
