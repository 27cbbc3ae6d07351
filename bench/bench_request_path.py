#!/usr/bin/env python
"""Instructions per request of the package's reads against a bare view, counted by callgrind.

Python's own cost of serving one request, in-process, through Django's WSGI
handler with a persistent database connection (health checks on), as
gunicorn's worker would: the dashboard, an interview's detail and the
profile, each against the bare view of ``bench_dashboard_urls`` answering the
same bytes. Instruction counts (``valgrind --tool=callgrind``) hardly move
with the load on the machine, unlike requests per second, so they compare
ours and the bare view even on a busy machine. Each target is run twice
under callgrind, with ``--requests`` and twice as many requests; the
difference divided by the extra requests is one request's count, without
the start-up. PostgreSQL's own work is not counted (another process).

    .venv/bin/python bench/bench_request_path.py                 # about 5 minutes
    .venv/bin/python bench/bench_request_path.py --profile detail  # cProfile of one target

Needs ``valgrind`` on the PATH. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import harness
from bench_dashboard import DASHBOARD, PROFILE, seed, server_env

TARGETS = ("dashboard", "detail", "profile")


def prepare(args: argparse.Namespace, state: Path) -> None:
    """Migrate, seed the user, record the bodies the bare views answer, write what runs need."""
    harness.recreate_database(args.database)
    env = server_env(args.database, "600", state.with_name("bodies.json"))
    harness.setup_django(env, harness.BENCH)
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import AccessToken

    from interview_coordinator.models import Interview

    call_command("migrate", "--noinput", verbosity=0)
    user = seed("bench", args.size)
    paths = {
        "dashboard": DASHBOARD,
        "detail": f"/api/interviews/{Interview.objects.filter(user=user).first().pk}/",
        "profile": PROFILE,
    }
    token = str(AccessToken.for_user(user))
    bodies = {}
    for name, path in paths.items():
        status, body = call(path, token)
        if status != 200:
            sys.exit(f"GET {path}: {status} {body[:200]!r}")
        bodies[f"{name} {user.pk}"] = body.decode()
    state.with_name("bodies.json").write_text(json.dumps(bodies))
    state.write_text(json.dumps({"env": env, "paths": paths, "token": token}))


def call(path: str, token: str) -> tuple[int, bytes]:
    """One GET through Django's WSGI handler, as a WSGI server would make it."""
    from django.core.handlers.wsgi import WSGIHandler

    handler = getattr(call, "handler", None) or WSGIHandler()
    call.handler = handler  # type: ignore[attr-defined]
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    statuses: list[str] = []
    chunks = handler(environ, lambda status, headers, *_: statuses.append(status))
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return int(statuses[0].split()[0]), body


def run_requests(state: Path, target: str, requests: int, profile: bool) -> None:
    """Serve ``requests`` GETs of ``target`` (after two of warm-up) in this process."""
    saved = json.loads(state.read_text())
    harness.setup_django(saved["env"], harness.BENCH)
    path = saved["paths"][target.removeprefix("bare ")]
    if target.startswith("bare "):
        path = f"/bench/bare/{target.removeprefix('bare ')}/"
    token = saved["token"]
    for _ in range(2):
        call(path, token)
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(requests):
        status, _body = call(path, token)
        assert status == 200, status
    if profiler:
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(60)
    print(f"{target}: {1e3 * (time.perf_counter() - started) / requests:.3f} ms per request")


def instructions(state: Path, target: str, requests: int, workdir: Path) -> int:
    out = workdir / f"callgrind.{target.replace(' ', '_')}.{requests}"
    result = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--state",
            str(state),
            "--run",
            target,
            "--requests",
            str(requests),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="the user's applications")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database", default="ic_bench_request_path")
    parser.add_argument("--profile", choices=TARGETS, help="cProfile this target, no callgrind")
    parser.add_argument("--state", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_requests(args.state, args.run, args.requests, profile=False)
        return
    if args.profile is None and shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")

    workdir = Path(tempfile.mkdtemp(prefix="bench-request-path-"))
    state = workdir / "state.json"
    try:
        prepare(args, state)
        if args.profile:
            run_requests(state, args.profile, args.requests, profile=True)
            return
        counts: dict[str, float] = {}
        for target in TARGETS:
            for label in (target, f"bare {target}"):
                low = instructions(state, label, args.requests, workdir)
                high = instructions(state, label, 2 * args.requests, workdir)
                counts[label] = (high - low) / args.requests
                print(f"{label}: {counts[label]:,.0f} instructions per request", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        harness.drop_database(args.database)
    report(counts, args, os.getloadavg())


def report(counts: dict[str, Any], args: argparse.Namespace, load: tuple[float, ...]) -> None:
    print(
        f"callgrind, in-process WSGI handler, persistent connection, N = {args.size:,}; "
        f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
    )
    print("| endpoint | ours (instructions per request) | bare view | bare / ours |")
    print("|---|---:|---:|---:|")
    for target in TARGETS:
        ours, bare = counts[target], counts[f"bare {target}"]
        print(f"| {target} | {ours:,.0f} | {bare:,.0f} | {100 * bare / ours:.0f}% |")


if __name__ == "__main__":
    main()
