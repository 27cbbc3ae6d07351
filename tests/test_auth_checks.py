"""System checks of the accounts app."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from interview_coordinator.accounts.checks import check_rates
from interview_coordinator.ratelimit import Rate


@pytest.mark.parametrize("key", ["AUTH_RATE", "LOGIN_ACCOUNT_RATE"])
def test_malformed_rate_is_an_error(key):
    with (
        override_settings(INTERVIEW_COORDINATOR={key: "five per minute"}),
        pytest.raises(SystemCheckError, match=r"interview_coordinator_accounts\.E002"),
    ):
        call_command("check")


def test_default_rates_pass():
    assert check_rates(None) == []


@pytest.mark.parametrize(
    ("text", "limit", "period"),
    [
        ("5/m", 5, 60),
        ("100/h", 100, 3600),
        ("10/5m", 10, 300),
        ("1/d", 1, 86400),
        (" 3 / 2s ", 3, 2),
    ],
)
def test_rates_use_django_ratelimit_syntax(text, limit, period):
    assert Rate.parse(text) == Rate(limit=limit, period=period)


@pytest.mark.parametrize("text", ["", "5", "5/", "5/x", "-1/m", "0/m", "5/0m", "m/5"])
def test_malformed_rates_are_refused(text):
    with pytest.raises(ValueError, match="Invalid rate"):
        Rate.parse(text)
