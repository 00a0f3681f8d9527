from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from orkesteri.accounts.models import User
from orkesteri.testing import PASSWORD, api_client, logged_in, make_user
from orkesteri.workspaces import actions
from orkesteri.workspaces.models import AuditEvent, Invite, Membership, Workspace
from orkesteri.workspaces.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(acme: Workspace, alice: User) -> Membership:
    return Membership.objects.get(workspace=acme, user=alice)


def link_path(raw: str) -> str:
    return f"/invite/{raw}/"


def opened(raw: str, client: Client | None = None) -> Client:
    """A browser that followed the emailed link; the page it lands on is /invite/."""
    client = client or Client()
    r = client.get(link_path(raw))
    assert r.status_code == 302 and r["Location"] == "/invite/"
    return client


def test_inviting_sends_an_email_with_a_working_link(
    owner: Membership, django_capture_on_commit_callbacks: Any
) -> None:
    client = logged_in(owner.user)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/w/acme/settings/members/",
            {"email": "dave@example.com", "role": "editor"},
            follow=True,
        )
    assert r.redirect_chain == [("/w/acme/settings/members/", 302)]
    assert "Invitation sent to dave@example.com" in r.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dave@example.com"]
    assert "Acme Coffee" in message.subject
    match = re.search(r"http://[^\s]+/invite/([\w-]+)/", str(message.body))
    assert match, message.body
    assert match.group(0) in r.content.decode(), "the inviter sees the same link to share"
    assert match.group(0).startswith("http://testserver/"), "the address the inviter uses"
    page = opened(match.group(1)).get("/invite/")
    assert page.status_code == 200
    assert "dave@example.com" in page.content.decode()
    reloaded = client.get("/w/acme/settings/members/").content.decode()
    assert match.group(0) not in reloaded, "the link is shown once"
    assert Invite.objects.filter(email="dave@example.com").count() == 1


def test_a_new_person_signs_up_through_the_invite(owner: Membership) -> None:
    _invite, raw = actions.invite_member(owner, "dave@example.com", Role.CLIENT)
    client = opened(raw)
    r = client.post("/invite/", {"name": "Dave", "password": PASSWORD})
    assert r.status_code == 302
    assert r["Location"] == "/w/acme/"
    dave = User.objects.get(email="dave@example.com")
    assert dave.name == "Dave"
    assert Membership.objects.get(workspace=owner.workspace, user=dave).role == "client"
    assert AuditEvent.objects.filter(action="member.joined", target="dave@example.com").exists()
    assert client.get("/w/acme/").status_code == 200, "signed in after joining"


def test_a_weak_password_keeps_the_invite_usable(owner: Membership) -> None:
    _invite, raw = actions.invite_member(owner, "dave@example.com", Role.EDITOR)
    r = opened(raw).post("/invite/", {"name": "Dave", "password": "123"})
    assert r.status_code == 400
    assert "password" in r.content.decode().lower()
    assert not User.objects.filter(email="dave@example.com").exists()
    assert Invite.objects.get(email="dave@example.com").accepted_at is None


def test_an_existing_user_signs_in_then_accepts(owner: Membership, charlie: User) -> None:
    _invite, raw = actions.invite_member(owner, "charlie@example.com", Role.VIEWER)
    page = opened(raw).get("/invite/")
    assert "Sign in to accept" in page.content.decode()
    r = opened(raw, logged_in(charlie)).post("/invite/")
    assert r.status_code == 302
    assert Membership.objects.get(workspace=owner.workspace, user=charlie).role == "viewer"


def test_an_invite_works_only_for_its_address(owner: Membership, charlie: User) -> None:
    _invite, raw = actions.invite_member(owner, "dave@example.com", Role.EDITOR)
    r = opened(raw, logged_in(charlie)).post("/invite/")
    assert r.status_code == 403
    assert "dave@example.com" in r.content.decode()
    assert not Membership.objects.filter(workspace=owner.workspace, user=charlie).exists()


