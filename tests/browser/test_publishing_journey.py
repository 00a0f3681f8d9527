"""Publishing: upload an image, compose with the brand logo on it, schedule, find it on the
calendar, drag it to the next day, let it go out to the feed channel and read it in the
Atom feed; then a client approves another post through a link, without an account."""

from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import feedparser
import pytest
from browser_helpers import on_phone, shoot, sign_in
from django.utils import timezone
from PIL import Image
from playwright.sync_api import FilePayload, Page, expect
from pytest_django.live_server_helper import LiveServer

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.publishing import actions, engine
from orkesteri.publishing.models import Delivery, Post
from orkesteri.workspaces.actions import set_logo
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db(transaction=True)


def picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1000), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def logo() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (200, 200), (255, 255, 255, 255)).save(out, "PNG")
    return out.getvalue()


def test_compose_schedule_move_and_publish_to_the_feed(
    page: Page, live_server: LiveServer, alice: User, acme: Workspace
) -> None:
    page.set_default_timeout(15_000)
    set_logo(alice, acme, logo())
    feed = connect_channel(acme, alice, "feed", {"title": "Acme news"})
    sign_in(page)

    # Upload a photo to the media library.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Media").click()
    beans: FilePayload = {"name": "beans.jpg", "mimeType": "image/jpeg", "buffer": picture()}
    page.get_by_label("Images").set_input_files([beans])
    page.get_by_label("Alt text (optional)").fill("Roasted beans")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("img[alt='Roasted beans']").first).to_be_visible()

    # Compose: the feed channel, text, the image with the logo, a time tomorrow at 10:00.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Compose").click()
    page.locator("label.pick").filter(has_text="Acme news").locator("input").check()
    page.get_by_label("Text", exact=True).fill("Fresh roast, straight from the drum ☕ #coffee")
    expect(page.get_by_test_id("check-feed").get_by_test_id("counter")).to_contain_text("/ 10000")
    page.locator("label.pick-image input").first.check()
    page.get_by_label("Add the brand logo to the images").check()
    local = (timezone.now() + timedelta(days=1)).astimezone(ZoneInfo(acme.timezone))
    page.get_by_label("Publish at").fill(f"{local:%Y-%m-%d}T10:00")
    shoot(page, "30-compose", docs_as="compose.png")
    on_phone(page, "30-compose")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("status").first).to_have_text("Scheduled.")
    post = Post.objects.get()
    delivery = Delivery.objects.get(post=post)
    assert delivery.status == Delivery.Status.SCHEDULED
    assert f"{delivery.due_at.astimezone(ZoneInfo(acme.timezone)):%H:%M}" == "10:00"  # type: ignore[union-attr]

    # The calendar shows it; drag it one day later, keeping 10:00.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Calendar").click()
    chip = page.get_by_test_id("calendar-post").first
    expect(chip).to_be_visible()
    next_day = f"{local + timedelta(days=1):%Y-%m-%d}"
    target = page.locator(f"[data-on='{next_day}']").first
    if not target.count():  # the last day of the month: go to the next month
        page.get_by_role("link", name="Next").click()
        target = page.locator(f"[data-on='{next_day}']").first
    chip.drag_to(target)
    expect(page.locator(f"[data-on='{next_day}'] [data-testid=calendar-post]")).to_have_count(1)
    shoot(page, "31-calendar", docs_as="calendar.png")
    on_phone(page, "31-calendar")
    delivery.refresh_from_db()
    moved = delivery.due_at.astimezone(ZoneInfo(acme.timezone))  # type: ignore[union-attr]
    assert f"{moved:%Y-%m-%d %H:%M}" == f"{next_day} 10:00"

    # Its time comes: the engine publishes it to the feed, with the watermarked image.
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    engine.sweep()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PUBLISHED, delivery.last_error
    page.goto(f"/w/acme/posts/{post.pk}/")
    expect(page.get_by_test_id("delivery")).to_contain_text("Published")
    shoot(page, "32-published")
    parsed = feedparser.parse(page.request.get(f"{live_server.url}{feed.url}").body())
    [entry] = parsed.entries
    assert entry.title == "Fresh roast, straight from the drum ☕ #coffee"
    [enclosure] = entry.enclosures
    image = Image.open(io.BytesIO(page.request.get(enclosure.href).body()))
    assert image.size == (1200, 675)
    # The white logo sits in the bottom-right corner of the blue photo.
    r, g, b = image.convert("RGB").getpixel((image.width - 60, image.height - 40))  # type: ignore[misc]
    assert r > 150 and g > 150, (r, g, b)


def test_a_client_approves_through_the_link(
    page: Page, live_server: LiveServer, alice: User, acme: Workspace
) -> None:
    page.set_default_timeout(15_000)
    Workspace.objects.filter(pk=acme.pk).update(requires_approval=True)
    feed = connect_channel(acme, alice, "feed", {"title": "Acme news"})
    post = actions.create_post(
        acme, alice, actions.PostInput(text="Winter blend", channel_ids=[feed.pk])
    )
    actions.schedule_post(post, alice, timezone.now() + timedelta(days=2))
    sign_in(page)
    page.goto(f"/w/acme/posts/{post.pk}/")
    page.get_by_role("button", name="Approval link for the client").click()
    message = page.get_by_role("status").first.inner_text()
    link = message[message.index("http") :].split()[0]
    client = page.context.browser.new_context()  # type: ignore[union-attr]
    client_page = client.new_page()
    client_page.goto(link)
    expect(client_page.get_by_text("Winter blend")).to_be_visible()
    shoot(client_page, "33-client-approval", docs_as="client-approval.png")
    client_page.get_by_role("button", name="Approve").click()
    expect(client_page.get_by_text("Approved. Thank you!")).to_be_visible()
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert post.approved_by == "client link"
