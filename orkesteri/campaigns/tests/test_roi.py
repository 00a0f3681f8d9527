"""The formulas, against figures worked out by hand (docs/campaigns.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from orkesteri.campaigns import roi
from orkesteri.campaigns.roi import CampaignSummary


def test_cpc_is_spend_over_clicks() -> None:
    assert roi.cpc(D("120.50"), 241) == D("0.5")
    assert roi.cpc(D("10"), 3) == D(10) / D(3)


def test_cpm_is_spend_per_thousand_impressions() -> None:
    # 200 spent on 100,000 impressions: 200 / 100,000 × 1000 = 2.
    assert roi.cpm(D("200"), 100_000) == D(2)
    assert roi.cpm(D("500"), 50_000) == D(10)
    assert roi.cpm(D("1"), 3) == D(1) / D(3) * 1000


def test_cpa_is_spend_over_conversions() -> None:
    assert roi.cpa(D("300"), 12) == D(25)


def test_roi_counts_every_cost() -> None:
    assert roi.roi(D("1500"), D("1000")) == D(50)
    assert roi.roi(D("500"), D("1000")) == D(-50)
    assert roi.roi(D("0"), D("1000")) == D(-100)
    assert roi.roi(D("1000"), D("1000")) == D(0)


def test_romi_counts_ad_spend_only() -> None:
    assert roi.romi(D("3000"), D("1200")) == D(150)


def test_budget_used() -> None:
    assert roi.budget_used(D("250"), D("1000")) == D(25)
    assert roi.budget_used(D("1200"), D("1000")) == D(120)  # overspent


def test_a_zero_denominator_gives_no_figure() -> None:
    assert roi.cpc(D("10"), 0) is None
    assert roi.cpm(D("10"), 0) is None
    assert roi.cpa(D("10"), 0) is None
    assert roi.roi(D("10"), D("0")) is None
    assert roi.romi(D("10"), D("0")) is None
    assert roi.budget_used(D("10"), D("0")) is None


def test_a_missing_number_gives_no_figure() -> None:
    assert roi.cpc(D("10"), None) is None
    assert roi.cpm(D("10"), None) is None
    assert roi.cpa(D("10"), None) is None
    assert roi.roi(None, D("100")) is None  # no result recorded: not -100 %
    assert roi.romi(None, D("100")) is None
    assert roi.cpc(None, 10) is None


def test_zero_spend_is_a_figure() -> None:
    assert roi.cpc(D("0"), 10) == D(0)
    assert roi.cpa(D("0"), 4) == D(0)


def test_prorate_spreads_an_amount_evenly_over_its_days() -> None:
    april_1, april_30 = date(2026, 4, 1), date(2026, 4, 30)
    assert roi.prorate(D("300"), april_1, april_30, None, None) == D("300")
    assert roi.prorate(D("300"), april_1, april_30, date(2026, 4, 1), date(2026, 4, 10)) == D(100)
    # The period starts before the entry and ends inside it: 5 of 30 days.
    assert roi.prorate(D("300"), april_1, april_30, date(2026, 3, 1), date(2026, 4, 5)) == D(50)
    assert roi.prorate(D("300"), april_1, april_30, date(2026, 5, 1), None) == D(0)
    assert roi.prorate(D("7"), april_1, april_1, april_1, april_1) == D(7)


def summary(**changes: object) -> CampaignSummary:
    values: dict[str, object] = {
        "id": 1,
        "name": "Spring",
        "currency": "EUR",
        "starts_on": date(2026, 4, 1),
        "ends_on": date(2026, 4, 30),
        "budget": D("400.00"),
        "spend": D("100.00"),
        "other_costs": D("50.00"),
        "impressions": 40_000,
        "clicks": 3,
        "conversions": 7,
        "revenue": D("200.00"),
    }
    return CampaignSummary(**{**values, **changes})  # type: ignore[arg-type]


def test_a_summary_rounds_once_for_every_reader() -> None:
    s = summary()
    assert s.total_cost == D("150.00")
    assert s.cpc == D("33.3333")  # 100 / 3
    assert s.cpm == D("2.5000")  # 100 / 40,000 × 1000
    assert s.cpa == D("14.2857")  # 100 / 7
    assert s.roi == D("33.33")  # (200 − 150) / 150 × 100
    assert s.romi == D("100.00")  # (200 − 100) / 100 × 100
    assert s.budget_used == D("25.00")  # 100 / 400 × 100


def test_a_summary_without_results_or_counts_shows_dashes() -> None:
    s = summary(impressions=None, clicks=None, conversions=None, revenue=None, budget=D("0"))
    assert (s.cpc, s.cpm, s.cpa, s.roi, s.romi, s.budget_used) == (None,) * 6


money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)


@given(revenue=money, cost=money.filter(lambda c: c > 0))
def test_roi_is_positive_exactly_when_revenue_exceeds_cost(revenue: D, cost: D) -> None:
    value = roi.roi(revenue, cost)
    assert value is not None
    assert (value > 0) == (revenue > cost)
    assert (value == 0) == (revenue == cost)
