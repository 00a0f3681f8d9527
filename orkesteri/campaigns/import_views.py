"""Spend and results from CSV: upload, a preview with every error by row and column, then
confirm. Between the two steps the file waits in storage under a random name that only this
user's session knows, as in the post import (orkesteri/publishing/import_views.py).

For one campaign (from its page) or for the whole workspace (a campaign column names each
row's campaign)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from orkesteri.campaigns import actions, csv_import
from orkesteri.campaigns.access import get_campaign
from orkesteri.campaigns.csv_import import Kind, Options, Plan
from orkesteri.campaigns.forms import ImportForm
from orkesteri.campaigns.models import PLATFORMS, Campaign
from orkesteri.lib.parked import Parking
from orkesteri.publishing.csv_import import DateOrder, FileError
from orkesteri.workspaces.models import Membership, Workspace
from orkesteri.workspaces.roles import Perm
from orkesteri.workspaces.views import content_length, enter

SESSION_KEY = "campaign_import"
PARKING = Parking("campaign-imports")


def _kind(value: str) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        raise Http404("No such import") from None


def _target(membership: Membership, campaign_id: int | None) -> Campaign | None:
    return None if campaign_id is None else get_campaign(membership, campaign_id)


def _page_url(ws: Workspace, kind: Kind, campaign: Campaign | None) -> str:
    if campaign is None:
        return reverse("campaigns_import", args=[ws.slug, kind.value])
    return reverse("campaign_import", args=[ws.slug, campaign.pk, kind.value])


@login_required
def import_page(
    request: HttpRequest, workspace: str, kind: str, campaign_id: int | None = None
) -> HttpResponse:
    membership = enter(request, workspace, Perm.MANAGE_CAMPAIGNS)
    ws, what = membership.workspace, _kind(kind)
    campaign = _target(membership, campaign_id)
    if request.method != "POST":
        return _page(request, ws, what, campaign, ImportForm(kind=what))
    if content_length(request) > csv_import.MAX_BYTES + 64 * 1024:
        form = ImportForm(kind=what)
        form.add_error("file", csv_import.too_big_message())
        return _page(request, ws, what, campaign, form, status=400)
    form = ImportForm(request.POST, request.FILES, kind=what)
    if not form.is_valid():
        return _page(request, ws, what, campaign, form, status=400)
    upload = form.cleaned_data["file"]
    data = upload.read()
    pending = {
        "workspace": ws.pk,
        "campaign": campaign.pk if campaign else None,
        "kind": what.value,
        "name": (upload.name or "import.csv")[:200],
        "order": form.cleaned_data["date_order"],
        "platform": form.cleaned_data.get("platform", ""),
    }
    try:
        plan = _plan(ws, data, pending, campaign)
    except FileError as e:
        form.add_error("file", e.message)
        return _page(request, ws, what, campaign, form, status=400)
    pending["token"] = PARKING.park(ws.pk, data)
    request.session[SESSION_KEY] = pending
    return _preview(request, ws, plan, pending)


@login_required
@require_POST
def import_confirm(
    request: HttpRequest, workspace: str, kind: str, campaign_id: int | None = None
) -> HttpResponse:
    membership = enter(request, workspace, Perm.MANAGE_CAMPAIGNS)
    ws, what = membership.workspace, _kind(kind)
    campaign = _target(membership, campaign_id)
    page = _page_url(ws, what, campaign)
    pending = request.session.get(SESSION_KEY) or {}
    same = (
        pending.get("workspace") == ws.pk
        and pending.get("kind") == what.value
        and pending.get("campaign") == (campaign.pk if campaign else None)
        and pending.get("token") == request.POST.get("token")
    )
    data = PARKING.load(ws.pk, pending["token"]) if same else None
    if data is None:
        messages.error(request, _("That import is no longer waiting. Upload the file again."))
        return redirect(page)
    try:
        plan = _plan(ws, data, pending, campaign)  # again: campaigns may have changed
    except FileError as e:
        messages.error(request, e.message)
        return redirect(page)
    if plan.failed:
        error = _("Nothing was imported: fix the rows with errors and upload the file again.")
        return _preview(request, ws, plan, pending, error=error, status=400)
    try:
        count = actions.import_entries(ws, membership.user, plan.entries(), pending["name"])
    except actions.ImportFailed as e:
        error = _("Nothing was imported: row %(line)s: %(error)s") % {
            "line": e.line,
            "error": e.message,
        }
        return _preview(request, ws, plan, pending, error=error, status=400)
    request.session.pop(SESSION_KEY, None)
    PARKING.forget(ws.pk, pending["token"])
    messages.success(request, _summary(what, count))
    if campaign is not None:
        return redirect("campaign_detail", ws.slug, campaign.pk)
    return redirect("campaign_list", ws.slug)


def _summary(kind: Kind, count: int) -> str:
    if kind == Kind.SPEND:
        return ngettext(
            "Imported %(count)s spend entry.", "Imported %(count)s spend entries.", count
        ) % {"count": count}
    return ngettext("Imported %(count)s result.", "Imported %(count)s results.", count) % {
        "count": count
    }


@login_required
def import_example(request: HttpRequest, workspace: str, kind: str) -> HttpResponse:
    enter(request, workspace, Perm.VIEW_ANALYTICS)
    what = _kind(kind)
    response = HttpResponse(csv_import.EXAMPLES[what], content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{what.value}-example.csv"'
    return response


def _plan(ws: Workspace, data: bytes, pending: dict[str, Any], campaign: Campaign | None) -> Plan:
    options = Options(date_order=DateOrder(pending["order"]), platform=pending["platform"])
    return csv_import.read_plan(data, Kind(pending["kind"]), ws, campaign, options)


def _page(
    request: HttpRequest,
    ws: Workspace,
    kind: Kind,
    campaign: Campaign | None,
    form: ImportForm,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "kind": kind,
        "kind_label": csv_import.KIND_LABELS[kind],
        "campaign": campaign,
        "has_campaigns": Campaign.objects.filter(workspace=ws).exists(),
        "example": csv_import.EXAMPLES[kind],
        "max_rows": csv_import.MAX_ROWS,
        "platforms": PLATFORMS,
    }
    return render(request, "campaigns/import.html", context, status=status)


def _preview(
    request: HttpRequest,
    ws: Workspace,
    plan: Plan,
    pending: dict[str, Any],
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    confirm = reverse("campaigns_import_confirm", args=[ws.slug, plan.kind.value])
    if plan.campaign is not None:
        confirm = reverse(
            "campaign_import_confirm", args=[ws.slug, plan.campaign.pk, plan.kind.value]
        )
    context = {
        "plan": plan,
        "pending": pending,
        "preview": plan.rows[: csv_import.PREVIEW_ROWS],
        "failed": plan.failed,
        "error": error,
        "confirm_url": confirm,
        "page_url": _page_url(ws, plan.kind, plan.campaign),
        "campaign": plan.campaign,
    }
    return render(request, "campaigns/import_preview.html", context, status=status)
