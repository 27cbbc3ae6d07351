"""System checks of the optional accounts app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.core.checks import CheckMessage, Error, Tags, register

from interview_coordinator.accounts.tokens import BLACKLIST_APP
from interview_coordinator.checks import malformed_rates
from interview_coordinator.conf import app_settings

E001 = "interview_coordinator_accounts.E001"
E002 = "interview_coordinator_accounts.E002"


@register(Tags.compatibility)
def check_token_blacklist(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    # Without this app refresh tokens cannot be blacklisted: rotated and
    # logged-out tokens would stay valid. Fail loudly at start-up instead.
    if not app_settings.BLACKLIST_ON_LOGOUT:
        return []
    if apps.is_installed(BLACKLIST_APP):
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
    return malformed_rates(("AUTH_RATE", "LOGIN_ACCOUNT_RATE"), E002)
