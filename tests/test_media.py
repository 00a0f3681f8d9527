"""The media library: uploads, renditions, edits, focal point, access (docs/media.md)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from orkesteri.accounts.models import User
from orkesteri.media import actions
from orkesteri.media.images import Edits
from orkesteri.media.models import Asset, Rendition
from orkesteri.media.testing import decoded, make_asset, photo, rgb
from orkesteri.networks.base import ImagePreset
from orkesteri.networks.registry import image_presets
from orkesteri.testing import logged_in
from orkesteri.workspaces.actions import ActionError, set_logo
from orkesteri.workspaces.models import AuditEvent, Membership, Workspace
from orkesteri.workspaces.roles import Role

pytestmark = pytest.mark.django_db


def member(workspace: Workspace, user: User) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def stored(asset: Asset | Rendition) -> bytes:
    with asset.file.open("rb") as f:
        return f.read()


def camera_jpeg() -> bytes:
    """40×20, red on the left: a phone held sideways, with orientation 6 and a location."""
    image = Image.new("RGB", (40, 20), "blue")
    image.paste(Image.new("RGB", (20, 20), "red"), (0, 0))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to show
    exif[ExifTags.Base.Make] = "SpyCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (60.0, 10.0, 1.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    data = out.getvalue()
    assert decoded(data).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture has a location
    return data


# --- upload -----------------------------------------------------------------------------


def test_it_uploads_through_the_page(acme: Workspace, bob: User) -> None:
    client = logged_in(bob)
    r = client.post(
        "/w/acme/media/", {"file": upload(photo(), "Beach day.jpg"), "alt_text": "Sea"}, follow=True
    )
    assert "Uploaded 1 image." in r.content.decode()
    asset = Asset.objects.get(workspace=acme)
    assert (asset.original_name, asset.alt_text, asset.mime) == (
        "Beach day.jpg",
        "Sea",
        "image/jpeg",
    )
    assert (asset.width, asset.height) == (400, 300)
    assert asset.created_by == bob
    assert AuditEvent.objects.filter(workspace=acme, action="media.uploaded").count() == 1
    page = client.get("/w/acme/media/").content.decode()
    assert "Beach day.jpg" in page and 'data-testid="asset"' in page


def test_it_sniffs_the_type_from_the_content(acme: Workspace, alice: User) -> None:
    asset = actions.upload_asset(member(acme, alice), photo(fmt="PNG"), "holiday.jpg")
    assert asset.mime == "image/png"
    assert asset.file.name.endswith(".png")
    assert decoded(stored(asset)).format == "PNG"


@pytest.mark.parametrize("fmt", ["WEBP", "AVIF", "GIF"])
def test_it_takes_the_other_formats(acme: Workspace, alice: User, fmt: str) -> None:
    asset = actions.upload_asset(member(acme, alice), photo(fmt=fmt), "x")
    assert asset.mime == Image.MIME[fmt]
    assert decoded(stored(asset)).format == fmt


def test_a_text_file_renamed_png_is_refused(acme: Workspace, alice: User) -> None:
    r = logged_in(alice).post(
        "/w/acme/media/", {"file": upload(b"just some notes\n" * 50, "notes.png")}, follow=True
    )
    assert "notes.png: This is not a JPEG, PNG, WebP, AVIF or GIF image we can read." in (
        r.content.decode()
    )
    assert not Asset.objects.exists()


def test_a_damaged_image_is_refused(acme: Workspace, alice: User) -> None:
    with pytest.raises(ActionError, match="not a JPEG, PNG"):
        actions.upload_asset(member(acme, alice), photo()[:300], "cut.jpg")


def test_a_file_over_the_byte_cap_is_refused(acme: Workspace, alice: User, settings) -> None:
    settings.MEDIA_MAX_BYTES = 2 * 1024 * 1024
    with pytest.raises(ActionError, match="larger than 2 MB"):
        actions.upload_asset(member(acme, alice), b"\xff" * (3 * 1024 * 1024), "big.jpg")


def test_an_image_over_the_pixel_cap_is_refused(acme: Workspace, alice: User, settings) -> None:
    settings.MEDIA_MAX_PIXELS = 100_000
    with pytest.raises(ActionError, match="400×300 pixels; 0 megapixels") as caught:
        actions.upload_asset(member(acme, alice), photo(400, 300), "x.jpg")
    assert caught.value.errors.keys() == {"file"}


def test_a_decompression_bomb_is_refused_with_a_message(acme: Workspace, alice: User) -> None:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # 400 megapixels in a few KB
    client = logged_in(alice)
    r = client.post("/w/acme/media/", {"file": upload(out.getvalue(), "bomb.png")}, follow=True)
    assert "bomb.png: The image has more than 64 megapixels." in r.content.decode()
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG")  # 81 MP: under Pillow's own limit, over ours
    r = client.post("/w/acme/media/", {"file": upload(out.getvalue(), "b2.png")}, follow=True)
    assert "b2.png: The image is 9000×9000 pixels; 64 megapixels is the most." in (
        r.content.decode()
    )
    assert not Asset.objects.exists()


def test_it_applies_the_exif_orientation_and_strips_exif_and_gps(
    acme: Workspace, alice: User
) -> None:
    asset = actions.upload_asset(member(acme, alice), camera_jpeg(), "phone.jpg")
    assert (asset.width, asset.height) == (20, 40)
    data = stored(asset)
    image = decoded(data)
    assert image.size == (20, 40)
    r, _g, b = rgb(image, (10, 5))  # the red half is on top once upright
    assert r > 200 and b < 60
    assert not image.getexif()
    assert b"SpyCam" not in data


def test_keeping_exif_still_drops_the_location(acme: Workspace, alice: User) -> None:
    asset = actions.upload_asset(member(acme, alice), camera_jpeg(), "p.jpg", keep_exif=True)
    exif = decoded(stored(asset)).getexif()
    assert exif[ExifTags.Base.Make] == "SpyCam"
    assert exif.get(ExifTags.Base.Orientation, 1) == 1
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)


def test_renditions_strip_exif_too(acme: Workspace, alice: User) -> None:
    asset = make_asset(acme, alice, camera_jpeg())
    preset = ImagePreset("t", "T", 10, 10)
    data = stored(actions.rendition_for(asset, preset))
    assert b"SpyCam" not in data and not decoded(data).getexif()


# --- renditions -------------------------------------------------------------------------


def test_it_makes_every_preset_at_its_exact_size(acme: Workspace, alice: User) -> None:
    asset = make_asset(acme, alice, photo(1600, 1200))
    made = actions.make_renditions(member(acme, alice), asset)
    assert len(made) == len(actions.all_presets()) >= 10
    for rendition, preset in zip(made, actions.all_presets(), strict=True):
        image = decoded(stored(rendition))
        assert image.size == (preset.width, preset.height) == (rendition.width, rendition.height)
        assert rendition.bytes == len(stored(rendition))
    assert AuditEvent.objects.filter(action="media.rendered").count() == 1
    again = actions.make_renditions(member(acme, alice), asset)
    assert [r.pk for r in again] == [r.pk for r in made]  # nothing made twice
    assert AuditEvent.objects.filter(action="media.rendered").count() == 1


def test_the_bluesky_renditions_fit_its_blob_limit(acme: Workspace, alice: User) -> None:
    asset = make_asset(acme, alice, photo(2400, 2400, noise=True))
    for preset in image_presets("bluesky"):
        assert preset.max_bytes == 1_000_000
        rendition = actions.rendition_for(asset, preset)
        assert rendition.bytes <= 1_000_000
        assert decoded(stored(rendition)).size == (preset.width, preset.height)


def test_every_network_with_images_declares_presets() -> None:
    kinds = ("bluesky", "mastodon", "telegram", "vk", "feed", "x", "instagram", "threads")
    for kind in (*kinds, "linkedin"):
        assert image_presets(kind), kind
    names = [p.name for p in actions.all_presets()]
    assert len(names) == len(set(names))
    sizes = {p.name: (p.width, p.height) for p in actions.all_presets()}
    assert sizes["instagram-portrait"] == (1080, 1350)
    assert sizes["instagram-square"] == (1080, 1080)
    assert sizes["instagram-story"] == (1080, 1920)
    assert sizes["x-landscape"] == (1600, 900)


def test_the_focal_point_moves_the_crop(acme: Workspace, alice: User) -> None:
    image = Image.new("RGB", (1000, 500), "white")
    image.paste(Image.new("RGB", (50, 50), "red"), (25, 225))  # the subject, far left
    out = io.BytesIO()
    image.save(out, "PNG")
    asset = make_asset(acme, alice, out.getvalue())
    actions.set_focal_point(member(acme, alice), asset, 0.05, 0.5)
    square = decoded(stored(actions.rendition_for(asset, ImagePreset("sq", "Sq", 100, 100))))
    assert rgb(square, (5, 50))[1] < 80  # the red subject is inside the crop


def test_setting_the_focal_point_replaces_old_renditions(
    acme: Workspace, alice: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    asset = make_asset(acme, alice)
    old = actions.rendition_for(asset, ImagePreset("sq", "Sq", 50, 50))
    old_name = old.file.name
    with pytest.raises(ActionError, match="between 0 and 1"):
        actions.set_focal_point(member(acme, alice), asset, 1.5, 0.5)
    client = logged_in(alice)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/w/acme/media/{asset.pk}/focal/", {"x": "0.25", "y": "0.75"}, follow=True)
    assert "Focal point saved." in r.content.decode()
    asset.refresh_from_db()
    assert asset.focal == (0.25, 0.75)
    assert not Rendition.objects.filter(pk=old.pk).exists()
    assert not asset.file.storage.exists(old_name)
    event = AuditEvent.objects.get(action="media.focal_point_set")
    assert event.changes == {"focal_point": [None, [0.25, 0.75]]}
    client.post(f"/w/acme/media/{asset.pk}/focal/", {"clear": "1"})
    asset.refresh_from_db()
    assert asset.focal is None


# --- edits ------------------------------------------------------------------------------


def logo_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (100, 100), (255, 0, 0, 255)).save(out, "PNG")
    return out.getvalue()


def test_the_watermark_needs_a_workspace_logo(acme: Workspace, alice: User) -> None:
    asset = make_asset(acme, alice)
    with pytest.raises(ActionError, match="no logo yet"):
        actions.make_renditions(member(acme, alice), asset, edits=Edits(watermark=True))


def test_watermark_and_enhance_leave_the_original_untouched(acme: Workspace, alice: User) -> None:
    set_logo(alice, acme, logo_png())
    asset = make_asset(acme, alice, photo(800, 600))
    original = stored(asset)
    edits = Edits(watermark=True, position="top-left", size=0.25, opacity=1.0, enhance=True)
    preset = ImagePreset("wide", "Wide", 800, 600)
    plain = actions.rendition_for(asset, preset)
    marked = actions.rendition_for(asset, preset, edits)
    assert marked.pk != plain.pk and marked.edits and not plain.edits
    r, g, b = rgb(decoded(stored(marked)), (40, 40))
    assert r > 200 and g < 60 and b < 60  # the red logo, top left
    assert decoded(stored(marked)).size == (800, 600)  # enhance keeps the size
    assert stored(asset) == original
    asset.refresh_from_db()
    assert (asset.width, asset.height, asset.bytes) == (800, 600, len(original))


def test_a_new_logo_makes_new_watermarked_renditions(acme: Workspace, alice: User) -> None:
    set_logo(alice, acme, logo_png())
    asset = make_asset(acme, alice)
    preset, edits = ImagePreset("p", "P", 40, 40), Edits(watermark=True)
    first = actions.rendition_for(asset, preset, edits)
    set_logo(alice, acme, logo_png())
    asset = Asset.objects.get(pk=asset.pk)
    assert actions.rendition_for(asset, preset, edits).pk != first.pk


def test_the_asset_page_shows_renditions_for_the_chosen_edits(acme: Workspace, alice: User) -> None:
    set_logo(alice, acme, logo_png())
    asset = make_asset(acme, alice)
    client = logged_in(alice)
    url = f"/w/acme/media/{asset.pk}/"
    page = client.get(url).content.decode()
    assert "not made yet" in page and 'data-testid="make-renditions"' in page
    r = client.post(url + "render/", {"enhance": "1", "watermark": "1", "opacity": "50"})
    assert r.status_code == 302 and "enhance=1" in r["Location"] and "opacity=50" in r["Location"]
    page = client.get(r["Location"]).content.decode()
    assert "not made yet" not in page
    assert "not made yet" in client.get(url).content.decode()  # no edits: not made yet
    rendition = Rendition.objects.filter(asset=asset).first()
    assert rendition is not None
    served = client.get(f"/w/acme/media/{asset.pk}/file?rendition={rendition.pk}")
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == stored(rendition)  # type: ignore[attr-defined]


def test_alt_text_can_be_changed(acme: Workspace, bob: User) -> None:
    asset = make_asset(acme, bob)
    logged_in(bob).post(f"/w/acme/media/{asset.pk}/alt-text/", {"alt_text": " A cup "})
    asset.refresh_from_db()
    assert asset.alt_text == "A cup"
    assert AuditEvent.objects.filter(action="media.alt_text_changed").exists()


def test_deleting_an_asset_removes_its_files(
    acme: Workspace, alice: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    asset = make_asset(acme, alice)
    rendition = actions.rendition_for(asset, ImagePreset("p", "P", 40, 40))
    names = [asset.file.name, rendition.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        r = logged_in(alice).post(f"/w/acme/media/{asset.pk}/delete/", follow=True)
    assert "“photo.jpg” deleted." in r.content.decode()
    assert not Asset.objects.exists() and not Rendition.objects.exists()
    assert not any(asset.file.storage.exists(n) for n in names)
    assert AuditEvent.objects.filter(action="media.deleted", target="photo.jpg").exists()


# --- access -----------------------------------------------------------------------------


def test_another_workspaces_asset_is_404(
    acme: Workspace, globex: Workspace, alice: User, charlie: User
) -> None:
    theirs = make_asset(globex, charlie)
    rendition = actions.rendition_for(theirs, ImagePreset("p", "P", 40, 40))
    client = logged_in(alice)
    for url in (
        f"/w/acme/media/{theirs.pk}/",
        f"/w/acme/media/{theirs.pk}/file",
        f"/w/globex/media/{theirs.pk}/file?rendition={rendition.pk}",
    ):
        assert client.get(url).status_code == 404, url
    mine = make_asset(acme, alice)
    assert client.get(f"/w/acme/media/{mine.pk}/file?rendition={rendition.pk}").status_code == 404
    assert client.post(f"/w/acme/media/{theirs.pk}/delete/").status_code == 404
    assert Asset.objects.filter(pk=theirs.pk).exists()
    with pytest.raises(Exception, match="No such asset"):
        actions.delete_asset(member(acme, alice), theirs)


def test_files_are_not_served_to_outsiders(acme: Workspace, alice: User, charlie: User) -> None:
    asset = make_asset(acme, alice)
    assert logged_in(charlie).get(f"/w/acme/media/{asset.pk}/file").status_code == 404
    assert Client().get(f"/w/acme/media/{asset.pk}/file").status_code == 302  # to sign in


def test_a_viewer_sees_the_library_but_cannot_upload(
    acme: Workspace, alice: User, member_of_role: Callable[[str], User]
) -> None:
    asset = make_asset(acme, alice)
    viewer = logged_in(member_of_role(Role.VIEWER))
    page = viewer.get("/w/acme/media/").content.decode()
    assert "photo.jpg" in page and 'data-testid="upload-form"' not in page
    assert viewer.get(f"/w/acme/media/{asset.pk}/").status_code == 200
    assert viewer.get(f"/w/acme/media/{asset.pk}/file").status_code == 200
    assert viewer.post("/w/acme/media/", {"file": upload(photo())}).status_code == 403
    for action in ("render/", "focal/", "alt-text/", "delete/"):
        assert (
            viewer.post(f"/w/acme/media/{asset.pk}/{action}", {"x": 0, "y": 0}).status_code == 403
        )
    assert Asset.objects.count() == 1 and not Rendition.objects.exists()


@pytest.mark.parametrize(
    ("role", "can"),
    [(Role.OWNER, True), (Role.MANAGER, True), (Role.EDITOR, True), (Role.CLIENT, False)],
)
def test_who_can_upload(member_of_role: Callable[[str], User], role: str, can: bool) -> None:
    r = logged_in(member_of_role(role)).post("/w/acme/media/", {"file": upload(photo())})
    assert r.status_code == (302 if can else 403)
    assert Asset.objects.exists() is can


def test_the_empty_library_says_what_to_do(acme: Workspace, bob: User) -> None:
    page = logged_in(bob).get("/w/acme/media/").content.decode()
    assert "No images yet" in page and "Europe/Helsinki" in page


def test_deleting_the_workspace_removes_its_media_files(
    acme: Workspace, alice: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    from orkesteri.workspaces.actions import delete_workspace

    asset = make_asset(acme, alice)
    rendition = actions.rendition_for(asset, ImagePreset("p", "P", 40, 40))
    names = [asset.file.name, rendition.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        delete_workspace(alice, acme)
    assert not any(asset.file.storage.exists(n) for n in names)


def test_an_animated_gif_keeps_its_frames_but_not_its_comment(acme: Workspace, alice: User) -> None:
    frames = [Image.new("RGB", (40, 20), c) for c in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(
        out, "GIF", save_all=True, append_images=frames[1:], comment=b"SpyCam", duration=100
    )
    asset = actions.upload_asset(member(acme, alice), out.getvalue(), "loop.gif")
    data = stored(asset)
    assert b"SpyCam" not in data
    assert getattr(decoded(data), "n_frames", 1) == 3
    rendition = actions.rendition_for(asset, ImagePreset("p", "P", 20, 20))
    assert decoded(stored(rendition)).size == (20, 20)
