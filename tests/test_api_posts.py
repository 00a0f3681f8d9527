from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.networks.feed.models import FeedEntry
from orkesteri.publishing.models import Delivery, Post
from orkesteri.testing import api_client
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def js(client: Client, method: str, url: str, body: object) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def feed(acme: Workspace, alice: User) -> Channel:
    return connect_channel(acme, alice, "feed", {"title": "Acme news"})


def test_it_writes_and_schedules_a_post(alice_api: Client, acme: Workspace, feed: Channel) -> None:
    when = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    r = js(
        alice_api,
        "post",
        f"/api/v1/workspaces/{acme.pk}/posts",
        {"text": "Autumn blend", "channels": [feed.pk], "scheduled_at": when.isoformat()},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "scheduled"
    [delivery] = body["deliveries"]
    assert (delivery["channel"], delivery["network"], delivery["status"]) == (
        "Acme news",
        "feed",
        "scheduled",
    )
    assert delivery["due_at"].startswith(when.strftime("%Y-%m-%dT%H:%M"))


def test_publish_now_goes_out_through_the_queue(
    alice_api: Client, acme: Workspace, feed: Channel, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        r = js(
            alice_api,
            "post",
            f"/api/v1/workspaces/{acme.pk}/posts",
            {"text": "Now!", "channels": [feed.pk], "publish_now": True},
        )
    assert r.status_code == 201, r.content
    post = Post.objects.get(pk=r.json()["id"])
    assert post.status == Post.Status.PUBLISHED
    assert FeedEntry.objects.get(feed_id=feed.remote_id).content == "Now!"
    body = alice_api.get(f"/api/v1/workspaces/{acme.pk}/posts/{post.pk}").json()
    assert body["deliveries"][0]["remote_url"].startswith("/feeds/")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "x", "channels": []}, "channels"),
        ({"text": "", "channels": ["FEED"]}, "text"),
        ({"text": "x", "channels": [999999]}, "channels"),
        ({"text": "x", "channels": [2**64]}, "channels.0"),  # past the database's integers
        (
            {"text": "x", "channels": ["FEED"], "scheduled_at": "2020-01-01T00:00:00+00:00"},
            "scheduled_at",
        ),
        ({"text": "x", "channels": ["FEED"], "publish_now": True, "queue": True}, "scheduled_at"),
        ({"text": "x", "channels": ["FEED"], "link": "ftp://x"}, "link"),
        ({"text": "x", "channels": ["FEED"], "overrides": {"abc": "y"}}, "overrides"),
    ],
)
def test_bad_input_names_the_field_and_keeps_nothing(
    alice_api: Client, acme: Workspace, feed: Channel, body: dict[str, Any], field: str
) -> None:
    body = {**body, "channels": [feed.pk if c == "FEED" else c for c in body["channels"]]}
    r = js(alice_api, "post", f"/api/v1/workspaces/{acme.pk}/posts", body)
    assert r.status_code == 422, r.content
    assert field in [e["field"] for e in r.json()["errors"]]
    assert not Post.objects.exists()


def test_another_workspace_s_channel_cannot_be_used(
    alice_api: Client, acme: Workspace, charlie: User, globex: Workspace
) -> None:
    theirs = connect_channel(globex, charlie, "feed", {"title": "Globex"})
    r = js(
        alice_api,
        "post",
        f"/api/v1/workspaces/{acme.pk}/posts",
        {"text": "x", "channels": [theirs.pk]},
    )
    assert r.status_code == 422
    assert not Post.objects.exists()


def test_reschedule_and_delete(alice_api: Client, acme: Workspace, feed: Channel) -> None:
    base = f"/api/v1/workspaces/{acme.pk}/posts"
    later = timezone.now() + timedelta(days=2)
    post = js(
        alice_api,
        "post",
        base,
        {"text": "x", "channels": [feed.pk], "scheduled_at": later.isoformat()},
    ).json()
    version = Delivery.objects.get(post_id=post["id"]).version
    r = js(
        alice_api,
        "patch",
        f"{base}/{post['id']}",
        {"scheduled_at": (later + timedelta(hours=3)).isoformat(), "text": "y"},
    )
    assert r.status_code == 200, r.content
    assert r.json()["text"] == "y"
    assert Delivery.objects.get(post_id=post["id"]).version > version
    assert alice_api.delete(f"{base}/{post['id']}").status_code == 204
    assert not Post.objects.exists()


def test_approval_through_the_api(
    acme: Workspace, alice: User, bob: User, feed: Channel, member_of_role: Any
) -> None:
    Workspace.objects.filter(pk=acme.pk).update(requires_approval=True)
    base = f"/api/v1/workspaces/{acme.pk}/posts"
    later = (timezone.now() + timedelta(days=1)).isoformat()
    r = js(
        api_client(bob), "post", base, {"text": "x", "channels": [feed.pk], "scheduled_at": later}
    )
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "awaiting_approval"
    client = api_client(member_of_role("client"))
    assert client.post(f"{base}/{r.json()['id']}/approve").json()["status"] == "scheduled"


def test_editors_cannot_schedule_without_approval_rules(
    acme: Workspace, bob: User, feed: Channel
) -> None:
    r = js(
        api_client(bob),
        "post",
        f"/api/v1/workspaces/{acme.pk}/posts",
        {"text": "x", "channels": [feed.pk], "publish_now": True},
    )
    assert r.status_code == 403
    assert not Post.objects.exists()


def test_the_calendar_lists_posts_of_the_days_asked(
    alice_api: Client, acme: Workspace, feed: Channel
) -> None:
    base = f"/api/v1/workspaces/{acme.pk}"
    for days in (1, 3, 10):
        when = (timezone.now() + timedelta(days=days)).isoformat()
        js(
            alice_api,
            "post",
            f"{base}/posts",
            {"text": f"in {days}", "channels": [feed.pk], "scheduled_at": when},
        )
    today = timezone.localdate()
    r = alice_api.get(
        f"{base}/calendar", {"start": str(today), "end": str(today + timedelta(days=4))}
    )
    assert [p["text"] for p in r.json()] == ["in 1", "in 3"]
    r = alice_api.get(
        f"{base}/calendar", {"start": str(today), "end": str(today - timedelta(days=1))}
    )
    assert r.status_code == 422
