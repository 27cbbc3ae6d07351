"""The package works in someone else's project, installed from its wheel, as the README says.

Builds the wheel, installs it into a brand-new virtualenv, creates a project
with ``django-admin startproject``, then follows the README's "Embed it in
your project" section literally: its fenced blocks are read from README.md
itself, the ``# settings.py`` and ``# urls.py`` blocks appended to those
files and the shell lines run (``pip install`` of the clone's path installs
the wheel built from the clone, as ``pip install <path>`` would build it).
The README's PostgreSQL settings read the ``DB_*`` variables, which point
at a fresh database (the README's ``createdb``); the console email backend
is this test's own. Then the API is called over HTTP. This is how every
feature is known to ship, and how the README is known to be right.
"""

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import venv
import zipfile
from pathlib import Path

import django
import pytest

import interview_coordinator
from tests.servers import (
    ROOT,
    ThrowawayRedis,
    create_database,
    drop_database,
    free_port,
    pg_params,
    wait_for_port,
)

pytestmark = [pytest.mark.embedding, pytest.mark.timeout(900)]

README_SECTION = "Embed it in your project"
# The README installs the package from a clone, by this placeholder path.
CLONE = "/path/to/django-interview-coordinator"
# ...and, once released, from PyPI by its name (docs/releasing.md).
PROJECT = "django-interview-coordinator"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
FRONT_END = "http://localhost:5173"

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
# A new project configures email as its Django expects: MAILERS from 6.1 on
# (startproject already writes this one), EMAIL_BACKEND before.
EMAIL_SETTINGS = (
    f'MAILERS = {{"default": {{"BACKEND": "{CONSOLE_EMAIL}"}}}}\n'
    if django.VERSION >= (6, 1)
    else f'EMAIL_BACKEND = "{CONSOLE_EMAIL}"\n'
)


def readme_snippets():
    """(language, text) of each fenced block of the README's embedding section, in order."""
    text = (ROOT / "README.md").read_text()
    start = text.index(f"\n## {README_SECTION}\n")
    end = text.find("\n## ", start + 1)
    return FENCE.findall(text[start : end if end != -1 else len(text)])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel under test: IC_WHEEL's (a release's, built from its sdist), else one built here."""
    prebuilt = os.environ.get("IC_WHEEL")
    if prebuilt:
        return Path(prebuilt)
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
    """A brand-new project in a fresh virtualenv, set up by the README's own blocks."""
    base = tmp_path_factory.mktemp("host")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # An existing Django site, on the Django version under test.
    pip(python, f"Django=={django.get_version()}")
    site = base / "site"
    site.mkdir()
    subprocess.run(
        [str(env_dir / "bin" / "django-admin"), "startproject", "hostsite", str(site)],
        check=True,
        env=host_env(),
    )
    with (site / "hostsite" / "settings.py").open("a") as settings:
        settings.write(EMAIL_SETTINGS)
    project = HostProject(python, site, host_env(fresh_database))
    for language, text in readme_snippets():
        project.follow(language, text, wheel)
    return project


class HostProject:
    """The host site, and the output of the commands the README had run in it."""

    def __init__(self, python, site, env):
        self.python = python
        self.site = site
        self.env = env
        self.outputs = {}

    def follow(self, language, text, wheel):
        if language == "python":
            target, _, _ = text.partition("\n")
            files = {"# settings.py": "settings.py", "# urls.py": "urls.py"}
            assert target in files, f"README block for an unknown file: {target!r}"
            with (self.site / "hostsite" / files[target]).open("a") as file:
                file.write("\n" + text)
            return
        assert language == "bash", f"README block in {language!r}"
        for line in text.splitlines():
            words = shlex.split(line, comments=True)
            if not words:
                continue
            if words[:2] == ["pip", "install"]:
                pip(self.python, *(installable(w, wheel) for w in words[2:]))
            elif words[:2] == ["python", "manage.py"]:
                self.outputs[" ".join(words[2:])] = manage(self, *words[2:])
            else:
                pytest.fail(f"README command this test cannot follow: {line!r}")


def installable(word, wheel):
    """The wheel for the clone's path or the project's name, with the README's extras."""
    for source in (CLONE, PROJECT):
        if word == source or word.startswith(f"{source}["):
            return str(wheel) + word.removeprefix(source)
    return word


