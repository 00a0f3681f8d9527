"""Every change to the media library goes through here and is audited (STYLE.md rule 5).

Renditions are derived files: `rendition_for` makes one when it is first asked for (the
composer and the publisher call it) and is not audited; `make_renditions` is the user's
"make renditions" button and is.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from PIL import Image

from orkesteri.media import images
from orkesteri.media.images import Edits
from orkesteri.media.models import Asset, Rendition
from orkesteri.networks.base import ImagePreset
from orkesteri.networks.registry import image_presets, network_label, text_networks
from orkesteri.workspaces.actions import ActionError, record
from orkesteri.workspaces.models import Membership, Workspace
from orkesteri.workspaces.roles import Perm

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif", "GIF": "gif"}
MAX_ALT_TEXT = 2000  # the longest any network takes (Bluesky's app); each checks its own


# --- presets ----------------------------------------------------------------------------


def presets_by_network() -> list[tuple[str, tuple[ImagePreset, ...]]]:
    """(network label, its presets) for every network that takes images."""
    found = [(network_label(kind), image_presets(kind)) for kind in text_networks()]
    return [(label, presets) for label, presets in found if presets]


def all_presets() -> list[ImagePreset]:
    return [p for _label, presets in presets_by_network() for p in presets]


def find_presets(names: Iterable[str]) -> list[ImagePreset]:
    known = {p.name: p for p in all_presets()}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ActionError(
            {"preset": _("Unknown preset: %(names)s.") % {"names": ", ".join(unknown)}}
        )
    return [known[n] for n in names]


# --- checks -----------------------------------------------------------------------------


def _check(member: Membership, asset: Asset | None = None) -> None:
    if not member.can(Perm.COMPOSE):
        raise PermissionDenied(_("Your role cannot change the media library."))
    if asset is not None and asset.workspace_id != member.workspace_id:
        raise Http404("No such asset")


def too_big_message() -> str:
    return _("The file is larger than %(mb)s MB.") % {"mb": settings.MEDIA_MAX_BYTES // 2**20}


def _read(data: bytes) -> Image.Image:
    try:
        return images.open_checked(
            data,
            formats=images.UPLOAD_FORMATS,
            max_bytes=settings.MEDIA_MAX_BYTES,
            max_pixels=settings.MEDIA_MAX_PIXELS,
        )
    except images.TooBig as e:
        raise ActionError({"file": too_big_message()}) from e
    except images.TooManyPixels as e:
        most = {"mp": settings.MEDIA_MAX_PIXELS // 1_000_000}
        message = (
            _("The image is %(w)s×%(h)s pixels; %(mp)s megapixels is the most.")
            % {"w": e.width, "h": e.height, **most}
            if e.width
            else _("The image has more than %(mp)s megapixels.") % most
        )
        raise ActionError({"file": message}) from e
    except images.Unreadable as e:
        message = _("This is not a JPEG, PNG, WebP, AVIF or GIF image we can read.")
        raise ActionError({"file": message}) from e


def _clean_alt_text(text: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_ALT_TEXT:
        raise ActionError(
            {"alt_text": _("Alt text is at most %(n)s characters.") % {"n": MAX_ALT_TEXT}}
        )
    return text


# --- assets -----------------------------------------------------------------------------


def upload_asset(
    member: Membership, data: bytes, name: str, alt_text: str = "", keep_exif: bool = False
) -> Asset:
    """Check an upload and store it upright, without EXIF/GPS unless `keep_exif` (then
    without GPS only)."""
    _check(member)
    alt_text = _clean_alt_text(alt_text)
    image = _read(data)
    clean, upright = images.sanitized(image, keep_exif=keep_exif)
    fmt = image.format or "PNG"
    asset = Asset(
        workspace=member.workspace,
        original_name=(name or "image").strip()[:255],
        mime=Image.MIME.get(fmt, "application/octet-stream"),
        width=upright.width,
        height=upright.height,
        bytes=len(clean),
        alt_text=alt_text,
        created_by=member.user,
    )
    asset.file.save(f"upload.{EXTENSIONS[fmt]}", ContentFile(clean), save=False)
    try:
        with transaction.atomic():
            asset.save()
            record(member.workspace, member.user, "media.uploaded", asset.original_name)
    except BaseException:
        asset.file.storage.delete(asset.file.name)
        raise
    return asset


def set_alt_text(member: Membership, asset: Asset, text: str) -> Asset:
    _check(member, asset)
    text = _clean_alt_text(text)
    if text != asset.alt_text:
        with transaction.atomic():
            old, asset.alt_text = asset.alt_text, text
            asset.save(update_fields=["alt_text"])
            record(
                member.workspace,
                member.user,
                "media.alt_text_changed",
                asset.original_name,
                {"alt_text": [old, text]},
            )
    return asset


def _share(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    if not 0.0 <= value <= 1.0:
        raise ActionError({field: _("Give a share of the image between 0 and 1.")})
    return round(float(value), 4)


def set_focal_point(member: Membership, asset: Asset, x: float | None, y: float | None) -> Asset:
    """Set (or with None, clear) where the subject is; the old renditions go."""
    _check(member, asset)
    new = (_share(x, "x"), _share(y, "y"))
    if (new[0] is None) != (new[1] is None):
        raise ActionError(_("Give both coordinates of the focal point, or neither."))
    old = (asset.focal_x, asset.focal_y)
    if new == old:
        return asset
    with transaction.atomic():
        asset.focal_x, asset.focal_y = new
        asset.save(update_fields=["focal_x", "focal_y"])
        asset.renditions.all().delete()  # crops of the old point; files go on commit
        record(
            member.workspace,
            member.user,
            "media.focal_point_set",
            asset.original_name,
            {"focal_point": [list(old) if old[0] is not None else None, list(new)]},
        )
    return asset


def delete_asset(member: Membership, asset: Asset) -> None:
    _check(member, asset)
    with transaction.atomic():
        name = asset.original_name
        asset.delete()  # renditions cascade; files go on commit (models.delete_file)
        record(member.workspace, member.user, "media.deleted", name)


# --- renditions -------------------------------------------------------------------------


def _logo(workspace: Workspace, edits: Edits) -> Image.Image | None:
    if not edits.watermark:
        return None
    if not workspace.logo:
        raise ActionError(
            {"watermark": _("This workspace has no logo yet: add one in Settings first.")}
        )
    with workspace.logo.open("rb") as f:
        logo = Image.open(io.BytesIO(f.read()))
        logo.load()
    return logo


def fingerprint(asset: Asset, edits: Edits) -> str:
    logo = asset.workspace.logo.name if edits.watermark and asset.workspace.logo else ""
    return edits.fingerprint(logo)


def _target(preset: ImagePreset) -> images.Target:
    return images.Target(preset.width, preset.height, preset.max_bytes)


def _store(asset: Asset, preset: ImagePreset, key: str, data: bytes) -> Rendition:
    rendition = Rendition(
        asset=asset,
        preset=preset.name,
        edits=key,
        width=preset.width,
        height=preset.height,
        bytes=len(data),
    )
    rendition.file.save(f"{preset.name}.jpg", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            rendition.save()
    except IntegrityError:
        # Made at the same moment by another request: keep theirs.
        rendition.file.storage.delete(rendition.file.name)
        return Rendition.objects.get(asset=asset, preset=preset.name, edits=key)
    return rendition


def _render_missing(
    asset: Asset, presets: Sequence[ImagePreset], edits: Edits
) -> tuple[list[Rendition], int]:
    key = fingerprint(asset, edits)
    existing = {
        r.preset: r
        for r in asset.renditions.filter(edits=key, preset__in=[p.name for p in presets])
    }
    missing = [p for p in presets if p.name not in existing]
    if missing:
        logo = _logo(asset.workspace, edits)
        with asset.file.open("rb") as f:
            source = images.decode_for(f.read(), [_target(p) for p in missing])
        for preset in missing:
            try:
                data = images.render(
                    source, _target(preset), focal=asset.focal, edits=edits, logo=logo
                )
            except images.TooBig as e:
                message = _("%(preset)s: the image does not fit in %(kb)s KB.") % {
                    "preset": preset.label,
                    "kb": (preset.max_bytes or 0) // 1000,
                }
                raise ActionError(message) from e
            existing[preset.name] = _store(asset, preset, key, data)
    return [existing[p.name] for p in presets], len(missing)


def rendition_for(asset: Asset, preset: ImagePreset, edits: Edits = Edits()) -> Rendition:  # noqa: B008
    """The asset's rendition for `preset` with `edits`, made now if there is none yet."""
    renditions, _made = _render_missing(asset, [preset], edits)
    return renditions[0]


def make_renditions(
    member: Membership,
    asset: Asset,
    presets: Sequence[ImagePreset] | None = None,
    edits: Edits = Edits(),  # noqa: B008
) -> list[Rendition]:
    """Renditions for `presets` (all by default) with `edits`, from one decode of the original."""
    _check(member, asset)
    renditions, made = _render_missing(asset, presets or all_presets(), edits)
    if made:
        record(
            member.workspace,
            member.user,
            "media.rendered",
            asset.original_name,
            {"renditions": [None, made]},
        )
    return renditions


def renditions_of(asset: Asset, edits: Edits) -> dict[str, Rendition]:
    """The renditions already made with `edits`, by preset name."""
    return {r.preset: r for r in asset.renditions.filter(edits=fingerprint(asset, edits))}
