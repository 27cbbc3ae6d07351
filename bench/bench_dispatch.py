#!/usr/bin/env python
"""Cost of one reminder dispatch scan as the table grows: 1,000 vs 100,000 users.

The scan claims due deliveries through the partial index on ``due_at``, so
with 1,000 deliveries due it should take the same number of SQL queries and
about the same time whether the table holds ten thousand future reminders or
a million. Each scale is seeded in a database of its own (``ic_bench_dispatch``)
with PostgreSQL-side ``INSERT … SELECT generate_series`` (users, profiles, one
interview per user, ``--per-user`` future deliveries per user, plus ``--due``
deliveries due now), then ANALYZEd as autovacuum would. The scan measured is
the package's own ``claim_due`` with a batch of ``--due`` rows; the claimed
rows are put back between runs so each run finds the same work.

    .venv/bin/python bench/bench_dispatch.py                  # 1,000 and 100,000 users
    .venv/bin/python bench/bench_dispatch.py --scales 1000 --runs 5

The database is dropped at the end (``--keep-database`` keeps the last one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from typing import Any

import harness

DATABASE = "ic_bench_dispatch"
THIS_MINUTE = "date_trunc('minute', now())"
sys.path.insert(0, str(harness.ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ["DB_NAME"] = DATABASE
os.environ.pop("DB_ENGINE", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from seeding import insert_select  # noqa: E402

from interview_coordinator.models import (  # noqa: E402
    Interview,
    Profile,
    ReminderDelivery,
)
from interview_coordinator.reminders.dispatch import claim_due  # noqa: E402


def recreate_database() -> None:
    """A fresh database per scale; Django's connection to the previous one is closed first."""
    connection.close()
    harness.recreate_database(DATABASE)


def drop_database() -> None:
    """Drop the benchmark's database once Django no longer holds a connection to it."""
    connection.close()
    harness.drop_database(DATABASE)


def seed(users: int, per_user: int, due: int) -> None:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    statements = [
        insert_select(
            user_model,
            str(users),
            {
                "username": "'bench' || g",
                "email": "'bench' || g || '@example.com'",
                "password": "'!'",
                "date_joined": "now()",
            },
        ),
        insert_select(Profile, str(users), {"user_id": "g", "timezone": "'Europe/Berlin'"}),
        insert_select(
            Interview,
            str(users),
            {
                "user_id": "g",
                "company_name": "'Company ' || g",
                "position": "'Engineer'",
                "interview_date": "now() + interval '30 days'",
            },
        ),
        # Future reminders: spread over the coming weeks, unique per interview.
        insert_select(
            ReminderDelivery,
            str(users * per_user),
            {
                "interview_id": f"1 + (g %% {users})",
                "moment": f"{THIS_MINUTE} + interval '2 days' + g * interval '1 minute'",
                "send_at": f"{THIS_MINUTE} + interval '1 day' + g * interval '1 minute'",
                "due_at": f"{THIS_MINUTE} + interval '1 day' + g * interval '1 minute'",
                "status": "'pending'",
            },
        ),
        # The reminders due now: their send time passed within the last minutes.
        insert_select(
            ReminderDelivery,
            str(due),
            {
                "interview_id": f"1 + (g %% {users})",
                "moment": "now() + interval '3 hours' + g * interval '1 second'",
                "send_at": "now() - g * interval '100 milliseconds'",
                "due_at": "now() - g * interval '100 milliseconds'",
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
            status__in=["pending", "sending"], due_at__lte=timezone.now()
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:batch]
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql} FOR UPDATE SKIP LOCKED", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(batch: int, runs: int) -> dict[str, Any]:
    timings, query_counts = [], []
    for _ in range(runs):
        now = timezone.now()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            ids = claim_due(now=now, batch_size=batch)
            timings.append((time.perf_counter() - started) * 1000)
        if len(ids) != batch:
            raise SystemExit(f"expected {batch} due deliveries, the scan found {len(ids)}")
        query_counts.append(len(captured))
        # Put the claimed rows back, so the next run finds the same work.
        ReminderDelivery.objects.filter(pk__in=ids).update(
            status="pending", due_at=now - dt.timedelta(seconds=1), claimed_at=None
        )
    return {
        "queries": sorted(set(query_counts)),
        "median_ms": statistics.median(timings),
        "min_ms": min(timings),
        "max_ms": max(timings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1000,100000", help="numbers of users")
    parser.add_argument("--per-user", type=int, default=10, help="future reminders per user")
    parser.add_argument("--due", type=int, default=1000, help="deliveries due now")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()

    results = []
    try:
        for users in (int(value) for value in args.scales.split(",")):
            recreate_database()
            call_command("migrate", verbosity=0)
            started = time.perf_counter()
            seed(users, args.per_user, args.due)
            seeded = time.perf_counter() - started
            total = ReminderDelivery.objects.count()
            measure(args.due, 2)  # warm the cache and the connection
            figures = measure(args.due, args.runs)
            plan = explain_claim(args.due)
            results.append((users, total, figures))
            print(f"\n== {users:,} users, {total:,} deliveries (seeded in {seeded:.0f} s)")
            print(
                f"queries per scan: {figures['queries']}, median {figures['median_ms']:.1f} ms "
                f"(min {figures['min_ms']:.1f}, max {figures['max_ms']:.1f}, {args.runs} runs)"
            )
            print(plan)
    finally:
        if not args.keep_database:
            drop_database()

    print("\n| Users | Deliveries in the table | Due | Queries per scan | Median | Min-max |")
    print("|---:|---:|---:|---:|---:|---:|")
    for users, total, figures in results:
        print(
            f"| {users:,} | {total:,} | {args.due:,} | {'/'.join(map(str, figures['queries']))} "
            f"| {figures['median_ms']:.1f} ms "
            f"| {figures['min_ms']:.1f}-{figures['max_ms']:.1f} ms |"
        )


if __name__ == "__main__":
    main()
