"""The campaign pages: who may see and change what, forms with errors by field, deleting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client

from orkesteri.accounts.models import User
from orkesteri.campaigns.models import Campaign, Result, Spend
from orkesteri.campaigns.tests.conftest import add_result, add_spend, make_campaign
from orkesteri.publishing.models import Post
from orkesteri.testing import logged_in
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
BASE = "/w/acme/campaigns/"


def form(**changes: str) -> dict[str, str]:
    values = {
        "name": "Summer",
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-30",
        "currency": "eur",
        "budget": "1 000,50",
        "other_costs": "",
        "goal": "200 sign-ups",
    }
    return {**values, **changes}


def page(response: Any) -> str:
    return str(response.content.decode())


def test_the_empty_list_says_what_to_do(alice_client: Client, bob: User, acme: Workspace) -> None:
    r = alice_client.get(BASE)
    assert r.status_code == 200 and "Create the first campaign" in page(r)
    r = logged_in(bob).get(BASE)
    assert "An owner or manager of this workspace creates campaigns" in page(r)
    assert "New campaign" not in page(r)


def test_it_creates_a_campaign(alice_client: Client, acme: Workspace) -> None:
    r = alice_client.post(BASE + "new/", form())
    c = Campaign.objects.get(name="Summer")
    assert r.status_code == 302 and r["Location"] == f"{BASE}{c.pk}/"
    assert (c.currency, c.budget, c.other_costs, c.goal) == (
        "EUR",
        D("1000.50"),
        D("0"),
        "200 sign-ups",
    )


def test_the_form_shows_errors_by_field(alice_client: Client, campaign: Campaign) -> None:
    r = alice_client.post(
        BASE + "new/",
        form(name="spring SALE", ends_on="2026-05-01", currency="EURO", budget="12,5x"),
    )
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert "ends before it starts" in errors["ends_on"][0]
    assert "ISO 4217" in errors["currency"][0]
    assert "is not an amount" in errors["budget"][0]
    r = alice_client.post(BASE + "new/", form(name="spring SALE"))
    assert r.status_code == 400
    assert "already has a campaign called" in r.context["form"].errors["name"][0]
    assert Campaign.objects.count() == 1


def test_a_link_can_name_the_new_campaign(alice_client: Client, campaign: Campaign) -> None:
    r = alice_client.get(BASE + "new/?name=Autumn")
    assert r.context["form"].initial == {"name": "Autumn", "currency": "EUR"}


def test_it_edits_a_campaign(alice_client: Client, campaign: Campaign) -> None:
    r = alice_client.get(f"{BASE}{campaign.pk}/edit/")
    assert r.status_code == 200 and 'value="Spring sale"' in page(r)
    r = alice_client.post(f"{BASE}{campaign.pk}/edit/", form(name="Spring sale 2026"))
    assert r.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.starts_on) == ("Spring sale 2026", date(2026, 6, 1))


def test_it_deletes_a_campaign_after_asking(alice_client: Client, campaign: Campaign) -> None:
    add_spend(campaign, "10")
    r = alice_client.get(f"{BASE}{campaign.pk}/delete/")
    assert "Its 1 spend entry goes with it" in page(r)
    assert Campaign.objects.exists()
    r = alice_client.post(f"{BASE}{campaign.pk}/delete/")
    assert r.status_code == 302 and not Campaign.objects.exists()


def test_the_campaign_page_shows_figures_and_posts(
    alice_client: Client, campaign: Campaign, acme: Workspace
) -> None:
    add_spend(campaign, "100", impressions=20_000, clicks=250)
    add_spend(campaign, "20", platform="Telegram Ads", impressions=10_000)
    add_result(campaign, date(2026, 4, 3), 4, "300")
    Post.objects.create(workspace=acme, text="Spring is here", campaign="spring sale")
    r = alice_client.get(f"{BASE}{campaign.pk}/")
    html = page(r)
    assert r.status_code == 200
    assert "€120.00" in html  # ad spend
    assert "150.0%" in html  # ROMI: (300 − 120) / 120
    assert "€0.48" in html  # CPC: 120 / 250
    assert "Telegram Ads" in html and 'data-testid="platforms"' in html
    assert "Spring is here" in html and "1 post" in html


def test_the_campaign_page_says_what_is_missing(alice_client: Client, campaign: Campaign) -> None:
    html = page(alice_client.get(f"{BASE}{campaign.pk}/"))
    assert "No spend yet" in html and "No results yet" in html
    assert "write “Spring sale” in the Campaign field" in html
    assert "show a dash until you record a result" in html


def test_the_campaign_page_in_finnish(alice_client: Client, campaign: Campaign) -> None:
    add_spend(campaign, "1234.5")
    alice_client.cookies["django_language"] = "fi"
    html = page(alice_client.get(f"{BASE}{campaign.pk}/", HTTP_ACCEPT_LANGUAGE="fi"))
    assert "1\xa0234,50\xa0€" in html


def test_the_list_shows_each_campaign(
    alice_client: Client, campaign: Campaign, acme: Workspace
) -> None:
    add_spend(campaign, "250")
    add_result(campaign, date(2026, 4, 3), 2, "500")
    Post.objects.create(workspace=acme, text="x", campaign="Spring sale")
    Post.objects.create(workspace=acme, text="y", campaign="Black Friday")
    html = page(alice_client.get(BASE))
    assert "Spring sale" in html and "€1,000.00" in html and "25.0%" in html
    assert "100.0%" in html  # ROMI (500 − 250) / 250
    assert 'data-testid="unmatched"' in html and "?name=Black%20Friday" in html


def test_it_records_spend(alice_client: Client, campaign: Campaign) -> None:
    url = f"{BASE}{campaign.pk}/spend/new/"
    assert alice_client.get(url).context["form"].initial["currency"] == "EUR"
    data = {"platform": "Meta Ads", "amount": "12,50", "currency": "EUR", "starts_on": "2026-04-02",
            "ends_on": "", "impressions": "1 000", "clicks": "12", "note": "Test"}  # fmt: skip
    r = alice_client.post(url, data)
    assert r.status_code == 302 and r["Location"] == f"{BASE}{campaign.pk}/"
    spend = Spend.objects.get()
    assert (spend.amount, spend.ends_on, spend.impressions) == (D("12.50"), date(2026, 4, 2), 1000)
    r = alice_client.post(url, {**data, "another": "1"})
    assert r["Location"] == url


def test_spend_in_another_currency_is_refused_on_the_form(
    alice_client: Client, campaign: Campaign
) -> None:
    data = {"platform": "Meta Ads", "amount": "10", "currency": "usd", "starts_on": "2026-04-02"}
    r = alice_client.post(f"{BASE}{campaign.pk}/spend/new/", data)
    assert r.status_code == 400
    message = r.context["form"].errors["currency"][0]
    assert "counts in EUR, not USD" in message and "does not convert currencies" in message
    assert not Spend.objects.exists()


def test_the_spend_form_shows_errors_by_field(alice_client: Client, campaign: Campaign) -> None:
    data = {"platform": "", "amount": "-3", "currency": "EUR", "starts_on": "2026-04-05",
            "ends_on": "2026-04-01", "clicks": "lots"}  # fmt: skip
    r = alice_client.post(f"{BASE}{campaign.pk}/spend/new/", data)
    errors = r.context["form"].errors
    assert set(errors) == {"platform", "amount", "ends_on", "clicks"}
    assert 'class="error"' in page(r)


def test_it_records_a_result(alice_client: Client, campaign: Campaign) -> None:
    url = f"{BASE}{campaign.pk}/results/new/"
    r = alice_client.post(url, {"on": "2026-04-03", "currency": "EUR"})
    assert r.status_code == 400
    assert "conversions, the revenue, or both" in r.context["form"].errors["conversions"][0]
    r = alice_client.post(url, {"on": "2026-04-03", "revenue": "99,90", "currency": "EUR"})
    assert r.status_code == 302
    result = Result.objects.get()
    assert (result.conversions, result.revenue, result.source) == (0, D("99.90"), "manual")


def test_it_deletes_entries_by_post_only(alice_client: Client, campaign: Campaign) -> None:
    spend, result = add_spend(campaign, "5"), add_result(campaign, date(2026, 4, 3), 1)
    spend_url = f"{BASE}{campaign.pk}/spend/{spend.pk}/delete/"
    assert alice_client.get(spend_url).status_code == 405
    assert alice_client.post(spend_url).status_code == 302
    assert alice_client.post(f"{BASE}{campaign.pk}/results/{result.pk}/delete/").status_code == 302
    assert not Spend.objects.exists() and not Result.objects.exists()


def test_bob_the_editor_may_look_but_not_change(bob: User, campaign: Campaign) -> None:
    spend = add_spend(campaign, "5")
    client = logged_in(bob)
    assert client.get(BASE).status_code == 200
    html = page(client.get(f"{BASE}{campaign.pk}/"))
    assert "Record spend" not in html and "/delete/" not in html
    assert client.get(f"{BASE}{campaign.pk}/spend.csv").status_code == 200
    for url in ("new/", f"{campaign.pk}/edit/", f"{campaign.pk}/spend/new/",
                f"{campaign.pk}/results/new/", "import/spend/"):  # fmt: skip
        assert client.get(BASE + url).status_code == 403, url
    assert client.post(BASE + "new/", form()).status_code == 403
    assert client.post(f"{BASE}{campaign.pk}/spend/{spend.pk}/delete/").status_code == 403
    assert client.post(f"{BASE}{campaign.pk}/delete/").status_code == 403
    assert Spend.objects.exists() and Campaign.objects.count() == 1


@pytest.mark.parametrize("role", ["manager", "client", "viewer"])
def test_other_roles(member_of_role: Callable[[str], User], campaign: Campaign, role: str) -> None:
    client = logged_in(member_of_role(role))
    assert client.get(f"{BASE}{campaign.pk}/").status_code == 200
    assert client.get(BASE + "new/").status_code == (200 if role == "manager" else 403)


def test_charlie_the_outsider_gets_404(charlie: User, campaign: Campaign) -> None:
    client = logged_in(charlie)
    for url in ("", "new/", "campaigns.csv", f"{campaign.pk}/", f"{campaign.pk}/spend.csv"):
        assert client.get(BASE + url).status_code == 404, url
    assert client.post(f"{BASE}{campaign.pk}/delete/").status_code == 404
    assert Campaign.objects.exists()


def test_another_workspaces_campaign_is_a_404(
    alice_client: Client, campaign: Campaign, globex: Workspace
) -> None:
    theirs = make_campaign(globex, "Tea time", currency="USD")
    spend = add_spend(theirs, "5")
    for url in (f"{theirs.pk}/", f"{theirs.pk}/edit/", f"{theirs.pk}/spend.csv",
                f"{theirs.pk}/import/spend/"):  # fmt: skip
        assert alice_client.get(BASE + url).status_code == 404, url
    assert alice_client.post(f"{BASE}{theirs.pk}/spend/{spend.pk}/delete/").status_code == 404
    # Their spend under our campaign's address is not ours either.
    assert alice_client.post(f"{BASE}{campaign.pk}/spend/{spend.pk}/delete/").status_code == 404
    assert Spend.objects.filter(pk=spend.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, campaign: Campaign) -> None:
    r = client.get(BASE)
    assert r.status_code == 302 and r["Location"].startswith("/login/")
