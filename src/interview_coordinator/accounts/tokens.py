"""Rotating and revoking simplejwt refresh tokens, whatever ``SIMPLE_JWT`` says.

A blacklisted token presented again means someone holds a copy: the tokens of its sign-in (its
``family`` claim) are revoked, as the OAuth 2.0 Security BCP advises (docs/auth.md).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import Any, cast

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from interview_coordinator.conf import app_settings
from interview_coordinator.security import log_event

BLACKLIST_APP = "rest_framework_simplejwt.token_blacklist"
FAMILY = "family"
REVOKED = "interview_coordinator:tokens-revoked:{}"


class RefreshRejected(Exception):
    """A refresh token that cannot be used, with why and (when known) whose it was."""

    def __init__(self, reason: str, user_id: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user_id = user_id

    def refuse(self, request: Any, event: str) -> InvalidToken:
        """Log the refusal as a security event; the 401 to raise."""
        log_event(event, request, level=logging.WARNING, user_id=self.user_id, reason=self.reason)
        return InvalidToken()


def blacklisting_enabled() -> bool:
    return bool(app_settings.BLACKLIST_ON_LOGOUT) and apps.is_installed(BLACKLIST_APP)


def family(token: RefreshToken) -> str:
    return str(token.get(FAMILY) or token.get(jwt_settings.JTI_CLAIM))


def read_refresh(raw: str) -> RefreshToken:
    """The verified refresh token, or RefreshRejected saying why it is refused."""
    try:
        return RefreshToken(raw)  # type: ignore[arg-type]
    except TokenError as exc:
        row = blacklisted(raw)
        if row is None:
            raise RefreshRejected("invalid") from exc
        try:
            revoked_at = float(cache.get(REVOKED.format(row.user_id)) or 0)
        except Exception:  # each cache backend raises its own connection errors
            revoked_at = 0
        if row.created_at and row.created_at.timestamp() < revoked_at:
            raise RefreshRejected("revoked", row.user_id) from exc
        if just_blacklisted(row):
            raise RefreshRejected("superseded", row.user_id) from exc
        revoke_family(row.user_id, raw)
        raise RefreshRejected("blacklisted", row.user_id) from exc


def revoke_family(user_id: Any, raw: str) -> None:
    """Blacklist the live tokens of the sign-in of ``raw``, a genuine token."""
    with transaction.atomic():
        # The lock rotate() takes: a rotation of the family that commits
        # first is revoked too, and one that waited finds its token revoked.
        locked_user(pk=user_id)
        revoke_tokens(user_id, family(RefreshToken(raw, verify=False)))  # type: ignore[arg-type]


def just_blacklisted(row: Any) -> bool:
    """Blacklisted under ``REFRESH_REUSE_INTERVAL_SECONDS`` ago: most likely by another tab."""
    interval = timedelta(seconds=app_settings.REFRESH_REUSE_INTERVAL_SECONDS)
    return bool(row.blacklistedtoken.blacklisted_at > timezone.now() - interval)


def locked_user(**lookup: Any) -> Any:
    """The user, row-locked until commit: whatever issues or revokes their tokens takes turns."""
    return get_user_model()._default_manager.select_for_update().filter(**lookup).first()


def blacklisted(raw: str) -> Any:
    """The outstanding row of a genuine but blacklisted token, matched by its untrusted text."""
    if not apps.is_installed(BLACKLIST_APP):
        return None
    try:
        jti = RefreshToken(raw, verify=False).get(jwt_settings.JTI_CLAIM)  # type: ignore[arg-type]
    except TokenError:
        return None
    rows = apps.get_model("token_blacklist", "OutstandingToken").objects
    rows = rows.select_related("blacklistedtoken")
    return rows.filter(jti=str(jti), token=raw, blacklistedtoken__isnull=False).first()


def rotate(raw: str) -> dict[str, str]:
    """Exchange a refresh token for a new pair of its family, blacklisting it (simplejwt's way).

    The user's row lock serialises it with a password change, whose revocation then sees it.
    """
    token = read_refresh(raw)
    with transaction.atomic():
        user_id = token.get(jwt_settings.USER_ID_CLAIM)
        user = locked_user(**{jwt_settings.USER_ID_FIELD: user_id})
        if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise RefreshRejected("inactive", user_id)
        # simplejwt annotates blacklist() as the row; it returns get_or_create's pair.
        if blacklisting_enabled() and not token.blacklist()[1]:  # type: ignore[index]
            # While this one waited for the lock, another request (another tab)
            # rotated this very token, leaving its family a live token, or revoked
            # the family, leaving none: nothing more to revoke.
            reason = "superseded" if live_tokens(user, family(token)) else "revoked"
            raise RefreshRejected(reason, user.pk)
        access = str(token.access_token)
        token[FAMILY] = family(token)
        token.set_jti()
        token.set_exp()
        token.set_iat()
        token.outstand()
        return {"access": access, "refresh": str(token)}


def revoke(raw: str) -> Any:
    """Blacklist one refresh token (logout); the id of its user.

    A token just rotated signs its whole family out: logout is the owner's wish, which a
    thief who rotated first must not outlive (the reuse interval only spares two tabs).
    """
    try:
        token = read_refresh(raw)
    except RefreshRejected as exc:
        if exc.reason != "superseded":
            raise
        revoke_family(exc.user_id, raw)
        return exc.user_id
    if not blacklisting_enabled():
        return token.get(jwt_settings.USER_ID_CLAIM)
    # simplejwt annotates blacklist() as the row; it returns get_or_create's pair.
    row, created = cast("tuple[Any, bool]", token.blacklist())
    if not created:
        # Blacklisted since read_refresh(), as by a rotation: its new token must not outlive
        # the owner's logout (revoke_family() takes the lock rotate() holds).
        revoke_family(row.token.user_id, raw)
    return row.token.user_id


def revoke_tokens(user: Any, family_name: str | None = None) -> int:
    """Blacklist the user's live refresh tokens: all (a new password), or one sign-in's."""
    if not blacklisting_enabled():
        return 0
    if family_name is None:
        # Without the mark, later copies count as reused: the safe side.
        with contextlib.suppress(Exception):
            lifetime = int(jwt_settings.REFRESH_TOKEN_LIFETIME.total_seconds()) + 1
            cache.set(REVOKED.format(user.pk), timezone.now().timestamp(), lifetime)
    model = apps.get_model("token_blacklist", "BlacklistedToken")
    rows = [model(token_id=pk) for pk in live_tokens(user, family_name)]
    return len(model.objects.bulk_create(rows, ignore_conflicts=True))


def live_tokens(user: Any, family_name: str | None = None) -> list[Any]:
    """The pks of the user's unexpired, unblacklisted refresh tokens: all, or one sign-in's."""
    outstanding = apps.get_model("token_blacklist", "OutstandingToken").objects
    live = outstanding.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken=None)
    if family_name is None:
        return list(live.values_list("pk", flat=True))
    tokens = live.only("token")
    return [row.pk for row in tokens if family(RefreshToken(row.token, False)) == family_name]
