#!/usr/bin/env python
"""Throughput, latency, queries and bytes of the interviews and rounds reads, over HTTP.

Seeds N interviews with 3 rounds each for two users on PostgreSQL (ORM
``bulk_create``), serves the example project with gunicorn (``DEBUG`` off,
persistent database connections), and drives each endpoint from threads in
this process with ``http.client``: the interviews list as an array and as a
page of 100, the detail with its rounds, the rounds list, and the same list
written as a plain DRF ``ModelSerializer`` (the baseline, measured in the same
run against the same data). Reports requests per second, p50/p99 latency,
SQL queries per request (counted by a middleware of the benchmark's own
settings, JWT user lookup included) and response bytes, as a Markdown table.

    .venv/bin/python bench/bench_api.py --quick          # N = 100, a few seconds
    .venv/bin/python bench/bench_api.py                  # N = 100, 1,000 and 5,000

Every run is bounded: at most --requests requests and --max-seconds seconds
per endpoint and size. The database (default ``ic_bench_api``) is recreated
at the start and dropped at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import harness

SETTINGS = "bench_api_settings"
ROUNDS_PER_INTERVIEW = 3


def server_env(database: str) -> dict[str, str]:
    return harness.example_env(
        SETTINGS,
        database,
        PYTHONPATH=os.pathsep.join([str(harness.EXAMPLE), str(harness.BENCH)]),
        DEBUG="0",
        DB_CONN_MAX_AGE="60",
    )


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def bench_users() -> list[object]:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    return [
        user_model.objects.get_or_create(username=name, defaults={"email": f"{name}@example.com"})[
            0
        ]
        for name in ("bench_owner", "bench_other")
    ]


def seed(users: list[object], count: int) -> list[int]:
    """Replace all interviews with ``count`` per user, 3 rounds each; the owner's ids."""
    from django.db import connection
    from django.utils import timezone

    from interview_coordinator.models import Interview, InterviewRound

    rng = random.Random(count)
    now = timezone.now()
    stages = ["applied", "screening", "technical", "onsite", "final", "completed"]
    statuses = ["in_progress", "in_progress", "offer", "rejected", "withdrawn"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {InterviewRound._meta.db_table}, {Interview._meta.db_table} CASCADE"
        )
    for user in users:
        interviews = Interview.objects.bulk_create(
            (
                Interview(
                    user=user,
                    company_name=f"Company {n}",
                    position=rng.choice(["Backend Engineer", "Data Engineer", "SRE"]),
                    interview_date=now + timedelta(hours=rng.randint(-500, 500)),
                    interview_type=rng.choice(["phone", "technical", "behavioral", "final"]),
                    status=rng.choice(["scheduled", "completed", None]),
                    location=rng.choice(["onsite", "remote", "hybrid"]),
                    interview_stage=rng.choice(stages),
                    application_status=rng.choice(statuses),
                    application_date=(now - timedelta(days=rng.randint(0, 90))).date(),
                    notes="<p>Prepared <b>system design</b> and questions.</p>",
                )
                for n in range(count)
            ),
            batch_size=1000,
        )
        InterviewRound.objects.bulk_create(
            (
                InterviewRound(
                    interview=interview,
                    stage=stage,
                    scheduled_date=now + timedelta(hours=rng.randint(-500, 500)),
                    duration_minutes=60,
                    outcome=rng.choice(["pending", "passed", "failed"]),
                    notes="Went well.",
                )
                for interview in interviews
                for stage in ("screening", "technical", "onsite")[:ROUNDS_PER_INTERVIEW]
            ),
            batch_size=2000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return list(Interview.objects.filter(user=users[0]).order_by("pk").values_list("pk", flat=True))


def access_token(user: object) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    return str(AccessToken.for_user(user))


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        return harness.percentile(self.latencies, fraction) * 1000


def fetch(port: int, token: str, path: str) -> tuple[float, int, int]:
    """One GET: its latency, SQL queries and body size. Fails loudly on a non-200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}: {body[:200]!r}")
    return elapsed, int(response.getheader("X-Bench-Queries", "-1")), len(body)


def measure(
    port: int,
    token: str,
    next_path: Callable[[int], str],
    *,
    requests: int,
    max_seconds: float,
    concurrency: int,
) -> Result:
    """Drive one endpoint from ``concurrency`` threads until the request or time budget ends."""
    for i in range(2):
        fetch(port, token, next_path(i))
    result = Result()
    lock = threading.Lock()
    issued = 0
    errors: list[BaseException] = []
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        nonlocal issued
        while True:
            with lock:
                if issued >= requests or time.monotonic() >= deadline or errors:
                    return
                issued += 1
                index = issued
            try:
                latency, queries, size = fetch(port, token, next_path(index))
            except (OSError, RuntimeError) as error:
                with lock:
                    errors.append(error)
                return
            with lock:
                result.latencies.append(latency)
                result.queries.append(queries)
                result.sizes.append(size)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max_seconds + 180)
    result.seconds = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"requests failed: {errors[0]}")
    return result


def endpoints(ids: list[int]) -> dict[str, Callable[[int], str]]:
    return {
        "interviews list (array)": lambda i: "/api/interviews/",
        "interviews list (?limit=100)": lambda i: "/api/interviews/?limit=100",
        "interview detail": lambda i: f"/api/interviews/{ids[i % len(ids)]}/",
        "rounds list (array)": lambda i: "/api/interviews/rounds/",
        "baseline: plain ModelSerializer list": lambda i: "/bench/plain-interviews/",
    }


def row(size: int, name: str, result: Result) -> str:
    queries = statistics.median(result.queries)
    size_bytes = statistics.median(result.sizes)
    return (
        f"| {size:,} | {name} | {len(result.latencies)} | {result.rps:,.1f} | "
        f"{result.percentile_ms(0.5):,.1f} | {result.percentile_ms(0.99):,.1f} | "
        f"{queries:g} | {size_bytes:,.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--requests", type=int, default=200, help="per endpoint and size")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="per endpoint and size")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--database", default="ic_bench_api")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--quick", action="store_true", help="N = 100, 30 requests each")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.requests, args.max_seconds = [100], 30, 5.0

    env = server_env(args.database)
    harness.recreate_database(args.database)
    harness.setup_django(env, harness.BENCH)
    migrate()
    owner, other = bench_users()
    token = access_token(owner)
    port = harness.free_port()
    server = harness.start_gunicorn(env, port, workers=args.workers, timeout=120)
    lines = [
        f"{args.workers} gunicorn workers, {args.concurrency} client threads, "
        f"up to {args.requests} requests or {args.max_seconds:g} s per endpoint and size.",
        "",
        "| N | endpoint | requests | req/s | p50 ms | p99 ms | SQL queries/req | bytes |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    speedups = []
    try:
        for size in args.sizes:
            ids = seed([owner, other], size)
            results = {}
            for name, next_path in endpoints(ids).items():
                results[name] = measure(
                    port,
                    token,
                    next_path,
                    requests=args.requests,
                    max_seconds=args.max_seconds,
                    concurrency=args.concurrency,
                )
                lines.append(row(size, name, results[name]))
                print(lines[-1], flush=True)
            lean = results["interviews list (array)"]
            plain = results["baseline: plain ModelSerializer list"]
            speedups.append(
                f"N = {size:,}: the list answers {lean.rps / plain.rps:.1f}x the requests per "
                f"second of the plain ModelSerializer list (p50 {plain.percentile_ms(0.5):,.1f}"
                f" → {lean.percentile_ms(0.5):,.1f} ms)."
            )
    finally:
        harness.stop(server)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            harness.drop_database(args.database)
    print()
    print("\n".join(lines))
    print()
    print("\n".join(f"- {line}" for line in speedups))


if __name__ == "__main__":
    main()
