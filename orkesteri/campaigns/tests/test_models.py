"""What a campaign, a spend entry and a result accept (through actions.py, which checks)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from orkesteri.campaigns import actions
from orkesteri.campaigns.models import Campaign, Result, Spend
from orkesteri.campaigns.tests.conftest import add_result, add_spend, make_campaign
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.models import AuditEvent, Workspace

pytestmark = pytest.mark.django_db


def test_it_creates_a_campaign_and_audits_it(acme: Workspace) -> None:
    c = make_campaign(acme, " Spring sale ", currency="eur")
    assert (c.name, c.currency, c.budget) == ("Spring sale", "EUR", Decimal("1000.00"))
    assert AuditEvent.objects.filter(action="campaign.created", target="Spring sale").exists()


def test_a_campaign_ends_on_or_after_its_start(acme: Workspace) -> None:
    with pytest.raises(ActionError) as e:
        make_campaign(acme, starts_on=date(2026, 5, 2), ends_on=date(2026, 5, 1))
    assert "ends before it starts" in e.value.errors["ends_on"]
    make_campaign(acme, starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 1))  # one day


def test_names_are_unique_per_workspace_in_any_case(acme: Workspace, globex: Workspace) -> None:
    make_campaign(acme, "Äpple days")
    with pytest.raises(ActionError) as e:
        make_campaign(acme, "äPPLE DAYS")
    assert "already has a campaign" in e.value.errors["name"]
    make_campaign(globex, "Äpple days")  # another workspace may use it


def test_the_database_refuses_a_duplicate_name_too(acme: Workspace) -> None:
    make_campaign(acme, "Spring")
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.create(
            workspace=acme,
            name="SPRING",
            currency="EUR",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 1, 2),
        )


@pytest.mark.parametrize("code", ["EURO", "XYZ", "E1"])
def test_the_currency_is_an_iso_4217_code(acme: Workspace, code: str) -> None:
    with pytest.raises(ActionError) as e:
        make_campaign(acme, currency=code)
    assert "ISO 4217" in e.value.errors["currency"]


def test_money_is_not_negative(acme: Workspace) -> None:
    with pytest.raises(ActionError) as e:
        make_campaign(acme, budget="-1")
    assert "budget" in e.value.errors


def test_money_has_two_decimals(acme: Workspace) -> None:
    with pytest.raises(ActionError) as e:
        make_campaign(acme, other_costs="1.005")
    assert "other_costs" in e.value.errors


def test_spend_in_another_currency_is_refused(campaign: Campaign) -> None:
    data = actions.SpendInput(
        platform="Meta Ads",
        amount=Decimal("10"),
        currency="USD",
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 1),
    )
    with pytest.raises(ActionError) as e:
        actions.add_spend(campaign, None, data)
    message = e.value.errors["currency"]
    assert "counts in EUR, not USD" in message and "does not convert currencies" in message
    assert not Spend.objects.exists()


def test_a_result_in_another_currency_is_refused(campaign: Campaign) -> None:
    data = actions.ResultInput(on=date(2026, 4, 2), revenue=Decimal("5"), currency="SEK")
    with pytest.raises(ActionError) as e:
        actions.add_result(campaign, None, data)
    assert "counts in EUR, not SEK" in e.value.errors["currency"]
    assert not Result.objects.exists()


def test_spend_takes_the_campaign_currency_by_default(campaign: Campaign) -> None:
    spend = add_spend(campaign, "12.5", impressions=1000, clicks=10)
    assert (spend.currency, spend.amount) == ("EUR", Decimal("12.50"))
    assert AuditEvent.objects.filter(action="campaign.spend_added").exists()


def test_spend_ends_on_or_after_its_start(campaign: Campaign) -> None:
    with pytest.raises(ActionError) as e:
        add_spend(campaign, "1", starts_on=date(2026, 4, 5), ends_on=date(2026, 4, 4))
    assert "before the start date" in e.value.errors["ends_on"]


def test_spend_is_not_negative(campaign: Campaign) -> None:
    with pytest.raises(ActionError) as e:
        add_spend(campaign, "-0.01")
    assert "amount" in e.value.errors


def test_the_currency_cannot_change_once_there_are_entries(campaign: Campaign) -> None:
    data = actions.CampaignInput(
        name=campaign.name,
        currency="USD",
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
    )
    actions.update_campaign(campaign, None, data)  # no entries yet: fine
    data.currency = "EUR"
    campaign.refresh_from_db()
    actions.update_campaign(campaign, None, data)
    add_result(campaign, date(2026, 4, 3), 1, "10")
    data.currency = "USD"
    with pytest.raises(ActionError) as e:
        actions.update_campaign(campaign, None, data)
    assert "cannot change" in e.value.errors["currency"]
    campaign.refresh_from_db()
    assert campaign.currency == "EUR"


def test_update_records_what_changed(campaign: Campaign) -> None:
    data = actions.CampaignInput(
        name="Spring sale 2026",
        currency="EUR",
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        budget=Decimal("1500"),
    )
    actions.update_campaign(campaign, None, data)
    event = AuditEvent.objects.get(action="campaign.changed")
    assert event.changes["budget"] == ["1000.00", "1500.00"]
    assert event.changes["name"] == ["Spring sale", "Spring sale 2026"]


def test_deleting_a_campaign_deletes_its_entries(campaign: Campaign) -> None:
    add_spend(campaign, "5")
    add_result(campaign, date(2026, 4, 3), 1)
    actions.delete_campaign(campaign, None)
    assert not Spend.objects.exists() and not Result.objects.exists()
    assert AuditEvent.objects.filter(action="campaign.deleted").exists()
