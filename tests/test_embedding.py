"""The package works in someone else's project, installed from its wheel.

Builds the wheel, installs it into a brand-new virtualenv, creates a project
with ``django-admin startproject``, adds the apps and one ``include()``, runs
``migrate`` on a fresh PostgreSQL database and ``check``, then calls the API
over HTTP. This is how every feature is known to ship.
"""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import venv
import zipfile

import pytest

from tests.servers import ROOT, create_database, drop_database, free_port, pg_params, wait_for_port

pytestmark = [pytest.mark.embedding, pytest.mark.timeout(900)]

SETTINGS_ADDITIONS = """
INSTALLED_APPS += [
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "interview_coordinator",
    "interview_coordinator.accounts",
]
REST_AUTH = {{
    "USE_JWT": True, "TOKEN_MODEL": None, "JWT_AUTH_HTTPONLY": False, "SESSION_LOGIN": False
}}
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "{db_name}",
        "USER": "{db_user}",
        "PASSWORD": "{db_password}",
        "HOST": "{db_host}",
        "PORT": "{db_port}",
    }}
}}
"""

URLS = """
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("interview_coordinator.urls")),
]
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("*.whl")
    return path


@pytest.fixture(scope="module")
def fresh_database():
    name = create_database("ic_embed")
    yield name
    drop_database(name)


@pytest.fixture(scope="module")
def host_project(tmp_path_factory, wheel, fresh_database):
    """A brand-new project in a fresh virtualenv with only the wheel installed."""
    base = tmp_path_factory.mktemp("host")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel), "psycopg[binary]"],
        check=True,
        capture_output=True,
    )
    site = base / "site"
    site.mkdir()
    subprocess.run(
        [str(env_dir / "bin" / "django-admin"), "startproject", "hostsite", str(site)],
        check=True,
        env=host_env(),
    )
    params = pg_params()
    with (site / "hostsite" / "settings.py").open("a") as settings:
        settings.write(
            SETTINGS_ADDITIONS.format(
                db_name=fresh_database,
                db_user=params["user"],
                db_password=params["password"],
                db_host=params["host"],
                db_port=params["port"],
            )
        )
    (site / "hostsite" / "urls.py").write_text(URLS)
    return python, site


def host_env():
    """The environment of a host's shell: nothing of this test suite's settings."""
    return {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH"}
    }


def manage(host_project, *args):
    python, site = host_project
    result = subprocess.run(
        [str(python), "manage.py", *args],
        cwd=site,
        capture_output=True,
        text=True,
        env=host_env(),
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def server(host_project):
    manage(host_project, "migrate", "--noinput")
    manage(host_project, "check")
    python, site = host_project
    port = free_port()
    process = subprocess.Popen(
        [str(python), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=site,
        env=host_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, 30, process)
    except (RuntimeError, TimeoutError) as error:
        process.kill()
        process.wait(timeout=10)
        pytest.fail(f"the host project's server did not start: {error}")
    yield f"http://127.0.0.1:{port}/api/"
    process.terminate()
    process.wait(timeout=10)


def call(method, url, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_wheel_ships_migrations_templates_and_py_typed(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "interview_coordinator/py.typed" in names
    assert "interview_coordinator/migrations/0001_initial.py" in names
    assert any(
        n.startswith("interview_coordinator/templates/interview_coordinator/") for n in names
    )
    assert not any(n.startswith("tests/") for n in names)


def test_api_answers_over_http_in_a_new_project(host_project, server):
    status, _ = call("GET", server + "interviews/")
    assert status == 401

    manage(host_project, "shell", "-c", EMBED_CREATE_USER)
    status, body = call("POST", server + "auth/login/", {"username": "host", "password": PASSWORD})
    assert status == 200, body
    token = body["access"]

    status, created = call(
        "POST",
        server + "interviews/",
        {"company_name": "Embedded Inc", "position": "Engineer"},
        token=token,
    )
    assert status == 201, created
    status, listed = call("GET", server + "interviews/", token=token)
    assert status == 200
    assert [row["company_name"] for row in listed] == ["Embedded Inc"]


def test_auth_registers_logs_in_and_rotates_tokens_in_a_new_project(server):
    registration = {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "password1": "Embedded-Str0ng-pw",
        "password2": "Embedded-Str0ng-pw",
    }
    status, registered = call("POST", server + "auth/registration/", registration)
    assert status == 201, registered
    assert registered["user"]["username"] == "newcomer"

    status, weak = call(
        "POST",
        server + "auth/registration/",
        {
            "username": "x",
            "email": "x@example.com",
            "password1": "password",
            "password2": "password",
        },
    )
    assert status == 400
    assert "password1" in weak

    status, logged_in = call(
        "POST",
        server + "auth/login/",
        {"email": "NEWCOMER@example.com", "password": "Embedded-Str0ng-pw"},
    )
    assert status == 200, logged_in
    status, me = call("GET", server + "auth/user/", token=logged_in["access"])
    assert status == 200
    assert me["email"] == "newcomer@example.com"

    status, rotated = call(
        "POST", server + "auth/token/refresh/", {"refresh": logged_in["refresh"]}
    )
    assert status == 200, rotated
    assert rotated["refresh"] != logged_in["refresh"]

    status, _ = call("POST", server + "auth/logout/", {"refresh": rotated["refresh"]})
    assert status == 200
    status, _ = call("POST", server + "auth/token/refresh/", {"refresh": rotated["refresh"]})
    assert status == 401
    # A rotated token presented again is refused (and revokes the account's tokens).
    status, _ = call("POST", server + "auth/token/refresh/", {"refresh": logged_in["refresh"]})
    assert status == 401


PASSWORD = "embedded-pass-4821"
EMBED_CREATE_USER = (
    "from django.contrib.auth import get_user_model; "
    f"get_user_model().objects.create_user('host', 'host@example.com', '{PASSWORD}')"
)
