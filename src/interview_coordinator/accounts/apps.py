"""The optional accounts app: JWT auth endpoints, rate limits, password policy.

It has no models; its label is explicit so that it never collides with a
host's own ``accounts`` app.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "interview_coordinator.accounts"
    # Explicit label: a bare "accounts" would collide with many host projects.
    label = "interview_coordinator_accounts"
    verbose_name = _("Interview coordinator accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from interview_coordinator.accounts import checks  # noqa: F401
