"""Reading and checking CSV files: formats, dates and zones, channels, limits, encodings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from orkesteri.accounts.models import User
from orkesteri.channels.models import Channel
from orkesteri.publishing import csv_import
from orkesteri.publishing.csv_import import DateOrder, FileError, Format, Options, Plan
from orkesteri.publishing.models import Delivery, Post
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


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
    acme: Workspace, alice: User, channel: Channel
) -> None:
    text = (
        "scheduled_at,text,media_urls,tags,pillar\n"
        "2099-12-24T09:00Z,Fine,https://img.example/1.jpg,xmas;promo,Tips\n"
        "2099-12-24T09:00Z,\n"
    )
    plan = read(text, [channel], [channel])
    done: list[tuple[int, int]] = []
    result = csv_import.import_plan(
        acme, alice, plan, partial=True, source="plan.csv", progress=lambda *a: done.append(a)
    )
    assert result.created == 1 and done == [(1, 1)]
    post = Post.objects.get()
    assert post.status == Post.Status.SCHEDULED and post.pillar == "Tips"
    assert post.scheduled_at == datetime(2099, 12, 24, 9, 0, tzinfo=UTC)
    assert "plan.csv, line 2" in post.notes
    assert "https://img.example/1.jpg" in post.notes and "xmas, promo" in post.notes
    assert post.deliveries.get().status == Delivery.Status.SCHEDULED
