"""The composer, a post's page, its actions, queue times, and the client approval link."""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from orkesteri.channels.access import get_channel
from orkesteri.lib.text import measure
from orkesteri.networks.base import Draft, Image
from orkesteri.publishing import actions, engine, series
from orkesteri.publishing.access import get_post
from orkesteri.publishing.forms import ComposeForm, initial_of
from orkesteri.publishing.models import Post, QueueSlot
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.models import Membership
from orkesteri.workspaces.roles import Perm
from orkesteri.workspaces.views import apply_errors, enter

WEEKDAYS = range(7)


def _input(form: ComposeForm, post: Post | None) -> actions.PostInput:
    data = form.post_input()
    if post is not None and post.series_id is not None:
        # The composer shows a series' rule without its controls: it cannot change.
        data.repeat = series.rule_of(post)
    return data


def _save(request: HttpRequest, form: ComposeForm, post: Post | None) -> Post:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    data = _input(form, post)
    action = request.POST.get("action", "save")
    if action in ("now", "schedule", "queue") and not membership.may_schedule():
        raise PermissionDenied(_("Your role may write posts but not schedule them."))
    if action == "schedule" and form.cleaned_data.get("scheduled_at") is None:
        raise ActionError({"scheduled_at": _("Choose the date and time to publish.")})
    with transaction.atomic():
        if post is None:
            post = actions.create_post(membership.workspace, request.user, data)  # type: ignore[arg-type]
        else:
            post = actions.update_post(
                post,
                request.user,  # type: ignore[arg-type]
                data,
                scheduling=action in ("now", "schedule", "queue"),
            )
        if action == "now":
            actions.schedule_post(post, request.user, None)  # type: ignore[arg-type]
        elif action == "schedule":
            actions.schedule_post(post, request.user, form.cleaned_data["scheduled_at"])  # type: ignore[arg-type]
        elif action == "queue":
            actions.queue_post(post, request.user)  # type: ignore[arg-type]
    return post


def _done_message(post: Post) -> str:
    post.refresh_from_db()
    due_now = post.scheduled_at is not None and post.scheduled_at <= timezone.now()
    if post.status == Post.Status.SCHEDULED and due_now:
        return _("Publishing now.")  # "Publish now": the worker picks it up in a moment
    return {
        Post.Status.DRAFT: _("Draft saved."),
        Post.Status.AWAITING_APPROVAL: _("Sent for approval."),
        Post.Status.SCHEDULED: _("Scheduled."),
        Post.Status.PUBLISHING: _("Publishing now."),
        Post.Status.PUBLISHED: _("Published."),
    }.get(post.status, _("Saved."))  # type: ignore[call-overload]


def _composer(request: HttpRequest, membership: Membership, post: Post | None) -> HttpResponse:
    ws = membership.workspace
    if request.method == "POST":
        form = ComposeForm(ws, data=request.POST)
        if form.is_valid():
            try:
                post = _save(request, form, post)
            except ActionError as e:
                apply_errors(form, e)
            else:
                messages.success(request, _done_message(post))
                return redirect("post_edit", ws.slug, post.pk)
    else:
        initial = initial_of(actions.post_input_of(post)) if post else {}
        if post is not None and post.scheduled_at is not None:
            # Its time as the wall clock of the workspace, which the field shows and reads.
            local = post.scheduled_at.astimezone(ZoneInfo(ws.timezone))
            initial["scheduled_at"] = local.replace(tzinfo=None)
        if post is None and "channel" in request.GET:
            initial["channels"] = request.GET.getlist("channel")
        form = ComposeForm(ws, initial=initial)
    deliveries = list(post.deliveries.select_related("channel")) if post else []
    checks = _checks(form, post.pk if post else None)
    return render(
        request,
        "publishing/compose.html",
        {
            "form": form,
            "post": post,
            "locked": any(d.status not in actions.OPEN for d in deliveries),
            "deliveries": deliveries,
            "may_schedule": membership.may_schedule(),
            "may_approve": membership.can(Perm.APPROVE),
            "checks": checks,
            "tabs": _tabs(form, post, checks),
            "repeats": series.describe(post) if post else "",
            "cancellable_later": series.cancellable_from(post) if post else 0,
        },
        status=422 if form.errors else 200,
    )


