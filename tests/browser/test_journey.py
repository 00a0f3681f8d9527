"""The first journey: sign in, create a workspace, invite a colleague, switch workspace.

Every step is photographed at 1440×900 and 360×780 into var/screenshots/ for a human to look
at; with ORKESTERI_DOC_SCREENSHOTS=1 three of them are refreshed in docs/screenshots/ for
the README (off by default, so a test run does not change tracked files).
"""

from __future__ import annotations

import pytest
from browser_helpers import assert_fits, on_phone, phone, shoot
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from pytest_playwright import CreateContextCallback

from orkesteri.accounts.models import User
from orkesteri.testing import PASSWORD
from orkesteri.workspaces.models import Invite, Membership, Workspace
from orkesteri.workspaces.roles import Role

ALICE_PASSWORD = PASSWORD
DAVE_PASSWORD = "plum teapot orbit 42"

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_creates_a_workspace_invites_an_editor_and_switches_back(
    page: Page,
    new_context: CreateContextCallback,
    live_server: LiveServer,
    alice: User,
    acme: Workspace,
) -> None:
    assert alice.check_password(ALICE_PASSWORD)
    page.set_default_timeout(10_000)

    # alice signs in with her email and password and lands in her only workspace.
    page.goto("/login/")
    expect(page.get_by_role("heading", name="Sign in to Orkesteri")).to_be_visible()
    shoot(page, "01-login")
    with phone(page):
        shoot(page, "01-login")
        assert_fits(page)
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill(ALICE_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/w/acme/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Coffee")
    expect(page.get_by_text("Your role here: Owner")).to_be_visible()
    shoot(page, "02-acme-overview")

    # Workspaces → "+ New workspace": Initech Snacks, in Helsinki time.
    switcher = page.get_by_test_id("workspace-switcher")
    switcher.locator("summary").click()
    switcher.get_by_role("link", name="All workspaces").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workspaces")
    expect(page.locator(".ws-card")).to_have_count(1)
    expect(page.locator(".ws-card")).to_contain_text("Acme Coffee")
    shoot(page, "03-workspaces")
    on_phone(page, "03-workspaces", open_menu=True)
    page.locator(".content").get_by_role("link", name="+ New workspace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New workspace")
    page.get_by_label("Name", exact=True).fill("Initech Snacks")
    page.get_by_label("Time zone").select_option("Europe/Helsinki")
    shoot(page, "04-new-workspace")
    on_phone(page, "04-new-workspace")
    page.get_by_role("button", name="Create workspace").click()

    expect(page).to_have_url(f"{live_server.url}/w/initech-snacks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Initech Snacks")
    expect(page.get_by_role("status")).to_have_text("Workspace “Initech Snacks” created.")
    expect(page.get_by_title("Workspace time zone")).to_contain_text("Europe/Helsinki")
    expect(switcher.locator("summary")).to_have_text("Initech Snacks")
    shoot(page, "05-initech-overview")
    on_phone(page, "05-initech-overview", open_menu=True, docs_as="mobile.png")

    # Settings → Members: invite dave as an Editor and get the one-time link.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Members").click()
    expect(page.get_by_text("No pending invitations.")).to_be_visible()
    invite_form = page.locator("form").filter(has_text="Invite someone")
    invite_form.get_by_label("Email").fill("dave@example.com")
    invite_form.get_by_label("Role").select_option(label="Editor")
    invite_form.get_by_role("button", name="Send invitation").click()

    expect(page.get_by_text("Invitation sent to dave@example.com.")).to_be_visible()
    expect(page.get_by_text("You can also send this one-time link yourself:")).to_be_visible()
    invite_link = page.get_by_test_id("invite-link").input_value()
    assert invite_link.startswith(f"{live_server.url}/invite/"), invite_link
    pending = page.locator("table").filter(has_text="Expires")
    expect(pending.get_by_role("row").filter(has_text="dave@example.com")).to_contain_text("Editor")
    shoot(page, "06-members-invited")
    on_phone(page, "06-members-invited")

    # dave, signed in nowhere, opens the link, creates his account and lands in the workspace.
    dave_page = new_context().new_page()
    dave_page.set_default_timeout(10_000)
    dave_page.goto(invite_link)
    expect(dave_page.get_by_role("heading", level=1)).to_have_text("Join Initech Snacks")
    expect(
        dave_page.get_by_text("This invitation is for dave@example.com as Editor.")
    ).to_be_visible()
    shoot(dave_page, "07-invite")
    with phone(dave_page):
        shoot(dave_page, "07-invite")
        assert_fits(dave_page)
    dave_page.get_by_label("Your name").fill("Dave Designer")
    dave_page.get_by_label("Choose a password").fill(DAVE_PASSWORD)
    dave_page.get_by_role("button", name="Create account and join").click()

    expect(dave_page).to_have_url(f"{live_server.url}/w/initech-snacks/")
    expect(dave_page.get_by_role("heading", level=1)).to_have_text("Initech Snacks")
    expect(dave_page.get_by_role("status")).to_have_text("Welcome to Initech Snacks.")
    expect(dave_page.get_by_text("Your role here: Editor")).to_be_visible()
    dave_switcher = dave_page.get_by_test_id("workspace-switcher")
    expect(dave_switcher.locator("summary")).to_have_text("Initech Snacks")
    shoot(dave_page, "08-dave-joined")
    on_phone(dave_page, "08-dave-joined")

    # alice reloads the members page (it does not send the invitation again) and sees dave
    # among the members, with nothing left pending.
    page.reload()
    dave_row = page.locator("table").filter(has_text="Person").get_by_role("row")
    dave_row = dave_row.filter(has_text="Dave Designer")
    expect(dave_row).to_contain_text("dave@example.com")
    expect(dave_row.get_by_role("combobox", name="Role")).to_have_value("editor")
    expect(page.get_by_text("No pending invitations.")).to_be_visible()
    expect(page.get_by_test_id("invite-link")).to_have_count(0)
    shoot(page, "09-members", docs_as="members.png")
    on_phone(page, "09-members")

    # The switcher in the top bar takes alice back to Acme Coffee.
    switcher.locator("summary").click()
    menu = switcher.locator(".menu")
    expect(menu.get_by_role("link", name="Initech Snacks")).to_have_attribute(
        "aria-current", "true"
    )
    shoot(page, "10-switcher")
    menu.get_by_role("link", name="Acme Coffee").click()

    expect(page).to_have_url(f"{live_server.url}/w/acme/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Coffee")
    expect(page.get_by_text("Your role here: Owner")).to_be_visible()
    expect(switcher.locator("summary")).to_have_text("Acme Coffee")
    shoot(page, "11-acme-overview", docs_as="workspace-home.png")
    with phone(page):
        switcher.locator("summary").click()
        expect(menu.get_by_role("link", name="Initech Snacks")).to_be_in_viewport()
        shoot(page, "11-acme-switcher")
        assert_fits(page)

    # What the journey left behind.
    initech = Workspace.objects.get(name="Initech Snacks")
    assert (initech.slug, initech.timezone) == ("initech-snacks", "Europe/Helsinki")
    assert Membership.objects.get(workspace=initech, user=alice).role == Role.OWNER
    dave = User.objects.get(email="dave@example.com")
    assert dave.name == "Dave Designer"
    assert dave.check_password(DAVE_PASSWORD)
    assert Membership.objects.get(workspace=initech, user=dave).role == Role.EDITOR
    assert not Membership.objects.filter(workspace=acme, user=dave).exists()
    assert Invite.objects.get(workspace=initech, email="dave@example.com").accepted_at is not None
