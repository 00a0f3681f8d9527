from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from orkesteri.accounts.models import User
from orkesteri.testing import logged_in
from orkesteri.workspaces.models import AuditEvent, Membership, Workspace
from orkesteri.workspaces.views import SECTIONS

pytestmark = pytest.mark.django_db


def form_of(ws: Workspace, **changes: Any) -> dict[str, Any]:
    data = {
        "name": ws.name,
        "slug": ws.slug,
        "timezone": ws.timezone,
        "languages": ws.languages,
        "brand_color": ws.brand_color,
        "er_averaging": ws.er_averaging,
    }
    return {**data, **changes}


def test_home_goes_to_the_last_used_workspace(acme: Workspace, alice: User) -> None:
    client = logged_in(alice)
    assert client.get("/").headers["Location"] == "/w/acme/"


def test_home_without_workspaces_offers_to_create_one(charlie: User) -> None:
    client = logged_in(charlie)
    r = client.get("/", follow=True)
    assert "Create a workspace" in r.content.decode()


def test_creating_a_workspace_in_the_ui(alice: User) -> None:
    client = logged_in(alice)
    r = client.post(
        "/workspaces/new/",
        {
            "name": "Initech Snacks",
            "slug": "",
            "timezone": "Europe/Helsinki",
            "languages": ["en", "fi"],
            "brand_color": "#112233",
        },
    )
    assert r.status_code == 302
    ws = Workspace.objects.get(slug="initech-snacks")
    assert ws.languages == ["en", "fi"]
    assert Membership.objects.get(workspace=ws, user=alice).role == "owner"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Mars/Base"}, "Select a valid choice"),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"slug": "acme"}, "already"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"brand_color": "blue"}, "hex colour"),
    ],
)
def test_create_form_names_the_bad_field(
    acme: Workspace, alice: User, changes: dict[str, str], message: str
) -> None:
    client = logged_in(alice)
    before = Workspace.objects.count()
    data = {
        "name": "Other",
        "slug": "",
        "timezone": "UTC",
        "languages": ["en"],
        "brand_color": "#112233",
        **changes,
    }
    r = client.post("/workspaces/new/", data)
    assert r.status_code == 200
    assert message.lower() in r.content.decode().lower()
    assert Workspace.objects.count() == before


def test_saving_settings_is_audited(acme: Workspace, alice: User) -> None:
    client = logged_in(alice)
    r = client.post(
        "/w/acme/settings/", form_of(acme, name="Acme Roasters", timezone="America/New_York")
    )
    assert r.status_code == 302
    acme.refresh_from_db()
    assert (acme.name, acme.timezone) == ("Acme Roasters", "America/New_York")
    event = AuditEvent.objects.get(action="workspace.updated")
    assert event.changes["timezone"] == ["Europe/Helsinki", "America/New_York"]
    audit = client.get("/w/acme/settings/audit/").content.decode()
    assert "changed settings" in audit
    assert "<strong>timezone</strong>: Europe/Helsinki → America/New_York" in audit


def test_changing_the_slug_moves_the_workspace(acme: Workspace, alice: User) -> None:
    client = logged_in(alice)
    r = client.post("/w/acme/settings/", form_of(acme, slug="acme-coffee"))
    assert r["Location"] == "/w/acme-coffee/settings/"
    assert client.get("/w/acme/").status_code == 404


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "orange")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (60.0, 10.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(data: bytes, name: str = "logo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_logo_upload_strips_metadata(acme: Workspace, alice: User) -> None:
    client = logged_in(alice)
    original = jpeg_with_gps()
    assert b"SpyCam" in original
    r = client.post("/w/acme/settings/logo/", {"logo": upload(original)})
    assert r.status_code == 302
    acme.refresh_from_db()
    assert acme.logo
    served = client.get("/w/acme/logo.png")
    assert served["Content-Type"] == "image/png"
    data = b"".join(served.streaming_content)  # type: ignore[attr-defined]
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG"
        assert not img.getexif()
    assert b"SpyCam" not in data


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "green").save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not an image", "not a PNG, JPEG, WebP or GIF image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not a PNG, JPEG, WebP or GIF image"),
        (png_bytes()[:30], "not a PNG, JPEG, WebP or GIF image"),  # cut inside the IHDR chunk
        (png_bytes()[:60], "not a PNG, JPEG, WebP or GIF image"),  # cut inside the pixel data
    ],
    ids=["pdf", "zeros", "truncated-header", "truncated-data"],
)
def test_bad_logos_are_refused(acme: Workspace, alice: User, data: bytes, message: str) -> None:
    client = logged_in(alice)
    r = client.post("/w/acme/settings/logo/", {"logo": upload(data)}, follow=True)
    assert message in r.content.decode()
    acme.refresh_from_db()
    assert not acme.logo


