from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from orkesteri.api.schemas import ChannelIn, ChannelOut, ObjectId
from orkesteri.api.workspaces import ERRORS, Pagination, caller
from orkesteri.channels import actions
from orkesteri.channels.access import get_channel
from orkesteri.channels.models import Channel
from orkesteri.workspaces.access import get_workspace_for_user
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.roles import Perm

router = Router(tags=["channels"])
CHANNEL_ERRORS = {**ERRORS, 502: ERRORS[422]}


@router.get(
    "/{workspace_id}/channels", response={200: list[ChannelOut], **ERRORS}, summary="List channels"
)
@paginate(Pagination)
def list_channels(request: HttpRequest, workspace_id: ObjectId) -> QuerySet[Channel]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id)
    return Channel.objects.filter(workspace=membership.workspace)


@router.post(
    "/{workspace_id}/channels",
    response={201: ChannelOut, **CHANNEL_ERRORS},
    summary="Connect a channel",
    description="Checks the credentials with the network first: a refusal is a 422 naming "
    "what is wrong, an unreachable network a 502, and nothing is saved. Connecting an account "
    "the workspace already has refreshes that channel's credentials.",
)
def connect_channel(
    request: HttpRequest, workspace_id: ObjectId, payload: ChannelIn
) -> Status[Channel]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.MANAGE_CHANNELS)
    cls = actions.adapter_class(payload.network)
    form = cls.ConnectForm(data=payload.config)
    if actions.wants_oauth(form):
        raise ActionError(
            _(
                "%(network)s connects through its own sign-in page: connect it in the web app,"
                " or give an access token."
            )
            % {"network": cls.label}
        )
    channel = actions.connect_channel(
        membership.workspace, caller(request), payload.network, payload.config
    )
    return Status(201, channel)


@router.get(
    "/{workspace_id}/channels/{channel_id}",
    response={200: ChannelOut, **ERRORS},
    summary="Get a channel",
)
def get_one_channel(request: HttpRequest, workspace_id: ObjectId, channel_id: ObjectId) -> Channel:
    return get_channel(get_workspace_for_user(caller(request), pk=workspace_id), channel_id)


@router.delete(
    "/{workspace_id}/channels/{channel_id}",
    response={204: None, **ERRORS},
    summary="Disconnect a channel",
)
def disconnect_channel(
    request: HttpRequest, workspace_id: ObjectId, channel_id: ObjectId
) -> Status[None]:
    membership = get_workspace_for_user(caller(request), pk=workspace_id, perm=Perm.MANAGE_CHANNELS)
    actions.disconnect_channel(get_channel(membership, channel_id), caller(request))
    return Status(204, None)
