"""Every number of the dashboard, pinned on hand-built data, on PostgreSQL and SQLite.

The statistics are computed at a fixed ``now`` passed to ``dashboard_stats``,
so that week boundaries, the 7-day window and the timezone cases are exact;
the endpoint itself is exercised over HTTP in ``test_dashboard_api.py``.
Rows are written with ``bulk_create`` so that the data is exactly what each
test states (no save-time normalisation, no reminder planning).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings

from interview_coordinator.dashboard import dashboard_stats, lists
from interview_coordinator.dashboard.clock import Clock
from interview_coordinator.models import Interview, InterviewRound, Profile

UTC = dt.timezone.utc
# A Sunday: the current week started on Monday 2026-11-23.
NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

EMPTY_STAGES = dict.fromkeys(
    ["applied", "screening", "technical", "onsite", "final", "completed"], 0
)
EMPTY_STATUSES = dict.fromkeys(
    ["in_progress", "offer", "accepted", "rejected", "declined", "withdrawn"], 0
)
WEEK_STARTS = [dt.date(2026, 9, 7) + dt.timedelta(weeks=i) for i in range(12)]


def at(month, day, hour=10, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def interviews(user, *specs):
    """Bulk-create the user's interviews from dicts of field values."""
    defaults = {
        "company_name": "Acme",
        "position": "Engineer",
        "status": None,
        "interview_date": None,
        "application_date": NOW.date(),
    }
    return Interview.objects.bulk_create(
        [Interview(user=user, **{**defaults, **spec}) for spec in specs]
    )


def rounds(*specs):
    """Bulk-create rounds from (interview, stage, scheduled_date, outcome[, completed_date])."""
    return InterviewRound.objects.bulk_create(
        [
            InterviewRound(
                interview=spec[0],
                stage=spec[1],
                scheduled_date=spec[2],
                outcome=spec[3],
                completed_date=spec[4] if len(spec) > 4 else None,
            )
            for spec in specs
        ]
    )


def set_timezone(user, name):
    Profile.objects.bulk_create([Profile(user=user, timezone=name)])


def seed_search(user):
    """Eleven applications covering every status, list and funnel case (see the test)."""
    a, b, c, d, e, f, g, h, i, j, k = interviews(
        user,
        # A: upcoming interview; its pending round at the same moment is the same moment.
        {
            "company_name": "Acme",
            "interview_stage": "technical",
            "application_date": dt.date(2026, 11, 2),
            "status": "scheduled",
            "interview_date": at(11, 30, 12),
            "interview_type": "technical",
            "location": "remote",
        },
        # B: overdue interview, still marked scheduled; its round duplicates it.
        {
            "company_name": "Beta",
            "interview_stage": "screening",
            "application_date": dt.date(2026, 11, 20),
            "status": "scheduled",
            "interview_date": at(11, 27, 12),
            "interview_type": "phone",
            "location": "onsite",
        },
        # C: applied, nothing scheduled: awaiting a response.
        {
            "company_name": "Cyan",
            "interview_stage": "applied",
            "application_date": dt.date(2026, 11, 16),
        },
        # D: screening done (completed, round passed): awaiting a response.
        {
            "company_name": "Delta",
            "interview_stage": "screening",
            "application_date": dt.date(2026, 10, 1),
            "status": "completed",
            "interview_date": at(10, 20, 9),
        },
        # E: an upcoming round, and one beyond the 7-day window.
        {
            "company_name": "Echo",
            "interview_stage": "onsite",
            "application_date": dt.date(2026, 10, 15),
        },
        # F: offer; days to offer from the last round's completion.
        {
            "company_name": "Foxtrot",
            "interview_stage": "completed",
            "application_status": "offer",
            "application_date": dt.date(2026, 9, 10),
        },
        # G: accepted, applied before the 12 weeks shown.
        {
            "company_name": "Golf",
            "interview_stage": "completed",
            "application_status": "accepted",
            "application_date": dt.date(2026, 9, 1),
        },
        {
            "company_name": "Hotel",
            "interview_stage": "technical",
            "application_status": "rejected",
            "application_date": dt.date(2026, 10, 5),
        },
        {
            "company_name": "India",
            "interview_stage": "final",
            "application_status": "declined",
            "application_date": dt.date(2026, 10, 8),
        },
        {
            "company_name": "Juliet",
            "interview_stage": "screening",
            "application_status": "withdrawn",
            "application_date": dt.date(2026, 11, 23),
        },
        # K: interview exactly at the end of the window; an overdue pending round.
        {
            "company_name": "Kilo",
            "interview_stage": "screening",
            "application_date": dt.date(2026, 11, 25),
            "status": "scheduled",
            "interview_date": dt.datetime(2026, 12, 7, 0, 0, tzinfo=UTC),
        },
    )
    rounds(
        (a, "screening", at(11, 10), "passed", at(11, 10, 11)),
        (a, "technical", at(11, 30, 12), "pending"),
        (b, "screening", at(11, 27, 12), "pending"),
        (d, "screening", at(10, 20, 9), "passed"),
        (e, "screening", at(10, 20), "passed"),
        (e, "technical", at(10, 27), "passed"),
        (e, "onsite", at(12, 3, 15), "pending"),
        (e, "final", at(12, 10), "pending"),
        (f, "screening", at(9, 20), "passed"),
        (f, "final", at(10, 5), "passed", at(10, 6)),
        (g, "technical", at(9, 15), "passed"),
        (h, "screening", at(10, 12), "passed"),
        (h, "technical", at(10, 19), "failed"),
        (i, "final", at(10, 30), "passed"),
        (j, "screening", at(11, 25), "cancelled"),
        (k, "screening", at(11, 28, 9), "pending"),
    )
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "K": k}


