"""The two top-level-domain lists the rules use, loaded once from data/.

twitter-text's list (data/tlds.json, {"country": [...], "generic": [...]}) serves the X rules
and Mastodon's URL rule, which is built on it; the npm `tlds` list (data/bluesky-tlds.json)
serves Bluesky and the simple networks.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@cache
def twitter_tlds() -> dict[str, tuple[str, ...]]:
    data = json.loads((DATA / "tlds.json").read_text(encoding="utf-8"))
    return {key: tuple(data[key]) for key in ("country", "generic")}


@cache
def bluesky_tlds() -> frozenset[str]:
    """The npm ``tlds`` list (lower case, IDN TLDs in Unicode form)."""
    return frozenset(json.loads((DATA / "bluesky-tlds.json").read_text(encoding="utf-8")))
