"""The calendar: posts on their local day and time, filters, tenancy, drag-to-reschedule."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.publishing import actions, tasks
from orkesteri.publishing.actions import PostInput
from orkesteri.publishing.calendar import (
    month_weeks,
    moved_instant,
    pillar_colour,
    post_url_maker,
)
from orkesteri.publishing.models import Delivery, Post
from orkesteri.testing import logged_in
from orkesteri.workspaces.models import Workspace
from orkesteri.workspaces.roles import Role

pytestmark = pytest.mark.django_db
S = Delivery.Status
HELSINKI = "Europe/Helsinki"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def post_at(
    workspace: Workspace,
    author: User,
    channels: list[Channel],
    when: datetime,
    status: str = S.SCHEDULED,
    **fields: Any,
) -> Post:
    """A post that sits at `when` with its deliveries in `status` (set directly: a fixture)."""
    data = PostInput(
        text=fields.pop("text", "Fresh roast today"), channel_ids=[c.pk for c in channels]
    )
    for name, value in fields.items():
        setattr(data, name, value)
    post = actions.create_post(workspace, author, data)
    post.deliveries.update(status=status, due_at=when)
    actions.refresh_post_status(post)
    Post.objects.filter(pk=post.pk).update(scheduled_at=when)
    post.refresh_from_db()
    return post


def cells(html: str, marker: str = 'data-on="') -> dict[str, list[str]]:
    """Each calendar cell's shown times, by its data-on (and data-hour) attributes."""
    found: dict[str, list[str]] = {}
    parts = html.split(marker)[1:]
    for part in parts:
        key = part.split('"', 1)[0]
        hour = re.match(r'[^"]*" data-hour="(\d+)"', part)
        key = f"{key}@{hour.group(1)}" if hour else key
        found[key] = re.findall(r'<time datetime="[^"]+">([0-9:]+)</time>', part)
    return found


def page(client: Client, workspace: str = "acme", **params: str) -> str:
    r = client.get(f"/w/{workspace}/calendar/", params)
    assert r.status_code == 200
    return r.content.decode()


@pytest.fixture
def dst_posts(acme: Workspace, alice: User, channel: Channel) -> list[Post]:
    # Helsinki moves from +02:00 to +03:00 at 03:00 local on 29 March 2026 (01:00 UTC).
    return [
        post_at(acme, alice, [channel], utc("2026-03-28T22:30"), text="Midnight roast"),
        post_at(acme, alice, [channel], utc("2026-03-29T00:30"), text="Before the change"),
        post_at(acme, alice, [channel], utc("2026-03-29T01:30"), text="After the change"),
    ]


# --- where posts sit -------------------------------------------------------------------------


def test_it_is_the_calendar_not_the_placeholder_section() -> None:
    assert resolve("/w/acme/calendar/").url_name == "calendar"


def test_it_shows_posts_on_their_local_day_across_the_dst_change(
    alice_client: Client, dst_posts: list[Post]
) -> None:
    html = page(alice_client, view="month", on="2026-03-10")
    days = cells(html)
    assert days["2026-03-29"] == ["00:30", "02:30", "04:30"]
    assert days["2026-03-28"] == []
    assert "Europe/Helsinki" in html
    assert "March 2026" in html


def test_its_month_grid_starts_on_monday(alice_client: Client, channel: Channel) -> None:
    days = list(cells(page(alice_client, on="2026-03-15")))
    assert days[0] == "2026-02-23"  # a Monday; 1 March 2026 is a Sunday
    assert days[-1] == "2026-04-05"
    assert month_weeks(2026, 3)[0][0].weekday() == 0


def test_its_week_shows_posts_at_their_local_hour(
    alice_client: Client, dst_posts: list[Post]
) -> None:
    slots = cells(page(alice_client, view="week", on="2026-03-27"))
    assert slots["2026-03-29@0"] == ["00:30"]
    assert slots["2026-03-29@2"] == ["02:30"]
    assert slots["2026-03-29@4"] == ["04:30"]
    assert slots["2026-03-28@22"] == []
    assert next(iter(slots)) == "2026-03-23@0"  # Monday to Sunday


