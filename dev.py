#!/usr/bin/env python3
"""The newcomer's two commands, and the quality gates CI runs.

    python3 dev.py demo     run the example project with a demo account
                            (--new-password: new demo credentials; --port N)
    python3 dev.py test     run the whole test suite against PostgreSQL and Redis,
                            in three pytest-xdist workers (-n 0: in one process)
    python3 dev.py check    lint, format, types, migrations, the docs, the suite on SQLite
                            (needs Redis)
    python3 dev.py docs     serve the documentation site (--port N; --build: build it
                            strictly into site/ instead)
    python3 dev.py release-check
                            build the sdist and the wheel into dist/, twine check them,
                            test what they hold and embed that wheel in a new project
    python3 dev.py matrix   the suite on every supported Python x Django pair (pyenv's
                            interpreters; --only py313-django61,... ; --redis-port N;
                            arguments after -- go to pytest)

Each creates (or reuses) the virtualenv in .venv, installs what it needs into
it, and is safe to run again. Only the standard library is used here, so it
runs with any Python >= 3.10 before anything is installed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import glob
import hashlib
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from dataclasses import dataclass
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


# The suite mostly waits (servers, Celery workers, SMTP, subprocesses), so
# three pytest-xdist workers keep two cores busy. Each worker has its own test
# database (test_$DB_NAME_gwN) and Redis database (REDIS_CACHE_DB + N).
TEST_WORKERS = "3"
SERIAL = ("-n", "--numprocesses", "--pdb", "--trace", "no:xdist")


def parallel(args: list[str]) -> list[str]:
    """The xdist options for a run of the whole suite, unless the arguments choose.

    Named tests (``tests/test_x.py``) run in one process, which starts faster
    than three and takes one Redis database; ``-n 0`` runs the whole suite in
    one process too, as ``--pdb`` needs. ``loadgroup`` keeps the tests of a
    module-scoped fixture on one worker (tests/conftest.py).
    """
    if any(arg.startswith(SERIAL) for arg in args):
        return []
    if any(not arg.startswith("-") and (ROOT / arg.split("::")[0]).exists() for arg in args):
        return []
    return ["-n", TEST_WORKERS, "--dist", "loadgroup"]


def test(args: list[str]) -> None:
    ensure_venv("test")
    host = os.environ.get("DB_HOST", "127.0.0.1")
    port = int(os.environ.get("DB_PORT", "5432"))
    require_service("PostgreSQL", host, port, "Start it, or point DB_HOST/DB_PORT/DB_USER at one.")
    require_redis()
    run(PYTHON, "-m", "pytest", *parallel(args), *args, env=venv_env())


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
    run(PYTHON, "-m", "pytest", "-m", "not embedding and not slow", *parallel(args), *args,
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


# Every supported (Python, Django) pair: Django 6.0 and 6.1 need Python 3.12+.
# The oldest and the newest run the whole suite; the others skip the slow
# end-to-end tests, which exercise the same code through real servers.
MATRIX = [
    ("3.10", "5.2"),
    ("3.11", "5.2"),
    ("3.12", "5.2"),
    ("3.13", "5.2"),
    ("3.12", "6.0"),
    ("3.13", "6.0"),
    ("3.12", "6.1"),
    ("3.13", "6.1"),
]
MATRIX_VENVS = ROOT / ".venvs"
# Two pairs at a time, each in TEST_WORKERS pytest-xdist workers as dev.py
# test runs the suite: a pair's pytest process mostly waits on the servers,
# workers and subprocesses its tests start. Each slot has a Redis server of
# its own, so that the workers' databases never meet another run's.
MATRIX_JOBS = 2
QUICK = "not slow and not embedding"


@dataclass(frozen=True)
class Pair:
    python: str
    django: str
    whole: bool

    @property
    def name(self) -> str:
        return f"py{self.python.replace('.', '')}-django{self.django.replace('.', '')}"

    @property
    def venv(self) -> Path:
        return MATRIX_VENVS / self.name

    @property
    def requirement(self) -> str:
        major, minor = self.django.split(".")
        return f"Django>={self.django},<{major}.{int(minor) + 1}"


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def matrix_pairs(only: str) -> list[Pair]:
    def age(pair: tuple[str, str]) -> tuple[tuple[int, ...], ...]:
        return version(pair[1]), version(pair[0])

    ends = (min(MATRIX, key=age), max(MATRIX, key=age))
    pairs = [Pair(python, django, (python, django) in ends) for python, django in MATRIX]
    if not only:
        return pairs
    wanted = set(only.split(","))
    unknown = wanted - {pair.name for pair in pairs}
    if unknown:
        sys.exit(f"Unknown pairs {', '.join(sorted(unknown))}; known: "
                 + ", ".join(pair.name for pair in pairs))  # fmt: skip
    return [pair for pair in pairs if pair.name in wanted]


def find_python(wanted: str) -> Path:
    """The newest installed release of Python ``wanted``: pyenv's, else one on PATH.

    A missing interpreter stops the run: a pair that cannot run must fail CI,
    not be skipped.
    """
    releases: dict[tuple[int, ...], Path] = {}
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=True)
        for path in glob.glob(f"{root.stdout.strip()}/versions/{wanted}.*/bin/python"):
            release = Path(path).parent.parent.name
            if release.replace(".", "").isdigit():  # not 3.13.0t or 3.12-dev
                releases[version(release)] = Path(path)
    candidates = [releases[key] for key in sorted(releases, reverse=True)]
    on_path = shutil.which(f"python{wanted}")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        probe = subprocess.run(
            [str(candidate), "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if probe.returncode == 0 and probe.stdout.strip() == wanted:
            return candidate
    sys.exit(f"No Python {wanted} found (pyenv's versions/{wanted}.*, or python{wanted} "
             f"on PATH): install it, e.g. `pyenv install {wanted}`.")  # fmt: skip


def ensure_pair_venv(pair: Pair, interpreter: Path, log: Path) -> Path:
    """The pair's own virtualenv with the package, the test group and its Django."""
    python = pair.venv / "bin" / "python"
    digest = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes()
        + pair.requirement.encode()
        + str(interpreter).encode()
    ).hexdigest()
    stamp = pair.venv / ".installed-test"
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    with log.open("a") as out:
        steps = []
        if not python.exists() or python.resolve() != interpreter.resolve():
            steps.append([str(interpreter), "-m", "venv", "--clear", str(pair.venv)])
        steps += [
            [str(python), "-m", "pip", "install", "--quiet", "--upgrade", PIP_MINIMUM],
            [str(python), "-m", "pip", "install", "--quiet", "-e", ".", "--group", "test",
             pair.requirement],
        ]  # fmt: skip
        for step in steps:
            out.write("+ " + " ".join(step) + "\n")
            out.flush()
            subprocess.run(step, check=True, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    stamp.write_text(digest)
    return python


@dataclass(frozen=True)
class Outcome:
    pair: Pair
    ok: bool
    seconds: float
    summary: str
    log: Path


@contextlib.contextmanager
def slot_redis(port: int) -> Iterator[str]:
    """A Redis server of a matrix slot's own, on 127.0.0.1:port, stopped on leaving.

    Each xdist worker of a pair takes a Redis database; with a server per
    slot, two pairs side by side (and anyone else's runs on the machine's
    Redis) never share one.
    """
    executable = shutil.which("redis-server")
    if executable is None:
        sys.exit("dev.py matrix needs redis-server on PATH (the tests start their own too).")
    server = subprocess.Popen(
        [executable, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", port):
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"No Redis server could listen on 127.0.0.1:{port}.")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_pair(pair: Pair, interpreter: Path, redis_url: str, pytest_args: list[str]) -> Outcome:
    """Install and test one pair, with its own venv, databases and Redis server."""
    start = time.monotonic()
    log = MATRIX_VENVS / f"{pair.name}.log"
    log.parent.mkdir(exist_ok=True)
    log.write_text("")
    base_db = os.environ.get("DB_NAME") or "interview_coordinator"
    env = dict(os.environ, DB_NAME=f"{base_db}_{pair.name.replace('-', '_')}",
               REDIS_URL=redis_url)  # fmt: skip
    env.pop("VIRTUAL_ENV", None)
    try:
        python = ensure_pair_venv(pair, interpreter, log)
    except subprocess.CalledProcessError:
        return Outcome(pair, False, time.monotonic() - start, "installation failed", log)
    marks = [] if pair.whole else ["-m", QUICK]
    command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *marks,
               *parallel(pytest_args), *pytest_args]  # fmt: skip
    with log.open("a") as out:
        out.write("+ " + " ".join(command) + "\n")
        out.flush()
        result = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                check=False)  # fmt: skip
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    summary = lines[-1].strip("= ") if lines else "no output"
    return Outcome(pair, result.returncode == 0, time.monotonic() - start, summary, log)


