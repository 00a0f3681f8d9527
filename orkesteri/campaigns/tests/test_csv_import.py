"""Reading spend and results files: every bad row named by row and column, nothing written."""

from __future__ import annotations

import codecs
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection

from orkesteri.campaigns import actions, csv_import
from orkesteri.campaigns.actions import ResultInput, SpendInput
from orkesteri.campaigns.csv_import import Kind, Options, Plan, read_plan
from orkesteri.campaigns.models import Campaign, Result, Spend
from orkesteri.campaigns.tests.conftest import add_spend, make_campaign
from orkesteri.publishing.csv_import import DateOrder, FileError
from orkesteri.workspaces.models import AuditEvent, Workspace

pytestmark = pytest.mark.django_db

SPEND = (
    "campaign,platform,amount,currency,starts_on,ends_on,impressions,clicks,note\n"
    "Spring sale,Meta Ads,120.50,EUR,2026-04-01,2026-04-07,48200,610,Week 1\n"
    'Spring sale,google ads,"89,90",,2026-04-01,,15300,420,\n'
)
RESULTS = (
    "campaign,date,conversions,revenue\n"
    "Spring sale,2026-04-03,12,960\n"
    "Spring sale,2026-04-04,,10.5\n"
)


def spend_plan(acme: Workspace, text: str, **kwargs: object) -> Plan:
    return read_plan(text.encode(), Kind.SPEND, acme, **kwargs)  # type: ignore[arg-type]


def errors(plan: Plan) -> dict[int, list[str]]:
    return {r.line: r.errors for r in plan.failed}


def test_it_reads_a_good_spend_file(campaign: Campaign, acme: Workspace) -> None:
    plan = spend_plan(acme, SPEND)
    assert not plan.failed and not plan.notes
    first, second = (r.data for r in plan.rows)
    assert first == SpendInput(
        platform="Meta Ads",
        amount=D("120.50"),
        currency="EUR",
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 7),
        impressions=48200,
        clicks=610,
        note="Week 1",
    )
    assert isinstance(second, SpendInput)
    # The suggested spelling of a known platform; an empty currency is the campaign's; an
    # empty end is a one-day entry; a decimal comma in quotes.
    assert (second.platform, second.currency, second.amount) == ("Google Ads", "EUR", D("89.90"))
    assert second.ends_on == second.starts_on
    assert [r.line for r in plan.rows] == [2, 3]


def test_it_imports_all_rows_in_one_go(campaign: Campaign, acme: Workspace) -> None:
    plan = spend_plan(acme, SPEND)
    assert actions.import_entries(acme, None, plan.entries(), "meta.csv") == 2
    assert Spend.objects.filter(campaign=campaign).count() == 2
    event = AuditEvent.objects.get(action="campaign.spend_imported")
    assert (event.target, event.changes) == ("meta.csv", {"spend": [0, 2]})


def test_it_reads_a_results_file(campaign: Campaign, acme: Workspace) -> None:
    plan = read_plan(RESULTS.encode(), Kind.RESULTS, acme)
    assert not plan.failed
    first, second = (r.data for r in plan.rows)
    assert first == ResultInput(
        on=date(2026, 4, 3), conversions=12, revenue=D("960.00"), currency="EUR", source="csv"
    )
    assert isinstance(second, ResultInput)
    assert (second.conversions, second.revenue) == (0, D("10.50"))
    actions.import_entries(acme, None, plan.entries(), "shop.csv")
    assert Result.objects.filter(source=Result.Source.CSV).count() == 2


def test_a_byte_order_mark_semicolons_and_decimal_commas(
    campaign: Campaign, acme: Workspace
) -> None:
    text = (
        "Campaign;Platform;Amount;Starts on;Ends on\n"
        "spring SALE;VK Ads;1 234,56;01.04.2026;03.04.2026\n"
    )
    plan = read_plan(codecs.BOM_UTF8 + text.encode(), Kind.SPEND, acme)
    assert not plan.failed
    data = plan.rows[0].data
    assert isinstance(data, SpendInput)
    assert (data.amount, data.starts_on, data.ends_on) == (
        D("1234.56"),
        date(2026, 4, 1),
        date(2026, 4, 3),
    )
    assert plan.rows[0].campaign == campaign


