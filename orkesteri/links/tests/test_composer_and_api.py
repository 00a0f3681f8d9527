"""The "count clicks with a short link" toggle: composer, live counts and the API."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from orkesteri.channels.models import Channel
from orkesteri.links import actions
from orkesteri.publishing.models import Post
from orkesteri.workspaces.models import Workspace

from .conftest import LINK

pytestmark = pytest.mark.django_db


def form(*channels: Channel, **values: Any) -> dict[str, Any]:
    return {"text": "Read this", "channels": [c.pk for c in channels], "action": "save", **values}


def test_the_composer_saves_the_toggle_and_shows_it_again(
    alice_client: Client, feed: Channel
) -> None:
    page = alice_client.get("/w/acme/compose/").content.decode()
    assert 'name="short_link"' in page and "Count clicks with a short link" in page
    r = alice_client.post("/w/acme/compose/", form(feed, link=LINK, utm="on", short_link="on"))
    assert r.status_code == 302
    post = Post.objects.get()
    assert (post.utm, post.short_link) == (True, True)
    page = alice_client.get(f"/w/acme/posts/{post.pk}/").content.decode()
    assert re.search(r'<input type="checkbox" name="short_link"[^>]* checked>', page)


def test_the_live_count_uses_the_short_links_length(alice_client: Client, channel: Channel) -> None:
    # The scripted network counts every character and has no link cards: the link is text.
    short = actions.placeholder_url()
    r = alice_client.post("/w/acme/compose/check/", form(channel, link=LINK, short_link="on"))
    page = r.content.decode()
    assert f"{len('Read this') + 2 + len(short)} / 280" in page
    r = alice_client.post("/w/acme/compose/check/", form(channel, link=LINK))
    assert f"{len('Read this') + 2 + len(LINK)} / 280" in r.content.decode()


def test_the_live_count_includes_the_utm_tags(
    alice_client: Client, channel: Channel, acme: Workspace
) -> None:
    values = form(channel, link="https://acme.example/", utm="on", campaign="Autumn", post_id="77")
    page = alice_client.post("/w/acme/compose/check/", values).content.decode()
    tagged = (
        "https://acme.example/?utm_source=scripted&utm_medium=social&utm_campaign=autumn"
        "&utm_content=post-77"
    )
    assert f"{len('Read this') + 2 + len(tagged)} / 280" in page


def test_the_api_takes_and_shows_the_toggle(
    alice_api: Client, acme: Workspace, feed: Channel
) -> None:
    base = f"/api/v1/workspaces/{acme.pk}/posts"
    body = {"text": "Autumn", "channels": [feed.pk], "link": LINK, "short_link": True}
    r = alice_api.post(base, json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["short_link"] is True
    post_id = r.json()["id"]
    patch = json.dumps({"short_link": False})
    r = alice_api.patch(f"{base}/{post_id}", patch, content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["short_link"] is False
    assert Post.objects.get(pk=post_id).short_link is False
    r = alice_api.patch(
        f"{base}/{post_id}", json.dumps({"text": "x"}), content_type="application/json"
    )
    assert r.json()["short_link"] is False  # left alone when not given
