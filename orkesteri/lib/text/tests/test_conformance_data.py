from pathlib import Path

import pytest

from orkesteri.lib.text.tests.conformance import SHARED, missing


def test_the_shared_suites_are_found_beside_the_checkout() -> None:
    if not SHARED.is_dir():
        missing(SHARED)
    assert {"twitter-text", "bluesky", "mastodon"} <= {p.name for p in SHARED.iterdir()}


def test_missing_data_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        missing(Path("/nowhere"))


def test_missing_data_skips_on_a_developer_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        missing(Path("/nowhere"))
