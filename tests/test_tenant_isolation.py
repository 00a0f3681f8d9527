"""A member of workspace A must never reach an object of workspace B: it answers 404.

Every URL pattern and every API route is walked, so a new route is covered the day it is
added; a route whose parameter this file cannot fill makes the test fail and says which.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from orkesteri.accounts.actions import create_token
from orkesteri.accounts.models import User
from orkesteri.api.api import api
from orkesteri.campaigns.actions import (
    CampaignInput,
    ResultInput,
    SpendInput,
    add_result,
    add_spend,
    create_campaign,
)
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.media.testing import make_asset
from orkesteri.notifications.actions import notify
from orkesteri.notifications.models import Notification
from orkesteri.publishing.actions import PostInput, create_post
from orkesteri.testing import api_client, logged_in
from orkesteri.workspaces.actions import invite_member
from orkesteri.workspaces.models import Membership, Workspace
from orkesteri.workspaces.roles import Role

pytestmark = pytest.mark.django_db

# Routes that are not scoped to a workspace member, and why.
PUBLIC = {
    "open_invite": "the secret token is the credential; tested in test_invites",
    "password_reset_confirm": "Django's signed reset link",
    "set_language": "sets a cookie",
    "feed_atom": "a public feed; its unguessable id is the address, tested in networks/feed",
    "approve_by_link": "the one-decision token is the credential; tested in publishing",
    "calendar_ics": "the secret token is the credential; tested in publishing/tests",
    "feed_image": "an image of a public feed, like the feed itself",
    "short_link": "a public redirect; the code is the address, tested in orkesteri/links/tests",
}
# Keyword arguments that do not name an object: filled with a harmless value.
NOT_OBJECTS = {"name": "inbox", "network": "feed", "kind": "spend", "table": "spend"}
SAMPLE_BODY = {
    "name": "Renamed",
    "email": "newcomer@example.com",
    "role": "viewer",
    "timezone": "UTC",
    "languages": ["en"],
    "brand_color": "#123456",
    "slug": "renamed",
    "confirm": "Globex Tea",
    "network": "feed",
    "config": {"title": "Planted"},
    "title": "Planted",
    "text": "Planted post",
    "channels": [1],
}


@dataclass
class World:
    a: Workspace
    b: Workspace
    a_member: Membership
    b_objects: dict[str, object]


@pytest.fixture
def world(alice: User, charlie: User, acme: Workspace, globex: Workspace) -> World:
    b_owner = Membership.objects.get(workspace=globex, user=charlie)
    b_invite, _raw = invite_member(b_owner, "eve@example.com", Role.EDITOR)
    b_token, _ = create_token(charlie, "charlie's script")
    b_channel = connect_channel(globex, charlie, "feed", {"title": "Globex news"})
    b_post = create_post(globex, charlie, PostInput(text="Globex tea", channel_ids=[b_channel.pk]))
    notify([charlie], globex, Notification.Kind.PUBLISH_FAILED, "Globex failure")
    day = date(2026, 5, 1)
    b_campaign = create_campaign(globex, charlie, CampaignInput("Tea week", "EUR", day, day))
    b_spend = add_spend(b_campaign, charlie, SpendInput("Meta Ads", Decimal("10"), day, day))
    b_result = add_result(b_campaign, charlie, ResultInput(day, conversions=1))
    return World(
        a=acme,
        b=globex,
        a_member=Membership.objects.get(workspace=acme, user=alice),
        b_objects={
            "workspace": globex.slug,
            "workspace_id": globex.pk,
            "member_id": b_owner.pk,
            "invite_id": b_invite.pk,
            "token_id": b_token.pk,
            "channel_id": b_channel.pk,
            "post_id": b_post.pk,
            "delivery_id": b_post.deliveries.get().pk,
            "campaign_id": b_campaign.pk,
            "spend_id": b_spend.pk,
            "result_id": b_result.pk,
            "asset_id": make_asset(globex, charlie).pk,
            "notification_id": Notification.objects.get(user=charlie).pk,
        },
    )


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def web_routes() -> list[tuple[str, URLPattern]]:
    return [
        (route, p) for route, p in walk(get_resolver().url_patterns) if not route.startswith("api/")
    ]


def fill(route: str, values: dict[str, object]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(2)
        if name in values:
            return str(values[name])
        if name in NOT_OBJECTS:
            return NOT_OBJECTS[name]
        pytest.fail(
            f"Route {route!r} has a parameter {name!r} this test cannot fill: add the "
            f"object of workspace B it names to World.b_objects."
        )

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", one, route)


def test_every_web_route_with_an_object_of_b_is_404(world: World, alice: User) -> None:
    client = logged_in(alice)
    checked = 0
    for route, pattern in web_routes():
        if pattern.name in PUBLIC or "<" not in route:
            continue
        url = fill(route, world.b_objects)
        for method in ("get", "post"):
            r = getattr(client, method)(url, SAMPLE_BODY)
            assert r.status_code in (404, 405), f"{method.upper()} {url} answered {r.status_code}"
            checked += r.status_code == 404
    assert checked >= 15, "the walk found fewer routes than the product has"
    assert Workspace.objects.filter(pk=world.b.pk, name="Globex Tea").exists()
    assert list(
        Channel.objects.filter(workspace=world.b).values_list("display_name", flat=True)
    ) == ["Globex news"]


def test_web_routes_of_a_with_a_member_of_b_are_404(world: World, alice: User) -> None:
    client = logged_in(alice)
    values = {**world.b_objects, "workspace": world.a.slug}
    for route, pattern in web_routes():
        if pattern.name in PUBLIC or "workspace>" not in route or route.count("<") < 2:
            continue
        params = set(re.findall(r"<(?:\w+:)?(\w+)>", route)) - {"workspace"}
        if params <= set(NOT_OBJECTS):
            continue  # a section, network or kind name, not an object of B
        url = fill(route, values)
        r = client.post(url, SAMPLE_BODY)
        assert r.status_code == 404, f"POST {url} answered {r.status_code}"
    assert Membership.objects.filter(workspace=world.b).count() == 1


def test_pages_without_objects_show_nothing_of_b(world: World, alice: User) -> None:
    client = logged_in(alice)
    for route, pattern in web_routes():
        if pattern.name in PUBLIC or "<" in route or route == "logout/":
            continue
        r = client.get("/" + route, follow=True)
        assert b"Globex" not in r.content, f"/{route} shows workspace B"


def api_operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def sample_body(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None
    schema = api.get_openapi_schema()
    ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    component = schema["components"]["schemas"][ref]
    body = {}
    for field in component.get("required", []) or list(component["properties"])[:1]:
        if field not in SAMPLE_BODY:
            pytest.fail(f"Add a sample value for the API field {field!r} to SAMPLE_BODY.")
        body[field] = SAMPLE_BODY[field]
    return body


def call(client: Client, method: str, url: str, body: dict[str, Any] | None) -> Any:
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, content_type="application/json")


def test_every_api_route_with_an_object_of_b_is_404(world: World, alice: User) -> None:
    client = api_client(alice)
    checked = 0
    for path, method, operation in api_operations():
        if "{" not in path:
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: str(world.b_objects[m.group(1)]), path)
        r = call(client, method, url, sample_body(operation))
        assert r.status_code == 404, f"{method.upper()} {url} answered {r.status_code}"
        checked += 1
        if path.count("{") > 1:
            # Workspace A in the path, object of B after it: still 404.
            mixed = re.sub(
                r"\{(\w+)\}",
                lambda m: str(
                    world.a.pk if m.group(1) == "workspace_id" else world.b_objects[m.group(1)]
                ),
                path,
            )
            r = call(client, method, mixed, sample_body(operation))
            assert r.status_code == 404, f"{method.upper()} {mixed} answered {r.status_code}"
    assert checked >= 8
    assert Membership.objects.filter(workspace=world.b).count() == 1
    assert Workspace.objects.get(pk=world.b.pk).name == "Globex Tea"


def test_api_lists_show_nothing_of_b(world: World, alice: User) -> None:
    client = api_client(alice)
    for path, method, _operation in api_operations():
        if "{" in path or method != "get":
            continue
        r = client.get(path)
        assert r.status_code == 200
        assert b"Globex" not in r.content, f"GET {path} shows workspace B"
