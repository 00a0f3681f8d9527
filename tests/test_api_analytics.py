"""GET /api/v1/workspaces/{id}/analytics/…: the dashboards' figures, for members only."""

from __future__ import annotations

import pytest

from orkesteri.accounts.models import User
from orkesteri.analytics.tests.test_views import feed, publish  # noqa: F401  (fixture)
from orkesteri.channels.models import Channel
from orkesteri.testing import api_client
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def url(workspace: Workspace, path: str) -> str:
    return f"/api/v1/workspaces/{workspace.pk}/analytics/{path}"


def test_the_overview_gives_figures_with_the_previous_period(
    alice: User,
    acme: Workspace,
    feed: Channel,  # noqa: F811
) -> None:
    publish(feed, 1, likes=9)
    publish(feed, 2, likes=19)
    answer = api_client(alice).get(url(acme, "overview"), {"days": 7})
    assert answer.status_code == 200
    body = answer.json()
    assert body["period"]["days"] == 7
    assert body["figures"]["posts"] == {
        "current": 2,
        "previous": 0,
        "change": 2,
        "change_percent": None,
    }
    assert body["figures"]["er_by_followers"]["current"] == pytest.approx(7.5)
    assert [c["name"] for c in body["channels"]] == ["Acme news"]


def test_a_bad_period_names_the_parameter(alice: User, acme: Workspace) -> None:
    client = api_client(alice)
    answer = client.get(url(acme, "overview"), {"from": "2026-05-02", "to": "2026-05-01"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "from"
    answer = client.get(url(acme, "content"), {"days": 0})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "days"


def test_content_best_time_and_a_post(alice: User, acme: Workspace, feed: Channel) -> None:  # noqa: F811
    delivery = publish(feed, 1, likes=30, text="Big #news")
    client = api_client(alice)
    content = client.get(url(acme, "content")).json()
    assert content["top"][0]["delivery_id"] == delivery.pk
    assert content["by_format"][0]["key"] == "text"
    best = client.get(url(acme, f"best-time/{feed.pk}")).json()
    assert len(best["cells"]) == 168 and best["posts"] == 1
    post = client.get(url(acme, f"posts/{delivery.pk}")).json()
    assert post["figures"]["likes"] == 30
    assert post["rates"]["er_by_followers"] == pytest.approx(15.5)


def test_another_workspace_is_not_found(
    charlie: User,
    globex: Workspace,
    acme: Workspace,
    feed: Channel,  # noqa: F811
) -> None:
    delivery = publish(feed, 1, likes=3)
    client = api_client(charlie)
    assert client.get(url(acme, "overview")).status_code == 404
    assert client.get(url(globex, f"posts/{delivery.pk}")).status_code == 404
    assert client.get(url(globex, f"best-time/{feed.pk}")).status_code == 404


def test_a_channel_of_another_workspace_is_not_found(
    charlie: User,
    globex: Workspace,
    feed: Channel,  # noqa: F811
) -> None:
    from django.utils import timezone

    from orkesteri.analytics import collect

    collect.store_account(feed.pk, {"followers": 12345}, timezone.now())
    client = api_client(charlie)
    for path in ("overview", "content"):
        answer = client.get(url(globex, path), {"channel": feed.pk})
        assert answer.status_code == 404
        assert b"12345" not in answer.content