def test_month_first_dates_when_asked(campaign: Campaign, acme: Workspace) -> None:
    text = "campaign,platform,amount,date\nSpring sale,Other,5,04/13/2026\n"
    plan = spend_plan(acme, text, options=Options(date_order=DateOrder.MDY))
    assert not plan.failed and plan.rows[0].data.starts_on == date(2026, 4, 13)  # type: ignore[union-attr]


def test_every_bad_row_names_its_row_and_column(campaign: Campaign, acme: Workspace) -> None:
    make_campaign(acme, "Dollars", currency="USD")
    text = (
        "campaign,platform,amount,currency,starts_on,ends_on,clicks\n"
        "Spring sale,Meta Ads,10,EUR,,2026-04-02,\n"  # 2: missing date
        "Spring sale,Meta Ads,12.5x,EUR,2026-04-01,,\n"  # 3: bad amount
        "Spring sale,Meta Ads,10,EUR,2026-04-05,2026-04-01,\n"  # 4: end before start
        "Autumn,Meta Ads,10,EUR,2026-04-01,,\n"  # 5: unknown campaign
        "Spring sale,Meta Ads,10,USD,2026-04-01,,\n"  # 6: wrong currency
        "Dollars,Meta Ads,10,EURO,2026-04-01,,\n"  # 7: not a currency
        "Spring sale,,10,EUR,2026-04-01,,\n"  # 8: no platform
        "Spring sale,Meta Ads,,EUR,2026-04-01,,\n"  # 9: no amount
        "Spring sale,Meta Ads,10,EUR,31/02/2026,,\n"  # 10: no such day
        "Spring sale,Meta Ads,10,EUR,2026-04-01,,many\n"  # 11: bad count
        ",Meta Ads,10,EUR,2026-04-01,,\n"  # 12: no campaign
        "Spring sale,Meta Ads,10,EUR,2026-04-01,,5\n"  # 13: fine
    )
    plan = spend_plan(acme, text)
    found = errors(plan)
    assert found[2] == ["starts_on: the date is missing."]
    assert found[3] == ["amount: “12.5x” is not an amount like 12.50 or 12,50."]
    assert found[4] == ["ends_on: 2026-04-01 is before the start, 2026-04-05."]
    assert found[5] == ["campaign: no campaign “Autumn” in this workspace; create it first."]
    assert found[6][0].startswith("currency: This campaign counts in EUR, not USD.")
    assert found[7] == ["currency: “EURO” is not an ISO 4217 currency code like EUR or USD."]
    assert found[8][0].startswith("platform: empty")
    assert found[9] == ["amount: empty."]
    assert found[10] == ["starts_on: “31/02/2026” is not a valid date."]
    assert found[11] == ["clicks: “many” is not a whole number like 1200."]
    assert found[12] == ["campaign: empty; name the campaign of each row."]
    assert 13 not in found and len(found) == 11
    assert all(r.data is None for r in plan.failed)


def test_a_platform_for_the_whole_file(campaign: Campaign, acme: Workspace) -> None:
    text = "amount,date\n10,2026-04-01\n"
    plan = read_plan(text.encode(), Kind.SPEND, acme, campaign, Options(platform="TikTok Ads"))
    assert plan.rows[0].data.platform == "TikTok Ads"  # type: ignore[union-attr]


def test_a_file_for_one_campaign_needs_no_campaign_column(
    campaign: Campaign, acme: Workspace
) -> None:
    make_campaign(acme, "Other one")
    text = (
        "platform,amount,date,campaign\nMeta Ads,10,2026-04-01,\nMeta Ads,10,2026-04-01,Other one\n"
    )
    plan = read_plan(text.encode(), Kind.SPEND, acme, campaign)
    assert plan.rows[0].campaign == campaign and not plan.rows[0].errors
    assert errors(plan)[3][0].startswith(
        "campaign: “Other one” is not this campaign (Spring sale)."
    )


def test_a_results_row_needs_conversions_or_revenue(campaign: Campaign, acme: Workspace) -> None:
    text = "date,conversions,revenue\n2026-04-01,,\n,3,\n2026-04-02,-1,\n"
    plan = read_plan(text.encode(), Kind.RESULTS, acme, campaign)
    found = errors(plan)
    assert found[2] == ["conversions: conversions and revenue are both empty; give one."]
    assert found[3] == ["date: the date is missing."]
    assert found[4] == ["conversions: “-1” is negative; counts are 0 or more."]


