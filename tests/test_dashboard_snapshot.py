"""The stored dashboard answer: served while it holds, never once any write or the clock moved it.

The reference is always the answer computed from the tables
(``dashboard_stats``), rendered the same way. Writes here take the paths
that bypass the ORM's signals on purpose (``bulk_create``,
``QuerySet.update()``, ``QuerySet.delete()``, raw SQL): the database
triggers see them all. ``test_dashboard_properties.py`` drives random
sequences of API writes and clock moves against the same reference.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from interview_coordinator.dashboard import dashboard_stats
from interview_coordinator.dashboard.snapshot import current_answer, render
from interview_coordinator.models import DashboardSnapshot, Interview, InterviewRound, Profile
from interview_coordinator.timezones import user_timezone

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
# Computing an answer: the snapshot, the aggregate, the lists (one query on
# PostgreSQL, two on SQLite), the timeline's events, and storing it.
COMPUTE_QUERIES = 5 if connection.vendor == "postgresql" else 6
# Sunday 29 November 2026, noon UTC.
NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def fresh(user, now):
    return render(dashboard_stats(user, now=now), user_timezone(user))


def seed(user):
    """Two applications: an interview at 18:00 today, one with a pending round in 2 days."""
    first, second = Interview.objects.bulk_create(
        [
            Interview(
                user=user,
                company_name="Acme",
                position="Engineer",
                status="scheduled",
                interview_date=NOW + dt.timedelta(hours=6),
                application_date=dt.date(2026, 11, 20),
            ),
            Interview(
                user=user,
                company_name="Beta",
                position="Engineer",
                status=None,
                interview_stage="screening",
                application_date=dt.date(2026, 11, 23),
            ),
        ]
    )
    InterviewRound.objects.bulk_create(
        [
            InterviewRound(
                interview=second,
                stage="screening",
                scheduled_date=NOW + dt.timedelta(days=2),
            )
        ]
    )
    return first, second


def served(user, now):
    """The answer and the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        answer = current_answer(user, now=now)
    return answer, len(queries)


def test_a_stored_answer_is_served_in_one_query(user):
    seed(user)
    first, first_queries = served(user, NOW)

    second, queries = served(user, NOW + dt.timedelta(hours=1))

    assert first == second == fresh(user, NOW + dt.timedelta(hours=1))
    assert first_queries <= COMPUTE_QUERIES
    assert queries == 1


def test_a_user_without_data_gets_the_answer_and_no_row(user):
    answer, queries = served(user, NOW)

    assert answer == fresh(user, NOW)
    assert answer["total"] == 0
    assert queries <= COMPUTE_QUERIES
    assert not DashboardSnapshot.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda user, first, second: Interview.objects.bulk_create(
                [Interview(user=user, company_name="New", position="Engineer")]
            ),
            id="bulk_create",
        ),
        pytest.param(
            lambda user, first, second: Interview.objects.filter(pk=first.pk).update(
                application_status="rejected"
            ),
            id="queryset-update",
        ),
        pytest.param(
            lambda user, first, second: InterviewRound.objects.filter(interview=second).update(
                outcome="passed"
            ),
            id="round-update",
        ),
        pytest.param(
            lambda user, first, second: InterviewRound.objects.filter(interview=second).delete(),
            id="round-delete",
        ),
        pytest.param(
            lambda user, first, second: Interview.objects.filter(pk=first.pk).delete(),
            id="interview-delete",
        ),
        pytest.param(
            lambda user, first, second: Profile.objects.bulk_create(
                [Profile(user=user, timezone="Pacific/Auckland")]
            ),
            id="profile-created",
        ),
        pytest.param(
            lambda user, first, second: connection.cursor().execute(
                "UPDATE interview_coordinator_interview SET interview_stage = 'final' "
                "WHERE id = %s",
                [second.pk],
            ),
            id="raw-sql",
        ),
    ],
)
def test_every_kind_of_write_retires_the_stored_answer(user, write):
    first, second = seed(user)
    before = current_answer(user, now=NOW)

    write(user, first, second)
    after, queries = served(user, NOW)

    assert after == fresh(user, NOW)
    assert after != before
    assert queries > 1


