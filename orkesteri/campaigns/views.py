"""Campaign pages: the list, a campaign with its spend, results and posts, the forms, the CSV
import (upload, preview, confirm) and the CSV exports. Reading needs view_analytics, changing
needs manage_campaigns (docs/roles.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from orkesteri.accounts.models import User
from orkesteri.campaigns import actions, exports, queries
from orkesteri.campaigns.access import get_campaign, get_entry
from orkesteri.campaigns.actions import ResultInput, SpendInput
from orkesteri.campaigns.forms import (
    COMMON_CURRENCIES,
    CampaignForm,
    ResultForm,
    SpendForm,
    campaign_initial,
)
from orkesteri.campaigns.models import PLATFORMS, Campaign, Result, Spend
from orkesteri.lib.csvfile import csv_response
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.models import Membership
from orkesteri.workspaces.roles import Perm
from orkesteri.workspaces.views import apply_errors, enter

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

POSTS_SHOWN = 50


def me(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _suggestions() -> dict[str, Any]:
    return {"currencies": COMMON_CURRENCIES, "platforms": PLATFORMS}


# --- the list --------------------------------------------------------------------------


@login_required
def campaign_list(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.VIEW_ANALYTICS)
    ws = membership.workspace
    summaries = queries.campaign_summaries(ws)
    posts = queries.post_campaigns(ws)
    known = {s.name.casefold() for s in summaries}
    context = {
        "rows": [(s, posts.counts.get(s.name.casefold(), 0)) for s in summaries],
        # Campaign names that posts use but no campaign has: one click to create it.
        "unmatched": [n for n in posts.names if n.casefold() not in known],
        "can_manage": membership.can(Perm.MANAGE_CAMPAIGNS),
    }
    return render(request, "campaigns/list.html", context)


@login_required
def campaigns_csv(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.VIEW_ANALYTICS)
    ws = membership.workspace
    rows = exports.summary_rows(queries.campaign_summaries(ws), queries.post_counts(ws))
    return csv_response(exports.file_name(None, "summary"), exports.SUMMARY_HEADER, rows)


# --- one campaign ----------------------------------------------------------------------


@login_required
def campaign_detail(request: HttpRequest, workspace: str, campaign_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.VIEW_ANALYTICS)
    campaign = get_campaign(membership, campaign_id)
    posts = queries.posts_of(campaign).order_by("-scheduled_at", "-id")
    spends = list(campaign.spends.all())
    context = {
        "campaign": campaign,
        "summary": queries.summary_of(campaign),
        "platforms": queries.platform_totals_of(spends),
        "spends": spends,
        "results": list(campaign.results.all()),
        "posts": list(posts[:POSTS_SHOWN]),
        "post_count": posts.count(),
        "can_manage": membership.can(Perm.MANAGE_CAMPAIGNS),
    }
    return render(request, "campaigns/detail.html", context)


@login_required
def campaign_create(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.MANAGE_CAMPAIGNS)
    ws = membership.workspace
    if request.method == "POST":
        form = CampaignForm(request.POST)
        if form.is_valid():
            try:
                campaign = actions.create_campaign(ws, me(request), form.campaign_input())
            except ActionError as e:
                apply_errors(form, e)
            else:
                messages.success(request, _("Campaign created. Now record its spend."))
                return redirect("campaign_detail", ws.slug, campaign.pk)
    else:
        form = CampaignForm(initial=_new_campaign_initial(request, membership))
    return _form_page(request, form, None)


def _new_campaign_initial(request: HttpRequest, membership: Membership) -> dict[str, Any]:
    """The name from the link ("create it" next to a post's campaign name); the currency of
    the workspace's latest campaign."""
    latest = Campaign.objects.filter(workspace=membership.workspace).order_by("-created_at")
    currency = latest.values_list("currency", flat=True).first() or "EUR"
    return {"name": request.GET.get("name", "")[:100], "currency": currency}


@login_required
def campaign_edit(request: HttpRequest, workspace: str, campaign_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.MANAGE_CAMPAIGNS)
    campaign = get_campaign(membership, campaign_id)
    if request.method == "POST":
        form = CampaignForm(request.POST)
        if form.is_valid():
            try:
                actions.update_campaign(campaign, me(request), form.campaign_input())
            except ActionError as e:
                apply_errors(form, e)
            else:
                messages.success(request, _("Campaign saved."))
                return redirect("campaign_detail", workspace, campaign.pk)
    else:
        form = CampaignForm(initial=campaign_initial(campaign))
    return _form_page(request, form, campaign)


def _form_page(request: HttpRequest, form: CampaignForm, campaign: Campaign | None) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "campaign": campaign, **_suggestions()}
    return render(request, "campaigns/form.html", context, status=status)


