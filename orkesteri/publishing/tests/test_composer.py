"""The composer's text tabs and its Repeat control; a series on the post's page.

The composer's other behaviour (save, schedule, autosave, approval, queue) is tested in
tests/test_composer.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.publishing import actions, series
from orkesteri.publishing.models import Delivery, Post
from orkesteri.publishing.series import Repeat
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
YEAR = date.today().year + 1


@pytest.fixture
def feed(acme: Workspace, alice: User) -> Channel:
    return connect_channel(acme, alice, "feed", {"title": "Acme news"})


@pytest.fixture
def blog(acme: Workspace, alice: User) -> Channel:
    return connect_channel(acme, alice, "feed", {"title": "Acme blog"})


def form(*channels: Channel, **values: Any) -> dict[str, Any]:
    return {
        "text": "Autumn blend is back",
        "channels": [c.pk for c in channels],
        "action": "save",
        **values,
    }


def tag(page: str, id_: str) -> str:
    """The opening tag of the element with this id."""
    found = re.search(rf'<[a-z]+ [^>]*id="{id_}"[^>]*>', page)
    assert found, id_
    return found.group(0)


def marks(page: str, channel: Channel) -> set[str]:
    """The markers its tab shows: "own" (its own text), "problem"."""
    found = re.search(rf'id="tab-{channel.pk}".*?</button>', page, re.S)
    assert found
    tags = re.findall(r'<span class="tab-mark mark-(\w+)"([^>]*)>', found.group(0))
    return {name for name, rest in tags if " hidden" not in rest}


# --- tabs ------------------------------------------------------------------------------


def test_the_text_has_a_tab_for_all_channels_and_one_per_channel(
    alice_client: Client, feed: Channel, blog: Channel
) -> None:
    page = alice_client.get(f"/w/acme/compose/?channel={feed.pk}").content.decode()
    assert 'role="tablist"' in page and 'aria-label="Text per channel"' in page
    assert 'aria-selected="true"' in tag(page, "tab-all")
    assert "All channels" in page
    feed_tab, blog_tab = tag(page, f"tab-{feed.pk}"), tag(page, f"tab-{blog.pk}")
    assert f'aria-controls="panel-{feed.pk}"' in feed_tab and "hidden" not in feed_tab
    assert "hidden" in blog_tab  # not chosen: composer.js shows it when it is ticked
    assert 'tabindex="-1"' in feed_tab
    assert f'aria-labelledby="tab-{feed.pk}"' in tag(page, f"panel-{feed.pk}")
    assert "Text for Acme news" in page  # each box keeps its label, for the page without tabs
    assert "<noscript><style>" in page


def test_a_tab_marks_a_channel_with_its_own_text_and_one_with_problems(
    alice_client: Client, feed: Channel, blog: Channel
) -> None:
    values = {f"override_{blog.pk}": "x" * 10_001, "action": "schedule"}
    r = alice_client.post("/w/acme/compose/", form(feed, blog, **values))
    assert r.status_code == 422  # no time given
    page = r.content.decode()
    assert marks(page, feed) == set()
    assert marks(page, blog) == {"own", "problem"}
    assert "own text" in page


def test_a_tab_with_an_error_opens_first(
    alice_client: Client, feed: Channel, blog: Channel
) -> None:
    r = alice_client.post(
        "/w/acme/compose/", form(feed, blog, **{f"override_{blog.pk}": "x" * 50_001})
    )
    page = r.content.decode()
    assert 'aria-selected="true"' in tag(page, f"tab-{blog.pk}")
    assert "hidden" not in tag(page, f"panel-{blog.pk}")
    assert "hidden" in tag(page, "panel-all")


def test_the_live_checks_name_their_channel_for_the_tabs(
    alice_client: Client, feed: Channel, blog: Channel
) -> None:
    values = {f"override_{blog.pk}": "x" * 10_001}
    page = alice_client.post("/w/acme/compose/check/", form(feed, blog, **values)).content
    cards = re.findall(r'<section class="([^"]*)"[^>]*data-channel="(\d+)"', page.decode())
    assert {channel: css for css, channel in cards} == {
        str(feed.pk): "check card",
        str(blog.pk): "check card has-problems",
    }


def test_a_saved_post_opens_with_its_own_texts(
    alice_client: Client, alice: User, feed: Channel, blog: Channel
) -> None:
    data = actions.PostInput(
        text="For all", channel_ids=[feed.pk, blog.pk], overrides={blog.pk: "Only the blog"}
    )
    post = actions.create_post(feed.workspace, alice, data)
    page = alice_client.get(f"/w/acme/posts/{post.pk}/").content.decode()
    assert "Only the blog</textarea>" in page
    assert "hidden" not in tag(page, f"tab-{blog.pk}")
    assert (marks(page, feed), marks(page, blog)) == (set(), {"own"})
    assert "Only the blog" in page.split('id="checks"')[1]  # the preview uses it


def test_a_published_post_shows_its_texts_without_tabs(
    alice_client: Client, alice: User, feed: Channel, blog: Channel
) -> None:
    data = actions.PostInput(
        text="For all", channel_ids=[feed.pk, blog.pk], overrides={blog.pk: "Only the blog"}
    )
    post = actions.create_post(feed.workspace, alice, data)
    Delivery.objects.filter(post=post).update(status=Delivery.Status.PUBLISHED)
    page = alice_client.get(f"/w/acme/posts/{post.pk}/").content.decode()
    assert 'role="tablist"' not in page
    assert "hidden" not in tag(page, f"panel-{blog.pk}")
    assert "hidden" in tag(page, f"panel-{feed.pk}")  # no text of its own


# --- repeat ----------------------------------------------------------------------------


def weekly(**values: Any) -> dict[str, Any]:
    return {
        "repeat": "on",
        "repeat_every": "1",
        "repeat_unit": "weeks",
        "repeat_ends": "count",
        "repeat_count": "3",
        **values,
    }


def test_schedule_a_weekly_post_three_times(alice_client: Client, feed: Channel) -> None:
    values = weekly(action="schedule", scheduled_at=f"{YEAR}-05-04T09:00")
    r = alice_client.post("/w/acme/compose/", form(feed, **values))
    assert r.status_code == 302, r.content.decode()
    posts = list(Post.objects.order_by("scheduled_at"))
    zone = ZoneInfo(feed.workspace.timezone)
    assert [f"{p.scheduled_at.astimezone(zone):%m-%d %H:%M}" for p in posts] == [  # type: ignore[union-attr]
        "05-04 09:00",
        "05-11 09:00",
        "05-18 09:00",
    ]
    assert {p.status for p in posts} == {Post.Status.SCHEDULED}
    page = alice_client.get(r["Location"]).content.decode()
    assert "Repeats every week, 3 times in all (1 of 3)" in page
    assert "Cancel this and later occurrences" in page
    assert 'data-testid="repeat"' not in page  # a series' rule shows, but cannot change
    assert "Changes here apply to this occurrence only" in page


def test_a_repeat_until_a_date(alice_client: Client, feed: Channel) -> None:
    values = weekly(
        action="schedule",
        scheduled_at=f"{YEAR}-05-04T09:00",
        repeat_every="2",
        repeat_ends="until",
        repeat_until=f"{YEAR}-06-01",
    )
    assert alice_client.post("/w/acme/compose/", form(feed, **values)).status_code == 302
    first = Post.objects.order_by("scheduled_at").first()
    assert first is not None
    assert series.rule_of(first) == Repeat(2, "weeks", until=date(YEAR, 6, 1))
    assert series.describe(first) == f"Repeats every 2 weeks until 1 June {YEAR} (1 of 3)"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (weekly(repeat_count=""), "Say how many times in all."),
        (weekly(repeat_count="101"), "Ensure this value is less than or equal to 100."),
        (weekly(repeat_ends="until"), "Choose the last date."),
        (weekly(repeat_every=""), "Say how often it repeats."),
        (
            weekly(repeat_ends="until", repeat_until=f"{YEAR}-05-01"),
            "The last date is before the first time (4 May",
        ),
        (weekly(action="queue"), "not from the queue"),
        (weekly(action="now"), "A repeating post starts at an exact time"),
    ],
)
def test_a_bad_repeat_is_explained_and_nothing_is_saved(
    alice_client: Client, feed: Channel, values: dict[str, Any], message: str
) -> None:
    values = {"action": "schedule", "scheduled_at": f"{YEAR}-05-04T09:00", **values}
    r = alice_client.post("/w/acme/compose/", form(feed, **values))
    assert r.status_code == 422
    assert message in r.content.decode()
    assert not Post.objects.exists()


def test_a_draft_keeps_its_repeat_rule(alice_client: Client, feed: Channel) -> None:
    alice_client.post("/w/acme/compose/", form(feed, **weekly()))
    post = Post.objects.get()
    assert series.rule_of(post) == Repeat(1, "weeks", count=3)
    page = alice_client.get(f"/w/acme/posts/{post.pk}/").content.decode()
    assert re.search(r'<input type="checkbox" name="repeat"[^>]*checked', page)
    assert 'name="repeat_count" value="3"' in page
    alice_client.post(f"/w/acme/posts/{post.pk}/", form(feed))  # Repeat unticked
    post.refresh_from_db()
    assert series.rule_of(post) is None


def test_an_occurrence_saves_without_touching_the_rule(alice_client: Client, feed: Channel) -> None:
    values = weekly(action="schedule", scheduled_at=f"{YEAR}-05-04T09:00")
    alice_client.post("/w/acme/compose/", form(feed, **values))
    second = Post.objects.order_by("scheduled_at")[1]
    r = alice_client.post(f"/w/acme/posts/{second.pk}/", form(feed, text="Week two"))
    assert r.status_code == 302
    second.refresh_from_db()
    assert second.text == "Week two" and series.rule_of(second) == Repeat(1, "weeks", count=3)
    assert Post.objects.filter(text="Autumn blend is back").count() == 2


def test_cancel_this_and_later_occurrences(
    alice_client: Client, feed: Channel, member_of_role: Callable[[str], User]
) -> None:
    values = weekly(action="schedule", scheduled_at=f"{YEAR}-05-04T09:00")
    alice_client.post("/w/acme/compose/", form(feed, **values))
    first, second, third = Post.objects.order_by("scheduled_at")
    viewer = Client()
    viewer.force_login(member_of_role("viewer"))
    page = viewer.get(f"/w/acme/posts/{second.pk}/").content.decode()
    assert "Repeats every week, 3 times in all (2 of 3)" in page
    assert viewer.post(f"/w/acme/posts/{second.pk}/cancel/", {"scope": "later"}).status_code == 403
    r = alice_client.post(f"/w/acme/posts/{second.pk}/cancel/", {"scope": "later"}, follow=True)
    assert "Cancelled 2 occurrences" in r.content.decode()
    statuses = [p.status for p in Post.objects.order_by("scheduled_at")]
    assert statuses == [Post.Status.SCHEDULED, Post.Status.CANCELLED, Post.Status.CANCELLED]
    assert first.deliveries.get().status == Delivery.Status.SCHEDULED
    assert third.deliveries.get().status == Delivery.Status.CANCELLED


def test_the_repeat_help_says_how_it_works(alice_client: Client, feed: Channel) -> None:
    page = alice_client.get("/w/acme/compose/").content.decode()
    assert "Repeat this post" in page
    assert "Each time becomes a post of its own on the calendar" in page
    assert "cancel the remaining times and schedule a copy" in page


def test_a_scheduled_post_opens_with_its_time_in_the_workspace_zone(
    alice_client: Client, acme: Workspace, alice: User, feed: Channel
) -> None:
    post = actions.create_post(acme, alice, actions.PostInput(text="Hi", channel_ids=[feed.pk]))
    helsinki = datetime(YEAR, 7, 1, 9, 30, tzinfo=ZoneInfo("Europe/Helsinki"))
    actions.schedule_post(post, alice, helsinki)
    page = alice_client.get(f"/w/acme/posts/{post.pk}/").content.decode()
    assert f'value="{YEAR}-07-01T09:30"' in tag(page, "id_scheduled_at")  # not 06:30 UTC