def test_a_profile_timezone_changed_by_update_retires_it(user):
    seed(user)
    Profile.objects.bulk_create([Profile(user=user, timezone="UTC")])
    # 23:30 UTC on Sunday is already Monday in Auckland.
    late = NOW.replace(hour=23, minute=30)
    current_answer(user, now=late)

    Profile.objects.filter(user=user).update(timezone="Pacific/Auckland")

    assert current_answer(user, now=late) == fresh(user, late)
    assert current_answer(user, now=late)["applications_per_week"][-1]["week_start"] == (
        "2026-11-30"
    )


def test_another_users_writes_keep_it(user, other_user):
    seed(user)
    current_answer(user, now=NOW)

    seed(other_user)
    _answer, queries = served(user, NOW)

    assert queries == 1


def test_it_holds_until_the_first_upcoming_moment_then_moves_on(user):
    first, _second = seed(user)
    moment = first.interview_date
    current_answer(user, now=NOW)

    at_moment, queries = served(user, moment)
    assert queries == 1
    assert at_moment == fresh(user, moment)

    just_after = moment + dt.timedelta(microseconds=1)
    after, queries = served(user, just_after)
    assert queries > 1
    assert after == fresh(user, just_after)
    assert after["needs_review_count"] == 1


def test_it_holds_until_the_users_midnight(user):
    seed(user)
    Profile.objects.bulk_create([Profile(user=user, timezone="America/Los_Angeles")])
    # 07:00 UTC on Monday is 23:00 on Sunday in Los Angeles; midnight is 08:00 UTC.
    sunday_night = dt.datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    current_answer(user, now=sunday_night)

    _answer, queries = served(user, sunday_night + dt.timedelta(minutes=59))
    assert queries == 1

    monday = dt.datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    answer, queries = served(user, monday)
    assert queries > 1
    assert answer == fresh(user, monday)
    assert answer["applications_per_week"][-1]["week_start"] == "2026-11-30"


def test_an_earlier_clock_is_never_served_a_later_answer(user):
    seed(user)
    current_answer(user, now=NOW)

    earlier = NOW - dt.timedelta(hours=1)
    _answer, queries = served(user, earlier)

    assert queries > 1


def test_the_site_timezone_change_retires_it_for_a_user_without_profile(user):
    """Same date in both zones, but the overdue moment fell on another local day."""
    Interview.objects.bulk_create(
        [
            Interview(
                user=user,
                company_name="Acme",
                position="Engineer",
                status="scheduled",
                # Saturday 23:30 in UTC, already Sunday 00:30 in Berlin.
                interview_date=dt.datetime(2026, 11, 28, 23, 30, tzinfo=UTC),
            )
        ]
    )
    assert current_answer(user, now=NOW)["needs_review"][0]["days_ago"] == 1

    with override_settings(TIME_ZONE="Europe/Berlin"):
        answer = current_answer(user, now=NOW)

    assert answer["needs_review"][0]["days_ago"] == 0


def test_a_write_committed_during_a_computation_is_not_hidden(user):
    """A write between the generation read and the store: the answer computed is not stored.

    The write runs on the same connection right after the snapshot read, as
    a concurrent writer committing at that instant would.
    """
    _first, second = seed(user)
    current_answer(user, now=NOW)
    Interview.objects.filter(pk=second.pk).update(notes="moved on")
    done = []

    def write_after_the_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not done and "interview_coordinator_dashboardsnapshot" in sql:
            done.append(True)
            Interview.objects.filter(pk=second.pk).update(application_status="withdrawn")
        return result

    with connection.execute_wrapper(write_after_the_read):
        current_answer(user, now=NOW)

    snapshot = DashboardSnapshot.objects.get(user=user)
    assert snapshot.body_generation != snapshot.generation
    assert current_answer(user, now=NOW) == fresh(user, NOW)
    assert current_answer(user, now=NOW)["by_application_status"]["withdrawn"] == 1


def test_deleting_the_user_deletes_the_snapshot(user):
    seed(user)
    current_answer(user, now=NOW)

    user.delete()

    assert not Interview.objects.exists()
    assert not DashboardSnapshot.objects.exists()
