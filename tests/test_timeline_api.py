"""``GET interviews/{id}/timeline/``: an application's events, newest first, a page at a time."""

import datetime as dt
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from interview_coordinator.models import ApplicationEvent, Interview, Profile
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db


def url(interview_id):
    return f"/api/interviews/{interview_id}/timeline/"


def test_the_events_newest_first_with_labels_in_the_users_timezone(auth_client, user):
    profile = Profile.objects.for_user(user)
    profile.timezone = "Europe/Berlin"
    profile.save()
    moment = timezone.now().replace(microsecond=0) + timedelta(days=3)
    created = auth_client.post(
        "/api/interviews/",
        {"company_name": "Acme", "position": "Dev", "interview_date": moment.isoformat()},
        format="json",
    ).json()
    auth_client.patch(
        f"/api/interviews/{created['id']}/", {"interview_stage": "screening"}, format="json"
    )

    response = auth_client.get(url(created["id"]))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert body["next"] is None
    newest, stage, first = body["results"]
    assert [newest["kind"], stage["kind"], first["kind"]] == [
        "round_created",
        "interview_stage",
        "created",
    ]
    assert stage | {"id": None, "created_at": None} == {
        "id": None,
        "kind": "interview_stage",
        "kind_display": "Stage changed",
        "old_value": "applied",
        "new_value": "screening",
        "old_display": "Applied",
        "new_display": "Phone Screening",
        "stage": "screening",
        "stage_display": "Phone Screening",
        "round_id": None,
        "round_stage": None,
        "round_stage_display": None,
        "source": "api",
        "source_display": "API",
        "created_at": None,
    }
    assert stage["created_at"].endswith(("+01:00", "+02:00"))
    berlin = moment.astimezone(ZoneInfo("Europe/Berlin")).isoformat()
    assert newest["new_display"] == berlin
    assert newest["new_value"] == moment.astimezone(dt.timezone.utc).isoformat()
    assert newest["round_stage_display"] == "Phone Screening"


def test_pages_with_limit_and_offset(auth_client, user):
    interview = InterviewFactory(user=user)
    for status in ("rejected", "in_progress", "withdrawn", "in_progress"):
        interview.application_status = status
        interview.save()

    first = auth_client.get(url(interview.pk), {"limit": 2}).json()
    second = auth_client.get(url(interview.pk), {"limit": 2, "offset": 2}).json()
    default = auth_client.get(url(interview.pk)).json()

    assert first["count"] == 5
    assert [e["new_value"] for e in first["results"]] == ["in_progress", "withdrawn"]
    assert [e["new_value"] for e in second["results"]] == ["in_progress", "rejected"]
    assert first["next"]
    assert second["previous"]
    assert len(default["results"]) == 5


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "x"}, {"offset": "-1"}])
def test_a_bad_page_parameter_is_a_400_naming_it(auth_client, user, query):
    interview = InterviewFactory(user=user)

    response = auth_client.get(url(interview.pk), query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_the_number_of_queries_does_not_grow_with_the_events(
    auth_client, user, django_assert_max_num_queries
):
    interview = InterviewFactory(user=user)
    few = InterviewFactory(user=user)
    RoundFactory.create_batch(30, interview=interview)
    assert ApplicationEvent.objects.filter(interview=interview).count() == 31

    for target in (few, interview):
        # The application with its owner's timezone, the count, the page.
        with django_assert_max_num_queries(3):
            response = auth_client.get(url(target.pk), {"limit": 100})
        assert response.status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_timeline_is_read_only(auth_client, user, method):
    interview = InterviewFactory(user=user)
    before = list(ApplicationEvent.objects.values())

    response = getattr(auth_client, method)(url(interview.pk), {"kind": "created"}, format="json")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert list(ApplicationEvent.objects.values()) == before
    assert Interview.objects.filter(pk=interview.pk).exists()


def test_needs_a_login(api_client, user):
    interview = InterviewFactory(user=user)

    assert api_client.get(url(interview.pk)).status_code == 401
