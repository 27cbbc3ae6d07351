#!/usr/bin/env python
"""How long a PATCH of an interview takes while its reminder is with a slow mail server.

A reminder is sent to an aiosmtpd server on loopback that stores the message
and answers only ``--hold`` seconds later (5 s by default). While it holds
the sender, the interview is moved ``--requests`` times with ``PATCH
interview_date`` through DRF's test client, in this process, on PostgreSQL
(database ``ic_bench_send``, recreated and dropped). The same PATCHes are
timed with no send in flight, for comparison. A write that waited on the
mail server would take about the hold time.

    .venv/bin/python bench/bench_write_during_send.py
    .venv/bin/python bench/bench_write_during_send.py --hold 5 --requests 20
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import threading
import time
from typing import Any

import harness

DATABASE = "ic_bench_send"
sys.path.insert(0, str(harness.ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ["DB_NAME"] = DATABASE
os.environ.pop("DB_ENGINE", None)

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from interview_coordinator.mailers import DJANGO_SMTP_BACKEND, mail_settings  # noqa: E402
from interview_coordinator.models import Interview  # noqa: E402
from interview_coordinator.reminders.dispatch import claim_due, deliver  # noqa: E402


class HoldingHandler:
    """Stores each message, then answers ``hold`` seconds later."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.received = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.set()
        await asyncio.sleep(self.hold)
        return "250 Message accepted"


def patch_times(client: APIClient, interview: Interview, count: int) -> list[float]:
    """Milliseconds of ``count`` PATCHes, each moving the interview by a minute."""
    times = []
    for index in range(count):
        moved = interview.interview_date + dt.timedelta(minutes=index + 1)
        started = time.perf_counter()
        response = client.patch(
            f"/api/interviews/{interview.pk}/", {"interview_date": moved.isoformat()}, format="json"
        )
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    return times


def summary(name: str, times: list[float]) -> str:
    return (
        f"| {name} | {len(times)} | {statistics.median(times):.1f} ms "
        f"| {harness.percentile(times, 0.95):.1f} ms | {max(times):.1f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hold", type=float, default=5.0, help="seconds held per message")
    parser.add_argument("--requests", type=int, default=20, help="PATCHes per series")
    args = parser.parse_args()

    harness.recreate_database(DATABASE)
    handler = HoldingHandler(args.hold)
    port = harness.free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        call_command("migrate", verbosity=0)
        smtp = mail_settings(DJANGO_SMTP_BACKEND, host="127.0.0.1", port=port, timeout=30)
        for name, value in smtp.items():
            setattr(settings, name, value)
        user = get_user_model().objects.create_user("bench", "bench@example.com", "x-bench-pw-1")
        client = APIClient()
        client.force_authenticate(user)
        moment = (timezone.now() + dt.timedelta(hours=3)).replace(microsecond=0)
        interview = Interview.objects.create(
            user=user, company_name="Acme", position="Dev", interview_date=moment
        )
        claimed = claim_due()
        outcome: list[str] = []

        def send_all() -> None:
            try:
                outcome.extend(deliver(pk) for pk in claimed)
            finally:
                connection.close()

        sender = threading.Thread(target=send_all)
        started = time.perf_counter()
        sender.start()
        if not handler.received.wait(30):
            raise RuntimeError("the reminder never reached the mail server")
        during = patch_times(client, interview, args.requests)
        patched_by = time.perf_counter() - started
        sender.join(args.hold + 60)
        quiet = patch_times(client, interview, args.requests)
        print(f"Mail server holds each message {args.hold:.1f} s; sends: {outcome}")
        print(f"All {args.requests} PATCHes done {patched_by:.2f} s after the send began.\n")
        print("| PATCH interview_date | n | median | p95 | max |")
        print("|---|---:|---:|---:|---:|")
        print(summary("no send in flight", quiet))
        print(summary("while the server holds its reminder", during))
    finally:
        controller.stop()
        connection.close()
        harness.drop_database(DATABASE)


if __name__ == "__main__":
    main()
