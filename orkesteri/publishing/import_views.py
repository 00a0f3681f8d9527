"""The CSV import page: upload a file and choose channels and date order, see a preview with
every error by line number, then confirm. Between the two steps the file waits in storage
under a random name that only this user's session knows (docs/import.md)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from orkesteri.channels.models import Channel
from orkesteri.lib.parked import Parking
from orkesteri.publishing import csv_import
from orkesteri.publishing.csv_import import DateOrder, FileError, ImportFailed, Options, Plan
from orkesteri.workspaces.models import Membership, Workspace
from orkesteri.workspaces.roles import Perm
from orkesteri.workspaces.views import content_length, enter

SESSION_KEY = "csv_import"
PARKING = Parking("imports")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8 text, at most 5,000 posts."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    channels = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Channels"),
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkgrid"}),
        help_text=gettext_lazy(
            "Where the posts go. Needed for Hootsuite and Sprout Social files; in an Orkesteri"
            " file, for the rows whose channels column is empty."
        ),
    )
    date_order = forms.ChoiceField(
        label=gettext_lazy("Dates in the file are written"),
        choices=[(k.value, v) for k, v in csv_import.DATE_ORDER_LABELS.items()],
        initial=DateOrder.DMY.value,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["channels"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Channel.objects.filter(workspace=workspace).publishable()
        field.label_from_instance = _channel_label  # type: ignore[method-assign,assignment]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > csv_import.MAX_BYTES:
            raise forms.ValidationError(csv_import.too_big_message())
        return upload


def _channel_label(channel: Channel) -> str:
    return f"{channel.display_name} ({channel.network_label})"


@login_required
def import_page(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.PUBLISH)
    ws = membership.workspace
    if request.method != "POST":
        return _page(request, membership, ImportForm(workspace=ws))
    if content_length(request) > csv_import.MAX_BYTES + 64 * 1024:
        form = ImportForm(workspace=ws)
        form.add_error(None, csv_import.too_big_message())
        return _page(request, membership, form, status=400)
    form = ImportForm(request.POST, request.FILES, workspace=ws)
    if not form.is_valid():
        return _page(request, membership, form, status=400)
    upload = form.cleaned_data["file"]
    data = upload.read()
    pending = {
        "workspace": ws.pk,
        "name": (upload.name or "import.csv")[:200],
        "channels": [c.pk for c in form.cleaned_data["channels"]],
        "order": form.cleaned_data["date_order"],
    }
    try:
        plan = _plan(ws, data, pending)
    except FileError as e:
        form.add_error("file", e.message)
        return _page(request, membership, form, status=400)
    pending["token"] = PARKING.park(ws.pk, data)
    request.session[SESSION_KEY] = pending
    return _preview(request, membership, plan, pending)


@login_required
@require_POST
def import_confirm(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.PUBLISH)
    ws = membership.workspace
    pending = request.session.get(SESSION_KEY) or {}
    data = None
    if pending.get("workspace") == ws.pk and pending.get("token") == request.POST.get("token"):
        data = PARKING.load(ws.pk, pending["token"])
    if data is None:
        messages.error(request, _("That import is no longer waiting. Upload the file again."))
        return redirect("import", workspace=ws.slug)
    try:
        plan = _plan(ws, data, pending)  # again: time has passed, channels may have changed
    except FileError as e:
        messages.error(request, e.message)
        return redirect("import", workspace=ws.slug)
    partial = request.POST.get("partial") == "1"
    if plan.failed and (not partial or not plan.valid):
        message = _(
            "Nothing was imported: fix the rows with errors, or tick “Import the valid rows”."
        )
        return _preview(request, membership, plan, pending, error=message, status=400)
    try:
        result = csv_import.import_plan(
            ws,
            membership.user,
            plan,
            partial=partial,
            source=pending["name"],
        )
    except ImportFailed as e:
        message = _("Nothing was imported: line %(line)s: %(error)s") % {
            "line": e.line,
            "error": e.message,
        }
        return _preview(request, membership, plan, pending, error=message, status=400)
    request.session.pop(SESSION_KEY, None)
    PARKING.forget(ws.pk, pending["token"])
    messages.success(request, _summary(result))
    return redirect("import", workspace=ws.slug)


def _summary(result: csv_import.Result) -> str:
    if result.awaiting_approval:
        text = ngettext(
            "Imported %(count)s post; it waits for approval.",
            "Imported %(count)s posts; they wait for approval.",
            result.created,
        ) % {"count": result.created}
    else:
        text = ngettext(
            "Imported and scheduled %(count)s post.",
            "Imported and scheduled %(count)s posts.",
            result.created,
        ) % {"count": result.created}
    if result.failed:
        text += " " + ngettext(
            "%(count)s row with errors was skipped.",
            "%(count)s rows with errors were skipped.",
            len(result.failed),
        ) % {"count": len(result.failed)}
    return text


def _plan(ws: Workspace, data: bytes, pending: dict[str, Any]) -> Plan:
    channels = list(Channel.objects.filter(workspace=ws).publishable())
    chosen = [c for c in channels if c.pk in set(pending["channels"])]
    options = Options(
        zone=ws.timezone, now=timezone.now(), date_order=DateOrder(pending["order"]), chosen=chosen
    )
    return csv_import.read_plan(data, channels, options)


def _page(
    request: HttpRequest, membership: Membership, form: ImportForm, status: int = 200
) -> HttpResponse:
    has_channels = Channel.objects.filter(workspace=membership.workspace).publishable().exists()
    context = {"form": form, "has_channels": has_channels, "max_rows": csv_import.MAX_ROWS}
    return render(request, "publishing/import.html", context, status=status)


def _preview(
    request: HttpRequest,
    membership: Membership,
    plan: Plan,
    pending: dict[str, Any],
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "plan": plan,
        "pending": pending,
        "preview": plan.rows[: csv_import.PREVIEW_ROWS],
        "failed": plan.failed,
        "valid_count": len(plan.valid),
        "error": error,
        "requires_approval": membership.workspace.requires_approval,
    }
    return render(request, "publishing/import_preview.html", context, status=status)
