"""Helpers shared by the test suites (as healthchecks' hc/test.py): personas and clients."""

from __future__ import annotations

from django.test import Client

from orkesteri.accounts.actions import create_token
from orkesteri.accounts.models import User

PASSWORD = "correct horse battery staple"


def make_user(email: str, name: str = "") -> User:
    return User.objects.create_user(email=email, password=PASSWORD, name=name)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user: User) -> Client:
    _token, raw = create_token(user, "tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})