def venv_pair() -> str:
    """The name of the pair .venv holds, e.g. py311-django52."""
    probe = "import sys, django; print('%d%d' % sys.version_info[:2], '%d%d' % django.VERSION[:2])"
    result = subprocess.run([PYTHON, "-c", probe], capture_output=True, text=True, check=True)
    python, django = result.stdout.split()
    return f"py{python}-django{django}"


def say(line: str) -> None:
    """Print a line in one write: the matrix's threads report side by side."""
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def matrix(args: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python3 dev.py matrix", description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated pairs, e.g. py313-django61")
    parser.add_argument(
        "--jobs", type=int, default=MATRIX_JOBS, help=f"pairs at a time ({MATRIX_JOBS})"
    )
    parser.add_argument(
        "--redis-port",
        type=int,
        default=0,
        help="the first slot's Redis server listens there, the next on the next port "
        "(default: spare ports)",
    )
    parser.add_argument(
        "--after-test",
        action="store_true",
        help="`dev.py test` has just passed: the pair .venv holds, whose whole suite it ran, "
        "is not run again",
    )
    options, pytest_args = parser.parse_known_args(args)
    pytest_args = [arg for arg in pytest_args if arg != "--"]
    require_redis()
    pairs = matrix_pairs(options.only)
    if options.after_test:
        done = venv_pair()
        print(f"matrix: {done} ran the whole suite in .venv (dev.py test)", flush=True)
        pairs = [pair for pair in pairs if pair.name != done]
    interpreters = {pair.python: find_python(pair.python) for pair in pairs}
    # The whole-suite pairs first, so that the short ones fill in beside them.
    pairs.sort(key=lambda pair: not pair.whole)
    start = time.monotonic()
    free_slots = queue.SimpleQueue[str]()

    def job(pair: Pair) -> Outcome:
        redis_url = free_slots.get()
        try:
            scope = "whole suite" if pair.whole else QUICK
            say(f"matrix: {pair.name} ({scope}) started")
            return run_pair(pair, interpreters[pair.python], redis_url, pytest_args)
        finally:
            free_slots.put(redis_url)

    outcomes: list[Outcome] = []
    with (
        contextlib.ExitStack() as servers,
        concurrent.futures.ThreadPoolExecutor(options.jobs) as pool,
    ):
        for slot in range(options.jobs):
            port = options.redis_port + slot if options.redis_port else spare_port()
            free_slots.put(servers.enter_context(slot_redis(port)))
        for future in concurrent.futures.as_completed([pool.submit(job, p) for p in pairs]):
            outcome = future.result()
            state = "ok" if outcome.ok else "FAILED"
            seconds = f"{outcome.seconds:.0f} s"
            say(f"matrix: {outcome.pair.name} {state} in {seconds}: {outcome.summary}")
            outcomes.append(outcome)
    failed = [outcome for outcome in outcomes if not outcome.ok]
    for outcome in failed:
        print(f"\n----- {outcome.pair.name}: last lines of {outcome.log} -----", flush=True)
        print("\n".join(outcome.log.read_text().splitlines()[-60:]), flush=True)
    print(f"matrix: {len(outcomes) - len(failed)} pairs passed, {len(failed)} failed "
          f"in {time.monotonic() - start:.0f} s", flush=True)  # fmt: skip
    if failed:
        sys.exit(1)


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


