"""System checks of the optional accounts app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.core.checks import CheckMessage, Error, Tags, register

from interview_coordinator.conf import app_settings
from interview_coordinator.ratelimit import Rate

E001 = "interview_coordinator_accounts.E001"
E002 = "interview_coordinator_accounts.E002"


@register(Tags.compatibility)
def check_token_blacklist(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    # Without this app, dj-rest-auth's logout silently skips blacklisting and
    # rotated refresh tokens stay valid: fail loudly at start-up instead.
    if not app_settings.BLACKLIST_ON_LOGOUT:
        return []
    if apps.is_installed("rest_framework_simplejwt.token_blacklist"):
        return []
    return [
        Error(
            "interview_coordinator.accounts needs simplejwt's token blacklist.",
            hint="Add 'rest_framework_simplejwt.token_blacklist' to INSTALLED_APPS "
            "and run migrate.",
            id=E001,
        )
    ]


@register(Tags.compatibility)
def check_rates(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    # A malformed rate would otherwise surface as a 500 on the first login.
    messages: list[CheckMessage] = []
    for name in ("AUTH_RATE", "LOGIN_ACCOUNT_RATE"):
        try:
            Rate.parse(getattr(app_settings, name))
        except ValueError as exc:
            messages.append(
                Error(
                    f"INTERVIEW_COORDINATOR[{name!r}]: {exc}",
                    hint="Write a rate as a count per period, e.g. '5/m', '100/h' or '10/5m'.",
                    id=E002,
                )
            )
    return messages
