#!/usr/bin/env python
"""Cost of the follow-up digest scan and sends as the users grow: 1,000 vs 100,000 users.

Every user has nudges on and ``--applications`` open applications; ``--due``
of them have applications quiet long enough for a digest due now, the others
a digest planned some days ahead, as planning leaves them. Seeded in a
database of its own (``ic_bench_nudges``) with PostgreSQL-side
``INSERT … SELECT generate_series``, then ANALYZEd. Three things are timed:

- the scan (``claim_due`` with a batch of ``--due``), the claimed rows put
  back between runs so each run finds the same work;
- ``--sends`` digests taken, rendered, sent (to Django's in-memory backend,
  so no mail server's time is counted), nudges recorded and the next digest
  planned: per digest;
- re-planning one user's digest, as a write of one of their applications does.

    .venv/bin/python bench/bench_nudges.py                   # 1,000 and 100,000 users
    .venv/bin/python bench/bench_nudges.py --scales 1000 --runs 5

The database is dropped at the end (``--keep-database`` keeps the last one).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

import harness

DATABASE = "ic_bench_nudges"
ZONE = "Europe/Berlin"
# The user's local today, and its midnight as an instant.
LOCAL_TODAY = f"(now() AT TIME ZONE '{ZONE}')::date"
sys.path.insert(0, str(harness.ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ["DB_NAME"] = DATABASE
os.environ.pop("DB_ENGINE", None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from seeding import insert_select  # noqa: E402

from interview_coordinator.mailers import mail_settings  # noqa: E402
from interview_coordinator.models import (  # noqa: E402
    ApplicationEvent,
    FollowUpNudge,
    Interview,
    Profile,
    ReminderDelivery,
)
from interview_coordinator.reminders.digests import plan_digest  # noqa: E402
from interview_coordinator.reminders.dispatch import claim_due, deliver  # noqa: E402


def local_midnight(day_sql: str) -> str:
    return f"(({day_sql})::timestamp AT TIME ZONE '{ZONE}')"


def seed(users: int, applications: int, due: int) -> None:
    """Users 1..due have applications quiet for 10 days; the others had news yesterday."""
    from django.contrib.auth import get_user_model

    owner = f"1 + ((g - 1) %% {users})"
    quiet_for = f"CASE WHEN {owner} <= {due} THEN interval '10 days' ELSE interval '1 day' END"
    last_event = f"now() - {quiet_for}"
    is_due = f"g <= {due}"
    # Due users' digests belong to today (at 00:00, so already due); the others'
    # to the day their applications will have been quiet for seven days.
    digest_day = f"CASE WHEN {is_due} THEN {LOCAL_TODAY} ELSE {LOCAL_TODAY} + 7 END"
    statements = [
        insert_select(
            get_user_model(),
            str(users),
            {
                "username": "'bench' || g",
                "email": "'bench' || g || '@example.com'",
                "password": "'!'",
                "date_joined": "now()",
            },
        ),
        insert_select(
            Profile,
            str(users),
            {
                "user_id": "g",
                "timezone": f"'{ZONE}'",
                "follow_up_after_days": "7",
                "reminder_time": f"CASE WHEN {is_due} THEN time '00:00' ELSE time '09:00' END",
            },
        ),
        insert_select(
            Interview,
            str(users * applications),
            {
                "user_id": owner,
                "company_name": "'Company ' || g",
                "position": "'Engineer'",
                "interview_date": "NULL",
                "created_at": last_event,
                "updated_at": last_event,
                "last_event_at": last_event,
            },
        ),
        # Each application's timeline: its creation.
        insert_select(
            ApplicationEvent,
            str(users * applications),
            {
                "interview_id": "g",
                "user_id": owner,
                "kind": "'created'",
                "new_value": "'applied'",
                "stage": "'applied'",
                "created_at": last_event,
            },
        ),
        insert_select(
            ReminderDelivery,
            str(users),
            {
                "kind": "'digest'",
                "interview_id": "NULL",
                "user_id": "g",
                "digest_date": digest_day,
                "send_at": f"CASE WHEN {is_due} THEN {local_midnight(LOCAL_TODAY)} "
                f"ELSE {local_midnight(LOCAL_TODAY + ' + 7')} + interval '9 hours' END",
                "due_at": f"CASE WHEN {is_due} THEN {local_midnight(LOCAL_TODAY)} "
                f"ELSE {local_midnight(LOCAL_TODAY + ' + 7')} + interval '9 hours' END",
                "moment": f"CASE WHEN {is_due} THEN {local_midnight(LOCAL_TODAY + ' + 1')} "
                f"ELSE {local_midnight(LOCAL_TODAY + ' + 8')} + interval '9 hours' END",
                "status": "'pending'",
            },
        ),
    ]
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("ANALYZE")


def explain_claim(batch: int) -> str:
    query = (
        ReminderDelivery.objects.filter(
            status__in=["pending", "claimed", "sending"], due_at__lte=timezone.now()
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:batch]
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql} FOR UPDATE SKIP LOCKED", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure_scan(batch: int, runs: int) -> dict[str, Any]:
    timings, query_counts = [], []
    for _ in range(runs):
        now = timezone.now()
        due_at = list(
            ReminderDelivery.objects.filter(status="pending", due_at__lte=now).values_list(
                "pk", "due_at"
            )
        )
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            ids = claim_due(now=now, batch_size=batch)
            timings.append((time.perf_counter() - started) * 1000)
        if len(ids) != batch:
            raise SystemExit(f"expected {batch} due digests, the scan found {len(ids)}")
        query_counts.append(len(captured))
        # Put the claimed rows back, so the next run finds the same work.
        for pk, at in due_at:
            ReminderDelivery.objects.filter(pk=pk).update(
                status="pending", due_at=at, claimed_at=None
            )
    return summary(timings, query_counts)


def measure_sends(count: int) -> dict[str, Any]:
    """Send ``count`` of the due digests, one at a time, as the send task does."""
    from django.core import mail

    mail.outbox = []
    ids = claim_due(batch_size=count)
    timings, query_counts = [], []
    for delivery_id in ids:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            outcome = deliver(delivery_id)
            timings.append((time.perf_counter() - started) * 1000)
        if outcome != "sent":
            raise SystemExit(f"digest {delivery_id} was {outcome}, not sent")
        query_counts.append(len(captured))
    sent, nudged = len(getattr(mail, "outbox", ())), FollowUpNudge.objects.count()
    if sent != len(ids) or nudged < len(ids):
        raise SystemExit(f"{len(ids)} digests sent, {sent} emails and {nudged} nudges seen")
    return summary(timings, query_counts)


def measure_plans(users: int, runs: int) -> dict[str, Any]:
    """Re-plan the digest of users spread over the table, as an application's write does."""
    timings, query_counts = [], []
    for index in range(runs):
        user_id = 1 + (index * 7919) % users
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            plan_digest(user_id)
            timings.append((time.perf_counter() - started) * 1000)
        query_counts.append(len(captured))
    return summary(timings, query_counts)


