"""The import pages: upload, preview with every error, confirm all or nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from orkesteri.accounts.models import User
from orkesteri.campaigns import csv_import
from orkesteri.campaigns.models import Campaign, Result, Spend
from orkesteri.campaigns.tests.conftest import make_campaign
from orkesteri.testing import logged_in
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
BASE = "/w/acme/campaigns/"
GOOD = (
    "platform;amount;starts_on;ends_on;clicks\n"
    "Meta Ads;12,50;01.04.2026;07.04.2026;40\n"
    "VK Ads;7;02.04.2026;;\n"
)
BAD = GOOD + "Meta Ads;x;;;\n"


def upload(client: Client, url: str, text: str, **fields: str) -> Any:
    file = SimpleUploadedFile("meta.csv", text.encode(), content_type="text/csv")
    return client.post(url, {"file": file, "date_order": "dmy", **fields})


def test_it_previews_then_imports(alice_client: Client, campaign: Campaign) -> None:
    url = f"{BASE}{campaign.pk}/import/spend/"
    assert "Download the example file" in alice_client.get(url).content.decode()
    r = upload(alice_client, url, GOOD)
    html = r.content.decode()
    assert r.status_code == 200 and "Import 2 rows" in html and "€12.50" in html
    assert not Spend.objects.exists()
    token = r.context["pending"]["token"]
    r = alice_client.post(url + "confirm/", {"token": token}, follow=True)
    assert "Imported 2 spend entries." in r.content.decode()
    assert r.redirect_chain[-1][0] == f"{BASE}{campaign.pk}/"
    assert Spend.objects.filter(campaign=campaign).count() == 2
    # The same preview cannot be imported twice.
    r = alice_client.post(url + "confirm/", {"token": token}, follow=True)
    assert "no longer waiting" in r.content.decode() and Spend.objects.count() == 2


def test_a_file_with_errors_imports_nothing(alice_client: Client, campaign: Campaign) -> None:
    url = f"{BASE}{campaign.pk}/import/spend/"
    r = upload(alice_client, url, BAD)
    html = r.content.decode()
    assert "Row 4:" in html and "amount: “x” is not an amount" in html
    assert "starts_on: the date is missing." in html
    assert 'data-testid="import-confirm"' not in html
    r = alice_client.post(url + "confirm/", {"token": r.context["pending"]["token"]})
    assert r.status_code == 400 and "Nothing was imported" in r.content.decode()
    assert not Spend.objects.exists()


def test_results_for_the_whole_workspace(
    alice_client: Client, campaign: Campaign, acme: Workspace
) -> None:
    make_campaign(acme, "Summer", starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30))
    text = "campaign,date,conversions,revenue\nSpring sale,2026-04-03,3,30\nsummer,2026-06-03,1,\n"
    url = BASE + "import/results/"
    r = upload(alice_client, url, text)
    assert r.status_code == 200
    r = alice_client.post(url + "confirm/", {"token": r.context["pending"]["token"]}, follow=True)
    assert "Imported 2 results." in r.content.decode()
    assert r.redirect_chain[-1][0] == BASE
    assert sorted(Result.objects.values_list("campaign__name", flat=True)) == [
        "Spring sale",
        "Summer",
    ]


def test_a_token_from_another_import_is_refused(alice_client: Client, campaign: Campaign) -> None:
    r = upload(alice_client, f"{BASE}{campaign.pk}/import/spend/", GOOD)
    token = r.context["pending"]["token"]
    r = alice_client.post(BASE + "import/spend/confirm/", {"token": token}, follow=True)
    assert "no longer waiting" in r.content.decode() and not Spend.objects.exists()


def test_file_errors_show_on_the_form(alice_client: Client, campaign: Campaign) -> None:
    url = f"{BASE}{campaign.pk}/import/spend/"
    r = upload(alice_client, url, "cost,day\n5,2026-04-01\n")
    assert r.status_code == 400
    assert "no column “amount”, “starts_on”" in r.context["form"].errors["file"][0]
    r = upload(alice_client, BASE + "import/spend/", GOOD)
    assert "no column “campaign”" in r.context["form"].errors["file"][0]


def test_a_file_that_is_too_big(
    alice_client: Client, campaign: Campaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_import, "MAX_BYTES", 100)
    r = upload(
        alice_client, f"{BASE}{campaign.pk}/import/spend/", GOOD + "Other;1;01.04.2026;;\n" * 10
    )
    assert r.status_code == 400 and "larger than" in r.context["form"].errors["file"][0]


def test_it_says_to_create_a_campaign_first(alice_client: Client, acme: Workspace) -> None:
    r = alice_client.get(BASE + "import/spend/")
    assert "Create a campaign first" in r.content.decode()


def test_the_example_files(alice_client: Client, bob: User, acme: Workspace) -> None:
    r = logged_in(bob).get(BASE + "import/spend/example.csv")
    assert r.status_code == 200 and r.content.decode() == csv_import.EXAMPLES[csv_import.Kind.SPEND]
    assert alice_client.get(BASE + "import/results/example.csv").status_code == 200
    assert alice_client.get(BASE + "import/visits/example.csv").status_code == 404
    assert alice_client.get(BASE + "import/visits/").status_code == 404


def test_only_managers_import(bob: User, charlie: User, campaign: Campaign) -> None:
    url = f"{BASE}{campaign.pk}/import/spend/"
    assert upload(logged_in(bob), url, GOOD).status_code == 403
    assert upload(logged_in(charlie), url, GOOD).status_code == 404
    assert not Spend.objects.exists()
