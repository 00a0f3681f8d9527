"""A campaign of acme in EUR, and helpers to fill it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from orkesteri.accounts.models import User
from orkesteri.campaigns import actions
from orkesteri.campaigns.models import Campaign, Result, Spend
from orkesteri.workspaces.models import Workspace


def make_campaign(
    workspace: Workspace,
    name: str = "Spring sale",
    *,
    currency: str = "EUR",
    budget: str = "1000",
    other_costs: str = "0",
    starts_on: date = date(2026, 4, 1),
    ends_on: date = date(2026, 4, 30),
) -> Campaign:
    data = actions.CampaignInput(
        name=name,
        currency=currency,
        starts_on=starts_on,
        ends_on=ends_on,
        budget=Decimal(budget),
        other_costs=Decimal(other_costs),
    )
    return actions.create_campaign(workspace, None, data)


def add_spend(
    campaign: Campaign,
    amount: str,
    *,
    platform: str = "Meta Ads",
    starts_on: date = date(2026, 4, 1),
    ends_on: date | None = None,
    impressions: int | None = None,
    clicks: int | None = None,
) -> Spend:
    data = actions.SpendInput(
        platform=platform,
        amount=Decimal(amount),
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        impressions=impressions,
        clicks=clicks,
    )
    return actions.add_spend(campaign, None, data)


def add_result(campaign: Campaign, on: date, conversions: int = 0, revenue: str = "0") -> Result:
    data = actions.ResultInput(on=on, conversions=conversions, revenue=Decimal(revenue))
    return actions.add_result(campaign, None, data)


@pytest.fixture
def campaign(acme: Workspace, alice: User) -> Campaign:
    return make_campaign(acme)