def test_a_decompression_bomb_is_refused(acme: Workspace, alice: User) -> None:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # 400 MP, a few KB on disk
    client = logged_in(alice)
    r = client.post(
        "/w/acme/settings/logo/", {"logo": upload(out.getvalue(), "bomb.png")}, follow=True
    )
    assert "4096×4096" in r.content.decode()
    acme.refresh_from_db()
    assert not acme.logo


def test_a_huge_logo_file_is_refused(acme: Workspace, alice: User) -> None:
    client = logged_in(alice)
    r = client.post(
        "/w/acme/settings/logo/", {"logo": upload(b"\xff" * (3 * 1024 * 1024))}, follow=True
    )
    assert "larger than 2 MB" in r.content.decode()


def test_the_switcher_lists_only_my_workspaces(
    acme: Workspace, globex: Workspace, bob: User
) -> None:
    page = logged_in(bob).get("/w/acme/").content.decode()
    assert 'data-testid="workspace-switcher"' in page
    assert "Acme Coffee" in page
    assert "Globex" not in page


@pytest.mark.parametrize("section", SECTIONS)
def test_each_section_has_an_empty_state_and_the_timezone(
    acme: Workspace, bob: User, section: str
) -> None:
    r = logged_in(bob).get(f"/w/acme/{section}/")
    assert r.status_code == 200
    page = r.content.decode()
    assert 'class="empty big"' in page
    assert "Europe/Helsinki" in page
    assert 'aria-current="page"' in page


def test_an_unknown_section_is_404(acme: Workspace, bob: User) -> None:
    assert logged_in(bob).get("/w/acme/nonsense/").status_code == 404


def test_deleting_needs_the_exact_name(acme: Workspace, alice: User) -> None:
    client = logged_in(alice)
    r = client.post("/w/acme/settings/delete/", {"confirm": "acme"})
    assert r.status_code == 200
    assert Workspace.objects.filter(pk=acme.pk).exists()
    r = client.post("/w/acme/settings/delete/", {"confirm": "Acme Coffee"})
    assert r.status_code == 302
    assert not Workspace.objects.filter(pk=acme.pk).exists()


def test_static_assets_are_served_locally(alice: User) -> None:
    page = logged_in(alice).get("/workspaces/").content.decode()
    assert "https://" not in page.split("<body")[0], "no CDN in <head>"
    assert Client().get("/static/orkesteri/app.css").status_code == 200
    assert Client().get("/static/django_htmx/htmx-2.min.js").status_code == 200


def test_api_docs_are_served_offline(alice: User) -> None:
    client = logged_in(alice)
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    assert "cdn.jsdelivr" not in r.content.decode()
    spec = Client().get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/workspaces/{workspace_id}/members" in spec["paths"]


def test_the_engagement_averaging_is_a_setting(acme: Workspace, alice: User) -> None:
    client = logged_in(alice)
    page = client.get("/w/acme/settings/").content.decode()
    assert "Engagement rate over many posts" in page or "engagement rate over many posts" in page
    r = client.post("/w/acme/settings/", form_of(acme, er_averaging="weighted"))
    assert r.status_code == 302
    acme.refresh_from_db()
    assert acme.er_averaging == "weighted"
    r = client.post("/w/acme/settings/", form_of(acme, er_averaging="median"))
    assert r.status_code == 200 and "Select a valid choice" in r.content.decode()