def test_its_list_groups_posts_by_local_day(alice_client: Client, dst_posts: list[Post]) -> None:
    html = page(alice_client, view="list", on="2026-03-29")
    assert "Sunday 29 March 2026" in html
    assert "Saturday 28 March" not in html
    assert re.findall(r">([0-9:]{5})</time>", html) == ["00:30", "02:30", "04:30"]
    assert "Midnight roast" in html


def test_a_chip_links_to_the_post_and_shows_channel_and_status(
    alice_client: Client, acme: Workspace, alice: User, channel: Channel
) -> None:
    post = post_at(acme, alice, [channel], utc("2026-03-10T08:00"), text="Beans\nsecond line")
    html = page(alice_client, on="2026-03-10")
    assert f'href="/w/acme/posts/{post.pk}/"' in html
    assert 'class="net net-scripted"' in html
    assert "Scheduled" in html
    assert ">Beans</span>" in html
    assert "second line" not in html


def test_it_shows_a_few_posts_a_day_and_links_to_the_rest(
    alice_client: Client, acme: Workspace, alice: User, channel: Channel
) -> None:
    for minute in range(6):
        post_at(acme, alice, [channel], utc(f"2026-03-10T08:0{minute}"))
    html = page(alice_client, on="2026-03-10")
    assert len(cells(html)["2026-03-10"]) == 4
    assert "+2 more" in html
    assert "view=week&amp;on=2026-03-10" in html


def test_it_colours_chips_by_pillar(
    alice_client: Client, acme: Workspace, alice: User, channel: Channel
) -> None:
    post_at(acme, alice, [channel], utc("2026-03-10T08:00"), pillar="Coffee")
    html = page(alice_client, on="2026-03-10")
    assert f"--pillar: {pillar_colour('Coffee')}" in html
    assert pillar_colour("Coffee") == pillar_colour(" coffee ")
    assert pillar_colour("") != pillar_colour("Coffee")


def test_it_loads_a_month_in_a_fixed_number_of_queries(
    alice_client: Client,
    acme: Workspace,
    alice: User,
    make_channel: Callable[[str], Channel],
    django_assert_max_num_queries: Any,
) -> None:
    channels = [make_channel(f"c{i}") for i in range(3)]
    for day in range(1, 29):
        post_at(acme, alice, channels, utc(f"2026-03-{day:02d}T08:00"))
    page(alice_client, on="2026-03-10")  # makes the feed token once
    with django_assert_max_num_queries(12):
        page(alice_client, on="2026-03-10")
    with django_assert_max_num_queries(12):
        page(alice_client, view="week", on="2026-03-10")


# --- filters ---------------------------------------------------------------------------------


@pytest.fixture
def mixed(acme: Workspace, alice: User, make_channel: Callable[[str], Channel]) -> dict[str, Any]:
    a, b = make_channel("alpha"), make_channel("beta")
    return {
        "a": a,
        "b": b,
        "coffee": post_at(
            acme,
            alice,
            [a],
            utc("2026-03-10T08:00"),
            text="Coffee post",
            pillar="Coffee",
            campaign="Spring",
        ),
        "tea": post_at(
            acme,
            alice,
            [b],
            utc("2026-03-11T08:00"),
            text="Tea post",
            pillar="Tea",
            status=S.PUBLISHED,
        ),
        "both": post_at(acme, alice, [a, b], utc("2026-03-12T08:00"), text="Both post"),
    }


def shown(html: str) -> set[str]:
    return set(re.findall(r'class="cal-title">([^<]+)<', html)) & {
        "Coffee post",
        "Tea post",
        "Both post",
        "Globex post",
    }


@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_it_filters_by_channel_status_pillar_and_campaign(
    alice_client: Client, mixed: dict[str, Any], view: str
) -> None:
    on = "2026-03-10"
    assert shown(page(alice_client, view=view, on=on)) == {"Coffee post", "Tea post", "Both post"}
    assert shown(page(alice_client, view=view, on=on, channel=str(mixed["b"].pk))) == {
        "Tea post",
        "Both post",
    }
    assert shown(page(alice_client, view=view, on=on, status="published")) == {"Tea post"}
    assert shown(page(alice_client, view=view, on=on, pillar="Coffee")) == {"Coffee post"}
    assert shown(page(alice_client, view=view, on=on, campaign="Spring")) == {"Coffee post"}
    assert shown(page(alice_client, view=view, on=on, pillar="Coffee", status="published")) == set()


