"""Each network's publish rate (Limits.rate) as a token bucket per channel."""

from __future__ import annotations

import pytest

from orkesteri.networks.base import Rate
from orkesteri.networks.registry import ADAPTERS


def test_a_full_bucket_lets_a_burst_through_then_one_per_interval() -> None:
    rate = Rate(3, 60)  # one more every 20 s
    tokens, wait = rate.spend(None, 0)
    assert (tokens, wait) == (2.0, 0.0)
    tokens, wait = rate.spend(tokens, 0)
    assert (tokens, wait) == (1.0, 0.0)
    tokens, wait = rate.spend(tokens, 0)
    assert tokens == 0.0
    assert wait == pytest.approx(20.0)
    tokens, wait = rate.spend(tokens + 1.0, 0)  # after 20 s the bucket has one again
    assert wait == pytest.approx(20.0)


def test_a_bucket_refills_but_never_beyond_its_size() -> None:
    rate = Rate(3, 60)
    tokens, wait = rate.spend(0.0, 3600)  # an hour idle: full again, not 180
    assert (tokens, wait) == (2.0, 0.0)


@pytest.mark.parametrize(
    ("network", "posts", "seconds"),
    [
        ("bluesky", 1666, 3600),
        ("mastodon", 300, 3 * 3600),
        ("telegram", 20, 60),
        ("vk", 50, 24 * 3600),
    ],
)
def test_each_network_declares_its_documented_rate(network: str, posts: int, seconds: int) -> None:
    assert ADAPTERS[network].default_limits.rate == Rate(posts, seconds)


def test_the_feed_has_no_rate() -> None:
    assert ADAPTERS["feed"].default_limits.rate is None
