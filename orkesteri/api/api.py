"""REST API v1: Bearer personal tokens, JSON errors that name the field (docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from orkesteri.accounts.actions import user_for_token
from orkesteri.accounts.models import User
from orkesteri.workspaces.actions import ActionError


class BearerToken(HttpBearer):
    openapi_description = "A personal API token from Account → API tokens: `Bearer ork_…`."

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Orkesteri API",
    version="1",
    description="Workspaces, members, invitations, channels, posts and the audit log of Orkesteri.",
    urls_namespace="api-1",
    auth=BearerToken(),
    docs_url="/docs",
)


def error(
    request: HttpRequest, status: int, detail: str, errors: list[dict[str, str]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


def _field_of(loc: Any) -> str:
    # pydantic locations look like ("body", "payload", "timezone") or ("query", "limit").
    parts = [str(p) for p in loc if p not in {"body", "payload", "query", "path"}]
    return ".".join(parts)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _field_of(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors
    ]
    summary = "; ".join(
        f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
    )
    return error(request, 422, summary or "Invalid input.", errors)


@api.exception_handler(ActionError)
def on_action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    errors = [{"field": k, "message": v} for k, v in exc.errors.items()]
    return error(request, exc.status, str(exc), errors)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, str(exc) or "Not found.")


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, 403, str(exc) or "Your role does not allow this.")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error(
        request,
        401,
        "Send a valid personal API token as `Authorization: Bearer ork_…`; "
        "tokens are made under Account → API tokens.",
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = str(exc)
    if detail.startswith("Cannot parse request body"):
        detail = "The request body is not valid JSON."
    return error(request, exc.status_code, detail)


api.add_router("/workspaces", "orkesteri.api.workspaces.router")
api.add_router("/workspaces", "orkesteri.api.channels.router")
api.add_router("/workspaces", "orkesteri.api.posts.router")
api.add_router("/workspaces", "orkesteri.api.analytics.router")
api.add_router("/workspaces", "orkesteri.api.campaigns.router")