NO_DATA = {
    "total": 0,
    "active": 0,
    "offers": 0,
    "success_rate": 0.0,
    "upcoming_count": 0,
    "upcoming_interviews": [],
    "awaiting_count": 0,
    "awaiting_response": [],
    "needs_review_count": 0,
    "needs_review": [],
    "by_interview_stage": EMPTY_STAGES,
    "by_application_status": EMPTY_STATUSES,
    "funnel": [
        {"stage": "applied", "count": 0, "conversion_rate": None},
        {"stage": "screening", "count": 0, "conversion_rate": 0.0},
        {"stage": "technical", "count": 0, "conversion_rate": 0.0},
        {"stage": "onsite", "count": 0, "conversion_rate": 0.0},
        {"stage": "final", "count": 0, "conversion_rate": 0.0},
        {"stage": "offer", "count": 0, "conversion_rate": 0.0},
    ],
    "applications_per_week": [{"week_start": start, "count": 0} for start in WEEK_STARTS],
    "median_days_to_first_interview": None,
    "median_days_to_offer": None,
    "rounds_by_outcome": {"pending": 0, "passed": 0, "failed": 0, "cancelled": 0},
    "median_days_in_stage": dict.fromkeys(["applied", "screening", "technical", "onsite", "final"]),
    "ended_at_stage": {"rejected": EMPTY_STAGES, "withdrawn": EMPTY_STAGES},
}


@pytest.mark.django_db
def test_no_data_at_all(user):
    assert dashboard_stats(user, now=NOW) == NO_DATA


