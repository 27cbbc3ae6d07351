#!/usr/bin/env python
"""Latency of the dashboard endpoint as a user's history grows: N = 100, 1,000, 10,000.

The statistics are computed by the database in a constant number of queries,
so the latency should stay nearly flat as N grows. This measures it the way a
client sees it: the example project served by gunicorn on loopback
(``config.settings.dev`` with DEBUG off, PostgreSQL in a database of its own),
one user per N seeded with ``bulk_create`` (N applications, two rounds each,
spread over statuses, stages, outcomes and dates) beside other users' data, so
that the planner sees a shared table, and statistics refreshed with ANALYZE as
autovacuum would. Requests are sequential, authenticated, over one keep-alive
connection per size, and interleaved across the sizes so that any other load
on the machine weighs on every size alike.

    .venv/bin/python bench/bench_dashboard.py                     # N = 100, 1000, 10000
    .venv/bin/python bench/bench_dashboard.py --sizes 100,1000 --requests 20

Every request and the whole run are bounded; gunicorn is stopped and the
database dropped at the end (``--keep-database`` keeps it for inspection).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import sys
import time
from typing import Any

import harness

URL = "/api/interviews/dashboard-stats/"
REQUEST_TIMEOUT_SECONDS = 30


def server_env(database: str) -> dict[str, str]:
    return harness.example_env("config.settings.dev", database, DEBUG="0", CELERY_BROKER_URL="")


def seed(username: str, size: int) -> Any:
    """A user with ``size`` applications and two rounds each."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from interview_coordinator.models import (
        ApplicationStatus,
        Interview,
        InterviewRound,
        InterviewStage,
        RoundOutcome,
        RoundStage,
    )

    user = get_user_model().objects.create_user(username, f"{username}@example.com")
    now = timezone.now()
    statuses = itertools.cycle(ApplicationStatus.values)
    stages = itertools.cycle(InterviewStage.values)
    interviews = Interview.objects.bulk_create(
        (
            Interview(
                user=user,
                company_name=f"Company {n}",
                position="Engineer",
                application_status=next(statuses),
                interview_stage=next(stages),
                application_date=(now - dt.timedelta(days=n % 120)).date(),
                status="scheduled" if n % 3 else None,
                interview_date=now + dt.timedelta(hours=n % 720 - 360),
            )
            for n in range(size)
        ),
        batch_size=2000,
    )
    outcomes = itertools.cycle(RoundOutcome.values)
    round_stages = itertools.cycle(RoundStage.values)
    InterviewRound.objects.bulk_create(
        (
            InterviewRound(
                interview=interview,
                stage=next(round_stages),
                outcome=next(outcomes),
                scheduled_date=now + dt.timedelta(hours=(n * 7) % 600 - 300),
            )
            for n, interview in enumerate(interviews * 2)
        ),
        batch_size=2000,
    )
    return user


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def count_queries(user: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from interview_coordinator.dashboard import dashboard_stats

    with CaptureQueriesContext(connection) as context:
        dashboard_stats(user)
    return len(context.captured_queries)


def measure(
    port: int, tokens: dict[int, str], warmup: int, requests: int
) -> dict[int, list[float]]:
    """Seconds per request for each size; checks every answer is a 200 for the right user."""
    connections = {
        size: http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
        for size in tokens
    }
    latencies: dict[int, list[float]] = {size: [] for size in tokens}
    try:
        for index in range(warmup + requests):
            for size, token in tokens.items():
                started = time.perf_counter()
                connections[size].request("GET", URL, headers={"Authorization": f"Bearer {token}"})
                response = connections[size].getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
                if response.status != 200:
                    sys.exit(f"N={size}: HTTP {response.status}: {body[:200]!r}")
                if json.loads(body)["total"] != size:
                    sys.exit(f"N={size}: wrong total in {body[:200]!r}")
                if index >= warmup:
                    latencies[size].append(elapsed)
    finally:
        for connection in connections.values():
            connection.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--requests", type=int, default=50, help="measured per size")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--background", type=int, default=20_000, help="other users' interviews, 500 per user"
    )
    parser.add_argument("--database", default="ic_bench_dashboard")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    harness.recreate_database(args.database)
    env = server_env(args.database)
    server = None
    try:
        harness.manage(env, "migrate", "--noinput")
        harness.setup_django(env)
        for index in range(0, args.background, 500):
            seed(f"other{index}", min(500, args.background - index))
        seeded = {}
        for size in sizes:
            started = time.monotonic()
            seeded[size] = seed(f"bench{size}", size)
            print(f"seeded N={size} in {time.monotonic() - started:.1f} s", file=sys.stderr)
        analyze()
        queries = {size: count_queries(user) for size, user in seeded.items()}
        from django.db import connection
        from rest_framework_simplejwt.tokens import AccessToken

        connection.close()
        port = harness.free_port()
        server = harness.start_gunicorn(env, port, workers=1)
        # Minted last: access tokens are short-lived.
        tokens = {size: str(AccessToken.for_user(user)) for size, user in seeded.items()}
        latencies = measure(port, tokens, args.warmup, args.requests)
        rows = [
            f"| {size:,} | {queries[size]} | {harness.percentile(values, 0.5) * 1000:.1f} | "
            f"{harness.percentile(values, 0.95) * 1000:.1f} | {max(values) * 1000:.1f} |"
            for size, values in latencies.items()
        ]
    finally:
        if server is not None:
            harness.stop(server)
        if not args.keep_database:
            harness.drop_database(args.database)
    print(
        f"{args.requests} requests per size after {args.warmup} warm-up ones, "
        f"{args.background:,} other users' interviews in the tables\n"
    )
    print("| N interviews | SQL queries | p50 ms | p95 ms | max ms |")
    print("|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
