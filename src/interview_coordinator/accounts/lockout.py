"""Account lockout by failed passwords only, with device cookies (OWASP).

Counting every attempt let anyone keep a victim out with a few guesses a
minute. As OWASP's authentication cheat sheet advises, only failures count,
and a browser that has signed in to the account before carries a signed
device cookie: its failures are counted on their own, so the owner keeps
signing in while guesses from anywhere else meet the account's budget.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from interview_coordinator.conf import app_settings
from interview_coordinator.ratelimit import enforce

COOKIE = "interview_coordinator_device"
SALT = "interview_coordinator.accounts.device"
MAX_AGE = 365 * 86400


def bucket(request: Request, account: Any, name: str) -> str:
    """Where an attempt's failures count: its known device, else the account (or name)."""
    if account is None:
        return f"name:{name.casefold()}"
    try:
        pk, device = signing.loads(request.COOKIES.get(COOKIE, ""), salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        pk = device = None
    return f"device:{device}" if str(pk) == str(account.pk) else f"account:{account.pk}"


def failures(request: Request, where: str, *, count: bool) -> None:
    """429 once ``where`` has spent ``LOGIN_ACCOUNT_RATE``; with ``count``, one more failure."""
    rate = str(app_settings.LOGIN_ACCOUNT_RATE)
    enforce(request, "login-failures", where, rate, _("for this account"), count=count)


def remember_device(request: Request, response: Response, user: Any) -> None:
    """Mark this browser as one that signed in to the account (only login ever reads it)."""
    value = signing.dumps([user.pk, secrets.token_urlsafe(16)], salt=SALT)
    secure = request.is_secure()
    response.set_cookie(
        COOKIE, value, MAX_AGE, path=request.path, secure=secure, httponly=True, samesite="Lax"
    )
