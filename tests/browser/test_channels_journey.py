"""Channels: connect the built-in feed, send a test post and see it in the feed, see a
refused connection explained, disconnect."""

from __future__ import annotations

import feedparser
import pytest
from browser_helpers import on_phone, shoot, sign_in
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from orkesteri.accounts.models import User
from orkesteri.channels.models import Channel
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_connects_a_feed_tests_it_and_disconnects(
    page: Page, live_server: LiveServer, alice: User, acme: Workspace
) -> None:
    page.set_default_timeout(10_000)
    sign_in(page, "alice@example.com")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Channels").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Channels")
    expect(page.get_by_text("No channels yet")).to_be_visible()
    shoot(page, "20-channels-empty")
    on_phone(page, "20-channels-empty")

    page.get_by_test_id("connect-feed").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Connect Atom feed")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    page.get_by_label("Feed title").fill("Acme news")
    shoot(page, "21-connect-feed")
    on_phone(page, "21-connect-feed")
    page.get_by_role("button", name="Connect").click()

    expect(page).to_have_url(f"{live_server.url}/w/acme/channels/")
    expect(page.get_by_role("status")).to_have_text("Acme news is connected.")
    card = page.get_by_test_id("channel").filter(has_text="Acme news")
    expect(card.get_by_test_id("channel-status")).to_have_text("Connected")
    expect(card).to_contain_text("Not used yet.")

    card.get_by_role("button", name="Send a test post").click()
    expect(page.get_by_role("status")).to_contain_text("Test post published to Acme news.")
    expect(card).to_contain_text("(Europe/Helsinki)")
    shoot(page, "22-channels", docs_as="channels.png")
    on_phone(page, "22-channels", open_menu=True)

    channel = Channel.objects.get(workspace=acme)
    feed = page.request.get(f"{live_server.url}{channel.url}")
    parsed = feedparser.parse(feed.body())
    assert not parsed.bozo
    assert parsed.entries[0].title.startswith("Test post from Orkesteri")

    card.get_by_role("link", name="Disconnect").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Disconnect Acme news?")
    shoot(page, "23-disconnect")
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("status")).to_have_text("Acme news is disconnected.")
    expect(page.get_by_text("No channels yet")).to_be_visible()
    assert page.request.get(f"{live_server.url}{channel.url}").status == 404
