"""System checks of the optional accounts app: what its libraries need from the host."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dj_rest_auth.app_settings import DEFAULTS
from django.apps import AppConfig, apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from interview_coordinator.accounts.tokens import BLACKLIST_APP
from interview_coordinator.checks import malformed_rates
from interview_coordinator.conf import app_settings

E001 = "interview_coordinator_accounts.E001"
E002 = "interview_coordinator_accounts.E002"
E003 = "interview_coordinator_accounts.E003"
E004 = "interview_coordinator_accounts.E004"
E005 = "interview_coordinator_accounts.E005"
E006 = "interview_coordinator_accounts.E006"
E007 = "interview_coordinator_accounts.E007"

REST_AUTH_LINE = (
    'REST_AUTH = {"USE_JWT": True, "TOKEN_MODEL": None, "JWT_AUTH_HTTPONLY": False, '
    '"SESSION_LOGIN": False}'
)
COOKIE_AUTHENTICATION = "dj_rest_auth.jwt_auth.JWTCookieAuthentication"


@register(Tags.compatibility)
def check_token_blacklist(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    # Without it, rotated and logged-out refresh tokens would stay valid.
    if not app_settings.BLACKLIST_ON_LOGOUT or apps.is_installed(BLACKLIST_APP):
        return []
    return [
        Error(
            "interview_coordinator.accounts needs simplejwt's token blacklist.",
            hint=f"Add {BLACKLIST_APP!r} to INSTALLED_APPS and run migrate.",
            id=E001,
        )
    ]


@register(Tags.compatibility)
def check_rates(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    # A malformed rate would otherwise surface as a 500 on the first login.
    return malformed_rates(("AUTH_RATE", "LOGIN_ACCOUNT_RATE", "PASSWORD_RESET_RATE"), E002)


@register(Tags.compatibility)
def check_rest_auth(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """dj-rest-auth reads ``REST_AUTH``; each way it can break the endpoints is an Error."""
    config = getattr(settings, "REST_AUTH", None)
    if not isinstance(config, dict) or config.get("USE_JWT") is not True:
        return [
            Error(
                "interview_coordinator.accounts answers JWTs: REST_AUTH must set USE_JWT.",
                hint=f"Add to your settings: {REST_AUTH_LINE}",
                id=E003,
            )
        ]
    value = {**DEFAULTS, **config}
    messages: list[CheckMessage] = []
    if value["TOKEN_MODEL"] is not None and not apps.is_installed("rest_framework.authtoken"):
        messages.append(
            Error(
                "REST_AUTH['TOKEN_MODEL'] names DRF's token model, which is not installed.",
                hint="Set REST_AUTH['TOKEN_MODEL'] = None (the package issues JWTs only).",
                id=E004,
            )
        )
    if value["JWT_AUTH_HTTPONLY"] and not value["JWT_AUTH_REFRESH_COOKIE"]:
        messages.append(
            Error(
                "With REST_AUTH['JWT_AUTH_HTTPONLY'] and no JWT_AUTH_REFRESH_COOKIE, "
                "the refresh token is given to nobody.",
                hint="Set JWT_AUTH_HTTPONLY to False, or name JWT_AUTH_REFRESH_COOKIE "
                "(and JWT_AUTH_COOKIE) for the HttpOnly cookie mode.",
                id=E005,
            )
        )
    if value["JWT_AUTH_COOKIE"] and not value["JWT_AUTH_COOKIE_USE_CSRF"]:
        messages.append(
            Error(
                "REST_AUTH['JWT_AUTH_COOKIE'] authenticates by cookie without CSRF protection.",
                hint="Set REST_AUTH['JWT_AUTH_COOKIE_USE_CSRF'] = True and send the "
                "csrftoken cookie's value as the X-CSRFToken header.",
                id=E006,
            )
        )
    names = [f"{c.__module__}.{c.__qualname__}" for c in app_settings.AUTHENTICATION_CLASSES]
    if value["JWT_AUTH_COOKIE"] and COOKIE_AUTHENTICATION not in names:
        messages.append(
            Error(
                "REST_AUTH['JWT_AUTH_COOKIE'] is set, but the package's views do not read it.",
                hint=f"Put {COOKIE_AUTHENTICATION!r} first in "
                "INTERVIEW_COORDINATOR['AUTHENTICATION_CLASSES'].",
                id=E007,
            )
        )
    return messages
