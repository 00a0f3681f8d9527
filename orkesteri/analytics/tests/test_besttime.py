"""analytics/besttime.py: cells and DST, the index, shrinkage, k, priors, suggested slots."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orkesteri.analytics.besttime import (
    CELLS,
    DEFAULT_PRIOR,
    DEFAULT_WINDOW,
    K_DEFAULT,
    K_MAX,
    K_MIN,
    MIN_WORKSPACE_POSTS,
    Confidence,
    Heatmap,
    PostScore,
    Prior,
    PriorSource,
    Slot,
    build_heatmap,
    estimate_k,
    performance_index,
    shrink,
    suggest_slots,
    workspace_prior,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)  # a Monday
UNIFORM = Prior((1.0,) * CELLS, PriorSource.DEFAULTS)


def post(published_at: datetime, score: float = 1.0) -> PostScore:
    return PostScore(published_at, score)


def monday(hour: int, minute: int = 0, weeks_ago: int = 1) -> datetime:
    """A Monday in UTC, `weeks_ago` weeks before NOW's Monday."""
    return datetime(2026, 6, 1, hour, minute, tzinfo=UTC) - timedelta(weeks=weeks_ago)


def prior_with(cells: dict[tuple[int, int], float], rest: float = 1.0) -> Prior:
    weights = [rest] * CELLS
    for (weekday, hour), weight in cells.items():
        weights[weekday * 24 + hour] = weight
    return Prior(tuple(weights), PriorSource.DEFAULTS)


def only_prior(cells: dict[tuple[int, int], float]) -> Heatmap:
    """A heatmap with no posts: its estimates are exactly `cells` (and 1.0 elsewhere)."""
    return build_heatmap([], "UTC", now=NOW, prior=prior_with(cells))


def cells_with_posts(heatmap: Heatmap) -> dict[tuple[int, int], int]:
    return {(cell.weekday, cell.hour): cell.n for cell in heatmap.cells if cell.n}


# Cells and time zones


def test_it_puts_posts_in_weekday_hour_cells_of_the_workspace_zone() -> None:
    # Monday 22:30 UTC is Tuesday 01:30 in Helsinki (UTC+3 in summer), Monday 18:30 in New York.
    posts = [post(monday(22, 30))]
    assert cells_with_posts(build_heatmap(posts, HELSINKI, now=NOW)) == {(1, 1): 1}
    assert cells_with_posts(build_heatmap(posts, "America/New_York", now=NOW)) == {(0, 18): 1}


def test_both_0330s_of_the_helsinki_autumn_fold_are_in_the_0300_cell() -> None:
    # Sunday 25 October 2026 04:00 EEST → 03:00 EET: 03:30 happens at 00:30 and 01:30 UTC.
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert first.astimezone(HELSINKI).strftime("%H:%M") == "03:30"
    assert second.astimezone(HELSINKI).strftime("%H:%M") == "03:30"
    heatmap = build_heatmap(
        [post(first), post(second)], HELSINKI, now=datetime(2026, 11, 1, tzinfo=UTC)
    )
    assert cells_with_posts(heatmap) == {(6, 3): 2}


