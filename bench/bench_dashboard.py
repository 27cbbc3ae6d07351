#!/usr/bin/env python
"""The dashboard against the original's way of computing it and against a bare view, side by side.

One user per N (100, 1,000 and 10,000 applications, 3 rounds each, spread
over statuses, stages, outcomes and ±15 days around now) beside 20,000 other
users' applications, seeded with ``bulk_create`` and ``ANALYZE``d. The
example project (``config.settings.dev`` with DEBUG off, PostgreSQL, JWT) is
served by two gunicorn servers of 2 sync workers each, one with persistent
database connections (``CONN_MAX_AGE`` 600) and one without (a connection
per request); wrk drives each endpoint with 16 connections. For each N:

- **ours**: ``GET api/interviews/dashboard-stats/``;
- **original's way**: the same numbers computed as the service this package
  descends from did (``bench/original-dashboard/``, ``bench_dashboard_urls``);
- **bare**: a plain Django view authenticating the same JWT and answering
  the bytes ours answered (``bench/bare/``): the floor of any authenticated read.

The interview detail and the profile of the N = 1,000 user are measured the
same way against their own bare views. Every endpoint and both servers are
measured in rounds interleaved across them (``--rounds``), so that other load
on the machine weighs on all alike; req/s is the mean over the rounds, p50
the median of the rounds' p50s.

    .venv/bin/python bench/bench_dashboard.py                # about 8 minutes
    .venv/bin/python bench/bench_dashboard.py --quick        # N = 100 and 1,000, a few minutes

Needs ``wrk`` on the PATH. gunicorn is stopped and the database dropped at
the end (``--keep-database`` keeps it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import harness

SETTINGS = "bench_dashboard_settings"
DASHBOARD = "/api/interviews/dashboard-stats/"
ORIGINAL = "/bench/original-dashboard/"
PROFILE = "/api/profile/"
ROUNDS_PER_INTERVIEW = 3
OTHERS_PER_USER = 500
MODES = {"persistent": "600", "per request": "0"}
REQUEST_TIMEOUT_SECONDS = 30


def server_env(database: str, conn_max_age: str, bodies: Path) -> dict[str, str]:
    return harness.example_env(
        SETTINGS,
        database,
        PYTHONPATH=os.pathsep.join([str(harness.EXAMPLE), str(harness.BENCH)]),
        DEBUG="0",
        CELERY_BROKER_URL="",
        DB_CONN_MAX_AGE=conn_max_age,
        BENCH_BODIES=str(bodies),
    )


def seed(username: str, size: int) -> Any:
    """A user with ``size`` applications and three rounds each."""
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
            for n, interview in enumerate(interviews * ROUNDS_PER_INTERVIEW)
        ),
        batch_size=2000,
    )
    return user


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def queries_of(path: str, user: Any) -> int:
    """SQL queries of one request, in-process, the JWT user lookup included."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework_simplejwt.tokens import AccessToken

    client = Client(
        HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}"
    )
    client.get(path)
    with CaptureQueriesContext(connection) as context:
        client.get(path)
    return len(context.captured_queries)


