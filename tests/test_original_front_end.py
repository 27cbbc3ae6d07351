"""The original service's front end works unchanged: its request bodies, its labels.

That front end sends ``null`` for every optional field left empty, the
legacy ``pipeline_stage`` key on every interview write, and datetimes as a
browser's ``datetime-local`` input gives them (``YYYY-MM-DDTHH:MM``, the
user's wall clock, no offset); it shows the ``*_display`` labels as they
come. The bodies below are the ones it sends, replayed as they are.
"""

import json
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.urls import include, path
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from interview_coordinator import core_urls
from interview_coordinator.models import Interview, InterviewRound, Profile
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db

INTERVIEWS = "/api/interviews/"
ROUNDS = "/api/interviews/rounds/"

# What the original front end's "add application" form sends with only the
# required fields filled in.
CREATE_BODY = {
    "company_name": "Acme Robotics",
    "position": "Backend Engineer",
    "interview_stage": "applied",
    "application_status": "in_progress",
    "pipeline_stage": "applied",
    "application_date": None,
    "interview_date": None,
    "interview_type": None,
    "status": None,
    "location": None,
    "notes": "",
}

STAGE_LABELS = {
    "applied": "Applied",
    "screening": "Phone Screening",
    "technical": "Technical Interview",
    "onsite": "Onsite Interview",
    "final": "Final Round",
    "completed": "Completed",
}
ROUND_STAGE_LABELS = {
    key: label for key, label in STAGE_LABELS.items() if key not in {"applied", "completed"}
}
OUTCOME_LABELS = {
    "pending": "Pending",
    "passed": "Passed",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
# Every enum of the schema and the labels its description must list.
SCHEMA_LABELS = {
    "InterviewTypeEnum": {
        "phone": "Phone Screen",
        "technical": "Technical",
        "behavioral": "Behavioral",
        "final": "Final Round",
    },
    "InterviewStageEnum": STAGE_LABELS,
    "ApplicationStatusEnum": {
        "in_progress": "In Progress",
        "offer": "Offer Received",
        "accepted": "Accepted",
        "rejected": "Rejected",
        "declined": "Declined",
        "withdrawn": "Withdrawn",
    },
    "OutcomeEnum": OUTCOME_LABELS,
    "StatusEnum": {"scheduled": "Scheduled", "completed": "Completed", "cancelled": "Cancelled"},
    "LocationEnum": {"onsite": "On-site", "remote": "Remote", "hybrid": "Hybrid"},
    "StageEnum": ROUND_STAGE_LABELS,
}


def interview_url(pk):
    return f"{INTERVIEWS}{pk}/"


def round_url(pk):
    return f"{ROUNDS}{pk}/"


def set_timezone(user, name):
    profile = Profile.objects.for_user(user)
    profile.timezone = name
    profile.save()


def local_minutes(moment, zone):
    """``moment`` as a datetime-local input shows it: the wall clock, to the minute."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def next_week_at(zone, hour, minute):
    day = timezone.now().astimezone(ZoneInfo(zone)).date() + timedelta(days=7)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


class TestInterviewBodies:
    def test_create_with_every_optional_field_null(self, auth_client, user):
        response = auth_client.post(INTERVIEWS, CREATE_BODY, format="json")

        assert response.status_code == 201, response.json()
        stored = Interview.objects.get(pk=response.json()["id"])
        assert stored.interview_date is None
        assert stored.interview_type is None
        assert stored.status is None
        assert stored.location is None
        assert stored.application_date == timezone.localdate()
        assert response.json()["application_date"] == timezone.localdate().isoformat()

    def test_a_null_application_date_is_the_users_today(self, auth_client, user):
        # Kiritimati is UTC+14: its today is the server's tomorrow most of the day.
        set_timezone(user, "Pacific/Kiritimati")
        users_today = timezone.now().astimezone(ZoneInfo("Pacific/Kiritimati")).date()

        response = auth_client.post(INTERVIEWS, CREATE_BODY, format="json")

        assert response.status_code == 201, response.json()
        assert Interview.objects.get().application_date == users_today

    def test_edit_with_nulls_and_pipeline_stage(self, auth_client, user):
        interview = InterviewFactory(user=user, application_date=date(2026, 3, 2))
        created_day = timezone.localdate(interview.created_at)
        body = {
            **CREATE_BODY,
            "company_name": "Acme Robotics",
            "position": "Staff Engineer",
            "interview_stage": "screening",
            "pipeline_stage": "screening",
            "notes": "<p>Recruiter called.</p>",
        }

        response = auth_client.put(interview_url(interview.pk), body, format="json")

        assert response.status_code == 200, response.json()
        interview.refresh_from_db()
        assert interview.position == "Staff Engineer"
        assert interview.interview_stage == "screening"
        assert interview.interview_date is None
        assert interview.interview_type is None
        assert interview.status is None
        assert interview.location is None
        # No date from the client: the day the application was created.
        assert interview.application_date == created_day
        assert response.json()["application_date"] == created_day.isoformat()

    def test_patch_with_nulls(self, auth_client, user):
        interview = InterviewFactory(user=user)
        body = dict.fromkeys(("application_date", "interview_date", "location"))

        response = auth_client.patch(interview_url(interview.pk), body, format="json")

        assert response.status_code == 200, response.json()
        interview.refresh_from_db()
        assert interview.interview_date is None
        assert interview.location is None
        assert interview.application_date == timezone.localdate(interview.created_at)

    def test_a_null_application_date_is_the_creation_day_in_the_users_timezone(
        self, auth_client, user
    ):
        set_timezone(user, "America/Los_Angeles")
        interview = InterviewFactory(user=user, application_date=date(2026, 3, 2))
        # 03:00 UTC is still the evening before in Los Angeles.
        created = datetime(2026, 11, 10, 3, 0, tzinfo=dt_timezone.utc)
        Interview.objects.filter(pk=interview.pk).update(created_at=created)

        response = auth_client.patch(
            interview_url(interview.pk), {"application_date": None}, format="json"
        )

        assert response.status_code == 200, response.json()
        assert response.json()["application_date"] == "2026-11-09"

    def test_an_application_without_a_date_reads_everywhere(self, auth_client, user):
        created = auth_client.post(INTERVIEWS, CREATE_BODY, format="json").json()
        today = timezone.localdate().isoformat()

        listed = auth_client.get(INTERVIEWS, {"ordering": "application_date"}).json()
        filtered = auth_client.get(
            INTERVIEWS, {"application_date_after": today, "application_date_before": today}
        ).json()
        dashboard = auth_client.get(f"{INTERVIEWS}dashboard-stats/")

        assert [row["application_date"] for row in listed] == [today]
        assert [row["id"] for row in filtered] == [created["id"]]
        assert dashboard.status_code == 200
        assert dashboard.json()["applications_per_week"][-1]["count"] == 1

    @pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
    def test_create_and_edit_with_naive_local_datetimes(self, auth_client, user, zone):
        set_timezone(user, zone)
        first, moved = next_week_at(zone, 10, 30), next_week_at(zone, 16, 0)
        body = {
            **CREATE_BODY,
            "interview_date": local_minutes(first, zone),
            "interview_type": "technical",
            "status": "scheduled",
            "location": "remote",
        }

        created = auth_client.post(INTERVIEWS, body, format="json")
        pk = created.json()["id"]
        edited = auth_client.put(
            interview_url(pk),
            {**body, "interview_date": local_minutes(moved, zone), "pipeline_stage": "applied"},
            format="json",
        )

        assert created.status_code == 201, created.json()
        assert created.json()["interview_date"] == first.isoformat()
        assert edited.status_code == 200, edited.json()
        assert Interview.objects.get(pk=pk).interview_date == moved
        assert edited.json()["interview_date"] == moved.isoformat()


class TestRoundBodies:
    def test_create_with_every_optional_field_null(self, auth_client, user):
        interview = InterviewFactory(user=user)
        body = {
            "interview": interview.pk,
            "stage": "screening",
            "scheduled_date": None,
            "completed_date": None,
            "duration_minutes": None,
            "notes": None,
            "outcome": "pending",
        }

        response = auth_client.post(ROUNDS, body, format="json")

        assert response.status_code == 201, response.json()
        stored = InterviewRound.objects.get(pk=response.json()["id"])
        assert stored.scheduled_date is None
        assert stored.completed_date is None
        assert stored.duration_minutes is None
        assert stored.notes == ""

    def test_edit_with_nulls(self, auth_client, user):
        round_ = RoundFactory(interview=InterviewFactory(user=user), notes="<p>old</p>")
        body = {
            "interview": round_.interview_id,
            "stage": "technical",
            "scheduled_date": None,
            "completed_date": None,
            "duration_minutes": None,
            "notes": None,
            "outcome": "cancelled",
        }

        response = auth_client.put(round_url(round_.pk), body, format="json")

        assert response.status_code == 200, response.json()
        round_.refresh_from_db()
        assert (round_.stage, round_.outcome) == ("technical", "cancelled")
        assert round_.scheduled_date is None
        assert round_.duration_minutes is None
        assert round_.notes == ""

    @pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
    def test_create_with_naive_local_datetimes(self, auth_client, user, zone):
        set_timezone(user, zone)
        interview = InterviewFactory(user=user)
        scheduled = next_week_at(zone, 10, 30)
        completed = scheduled + timedelta(hours=1)
        body = {
            "interview": interview.pk,
            "stage": "technical",
            "scheduled_date": local_minutes(scheduled, zone),
            "completed_date": local_minutes(completed, zone),
            "duration_minutes": 60,
            "notes": "",
            "outcome": "passed",
        }

        response = auth_client.post(ROUNDS, body, format="json")

        assert response.status_code == 201, response.json()
        stored = InterviewRound.objects.get(pk=response.json()["id"])
        assert stored.scheduled_date == scheduled
        assert stored.completed_date == completed


class TestLabels:
    def test_the_rounds_list_and_the_detail_show_the_original_labels(self, auth_client, user):
        interview = InterviewFactory(user=user)
        for stage, outcome in zip(ROUND_STAGE_LABELS, OUTCOME_LABELS, strict=True):
            RoundFactory(interview=interview, stage=stage, outcome=outcome)

        listed = auth_client.get(ROUNDS).json()
        embedded = auth_client.get(interview_url(interview.pk)).json()["rounds"]

        for rounds in (listed, embedded):
            assert {r["stage"]: r["stage_display"] for r in rounds} == ROUND_STAGE_LABELS
            assert {r["outcome"]: r["outcome_display"] for r in rounds} == OUTCOME_LABELS

    def test_the_schema_describes_every_choice_with_the_original_label(self):
        patterns = [path("api/", include((core_urls.urlpatterns, "interview_coordinator")))]
        schema = json.loads(
            json.dumps(
                SchemaGenerator(patterns=patterns).get_schema(request=None, public=True),
                default=str,
            )
        )
        components = schema["components"]["schemas"]

        for enum, labels in SCHEMA_LABELS.items():
            description = components[enum]["description"]
            for value, label in labels.items():
                assert f"* `{value}` - {label}\n" in f"{description}\n", (enum, value)


class TestProfileSettings:
    # What the original front end's settings page sends: it knows nothing of nudges.
    BODY = {
        "email_notifications_enabled": True,
        "reminder_days_before": 2,
        "reminder_time": "08:30:00",
    }

    def test_its_settings_put_leaves_the_nudge_settings_as_they_were(self, auth_client, user):
        profile = Profile.objects.for_user(user)
        profile.follow_up_after_days = 10
        profile.save()
        response = auth_client.put("/api/profile/", self.BODY, format="json")
        assert response.status_code == 200, response.data
        body = response.json()
        assert body["reminder_time"] == "08:30"
        assert (body["follow_up_after_days"], body["follow_up_digest_enabled"]) == (10, True)

    def test_a_null_follow_up_days_is_accepted_as_off(self, auth_client):
        response = auth_client.put(
            "/api/profile/", {**self.BODY, "follow_up_after_days": None}, format="json"
        )
        assert response.status_code == 200, response.data
        assert response.json()["follow_up_after_days"] is None