def test_the_helsinki_spring_gap_has_no_0300_cell_posts() -> None:
    # Sunday 29 March 2026 03:00 EET → 04:00 EEST: 00:30 UTC is 02:30, 01:30 UTC is 04:30.
    posts = [
        post(datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),
        post(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    ]
    heatmap = build_heatmap(posts, HELSINKI, now=datetime(2026, 4, 1, tzinfo=UTC))
    assert cells_with_posts(heatmap) == {(6, 2): 1, (6, 4): 1}


def test_new_york_spring_forward_and_fall_back() -> None:
    # Sunday 8 March 2026 02:00 EST → 03:00 EDT; Sunday 1 November 2026 02:00 EDT → 01:00 EST.
    spring = [
        post(datetime(2026, 3, 8, 6, 30, tzinfo=UTC)),  # 01:30 EST
        post(datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # 03:30 EDT, the day clocks change
    ]
    fall = [
        post(datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # 01:30 EDT
        post(datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),  # 01:30 EST, again
        post(datetime(2026, 11, 1, 8, 30, tzinfo=UTC)),  # 03:30 EST
    ]
    spring_map = build_heatmap(spring, NEW_YORK, now=datetime(2026, 3, 9, tzinfo=UTC))
    fall_map = build_heatmap(fall, NEW_YORK, now=datetime(2026, 11, 2, tzinfo=UTC))
    assert cells_with_posts(spring_map) == {(6, 1): 1, (6, 3): 1}
    assert cells_with_posts(fall_map) == {(6, 1): 2, (6, 3): 1}


# The window


def test_the_window_is_16_weeks_up_to_but_not_including_now() -> None:
    start = NOW - DEFAULT_WINDOW
    posts = [
        post(start - timedelta(microseconds=1)),  # out
        post(start),  # in
        post(NOW - timedelta(microseconds=1)),  # in
        post(NOW),  # out: not yet part of history
        post(NOW + timedelta(days=1)),  # out
    ]
    heatmap = build_heatmap(posts, "UTC", now=NOW)
    assert heatmap.posts == 2
    assert (heatmap.window_start_at, heatmap.window_end_at) == (start, NOW)


def test_the_window_is_measured_in_real_time_across_a_dst_change() -> None:
    # `now` in Helsinki summer time; 16 weeks earlier was winter time. Wall-clock arithmetic
    # on aware datetimes would put the start an hour off.
    now = datetime(2026, 5, 1, 12, tzinfo=HELSINKI)
    start = now.astimezone(UTC) - timedelta(weeks=16)
    heatmap = build_heatmap([post(start), post(start - timedelta(seconds=1))], HELSINKI, now=now)
    assert heatmap.posts == 1
    assert heatmap.window_start_at == start
    assert heatmap.window_start_at.tzinfo is UTC


def test_a_custom_window() -> None:
    posts = [post(NOW - timedelta(days=6)), post(NOW - timedelta(days=8))]
    assert build_heatmap(posts, "UTC", now=NOW, window=timedelta(weeks=1)).posts == 1


# The performance index


def test_the_index_is_relative_to_the_channel_so_sizes_compare() -> None:
    assert performance_index([10, 10, 40]) == [0.5, 0.5, 2.0]
    assert performance_index([10_000, 10_000, 40_000]) == [0.5, 0.5, 2.0]


def test_a_viral_post_is_capped_at_five_times_the_median() -> None:
    # Median 1 → cap 5; capped scores [1] * 9 + [5], mean 1.4.
    indices = performance_index([1.0] * 9 + [1000.0])
    assert indices[-1] == pytest.approx(5 / 1.4)
    assert indices[0] == pytest.approx(1 / 1.4)
    assert statistics.fmean(indices) == pytest.approx(1.0)


def test_mostly_zero_engagement_uses_the_mean_and_all_zero_is_all_typical() -> None:
    assert performance_index([0, 0, 0, 3]) == [0.0, 0.0, 0.0, 4.0]  # mean 0.75, cap 3.75
    assert performance_index([0, 0, 0]) == [1.0, 1.0, 1.0]
    assert performance_index([]) == []


# Shrinkage


def test_shrink_by_hand() -> None:
    assert shrink(3, 2.0, 1.0, 5.0) == pytest.approx((3 * 2.0 + 5 * 1.0) / (3 + 5))  # 1.375
    assert shrink(1, 4.0, 1.0, 5.0) == pytest.approx(1.5)  # one post barely moves it


def test_no_posts_is_the_prior_exactly() -> None:
    assert shrink(0, None, 0.7321, 5.0) == 0.7321


def test_a_huge_cell_is_its_own_mean() -> None:
    assert shrink(10**9, 2.0, 1.0, K_MAX) == pytest.approx(2.0, rel=1e-7)


def test_a_heatmap_by_hand() -> None:
    # Scores 10, 10, 40 → indices 0.5, 0.5, 2.0; a uniform prior stays 1.0 (the indices
    # average 1); 3 posts are too few to estimate k, so k = K_DEFAULT = 5.
    posts = [
        post(monday(9), 10),
        post(monday(9, weeks_ago=2), 10),
        post(monday(10) + timedelta(days=1), 40),  # Tuesday 10:00
    ]
    heatmap = build_heatmap(posts, "UTC", now=NOW, prior=UNIFORM)
    assert heatmap.k == K_DEFAULT == 5.0
    monday_9, tuesday_10 = heatmap.cell(0, 9), heatmap.cell(1, 10)
    assert (monday_9.n, monday_9.mean, monday_9.prior) == (2, 0.5, 1.0)
    assert monday_9.estimate == pytest.approx((2 * 0.5 + 5 * 1.0) / 7)  # 6/7
    assert (tuesday_10.n, tuesday_10.mean) == (1, 2.0)
    assert tuesday_10.estimate == pytest.approx((2.0 + 5 * 1.0) / 6)  # 7/6
    assert tuesday_10.own_weight == pytest.approx(1 / 6)
    empty = heatmap.cell(3, 15)
    assert (empty.n, empty.mean, empty.estimate, empty.own_weight) == (0, None, 1.0, 0.0)


def test_a_cell_with_many_posts_follows_its_own_data() -> None:
    # 100 posts every Monday 09:00 scoring 3, 100 every Wednesday 15:00 scoring 1.
    posts = []
    for week in range(1, 16):
        for minute in range(0, 60, 9):
            posts.append(post(monday(9, minute, weeks_ago=week), 3))
            posts.append(post(monday(15, minute, weeks_ago=week) + timedelta(days=2), 1))
    heatmap = build_heatmap(posts, "UTC", now=NOW, prior=UNIFORM)
    for cell in (heatmap.cell(0, 9), heatmap.cell(2, 15)):
        assert cell.n == 105 and cell.mean is not None
        assert abs(cell.estimate - cell.mean) <= abs(cell.prior - cell.mean) * K_MAX / (105 + K_MAX)
    assert heatmap.cell(0, 9).estimate > 1.3 > 0.7 > heatmap.cell(2, 15).estimate


def test_the_prior_is_brought_to_the_channel_level() -> None:
    # The prior says Monday 09:00 is twice as good as any other hour; the channel posts only
    # then and its posts are its average (1.0). The prior is scaled by 1/2: the channel's
    # cell is not "below the prior" just because it always posts at the best time.
    posts = [post(monday(9, weeks_ago=week)) for week in range(1, 13)]
    heatmap = build_heatmap(posts, "UTC", now=NOW, prior=prior_with({(0, 9): 2.0}))
    assert heatmap.cell(0, 9).prior == pytest.approx(1.0)
    assert heatmap.cell(0, 9).estimate == pytest.approx(1.0)
    assert heatmap.cell(4, 20).prior == pytest.approx(0.5)


# k


def k_values(cells: dict[int, list[float]]) -> list[list[float]]:
    values: list[list[float]] = [[] for _ in range(CELLS)]
    for index, cell in cells.items():
        values[index] = cell
    return values


def test_k_by_the_method_of_moments_on_a_constructed_case() -> None:
    # Four cells of five posts, each spread −1, 0, +1, 0, 0 around its mean: within-cell
    # variance σ² = 4 · 2 / (20 − 4) = 0.5. Means 2.6, 1.4, 2, 2 against a prior of 2:
    # squared distances 0.36, 0.36, 0, 0 → mean 0.18, minus σ²/n = 0.1 → τ² = 0.08.
    # k = 0.5 / 0.08 = 6.25.
    def spread(mean: float) -> list[float]:
        return [mean - 1, mean, mean + 1, mean, mean]

    values = k_values({0: spread(2.6), 1: spread(1.4), 2: spread(2.0), 3: spread(2.0)})
    assert estimate_k(values, [2.0] * CELLS) == pytest.approx(6.25)


def test_k_is_the_maximum_when_cells_differ_no_more_than_noise() -> None:
    values = k_values({i: [1.0, 3.0, 2.0, 2.0] for i in range(5)})  # all means 2 = prior
    assert estimate_k(values, [2.0] * CELLS) == K_MAX


def test_k_is_the_minimum_when_there_is_no_noise() -> None:
    values = k_values({i: [float(i)] * 5 for i in range(5)})
    assert estimate_k(values, [2.0] * CELLS) == K_MIN


def test_k_is_the_default_with_too_few_posts() -> None:
    assert estimate_k(k_values({0: [1.0, 2.0], 1: [3.0]}), [1.0] * CELLS) == K_DEFAULT
    assert estimate_k(k_values({0: [1.0, 2.0] * 20}), [1.0] * CELLS) == K_DEFAULT  # one cell
    assert estimate_k([[] for _ in range(CELLS)], [1.0] * CELLS) == K_DEFAULT


# Priors


def test_the_default_prior_follows_the_study() -> None:
    weights = DEFAULT_PRIOR.weights
    assert statistics.fmean(weights) == pytest.approx(1.0)
    best = max(weights)
    assert {(i // 24, i % 24) for i, w in enumerate(weights) if w == best} == {
        (day, hour) for day in (1, 2, 3) for hour in (9, 10, 11)
    }
    assert DEFAULT_PRIOR.weight(6, 10) < DEFAULT_PRIOR.weight(0, 10)  # Sunday worst
    assert DEFAULT_PRIOR.weight(2, 3) < DEFAULT_PRIOR.weight(2, 20)  # night lowest


def other_channel(cells: dict[tuple[int, int], float], weeks: int = 10) -> list[PostScore]:
    """One post a week in each cell with the given score (weekday, hour) in UTC."""
    return [
        post(monday(hour, weeks_ago=week) + timedelta(days=weekday), score)
        for week in range(1, weeks + 1)
        for (weekday, hour), score in cells.items()
    ]


def test_without_other_channels_the_prior_is_the_defaults() -> None:
    assert workspace_prior([], HELSINKI, now=NOW) is DEFAULT_PRIOR
    assert workspace_prior([[], []], HELSINKI, now=NOW) is DEFAULT_PRIOR


def test_too_few_posts_in_other_channels_fall_back_to_the_defaults() -> None:
    few = other_channel({(5, 20): 10.0}, weeks=MIN_WORKSPACE_POSTS - 1)
    assert workspace_prior([few], "UTC", now=NOW) is DEFAULT_PRIOR


def test_other_channels_with_enough_posts_become_the_prior() -> None:
    # The other channels do best on Saturday 20:00 and worst on Tuesday 10:00, the opposite
    # of the defaults.
    posts = other_channel({(5, 20): 9.0, (1, 10): 1.0, (3, 14): 3.0}, weeks=15)
    prior = workspace_prior([posts[:20], posts[20:]], "UTC", now=NOW)
    assert prior.source == PriorSource.WORKSPACE
    assert prior.posts == len(posts) == 45 >= MIN_WORKSPACE_POSTS
    assert statistics.fmean(prior.weights) == pytest.approx(1.0)
    assert prior.weight(5, 20) > prior.weight(3, 14) > prior.weight(1, 10)
    # Cells no other channel posted in keep the defaults' shape.
    assert prior.weight(2, 3) / prior.weight(2, 20) == pytest.approx(
        DEFAULT_PRIOR.weight(2, 3) / DEFAULT_PRIOR.weight(2, 20)
    )
    # A channel with no history of its own shows that prior exactly.
    heatmap = build_heatmap([], "UTC", now=NOW, prior=prior)
    assert heatmap.prior_source == PriorSource.WORKSPACE
    assert [cell.estimate for cell in heatmap.cells] == list(prior.weights)


def test_a_large_channel_does_not_outweigh_a_small_one_in_the_workspace_prior() -> None:
    # The large channel does 3× better on Tuesday, the small one 3× better on Monday: each is
    # indexed against itself first, so pooled they cancel out.
    large = other_channel({(0, 9): 1000.0, (1, 9): 3000.0}, weeks=15)
    small = other_channel({(0, 9): 3.0, (1, 9): 1.0}, weeks=15)
    prior = workspace_prior([large, small], "UTC", now=NOW, defaults=UNIFORM)
    assert prior.weight(0, 9) == pytest.approx(prior.weight(1, 9))


# Suggested slots


def test_suggestions_from_the_defaults() -> None:
    slots = suggest_slots(build_heatmap([], HELSINKI, now=NOW))
    assert slots == [
        Slot(0, time(9)),
        Slot(1, time(9)),
        Slot(1, time(12)),
        Slot(2, time(9)),
        Slot(2, time(12)),
        Slot(3, time(9)),
        Slot(4, time(9)),
    ]


def test_suggestions_keep_their_distance_on_the_same_day() -> None:
    heatmap = only_prior({(1, 9): 5.0, (1, 10): 4.9, (1, 11): 4.8, (1, 12): 4.7, (2, 10): 4.6})
    slots = suggest_slots(heatmap, count=3, min_gap_hours=3)
    assert slots == [Slot(1, time(9)), Slot(1, time(12)), Slot(2, time(10))]


def test_at_most_per_day_max_suggestions_a_day() -> None:
    heatmap = only_prior({(4, 6): 5.0, (4, 12): 4.9, (4, 18): 4.8, (6, 23): 4.7})
    assert suggest_slots(heatmap, count=3, per_day_max=2) == [
        Slot(4, time(6)),
        Slot(4, time(12)),
        Slot(6, time(23)),
    ]
    assert suggest_slots(heatmap, count=2, per_day_max=1) == [Slot(4, time(6)), Slot(6, time(23))]


def test_suggestions_are_sorted_by_weekday_then_time_and_count_is_kept() -> None:
    heatmap = only_prior({(6, 8): 5.0, (0, 20): 4.9, (0, 8): 4.8, (3, 12): 4.7})
    slots = suggest_slots(heatmap, count=4)
    assert (
        slots
        == sorted(slots)
        == [
            Slot(0, time(8)),
            Slot(0, time(20)),
            Slot(3, time(12)),
            Slot(6, time(8)),
        ]
    )
    assert len(suggest_slots(heatmap, count=10)) == 10
    assert suggest_slots(heatmap, count=0) == []


@dataclass
class QueueSlotRow:
    """Stands in for publishing.QueueSlot: anything with `weekday` and `time` will do."""

    weekday: int
    time: time


def test_existing_slots_are_skipped_and_kept_away_from() -> None:
    heatmap = only_prior({(1, 9): 5.0, (1, 10): 4.9, (2, 14): 4.8, (3, 9): 4.7, (4, 16): 4.6})
    existing = [QueueSlotRow(1, time(9)), QueueSlotRow(2, time(12, 30))]
    assert suggest_slots(heatmap, count=2, existing=existing) == [
        Slot(3, time(9)),
        Slot(4, time(16)),
    ]
    # Existing slots take no part in per_day_max: Tuesday already has one at 20:00.
    assert suggest_slots(heatmap, count=1, per_day_max=1, existing=[Slot(1, time(20))]) == [
        Slot(1, time(9))
    ]


def test_suggestion_arguments_are_checked() -> None:
    heatmap = only_prior({})
    with pytest.raises(ValueError, match="per_day_max"):
        suggest_slots(heatmap, per_day_max=0)
    with pytest.raises(ValueError, match="min_gap_hours"):
        suggest_slots(heatmap, min_gap_hours=-1)


# Empty history and confidence


def test_an_empty_history_is_all_prior() -> None:
    heatmap = build_heatmap([], HELSINKI, now=NOW)
    assert heatmap.posts == 0
    assert heatmap.k == K_DEFAULT
    assert heatmap.prior_source == PriorSource.DEFAULTS
    assert all(cell.n == 0 and cell.mean is None for cell in heatmap.cells)
    assert [cell.estimate for cell in heatmap.cells] == list(DEFAULT_PRIOR.weights)
    assert [cell.prior for cell in heatmap.cells] == list(DEFAULT_PRIOR.weights)
    assert heatmap.own_share == 0.0
    assert heatmap.confidence == Confidence.LOW
    assert heatmap.cells_with_posts == 0


def test_the_map_is_seven_rows_of_24_cells() -> None:
    heatmap = build_heatmap([post(monday(9))], "UTC", now=NOW)
    assert [len(row) for row in heatmap.rows] == [24] * 7
    assert heatmap.rows[0][9] is heatmap.cell(0, 9)
    assert (heatmap.rows[6][23].weekday, heatmap.rows[6][23].hour) == (6, 23)
    with pytest.raises(ValueError, match="weekday"):
        heatmap.cell(7, 0)


def test_confidence_grows_with_the_channel_own_posts() -> None:
    def posting(per_cell: int) -> Heatmap:
        posts = [
            post(monday(0, weeks_ago=week) + timedelta(days=day, hours=hour, minutes=i), 1 + i)
            for week in range(1, 2)
            for day in range(7)
            for hour in range(24)
            for i in range(per_cell)
        ]
        # Every cell alike and a flat prior: no spread beyond noise, so k = K_MAX = 20.
        return build_heatmap(posts, "UTC", now=NOW, prior=UNIFORM)

    few = build_heatmap([post(monday(9, weeks_ago=w)) for w in range(1, 13)], "UTC", now=NOW)
    assert few.own_share == pytest.approx(12 / (12 + few.k) / CELLS)
    assert few.confidence == Confidence.LOW
    some = posting(8)
    assert some.own_share == pytest.approx(8 / (8 + K_MAX))  # 0.29
    assert some.confidence == Confidence.MEDIUM
    many = posting(40)
    assert many.own_share == pytest.approx(40 / (40 + K_MAX))  # 0.67
    assert many.confidence == Confidence.HIGH


# Bad input


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_heatmap([post(datetime(2026, 5, 1, 9))], "UTC", now=NOW)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        build_heatmap([], "UTC", now=datetime(2026, 5, 1))
    with pytest.raises(ValueError, match="score"):
        build_heatmap([post(monday(9), -1)], "UTC", now=NOW)
    with pytest.raises(ValueError, match="score"):
        build_heatmap([post(monday(9), math.nan)], "UTC", now=NOW)
    with pytest.raises(ValueError, match="window"):
        build_heatmap([], "UTC", now=NOW, window=timedelta(0))
    with pytest.raises(ValueError, match="168 weights"):
        Prior((1.0,) * 24, PriorSource.DEFAULTS)
    with pytest.raises(ValueError, match="greater than zero"):
        Prior((0.0,) * CELLS, PriorSource.DEFAULTS)


# Properties

scores = st.one_of(st.just(0.0), st.floats(min_value=0, max_value=1e6, allow_nan=False))
moments = st.integers(min_value=0, max_value=int(DEFAULT_WINDOW.total_seconds()) - 1)
history = st.lists(st.tuples(moments, scores), max_size=300)
weights = st.lists(
    st.floats(min_value=0.01, max_value=100, allow_nan=False), min_size=CELLS, max_size=CELLS
)
zones = st.sampled_from(["UTC", "Europe/Helsinki", "America/New_York", "Asia/Kolkata"])


@settings(max_examples=150, deadline=None)
@given(history=history, weights=weights, zone=zones)
def test_estimates_lie_between_the_cell_mean_and_the_prior(
    history: list[tuple[int, float]], weights: list[float], zone: str
) -> None:
    start = NOW - DEFAULT_WINDOW
    posts = [post(start + timedelta(seconds=offset), score) for offset, score in history]
    heatmap = build_heatmap(posts, zone, now=NOW, prior=Prior(tuple(weights), PriorSource.DEFAULTS))
    assert heatmap.posts == len(posts) == sum(cell.n for cell in heatmap.cells)
    assert K_MIN <= heatmap.k <= K_MAX
    for cell in heatmap.cells:
        if cell.mean is None:
            assert cell.estimate == cell.prior
            continue
        low, high = min(cell.mean, cell.prior), max(cell.mean, cell.prior)
        assert low - 1e-12 * high <= cell.estimate <= high + 1e-12 * high
