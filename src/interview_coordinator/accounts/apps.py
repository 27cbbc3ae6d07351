"""The optional accounts app (no models); its explicit label never collides with a host's."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.signals import setting_changed
from django.utils.translation import gettext_lazy as _


def reload_rest_auth(*, setting: str, **kwargs: Any) -> None:
    """Let ``override_settings(REST_AUTH=...)`` reach dj-rest-auth, which reads it at import."""
    if setting == "REST_AUTH":
        from dj_rest_auth.app_settings import api_settings

        api_settings.reload()
        api_settings._user_settings = getattr(settings, "REST_AUTH", None) or {}


class AccountsConfig(AppConfig):
    name = "interview_coordinator.accounts"
    label = "interview_coordinator_accounts"
    verbose_name = _("Interview coordinator accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from interview_coordinator.accounts import checks  # noqa: F401

        setting_changed.connect(reload_rest_auth)