@pytest.mark.django_db
def test_every_number_of_a_search(user, other_user):
    rows = seed_search(user)
    # Another user's identical search is never counted.
    seed_search(other_user)
    a, b, c, d, e, k = (rows[key] for key in "ABCDEK")
    e_onsite = InterviewRound.objects.get(interview=e, stage="onsite")
    k_screening = InterviewRound.objects.get(interview=k)

    stats = dashboard_stats(user, now=NOW)

    assert stats["total"] == 11
    assert stats["active"] == 6
    assert stats["offers"] == 2
    assert stats["success_rate"] == 50.0
    assert stats["by_application_status"] == {
        "in_progress": 6,
        "offer": 1,
        "accepted": 1,
        "rejected": 1,
        "declined": 1,
        "withdrawn": 1,
    }
    assert stats["by_interview_stage"] == {
        "applied": 1,
        "screening": 4,
        "technical": 2,
        "onsite": 1,
        "final": 1,
        "completed": 2,
    }
    assert stats["upcoming_count"] == 2
    assert stats["upcoming_interviews"] == [
        {
            "id": a.pk,
            "company_name": "Acme",
            "position": "Engineer",
            "interview_date": at(11, 30, 12),
            "interview_type": "technical",
            "location": "remote",
            "round_id": None,
            "round_stage": None,
        },
        {
            "id": e.pk,
            "company_name": "Echo",
            "position": "Engineer",
            "interview_date": at(12, 3, 15),
            "interview_type": None,
            "location": None,
            "round_id": e_onsite.pk,
            "round_stage": "onsite",
        },
    ]
    assert stats["needs_review_count"] == 2
    assert stats["needs_review"] == [
        {
            "id": k.pk,
            "company_name": "Kilo",
            "position": "Engineer",
            "interview_date": at(11, 28, 9),
            "interview_type": None,
            "location": None,
            "round_id": k_screening.pk,
            "round_stage": "screening",
            "days_ago": 1,
        },
        {
            "id": b.pk,
            "company_name": "Beta",
            "position": "Engineer",
            "interview_date": at(11, 27, 12),
            "interview_type": "phone",
            "location": "onsite",
            "round_id": None,
            "round_stage": None,
            "days_ago": 2,
        },
    ]
    assert stats["awaiting_count"] == 2
    assert stats["awaiting_response"] == [
        {
            "id": d.pk,
            "company_name": "Delta",
            "position": "Engineer",
            "interview_stage": "screening",
            "application_date": dt.date(2026, 10, 1),
            "days_waiting": 59,
        },
        {
            "id": c.pk,
            "company_name": "Cyan",
            "position": "Engineer",
            "interview_stage": "applied",
            "application_date": dt.date(2026, 11, 16),
            "days_waiting": 13,
        },
    ]
    assert stats["funnel"] == [
        {"stage": "applied", "count": 11, "conversion_rate": None},
        {"stage": "screening", "count": 10, "conversion_rate": 90.9},
        {"stage": "technical", "count": 6, "conversion_rate": 60.0},
        {"stage": "onsite", "count": 4, "conversion_rate": 66.7},
        {"stage": "final", "count": 4, "conversion_rate": 100.0},
        {"stage": "offer", "count": 2, "conversion_rate": 50.0},
    ]
    assert stats["applications_per_week"] == [
        {"week_start": start, "count": count}
        for start, count in zip(WEEK_STARTS, [1, 0, 0, 1, 2, 1, 0, 0, 1, 0, 2, 2], strict=True)
    ]
    # First rounds 2, 3, 5, 7, 7, 8, 10, 14, 19, 22 days after applying: (7 + 8) / 2.
    assert stats["median_days_to_first_interview"] == 7.5
    # Offers 26 (last round completed) and 14 days (last round scheduled) after applying.
    assert stats["median_days_to_offer"] == 20.0
    assert stats["rounds_by_outcome"] == {"pending": 5, "passed": 9, "failed": 1, "cancelled": 1}


@pytest.mark.django_db
def test_another_users_data_is_never_counted(user, other_user):
    seed_search(other_user)
    Profile.objects.bulk_create([Profile(user=other_user, timezone="Pacific/Auckland")])

    assert dashboard_stats(user, now=NOW) == NO_DATA


@pytest.mark.django_db
def test_everything_resolved(user):
    interviews(
        user,
        {"application_status": "offer", "interview_stage": "completed"},
        {"application_status": "rejected", "interview_stage": "screening"},
        {"application_status": "declined", "interview_stage": "final"},
        # Withdrawn applications are not resolved by the company: not in the rate.
        {"application_status": "withdrawn", "interview_stage": "applied"},
    )

    stats = dashboard_stats(user, now=NOW)

    assert stats["total"] == 4
    assert stats["active"] == 0
    assert stats["offers"] == 1
    assert stats["success_rate"] == 33.3
    assert stats["awaiting_count"] == 0
    assert stats["awaiting_response"] == []
    assert stats["upcoming_count"] == stats["needs_review_count"] == 0
    assert stats["funnel"][-1] == {"stage": "offer", "count": 1, "conversion_rate": 100.0}
    assert stats["median_days_to_offer"] is None


