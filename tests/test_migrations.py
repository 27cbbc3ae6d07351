"""Every model change has its migration, and migration numbers never collide."""

from collections import Counter
from io import StringIO

import pytest
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
