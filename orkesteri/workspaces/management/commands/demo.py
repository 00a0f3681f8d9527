from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from orkesteri.accounts.models import User
from orkesteri.workspaces.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo workspace (once), owned by the first administrator."

    def handle(self, *args: Any, **options: Any) -> None:
        owner = User.objects.filter(is_superuser=True).order_by("pk").first()
        if owner is None:
            raise CommandError("Create an owner first: orkesteri createowner")
        workspace = load_demo(owner)
        if workspace is None:
            self.stdout.write("The demo workspace is already there.")
        else:
            self.stdout.write(f"Loaded the demo workspace “{workspace.name}” for {owner.email}.")