@pytest.mark.django_db
def test_moments_at_the_window_boundaries(user):
    """The window runs from now to local midnight after the seventh day, end excluded."""
    end = dt.datetime(2026, 12, 7, tzinfo=UTC)
    (interview,) = interviews(user, {"interview_stage": "screening"})
    rounds(
        (interview, "screening", NOW, "pending"),
        (interview, "technical", end - dt.timedelta(microseconds=1), "pending"),
        (interview, "onsite", end, "pending"),
        (interview, "final", NOW - dt.timedelta(microseconds=1), "pending"),
    )

    stats = dashboard_stats(user, now=NOW)

    assert [m["round_stage"] for m in stats["upcoming_interviews"]] == ["screening", "technical"]
    assert stats["upcoming_count"] == 2
    assert [(m["round_stage"], m["days_ago"]) for m in stats["needs_review"]] == [("final", 0)]
    assert stats["needs_review_count"] == 1


@pytest.mark.django_db
def test_lists_keep_five_and_counts_keep_all(user):
    """Six upcoming moments of each kind: the five soonest of all are listed."""
    specs = [
        {"status": "scheduled", "interview_date": NOW + dt.timedelta(hours=2 * n + 1)}
        for n in range(6)
    ]
    created = interviews(user, *specs)
    rounds(
        *(
            (row, "screening", NOW + dt.timedelta(hours=2 * n + 2), "pending")
            for n, row in enumerate(created)
        )
    )
    interviews(
        user,
        *(
            {"status": "scheduled", "interview_date": NOW - dt.timedelta(days=n + 1)}
            for n in range(7)
        ),
        *({"application_date": dt.date(2026, 11, 20 - n)} for n in range(7)),
    )

    stats = dashboard_stats(user, now=NOW)

    assert stats["upcoming_count"] == 12
    assert [m["interview_date"] for m in stats["upcoming_interviews"]] == [
        NOW + dt.timedelta(hours=h) for h in range(1, 6)
    ]
    assert stats["needs_review_count"] == 7
    assert [m["days_ago"] for m in stats["needs_review"]] == [1, 2, 3, 4, 5]
    assert stats["awaiting_count"] == 7
    assert [a["days_waiting"] for a in stats["awaiting_response"]] == [15, 14, 13, 12, 11]


# At 06:00 UTC on Monday 30 November it is still Sunday 22:00 in Los Angeles
# and already Monday 19:00 in Auckland.
TZ_NOW = dt.datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def seed_midnight_cases(user):
    (interview,) = interviews(
        user,
        {"interview_stage": "screening", "application_date": dt.date(2026, 11, 29)},
    )
    rounds(
        # Sunday 02:00 in Los Angeles, Sunday 23:00 in Auckland.
        (interview, "screening", dt.datetime(2026, 11, 29, 10, 0, tzinfo=UTC), "pending"),
        # Monday 01:00 in Los Angeles, Tuesday 22:00 in Auckland.
        (interview, "technical", dt.datetime(2026, 12, 7, 9, 0, tzinfo=UTC), "pending"),
    )
    return interview


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (
            "America/Los_Angeles",
            {
                "this_week": dt.date(2026, 11, 23),
                "this_week_count": 1,
                "upcoming_count": 0,
                "days_ago": 0,
                "median_days_to_first_interview": 0.0,
            },
        ),
        (
            "Pacific/Auckland",
            {
                "this_week": dt.date(2026, 11, 30),
                "this_week_count": 0,
                "upcoming_count": 1,
                "days_ago": 1,
                "median_days_to_first_interview": 0.0,
            },
        ),
        (
            "UTC",
            {
                "this_week": dt.date(2026, 11, 30),
                "this_week_count": 0,
                "upcoming_count": 1,
                "days_ago": 1,
                "median_days_to_first_interview": 0.0,
            },
        ),
    ],
)
@pytest.mark.django_db
def test_days_and_weeks_are_the_users(user, zone, expected):
    seed_midnight_cases(user)
    set_timezone(user, zone)

    stats = dashboard_stats(user, now=TZ_NOW)

    this_week = stats["applications_per_week"][-1]
    assert this_week == {"week_start": expected["this_week"], "count": expected["this_week_count"]}
    assert stats["upcoming_count"] == expected["upcoming_count"]
    assert stats["needs_review"][0]["days_ago"] == expected["days_ago"]
    assert stats["median_days_to_first_interview"] == expected["median_days_to_first_interview"]


