"""Browser tests drive Debian's Chromium through pytest-playwright; never `playwright install`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")

# The test machine has no internet: these flags stop Chromium's own background traffic
# (component updates, sync, QUIC probes), which would otherwise end in refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP = {"width": 1440, "height": 900}


def require_chromium() -> None:
    """Skip without Chromium, except on CI, where a missing browser is a broken setup."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing; install it with `apt-get install -y chromium`"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    require_chromium()
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": browser_type_launch_args.get("headless", True),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """Lets pages go to "/login/"; also replaces pytest-playwright's own fixture, which warns
    under pytest 9 (a session fixture defined as an instance method)."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # English UI and a zone unlike the workspaces', so nothing passes by accident.
    return {
        **browser_context_args,
        "viewport": DESKTOP,
        "device_scale_factor": 1,
        "locale": "en-US",
        "timezone_id": "UTC",
    }
