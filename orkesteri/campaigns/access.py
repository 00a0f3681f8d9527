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


def get_spend(campaign: Campaign, spend_id: int) -> Spend:
    spend = Spend.objects.filter(campaign=campaign, pk=spend_id).first()
    if spend is None:
        raise Http404("No such spend entry")
    spend.campaign = campaign
    return spend


def get_result(campaign: Campaign, result_id: int) -> Result:
    result = Result.objects.filter(campaign=campaign, pk=result_id).first()
    if result is None:
        raise Http404("No such result")
    result.campaign = campaign
    return result
