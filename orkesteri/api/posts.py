from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, Literal

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from orkesteri.api import schemas
from orkesteri.api.schemas import InputSchema, ObjectId
from orkesteri.api.workspaces import ERRORS, Pagination, caller
from orkesteri.lib.dates import utc_bounds
from orkesteri.publishing import actions, series
from orkesteri.publishing.access import get_post
from orkesteri.publishing.models import Delivery, Post
from orkesteri.workspaces.access import get_workspace_for_user
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.models import Membership
from orkesteri.workspaces.roles import Perm

router = Router(tags=["posts"])
MAX_RANGE_DAYS = 100


# The repeat rule extends the shared post schemas here, next to the only router that uses it.
class RepeatIn(InputSchema):
    every: int = Field(ge=1, le=series.MAX_EVERY, description="Repeat every so many units.")
    unit: Literal["days", "weeks", "months"]
    until: date | None = Field(
        None,
        ge=date(2000, 1, 1),
        le=date(2999, 12, 31),
        description="The last day (workspace time zone, included). Give `until` or `count`.",
    )
    count: int | None = Field(
        None,
        ge=2,
        le=series.MAX_OCCURRENCES,
        description="How many times in all, the first included. Give `until` or `count`.",
    )


class RepeatOut(Schema):
    every: int
    unit: str
    until: date | None
    count: int | None


REPEAT_HELP = (
    "Publish again every so often, at the same wall-clock time in the workspace's zone. "
    "Scheduling the post (scheduled_at; not publish_now or queue) creates every occurrence "
    "at once, as posts of their own in the same series; up to 100 in all."
)


class PostIn(schemas.PostIn):
    repeat: RepeatIn | None = Field(None, description=REPEAT_HELP)


class PostPatch(schemas.PostPatch):
    repeat: RepeatIn | None = Field(
        None,
        description="null stops the repeating of a post that is not scheduled yet; the rule "
        "of a series cannot change (cancel the occurrences and schedule a copy).",
    )


class PostOut(schemas.PostOut):
    repeat: RepeatOut | None = Field(description="How the post repeats; null if it does not.")
    series_id: int | None = Field(
        description="The first post of the series this post belongs to (itself for the first)."
    )

    @staticmethod
    def resolve_repeat(obj: Post) -> dict[str, Any] | None:
        rule = series.rule_of(obj)
        return None if rule is None else vars(rule)


# Field names as the API spells them, for errors raised with the composer's names.
API_FIELDS = {
    "repeat_every": "repeat.every",
    "repeat_unit": "repeat.unit",
    "repeat_until": "repeat.until",
    "repeat_count": "repeat.count",
}


@contextmanager
def named_for_api() -> Iterator[None]:
    try:
        yield
    except ActionError as e:
        errors = {API_FIELDS.get(k, k): v for k, v in e.errors.items()}
        raise ActionError(errors, e.status) from e


def posts_of(membership: Membership) -> QuerySet[Post]:
    deliveries = Delivery.objects.select_related("channel").order_by("id")
    return (
        Post.objects.filter(workspace=membership.workspace)
        .select_related("author")
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
    )


def _input(payload: PostIn | PostPatch, base: actions.PostInput) -> actions.PostInput:
    values = payload.dict(exclude_unset=True)
    data = base
    names = ("text", "link", "utm", "short_link", "first_comment", "pillar", "campaign", "notes")
    for name in names:
        if values.get(name) is not None:
            setattr(data, name, values[name])
    if values.get("channels") is not None:
        data.channel_ids = values["channels"]
    if values.get("thread") is not None:
        data.thread = values["thread"]
    if values.get("overrides") is not None:
        try:
            data.overrides = {int(k): v for k, v in values["overrides"].items()}
        except ValueError:
            raise ActionError({"overrides": _("Give texts by channel id.")}) from None
    if "repeat" in values:
        data.repeat = series.Repeat(**values["repeat"]) if values["repeat"] else None
    return data


def _when(payload: PostIn | PostPatch) -> str | None:
    """Which scheduling the request asks for: "at", "now", "queue" or None."""
    chosen = [
        name
        for name, asked in (
            ("at", payload.scheduled_at is not None),
            ("now", payload.publish_now),
            ("queue", payload.queue),
        )
        if asked
    ]
    if len(chosen) > 1:
        raise ActionError({"scheduled_at": _("Choose one of scheduled_at, publish_now and queue.")})
    return chosen[0] if chosen else None


