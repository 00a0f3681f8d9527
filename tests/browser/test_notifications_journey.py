"""Notifications: a post the network refuses shows up as a count on the bell; the author
opens the notifications page, reads the network's message, clicks it and lands on the post,
and the count is gone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from browser_helpers import on_phone, shoot, sign_in
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.networks.base import Draft, Receipt, Rejected
from orkesteri.networks.feed.adapter import FeedAdapter
from orkesteri.publishing import actions
from orkesteri.publishing.models import Delivery
from orkesteri.publishing.tasks import publish_delivery
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db(transaction=True)

REFUSAL = "The feed is full: remove an old entry first."


def test_the_author_follows_a_failure_from_the_bell_to_the_post(
    page: Page,
    live_server: LiveServer,
    alice: User,
    acme: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page.set_default_timeout(15_000)
    feed = connect_channel(acme, alice, "feed", {"title": "Acme news"})

    def refuse(self: FeedAdapter, draft: Draft, key: str) -> Receipt:
        raise Rejected(REFUSAL)

    monkeypatch.setattr(FeedAdapter, "publish", refuse)
    post = actions.create_post(
        acme, alice, actions.PostInput(text="Winter blend is back", channel_ids=[feed.pk])
    )
    actions.schedule_post(post, alice, timezone.now() + timedelta(hours=1))
    delivery = post.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    delivery.refresh_from_db()
    publish_delivery.call_local(delivery.pk, delivery.version)  # the worker's turn
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED

    # The bell in the top bar counts one unread notification, on a phone too.
    sign_in(page)
    bell = page.get_by_role("link", name="Notifications: 1 unread")
    expect(bell).to_be_visible()
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    on_phone(page, "40-bell")
    bell.click()

    # The page shows it highlighted, with the network's own words and the workspace.
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    item = page.get_by_test_id("notification")
    expect(item).to_have_count(1)
    expect(item).to_have_class("card notification unread")
    expect(item).to_contain_text("A post to Acme news was not published")
    expect(item).to_contain_text(REFUSAL)
    expect(item).to_contain_text("Acme Coffee")
    shoot(page, "41-notifications")
    on_phone(page, "41-notifications")

    # Clicking it opens the post and marks it read.
    item.get_by_role("button").click()
    expect(page).to_have_url(f"{live_server.url}/w/acme/posts/{post.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Post")
    expect(page.locator("table.deliveries")).to_contain_text("Failed")
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    page.get_by_role("link", name="Notifications", exact=True).click()
    expect(page.get_by_test_id("notification")).to_have_class("card notification")
    expect(page.get_by_role("button", name="Mark all as read")).to_have_count(0)
