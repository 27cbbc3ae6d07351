"""The newcomer's demo: the same credentials on every run, and a development key fit for JWTs."""

import os
import re
import subprocess
import sys

import pytest

from tests.servers import EXAMPLE

CREDENTIALS = re.compile(r"username: (\S+)\s+password: (\S+)")

LOGIN_SCRIPT = """
import sys, django
django.setup()
from django.contrib.auth import authenticate
print("opens" if authenticate(username="demo", password=sys.argv[1]) else "refused")
"""


@pytest.fixture
def demo_env(tmp_path):
    return {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}},
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "SECRET_KEY": "demo-test-key-" + "x" * 40,
        "DB_NAME": "",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "DEMO_PASSWORD_FILE": str(tmp_path / "demo-password"),
        "PYTHONPATH": str(EXAMPLE),
    }


def run(env, *args):
    result = subprocess.run(
        [sys.executable, *args],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def seed(env, *options):
    output = run(env, "manage.py", "seed_demo", *options)
    username, password = CREDENTIALS.search(output).groups()
    assert username == "demo"
    return password


def opens(env, password):
    return run(env, "-c", LOGIN_SCRIPT, password).strip() == "opens"


def test_the_demo_credentials_stay_the_same_across_runs(demo_env):
    run(demo_env, "manage.py", "migrate", "--noinput")

    first = seed(demo_env)
    second = seed(demo_env)

    assert first == second
    assert opens(demo_env, first)


def test_new_credentials_only_when_asked(demo_env):
    run(demo_env, "manage.py", "migrate", "--noinput")
    old = seed(demo_env)

    new = seed(demo_env, "--new-password")

    assert new != old
    assert seed(demo_env) == new
    assert opens(demo_env, new)
    assert not opens(demo_env, old)


def test_the_kept_password_opens_a_new_database_too(demo_env, tmp_path):
    run(demo_env, "manage.py", "migrate", "--noinput")
    password = seed(demo_env)
    fresh = {**demo_env, "SQLITE_PATH": str(tmp_path / "fresh.sqlite3")}
    run(fresh, "manage.py", "migrate", "--noinput")

    assert seed(fresh) == password
    assert opens(fresh, password)


KEY_SCRIPT = """
import warnings, django
django.setup()
import jwt
from django.conf import settings
with warnings.catch_warnings():
    warnings.simplefilter("error", jwt.warnings.InsecureKeyLengthWarning)
    jwt.encode({"sub": "demo"}, settings.SECRET_KEY, algorithm="HS256")
print(len(settings.SECRET_KEY.encode()), settings.SECRET_KEY)
"""


def test_the_development_key_is_made_once_per_checkout_and_long_enough_for_hs256():
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"SECRET_KEY"}},
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DB_NAME": "",
        "PYTHONPATH": str(EXAMPLE),
    }

    first = run(env, "-c", KEY_SCRIPT).split()
    second = run(env, "-c", KEY_SCRIPT).split()

    assert int(first[0]) >= 32
    assert first == second
    assert (EXAMPLE / ".dev-secret-key").read_text().strip() == first[1]
