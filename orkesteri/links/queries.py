"""Short-link clicks for pages, dashboards and the metrics collector.

Days are UTC dates, both ends included. Unique visitors are estimated per link and day, so a
range's unique count is the sum of daily uniques: a person who clicks on two days counts
twice (nobody can be recognised across days, by design: docs/links.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Literal, NamedTuple, TypedDict

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from orkesteri.links.models import LinkDay, ShortLink
from orkesteri.workspaces.models import Workspace

By = Literal["channel", "campaign", "post"]
GROUPS: dict[str, str] = {
    "channel": "link__channel_id",
    "campaign": "link__campaign",
    "post": "link__post_id",
}


class LinkCounts(TypedDict):
    clicks: int
    unique_visitors: int
    bot_clicks: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a test extra: types only

    CountedLink = WithAnnotations[ShortLink, LinkCounts]  # ShortLink with its LinkCounts
else:
    CountedLink = ShortLink  # WithAnnotations takes one argument at run time


class Counts(NamedTuple):
    clicks: int
    unique_visitors: int
    bot_clicks: int


def counts_by(workspace: Workspace, start: date, end: date, by: By) -> dict[int | str, Counts]:
    """Clicks, estimated unique visitors and bot clicks per channel id, campaign name ("" for
    none) or post id, over the days from `start` to `end`. Links whose channel or post was
    deleted are left out of those groupings."""
    if by not in GROUPS:
        raise ValueError(f"by must be one of {', '.join(GROUPS)}, not {by!r}")
    key = GROUPS[by]
    rows = (
        LinkDay.objects.filter(link__workspace=workspace, day__gte=start, day__lte=end)
        .values(key)
        .annotate(c=Sum("clicks"), u=Sum("unique_visitors"), b=Sum("bot_clicks"))
        .order_by()
    )
    return {
        row[key]: Counts(row["c"] or 0, row["u"] or 0, row["b"] or 0)
        for row in rows
        if row[key] is not None
    }


def clicks_by(
    workspace: Workspace, start: date, end: date, by: By = "channel"
) -> dict[int | str, int]:
    """People's clicks (bots left out) per channel id, campaign name or post id."""
    return {key: counts.clicks for key, counts in counts_by(workspace, start, end, by).items()}


def clicks_by_delivery(delivery_ids: Iterable[int]) -> dict[int, int]:
    """All-time clicks of the deliveries that have a short link (0 if nobody clicked yet);
    a delivery without one is absent, so its PostStats.clicks can stay null."""
    rows = (
        ShortLink.objects.filter(delivery_id__in=list(delivery_ids))
        .values_list("delivery_id")
        .annotate(total=Coalesce(Sum("days__clicks"), 0))
        .order_by()
    )
    return {delivery_id: total for delivery_id, total in rows}


def links_with_counts(workspace: Workspace, since: date) -> QuerySet[CountedLink]:
    """The workspace's short links, newest first, each with `clicks`, `unique_visitors` and
    `bot_clicks` from the day `since` on."""
    recent = Q(days__day__gte=since)
    return (
        ShortLink.objects.filter(workspace=workspace)
        .select_related("post", "channel", "delivery")
        .annotate(
            clicks=Coalesce(Sum("days__clicks", filter=recent), 0),
            unique_visitors=Coalesce(Sum("days__unique_visitors", filter=recent), 0),
            bot_clicks=Coalesce(Sum("days__bot_clicks", filter=recent), 0),
        )
        .order_by("-created_at", "-id")
    )
