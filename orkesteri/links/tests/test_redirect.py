"""/l/<code>: a 302 to the stored target only, counted per day without personal data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import timezone

from orkesteri.analytics.models import PostStats
from orkesteri.links import actions
from orkesteri.links.bots import is_bot
from orkesteri.links.models import LinkDay, ShortLink, VisitorDigest, VisitorSalt

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CRAWLERS = [
    "Twitterbot/1.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "TelegramBot (like TwitterBot)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "http.rb/5.1.1 (Mastodon/4.2.10; +https://mastodon.social/) Bot",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
    "Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)",
    "Mozilla/5.0 (compatible; YandexSpider/3.0)",
    "ia_archiver crawl",
    "curl/8.5.0",
    "python-requests/2.32",
    "",
    "   ",
]


def click(client: Client, code: str, ua: str = FIREFOX, ip: str = "203.0.113.7") -> Any:
    return client.get(f"/l/{code}", HTTP_USER_AGENT=ua, REMOTE_ADDR=ip)


def today() -> date:
    return timezone.now().astimezone(UTC).date()


def counts(link: ShortLink) -> tuple[int, int, int]:
    day = LinkDay.objects.filter(link=link).first()
    return (day.clicks, day.unique_visitors, day.bot_clicks) if day else (0, 0, 0)


@pytest.fixture
def link(make_link: Callable[..., ShortLink]) -> ShortLink:
    return make_link("https://acme.example/autumn?utm_source=feed#menu", code="Abc1234")


def test_it_redirects_to_the_stored_target(client: Client, link: ShortLink) -> None:
    response = click(client, link.code)
    assert response.status_code == 302
    assert response["Location"] == "https://acme.example/autumn?utm_source=feed#menu"
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert counts(link) == (1, 1, 0)
    assert LinkDay.objects.get().day == today()


def test_an_unknown_code_is_404(client: Client, link: ShortLink) -> None:
    assert click(client, "Nope123").status_code == 404
    assert click(client, "abc1234").status_code == 404  # codes are case-sensitive
    assert click(client, "x" * 5000).status_code == 404
    assert not LinkDay.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/l/Abc1234?next=https://evil.example/",
        "/l/Abc1234?url=//evil.example&to=https%3A%2F%2Fevil.example",
        "/l//evil.example",
        "/l/https://evil.example",
        "/l/%2F%2Fevil.example",
        "/l/Abc1234/https://evil.example",
    ],
)
def test_it_never_redirects_where_the_request_says(
    client: Client, link: ShortLink, path: str
) -> None:
    response = client.get(path, HTTP_USER_AGENT=FIREFOX)
    if response.status_code == 302:
        assert response["Location"] == link.target
    else:
        assert response.status_code == 404
        assert "evil" not in response.get("Location", "")


def test_a_target_that_is_not_a_web_address_is_never_followed(
    client: Client, make_link: Callable[..., ShortLink]
) -> None:
    make_link("javascript:alert(1)", code="Bad0001")
    assert click(client, "Bad0001").status_code == 404


def test_a_head_request_is_redirected_but_not_counted(client: Client, link: ShortLink) -> None:
    response = client.head(f"/l/{link.code}", HTTP_USER_AGENT=FIREFOX)
    assert response.status_code == 302
    assert response["Location"] == link.target
    assert not LinkDay.objects.exists()
    assert client.post(f"/l/{link.code}").status_code == 405


@pytest.mark.parametrize("ua", CRAWLERS)
def test_a_bot_is_redirected_and_counted_as_a_bot(client: Client, link: ShortLink, ua: str) -> None:
    response = click(client, link.code, ua=ua)
    assert response.status_code == 302
    assert counts(link) == (0, 0, 1)
    assert not VisitorDigest.objects.exists()


@pytest.mark.parametrize(
    "ua",
    [
        FIREFOX,
        SAFARI,
        "Mozilla/5.0 (Linux; Android 13; CUBOT P80) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Chrome/124.0 Mobile Safari/537.36",
    ],
)
def test_browsers_are_people(ua: str) -> None:
    assert not is_bot(ua)


def test_the_same_visitor_twice_is_one_unique(client: Client, link: ShortLink) -> None:
    click(client, link.code)
    click(client, link.code)
    assert counts(link) == (2, 1, 0)


def test_two_visitors_are_two_uniques(client: Client, link: ShortLink) -> None:
    click(client, link.code, ip="203.0.113.7")
    click(client, link.code, ip="198.51.100.9")
    click(client, link.code, ip="203.0.113.7", ua=SAFARI)  # another browser behind the same NAT
    assert counts(link) == (3, 3, 0)


def test_a_visitor_of_two_links_cannot_be_matched_across_them(
    client: Client, link: ShortLink, make_link: Callable[..., ShortLink]
) -> None:
    other = make_link(code="Other12")
    click(client, link.code)
    click(client, other.code)
    digests = set(VisitorDigest.objects.values_list("digest", flat=True))
    assert len(digests) == 2


def test_the_next_day_forgets_yesterdays_visitors_but_keeps_their_counts(link: ShortLink) -> None:
    yesterday = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
    morning = yesterday + timedelta(minutes=2)
    actions.count_click(link, ip="203.0.113.7", user_agent=FIREFOX, now=yesterday)
    actions.count_click(link, ip="198.51.100.9", user_agent=FIREFOX, now=yesterday)
    old_salt = VisitorSalt.objects.get().salt
    actions.count_click(link, ip="203.0.113.7", user_agent=FIREFOX, now=morning)
    # The first click of the day made a new salt and deleted yesterday's; the hourly task
    # deletes yesterday's digests.
    assert list(VisitorSalt.objects.values_list("day", flat=True)) == [date(2026, 3, 2)]
    assert VisitorSalt.objects.get().salt != old_salt
    assert actions.forget_visitors(date(2026, 3, 2)) == 2
    assert set(VisitorDigest.objects.values_list("day", flat=True)) == {date(2026, 3, 2)}
    days = {d.day: (d.clicks, d.unique_visitors) for d in LinkDay.objects.all()}
    assert days == {date(2026, 3, 1): (2, 2), date(2026, 3, 2): (1, 1)}


def test_the_periodic_task_forgets_the_days_that_are_over(link: ShortLink) -> None:
    from orkesteri.links.tasks import forget_visitors

    actions.count_click(link, ip="203.0.113.7", user_agent=FIREFOX, now=timezone.now())
    VisitorSalt.objects.update(day=today() - timedelta(days=1))
    VisitorDigest.objects.update(day=today() - timedelta(days=1))
    forget_visitors.call_local()
    assert not VisitorSalt.objects.exists()
    assert not VisitorDigest.objects.exists()
    assert counts(link) == (1, 1, 0)


def test_no_address_or_user_agent_is_stored_anywhere(client: Client, link: ShortLink) -> None:
    ip, ua = "203.0.113.77", "Mozilla/5.0 (X11; Linux) TestBrowser/9.9 unique-marker"
    click(client, link.code, ua=ua, ip=ip)
    click(client, link.code, ua="Twitterbot/1.0", ip="198.51.100.55")
    tables = [m._meta.db_table for m in (ShortLink, LinkDay, VisitorSalt, VisitorDigest)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")  # our own table names
            text = repr(cursor.fetchall())
            for secret in (ip, ua, "198.51.100.55", "Twitterbot", "unique-marker"):
                assert secret not in text, table
    digest = VisitorDigest.objects.get().digest
    assert len(digest) == 64 and digest != actions.visitor_digest(today(), link.pk, "", "")


def test_a_click_counts_on_the_deliverys_post_stats(
    client: Client, published_link: ShortLink
) -> None:
    delivery = published_link.delivery
    assert delivery is not None
    stats = PostStats.objects.create(
        delivery=delivery,
        workspace=delivery.post.workspace,
        channel=delivery.channel,
        published_at=timezone.now(),
    )
    click(client, published_link.code)
    click(client, published_link.code, ua="Twitterbot/1.0")
    click(client, published_link.code, ip="198.51.100.9")
    stats.refresh_from_db()
    assert stats.clicks == 2


def test_the_redirect_works_when_counting_fails(
    client: Client, link: ShortLink, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise DatabaseError("database is locked")

    monkeypatch.setattr(actions, "_add", broken)
    response = click(client, link.code)
    assert response.status_code == 302
    assert response["Location"] == link.target
    assert not VisitorDigest.objects.exists()  # nothing half-counted
