from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterviewCoordinatorConfig(AppConfig):
    name = "interview_coordinator"
    verbose_name = _("Interview coordinator")
    # Pinned so that a host's DEFAULT_AUTO_FIELD never asks for a migration here.
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The timeline's receivers first: an application's own change is
        # recorded before the changes of the rounds that follow it.
        from interview_coordinator import checks, history, signals  # noqa: F401
