"""The workspace's short-links page and its CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from orkesteri.accounts.models import User
from orkesteri.links import actions
from orkesteri.links.models import LinkDay, ShortLink
from orkesteri.testing import logged_in
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def add_day(link: ShortLink, days_ago: int, clicks: int, uniques: int, bots: int) -> None:
    day = timezone.now().date() - timedelta(days=days_ago)
    LinkDay.objects.create(
        link=link, day=day, clicks=clicks, unique_visitors=uniques, bot_clicks=bots
    )


def test_the_page_lists_the_links_with_their_last_30_days(
    alice_client: Client, published_link: ShortLink
) -> None:
    add_day(published_link, 0, 5, 4, 2)
    add_day(published_link, 29, 1, 1, 0)
    add_day(published_link, 30, 100, 100, 100)  # older than the period
    response = alice_client.get("/w/acme/links/")
    assert response.status_code == 200
    page = response.content.decode()
    assert actions.short_url(published_link.code) in page
    assert "Autumn blend" in page and "Acme news" in page
    assert "<td>6</td><td>5</td><td>2</td>" in page
    assert 'href="/w/acme/links/export/"' in page


def test_an_empty_workspace_says_how_to_get_a_short_link(
    alice_client: Client, acme: Workspace
) -> None:
    page = alice_client.get("/w/acme/links/").content.decode()
    assert "No short links yet" in page
    assert "Count clicks with a short link" in page
    assert "/w/acme/compose/" in page


def test_an_outsider_gets_404(charlie: User, globex: Workspace, published_link: ShortLink) -> None:
    client = logged_in(charlie)
    assert client.get("/w/acme/links/").status_code == 404
    assert client.get("/w/acme/links/export/").status_code == 404
    own = client.get("/w/globex/links/").content.decode()
    assert published_link.code not in own


def test_a_client_may_see_the_clicks(
    member_of_role: Callable[[str], User], published_link: ShortLink
) -> None:
    client = logged_in(member_of_role("client"))
    assert published_link.code in client.get("/w/acme/links/").content.decode()


def test_signing_in_is_needed(client: Client, published_link: ShortLink) -> None:
    assert client.get("/w/acme/links/").status_code == 302
    assert client.get("/w/acme/links/export/").status_code == 302


def test_the_csv_has_every_link_and_its_counts(
    alice_client: Client,
    published_link: ShortLink,
    make_link: Callable[..., ShortLink],
) -> None:
    add_day(published_link, 1, 3, 2, 7)
    make_link("https://acme.example/=cmd", campaign="=HYPERLINK(1)")
    response = alice_client.get("/w/acme/links/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Short link"
    assert len(rows) == 3
    by_link = {row[0]: row for row in rows[1:]}
    row = by_link[actions.short_url(published_link.code)]
    assert row[1] == published_link.target
    assert row[3:6] == ["Autumn blend", "Acme news", "Autumn"]
    assert row[7:] == ["3", "2", "7"]
    other = next(r for r in rows[1:] if r is not row)
    assert other[5] == "'=HYPERLINK(1)"  # a spreadsheet shows it, never runs it
