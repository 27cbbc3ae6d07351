"""Run one reminder dispatch scan, for hosts that drive it from cron instead of Celery beat.

By default the due reminders are queued to Celery workers exactly as the
beat task does; ``--inline`` sends them from this process, for hosts that
run no worker at all. Either way it is safe to run while beat runs too: the
claim skips rows another scan holds.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from interview_coordinator.reminders.dispatch import deliver, dispatch_due
from interview_coordinator.tasks import queue_reminder


class Command(BaseCommand):
    help = "Claim the reminders that are due and send them (queued to Celery, or --inline)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--inline",
            action="store_true",
            help="Send from this process instead of queueing one Celery task per reminder.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["inline"]:
            outcomes: dict[str, int] = {}

            def send_now(delivery_id: int) -> None:
                outcome = deliver(delivery_id)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

            claimed = dispatch_due(send_now)
            summary = ", ".join(f"{name}: {count}" for name, count in sorted(outcomes.items()))
            self.stdout.write(f"{claimed} due reminder(s) processed. {summary}".strip())
        else:
            claimed = dispatch_due(queue_reminder)
            self.stdout.write(f"{claimed} due reminder(s) queued.")