def test_it_keeps_the_filters_across_views_and_periods(
    alice_client: Client, mixed: dict[str, Any]
) -> None:
    html = page(alice_client, view="month", on="2026-03-10", pillar="Coffee")
    for link in (
        "view=week&amp;on=2026-03-10&amp;pillar=Coffee",
        "view=list&amp;on=2026-03-10&amp;pillar=Coffee",
        "view=month&amp;on=2026-04-01&amp;pillar=Coffee",
        "view=month&amp;on=2026-02-01&amp;pillar=Coffee",
    ):
        assert link in html


def test_it_says_when_filters_match_nothing(alice_client: Client, mixed: dict[str, Any]) -> None:
    html = page(alice_client, on="2026-03-10", pillar="Nope")
    assert "No posts match these filters here." in html
    assert "Clear the filters" in html


def test_its_empty_states_say_what_to_do_next(
    alice_client: Client, acme: Workspace, alice: User, scripted: Any
) -> None:
    html = page(alice_client)
    assert "Connect the brand's accounts as channels" in html
    assert 'href="/w/acme/channels/"' in html
    connect_channel(acme, alice, "scripted", {"name": "acme"})
    html = page(alice_client)
    assert "Nothing is scheduled in this period." in html
    assert "Compose a post" in html


# --- tenancy ---------------------------------------------------------------------------------


def test_it_never_shows_another_workspaces_posts(
    alice_client: Client,
    acme: Workspace,
    alice: User,
    globex: Workspace,
    charlie: User,
    channel: Channel,
    scripted: Any,
) -> None:
    theirs = connect_channel(globex, charlie, "scripted", {"name": "globex"})
    post_at(globex, charlie, [theirs], utc("2026-03-10T08:00"), text="Globex post", pillar="Secret")
    post_at(acme, alice, [channel], utc("2026-03-10T09:00"), text="Coffee post")
    for view in ("month", "week", "list"):
        html = page(alice_client, view=view, on="2026-03-10")
        assert "Globex post" not in html and "Secret" not in html
        html = page(alice_client, view=view, on="2026-03-10", channel=str(theirs.pk))
        assert "Globex post" not in html
        assert "Coffee post" in html  # a channel of another workspace is no filter at all
    assert logged_in(charlie).get("/w/acme/calendar/").status_code == 404


# --- drag to reschedule ----------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    calls: list[tuple[Any, Any]] = []
    monkeypatch.setattr(
        tasks.publish_delivery, "schedule", lambda args, eta=None: calls.append((args, eta))
    )
    return calls


def move(client: Client, post: Post, on: str, hour: str = "") -> Any:
    body = {"post": str(post.pk), "on": on}
    if hour:
        body["hour"] = hour
    return client.post("/w/acme/calendar/move/", body, headers={"HX-Request": "true"})


