"""The interviews endpoints behave like the original service's, plus the new rules."""

import threading
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django import db
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from interview_coordinator.models import Interview, InterviewRound, Profile
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db

LIST = "/api/interviews/"


def detail(pk):
    return f"/api/interviews/{pk}/"


def in_days(days):
    return (timezone.now() + timedelta(days=days)).isoformat()


INTERVIEW_KEYS = {
    "id",
    "company_name",
    "position",
    "interview_date",
    "interview_type",
    "status",
    "location",
    "interview_stage",
    "application_status",
    "application_date",
    "notes",
    "created_at",
    "updated_at",
    "days_in_pipeline",
    "is_upcoming",
}


def test_create_with_only_company_and_position(auth_client, user):
    response = auth_client.post(LIST, {"company_name": "Acme", "position": "Dev"}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == INTERVIEW_KEYS | {"rounds"}
    assert body["interview_stage"] == "applied"
    assert body["application_status"] == "in_progress"
    assert body["application_date"] == timezone.localdate().isoformat()
    assert body["days_in_pipeline"] == 0
    assert body["rounds"] == []
    assert Interview.objects.get(pk=body["id"]).user == user


def test_list_is_a_plain_array_newest_first_without_rounds(auth_client, user):
    older = InterviewFactory(user=user, company_name="Older")
    newer = InterviewFactory(user=user, company_name="Newer")
    RoundFactory(interview=newer)

    response = auth_client.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body] == [newer.pk, older.pk]
    assert set(body[0]) == INTERVIEW_KEYS


def test_list_pages_with_limit_and_offset(auth_client, user):
    for i in range(5):
        InterviewFactory(user=user, company_name=f"C{i}")

    first = auth_client.get(LIST, {"limit": 2}).json()
    second = auth_client.get(LIST, {"limit": 2, "offset": 2}).json()

    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert "offset=2" in first["next"]
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})


@override_settings(INTERVIEW_COORDINATOR={"PAGE_SIZE_MAX": 3})
def test_limit_is_capped_by_the_setting(auth_client, user):
    for _ in range(5):
        InterviewFactory(user=user)

    body = auth_client.get(LIST, {"limit": 1000}).json()

    assert body["count"] == 5
    assert len(body["results"]) == 3


def test_detail_embeds_rounds_in_date_order(auth_client, user):
    interview = InterviewFactory(user=user)
    later = RoundFactory(interview=interview, scheduled_date=timezone.now() + timedelta(days=9))
    sooner = RoundFactory(interview=interview, scheduled_date=timezone.now() + timedelta(days=2))

    body = auth_client.get(detail(interview.pk)).json()

    assert [r["id"] for r in body["rounds"]] == [sooner.pk, later.pk]
    assert body["rounds"][0]["stage_display"]
    assert body["rounds"][0]["outcome_display"] == "Pending"


def test_put_patch_delete(auth_client, user):
    interview = InterviewFactory(user=user)
    payload = {
        "company_name": "Renamed",
        "position": "Lead",
        "interview_date": None,
        "interview_type": None,
        "status": None,
        "location": None,
        "notes": None,
        "pipeline_stage": "legacy key from the original front end",
    }

    put = auth_client.put(detail(interview.pk), payload, format="json")
    assert put.status_code == 200, put.json()
    assert put.json()["company_name"] == "Renamed"
    assert put.json()["status"] is None
    assert put.json()["notes"] == ""

    patch = auth_client.patch(detail(interview.pk), {"location": "hybrid"}, format="json")
    assert patch.status_code == 200
    assert patch.json()["location"] == "hybrid"
    assert patch.json()["company_name"] == "Renamed"

    assert auth_client.delete(detail(interview.pk)).status_code == 204
    assert not Interview.objects.filter(pk=interview.pk).exists()


@pytest.mark.parametrize("status", ["offer", "accepted"])
def test_offer_or_acceptance_completes_the_stage(auth_client, user, status):
    interview = InterviewFactory(user=user, interview_stage="technical")

    body = auth_client.patch(
        detail(interview.pk), {"application_status": status}, format="json"
    ).json()

    assert body["interview_stage"] == "completed"


def test_advancing_to_a_round_stage_records_one_pending_round(auth_client, user):
    interview = InterviewFactory(user=user, interview_date=timezone.now() + timedelta(days=4))

    body = auth_client.patch(
        detail(interview.pk), {"interview_stage": "technical"}, format="json"
    ).json()

    assert [(r["stage"], r["outcome"]) for r in body["rounds"]] == [("technical", "pending")]
    assert body["rounds"][0]["scheduled_date"] == body["interview_date"]
    # Saving the same stage again records nothing new.
    auth_client.patch(detail(interview.pk), {"interview_stage": "technical"}, format="json")
    assert InterviewRound.objects.filter(interview=interview).count() == 1


def test_going_back_a_stage_records_no_round(auth_client, user):
    interview = InterviewFactory(user=user, interview_stage="onsite")

    auth_client.patch(detail(interview.pk), {"interview_stage": "screening"}, format="json")

    assert list(InterviewRound.objects.filter(interview=interview).values_list("stage")) == [
        ("onsite",)
    ]


