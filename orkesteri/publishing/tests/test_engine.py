"""The publishing engine: claim, send, retry, unknown, pause, late cutoff, sweeper."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from django.core import mail
from django.utils import timezone

from orkesteri.accounts.models import User
from orkesteri.channels.models import Channel
from orkesteri.networks.base import (
    AdapterError,
    AuthExpired,
    Draft,
    Rate,
    RateLimited,
    Receipt,
    Rejected,
)
from orkesteri.networks.registry import ADAPTERS
from orkesteri.publishing import actions, engine
from orkesteri.publishing.actions import PostInput
from orkesteri.publishing.models import Delivery, Post
from orkesteri.publishing.tasks import publish_delivery
from orkesteri.publishing.tests.conftest import Scripted
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
S = Delivery.Status


def make_post(workspace: Workspace, author: User, *channels: Channel, **fields: Any) -> Post:
    data = PostInput(
        text=fields.pop("text", "Fresh roast today"), channel_ids=[c.pk for c in channels]
    )
    for name, value in fields.items():
        setattr(data, name, value)
    return actions.create_post(workspace, author, data)


def run(delivery: Delivery) -> Delivery:
    """What the worker does when the delivery's task comes up (its due time reached)."""
    delivery.refresh_from_db()
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    publish_delivery.call_local(delivery.pk, delivery.version)
    delivery.refresh_from_db()
    return delivery


def scheduled(post: Post, alice: User) -> Delivery:
    actions.schedule_post(post, alice, timezone.now() + timedelta(hours=1))
    return post.deliveries.get()


