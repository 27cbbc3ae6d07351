#!/usr/bin/env python
"""Cost of polling the calendar feed with 1,000 moments: a full answer and a 304.

The example project is served by gunicorn on loopback (``config.settings.dev``
with DEBUG off and the feed's rate limit lifted, PostgreSQL in a database of
its own). One user gets 500 applications with an interview date and a round
each (1,000 events), beside other users' data. Requests are sequential over
one keep-alive connection: first full answers, then conditional ones with the
ETag of the first, which answer 304 without a body.

    .venv/bin/python bench/bench_calendar.py
    .venv/bin/python bench/bench_calendar.py --moments 5000 --requests 20

gunicorn is stopped and the database dropped at the end (``--keep-database``
keeps it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import sys
import time
from typing import Any

import harness

REQUEST_TIMEOUT_SECONDS = 30


def seed(username: str, moments: int) -> Any:
    """A user with ``moments // 2`` applications, each with a date and a round."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from interview_coordinator.models import Interview, InterviewRound

    user = get_user_model().objects.create_user(username, f"{username}@example.com")
    now = timezone.now()
    interviews = Interview.objects.bulk_create(
        (
            Interview(
                user=user,
                company_name=f"Company {n}",
                position="Engineer",
                location="remote",
                notes=f"<p>Notes of <b>application {n}</b>: bring the portfolio.</p>",
                interview_date=now + dt.timedelta(hours=n % 2000 - 500),
            )
            for n in range(moments // 2)
        ),
        batch_size=2000,
    )
    InterviewRound.objects.bulk_create(
        (
            InterviewRound(
                interview=interview,
                stage="technical",
                duration_minutes=45,
                scheduled_date=now + dt.timedelta(hours=(n * 7) % 2000 - 400),
            )
            for n, interview in enumerate(interviews)
        ),
        batch_size=2000,
    )
    return user


def count_queries(user: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from interview_coordinator.calendar import feed_calendar, user_moments

    with CaptureQueriesContext(connection) as context:
        feed_calendar(user_moments(user.pk, timezone.now()))
    # The view adds one: the feed looked up by its token's hash.
    return len(context.captured_queries) + 1


def measure(port: int, path: str, requests: int, etag: str | None) -> tuple[list[float], int]:
    """Seconds per request and the size of the last body; every answer must be as expected."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
    headers = {"If-None-Match": etag} if etag else {}
    expected = 304 if etag else 200
    latencies = []
    size = 0
    try:
        for _index in range(requests):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            latencies.append(time.perf_counter() - started)
            if response.status != expected:
                sys.exit(f"HTTP {response.status} instead of {expected}: {body[:200]!r}")
            size = len(body)
    finally:
        connection.close()
    return latencies, size


def first_etag(port: int, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return str(response.getheader("ETag"))
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moments", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=50, help="measured per kind")
    parser.add_argument("--background", type=int, default=10_000, help="other users' moments")
    parser.add_argument("--database", default="ic_bench_calendar")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()

    harness.recreate_database(args.database)
    env = harness.example_env(
        "bench_calendar_settings",
        args.database,
        PYTHONPATH=os.pathsep.join([str(harness.EXAMPLE), str(harness.BENCH)]),
        DEBUG="0",
        CELERY_BROKER_URL="",
    )
    server = None
    try:
        harness.manage(env, "migrate", "--noinput")
        harness.setup_django(env, harness.BENCH)
        for index in range(0, args.background, 1000):
            seed(f"other{index}", min(1000, args.background - index))
        user = seed("bench", args.moments)
        from django.db import connection

        from interview_coordinator.calendar import issue_token

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        queries = count_queries(user)
        token, _feed = issue_token(user.pk)
        connection.close()
        path = f"/api/calendar/{token}.ics"
        port = harness.free_port()
        server = harness.start_gunicorn(env, port, workers=1)
        measure(port, path, 3, None)
        full, full_size = measure(port, path, args.requests, None)
        etag = first_etag(port, path)
        cached, _size = measure(port, path, args.requests, etag)
    finally:
        if server is not None:
            harness.stop(server)
        if not args.keep_database:
            harness.drop_database(args.database)
    print(
        f"{args.moments:,} moments, {args.requests} sequential requests per kind, "
        f"{args.background:,} other users' moments, {queries} SQL queries per request\n"
    )
    print("| answer | bytes | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for name, values, size in (("200 (full feed)", full, full_size), ("304 (ETag)", cached, 0)):
        print(
            f"| {name} | {size:,} | {harness.percentile(values, 0.5) * 1000:.1f} | "
            f"{harness.percentile(values, 0.95) * 1000:.1f} | {max(values) * 1000:.1f} |"
        )


if __name__ == "__main__":
    main()
