"""Campaign summaries over whole campaigns and periods; posts by campaign name."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from orkesteri.accounts.models import User
from orkesteri.campaigns.models import Campaign
from orkesteri.campaigns.queries import (
    campaign_summaries,
    platform_totals,
    platform_totals_of,
    post_campaign_names,
    post_campaigns,
    post_counts,
    posts_of,
    summary_of,
)
from orkesteri.campaigns.tests.conftest import add_result, add_spend, make_campaign
from orkesteri.publishing.models import Post
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
APRIL = date(2026, 4, 1)


def test_a_whole_campaign(campaign: Campaign) -> None:
    # Budget 1000; other costs 200; Meta 300 (30,000 impressions, 600 clicks),
    # Google 100 (10,000 impressions, 400 clicks); results 10 + 5 conversions, 500 + 250.
    campaign.other_costs = D("200.00")
    campaign.save()
    add_spend(campaign, "300", impressions=30_000, clicks=600)
    add_spend(campaign, "100", platform="Google Ads", impressions=10_000, clicks=400)
    add_result(campaign, date(2026, 4, 3), 10, "500")
    add_result(campaign, date(2026, 4, 4), 5, "250")
    s = summary_of(campaign)
    assert (s.spend, s.other_costs, s.total_cost) == (D("400.00"), D("200.00"), D("600.00"))
    assert (s.impressions, s.clicks, s.conversions, s.revenue) == (40_000, 1000, 15, D("750.00"))
    assert s.cpc == D("0.4000")  # 400 / 1000
    assert s.cpm == D("10.0000")  # 400 / 40,000 × 1000
    assert s.cpa == D("26.6667")  # 400 / 15
    assert s.roi == D("25.00")  # (750 − 600) / 600 × 100
    assert s.romi == D("87.50")  # (750 − 400) / 400 × 100
    assert s.budget_used == D("40.00")  # 400 / 1000 × 100


def test_missing_counts_stay_missing(campaign: Campaign) -> None:
    add_spend(campaign, "50")  # the platform reported no impressions or clicks
    s = summary_of(campaign)
    assert (s.impressions, s.clicks, s.conversions, s.revenue) == (None, None, None, None)
    assert (s.cpc, s.cpm, s.cpa, s.roi, s.romi) == (None, None, None, None, None)
    assert s.budget_used == D("5.00")


def test_a_result_of_zero_is_a_result(campaign: Campaign) -> None:
    add_spend(campaign, "50")
    add_result(campaign, date(2026, 4, 3), 0, "0")
    s = summary_of(campaign)
    assert (s.conversions, s.revenue, s.cpa, s.roi) == (0, D("0.00"), None, D("-100.00"))


def test_extra_clicks_are_added_to_the_platforms(campaign: Campaign) -> None:
    add_spend(campaign, "60", clicks=100)
    assert summary_of(campaign, extra_clicks=20).cpc == D("0.5000")  # 60 / 120
    found = campaign_summaries(campaign.workspace, extra_clicks={"SPRING SALE": 50})
    assert found[0].clicks == 150


def test_a_period_takes_its_share_of_spend_and_other_costs(campaign: Campaign) -> None:
    # Spend 300 over April 1–30 with 3,000 clicks; other costs 60 over the campaign (April).
    campaign.other_costs = D("60.00")
    campaign.save()
    add_spend(campaign, "300", ends_on=date(2026, 4, 30), clicks=3000, impressions=90_000)
    add_result(campaign, date(2026, 4, 5), 2, "100")
    add_result(campaign, date(2026, 4, 20), 3, "900")
    (s,) = campaign_summaries(campaign.workspace, date(2026, 4, 1), date(2026, 4, 10))
    assert (s.spend, s.other_costs, s.clicks, s.impressions) == (
        D("100.00"),
        D("20.00"),
        1000,
        30_000,
    )
    assert (s.conversions, s.revenue) == (2, D("100.00"))
    assert s.roi == D("-16.67")  # (100 − 120) / 120 × 100


def test_a_period_lists_campaigns_that_run_or_have_figures_in_it(acme: Workspace) -> None:
    april = make_campaign(acme, "April")
    june = make_campaign(acme, "June", starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30))
    late = make_campaign(acme, "Late bills", starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 31))
    add_spend(late, "10", starts_on=date(2026, 4, 2))  # an invoice after the campaign
    names = {s.name for s in campaign_summaries(acme, date(2026, 4, 1), date(2026, 4, 30))}
    assert names == {"April", "Late bills"}
    assert {s.id for s in campaign_summaries(acme)} == {april.pk, june.pk, late.pk}


def test_summaries_stay_in_their_workspace(campaign: Campaign, globex: Workspace) -> None:
    make_campaign(globex, "Tea time")
    assert [s.name for s in campaign_summaries(campaign.workspace)] == ["Spring sale"]


def test_platform_totals(campaign: Campaign) -> None:
    add_spend(campaign, "30", impressions=10_000, clicks=60)
    add_spend(campaign, "20", impressions=5_000, clicks=40)
    add_spend(campaign, "80", platform="Telegram Ads", impressions=40_000)
    meta, telegram = sorted(platform_totals(campaign), key=lambda p: p.platform)
    assert (meta.spend, meta.clicks, meta.cpc, meta.cpm) == (
        D("50.00"),
        100,
        D("0.5000"),
        D("3.3333"),
    )
    assert (telegram.clicks, telegram.cpc, telegram.cpm) == (None, None, D("2.0000"))


def test_platform_totals_of_spend_already_read(campaign: Campaign) -> None:
    add_spend(campaign, "30", impressions=10_000, clicks=60)
    add_spend(campaign, "20", impressions=5_000)
    add_spend(campaign, "80", platform="Telegram Ads")
    telegram, meta = platform_totals_of(list(campaign.spends.all()))
    assert (telegram.platform, telegram.spend, telegram.impressions, telegram.clicks) == (
        "Telegram Ads", D("80.00"), None, None,
    )  # fmt: skip
    assert (meta.platform, meta.spend, meta.impressions, meta.clicks) == (
        "Meta Ads", D("50.00"), 15_000, 60,
    )  # fmt: skip


def post(workspace: Workspace, campaign: str) -> Post:
    return Post.objects.create(workspace=workspace, text=f"About {campaign}", campaign=campaign)


def test_posts_match_the_name_in_any_case(
    campaign: Campaign, globex: Workspace, alice: User
) -> None:
    ws = campaign.workspace
    mine = {post(ws, "Spring sale").pk, post(ws, "SPRING SALE").pk}
    post(ws, "Summer")
    post(globex, "Spring sale")
    assert set(posts_of(campaign).values_list("pk", flat=True)) == mine
    assert post_counts(ws) == {"spring sale": 2, "summer": 1}
    assert post_campaign_names(ws) == ["SPRING SALE", "Summer"]
    both = post_campaigns(ws)
    assert (both.counts, both.names) == (post_counts(ws), post_campaign_names(ws))
