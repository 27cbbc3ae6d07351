"""Seeding a benchmark database on the PostgreSQL side, for scripts that need millions of rows.

Imported by a script after ``django.setup()``.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Model


def insert_select(
    model: type[Model], count_sql: str, columns: dict[str, str]
) -> tuple[str, list[Any]]:
    """``INSERT … SELECT`` over ``generate_series(1, n) AS g`` for every concrete column.

    ``columns`` gives SQL expressions for the columns that matter; every other
    column gets its model default, so fields added later do not break the seed.
    """
    names, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        names.append(connection.ops.quote_name(field.column))
        if field.column in columns:
            values.append(columns[field.column])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append("now()")
        else:
            params.append(field.get_db_prep_save(field.get_default(), connection))
            values.append("%s")
    table = connection.ops.quote_name(model._meta.db_table)
    # Built from the models' own metadata and the scripts' constants only.
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM generate_series(1, {count_sql}) AS g"
    )
    return sql, params