def pip(python, *requirements):
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *requirements],
        check=True,
        capture_output=True,
        timeout=600,
    )


def host_env(database=None):
    """The environment of a host's shell: nothing of this test suite's settings.

    With ``database``, the ``DB_*`` variables the README's settings read name it.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH"}}
    if database is not None:
        params = pg_params()
        env.update(
            DB_NAME=database,
            DB_USER=params["user"],
            DB_PASSWORD=params["password"],
            DB_HOST=params["host"],
            DB_PORT=params["port"],
        )
    return env


def manage(host_project, *args):
    result = subprocess.run(
        [str(host_project.python), "manage.py", *args],
        cwd=host_project.site,
        capture_output=True,
        text=True,
        env=host_project.env,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def server(host_project, tmp_path_factory):
    port = free_port()
    log_path = tmp_path_factory.mktemp("host-server") / "runserver.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(host_project.python), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=host_project.site,
            env={**host_project.env, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, 30, process)
    except (RuntimeError, TimeoutError) as error:
        process.kill()
        process.wait(timeout=10)
        pytest.fail(f"the host project's server did not start: {error}")
    host_project.server_log = log_path
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
    # A rotated token presented again is refused.
    status, _ = call("POST", server + "auth/token/refresh/", {"refresh": logged_in["refresh"]})
    assert status == 401


def test_a_host_the_site_does_not_serve_is_a_json_400_in_a_new_project(server):
    # startproject's DEBUG is on: Django would answer with its HTML debug page.
    request = urllib.request.Request(server + "interviews/", headers={"Host": "evil.example"})

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)

    assert refused.value.code == 400
    assert refused.value.headers["Content-Type"].startswith("application/json")
    assert json.loads(refused.value.read())["detail"]


PASSWORD = "embedded-pass-4821"
EMBED_CREATE_USER = (
    "from django.contrib.auth import get_user_model; "
    f"get_user_model().objects.create_user('host', 'host@example.com', '{PASSWORD}')"
)


def test_the_readme_gives_settings_urls_and_commands():
    snippets = readme_snippets()
    firsts = [text.partition("\n")[0] for language, text in snippets]

    assert "# settings.py" in firsts
    assert "# urls.py" in firsts
    assert any("python manage.py migrate" in text for _, text in snippets)


def test_the_readme_installs_from_a_clone_until_released_on_postgresql():
    """Before a release the package comes from a clone, after it from PyPI, with psycopg."""
    snippets = readme_snippets()
    commands = [text for language, text in snippets if language == "bash"]
    settings = "".join(text for language, text in snippets if text.startswith("# settings.py"))
    released = not re.search(r"\.dev\d*$", interview_coordinator.__version__)
    source, other = (PROJECT, CLONE) if released else (CLONE, PROJECT)

    assert any(f'pip install "{source}[redis]" ' in text and "psycopg" in text for text in commands)
    assert not any(f"pip install {other}" in text.replace('"', "") for text in commands)
    assert '"ENGINE": "django.db.backends.postgresql"' in settings


def test_check_warns_that_no_celery_broker_is_configured(host_project):
    assert "interview_coordinator.W003" in host_project.outputs["check"].stderr


def test_the_index_schema_pages_and_json_404s_are_served(server):
    status, index = call("GET", server)
    assert status == 200
    assert index["interviews"] == server + "interviews/"
    assert index["docs"] == server + "docs/"

    status, missing = call("GET", server + "interviews/abc/")
    assert status == 404
    assert missing == {"detail": "Not found."}

    for page in ("schema/", "docs/", "redoc/"):
        with urllib.request.urlopen(server + page, timeout=10) as response:
            assert response.status == 200, page


def test_a_front_end_on_another_origin_may_call_the_api(server):
    request = urllib.request.Request(server + "interviews/", method="OPTIONS")
    request.add_header("Origin", FRONT_END)
    request.add_header("Access-Control-Request-Method", "POST")
    request.add_header("Access-Control-Request-Headers", "authorization, content-type")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Access-Control-Allow-Origin"] == FRONT_END
        allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed


def test_a_test_email_is_sent_within_the_request_without_celery(host_project, server):
    manage(host_project, "shell", "-c", EMBED_CREATE_MAILER)
    status, body = call(
        "POST", server + "auth/login/", {"username": "mailer", "password": PASSWORD}
    )
    assert status == 200, body

    status, sent = call("POST", server + "profile/test-email/", token=body["access"])

    assert status == 200, sent
    assert sent["status"] == "sent"
    log = host_project.server_log.read_text(errors="replace")
    assert "To: mailer@example.com" in log
    assert "Test email from your interview coordinator" in log


EMBED_CREATE_MAILER = (
    "from django.contrib.auth import get_user_model; "
    f"get_user_model().objects.create_user('mailer', 'mailer@example.com', '{PASSWORD}')"
)


def reminders_celery_app(project):
    """The Celery app of docs/reminders.md ("The Celery setup a host needs"), for ``project``."""
    text = (ROOT / "docs" / "reminders.md").read_text()
    section = text[text.index("\n## The Celery setup a host needs\n") :]
    (app,) = [
        textwrap.dedent(block)
        for language, block in INDENTED_FENCE.findall(section)
        if language == "python" and "Celery(" in block
    ]
    imported = re.search(r"\(`(from \.celery import app as celery_app)`\)", section)
    assert imported, "docs/reminders.md no longer says how the app is imported"
    return app.replace("mysite", project), imported.group(1) + "\n"


INDENTED_FENCE = re.compile(r"^ *```(\w+)\n(.*?)^ *```$", re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def celery_site(host_project, tmp_path_factory):
    """The host with the docs' Celery app, a real worker on a real Redis, and a server.

    The server and the worker find the broker in ``CELERY_BROKER_URL``, from the
    environment, as the README's ``celery -A mysite worker`` line does.
    """
    app, imported = reminders_celery_app("hostsite")
    (host_project.site / "hostsite" / "celery.py").write_text(app)
    with (host_project.site / "hostsite" / "__init__.py").open("a") as init:
        init.write(imported)
    broker = ThrowawayRedis()
    broker.start()
    env = {**host_project.env, "CELERY_BROKER_URL": f"{broker.url}/0", "PYTHONUNBUFFERED": "1"}
    logs = tmp_path_factory.mktemp("celery-site")
    port = free_port()
    celery = host_project.python.parent / "celery"
    commands = {
        "worker": [str(celery), "-A", "hostsite", "worker", "--pool=solo", "--loglevel=INFO"],
        "server": [
            str(host_project.python),
            *("manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"),
        ],
    }
    processes = {}
    for name, command in commands.items():
        with (logs / f"{name}.log").open("wb") as log:
            processes[name] = subprocess.Popen(
                command, cwd=host_project.site, env=env, stdout=log, stderr=subprocess.STDOUT
            )
    try:
        try:
            wait_for_port(port, 30, processes["server"])
        except (RuntimeError, TimeoutError) as error:
            output = {name: (logs / f"{name}.log").read_text(errors="replace") for name in commands}
            pytest.fail(f"the host project's server did not start: {error}\n{output}")
        yield CelerySite(f"http://127.0.0.1:{port}/api/", env, logs / "worker.log")
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(timeout=20)
        broker.stop()


class CelerySite:
    def __init__(self, url, env, worker_log):
        self.url = url
        self.env = env
        self.worker_log = worker_log

    def worker_output(self, wanted, timeout=60):
        """The worker's log once it holds ``wanted``, or as it is after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.worker_log.read_text(errors="replace")
            if wanted in log or time.monotonic() > deadline:
                return log
            time.sleep(0.5)


def test_with_the_redis_extra_a_worker_sends_what_the_site_queues(host_project, celery_site):
    check = subprocess.run(
        [str(host_project.python), "manage.py", "check"],
        cwd=host_project.site,
        env=celery_site.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert check.returncode == 0, check.stderr
    assert "interview_coordinator.W003" not in check.stderr
    manage(host_project, "shell", "-c", EMBED_CREATE_MAILER.replace("mailer", "queued"))
    status, body = call(
        "POST", celery_site.url + "auth/login/", {"username": "queued", "password": PASSWORD}
    )
    assert status == 200, body

    status, queued = call("POST", celery_site.url + "profile/test-email/", token=body["access"])

    log = celery_site.worker_output("To: queued@example.com")
    assert status == 202, (queued, log)
    assert queued["status"] == "queued"
    assert "To: queued@example.com" in log, log
    assert "Test email from your interview coordinator" in log