def test_it_publishes_once_and_stores_the_remote_id(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    delivery = run(scheduled(make_post(acme, alice, channel), alice))
    assert delivery.status == S.PUBLISHED
    assert delivery.remote_id == str(delivery.key)
    assert delivery.remote_url == f"https://scripted.example/{delivery.key}"
    assert list(scripted.posts) == [str(delivery.key)]
    assert Post.objects.get(pk=delivery.post_id).status == Post.Status.PUBLISHED


def test_a_task_for_the_old_time_of_a_moved_post_does_not_send_it(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    delivery = scheduled(make_post(acme, alice, channel), alice)
    old = delivery.version
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    actions.schedule_post(delivery.post, alice, timezone.now() + timedelta(hours=2))  # moved
    publish_delivery.call_local(delivery.pk, old)  # the task queued for the old time wakes
    assert scripted.sent == []
    delivery.refresh_from_db()
    assert delivery.status == S.SCHEDULED
    assert delivery.version > old


def test_a_task_sends_other_due_posts_too_and_each_goes_out_once(
    acme: Workspace, alice: User, make_channel: Callable[[str], Channel], scripted: type[Scripted]
) -> None:
    deliveries = [
        scheduled(make_post(acme, alice, make_channel(name), text=name), alice)
        for name in ("a", "b", "c")
    ]
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(due_at=timezone.now())
    first = deliveries[0]
    assert engine.publish_due(first.pk, first.version) == 3  # its own first, then the others
    assert scripted.sent[0] == str(first.key)
    for delivery in deliveries:  # their own tasks find nothing left to do
        assert engine.publish_due(delivery.pk, delivery.version) == 0
    assert sorted(scripted.sent) == sorted(str(d.key) for d in deliveries)
    assert set(Delivery.objects.values_list("status", flat=True)) == {S.PUBLISHED}


def test_a_second_task_for_the_same_version_does_not_send_again(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    delivery = scheduled(make_post(acme, alice, channel), alice)
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    publish_delivery.call_local(delivery.pk, delivery.version)
    publish_delivery.call_local(delivery.pk, delivery.version)
    assert len(scripted.sent) == 1


def test_a_task_that_comes_early_waits(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    delivery = scheduled(make_post(acme, alice, channel), alice)
    publish_delivery.call_local(delivery.pk, delivery.version)
    assert scripted.sent == []


def test_transient_errors_are_retried_with_backoff(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    scripted.script = [AdapterError("The network is down.")]
    delivery = run(scheduled(make_post(acme, alice, channel), alice))
    assert delivery.status == S.RETRYING
    assert delivery.last_error == "The network is down."
    assert delivery.due_at is not None and delivery.due_at > timezone.now() + timedelta(seconds=20)
    delivery = run(delivery)
    assert delivery.status == S.PUBLISHED
    assert scripted.sent == [str(delivery.key)] * 2
    assert len(scripted.posts) == 1


def test_rate_limits_wait_as_long_as_the_network_asks(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    scripted.script = [RateLimited("Slow down.", retry_after=900)]
    delivery = run(scheduled(make_post(acme, alice, channel), alice))
    assert delivery.status == S.RETRYING
    wait = (delivery.due_at - timezone.now()).total_seconds()  # type: ignore[operator]
    assert 890 < wait <= 900


def test_a_refusal_fails_at_once_and_tells_people(
    acme: Workspace,
    alice: User,
    channel: Channel,
    scripted: type[Scripted],
    django_capture_on_commit_callbacks: Any,
) -> None:
    scripted.script = [Rejected("The text is too long for Scripted.")]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = run(scheduled(make_post(acme, alice, channel), alice))
    assert delivery.status == S.FAILED
    assert delivery.last_error == "The text is too long for Scripted."
    assert Post.objects.get(pk=delivery.post_id).status == Post.Status.FAILED
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "The text is too long for Scripted." in mail.outbox[0].body


def test_it_gives_up_after_the_last_attempt(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted], settings: Any
) -> None:
    settings.PUBLISH_MAX_ATTEMPTS = 2
    scripted.script = [AdapterError("Down."), AdapterError("Still down.")]
    delivery = run(run(scheduled(make_post(acme, alice, channel), alice)))
    assert delivery.status == S.FAILED
    assert delivery.last_error == "Still down."


def test_a_timeout_on_a_network_that_dedupes_is_retried_without_a_second_post(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    scripted.script = [AdapterError("Timed out.", unknown_outcome=True)]
    delivery = run(run(scheduled(make_post(acme, alice, channel), alice)))
    assert delivery.status == S.PUBLISHED
    assert len(scripted.sent) == 2
    assert list(scripted.posts) == [str(delivery.key)]


def test_a_timeout_on_a_network_that_cannot_dedupe_becomes_unknown(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    scripted.idempotent = False
    scripted.script = [AdapterError("Timed out.", unknown_outcome=True)]
    delivery = run(scheduled(make_post(acme, alice, channel), alice))
    assert delivery.status == S.UNKNOWN
    assert "check the channel before re-posting" in delivery.last_error
    assert run(delivery).status == S.UNKNOWN  # never sent again by itself
    assert len(scripted.sent) == 1
    assert Post.objects.get(pk=delivery.post_id).status == Post.Status.UNKNOWN


def test_expired_credentials_pause_the_channel_s_deliveries(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    scripted.script = [AuthExpired("The token was revoked.")]
    first = run(scheduled(make_post(acme, alice, channel), alice))
    channel.refresh_from_db()
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    assert first.status == S.RETRYING
    second = scheduled(make_post(acme, alice, channel, text="Second"), alice)
    Delivery.objects.filter(pk__in=[first.pk, second.pk]).update(due_at=timezone.now())
    assert engine.sweep() == 0  # paused while the channel needs reconnecting
    Channel.objects.filter(pk=channel.pk).update(status=Channel.Status.CONNECTED)
    assert engine.sweep() == 2
    run(first)
    run(second)  # one at a time on a channel, the earlier due first
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (S.PUBLISHED, S.PUBLISHED)


def test_a_post_past_the_late_cutoff_fails_with_the_reason(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    delivery = scheduled(make_post(acme, alice, channel), alice)
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now() - timedelta(hours=7))
    delivery.refresh_from_db()
    publish_delivery.call_local(delivery.pk, delivery.version)
    delivery.refresh_from_db()
    assert delivery.status == S.FAILED
    assert "within 6 hours" in delivery.last_error
    assert scripted.sent == []


def test_problems_found_at_send_time_fail_the_delivery(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    post = make_post(acme, alice, channel, text="x" * 281)
    delivery = run(scheduled(post, alice))
    assert delivery.status == S.FAILED
    assert "281" in delivery.last_error
    assert scripted.sent == []


def test_a_thread_is_published_in_order_and_resumes_after_a_failure(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    post = make_post(acme, alice, channel, text="1/3", thread=["2/3", "3/3"])
    scripted.script = []
    delivery = scheduled(post, alice)
    original_publish = Scripted.publish
    calls = {"n": 0}

    def flaky(self: Scripted, draft: Any, key: str) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise AdapterError("Dropped.")
        return original_publish(self, draft, key)

    Scripted.publish = flaky  # type: ignore[method-assign]
    try:
        delivery = run(delivery)
        assert delivery.status == S.RETRYING
        delivery = run(delivery)
    finally:
        Scripted.publish = original_publish  # type: ignore[method-assign]
    assert delivery.status == S.PUBLISHED
    assert [d.text for d in scripted.posts.values()] == ["1/3", "2/3", "3/3"]
    key = str(delivery.key)
    assert list(scripted.posts) == [key, f"{key}-1", f"{key}-2"]
    assert scripted.posts[f"{key}-1"].reply_to is not None


def test_the_sweeper_settles_a_send_abandoned_by_a_crashed_worker(
    acme: Workspace, alice: User, make_channel: Callable[[str], Channel], scripted: type[Scripted]
) -> None:
    channel = make_channel("a")
    delivery = scheduled(make_post(acme, alice, channel), alice)
    crashed_at = timezone.now() - timedelta(minutes=10)
    Delivery.objects.filter(pk=delivery.pk).update(status=S.PUBLISHING, claimed_at=crashed_at)
    Channel.objects.filter(pk=channel.pk).update(busy_until=timezone.now() + timedelta(minutes=1))
    engine.sweep()
    delivery.refresh_from_db()
    assert delivery.status == S.RETRYING  # Scripted dedupes: safe to send again
    assert run(delivery).status == S.PUBLISHED

    scripted.idempotent = False
    other = scheduled(make_post(acme, alice, make_channel("b"), text="Other"), alice)
    Delivery.objects.filter(pk=other.pk).update(status=S.PUBLISHING, claimed_at=crashed_at)
    engine.sweep()
    other.refresh_from_db()
    assert other.status == S.UNKNOWN
    assert "check the channel" in other.last_error


def test_one_send_at_a_time_per_channel(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    delivery = scheduled(make_post(acme, alice, channel), alice)
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    Channel.objects.filter(pk=channel.pk).update(busy_until=timezone.now() + timedelta(minutes=1))
    delivery.refresh_from_db()
    assert engine.publish_due(delivery.pk, delivery.version) == 0
    delivery.refresh_from_db()
    assert delivery.status == S.SCHEDULED
    assert scripted.sent == []


def test_cancelling_stops_what_has_not_gone_out(
    acme: Workspace, alice: User, make_channel: Callable[[str], Channel], scripted: type[Scripted]
) -> None:
    a, b = make_channel("a"), make_channel("b")
    post = make_post(acme, alice, a, b)
    actions.schedule_post(post, alice, timezone.now() + timedelta(hours=1))
    published = run(post.deliveries.get(channel=a))
    actions.cancel_post(post, alice)
    pending = post.deliveries.get(channel=b)
    assert pending.status == S.CANCELLED
    assert run(pending).status == S.CANCELLED
    published.refresh_from_db()
    assert published.status == S.PUBLISHED
    assert len(scripted.sent) == 1


def test_approval_holds_the_post_until_someone_approves(
    acme: Workspace, alice: User, bob: User, channel: Channel, scripted: type[Scripted]
) -> None:
    Workspace.objects.filter(pk=acme.pk).update(requires_approval=True)
    acme.refresh_from_db()
    post = make_post(acme, bob, channel)
    actions.schedule_post(post, bob, timezone.now() + timedelta(hours=1))
    delivery = post.deliveries.get()
    assert delivery.status == S.AWAITING_APPROVAL
    assert Post.objects.get(pk=post.pk).status == Post.Status.AWAITING_APPROVAL
    actions.approve_post(post, "alice@example.com")
    delivery = run(post.deliveries.get())
    assert delivery.status == S.PUBLISHED


def test_the_first_comment_follows_the_post_as_a_reply(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    post = make_post(acme, alice, channel, text="New menu", first_comment="Prices in the link")
    delivery = run(scheduled(post, alice))
    assert delivery.status == S.PUBLISHED
    key = str(delivery.key)
    assert [d.text for d in scripted.posts.values()] == ["New menu", "Prices in the link"]
    assert scripted.posts[f"{key}-1"].reply_to == Receipt(key, f"https://scripted.example/{key}")


def test_a_link_goes_into_the_text_where_the_network_has_no_link_cards(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    post = make_post(acme, alice, channel, text="Read this", link="https://acme.example/a?x=1")
    Post.objects.filter(pk=post.pk).update(utm=True, campaign="Autumn")
    run(scheduled(post, alice))
    [draft] = scripted.posts.values()
    assert draft.link == ""
    assert draft.text == (
        "Read this\n\nhttps://acme.example/a?x=1&utm_source=scripted&utm_medium=social"
        f"&utm_campaign=autumn&utm_content=post-{post.pk}"
    )


def test_a_channel_publishes_no_faster_than_its_network_allows(
    acme: Workspace,
    alice: User,
    channel: Channel,
    scripted: type[Scripted],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limits = dataclasses.replace(Scripted.default_limits, rate=Rate(2, 60))
    monkeypatch.setattr(Scripted, "default_limits", limits)
    deliveries = [
        scheduled(make_post(acme, alice, channel, text=f"Post {n}"), alice) for n in range(3)
    ]
    for delivery in deliveries:
        run(delivery)
    statuses = [d.status for d in Delivery.objects.order_by("pk")]
    assert statuses == [S.PUBLISHED, S.PUBLISHED, S.SCHEDULED]  # two at once, then one a 30 s
    channel.refresh_from_db()
    assert channel.not_before is not None
    wait = (channel.not_before - timezone.now()).total_seconds()
    assert 25 < wait <= 30
    Channel.objects.filter(pk=channel.pk).update(
        not_before=timezone.now(), send_tokens_at=timezone.now() - timedelta(seconds=30)
    )
    assert run(deliveries[2]).status == S.PUBLISHED  # once the wait is over


def test_a_retry_after_holds_the_channel_s_other_posts_too(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    scripted.script = [RateLimited("Too many requests.", retry_after=120)]
    first = run(scheduled(make_post(acme, alice, channel), alice))
    assert first.status == S.RETRYING
    second = run(scheduled(make_post(acme, alice, channel, text="Second"), alice))
    assert second.status == S.SCHEDULED
    assert scripted.sent == [str(first.key)]
    channel.refresh_from_db()
    assert channel.not_before is not None
    assert 110 < (channel.not_before - timezone.now()).total_seconds() <= 120


def test_posts_paused_on_a_lost_channel_fail_at_the_late_cutoff(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    delivery = scheduled(make_post(acme, alice, channel), alice)
    Channel.objects.filter(pk=channel.pk).update(status=Channel.Status.NEEDS_RECONNECT)
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now() - timedelta(hours=1))
    engine.sweep()
    delivery.refresh_from_db()
    assert delivery.status == S.SCHEDULED  # paused: it may still go out after a reconnect
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now() - timedelta(hours=7))
    engine.sweep()
    delivery.refresh_from_db()
    assert delivery.status == S.FAILED
    assert "still needs reconnecting" in delivery.last_error
    assert scripted.sent == []


def test_a_backlog_goes_out_in_batches_once_each(
    acme: Workspace, alice: User, make_channel: Callable[[str], Channel], scripted: type[Scripted]
) -> None:
    channels = [make_channel(f"c{n}") for n in range(engine.HEAD + 8)]
    deliveries = [
        scheduled(make_post(acme, alice, channel, text=channel.display_name), alice)
        for channel in channels
    ]
    Delivery.objects.update(due_at=timezone.now())
    first = deliveries[0]
    assert engine.publish_due(first.pk, first.version) == len(deliveries)  # drained it all
    assert sorted(scripted.sent) == sorted(str(d.key) for d in deliveries)
    assert set(Post.objects.values_list("status", flat=True)) == {Post.Status.PUBLISHED}
    assert not Channel.objects.filter(busy_until__isnull=False).exists()


class AllAtOnce(Scripted):
    """A network that answers nobody until `together` posts are waiting for an answer."""

    together: ClassVar[threading.Barrier]

    def publish(self, draft: Draft, key: str) -> Receipt:
        AllAtOnce.together.wait()
        return super().publish(draft, key)


def test_a_batch_s_requests_are_in_flight_at_once(
    acme: Workspace,
    alice: User,
    make_channel: Callable[[str], Channel],
    scripted: type[Scripted],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    channels = [make_channel(f"c{n}") for n in range(4)]
    deliveries = [
        scheduled(make_post(acme, alice, c, text=c.display_name), alice) for c in channels
    ]
    Delivery.objects.update(due_at=timezone.now())
    monkeypatch.setitem(ADAPTERS, "scripted", AllAtOnce)
    AllAtOnce.together = threading.Barrier(len(deliveries), timeout=10)  # sent one by one: broken
    first = deliveries[0]
    assert engine.publish_due(first.pk, first.version) == len(deliveries)
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert delivery.status == S.PUBLISHED
        assert delivery.remote_id == str(delivery.key)
        assert delivery.receipt["parts"][0]["url"] == f"https://scripted.example/{delivery.key}"
    assert sorted(scripted.sent) == sorted(str(d.key) for d in deliveries)
    assert not Channel.objects.filter(busy_until__isnull=False).exists()


def test_in_a_batch_sent_at_once_each_answer_is_written_to_its_own_delivery(
    acme: Workspace, alice: User, make_channel: Callable[[str], Channel], scripted: type[Scripted]
) -> None:
    channels = [make_channel(f"c{n}") for n in range(3)]
    deliveries = [
        scheduled(make_post(acme, alice, c, text=c.display_name), alice) for c in channels
    ]
    Delivery.objects.update(due_at=timezone.now())
    scripted.script = [Rejected("The network said no.")]  # whichever send goes first
    first = deliveries[0]
    engine.publish_due(first.pk, first.version)
    statuses: dict[str, int] = {}
    for delivery in deliveries:
        delivery.refresh_from_db()
        statuses[delivery.status] = statuses.get(delivery.status, 0) + 1
        if delivery.status == S.FAILED:
            assert delivery.last_error == "The network said no."
            assert delivery.remote_id == ""
        else:
            assert delivery.remote_id == str(delivery.key)
    assert statuses == {S.PUBLISHED: 2, S.FAILED: 1}
    assert len(scripted.sent) == 3
