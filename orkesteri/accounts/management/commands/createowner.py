from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orkesteri.accounts.actions import AccountError, create_owner
from orkesteri.accounts.models import User

DEFAULT_EMAIL = "admin@example.com"


class Command(BaseCommand):
    help = "Create an administrator account (ORKESTERI_ADMIN_EMAIL / _PASSWORD, else generated)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default="")
        parser.add_argument(
            "--if-none", action="store_true", help="do nothing when any account exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_none"] and User.objects.exists():
            return
        email = options["email"] or settings.ADMIN_EMAIL or DEFAULT_EMAIL
        try:
            user, generated = create_owner(email, options["password"] or settings.ADMIN_PASSWORD)
        except AccountError as e:
            raise CommandError(f"{e.field}: {e.message}") from e
        self.stdout.write(self.style.SUCCESS(f"Created the owner account {user.email}"))
        if generated:
            self.stdout.write(
                f"Sign in with  email: {user.email}  password: {generated}\n"
                "(shown only now; change it under Account → Password)"
            )
