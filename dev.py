#!/usr/bin/env python3
"""The newcomer's two commands, and the quality gates CI runs.

    python3 dev.py demo     run the example project with a demo account
                            (--new-password: new demo credentials; --port N)
    python3 dev.py test     run the whole test suite against PostgreSQL and Redis
    python3 dev.py check    lint, format, types, migrations, the docs, the suite on SQLite
                            (needs Redis)
    python3 dev.py docs     serve the documentation site (--port N; --build: build it
                            strictly into site/ instead)
    python3 dev.py release-check
                            build the sdist and the wheel into dist/, twine check them,
                            test what they hold and embed that wheel in a new project

Each creates (or reuses) the virtualenv in .venv, installs what it needs into
it, and is safe to run again. Only the standard library is used here, so it
runs with any Python >= 3.10 before anything is installed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
EXAMPLE = ROOT / "example_project"
# pip learned dependency groups (--group) in 25.1.
PIP_MINIMUM = "pip>=25.1"


def run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, env=env, cwd=cwd)


def ensure_venv(group: str) -> None:
    """Create .venv and install the package with a dependency group, once per change.

    A stamp of pyproject.toml's hash per group skips the install when nothing
    changed, which keeps a second run fast.
    """
    if not PYTHON.exists():
        print(f"Creating virtualenv in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / f".installed-{group}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", PIP_MINIMUM)
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".", "--group", group)
    stamp.write_text(digest)


def venv_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    env.update(extra)
    return env


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int, hint: str) -> None:
    if not port_open(host, port):
        sys.exit(f"{name} is not reachable at {host}:{port}. {hint}")


def require_redis() -> None:
    """The suite keeps rate-limit counters in Redis, on SQLite as on PostgreSQL."""
    require_service(
        "Redis",
        "127.0.0.1",
        6379,
        "The tests need it, also on SQLite: start one with "
        "`redis-server --bind 127.0.0.1 --port 6379 --save '' --daemonize yes`.",
    )


def test(args: list[str]) -> None:
    ensure_venv("test")
    host = os.environ.get("DB_HOST", "127.0.0.1")
    port = int(os.environ.get("DB_PORT", "5432"))
    require_service("PostgreSQL", host, port, "Start it, or point DB_HOST/DB_PORT/DB_USER at one.")
    require_redis()
    run(PYTHON, "-m", "pytest", *args, env=venv_env())


def check(args: list[str]) -> None:
    require_redis()
    ensure_venv("dev")
    env = venv_env()
    run(PYTHON, "-m", "ruff", "check", ".", env=env)
    run(PYTHON, "-m", "ruff", "format", "--check", ".", env=env)
    run(PYTHON, "-m", "mypy", env=env)
    build_docs()
    run(
        PYTHON, "manage.py", "makemigrations", "--check", "--dry-run",
        env=venv_env(DB_NAME=""), cwd=EXAMPLE,
    )  # fmt: skip
    run(PYTHON, "-m", "pytest", "-m", "not embedding and not slow", *args,
        env=venv_env(DB_ENGINE="sqlite"))  # fmt: skip


def build_docs() -> None:
    """Build the site strictly: a warning, a broken link or a missing page fails.

    The docs group's packages are installed by the caller (the dev group has them).
    """
    run(PYTHON, "-m", "mkdocs", "build", "--strict", "--clean", env=docs_env())


def docs_env() -> dict[str, str]:
    # Material's banner about MkDocs 2 is advice, not a fault of the site.
    return venv_env(NO_MKDOCS_2_WARNING="1")


def docs(args: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python3 dev.py docs",
        description="Serve the documentation site from docs/, rebuilt on every change.",
    )
    parser.add_argument("--port", type=int, default=8000, help="port of the server (8000)")
    parser.add_argument(
        "--build", action="store_true", help="build the site strictly into site/ and stop"
    )
    options = parser.parse_args(args)
    ensure_venv("docs")
    if options.build:
        build_docs()
        return
    address = f"127.0.0.1:{options.port}"
    with contextlib.suppress(KeyboardInterrupt):
        run(PYTHON, "-m", "mkdocs", "serve", "--strict", "--dev-addr", address, env=docs_env())


DIST = ROOT / "dist"


def release_check(args: list[str]) -> None:
    """Build, check and test the files a release uploads, as they will be uploaded."""
    ensure_venv("dev")
    host = os.environ.get("DB_HOST", "127.0.0.1")
    port = int(os.environ.get("DB_PORT", "5432"))
    require_service("PostgreSQL", host, port, "The embedding test creates a database there.")
    shutil.rmtree(DIST, ignore_errors=True)
    # Without --sdist/--wheel, build makes the sdist, then the wheel from the unpacked sdist.
    run(PYTHON, "-m", "build", "--outdir", DIST, env=venv_env())
    run(PYTHON, "-m", "twine", "check", "--strict", *sorted(DIST.iterdir()), env=venv_env())
    (wheel,) = DIST.glob("*.whl")
    env = venv_env(IC_DIST=str(DIST), IC_WHEEL=str(wheel))
    tests = ["tests/test_release.py", "tests/test_embedding.py"]
    run(PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests, *args, env=env)


def demo_options(args: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 dev.py demo",
        description="Run the example project with the demo account, which keeps its "
        "credentials from one run to the next.",
    )
    parser.add_argument(
        "--new-password", action="store_true", help="give the demo account a new password"
    )
    parser.add_argument("--port", type=int, default=8000, help="port of the server (8000)")
    return parser.parse_args(args)


def demo(args: list[str]) -> None:
    options = demo_options(args)
    ensure_venv("example")
    env = venv_env(DJANGO_SETTINGS_MODULE="config.settings.dev")
    manage = [PYTHON, "manage.py"]
    address = f"127.0.0.1:{options.port}"
    seed = ["seed_demo", "--base-url", f"http://{address}"]
    if options.new_password:
        seed.append("--new-password")
    run(*manage, "migrate", "--noinput", env=env, cwd=EXAMPLE)
    run(*manage, *seed, env=env, cwd=EXAMPLE)
    processes = []
    if os.environ.get("CELERY_BROKER_URL"):
        celery = [BIN / "celery", "-A", "config", "worker", "--beat", "--loglevel", "INFO"]
        processes.append(subprocess.Popen([str(c) for c in celery], cwd=EXAMPLE, env=env))
    else:
        print(
            "No CELERY_BROKER_URL: tasks run in this process and emails print here; "
            "reminders go out only with a broker (worker and beat start with it).",
            flush=True,
        )
    server = subprocess.Popen(
        [str(PYTHON), "manage.py", "runserver", address], cwd=EXAMPLE, env=env
    )
    processes.append(server)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()


COMMANDS = {
    "demo": demo,
    "test": test,
    "check": check,
    "docs": docs,
    "release-check": release_check,
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
