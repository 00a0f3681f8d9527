"""`orkesteri import-csv FILE --workspace SLUG`: schedule a CSV file's posts (docs/import.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from orkesteri.accounts.models import User
from orkesteri.channels.models import Channel
from orkesteri.publishing import csv_import
from orkesteri.publishing.csv_import import (
    DateOrder,
    FileError,
    ImportFailed,
    Options,
    Plan,
    Stage,
)
from orkesteri.workspaces.models import Membership, Workspace
from orkesteri.workspaces.roles import Perm, Role

BAR_WIDTH = 30
STAGE_LABELS = {Stage.CHECKING: "Checking", Stage.WRITING: "Importing", Stage.QUEUEING: "Queueing"}


class Command(BaseCommand):
    help = (
        "Import posts from a CSV file (Hootsuite, Sprout Social or Orkesteri format) and "
        "schedule them. Nothing is imported when a row has an error, unless --partial. Exit "
        "status 1 when rows failed and nothing was imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV file (UTF-8)")
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument(
            "--channels",
            default="",
            help="channel ids or names, comma-separated: where rows that name no channel go",
        )
        parser.add_argument(
            "--date-order",
            choices=[o.value for o in DateOrder],
            default=DateOrder.DMY.value,
            help="how dates like 05/06/2026 are written (default: dmy)",
        )
        parser.add_argument(
            "--partial", action="store_true", help="import the valid rows, skip the others"
        )
        parser.add_argument(
            "--as",
            dest="actor",
            default="",
            help="the member's email who imports (default: the workspace's first owner)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"no workspace {options['workspace']!r}")
        actor = _actor(workspace, options["actor"])
        data = _read(Path(options["file"]))
        channels = list(Channel.objects.filter(workspace=workspace))
        plan_options = Options(
            zone=workspace.timezone,
            now=timezone.now(),
            date_order=DateOrder(options["date_order"]),
            chosen=_chosen(channels, options["channels"]),
        )
        try:
            plan = csv_import.read_plan(data, channels, plan_options, progress=self._progress)
        except FileError as e:
            raise CommandError(e.message) from None
        self._report(plan)
        if plan.failed and (not options["partial"] or not plan.valid):
            self.stderr.write(
                f"Nothing imported: {len(plan.failed)} of {len(plan.rows)} rows have errors."
                + (" Use --partial to import the valid rows." if plan.valid else "")
            )
            sys.exit(1)
        try:
            result = csv_import.import_plan(
                workspace,
                actor,
                plan,
                partial=options["partial"],
                source=Path(options["file"]).name,
                progress=self._progress,
            )
        except ImportFailed as e:
            self.stderr.write(f"Nothing imported: line {e.line}: {e.message}")
            sys.exit(1)
        done = f"Imported and scheduled {result.created} posts"
        if result.awaiting_approval:
            done = f"Imported {result.created} posts to wait for approval"
        self.stdout.write(
            f"{done} from {options['file']} ({plan.format_label}, times in {workspace.timezone})."
            + (f" {len(result.failed)} rows with errors were skipped." if result.failed else "")
        )
        if not result.created:
            sys.exit(1)

    def _report(self, plan: Plan) -> None:
        for note in plan.notes:
            self.stderr.write(f"note: {note}")
        for row in plan.failed:
            for error in row.errors:
                self.stderr.write(f"line {row.line}: {error}")

    def _progress(self, stage: Stage, done: int, total: int) -> None:
        """A text bar on stderr per stage (checking, importing, queueing the sends), redrawn
        when it moves by one step."""
        filled = BAR_WIDTH * done // total
        if done not in (1, total) and filled == BAR_WIDTH * (done - 1) // total:
            return
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        end = "\n" if done == total else ""
        line = f"\r{STAGE_LABELS[stage]:<9} [{bar}] {done}/{total}"
        self.stderr.write(line, ending=end, style_func=str)
        self.stderr.flush()


def _actor(workspace: Workspace, email: str) -> User:
    members = Membership.objects.filter(workspace=workspace).select_related("user")
    if email:
        membership = members.filter(user__email__iexact=email).first()
        if membership is None:
            raise CommandError(f"{email} is not a member of {workspace.slug}")
        if not membership.can(Perm.PUBLISH):
            raise CommandError(f"{email} is a {membership.role}: only owners and managers import")
        return membership.user
    owner = members.filter(role=Role.OWNER).order_by("pk").first()
    if owner is None:
        raise CommandError(f"{workspace.slug} has no owner; give --as EMAIL")
    return owner.user


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > csv_import.MAX_BYTES:
            raise CommandError(csv_import.too_big_message())
        return path.read_bytes()
    except OSError as e:
        raise CommandError(f"cannot read {path}: {e.strerror}") from None


def _chosen(channels: list[Channel], value: str) -> list[Channel]:
    chosen: list[Channel] = []
    for token in (t.strip() for t in value.split(",") if t.strip()):
        matches = [
            c
            for c in channels
            if str(c.pk) == token or c.display_name.casefold() == token.casefold()
        ]
        if len(matches) != 1:
            names = ", ".join(f"{c.pk} ({c.display_name})" for c in channels) or "none"
            raise CommandError(f"no single channel {token!r} here; channels: {names}")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen
