"""Repeating posts: occurrences made up front, wall-clock times across DST, month ends,
limits, cancelling from one on, approval, duplicates, and each occurrence as a post."""

from __future__ import annotations

import calendar
import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from orkesteri.accounts.models import User
from orkesteri.channels.models import Channel
from orkesteri.media.actions import upload_asset
from orkesteri.publishing import actions, series
from orkesteri.publishing.models import Delivery, Post
from orkesteri.publishing.series import Repeat
from orkesteri.publishing.tasks import publish_delivery
from orkesteri.publishing.tests.conftest import Scripted
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.models import AuditEvent, Membership, Workspace

pytestmark = pytest.mark.django_db
S = Delivery.Status
HELSINKI = "Europe/Helsinki"
NEW_YORK = "America/New_York"
YEAR = date.today().year + 1  # always ahead, so every time below is in the future
WEEKLY_3 = Repeat(every=1, unit="weeks", count=3)


def sunday(year: int, month: int, nth: int) -> date:
    """The nth Sunday of the month; nth=-1 is the last."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def at(day: date, hour: int, minute: int = 0, zone: str = HELSINKI) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))


def local(moment: datetime | None, zone: str = HELSINKI) -> str:
    assert moment is not None
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"


def make_post(acme: Workspace, alice: User, *channels: Channel, **fields: Any) -> Post:
    data = actions.PostInput(text="Evergreen tips", channel_ids=[c.pk for c in channels])
    for name, value in fields.items():
        setattr(data, name, value)
    return actions.create_post(acme, alice, data)


def series_of(post: Post) -> list[Post]:
    post.refresh_from_db()
    return list(series.members(post))


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 80, 20)).save(out, "PNG")
    return out.getvalue()


# --- materialising -----------------------------------------------------------------------


def test_scheduling_makes_every_occurrence_a_copy_of_the_post(
    acme: Workspace, alice: User, make_channel: Callable[[str], Channel]
) -> None:
    a, b = make_channel("a"), make_channel("b")
    asset = upload_asset(Membership.objects.get(workspace=acme, user=alice), png(), "tip.png")
    post = make_post(
        acme,
        alice,
        a,
        b,
        overrides={b.pk: "Tips, the short version"},
        link="https://acme.example/tips",
        utm=True,
        first_comment="More on the blog",
        pillar="Education",
        campaign="Evergreen",
        notes="Reuse monthly",
        thread=["Part two"],
        options={a.pk: {"silent": True}},
        media=[asset.pk],
        watermark=True,
        repeat=WEEKLY_3,
    )
    first = at(date(YEAR, 5, 4), 9)
    actions.schedule_post(post, alice, first)

    posts = series_of(post)
    assert [local(p.scheduled_at) for p in posts] == [
        f"{YEAR}-05-04 09:00",
        f"{YEAR}-05-11 09:00",
        f"{YEAR}-05-18 09:00",
    ]
    assert posts[0] == post and {p.series_id for p in posts} == {post.pk}
    for copy in posts[1:]:
        assert actions.post_input_of(copy) == actions.post_input_of(post)
        assert copy.status == Post.Status.SCHEDULED and copy.author == alice
        assert {(d.channel_id, d.status, d.due_at) for d in copy.deliveries.all()} == {
            (a.pk, S.SCHEDULED, copy.scheduled_at),
            (b.pk, S.SCHEDULED, copy.scheduled_at),
        }
    copy = posts[2]
    assert copy.variants.get(channel=b).text == "Tips, the short version"
    assert copy.variants.get(channel=a).options == {"silent": True}
    assert [(m.asset_id, m.watermark) for m in copy.media.all()] == [(asset.pk, True)]
    # One audit entry for the series, not one per copy.
    assert AuditEvent.objects.filter(action="post.repeated").count() == 1
    assert AuditEvent.objects.filter(action="post.created").count() == 1


def test_each_occurrence_is_queued_for_its_own_time(
    acme: Workspace,
    alice: User,
    channel: Channel,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queued: list[tuple[tuple[int, int], datetime]] = []
    monkeypatch.setattr(publish_delivery, "schedule", lambda args, eta: queued.append((args, eta)))
    post = make_post(acme, alice, channel, repeat=WEEKLY_3)
    with django_capture_on_commit_callbacks(execute=True):
        actions.schedule_post(post, alice, at(date(YEAR, 5, 4), 9))
    deliveries = Delivery.objects.order_by("due_at")
    assert sorted(queued, key=lambda q: q[1]) == [((d.pk, d.version), d.due_at) for d in deliveries]


def test_an_occurrence_goes_out_like_any_post(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    post = make_post(acme, alice, channel, repeat=WEEKLY_3)
    actions.schedule_post(post, alice, at(date(YEAR, 5, 4), 9))
    second = series_of(post)[1].deliveries.get()
    Delivery.objects.filter(pk=second.pk).update(due_at=timezone.now())
    publish_delivery.call_local(second.pk, second.version)
    second.refresh_from_db()
    assert second.status == S.PUBLISHED
    assert list(scripted.posts) == [str(second.key)]
    assert Delivery.objects.filter(status=S.SCHEDULED).count() == 2


# --- wall-clock times ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "change"),
    [
        (HELSINKI, sunday(YEAR, 3, -1)),  # clocks forward
        (HELSINKI, sunday(YEAR, 10, -1)),  # clocks back
        (NEW_YORK, sunday(YEAR, 3, 2)),
        (NEW_YORK, sunday(YEAR, 11, 1)),
    ],
)
def test_weekly_repeats_keep_the_time_of_day_across_dst(
    acme: Workspace, alice: User, channel: Channel, zone: str, change: date
) -> None:
    Workspace.objects.filter(pk=acme.pk).update(timezone=zone)
    acme.refresh_from_db()
    post = make_post(acme, alice, channel, repeat=WEEKLY_3)
    actions.schedule_post(post, alice, at(change - timedelta(days=7), 9, zone=zone))
    posts = series_of(post)
    assert [local(p.scheduled_at, zone)[11:] for p in posts] == ["09:00"] * 3
    offsets = [p.scheduled_at.astimezone(ZoneInfo(zone)).utcoffset() for p in posts]  # type: ignore[union-attr]
    assert offsets[0] != offsets[1] == offsets[2]  # the same 09:00, a different UTC hour
    assert [d.due_at for d in Delivery.objects.order_by("due_at")] == [
        p.scheduled_at for p in posts
    ]


def test_a_time_in_the_spring_gap_goes_out_after_the_jump(
    acme: Workspace, alice: User, channel: Channel
) -> None:
    change = sunday(YEAR, 3, -1)  # 03:00 → 04:00 in Helsinki
    post = make_post(acme, alice, channel, repeat=Repeat(1, "days", count=3))
    actions.schedule_post(post, alice, at(change - timedelta(days=1), 3, 30))
    assert [local(p.scheduled_at) for p in series_of(post)] == [
        f"{change - timedelta(days=1)} 03:30",
        f"{change} 04:30",
        f"{change + timedelta(days=1)} 03:30",
    ]


@pytest.mark.parametrize("leap", [False, True])
def test_monthly_repeats_keep_the_day_or_take_the_month_s_last(
    acme: Workspace, alice: User, channel: Channel, leap: bool
) -> None:
    year = next(y for y in range(YEAR, YEAR + 8) if calendar.isleap(y) == leap)
    post = make_post(acme, alice, channel, repeat=Repeat(1, "months", count=5))
    actions.schedule_post(post, alice, at(date(year, 1, 31), 18))
    february = 29 if leap else 28
    assert [local(p.scheduled_at) for p in series_of(post)] == [
        f"{year}-01-31 18:00",
        f"{year}-02-{february} 18:00",
        f"{year}-03-31 18:00",
        f"{year}-04-30 18:00",
        f"{year}-05-31 18:00",
    ]


def test_the_last_date_is_included(acme: Workspace, alice: User, channel: Channel) -> None:
    start = date(YEAR, 6, 1)
    rule = Repeat(2, "weeks", until=start + timedelta(weeks=4))
    post = make_post(acme, alice, channel, repeat=rule)
    actions.schedule_post(post, alice, at(start, 12))
    assert [local(p.scheduled_at)[:10] for p in series_of(post)] == [
        str(start),
        str(start + timedelta(weeks=2)),
        str(start + timedelta(weeks=4)),
    ]


def test_the_post_page_says_how_it_repeats(acme: Workspace, alice: User, channel: Channel) -> None:
    start = date(YEAR, 1, 7)
    until = start + timedelta(weeks=22)
    post = make_post(acme, alice, channel, repeat=Repeat(2, "weeks", until=until))
    assert series.describe(post) == f"Repeats every 2 weeks until {until.day} {until:%B %Y}"
    actions.schedule_post(post, alice, at(start, 9))
    fifth = series_of(post)[4]
    assert series.describe(fifth) == (
        f"Repeats every 2 weeks until {until.day} {until:%B %Y} (5 of 12)"
    )
    daily = make_post(acme, alice, channel, repeat=Repeat(1, "days", count=3))
    assert series.describe(daily) == "Repeats every day, 3 times in all"
    assert series.describe(make_post(acme, alice, channel)) == ""


# --- limits and errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (Repeat(0, "weeks", count=3), "repeat_every"),
        (Repeat(366, "days", count=3), "repeat_every"),
        (Repeat(1, "years", count=3), "repeat_unit"),
        (Repeat(1, "weeks"), "repeat"),
        (Repeat(1, "weeks", until=date(YEAR, 6, 1), count=3), "repeat"),
        (Repeat(1, "weeks", count=1), "repeat_count"),
        (Repeat(1, "weeks", count=101), "repeat_count"),
    ],
)
def test_a_bad_rule_is_refused_by_field(
    acme: Workspace, alice: User, channel: Channel, rule: Repeat, field: str
) -> None:
    with pytest.raises(ActionError) as e:
        make_post(acme, alice, channel, repeat=rule)
    assert field in e.value.errors
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (Repeat(1, "weeks", until=date(YEAR, 5, 3)), "The last date is before the first time"),
        (Repeat(1, "weeks", until=date(YEAR, 5, 10)), "Nothing repeats by this date"),
        (Repeat(1, "days", until=date(YEAR, 8, 30)), "That makes more than 100 posts"),
    ],
)
def test_an_end_that_makes_no_series_is_refused_and_nothing_is_scheduled(
    acme: Workspace, alice: User, channel: Channel, rule: Repeat, message: str
) -> None:
    post = make_post(acme, alice, channel, repeat=rule)
    with pytest.raises(ActionError) as e:
        actions.schedule_post(post, alice, at(date(YEAR, 5, 4), 9))
    assert message in e.value.errors["repeat_until"]
    assert list(Post.objects.all()) == [post]
    assert post.deliveries.get().status == S.DRAFT


def test_a_hundred_times_is_the_most(acme: Workspace, alice: User, channel: Channel) -> None:
    post = make_post(acme, alice, channel, repeat=Repeat(1, "days", count=100))
    actions.schedule_post(post, alice, at(date(YEAR, 5, 4), 9))
    assert Post.objects.count() == 100
    assert Delivery.objects.filter(status=S.SCHEDULED).count() == 100


def test_a_last_date_may_make_exactly_a_hundred(
    acme: Workspace, alice: User, channel: Channel
) -> None:
    start = date(YEAR, 5, 4)
    post = make_post(acme, alice, channel, repeat=Repeat(1, "days", until=start + timedelta(99)))
    actions.schedule_post(post, alice, at(start, 9))
    assert Post.objects.count() == 100


def test_repeats_past_the_year_9999_are_refused() -> None:
    with pytest.raises(ActionError) as e:
        series.occurrence_times(Repeat(1, "months", count=3), at(date(9999, 11, 30), 12), HELSINKI)
    assert "9999" in e.value.errors["repeat"]
    with pytest.raises(ActionError):
        series.occurrence_times(Repeat(1, "days", count=3), at(date(9999, 12, 31), 23), HELSINKI)


def test_a_repeating_post_is_not_queued_or_published_now(
    acme: Workspace, alice: User, channel: Channel
) -> None:
    post = make_post(acme, alice, channel, repeat=WEEKLY_3)
    with pytest.raises(ActionError) as e:
        actions.queue_post(post, alice)
    assert "not from the queue" in e.value.errors["repeat"]
    with pytest.raises(ActionError) as e:
        actions.schedule_post(post, alice, None)
    assert "exact time" in e.value.errors["repeat"]
    assert Post.objects.count() == 1


# --- one occurrence, or this and the later ones ------------------------------------------


def test_editing_one_occurrence_changes_only_it(
    acme: Workspace, alice: User, channel: Channel
) -> None:
    post = make_post(acme, alice, channel, repeat=WEEKLY_3)
    actions.schedule_post(post, alice, at(date(YEAR, 5, 4), 9))
    second = series_of(post)[1]
    data = actions.post_input_of(second)
    data.text = "Tips, week two"
    actions.update_post(second, alice, data)
    assert [p.text for p in series_of(post)] == [
        "Evergreen tips",
        "Tips, week two",
        "Evergreen tips",
    ]
    assert second.deliveries.get().status == S.SCHEDULED
    actions.schedule_post(second, alice, at(date(YEAR, 5, 12), 10))  # moved alone
    assert [local(p.scheduled_at) for p in series_of(post)] == [
        f"{YEAR}-05-04 09:00",
        f"{YEAR}-05-12 10:00",
        f"{YEAR}-05-18 09:00",
    ]
    assert Post.objects.count() == 3  # moving an occurrence makes no new series


def test_the_rule_of_a_series_cannot_change(acme: Workspace, alice: User, channel: Channel) -> None:
    post = make_post(acme, alice, channel, repeat=WEEKLY_3)
    actions.schedule_post(post, alice, at(date(YEAR, 5, 4), 9))
    for member in series_of(post):
        data = actions.post_input_of(member)
        data.repeat = Repeat(1, "days", count=3)
        with pytest.raises(ActionError) as e:
            actions.update_post(member, alice, data, scheduling=True)
        assert "Cancel this and the later occurrences" in e.value.errors["repeat"]


def test_a_scheduled_post_starts_repeating_when_scheduled_again(
    acme: Workspace, alice: User, channel: Channel
) -> None:
    post = make_post(acme, alice, channel)
    actions.schedule_post(post, alice, at(date(YEAR, 5, 4), 9))
    data = actions.post_input_of(post)
    data.repeat = WEEKLY_3
    with pytest.raises(ActionError) as e:
        actions.update_post(post, alice, data)
    assert "schedule it again" in e.value.errors["repeat"]
    actions.update_post(post, alice, data, scheduling=True)
    actions.schedule_post(post, alice, at(date(YEAR, 5, 5), 9))
    assert [local(p.scheduled_at)[:10] for p in series_of(post)] == [
        f"{YEAR}-05-05",
        f"{YEAR}-05-12",
        f"{YEAR}-05-19",
    ]


def test_cancel_this_and_later_occurrences(acme: Workspace, alice: User, channel: Channel) -> None:
    post = make_post(acme, alice, channel, repeat=Repeat(1, "weeks", count=4))
    actions.schedule_post(post, alice, at(date(YEAR, 5, 4), 9))
    posts = series_of(post)
    assert series.cancellable_from(posts[1]) == 3
    assert series.cancel_from(posts[1], alice) == 3
    assert [p.status for p in series_of(post)] == [
        Post.Status.SCHEDULED,
        Post.Status.CANCELLED,
        Post.Status.CANCELLED,
        Post.Status.CANCELLED,
    ]
    assert series.cancellable_from(posts[1]) == 0
    assert AuditEvent.objects.filter(action="post.series_cancelled").count() == 1
    with pytest.raises(ActionError):
        series.cancel_from(make_post(acme, alice, channel), alice)


def test_deleting_the_first_post_leaves_the_next_one_leading(
    acme: Workspace, alice: User, channel: Channel
) -> None:
    post = make_post(acme, alice, channel, repeat=WEEKLY_3)
    actions.schedule_post(post, alice, at(date(YEAR, 5, 4), 9))
    _first, second, third = series_of(post)
    actions.delete_post(post, alice)
    assert series_of(second) == [second, third]
    assert {p.series_id for p in series_of(second)} == {second.pk}
    third.refresh_from_db()
    assert series.describe(third).endswith("(2 of 2)")
    assert series.cancel_from(second, alice) == 2


def test_a_duplicate_keeps_the_rule_but_not_the_series(
    acme: Workspace, alice: User, channel: Channel
) -> None:
    post = make_post(acme, alice, channel, repeat=WEEKLY_3)
    actions.schedule_post(post, alice, at(date(YEAR, 5, 4), 9))
    copy = actions.duplicate_post(series_of(post)[1], alice)
    assert copy.series_id is None and copy.status == Post.Status.DRAFT
    assert series.rule_of(copy) == WEEKLY_3
    actions.schedule_post(copy, alice, at(date(YEAR, 6, 1), 9))
    assert len(series_of(copy)) == 3 and len(series_of(post)) == 3


# --- approval ----------------------------------------------------------------------------


@pytest.fixture
def approval(acme: Workspace) -> Workspace:
    Workspace.objects.filter(pk=acme.pk).update(requires_approval=True)
    acme.refresh_from_db()
    return acme


def test_approving_the_first_post_approves_the_waiting_occurrences(
    approval: Workspace, alice: User, bob: User, channel: Channel
) -> None:
    post = make_post(approval, bob, channel, repeat=Repeat(1, "weeks", count=4))
    actions.schedule_post(post, bob, at(date(YEAR, 5, 4), 9))
    posts = series_of(post)
    assert {p.status for p in posts} == {Post.Status.AWAITING_APPROVAL}
    assert {p.author for p in posts} == {bob}
    actions.request_changes(posts[3], "alice@example.com", "Not this one")
    actions.approve_post(posts[2], "alice@example.com")  # one occurrence: only it
    assert [p.status for p in series_of(post)] == [
        Post.Status.AWAITING_APPROVAL,
        Post.Status.AWAITING_APPROVAL,
        Post.Status.SCHEDULED,
        Post.Status.DRAFT,
    ]
    actions.approve_post(post, "alice@example.com")
    assert [p.status for p in series_of(post)] == [
        Post.Status.SCHEDULED,
        Post.Status.SCHEDULED,
        Post.Status.SCHEDULED,
        Post.Status.DRAFT,  # sent back: it waits for its author
    ]
    assert {d.status for d in Delivery.objects.filter(post__in=posts[:3])} == {S.SCHEDULED}
    event = AuditEvent.objects.filter(action="post.approved").latest("id")
    assert event.target.endswith("and 1 later occurrences")


def test_a_post_approved_before_scheduling_repeats_approved(
    approval: Workspace, alice: User, bob: User, channel: Channel
) -> None:
    post = make_post(approval, bob, channel, repeat=WEEKLY_3)
    actions.approve_post(post, "alice@example.com")
    actions.schedule_post(post, bob, at(date(YEAR, 5, 4), 9))
    assert {p.status for p in series_of(post)} == {Post.Status.SCHEDULED}
    assert {p.approved_by for p in series_of(post)} == {"alice@example.com"}


def test_the_client_approval_page_says_that_approving_covers_every_time(
    approval: Workspace, alice: User, bob: User, channel: Channel, client: Client
) -> None:
    post = make_post(approval, bob, channel, repeat=Repeat(1, "weeks", count=3))
    actions.schedule_post(post, bob, at(date(YEAR, 5, 4), 9))
    raw = actions.create_approval_link(post, alice)
    page = client.get(f"/approve/{raw}/").content.decode()
    assert "Repeats every week, 3 times in all (1 of 3)" in page
    assert "Approving it approves every time it repeats." in page
    client.post(f"/approve/{raw}/", {"decision": "approve"})
    assert {p.status for p in series_of(post)} == {Post.Status.SCHEDULED}
