"""Telegram analytics against the local Bot API (server.py): the Bot API gives a channel's
member count and nothing about its posts, so that is all fetch_samples reads."""

from __future__ import annotations

import pytest

from orkesteri.networks.base import (
    AuthExpired,
    Draft,
    RateLimited,
    Receipt,
    Unsupported,
)
from orkesteri.networks.telegram.adapter import TelegramAdapter
from orkesteri.networks.telegram.tests.conftest import channel
from orkesteri.networks.telegram.tests.server import (
    PUBLIC_CHANNEL,
    REVOKED_TOKEN,
    BotApiState,
)


def test_it_declares_no_post_metrics() -> None:
    assert TelegramAdapter.post_metrics == frozenset()


def test_it_samples_the_member_count_and_leaves_posts_unread(api: BotApiState) -> None:
    receipt = channel().publish(Draft("Hello"), "key-1")
    api.chats[PUBLIC_CHANNEL].member_count = 2048

    samples = channel().fetch_samples([receipt, Receipt(f"{PUBLIC_CHANNEL}:999")])

    assert samples.account == {"followers": 2048}
    assert samples.posts == {}
    assert samples.gone == frozenset()  # not read is not gone
    assert api.methods() == ["sendMessage", "getChatMemberCount"]


def test_it_cannot_list_a_channels_earlier_posts(api: BotApiState) -> None:
    with pytest.raises(Unsupported):
        channel().recent_posts(10)
    assert api.methods() == []


def test_flood_control_says_when_to_come_back(api: BotApiState) -> None:
    api.inject("getChatMemberCount", 429, "Too Many Requests: retry after 12", retry_after=12)

    with pytest.raises(RateLimited) as caught:
        channel().fetch_samples([])

    assert caught.value.retry_after == 12


def test_a_revoked_token_asks_to_reconnect(api: BotApiState) -> None:
    with pytest.raises(AuthExpired):
        channel(REVOKED_TOKEN).fetch_samples([])


def test_a_removed_bot_asks_to_add_it_back(api: BotApiState) -> None:
    api.chats[PUBLIC_CHANNEL].bot_status = "kicked"

    with pytest.raises(AuthExpired):
        channel().fetch_samples([])
