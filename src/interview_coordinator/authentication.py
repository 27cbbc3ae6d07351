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

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.db import router
from django.db.models import IntegerField, Model, OneToOneRel
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.tokens import Token

from interview_coordinator.models import JOINED_ROWS
from interview_coordinator.prepared import Prepared, fits_bigint

PROFILE = "interview_coordinator_profile"
DASHBOARD = "interview_coordinator_dashboard"


def _attnames(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _relations(related: tuple[str, ...]) -> list[OneToOneRel]:
    relations = [get_user_model()._meta.get_field(name) for name in related]
    assert all(isinstance(relation, OneToOneRel) for relation in relations), "one-to-one rows"
    return relations  # type: ignore[return-value]


@functools.cache
def _joined_lookup(model: type[Model], related: tuple[str, ...]) -> Prepared:
    """The user by primary key with the ``related`` rows' columns, compiled once."""
    columns = _attnames(model)
    for relation in _relations(related):
        columns += [f"{relation.name}__{name}" for name in _attnames(relation.related_model)]

    def lookup(pk: int) -> Any:
        return model._default_manager.filter(pk=pk).values_list(*columns)

    return Prepared(model, lookup, arity=1)


def _user_of_row(row: tuple[Any, ...], related: tuple[str, ...]) -> Any:
    """The user and its one-to-one rows from one joined row, cached as ``select_related`` would.

    Built with ``from_db`` like the ORM's own instances (``post_init`` included);
    a missing row is cached as None, so reading it costs no query either.
    """
    model = get_user_model()
    alias = router.db_for_read(model)
    names = _attnames(model)
    user = model.from_db(alias, names, row[: len(names)])
    start = len(names)
    for relation in _relations(related):
        other: type[Model] = relation.related_model
        names = _attnames(other)
        values = row[start : start + len(names)]
        start += len(names)
        if values[names.index(other._meta.pk.attname)] is None:
            relation.set_cached_value(user, None)
            continue
        instance = other.from_db(alias, names, values)
        relation.set_cached_value(user, instance)
        relation.field.set_cached_value(instance, user)
    return user


def _integer_pk(model: type[Model], name: str, value: Any) -> int | None:
    """``value`` as an integer primary key if the lookup is one (simplejwt's claim is text)."""
    is_integer_key = isinstance(model._meta.pk, IntegerField)
    if name not in ("pk", model._meta.pk.name) or not is_integer_key:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    return value if type(value) is int and fits_bigint(value) else None


class _UsersJoined:
    """Stands for the user model in simplejwt's lookup: the same query, with rows joined.

    simplejwt reads ``user_model.objects.get(...)`` and ``user_model.DoesNotExist``;
    keeping its lookup (claims, inactive users, revoked tokens) rather than
    rewriting it is what this shim is for. A lookup by an integer primary key
    (the usual claim, as text) runs SQL compiled once per process (``prepared``):
    compiling the join cost more than running it. Any other runs through
    ``select_related``.
    """

    def __init__(self, related: tuple[str, ...]) -> None:
        model = get_user_model()
        self.related = related
        self.objects = self
        self.DoesNotExist = model.DoesNotExist

    def get(self, **lookup: Any) -> Any:
        model = get_user_model()
        ((name, value),) = lookup.items()
        pk = _integer_pk(model, name, value)
        if pk is None:
            return model._default_manager.select_related(*self.related).get(**lookup)
        rows = _joined_lookup(model, self.related).rows(pk)
        if not rows:
            raise self.DoesNotExist
        return _user_of_row(rows[0], self.related)


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
