"""The KPI formulas of docs/metrics.md, checked against hand-computed figures."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orkesteri.analytics import kpis
from orkesteri.analytics.kpis import (
    Averaging,
    FollowerSeries,
    KpiSet,
    PostFigures,
    average_rate,
    compare,
    group_summaries,
    length_bucket,
    summarize,
)
from orkesteri.analytics.models import PostStats
from orkesteri.workspaces.models import Workspace

# Post A: 10 likes, 2 replies, 3 reposts, 1 quote = 16 engagements; 1,000 followers,
# 400 reached, 2,000 views, no impressions given.
POST_A = PostFigures(
    likes=10, replies=2, reposts=3, quotes=1, views=2000, reach=400, followers=1000, clicks=7
)
# Post B: 50 + 5 + 5 = 60 engagements (no quotes given), 100 followers, nothing else.
POST_B = PostFigures(likes=50, replies=5, reposts=5, followers=100)
NOTHING = PostFigures()

PER_POST_RATES = (
    kpis.er_by_followers,
    kpis.er_by_reach,
    kpis.er_by_views,
    kpis.love_rate,
    kpis.talk_rate,
    kpis.amplification_rate,
    kpis.applause_rate,
    kpis.conversation_rate,
    kpis.virality_rate,
)
RATE_FIGURES = tuple(function.__name__ for function in PER_POST_RATES)


# --- One post -----------------------------------------------------------------------------------


def test_engagements_add_the_four_actions():
    assert kpis.engagements(POST_A) == 16


def test_engagements_count_only_the_actions_given():
    assert kpis.engagements(POST_B) == 60
    assert kpis.engagements(PostFigures(replies=3)) == 3


def test_engagements_are_none_when_no_action_is_given():
    assert kpis.engagements(PostFigures(views=100, followers=10)) is None


def test_engagements_of_zero_are_a_real_zero():
    assert kpis.engagements(PostFigures(likes=0, replies=0)) == 0


def test_it_computes_every_rate_of_a_post_by_hand():
    assert kpis.er_by_followers(POST_A) == pytest.approx(1.6)  # 16 / 1000 × 100
    assert kpis.er_by_reach(POST_A) == pytest.approx(4.0)  # 16 / 400 × 100
    assert kpis.er_by_views(POST_A) == pytest.approx(0.8)  # 16 / 2000 × 100
    assert kpis.love_rate(POST_A) == pytest.approx(1.0)  # 10 / 1000 × 100
    assert kpis.talk_rate(POST_A) == pytest.approx(0.2)  # 2 / 1000 × 100
    assert kpis.amplification_rate(POST_A) == pytest.approx(0.3)  # 3 / 1000 × 100
    assert kpis.applause_rate(POST_A) == pytest.approx(1.0)  # as the love rate
    assert kpis.conversation_rate(POST_A) == pytest.approx(0.2)  # as the talk rate
    assert kpis.virality_rate(POST_A) == pytest.approx(0.15)  # 3 / 2000 views × 100


def test_virality_prefers_impressions_to_views():
    post = PostFigures(reposts=5, impressions=1000, views=2000)
    assert kpis.virality_rate(post) == pytest.approx(0.5)


def test_virality_does_not_fall_back_to_views_when_impressions_are_zero():
    # The network says nobody saw it: that is not "impressions unknown".
    assert kpis.virality_rate(PostFigures(reposts=5, impressions=0, views=100)) is None


def test_zero_followers_give_no_rate_not_zero_nor_inf():
    post = PostFigures(likes=5, replies=1, reposts=1, followers=0)
    for rate in (kpis.er_by_followers, kpis.love_rate, kpis.talk_rate, kpis.amplification_rate):
        assert rate(post) is None


def test_missing_followers_give_no_rate():
    post = PostFigures(likes=5, replies=1, reposts=1)
    assert kpis.er_by_followers(post) is None
    assert kpis.love_rate(post) is None


def test_a_missing_numerator_gives_no_rate():
    post = PostFigures(likes=5, followers=100)  # replies and reposts not given
    assert kpis.talk_rate(post) is None
    assert kpis.amplification_rate(post) is None
    assert kpis.love_rate(post) == pytest.approx(5.0)


def test_zero_engagement_is_a_real_zero_rate():
    assert kpis.er_by_followers(PostFigures(likes=0, followers=100)) == 0.0


def test_a_post_without_any_figure_has_no_rate():
    for rate in PER_POST_RATES:
        assert rate(NOTHING) is None


def test_ratio_refuses_a_zero_or_negative_denominator():
    assert kpis.ratio(1, 0) is None
    assert kpis.ratio(1, -5) is None
    assert kpis.ratio(None, 5) is None
    assert kpis.ratio(1, 4) == 25.0
    assert kpis.ratio(1, 4, scale=1.0) == 0.25


# --- Many posts ---------------------------------------------------------------------------------


def test_arithmetic_and_weighted_averages_differ_by_hand():
    # Arithmetic: (1.6 % + 60 %) / 2 = 30.8 %. Weighted: 76 / 1100 × 100 = 6.909 %.
    assert kpis.average_er_by_followers([POST_A, POST_B], "arithmetic") == pytest.approx(30.8)
    assert kpis.average_er_by_followers([POST_A, POST_B], "weighted") == pytest.approx(7600 / 1100)


def test_averages_leave_out_posts_without_a_figure():
    zero_followers = PostFigures(likes=1000, followers=0)
    no_followers = PostFigures(likes=1000)
    no_engagement = PostFigures(followers=1_000_000)
    posts = [POST_A, zero_followers, no_followers, no_engagement, POST_B]
    assert kpis.average_er_by_followers(posts, "arithmetic") == pytest.approx(30.8)
    assert kpis.average_er_by_followers(posts, "weighted") == pytest.approx(7600 / 1100)


def test_averages_of_no_posts_are_none():
    for averaging in Averaging:
        assert kpis.average_er_by_followers([], averaging) is None
        assert kpis.average_er_by_followers([NOTHING, NOTHING], averaging) is None


def test_average_rate_takes_plain_columns():
    assert average_rate([1, 3], [10, 10], "arithmetic") == pytest.approx(20.0)
    assert average_rate([1, None, 3], [10, 10, 0], Averaging.WEIGHTED) == pytest.approx(10.0)


def test_summarize_by_hand_arithmetic():
    figures = summarize([POST_A, POST_B], "arithmetic")
    assert figures.averaging is Averaging.ARITHMETIC
    assert figures.posts == 2
    assert figures.rated_posts == 2
    assert figures.engagements == 76
    assert (figures.likes, figures.replies, figures.reposts, figures.quotes) == (60, 7, 8, 1)
    assert (figures.views, figures.reach, figures.impressions, figures.clicks) == (
        2000,
        400,
        None,
        7,
    )
    assert figures.er_by_followers == pytest.approx(30.8)
    assert figures.er_by_reach == pytest.approx(4.0)  # only A has a reach
    assert figures.er_by_views == pytest.approx(0.8)  # only A has views
    assert figures.love_rate == pytest.approx((1.0 + 50.0) / 2)
    assert figures.talk_rate == pytest.approx((0.2 + 5.0) / 2)
    assert figures.amplification_rate == pytest.approx((0.3 + 5.0) / 2)
    assert figures.applause_rate == figures.love_rate
    assert figures.conversation_rate == figures.talk_rate
    assert figures.virality_rate == pytest.approx(0.15)  # B has no views or impressions


def test_summarize_by_hand_weighted():
    figures = summarize([POST_A, POST_B], "weighted")
    assert figures.averaging is Averaging.WEIGHTED
    assert figures.er_by_followers == pytest.approx(76 / 1100 * 100)
    assert figures.love_rate == pytest.approx(60 / 1100 * 100)
    assert figures.talk_rate == pytest.approx(7 / 1100 * 100)
    assert figures.amplification_rate == pytest.approx(8 / 1100 * 100)
    # The totals do not depend on the averaging.
    assert figures.engagements == 76


def test_summarize_of_no_posts_is_all_dashes():
    figures = summarize([], "arithmetic")
    assert figures.posts == 0
    assert figures.rated_posts == 0
    for name in ("engagements", "likes", "views", "clicks", *RATE_FIGURES):
        assert getattr(figures, name) is None, name
    assert figures.posts_per_day is None  # no period given


def test_summarize_of_posts_without_figures_is_all_dashes():
    figures = summarize([NOTHING, NOTHING, NOTHING], "weighted")
    assert figures.posts == 3
    assert figures.rated_posts == 0
    for name in ("engagements", "likes", "replies", "views", "reach", *RATE_FIGURES):
        assert getattr(figures, name) is None, name


def test_summarize_keeps_real_zeros():
    figures = summarize([PostFigures(likes=0, replies=0, followers=50)], "arithmetic")
    assert figures.likes == 0
    assert figures.engagements == 0
    assert figures.er_by_followers == 0.0
    assert figures.reposts is None
    assert figures.amplification_rate is None


def test_summarize_of_one_post_matches_the_post_functions():
    for averaging in Averaging:
        figures = summarize([POST_A], averaging)
        for rate in PER_POST_RATES:
            assert getattr(figures, rate.__name__) == pytest.approx(rate(POST_A)), rate.__name__


def test_summarize_counts_posting_frequency_over_the_days_given():
    figures = summarize([POST_A] * 14, "arithmetic", days=7)
    assert figures.days == 7
    assert figures.posts_per_day == pytest.approx(2.0)
    assert figures.posts_per_week == pytest.approx(14.0)


def test_no_posts_in_a_period_is_a_real_zero_frequency():
    figures = summarize([], "arithmetic", days=30)
    assert figures.posts_per_day == 0.0
    assert figures.posts_per_week == 0.0


def test_summarize_adds_the_follower_growth_of_its_accounts():
    accounts = [FollowerSeries(100, 130), FollowerSeries(None, 50), FollowerSeries(900, 920)]
    figures = summarize([], "arithmetic", accounts=accounts)
    assert (figures.followers_start, figures.followers_end) == (1000, 1050)
    assert figures.follower_growth == 50
    assert figures.follower_growth_percent == pytest.approx(5.0)


def test_summarize_without_accounts_has_no_follower_growth():
    figures = summarize([POST_A], "arithmetic")
    assert figures.follower_growth is None
    assert figures.follower_growth_percent is None


def test_summarize_accepts_the_workspace_setting():
    for choice in Workspace.Averaging:
        assert summarize([POST_A], choice).averaging == str(choice)


def test_an_unknown_averaging_is_refused_with_its_name():
    with pytest.raises(ValueError, match=r"'median'.*'arithmetic' or 'weighted'"):
        summarize([POST_A], "median")


def test_post_fields_follow_the_post_stats_columns():
    columns = {field.name for field in PostStats._meta.get_fields()}
    assert set(kpis.POST_FIELDS) <= columns
    row = (1, 2, 3, 4, 5, 6, 7, 8, 9)
    assert PostFigures(*row) == PostFigures(**dict(zip(kpis.POST_FIELDS, row, strict=True)))


# --- Accounts and frequency ---------------------------------------------------------------------


def test_follower_growth_by_hand():
    assert kpis.follower_growth(100, 120) == 20
    assert kpis.follower_growth_percent(100, 120) == pytest.approx(20.0)
    assert kpis.follower_growth(120, 100) == -20
    assert kpis.follower_growth_percent(120, 100) == pytest.approx(-100 * 20 / 120)


def test_follower_growth_from_zero_has_no_percent():
    assert kpis.follower_growth(0, 10) == 10
    assert kpis.follower_growth_percent(0, 10) is None


def test_follower_growth_needs_both_ends():
    assert kpis.follower_growth(None, 10) is None
    assert kpis.follower_growth(10, None) is None
    assert kpis.follower_growth_percent(None, 10) is None


def test_combine_followers_leaves_out_accounts_known_at_one_end():
    combined = kpis.combine_followers([FollowerSeries(5, None), FollowerSeries(None, 7)])
    assert combined == FollowerSeries(None, None)
    assert kpis.combine_followers([]) == FollowerSeries(None, None)


def test_posting_frequency_needs_a_period():
    assert kpis.posts_per_day(10, 0) is None
    assert kpis.posts_per_day(10, None) is None
    assert kpis.posts_per_week(3, 21) == pytest.approx(1.0)


def test_days_inclusive_counts_both_ends():
    assert kpis.days_inclusive(date(2026, 11, 1), date(2026, 11, 30)) == 30
    assert kpis.days_inclusive(date(2026, 11, 1), date(2026, 11, 1)) == 1


def test_days_inclusive_refuses_a_period_that_ends_before_it_starts():
    with pytest.raises(ValueError, match=r"ends .* before it starts"):
        kpis.days_inclusive(date(2026, 11, 2), date(2026, 11, 1))


# --- Compared with the previous period -----------------------------------------------------------


def test_compare_by_hand():
    current = summarize([POST_A, POST_B], "weighted", days=7)  # 2 posts, 76 engagements
    previous = summarize([POST_A], "weighted", days=7)  # 1 post, 16 engagements
    deltas = compare(current, previous)
    assert deltas["posts"] == kpis.Delta(2, 1, 1, 100.0)
    assert deltas["engagements"] == kpis.Delta(76, 16, 60, 375.0)
    er = deltas["er_by_followers"]  # 6.909 % against 1.6 %
    assert er.change == pytest.approx(7600 / 1100 - 1.6)  # percentage points
    assert er.change_percent == pytest.approx((7600 / 1100 - 1.6) / 1.6 * 100)


def test_compare_with_a_zero_previous_value_has_no_percent_change():
    deltas = compare(summarize([POST_A], "arithmetic"), summarize([], "arithmetic"))
    assert deltas["posts"] == kpis.Delta(1, 0, 1, None)


def test_compare_with_a_missing_value_has_no_change():
    deltas = compare(summarize([POST_A], "arithmetic"), summarize([], "arithmetic"))
    assert deltas["likes"] == kpis.Delta(10, None, None, None)
    assert deltas["er_by_followers"].change is None


def test_compare_covers_every_figure_but_not_the_settings():
    deltas = compare(summarize([], "arithmetic"), summarize([], "arithmetic"))
    assert tuple(deltas) == kpis.FIGURES
    assert "averaging" not in deltas
    assert "days" not in deltas


def test_a_negative_previous_value_keeps_the_sign_of_the_change():
    assert kpis.delta(10, -10) == kpis.Delta(10, -10, 20, 200.0)
    assert kpis.delta(-30, -10) == kpis.Delta(-30, -10, -20, -200.0)


def test_every_figure_has_a_label():
    assert set(kpis.FIGURE_LABELS) == set(kpis.FIGURES)
    assert set(kpis.FIGURES) >= kpis.PERCENT_FIGURES
    assert set(RATE_FIGURES) <= kpis.PERCENT_FIGURES


# --- Groups and text length ----------------------------------------------------------------------


def test_group_summaries_keep_the_order_keys_first_come_in():
    rows = [("tue", POST_A), ("mon", POST_B), ("tue", POST_B)]
    groups = group_summaries(rows, "arithmetic")
    assert list(groups) == ["tue", "mon"]
    assert groups["tue"].posts == 2
    assert groups["tue"].er_by_followers == pytest.approx(30.8)
    assert groups["mon"].engagements == 60


def test_group_summaries_pass_the_period_on():
    groups = group_summaries([(1, POST_A), (1, POST_A), (2, POST_B)], "weighted", days=2)
    assert groups[1].posts_per_day == pytest.approx(1.0)
    assert groups[2].posts_per_week == pytest.approx(3.5)
    assert groups[2].averaging is Averaging.WEIGHTED


def test_group_summaries_of_nothing_is_empty():
    assert group_summaries([], "arithmetic") == {}


@pytest.mark.parametrize(
    ("characters", "bucket"),
    [
        (0, "0-80"),
        (80, "0-80"),
        (81, "81-140"),
        (140, "81-140"),
        (141, "141-280"),
        (280, "141-280"),
        (281, "281-500"),
        (500, "281-500"),
        (501, "501+"),
        (100_000, "501+"),
    ],
)
def test_length_bucket_edges(characters, bucket):
    assert length_bucket(characters) == bucket


def test_length_bucket_refuses_a_negative_length():
    with pytest.raises(ValueError, match="-1 characters"):
        length_bucket(-1)


def test_every_length_bucket_has_a_label():
    assert [key for key, _ in kpis.LENGTH_BUCKETS] == list(kpis.LENGTH_BUCKET_LABELS)


# --- Properties ----------------------------------------------------------------------------------

counts = st.none() | st.integers(min_value=0, max_value=10**9)
posts_strategy = st.builds(
    PostFigures,
    likes=counts,
    replies=counts,
    reposts=counts,
    quotes=counts,
    views=counts,
    reach=counts,
    impressions=counts,
    clicks=counts,
    followers=counts,
)
post_lists = st.lists(posts_strategy, max_size=30)
averagings = st.sampled_from(list(Averaging))


def _close(value: float | None, expected: float | None) -> bool:
    """Equal up to float rounding, or both None."""
    if value is None or expected is None:
        return value is expected
    return math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12)


def _assert_all_rates_sane(figures: KpiSet) -> None:
    for name in RATE_FIGURES:
        value = getattr(figures, name)
        assert value is None or (math.isfinite(value) and value >= 0), name


@given(post_lists, averagings)
def test_rates_are_none_or_finite_and_never_negative(posts, averaging):
    _assert_all_rates_sane(summarize(posts, averaging))


@given(
    st.lists(st.none() | st.integers(0, 10**6), max_size=30),
    st.integers(min_value=0, max_value=10**7),
)
def test_weighted_equals_arithmetic_when_every_post_has_the_same_followers(actions, followers):
    posts = [PostFigures(likes=likes, replies=likes, followers=followers) for likes in actions]
    arithmetic = summarize(posts, "arithmetic")
    weighted = summarize(posts, "weighted")
    for name in ("er_by_followers", "love_rate", "talk_rate", "amplification_rate"):
        expected = getattr(arithmetic, name)
        assert _close(getattr(weighted, name), expected), name


@given(post_lists, averagings)
def test_the_average_lies_between_the_lowest_and_highest_post(posts, averaging):
    rates = [rate for post in posts if (rate := kpis.er_by_followers(post)) is not None]
    average = summarize(posts, averaging).er_by_followers
    if not rates:
        assert average is None
    else:
        assert average is not None
        assert min(rates) - 1e-9 * max(rates) <= average <= max(rates) * (1 + 1e-9)


@given(post_lists)
def test_arithmetic_summary_is_the_mean_of_the_post_functions(posts):
    figures = summarize(posts, "arithmetic")
    for rate in PER_POST_RATES:
        rates = [value for post in posts if (value := rate(post)) is not None]
        expected = sum(rates) / len(rates) if rates else None
        assert _close(getattr(figures, rate.__name__), expected), rate.__name__
    assert figures.rated_posts == sum(1 for post in posts if kpis.er_by_followers(post) is not None)


@given(post_lists, averagings)
def test_totals_add_the_values_given(posts, averaging):
    figures = summarize(posts, averaging)
    for name in ("likes", "replies", "reposts", "quotes", "views", "reach", "clicks"):
        values = [getattr(post, name) for post in posts if getattr(post, name) is not None]
        assert getattr(figures, name) == (sum(values) if values else None), name
    engaged = [e for post in posts if (e := kpis.engagements(post)) is not None]
    assert figures.engagements == (sum(engaged) if engaged else None)


@given(post_lists, averagings, st.randoms())
def test_the_order_of_posts_does_not_matter(posts, averaging, random):
    shuffled = list(posts)
    random.shuffle(shuffled)
    first, second = summarize(posts, averaging), summarize(shuffled, averaging)
    for name in kpis.FIGURES:
        assert _close(getattr(second, name), getattr(first, name)), name


@given(post_lists, averagings, st.integers(min_value=1, max_value=400))
def test_comparing_a_period_with_itself_changes_nothing(posts, averaging, days):
    figures = summarize(posts, averaging, days=days)
    for name, change in compare(figures, figures).items():
        if getattr(figures, name) is None:
            assert change.change is None, name
        else:
            assert change.change == 0, name
            assert change.change_percent in (0.0, None), name


@given(st.lists(st.tuples(st.integers(0, 4), posts_strategy), max_size=30), averagings)
def test_groups_add_up_to_the_whole(rows, averaging):
    groups = group_summaries(rows, averaging)
    whole = summarize([post for _, post in rows], averaging)
    assert sum(group.posts for group in groups.values()) == whole.posts
    engaged = [group.engagements for group in groups.values() if group.engagements is not None]
    assert (sum(engaged) if engaged else None) == whole.engagements


@given(st.integers(min_value=0, max_value=10**6))
def test_every_length_has_exactly_one_bucket(characters):
    key = length_bucket(characters)
    assert key in kpis.LENGTH_BUCKET_LABELS
