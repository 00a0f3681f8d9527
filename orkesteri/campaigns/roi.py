"""The campaign formulas (docs/campaigns.md, with sources). Pure: numbers in, numbers out.

Each returns None when its denominator is 0 or missing (None), and when a number it needs is
missing: the page shows a dash rather than a figure that means nothing. Results are exact
Decimals; `CampaignSummary` rounds them once for every reader (page, CSV, API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

HUNDRED = Decimal(100)
THOUSAND = Decimal(1000)
CENTS = Decimal("0.01")
UNIT_PLACES = Decimal("0.0001")  # a click can cost less than a cent


def _ratio(numerator: Decimal | int | None, denominator: Decimal | int | None) -> Decimal | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def cpc(spend: Decimal | None, clicks: int | None) -> Decimal | None:
    """Cost per click: spend / clicks."""
    return _ratio(spend, clicks)


def cpm(spend: Decimal | None, impressions: int | None) -> Decimal | None:
    """Cost per mille (thousand impressions): spend / impressions × 1000."""
    value = _ratio(spend, impressions)
    return None if value is None else value * THOUSAND


def cpa(spend: Decimal | None, conversions: int | None) -> Decimal | None:
    """Cost per acquisition (conversion): spend / conversions."""
    return _ratio(spend, conversions)


def roi(revenue: Decimal | None, total_cost: Decimal | None) -> Decimal | None:
    """Return on investment, %: (revenue − total cost) / total cost × 100,
    where total cost = ad spend + other costs."""
    if revenue is None or total_cost is None:
        return None
    value = _ratio(revenue - total_cost, total_cost)
    return None if value is None else value * HUNDRED


def romi(revenue: Decimal | None, ad_spend: Decimal | None) -> Decimal | None:
    """Return on marketing investment, %: (revenue − ad spend) / ad spend × 100."""
    return roi(revenue, ad_spend)


def budget_used(spend: Decimal | None, budget: Decimal | None) -> Decimal | None:
    """Share of the ad budget spent, %: ad spend / budget × 100 (over 100 when overspent)."""
    value = _ratio(spend, budget)
    return None if value is None else value * HUNDRED


def prorate(
    amount: Decimal, starts_on: date, ends_on: date, start: date | None, end: date | None
) -> Decimal:
    """The part of `amount` spread evenly over the days starts_on..ends_on (both included)
    that falls in start..end (both included; None = open). Exact, not rounded."""
    first = max(starts_on, start) if start else starts_on
    last = min(ends_on, end) if end else ends_on
    if last < first:
        return Decimal(0)
    days = (ends_on - starts_on).days + 1
    inside = (last - first).days + 1
    return amount if inside == days else amount * inside / days


def _cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENTS)


def _units(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(UNIT_PLACES)


@dataclass(frozen=True)
class CampaignSummary:
    """A campaign's figures over a period: the sums and the formulas on them.

    `impressions`, `clicks`, `conversions` and `revenue` are None when nothing reported them
    (no spend entry with impressions, no result at all): missing, not zero.
    """

    id: int
    name: str
    currency: str
    starts_on: date
    ends_on: date
    budget: Decimal
    spend: Decimal
    other_costs: Decimal
    impressions: int | None
    clicks: int | None
    conversions: int | None
    revenue: Decimal | None

    @property
    def total_cost(self) -> Decimal:
        return self.spend + self.other_costs

    @property
    def cpc(self) -> Decimal | None:
        return _units(cpc(self.spend, self.clicks))

    @property
    def cpm(self) -> Decimal | None:
        return _units(cpm(self.spend, self.impressions))

    @property
    def cpa(self) -> Decimal | None:
        return _units(cpa(self.spend, self.conversions))

    @property
    def roi(self) -> Decimal | None:
        return _cents(roi(self.revenue, self.total_cost))

    @property
    def romi(self) -> Decimal | None:
        return _cents(romi(self.revenue, self.spend))

    @property
    def budget_used(self) -> Decimal | None:
        return _cents(budget_used(self.spend, self.budget))
