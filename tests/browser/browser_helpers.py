"""Screenshots and layout checks shared by the browser journeys.

Every step is photographed at 1440×900 and 360×780 into var/screenshots/ for a human to look
at; with ORKESTERI_DOC_SCREENSHOTS=1 the ones named `docs_as` are refreshed in
docs/screenshots/ for the README (off by default, so a test run does not change tracked files).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect

from orkesteri.testing import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
DOCS_SHOTS = ROOT / "docs" / "screenshots"
PHONE: ViewportSize = {"width": 360, "height": 780}


def shoot(page: Page, name: str, *, docs_as: str | None = None) -> None:
    """Save the whole page for review, named by step and width; `docs_as` also for the README."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    assert before is not None
    # A window as tall as the page: a full-page capture would scroll, and the sticky top bar
    # would then be drawn in the middle of the picture.
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": before["width"], "height": max(height, before["height"])})
    try:
        page.screenshot(path=SHOTS / f"{name}-{before['width']}.png", type="png")
        if docs_as and os.environ.get("ORKESTERI_DOC_SCREENSHOTS") == "1":
            DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=DOCS_SHOTS / docs_as, type="png")
    finally:
        page.set_viewport_size(before)


def assert_fits(page: Page) -> None:
    """Nothing may push the page sideways; a wide table scrolls inside its own box."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


@contextmanager
def phone(page: Page) -> Iterator[None]:
    """Turn the window into a 360 px wide phone for a moment."""
    before = page.viewport_size
    assert before is not None
    page.set_viewport_size(PHONE)
    try:
        yield
    finally:
        page.set_viewport_size(before)


def on_phone(page: Page, name: str, *, open_menu: bool = False, docs_as: str | None = None) -> None:
    """Photograph the current page on a phone, where the sections hide behind ☰."""
    sidebar = page.get_by_role("navigation", name="Sections")
    toggle = page.locator("label.nav-toggle")
    with phone(page):
        expect(toggle).to_be_visible()
        expect(sidebar).to_be_hidden()
        shoot(page, name)
        assert_fits(page)
        if open_menu:
            toggle.click()
            expect(sidebar.get_by_role("link").first).to_be_in_viewport()
            shoot(page, f"{name}-menu", docs_as=docs_as)
            assert_fits(page)
            toggle.click()
            expect(sidebar).to_be_hidden()
    expect(sidebar).to_be_visible()


def sign_in(page: Page, email: str = "alice@example.com") -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
