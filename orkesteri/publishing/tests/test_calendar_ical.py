"""The workspace's iCalendar feed at a secret address, and resetting that address."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.http import Http404, HttpResponse
from django.test import Client, RequestFactory
from icalendar import Calendar

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.publishing.ical import calendar_ics, calendar_token_of
from orkesteri.publishing.models import Delivery, Post
from orkesteri.publishing.tests.test_calendar import page, post_at
from orkesteri.testing import logged_in
from orkesteri.workspaces.models import AuditEvent, Workspace
from orkesteri.workspaces.roles import Role

pytestmark = pytest.mark.django_db
S = Delivery.Status


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def fetch(token: str) -> HttpResponse:
    """The public view, as the site routes it at /ical/<token>.ics."""
    return calendar_ics(RequestFactory().get(f"/ical/{token}.ics"), token)


def events(response: HttpResponse) -> dict[str, Any]:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.content)
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


@pytest.fixture
def posts(acme: Workspace, alice: User, channel: Channel) -> dict[str, Post]:
    return {
        "scheduled": post_at(
            acme,
            alice,
            [channel],
            utc("2030-03-30T08:15"),
            text="Spring menu\nWith pastries",
            pillar="Coffee",
        ),
        "published": post_at(
            acme, alice, [channel], utc("2026-11-01T07:00"), text="Autumn blend", status=S.PUBLISHED
        ),
        "draft": post_at(
            acme, alice, [channel], utc("2030-04-01T08:00"), text="Draft idea", status=S.DRAFT
        ),
        "failed": post_at(
            acme, alice, [channel], utc("2030-04-02T08:00"), text="Broken", status=S.FAILED
        ),
    }


def test_it_lists_scheduled_and_published_posts(
    acme: Workspace, posts: dict[str, Post], globex: Workspace, charlie: User, scripted: Any
) -> None:
    theirs = connect_channel(globex, charlie, "scripted", {"name": "globex"})
    post_at(globex, charlie, [theirs], utc("2030-03-30T08:15"), text="Globex post")
    found = events(fetch(calendar_token_of(acme)))
    assert set(found) == {"Spring menu", "Autumn blend"}
    spring = found["Spring menu"]
    assert spring.decoded("dtstart") == utc("2030-03-30T08:15")
    assert spring["dtstart"].to_ical() == b"20300330T081500Z"
    assert str(spring["url"]) == f"http://testserver/w/acme/posts/{posts['scheduled'].pk}/"
    description = str(spring["description"])
    assert "Spring menu\nWith pastries" in description
    assert "acme (Scripted)" in description
    assert "Status: Scheduled" in description
    assert "Status: Published" in str(found["Autumn blend"]["description"])


def test_its_event_ids_are_stable(acme: Workspace, posts: dict[str, Post]) -> None:
    token = calendar_token_of(acme)
    first = {str(e["uid"]) for e in events(fetch(token)).values()}
    assert first == {str(e["uid"]) for e in events(fetch(token)).values()}
    assert f"post-{posts['scheduled'].pk}@testserver" in first


def test_a_wrong_token_is_404(acme: Workspace, posts: dict[str, Post]) -> None:
    calendar_token_of(acme)
    for token in ("nope", "x" * 32, ""):
        with pytest.raises(Http404):
            fetch(token)


def test_it_makes_the_token_once(acme: Workspace) -> None:
    token = calendar_token_of(acme)
    assert len(token) >= 32
    assert calendar_token_of(Workspace.objects.get(pk=acme.pk)) == token


def test_owners_see_the_subscribe_address_and_editors_do_not(
    alice_client: Client, acme: Workspace, bob: User, member_of_role: Any
) -> None:
    html = page(alice_client)
    token = Workspace.objects.get(pk=acme.pk).calendar_token
    assert token and f"http://testserver/ical/{token}.ics" in html
    for user in (bob, member_of_role(Role.VIEWER)):
        assert "/ical/" not in page(logged_in(user))
    assert "/ical/" in page(logged_in(member_of_role(Role.MANAGER)))


def test_resetting_the_token_retires_the_old_address(
    alice_client: Client, acme: Workspace, posts: dict[str, Post]
) -> None:
    old = calendar_token_of(acme)
    r = alice_client.post("/w/acme/calendar/subscribe/reset/", follow=True)
    assert r.status_code == 200
    assert "The old one no longer works" in r.content.decode()
    new = Workspace.objects.get(pk=acme.pk).calendar_token
    assert new != old
    with pytest.raises(Http404):
        fetch(old)
    assert "Spring menu" in events(fetch(new))
    assert re.search(rf"/ical/{re.escape(new)}\.ics", r.content.decode())
    assert AuditEvent.objects.filter(workspace=acme, action="calendar.token_reset").exists()


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER, Role.CLIENT])
def test_only_owners_and_managers_reset_the_token(
    acme: Workspace, member_of_role: Any, role: str
) -> None:
    old = calendar_token_of(acme)
    r = logged_in(member_of_role(role)).post("/w/acme/calendar/subscribe/reset/")
    assert r.status_code == 403
    assert Workspace.objects.get(pk=acme.pk).calendar_token == old


def test_an_outsider_cannot_reset_the_token(acme: Workspace, charlie: User) -> None:
    old = calendar_token_of(acme)
    assert logged_in(charlie).post("/w/acme/calendar/subscribe/reset/").status_code == 404
    assert Workspace.objects.get(pk=acme.pk).calendar_token == old
    assert Post.objects.count() == 0