def test_it_moves_a_post_to_another_day_keeping_its_local_time(
    alice_client: Client,
    acme: Workspace,
    alice: User,
    channel: Channel,
    queued: list[tuple[Any, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # 10:15 in Helsinki on the day before the clocks go forward (+02:00) …
    post = post_at(acme, alice, [channel], utc("2030-03-30T08:15"))
    before = post.deliveries.get()
    with django_capture_on_commit_callbacks(execute=True):
        r = move(alice_client, post, "2030-03-31")
    assert r.status_code == 200
    # … is 10:15 in Helsinki on the day after (+03:00).
    post.refresh_from_db()
    assert post.scheduled_at == utc("2030-03-31T07:15")
    after = post.deliveries.get()
    assert after.status == S.SCHEDULED
    assert after.due_at == utc("2030-03-31T07:15")
    assert after.version > before.version
    assert queued == [((after.pk, after.version), utc("2030-03-31T07:15"))]
    html = r.content.decode()
    assert f'id="post-{post.pk}"' in html and ">10:15</time>" in html
    assert "Moved to 2030-03-31 at 10:15 (Europe/Helsinki)." in html


def test_it_moves_a_post_to_another_hour_in_the_week(
    alice_client: Client, acme: Workspace, alice: User, channel: Channel, queued: Any
) -> None:
    post = post_at(acme, alice, [channel], utc("2030-03-30T08:15"))
    assert move(alice_client, post, "2030-04-02", hour="18").status_code == 200
    post.refresh_from_db()
    assert post.scheduled_at == utc("2030-04-02T15:15")  # 18:15 at +03:00


def test_a_manager_may_move_posts(
    acme: Workspace, alice: User, channel: Channel, member_of_role: Any, queued: Any
) -> None:
    post = post_at(acme, alice, [channel], utc("2030-03-30T08:15"))
    assert move(logged_in(member_of_role(Role.MANAGER)), post, "2030-04-01").status_code == 200


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR, Role.CLIENT])
def test_it_refuses_to_move_for_roles_without_publish(
    acme: Workspace, alice: User, channel: Channel, member_of_role: Any, role: str
) -> None:
    post = post_at(acme, alice, [channel], utc("2030-03-30T08:15"))
    client = logged_in(member_of_role(role))
    r = move(client, post, "2030-04-01")
    assert r.status_code == 403
    assert "cannot reschedule" in r.content.decode()
    post.refresh_from_db()
    assert post.scheduled_at == utc("2030-03-30T08:15")
    assert 'draggable="true"' not in page(client, on="2030-03-30")


def test_it_refuses_to_move_a_published_post(
    alice_client: Client, acme: Workspace, alice: User, channel: Channel
) -> None:
    post = post_at(acme, alice, [channel], utc("2030-03-30T08:15"), status=S.PUBLISHED)
    r = move(alice_client, post, "2030-04-01")
    assert r.status_code == 409
    assert "stays where it is" in r.content.decode()
    post.refresh_from_db()
    assert post.scheduled_at == utc("2030-03-30T08:15")
    html = page(alice_client, on="2030-03-30")
    assert f'data-post="{post.pk}"' not in html  # not draggable


def test_it_refuses_a_time_that_has_passed(
    alice_client: Client, acme: Workspace, alice: User, channel: Channel
) -> None:
    post = post_at(acme, alice, [channel], utc("2030-03-30T08:15"))
    r = move(alice_client, post, "2020-01-01")
    assert r.status_code == 422
    assert "That time has passed" in r.content.decode()
    post.refresh_from_db()
    assert post.scheduled_at == utc("2030-03-30T08:15")


@pytest.mark.parametrize(
    ("on", "hour", "message"),
    [
        ("", "", "Day: give a date"),
        ("29.3.2030", "", "Day: give a date"),
        ("2030-04-01", "25", "Hour: give a whole hour"),
    ],
)
def test_it_names_the_field_of_bad_input(
    alice_client: Client,
    acme: Workspace,
    alice: User,
    channel: Channel,
    on: str,
    hour: str,
    message: str,
) -> None:
    post = post_at(acme, alice, [channel], utc("2030-03-30T08:15"))
    r = move(alice_client, post, on, hour)
    assert r.status_code == 422
    assert message in r.content.decode()


def test_it_cannot_move_another_workspaces_post(
    alice_client: Client, globex: Workspace, charlie: User, scripted: Any
) -> None:
    theirs = connect_channel(globex, charlie, "scripted", {"name": "globex"})
    post = post_at(globex, charlie, [theirs], utc("2030-03-30T08:15"))
    assert move(alice_client, post, "2030-04-01").status_code == 404
    post.refresh_from_db()
    assert post.scheduled_at == utc("2030-03-30T08:15")


# --- pure helpers ----------------------------------------------------------------------------


def test_a_move_into_the_spring_gap_lands_after_it() -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(HELSINKI)
    # 03:30 does not exist on 31 March 2030 in Helsinki: it is read at +02:00, i.e. 04:30 EEST.
    moved = moved_instant(utc("2030-03-30T01:30"), date(2030, 3, 31), None, zone)
    assert moved == utc("2030-03-31T01:30")
    assert moved.astimezone(zone).strftime("%H:%M") == "04:30"


def test_it_links_chips_to_the_post_page() -> None:
    assert post_url_maker("acme")(42) == "/w/acme/posts/42/"