@login_required
def campaign_delete(request: HttpRequest, workspace: str, campaign_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.MANAGE_CAMPAIGNS)
    campaign = get_campaign(membership, campaign_id)
    if request.method == "POST":
        actions.delete_campaign(campaign, me(request))
        messages.success(request, _("Campaign “%(name)s” deleted.") % {"name": campaign.name})
        return redirect("campaign_list", workspace)
    context = {
        "campaign": campaign,
        "spend_count": campaign.spends.count(),
        "result_count": campaign.results.count(),
    }
    return render(request, "campaigns/delete.html", context)


# --- spend and results -----------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    """What differs between the spend and the results pages."""

    model: type[Spend] | type[Result]
    form: type[SpendForm] | type[ResultForm]
    title: StrPromise
    saved: StrPromise
    deleted: StrPromise
    add_url: str
    anchor: str


SPEND = _Kind(
    Spend, SpendForm, gettext_lazy("Record spend"), gettext_lazy("Spend recorded."),
    gettext_lazy("Spend entry deleted."), "spend_add", "spend",
)  # fmt: skip
RESULT = _Kind(
    Result, ResultForm, gettext_lazy("Record a result"), gettext_lazy("Result recorded."),
    gettext_lazy("Result deleted."), "result_add", "results",
)  # fmt: skip


def _new_entry_initial(kind: _Kind, campaign: Campaign) -> dict[str, Any]:
    initial: dict[str, Any] = {"currency": campaign.currency}
    if kind is SPEND:
        initial["starts_on"] = campaign.starts_on
    return initial


def _entry_input(form: SpendForm | ResultForm) -> SpendInput | ResultInput:
    return form.spend_input() if isinstance(form, SpendForm) else form.result_input()


def _entry_add(request: HttpRequest, workspace: str, campaign_id: int, kind: _Kind) -> HttpResponse:
    membership = enter(request, workspace, Perm.MANAGE_CAMPAIGNS)
    campaign = get_campaign(membership, campaign_id)
    if request.method == "POST":
        form = kind.form(request.POST)
        if form.is_valid():
            try:
                actions.add_entry(campaign, me(request), _entry_input(form))
            except ActionError as e:
                apply_errors(form, e)
            else:
                messages.success(request, str(kind.saved))
                return _back_or_again(request, campaign, kind.add_url)
    else:
        form = kind.form(initial=_new_entry_initial(kind, campaign))
    return _entry_page(request, campaign, form, str(kind.title))


@login_required
def spend_add(request: HttpRequest, workspace: str, campaign_id: int) -> HttpResponse:
    return _entry_add(request, workspace, campaign_id, SPEND)


@login_required
def result_add(request: HttpRequest, workspace: str, campaign_id: int) -> HttpResponse:
    return _entry_add(request, workspace, campaign_id, RESULT)


def _back_or_again(request: HttpRequest, campaign: Campaign, again: str) -> HttpResponse:
    """ "Save and add another" comes back to an empty form; "Save" to the campaign."""
    name = again if request.POST.get("another") else "campaign_detail"
    return redirect(name, campaign.workspace.slug, campaign.pk)


def _entry_page(
    request: HttpRequest, campaign: Campaign, form: SpendForm | ResultForm, title: str
) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"campaign": campaign, "form": form, "title": title, **_suggestions()}
    return render(request, "campaigns/entry_form.html", context, status=status)


def _entry_delete(
    request: HttpRequest, workspace: str, campaign_id: int, entry_id: int, kind: _Kind
) -> HttpResponse:
    membership = enter(request, workspace, Perm.MANAGE_CAMPAIGNS)
    campaign = get_campaign(membership, campaign_id)
    actions.delete_entry(get_entry(campaign, kind.model, entry_id), me(request))
    messages.success(request, str(kind.deleted))
    return redirect(reverse("campaign_detail", args=[workspace, campaign.pk]) + "#" + kind.anchor)


@login_required
@require_POST
def spend_delete(
    request: HttpRequest, workspace: str, campaign_id: int, spend_id: int
) -> HttpResponse:
    return _entry_delete(request, workspace, campaign_id, spend_id, SPEND)


@login_required
@require_POST
def result_delete(
    request: HttpRequest, workspace: str, campaign_id: int, result_id: int
) -> HttpResponse:
    return _entry_delete(request, workspace, campaign_id, result_id, RESULT)


# --- CSV exports of one campaign -------------------------------------------------------


@login_required
def campaign_csv(
    request: HttpRequest, workspace: str, campaign_id: int, table: str
) -> HttpResponse:
    membership = enter(request, workspace, Perm.VIEW_ANALYTICS)
    campaign = get_campaign(membership, campaign_id)
    if table == "spend":
        rows = exports.spend_rows(campaign, campaign.spends.all())
        return csv_response(exports.file_name(campaign, table), exports.SPEND_HEADER, rows)
    if table == "results":
        rows = exports.result_rows(campaign, campaign.results.all())
        return csv_response(exports.file_name(campaign, table), exports.RESULT_HEADER, rows)
    if table == "posts":
        posts = queries.posts_of(campaign).order_by("-scheduled_at", "-id")
        return csv_response(
            exports.file_name(campaign, table), exports.POST_HEADER, exports.post_rows(posts)
        )
    raise Http404("No such table")
