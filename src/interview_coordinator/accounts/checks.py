"""System checks of the accounts app: each way the host's settings would break its endpoints."""

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

COOKIE_AUTHENTICATION = "dj_rest_auth.jwt_auth.JWTCookieAuthentication"
# The endpoints use their own serializers, which carry the package's rules.
REPLACED = "LOGIN REGISTER USER_DETAILS PASSWORD_CHANGE PASSWORD_RESET PASSWORD_RESET_CONFIRM"
REPLACED_SERIALIZERS = [f"{name}_SERIALIZER" for name in REPLACED.split()]


@register(Tags.compatibility)
def check_accounts(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """An Error for each problem found at request time otherwise (docs/checks.md)."""
    found = getattr(settings, "REST_AUTH", None)
    config: dict[str, Any] = found if isinstance(found, dict) else {}
    jwt = config.get("USE_JWT") is True
    value = {**DEFAULTS, **config} if jwt else {}
    cookie = value.get("JWT_AUTH_COOKIE")
    names = [f"{c.__module__}.{c.__qualname__}" for c in app_settings.AUTHENTICATION_CLASSES]
    problems = {
        "interview_coordinator_accounts.E001": (
            app_settings.BLACKLIST_ON_LOGOUT and not apps.is_installed(BLACKLIST_APP),
            "interview_coordinator.accounts needs simplejwt's token blacklist.",
            f"Add {BLACKLIST_APP!r} to INSTALLED_APPS and run migrate.",
        ),
        "interview_coordinator_accounts.E003": (
            not jwt,
            "REST_AUTH must set USE_JWT: the endpoints answer JWTs.",
            'REST_AUTH = {"USE_JWT": True, "TOKEN_MODEL": None, "JWT_AUTH_HTTPONLY": False}',
        ),
        "interview_coordinator_accounts.E004": (
            value.get("TOKEN_MODEL") is not None
            and not apps.is_installed("rest_framework.authtoken"),
            "REST_AUTH['TOKEN_MODEL'] names DRF's token model, which is not installed.",
            "Set REST_AUTH['TOKEN_MODEL'] = None (the package issues JWTs only).",
        ),
        "interview_coordinator_accounts.E005": (
            value.get("JWT_AUTH_HTTPONLY") and not value["JWT_AUTH_REFRESH_COOKIE"],
            "REST_AUTH['JWT_AUTH_HTTPONLY'] without JWT_AUTH_REFRESH_COOKIE: no refresh token.",
            "Set it to False, or name JWT_AUTH_REFRESH_COOKIE for the HttpOnly cookie mode.",
        ),
        "interview_coordinator_accounts.E006": (
            cookie and not value["JWT_AUTH_COOKIE_USE_CSRF"],
            "REST_AUTH['JWT_AUTH_COOKIE'] authenticates by cookie without CSRF protection.",
            "Set JWT_AUTH_COOKIE_USE_CSRF: True; send the csrftoken cookie as X-CSRFToken.",
        ),
        "interview_coordinator_accounts.E007": (
            cookie and COOKIE_AUTHENTICATION not in names,
            "REST_AUTH['JWT_AUTH_COOKIE'] is set, but the package's views do not read it.",
            f"Put {COOKIE_AUTHENTICATION!r} first in "
            "INTERVIEW_COORDINATOR['AUTHENTICATION_CLASSES'].",
        ),
    }
    rates = ("AUTH_RATE", "LOGIN_ACCOUNT_RATE", "PASSWORD_RESET_RATE")
    messages = malformed_rates(rates, "interview_coordinator_accounts.E002")
    messages += [
        Error(text, hint, id=code) for code, (wrong, text, hint) in problems.items() if wrong
    ]
    ignored = [key for key in REPLACED_SERIALIZERS if key in config]
    if ignored:
        text = (
            f"REST_AUTH sets {', '.join(ignored)}, which the package's auth endpoints do not use."
        )
        hint = (
            "They use the package's serializers, which carry its protections; JWT_SERIALIZER, "
            "JWT_SERIALIZER_WITH_EXPIRATION and JWT_TOKEN_CLAIMS_SERIALIZER are honoured (and "
            "USER_DETAILS_SERIALIZER through them, in the answers of login and registration only)."
        )
        messages.append(Warning(text, hint, id="interview_coordinator_accounts.W001"))
    return messages
