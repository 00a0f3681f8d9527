from __future__ import annotations

import threading

import feedparser
import pytest
from django.db import connection
from django.test import Client

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.networks.base import Adapter, Draft, Rejected
from orkesteri.networks.feed.adapter import FeedAdapter, entry_title
from orkesteri.networks.feed.models import FeedEntry
from orkesteri.networks.testing import AdapterContract
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


class TestContract(AdapterContract):
    adapter_class = FeedAdapter
    sample_config = {"feed_id": "abc", "title": "News"}

    @pytest.fixture
    def broken_adapter(self) -> Adapter:
        # The feed's "network" is our own database: a feed id too long for its column is
        # the one way it answers with an error (on PostgreSQL; SQLite stores anything).
        if connection.vendor == "sqlite":
            pytest.skip("SQLite does not enforce column lengths")
        return FeedAdapter({}, {"feed_id": "x" * 500})


@pytest.fixture
def feed(acme: Workspace, alice: User) -> Channel:
    return connect_channel(acme, alice, "feed", {"title": "Acme news"})


def read(client: Client, channel: Channel) -> feedparser.FeedParserDict:
    response = client.get(channel.url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_it_connects_with_a_secret_public_url(feed: Channel) -> None:
    assert feed.network == "feed"
    assert feed.url == f"/feeds/{feed.remote_id}.atom"
    assert len(feed.remote_id) >= 24
    assert feed.status == Channel.Status.CONNECTED


def test_an_empty_feed_is_valid_atom(feed: Channel) -> None:
    parsed = read(Client(), feed)
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Acme news"
    assert parsed.entries == []


def test_it_publishes_an_entry_readers_can_follow(feed: Channel) -> None:
    text = "Autumn blend is back!\nRoasted <dark> & smooth. https://acme.example/autumn #coffee"
    receipt = feed.adapter().publish(Draft(text, link="https://acme.example/autumn"), "d-1")
    parsed = read(Client(), feed)
    [entry] = parsed.entries
    assert entry.title == "Autumn blend is back!"
    assert entry.id == f"urn:uuid:{receipt.remote_id}"
    assert entry.link == "https://acme.example/autumn"
    # The text is plain: markup in it is shown, not interpreted.
    assert "Roasted &lt;dark&gt; &amp; smooth." in entry.summary
    assert '<a href="https://acme.example/autumn"' in entry.summary
    assert entry.published_parsed is not None


def test_a_retried_publish_does_not_add_a_second_entry(feed: Channel) -> None:
    adapter = feed.adapter()
    first = adapter.publish(Draft("Only once"), "delivery-7")
    again = adapter.publish(Draft("Only once"), "delivery-7")
    assert first == again
    assert FeedEntry.objects.filter(feed_id=feed.remote_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_with_one_key_make_one_entry(feed: Channel) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs a real server")
    receipts = []

    def publish() -> None:
        receipts.append(FeedAdapter({}, feed.config).publish(Draft("Race"), "same-key"))
        connection.close()

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.remote_id for r in receipts}) == 1
    assert FeedEntry.objects.filter(feed_id=feed.remote_id).count() == 1


def test_it_deletes_an_entry(feed: Channel) -> None:
    adapter = feed.adapter()
    keep = adapter.publish(Draft("Keep me"), "k-1")
    gone = adapter.publish(Draft("Delete me"), "k-2")
    adapter.delete(gone.remote_id)
    assert [e.id for e in read(Client(), feed).entries] == [f"urn:uuid:{keep.remote_id}"]


def test_the_newest_entries_come_first(feed: Channel) -> None:
    adapter = feed.adapter()
    for n in range(3):
        adapter.publish(Draft(f"Post {n}"), f"k-{n}")
    assert [e.title for e in read(Client(), feed).entries] == ["Post 2", "Post 1", "Post 0"]


def test_an_unknown_or_disconnected_feed_is_404(feed: Channel) -> None:
    url = feed.url
    assert Client().get("/feeds/nope.atom").status_code == 404
    feed.delete()
    assert Client().get(url).status_code == 404


def test_feeds_of_one_channel_do_not_show_another_s_entries(
    feed: Channel, acme: Workspace, alice: User
) -> None:
    other = connect_channel(acme, alice, "feed", {"title": "Other"})
    other.adapter().publish(Draft("Other news"), "k-1")
    assert read(Client(), feed).entries == []


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("\n\n  First line  \nsecond", "First line"),
        ("x" * 100, "x" * 79 + "…"),
        ("", ""),
    ],
)
def test_the_entry_title_is_the_first_line(text: str, title: str) -> None:
    assert entry_title(text) == title


def test_deleting_something_that_is_not_an_entry_id_is_refused(feed: Channel) -> None:
    with pytest.raises(Rejected):
        feed.adapter().delete("not-a-uuid")


def test_a_link_that_is_not_a_web_address_is_not_kept(feed: Channel) -> None:
    feed.adapter().publish(Draft("Click", link="javascript:alert(1)"), "k-1")
    [entry] = read(Client(), feed).entries
    assert not entry.link.startswith("javascript:")


def test_images_appear_in_the_entry_and_go_with_it(feed: Channel) -> None:
    from orkesteri.networks.base import Image
    from orkesteri.networks.testing import PIXEL_PNG

    adapter = feed.adapter()
    receipt = adapter.publish(
        Draft("With a picture", images=(Image(PIXEL_PNG, "image/png", 1, 1, alt="A red dot"),)),
        "k-img",
    )
    [entry] = read(Client(), feed).entries
    [enclosure] = entry.enclosures
    assert enclosure.type == "image/png"
    assert 'alt="A red dot"' in entry.summary
    path = enclosure.href.split("testserver", 1)[1]
    served = Client().get(path)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PIXEL_PNG  # type: ignore[attr-defined]
    assert Client().get(path.replace(".png", ".jpg")).status_code == 404
    adapter.delete(receipt.remote_id)
    assert Client().get(path).status_code == 404
