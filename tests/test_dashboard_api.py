"""The dashboard endpoint over HTTP: access, response shape, schema and query budget."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework_simplejwt.tokens import AccessToken

from interview_coordinator.models import (
    ApplicationStatus,
    Interview,
    InterviewRound,
    InterviewStage,
    Profile,
    RoundOutcome,
    RoundStage,
)
from interview_coordinator.views.dashboard import DashboardStatsView

URL = reverse("interview_coordinator:dashboard-stats")
KEYS = {
    "total",
    "active",
    "offers",
    "success_rate",
    "upcoming_count",
    "upcoming_interviews",
    "awaiting_count",
    "awaiting_response",
    "needs_review_count",
    "needs_review",
    "by_interview_stage",
    "by_application_status",
    "funnel",
    "applications_per_week",
    "median_days_to_first_interview",
    "median_days_to_offer",
    "rounds_by_outcome",
    "median_days_in_stage",
    "ended_at_stage",
}
# Computing the answer (see docs/dashboard.md); serving a stored one is a single query.
MAX_QUERIES = 5 if connection.vendor == "postgresql" else 6


def seed(user, count):
    """``count`` varied applications, two rounds each, dated around now."""
    now = timezone.now()
    statuses = itertools.cycle(ApplicationStatus.values)
    stages = itertools.cycle(InterviewStage.values)
    created = Interview.objects.bulk_create(
        Interview(
            user=user,
            company_name=f"Company {n}",
            position="Engineer",
            application_status=next(statuses),
            interview_stage=next(stages),
            application_date=(now - dt.timedelta(days=n % 120)).date(),
            status="scheduled" if n % 3 else None,
            interview_date=now + dt.timedelta(hours=n % 720 - 360),
        )
        for n in range(count)
    )
    outcomes = itertools.cycle(RoundOutcome.values)
    round_stages = itertools.cycle(RoundStage.values)
    InterviewRound.objects.bulk_create(
        InterviewRound(
            interview=interview,
            stage=next(round_stages),
            outcome=next(outcomes),
            scheduled_date=now + dt.timedelta(hours=(n * 7) % 600 - 300),
        )
        for n, interview in enumerate(created * 2)
    )


@pytest.mark.django_db
def test_requires_authentication(api_client):
    response = api_client.get(URL)

    assert response.status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_is_read_only(auth_client, method):
    response = getattr(auth_client, method)(URL, {"total": 99}, format="json")

    assert response.status_code == 405


@pytest.mark.django_db
def test_answers_the_whole_shape_as_json(auth_client, user):
    soon = timezone.now() + dt.timedelta(days=1)
    (interview,) = Interview.objects.bulk_create(
        [
            Interview(
                user=user,
                company_name="Acme",
                position="Engineer",
                status="scheduled",
                interview_date=soon,
                interview_type="phone",
                location="remote",
            )
        ]
    )

    response = auth_client.get(URL, {"ignored": "<script>", "user": "2"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == KEYS
    assert body["total"] == 1
    assert body["upcoming_interviews"] == [
        {
            "id": interview.pk,
            "company_name": "Acme",
            "position": "Engineer",
            "interview_date": soon.isoformat().replace("+00:00", "Z"),
            "interview_type": "phone",
            "location": "remote",
            "round_id": None,
            "round_stage": None,
        }
    ]
    assert len(body["applications_per_week"]) == 12
    assert dt.date.fromisoformat(body["applications_per_week"][-1]["week_start"]).weekday() == 0
    assert set(body["by_interview_stage"]) == set(InterviewStage.values)
    assert set(body["by_application_status"]) == set(ApplicationStatus.values)
    assert set(body["rounds_by_outcome"]) == set(RoundOutcome.values)


@pytest.mark.django_db
def test_a_corrupt_profile_timezone_still_answers(auth_client, user):
    Profile.objects.bulk_create([Profile(user=user, timezone="Not/AZone")])

    response = auth_client.get(URL)

    assert response.status_code == 200


@pytest.mark.django_db
def test_sees_only_the_requesting_users_data(client_for, user, other_user):
    """Another user's rows change nothing in the answer: every number and every list."""
    seed(user, 3)
    alone = client_for(user).get(URL).json()

    seed(other_user, 10)

    assert client_for(user).get(URL).json() == alone
    assert alone["total"] == 3
    others = client_for(other_user).get(URL).json()
    assert others["total"] == 10
    assert others != alone


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, 10, 2000])
def test_query_count_does_not_grow_with_data(
    auth_client, user, other_user, count, django_assert_max_num_queries
):
    seed(user, count)
    seed(other_user, 10)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = auth_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == count
    assert sum(body["by_application_status"].values()) == count
    assert sum(body["rounds_by_outcome"].values()) == 2 * count
    assert len(body["upcoming_interviews"]) <= 5
    assert len(body["needs_review"]) <= 5
    assert len(body["awaiting_response"]) <= 5
    # Stored for a user with data; a user without any has nothing to store.
    with django_assert_max_num_queries(1 if count else MAX_QUERIES):
        again = auth_client.get(URL)
    assert again.content == response.content


def test_openapi_schema_describes_the_response():
    # The endpoint as a host mounts it, with drf-spectacular left at its defaults.
    patterns = [path("api/interviews/dashboard-stats/", DashboardStatsView.as_view())]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)

    operation = schema["paths"]["/api/interviews/dashboard-stats/"]["get"]
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    components = schema["components"]["schemas"]
    stats = components[reference.rsplit("/", 1)[-1]]
    assert set(stats["properties"]) == KEYS
    assert set(stats["required"]) == KEYS
    moment = components["Moment"]["properties"]
    assert set(moment) == {
        "id",
        "company_name",
        "position",
        "interview_date",
        "interview_type",
        "location",
        "round_id",
        "round_stage",
    }
    assert "days_ago" in components["NeedsReview"]["properties"]
    assert "days_waiting" in components["AwaitingResponse"]["properties"]
    assert set(components["InterviewStageCounts"]["properties"]) == set(InterviewStage.values)
    assert set(components["FunnelStep"]["properties"]) == {"stage", "count", "conversion_rate"}


@pytest.mark.django_db
def test_with_a_token_the_stored_answer_costs_only_the_user_lookup(
    api_client, user, django_assert_num_queries
):
    """The package's JWT authentication reads the profile and the snapshot with the user."""
    seed(user, 20)
    Profile.objects.create(user=user, timezone="Europe/Berlin")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    first = api_client.get(URL)

    with django_assert_num_queries(1):
        again = api_client.get(URL)

    assert again.content == first.content
    assert again.json()["total"] == 20


@pytest.mark.django_db
def test_with_a_token_the_profile_costs_only_the_user_lookup(
    api_client, user, django_assert_num_queries
):
    Profile.objects.create(user=user, timezone="Europe/Berlin")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")

    with django_assert_num_queries(1):
        response = api_client.get(reverse("interview_coordinator:profile"))

    assert response.json()["timezone"] == "Europe/Berlin"
