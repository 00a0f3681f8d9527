"""GET /workspaces/{id}/analytics/…: the dashboards' figures as JSON (docs/api.md).

The same functions as the web pages (analytics/dashboards.py) compute them, so the API and
the dashboards never disagree.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from orkesteri.analytics import dashboards, kpis
from orkesteri.analytics.kpis import KpiSet
from orkesteri.analytics.queries import MAX_DAYS, Period, period_from, today_in
from orkesteri.api.schemas import ObjectId
from orkesteri.api.workspaces import ERRORS, caller
from orkesteri.channels.access import get_channel
from orkesteri.publishing.models import Delivery
from orkesteri.workspaces.access import get_workspace_for_user
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.models import Membership
from orkesteri.workspaces.roles import Perm

router = Router(tags=["analytics"])
Number = float | int | None


class PeriodQuery(Schema):
    days: Annotated[int | None, Field(ge=1, le=MAX_DAYS)] = None
    start: date | None = Field(None, alias="from", description="First day, workspace zone")
    end: date | None = Field(None, alias="to", description="Last day, included")
    channel: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(
        default_factory=list, description="Only these channels (repeat the parameter)"
    )


class PeriodOut(Schema):
    start: date
    end: date
    days: int


class DeltaOut(Schema):
    current: Number
    previous: Number
    change: Number
    change_percent: float | None


class CollectionOut(Schema):
    status: str
    message: str
    last_success_at: datetime | None


class ChannelFiguresOut(Schema):
    id: int
    name: str
    network: str
    figures: dict[str, Number]
    collection: CollectionOut | None


class PointOut(Schema):
    day: date
    value: int


class OverviewOut(Schema):
    period: PeriodOut
    previous_period: PeriodOut
    averaging: str
    figures: dict[str, DeltaOut]
    followers: list[PointOut]
    engagements: list[PointOut]
    channels: list[ChannelFiguresOut]


class EarlierOut(Schema):
    posts: int
    er_by_followers: float | None


class GroupOut(Schema):
    key: str
    figures: dict[str, Number]
    previous: EarlierOut | None = Field(
        None, description="The same group in the previous period (null: it had no posts)"
    )


class PostFiguresOut(Schema):
    delivery_id: int
    post_id: int
    channel_id: int
    published_at: datetime
    format: str
    text: str
    url: str
    figures: dict[str, int | None]
    engagements: int | None
    er_by_followers: float | None


class ContentOut(Schema):
    period: PeriodOut
    posts: int
    by_format: list[GroupOut]
    by_pillar: list[GroupOut]
    by_campaign: list[GroupOut]
    by_length: list[GroupOut]
    by_weekday: list[GroupOut]
    by_hashtag: list[GroupOut]
    top: list[PostFiguresOut]
    bottom: list[PostFiguresOut]


class SampleOut(Schema):
    at: datetime
    value: int


class PostAnalyticsOut(Schema):
    delivery_id: int
    figures: dict[str, int | None]
    rates: dict[str, float | None]
    samples: dict[str, list[SampleOut]]
    next_collect_at: datetime | None
    gone: bool


class CellOut(Schema):
    weekday: int
    hour: int
    posts: int
    mean: float | None
    prior: float
    estimate: float


class SlotOut(Schema):
    weekday: int
    time: str


class BestTimeOut(Schema):
    channel_id: int
    posts: int
    window_start_at: datetime
    window_end_at: datetime
    prior_source: str
    confidence: str
    cells: list[CellOut]
    suggested_slots: list[SlotOut]


def _enter(request: HttpRequest, workspace_id: int) -> Membership:
    return get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.VIEW_ANALYTICS)


def _channels(membership: Membership, query: PeriodQuery) -> list[int] | None:
    """The channels asked for, each one of the workspace's (else 404, as for any object of
    another workspace); None: all of them."""
    for channel_id in query.channel:
        get_channel(membership, channel_id)
    return query.channel or None


def _period(membership: Membership, query: PeriodQuery) -> Period:
    asked = {"days": str(query.days or "")}
    if query.start or query.end:
        asked = {"from": str(query.start or ""), "to": str(query.end or "")}
    period, problem = period_from(asked, today_in(membership.workspace))
    if problem:
        raise ActionError({"from" if query.start or query.end else "days": problem})
    return period


def _period_out(period: Period) -> dict[str, Any]:
    return {"start": period.start_on, "end": period.end_on, "days": period.days}


def _figures(found: KpiSet) -> dict[str, Number]:
    return {name: getattr(found, name) for name in kpis.FIGURES}


def _groups(
    groups: dict[Any, KpiSet], before: dict[Any, dashboards.Earlier] | None = None
) -> list[dict[str, Any]]:
    earlier = before or {}
    return [
        {
            "key": str(key),
            "figures": _figures(found),
            "previous": asdict(earlier[key]) if key in earlier else None,
        }
        for key, found in groups.items()
    ]


@router.get(
    "/{workspace_id}/analytics/overview",
    response={200: OverviewOut, **ERRORS},
    summary="Overview: KPIs with the previous period, trends, channels",
)
def overview(
    request: HttpRequest, workspace_id: ObjectId, query: Query[PeriodQuery]
) -> dict[str, Any]:
    membership = _enter(request, workspace_id)
    period = _period(membership, query)
    found = dashboards.overview(membership.workspace, period, _channels(membership, query))
    return {
        "period": _period_out(period),
        "previous_period": _period_out(found.previous),
        "averaging": membership.workspace.er_averaging,
        "figures": {name: asdict(delta) for name, delta in found.deltas.items()},
        "followers": [{"day": day, "value": value} for day, value in found.followers],
        "engagements": [{"day": day, "value": value} for day, value in found.engagement],
        "channels": [
            {
                "id": line.channel.pk,
                "name": line.channel.display_name,
                "network": line.channel.network,
                "figures": _figures(line.kpis),
                "collection": line.collection,
            }
            for line in found.channels
        ],
    }


@router.get(
    "/{workspace_id}/analytics/content",
    response={200: ContentOut, **ERRORS},
    summary="Content: figures by format, pillar, campaign, length, weekday, hashtag; top posts",
)
def content(
    request: HttpRequest, workspace_id: ObjectId, query: Query[PeriodQuery]
) -> dict[str, Any]:
    membership = _enter(request, workspace_id)
    period = _period(membership, query)
    found = dashboards.content(membership.workspace, period, _channels(membership, query))
    return {
        "period": _period_out(period),
        "posts": found.posts,
        **{
            f"by_{table}": _groups(getattr(found, f"by_{table}"), found.before[table])
            for table in dashboards.TABLES
        },
        "top": [_post(row) for row in found.top],
        "bottom": [_post(row) for row in found.bottom],
    }


def _post(row: Any) -> dict[str, Any]:
    return {
        "delivery_id": row.delivery_id,
        "post_id": row.post_id,
        "channel_id": row.channel_id,
        "published_at": row.published_at,
        "format": row.format,
        "text": row.text,
        "url": row.url,
        "figures": asdict(row.figures),
        "engagements": kpis.engagements(row.figures),
        "er_by_followers": kpis.er_by_followers(row.figures),
    }


@router.get(
    "/{workspace_id}/analytics/posts/{delivery_id}",
    response={200: PostAnalyticsOut, **ERRORS},
    summary="One published post's figures and their history",
)
def post(request: HttpRequest, workspace_id: ObjectId, delivery_id: ObjectId) -> dict[str, Any]:
    membership = _enter(request, workspace_id)
    delivery = Delivery.objects.filter(pk=delivery_id, post__workspace=membership.workspace).first()
    if delivery is None:
        raise Http404("No such delivery in this workspace.")
    page = dashboards.post_page(delivery)
    return {
        "delivery_id": delivery.pk,
        "figures": asdict(page.figures),
        "rates": page.rates,
        "samples": {
            metric: [{"at": at, "value": value} for at, value in points]
            for metric, points in page.series.items()
        },
        "next_collect_at": page.stats.next_collect_at if page.stats else None,
        "gone": bool(page.stats and page.stats.gone),
    }


@router.get(
    "/{workspace_id}/analytics/best-time/{channel_id}",
    response={200: BestTimeOut, **ERRORS},
    summary="A channel's best time to post: weekday × hour cells and suggested queue times",
)
def best_time(request: HttpRequest, workspace_id: ObjectId, channel_id: ObjectId) -> dict[str, Any]:
    membership = _enter(request, workspace_id)
    channel = get_channel(membership, channel_id)
    found = dashboards.best_time(membership.workspace, channel)
    heat = found.heatmap
    return {
        "channel_id": channel.pk,
        "posts": heat.posts,
        "window_start_at": heat.window_start_at,
        "window_end_at": heat.window_end_at,
        "prior_source": str(heat.prior_source),
        "confidence": str(heat.confidence),
        "cells": [
            {
                "weekday": c.weekday,
                "hour": c.hour,
                "posts": c.n,
                "mean": c.mean,
                "prior": c.prior,
                "estimate": c.estimate,
            }
            for c in heat.cells
        ],
        "suggested_slots": [
            {"weekday": s.weekday, "time": s.time.strftime("%H:%M")} for s in found.slots
        ],
    }
