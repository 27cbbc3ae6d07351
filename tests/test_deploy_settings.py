"""The example project's production settings pass ``check --deploy`` cleanly."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "example_project"

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "interviews.example.com",
    "DB_NAME": "interview_coordinator",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "BEHIND_TLS_PROXY": "1",
    # Django 6.1's check --deploy refuses the console email backend (mail.E001).
    "EMAIL_HOST": "smtp.example.com",
}


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_nothing():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DB_NAME", "REDIS_URL"])
def test_production_refuses_to_start_without_required_settings(missing):
    result = manage("check", **{**PROD_ENV, missing: ""})
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_a_wildcard_host():
    result = manage("check", **{**PROD_ENV, "ALLOWED_HOSTS": "*"})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr
