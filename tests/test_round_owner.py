"""A round carries its interview's owner whatever writes it; reads of a user's rounds use it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interview_coordinator.models import Interview, InterviewRound
from tests.factories import InterviewFactory, RoundFactory, bulk_interviews

pytestmark = pytest.mark.django_db

INTERVIEWS_TABLE = '"interview_coordinator_interview"'


def owners(**filters):
    return set(InterviewRound.objects.filter(**filters).values_list("user_id", flat=True))


def test_a_round_created_through_the_api_is_its_interviews_owners(auth_client, user):
    interview = InterviewFactory(user=user)

    response = auth_client.post(
        "/api/interviews/rounds/", {"interview": interview.pk, "stage": "technical"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert "user" not in response.json()
    assert InterviewRound.objects.get(pk=response.json()["id"]).user_id == user.pk


def test_a_round_moved_to_another_interview_takes_its_owner(user, other_user):
    round_ = RoundFactory(interview=InterviewFactory(user=user))
    theirs = InterviewFactory(user=other_user)

    round_.interview = theirs
    round_.save()
    InterviewRound.objects.filter(pk=round_.pk).update(interview=InterviewFactory(user=user))
    moved_back = InterviewRound.objects.get(pk=round_.pk)

    assert round_.user_id == other_user.pk
    assert moved_back.user_id == user.pk


def test_a_round_saved_by_id_alone_reads_the_owner(user):
    interview = InterviewFactory(user=user)

    round_ = InterviewRound(interview_id=interview.pk, stage="final")
    round_.save()

    assert InterviewRound.objects.get(pk=round_.pk).user_id == user.pk


def test_bulk_created_rounds_carry_their_owners(user, other_user):
    mine, theirs = InterviewFactory(user=user), InterviewFactory(user=other_user)

    InterviewRound.objects.bulk_create(
        [
            InterviewRound(interview=mine, stage="screening"),
            InterviewRound(interview_id=theirs.pk, stage="screening"),
        ]
    )

    assert owners(interview=mine) == {user.pk}
    assert owners(interview=theirs) == {other_user.pk}


def test_an_interview_changing_hands_takes_its_rounds_along(user, other_user):
    interview = InterviewFactory(user=user)
    RoundFactory.create_batch(2, interview=interview)

    interview.user = other_user
    interview.save()

    assert owners(interview=interview) == {other_user.pk}


def test_a_stale_round_saved_after_its_interview_changed_hands_keeps_the_new_owner(
    user, other_user
):
    interview = InterviewFactory(user=user)
    stale = RoundFactory(interview=interview)
    stale = InterviewRound.objects.get(pk=stale.pk)
    Interview.objects.filter(pk=interview.pk).update(user=other_user)

    stale.notes = "Bring the portfolio"
    stale.save()

    assert owners(pk=stale.pk) == {other_user.pk}


def test_the_rounds_list_reads_no_interview(auth_client, user, other_user):
    bulk_interviews(user, 3)
    bulk_interviews(other_user, 3)

    with CaptureQueriesContext(connection) as queries:
        response = auth_client.get("/api/interviews/rounds/", {"upcoming": "true"})

    assert response.status_code == 200
    assert len(response.json()) == 9
    (listed,) = [q["sql"] for q in queries if "interview_coordinator_interviewround" in q["sql"]]
    assert INTERVIEWS_TABLE not in listed
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {listed}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "interview_coordinator_interview " not in plan
