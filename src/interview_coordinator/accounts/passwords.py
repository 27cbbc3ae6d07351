"""What a new password must pass, how it is set, and how failed passwords are counted.

Lockout counts failures only (OWASP), and a known device's on their own: strangers cannot lock
the owner out (docs/auth.md).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import forms, password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import loader
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request
from rest_framework.response import Response

from interview_coordinator.accounts import tokens
from interview_coordinator.conf import app_settings
from interview_coordinator.ratelimit import enforce
from interview_coordinator.reminders.emails import send

logger = logging.getLogger(__name__)
T = TypeVar("T")

MISMATCH = _("The two password fields didn't match.")
# With no validator named by INTERVIEW_COORDINATOR or the host, an empty
# AUTH_PASSWORD_VALIDATORS must not mean "any password will do" here.
DJANGOS_FOUR = [
    {"NAME": f"django.contrib.auth.password_validation.{name}Validator"}
    for name in ("UserAttributeSimilarity", "MinimumLength", "CommonPassword", "NumericPassword")
]
TEMPLATES = "interview_coordinator/accounts/password_reset_{}.txt"
DEVICE_COOKIE = "interview_coordinator_device"
DEVICE_SALT = "interview_coordinator.accounts.device"
DEVICE_MAX_AGE = 365 * 86400


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
    """Django's form with the package's validators; saving revokes every refresh token."""

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
            self.revoked = tokens.revoke_tokens(self.user)
        return self.user


class PasswordResetForm(forms.PasswordResetForm):
    """Django's form with the package's templates, as an API-only host has no reset page."""

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        # Django passes templates, context, sender, recipient: the package's templates apply.
        context, from_email, to_email = args[2:5]
        # Plain replacement: other braces in the host's URL must not raise.
        url = str(app_settings.PASSWORD_RESET_URL or "").replace("{uid}", context["uid"])
        context["reset_url"] = url.replace("{token}", context["token"])
        subject = loader.render_to_string(TEMPLATES.format("subject"), context)
        body = loader.render_to_string(TEMPLATES.format("email"), context)
        try:
            send(
                EmailMultiAlternatives("".join(subject.splitlines()), body, from_email, [to_email])
            )
        except Exception:  # as Django's: the answer must not tell whether the address is known
            logger.exception("Failed to send a password reset email to user %s", context["user"].pk)


def attempt(request: Request, account: Any, name: str, check: Callable[[], T]) -> T:
    """``check`` a password unless its device's, account's or name's failures are over (429).

    ``name``, for no account, is the name as lookups compare it (``serializers.name_key``).
    """
    cookie = request.COOKIES.get(DEVICE_COOKIE, "")
    try:
        pk, device = signing.loads(cookie, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        pk = device = None
    bucket = f"account:{account.pk}" if account else f"name:{name}"
    bucket = f"device:{device}" if account and str(pk) == str(account.pk) else bucket
    rate, what = str(app_settings.LOGIN_ACCOUNT_RATE), str(_("for this account"))
    enforce(request, "login-failures", bucket, rate, what, count=False)
    result = check()
    if not result:
        enforce(request, "login-failures", bucket, rate, what)
    return result


def remember_device(request: Request, response: Response, user: Any) -> None:
    """Mark this browser as one that signed in to the account (only login ever reads it)."""
    value = signing.dumps([user.pk, secrets.token_urlsafe(16)], salt=DEVICE_SALT)
    secure = request.is_secure()
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_MAX_AGE,
        path=request.path,
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
