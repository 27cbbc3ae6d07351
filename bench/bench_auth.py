#!/usr/bin/env python
"""What the credential rate limit costs, and how fast sign-in answers with Redis gone.

Runs in-process on the test settings against real PostgreSQL and Redis
(a database of its own, ``ic_bench_auth``, created and dropped here):

- the cost of counting one request (``ratelimit.enforce``, django-ratelimit's
  ``get_usage``) in Redis;
- login over Django's test client with Django's default password hasher
  (PBKDF2, as in production) and the same with the hasher cheapened, to show
  what the rate limit adds next to the hashing it protects;
- how long a login takes to answer 503 when the rate-limit Redis refuses
  connections, and when it hangs (a throwaway redis-server, stopped with
  SIGSTOP; the cache has 0.5 s socket timeouts).

    .venv/bin/python bench/bench_auth.py            # about 30 s

Every loop is bounded by --count; every process started here is stopped here.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import harness

DB_NAME = "ic_bench_auth"


def timed(fn: Callable[[], object], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def row(label: str, samples: list[float]) -> str:
    median, p99 = harness.percentile(samples, 0.5), harness.percentile(samples, 0.99)
    return f"| {label} | {len(samples)} | {median:.2f} ms | {p99:.2f} ms |"


@contextlib.contextmanager
def throwaway_redis() -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    executable = shutil.which("redis-server")
    if executable is None:
        sys.exit("redis-server is not installed")
    port = harness.free_port()
    process = subprocess.Popen(
        [
            executable,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        harness.wait_for_port(port, 10, process)
        yield port, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="requests per measurement")
    args = parser.parse_args()

    os.environ.update(DJANGO_SETTINGS_MODULE="tests.settings", DB_NAME=DB_NAME)
    os.environ.setdefault("REDIS_CACHE_DB", "14")
    sys.path.insert(0, str(harness.ROOT))
    harness.recreate_database(DB_NAME)
    try:
        run(args.count)
    finally:
        from django.db import connections

        connections.close_all()
        harness.drop_database(DB_NAME)


def run(count: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import RequestFactory, override_settings
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    from interview_coordinator.ratelimit import enforce

    setup_test_environment()
    call_command("migrate", verbosity=0)
    request = RequestFactory().post("/")
    print("| Measurement | Requests | Median | p99 |")
    print("|---|---:|---:|---:|")
    counted = timed(lambda: enforce(request, "bench", "bench-client", "1000000000/m", ""), count)
    print(row("count one request in Redis", counted))

    def login(client: APIClient) -> None:
        response = client.post(
            "/api/auth/login/", {"username": "bench", "password": "Bench-pass-4821"}, format="json"
        )
        assert response.status_code == 200, response.content

    no_limits = {"AUTH_RATE": "1000000/m", "LOGIN_ACCOUNT_RATE": "1000000/m"}
    default_hasher = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for label, hashers in (
        ("login, PBKDF2 (Django's default)", default_hasher),
        ("login, MD5 (hashing taken out)", ["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        with override_settings(PASSWORD_HASHERS=hashers, INTERVIEW_COORDINATOR=no_limits):
            get_user_model().objects.filter(username="bench").delete()
            get_user_model().objects.create_user("bench", "bench@example.com", "Bench-pass-4821")
            client = APIClient()
            times = count if "MD5" in label else max(5, count // 20)
            samples = timed(functools.partial(login, client), times)
            print(row(label, samples))

    with throwaway_redis() as (port, process):
        caches = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "ratelimit": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            },
        }
        with override_settings(CACHES=caches, RATELIMIT_USE_CACHE="ratelimit"):
            client = APIClient()
            body = {"username": "bench", "password": "Bench-pass-4821"}

            def refused() -> None:
                response = client.post("/api/auth/login/", body, format="json")
                assert response.status_code == 503, response.content

            process.send_signal(signal.SIGSTOP)
            print(row("login → 503, Redis hanging (SIGSTOP)", timed(refused, 5)))
            process.send_signal(signal.SIGCONT)
            process.terminate()
            process.wait(timeout=10)
            print(row("login → 503, Redis refusing connections", timed(refused, count)))


if __name__ == "__main__":
    main()
