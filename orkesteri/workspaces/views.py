from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orkesteri.accounts.actions import AccountError, create_user
from orkesteri.accounts.forms import SignupForm
from orkesteri.accounts.models import User
from orkesteri.workspaces import actions
from orkesteri.workspaces.access import get_member, get_workspace_for_user, memberships_of
from orkesteri.workspaces.forms import (
    DeleteWorkspaceForm,
    InviteForm,
    LogoForm,
    NewWorkspaceForm,
    RoleForm,
    WorkspaceForm,
)
from orkesteri.workspaces.models import Invite, Membership, Workspace
from orkesteri.workspaces.roles import Perm, assignable_roles

SECTIONS = ("inbox", "competitors", "planning", "reports")
LAST_WORKSPACE = "last_workspace"
INVITE_LINK = "invite_link"
INVITE_TOKEN = "invite_token"


def enter(request: HttpRequest, slug: str, perm: Perm = Perm.VIEW_WORKSPACE) -> Membership:
    """Resolve the workspace in the URL for this user and remember it for the shell."""
    membership = get_workspace_for_user(request.user, slug=slug, perm=perm)
    request.membership = membership  # type: ignore[attr-defined]
    if request.session.get(LAST_WORKSPACE) != membership.workspace.slug:
        request.session[LAST_WORKSPACE] = membership.workspace.slug  # a write only on change
    return membership


def content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def apply_errors(form: forms.BaseForm, error: actions.ActionError) -> None:
    """An action's errors on the form: on their field where it has one, else on the form."""
    for field, message in error.errors.items():
        form.add_error(field if field in form.fields else None, message)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = memberships_of(request.user)
    last = request.session.get(LAST_WORKSPACE)
    chosen = memberships.filter(workspace__slug=last).first() or memberships.first()
    if chosen is None:
        return redirect("workspace_list")
    return redirect("workspace_home", workspace=chosen.workspace.slug)


@login_required
def workspace_list(request: HttpRequest) -> HttpResponse:
    memberships = (
        memberships_of(request.user)
        .annotate(member_count=Count("workspace__memberships"))
        .order_by("workspace__name")
    )
    return render(request, "workspaces/list.html", {"memberships": memberships})


@login_required
def workspace_create(request: HttpRequest) -> HttpResponse:
    form = NewWorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            workspace = actions.create_workspace(
                request.user,  # type: ignore[arg-type]
                name=data["name"],
                slug=data["slug"],
                timezone_name=data["timezone"],
                languages=data["languages"],
                brand_color=data["brand_color"],
            )
        except actions.ActionError as e:
            apply_errors(form, e)
        else:
            messages.success(request, _("Workspace “%(name)s” created.") % {"name": workspace.name})
            return redirect("workspace_home", workspace=workspace.slug)
    return render(request, "workspaces/create.html", {"form": form})


@login_required
def workspace_home(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace)
    ws = membership.workspace
    steps = [
        (
            _("Set the time zone and languages"),
            ws.timezone != "UTC" or ws.languages != ["en"],
            "workspace_settings",
        ),
        (_("Add the brand logo"), bool(ws.logo), "workspace_settings"),
        (_("Invite your team and the client"), ws.memberships.count() > 1, "workspace_members"),
        (_("Connect the brand's social accounts"), ws.channels.exists(), "channel_list"),
    ]
    return render(request, "workspaces/home.html", {"steps": steps})


@login_required
def section(request: HttpRequest, workspace: str, name: str) -> HttpResponse:
    if name not in SECTIONS:
        raise Http404("No such section")
    enter(request, workspace)
    return render(request, f"sections/{name}.html", {"section": name})


@login_required
def workspace_settings(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace)
    ws = membership.workspace
    can_edit = membership.can(Perm.EDIT_SETTINGS)
    # A ModelForm writes cleaned values into its instance; give it a copy so the action
    # below still sees the old values and records what changed.
    draft = Workspace.objects.get(pk=ws.pk)
    form = WorkspaceForm((request.POST or None) if can_edit else None, instance=draft)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Your role cannot change workspace settings."))
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items()}
            data["slug"] = data["slug"] or ws.slug
            try:
                actions.update_workspace(request.user, ws, **data)  # type: ignore[arg-type]
            except actions.ActionError as e:
                apply_errors(form, e)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("workspace_settings", workspace=ws.slug)
    return render(
        request,
        "workspaces/settings.html",
        {"form": form, "logo_form": LogoForm(), "can_edit": can_edit},
    )


@login_required
@require_POST
def workspace_logo(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.EDIT_SETTINGS)
    ws = membership.workspace
    if request.POST.get("remove"):
        actions.remove_logo(request.user, ws)  # type: ignore[arg-type]
        messages.success(request, _("Logo removed."))
        return redirect("workspace_settings", workspace=ws.slug)
    # Refuse an oversized body before Django spools it to disk.
    if content_length(request) > settings.LOGO_MAX_BYTES + 64 * 1024:
        messages.error(request, actions.too_big_message())
        return redirect("workspace_settings", workspace=ws.slug)
    upload = request.FILES.get("logo")
    if upload is None:
        messages.error(request, _("Choose an image file for the logo."))
        return redirect("workspace_settings", workspace=ws.slug)
    try:
        actions.set_logo(request.user, ws, upload.read())  # type: ignore[arg-type]
    except actions.ActionError as e:
        messages.error(request, " ".join(e.errors.values()))
    else:
        messages.success(request, _("Logo saved."))
    return redirect("workspace_settings", workspace=ws.slug)