def _tabs(form: ComposeForm, post: Post | None, checks: list[dict[str, Any]]) -> dict[str, Any]:
    """The text tabs: which channels are chosen, have their own text, or have problems."""
    chosen = set(_values(form, "channels"))
    fields = form.override_fields()
    selected = next(
        (str(c.pk) for c, field in fields if field.errors and str(c.pk) in chosen), "all"
    )
    return {
        "chosen": chosen,
        "own": {str(c.pk) for c, field in fields if str(field.value() or "").strip()},
        "problems": {str(c["channel"].pk) for c in checks if c["problems"] or c["over"]},
        "selected": "all" if form["text"].errors else selected,
    }


@login_required
def compose(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.COMPOSE)
    return _composer(request, membership, _autosaved(membership, request.POST.get("post_id")))


def _autosaved(membership: Membership, post_id: Any) -> Post | None:
    """The draft autosave already made for this composer, if any."""
    if not str(post_id or "").isdigit():
        return None
    return Post.objects.filter(
        workspace=membership.workspace, pk=int(post_id), status=Post.Status.DRAFT
    ).first()


@login_required
@require_POST
def compose_autosave(request: HttpRequest, workspace: str) -> HttpResponse:
    """Save the composer as a draft while the user types (htmx); never schedules."""
    membership = enter(request, workspace, Perm.COMPOSE)
    form = ComposeForm(membership.workspace, data=request.POST)
    post = _autosaved(membership, request.POST.get("post_id"))
    saved_at = ""
    if form.is_valid():
        data = _input(form, post)
        try:
            if post is None:
                post = actions.create_post(membership.workspace, request.user, data)  # type: ignore[arg-type]
            else:
                post = actions.update_post(post, request.user, data, audit=False)  # type: ignore[arg-type]
        except ActionError:
            post = post  # not savable yet (no channel, no text): the form says why on submit
        else:
            zone = ZoneInfo(membership.workspace.timezone)
            saved_at = f"{timezone.now().astimezone(zone):%H:%M}"
    return render(request, "publishing/_autosave.html", {"post": post, "saved_at": saved_at})


@login_required
def post_edit(request: HttpRequest, workspace: str, post_id: int) -> HttpResponse:
    # Anyone may read a post; changing it takes the composer's permission.
    perm = Perm.COMPOSE if request.method == "POST" else Perm.VIEW_WORKSPACE
    membership = enter(request, workspace, perm)
    post = get_post(membership, post_id)
    if membership.can(Perm.COMPOSE):
        return _composer(request, membership, post)
    return render(
        request,
        "publishing/post.html",
        {
            "post": post,
            "deliveries": post.deliveries.select_related("channel"),
            "repeats": series.describe(post),
        },
    )


# --- live checks (htmx) --------------------------------------------------------------


def _values(form: ComposeForm, name: str) -> list[str]:
    """What the form holds for `name`: as submitted, or (on first load) its initial value."""
    if form.is_bound:
        return form.data.getlist(name) if isinstance(form.data, QueryDict) else []
    value = form.initial.get(name)
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _value(form: ComposeForm, name: str) -> str:
    return next(iter(_values(form, name)), "")


