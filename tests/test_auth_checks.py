"""System checks of the accounts app: rates and the REST_AUTH dict dj-rest-auth reads."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from interview_coordinator.accounts.checks import check_accounts
from interview_coordinator.ratelimit import parse_rate

JWT = {"USE_JWT": True, "TOKEN_MODEL": None, "JWT_AUTH_HTTPONLY": False}
COOKIES = {
    "USE_JWT": True,
    "TOKEN_MODEL": None,
    "JWT_AUTH_COOKIE": "ic-access",
    "JWT_AUTH_REFRESH_COOKIE": "ic-refresh",
    "JWT_AUTH_COOKIE_USE_CSRF": True,
}
COOKIE_AUTH = {
    "AUTHENTICATION_CLASSES": [
        "dj_rest_auth.jwt_auth.JWTCookieAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ]
}


@pytest.mark.parametrize("key", ["AUTH_RATE", "LOGIN_ACCOUNT_RATE"])
def test_malformed_rate_is_an_error(key):
    with (
        override_settings(INTERVIEW_COORDINATOR={key: "five per minute"}),
        pytest.raises(SystemCheckError, match=r"interview_coordinator_accounts\.E002"),
    ):
        call_command("check")


def test_default_rates_pass():
    assert check_accounts(None) == []


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
    assert parse_rate(text) == (limit, period)


@pytest.mark.parametrize("text", ["", "5", "5/", "5/x", "-1/m", "0/m", "5/0m", "m/5"])
def test_malformed_rates_are_refused(text):
    with pytest.raises(ValueError, match="Invalid rate"):
        parse_rate(text)


@pytest.mark.parametrize("text", ["0/m", "5/0m"])
def test_a_malformed_rate_says_which_numbers_must_be_positive(text):
    with pytest.raises(ValueError, match="Invalid rate") as refused:
        parse_rate(text)
    assert "both positive" not in str(refused.value)
    assert (
        "the number of requests and the number of periods must be whole numbers of at least 1"
    ) in str(refused.value)


@pytest.mark.parametrize(
    ("rest_auth", "package", "expected"),
    [
        (JWT, {}, []),
        (COOKIES, COOKIE_AUTH, []),
        (None, {}, ["E003"]),
        ({"USE_JWT": False, "TOKEN_MODEL": None}, {}, ["E003"]),
        ("USE_JWT", {}, ["E003"]),
        ({"USE_JWT": True, "JWT_AUTH_HTTPONLY": False}, {}, ["E004"]),
        ({"USE_JWT": True, "TOKEN_MODEL": None}, {}, ["E005"]),
        ({**COOKIES, "JWT_AUTH_REFRESH_COOKIE": None}, COOKIE_AUTH, ["E005"]),
        ({**COOKIES, "JWT_AUTH_COOKIE_USE_CSRF": False}, COOKIE_AUTH, ["E006"]),
        (COOKIES, {}, ["E007"]),
    ],
    ids=[
        "jwt",
        "cookies",
        "missing",
        "no-jwt",
        "not-a-dict",
        "token-model",
        "httponly-without-cookie",
        "httponly-without-refresh-cookie",
        "cookie-without-csrf",
        "cookie-not-read",
    ],
)
def test_each_way_of_getting_rest_auth_wrong_has_its_id_and_hint(rest_auth, package, expected):
    with override_settings(REST_AUTH=rest_auth, INTERVIEW_COORDINATOR=package):
        messages = check_accounts(None)

    assert [m.id.rsplit(".", 1)[1] for m in messages] == expected
    assert all(m.hint for m in messages)


def test_a_missing_rest_auth_fails_manage_py_check():
    with (
        override_settings(REST_AUTH=None),
        pytest.raises(SystemCheckError, match=r"interview_coordinator_accounts\.E003"),
    ):
        call_command("check")


@pytest.mark.parametrize(
    "key",
    [
        "LOGIN_SERIALIZER",
        "REGISTER_SERIALIZER",
        "USER_DETAILS_SERIALIZER",
        "PASSWORD_CHANGE_SERIALIZER",
        "PASSWORD_RESET_SERIALIZER",
        "PASSWORD_RESET_CONFIRM_SERIALIZER",
    ],
)
def test_a_serializer_the_endpoints_do_not_use_is_a_warning(key):
    with override_settings(REST_AUTH={**JWT, key: "dj_rest_auth.serializers.LoginSerializer"}):
        messages = check_accounts(None)

    assert [m.id for m in messages] == ["interview_coordinator_accounts.W001"]
    assert key in messages[0].msg
    assert messages[0].hint


def test_the_serializers_of_the_answers_and_claims_are_honoured():
    honoured = {
        "JWT_SERIALIZER": "dj_rest_auth.serializers.JWTSerializer",
        "JWT_SERIALIZER_WITH_EXPIRATION": "dj_rest_auth.serializers.JWTSerializerWithExpiration",
        "JWT_TOKEN_CLAIMS_SERIALIZER": (
            "rest_framework_simplejwt.serializers.TokenObtainPairSerializer"
        ),
    }
    with override_settings(REST_AUTH={**JWT, **honoured}):
        assert check_accounts(None) == []
