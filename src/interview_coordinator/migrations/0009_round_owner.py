"""Rounds carry their interview's owner, so that a user's rounds are read without a join.

The column is added empty, filled from each round's interview, then made
required. From then on it stays equal to the interview's owner in the same
transaction whatever writes it: the model fills it on ``save`` and
``bulk_create``, and triggers cover every other way (``QuerySet.update()``
moving rounds, raw SQL, an interview changing hands). PostgreSQL sets a
round's owner from its interview before the row is written; SQLite, whose
``BEFORE`` triggers cannot change a row, corrects it right after. Other
backends rely on the model alone.
"""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

ROUNDS = "interview_coordinator_interviewround"
INTERVIEWS = "interview_coordinator_interview"
OWNER = f"(SELECT user_id FROM {INTERVIEWS} WHERE id = NEW.interview_id)"

POSTGRESQL = [
    f"""CREATE FUNCTION ic_round_owner() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.user_id := {OWNER};
        RETURN NEW;
    END $$""",
    f"CREATE TRIGGER ic_round_owner_insert BEFORE INSERT ON {ROUNDS} "
    "FOR EACH ROW EXECUTE FUNCTION ic_round_owner()",
    f"CREATE TRIGGER ic_round_owner_update BEFORE UPDATE OF interview_id, user_id ON {ROUNDS} "
    "FOR EACH ROW WHEN (NEW.interview_id IS DISTINCT FROM OLD.interview_id "
    "OR NEW.user_id IS DISTINCT FROM OLD.user_id) EXECUTE FUNCTION ic_round_owner()",
    f"""CREATE FUNCTION ic_interview_owner() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {ROUNDS} SET user_id = NEW.user_id WHERE interview_id = NEW.id;
        RETURN NULL;
    END $$""",
    f"CREATE TRIGGER ic_interview_owner_update AFTER UPDATE OF user_id ON {INTERVIEWS} "
    "FOR EACH ROW WHEN (NEW.user_id IS DISTINCT FROM OLD.user_id) "
    "EXECUTE FUNCTION ic_interview_owner()",
]

SQLITE_FIX = f"BEGIN UPDATE {ROUNDS} SET user_id = {OWNER} WHERE id = NEW.id; END"
SQLITE = [
    f"CREATE TRIGGER ic_round_owner_insert AFTER INSERT ON {ROUNDS} "
    f"WHEN NEW.user_id IS NOT {OWNER} {SQLITE_FIX}",
    f"CREATE TRIGGER ic_round_owner_update AFTER UPDATE OF interview_id, user_id ON {ROUNDS} "
    f"WHEN NEW.user_id IS NOT {OWNER} {SQLITE_FIX}",
    f"CREATE TRIGGER ic_interview_owner_update AFTER UPDATE OF user_id ON {INTERVIEWS} "
    "WHEN NEW.user_id IS NOT OLD.user_id "
    f"BEGIN UPDATE {ROUNDS} SET user_id = NEW.user_id WHERE interview_id = NEW.id; END",
]

TRIGGERS = [
    ("ic_round_owner_insert", ROUNDS),
    ("ic_round_owner_update", ROUNDS),
    ("ic_interview_owner_update", INTERVIEWS),
]


def fill_owners(apps, schema_editor):
    """Each existing round gets its interview's owner, in one statement."""
    rounds = apps.get_model("interview_coordinator", "InterviewRound")
    interviews = apps.get_model("interview_coordinator", "Interview")
    owner = interviews.objects.filter(pk=OuterRef("interview_id")).values("user_id")[:1]
    rounds.objects.update(user_id=Subquery(owner))
    if schema_editor.connection.vendor == "postgresql":
        # Checked now rather than at commit: PostgreSQL refuses to alter a
        # table with foreign key checks still pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def restore_dashboard_triggers(apps, schema_editor):
    """Put back the dashboard's triggers on the rounds after SQLite rebuilt the table.

    Django alters a SQLite column by copying the table, and the triggers of
    the old one go with it.
    """
    if schema_editor.connection.vendor != "sqlite":
        return
    snapshot = import_module("interview_coordinator.migrations.0006_dashboard_snapshot")
    table, owners = snapshot.WATCHED["round"]
    for event in ("insert", "update", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS ic_dashboard_round_{event}")
    for statement in snapshot._sqlite("round", table, owners):
        schema_editor.execute(statement)


def install_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    restore_dashboard_triggers(apps, schema_editor)
    for statement in {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(vendor, []):
        schema_editor.execute(statement)


def remove_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    for name, table in TRIGGERS:
        suffix = f" ON {table}" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}{suffix}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS ic_round_owner()")
        schema_editor.execute("DROP FUNCTION IF EXISTS ic_interview_owner()")


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('interview_coordinator', '0008_follow_up_nudges'),
    ]

    operations = [
        # Undone last: the rebuilds of the table that come before dropped them.
        migrations.RunPython(migrations.RunPython.noop, restore_dashboard_triggers),
        migrations.AddField(
            model_name='interviewround',
            name='user',
            field=models.ForeignKey(db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='interview_coordinator_rounds', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.RunPython(fill_owners, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='interviewround',
            name='user',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='interview_coordinator_rounds', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AddIndex(
            model_name='interviewround',
            index=models.Index(fields=['user', 'scheduled_date', 'id'], name='ic_round_user_date'),
        ),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
