"""The security log receives every auth event, structured, and never a secret."""

import logging

import pytest
from django.urls import reverse
from rest_framework_simplejwt.tokens import RefreshToken

from tests.tokens import after_the_reuse_interval

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LOGGER = "interview_coordinator.security"


@pytest.fixture
def events(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)

    def collect():
        return [r for r in caplog.records if r.name == LOGGER]

    return collect


def post(client, name, body, **extra):
    return client.post(reverse(f"interview_coordinator:{name}"), body, format="json", **extra)


def only(records, event):
    (record,) = [r for r in records if r.event == event]
    return record


def test_registration_is_logged_with_user_address_and_agent(api_client, events):
    response = post(
        api_client,
        "rest_register",
        {
            "username": "dana",
            "email": "dana@example.com",
            "password1": "Str0ng-enough-pw",
            "password2": "Str0ng-enough-pw",
        },
        REMOTE_ADDR="192.0.2.10",
        HTTP_USER_AGENT="pytest-agent/1.0",
    )

    record = only(events(), "registration")
    assert record.user_id == response.data["user"]["pk"]
    assert record.client_ip == "192.0.2.10"
    assert record.user_agent == "pytest-agent/1.0"


def test_login_success_and_failure_never_carry_the_password(api_client, user, events):
    post(api_client, "rest_login", {"username": "alice", "password": "Wrong-guess-42"})
    post(api_client, "rest_login", {"username": "alice", "password": PASSWORD})

    records = events()
    failure = only(records, "login_failure")
    success = only(records, "login_success")
    assert failure.levelno == logging.WARNING
    assert failure.user_id == success.user_id == user.pk
    for record in records:
        text = str(record.__dict__)
        assert "Wrong-guess-42" not in text
        assert PASSWORD not in text


def test_failure_on_an_unknown_account_has_no_user(api_client, events):
    post(api_client, "rest_login", {"username": "nobody", "password": "Wrong-guess-42"})

    assert only(events(), "login_failure").user_id is None


def test_logout_and_refresh_reuse_are_logged(api_client, user, events):
    first = post(api_client, "rest_login", {"username": "alice", "password": PASSWORD}).data
    second = post(api_client, "token_refresh", {"refresh": first["refresh"]}).data

    post(api_client, "rest_logout", {"refresh": second["refresh"]})
    after_the_reuse_interval()
    post(api_client, "token_refresh", {"refresh": first["refresh"]})
    post(api_client, "token_refresh", {"refresh": "not-a-token"})

    records = events()
    reused = only(records, "refresh_token_reused")
    assert reused.user_id == user.pk
    assert reused.levelno == logging.WARNING
    assert only(records, "refresh_token_invalid").user_id is None
    logout = only(records, "logout")
    assert logout.user_id == user.pk
    assert logout.blacklisted is True
    for record in records:
        assert first["refresh"] not in str(record.__dict__)


def test_logout_names_the_user_of_a_valid_access_token(api_client, user, events):
    access = post(api_client, "rest_login", {"username": "alice", "password": PASSWORD}).data
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access['access']}")

    assert post(api_client, "rest_logout", {}).status_code == 200

    assert only(events(), "logout").user_id == user.pk


def test_rate_limiting_is_logged(api_client, events):
    for i in range(6):
        post(
            api_client,
            "rest_login",
            {"username": f"n{i}", "password": "x"},
            REMOTE_ADDR="192.0.2.99",
        )

    record = only(events(), "rate_limited")
    assert record.client_ip == "192.0.2.99"
    assert record.scope == "login"
    assert 1 <= record.retry_after <= 3600


def test_password_change_and_reset_are_logged(user, client_for, api_client, events, mailoutbox):
    post(
        client_for(user),
        "rest_password_change",
        {
            "old_password": PASSWORD,
            "new_password1": "An0ther-good-one",
            "new_password2": "An0ther-good-one",
        },
    )
    post(api_client, "token_refresh", {"refresh": str(RefreshToken.for_user(user))})
    post(api_client, "rest_password_reset", {"email": "alice@example.com"})
    fields = dict(line.split(": ", 1) for line in mailoutbox[0].body.splitlines() if ": " in line)
    new = "Brand-new-pass-9"
    confirm = {"uid": fields["uid"], "token": fields["token"]}
    post(
        api_client,
        "rest_password_reset_confirm",
        {**confirm, "new_password1": new, "new_password2": new},
    )

    records = events()
    assert only(records, "password_change").user_id == user.pk
    assert only(records, "password_reset_requested").user_id is None
    reset = only(records, "password_reset")
    assert reset.user_id == user.pk
    assert reset.revoked_tokens == 1


def test_forwarded_for_is_not_the_logged_address_without_trusted_proxies(api_client, events):
    post(
        api_client,
        "rest_login",
        {"username": "nobody", "password": "x"},
        REMOTE_ADDR="192.0.2.1",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )

    assert only(events(), "login_failure").client_ip == "192.0.2.1"


def test_long_user_agents_are_cut(api_client, events):
    post(
        api_client,
        "rest_login",
        {"username": "nobody", "password": "x"},
        HTTP_USER_AGENT="A" * 5000,
    )

    assert len(only(events(), "login_failure").user_agent) == 256
