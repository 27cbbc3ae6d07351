"""The example project's Redis broker path works from a clean install of its dependency group.

A virtualenv gets the package and the ``example`` dependency group, nothing
else: the suite's own environment holds more (the dev tools), which once hid
a dependency that the Redis transport imports. The example project then runs
from that virtualenv as a newcomer runs it: a Celery worker on a throwaway
Redis broker, the API under gunicorn. A test email asked for over HTTP is
published to the broker, run by the worker and printed by the console email
backend.
"""

import json
import os
import signal
import subprocess
import time
import urllib.request
import venv

import pytest

from tests.servers import EXAMPLE, ROOT, ThrowawayRedis, free_port, start_gunicorn, stop_process

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

INSTALL_TIMEOUT = 600
WORKER_START_TIMEOUT = 60
EMAIL_TIMEOUT = 60
PASSWORD = "broker-path-pass-4821"


@pytest.fixture(scope="module")
def example_venv(tmp_path_factory):
    """A virtualenv with the package and the example group only."""
    env_dir = tmp_path_factory.mktemp("example-venv") / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    for args in (
        # Dependency groups (--group) need pip 25.1.
        ["install", "--quiet", "--upgrade", "pip>=25.1"],
        ["install", "--quiet", ".", "--group", "example"],
    ):
        subprocess.run(
            [str(python), "-m", "pip", *args],
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=INSTALL_TIMEOUT,
        )
    return env_dir / "bin"


@pytest.fixture
def broker():
    redis = ThrowawayRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def example_env(tmp_path, broker):
    return {
        **{k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "REDIS_URL"}},
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "0",
        "SECRET_KEY": "broker-path-test-key-" + "x" * 40,
        "DB_NAME": "",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "CELERY_BROKER_URL": f"{broker.url}/0",
    }


def manage(bin_dir, env, *args):
    result = subprocess.run(
        [str(bin_dir / "python"), "manage.py", *args],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def worker(example_venv, example_env, tmp_path):
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(example_venv / "celery"),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=EXAMPLE,
            env=example_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_text(log_path, "ready.", WORKER_START_TIMEOUT, process)
        yield log_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for_text(path, text, timeout, process):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"{text!r} never appeared in {path.name}:\n{path.read_text(errors='replace')}")


def post(url, body=None, token=None):
    request = urllib.request.Request(url, data=json.dumps(body or {}).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_a_test_email_goes_through_the_broker_and_a_worker(
    example_venv, example_env, worker, tmp_path
):
    manage(example_venv, example_env, "migrate", "--noinput")
    manage(
        example_venv,
        example_env,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user('newcomer', 'newcomer@example.com', '{PASSWORD}')",
    )
    port = free_port()
    server = start_gunicorn(
        "config.wsgi:application",
        port,
        cwd=EXAMPLE,
        env=example_env,
        log_path=tmp_path / "gunicorn.log",
        executable=example_venv / "gunicorn",
    )
    try:
        base = f"http://127.0.0.1:{port}/api/"
        _, login = post(base + "auth/login/", {"username": "newcomer", "password": PASSWORD})
        status, queued = post(base + "profile/test-email/", token=login["access"])
    finally:
        stop_process(server)

    assert status == 202, queued
    assert queued["status"] == "queued"
    wait_for_text(worker, "Test email from your interview coordinator", EMAIL_TIMEOUT, None)
    log = worker.read_text(errors="replace")
    assert "To: newcomer@example.com" in log
    assert queued["task_id"] in log
