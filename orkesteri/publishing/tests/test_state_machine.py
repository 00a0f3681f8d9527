"""Property test: no sequence of events publishes a delivery twice or loses it.

Events are what the real world does to a delivery: tasks arriving (also late, twice, or for
an old version), the network answering any way it can, a worker dying mid-send (the sweeper
then settles it), the user rescheduling or cancelling, the channel losing its credentials
and being reconnected. Afterwards the world calms down (every task runs, the network works)
and every delivery must have ended: published at most once on the network, or in a state
the user can see and act on.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orkesteri.accounts.models import User
from orkesteri.channels.models import Channel
from orkesteri.networks.base import AdapterError, AuthExpired, RateLimited, Rejected
from orkesteri.publishing import actions, engine
from orkesteri.publishing.actions import PostInput
from orkesteri.publishing.models import Delivery
from orkesteri.publishing.tasks import publish_delivery
from orkesteri.publishing.tests.conftest import Scripted
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
S = Delivery.Status
FINAL = {S.PUBLISHED, S.FAILED, S.UNKNOWN, S.CANCELLED}

OUTCOMES = {
    "ok": None,
    "down": AdapterError("Down."),
    "timeout": AdapterError("Timed out.", unknown_outcome=True),
    "limited": RateLimited("Slow down.", retry_after=60),
    "refused": Rejected("No."),
    "expired": AuthExpired("Revoked."),
}
EVENTS = st.sampled_from(
    [
        *(f"task:{name}" for name in OUTCOMES),
        "stale-task",
        "duplicate-task",
        "crash",
        "sweep",
        "reschedule",
        "cancel",
        "reconnect",
    ]
)


def _task(delivery: Delivery, version: int | None = None) -> None:
    Delivery.objects.filter(pk=delivery.pk, status__in=actions.WAITING).update(
        due_at=timezone.now()
    )
    delivery.refresh_from_db()
    publish_delivery.call_local(delivery.pk, delivery.version if version is None else version)


def _apply(event: str, delivery: Delivery, alice: User, channel: Channel) -> None:
    delivery.refresh_from_db()
    if event.startswith("task:"):
        outcome = OUTCOMES[event.split(":")[1]]
        Scripted.script = [outcome] if outcome else []
        _task(delivery)
        Scripted.script = []
    elif event == "stale-task":
        _task(delivery, version=max(delivery.version - 1, 0))
    elif event == "duplicate-task":
        version = delivery.version
        _task(delivery, version)
        _task(delivery, version)
    elif event == "crash":
        # A worker claimed it, the network may or may not have got it, the worker died.
        if delivery.status in actions.WAITING:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=S.PUBLISHING, claimed_at=timezone.now() - timedelta(minutes=10)
            )
            if Scripted.idempotent or not Scripted.posts:
                Scripted.posts.setdefault(str(delivery.key), None)  # type: ignore[arg-type]
    elif event == "sweep":
        engine.sweep()
    elif event == "reschedule":
        if delivery.status in actions.OPEN:
            actions.schedule_post(delivery.post, alice, timezone.now() + timedelta(minutes=5))
    elif event == "cancel":
        actions.cancel_post(delivery.post, alice)
    elif event == "reconnect":
        Channel.objects.filter(pk=channel.pk).update(status=Channel.Status.CONNECTED)


def _calm_down(delivery: Delivery) -> None:
    """Time passes, the network works, every due task runs."""
    Channel.objects.filter(pk=delivery.channel_id).update(
        status=Channel.Status.CONNECTED, busy_until=None, not_before=None
    )
    for _round in range(10):
        engine.recover_abandoned(timezone.now() + timedelta(hours=1))
        delivery.refresh_from_db()
        if delivery.status in FINAL:
            return
        _task(delivery)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(EVENTS, max_size=12), idempotent=st.booleans())
def test_no_events_publish_twice_or_lose_a_post(
    events: list[str],
    idempotent: bool,
    acme: Workspace,
    alice: User,
    channel: Channel,
    scripted: Any,
) -> None:
    with transaction.atomic():
        Scripted.idempotent = idempotent
        Scripted.script, Scripted.posts, Scripted.sent = [], {}, []
        post = actions.create_post(acme, alice, PostInput(text="Hi", channel_ids=[channel.pk]))
        actions.schedule_post(post, alice, timezone.now() + timedelta(minutes=5))
        delivery = post.deliveries.get()
        for event in events:
            _apply(event, delivery, alice, channel)
        _calm_down(delivery)
        delivery.refresh_from_db()

        on_network = [k for k in Scripted.posts if k.startswith(str(delivery.key))]
        assert not [k for k in on_network if k.endswith("+dup")], (events, Scripted.sent)
        assert len(on_network) <= 1, (events, on_network)
        assert delivery.status in FINAL, (events, delivery.status)
        if delivery.status == S.PUBLISHED:
            assert on_network == [str(delivery.key)]
            assert delivery.remote_id == str(delivery.key)
        transaction.set_rollback(True)
