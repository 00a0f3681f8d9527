"""Every network Orkesteri knows, one line each (STYLE.md rule 1).

`ADAPTERS` are the networks a channel can connect to. `TEXT_RULES` adds the networks whose
adapters come later in the roadmap (DESIGN.md §11) but whose text rules `check-text` and the
composer already know.
"""

from __future__ import annotations

from orkesteri.lib.text import TextRules
from orkesteri.networks.base import Adapter, ImagePreset
from orkesteri.networks.bluesky.adapter import BlueskyAdapter
from orkesteri.networks.feed.adapter import FeedAdapter
from orkesteri.networks.instagram import conf as instagram
from orkesteri.networks.linkedin import conf as linkedin
from orkesteri.networks.mastodon.adapter import MastodonAdapter
from orkesteri.networks.telegram.adapter import TelegramAdapter
from orkesteri.networks.threads import conf as threads
from orkesteri.networks.vk.adapter import VkAdapter
from orkesteri.networks.x import conf as x

ADAPTERS: dict[str, type[Adapter]] = {
    cls.kind: cls
    for cls in (
        BlueskyAdapter,
        MastodonAdapter,
        TelegramAdapter,
        VkAdapter,
        FeedAdapter,
    )
}

# Networks with text rules but no adapter yet.
TEXT_ONLY: dict[str, TextRules] = {
    "x": x.TEXT_RULES,
    "threads": threads.TEXT_RULES,
    "linkedin": linkedin.TEXT_RULES,
    "instagram": instagram.TEXT_RULES,
}


def text_networks() -> list[str]:
    return sorted({*ADAPTERS, *TEXT_ONLY})


def text_rules(kind: str) -> TextRules:
    """The default text rules of a network (KeyError if Orkesteri doesn't know it)."""
    if kind in ADAPTERS:
        return ADAPTERS[kind].default_limits.text
    return TEXT_ONLY[kind]


def network_label(kind: str) -> str:
    cls = ADAPTERS.get(kind)
    return str(cls.label) if cls else kind


# Networks with image presets but no adapter yet (their conf.IMAGE_PRESETS).
_PRESET_CONFS = {"x": x, "threads": threads, "linkedin": linkedin, "instagram": instagram}


def image_presets(kind: str) -> tuple[ImagePreset, ...]:
    """The renditions the media pipeline makes for a network (empty if it takes no images)."""
    if kind in ADAPTERS:
        return ADAPTERS[kind].default_limits.image_presets
    conf = _PRESET_CONFS.get(kind)
    return conf.IMAGE_PRESETS if conf is not None else ()
