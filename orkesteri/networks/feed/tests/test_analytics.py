"""The feed is our own Atom file: no network counts anything, and it says so."""

from __future__ import annotations

import pytest

from orkesteri.networks.base import Feature, Receipt, Unsupported
from orkesteri.networks.feed.adapter import FeedAdapter


def feed() -> FeedAdapter:
    return FeedAdapter({}, {"feed_id": "abc", "title": "News"})


def test_it_declares_no_figures() -> None:
    assert Feature.METRICS not in FeedAdapter.features
    assert FeedAdapter.post_metrics == frozenset()


def test_fetch_samples_is_unsupported_with_a_message() -> None:
    with pytest.raises(Unsupported) as caught:
        feed().fetch_samples([Receipt("9f1c2d1e-0000-4000-8000-000000000000")])
    assert str(caught.value) == "Atom feed does not report figures."


def test_it_has_no_earlier_posts_to_list() -> None:
    with pytest.raises(Unsupported):
        feed().recent_posts(10)
