"""notify, tell, mark_read, mark_all_read, and who sees what."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import translation

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


def letter() -> tuple[str, str]:
    """The letter of the tests below: says which language it was written in."""
    return f"Subject in {translation.get_language()}", "Body"


def test_tell_tells_each_active_person_once_in_their_language(
    acme: Workspace, alice: User, bob: User, charlie: User
) -> None:
    acme.languages = ["fi", "en"]
    acme.save(update_fields=["languages"])
    User.objects.filter(pk=alice.pk).update(language="sv")
    alice.refresh_from_db()
    User.objects.filter(pk=charlie.pk).update(is_active=False)
    charlie.refresh_from_db()
    actions.tell(
        [alice, bob, alice, None, charlie], acme, K.PUBLISH_FAILED, "e:1", "/w/", "Why", letter
    )
    rows = Notification.objects.order_by("user__email")
    assert [(n.user, n.title, n.body) for n in rows] == [
        (alice, "Subject in sv", "Why"),
        (bob, "Subject in fi", "Why"),  # no language of his own: the workspace's first
    ]
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        (alice.email, "Subject in sv"),
        (bob.email, "Subject in fi"),
    ]


def test_tell_writes_every_notification_before_the_first_email(
    acme: Workspace, alice: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []

    def count(*args: Any, **kwargs: Any) -> None:
        seen.append(Notification.objects.count())

    monkeypatch.setattr("orkesteri.notifications.actions.send_mail", count)
    actions.tell([alice, bob], acme, K.PUBLISH_FAILED, "e:1", "/w/", "Why", letter)
    assert seen == [2, 2]


def test_a_second_run_emails_only_those_the_first_did_not_reach(
    acme: Workspace, alice: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = actions.send_mail

    def fails_for_bob(subject: str, body: str, sender: None, to: list[str]) -> int:
        if to == [bob.email]:
            raise ConnectionRefusedError("SMTP is down")
        return real(subject, body, sender, to)

    monkeypatch.setattr("orkesteri.notifications.actions.send_mail", fails_for_bob)
    with pytest.raises(ConnectionRefusedError):
        actions.tell([alice, bob], acme, K.PUBLISH_FAILED, "e:1", "/w/", "Why", letter)
    assert Notification.objects.count() == 2
    monkeypatch.undo()
    for _ in range(2):  # huey's retry, then one more
        actions.tell([alice, bob], acme, K.PUBLISH_FAILED, "e:1", "/w/", "Why", letter)
    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, bob.email])


def test_tell_needs_a_key(acme: Workspace, alice: User) -> None:
    with pytest.raises(ValueError):
        actions.tell([alice], acme, K.PUBLISH_FAILED, "", "/w/", "Why", letter)
    assert not Notification.objects.exists()
