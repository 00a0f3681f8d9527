"""The media library: a grid of a workspace's images, and one page per image with its
renditions. Files are served only through `asset_file`, to members of the workspace."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from orkesteri.media import actions
from orkesteri.media.images import POSITIONS, Edits
from orkesteri.media.models import Asset
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.models import Membership
from orkesteri.workspaces.roles import Perm
from orkesteri.workspaces.views import content_length, enter

POSITION_LABELS = {
    "top-left": gettext_lazy("top left"),
    "top-right": gettext_lazy("top right"),
    "bottom-left": gettext_lazy("bottom left"),
    "bottom-right": gettext_lazy("bottom right"),
    "center": gettext_lazy("centre"),
}


def get_asset(membership: Membership, asset_id: int) -> Asset:
    """An asset of the member's workspace, or 404 (never confirm another workspace's)."""
    asset = (
        Asset.objects.filter(workspace=membership.workspace, pk=asset_id)
        .select_related("workspace")
        .first()
    )
    if asset is None:
        raise Http404("No such asset")
    return asset


def _errors(error: ActionError) -> str:
    return " ".join(error.errors.values())


def _number(value: str | None, default: float, low: float, high: float) -> float:
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        return default
    return min(max(number, low), high)


def edits_from(query: QueryDict) -> Edits:
    """The edits chosen in the asset page's form (GET or POST); bad values fall back."""
    position = query.get("position", "bottom-right")
    return Edits(
        watermark=bool(query.get("watermark")),
        position=position if position in POSITIONS else "bottom-right",
        size=_number(query.get("size"), 20, 2, 100) / 100,
        opacity=_number(query.get("opacity"), 70, 0, 100) / 100,
        enhance=bool(query.get("enhance")),
    )


def edits_query(edits: Edits) -> str:
    values: dict[str, str] = {}
    if edits.watermark:
        values |= {
            "watermark": "1",
            "position": edits.position,
            "size": str(round(edits.size * 100)),
            "opacity": str(round(edits.opacity * 100)),
        }
    if edits.enhance:
        values["enhance"] = "1"
    return urlencode(values)


@login_required
def library(request: HttpRequest, workspace: str) -> HttpResponse:
    membership = enter(request, workspace)
    if request.method == "POST":
        return _upload(request, enter(request, workspace, Perm.COMPOSE))
    assets = Asset.objects.filter(workspace=membership.workspace)
    return render(
        request,
        "media/library.html",
        {
            "assets": assets,
            "can_edit": membership.can(Perm.COMPOSE),
            "max_mb": settings.MEDIA_MAX_BYTES // 2**20,
            "max_mp": settings.MEDIA_MAX_PIXELS // 1_000_000,
        },
    )


def _upload(request: HttpRequest, membership: Membership) -> HttpResponse:
    back = redirect("media_library", workspace=membership.workspace.slug)
    files = request.FILES.getlist("file")
    # Refuse an oversized body before Django spools it all to disk.
    if content_length(request) > settings.MEDIA_MAX_BYTES * max(1, len(files)) + 64 * 1024:
        messages.error(request, actions.too_big_message())
        return back
    if not files:
        messages.error(request, _("Choose one or more image files to upload."))
        return back
    done = 0
    for upload in files:
        try:
            actions.upload_asset(
                membership,
                upload.read(),
                upload.name or "",
                alt_text=request.POST.get("alt_text", ""),
                keep_exif=bool(request.POST.get("keep_exif")),
            )
        except ActionError as e:
            messages.error(request, f"{upload.name}: {_errors(e)}")
        else:
            done += 1
    if done:
        messages.success(
            request,
            ngettext("Uploaded %(n)s image.", "Uploaded %(n)s images.", done) % {"n": done},
        )
    return back