@login_required
def logo_file(request: HttpRequest, workspace: str) -> FileResponse:
    membership = get_workspace_for_user(request.user, slug=workspace)
    if not membership.workspace.logo:
        raise Http404("No logo")
    response = FileResponse(membership.workspace.logo.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def members(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.VIEW_MEMBERS)
    ws = membership.workspace
    roles = assignable_roles(membership.role)
    form = InviteForm(request.POST or None, roles=roles)
    if request.method == "POST":
        if not membership.can(Perm.MANAGE_MEMBERS):
            raise PermissionDenied(_("Your role cannot invite members."))
        if form.is_valid():
            base = request.build_absolute_uri("/")
            try:
                invite, raw = actions.invite_member(
                    membership, form.cleaned_data["email"], form.cleaned_data["role"], base
                )
            except actions.ActionError as e:
                apply_errors(form, e)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invite.email}
                )
                if settings.SHOW_INVITE_LINKS:
                    # Shown once after the redirect, so reloading the page cannot re-invite.
                    request.session[INVITE_LINK] = actions.invite_url(raw, base)
                return redirect("workspace_members", workspace=ws.slug)
    team = ws.memberships.select_related("user").order_by("user__email")
    pending = Invite.objects.filter(
        workspace=ws, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    )
    return render(
        request,
        "workspaces/members.html",
        {
            "form": form,
            "team": team,
            "pending": pending,
            "invite_link": request.session.pop(INVITE_LINK, None),
            "can_manage": membership.can(Perm.MANAGE_MEMBERS),
            "roles": roles,
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


@login_required
@require_POST
def member_role(request: HttpRequest, workspace: str, member_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.VIEW_MEMBERS)
    member = get_member(membership, member_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
    else:
        try:
            actions.change_role(membership, member, form.cleaned_data["role"])
        except actions.ActionError as e:
            messages.error(request, " ".join(e.errors.values()))
        else:
            messages.success(
                request, _("Role of %(email)s changed.") % {"email": member.user.email}
            )
    return redirect("workspace_members", workspace=workspace)


@login_required
@require_POST
def member_remove(request: HttpRequest, workspace: str, member_id: int) -> HttpResponse:
    membership = enter(request, workspace)
    member = get_member(membership, member_id)
    try:
        actions.remove_member(membership, member)
    except actions.ActionError as e:
        messages.error(request, " ".join(e.errors.values()))
        return redirect("workspace_members", workspace=workspace)
    if member.pk == membership.pk:
        messages.success(request, _("You left %(name)s.") % {"name": membership.workspace.name})
        return redirect("home")
    messages.success(request, _("%(email)s removed.") % {"email": member.user.email})
    return redirect("workspace_members", workspace=workspace)


@login_required
@require_POST
def invite_revoke(request: HttpRequest, workspace: str, invite_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.MANAGE_MEMBERS)
    invite = Invite.objects.filter(workspace=membership.workspace, pk=invite_id).first()
    if invite is None:
        raise Http404("No such invitation")
    actions.revoke_invite(membership, invite)
    messages.success(request, _("Invitation to %(email)s withdrawn.") % {"email": invite.email})
    return redirect("workspace_members", workspace=workspace)


@login_required
def audit_log(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.VIEW_AUDIT)
    events = membership.workspace.audit_events.all()
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "workspaces/audit.html", {"page": page})


@login_required
def workspace_delete(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.DELETE_WORKSPACE)
    ws = membership.workspace
    form = DeleteWorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm"].strip() != ws.name:
            form.add_error(
                "confirm", _("Type the name exactly as shown: %(name)s") % {"name": ws.name}
            )
        else:
            actions.delete_workspace(request.user, ws)  # type: ignore[arg-type]
            request.session.pop(LAST_WORKSPACE, None)
            messages.success(request, _("Workspace “%(name)s” deleted.") % {"name": ws.name})
            return redirect("workspace_list")
    return render(request, "workspaces/delete.html", {"form": form})


def invalid_invite(request: HttpRequest, error: actions.InviteError) -> HttpResponse:
    return render(request, "workspaces/invite_invalid.html", {"error": error}, status=error.status)


def open_invite(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: keep its token in the session and move to a URL without it, so the
    token does not linger in browser history, Referer headers or access logs."""
    request.session[INVITE_TOKEN] = token
    return redirect("accept_invite")


def accept_invite(request: HttpRequest) -> HttpResponse:
    """One page for everyone invited: sign in, or create the account, then join."""
    token = request.session.get(INVITE_TOKEN, "")
    try:
        invite = actions.find_invite(token)
    except actions.InviteError as e:
        return invalid_invite(request, e)
    has_account = User.objects.filter(email=invite.email).exists()
    form = SignupForm(request.POST or None) if not has_account else None
    if request.method == "POST":
        user = request.user
        if not user.is_authenticated and form is not None and form.is_valid():
            try:
                user = create_user(
                    invite.email, form.cleaned_data["password"], form.cleaned_data["name"]
                )
            except AccountError as err:
                form.add_error(err.field if err.field in form.fields else None, err.message)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if user.is_authenticated:
            try:
                joined = actions.accept_invite(user, token)  # type: ignore[arg-type]
            except actions.InviteError as e:
                return invalid_invite(request, e)
            request.session.pop(INVITE_TOKEN, None)
            messages.success(request, _("Welcome to %(name)s.") % {"name": joined.workspace.name})
            return redirect("workspace_home", workspace=joined.workspace.slug)
    return render(
        request,
        "workspaces/invite_accept.html",
        {"invite": invite, "form": form, "has_account": has_account, "token": token},
        status=400 if form is not None and form.errors else 200,
    )
