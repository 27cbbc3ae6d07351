"""System checks of the optional accounts app: what its libraries need from the host."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dj_rest_auth.app_settings import DEFAULTS
from django.apps import AppConfig, apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from interview_coordinator.accounts.tokens import BLACKLIST_APP
from interview_coordinator.checks import malformed_rates
from interview_coordinator.conf import app_settings

Checks = Sequence[AppConfig] | None
E001 = "interview_coordinator_accounts.E001"
E002 = "interview_coordinator_accounts.E002"
E003 = "interview_coordinator_accounts.E003"
E004 = "interview_coordinator_accounts.E004"
E005 = "interview_coordinator_accounts.E005"
E006 = "interview_coordinator_accounts.E006"
E007 = "interview_coordinator_accounts.E007"
W001 = "interview_coordinator_accounts.W001"
COOKIE_AUTHENTICATION = "dj_rest_auth.jwt_auth.JWTCookieAuthentication"
# dj-rest-auth serializers that the endpoints replace with their own, which
# carry the package's rules (limits, lockout, uniqueness, rotation, logging).
REPLACED_SERIALIZERS = (
    "LOGIN_SERIALIZER",
    "REGISTER_SERIALIZER",
    "USER_DETAILS_SERIALIZER",
    "PASSWORD_CHANGE_SERIALIZER",
    "PASSWORD_RESET_SERIALIZER",
    "PASSWORD_RESET_CONFIRM_SERIALIZER",
)


@register(Tags.compatibility)
def check_token_blacklist(app_configs: Checks, **kwargs: Any) -> list[CheckMessage]:
    # Without it, rotated and logged-out refresh tokens would stay valid.
    if not app_settings.BLACKLIST_ON_LOGOUT or apps.is_installed(BLACKLIST_APP):
        return []
    text = "interview_coordinator.accounts needs simplejwt's token blacklist."
    hint = f"Add {BLACKLIST_APP!r} to INSTALLED_APPS and run migrate."
    return [Error(text, hint, id=E001)]


@register(Tags.compatibility)
def check_rates(app_configs: Checks, **kwargs: Any) -> list[CheckMessage]:
    # A malformed rate would otherwise surface as a 500 on the first login.
    rates = ("AUTH_RATE", "LOGIN_ACCOUNT_RATE", "PASSWORD_RESET_RATE")
    return malformed_rates(rates, E002)


@register(Tags.compatibility)
def check_rest_auth(app_configs: Checks, **kwargs: Any) -> list[CheckMessage]:
    """dj-rest-auth reads ``REST_AUTH``: each way it can break the endpoints is an Error."""
    config = getattr(settings, "REST_AUTH", None)
    if not isinstance(config, dict) or config.get("USE_JWT") is not True:
        text = "REST_AUTH must set USE_JWT: the endpoints answer JWTs."
        hint = 'REST_AUTH = {"USE_JWT": True, "TOKEN_MODEL": None, "JWT_AUTH_HTTPONLY": False}'
        return [Error(text, hint, id=E003)]
    value = {**DEFAULTS, **config}
    cookie = value["JWT_AUTH_COOKIE"]
    names = [f"{c.__module__}.{c.__qualname__}" for c in app_settings.AUTHENTICATION_CLASSES]
    problems = {
        E004: (
            value["TOKEN_MODEL"] is not None and not apps.is_installed("rest_framework.authtoken"),
            "REST_AUTH['TOKEN_MODEL'] names DRF's token model, which is not installed.",
            "Set REST_AUTH['TOKEN_MODEL'] = None (the package issues JWTs only).",
        ),
        E005: (
            value["JWT_AUTH_HTTPONLY"] and not value["JWT_AUTH_REFRESH_COOKIE"],
            "REST_AUTH['JWT_AUTH_HTTPONLY'] without JWT_AUTH_REFRESH_COOKIE: no refresh token.",
            "Set it to False, or name JWT_AUTH_REFRESH_COOKIE for the HttpOnly cookie mode.",
        ),
        E006: (
            cookie and not value["JWT_AUTH_COOKIE_USE_CSRF"],
            "REST_AUTH['JWT_AUTH_COOKIE'] authenticates by cookie without CSRF protection.",
            "Set JWT_AUTH_COOKIE_USE_CSRF: True; send the csrftoken cookie as X-CSRFToken.",
        ),
        E007: (
            cookie and COOKIE_AUTHENTICATION not in names,
            "REST_AUTH['JWT_AUTH_COOKIE'] is set, but the package's views do not read it.",
            f"Put {COOKIE_AUTHENTICATION!r} first in "
            "INTERVIEW_COORDINATOR['AUTHENTICATION_CLASSES'].",
        ),
    }
    return [Error(text, hint, id=code) for code, (wrong, text, hint) in problems.items() if wrong]


@register(Tags.compatibility)
def check_ignored_serializers(app_configs: Checks, **kwargs: Any) -> list[CheckMessage]:
    # A custom serializer that the endpoints do not use would be silently ignored.
    config = getattr(settings, "REST_AUTH", None)
    ignored = [key for key in REPLACED_SERIALIZERS if isinstance(config, dict) and key in config]
    if not ignored:
        return []
    text = f"REST_AUTH sets {', '.join(ignored)}, which the package's auth endpoints do not use."
    hint = (
        "They use the package's serializers, which carry its protections; JWT_SERIALIZER, "
        "JWT_SERIALIZER_WITH_EXPIRATION and JWT_TOKEN_CLAIMS_SERIALIZER are honoured (and "
        "USER_DETAILS_SERIALIZER through them, in the answers of login and registration only)."
    )
    return [Warning(text, hint, id=W001)]
