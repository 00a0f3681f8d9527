"""The dashboards: what a member sees, what an outsider does not, and the CSV of each table."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orkesteri.accounts.models import User
from orkesteri.analytics import collect
from orkesteri.analytics.kpis import PostFigures
from orkesteri.analytics.tests.helpers import published, with_figures
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.publishing.models import Delivery, QueueSlot
from orkesteri.testing import api_client, logged_in
from orkesteri.workspaces.models import Workspace


@pytest.fixture
def feed(acme: Workspace, alice: User) -> Channel:
    return connect_channel(acme, alice, "feed", {"title": "Acme news"})


def publish(channel: Channel, days_ago: float, likes: int, text: str = "Hi #coffee") -> Delivery:
    at = timezone.now() - timedelta(days=days_ago)
    delivery = published(channel, at, text, pillar="Product")
    with_figures(delivery, PostFigures(likes=likes, replies=1, reposts=0, followers=200))
    return delivery


def rows_of(response: HttpResponseBase) -> list[list[str]]:
    assert isinstance(response, HttpResponse)
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_an_empty_workspace_says_what_to_do(client: Client, alice: User, acme: Workspace) -> None:
    client = logged_in(alice)
    response = client.get(reverse("analytics", args=["acme"]))
    assert response.status_code == 200
    assert "No figures yet." in response.content.decode()
    assert "Connect a channel" in response.content.decode()


def test_the_overview_shows_this_periods_figures(
    client: Client, alice: User, feed: Channel
) -> None:
    publish(feed, 2, likes=9)
    publish(feed, 3, likes=19)
    publish(feed, 40, likes=1)  # the previous period
    collect.store_account(feed.pk, {"followers": 210}, timezone.now())
    client = logged_in(alice)
    page = client.get(reverse("analytics", args=["acme"])).content.decode()
    assert "Acme news" in page
    assert "<svg" in page  # the charts are inline
    exported = rows_of(client.get(reverse("analytics", args=["acme"]) + "?export=channels"))
    header, line = exported[0], exported[1]
    assert line[0] == "Acme news"
    assert line[header.index("Posts")] == "2"
    assert line[header.index("Engagements")] == "30"
    # ER by followers, arithmetic: (10/200 + 20/200) / 2 × 100 = 7.5 %
    assert float(line[header.index("ER by followers")]) == pytest.approx(7.5)
    figures = rows_of(client.get(reverse("analytics", args=["acme"]) + "?export=figures"))
    posts = next(r for r in figures if r[0] == "Posts")
    assert posts[1:3] == ["2", "1"]


def test_a_bad_period_is_explained(client: Client, alice: User, acme: Workspace) -> None:
    client = logged_in(alice)
    page = client.get(reverse("analytics", args=["acme"]) + "?from=2026-05-01&to=2026-04-01")
    assert "The period ends before it starts." in page.content.decode()
    page = client.get(reverse("analytics", args=["acme"]) + "?days=abc")
    assert "whole number" in page.content.decode()


def test_content_groups_and_ranks_posts(client: Client, alice: User, feed: Channel) -> None:
    publish(feed, 1, likes=50, text="Big #news #coffee")
    publish(feed, 2, likes=5, text="Small #coffee")
    client = logged_in(alice)
    page = client.get(reverse("analytics_content", args=["acme"])).content.decode()
    assert "Top posts" in page and "Big #news" in page
    tags = rows_of(client.get(reverse("analytics_content", args=["acme"]) + "?export=hashtag"))
    assert [r[0] for r in tags[1:]] == ["#coffee"]  # #news is used once only
    top = rows_of(client.get(reverse("analytics_content", args=["acme"]) + "?export=top"))
    assert top[1][2] == "Big #news #coffee"


def test_a_post_page_shows_its_history(client: Client, alice: User, feed: Channel) -> None:
    delivery = publish(feed, 3, likes=12)
    at = delivery.published_at
    assert at is not None
    collect.upsert_samples([(feed.pk, delivery.pk, "likes", at + timedelta(hours=1), 4)])
    collect.upsert_samples([(feed.pk, delivery.pk, "likes", at + timedelta(days=1), 12)])
    client = logged_in(alice)
    url = reverse("analytics_post", args=["acme", delivery.pk])
    page = client.get(url).content.decode()
    assert "Figures since publishing" in page
    samples = rows_of(client.get(url + "?export=samples"))
    assert [r[1:] for r in samples[1:]] == [["likes", "4"], ["likes", "12"]]


def test_another_workspaces_figures_are_not_found(
    client: Client, charlie: User, globex: Workspace, feed: Channel
) -> None:
    delivery = publish(feed, 1, likes=3)
    client = logged_in(charlie)
    assert client.get(reverse("analytics", args=["acme"])).status_code == 404
    assert client.get(reverse("analytics_post", args=["globex", delivery.pk])).status_code == 404
    assert client.get(reverse("analytics_channel", args=["globex", feed.pk])).status_code == 404
    page = client.get(reverse("analytics", args=["globex"])).content.decode()
    assert "Acme news" not in page


def test_best_time_suggests_and_a_manager_accepts(
    client: Client, alice: User, bob: User, feed: Channel
) -> None:
    for day in range(20):
        publish(feed, day + 0.5, likes=day)
    client = logged_in(alice)
    url = reverse("analytics_best_time", args=["acme"]) + f"?channel={feed.pk}"
    page = client.get(url).content.decode()
    assert "Suggested queue times" in page and "Add these times to the queue" in page
    cells = rows_of(client.get(url + "&export=cells"))
    assert len(cells) == 1 + 7 * 24
    accept = reverse("analytics_accept_slots", args=["acme", feed.pk])
    response = client.post(accept, {"slot": ["0@9", "2@18"]})
    assert response.status_code == 302
    assert sorted((s.weekday, s.time.hour) for s in QueueSlot.objects.filter(channel=feed)) == [
        (0, 9),
        (2, 18),
    ]
    assert client.post(accept, {"slot": ["9@99"]}).status_code == 302
    assert QueueSlot.objects.filter(channel=feed).count() == 2
    client = logged_in(bob)  # an editor sees the map but may not change the queue
    assert client.get(url).status_code == 200
    assert client.post(accept, {"slot": ["1@9"]}).status_code == 403


def test_content_groups_are_compared_with_the_previous_period(alice: User, feed: Channel) -> None:
    publish(feed, 2, likes=50)  # ER (50 + 1) / 200 = 25.5 %
    publish(feed, 40, likes=10)  # the 30 days before: (10 + 1) / 200 = 5.5 %
    client = logged_in(alice)
    page = client.get(reverse("analytics_content", args=["acme"])).content.decode()
    assert "+20.00 pp" in page
    api = api_client(alice).get(f"/api/v1/workspaces/{feed.workspace_id}/analytics/content")
    [pillar] = api.json()["by_pillar"]
    assert pillar["key"] == "Product"
    assert pillar["figures"]["er_by_followers"] == pytest.approx(25.5)
    assert pillar["previous"]["er_by_followers"] == pytest.approx(5.5)
