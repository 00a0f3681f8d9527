"""A post that counts clicks sends each channel its own short link, made once per delivery."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone

from orkesteri.accounts.models import User
from orkesteri.channels.models import Channel
from orkesteri.links import actions
from orkesteri.links.models import ShortLink
from orkesteri.networks.base import AdapterError
from orkesteri.networks.feed.models import FeedEntry
from orkesteri.publishing import engine
from orkesteri.publishing.models import Delivery, Post
from orkesteri.publishing.tasks import publish_delivery
from orkesteri.publishing.tests.conftest import Scripted
from orkesteri.workspaces.models import Workspace

from .conftest import LINK, make_post, publish

pytestmark = pytest.mark.django_db
S = Delivery.Status


@override_settings(BASE_URL="https://smm.example")
def test_the_feed_gets_the_short_link_to_the_tagged_link(
    acme: Workspace, alice: User, feed: Channel
) -> None:
    post = make_post(acme, alice, feed, link=LINK, utm=True, short_link=True, campaign="Autumn")
    [delivery] = publish(post, alice)
    assert delivery.status == S.PUBLISHED
    link = ShortLink.objects.get()
    entry = FeedEntry.objects.get()
    assert entry.link == f"https://smm.example/l/{link.code}"
    assert link.target == (
        "https://acme.example/autumn?ref=news&utm_source=feed&utm_medium=social"
        f"&utm_campaign=autumn&utm_content=post-{post.pk}#menu"
    )
    assert (link.workspace, link.delivery, link.post, link.channel, link.campaign) == (
        acme,
        delivery,
        post,
        feed,
        "Autumn",
    )


def test_a_network_without_link_cards_gets_the_short_link_in_the_text(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    post = make_post(acme, alice, channel, text="Read this", link=LINK, short_link=True)
    publish(post, alice)
    link = ShortLink.objects.get()
    [draft] = scripted.posts.values()
    assert draft.link == ""
    assert draft.text == f"Read this\n\n{actions.short_url(link.code)}"
    assert link.target == LINK  # no UTM toggle: the link as written


def test_each_channel_gets_its_own_short_link(
    acme: Workspace, alice: User, feed: Channel, channel: Channel, scripted: type[Scripted]
) -> None:
    post = make_post(acme, alice, feed, channel, link=LINK, utm=True, short_link=True)
    publish(post, alice)
    links = {link.channel_id: link for link in ShortLink.objects.all()}
    assert set(links) == {feed.pk, channel.pk}
    assert links[feed.pk].code != links[channel.pk].code
    assert "utm_source=feed" in links[feed.pk].target
    assert "utm_source=scripted" in links[channel.pk].target


def test_a_retried_send_keeps_its_short_link(
    acme: Workspace, alice: User, channel: Channel, scripted: type[Scripted]
) -> None:
    scripted.script = [AdapterError("The network is down")]
    post = make_post(acme, alice, channel, text="Read this", link=LINK, short_link=True)
    [delivery] = publish(post, alice)
    assert delivery.status == S.RETRYING
    first = ShortLink.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    publish_delivery.call_local(delivery.pk, delivery.version)
    delivery.refresh_from_db()
    assert delivery.status == S.PUBLISHED
    assert list(ShortLink.objects.all()) == [first]
    assert [d.text for d in scripted.posts.values()] == [
        f"Read this\n\n{actions.short_url(first.code)}"
    ]


def test_making_the_link_twice_gives_the_same_code(
    acme: Workspace, alice: User, feed: Channel
) -> None:
    post = make_post(acme, alice, feed, link=LINK, short_link=True)
    delivery = post.deliveries.select_related("post", "channel").get()
    first = actions.link_for_delivery(delivery, LINK)
    Post.objects.filter(pk=post.pk).update(campaign="Late autumn")
    delivery.post.refresh_from_db()
    again = actions.link_for_delivery(delivery, LINK + "&v=2")
    assert again.code == first.code
    assert ShortLink.objects.get().target == LINK + "&v=2"  # the post's link now
    assert ShortLink.objects.get().campaign == "Late autumn"


def test_a_taken_code_is_drawn_again(
    acme: Workspace, alice: User, feed: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    ShortLink.objects.create(workspace=acme, code="Taken00", target="https://acme.example/")
    codes = iter(["Taken00", "Fresh00"])
    monkeypatch.setattr(actions, "new_code", lambda: next(codes))
    post = make_post(acme, alice, feed, link=LINK, short_link=True)
    delivery = post.deliveries.select_related("post").get()
    assert actions.link_for_delivery(delivery, LINK).code == "Fresh00"


def test_codes_are_seven_characters_of_base62() -> None:
    codes = {actions.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 7 and c.isascii() and c.isalnum() for c in codes)


def test_without_a_link_no_short_link_is_made(acme: Workspace, alice: User, feed: Channel) -> None:
    post = make_post(acme, alice, feed, short_link=True)
    [delivery] = publish(post, alice)
    assert delivery.status == S.PUBLISHED
    assert not ShortLink.objects.exists()


def test_the_composer_counts_a_short_links_length(feed: Channel, channel: Channel) -> None:
    planned = engine.planned_link(LINK, channel, utm=True, short_link=True, campaign="A")
    assert planned == actions.placeholder_url()
    assert len(planned) == len(actions.short_url(actions.new_code()))
    tagged = engine.planned_link(LINK, channel, utm=True, short_link=False, post_id=42)
    assert "utm_content=post-42" in tagged
    assert engine.planned_link("", channel, utm=True, short_link=True) == ""
