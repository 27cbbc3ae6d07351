#!/usr/bin/env python
"""A mixed, realistic load on the example project, served by gunicorn on loopback.

Starts gunicorn (several workers) on the production settings with PostgreSQL
and a Redis cache, seeds users, then drives a mixed workload from this process
(login, list, create, update, detail, dashboard, rounds) over keep-alive
connections for a bounded time, and reports throughput, p50/p95/p99 latency
and error counts per endpoint. Ends with an integrity check: every interview
the clients were told was created exists, and nothing else does.

    .venv/bin/python bench/load.py                  # 60 s, 32 connections
    .venv/bin/python bench/load.py --duration 10    # a quick look

Each virtual user comes from its own address behind one trusted proxy
(X-Forwarded-For with TRUSTED_PROXY_COUNT=1), as a deployment behind a load
balancer sees them, so the per-client credential limits apply per user.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import harness

PASSWORD = "load-test-pass-5521"

# Relative weights of the operations of one virtual user's loop.
MIX = {
    "list": 25,
    "detail": 20,
    "create": 10,
    "update": 10,
    "dashboard": 15,
    "rounds_list": 12,
    "round_create": 8,
}


def server_env(args: argparse.Namespace) -> dict[str, str]:
    return harness.example_env(
        "config.settings.prod",
        args.database,
        SECURE_SSL_REDIRECT="0",
        TRUSTED_PROXY_COUNT="1",
        REDIS_URL=args.redis_url,
        CELERY_BROKER_URL=args.broker_url,
    )


SEED = """
from django.contrib.auth import get_user_model
from interview_coordinator.models import Interview
User = get_user_model()
users = [User(username=f"load{{i}}", email=f"load{{i}}@example.com") for i in range({users})]
for user in users:
    user.set_password({password!r})
