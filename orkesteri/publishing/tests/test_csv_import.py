"""Reading and checking CSV files (formats, dates and zones, channels, limits, encodings),
and importing them in bulk: what it leaves, publishing, approval, all or nothing, queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.publishing import actions, csv_import
from orkesteri.publishing.csv_import import (
    DateOrder,
    FileError,
    Format,
    ImportFailed,
    Options,
    Plan,
    Stage,
)
from orkesteri.publishing.models import Delivery, Post, Variant
from orkesteri.publishing.tasks import publish_delivery
from orkesteri.publishing.tests.conftest import Scripted
from orkesteri.workspaces.models import AuditEvent, Workspace

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
S = Delivery.Status
CaptureCallbacks = Any  # pytest-django's django_capture_on_commit_callbacks


def read(
    text: str | bytes,
    channels: list[Channel],
    chosen: list[Channel] | None = None,
    order: DateOrder = DateOrder.DMY,
    zone: str = "Europe/Helsinki",
) -> Plan:
    data = text.encode() if isinstance(text, str) else text
    options = Options(zone=zone, now=NOW, date_order=order, chosen=chosen or [])
    return csv_import.read_plan(data, channels, options)


def errors(plan: Plan) -> dict[int, str]:
    return {row.line: " ".join(row.errors) for row in plan.failed}


def test_it_reads_a_hootsuite_file_in_either_date_order(channel: Channel) -> None:
    text = '24/12/2026 09:00,"Merry, Christmas",https://example.com/x\n01/02/2026 17:30,Hi\n'
    plan = read(text, [channel], chosen=[channel])
    assert plan.format == Format.HOOTSUITE
    assert errors(plan) == {}
    first, second = plan.rows
    # Scripted shows no link cards: the link goes at the end of the text.
    assert (first.text, first.link) == ("Merry, Christmas\nhttps://example.com/x", "")
    assert first.scheduled_at == datetime(2026, 12, 24, 7, 0, tzinfo=UTC)  # Helsinki is +2
    assert first.channels == [channel]
    assert second.scheduled_at == datetime(2026, 2, 1, 15, 30, tzinfo=UTC)
    mdy = read("12/24/2026 09:00,Merry Christmas\n", [channel], [channel], DateOrder.MDY)
    assert mdy.rows[0].scheduled_at == datetime(2026, 12, 24, 7, 0, tzinfo=UTC)


def test_it_suggests_the_other_date_order(channel: Channel) -> None:
    plan = read("12/24/2026 09:00,Merry Christmas\n", [channel], [channel], DateOrder.DMY)
    assert "month/day/year" in errors(plan)[1]


def test_it_needs_channels_for_formats_that_do_not_name_them(channel: Channel) -> None:
    with pytest.raises(FileError, match="Choose the channels"):
        read("24/12/2026 09:00,Hi\n", [channel])


def test_it_reads_a_sprout_file_and_notes_unknown_columns(channel: Channel) -> None:
    text = (
        "date,time_24hr,message_text,link,image_url,tags,owner\n"
        "24/12/2026,09:00,Hello,https://example.com,https://img.example/a.jpg,xmas,Ann\n"
    )
    plan = read(text, [channel], chosen=[channel])
    assert plan.format == Format.SPROUT
    row = plan.rows[0]
    assert row.line == 2 and row.ok
    assert row.media_urls == ["https://img.example/a.jpg"] and row.tags == ["xmas"]
    assert any("owner" in note for note in plan.notes)


def test_it_reads_our_format_with_channels_by_name_or_id(
    make_channel: Callable[[str], Channel],
) -> None:
    news, blog = make_channel("news"), make_channel("blog")
    text = (
        "scheduled_at,channels,text,media_urls,first_comment,pillar,tags\n"
        f'2026-12-24T09:00+00:00,@news;{blog.pk},"Line one\nline two",'
        "https://a.example/1.jpg https://a.example/2.jpg,First!,Tips,a|b\n"
        "2026-12-24 09:00,@blog|@news,Local time,,,,\n"
    )
    plan = read(text, [news, blog])
    assert plan.format == Format.ORKESTERI and errors(plan) == {}
    first, second = plan.rows
    assert first.channels == [news, blog] and first.text == "Line one\nline two"
    assert first.scheduled_at == datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    assert first.media_urls == ["https://a.example/1.jpg", "https://a.example/2.jpg"]
    assert (first.first_comment, first.pillar, first.tags) == ("First!", "Tips", ["a", "b"])
    assert second.line == 4  # the quoted line break makes row 1 two lines long
    assert second.channels == [blog, news]
    assert second.scheduled_at == datetime(2026, 12, 24, 7, 0, tzinfo=UTC)


def test_it_reads_semicolon_separated_files(channel: Channel) -> None:
    plan = read("scheduled_at;text\n2026-12-24T09:00Z;Hello, world\n", [channel], [channel])
    assert plan.rows[0].text == "Hello, world" and plan.rows[0].ok


def test_every_bad_row_gets_its_line_and_reason(
    make_channel: Callable[[str], Channel],
) -> None:
    acme = make_channel("acme")
    text = (
        "scheduled_at,channels,text,link\n"
        "2026-12-24T09:00+02:00,acme,Fine,\n"
        "2025-12-24T09:00+02:00,acme,Past,\n"
        "tomorrow,acme,Bad date,\n"
        "2026-12-24T09:00+02:00,nobody,Unknown channel,\n"
        "2026-12-24T09:00+02:00,acme,   ,\n"
        f"2026-12-24T09:00+02:00,acme,{'x' * 281},\n"
        "2026-12-24T09:00+02:00,acme,Bad link,ftp://example.com\n"
    )
    found = errors(read(text, [acme]))
    assert 2 not in found
    assert "has passed" in found[3]
    assert "ISO 8601" in found[4]
    assert "No channel “nobody”" in found[5]
    assert "empty" in found[6]
    assert found[7].startswith("@acme: ") or "281" in found[7]
    assert "https://" in found[8]


def test_a_too_long_text_names_the_channel_and_its_limit(
    make_channel: Callable[[str], Channel],
) -> None:
    acme = make_channel("acme")
    plan = read(f"scheduled_at,channels,text\n2026-12-24T09:00Z,acme,{'x' * 281}\n", [acme])
    assert "@acme:" in errors(plan)[2]


def test_times_in_a_dst_gap_or_fold_are_row_errors(channel: Channel) -> None:
    text = (
        "29/03/2026 03:30,In the spring-forward gap\n"
        "25/10/2026 03:30,In the autumn fold\n"
        "25/10/2026 04:30,After the fold\n"
    )
    found = errors(read(text, [channel], [channel]))
    assert "does not exist in Europe/Helsinki" in found[1]
    assert "happens twice in Europe/Helsinki" in found[2]
    assert 3 not in found
    own = read("scheduled_at,text\n2026-10-25T03:30,Fold\n", [channel], [channel])
    assert "+03:00 or 2026-10-25T03:30+02:00" in errors(own)[2]
    ny = read("11/01/2026 01:30,Fold in New York\n", [channel], [channel], DateOrder.MDY,
              zone="America/New_York")  # fmt: skip
    assert "happens twice in America/New_York" in errors(ny)[1]


def test_it_accepts_a_byte_order_mark_and_refuses_other_encodings(channel: Channel) -> None:
    plan = read(
        "\ufeffscheduled_at,text\n2026-12-24T09:00Z,Kahvia ☕\n".encode(), [channel], [channel]
    )
    assert plan.format == Format.ORKESTERI and plan.rows[0].text == "Kahvia ☕"
    with pytest.raises(FileError, match="not UTF-8 text \\(line 2"):
        read("scheduled_at,text\n2026-12-24T09:00Z,Hyvää\n".encode("latin-1"), [channel])
    with pytest.raises(FileError, match="UTF-16"):
        read("scheduled_at,text\n".encode("utf-16"), [channel])


def test_it_refuses_more_than_5000_rows(channel: Channel) -> None:
    rows = "".join(f"2026-12-24T09:00Z,Post {i}\n" for i in range(5001))
    with pytest.raises(FileError, match="more than 5,000 posts"):
        read("scheduled_at,text\n" + rows, [channel], [channel])
    exactly = read("scheduled_at,text\n" + rows.split("\n", 1)[1], [channel], [channel])
    assert len(exactly.rows) == 5000


def test_it_refuses_an_unknown_header_and_an_empty_file(channel: Channel) -> None:
    with pytest.raises(FileError, match="neither a header we know"):
        read("Date,Message,URL\n24/12/2026 09:00,Hi,\n", [channel], [channel])
    with pytest.raises(FileError, match="empty"):
        read("\n\n", [channel], [channel])


def test_it_imports_nothing_when_a_row_fails(
    acme: Workspace, alice: User, channel: Channel
) -> None:
    plan = read("24/12/2099 09:00,Fine\n24/12/2099 09:00,\n", [channel], [channel])
    result = csv_import.import_plan(acme, alice, plan)
    assert result.created == 0 and [r.line for r in result.failed] == [2]
    assert not Post.objects.exists()


def test_it_imports_the_valid_rows_when_asked(
    acme: Workspace,
    alice: User,
    channel: Channel,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    text = (
        "scheduled_at,text,media_urls,tags,pillar\n"
        "2099-12-24T09:00Z,Fine,https://img.example/1.jpg,xmas;promo,Tips\n"
        "2099-12-24T09:00Z,\n"
    )
    plan = read(text, [channel], [channel])
    done: list[tuple[Stage, int, int]] = []
    with django_capture_on_commit_callbacks(execute=True):
        result = csv_import.import_plan(
            acme, alice, plan, partial=True, source="plan.csv", progress=lambda *a: done.append(a)
        )
    assert result.created == 1
    assert done == [(Stage.WRITING, 1, 1), (Stage.QUEUEING, 1, 1)]
    post = Post.objects.get()
    assert post.status == Post.Status.SCHEDULED and post.pillar == "Tips"
    assert post.scheduled_at == datetime(2099, 12, 24, 9, 0, tzinfo=UTC)
    assert "plan.csv, line 2" in post.notes
    assert "https://img.example/1.jpg" in post.notes and "xmas, promo" in post.notes
    assert post.deliveries.get().status == Delivery.Status.SCHEDULED


# --- importing in bulk ---------------------------------------------------------------------


def own_file(rows: int, channels: str = "", start: datetime | None = None) -> str:
    """An Orkesteri file of `rows` posts an hour apart, to `channels` (names, `;`)."""
    start = start or timezone.now() + timedelta(days=1)
    lines = ["scheduled_at,channels,text,link,first_comment,pillar,tags"]
    for n in range(rows):
        when = (start + timedelta(hours=n)).isoformat(timespec="minutes")
        lines.append(f"{when},{channels},Post {n},https://example.com/{n},Hi,Tips,a|b")
    return "\n".join(lines) + "\n"


def read_now(text: str, channels: list[Channel], chosen: list[Channel] | None = None) -> Plan:
    options = Options(zone="Europe/Helsinki", now=timezone.now(), chosen=chosen or [])
    return csv_import.read_plan(text.encode(), channels, options)


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[int, int], datetime]]:
    """The sends queued for later, as (task arguments, eta), instead of huey's schedule."""
    calls: list[tuple[tuple[int, int], datetime]] = []
    monkeypatch.setattr(publish_delivery, "schedule", lambda args, eta: calls.append((args, eta)))
    return calls


