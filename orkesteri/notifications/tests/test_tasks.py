"""The worker's tasks notify in the app as well as by email, once per event."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orkesteri.accounts.models import User
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


def test_a_failure_notifies_the_author_and_managers_once_each(
    acme: Workspace,
    alice: User,
    bob: User,
    member_of_role: Callable[[str], User],
    channel: Channel,
    scripted: type[Scripted],
    django_capture_on_commit_callbacks: Any,
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
    send_failure_email.call_local(delivery.pk)
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

    monkeypatch.setattr("orkesteri.publishing.tasks.send_mail", down)
    with pytest.raises(ConnectionRefusedError):
        send_failure_email.call_local(delivery.pk)
    [row] = Notification.objects.all()
    assert (row.user, row.body) == (alice, "Refused.")
    monkeypatch.undo()
    send_failure_email.call_local(delivery.pk)  # huey's retry
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
) -> None:
    post = actions.create_post(acme, bob, actions.PostInput(text="Draft", channel_ids=[channel.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        actions.request_changes(post, alice.email, "Say which roast.")
    [row] = Notification.objects.all()
    assert (row.user, row.kind) == (bob, K.CHANGES_REQUESTED)
    assert row.title == "Changes asked for your post in Acme Coffee"
    assert row.body == "Say which roast."
    assert row.url == f"/w/acme/posts/{post.pk}/"

    send_review_email.call_local(post.pk)  # a retry of the same request
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
    send_reconnect_email.call_local(channel.pk)  # a retry
    assert Notification.objects.count() == 2


def test_a_channel_reconnected_before_the_task_runs_notifies_nobody(
    acme: Workspace, alice: User, channel: Channel
) -> None:
    send_reconnect_email.call_local(channel.pk)
    assert not Notification.objects.exists()
    assert Post.objects.count() == 0
