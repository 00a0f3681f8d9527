from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from orkesteri.accounts.models import User
from orkesteri.workspaces.models import AuditEvent, Invite, Membership, Workspace

pytestmark = pytest.mark.django_db


def post_json(client: Client, url: str, body: object) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def patch_json(client: Client, url: str, body: object) -> Any:
    return client.patch(url, json.dumps(body), content_type="application/json")


def fields(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["field"] for e in response.json()["errors"]]


def test_it_creates_a_workspace_owned_by_the_caller(alice: User, alice_api: Client) -> None:
    r = post_json(
        alice_api,
        "/api/v1/workspaces",
        {"name": "Initech", "timezone": "Europe/Helsinki", "languages": ["en", "fi"]},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["slug"] == "initech"
    assert body["role"] == "owner"
    assert body["languages"] == ["en", "fi"]
    assert Membership.objects.get(workspace_id=body["id"], user=alice).role == "owner"
    assert AuditEvent.objects.filter(workspace_id=body["id"], action="workspace.created").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "X" * 101}, "name"),
        ({"name": ""}, "name"),
        ({"name": "X", "slug": "Bad Slug"}, "slug"),
        ({"name": "X", "brand_color": "red"}, "brand_color"),
        ({"name": "X", "languages": ["klingon"]}, "languages"),
        ({"timezone": "UTC"}, "name"),
    ],
)
def test_it_names_the_bad_field(alice_api: Client, body: dict[str, object], field: str) -> None:
    r = post_json(alice_api, "/api/v1/workspaces", body)
    assert r.status_code == 422, r.content
    assert field in fields(r)
    assert Workspace.objects.count() == 0


def test_a_duplicate_slug_is_a_conflict(alice_api: Client, acme: Workspace) -> None:
    r = post_json(alice_api, "/api/v1/workspaces", {"name": "Other", "slug": "acme"})
    assert r.status_code in (409, 422)
    assert fields(r) == ["slug"]
    assert Workspace.objects.count() == 1


def test_malformed_json_is_a_400(alice_api: Client) -> None:
    r = alice_api.post("/api/v1/workspaces", "{not json", content_type="application/json")
    assert r.status_code == 400
    assert "JSON" in r.json()["detail"]


def test_lists_are_paginated(alice: User, alice_api: Client) -> None:
    for i in range(5):
        post_json(alice_api, "/api/v1/workspaces", {"name": f"Brand {i}"})
    r = alice_api.get("/api/v1/workspaces?limit=2&offset=2")
    body = r.json()
    assert body["count"] == 5
    assert [w["name"] for w in body["items"]] == ["Brand 2", "Brand 3"]


def test_patch_changes_only_given_fields_and_audits(acme: Workspace, alice_api: Client) -> None:
    r = patch_json(alice_api, f"/api/v1/workspaces/{acme.pk}", {"timezone": "Asia/Tokyo"})
    assert r.status_code == 200, r.content
    assert r.json()["timezone"] == "Asia/Tokyo"
    assert r.json()["name"] == "Acme Coffee"
    event = AuditEvent.objects.get(workspace=acme, action="workspace.updated")
    assert event.changes == {"timezone": ["Europe/Helsinki", "Asia/Tokyo"]}


def test_patch_with_a_bad_timezone_changes_nothing(acme: Workspace, alice_api: Client) -> None:
    r = patch_json(
        alice_api, f"/api/v1/workspaces/{acme.pk}", {"name": "Renamed", "timezone": "Nowhere/Land"}
    )
    assert r.status_code == 422
    assert "timezone" in fields(r)
    acme.refresh_from_db()
    assert (acme.name, acme.timezone) == ("Acme Coffee", "Europe/Helsinki")


def test_patch_null_is_refused(acme: Workspace, alice_api: Client) -> None:
    r = patch_json(alice_api, f"/api/v1/workspaces/{acme.pk}", {"name": None})
    assert r.status_code == 422
    assert fields(r) == ["name"]


