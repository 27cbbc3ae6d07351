"""The dashboard's numbers from the timeline, pinned on hand-built events, and kept current."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from interview_coordinator.dashboard import dashboard_stats
from interview_coordinator.models import ApplicationEvent, Interview, Profile

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
STAGES = ["applied", "screening", "technical", "onsite", "final", "completed"]
URL = reverse("interview_coordinator:dashboard-stats")


def day(n, hour=0):
    return dt.datetime(2026, 10, 1, tzinfo=UTC) + dt.timedelta(days=n, hours=hour)


def application(user, status="in_progress", stage="applied", events=()):
    """An application and its events, from (kind, new value, stage after, when)."""
    interview = Interview.objects.bulk_create(
        [
            Interview(
                user=user,
                company_name="Acme",
                position="Engineer",
                application_status=status,
                interview_stage=stage,
                status=None,
            )
        ]
    )[0]
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(
            interview=interview, user=user, kind=kind, new_value=value, stage=after, created_at=at
        )
        for kind, value, after, at in events
    )
    return interview


def numbers(user):
    stats = dashboard_stats(user, now=NOW)
    return stats["median_days_in_stage"], stats["ended_at_stage"]


def counts(**nonzero):
    return {stage: nonzero.get(stage, 0) for stage in STAGES}


def test_no_data(user):
    assert numbers(user) == (
        dict.fromkeys(STAGES[:-1]),
        {"rejected": counts(), "withdrawn": counts()},
    )


def test_medians_of_the_finished_stays(user, other_user):
    # Applied for 4 days, screening for 10, then technical (not over yet).
    application(
        user,
        stage="technical",
        events=[
            ("created", "applied", "applied", day(0)),
            ("interview_stage", "screening", "screening", day(4)),
            ("interview_stage", "technical", "technical", day(14)),
        ],
    )
    # Applied from the 2nd to midday on the 8th (6 days), screening for 3, then completed.
    application(
        user,
        status="offer",
        stage="completed",
        events=[
            ("created", "applied", "applied", day(1)),
            ("interview_stage", "screening", "screening", day(7, 12)),
            ("application_status", "offer", "screening", day(8)),
            ("interview_stage", "completed", "completed", day(10, 12)),
        ],
    )
    # Applied, nothing since: no finished stay.
    application(user, events=[("created", "applied", "applied", day(20))])
    # Another user's stays never count.
    application(
        other_user,
        stage="screening",
        events=[
            ("created", "applied", "applied", day(0)),
            ("interview_stage", "screening", "screening", day(90)),
        ],
    )

    medians, _ended = numbers(user)

    assert medians == {
        "applied": 5.0,  # median of 4 and 6
        "screening": 6.5,  # median of 10 and 3
        "technical": None,
        "onsite": None,
        "final": None,
    }


def local(day_, hour, minute, zone="America/New_York"):
    return dt.datetime(2026, 10, day_, hour, minute, tzinfo=ZoneInfo(zone))


def test_days_in_a_stage_are_between_local_calendar_dates(user):
    """An hour across the user's midnight is a day; most of one local day is none."""
    Profile.objects.bulk_create([Profile(user=user, timezone="America/New_York")])
    application(
        user,
        stage="technical",
        events=[
            # 23:10 to 00:10 the next day in New York: an hour, one UTC date.
            ("created", "applied", "applied", local(5, 23, 10)),
            ("interview_stage", "screening", "screening", local(6, 0, 10)),
            # 00:10 to 23:50 the same day in New York: two UTC dates.
            ("interview_stage", "technical", "technical", local(6, 23, 50)),
            # 23:50 on the 6th to 00:10 on the 9th: two days and twenty minutes.
            ("interview_stage", "onsite", "onsite", local(9, 0, 10)),
        ],
    )

    medians, _ended = numbers(user)

    assert medians == {
        "applied": 1.0,
        "screening": 0.0,
        "technical": 3.0,
        "onsite": None,
        "final": None,
    }


def test_applications_end_at_the_stage_their_ending_event_recorded(user):
    # Rejected at screening, then moved on to technical by hand afterwards.
    application(
        user,
        status="rejected",
        stage="technical",
        events=[
            ("created", "applied", "applied", day(0)),
            ("interview_stage", "screening", "screening", day(2)),
            ("application_status", "rejected", "screening", day(5)),
            ("interview_stage", "technical", "technical", day(6)),
        ],
    )
    # Withdrawn at applied, reopened, withdrawn again at onsite: the latest counts.
    application(
        user,
        status="withdrawn",
        stage="onsite",
        events=[
            ("created", "applied", "applied", day(0)),
            ("application_status", "withdrawn", "applied", day(1)),
            ("application_status", "in_progress", "applied", day(2)),
            ("application_status", "withdrawn", "onsite", day(9)),
        ],
    )
    # Rejected without an event saying so (written by other means): its stage now.
    application(user, status="rejected", stage="final")
    # Not ended.
    application(user, status="declined", stage="completed")

    _medians, ended = numbers(user)

    assert ended == {
        "rejected": counts(screening=1, final=1),
        "withdrawn": counts(onsite=1),
    }


def test_a_write_through_the_api_changes_the_stored_answer(auth_client, user):
    created = auth_client.post(
        "/api/interviews/", {"company_name": "Acme", "position": "Dev"}, format="json"
    ).json()
    first = auth_client.get(URL).json()
    auth_client.patch(
        f"/api/interviews/{created['id']}/",
        {"interview_stage": "screening", "application_status": "rejected"},
        format="json",
    )

    second = auth_client.get(URL).json()

    assert first["median_days_in_stage"]["applied"] is None
    assert first["ended_at_stage"]["rejected"] == counts()
    assert second["median_days_in_stage"]["applied"] == 0.0
    assert second["ended_at_stage"]["rejected"] == counts(screening=1)
