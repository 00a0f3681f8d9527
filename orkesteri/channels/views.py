"""Channel pages: list, connect (form or OAuth), test post, reconnect, disconnect."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from orkesteri.channels import actions
from orkesteri.channels.access import get_channel
from orkesteri.channels.models import Channel
from orkesteri.lib import crypto
from orkesteri.networks.base import Adapter, AdapterError, Feature
from orkesteri.networks.registry import ADAPTERS
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.roles import Perm
from orkesteri.workspaces.views import apply_errors, enter

OAUTH_SESSION_KEY = "channel_oauth"


@login_required
def channel_list(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace)
    channels = Channel.objects.filter(workspace=membership.workspace).select_related("collection")
    return render(
        request,
        "channels/list.html",
        {
            "channels": channels,
            # Dicts, not the classes: templates would call a class.
            "networks": sorted(
                (
                    {"kind": cls.kind, "label": str(cls.label), "summary": summary(cls)}
                    for cls in ADAPTERS.values()
                ),
                key=lambda n: n["label"],
            ),
            "can_manage": membership.can(Perm.MANAGE_CHANNELS),
        },
    )


FEATURE_NAMES = {
    Feature.THREAD: gettext_lazy("threads"),
    Feature.ALT_TEXT: gettext_lazy("alt text"),
    Feature.LINK_CARD: gettext_lazy("link cards"),
    Feature.CONTENT_WARNING: gettext_lazy("content warnings"),
    Feature.SILENT: gettext_lazy("silent posts"),
    Feature.METRICS: gettext_lazy("follower and like counts"),
}


def summary(cls: type[Adapter]) -> str:
    """What a network's posts can hold, from its declared limits and features."""
    limits = cls.default_limits
    count = number_format(limits.text.limit, force_grouping=True)
    parts = [_("Up to %(count)s characters") % {"count": count}]
    if Feature.MEDIA in cls.features and limits.max_images:
        parts.append(
            ngettext("%(count)s image", "%(count)s images", limits.max_images)
            % {"count": limits.max_images}
        )
    parts += [str(name) for feature, name in FEATURE_NAMES.items() if feature in cls.features]
    return " · ".join(parts)


def _network(network: str) -> type[Adapter]:
    if network not in ADAPTERS:
        raise Http404("No such network")
    return ADAPTERS[network]


def _start_oauth(
    request: HttpRequest, cls: type[Adapter], form: forms.Form, channel: Channel | None
) -> HttpResponse:
    state = secrets.token_urlsafe(24)
    redirect_uri = request.build_absolute_uri(reverse("channel_oauth_callback"))
    url, pending = cls.authorize_url(form.cleaned_data, redirect_uri, state)
    # The pending registration holds a client secret: kept encrypted in the session.
    request.session[OAUTH_SESSION_KEY] = crypto.encrypt(
        {
            "state": state,
            "network": cls.kind,
            "workspace": request.membership.workspace.slug,  # type: ignore[attr-defined]
            "channel": channel.pk if channel else None,
            "pending": pending,
        }
    )
    return redirect(url)


def _connect_page(
    request: HttpRequest, workspace: str, cls: type[Adapter], channel: Channel | None
) -> HttpResponse:
    form = cls.ConnectForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if actions.wants_oauth(form):
                return _start_oauth(request, cls, form, channel)
            data = {name: request.POST.get(name, "") for name in form.fields}
            if channel is None:
                saved = actions.connect_channel(
                    request.membership.workspace,  # type: ignore[attr-defined]
                    request.user,  # type: ignore[arg-type]
                    cls.kind,
                    data,
                )
            else:
                saved = actions.reconnect_channel(channel, request.user, data)  # type: ignore[arg-type]
        except ActionError as e:
            apply_errors(form, e)
        except AdapterError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("%(name)s is connected.") % {"name": saved.display_name})
            return redirect("channel_list", workspace)
    return render(
        request,
        "channels/connect.html",
        {
            "form": form,
            "network": {"kind": cls.kind, "label": cls.label, "help_text": cls.help_text},
            "channel": channel,
        },
        status=422 if form.errors else 200,
    )


@login_required
def channel_connect(request: HttpRequest, workspace: str, network: str) -> HttpResponse:
    enter(request, workspace, Perm.MANAGE_CHANNELS)
    return _connect_page(request, workspace, _network(network), None)


@login_required
def channel_reconnect(request: HttpRequest, workspace: str, channel_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.MANAGE_CHANNELS)
    channel = get_channel(membership, channel_id)
    return _connect_page(request, workspace, channel.adapter_class, channel)


@login_required
def channel_oauth_callback(request: HttpRequest) -> HttpResponse:
    token = request.session.pop(OAUTH_SESSION_KEY, None)
    try:
        flow: dict[str, Any] = crypto.decrypt_json(token) if token else {}
    except crypto.SecretUnreadable:
        flow = {}
    if not flow or not secrets.compare_digest(str(flow["state"]), request.GET.get("state", "")):
        messages.error(request, _("That sign-in link has expired. Start connecting again."))
        return redirect("home")
    membership = enter(request, flow["workspace"], Perm.MANAGE_CHANNELS)
    cls = _network(flow["network"])
    channel = get_channel(membership, flow["channel"]) if flow["channel"] else None
    redirect_uri = request.build_absolute_uri(reverse("channel_oauth_callback"))
    try:
        connection = cls.finish_authorize(flow["pending"], request.GET.dict(), redirect_uri)
        saved = actions.save_connection(
            membership.workspace,
            request.user,  # type: ignore[arg-type]
            cls.kind,
            connection,
            channel,
        )
    except (AdapterError, ActionError) as e:
        messages.error(request, str(e))
        return redirect("channel_list", membership.workspace.slug)
    messages.success(request, _("%(name)s is connected.") % {"name": saved.display_name})
    return redirect("channel_list", membership.workspace.slug)


@login_required
@require_POST
def channel_test(request: HttpRequest, workspace: str, channel_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.MANAGE_CHANNELS)
    channel = get_channel(membership, channel_id)
    try:
        receipt = actions.send_test_post(channel, request.user)  # type: ignore[arg-type]
    except (AdapterError, ActionError) as e:
        reason = " ".join(e.errors.values()) if isinstance(e, ActionError) else e.message
        messages.error(request, _("The test post failed: %(error)s") % {"error": reason})
    else:
        done = _("Test post published to %(name)s.") % {"name": channel.display_name}
        if actions.safe_link(receipt.url):
            url = request.build_absolute_uri(receipt.url)
            done = format_html(
                '{} <a href="{}" target="_blank" rel="noopener">{}</a>', done, url, _("Open it")
            )
        messages.success(request, done)
    return redirect("channel_list", workspace)


@login_required
def channel_disconnect(request: HttpRequest, workspace: str, channel_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.MANAGE_CHANNELS)
    channel = get_channel(membership, channel_id)
    if request.method == "POST":
        actions.disconnect_channel(channel, request.user)  # type: ignore[arg-type]
        messages.success(request, _("%(name)s is disconnected.") % {"name": channel.display_name})
        return redirect("channel_list", workspace)
    return render(request, "channels/disconnect.html", {"channel": channel})
