"""The composer and a post's page: save, schedule, publish now, autosave, approval, queue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.lib.dates import wall_time
from orkesteri.networks.feed.models import FeedEntry
from orkesteri.publishing import actions
from orkesteri.publishing.models import ApprovalLink, Delivery, Post, QueueSlot
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture
def feed(acme: Workspace, alice: User) -> Channel:
    return connect_channel(acme, alice, "feed", {"title": "Acme news"})


def form(feed: Channel, **values: Any) -> dict[str, Any]:
    return {"text": "Autumn blend is back", "channels": [feed.pk], "action": "save", **values}


def test_the_composer_asks_for_a_channel_first(alice_client: Client, acme: Workspace) -> None:
    page = alice_client.get("/w/acme/compose/").content.decode()
    assert "Connect a channel first" in page


def test_it_saves_a_draft(alice_client: Client, feed: Channel) -> None:
    r = alice_client.post("/w/acme/compose/", form(feed))
    post = Post.objects.get()
    assert r["Location"] == f"/w/acme/posts/{post.pk}/"
    assert post.status == Post.Status.DRAFT
    assert post.deliveries.get().status == Delivery.Status.DRAFT


def test_it_schedules_in_the_workspace_time_zone(alice_client: Client, feed: Channel) -> None:
    day = timezone.now().astimezone(HELSINKI).date() + timedelta(days=3)
    r = alice_client.post(
        "/w/acme/compose/", form(feed, action="schedule", scheduled_at=f"{day}T09:30")
    )
    assert r.status_code == 302
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SCHEDULED
    assert delivery.due_at == datetime.combine(day, time(9, 30), tzinfo=HELSINKI)
    page = alice_client.get(r["Location"]).content.decode()
    assert f"{day} 09:30" in page and "Europe/Helsinki" in page


def test_publish_now_reaches_the_feed(
    alice_client: Client, feed: Channel, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post("/w/acme/compose/", form(feed, action="now"))
    assert Post.objects.get().status == Post.Status.PUBLISHED
    assert FeedEntry.objects.get().content == "Autumn blend is back"


def test_publish_now_says_it_is_publishing_while_the_worker_sends(
    alice_client: Client, feed: Channel
) -> None:
    r = alice_client.post("/w/acme/compose/", form(feed, action="now"), follow=True)
    assert "Publishing now." in r.content.decode()  # not "Scheduled.": nothing was chosen


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"channels": []}, "This field is required."),
        ({"text": ""}, "Write the post&#x27;s text."),
        ({"action": "schedule"}, "Choose the date and time to publish."),
        ({"action": "schedule", "scheduled_at": "2020-01-01T10:00"}, "That time has passed."),
        ({"link": "not a link"}, "Enter a valid URL."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(
    alice_client: Client, feed: Channel, values: dict[str, Any], message: str
) -> None:
    r = alice_client.post("/w/acme/compose/", form(feed, **values))
    assert r.status_code == 422
    assert message in r.content.decode()
    assert not Post.objects.exists()


def test_live_checks_count_per_channel(
    alice_client: Client, feed: Channel, acme: Workspace
) -> None:
    r = alice_client.post("/w/acme/compose/check/", form(feed, text="x" * 10_001))
    page = r.content.decode()
    assert "10001 / 10000" in page
    assert "The text is 10001 long; the most is 10000." in page


def test_autosave_keeps_one_draft_that_the_submit_then_updates(
    alice_client: Client, feed: Channel
) -> None:
    first = alice_client.post("/w/acme/compose/autosave/", form(feed, text="Half"))
    post = Post.objects.get()
    assert f'value="{post.pk}"' in first.content.decode()
    alice_client.post("/w/acme/compose/autosave/", form(feed, text="Half done", post_id=post.pk))
    alice_client.post("/w/acme/compose/", form(feed, text="Done", post_id=post.pk))
    assert list(Post.objects.values_list("text", flat=True)) == ["Done"]


def test_editors_cannot_schedule_but_can_write(bob: User, feed: Channel) -> None:
    client = Client()
    client.force_login(bob)
    assert client.post("/w/acme/compose/", form(feed, action="now")).status_code == 403
    assert not Post.objects.exists()
    assert client.post("/w/acme/compose/", form(feed)).status_code == 302


def test_duplicate_and_delete(alice_client: Client, alice: User, feed: Channel) -> None:
    alice_client.post("/w/acme/compose/", form(feed))
    post = Post.objects.get()
    r = alice_client.post(f"/w/acme/posts/{post.pk}/duplicate/")
    copy = Post.objects.exclude(pk=post.pk).get()
    assert r["Location"] == f"/w/acme/posts/{copy.pk}/"
    assert copy.text == post.text
    alice_client.post(f"/w/acme/posts/{post.pk}/delete/")
    assert list(Post.objects.all()) == [copy]


def test_a_scheduled_post_can_be_cancelled(
    alice_client: Client, alice: User, feed: Channel
) -> None:
    alice_client.post("/w/acme/compose/", form(feed, action="queue"))  # no queue times yet
    assert not Post.objects.exists()
    when = (timezone.now() + timedelta(days=1)).astimezone(HELSINKI)
    alice_client.post(
        "/w/acme/compose/",
        form(feed, action="schedule", scheduled_at=when.strftime("%Y-%m-%dT%H:%M")),
    )
    post = Post.objects.get()
    alice_client.post(f"/w/acme/posts/{post.pk}/cancel/")
    assert post.deliveries.get().status == Delivery.Status.CANCELLED


# --- approval ------------------------------------------------------------------------


@pytest.fixture
def approval(acme: Workspace) -> None:
    Workspace.objects.filter(pk=acme.pk).update(requires_approval=True)


@pytest.mark.usefixtures("approval")
def test_an_editor_submits_and_a_manager_asks_for_changes_then_approves(
    bob: User,
    alice_client: Client,
    feed: Channel,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    editor = Client()
    editor.force_login(bob)
    when = (timezone.now() + timedelta(days=1)).astimezone(HELSINKI).strftime("%Y-%m-%dT%H:%M")
    editor.post("/w/acme/compose/", form(feed, action="schedule", scheduled_at=when))
    post = Post.objects.get()
    assert post.status == Post.Status.AWAITING_APPROVAL
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/w/acme/posts/{post.pk}/changes/", {"note": "Add the price."})
    post.refresh_from_db()
    assert (post.status, post.review_note) == (Post.Status.DRAFT, "Add the price.")
    assert "Add the price." in mailoutbox[-1].body and mailoutbox[-1].to == ["bob@example.com"]
    assert "Changes asked for:" in editor.get(f"/w/acme/posts/{post.pk}/").content.decode()
    editor.post(
        f"/w/acme/posts/{post.pk}/",
        form(feed, text="Now 5 €", action="schedule", scheduled_at=when),
    )
    alice_client.post(f"/w/acme/posts/{post.pk}/approve/")
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert post.approved_by == "alice@example.com"


@pytest.mark.usefixtures("approval")
def test_a_client_approves_through_a_one_decision_link(
    alice: User, alice_client: Client, feed: Channel
) -> None:
    post = actions.create_post(
        feed.workspace, alice, actions.PostInput(text="Hi", channel_ids=[feed.pk])
    )
    actions.schedule_post(post, alice, timezone.now() + timedelta(days=1))
    r = alice_client.post(f"/w/acme/posts/{post.pk}/approval-link/", follow=True)
    link = r.content.decode().split("/approve/")[1].split("/")[0]
    anonymous = Client()
    page = anonymous.get(f"/approve/{link}/").content.decode()
    assert "waits for your approval" in page and "Hi" in page
    assert anonymous.post(f"/approve/{link}/", {"decision": "approve"}).status_code == 200
    post.refresh_from_db()
    assert (post.status, post.approved_by) == (Post.Status.SCHEDULED, "client link")
    assert anonymous.get(f"/approve/{link}/").status_code == 410  # one decision per link
    assert ApprovalLink.objects.get().decision == "approved"


@pytest.mark.usefixtures("approval")
def test_an_expired_link_decides_nothing(alice: User, feed: Channel) -> None:
    post = actions.create_post(
        feed.workspace, alice, actions.PostInput(text="Hi", channel_ids=[feed.pk])
    )
    raw = actions.create_approval_link(post, alice)
    ApprovalLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().post(f"/approve/{raw}/", {"decision": "approve"}).status_code == 410
    post.refresh_from_db()
    assert post.approved_at is None


# --- the queue and DST ---------------------------------------------------------------


def test_queue_times_are_set_per_channel(alice_client: Client, feed: Channel) -> None:
    r = alice_client.post(
        f"/w/acme/channels/{feed.pk}/queue/", {"day0": "09:00, 17:30", "day4": "12:00"}
    )
    assert r.status_code == 302
    assert [(s.weekday, s.time) for s in QueueSlot.objects.all()] == [
        (0, time(9)),
        (0, time(17, 30)),
        (4, time(12)),
    ]
    r = alice_client.post(f"/w/acme/channels/{feed.pk}/queue/", {"day0": "nine"})
    assert r.status_code == 422
    assert "“nine” is not a time" in r.content.decode()


def test_queued_posts_take_the_next_free_slots(alice: User, feed: Channel) -> None:
    actions.set_queue_slots(feed, alice, [(d, time(9)) for d in range(7)])
    posts = [
        actions.create_post(
            feed.workspace, alice, actions.PostInput(text=f"{n}", channel_ids=[feed.pk])
        )
        for n in range(3)
    ]
    for post in posts:
        actions.queue_post(post, alice)
    due = [p.deliveries.get().due_at or timezone.now() for p in posts]
    assert len(set(due)) == 3
    assert all(d.astimezone(HELSINKI).time() == time(9) for d in due)
    assert due == sorted(due)


@pytest.mark.parametrize(
    ("zone", "day", "at", "local"),
    [
        # The spring gap: a time that does not exist moves forward by the gap.
        ("Europe/Helsinki", date(2026, 3, 29), time(3, 30), "2026-03-29 04:30 +0300"),
        ("America/New_York", date(2026, 3, 8), time(2, 30), "2026-03-08 03:30 -0400"),
        # The autumn fold: a time that happens twice means the first one.
        ("Europe/Helsinki", date(2026, 10, 25), time(3, 30), "2026-10-25 03:30 +0300"),
        ("America/New_York", date(2026, 11, 1), time(1, 30), "2026-11-01 01:30 -0400"),
        # Ordinary days on either side keep their wall-clock time.
        ("Europe/Helsinki", date(2026, 3, 30), time(9, 0), "2026-03-30 09:00 +0300"),
        ("America/New_York", date(2026, 11, 2), time(9, 0), "2026-11-02 09:00 -0500"),
    ],
)
def test_wall_clock_times_across_dst(zone: str, day: date, at: time, local: str) -> None:
    moment = wall_time(day, at, zone).astimezone(ZoneInfo(zone))
    assert f"{moment:%Y-%m-%d %H:%M %z}" == local


def test_a_queue_slot_in_the_spring_gap_goes_out_after_the_jump(
    alice: User, acme: Workspace, feed: Channel
) -> None:
    actions.set_queue_slots(feed, alice, [(6, time(3, 30))])  # Sundays 03:30
    before = datetime(2026, 3, 28, 12, 0, tzinfo=HELSINKI)
    slot = actions.next_free_slot(feed, before)
    assert slot is not None
    assert f"{slot.astimezone(HELSINKI):%Y-%m-%d %H:%M}" == "2026-03-29 04:30"
    week_later = actions.next_free_slot(feed, slot)
    assert f"{week_later.astimezone(HELSINKI):%Y-%m-%d %H:%M %z}" == "2026-04-05 03:30 +0300"  # type: ignore[union-attr]


def test_autosaves_do_not_fill_the_audit_log(alice_client: Client, feed: Channel) -> None:
    from orkesteri.workspaces.models import AuditEvent

    alice_client.post("/w/acme/compose/autosave/", form(feed, text="One"))
    post = Post.objects.get()
    for text in ("One two", "One two three"):
        alice_client.post("/w/acme/compose/autosave/", form(feed, text=text, post_id=post.pk))
    post.refresh_from_db()
    assert post.text == "One two three"
    actions_logged = list(
        AuditEvent.objects.filter(action__startswith="post.").values_list("action", flat=True)
    )
    assert actions_logged == ["post.created"]
    page = alice_client.get(f"/w/acme/posts/{post.pk}/").content.decode()
    assert f'name="post_id" id="post-id" value="{post.pk}"' in page  # a draft keeps autosaving
