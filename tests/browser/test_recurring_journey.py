"""Recurring posts: compose for two channels, give one its own text in its tab, repeat the
post weekly three times, schedule it, and find the three posts on the calendar's list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from browser_helpers import assert_fits, on_phone, phone, shoot, sign_in
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.publishing.models import Post
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db(transaction=True)


def test_compose_with_tabs_and_repeat_weekly(
    page: Page, live_server: LiveServer, alice: User, acme: Workspace
) -> None:
    page.set_default_timeout(15_000)
    news = connect_channel(acme, alice, "feed", {"title": "Acme news"})
    blog = connect_channel(acme, alice, "feed", {"title": "Acme blog"})
    sign_in(page)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Compose").click()

    # Only "All channels" until channels are ticked; each ticked channel adds its tab.
    tabs = page.get_by_role("tablist", name="Text per channel")
    expect(tabs.get_by_role("tab")).to_have_count(1)
    for name in ("Acme news", "Acme blog"):
        page.locator("label.pick").filter(has_text=name).locator("input").check()
    expect(tabs.get_by_role("tab")).to_have_count(3)
    page.get_by_label("Text", exact=True).fill("Brew guide: the pour-over in five steps")

    # The blog gets its own text in its tab; the tab marks it.
    blog_tab = tabs.get_by_role("tab", name="Acme blog")
    blog_tab.click()
    expect(blog_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Text", exact=True)).to_be_hidden()
    own = page.get_by_label("Text for Acme blog")
    own.fill("x" * 10_001)  # too long for the feed: the live check marks the tab
    expect(blog_tab.locator(".mark-problem")).to_be_visible()
    expect(page.get_by_test_id("check-feed").filter(has_text="Acme blog")).to_contain_text(
        "10001 / 10000"
    )
    own.fill("On the blog: the pour-over, step by step, with photos")
    expect(blog_tab.locator(".mark-problem")).to_be_hidden()
    expect(blog_tab.locator(".mark-own")).to_be_visible()
    expect(tabs.get_by_role("tab", name="Acme news").locator(".mark-own")).to_be_hidden()

    # Arrow keys move between the tabs; unticking a channel takes its tab away.
    blog_tab.focus()
    page.keyboard.press("Home")
    all_tab = tabs.get_by_role("tab", name="All channels")
    expect(all_tab).to_be_focused()
    expect(all_tab).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")  # wraps round to the last tab
    expect(tabs.get_by_role("tab").last).to_have_attribute("aria-selected", "true")
    news_pick = page.locator("label.pick").filter(has_text="Acme news").locator("input")
    news_pick.uncheck()
    expect(tabs.get_by_role("tab")).to_have_count(2)
    news_pick.check()
    expect(tabs.get_by_role("tab")).to_have_count(3)

    # Every week, three times, from the 2nd of next month at 10:00.
    today = date.today()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=2)
    page.get_by_label("Publish at").fill(f"{first}T10:00")
    expect(page.get_by_label("Times in all")).to_be_hidden()
    page.get_by_label("Repeat this post").check()
    expect(page.get_by_label("Every", exact=True)).to_have_value("1")
    expect(page.get_by_label("Days, weeks or months")).to_have_value("weeks")
    page.get_by_label("Times in all").fill("3")
    blog_tab.click()
    shoot(page, "40-compose-tabs-repeat")
    with phone(page):
        assert_fits(page)
        expect(blog_tab).to_be_visible()
        shoot(page, "40-compose-tabs-repeat")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("status").first).to_have_text("Scheduled.")
    expect(page.get_by_test_id("repeats")).to_have_text(
        "↻ Repeats every week, 3 times in all (1 of 3)"
    )
    on_phone(page, "41-repeating-post")

    posts = list(Post.objects.order_by("scheduled_at"))
    assert [p.scheduled_at.date() for p in posts] == [  # type: ignore[union-attr]
        first + timedelta(weeks=n) for n in range(3)
    ]
    for post in posts:
        assert post.variants.get(channel=blog).text.startswith("On the blog")
        assert post.variants.get(channel=news).text == ""

    # The calendar's list shows all three.
    page.goto(f"/w/acme/calendar/?view=list&on={first}")
    chips = page.get_by_test_id("calendar-post")
    expect(chips).to_have_count(3)
    expect(chips.first).to_contain_text("Brew guide")
    shoot(page, "42-calendar-list-series")
    on_phone(page, "42-calendar-list-series")

    # Without JavaScript there are no tabs: every text box shows, one under the other.
    browser = page.context.browser
    assert browser is not None
    plain = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    plain_page = plain.new_page()
    sign_in(plain_page)
    plain_page.goto(f"/w/acme/posts/{posts[1].pk}/")
    expect(plain_page.get_by_role("tablist")).to_be_hidden()
    for label in ("Text", "Text for Acme news", "Text for Acme blog"):
        expect(plain_page.get_by_label(label, exact=True)).to_be_visible()
    expect(plain_page.get_by_test_id("repeats")).to_contain_text("(2 of 3)")
    plain_page.wait_for_load_state("networkidle")  # nothing left in flight for the server
    plain.close()
