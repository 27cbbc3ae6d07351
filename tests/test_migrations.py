"""Every model change has its migration, and migration numbers never collide."""

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader


@pytest.mark.django_db
def test_models_match_migrations():
    out = StringIO()
    call_command("makemigrations", "interview_coordinator", "--check", "--dry-run", stdout=out)


def test_no_duplicate_migration_numbers():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    numbers = Counter(
        name.split("_", 1)[0]
        for app, name in loader.disk_migrations
        if app == "interview_coordinator"
    )
    assert [n for n, count in numbers.items() if count > 1] == []


def _snapshot_migration(loader):
    """The migration adding the dashboard snapshots, and the one it follows."""
    (key,) = [
        key
        for key in loader.disk_migrations
        if key[0] == "interview_coordinator" and key[1].endswith("_dashboard_snapshot")
    ]
    (previous,) = [
        parent
        for parent in loader.graph.node_map[key].parents
        if parent.key[0] == "interview_coordinator"
    ]
    return key, previous.key


@pytest.mark.django_db(transaction=True)
def test_the_snapshot_migration_on_a_database_with_data():
    """Rows for the users who have data, and triggers that retire answers from then on."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from interview_coordinator.dashboard import dashboard_stats
    from interview_coordinator.dashboard.snapshot import current_answer, render
    from interview_coordinator.models import DashboardSnapshot, Interview
    from interview_coordinator.timezones import user_timezone

    executor = MigrationExecutor(connection)
    target, previous = _snapshot_migration(executor.loader)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([previous])
    try:
        old = executor.loader.project_state([previous]).apps
        members = old.get_model("testapp", "Member").objects
        applicant = members.create(username="applicant")
        configured = members.create(username="configured")
        newcomer = members.create(username="newcomer")
        old.get_model("interview_coordinator", "Interview").objects.create(
            user_id=applicant.pk, company_name="Acme", position="Engineer"
        )
        old.get_model("interview_coordinator", "Profile").objects.create(
            user_id=configured.pk, timezone="Europe/Berlin"
        )

        executor = MigrationExecutor(connection)
        executor.migrate([target])

        rows = DashboardSnapshot.objects.values_list("user_id", "generation", "body")
        assert sorted(rows) == [(applicant.pk, 0, None), (configured.pk, 0, None)]
        # The later migrations too: the dashboard reads what they add.
        MigrationExecutor(connection).migrate(leaves)
        user = get_user_model().objects.get(pk=applicant.pk)
        assert current_answer(user)["total"] == 1
        Interview.objects.filter(user=user).update(application_status="offer")
        assert current_answer(user) == render(dashboard_stats(user), user_timezone(user))
        assert current_answer(user)["offers"] == 1
        assert not DashboardSnapshot.objects.filter(user_id=newcomer.pk).exists()
    finally:
        MigrationExecutor(connection).migrate(leaves)


@pytest.mark.django_db(transaction=True)
def test_the_timeline_migration_gives_existing_rows_their_first_events():
    """Every application gets a start for its timeline; stored dashboard answers go."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from interview_coordinator.models import ApplicationEvent, DashboardSnapshot, Interview

    executor = MigrationExecutor(connection)
    (target,) = [
        key
        for key in executor.loader.disk_migrations
        if key[0] == "interview_coordinator" and key[1].endswith("_timeline")
    ]
    (previous,) = [
        parent.key
        for parent in executor.loader.graph.node_map[target].parents
        if parent.key[0] == "interview_coordinator"
    ]
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([previous])
    try:
        old = executor.loader.project_state([previous]).apps
        member = old.get_model("testapp", "Member").objects.create(username="applicant")
        interview = old.get_model("interview_coordinator", "Interview").objects.create(
            user_id=member.pk, company_name="Acme", position="Engineer", interview_stage="screening"
        )
        old.get_model("interview_coordinator", "InterviewRound").objects.create(
            interview_id=interview.pk, stage="screening"
        )
        snapshots = old.get_model("interview_coordinator", "DashboardSnapshot").objects
        snapshots.filter(user_id=member.pk).update(body="{}", body_generation=1, generation=1)

        MigrationExecutor(connection).migrate(leaves)

        events = ApplicationEvent.objects.filter(interview_id=interview.pk).order_by("pk")
        assert list(events.values_list("kind", "new_value", "user_id", "source")) == [
            ("created", "screening", member.pk, "other"),
            ("round_created", None, member.pk, "other"),
        ]
        stored = Interview.objects.get(pk=interview.pk)
        assert stored.last_event_at == max(event.created_at for event in events)
        assert DashboardSnapshot.objects.get(user_id=member.pk).body is None
    finally:
        MigrationExecutor(connection).migrate(leaves)


def _migration_named(loader, suffix):
    """The package's migration whose name ends with ``suffix``, and the one it follows."""
    (key,) = [
        key
        for key in loader.disk_migrations
        if key[0] == "interview_coordinator" and key[1].endswith(suffix)
    ]
    (previous,) = [
        parent
        for parent in loader.graph.node_map[key].parents
        if parent.key[0] == "interview_coordinator"
    ]
    return key, previous.key


@pytest.mark.django_db(transaction=True)
def test_the_round_owner_migration_on_a_database_with_data():
    """Existing rounds get their interview's owner; from then on the database keeps it so."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from interview_coordinator.models import Interview, InterviewRound

    executor = MigrationExecutor(connection)
    target, previous = _migration_named(executor.loader, "_round_owner")
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([previous])
    try:
        old = executor.loader.project_state([previous]).apps
        members = old.get_model("testapp", "Member").objects
        alice, bob = members.create(username="alice"), members.create(username="bob")
        interviews = old.get_model("interview_coordinator", "Interview").objects
        rounds = old.get_model("interview_coordinator", "InterviewRound").objects
        seeded = {}
        for owner in (alice, bob, alice):
            interview = interviews.create(user_id=owner.pk, company_name="Acme", position="Dev")
            for stage in ("screening", "technical"):
                seeded[rounds.create(interview=interview, stage=stage).pk] = owner.pk

        executor = MigrationExecutor(connection)
        executor.migrate([target])

        assert dict(InterviewRound.objects.values_list("pk", "user_id")) == seeded
        # Ways of writing that bypass the model: the database fills the owner in.
        moved = InterviewRound.objects.filter(user_id=bob.pk).first()
        alices = Interview.objects.filter(user_id=alice.pk).first()
        InterviewRound.objects.filter(pk=moved.pk).update(interview=alices)
        assert InterviewRound.objects.get(pk=moved.pk).user_id == alice.pk
        Interview.objects.filter(pk=alices.pk).update(user=bob)
        assert set(
            InterviewRound.objects.filter(interview=alices).values_list("user", flat=True)
        ) == {bob.pk}
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE interview_coordinator_interviewround SET user_id = %s WHERE id = %s",
                [alice.pk, moved.pk],
            )
        assert InterviewRound.objects.get(pk=moved.pk).user_id == bob.pk
    finally:
        MigrationExecutor(connection).migrate(leaves)
