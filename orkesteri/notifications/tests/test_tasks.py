"""The worker's tasks notify in the app as well as by email, once per event."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orkesteri.accounts.models import User
from orkesteri.channels import actions as channel_actions
from orkesteri.channels.models import Channel
from orkesteri.channels.tasks import send_reconnect_email
from orkesteri.networks.base import AdapterError, AuthExpired, Rejected
from orkesteri.notifications.models import Notification
from orkesteri.publishing import actions
from orkesteri.publishing.models import Delivery, Post
from orkesteri.publishing.tasks import publish_delivery, send_failure_email, send_review_email
from orkesteri.publishing.tests.conftest import Scripted
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
K = Notification.Kind


class Enqueued:
    """The notification tasks' arguments as the actions enqueued them, so a test can run a
    task again with the same ones, as huey's retry does."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, tuple[Any, ...]]] = []

    def again(self, task: Any) -> None:
        args = [args for called, args in self.calls if called is task][-1]
        task.call_local(*args)


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> Enqueued:
    record = Enqueued()
    for where, task in (
        ("orkesteri.publishing.tasks.send_failure_email", send_failure_email),
        ("orkesteri.publishing.tasks.send_review_email", send_review_email),
        ("orkesteri.channels.tasks.send_reconnect_email", send_reconnect_email),
    ):

        def spy(*args: Any, task: Any = task) -> Any:
            record.calls.append((task, args))
            return task(*args)

        monkeypatch.setattr(where, spy)
    return record


def failed_delivery(
    acme: Workspace, author: User, scheduler: User, channel: Channel, capture: Any = None
) -> Delivery:
    """A post by `author` that the network refuses; `capture` runs the on-commit tasks."""
    post = actions.create_post(
        acme, author, actions.PostInput(text="Fresh roast", channel_ids=[channel.pk])
    )
    actions.schedule_post(post, scheduler, timezone.now() + timedelta(hours=1))
    delivery = post.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    delivery.refresh_from_db()
    with capture(execute=True) if capture else nullcontext():
        publish_delivery.call_local(delivery.pk, delivery.version)
    delivery.refresh_from_db()
    return delivery


def changes_asked(
    acme: Workspace, author: User, reviewer: User, channel: Channel, capture: Any
) -> Post:
    """A draft by `author` that `reviewer` sends back; `capture` runs the on-commit tasks."""
    post = actions.create_post(
        acme, author, actions.PostInput(text="Draft", channel_ids=[channel.pk])
    )
    with capture(execute=True):
        actions.request_changes(post, reviewer.email, "Say which roast.")
    return post


def test_a_failure_notifies_the_author_and_managers_once_each(
    acme: Workspace,
    alice: User,
    bob: User,
    member_of_role: Callable[[str], User],
    channel: Channel,
    scripted: type[Scripted],
    django_capture_on_commit_callbacks: Any,
    enqueued: Enqueued,
) -> None:
    manager, other_editor = member_of_role("manager"), member_of_role("editor")
    scripted.script = [Rejected("The text is too long for Scripted.")]
    delivery = failed_delivery(acme, bob, alice, channel, django_capture_on_commit_callbacks)
    assert delivery.status == Delivery.Status.FAILED
    rows = Notification.objects.order_by("user__email")
    assert [n.user for n in rows] == [alice, bob, manager]
    assert other_editor not in [n.user for n in rows]
    for n in rows:
        assert n.kind == K.PUBLISH_FAILED
        assert n.workspace == acme
        assert n.title == "A post to @acme was not published"
        assert n.body == "The text is too long for Scripted."
        assert n.url == f"/w/acme/posts/{delivery.post_id}/"
    assert sorted(m.to[0] for m in mail.outbox) == [alice.email, bob.email, manager.email]

    # The worker runs the task again (a retry after a crash): nobody is notified twice.
    enqueued.again(send_failure_email)
    assert Notification.objects.count() == 3