User.objects.bulk_create(users)
Interview.objects.bulk_create(
    Interview(user=user, company_name=f"Seed {{n}}", position="Engineer")
    for user in User.objects.filter(username__startswith="load")
    for n in range({interviews})
)
"""


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    created: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[name].append(seconds)
            self.statuses[name][status] += 1


class VirtualUser:
    """One job seeker: logs in, then browses and edits their own interviews."""

    def __init__(self, index: int, port: int, stats: Stats, rng: random.Random):
        self.index = index
        self.stats = stats
        self.rng = rng
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.address = f"127.10.{index // 250}.{index % 250 + 1}"
        self.token = ""
        self.user_id = 0
        self.interviews: list[int] = []
        self.rounds: list[int] = []

    def request(self, name: str, method: str, path: str, body: object = None) -> object:
        headers = {"Content-Type": "application/json", "X-Forwarded-For": self.address}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.connection.close()
            status, raw = 0, b""
        self.stats.record(name, status, time.perf_counter() - started)
        if status >= 400 or status == 0:
            return None
        return json.loads(raw) if raw else {}

    def login(self) -> None:
        answer = self.request(
            "login",
            "POST",
            "/api/auth/login/",
            {"username": f"load{self.index}", "password": PASSWORD},
        )
        if isinstance(answer, dict):
            self.token = answer["access"]
            self.user_id = answer["user"]["pk"]

    def step(self) -> None:
        operation = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        getattr(self, operation)()

    def list(self) -> None:
        answer = self.request("list", "GET", "/api/interviews/")
        if isinstance(answer, list):
            self.interviews = [row["id"] for row in answer]

    def detail(self) -> None:
        if self.interviews:
            self.request("detail", "GET", f"/api/interviews/{self.rng.choice(self.interviews)}/")

    def create(self) -> None:
        when = datetime.now(timezone.utc) + timedelta(days=self.rng.randint(1, 30))
        answer = self.request(
            "create",
            "POST",
            "/api/interviews/",
            {
                "company_name": f"Load {self.rng.randint(1, 10**6)}",
                "position": "Engineer",
                "interview_date": when.isoformat(),
                "interview_type": "technical",
            },
        )
        if isinstance(answer, dict):
            self.interviews.append(answer["id"])
            with self.stats.lock:
                self.stats.created[self.user_id].add(answer["id"])

    def update(self) -> None:
        if self.interviews:
            self.request(
                "update",
                "PATCH",
                f"/api/interviews/{self.rng.choice(self.interviews)}/",
                {"notes": f"<p>Prepared {self.rng.randint(1, 100)} answers</p>"},
            )

    def dashboard(self) -> None:
        self.request("dashboard", "GET", "/api/interviews/dashboard-stats/")

    def rounds_list(self) -> None:
        answer = self.request("rounds_list", "GET", "/api/interviews/rounds/")
        if isinstance(answer, list):
            self.rounds = [row["id"] for row in answer]

    def round_create(self) -> None:
        if self.interviews:
            when = datetime.now(timezone.utc) + timedelta(days=self.rng.randint(1, 30))
            self.request(
                "round_create",
                "POST",
                "/api/interviews/rounds/",
                {
                    "interview": self.rng.choice(self.interviews),
                    "stage": "technical",
                    "scheduled_date": when.isoformat(),
                    "duration_minutes": 60,
                },
            )


def drive(user: VirtualUser, stop_at: float, max_requests: int) -> None:
    user.login()
    sent = 0
    while user.token and time.monotonic() < stop_at and sent < max_requests:
        user.step()
        sent += 1


def report(stats: Stats, seconds: float) -> str:
    lines = [
        "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors | 5xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total = errors = server_errors = 0
    for name in ["login", *MIX]:
        values = stats.latencies.get(name, [])
        if not values:
            continue
        statuses = stats.statuses[name]
        bad = sum(n for code, n in statuses.items() if code >= 400 or code == 0)
        fives = sum(n for code, n in statuses.items() if code >= 500 or code == 0)
        total, errors, server_errors = total + len(values), errors + bad, server_errors + fives
        p50, p95, p99 = (harness.percentile(values, f) * 1000 for f in (0.5, 0.95, 0.99))
        lines.append(
            f"| {name} | {len(values)} | {len(values) / seconds:.1f} | "
            f"{p50:.1f} | {p95:.1f} | {p99:.1f} | {bad} | {fives} |"
        )
    lines.append(
        f"| **all** | {total} | {total / seconds:.1f} | | | | {errors} | {server_errors} |"
    )
    return "\n".join(lines)


def check_integrity(database: str, stats: Stats, seeded: int) -> list[str]:
    """Every interview a client was told was created exists, and no other appeared."""
    problems = []
    with harness.connect(database) as conn:
        rows = conn.execute(
            "SELECT user_id, id FROM interview_coordinator_interview "
            "WHERE company_name NOT LIKE 'Seed %%'"
        ).fetchall()
        seeded_rows = conn.execute(
            "SELECT count(*) FROM interview_coordinator_interview WHERE company_name LIKE 'Seed %%'"
        ).fetchone()
    stored: dict[int, set[int]] = defaultdict(set)
    for user_id, interview_id in rows:
        stored[user_id].add(interview_id)
    for user_id in set(stored) | set(stats.created):
        if stored[user_id] != stats.created[user_id]:
            problems.append(
                f"user {user_id}: told {len(stats.created[user_id])}, stored {len(stored[user_id])}"
            )
    if seeded_rows is None or seeded_rows[0] != seeded:
        problems.append(f"seeded interviews changed: {seeded_rows} != {seeded}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--interviews", type=int, default=20, help="seeded per user")
    parser.add_argument("--max-requests", type=int, default=100_000, help="per connection")
    parser.add_argument("--database", default="ic_bench_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    harness.recreate_database(args.database)
    env = server_env(args)
    harness.manage(env, "migrate", "--noinput")
    harness.manage(
        env,
        "shell",
        "-c",
        SEED.format(users=args.connections, password=PASSWORD, interviews=args.interviews),
    )
    subprocess.run(["redis-cli", "-u", args.redis_url, "flushdb"], check=False, capture_output=True)
    server = harness.start_gunicorn(env, args.port, workers=args.workers)
    stats = Stats()
    try:
        started = time.monotonic()
        stop_at = started + args.duration
        threads = [
            threading.Thread(
                target=drive,
                args=(
                    VirtualUser(i, args.port, stats, random.Random(i)),
                    stop_at,
                    args.max_requests,
                ),
            )
            for i in range(args.connections)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.duration + 60)
        elapsed = time.monotonic() - started
    finally:
        harness.stop(server)
    print(f"{args.connections} connections, {args.workers} gunicorn workers, {elapsed:.0f} s\n")
    print(report(stats, elapsed))
    problems = check_integrity(args.database, stats, args.connections * args.interviews)
    print("\nintegrity:", "ok" if not problems else "; ".join(problems))
    if problems or any(
        code >= 500 or code == 0 for codes in stats.statuses.values() for code in codes
    ):
        sys.exit(1)


if __name__ == "__main__":
    main()