def summary(timings: list[float], query_counts: list[int]) -> dict[str, Any]:
    return {
        "queries": sorted(set(query_counts)),
        "median_ms": statistics.median(timings),
        "p95_ms": harness.percentile(timings, 0.95),
        "max_ms": max(timings),
    }


def row(label: str, users: int, figures: dict[str, Any]) -> str:
    return (
        f"| {label} | {users:,} | {'/'.join(map(str, figures['queries']))} "
        f"| {figures['median_ms']:.1f} ms | {figures['p95_ms']:.1f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1000,100000", help="numbers of users")
    parser.add_argument("--applications", type=int, default=3, help="applications per user")
    parser.add_argument("--due", type=int, default=500, help="digests due now")
    parser.add_argument("--sends", type=int, default=100, help="digests sent and timed")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    for name, value in mail_settings("django.core.mail.backends.locmem.EmailBackend").items():
        setattr(settings, name, value)
    settings.DEBUG = False

    print(f"load average before: {os.getloadavg()}")
    rows = []
    try:
        for users in (int(value) for value in args.scales.split(",")):
            connection.close()
            harness.recreate_database(DATABASE)
            call_command("migrate", verbosity=0)
            started = time.perf_counter()
            seed(users, args.applications, args.due)
            seeded = time.perf_counter() - started
            interviews = Interview.objects.count()
            measure_scan(args.due, 2)  # warm the cache and the connection
            scan = measure_scan(args.due, args.runs)
            plan = explain_claim(args.due)
            sends = measure_sends(args.sends)
            plans = measure_plans(users, args.runs * 5)
            print(
                f"\n== {users:,} users, {interviews:,} applications, "
                f"{ReminderDelivery.objects.count():,} digests (seeded in {seeded:.0f} s)"
            )
            print(plan)
            rows += [
                row(f"scan claiming {args.due:,} due digests", users, scan),
                row("one digest sent (per digest)", users, sends),
                row("one user's digest re-planned", users, plans),
            ]
    finally:
        connection.close()
        if not args.keep_database:
            harness.drop_database(DATABASE)
    print(f"\nload average after: {os.getloadavg()}")
    print("\n| What | Users | Queries | Median | p95 |")
    print("|---|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
