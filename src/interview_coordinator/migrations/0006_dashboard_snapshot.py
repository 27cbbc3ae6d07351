"""The dashboard's stored answers, and the triggers that tell when one no longer holds.

Every insert, update or delete of a user's interviews, rounds or profile adds
one to the user's snapshot ``generation`` in the same transaction, whatever
issued it (the ORM, ``bulk_create``, ``QuerySet.update()``, raw SQL), so a
stored answer can be trusted exactly while its generation is the current one.
PostgreSQL gets statement-level triggers (one upsert per statement, whatever
the number of rows, users locked in id order); SQLite row-level ones. Other
backends get none, and the dashboard then never serves a stored answer.
Users who already have data get their row here (with no answer yet); from
then on the triggers create the row with a user's first write, so a user
without one has no data at all.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


SNAPSHOTS = "interview_coordinator_dashboardsnapshot"
INTERVIEWS = "interview_coordinator_interview"
# Each watched table, and the owners of a set of its rows ({rows}).
WATCHED = {
    "interview": (INTERVIEWS, "SELECT user_id FROM {rows}"),
    "round": (
        "interview_coordinator_interviewround",
        f"SELECT owner.user_id FROM {{rows}} JOIN {INTERVIEWS} owner ON owner.id = {{rows}}.interview_id",
    ),
    "profile": ("interview_coordinator_profile", "SELECT user_id FROM {rows}"),
}


def _postgresql_touch(owners):
    return (
        f"INSERT INTO {SNAPSHOTS} AS snapshot (user_id, generation) "
        f"SELECT user_id, 1 FROM ({owners}) AS touched WHERE user_id IS NOT NULL "
        "GROUP BY user_id ORDER BY user_id "
        "ON CONFLICT (user_id) DO UPDATE SET generation = snapshot.generation + 1;"
    )


def _postgresql(name, table, owners):
    new, old = owners.format(rows="new_rows"), owners.format(rows="old_rows")
    return [
        f"""CREATE FUNCTION ic_dashboard_touch_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN {_postgresql_touch(new)}
            ELSIF TG_OP = 'DELETE' THEN {_postgresql_touch(old)}
            ELSE {_postgresql_touch(f"{old} UNION {new}")}
            END IF;
            RETURN NULL;
        END $$""",
        f"CREATE TRIGGER ic_dashboard_{name}_insert AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ic_dashboard_touch_{name}()",
        f"CREATE TRIGGER ic_dashboard_{name}_update AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ic_dashboard_touch_{name}()",
        f"CREATE TRIGGER ic_dashboard_{name}_delete AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ic_dashboard_touch_{name}()",
    ]


def _sqlite_touch(name, row):
    if name == "round":
        owner = f"SELECT user_id FROM {INTERVIEWS} WHERE id = {row}.interview_id"
        return (
            f"INSERT OR IGNORE INTO {SNAPSHOTS} (user_id, generation) "
            f"SELECT user_id, 0 FROM {INTERVIEWS} WHERE id = {row}.interview_id; "
            f"UPDATE {SNAPSHOTS} SET generation = generation + 1 WHERE user_id = ({owner});"
        )
    return (
        f"INSERT OR IGNORE INTO {SNAPSHOTS} (user_id, generation) VALUES ({row}.user_id, 0); "
        f"UPDATE {SNAPSHOTS} SET generation = generation + 1 WHERE user_id = {row}.user_id;"
    )


def _sqlite(name, table, owners):
    return [
        f"CREATE TRIGGER ic_dashboard_{name}_insert AFTER INSERT ON {table} "
        f"BEGIN {_sqlite_touch(name, 'NEW')} END",
        f"CREATE TRIGGER ic_dashboard_{name}_update AFTER UPDATE ON {table} "
        f"BEGIN {_sqlite_touch(name, 'OLD')} {_sqlite_touch(name, 'NEW')} END",
        f"CREATE TRIGGER ic_dashboard_{name}_delete AFTER DELETE ON {table} "
        f"BEGIN {_sqlite_touch(name, 'OLD')} END",
    ]


BUILDERS = {"postgresql": _postgresql, "sqlite": _sqlite}


def create_rows(apps, schema_editor):
    """A snapshot row (no answer yet) for every user who already has data."""
    snapshot = apps.get_model("interview_coordinator", "DashboardSnapshot")
    owners = set(
        apps.get_model("interview_coordinator", "Interview").objects.values_list("user_id", flat=True).distinct()
    ) | set(apps.get_model("interview_coordinator", "Profile").objects.values_list("user_id", flat=True))
    snapshot.objects.bulk_create(
        [snapshot(user_id=owner) for owner in sorted(owners)], batch_size=1000, ignore_conflicts=True
    )


def install_triggers(apps, schema_editor):
    build = BUILDERS.get(schema_editor.connection.vendor)
    if build is None:
        return
    for name, (table, owners) in WATCHED.items():
        for statement in build(name, table, owners):
            schema_editor.execute(statement)


def remove_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in BUILDERS:
        return
    for name, (table, _owners) in WATCHED.items():
        for event in ("insert", "update", "delete"):
            suffix = f" ON {table}" if vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS ic_dashboard_{name}_{event}{suffix}")
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS ic_dashboard_touch_{name}()")


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('interview_coordinator', '0005_round_follows_interview'),
    ]

    operations = [
        migrations.CreateModel(
            name='DashboardSnapshot',
            fields=[
                ('user', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='interview_coordinator_dashboard', serialize=False, to=settings.AUTH_USER_MODEL, verbose_name='user')),
                ('generation', models.BigIntegerField(default=0, verbose_name='generation')),
                ('body', models.TextField(blank=True, null=True, verbose_name='answer as JSON')),
                ('body_generation', models.BigIntegerField(null=True, verbose_name='generation of the answer')),
                ('computed_at', models.DateTimeField(null=True, verbose_name='computed at')),
                ('valid_through', models.DateTimeField(null=True, verbose_name='first upcoming moment')),
                ('local_date', models.DateField(null=True, verbose_name="user's date")),
                ('timezone', models.CharField(max_length=64, null=True, verbose_name="user's timezone")),
            ],
            options={
                'verbose_name': 'dashboard snapshot',
                'verbose_name_plural': 'dashboard snapshots',
            },
        ),
        migrations.RunPython(create_rows, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
