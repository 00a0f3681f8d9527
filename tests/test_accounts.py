from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from orkesteri.accounts.models import ApiToken, User
from orkesteri.testing import PASSWORD, logged_in

pytestmark = pytest.mark.django_db


def test_login_takes_the_email_in_any_case(alice: User) -> None:
    client = Client()
    r = client.post("/login/", {"username": "Alice@Example.COM", "password": PASSWORD})
    assert r.status_code == 302
    assert client.get("/workspaces/").status_code == 200


def test_a_wrong_password_says_so(alice: User) -> None:
    r = Client().post("/login/", {"username": "alice@example.com", "password": "nope"})
    assert r.status_code == 200
    assert "correct email and password" in r.content.decode()


def test_pages_need_a_login() -> None:
    r = Client().get("/workspaces/")
    assert r.status_code == 302
    assert r["Location"].startswith("/login/")


def test_logout_ends_the_session(alice: User) -> None:
    client = logged_in(alice)
    assert client.post("/logout/").status_code == 302
    assert client.get("/workspaces/").status_code == 302


def change_password(user: User, new: str) -> Any:
    form = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    return logged_in(user).post("/password/change/", form)


def test_password_change(alice: User) -> None:
    r = change_password(alice, "a new long passphrase")
    assert r.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a new long passphrase")


def test_password_reset_by_email(alice: User) -> None:
    r = Client().post("/password/reset/", {"email": "alice@example.com"})
    assert r.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/password/reset/\S+/\S+/", str(mail.outbox[0].body))
    assert link, mail.outbox[0].body
    path = link.group(0).split("testserver", 1)[1]
    client = Client()
    r = client.get(path, follow=True)
    assert r.status_code == 200
    form_url = r.redirect_chain[-1][0]
    r = client.post(
        form_url,
        {"new_password1": "brand new secret words", "new_password2": "brand new secret words"},
    )
    assert r.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("brand new secret words")


def test_password_reset_does_not_reveal_unknown_addresses(db: None) -> None:
    r = Client().post("/password/reset/", {"email": "nobody@example.com"})
    assert r.status_code == 302
    assert mail.outbox == []


def test_profile_language_sets_the_interface_language(alice: User) -> None:
    client = logged_in(alice)
    r = client.post("/account/", {"name": "Alice", "language": "fi"})
    assert r.status_code == 302
    assert r.cookies["django_language"].value == "fi"
    alice.refresh_from_db()
    assert alice.language == "fi"


def test_login_applies_the_saved_language(alice: User) -> None:
    User.objects.filter(pk=alice.pk).update(language="ru")
    client = Client()
    r = client.post("/login/", {"username": "alice@example.com", "password": PASSWORD})
    assert r.cookies["django_language"].value == "ru"


def test_a_token_is_shown_once_and_stored_hashed(alice: User, acme: object) -> None:
    client = logged_in(alice)
    r = client.post("/account/tokens/", {"name": "Zapier"})
    raw = re.search(r'value="(ork_[\w-]+)"', r.content.decode())
    assert raw, "the new token is shown"
    token = ApiToken.objects.get(user=alice)
    assert raw.group(1) not in token.token_hash
    assert raw.group(1) not in client.get("/account/tokens/").content.decode()
    api = Client(headers={"Authorization": f"Bearer {raw.group(1)}"})
    assert api.get("/api/v1/workspaces").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_stops_working(alice: User) -> None:
    client = logged_in(alice)
    r = client.post("/account/tokens/", {"name": "script"})
    raw = re.search(r'value="(ork_[\w-]+)"', r.content.decode())
    assert raw
    token = ApiToken.objects.get(user=alice)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    api = Client(headers={"Authorization": f"Bearer {raw.group(1)}"})
    assert api.get("/api/v1/workspaces").status_code == 401


def test_a_token_of_a_deactivated_user_stops_working(alice: User) -> None:
    out = StringIO()
    call_command("api_token", "alice@example.com", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/workspaces").status_code == 200
    User.objects.filter(pk=alice.pk).update(is_active=False)
    r = api.get("/api/v1/workspaces")
    assert r.status_code == 401
    assert "token" in r.json()["detail"]


def test_api_token_command_refuses_an_unknown_user(db: None) -> None:
    with pytest.raises(CommandError, match="No active user"):
        call_command("api_token", "ghost@example.com")


def test_createowner_uses_the_environment_settings(settings: object, db: None) -> None:
    settings.ADMIN_EMAIL = "Boss@Example.com"  # type: ignore[attr-defined]
    settings.ADMIN_PASSWORD = "a very long boss password"  # type: ignore[attr-defined]
    out = StringIO()
    call_command("createowner", if_none=True, stdout=out)
    boss = User.objects.get(email="boss@example.com")
    assert boss.is_superuser
    assert boss.check_password("a very long boss password")
    assert "a very long boss password" not in out.getvalue()
    call_command("createowner", if_none=True, stdout=out)
    assert User.objects.count() == 1


def test_createowner_prints_a_generated_password_once(db: None) -> None:
    out = StringIO()
    call_command("createowner", stdout=out)
    password = re.search(r"password: (\S+)", out.getvalue())
    assert password
    assert User.objects.get(email="admin@example.com").check_password(password.group(1))


def test_changing_the_password_revokes_api_tokens(alice: User) -> None:
    out = StringIO()
    call_command("api_token", "alice@example.com", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    assert change_password(alice, "another long passphrase").status_code == 302
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/workspaces").status_code == 401


def test_the_reset_email_goes_through_the_queue(alice: User, monkeypatch: Any) -> None:
    queued: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "orkesteri.accounts.forms.send_email", lambda to, subject, body: queued.append((to, body))
    )
    r = Client().post("/password/reset/", {"email": "alice@example.com"})
    assert r.status_code == 302
    assert [to for to, _body in queued] == ["alice@example.com"]
    assert "/password/reset/" in queued[0][1]
    assert mail.outbox == [], "sent by the worker, not by the page"


def test_a_name_must_be_one_line(alice: User) -> None:
    r = logged_in(alice).post("/account/", {"name": "Alice\r\nBcc: x@example.com", "language": ""})
    assert r.status_code == 200
    assert "one line" in r.content.decode()
    alice.refresh_from_db()
    assert alice.name == "Alice Owner"
