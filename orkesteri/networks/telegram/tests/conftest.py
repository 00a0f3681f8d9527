"""The local Bot API (server.py) with the adapter pointed at it, and the chats the tests use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orkesteri.networks.base import Image
from orkesteri.networks.telegram import conf
from orkesteri.networks.telegram.adapter import TelegramAdapter
from orkesteri.networks.telegram.tests.server import PUBLIC_CHANNEL, TOKEN, BotApiState, bot_api
from orkesteri.networks.testing import PIXEL_PNG

PHOTO = Image(PIXEL_PNG, "image/png", 800, 600)
CHANNEL_CONFIG = {"chat_id": PUBLIC_CHANNEL, "username": "orkesteri_news", "chat_type": "channel"}


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[BotApiState]:
    """The local Bot API, with the adapter pointed at it."""
    with bot_api() as state:
        monkeypatch.setattr(conf, "API_URL", state.url)
        yield state


def channel(token: str = TOKEN) -> TelegramAdapter:
    """The public channel of CHANNEL_CONFIG, with the bot token `token`."""
    return TelegramAdapter({"bot_token": token}, CHANNEL_CONFIG)
