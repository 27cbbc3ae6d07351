"""Rotating and revoking simplejwt refresh tokens, whatever ``SIMPLE_JWT`` says.

Every refresh returns a new refresh token and, with simplejwt's blacklist app
installed and ``BLACKLIST_ON_LOGOUT`` on, the old one stops working. The
blacklist row is the lock: when two requests present the same refresh token,
only the one that creates the row gets a new pair; the other, which was
already in flight, answers 401 without revoking anything.

A blacklisted token presented again is a stolen copy only when it was
rotated or logged out. One issued before the account's latest revocation of
every token (a password change or reset) is refused and revokes nothing: the
moment of that revocation is kept in the cache for a refresh token's
lifetime, and without it the token counts as reused (the safe side).
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from interview_coordinator.conf import app_settings

BLACKLIST_APP = "rest_framework_simplejwt.token_blacklist"


class RefreshRejected(Exception):
    """A refresh token that cannot be used, with why and (when known) whose it was."""

    def __init__(self, reason: str, user_id: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user_id = user_id


def blacklisting_enabled() -> bool:
    return bool(app_settings.BLACKLIST_ON_LOGOUT) and apps.is_installed(BLACKLIST_APP)


def read_refresh(raw: str) -> RefreshToken:
    """The verified refresh token, or RefreshRejected saying why it is refused."""
    try:
        return RefreshToken(raw)  # type: ignore[arg-type]
    except TokenError as exc:
        found = blacklisted(raw)
        if found is None:
            raise RefreshRejected("invalid") from exc
        owner, issued = found
        revoked_at = revocation_time(owner)
        if issued is not None and revoked_at is not None and issued.timestamp() < revoked_at:
            raise RefreshRejected("revoked", owner) from exc
        raise reused(owner) from exc


def reused(user_id: Any) -> RefreshRejected:
    """A rotated or logged-out token came back: someone holds a copy of it.

    The package does not tell one sign-in's tokens from another's, so the
    whole family is every refresh token of the account (OAuth 2.0 Security
    BCP, refresh token rotation): the thief's and the victim's alike.
    """
    revoke_all(user_id)
    return RefreshRejected("blacklisted", user_id)


def blacklisted(raw: str) -> tuple[Any, Any] | None:
    """The user id and issue time of a genuine but blacklisted refresh token, else None.

    A refused token's claims cannot be trusted, so it is matched by its full
    text against the outstanding tokens (found through the indexed ``jti``).
    """
    if not apps.is_installed(BLACKLIST_APP):
        return None
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

    try:
        jti = RefreshToken(raw, verify=False).get(jwt_settings.JTI_CLAIM)  # type: ignore[arg-type]
    except TokenError:
        return None
    found = BlacklistedToken.objects.filter(token__jti=str(jti), token__token=raw)
    row = found.values_list("token__user_id", "token__created_at").first()
    return (row[0], row[1]) if row else None


def revocation_key(user_id: Any) -> str:
    return f"interview_coordinator:tokens-revoked:{user_id}"


def revocation_time(user_id: Any) -> float | None:
    """When every token of the user was last revoked (epoch seconds), if known."""
    try:
        value = cache.get(revocation_key(user_id))
    except Exception:  # each cache backend raises its own connection errors
        return None
    return float(value) if value is not None else None


def token_user(token: RefreshToken) -> Any:
    """The active user a verified token belongs to, locked, or RefreshRejected.

    The row lock serialises a rotation with a password change (whose save
    waits for it), so the change's revocation sees the token it issued.
    """
    user_id = token.get(jwt_settings.USER_ID_CLAIM)
    users = get_user_model()._default_manager.select_for_update()
    user = users.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
    if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
        raise RefreshRejected("inactive", user_id)
    return user


def rotate(raw: str) -> dict[str, str]:
    """Exchange a refresh token for a new pair (simplejwt's way), blacklisting the old one."""
    token = read_refresh(raw)
    with transaction.atomic():
        user = token_user(token)
        # simplejwt annotates blacklist() as the row; it returns get_or_create's pair.
        if not blacklisting_enabled() or token.blacklist()[1]:  # type: ignore[index]
            pair = {"access": str(token.access_token)}
            token.set_jti()
            token.set_exp()
            token.set_iat()
            token.outstand()
            pair["refresh"] = str(token)
            return pair
    # A concurrent request (another tab) rotated this very token while this
    # one waited for the lock: no copy was replayed, so nothing is revoked.
    raise RefreshRejected("superseded", user.pk)


def revoke(raw: str) -> Any:
    """Blacklist one refresh token (logout); the id of its user."""
    token = read_refresh(raw)
    if blacklisting_enabled():
        token.blacklist()
    return token_user_id(token)


def token_user_id(token: RefreshToken) -> Any:
    """The user id claim, typed like the user model's field (simplejwt writes a string)."""
    value = token.get(jwt_settings.USER_ID_CLAIM)
    field = get_user_model()._meta.get_field(jwt_settings.USER_ID_FIELD)
    try:
        return field.to_python(value)  # type: ignore[union-attr]
    except Exception:
        return value


def revoke_all(user: Any) -> int:
    """Blacklist every unexpired refresh token of a user; the number revoked."""
    if not blacklisting_enabled():
        return 0
    from rest_framework_simplejwt.token_blacklist.models import (
        BlacklistedToken,
        OutstandingToken,
    )

    # Without the mark, later copies count as reused: the safe side.
    with contextlib.suppress(Exception):
        lifetime = int(jwt_settings.REFRESH_TOKEN_LIFETIME.total_seconds()) + 1
        key = revocation_key(getattr(user, "pk", user))
        cache.set(key, timezone.now().timestamp(), lifetime)
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    ).values_list("pk", flat=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=pk) for pk in live], ignore_conflicts=True
    )
    return len(created)