@pytest.mark.parametrize(
    ("zone", "days_waiting", "days_to_first"),
    [("America/Los_Angeles", 0, 0.0), ("Pacific/Auckland", 1, 1.0)],
)
@pytest.mark.django_db
def test_today_is_the_users(user, zone, days_waiting, days_to_first):
    (interview,) = interviews(user, {"application_date": dt.date(2026, 11, 29)})
    # Sunday 21:00 in Los Angeles, Monday 18:00 in Auckland.
    rounds((interview, "screening", dt.datetime(2026, 11, 30, 5, 0, tzinfo=UTC), "passed"))
    set_timezone(user, zone)

    stats = dashboard_stats(user, now=TZ_NOW)

    assert stats["awaiting_response"][0]["days_waiting"] == days_waiting
    assert stats["median_days_to_first_interview"] == days_to_first


@pytest.mark.django_db
def test_site_timezone_until_the_profile_exists(user):
    seed_midnight_cases(user)

    with override_settings(TIME_ZONE="America/Los_Angeles"):
        stats = dashboard_stats(user, now=TZ_NOW)

    assert stats["applications_per_week"][-1] == {"week_start": dt.date(2026, 11, 23), "count": 1}
    assert not Profile.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_unknown_stored_timezone_falls_back_to_the_sites(user):
    seed_midnight_cases(user)
    set_timezone(user, "Mars/Olympus_Mons")

    with override_settings(TIME_ZONE="America/Los_Angeles"):
        stats = dashboard_stats(user, now=TZ_NOW)

    assert stats["applications_per_week"][-1]["week_start"] == dt.date(2026, 11, 23)


@pytest.mark.django_db
def test_median_of_an_odd_count_is_the_middle_value(user):
    created = interviews(
        user,
        *({"application_date": dt.date(2026, 11, 1)} for _ in range(3)),
    )
    rounds(
        *(
            (row, "screening", at(11, 1 + days), "passed")
            for row, days in zip(created, [9, 1, 4], strict=True)
        )
    )

    assert dashboard_stats(user, now=NOW)["median_days_to_first_interview"] == 4.0


@pytest.mark.django_db
def test_both_ways_of_reading_the_lists_agree(user, other_user):
    """The window-ranked reading (SQLite's) and the union (PostgreSQL's) pick the same rows."""
    if not connection.features.supports_slicing_ordering_in_compound:
        pytest.skip("this backend cannot order the members of a union")
    seed_search(user)
    seed_search(other_user)
    interviews(
        user,
        *({"status": "scheduled", "interview_date": NOW + dt.timedelta(hours=n)} for n in range(7)),
        *({"status": "scheduled", "interview_date": NOW - dt.timedelta(hours=n)} for n in range(7)),
        *({"application_date": dt.date(2026, 11, 1 + n)} for n in range(7)),
    )
    clock = Clock.at(NOW, ZoneInfo("UTC"))

    def key(row):
        return (row["kind"], row["interview_pk"], row["round_pk"] or 0)

    union = sorted(lists.union_rows(user, clock), key=key)
    assert union == sorted(lists.ranked_rows(user, clock), key=key)
    # Five of each interview part, and the one upcoming and one overdue round.
    assert len(union) == 5 + 5 + 5 + 1 + 1
