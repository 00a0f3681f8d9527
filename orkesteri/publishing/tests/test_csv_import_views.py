"""The import page: upload, preview with errors by line, confirm; who may import."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.publishing.models import Post
from orkesteri.testing import logged_in
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
URL = "/w/acme/import/"
GOOD = "24/12/2099 09:00,Merry Christmas\n25/12/2099 10:00,Boxing day\n"
ONE_BAD = GOOD + "26/12/2099 25:00,Bad hour\n"


def upload(client: Client, text: str, channel: Channel, order: str = "dmy") -> object:
    file = SimpleUploadedFile("plan.csv", text.encode(), content_type="text/csv")
    return client.post(URL, {"file": file, "channels": [channel.pk], "date_order": order})


def test_it_previews_then_imports(alice_client: Client, channel: Channel) -> None:
    r = upload(alice_client, GOOD, channel)
    assert r.status_code == 200  # type: ignore[attr-defined]
    assert b"Hootsuite bulk file" in r.content and b"Merry Christmas" in r.content  # type: ignore[attr-defined]
    assert b"Europe/Helsinki" in r.content  # type: ignore[attr-defined]
    assert not Post.objects.exists()
    token = r.context["pending"]["token"]  # type: ignore[attr-defined]
    r = alice_client.post(URL + "confirm/", {"token": token}, follow=True)
    assert b"Imported and scheduled 2 posts." in r.content
    assert Post.objects.filter(status=Post.Status.SCHEDULED).count() == 2
    # The same preview cannot be imported twice.
    r = alice_client.post(URL + "confirm/", {"token": token}, follow=True)
    assert b"no longer waiting" in r.content and Post.objects.count() == 2


def test_it_lists_every_error_and_imports_nothing_unless_asked(
    alice_client: Client, channel: Channel
) -> None:
    r = upload(alice_client, ONE_BAD, channel)
    assert b"Line 3" in r.content and b"25:00" in r.content  # type: ignore[attr-defined]
    token = r.context["pending"]["token"]  # type: ignore[attr-defined]
    r = alice_client.post(URL + "confirm/", {"token": token})
    assert r.status_code == 400 and b"Nothing was imported" in r.content
    assert not Post.objects.exists()
    r = alice_client.post(URL + "confirm/", {"token": token, "partial": "1"}, follow=True)
    assert b"2 posts" in r.content and b"1 row with errors was skipped" in r.content
    assert Post.objects.count() == 2


def test_a_file_error_is_shown_on_the_form(alice_client: Client, channel: Channel) -> None:
    file = SimpleUploadedFile("plan.csv", "Päivä,Viesti\n".encode("latin-1"))
    r = alice_client.post(URL, {"file": file, "channels": [channel.pk], "date_order": "dmy"})
    assert r.status_code == 400 and b"not UTF-8" in r.content


def test_it_says_to_connect_a_channel_first(alice_client: Client, acme: Workspace) -> None:
    r = alice_client.get(URL)
    assert b"Connect a channel first" in r.content


@pytest.mark.parametrize("role,allowed", [("owner", True), ("manager", True),
                         ("editor", False), ("client", False), ("viewer", False)])  # fmt: skip
def test_only_owners_and_managers_import(
    member_of_role: Callable[[str], User], channel: Channel, role: str, allowed: bool
) -> None:
    client = logged_in(member_of_role(role))
    assert client.get(URL).status_code == (200 if allowed else 403)
    assert upload(client, GOOD, channel).status_code == (200 if allowed else 403)  # type: ignore[attr-defined]


def test_an_outsider_gets_404(charlie: User, channel: Channel) -> None:
    client = logged_in(charlie)
    assert client.get(URL).status_code == 404
    assert client.post(URL + "confirm/", {"token": "x"}).status_code == 404


def test_it_says_when_imported_posts_wait_for_approval(
    alice_client: Client, acme: Workspace, channel: Channel
) -> None:
    Workspace.objects.filter(pk=acme.pk).update(requires_approval=True)
    r = upload(alice_client, GOOD, channel)
    token = r.context["pending"]["token"]  # type: ignore[attr-defined]
    r = alice_client.post(URL + "confirm/", {"token": token}, follow=True)
    assert b"Imported 2 posts; they wait for approval." in r.content
    assert Post.objects.filter(status=Post.Status.AWAITING_APPROVAL).count() == 2


def test_channels_of_another_workspace_are_not_offered_nor_read(
    alice_client: Client, channel: Channel, globex: Workspace, charlie: User
) -> None:
    theirs = connect_channel(globex, charlie, "scripted", {"name": "globex"})
    when = "2099-01-01T09:00Z"
    text = f"scheduled_at,channels,text\n{when},{theirs.pk},Hi\n{when},@globex,Hi\n"
    file = SimpleUploadedFile("plan.csv", text.encode(), content_type="text/csv")
    r = alice_client.post(URL, {"file": file, "channels": [theirs.pk], "date_order": "dmy"})
    assert r.status_code == 400  # not a choice on this workspace's form
    preview = upload(alice_client, text, channel)
    assert preview.status_code == 200  # type: ignore[attr-defined]
    assert [row.line for row in preview.context["failed"]] == [2, 3]  # type: ignore[attr-defined]
    assert "No channel “@globex”" in preview.content.decode()  # type: ignore[attr-defined]
    token = preview.context["pending"]["token"]  # type: ignore[attr-defined]
    r = alice_client.post(URL + "confirm/", {"token": token, "partial": "1"})
    assert r.status_code == 400 and not Post.objects.exists()
