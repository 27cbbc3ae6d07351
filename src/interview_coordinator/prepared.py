"""Queries whose SQL is compiled once per process and run again with other values.

Compiling a queryset (resolving its joins, annotations and ordering into
SQL) costs more Python than a small indexed read costs PostgreSQL; on the
hottest reads it is most of the request. A ``Prepared`` query builds its
queryset once with placeholder values, keeps the SQL, and runs it with the
request's values through the connection's cursor, so query logging and
counting see it as before. A shape whose rows Django would convert on the
way out, or whose placeholders cannot be told apart in the parameters, is
never cached: it runs through the ORM as usual. The cache is cleared when a
setting changes (``override_settings``), as the SQL may depend on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.dispatch import receiver

# Values no caller passes (ids are positive), each standing for one argument;
# within a 32-bit column's range, which Django otherwise compiles to no SQL.
PLACEHOLDERS = (-1_979_000_001, -1_979_000_002, -1_979_000_003)

# The largest value a bigint column holds: a larger id names no row.
BIGINT_MAX = 2**63 - 1

_prepared: list[Prepared] = []


class Prepared:
    """A query shape of ``model``, built by ``build(*values)``, compiled once per database."""

    def __init__(
        self, model: type[Model], build: Callable[..., QuerySet[Any, Any]], arity: int
    ) -> None:
        assert arity <= len(PLACEHOLDERS), "one placeholder per argument"
        self.model = model
        self.build = build
        self.arity = arity
        # alias -> (sql, parameters with placeholders) or None if not cacheable
        self.compiled: dict[str, tuple[str, tuple[Any, ...]] | None] = {}
        _prepared.append(self)

    def rows(self, *values: Any) -> list[tuple[Any, ...]]:
        """The rows of the query for ``values``, as ``values_list()`` gives them.

        Only integers take a placeholder's place (a host's user model may have
        other primary keys): other values run through the ORM.
        """
        if not all(type(value) is int for value in values):
            return list(self.build(*values))
        alias = router.db_for_read(self.model)
        if alias not in self.compiled:
            self.compiled[alias] = self._compile(self.build(*PLACEHOLDERS[: self.arity]))
        compiled = self.compiled[alias]
        if compiled is None:
            return list(self.build(*values))
        sql, template = compiled
        slots = dict(zip(PLACEHOLDERS, values, strict=False))
        params = tuple(slots.get(param, param) for param in template)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]

    def _compile(self, queryset: QuerySet[Any, Any]) -> tuple[str, tuple[Any, ...]] | None:
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        columns = [column for column, _sql, _alias in compiler.select]
        if compiler.get_converters(columns):
            return None
        placeholders = PLACEHOLDERS[: self.arity]
        if not all(placeholder in params for placeholder in placeholders):
            return None
        return sql, tuple(params)


def fits_bigint(value: int) -> bool:
    """Whether an id can name a row: a larger one is no row, without asking the database."""
    return 0 <= value <= BIGINT_MAX


@receiver(setting_changed, dispatch_uid="interview_coordinator.prepared")
def forget_compiled(**kwargs: Any) -> None:
    for prepared in _prepared:
        prepared.compiled.clear()