# Run by .venv's Python, which has psycopg (dev.py itself runs on any python3):
# the DB_* variables are the example project's, with its defaults.
CREATE_DATABASE = """
import os, sys
import psycopg
from psycopg import sql

name = os.environ["DB_NAME"]
host, port = os.environ.get("DB_HOST", "127.0.0.1"), os.environ.get("DB_PORT", "5432")
user = os.environ.get("DB_USER", "postgres")
params = dict(host=host, port=port, user=user, password=os.environ.get("DB_PASSWORD", ""))
try:
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **params) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created the PostgreSQL database {name!r}.", flush=True)
except psycopg.Error as error:
    reason = " ".join(str(error).split()) or type(error).__name__
    sys.exit(
        f"Cannot create the PostgreSQL database {name!r} as the role {user!r} ({reason}). "
        f"Create it as a role that may (createdb -h {host} -p {port} -U postgres {name}), "
        "or set DB_USER and DB_PASSWORD to one, and run again."
    )
"""


def ensure_database(env: dict[str, str]) -> None:
    """Create the PostgreSQL database DB_NAME names when it is missing, as ``migrate`` needs it.

    A role that may not create it ends the command with one line saying how
    to, rather than Django's traceback of a failed connection.
    """
    if not env.get("DB_NAME"):
        return  # SQLite: migrate creates the file.
    result = subprocess.run([str(PYTHON), "-c", CREATE_DATABASE], env=env, check=False)
    if result.returncode:
        sys.exit(result.returncode)


def demo(args: list[str]) -> None:
    options = demo_options(args)
    ensure_venv("example")
    env = venv_env(DJANGO_SETTINGS_MODULE="config.settings.dev")
    manage = [PYTHON, "manage.py"]
    address = f"127.0.0.1:{options.port}"
    seed = ["seed_demo", "--base-url", f"http://{address}"]
    if options.new_password:
        seed.append("--new-password")
    ensure_database(env)
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
    "matrix": matrix,
    "release-check": release_check,
}


def main() -> None:
    """Run the command; a failing step ends it with the step's status and one line.

    The step has already printed what went wrong: a traceback of this script
    on top would only bury it.
    """
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    try:
        COMMANDS[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as error:
        command = " ".join(str(arg) for arg in error.cmd)
        print(f"dev.py {sys.argv[1]}: `{command}` exited with status {error.returncode}",
              file=sys.stderr, flush=True)  # fmt: skip
        # A child killed by signal N ends as a shell reports it: 128 + N.
        sys.exit(error.returncode if error.returncode > 0 else 128 - error.returncode)


if __name__ == "__main__":
    main()