def test_creating_at_a_round_stage_records_its_round(auth_client):
    body = auth_client.post(
        LIST,
        {"company_name": "Acme", "position": "Dev", "interview_stage": "screening"},
        format="json",
    ).json()

    assert [r["stage"] for r in body["rounds"]] == ["screening"]
    assert body["rounds"][0]["scheduled_date"] is None


def test_days_in_pipeline_and_is_upcoming(auth_client, user):
    InterviewFactory(
        user=user,
        application_date=timezone.localdate() - timedelta(days=12),
        interview_date=timezone.now() + timedelta(days=1),
        status="scheduled",
    )
    InterviewFactory(
        user=user,
        application_date=timezone.localdate() + timedelta(days=3),
        interview_date=timezone.now() - timedelta(days=1),
        status="scheduled",
    )

    rows = sorted(auth_client.get(LIST).json(), key=lambda r: r["days_in_pipeline"])

    assert [(r["days_in_pipeline"], r["is_upcoming"]) for r in rows] == [(0, False), (12, True)]


def test_a_new_interview_cannot_be_in_the_past(auth_client):
    response = auth_client.post(
        LIST,
        {"company_name": "Acme", "position": "Dev", "interview_date": in_days(-1)},
        format="json",
    )

    assert response.status_code == 400
    assert "interview_date" in response.json()
    assert not Interview.objects.exists()


def test_an_existing_interview_may_keep_a_past_date(auth_client, user):
    interview = InterviewFactory(user=user)

    response = auth_client.patch(
        detail(interview.pk), {"interview_date": in_days(-2)}, format="json"
    )

    assert response.status_code == 200


def test_datetime_without_offset_is_read_in_the_profile_timezone(auth_client, user):
    Profile.objects.filter(pk=Profile.objects.for_user(user).pk).update(timezone="America/New_York")
    year = timezone.now().year + 1

    body = auth_client.post(
        LIST,
        {"company_name": "Acme", "position": "Dev", "interview_date": f"{year}-07-01T14:30"},
        format="json",
    ).json()

    # 14:30 in New York in July (EDT, UTC-4) is 18:30 UTC, and answers in New York's time.
    assert Interview.objects.get().interview_date == datetime(
        year, 7, 1, 18, 30, tzinfo=dt_timezone.utc
    )
    assert body["interview_date"] == f"{year}-07-01T14:30:00-04:00"


def test_datetime_with_offset_keeps_it(auth_client):
    year = timezone.now().year + 1

    body = auth_client.post(
        LIST,
        {
            "company_name": "Acme",
            "position": "Dev",
            "interview_date": f"{year}-07-01T14:30:00+02:00",
        },
        format="json",
    ).json()

    assert parse_datetime(body["interview_date"]).isoformat() == f"{year}-07-01T12:30:00+00:00"


def test_read_only_fields_ignore_the_body(auth_client, user, other_user):
    response = auth_client.post(
        LIST,
        {
            "company_name": "Acme",
            "position": "Dev",
            "id": 999999,
            "user": other_user.pk,
            "created_at": "2001-01-01T00:00:00Z",
            "updated_at": "2001-01-01T00:00:00Z",
            "days_in_pipeline": 500,
            "is_upcoming": True,
            "rounds": [{"stage": "final"}],
        },
        format="json",
    )

    body = response.json()
    assert response.status_code == 201
    assert body["id"] != 999999
    assert not body["created_at"].startswith("2001")
    assert body["days_in_pipeline"] == 0
    assert body["rounds"] == []
    assert Interview.objects.get(pk=body["id"]).user == user


@override_settings(INTERVIEW_COORDINATOR={"MAX_INTERVIEWS_PER_USER": 2})
def test_per_user_cap_answers_400(auth_client, user, other_user):
    InterviewFactory.create_batch(2, user=user)
    InterviewFactory.create_batch(2, user=other_user)

    response = auth_client.post(
        LIST, {"company_name": "One", "position": "Too many"}, format="json"
    )

    assert response.status_code == 400
    assert "limit of 2 interviews" in response.json()["non_field_errors"][0]
    assert Interview.objects.filter(user=user).count() == 2


def test_filters(auth_client, user):
    keep = InterviewFactory(
        user=user,
        interview_stage="technical",
        application_status="in_progress",
        status="scheduled",
        location="remote",
        interview_type="technical",
        application_date=timezone.localdate() - timedelta(days=5),
    )
    InterviewFactory(
        user=user,
        interview_stage="applied",
        application_status="rejected",
        status="cancelled",
        location="onsite",
        interview_type="phone",
        application_date=timezone.localdate() - timedelta(days=40),
    )
    since = (timezone.localdate() - timedelta(days=10)).isoformat()

    for params in (
        {"interview_stage": "technical"},
        {"application_status": "in_progress"},
        {"status": "scheduled"},
        {"location": "remote"},
        {"interview_type": "technical"},
        {"application_date_after": since},
    ):
        assert [r["id"] for r in auth_client.get(LIST, params).json()] == [keep.pk], params


