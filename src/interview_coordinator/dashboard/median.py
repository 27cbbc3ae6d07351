"""A median aggregate that PostgreSQL and SQLite compute alike.

PostgreSQL has ``percentile_cont``; SQLite has no percentile function, so the
same definition is registered on its connection as a Python aggregate (the
way Django's own SQLite backend adds the functions SQLite lacks). Both
interpolate between the two middle values of an even count.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any

import django
from django.db.models import Aggregate

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

SQLITE_MEDIAN = "interview_coordinator_median"

# Django 6.0 renders an aggregate's FILTER clause through its template;
# earlier versions append it to the template themselves.
FILTER = "%(filter)s" if django.VERSION >= (6, 0) else ""


class _PythonMedian:
    """The SQLite aggregate: collects the non-null values, answers their median."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return statistics.median(self.values) if self.values else None


class Median(Aggregate):
    """The median of the non-null values; null when there are none."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)" + FILTER

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> _AsSqlType:
        connection.ensure_connection()
        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, _PythonMedian)
        python_median: Median = self.copy()
        python_median.function = SQLITE_MEDIAN
        python_median.template = "%(function)s(%(expressions)s)" + FILTER
        return python_median.as_sql(compiler, connection, **extra_context)
