"""Django's password forms, as dj-rest-auth's serializers use them, with the package's rules.

A new password passes the package's validators, with their messages on the
first field, and setting it revokes every refresh token. The reset email
gives the front end's link when ``PASSWORD_RESET_URL`` is set and the
``uid`` and ``token`` for ``auth/password/reset/confirm/`` otherwise, since an
API-only host has no ``password_reset_confirm`` page for Django's template.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import forms, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import loader
from django.utils.translation import gettext_lazy as _

from interview_coordinator.accounts import tokens
from interview_coordinator.conf import app_settings
from interview_coordinator.reminders.emails import send

logger = logging.getLogger(__name__)

SUBJECT_TEMPLATE = "interview_coordinator/accounts/password_reset_subject.txt"
BODY_TEMPLATE = "interview_coordinator/accounts/password_reset_email.txt"
MISMATCH = _("The two password fields didn't match.")
# With no validator named by INTERVIEW_COORDINATOR or the host, an empty
# AUTH_PASSWORD_VALIDATORS must not mean "any password will do" here.
DJANGOS_FOUR = [
    {"NAME": f"django.contrib.auth.password_validation.{name}Validator"}
    for name in ("UserAttributeSimilarity", "MinimumLength", "CommonPassword", "NumericPassword")
]


def password_errors(password: str, user: Any) -> list[str]:
    config = app_settings.PASSWORD_VALIDATORS
    validators = None  # the host's, which Django builds once
    if config is not None or not settings.AUTH_PASSWORD_VALIDATORS:
        validators = password_validation.get_password_validators(config or DJANGOS_FOUR)
    try:
        password_validation.validate_password(password, user, validators)
    except ValidationError as exc:
        return [str(message) for message in exc.messages]
    return []


class SetPasswordForm(forms.SetPasswordForm):  # type: ignore[type-arg]
    """Django's form, with the package's validators; saving revokes every refresh token.

    Whoever knew the old password may hold a token issued before the change.
    """

    error_messages = {"password_mismatch": MISMATCH}
    revoked = 0

    def clean(self) -> dict[str, Any]:
        self.validate_passwords("new_password1", "new_password2")
        password = self.cleaned_data.get("new_password1")
        for message in password_errors(password, self.user) if password else []:
            self.add_error("new_password1", message)
        return self.cleaned_data

    def save(self, commit: bool = True) -> Any:
        with transaction.atomic():
            self.user.set_password(self.cleaned_data["new_password1"])
            self.user.save()
            self.revoked = tokens.revoke_all(self.user)
        return self.user


class PasswordResetForm(forms.PasswordResetForm):
    """Django's form, sending with the package's templates and SMTP timeout."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        # Plain replacement: other braces in the host's URL must not raise.
        url = str(app_settings.PASSWORD_RESET_URL or "")
        context["reset_url"] = url.replace("{uid}", context["uid"]).replace(
            "{token}", context["token"]
        )
        subject = "".join(loader.render_to_string(SUBJECT_TEMPLATE, context).splitlines())
        body = loader.render_to_string(BODY_TEMPLATE, context)
        try:
            send(EmailMultiAlternatives(subject, body, from_email, [to_email]))
        except Exception:
            # As Django's form: the answer must not tell whether the address is known.
            logger.exception("Failed to send a password reset email to user %s", context["user"].pk)
