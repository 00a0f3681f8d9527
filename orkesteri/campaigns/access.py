"""Campaigns and their entries are reached only through the member's workspace (DESIGN.md §7)."""

from __future__ import annotations

from django.http import Http404

from orkesteri.campaigns.models import Campaign, Result, Spend
from orkesteri.workspaces.models import Membership


def get_campaign(membership: Membership, campaign_id: int) -> Campaign:
    """A campaign of the member's workspace, or 404 (never confirm another client's)."""
    campaign = (
        Campaign.objects.filter(workspace_id=membership.workspace_id, pk=campaign_id)
        .select_related("workspace")
        .first()
    )
    if campaign is None:
        raise Http404("No such campaign")
    return campaign


def get_entry(
    campaign: Campaign, model: type[Spend] | type[Result], entry_id: int
) -> Spend | Result:
    """A spend entry or result of the campaign, or 404."""
    entry = model.objects.filter(campaign=campaign, pk=entry_id).first()
    if entry is None:
        raise Http404(f"No such {model._meta.verbose_name}")
    entry.campaign = campaign
    return entry