def test_a_used_invite_cannot_be_reused(owner: Membership) -> None:
    _invite, raw = actions.invite_member(owner, "dave@example.com", Role.EDITOR)
    assert opened(raw).post("/invite/", {"password": PASSWORD}).status_code == 302
    r = opened(raw).post("/invite/", {"password": PASSWORD})
    assert r.status_code == 410
    assert "already been used" in r.content.decode()
    assert Membership.objects.filter(workspace=owner.workspace).count() == 3


def test_an_expired_invite_is_refused(owner: Membership) -> None:
    invite, raw = actions.invite_member(owner, "dave@example.com", Role.EDITOR)
    Invite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    r = opened(raw).post("/invite/", {"password": PASSWORD})
    assert r.status_code == 410
    assert "expired" in r.content.decode()
    assert not User.objects.filter(email="dave@example.com").exists()


def test_a_withdrawn_or_replaced_invite_is_refused(owner: Membership) -> None:
    _first, old_raw = actions.invite_member(owner, "dave@example.com", Role.EDITOR)
    _second, new_raw = actions.invite_member(owner, "dave@example.com", Role.VIEWER)
    assert opened(old_raw).get("/invite/").status_code == 410
    assert opened(new_raw).get("/invite/").status_code == 200


def test_an_unknown_token_is_404() -> None:
    assert opened("nope").get("/invite/").status_code == 404
    assert Client().get("/invite/").status_code == 404, "no link followed"


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_accepts_make_one_membership(acme: Workspace, alice: User) -> None:
    owner = Membership.objects.get(workspace=acme, user=alice)
    dave = make_user("dave@example.com")
    _invite, raw = actions.invite_member(owner, "dave@example.com", Role.EDITOR)
    results: list[str] = []

    def accept() -> None:
        try:
            actions.accept_invite(dave, raw)
            results.append("ok")
        except actions.InviteError:
            results.append("refused")
        except Exception as e:  # SQLite may refuse the second writer outright
            results.append(type(e).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert Membership.objects.filter(workspace=acme, user=dave).count() == 1
    assert AuditEvent.objects.filter(action="member.joined").count() == 1


def test_a_withdrawn_invite_is_not_emailed(
    owner: Membership, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as queued:
        invite, _raw = actions.invite_member(owner, "dave@example.com", Role.EDITOR)
    actions.revoke_invite(owner, invite)
    for callback in queued:  # the worker gets to it only now
        callback()
    assert mail.outbox == []


def test_with_real_email_the_inviter_never_sees_the_link(
    owner: Membership, settings: Any, alice: User
) -> None:
    settings.SHOW_INVITE_LINKS = False
    client = logged_in(alice)
    r = client.post(
        "/w/acme/settings/members/", {"email": "dave@example.com", "role": "editor"}, follow=True
    )
    assert "Invitation sent" in r.content.decode()
    assert "/invite/" not in r.content.decode()
    api = api_client(alice)
    r = api.post(
        f"/api/v1/workspaces/{owner.workspace_id}/members",
        {"email": "erin@example.com", "role": "viewer"},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert r.json()["invite_url"] is None


def test_the_invite_token_leaves_the_address_bar(owner: Membership) -> None:
    _invite, raw = actions.invite_member(owner, "dave@example.com", Role.EDITOR)
    client = Client()
    r = client.get(link_path(raw), follow=True)
    assert r.redirect_chain == [("/invite/", 302)]
    assert raw not in r.content.decode()


def test_signed_in_as_someone_else_sign_out_returns_to_the_invitation(
    owner: Membership, charlie: User
) -> None:
    _invite, raw = actions.invite_member(owner, "dave@example.com", Role.EDITOR)
    client = opened(raw, logged_in(charlie))
    page = client.get("/invite/").content.decode()
    assert "You are signed in as charlie@example.com" in page
    next_url = re.search(r'name="next" value="([^"]+)"', page)
    assert next_url
    r = client.post("/logout/", {"next": next_url.group(1)}, follow=True)
    assert "Create your account to join" in r.content.decode()