def test_interview_date_range_filter(auth_client, user):
    soon = InterviewFactory(user=user, interview_date=timezone.now() + timedelta(days=1))
    InterviewFactory(user=user, interview_date=timezone.now() + timedelta(days=30))

    rows = auth_client.get(LIST, {"interview_date_before": in_days(7)}).json()

    assert [r["id"] for r in rows] == [soon.pk]


def test_search_covers_company_and_position(auth_client, user):
    by_company = InterviewFactory(user=user, company_name="Globex", position="Dev")
    by_position = InterviewFactory(user=user, company_name="Initech", position="Globe Trotter")
    InterviewFactory(user=user, company_name="Hooli", position="PM")

    rows = auth_client.get(LIST, {"search": "glob"}).json()

    assert {r["id"] for r in rows} == {by_company.pk, by_position.pk}


def test_ordering(auth_client, user):
    b = InterviewFactory(user=user, company_name="Beta")
    a = InterviewFactory(user=user, company_name="Alpha")
    c = InterviewFactory(user=user, company_name="Gamma")

    ascending = [r["id"] for r in auth_client.get(LIST, {"ordering": "company_name"}).json()]
    descending = [r["id"] for r in auth_client.get(LIST, {"ordering": "-company_name"}).json()]

    assert ascending == [a.pk, b.pk, c.pk]
    assert descending == [c.pk, b.pk, a.pk]


def test_unauthenticated_requests_answer_401(api_client):
    assert api_client.get(LIST).status_code == 401
    assert api_client.post(LIST, {}, format="json").status_code == 401


@pytest.mark.parametrize("time_zone", ["UTC", "Europe/Paris"])
def test_lists_print_datetimes_exactly_like_details(auth_client, user, time_zone):
    whole_second = datetime(2026, 1, 15, 9, 30, tzinfo=dt_timezone.utc)
    with_micros = datetime(2026, 7, 1, 18, 5, 7, 120, tzinfo=dt_timezone.utc)
    interview = InterviewFactory(user=user)
    RoundFactory(interview=interview, scheduled_date=None)
    RoundFactory(interview=interview, scheduled_date=with_micros, completed_date=whole_second)
    Interview.objects.filter(pk=interview.pk).update(
        created_at=whole_second, updated_at=with_micros, interview_date=None
    )

    Profile.objects.filter(pk=Profile.objects.for_user(user).pk).update(timezone=time_zone)

    listed = auth_client.get(LIST).json()[0]
    detailed = auth_client.get(detail(interview.pk)).json()
    rounds = auth_client.get("/api/interviews/rounds/").json()

    assert listed == {k: v for k, v in detailed.items() if k != "rounds"}
    assert rounds == detailed["rounds"]
    expected = {
        "UTC": ("2026-01-15T09:30:00Z", "2026-07-01T18:05:07.000120Z"),
        "Europe/Paris": ("2026-01-15T10:30:00+01:00", "2026-07-01T20:05:07.000120+02:00"),
    }[time_zone]
    assert (listed["created_at"], listed["updated_at"]) == expected
    assert listed["interview_date"] is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)"
)
def test_concurrent_creates_cannot_overshoot_the_cap(user):
    InterviewFactory.create_batch(2, user=user)
    barrier = threading.Barrier(4, timeout=10)
    statuses = []

    def create_one():
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait()
            response = client.post(LIST, {"company_name": "Race", "position": "Dev"}, format="json")
            statuses.append(response.status_code)
        finally:
            db.connection.close()

    with override_settings(INTERVIEW_COORDINATOR={"MAX_INTERVIEWS_PER_USER": 3}):
        threads = [threading.Thread(target=create_one) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert sorted(statuses) == [201, 400, 400, 400]
    assert Interview.objects.filter(user=user).count() == 3


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12"])
def test_application_date_defaults_to_the_users_today(auth_client, user, zone):
    Profile.objects.filter(pk=Profile.objects.for_user(user).pk).update(timezone=zone)

    created = auth_client.post(LIST, {"company_name": "Acme", "position": "Dev"}, format="json")

    assert created.status_code == 201
    today = timezone.localdate(timezone=ZoneInfo(zone))
    assert created.json()["application_date"] == today.isoformat()


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_the_detail_answers_what_a_write_answers(auth_client, user, zone):
    """The detail is read in one joined query; the bytes are the serializer's."""
    interview = InterviewFactory(user=user)
    RoundFactory(interview=interview, scheduled_date=None)
    RoundFactory(interview=interview, scheduled_date=in_days(9), completed_date=in_days(9))
    RoundFactory(interview=interview, scheduled_date=in_days(2))
    empty = InterviewFactory(user=user)

    with override_settings(TIME_ZONE=zone):
        for row in (interview, empty):
            written = auth_client.patch(detail(row.pk), {}, format="json")
            read = auth_client.get(detail(row.pk))
            assert read.status_code == written.status_code == 200
            assert read.content == written.content

    assert [r["scheduled_date"] is None for r in read.json()["rounds"]] == []
    rounds = auth_client.get(detail(interview.pk)).json()["rounds"]
    assert [r["scheduled_date"] is None for r in rounds] == [False, False, True]
