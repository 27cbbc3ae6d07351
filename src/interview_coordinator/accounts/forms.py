"""The password-reset email, sent by Django's own form with the package's templates.

Django's default template links to a ``password_reset_confirm`` URL that an
API-only host does not have; the package's template gives the front end's
link when ``PASSWORD_RESET_URL`` is set, and the ``uid`` and ``token`` for
``auth/password/reset/confirm/`` otherwise.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.template import loader

from interview_coordinator.conf import app_settings
from interview_coordinator.reminders.emails import send

logger = logging.getLogger(__name__)

SUBJECT_TEMPLATE = "interview_coordinator/accounts/password_reset_subject.txt"
BODY_TEMPLATE = "interview_coordinator/accounts/password_reset_email.txt"


class ApiPasswordResetForm(PasswordResetForm):
    """Django's form, sending with the package's SMTP timeout.

    Without it a stalled mail server would hold the API worker, and only for
    addresses that have an account.
    """

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
        # Plain replacement: other braces in the host's URL must not raise.
        context["reset_url"] = (
            str(url).replace("{uid}", context["uid"]).replace("{token}", context["token"])
            if url
            else ""
        )
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
            message.attach_alternative(html, "text/html")
        try:
            send(message)
        except Exception:
            # As Django's form: the answer must not tell whether the address is known.
            logger.exception("Failed to send a password reset email to user %s", context["user"].pk)
