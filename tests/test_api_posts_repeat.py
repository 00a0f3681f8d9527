"""The posts API's `repeat`: a series made by scheduling, its errors by field, its tenancy."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.publishing.models import Post
from orkesteri.testing import api_client
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
YEAR = date.today().year + 1
FIRST = f"{YEAR}-05-04T09:00:00+03:00"  # Helsinki summer time, the workspace's zone
WEEKLY_3 = {"every": 1, "unit": "weeks", "count": 3}


def js(client: Client, method: str, url: str, body: object) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def feed(acme: Workspace, alice: User) -> Channel:
    return connect_channel(acme, alice, "feed", {"title": "Acme news"})


@pytest.fixture
def posts(acme: Workspace) -> str:
    return f"/api/v1/workspaces/{acme.pk}/posts"


def test_a_scheduled_repeat_makes_its_occurrences(
    alice_api: Client, acme: Workspace, feed: Channel, posts: str
) -> None:
    body = {"text": "Tip", "channels": [feed.pk], "scheduled_at": FIRST, "repeat": WEEKLY_3}
    r = js(alice_api, "post", posts, body)
    assert r.status_code == 201, r.content
    first = r.json()
    assert first["repeat"] == {"every": 1, "unit": "weeks", "until": None, "count": 3}
    assert first["series_id"] == first["id"]
    listed = alice_api.get(posts).json()["items"]
    assert sorted((p["scheduled_at"], p["series_id"]) for p in listed) == [
        (f"{YEAR}-05-04T06:00:00Z", first["id"]),
        (f"{YEAR}-05-11T06:00:00Z", first["id"]),
        (f"{YEAR}-05-18T06:00:00Z", first["id"]),
    ]
    r = alice_api.get(
        f"/api/v1/workspaces/{acme.pk}/calendar",
        {"start": f"{YEAR}-05-01", "end": f"{YEAR}-05-31"},
    )
    assert [p["text"] for p in r.json()] == ["Tip"] * 3


def test_a_repeat_until_a_date(alice_api: Client, feed: Channel, posts: str) -> None:
    rule = {"every": 1, "unit": "months", "until": f"{YEAR}-08-04"}
    body = {"text": "Tip", "channels": [feed.pk], "scheduled_at": FIRST, "repeat": rule}
    r = js(alice_api, "post", posts, body)
    assert r.status_code == 201, r.content
    assert r.json()["repeat"] == {**rule, "count": None}
    assert Post.objects.count() == 4


def test_a_draft_s_repeat_can_be_set_and_removed(
    alice_api: Client, feed: Channel, posts: str
) -> None:
    post = js(alice_api, "post", posts, {"text": "Tip", "channels": [feed.pk]}).json()
    assert post["repeat"] is None and post["series_id"] is None
    r = js(alice_api, "patch", f"{posts}/{post['id']}", {"repeat": WEEKLY_3})
    assert r.json()["repeat"]["count"] == 3
    r = js(alice_api, "patch", f"{posts}/{post['id']}", {"text": "Tip!"})
    assert r.json()["repeat"]["count"] == 3  # left alone when not given
    r = js(alice_api, "patch", f"{posts}/{post['id']}", {"repeat": None})
    assert r.json()["repeat"] is None
    r = js(alice_api, "patch", f"{posts}/{post['id']}", {"repeat": WEEKLY_3, "scheduled_at": FIRST})
    assert r.status_code == 200, r.content
    assert Post.objects.count() == 3


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"repeat": {"every": 0, "unit": "weeks", "count": 3}}, "repeat.every"),
        ({"repeat": {"every": 1, "unit": "years", "count": 3}}, "repeat.unit"),
        ({"repeat": {"every": 1, "unit": "weeks", "count": 101}}, "repeat.count"),
        ({"repeat": {"every": 1, "unit": "weeks", "count": 1}}, "repeat.count"),
        ({"repeat": {"every": 1, "unit": "weeks"}}, "repeat"),
        ({"repeat": {"every": 1, "unit": "weeks", "count": 3, "until": f"{YEAR}-06-01"}}, "repeat"),
        ({"repeat": {"every": 1, "unit": "weeks", "until": f"{YEAR}-05-01"}}, "repeat.until"),
        ({"repeat": {"every": 1, "unit": "days", "until": f"{YEAR}-12-31"}}, "repeat.until"),
        ({"repeat": {"every": 1, "unit": "weeks", "count": 3, "often": 2}}, "repeat.often"),
        ({"repeat": WEEKLY_3, "scheduled_at": None, "queue": True}, "repeat"),
        ({"repeat": WEEKLY_3, "scheduled_at": None, "publish_now": True}, "repeat"),
    ],
)
def test_a_bad_repeat_names_the_field_and_keeps_nothing(
    alice_api: Client, feed: Channel, posts: str, extra: dict[str, Any], field: str
) -> None:
    body = {"text": "Tip", "channels": [feed.pk], "scheduled_at": FIRST, **extra}
    r = js(alice_api, "post", posts, body)
    assert r.status_code == 422, r.content
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert not Post.objects.exists()


def test_a_series_rule_cannot_change_but_an_occurrence_can(
    alice_api: Client, feed: Channel, posts: str
) -> None:
    body = {"text": "Tip", "channels": [feed.pk], "scheduled_at": FIRST, "repeat": WEEKLY_3}
    first = js(alice_api, "post", posts, body).json()
    second = Post.objects.exclude(pk=first["id"]).order_by("scheduled_at").first()
    assert second is not None
    changed = {**WEEKLY_3, "every": 2}
    r = js(alice_api, "patch", f"{posts}/{second.pk}", {"repeat": changed})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["repeat"]
    r = js(alice_api, "patch", f"{posts}/{second.pk}", {"text": "Week two"})
    assert r.status_code == 200
    assert sorted(Post.objects.values_list("text", flat=True)) == ["Tip", "Tip", "Week two"]


def test_another_workspace_cannot_see_or_touch_a_series(
    alice_api: Client, feed: Channel, posts: str, charlie: User, globex: Workspace
) -> None:
    body = {"text": "Tip", "channels": [feed.pk], "scheduled_at": FIRST, "repeat": WEEKLY_3}
    first = js(alice_api, "post", posts, body).json()
    charlie_api = api_client(charlie)
    for post in Post.objects.all():
        assert charlie_api.get(f"{posts}/{post.pk}").status_code == 404
        theirs = f"/api/v1/workspaces/{globex.pk}/posts/{post.pk}"
        assert charlie_api.get(theirs).status_code == 404
        assert js(charlie_api, "patch", theirs, {"text": "Hijacked"}).status_code == 404
        assert charlie_api.delete(theirs).status_code == 404
    assert charlie_api.get(f"/api/v1/workspaces/{globex.pk}/posts").json()["items"] == []
    assert set(Post.objects.values_list("text", "series_id")) == {("Tip", first["id"])}
