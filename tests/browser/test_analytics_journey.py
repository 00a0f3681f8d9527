"""Analytics with demo history: the overview's cards and charts, a channel, the content
comparison, a post's figures over time, and the best-time map whose suggested times go into
the channel's queue in one click."""

from __future__ import annotations

import pytest
from browser_helpers import assert_fits, on_phone, shoot, sign_in
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from orkesteri.accounts.models import User
from orkesteri.analytics.demo import generate_history
from orkesteri.publishing.models import QueueSlot
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db(transaction=True)


def test_dashboards_with_demo_history(
    page: Page, live_server: LiveServer, alice: User, acme: Workspace
) -> None:
    page.set_default_timeout(20_000)
    generate_history(acme, days=120, channels=4, seed=3)
    sign_in(page)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Analytics").click()

    # Overview: cards with their change, two charts, the channels with their state.
    expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
    cards = page.locator(".an-card")
    expect(cards.filter(has_text="Engagements")).to_be_visible()
    expect(cards.filter(has_text="ER by followers").locator(".an-value")).to_contain_text("%")
    expect(page.locator(".an-chart svg")).to_have_count(2)
    table = page.locator("table").first
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table).to_contain_text("Demo figures")
    shoot(page, "analytics-overview", docs_as="analytics.png")
    on_phone(page, "analytics-overview")

    # A longer period: 90 days, compared with the 90 before.
    page.get_by_role("link", name="90 days").click()
    expect(page.get_by_text("(90 days), compared with the 90 days before")).to_be_visible()

    # One channel.
    first = table.locator("tbody tr").first.get_by_role("link").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_role("heading", name="Top posts")).to_be_visible()
    shoot(page, "analytics-channel")

    # Content: formats, pillars… and the top posts; a post's own page.
    page.get_by_role("link", name="Content", exact=True).click()
    expect(page.get_by_role("heading", name="By format")).to_be_visible()
    expect(page.get_by_role("heading", name="By pillar")).to_be_visible()
    shoot(page, "analytics-content")
    assert_fits(page)
    page.locator("table").filter(has_text="ER by followers").last.locator("tbody a").first.click()
    expect(page.get_by_role("heading", name="Post figures")).to_be_visible()
    expect(page.locator(".an-chart svg")).to_have_count(1)
    shoot(page, "analytics-post")

    # Best time: the map, and its suggested times go into the queue.
    page.get_by_role("link", name="Best time", exact=True).click()
    expect(page.locator(".an-heatmap svg")).to_be_visible()
    expect(page.get_by_text("Based on")).to_be_visible()
    suggested = page.locator(".an-slots li")
    count = suggested.count()
    assert count >= 3
    shoot(page, "analytics-best-time", docs_as="best-time.png")
    on_phone(page, "analytics-best-time")
    page.get_by_role("button", name="Add these times to the queue").click()
    expect(page.get_by_text(f"{count} times added to the queue")).to_be_visible()
    assert QueueSlot.objects.filter(channel__workspace=acme).count() == count
