"""Clicks per channel, campaign and post for dashboards; per delivery for the collector."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from orkesteri.accounts.models import User
from orkesteri.channels.models import Channel
from orkesteri.links.models import LinkDay, ShortLink
from orkesteri.links.queries import Counts, clicks_by, clicks_by_delivery, counts_by
from orkesteri.workspaces.models import Workspace

from .conftest import LINK, make_post

pytestmark = pytest.mark.django_db
MAR_1, MAR_2, MAR_3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)


@pytest.fixture
def links(
    acme: Workspace,
    globex: Workspace,
    alice: User,
    feed: Channel,
    channel: Channel,
    make_link: Callable[..., ShortLink],
) -> dict[str, ShortLink]:
    post = make_post(acme, alice, feed, channel, link=LINK, short_link=True)
    found = {
        "feed": make_link(post=post, channel=feed, campaign="Autumn"),
        "scripted": make_link(post=post, channel=channel, campaign="Autumn"),
        "other": make_link(channel=feed, campaign=""),
        "globex": make_link(workspace=globex, campaign="Autumn"),
    }
    for name, day, clicks in [
        ("feed", MAR_1, 3),
        ("feed", MAR_2, 4),
        ("feed", MAR_3, 100),  # after the range
        ("scripted", MAR_2, 5),
        ("other", MAR_1, 1),
        ("globex", MAR_1, 1000),
    ]:
        LinkDay.objects.create(
            link=found[name], day=day, clicks=clicks, unique_visitors=1, bot_clicks=2
        )
    return found


def test_clicks_per_channel(links: dict[str, ShortLink], acme: Workspace) -> None:
    feed, scripted = links["feed"].channel_id, links["scripted"].channel_id
    assert clicks_by(acme, MAR_1, MAR_2, by="channel") == {feed: 3 + 4 + 1, scripted: 5}


def test_clicks_per_campaign(links: dict[str, ShortLink], acme: Workspace) -> None:
    assert clicks_by(acme, MAR_1, MAR_2, by="campaign") == {"Autumn": 12, "": 1}


def test_clicks_per_post(links: dict[str, ShortLink], acme: Workspace) -> None:
    assert clicks_by(acme, MAR_2, MAR_3, by="post") == {links["feed"].post_id: 109}


def test_counts_have_uniques_and_bots(links: dict[str, ShortLink], acme: Workspace) -> None:
    found = counts_by(acme, MAR_1, MAR_1, by="campaign")
    assert found == {"Autumn": Counts(3, 1, 2), "": Counts(1, 1, 2)}


def test_an_unknown_grouping_is_refused(acme: Workspace) -> None:
    with pytest.raises(ValueError, match="by must be one of"):
        counts_by(acme, MAR_1, MAR_2, by="weekday")  # type: ignore[arg-type]


def test_clicks_by_delivery(links: dict[str, ShortLink], acme: Workspace, alice: User) -> None:
    post = links["feed"].post
    assert post is not None
    feed_delivery, scripted_delivery = post.deliveries.order_by("channel_id")
    ShortLink.objects.filter(pk=links["feed"].pk).update(delivery=feed_delivery)
    ShortLink.objects.filter(pk=links["scripted"].pk).update(delivery=scripted_delivery)
    LinkDay.objects.filter(link=links["scripted"]).delete()
    feed = links["feed"].channel
    assert feed is not None
    lonely = make_post(acme, alice, feed).deliveries.get()
    assert clicks_by_delivery([feed_delivery.pk, scripted_delivery.pk, lonely.pk]) == {
        feed_delivery.pk: 107,
        scripted_delivery.pk: 0,
    }
