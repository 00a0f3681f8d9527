from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from orkesteri.accounts.models import User
from orkesteri.api.schemas import (
    AuditEventOut,
    ErrorOut,
    InviteCreatedOut,
    InviteOut,
    MemberIn,
    MemberOut,
    ObjectId,
    RoleIn,
    WorkspaceIn,
    WorkspaceOut,
    WorkspacePatch,
)
from orkesteri.workspaces import actions
from orkesteri.workspaces.access import get_member, get_workspace_for_user, memberships_of
from orkesteri.workspaces.models import AuditEvent, Invite, Membership
from orkesteri.workspaces.roles import Perm


class Pagination(LimitOffsetPagination):
    class Input(LimitOffsetPagination.Input):
        # Past a signed 64-bit OFFSET, SQLite and PostgreSQL raise instead of returning nothing.
        offset: int = Field(0, ge=0, le=2**63 - 1)


router = Router(tags=["workspaces"])
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


@router.get("", response={200: list[WorkspaceOut], **ERRORS}, summary="List your workspaces")
@paginate(Pagination)
def list_workspaces(request: HttpRequest) -> QuerySet[Membership]:
    return memberships_of(caller(request)).order_by("workspace__name", "workspace_id")


@router.post("", response={201: WorkspaceOut, **ERRORS}, summary="Create a workspace (you own it)")
def create_workspace(request: HttpRequest, payload: WorkspaceIn) -> Status[Membership]:
    ws = actions.create_workspace(
        caller(request),
        name=payload.name,
        slug=payload.slug,
        timezone_name=payload.timezone,
        languages=payload.languages,
        brand_color=payload.brand_color,
    )
    return Status(201, get_workspace_for_user(caller(request), pk=ws.pk))


@router.get("/{workspace_id}", response={200: WorkspaceOut, **ERRORS}, summary="Get a workspace")
def get_workspace(request: HttpRequest, workspace_id: ObjectId) -> Membership:
    return get_workspace_for_user(caller(request), pk=workspace_id)


@router.patch("/{workspace_id}", response={200: WorkspaceOut, **ERRORS}, summary="Change settings")
def update_workspace(
    request: HttpRequest, workspace_id: ObjectId, payload: WorkspacePatch
) -> Membership:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.EDIT_SETTINGS)
    values = payload.dict(exclude_unset=True)
    nulls = sorted(k for k, v in values.items() if v is None)
    if nulls:
        raise actions.ActionError({nulls[0]: "This field may not be null."})
    actions.update_workspace(caller(request), membership.workspace, **values)
    return membership


@router.delete(
    "/{workspace_id}", response={204: None, **ERRORS}, summary="Delete a workspace (owner)"
)
def delete_workspace(request: HttpRequest, workspace_id: ObjectId) -> Status[None]:
    membership = get_workspace_for_user(
        caller(request), pk=workspace_id, perm=Perm.DELETE_WORKSPACE
    )
    actions.delete_workspace(caller(request), membership.workspace)
    return Status(204, None)


@router.get(
    "/{workspace_id}/members", response={200: list[MemberOut], **ERRORS}, summary="List members"
)
@paginate(Pagination)
def list_members(request: HttpRequest, workspace_id: ObjectId) -> QuerySet[Membership]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.VIEW_MEMBERS)
    return (
        Membership.objects.filter(workspace=membership.workspace)
        .select_related("user")
        .order_by("user__email")
    )


@router.post(
    "/{workspace_id}/members",
    response={201: InviteCreatedOut, **ERRORS},
    summary="Invite a member by email",
    description="Creates an invitation and emails its one-time link; the person becomes a "
    "member when they accept it.",
)
def invite_member(
    request: HttpRequest, workspace_id: ObjectId, payload: MemberIn
) -> Status[Invite]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.MANAGE_MEMBERS)
    base = request.build_absolute_uri("/")
    invite, raw = actions.invite_member(membership, payload.email, payload.role, base)
    link = actions.invite_url(raw, base) if settings.SHOW_INVITE_LINKS else None
    invite.invite_url = link  # type: ignore[attr-defined]
    return Status(201, invite)


@router.patch(
    "/{workspace_id}/members/{member_id}",
    response={200: MemberOut, **ERRORS},
    summary="Change a member's role",
)
def change_role(
    request: HttpRequest, workspace_id: ObjectId, member_id: ObjectId, payload: RoleIn
) -> Membership:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.VIEW_MEMBERS)
    return actions.change_role(membership, get_member(membership, member_id), payload.role)


@router.delete(
    "/{workspace_id}/members/{member_id}",
    response={204: None, **ERRORS},
    summary="Remove a member (or leave)",
)
def remove_member(
    request: HttpRequest, workspace_id: ObjectId, member_id: ObjectId
) -> Status[None]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id)
    actions.remove_member(membership, get_member(membership, member_id))
    return Status(204, None)


@router.get(
    "/{workspace_id}/invites",
    response={200: list[InviteOut], **ERRORS},
    summary="List invitations",
)
@paginate(Pagination)
def list_invites(request: HttpRequest, workspace_id: ObjectId) -> QuerySet[Invite]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.MANAGE_MEMBERS)
    return Invite.objects.filter(workspace=membership.workspace)


@router.delete(
    "/{workspace_id}/invites/{invite_id}",
    response={204: None, **ERRORS},
    summary="Withdraw an invitation",
)
def revoke_invite(
    request: HttpRequest, workspace_id: ObjectId, invite_id: ObjectId
) -> Status[None]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.MANAGE_MEMBERS)
    invite = get_object_or_404(Invite, workspace=membership.workspace, pk=invite_id)
    actions.revoke_invite(membership, invite)
    return Status(204, None)


@router.get(
    "/{workspace_id}/audit",
    response={200: list[AuditEventOut], **ERRORS},
    summary="Audit log: who changed what",
)
@paginate(Pagination)
def audit_log(request: HttpRequest, workspace_id: ObjectId) -> QuerySet[AuditEvent]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.VIEW_AUDIT)
    return AuditEvent.objects.filter(workspace=membership.workspace)