def test_delete_removes_the_workspace(acme: Workspace, alice_api: Client) -> None:
    assert alice_api.delete(f"/api/v1/workspaces/{acme.pk}").status_code == 204
    assert not Workspace.objects.filter(pk=acme.pk).exists()


def test_members_are_listed_and_invited(acme: Workspace, alice_api: Client) -> None:
    r = alice_api.get(f"/api/v1/workspaces/{acme.pk}/members")
    assert [m["email"] for m in r.json()["items"]] == ["alice@example.com", "bob@example.com"]
    r = post_json(
        alice_api,
        f"/api/v1/workspaces/{acme.pk}/members",
        {"email": "Dave@Example.com", "role": "client"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["email"] == "dave@example.com"
    assert r.json()["invite_url"].startswith("http")
    assert Invite.objects.get(workspace=acme).role == "client"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "role": "editor"}, "email"),
        ({"email": "x@example.com", "role": "emperor"}, "role"),
        ({"email": "bob@example.com", "role": "editor"}, "email"),
    ],
)
def test_bad_invites_name_the_field(
    acme: Workspace, alice_api: Client, body: object, field: str
) -> None:
    r = post_json(alice_api, f"/api/v1/workspaces/{acme.pk}/members", body)
    assert 400 <= r.status_code < 500
    assert field in fields(r)
    assert not Invite.objects.exists()


def test_unauthenticated_requests_get_401(acme: Workspace) -> None:
    r = Client().get("/api/v1/workspaces")
    assert r.status_code == 401
    assert "Bearer" in r.json()["detail"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/workspaces/abc", "workspace_id"),
        ("/api/v1/workspaces/99999999999999999999999", "workspace_id"),
        ("/api/v1/workspaces/0/members", "workspace_id"),
    ],
)
def test_bad_ids_are_422_json(alice_api: Client, path: str, field: str) -> None:
    r = alice_api.get(path)
    assert r.status_code == 422
    assert fields(r) == [field]


@pytest.mark.parametrize("body", ["[]", "null", '"text"', '{"logo": "x.png"}'])
def test_a_body_that_is_not_the_schema_is_refused(
    acme: Workspace, alice_api: Client, body: str
) -> None:
    r = alice_api.patch(f"/api/v1/workspaces/{acme.pk}", body, content_type="application/json")
    assert r.status_code == 422
    assert r.json()["detail"]


def test_errors_outside_our_routes_are_json_too(alice_api: Client) -> None:
    r = alice_api.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found", "errors": []}
    r = alice_api.put("/api/v1/workspaces")
    assert r.status_code == 405
    assert r.json()["detail"] == "Method Not Allowed"


def test_nul_characters_are_refused(alice_api: Client) -> None:
    r = post_json(alice_api, "/api/v1/workspaces", {"name": "Acme\u0000"})
    assert r.status_code == 422
    assert fields(r) == ["name"]
    assert not Workspace.objects.exists()


def test_a_huge_offset_is_422(alice_api: Client) -> None:
    r = alice_api.get("/api/v1/workspaces?offset=9223372036854775808")
    assert r.status_code == 422
    assert fields(r) == ["offset"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Acme\nCoffee"}, "name"),
        ({"name": "X", "languages": ["zh-cn"]}, "languages"),
        ({"name": "X", "timezone": "localtime"}, "timezone"),
    ],
)
def test_names_languages_and_zones_that_would_break_later(
    alice_api: Client, body: dict[str, object], field: str
) -> None:
    r = post_json(alice_api, "/api/v1/workspaces", body)
    assert r.status_code == 422
    assert fields(r) == [field]


def test_a_slug_is_made_from_any_name(alice_api: Client) -> None:
    r = post_json(alice_api, "/api/v1/workspaces", {"name": "Acme_Coffee & Tea!"})
    assert r.status_code == 201, r.content
    assert r.json()["slug"] == "acme-coffee-tea"
