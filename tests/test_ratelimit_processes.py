"""The per-client limit is one budget across processes: two gunicorn servers share it.

Each server is its own gunicorn master with one worker process, so every
request goes to a known process; both serve the test settings against the
test database and the test run's Redis database.
"""

import contextlib
import json
import os
import urllib.error
import urllib.request

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.servers import ROOT, free_port, start_gunicorn, stop_process

PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(
        os.environ.get("DB_ENGINE") == "sqlite",
        reason="worker processes cannot share the in-memory SQLite test database",
    ),
]


def server_env():
    """The test settings, pointed at this run's test database and Redis database."""
    location = django_settings.CACHES["default"]["LOCATION"]
    redis_url, _, redis_db = location.rpartition("/")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_XDIST_WORKER", "DB_ENGINE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        PYTHONPATH=str(ROOT),
        DB_NAME=connection.settings_dict["NAME"],
        REDIS_URL=redis_url,
        REDIS_CACHE_DB=redis_db,
    )
    return env


@contextlib.contextmanager
def gunicorn_server(log_path):
    port = free_port()
    try:
        process = start_gunicorn(
            "django.core.wsgi:get_wsgi_application()",
            port,
            cwd=ROOT,
            env=server_env(),
            log_path=log_path,
        )
    except RuntimeError as error:
        pytest.fail(str(error))
    try:
        yield f"http://127.0.0.1:{port}/api/"
    finally:
        stop_process(process)


def login(base_url, username, forwarded_for=None):
    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    request = urllib.request.Request(base_url + "auth/login/", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    if forwarded_for:
        request.add_header("X-Forwarded-For", forwarded_for)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    with gunicorn_server(tmp_path / "a.log") as a, gunicorn_server(tmp_path / "b.log") as b:
        yield a, b


def test_two_worker_processes_share_one_budget(two_servers, make_user):
    make_user("alice")
    a, b = two_servers

    statuses = [login(server, "alice") for server in (a, b, a, b, a)]
    over = [login(a, "alice"), login(b, "alice")]

    assert statuses == [200] * 5
    assert over == [429, 429]


def test_forged_forwarded_for_is_limited_across_processes(two_servers):
    a, b = two_servers

    statuses = [
        login((a, b)[i % 2], f"nobody{i}", forwarded_for=f"203.0.113.{i}") for i in range(20)
    ]

    assert statuses == [400] * 5 + [429] * 15