@login_required
def asset_page(request: HttpRequest, workspace: str, asset_id: int) -> HttpResponse:
    membership = enter(request, workspace)
    asset = get_asset(membership, asset_id)
    edits = edits_from(request.GET)
    made = actions.renditions_of(asset, edits)
    groups = [
        (label, [(p, made.get(p.name)) for p in presets])
        for label, presets in actions.presets_by_network()
    ]
    return render(
        request,
        "media/asset.html",
        {
            "asset": asset,
            "edits": edits,
            "query": edits_query(edits),
            "groups": groups,
            "missing": sum(1 for _label, items in groups for _p, r in items if r is None),
            "positions": POSITION_LABELS.items(),
            "size_pct": round(edits.size * 100),
            "opacity_pct": round(edits.opacity * 100),
            "can_edit": membership.can(Perm.COMPOSE),
            "has_logo": bool(membership.workspace.logo),
        },
    )


def _back_to(asset: Asset, query: str = "") -> HttpResponse:
    url = reverse("media_asset", args=[asset.workspace.slug, asset.pk])
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def asset_render(request: HttpRequest, workspace: str, asset_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.COMPOSE)
    asset = get_asset(membership, asset_id)
    edits = edits_from(request.POST)
    try:
        made = actions.make_renditions(membership, asset, edits=edits)
    except ActionError as e:
        messages.error(request, _errors(e))
    else:
        messages.success(
            request,
            ngettext("%(n)s rendition ready.", "%(n)s renditions ready.", len(made))
            % {"n": len(made)},
        )
    return _back_to(asset, edits_query(edits))


@login_required
@require_POST
def asset_focal(request: HttpRequest, workspace: str, asset_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.COMPOSE)
    asset = get_asset(membership, asset_id)
    x, y = None, None
    if not request.POST.get("clear"):
        try:
            x, y = float(request.POST.get("x", "")), float(request.POST.get("y", ""))
        except ValueError:
            messages.error(request, _("Click on the image to choose the focal point."))
            return _back_to(asset, request.POST.get("query", ""))
    try:
        actions.set_focal_point(membership, asset, x, y)
    except ActionError as e:
        messages.error(request, _errors(e))
    else:
        messages.success(
            request, _("Focal point cleared.") if x is None else _("Focal point saved.")
        )
    return _back_to(asset, request.POST.get("query", ""))


@login_required
@require_POST
def asset_alt_text(request: HttpRequest, workspace: str, asset_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.COMPOSE)
    asset = get_asset(membership, asset_id)
    try:
        actions.set_alt_text(membership, asset, request.POST.get("alt_text", ""))
    except ActionError as e:
        messages.error(request, _errors(e))
    else:
        messages.success(request, _("Alt text saved."))
    return _back_to(asset)


@login_required
@require_POST
def asset_delete(request: HttpRequest, workspace: str, asset_id: int) -> HttpResponse:
    membership = enter(request, workspace, Perm.COMPOSE)
    asset = get_asset(membership, asset_id)
    actions.delete_asset(membership, asset)
    messages.success(request, _("“%(name)s” deleted.") % {"name": asset.original_name})
    return redirect("media_library", workspace=workspace)


@login_required
def asset_file(request: HttpRequest, workspace: str, asset_id: int) -> FileResponse:
    """The original, or with ?rendition=<id> one of its renditions; members only."""
    membership = enter(request, workspace)
    asset = get_asset(membership, asset_id)
    file, mime = asset.file, asset.mime
    if "rendition" in request.GET:
        try:
            rendition = asset.renditions.filter(pk=int(request.GET["rendition"])).first()
        except ValueError:
            rendition = None
        if rendition is None:
            raise Http404("No such rendition")
        file, mime = rendition.file, "image/jpeg"
    if not file.storage.exists(file.name):
        raise Http404("File missing")
    response = FileResponse(file.open("rb"), content_type=mime)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{_download_name(asset)}"'
    return response


def _download_name(asset: Asset) -> str:
    safe = "".join(c for c in asset.original_name if c.isalnum() or c in "._- ")
    return safe.strip() or "image"
