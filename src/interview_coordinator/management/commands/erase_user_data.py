"""Erase what the package holds about one user, for hosts with their own account deletion.

    manage.py erase_user_data alice            # asks for confirmation
    manage.py erase_user_data --id 42 --yes    # by primary key, no question

The user's account stays; only the package's data (applications, rounds,
reminders, profile, calendar feed) is deleted, in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from interview_coordinator.portability.erasure import erase_user_data


class Command(BaseCommand):
    help = "Delete one user's applications, rounds, reminders, profile and calendar feed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="The user, by username.")
        parser.add_argument("--id", dest="user_id", help="The user, by primary key.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.find_user(options["username"], options["user_id"])
        if not options["yes"]:
            answer = input(f"Erase all interview data of {user}? Type 'yes' to confirm: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing erased.")
        counts = erase_user_data(user.pk)
        summary = ", ".join(f"{label}: {count}" for label, count in sorted(counts.items()))
        self.stdout.write(f"Erased the interview data of {user} ({summary or 'nothing held'}).")

    def find_user(self, username: str | None, user_id: str | None) -> Any:
        if (username is None) == (user_id is None):
            raise CommandError("Name the user by username or by --id, not both.")
        manager = get_user_model()._default_manager
        lookup = (
            {"pk": user_id} if user_id is not None else {manager.model.USERNAME_FIELD: username}
        )
        try:
            return manager.get(**lookup)
        except (manager.model.DoesNotExist, ValueError) as error:
            raise CommandError(f"No such user: {username or user_id}.") from error
