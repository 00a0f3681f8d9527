"""schemathesis against /api/v1/openapi.json: no 5xx, documented responses, JSON errors.

The schema is fetched from the app itself (Django's WSGI application, in-process, on the test
database), so routes added later are fuzzed without touching this file. Every request carries
alice's Bearer token (she owns "acme"), so the fuzzer gets past authentication into the real
code paths. Each request runs in a savepoint that is rolled back, so examples do not see each
other's writes (a DELETE of acme does not starve the examples after it).

Two fuzzing tests (generated ids; real ids of acme, a member, an invite and a channel) and two
deterministic ones for inputs random generation seldom hits: integers at the limits of a
64-bit column, and NUL characters, which PostgreSQL text cannot store.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, CheckContext, CheckFunction
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import content_type_conformance, positive_data_acceptance

from orkesteri.accounts import actions as accounts_actions
from orkesteri.accounts.models import User, new_token_value
from orkesteri.channels.actions import connect_channel
from orkesteri.publishing.actions import PostInput, create_post
from orkesteri.workspaces.actions import invite_member
from orkesteri.workspaces.models import Membership, Workspace

# alice's token, fixed before the schema loads so schemathesis sends it as a configured header:
# then it knows the credentials are real, never generates its own, and its `ignored_auth` check
# replays each operation without them and with bad ones, expecting a 401.
TOKEN = new_token_value()
AUTH = {"Authorization": f"Bearer {TOKEN}"}
APP: WSGIHandler = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    APP,
    config=schemathesis.Config.from_dict(
        {
            "headers": AUTH,
            # Unknown query parameters are ignored, as HTTP APIs do; do not send any.
            "generation": {"allow-extra-parameters": False},
        }
    ),
)

FUZZ = settings(
    max_examples=25,  # per operation and test: about 15 s for the whole file
    deadline=None,
    database=None,  # no example database in the checkout
    suppress_health_check=[
        # One token and one set of personas per test; each example rolls its writes back.
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)

# The app checks meaning the schema cannot express (IANA zones, language codes, taken slugs),
# so a schema-valid request may rightly get a 4xx: skip the check that forbids that.
EXCLUDED_CHECKS: list[CheckFunction] = [positive_data_acceptance]


def error_is_json_with_detail(
    ctx: CheckContext | None, response: Response, case: schemathesis.Case
) -> None:
    """Every error an API operation gives is JSON with a non-empty "detail" (docs/api.md)."""
    if response.status_code < 400:
        return
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} error is {content_type or 'untyped'}, not JSON: "
        f"{response.text[:200]!r}"
    )
    body = response.json()
    assert isinstance(body, dict), f"error body is not an object: {body!r}"
    assert isinstance(body.get("detail"), str), f"error body has no string detail: {body!r}"
    assert body["detail"], f"error detail is empty: {body!r}"


def off_the_routes(case: schemathesis.Case, response: Response) -> bool:
    """Whether Django or ninja, not an API operation, answered (with a plain 404 or 405).

    That happens for a method the path does not declare, and for path ids that are not whole
    numbers if routes use `int:` converters (docs/api.md documents that plain 404).
    """
    ids_ok = all(re.fullmatch(r"[0-9]+", str(v)) for v in (case.path_parameters or {}).values())
    wrong_method = case.method.upper() != case.operation.method.upper()
    content_type = (response.headers.get("content-type") or [""])[0]
    return (
        (wrong_method or not ids_ok)
        and response.status_code in (404, 405)
        and not content_type.startswith("application/json")
    )


@pytest.fixture
def crashes() -> Iterator[list[str]]:
    """Tracebacks of exceptions the app did not handle (Django answers those with a 500)."""
    seen: list[str] = []

    def remember(sender: object, **kwargs: Any) -> None:
        seen.append(traceback.format_exc())

    got_request_exception.connect(remember, dispatch_uid=__name__)
    # As django.test.Client does: keep the test's connection, and the transaction pytest-django
    # wraps the test in, open across requests; a real server closes it after each one.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield seen
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        got_request_exception.disconnect(dispatch_uid=__name__)


@dataclass
class World:
    """Ids that exist in acme, which alice (the holder of TOKEN) owns."""

    workspace_id: int
    member_ids: dict[str, int]
    invite_id: int
    channel_id: int
    post_id: int
    delivery_id: int

    def path_ids(self, member: str = "bob") -> dict[str, int]:
        return {
            "workspace_id": self.workspace_id,
            "member_id": self.member_ids[member],
            "invite_id": self.invite_id,
            "channel_id": self.channel_id,
            "post_id": self.post_id,
            "delivery_id": self.delivery_id,
        }


@pytest.fixture
def world(
    alice: User, bob: User, acme: Workspace, globex: Workspace, monkeypatch: pytest.MonkeyPatch
) -> World:
    monkeypatch.setattr(accounts_actions, "new_token_value", lambda: TOKEN)
    accounts_actions.create_token(alice, "fuzz")
    owner = Membership.objects.get(workspace=acme, user=alice)
    invite, _raw = invite_member(owner, "dave@example.com", "viewer")
    channel = connect_channel(acme, alice, "feed", {"title": "Acme news"})
    post = create_post(acme, alice, PostInput(text="Hi", channel_ids=[channel.pk]))
    return World(
        workspace_id=acme.pk,
        member_ids={
            "alice": owner.pk,  # the last owner: removing or demoting her must be refused
            "bob": Membership.objects.get(workspace=acme, user=bob).pk,
        },
        invite_id=invite.pk,
        channel_id=channel.pk,
        post_id=post.pk,
        delivery_id=post.deliveries.get().pk,
    )


def call_and_check(case: schemathesis.Case, crashes: list[str]) -> None:
    crashes.clear()
    with transaction.atomic():
        response = case.call()
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} answered {response.status_code}\n"
            + ("\n".join(crashes) or response.text)
        )
        if off_the_routes(case, response):
            case.validate_response(
                response, excluded_checks=[*EXCLUDED_CHECKS, content_type_conformance]
            )
        else:
            case.validate_response(
                response,
                excluded_checks=EXCLUDED_CHECKS,
                additional_checks=[error_is_json_with_detail],
            )
        transaction.set_rollback(True)


@schema.parametrize()
@FUZZ
def test_it_survives_generated_requests(
    case: schemathesis.Case, world: World, crashes: list[str]
) -> None:
    """Generated ids, bodies and query strings, valid and invalid: no 5xx, documented answers."""
    call_and_check(case, crashes)


@schema.include(path_regex=r"\{workspace_id\}").parametrize()
@schema.given(
    member=st.sampled_from(["alice", "bob"]),
    # Generated strings are hardly ever valid addresses, so invitations would never be made.
    email=st.sampled_from(["", "dave@example.com", "Erin@Example.COM", "bob@example.com"]),
    # The built-in feed is the one network that needs no outside server (and an unknown one).
    network=st.sampled_from(["", "feed", "myspace"]),
)
@FUZZ
def test_it_survives_generated_requests_on_real_objects(
    case: schemathesis.Case,
    member: str,
    email: str,
    network: str,
    world: World,
    crashes: list[str],
) -> None:
    """The same, with the path naming acme, one of its members and its pending invite."""
    real = world.path_ids(member)
    # Assigning (not editing in place) makes schemathesis re-judge whether the case is still
    # negative, so a path that was generated invalid and is now valid is not expected to fail.
    case.path_parameters = {name: real[name] for name in case.path_parameters or {}}
    if email and isinstance(case.body, dict) and "email" in case.body:
        case.body = {**case.body, "email": email}
    if network and isinstance(case.body, dict) and "network" in case.body:
        case.body = {**case.body, "network": network}
    call_and_check(case, crashes)


# --- deterministic edges --------------------------------------------------------------------


def operations() -> Iterator[APIOperation]:
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        yield result.ok()


def send(case: schemathesis.Case, crashes: list[str], where: str) -> None:
    """Send a hand-made case as alice; it must not crash, and its errors must be JSON."""
    crashes.clear()
    with transaction.atomic():
        response = case.call(headers=AUTH)  # configured headers go only to generated cases
        transaction.set_rollback(True)
    assert response.status_code < 500, f"{where}\n" + ("\n".join(crashes) or response.text)
    assert response.status_code != 401, f"{where}: the token did not get through"
    error_is_json_with_detail(None, response, case)


@pytest.mark.parametrize("value", [0, -1, 2**31, 2**63 - 1, 2**63, 2**64])
def test_it_never_fails_on_integers_at_the_edges(
    value: int, world: World, crashes: list[str]
) -> None:
    """Each integer path or query parameter of every operation in turn; the others are real."""
    tried = 0
    for operation in operations():
        for parameter in [*operation.path_parameters, *operation.query]:
            if parameter.definition.get("schema", {}).get("type") != "integer":
                continue
            path = {p.name: world.path_ids()[p.name] for p in operation.path_parameters}
            query: dict[str, Any] = {}
            if parameter.location == ParameterLocation.PATH:
                path[parameter.name] = value
            else:
                query[parameter.name] = value
            case = operation.Case(path_parameters=path, query=query)
            send(case, crashes, f"{case.method} {case.formatted_path} {query or ''}")
            tried += 1
    assert tried, "no integer parameters found: has the schema changed shape?"


def free_text_fields(operation: APIOperation) -> Iterator[tuple[str, set[str]]]:
    """(name, the body's required fields) for each JSON body field that takes any string."""
    content = operation.definition.raw.get("requestBody", {}).get("content", {})
    body: dict[str, Any] = content.get("application/json", {}).get("schema", {})
    while "$ref" in body:  # "#/components/schemas/WorkspaceIn"
        body = schema.raw_schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    required = set(body.get("required", []))
    for name, field in body.get("properties", {}).items():
        choices = field.get("anyOf", [field])  # `str | None` is anyOf string/null
        if any(
            c.get("type") == "string" and not {"enum", "pattern", "format"} & set(c)
            for c in choices
        ):
            yield name, required


@pytest.mark.parametrize("text", ["\x00", "Acme\x00Tea"])
def test_it_never_fails_on_nul_characters_in_text(
    text: str, world: World, crashes: list[str]
) -> None:
    """PostgreSQL text cannot hold U+0000 (SQLite can), so hypothesis finds this only sometimes."""
    tried = 0
    for operation in operations():
        for name, required in free_text_fields(operation):
            if required - {name}:
                continue  # it would need valid values for the other required fields
            path = {p.name: world.path_ids()[p.name] for p in operation.path_parameters}
            case = operation.Case(
                path_parameters=path, body={name: text}, media_type="application/json"
            )
            send(case, crashes, f"{case.method} {case.formatted_path} {{{name!r}: {text!r}}}")
            tried += 1
    assert tried, "no free-text body fields found: has the schema changed shape?"
