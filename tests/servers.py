"""Real servers for the tests: spare ports, throwaway Redis and databases, gunicorn.

Shared by the whole suite: the resilience tests serve the example project
with ``ExampleProject``, other tests start a throwaway Redis, a database of
their own or gunicorn on the test settings.

Everything listens on loopback only, every wait is bounded, and every process
started here is stopped by its owner.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import jwt
import psycopg

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_project"
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout, process=None):
    """Return once something accepts connections on port; raise after timeout seconds.

    Gives up at once if process (the server expected to listen) has exited.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout} s")


class ThrowawayRedis:
    """A redis-server of the test's own, on a spare port, that the test may stop."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def start(self):
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, 10, self.process)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def start_gunicorn(app, port, *, cwd, env, log_path, workers=1, executable=None):
    """Serve the WSGI app on 127.0.0.1:port with gunicorn, once it listens.

    gunicorn's own messages go to log_path, which a failure to start quotes.
    ``executable`` is another virtualenv's gunicorn; by default, this one's.
    """
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [
                str(executable or BIN / "gunicorn"),
                app,
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
            ],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        wait_for_port(port, 30, process)
    except (RuntimeError, TimeoutError) as error:
        stop_process(process)
        log_text = Path(log_path).read_text(errors="replace")
        raise RuntimeError(f"gunicorn did not start: {error}\n{log_text}") from error
    return process


def stop_process(process, timeout=15):
    """Stop a server gracefully, then by force if it has not exited within timeout seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def pg_params():
    return {
        "host": os.environ.get("DB_HOST", "127.0.0.1"),
        "port": os.environ.get("DB_PORT", "5432"),
        "user": os.environ.get("DB_USER", "postgres"),
        "password": os.environ.get("DB_PASSWORD", ""),
    }


def create_database(prefix):
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **pg_params()) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name):
    with psycopg.connect(dbname="postgres", autocommit=True, **pg_params()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def terminate_connections(db_name):
    """Kill every server connection to db_name, as a failover or a DBA would."""
    with psycopg.connect(dbname="postgres", autocommit=True, **pg_params()) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [db_name],
        ).fetchall()
    return len(rows)


class ExampleProject:
    """The example project on production settings, served by gunicorn on loopback."""

    def __init__(self, db_name, redis_url, log_path, workers=2, **extra_env):
        self.db_name = db_name
        self.log_path = Path(log_path)
        self.port = free_port()
        self.secret_key = uuid.uuid4().hex * 2
        self.workers = workers
        params = pg_params()
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}},
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "DB_NAME": db_name,
            "DB_USER": params["user"],
            "DB_PASSWORD": params["password"],
            "DB_HOST": params["host"],
            "DB_PORT": str(params["port"]),
            "REDIS_URL": f"{redis_url}/1",
            "CELERY_BROKER_URL": f"{redis_url}/0",
            **extra_env,
        }
        self.process = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args, timeout=120):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=EXAMPLE,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def access_token(self, user_id, lifetime=3600):
        """A JWT access token signed as simplejwt signs them, valid for the whole run.

        Minted here rather than by logging in, so that the credential rate
        limit and the five-minute token lifetime never cut a long run short.
        """
        now = int(time.time())
        claims = {
            "token_type": "access",
            "exp": now + lifetime,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "user_id": str(user_id),
        }
        return jwt.encode(claims, self.secret_key, algorithm="HS256")

    def create_user(self, username, password, email=None):
        email = email or f"{username}@example.com"
        code = (
            "from django.contrib.auth import get_user_model; "
            f"u = get_user_model().objects.create_user({username!r}, {email!r}, {password!r}); "
            "print(u.pk)"
        )
        return int(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def start(self):
        self.manage("migrate", "--noinput")
        self.process = start_gunicorn(
            "config.wsgi:application",
            self.port,
            cwd=EXAMPLE,
            env=self.env,
            log_path=self.log_path,
            workers=self.workers,
        )

    def log(self):
        """What the server wrote so far (gunicorn and the package's loggers)."""
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process is not None:
            stop_process(self.process)
        self.process = None
