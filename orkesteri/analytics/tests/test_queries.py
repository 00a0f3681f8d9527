"""The database adds posts up as kpis.py does, and puts each post on its local day."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from orkesteri.accounts.models import User
from orkesteri.analytics import kpis, queries
from orkesteri.analytics.tests.helpers import published, with_figures
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.workspaces.models import Workspace


@pytest.fixture
def feed(acme: Workspace, alice: User) -> Channel:
    return connect_channel(acme, alice, "feed", {"title": "Acme news"})


def stats(channel: Channel, at: datetime, figures: kpis.PostFigures) -> None:
    with_figures(published(channel, at), figures)


def maybe(rng: random.Random, high: int) -> int | None:
    return None if rng.random() < 0.3 else rng.choice([0, rng.randint(1, high)])


def test_the_database_tally_is_the_python_tally(acme: Workspace, feed: Channel) -> None:
    rng = random.Random(7)
    posts = []
    for n in range(60):
        figures = kpis.PostFigures(*(maybe(rng, 500) for _ in kpis.POST_FIELDS))
        posts.append(figures)
        stats(feed, datetime(2026, 5, 1, 8, tzinfo=UTC) + timedelta(hours=n), figures)
    period = queries.Period(date(2026, 4, 30), date(2026, 5, 6))
    found = queries.tallies(acme, period)[feed.pk]
    expected = kpis.tally(posts)
    assert (found.posts, found.sums, found.given) == (
        expected.posts,
        expected.sums,
        expected.given,
    )
    for name, sums in expected.rates.items():
        got = found.rates[name]
        assert (got.top, got.bottom, got.count) == (sums.top, sums.bottom, sums.count)
        assert got.ratios == pytest.approx(sums.ratios)
    for averaging in ("arithmetic", "weighted"):
        got_set, expected_set = kpis.from_tally(found, averaging), kpis.summarize(posts, averaging)
        for name in kpis.FIGURES:
            assert getattr(got_set, name) == pytest.approx(getattr(expected_set, name)), name


@pytest.mark.parametrize(
    ("zone", "moments", "days"),
    [
        # Helsinki: 23:30 local on 28 March (UTC+2) and 00:30 local on 29 March, the day
        # clocks go to UTC+3.
        (
            "Europe/Helsinki",
            [datetime(2026, 3, 28, 21, 30, tzinfo=UTC), datetime(2026, 3, 28, 22, 30, tzinfo=UTC)],
            [date(2026, 3, 28), date(2026, 3, 29)],
        ),
        # Kolkata is UTC+5:30: 18:40 UTC is 00:10 the next day there, 18:20 UTC still 23:50.
        (
            "Asia/Kolkata",
            [datetime(2026, 3, 28, 18, 20, tzinfo=UTC), datetime(2026, 3, 28, 18, 40, tzinfo=UTC)],
            [date(2026, 3, 28), date(2026, 3, 29)],
        ),
    ],
)
def test_engagements_go_to_their_local_day(
    acme: Workspace, feed: Channel, zone: str, moments: list[datetime], days: list[date]
) -> None:
    Workspace.objects.filter(pk=acme.pk).update(timezone=zone)
    acme.refresh_from_db()
    for moment in moments:
        stats(feed, moment, kpis.PostFigures(likes=5, replies=1))
    period = queries.Period(date(2026, 3, 27), date(2026, 3, 30))
    assert queries.engagement_by_day(acme, period) == [(day, 6) for day in days]


def test_follower_history_reads_only_the_workspaces_channels(
    acme: Workspace, globex: Workspace, feed: Channel
) -> None:
    from orkesteri.analytics import collect

    collect.store_account(feed.pk, {"followers": 12345}, datetime(2026, 5, 2, tzinfo=UTC))
    period = queries.Period(date(2026, 5, 1), date(2026, 5, 3))
    assert queries.follower_history(acme, period, [feed.pk]) == {
        feed.pk: [(date(2026, 5, 2), 12345)]
    }
    assert queries.follower_history(globex, period, [feed.pk]) == {}
    assert queries.follower_series(globex, period, [feed.pk]) == {}
