"""`orkesteri import-csv`: errors by line, exit status, --partial, progress and summary."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.publishing.models import Post
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def news(acme: Workspace, alice: User) -> Channel:
    return connect_channel(acme, alice, "feed", {"title": "News"})


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_csv", *args, stdout=out, stderr=err)
    except SystemExit as e:
        return int(e.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "plan.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_it_imports_with_a_progress_bar_and_a_summary(
    tmp_path: Path, news: Channel, alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    rows = "".join(f"12/{d:02}/2099 09:00,Post {d},https://example.com/{d}\n" for d in range(1, 21))
    stdout, stderr = io.StringIO(), io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # the sends are queued on commit
        call_command("import_csv", write(tmp_path, rows), "--workspace", "acme", "--channels",
                     "News", "--date-order", "mdy", stdout=stdout, stderr=stderr)  # fmt: skip
    out, err = stdout.getvalue(), stderr.getvalue()
    assert "Imported and scheduled 20 posts" in out and "Europe/Helsinki" in out
    assert "Checking  [" in err and "Importing [" in err and "Queueing  [" in err
    assert err.count("20/20") == 3
    post = Post.objects.get(text="Post 1")
    assert post.link == "https://example.com/1"  # the feed shows link cards
    assert post.author == alice


def test_it_imports_nothing_and_exits_1_when_a_row_fails(tmp_path: Path, news: Channel) -> None:
    text = "scheduled_at,channels,text\n2099-01-01T09:00Z,News,Fine\n2099-01-01T09:00Z,Nope,Bad\n"
    code, _out, err = run(write(tmp_path, text), "--workspace", "acme")
    assert code == 1
    assert "line 3: No channel “Nope”" in err and "--partial" in err
    assert not Post.objects.exists()
    code, out, _err = run(write(tmp_path, text), "--workspace", "acme", "--partial")
    assert code == 0 and "1 rows with errors were skipped" in out
    assert Post.objects.count() == 1


def test_it_checks_who_imports(tmp_path: Path, news: Channel, bob: User) -> None:
    path = write(tmp_path, "scheduled_at,channels,text\n2099-01-01T09:00Z,News,Fine\n")
    with pytest.raises(CommandError, match="only owners and managers"):
        run(path, "--workspace", "acme", "--as", bob.email)
    with pytest.raises(CommandError, match="no workspace"):
        run(path, "--workspace", "nowhere")
    with pytest.raises(CommandError, match="no single channel"):
        run(path, "--workspace", "acme", "--channels", "99")


def test_it_says_when_the_posts_wait_for_approval(
    tmp_path: Path, acme: Workspace, news: Channel
) -> None:
    Workspace.objects.filter(pk=acme.pk).update(requires_approval=True)
    path = write(tmp_path, "scheduled_at,channels,text\n2099-01-01T09:00Z,News,Fine\n")
    code, out, err = run(path, "--workspace", "acme")
    assert code == 0 and "Imported 1 posts to wait for approval" in out
    assert "Queueing" not in err  # nothing is queued before approval
    assert Post.objects.get().status == Post.Status.AWAITING_APPROVAL


def test_it_refuses_channels_of_another_workspace(
    tmp_path: Path, news: Channel, globex: Workspace, charlie: User
) -> None:
    theirs = connect_channel(globex, charlie, "feed", {"title": "Globex news"})
    text = (
        "scheduled_at,channels,text\n"
        f"2099-01-01T09:00Z,{theirs.pk},By id\n2099-01-01T09:00Z,Globex news,By name\n"
    )
    code, _out, err = run(write(tmp_path, text), "--workspace", "acme", "--partial")
    assert code == 1
    assert f"line 2: No channel “{theirs.pk}”" in err and "line 3: No channel “Globex news”" in err
    assert not Post.objects.exists()
    with pytest.raises(CommandError, match="no single channel"):
        run(write(tmp_path, "24/12/2099 09:00,Hi\n"), "--workspace", "acme",
            "--channels", str(theirs.pk))  # fmt: skip