def _checks(form: ComposeForm, post_id: int | None = None) -> list[dict[str, Any]]:
    """Per chosen channel: its text's length against the limit, problems, and a preview.
    The link is counted as it will be sent (UTM-tagged for the post `post_id`, or a short
    link's length)."""
    chosen = {int(v) for v in _values(form, "channels") if v.isdigit()}
    base = _value(form, "text")
    media_count = len(_values(form, "images"))
    link = _value(form, "link")
    utm, short_link = bool(form["utm"].value()), bool(form["short_link"].value())
    if utm and not short_link and post_id is None:
        post_id = _next_post_id()
    results = []
    for channel in form.channel_list:
        if channel.pk not in chosen:
            continue
        own = _value(form, f"override_{channel.pk}")
        text = (own.strip() and own) or base
        adapter = channel.adapter_class({}, channel.config)
        images = (PLACEHOLDER_IMAGE,) * media_count
        sent = engine.planned_link(
            link,
            channel,
            utm=utm,
            short_link=short_link,
            campaign=_value(form, "campaign"),
            post_id=post_id,
        )
        text, card = engine.place_link(text, sent, channel)
        draft = Draft(text=text, images=images, link=card)
        measured = measure(text, adapter.limits.text_rules(with_images=bool(images)))
        results.append(
            {
                "channel": channel,
                "length": measured.length,
                "limit": measured.limit,
                "over": measured.length > measured.limit,
                "problems": adapter.problems(draft) if text.strip() or images else [],
                "text": text,
                "own": bool(own.strip()),
            }
        )
    return results


def _next_post_id() -> int:
    """A new post's likely id, for the length of its utm_content before it is saved."""
    last = Post.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


# Counts and caption limits only: the real image is checked when it is rendered.
PLACEHOLDER_IMAGE = Image(b"", "image/jpeg", 1080, 1080)


@login_required
@require_POST
def compose_check(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace, Perm.COMPOSE)
    form = ComposeForm(membership.workspace, data=request.POST)
    form.is_valid()
    post_id = str(request.POST.get("post_id", ""))  # only the length of utm_content hangs on it
    checks = _checks(form, int(post_id) if post_id.isdigit() else None)
    return render(request, "publishing/_checks.html", {"checks": checks})


# --- a post's actions ----------------------------------------------------------------


def _post_action(request: HttpRequest, workspace: str, post_id: int, perm: Perm) -> Post:
    membership = enter(request, workspace, perm)
    return get_post(membership, post_id)


@login_required
@require_POST
def post_duplicate(request: HttpRequest, workspace: str, post_id: int) -> HttpResponse:
    post = _post_action(request, workspace, post_id, Perm.COMPOSE)
    copy = actions.duplicate_post(post, request.user)  # type: ignore[arg-type]
    messages.success(request, _("This is a copy; it is a draft until you schedule it."))
    return redirect("post_edit", workspace, copy.pk)


@login_required
@require_POST
def post_cancel(request: HttpRequest, workspace: str, post_id: int) -> HttpResponse:
    """Cancel the post; with `scope=later`, also the later occurrences of its series."""
    post = _post_action(request, workspace, post_id, Perm.PUBLISH)
    if request.POST.get("scope") == "later" and post.series_id is not None:
        count = series.cancel_from(post, request.user)  # type: ignore[arg-type]
        messages.success(
            request,
            ngettext(
                "Cancelled %(count)s occurrence; what was published stays published.",
                "Cancelled %(count)s occurrences; what was published stays published.",
                count,
            )
            % {"count": count},
        )
        return redirect("post_edit", workspace, post.pk)
    actions.cancel_post(post, request.user)  # type: ignore[arg-type]
    messages.success(request, _("Cancelled: nothing more of this post will be published."))
    return redirect("post_edit", workspace, post.pk)


@login_required
@require_POST
def post_delete(request: HttpRequest, workspace: str, post_id: int) -> HttpResponse:
    post = _post_action(request, workspace, post_id, Perm.COMPOSE)
    try:
        actions.delete_post(post, request.user)  # type: ignore[arg-type]
    except ActionError as e:
        messages.error(request, str(e))
        return redirect("post_edit", workspace, post.pk)
    messages.success(request, _("Post deleted."))
    return redirect("calendar", workspace)


@login_required
@require_POST
def post_approve(request: HttpRequest, workspace: str, post_id: int) -> HttpResponse:
    post = _post_action(request, workspace, post_id, Perm.APPROVE)
    actions.approve_post(post, request.user.email)  # type: ignore[union-attr]
    messages.success(request, _("Approved."))
    return redirect("post_edit", workspace, post.pk)


