from __future__ import annotations

from collections.abc import Iterator

import pytest

from orkesteri.networks.telegram import conf
from orkesteri.networks.telegram.tests.server import BotApiState, bot_api


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[BotApiState]:
    """The local Bot API, with the adapter pointed at it."""
    with bot_api() as state:
        monkeypatch.setattr(conf, "API_URL", state.url)
        yield state
