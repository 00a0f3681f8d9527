"""Every campaign table as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client

from orkesteri.campaigns.models import Campaign
from orkesteri.campaigns.tests.conftest import add_result, add_spend, make_campaign
from orkesteri.publishing.models import Post
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
BASE = "/w/acme/campaigns/"


def rows(response: object) -> list[list[str]]:
    body = response.content  # type: ignore[attr-defined]
    assert body.startswith(b"\xef\xbb\xbf")  # a byte order mark, for Excel
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_campaign_list_as_csv(
    alice_client: Client, campaign: Campaign, acme: Workspace
) -> None:
    add_spend(campaign, "250", impressions=50_000, clicks=500)
    add_result(campaign, date(2026, 4, 3), 5, "1000")
    Post.objects.create(workspace=acme, text="x", campaign="Spring sale")
    make_campaign(acme, "Empty", starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 2), budget="0")
    r = alice_client.get(BASE + "campaigns.csv")
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    assert r["Content-Disposition"] == 'attachment; filename="campaigns-summary.csv"'
    header, empty, spring = rows(r)
    assert header[:6] == ["campaign", "starts_on", "ends_on", "currency", "budget", "spend"]
    got = dict(zip(header, spring, strict=True))
    assert got["spend"] == "250.00" and got["budget_used_percent"] == "25.00"
    assert got["cpc"] == "0.5000" and got["cpm"] == "5.0000" and got["cpa"] == "50.0000"
    assert got["roi_percent"] == "300.00" and got["romi_percent"] == "300.00"
    assert got["posts"] == "1" and got["starts_on"] == "2026-04-01"
    missing = dict(zip(header, empty, strict=True))
    assert missing["revenue"] == "" and missing["roi_percent"] == "" and missing["cpc"] == ""


def test_spend_results_and_posts_as_csv(
    alice_client: Client, campaign: Campaign, acme: Workspace
) -> None:
    add_spend(campaign, "12.5", platform="=HYPERLINK(1)", clicks=3)
    add_result(campaign, date(2026, 4, 3), 2, "40")
    Post.objects.create(workspace=acme, text="@everyone look", campaign="Spring sale")
    spend = rows(alice_client.get(f"{BASE}{campaign.pk}/spend.csv"))
    assert spend[1] == [
        "Spring sale",
        "'=HYPERLINK(1)",
        "12.50",
        "EUR",
        "2026-04-01",
        "2026-04-01",
        "",
        "3",
        "",
    ]
    results = rows(alice_client.get(f"{BASE}{campaign.pk}/results.csv"))
    assert results == [
        ["campaign", "date", "conversions", "revenue", "currency", "source", "note"],
        ["Spring sale", "2026-04-03", "2", "40.00", "EUR", "manual", ""],
    ]
    posts = rows(alice_client.get(f"{BASE}{campaign.pk}/posts.csv"))
    assert posts[1][2:] == ["draft", "", "'@everyone look"]
    r = alice_client.get(f"{BASE}{campaign.pk}/spend.csv")
    assert r["Content-Disposition"] == 'attachment; filename="spring-sale-spend.csv"'
    assert alice_client.get(f"{BASE}{campaign.pk}/secrets.csv").status_code == 404


def test_an_exported_spend_file_imports_again(
    alice_client: Client, campaign: Campaign, acme: Workspace
) -> None:
    from orkesteri.campaigns.csv_import import Kind, read_plan

    add_spend(campaign, "12.5", clicks=3, impressions=100)
    other = make_campaign(acme, "Copy")
    data = alice_client.get(f"{BASE}{campaign.pk}/spend.csv").content
    plan = read_plan(data, Kind.SPEND, acme, other)
    assert plan.failed  # it names "Spring sale" in its campaign column
    plan = read_plan(data, Kind.SPEND, acme)
    assert not plan.failed and plan.rows[0].campaign == campaign
