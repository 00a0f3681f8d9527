"""The notifications page, opening one, marking all read, and the count in the top bar."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from orkesteri.accounts.models import User
from orkesteri.notifications import actions
from orkesteri.notifications.models import Notification
from orkesteri.testing import logged_in
from orkesteri.workspaces.models import Membership, Workspace

pytestmark = pytest.mark.django_db
K = Notification.Kind


def note(user: User, workspace: Workspace, title: str, url: str = "/w/acme/") -> Notification:
    actions.notify([user], workspace, K.PUBLISH_FAILED, title, "Token expired.", url)
    return Notification.objects.filter(user=user).latest("id")


def test_anonymous_people_are_sent_to_sign_in(acme: Workspace, alice: User) -> None:
    n = note(alice, acme, "Secret")
    for response in (
        Client().get("/notifications/"),
        Client().post(f"/notifications/{n.pk}/open/"),
        Client().post("/notifications/read-all/"),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    n.refresh_from_db()
    assert n.read_at is None


def test_it_lists_the_user_s_own_newest_first_across_workspaces(
    acme: Workspace, globex: Workspace, alice: User, bob: User, charlie: User
) -> None:
    Membership.objects.create(workspace=globex, user=alice, role="manager")
    note(alice, acme, "First in Acme")
    note(alice, globex, "Then in Globex", url="/w/globex/")
    note(bob, acme, "Bob own note")
    note(charlie, globex, "Charlie own note")
    response = logged_in(alice).get("/notifications/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Then in Globex") < html.index("First in Acme")
    assert "Acme Coffee" in html and "Globex Tea" in html
    assert "Token expired." in html
    assert html.count('class="card notification unread"') == 2
    assert "Bob own note" not in html and "Charlie own note" not in html
    assert "Mark all as read" in html


def test_read_ones_are_not_highlighted(acme: Workspace, alice: User) -> None:
    n = note(alice, acme, "Seen it")
    actions.mark_read(alice, [n.pk])
    html = logged_in(alice).get("/notifications/").content.decode()
    assert 'class="card notification"' in html
    assert "notification unread" not in html
    assert "Mark all as read" not in html


def test_an_empty_page_says_what_will_show_up(alice: User, acme: Workspace) -> None:
    html = logged_in(alice).get("/notifications/").content.decode()
    assert "No notifications" in html
    assert "when a post could not be published" in html


def test_it_shows_fifty_a_page(acme: Workspace, alice: User) -> None:
    for number in range(51):
        note(alice, acme, f"Number {number:02}")
    client = logged_in(alice)
    first = client.get("/notifications/").content.decode()
    assert first.count('data-testid="notification"') == 50
    assert "Number 50" in first and "Number 00" not in first
    second = client.get("/notifications/?page=2").content.decode()
    assert second.count('data-testid="notification"') == 1
    assert "Number 00" in second


def test_opening_one_marks_it_read_and_goes_to_its_page(acme: Workspace, alice: User) -> None:
    n = note(alice, acme, "Failed", url="/w/acme/posts/7/")
    response = logged_in(alice).post(f"/notifications/{n.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/w/acme/posts/7/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_opening_needs_a_post(acme: Workspace, alice: User) -> None:
    n = note(alice, acme, "Failed")
    assert logged_in(alice).get(f"/notifications/{n.pk}/open/").status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


def test_opening_needs_the_csrf_token(acme: Workspace, alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    n = note(alice, acme, "Failed")
    assert client.post(f"/notifications/{n.pk}/open/").status_code == 403


def test_a_link_off_the_site_is_not_followed(acme: Workspace, alice: User) -> None:
    n = note(alice, acme, "Odd", url="https://evil.example/")
    response = logged_in(alice).post(f"/notifications/{n.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_nobody_sees_or_marks_another_user_s(
    acme: Workspace, alice: User, bob: User, charlie: User
) -> None:
    n = note(alice, acme, "Alice only")
    for user in (bob, charlie):
        client = logged_in(user)
        assert "Alice" not in client.get("/notifications/").content.decode()
        assert client.post(f"/notifications/{n.pk}/open/").status_code == 404
        client.post("/notifications/read-all/")
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_as_read(acme: Workspace, alice: User, bob: User) -> None:
    note(alice, acme, "One")
    note(alice, acme, "Two")
    note(bob, acme, "Bob only")
    response = logged_in(alice).post("/notifications/read-all/", follow=True)
    assert "All notifications are marked as read." in response.content.decode()
    assert actions.unread_count(alice) == 0
    assert actions.unread_count(bob) == 1


def test_the_top_bar_counts_unread_ones_with_one_query(
    acme: Workspace, alice: User, bob: User
) -> None:
    client = logged_in(alice)
    html = client.get("/w/acme/").content.decode()
    assert 'data-testid="notifications-bell"' in html
    assert 'data-testid="unread-count"' not in html
    note(alice, acme, "One")
    note(alice, acme, "Two")
    note(bob, acme, "Bob only")
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/w/acme/").content.decode()
    assert 'data-testid="unread-count">2</span>' in html
    assert 'aria-label="Notifications: 2 unread"' in html
    touching = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(touching) == 1


def test_the_count_stops_at_99(acme: Workspace, alice: User) -> None:
    for number in range(100):
        note(alice, acme, f"N{number}")
    html = logged_in(alice).get("/notifications/").content.decode()
    assert 'data-testid="unread-count">99+</span>' in html
    assert 'aria-label="Notifications: 100 unread"' in html
