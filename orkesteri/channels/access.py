"""Channels are reached only through the member's workspace (DESIGN.md §7)."""

from __future__ import annotations

from django.http import Http404

from orkesteri.channels.models import Channel
from orkesteri.workspaces.models import Membership


def get_channel(membership: Membership, channel_id: int) -> Channel:
    """A channel of the member's workspace, or 404 (never confirm another client's channel)."""
    channel = Channel.objects.filter(workspace_id=membership.workspace_id, pk=channel_id).first()
    if channel is None:
        raise Http404("No such channel")
    return channel