def _schedule(
    post: Post, membership: Membership, payload: PostIn | PostPatch, how: str | None
) -> None:
    if how is None:
        return
    if not membership.may_schedule():
        raise ActionError(_("Your role may write posts but not schedule them."), status=403)
    user = membership.user
    if how == "queue":
        actions.queue_post(post, user)
    else:
        actions.schedule_post(post, user, payload.scheduled_at if how == "at" else None)


@router.get("/{workspace_id}/posts", response={200: list[PostOut], **ERRORS}, summary="List posts")
@paginate(Pagination)
def list_posts(request: HttpRequest, workspace_id: ObjectId) -> QuerySet[Post]:
    return posts_of(get_workspace_for_user(caller(request), pk=workspace_id))


@router.post(
    "/{workspace_id}/posts",
    response={201: PostOut, **ERRORS},
    summary="Write a post, and schedule it",
    description="Without scheduled_at, publish_now or queue the post stays a draft. Where the "
    "workspace requires approval, scheduling submits it for approval instead.",
)
def create_post(request: HttpRequest, workspace_id: ObjectId, payload: PostIn) -> Status[Post]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.COMPOSE)
    how = _when(payload)
    data = _input(payload, actions.PostInput())
    with named_for_api(), transaction.atomic():  # a post whose scheduling is refused is not kept
        post = actions.create_post(membership.workspace, caller(request), data)
        _schedule(post, membership, payload, how)
    return Status(201, posts_of(membership).get(pk=post.pk))


@router.get(
    "/{workspace_id}/posts/{post_id}", response={200: PostOut, **ERRORS}, summary="Get a post"
)
def get_one_post(request: HttpRequest, workspace_id: ObjectId, post_id: ObjectId) -> Post:
    membership = get_workspace_for_user(caller(request), pk=workspace_id)
    return get_post(membership, post_id, posts_of(membership))


@router.patch(
    "/{workspace_id}/posts/{post_id}",
    response={200: PostOut, **ERRORS},
    summary="Change a post, or reschedule it",
)
def update_post(
    request: HttpRequest, workspace_id: ObjectId, post_id: ObjectId, payload: PostPatch
) -> Post:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.COMPOSE)
    post = get_post(membership, post_id)
    how = _when(payload)
    fields = payload.dict(exclude_unset=True).keys() - {"scheduled_at", "publish_now", "queue"}
    with named_for_api(), transaction.atomic():
        if fields:
            data = _input(payload, actions.post_input_of(post))
            actions.update_post(post, caller(request), data, scheduling=how is not None)
        _schedule(post, membership, payload, how)
    return posts_of(membership).get(pk=post.pk)


@router.delete(
    "/{workspace_id}/posts/{post_id}",
    response={204: None, **ERRORS},
    summary="Delete a post (what has not gone out is cancelled)",
)
def delete_post(request: HttpRequest, workspace_id: ObjectId, post_id: ObjectId) -> Status[None]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.COMPOSE)
    actions.delete_post(get_post(membership, post_id), caller(request))
    return Status(204, None)


@router.post(
    "/{workspace_id}/posts/{post_id}/approve",
    response={200: PostOut, **ERRORS},
    summary="Approve a post",
)
def approve_post(request: HttpRequest, workspace_id: ObjectId, post_id: ObjectId) -> Post:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.APPROVE)
    actions.approve_post(get_post(membership, post_id), caller(request).email)
    return posts_of(membership).get(pk=post_id)


class CalendarQuery(Schema):
    # Optional in the schema so that a workspace the caller cannot see is a 404 first.
    start: date | None = Field(None, ge=date(2000, 1, 1), le=date(2999, 12, 31))
    end: date | None = Field(None, ge=date(2000, 1, 1), le=date(2999, 12, 31))


@router.get(
    "/{workspace_id}/calendar",
    response={200: list[PostOut], **ERRORS},
    summary="Posts scheduled between two dates (workspace time zone, end included)",
)
def calendar(
    request: HttpRequest, workspace_id: ObjectId, query: Query[CalendarQuery]
) -> list[Post]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id)
    if query.start is None or query.end is None:
        raise ActionError(
            {"start": _("Give start and end dates, e.g. ?start=2026-12-01&end=2026-12-31.")}
        )
    if query.end < query.start or (query.end - query.start).days > MAX_RANGE_DAYS:
        raise ActionError(
            {"end": _("end must be on or after start, at most %(days)s days later.")
             % {"days": MAX_RANGE_DAYS}}
        )  # fmt: skip
    zone = membership.workspace.timezone
    start, end = utc_bounds(query.start, query.end + timedelta(days=1), zone)
    found = posts_of(membership).filter(scheduled_at__gte=start, scheduled_at__lt=end)
    return list(found.order_by("scheduled_at", "id"))