def test_the_in_app_one_survives_a_mail_server_that_fails(
    acme: Workspace,
    alice: User,
    channel: Channel,
    scripted: type[Scripted],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scripted.script = [Rejected("Refused.")]
    delivery = failed_delivery(acme, alice, alice, channel)

    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("SMTP is down")

    monkeypatch.setattr("orkesteri.notifications.actions.send_mail", down)
    key = f"delivery:{delivery.pk}:v{delivery.version}"
    with pytest.raises(ConnectionRefusedError):
        send_failure_email.call_local(delivery.pk, key)
    [row] = Notification.objects.all()
    assert (row.user, row.body) == (alice, "Refused.")
    monkeypatch.undo()
    send_failure_email.call_local(delivery.pk, key)  # huey's retry
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_unknown_outcome_says_check_the_channel(
    acme: Workspace,
    alice: User,
    channel: Channel,
    scripted: type[Scripted],
    django_capture_on_commit_callbacks: Any,
) -> None:
    scripted.idempotent = False
    scripted.script = [AdapterError("Timed out.", unknown_outcome=True)]
    delivery = failed_delivery(acme, alice, alice, channel, django_capture_on_commit_callbacks)
    assert delivery.status == Delivery.Status.UNKNOWN
    [row] = Notification.objects.all()
    assert row.kind == K.PUBLISH_UNKNOWN
    assert row.body.startswith("Timed out.")
    assert "check the channel before re-posting" in row.body


def test_each_person_reads_it_in_their_language(
    acme: Workspace,
    alice: User,
    channel: Channel,
    scripted: type[Scripted],
    django_capture_on_commit_callbacks: Any,
) -> None:
    User.objects.filter(pk=alice.pk).update(language="fi")
    scripted.script = [Rejected("Liian pitkä.")]
    failed_delivery(acme, alice, alice, channel, django_capture_on_commit_callbacks)
    with translation.override("fi"):
        expected = _("A post to %(channel)s was not published") % {"channel": "@acme"}
    assert Notification.objects.get().title == expected
    assert mail.outbox[0].subject == expected


def test_asking_for_changes_notifies_the_author(
    acme: Workspace,
    alice: User,
    bob: User,
    channel: Channel,
    django_capture_on_commit_callbacks: Any,
    enqueued: Enqueued,
) -> None:
    post = changes_asked(acme, bob, alice, channel, django_capture_on_commit_callbacks)
    [row] = Notification.objects.all()
    assert (row.user, row.kind) == (bob, K.CHANGES_REQUESTED)
    assert row.title == "Changes asked for your post in Acme Coffee"
    assert row.body == "Say which roast."
    assert row.url == f"/w/acme/posts/{post.pk}/"

    enqueued.again(send_review_email)  # a retry of the same request
    assert Notification.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        actions.request_changes(post, alice.email, "Say which roast.")  # a second round
    assert Notification.objects.filter(user=bob).count() == 2
    assert not Notification.objects.filter(user=alice).exists()


def test_a_lost_channel_notifies_its_managers(
    acme: Workspace,
    alice: User,
    bob: User,
    member_of_role: Callable[[str], User],
    channel: Channel,
    scripted: type[Scripted],
    django_capture_on_commit_callbacks: Any,
    enqueued: Enqueued,
) -> None:
    manager = member_of_role("manager")
    scripted.script = [AuthExpired("The token was revoked.")]
    failed_delivery(acme, bob, alice, channel, django_capture_on_commit_callbacks)
    channel.refresh_from_db()
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    rows = Notification.objects.order_by("user__email")
    assert [n.user for n in rows] == [alice, manager]  # bob edits; he cannot reconnect
    for n in rows:
        assert n.kind == K.CHANNEL_NEEDS_RECONNECT
        assert n.title == "@acme needs reconnecting"
        assert n.body == "The token was revoked."
        assert n.url == "/w/acme/channels/"
    enqueued.again(send_reconnect_email)  # a retry
    assert Notification.objects.count() == 2


def test_a_channel_reconnected_before_the_task_runs_notifies_nobody(
    acme: Workspace, alice: User, channel: Channel
) -> None:
    send_reconnect_email.call_local(channel.pk, f"channel:{channel.pk}:reconnect:")
    assert not Notification.objects.exists()
    assert Post.objects.count() == 0


def test_a_failure_retried_after_the_delivery_changed_tells_nobody_twice(
    acme: Workspace,
    alice: User,
    bob: User,
    channel: Channel,
    scripted: type[Scripted],
    django_capture_on_commit_callbacks: Any,
    enqueued: Enqueued,
) -> None:
    scripted.script = [Rejected("Refused.")]
    delivery = failed_delivery(acme, bob, alice, channel, django_capture_on_commit_callbacks)
    assert (Notification.objects.count(), len(mail.outbox)) == (2, 2)
    # A later write moves the delivery's version on before huey retries the task.
    Delivery.objects.filter(pk=delivery.pk).update(version=F("version") + 1)
    enqueued.again(send_failure_email)
    assert (Notification.objects.count(), len(mail.outbox)) == (2, 2)


def test_a_request_retried_after_the_post_was_edited_tells_nobody_twice(
    acme: Workspace,
    alice: User,
    bob: User,
    channel: Channel,
    django_capture_on_commit_callbacks: Any,
    enqueued: Enqueued,
) -> None:
    post = changes_asked(acme, bob, alice, channel, django_capture_on_commit_callbacks)
    assert (Notification.objects.count(), len(mail.outbox)) == (1, 1)
    edited = actions.post_input_of(post)
    edited.text = "Dark roast"
    actions.update_post(post, bob, edited)
    enqueued.again(send_review_email)
    assert (Notification.objects.count(), len(mail.outbox)) == (1, 1)


def test_a_loss_retried_after_another_failure_tells_nobody_twice(
    acme: Workspace,
    alice: User,
    bob: User,
    channel: Channel,
    scripted: type[Scripted],
    django_capture_on_commit_callbacks: Any,
    enqueued: Enqueued,
) -> None:
    scripted.script = [AuthExpired("The token was revoked.")]
    failed_delivery(acme, bob, alice, channel, django_capture_on_commit_callbacks)
    assert (Notification.objects.count(), len(mail.outbox)) == (1, 1)
    channel.refresh_from_db()
    lost_at = channel.status_changed_at
    channel_actions.note_failure(channel, AuthExpired("Still revoked."))
    channel.refresh_from_db()
    assert channel.status_changed_at != lost_at
    enqueued.again(send_reconnect_email)
    assert (Notification.objects.count(), len(mail.outbox)) == (1, 1)


def test_only_active_owners_and_managers_hear_of_a_lost_channel(
    acme: Workspace,
    alice: User,
    bob: User,
    member_of_role: Callable[[str], User],
    channel: Channel,
    scripted: type[Scripted],
    django_capture_on_commit_callbacks: Any,
) -> None:
    gone = member_of_role("manager")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    member_of_role("client")
    scripted.script = [AuthExpired("The token was revoked.")]
    failed_delivery(acme, bob, alice, channel, django_capture_on_commit_callbacks)
    assert [n.user for n in Notification.objects.all()] == [alice]
    assert [m.to for m in mail.outbox] == [[alice.email]]
