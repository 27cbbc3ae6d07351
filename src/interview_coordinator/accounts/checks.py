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
    hint = f"Add {BLACKLIST_APP!r} to INSTALLED_APPS and run migrate."
    return [
        Error("interview_coordinator.accounts needs simplejwt's token blacklist.", hint, id=E001)
    ]


@register(Tags.compatibility)
def check_rates(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    # A malformed rate would otherwise surface as a 500 on the first login.
    return malformed_rates(("AUTH_RATE", "LOGIN_ACCOUNT_RATE", "PASSWORD_RESET_RATE"), E002)


@register(Tags.compatibility)
def check_rest_auth(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """dj-rest-auth reads ``REST_AUTH``: each way it can break the endpoints is an Error."""
    config = getattr(settings, "REST_AUTH", None)
    if not isinstance(config, dict) or config.get("USE_JWT") is not True:
        return [error(3, "REST_AUTH must set USE_JWT: the endpoints answer JWTs.", REST_AUTH_LINE)]
    value = {**DEFAULTS, **config}
    cookie = value["JWT_AUTH_COOKIE"]
    names = [f"{c.__module__}.{c.__qualname__}" for c in app_settings.AUTHENTICATION_CLASSES]
    problems = [
        (
            value["TOKEN_MODEL"] is not None and not apps.is_installed("rest_framework.authtoken"),
            "REST_AUTH['TOKEN_MODEL'] names DRF's token model, which is not installed.",
            "Set REST_AUTH['TOKEN_MODEL'] = None (the package issues JWTs only).",
        ),
        (
            value["JWT_AUTH_HTTPONLY"] and not value["JWT_AUTH_REFRESH_COOKIE"],
            "REST_AUTH['JWT_AUTH_HTTPONLY'] without JWT_AUTH_REFRESH_COOKIE gives the refresh "
            "token to nobody.",
            "Set JWT_AUTH_HTTPONLY to False, or name JWT_AUTH_REFRESH_COOKIE (and "
            "JWT_AUTH_COOKIE) for the HttpOnly cookie mode.",
        ),
        (
            cookie and not value["JWT_AUTH_COOKIE_USE_CSRF"],
            "REST_AUTH['JWT_AUTH_COOKIE'] authenticates by cookie without CSRF protection.",
            "Set REST_AUTH['JWT_AUTH_COOKIE_USE_CSRF'] = True and send the csrftoken "
            "cookie's value as the X-CSRFToken header.",
        ),
        (
            cookie and COOKIE_AUTHENTICATION not in names,
            "REST_AUTH['JWT_AUTH_COOKIE'] is set, but the package's views do not read it.",
            f"Put {COOKIE_AUTHENTICATION!r} first in "
            "INTERVIEW_COORDINATOR['AUTHENTICATION_CLASSES'].",
        ),
    ]
    return [error(n, msg, hint) for n, (wrong, msg, hint) in enumerate(problems, 4) if wrong]


def error(number: int, message: str, hint: str) -> Error:
    return Error(message, hint=hint, id=f"interview_coordinator_accounts.E{number:03d}")
