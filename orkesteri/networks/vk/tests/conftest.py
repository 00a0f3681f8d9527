"""The local VK API (server.py) with the adapter pointed at it, and the channel the tests use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from orkesteri.networks.base import Image
from orkesteri.networks.testing import PIXEL_PNG
from orkesteri.networks.vk import conf
from orkesteri.networks.vk.adapter import VkAdapter
from orkesteri.networks.vk.tests.server import GROUP_ID, VkState, running_vk

CONFIG = {"group_id": GROUP_ID, "screen_name": "orkfriends", "photos": True}


@pytest.fixture
def vk(monkeypatch: pytest.MonkeyPatch) -> Iterator[VkState]:
    with running_vk() as (server, state):
        monkeypatch.setattr(conf, "API_BASE_URL", server.url + "/method/")  # type: ignore[attr-defined]
        yield state


def adapter(token: str = "alice-key", **config: Any) -> VkAdapter:
    """The channel of CONFIG (with `config` on top), with the key `token`."""
    return VkAdapter({"access_token": token}, {**CONFIG, **config})


def png(alt: str = "") -> Image:
    return Image(PIXEL_PNG, "image/png", 1, 1, alt=alt)