@login_required
@require_POST
def post_request_changes(request: HttpRequest, workspace: str, post_id: int) -> HttpResponse:
    post = _post_action(request, workspace, post_id, Perm.APPROVE)
    try:
        actions.request_changes(post, request.user.email, request.POST.get("note", ""))  # type: ignore[union-attr]
    except ActionError as e:
        messages.error(request, " ".join(e.errors.values()))
    else:
        messages.success(request, _("Sent back to the author with your note."))
    return redirect("post_edit", workspace, post.pk)


@login_required
@require_POST
def post_approval_link(request: HttpRequest, workspace: str, post_id: int) -> HttpResponse:
    post = _post_action(request, workspace, post_id, Perm.PUBLISH)
    raw = actions.create_approval_link(post, request.user)  # type: ignore[arg-type]
    url = request.build_absolute_uri(f"/approve/{raw}/")
    messages.success(
        request,
        _("Send this link to the client; it works for one decision within %(days)s days: %(url)s")
        % {"days": actions.APPROVAL_LINK_DAYS, "url": url},
    )
    return redirect("post_edit", workspace, post.pk)


def approve_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The client's page: no account needed; one decision per link."""
    link = actions.find_approval_link(token)
    if link is None:
        return render(request, "publishing/approve_invalid.html", status=410)
    error = ""
    if request.method == "POST":
        approve = request.POST.get("decision") == "approve"
        try:
            actions.decide_by_link(token, approve, request.POST.get("note", ""))
        except ActionError as e:
            error = " ".join(e.errors.values())
        else:
            return render(request, "publishing/approve_done.html", {"approved": approve})
    post = link.post
    deliveries = post.deliveries.select_related("channel", "variant")
    return render(
        request,
        "publishing/approve.html",
        {
            "post": post,
            "deliveries": deliveries,
            "error": error,
            "workspace": post.workspace,
            "repeats": series.describe(post),
            "first_of_series": post.series_id == post.pk,
        },
        status=422 if error else 200,
    )


# --- queue times ---------------------------------------------------------------------


@login_required
def channel_queue(request: HttpRequest, workspace: str, channel_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.MANAGE_CHANNELS)
    channel = get_channel(membership, channel_id)
    error = ""
    if request.method == "POST":
        try:
            slots = _parse_slots(request.POST)
            actions.set_queue_slots(channel, request.user, slots)  # type: ignore[arg-type]
        except (ActionError, ValueError) as e:
            error = " ".join(e.errors.values()) if isinstance(e, ActionError) else str(e)
        else:
            messages.success(request, _("Queue times saved."))
            return redirect("channel_queue", workspace, channel.pk)
    saved = list(QueueSlot.objects.filter(channel=channel))
    by_day = {d: ", ".join(f"{s.time:%H:%M}" for s in saved if s.weekday == d) for d in WEEKDAYS}
    upcoming = []
    after = timezone.now()
    for _n in range(5):
        moment = actions.next_free_slot(channel, after)
        if moment is None:
            break
        upcoming.append(moment)
        after = moment
    return render(
        request,
        "publishing/queue.html",
        {"channel": channel, "by_day": by_day, "error": error, "upcoming": upcoming},
        status=422 if error else 200,
    )


def _parse_slots(data: Any) -> list[tuple[int, time]]:
    slots = []
    for day in WEEKDAYS:
        for piece in str(data.get(f"day{day}", "")).replace(";", ",").split(","):
            piece = piece.strip()
            if not piece:
                continue
            try:
                hours, minutes = piece.split(":")
                slots.append((day, time(int(hours), int(minutes))))
            except ValueError:
                raise ActionError(
                    {"slots": _("“%(value)s” is not a time; write times like 09:30, 17:00.")
                     % {"value": piece[:20]}}
                ) from None  # fmt: skip
    return slots
