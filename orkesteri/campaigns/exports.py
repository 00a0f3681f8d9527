"""The campaign tables as CSV files: one header row, numbers with a dot, dates in ISO 8601
(written by lib/csvfile.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.utils.text import slugify

from orkesteri.campaigns.models import Campaign, Result, Spend
from orkesteri.campaigns.roi import CampaignSummary
from orkesteri.publishing.models import Post

Cell = str | int | Decimal | date | None


def file_name(campaign: Campaign | None, table: str) -> str:
    stem = slugify(campaign.name)[:60] if campaign else ""
    return f"{stem or 'campaigns'}-{table}.csv"


SUMMARY_HEADER = (
    "campaign", "starts_on", "ends_on", "currency", "budget", "spend", "budget_used_percent",
    "other_costs", "total_cost", "impressions", "clicks", "conversions", "revenue", "cpc",
    "cpm", "cpa", "roi_percent", "romi_percent", "posts",
)  # fmt: skip


def summary_rows(
    summaries: Iterable[CampaignSummary], posts: dict[str, int]
) -> Iterable[Sequence[Cell]]:
    for s in summaries:
        yield (
            s.name, s.starts_on, s.ends_on, s.currency, s.budget, s.spend, s.budget_used,
            s.other_costs, s.total_cost, s.impressions, s.clicks, s.conversions, s.revenue,
            s.cpc, s.cpm, s.cpa, s.roi, s.romi, posts.get(s.name.casefold(), 0),
        )  # fmt: skip


SPEND_HEADER = (
    "campaign", "platform", "amount", "currency", "starts_on", "ends_on", "impressions",
    "clicks", "note",
)  # fmt: skip


def spend_rows(campaign: Campaign, spends: Iterable[Spend]) -> Iterable[Sequence[Cell]]:
    """The same columns the spend import reads: an export can be imported elsewhere."""
    for s in spends:
        yield (
            campaign.name, s.platform, s.amount, s.currency, s.starts_on, s.ends_on,
            s.impressions, s.clicks, s.note,
        )  # fmt: skip


RESULT_HEADER = ("campaign", "date", "conversions", "revenue", "currency", "source", "note")


def result_rows(campaign: Campaign, results: Iterable[Result]) -> Iterable[Sequence[Cell]]:
    for r in results:
        yield (campaign.name, r.on, r.conversions, r.revenue, r.currency, r.source, r.note)


POST_HEADER = ("post_id", "scheduled_at_utc", "status", "pillar", "text")


def post_rows(posts: Iterable[Post]) -> Iterable[Sequence[Cell]]:
    for p in posts:
        yield (p.pk, p.scheduled_at, p.status, p.pillar, p.text)
