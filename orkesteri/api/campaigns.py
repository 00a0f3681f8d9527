"""Campaign figures: GET /api/v1/workspaces/{id}/analytics/campaigns (docs/campaigns.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from orkesteri.api.schemas import ObjectId
from orkesteri.api.workspaces import ERRORS, caller
from orkesteri.campaigns import queries
from orkesteri.campaigns.roi import CampaignSummary
from orkesteri.workspaces.access import get_workspace_for_user
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.roles import Perm

router = Router(tags=["analytics"])

MONEY = 'An amount in the campaign\'s currency, as a string with two decimals: "120.50".'
MISSING = "null when nothing reported it."
FORMULA = "null when its denominator is 0 or missing (docs/campaigns.md)."


class PeriodQuery(Schema):
    start: date | None = Field(
        None, ge=date(2000, 1, 1), le=date(2999, 12, 31), description="First day (included)."
    )
    end: date | None = Field(
        None, ge=date(2000, 1, 1), le=date(2999, 12, 31), description="Last day (included)."
    )


class CampaignFiguresOut(Schema):
    id: int
    name: str
    currency: str = Field(description="ISO 4217 code; every amount of the campaign is in it.")
    starts_on: date
    ends_on: date
    budget: Decimal = Field(description=MONEY)
    spend: Decimal = Field(description="Ad spend. " + MONEY)
    other_costs: Decimal = Field(description="Production, fees and the like. " + MONEY)
    total_cost: Decimal = Field(description="spend + other_costs. " + MONEY)
    impressions: int | None = Field(description="As the ad platforms report them; " + MISSING)
    clicks: int | None = Field(description="As the ad platforms report them; " + MISSING)
    conversions: int | None = Field(description="null when no result is recorded.")
    revenue: Decimal | None = Field(description="null when no result is recorded. " + MONEY)
    cpc: Decimal | None = Field(description="spend / clicks; " + FORMULA)
    cpm: Decimal | None = Field(description="spend / impressions × 1000; " + FORMULA)
    cpa: Decimal | None = Field(description="spend / conversions; " + FORMULA)
    roi: Decimal | None = Field(
        description="(revenue − total_cost) / total_cost × 100, in %; " + FORMULA
    )
    romi: Decimal | None = Field(description="(revenue − spend) / spend × 100, in %; " + FORMULA)
    budget_used: Decimal | None = Field(description="spend / budget × 100, in %; " + FORMULA)
    posts: int = Field(description="Posts whose campaign field holds the campaign's name.")


def _out(summary: CampaignSummary, posts: dict[str, int]) -> CampaignFiguresOut:
    return CampaignFiguresOut(
        id=summary.id,
        name=summary.name,
        currency=summary.currency,
        starts_on=summary.starts_on,
        ends_on=summary.ends_on,
        budget=summary.budget,
        spend=summary.spend,
        other_costs=summary.other_costs,
        total_cost=summary.total_cost,
        impressions=summary.impressions,
        clicks=summary.clicks,
        conversions=summary.conversions,
        revenue=summary.revenue,
        cpc=summary.cpc,
        cpm=summary.cpm,
        cpa=summary.cpa,
        roi=summary.roi,
        romi=summary.romi,
        budget_used=summary.budget_used,
        posts=posts.get(summary.name.casefold(), 0),
    )


@router.get(
    "/{workspace_id}/analytics/campaigns",
    response={200: list[CampaignFiguresOut], **ERRORS},
    summary="Campaign spend, results, CPC, CPM, CPA, ROI and ROMI",
    description="Every campaign that runs in the period or has figures in it, newest first. "
    "Without start and end, each campaign's whole figures. With them, results dated in the "
    "period, and the part of each spend entry and of the other costs that falls in it, spread "
    "evenly over their days.",
)
def campaign_figures(
    request: HttpRequest, workspace_id: ObjectId, query: Query[PeriodQuery]
) -> list[CampaignFiguresOut]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.VIEW_ANALYTICS)
    if query.start and query.end and query.end < query.start:
        raise ActionError({"end": _("end must be on or after start.")})
    ws = membership.workspace
    posts = queries.post_counts(ws)
    return [_out(s, posts) for s in queries.campaign_summaries(ws, query.start, query.end)]
