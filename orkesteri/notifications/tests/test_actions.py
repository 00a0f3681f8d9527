"""notify, mark_read, mark_all_read, and who sees what."""

from __future__ import annotations

import pytest

from orkesteri.accounts.models import User
from orkesteri.notifications import actions
from orkesteri.notifications.models import Notification
from orkesteri.workspaces.models import Membership, Workspace

pytestmark = pytest.mark.django_db
K = Notification.Kind


def note(user: User, workspace: Workspace, title: str = "Hello", key: str = "") -> Notification:
    actions.notify([user], workspace, K.PUBLISH_FAILED, title, "Body", "/somewhere/", key=key)
    return Notification.objects.filter(user=user).latest("id")


def test_it_notifies_each_active_user_once(acme: Workspace, alice: User, bob: User) -> None:
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    actions.notify(
        [alice, alice, bob], acme, K.PUBLISH_FAILED, "Not published", "Too long.", "/w/acme/"
    )
    [row] = Notification.objects.all()
    assert (row.user, row.workspace, row.kind) == (alice, acme, K.PUBLISH_FAILED)
    assert (row.title, row.body, row.url) == ("Not published", "Too long.", "/w/acme/")
    assert row.read_at is None
    assert row.created_at is not None


def test_a_key_makes_it_safe_to_notify_twice(acme: Workspace, alice: User, bob: User) -> None:
    for _ in range(2):
        actions.notify([alice, bob], acme, K.PUBLISH_FAILED, "T", key="delivery:1:v2")
    assert Notification.objects.count() == 2
    actions.notify([alice], acme, K.PUBLISH_FAILED, "T", key="delivery:1:v4")
    assert Notification.objects.filter(user=alice).count() == 2


def test_without_a_key_every_call_notifies(acme: Workspace, alice: User) -> None:
    note(alice, acme)
    note(alice, acme)
    assert Notification.objects.filter(user=alice).count() == 2


def test_mark_read_changes_only_the_user_s_own(acme: Workspace, alice: User, bob: User) -> None:
    mine, theirs = note(alice, acme), note(bob, acme)
    assert actions.mark_read(bob, [mine.pk]) == 0
    assert actions.mark_read(alice, [mine.pk, theirs.pk]) == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None
    assert actions.mark_read(alice, [mine.pk]) == 0  # already read: the time stays


def test_mark_all_read_in_one_workspace_or_all(
    acme: Workspace, globex: Workspace, alice: User, bob: User
) -> None:
    Membership.objects.create(workspace=globex, user=alice, role="manager")
    note(alice, acme)
    note(alice, globex)
    note(bob, acme)
    assert actions.mark_all_read(alice, acme) == 1
    assert actions.unread_count(alice) == 1
    assert actions.mark_all_read(alice) == 1
    assert actions.unread_count(alice) == 0
    assert actions.unread_count(bob) == 1


def test_a_workspace_left_is_no_longer_shown(acme: Workspace, alice: User, bob: User) -> None:
    note(bob, acme)
    assert actions.unread_count(bob) == 1
    Membership.objects.filter(workspace=acme, user=bob).delete()
    assert actions.unread_count(bob) == 0
    assert not actions.visible_to(bob).exists()


def test_deleting_the_workspace_deletes_its_notifications(acme: Workspace, alice: User) -> None:
    note(alice, acme)
    acme.delete()
    assert not Notification.objects.exists()