def test_a_file_without_the_needed_columns(campaign: Campaign, acme: Workspace) -> None:
    with pytest.raises(FileError, match=r"no column “campaign”, “amount”"):
        spend_plan(acme, "platform,cost,date\nMeta Ads,10,2026-04-01\n")
    with pytest.raises(FileError, match=r"no column “date”"):
        read_plan(b"conversions\n3\n", Kind.RESULTS, acme, campaign)


def test_unknown_columns_are_named_and_ignored(campaign: Campaign, acme: Workspace) -> None:
    plan = read_plan(
        b"amount,date,reach\n10,2026-04-01,5\n",
        Kind.SPEND,
        acme,
        campaign,
        Options(platform="Other"),
    )
    assert plan.notes == ["The column “reach” is not one we read; it was ignored."]
    assert not plan.failed


def test_it_warns_about_rows_the_campaign_already_has(campaign: Campaign, acme: Workspace) -> None:
    add_spend(campaign, "120.50", starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 7))
    plan = spend_plan(acme, SPEND)
    assert not plan.failed
    assert plan.notes[0].startswith("1 of these rows are the same as entries")


def test_a_file_that_is_too_big_or_too_long(
    campaign: Campaign, acme: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(FileError, match="larger than 2 MB"):
        spend_plan(acme, "amount\n" + "1\n" * (csv_import.MAX_BYTES // 2))
    monkeypatch.setattr(csv_import, "MAX_ROWS", 3)
    rows = "Spring sale,Other,1,2026-04-01\n"
    with pytest.raises(FileError, match="more than 3 rows"):
        spend_plan(acme, "campaign,platform,amount,date\n" + rows * 4)
    assert not spend_plan(acme, "campaign,platform,amount,date\n" + rows * 3).failed


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"amount,date\n", "no rows below it"),
        ("amount\n12,5".encode("utf-16"), "UTF-16"),
        ("amount,päivä\n1,x\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_files_that_cannot_be_read(
    campaign: Campaign, acme: Workspace, data: bytes, says: str
) -> None:
    with pytest.raises(FileError, match=says):
        read_plan(data, Kind.SPEND, acme, campaign)


def test_the_import_stops_when_a_campaign_went_away(campaign: Campaign, acme: Workspace) -> None:
    plan = spend_plan(acme, SPEND)
    Campaign.objects.filter(pk=campaign.pk).delete()
    with pytest.raises(actions.ImportFailed) as e:
        actions.import_entries(acme, None, plan.entries(), "meta.csv")
    assert e.value.line == 2 and "was deleted" in e.value.message
    assert not Spend.objects.exists()


def test_the_import_writes_nothing_when_a_late_row_fails(
    campaign: Campaign, acme: Workspace
) -> None:
    plan = spend_plan(acme, SPEND)
    entries = plan.entries()
    # The campaign's currency changed after the preview: the second row no longer fits.
    entries[1].data.currency = "USD"
    with pytest.raises(actions.ImportFailed) as e:
        actions.import_entries(acme, None, entries, "meta.csv")
    assert e.value.line == 3 and "counts in EUR, not USD" in e.value.message
    assert (
        not Spend.objects.exists()
        and not AuditEvent.objects.filter(action__contains="import").exists()
    )


def test_the_example_files_import_cleanly(acme: Workspace) -> None:
    make_campaign(acme, "Spring sale")
    for kind in Kind:
        plan = read_plan(csv_import.EXAMPLES[kind].encode(), kind, acme)
        assert not plan.failed, plan.failed


def test_the_preview_runs_the_rules_the_import_runs(campaign: Campaign, acme: Workspace) -> None:
    """A number the database cannot store is refused in the preview, not at confirmation."""
    too_many = connection.ops.integer_field_range("PositiveIntegerField")[1] + 1
    text = f"campaign,date,conversions,revenue\nSpring sale,2026-04-03,{too_many},960\n"
    plan = read_plan(text.encode(), Kind.RESULTS, acme)
    [row] = plan.failed
    assert row.data is None
    assert any(e.startswith("conversions:") for e in row.errors)
