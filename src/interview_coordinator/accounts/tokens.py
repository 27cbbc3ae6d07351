"""Issuing, rotating and revoking JWT refresh tokens.

Rotation and blacklisting are decided here, by the package, rather than by
the host's ``SIMPLE_JWT`` settings: every refresh returns a new refresh token
and, with simplejwt's blacklist app installed and ``BLACKLIST_ON_LOGOUT`` on,
the old one stops working. The blacklist row is the lock: when two requests
present the same refresh token, only the one that creates the row gets a new
pair, so a stolen token can be used at most once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from interview_coordinator.conf import app_settings

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

BLACKLIST_APP = "rest_framework_simplejwt.token_blacklist"


class RefreshRejected(Exception):
    """A refresh token that cannot be used, with why and (when known) whose it was."""

    def __init__(self, reason: str, user_id: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user_id = user_id


def blacklisting_enabled() -> bool:
    return bool(app_settings.BLACKLIST_ON_LOGOUT) and apps.is_installed(BLACKLIST_APP)


def issue_pair(user: AbstractBaseUser) -> dict[str, str]:
    """A new access/refresh pair; the refresh token is recorded as outstanding."""
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def read_refresh(raw: str) -> RefreshToken:
    """The verified refresh token, or RefreshRejected saying why it is refused."""
    try:
        return RefreshToken(raw)  # type: ignore[arg-type]
    except TokenError as exc:
        owner = blacklisted_owner(raw)
        if owner is not None:
            raise RefreshRejected("blacklisted", owner) from exc
        raise RefreshRejected("invalid") from exc


def blacklisted_owner(raw: str) -> Any:
    """The user id of a genuine but blacklisted refresh token, else None.

    The claims of a refused token cannot be trusted, so the token is matched
    by its full text against the outstanding tokens the package issued (found
    through the indexed ``jti``); a forged token with a copied ``jti`` does not
    match.
    """
    if not apps.is_installed(BLACKLIST_APP):
        return None
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

    try:
        jti = RefreshToken(raw, verify=False).get(jwt_settings.JTI_CLAIM)  # type: ignore[arg-type]
    except TokenError:
        return None
    if not isinstance(jti, str):
        return None
    return (
        BlacklistedToken.objects.filter(token__jti=jti, token__token=raw)
        .values_list("token__user_id", flat=True)
        .first()
    )


def token_user(token: RefreshToken) -> AbstractBaseUser:
    """The active user a verified token belongs to, or RefreshRejected."""
    user_id = token.get(jwt_settings.USER_ID_CLAIM)
    user_model = get_user_model()
    user: AbstractBaseUser | None = user_model._default_manager.filter(
        **{jwt_settings.USER_ID_FIELD: user_id}
    ).first()
    if user is None or not user.is_active:
        raise RefreshRejected("inactive", user_id)
    return user


def rotate(raw: str) -> dict[str, str]:
    """Exchange a refresh token for a new pair, blacklisting the old one."""
    with transaction.atomic():
        token = read_refresh(raw)
        user = token_user(token)
        if blacklisting_enabled():
            # simplejwt annotates blacklist() as returning the row; it returns
            # get_or_create's (row, created) pair.
            _, created = cast("tuple[Any, bool]", token.blacklist())
            if not created:
                # Another request rotated this token a moment ago.
                raise RefreshRejected("blacklisted", user.pk)
        return issue_pair(user)


def revoke(raw: str) -> Any:
    """Blacklist one refresh token (logout); the id of its user."""
    token = read_refresh(raw)
    if blacklisting_enabled():
        token.blacklist()
    return claimed_user_id(token)


def claimed_user_id(token: RefreshToken) -> Any:
    """The user id claim of a verified token, typed like the user model's field.

    simplejwt writes the claim as a string; the security log records ids as
    the model holds them.
    """
    value = token.get(jwt_settings.USER_ID_CLAIM)
    field = get_user_model()._meta.get_field(jwt_settings.USER_ID_FIELD)
    if not isinstance(field, models.Field):
        return value
    try:
        return field.to_python(value)
    except ValidationError:
        return value


def revoke_all(user: AbstractBaseUser) -> int:
    """Blacklist every unexpired refresh token of a user whose password changed."""
    if not blacklisting_enabled():
        return 0
    from rest_framework_simplejwt.token_blacklist.models import (
        BlacklistedToken,
        OutstandingToken,
    )

    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    ).values_list("pk", flat=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=pk) for pk in live], ignore_conflicts=True
    )
    return len(created)
