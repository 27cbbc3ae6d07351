"""What every benchmark needs around the code it measures.

PostgreSQL connection parameters, a database of the benchmark's own, the
example project's environment and ``manage.py``, gunicorn serving it on
loopback, and percentiles. The scripts in this directory import it as
``harness`` (run as ``.venv/bin/python bench/<script>.py``, their own
directory is first on ``sys.path``), so that every benchmark creates, serves
and measures the same way and their figures can be compared.

Every wait here is bounded, and every process started here is stopped by the
script that started it (``stop``).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_project"
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
SERVER_START_SECONDS = 30


def pg_params() -> dict[str, str]:
    """The server the benchmarks use, from the same ``DB_*`` variables as the settings.

    The defaults are a local PostgreSQL with trust authentication, as in
    development; the example project reads the same variables, so a server
    started with ``example_env`` reaches the same PostgreSQL as this process.
    """
    return {
        "host": os.environ.get("DB_HOST", "127.0.0.1"),
        "port": os.environ.get("DB_PORT", "5432"),
        "user": os.environ.get("DB_USER", "postgres"),
        "password": os.environ.get("DB_PASSWORD", ""),
    }


def connect(database: str = "postgres", *, autocommit: bool = False) -> psycopg.Connection:
    """A direct connection, outside Django: to manage databases or to check what was stored."""
    return psycopg.connect(dbname=database, autocommit=autocommit, **pg_params())


def recreate_database(name: str) -> None:
    """An empty database ``name``, whatever a previous (perhaps interrupted) run left.

    ``WITH (FORCE)`` ends the connections a killed run may have left open, so
    that a benchmark never measures on stale data.
    """
    with connect(autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    """Drop ``name`` even if connections to it are still open (gunicorn's, this process')."""
    with connect(autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def example_env(settings: str, database: str, **extra: str) -> dict[str, str]:
    """The environment of the example project on ``settings`` with the database ``database``.

    This process' environment without its ``DJANGO_SETTINGS_MODULE``, a fresh
    ``SECRET_KEY`` (nothing signed by one run is valid in another), loopback
    hosts and the ``DB_*`` variables of ``pg_params``; ``extra`` adds or
    overrides variables (a benchmark's Redis, debug mode, connection reuse).
    """
    params = pg_params()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DB_NAME=database,
        DB_USER=params["user"],
        DB_PASSWORD=params["password"],
        DB_HOST=params["host"],
        DB_PORT=str(params["port"]),
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """Run the example project's ``manage.py`` in ``env``; its output, or exit with its errors.

    A subprocess rather than ``call_command`` so that it sees exactly the
    settings gunicorn will serve.
    """
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def setup_django(env: dict[str, str], *paths: Path) -> None:
    """Use the server's settings in this process too, to seed data and mint tokens.

    The example project (and ``paths``, for a benchmark's own settings) go
    first on ``sys.path``, as they are on the server's.
    """
    os.environ.update(env)
    sys.path[:0] = [str(EXAMPLE), *(str(path) for path in paths)]
    import django

    django.setup()


def free_port() -> int:
    """A loopback port nothing listens on now, so runs never collide with other servers.

    ``BENCH_PORTS`` (``FIRST-LAST``) keeps the servers to a range of ports,
    on a machine whose users share the ports out.
    """
    span = os.environ.get("BENCH_PORTS")
    if span:
        first, last = (int(end) for end in span.split("-"))
        for port in range(first, last + 1):
            with socket.socket() as sock, contextlib.suppress(OSError):
                sock.bind(("127.0.0.1", port))
                return port
        raise RuntimeError(f"no free port in {span}")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Return once something accepts connections on ``port``; raise after ``timeout`` s.

    Gives up at once if ``process`` (the server expected to listen) has exited.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout} s")


def start_gunicorn(
    env: dict[str, str], port: int, *, workers: int, timeout: int = 60
) -> subprocess.Popen[bytes]:
    """Serve the example project in ``env`` with gunicorn on loopback, once it answers HTTP.

    Waiting for an HTTP answer (any status: the probe is unauthenticated)
    rather than for the port means a worker has loaded the project, so the
    first measured request does not pay for the boot. Exits if no answer comes
    within ``SERVER_START_SECONDS``. ``timeout`` is gunicorn's worker timeout.
    """
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--log-level",
            "warning",
        ],
        cwd=EXAMPLE,
        env=env,
    )
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/api/interviews/")
            connection.getresponse().read()
            return process
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
        finally:
            connection.close()
    stop(process)
    sys.exit(f"gunicorn did not answer within {SERVER_START_SECONDS} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started here: gracefully, then by force if it does not exit in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``values``, interpolated between the closest ranks.

    One definition for every benchmark (the one of numpy's default and of
    ``statistics.quantiles(method="inclusive")``), so that a p99 means the
    same in every table; ``percentile(values, 0.5)`` is the median.
    """
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
