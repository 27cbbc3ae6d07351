"""The example project's settings: server errors leave a traceback, and rate limits are
shared by every process whenever a Redis is at hand."""

import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.servers import EXAMPLE, ExampleProject, ThrowawayRedis, create_database, drop_database

SETTINGS_MODULES = ["config.settings.base", "config.settings.dev", "config.settings.prod"]

ENVIRONMENT = {
    "SECRET_KEY": "example-settings-test-key-" + "x" * 40,
    "DEBUG": "0",
    "ALLOWED_HOSTS": "testserver",
    "DB_NAME": "interview_coordinator",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}

# A view that fails, mounted in front of the project's own URLs.
CRASHING_URLS = """
from django.urls import path
from config.urls import urlpatterns as project_patterns

def fail(request):
    raise RuntimeError("provoked for the test")

urlpatterns = [path("fail/", fail), *project_patterns]
"""

REQUEST_SCRIPT = """
import django
django.setup()
from django.test import Client, override_settings
with override_settings(ROOT_URLCONF="crashing_urls"):
    response = Client(raise_request_exception=False).get("/fail/", secure=True)
print("status", response.status_code)
"""


def run_in_example(code, env, pythonpath=""):
    base = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=EXAMPLE,
        env={
            **base,
            **env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(EXAMPLE), pythonpath])),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("module", SETTINGS_MODULES)
def test_a_server_error_is_logged_with_its_traceback(module, tmp_path):
    (tmp_path / "crashing_urls.py").write_text(CRASHING_URLS)

    result = run_in_example(
        REQUEST_SCRIPT, {**ENVIRONMENT, "DJANGO_SETTINGS_MODULE": module}, str(tmp_path)
    )

    assert result.returncode == 0, result.stderr
    assert "status 500" in result.stdout
    assert "Internal Server Error: /fail/" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: provoked for the test" in result.stderr


CACHE_SCRIPT = """
import django
django.setup()
from django.conf import settings
cache = settings.CACHES["default"]
print(cache["BACKEND"].rsplit(".", 1)[-1], cache.get("LOCATION", ""))
"""


@pytest.mark.parametrize("module", ["config.settings.dev", "config.settings.prod"])
@pytest.mark.parametrize(
    ("redis_url", "broker_url", "expected"),
    [
        ("redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        ("", "redis://127.0.0.1:6379/4", "redis://127.0.0.1:6379/4"),
        ("", "rediss://cache.example.com:6380/2", "rediss://cache.example.com:6380/2"),
    ],
)
def test_rate_limits_use_redis_when_there_is_one(module, redis_url, broker_url, expected):
    env = {
        **ENVIRONMENT,
        "DJANGO_SETTINGS_MODULE": module,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": broker_url,
    }

    result = run_in_example(CACHE_SCRIPT, env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["RedisCache", expected]


def test_without_any_redis_development_keeps_a_per_process_cache():
    env = {
        **ENVIRONMENT,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "amqp://guest@127.0.0.1//",
    }

    result = run_in_example(CACHE_SCRIPT, env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["LocMemCache"]


@pytest.mark.slow
def test_two_gunicorn_workers_share_the_login_limit_through_the_broker_redis(tmp_path):
    """With the original service's variables only (no REDIS_URL), 5 logins a minute in all."""
    redis = ThrowawayRedis()
    redis.start()
    database = create_database("ic_example_limits")
    project = ExampleProject(database, redis.url, tmp_path / "server.log", workers=2, REDIS_URL="")
    try:
        project.start()
        statuses = [login(project.base_url) for _ in range(8)]
    finally:
        project.stop()
        drop_database(database)
        redis.stop()

    assert statuses[:5] == [400] * 5
    assert set(statuses[5:]) == {429}


def login(base_url):
    request = urllib.request.Request(
        f"{base_url}/api/auth/login/",
        data=b'{"username": "nobody", "password": "wrong-password"}',
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


SCHEMA_VERSION_SCRIPT = """
import django
django.setup()
from django.test import Client
import interview_coordinator
schema = Client().get("/api/schema/?format=json", secure=True).json()
print(schema["info"]["version"], interview_coordinator.__version__)
"""


def test_the_schema_states_the_installed_package_version():
    env = {**ENVIRONMENT, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}

    result = run_in_example(SCHEMA_VERSION_SCRIPT, env)

    assert result.returncode == 0, result.stderr
    schema_version, package_version = result.stdout.split()
    assert schema_version == package_version


BAD_HOST_SCRIPT = """
import django
django.setup()
from django.test import Client
response = Client().get("/api/interviews/", HTTP_HOST="evil.example", secure=True)
print(response.status_code, response["Content-Type"])
"""


@pytest.mark.parametrize("module", SETTINGS_MODULES)
@pytest.mark.parametrize("debug", ["0", "1"])
def test_a_host_the_site_does_not_serve_is_a_json_400(module, debug):
    env = {**ENVIRONMENT, "DJANGO_SETTINGS_MODULE": module, "DEBUG": debug}

    result = run_in_example(BAD_HOST_SCRIPT, env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["400", "application/json"]
