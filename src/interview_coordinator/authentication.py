"""The package's JWT authentication: simplejwt's, with the user's own rows in the same query.

Every view of the package needs the user's profile (its timezone is how
datetimes are read and shown) and the dashboard needs the user's stored
answer. Both are one-to-one with the user, so they are joined to the user
lookup that authenticating a token makes anyway (``select_related``),
instead of costing a query each. A host that configures other
authentication classes loses nothing but these joins: the rows are then
read when needed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.tokens import Token

from interview_coordinator.models import JOINED_ROWS

PROFILE = "interview_coordinator_profile"
DASHBOARD = "interview_coordinator_dashboard"


class _UsersJoined:
    """Stands for the user model in simplejwt's lookup: the same query, with rows joined.

    simplejwt reads ``user_model.objects.get(...)`` and ``user_model.DoesNotExist``;
    keeping its lookup (claims, inactive users, revoked tokens) rather than
    rewriting it is what this shim is for.
    """

    def __init__(self, related: tuple[str, ...]) -> None:
        model = get_user_model()
        self.objects = model._default_manager.select_related(*related)
        self.DoesNotExist = model.DoesNotExist


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's ``JWTAuthentication``, joining the user's profile (and ``related``)."""

    # Further one-to-one rows a view wants with the user (see PackageViewMixin).
    related: tuple[str, ...] = ()

    def get_user(self, validated_token: Token) -> Any:
        related = (PROFILE, *self.related)
        # simplejwt types the attribute as the user model; the shim offers what it reads.
        self.user_model = _UsersJoined(related)  # type: ignore[assignment]
        user = super().get_user(validated_token)
        setattr(user, JOINED_ROWS, related)
        return user
