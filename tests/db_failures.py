"""A real database failure in the middle of a write, for tests of atomicity.

A trigger makes the database itself refuse every INSERT into one table, so
a request fails after its first rows were written: what stays afterwards
shows whether the whole write rolled back. PostgreSQL and SQLite both run
triggers; nothing in the code under test is replaced.
"""

import contextlib

from django.db import connection

TRIGGER = "ic_test_refuse_inserts"
MESSAGE = "insert refused by the test"


@contextlib.contextmanager
def inserts_refused(model):
    """Every INSERT into ``model``'s table fails inside the database until the block ends."""
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        create = [
            f"CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
            f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()",
        ]
        drop = [f"DROP TRIGGER {TRIGGER} ON {table}", f"DROP FUNCTION {TRIGGER}()"]
    else:
        create = [
            f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        ]
        drop = [f"DROP TRIGGER {TRIGGER}"]
    with connection.cursor() as cursor:
        for statement in create:
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in drop:
                cursor.execute(statement)


def failed_on_the_refused_insert(caplog):
    """Whether the 500 came from the refused insert (Django logs it with its traceback)."""
    return any(
        record.name == "django.request" and record.exc_info and MESSAGE in str(record.exc_info[1])
        for record in caplog.records
    )
