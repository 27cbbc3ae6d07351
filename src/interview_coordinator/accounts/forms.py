"""The password-reset email, sent by Django's own form with the package's templates.

Django's default template links to a ``password_reset_confirm`` URL that an
API-only host does not have; the package's template gives the front end's
link when ``PASSWORD_RESET_URL`` is set, and the ``uid`` and ``token`` for
``auth/password/reset/confirm/`` otherwise.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordResetForm

from interview_coordinator.conf import app_settings

SUBJECT_TEMPLATE = "interview_coordinator/accounts/password_reset_subject.txt"
BODY_TEMPLATE = "interview_coordinator/accounts/password_reset_email.txt"


class ApiPasswordResetForm(PasswordResetForm):
    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        url = app_settings.PASSWORD_RESET_URL
        context["reset_url"] = (
            str(url).format(uid=context["uid"], token=context["token"]) if url else ""
        )
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            to_email,
            html_email_template_name,
        )
