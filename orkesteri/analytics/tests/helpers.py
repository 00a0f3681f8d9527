"""Published deliveries for the analytics tests, made directly (no network involved)."""

from __future__ import annotations

from datetime import datetime

from orkesteri.analytics.collect import hashtags
from orkesteri.analytics.kpis import POST_FIELDS, PostFigures
from orkesteri.analytics.models import PostStats
from orkesteri.channels.models import Channel
from orkesteri.publishing.models import Delivery, Post, Variant


def published(
    channel: Channel, at: datetime, text: str = "", remote_id: str = "", pillar: str = ""
) -> Delivery:
    """A post published on `channel` at `at`, as the engine leaves it."""
    post = Post.objects.create(
        workspace=channel.workspace,
        text=text,
        status=Post.Status.PUBLISHED,
        scheduled_at=at,
        pillar=pillar,
    )
    variant = Variant.objects.create(post=post, channel=channel)
    return Delivery.objects.create(
        post=post,
        variant=variant,
        channel=channel,
        status=Delivery.Status.PUBLISHED,
        published_at=at,
        remote_id=remote_id,
    )


def with_figures(delivery: Delivery, figures: PostFigures) -> PostStats:
    """The delivery's latest figures, as the collector stores them."""
    assert delivery.published_at is not None
    text = delivery.post.text
    return PostStats.objects.create(
        delivery=delivery,
        workspace_id=delivery.post.workspace_id,
        channel_id=delivery.channel_id,
        published_at=delivery.published_at,
        length=len(text),
        hashtags=hashtags(text),
        **{name: getattr(figures, name) for name in POST_FIELDS},
    )
