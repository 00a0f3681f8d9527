from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from orkesteri.accounts.models import User
from orkesteri.analytics.demo import (
    MAX_CHANNELS,
    HistorySummary,
    generate_history,
    parse_channels,
    parse_history,
)
from orkesteri.workspaces.demo import DEMO_SLUG, HISTORY_CHANNELS, HISTORY_DAYS, load_demo
from orkesteri.workspaces.models import Workspace


def argument(parse: Callable[[str], int]) -> Callable[[str], int]:
    """An argparse type from a parser that raises ValueError with a message for the user."""

    def convert(value: str) -> int:
        try:
            return parse(value)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return convert


def seed(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{value}” is not a whole number.") from None


class Command(BaseCommand):
    help = (
        "Load the demo workspace (once), owned by the first administrator, with generated "
        "demo channels and their metric history. On an existing demo workspace, --history, "
        "--channels or --seed replace the demo channels and their history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--history",
            type=argument(parse_history),
            metavar="DURATION",
            help=f"how far back the figures go: 30d, 26w, 2y (default {HISTORY_DAYS}d)",
        )
        parser.add_argument(
            "--channels",
            type=argument(parse_channels),
            metavar="N",
            help=f"how many demo channels, 1 to {MAX_CHANNELS} (default {HISTORY_CHANNELS})",
        )
        parser.add_argument(
            "--seed", type=seed, help="another seed gives other figures (default 0)"
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="load the demo workspace without demo channels and figures",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        asked = any(options[name] is not None for name in ("history", "channels", "seed"))
        if asked and options["no_history"]:
            raise CommandError("--no-history cannot go with --history, --channels or --seed.")
        owner = User.objects.filter(is_superuser=True).order_by("pk").first()
        if owner is None:
            raise CommandError("Create an owner first: orkesteri createowner")
        with transaction.atomic():
            workspace = load_demo(owner)
            if workspace is not None:
                self.stdout.write(
                    f"Loaded the demo workspace “{workspace.name}” for {owner.email}."
                )
            elif not asked:
                self.stdout.write(
                    "The demo workspace is already there. To replace its demo history: "
                    "orkesteri demo --history 180d --channels 12"
                )
                return
            else:
                workspace = Workspace.objects.get(slug=DEMO_SLUG)
            if options["no_history"]:
                return
            summary = generate_history(
                workspace,
                days=options["history"] or HISTORY_DAYS,
                channels=options["channels"] or HISTORY_CHANNELS,
                seed=options["seed"] or 0,
            )
        self.stdout.write(describe(summary, options["history"] or HISTORY_DAYS))


def describe(summary: HistorySummary, days: int) -> str:
    return (
        f"Generated {days} days of demo history: {summary.channels} channels, "
        f"{summary.posts:,} posts, {summary.samples:,} samples in {summary.seconds:.1f} s "
        f"({summary.samples_per_s:,.0f} samples/s)."
    )
