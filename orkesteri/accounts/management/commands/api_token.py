from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orkesteri.accounts.actions import create_token
from orkesteri.accounts.models import User, normalize_email


class Command(BaseCommand):
    help = "Print a new personal API token for a user (the token is the last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="command line")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=normalize_email(options["email"]), is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the email {options['email']}.")
        token, raw = create_token(user, options["name"])
        self.stdout.write(f"Token “{token.name}” for {user.email}; keep it secret:")
        self.stdout.write(raw)