def fetch(port: int, path: str, token: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        sys.exit(f"GET {path}: HTTP {response.status}: {body[:200]!r}")
    return body


LATENCY_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(port: int, path: str, token: str, seconds: float, connections: int) -> tuple[float, float]:
    """Requests per second and p50 in ms of ``seconds`` of wrk on one endpoint."""
    result = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{round(seconds)}s",
            "--timeout",
            f"{REQUEST_TIMEOUT_SECONDS}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + REQUEST_TIMEOUT_SECONDS + 10,
        check=True,
    )
    out = result.stdout
    if "Non-2xx" in out or "Socket errors" in out:
        fetch(port, path, token)  # exits with the answer when it is not a 200
        sys.exit(f"wrk reported errors on {path}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"\s50%\s+([\d.]+)(us|ms|s)\b", out).groups()
    return rps, float(value) * LATENCY_UNITS[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--background", type=int, default=20_000, help="other users' applications")
    parser.add_argument("--seconds", type=float, default=5.0, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="N = 100 and 1,000, 1 round of 3 s")
    parser.add_argument("--database", default="ic_bench_dashboard")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.rounds, args.seconds = "100,1000", 1, 3.0
    sizes = [int(size) for size in args.sizes.split(",")]
    middle = sizes[len(sizes) // 2]
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")

    workdir = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    bodies_path = workdir / "bodies.json"
    harness.recreate_database(args.database)
    envs = {mode: server_env(args.database, age, bodies_path) for mode, age in MODES.items()}
    # One key for both servers: the tokens minted here must be valid on each.
    envs["per request"]["SECRET_KEY"] = envs["persistent"]["SECRET_KEY"]
    servers: dict[str, Any] = {}
    try:
        harness.setup_django(envs["persistent"], harness.BENCH)
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)
        started = time.monotonic()
        for index in range(0, args.background, OTHERS_PER_USER):
            seed(f"other{index}", min(OTHERS_PER_USER, args.background - index))
        users = {size: seed(f"bench{size}", size) for size in sizes}
        analyze()
        print(f"seeded in {time.monotonic() - started:.0f} s", file=sys.stderr)
        from django.db import connection
        from rest_framework_simplejwt.tokens import AccessToken

        from interview_coordinator.models import Interview

        detail = f"/api/interviews/{Interview.objects.filter(user=users[middle]).first().pk}/"
        targets = []  # (section, N, label, path, user)
        for size in sizes:
            targets += [
                ("dashboard", size, "ours", DASHBOARD, users[size]),
                ("dashboard", size, "original's way", ORIGINAL, users[size]),
                ("dashboard", size, "bare view, same bytes", "/bench/bare/dashboard/", users[size]),
            ]
        for name, path in (("detail", detail), ("profile", PROFILE)):
            targets += [
                (name, middle, "ours", path, users[middle]),
                (name, middle, "bare view, same bytes", f"/bench/bare/{name}/", users[middle]),
            ]
        tokens = {user.pk: str(AccessToken.for_user(user)) for user in users.values()}

        for mode, env in envs.items():
            port = harness.free_port()
            servers[mode] = (port, harness.start_gunicorn(env, port, workers=args.workers))
        port = servers["persistent"][0]
        bodies = {}
        for size, user in users.items():
            body = fetch(port, DASHBOARD, tokens[user.pk])
            if json.loads(body)["total"] != size:
                sys.exit(f"N={size}: wrong total in {body[:200]!r}")
            bodies[f"dashboard {user.pk}"] = body.decode()
        bodies[f"detail {users[middle].pk}"] = fetch(
            port, detail, tokens[users[middle].pk]
        ).decode()
        bodies[f"profile {users[middle].pk}"] = fetch(
            port, PROFILE, tokens[users[middle].pk]
        ).decode()
        bodies_path.write_text(json.dumps(bodies))
        queries = {(size, path): queries_of(path, user) for _s, size, _l, path, user in targets}
        connection.close()

        results: dict[tuple[str, int, str, str], list[tuple[float, float]]] = {}
        for round_index in range(-1, args.rounds):
            # Round -1 warms every endpoint of both servers up and is not recorded.
            seconds = 1.0 if round_index < 0 else args.seconds
            for mode, (port, _process) in servers.items():
                for section, size, label, path, user in targets:
                    measured = wrk(port, path, tokens[user.pk], seconds, args.connections)
                    if round_index >= 0:
                        results.setdefault((section, size, label, mode), []).append(measured)
            if round_index >= 0:
                print(f"round {round_index + 1} of {args.rounds} done", file=sys.stderr)
    finally:
        for _port, process in servers.values():
            harness.stop(process)
        shutil.rmtree(workdir, ignore_errors=True)
        if not args.keep_database:
            harness.drop_database(args.database)

    report(results, queries, targets, args, os.getloadavg())


def summary(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.mean(rps for rps, _ in runs), statistics.median(p50 for _, p50 in runs)


def report(results, queries, targets, args, load) -> None:
    print(
        f"gunicorn {args.workers} sync workers, wrk 1 thread {args.connections} connections, "
        f"{args.rounds} interleaved rounds of {args.seconds:g} s per endpoint and server, "
        f"{args.background:,} other users' applications; "
        f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
    )
    modes = list(MODES)
    header = "| section | N | endpoint | SQL queries | " + " | ".join(
        f"req/s ({mode}) | p50 ms ({mode})" for mode in modes
    )
    print(header + " |")
    print("|---|---:|---|---:|" + "---:|---:|" * len(modes))
    for section, size, label, path, _user in targets:
        cells = []
        for mode in modes:
            rps, p50 = summary(results[(section, size, label, mode)])
            cells += [f"{rps:,.1f}", f"{p50:.1f}"]
        count = queries[(size, path)]
        print(f"| {section} | {size:,} | {label} | {count} | " + " | ".join(cells) + " |")

    print(
        "\n| section | N | "
        + " | ".join(f"ours / original's way ({mode}) | ours / bare ({mode})" for mode in modes)
        + " |"
    )
    print("|---|---:|" + "---:|---:|" * len(modes))
    for section, size in dict.fromkeys((t[0], t[1]) for t in targets):
        cells = []
        for mode in modes:
            ours = summary(results[(section, size, "ours", mode)])[0]
            original = results.get((section, size, "original's way", mode))
            bare = summary(results[(section, size, "bare view, same bytes", mode)])[0]
            cells.append(f"{ours / summary(original)[0]:.1f}x" if original else "-")
            cells.append(f"{100 * ours / bare:.0f}%")
        print(f"| {section} | {size:,} | " + " | ".join(cells) + " |")

    sizes = sorted({t[1] for t in targets if t[0] == "dashboard"})
    for mode in modes:
        p50s = [summary(results[("dashboard", size, "ours", mode)])[1] for size in sizes]
        print(
            f"\ndashboard p50 ({mode}): "
            + ", ".join(f"N={size:,} {p50:.1f} ms" for size, p50 in zip(sizes, p50s, strict=True))
            + f"; largest N / smallest N = {p50s[-1] / p50s[0]:.2f}"
        )


if __name__ == "__main__":
    main()
