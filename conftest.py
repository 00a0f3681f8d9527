"""Shared personas (STYLE.md rule 10).

alice owns workspace "acme"; bob edits there; charlie is an outsider who owns "globex".
`member_of_role(role)` makes one more member of acme with that role.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from orkesteri.accounts.models import User
from orkesteri.testing import PASSWORD, api_client, logged_in, make_user
from orkesteri.workspaces.actions import create_workspace
from orkesteri.workspaces.models import Membership, Workspace
from orkesteri.workspaces.roles import Role

# Playwright's sync API runs an event loop in the test thread; Django's ORM must allow it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

__all__ = ["PASSWORD", "api_client", "logged_in", "make_user"]

# teapot_url, no_network: the fixtures of the adapter contract tests.
pytest_plugins = ["orkesteri.networks.testing"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Uploaded files of a test go to its own temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_dns_answers() -> None:
    """A name a test resolved (or faked) does not pass another test's check unasked."""
    from orkesteri.lib import http

    http.PUBLIC_NAMES.clear()


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Each test starts in English: a request in another language leaves it active."""
    with translation.override("en"):
        yield


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice@example.com", "Alice Owner")


@pytest.fixture
def bob(db: None) -> User:
    return make_user("bob@example.com", "Bob Editor")


@pytest.fixture
def charlie(db: None) -> User:
    return make_user("charlie@example.com", "Charlie Outsider")


@pytest.fixture
def acme(alice: User, bob: User) -> Workspace:
    ws = create_workspace(alice, "Acme Coffee", slug="acme", timezone_name="Europe/Helsinki")
    Membership.objects.create(workspace=ws, user=bob, role=Role.EDITOR)
    return ws


@pytest.fixture
def globex(charlie: User) -> Workspace:
    return create_workspace(charlie, "Globex Tea", slug="globex", timezone_name="America/New_York")


@pytest.fixture
def member_of_role(acme: Workspace) -> Callable[[str], User]:
    def make(role: str) -> User:
        user = make_user(f"{role}-{User.objects.count()}@example.com", f"A {role}")
        Membership.objects.create(workspace=acme, user=user, role=role)
        return user

    return make


@pytest.fixture
def alice_client(alice: User) -> Client:
    return logged_in(alice)


@pytest.fixture
def alice_api(alice: User) -> Client:
    return api_client(alice)
