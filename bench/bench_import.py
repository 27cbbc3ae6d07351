#!/usr/bin/env python
"""Time of a CSV import and export: a dry run, a commit, a re-import, and the export.

Runs in-process on the example project's settings (PostgreSQL, a database of
its own, Celery tasks in-process so no broker is needed): a user imports a
file of N new applications (each with a future interview date, so every row
also plans its reminder), first as a dry run, then with ``?commit=1``, then
the same file again (every row matched, nothing created), and finally exports
everything as CSV. Requests go through DRF's test client, so the figures are
the view's own work without HTTP.

    .venv/bin/python bench/bench_import.py                 # N = 100, 1000
    .venv/bin/python bench/bench_import.py --sizes 500

The database is dropped at the end (``--keep-database`` keeps it).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import time
from typing import Any

import harness


def csv_file(size: int) -> bytes:
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["company_name", "position", "application_date", "interview_date", "interview_stage"]
    )
    for n in range(size):
        writer.writerow(
            [
                f"Company {n}",
                "Engineer",
                "2026-11-01",
                (start + dt.timedelta(hours=n)).isoformat(),
                "Phone Screening" if n % 2 else "applied",
            ]
        )
    return out.getvalue().encode("utf-8")


def timed(client: Any, method: str, url: str, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    response = getattr(client, method)(url, **kwargs)
    if hasattr(response, "streaming_content"):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        sys.exit(f"{method.upper()} {url}: HTTP {response.status_code}: {body[:300]!r}")
    return elapsed, response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--database", default="ic_bench_import")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    harness.recreate_database(args.database)
    env = harness.example_env(
        "config.settings.dev",
        args.database,
        DEBUG="0",
        CELERY_BROKER_URL="",
        ALLOWED_HOSTS="testserver",
    )
    rows = []
    try:
        harness.manage(env, "migrate", "--noinput")
        harness.setup_django(env)
        from django.contrib.auth import get_user_model
        from rest_framework.test import APIClient

        for size in sizes:
            user = get_user_model().objects.create_user(f"bench{size}", f"b{size}@example.com")
            client = APIClient()
            client.force_authenticate(user)
            body = csv_file(size)
            url = "/api/interviews/import/"
            dry, _response = timed(client, "post", url, data=body, content_type="text/csv")
            commit, response = timed(
                client, "post", f"{url}?commit=1", data=body, content_type="text/csv"
            )
            assert response.json()["summary"]["create"] == size, response.json()["summary"]
            again, response = timed(
                client, "post", f"{url}?commit=1", data=body, content_type="text/csv"
            )
            assert response.json()["summary"]["unchanged"] == size, response.json()["summary"]
            export, _response = timed(client, "get", "/api/interviews/export.csv")
            rows.append(f"| {size:,} | {dry:.2f} | {commit:.2f} | {again:.2f} | {export:.2f} |")
            print(f"N={size} done", file=sys.stderr)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_database:
            harness.drop_database(args.database)
    print("| N rows | dry run s | commit s | re-import s | export s |")
    print("|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