def test_imported_posts_are_queued_and_publish_through_the_engine(
    acme: Workspace,
    alice: User,
    make_channel: Callable[[str], Channel],
    scripted: type[Scripted],
    queued: list[tuple[tuple[int, int], datetime]],
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    news, blog = make_channel("news"), make_channel("blog")
    plan = read_now(own_file(300, "@news;@blog"), [news, blog])
    with django_capture_on_commit_callbacks(execute=True):
        result = csv_import.import_plan(acme, alice, plan, source="plan.csv")
    assert result.created == 300 and not result.failed
    deliveries = Delivery.objects.order_by("pk")
    assert deliveries.count() == 600
    assert set(deliveries.values_list("status", flat=True)) == {S.SCHEDULED}
    assert set(Post.objects.values_list("status", flat=True)) == {Post.Status.SCHEDULED}
    # One send queued per delivery, for its version and due time.
    assert sorted(queued) == sorted(((d.pk, d.version), d.due_at) for d in deliveries)
    # The worker takes each task when it comes up (its due time reached).
    Delivery.objects.update(due_at=timezone.now())
    for (pk, version), _eta in queued:
        publish_delivery.call_local(pk, version)
    assert set(Delivery.objects.values_list("status", flat=True)) == {S.PUBLISHED}
    assert set(Post.objects.values_list("status", flat=True)) == {Post.Status.PUBLISHED}
    # Each delivery sent its post, then the first comment as a reply; nothing twice.
    assert len(scripted.sent) == len(set(scripted.sent)) == len(scripted.posts) == 1200
    first = Post.objects.get(text__startswith="Post 0\n")
    texts = {scripted.posts[str(d.key)].text for d in first.deliveries.all()}
    assert texts == {"Post 0\nhttps://example.com/0"}  # Scripted shows no link cards


@pytest.mark.parametrize("approval", [False, True])
def test_an_imported_post_is_what_create_post_and_schedule_post_make(
    acme: Workspace,
    alice: User,
    make_channel: Callable[[str], Channel],
    queued: list[tuple[tuple[int, int], datetime]],
    django_capture_on_commit_callbacks: CaptureCallbacks,
    approval: bool,
) -> None:
    Workspace.objects.filter(pk=acme.pk).update(requires_approval=approval)
    acme.refresh_from_db()
    news, blog = make_channel("news"), make_channel("blog")
    plan = read_now(own_file(1, "@news;@blog"), [news, blog])
    row = plan.rows[0]
    with django_capture_on_commit_callbacks(execute=True):
        csv_import.import_plan(acme, alice, plan, source="plan.csv")
        data = actions.PostInput(
            text=row.text,
            channel_ids=[c.pk for c in row.channels],
            link=row.link,
            first_comment=row.first_comment,
            pillar=row.pillar,
            notes=row.notes("plan.csv"),
        )
        by_hand = actions.schedule_post(
            actions.create_post(acme, alice, data), alice, row.scheduled_at
        )
    imported = Post.objects.exclude(pk=by_hand.pk).get()
    by_hand.refresh_from_db()

    def fields(obj: Any, *skip: str) -> dict[str, Any]:
        return {k: v for k, v in model_to_dict(obj).items() if k not in ("id", *skip)}

    assert fields(imported) == fields(by_hand)
    for channel in (news, blog):
        mine, theirs = (Variant.objects.get(post=p, channel=channel) for p in (imported, by_hand))
        assert fields(mine, "post") == fields(theirs, "post")
        mine_d, theirs_d = mine.delivery, theirs.delivery
        assert fields(mine_d, "post", "variant", "key") == fields(
            theirs_d, "post", "variant", "key"
        )
    expected = Post.Status.AWAITING_APPROVAL if approval else Post.Status.SCHEDULED
    assert imported.status == expected
    assert imported.status == actions.derive_post_status(
        list(imported.deliveries.values_list("status", flat=True))
    )
    assert len(queued) == (0 if approval else 4)  # two deliveries each, waiting or not


def test_in_a_workspace_that_requires_approval_imported_posts_wait_for_it(
    acme: Workspace,
    alice: User,
    channel: Channel,
    queued: list[tuple[tuple[int, int], datetime]],
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    Workspace.objects.filter(pk=acme.pk).update(requires_approval=True)
    acme.refresh_from_db()
    plan = read_now(own_file(3), [channel], [channel])
    with django_capture_on_commit_callbacks(execute=True):
        result = csv_import.import_plan(acme, alice, plan)
    assert result.created == 3 and result.awaiting_approval
    assert set(Delivery.objects.values_list("status", flat=True)) == {S.AWAITING_APPROVAL}
    assert set(Post.objects.values_list("status", flat=True)) == {Post.Status.AWAITING_APPROVAL}
    assert queued == []
    post = Post.objects.order_by("pk").first()
    assert post is not None
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_post(post, "client@example.com")
    delivery = post.deliveries.get()
    assert delivery.status == S.SCHEDULED
    assert queued == [((delivery.pk, delivery.version), delivery.due_at)]


def test_one_audit_entry_for_the_whole_file(acme: Workspace, alice: User, channel: Channel) -> None:
    before = AuditEvent.objects.count()
    csv_import.import_plan(acme, alice, read_now(own_file(5), [channel], [channel]),
                           source="plan.csv")  # fmt: skip
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.first()
    assert event is not None
    assert (event.action, event.target, event.actor) == ("post.imported", "plan.csv", alice)
    assert event.describe_changes() == [("posts", 0, 5)]


def test_a_row_that_fails_while_writing_stops_everything_unless_partial(
    acme: Workspace, alice: User, make_channel: Callable[[str], Channel]
) -> None:
    news, gone = make_channel("news"), make_channel("gone")
    text = own_file(3, "@news") + own_file(1, "@gone").split("\n", 1)[1]
    plan = read_now(text, [news, gone])
    assert not plan.failed
    Channel.objects.filter(pk=gone.pk).delete()  # between the preview and the confirmation
    with pytest.raises(ImportFailed) as failed:
        csv_import.import_plan(acme, alice, plan)
    assert failed.value.line == 5 and "No channel “@gone”" in failed.value.message
    assert not Post.objects.exists() and not Delivery.objects.exists()
    result = csv_import.import_plan(acme, alice, plan, partial=True)
    assert result.created == 3 and [r.line for r in result.failed] == [5]
    assert Post.objects.count() == 3


def test_a_time_that_passed_since_the_file_was_read_is_refused(
    acme: Workspace, alice: User, channel: Channel
) -> None:
    options = Options(zone="Europe/Helsinki", now=timezone.now() - timedelta(days=2),
                      chosen=[channel])  # fmt: skip
    start = timezone.now() - timedelta(days=1)
    plan = csv_import.read_plan(own_file(2, start=start).encode(), [channel], options)
    assert not plan.failed
    with pytest.raises(ImportFailed, match="That time has passed"):
        csv_import.import_plan(acme, alice, plan)
    assert not Post.objects.exists()


def test_a_file_with_a_bad_row_imports_nothing_and_partial_imports_the_rest(
    acme: Workspace, alice: User, channel: Channel
) -> None:
    text = own_file(300) + "2099-01-01T09:00Z,,,,,,\n"  # no text
    plan = read_now(text, [channel], [channel])
    assert [r.line for r in plan.failed] == [302]
    result = csv_import.import_plan(acme, alice, plan)
    assert result.created == 0 and not Post.objects.exists()
    result = csv_import.import_plan(acme, alice, plan, partial=True)
    assert result.created == 300 and [r.line for r in result.failed] == [302]
    assert Post.objects.count() == 300 == Delivery.objects.filter(status=S.SCHEDULED).count()


def test_the_queries_do_not_grow_with_the_rows(
    acme: Workspace, alice: User, make_channel: Callable[[str], Channel]
) -> None:
    news, blog = make_channel("news"), make_channel("blog")

    def queries(rows: int) -> int:
        plan = read_now(own_file(rows, "@news;@blog"), [news, blog])
        with CaptureQueriesContext(connection) as captured:
            assert csv_import.import_plan(acme, alice, plan).created == rows
        return len(captured)

    few, many = queries(50), queries(500)
    assert few <= 20
    # A handful of INSERTs per batch; SQLite splits them at 999 values, so a few more.
    assert many - few <= 450 // 10


def test_channels_of_another_workspace_are_refused_by_name_and_id(
    acme: Workspace, alice: User, globex: Workspace, charlie: User, channel: Channel
) -> None:
    theirs = connect_channel(globex, charlie, "scripted", {"name": "globex"})
    ours = list(Channel.objects.filter(workspace=acme))  # what the page and the command read
    when = "2099-01-01T09:00Z"
    text = f"scheduled_at,channels,text\n{when},{theirs.pk},By id\n{when},@globex,By name\n"
    plan = read_now(text, ours)
    assert errors(plan) == {
        2: f"No channel “{theirs.pk}” in this workspace.",
        3: "No channel “@globex” in this workspace.",
    }
    # Even a plan made with the other workspace's channels is refused when writing.
    foreign = read_now(text, [theirs])
    assert not foreign.failed
    with pytest.raises(ImportFailed, match="No channel “@globex”"):
        csv_import.import_plan(acme, alice, foreign)
    assert not Post.objects.exists()


def test_checking_reports_progress(channel: Channel) -> None:
    done: list[tuple[Stage, int, int]] = []
    options = Options(zone="UTC", now=timezone.now(), chosen=[channel])
    csv_import.read_plan(
        own_file(3).encode(), [channel], options, progress=lambda *a: done.append(a)
    )
    assert done == [(Stage.CHECKING, n, 3) for n in (1, 2, 3)]
