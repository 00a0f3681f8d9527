"""Short-link fixtures: the feed channel (our own network) and the scripted test network."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.links.models import ShortLink
from orkesteri.publishing import actions
from orkesteri.publishing.actions import PostInput
from orkesteri.publishing.models import Delivery, Post
from orkesteri.publishing.tasks import publish_delivery
from orkesteri.publishing.tests.conftest import channel, scripted  # noqa: F401 (fixtures)
from orkesteri.workspaces.models import Workspace

LINK = "https://acme.example/autumn?ref=news#menu"


@pytest.fixture
def feed(acme: Workspace, alice: User) -> Channel:
    return connect_channel(acme, alice, "feed", {"title": "Acme news"})


def make_post(workspace: Workspace, author: User, *channels: Channel, **fields: Any) -> Post:
    data = PostInput(text=fields.pop("text", "Autumn blend"), channel_ids=[c.pk for c in channels])
    for name, value in fields.items():
        setattr(data, name, value)
    return actions.create_post(workspace, author, data)


def publish(post: Post, author: User) -> list[Delivery]:
    """Schedule the post and run its sends as the worker would at the due time."""
    actions.schedule_post(post, author, timezone.now() + timedelta(hours=1))
    deliveries = list(post.deliveries.order_by("pk"))
    for delivery in deliveries:
        delivery.refresh_from_db()
        Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
        publish_delivery.call_local(delivery.pk, delivery.version)
        delivery.refresh_from_db()
    return deliveries


@pytest.fixture
def published_link(acme: Workspace, alice: User, feed: Channel) -> ShortLink:
    """The short link of a post published to the feed, counting clicks."""
    post = make_post(acme, alice, feed, link=LINK, utm=True, short_link=True, campaign="Autumn")
    [delivery] = publish(post, alice)
    return ShortLink.objects.get(delivery=delivery)


@pytest.fixture
def make_link(acme: Workspace) -> Callable[..., ShortLink]:
    """A short link of acme with no post behind it."""
    counter = iter(range(1000))

    def make(target: str = "https://acme.example/", **fields: Any) -> ShortLink:
        return ShortLink.objects.create(
            workspace=fields.pop("workspace", acme),
            code=fields.pop("code", f"code{next(counter)}"),
            target=target,
            **fields,
        )

    return make
