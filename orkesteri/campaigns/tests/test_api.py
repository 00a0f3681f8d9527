"""GET /api/v1/workspaces/{id}/analytics/campaigns."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from orkesteri.accounts.models import User
from orkesteri.campaigns.models import Campaign
from orkesteri.campaigns.tests.conftest import add_result, add_spend, make_campaign
from orkesteri.testing import api_client
from orkesteri.workspaces.models import Workspace

pytestmark = [pytest.mark.django_db, pytest.mark.urls("orkesteri.campaigns.tests.api_urls")]


def url(ws: Workspace, query: str = "") -> str:
    return f"/api/v1/workspaces/{ws.pk}/analytics/campaigns{query}"


def test_it_returns_the_figures(alice_api: Client, campaign: Campaign) -> None:
    add_spend(campaign, "300", ends_on=date(2026, 4, 30), impressions=60_000, clicks=600)
    add_result(campaign, date(2026, 4, 3), 6, "900")
    r = alice_api.get(url(campaign.workspace))
    assert r.status_code == 200
    (got,) = r.json()
    expected: dict[str, Any] = {
        "id": campaign.pk,
        "name": "Spring sale",
        "currency": "EUR",
        "starts_on": "2026-04-01",
        "ends_on": "2026-04-30",
        "budget": "1000.00",
        "spend": "300.00",
        "other_costs": "0.00",
        "total_cost": "300.00",
        "impressions": 60_000,
        "clicks": 600,
        "conversions": 6,
        "revenue": "900.00",
        "cpc": "0.5000",
        "cpm": "5.0000",
        "cpa": "50.0000",
        "roi": "200.00",
        "romi": "200.00",
        "budget_used": "30.00",
        "posts": 0,
    }
    assert got == expected


def test_a_period(alice_api: Client, campaign: Campaign) -> None:
    add_spend(campaign, "300", ends_on=date(2026, 4, 30))
    add_result(campaign, date(2026, 4, 20), 1, "50")
    r = alice_api.get(url(campaign.workspace, "?start=2026-04-01&end=2026-04-10"))
    (got,) = r.json()
    assert (got["spend"], got["revenue"], got["roi"]) == ("100.00", None, None)
    r = alice_api.get(url(campaign.workspace, "?start=2026-05-01&end=2026-04-01"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "end"
    assert alice_api.get(url(campaign.workspace, "?start=soon")).status_code == 422


def test_every_member_may_read_and_outsiders_get_404(
    bob: User, charlie: User, campaign: Campaign, globex: Workspace
) -> None:
    assert api_client(bob).get(url(campaign.workspace)).status_code == 200
    r = api_client(charlie).get(url(campaign.workspace))
    assert r.status_code == 404
    make_campaign(globex, "Tea time")
    assert [c["name"] for c in api_client(charlie).get(url(globex)).json()] == ["Tea time"]


def test_a_token_is_needed(client: Client, campaign: Campaign) -> None:
    assert client.get(url(campaign.workspace)).status_code == 401


def test_the_route_is_described_in_openapi(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    route = schema["paths"]["/api/v1/workspaces/{workspace_id}/analytics/campaigns"]["get"]
    assert route["tags"] == ["analytics"]
    assert {p["name"] for p in route["parameters"]} == {"workspace_id", "start", "end"}
