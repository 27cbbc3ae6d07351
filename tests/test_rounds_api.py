"""The rounds endpoints: one's own interviews only, filters, caps, the original's shape."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from interview_coordinator.models import InterviewRound
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db

LIST = "/api/interviews/rounds/"


def detail(pk):
    return f"/api/interviews/rounds/{pk}/"


ROUND_KEYS = {
    "id",
    "interview",
    "stage",
    "stage_display",
    "scheduled_date",
    "completed_date",
    "duration_minutes",
    "notes",
    "outcome",
    "outcome_display",
    "created_at",
    "updated_at",
}


@pytest.fixture
def interview(user):
    return InterviewFactory(user=user)


def test_create_read_update_delete(auth_client, interview):
    created = auth_client.post(
        LIST,
        {
            "interview": interview.pk,
            "stage": "technical",
            "scheduled_date": (timezone.now() + timedelta(days=2)).isoformat(),
            "duration_minutes": 90,
            "notes": "<p>Bring <b>laptop</b></p>",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert set(body) == ROUND_KEYS
    assert body["interview"] == interview.pk
    assert body["stage_display"] == "Technical Interview"
    assert body["outcome"] == "pending"
    assert body["outcome_display"] == "Pending"
    assert body["notes"] == "<p>Bring <b>laptop</b></p>"

    assert auth_client.get(detail(body["id"])).json() == body

    patched = auth_client.patch(
        detail(body["id"]), {"outcome": "passed", "completed_date": None}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["outcome_display"] == "Passed"

    put = auth_client.put(
        detail(body["id"]), {"interview": interview.pk, "stage": "final"}, format="json"
    )
    assert put.status_code == 200
    assert put.json()["stage"] == "final"

    assert auth_client.delete(detail(body["id"])).status_code == 204
    assert not InterviewRound.objects.filter(pk=body["id"]).exists()


def test_list_is_a_plain_array_in_date_order(auth_client, interview):
    later = RoundFactory(interview=interview, scheduled_date=timezone.now() + timedelta(days=8))
    sooner = RoundFactory(interview=interview, scheduled_date=timezone.now() + timedelta(days=1))
    undated = RoundFactory(interview=interview, scheduled_date=None)

    body = auth_client.get(LIST).json()

    assert [r["id"] for r in body] == [sooner.pk, later.pk, undated.pk]


def test_list_pages_with_limit(auth_client, interview):
    RoundFactory.create_batch(3, interview=interview)

    body = auth_client.get(LIST, {"limit": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2


def test_filters(auth_client, user, interview):
    other_interview = InterviewFactory(user=user)
    upcoming = RoundFactory(
        interview=interview,
        stage="technical",
        outcome="pending",
        scheduled_date=timezone.now() + timedelta(days=1),
    )
    past = RoundFactory(
        interview=interview,
        stage="screening",
        outcome="passed",
        scheduled_date=timezone.now() - timedelta(days=3),
    )
    elsewhere = RoundFactory(interview=other_interview, stage="final", outcome="failed")

    def ids(**params):
        return {r["id"] for r in auth_client.get(LIST, params).json()}

    assert ids(interview=interview.pk) == {upcoming.pk, past.pk}
    assert ids(stage="final") == {elsewhere.pk}
    assert ids(outcome="passed") == {past.pk}
    assert ids(upcoming="true") == {upcoming.pk}
    assert ids(upcoming="false") == {past.pk, elsewhere.pk}


def test_moving_a_round_to_another_own_interview(auth_client, user, interview):
    round_ = RoundFactory(interview=interview)
    target = InterviewFactory(user=user)

    response = auth_client.patch(detail(round_.pk), {"interview": target.pk}, format="json")

    assert response.status_code == 200
    round_.refresh_from_db()
    assert round_.interview == target


@pytest.mark.parametrize("minutes", [0, -5, 481, 10**12, "ninety", 1.5, True, [60], "1e400"])
def test_duration_must_be_1_to_480_minutes(auth_client, interview, minutes):
    response = auth_client.post(
        LIST,
        {"interview": interview.pk, "stage": "technical", "duration_minutes": minutes},
        format="json",
    )

    assert response.status_code == 400
    assert "duration_minutes" in response.json()
    assert not InterviewRound.objects.exists()


@pytest.mark.parametrize("value", ["abc", 1.5, True, None, [1], {"id": 1}, -1, 10**30])
def test_interview_must_be_an_id(auth_client, value):
    response = auth_client.post(LIST, {"interview": value, "stage": "technical"}, format="json")

    assert response.status_code == 400
    assert "interview" in response.json()


@override_settings(INTERVIEW_COORDINATOR={"MAX_ROUNDS_PER_INTERVIEW": 2})
def test_per_interview_cap(auth_client, user, interview):
    RoundFactory.create_batch(2, interview=interview)
    round_elsewhere = RoundFactory(interview=InterviewFactory(user=user))

    created = auth_client.post(LIST, {"interview": interview.pk, "stage": "final"}, format="json")
    moved = auth_client.patch(
        detail(round_elsewhere.pk), {"interview": interview.pk}, format="json"
    )

    assert created.status_code == 400
    assert "limit of 2 rounds" in created.json()["interview"][0]
    assert moved.status_code == 400
    assert InterviewRound.objects.filter(interview=interview).count() == 2


@override_settings(INTERVIEW_COORDINATOR={"MAX_ROUNDS_PER_INTERVIEW": 1})
def test_stage_advance_at_the_round_cap_is_refused_whole(auth_client, user, interview):
    RoundFactory(interview=interview, stage="screening")

    response = auth_client.patch(
        f"/api/interviews/{interview.pk}/",
        {"interview_stage": "technical", "company_name": "Changed"},
        format="json",
    )

    assert response.status_code == 400
    assert "interview_stage" in response.json()
    interview.refresh_from_db()
    assert interview.interview_stage == "applied"
    assert interview.company_name != "Changed"


class TestCompletedBeforeScheduled:
    """A round cannot be completed before it was scheduled: a 400 on ``completed_date``."""

    def test_create(self, auth_client, interview):
        scheduled = timezone.now() + timedelta(days=2)
        response = auth_client.post(
            LIST,
            {
                "interview": interview.pk,
                "stage": "technical",
                "scheduled_date": scheduled.isoformat(),
                "completed_date": (scheduled - timedelta(minutes=1)).isoformat(),
            },
            format="json",
        )

        assert response.status_code == 400
        assert list(response.json()) == ["completed_date"]
        assert not InterviewRound.objects.exists()

    def test_patch_of_either_date_against_the_stored_other(self, auth_client, interview):
        scheduled = timezone.now() + timedelta(days=2)
        round_ = RoundFactory(
            interview=interview, scheduled_date=scheduled, completed_date=scheduled
        )

        earlier_completion = auth_client.patch(
            detail(round_.pk),
            {"completed_date": (scheduled - timedelta(hours=1)).isoformat()},
            format="json",
        )
        later_schedule = auth_client.patch(
            detail(round_.pk),
            {"scheduled_date": (scheduled + timedelta(hours=1)).isoformat()},
            format="json",
        )

        for response in (earlier_completion, later_schedule):
            assert response.status_code == 400
            assert list(response.json()) == ["completed_date"]
        round_.refresh_from_db()
        assert round_.scheduled_date == round_.completed_date == scheduled

    def test_same_time_or_later_or_either_missing_is_fine(self, auth_client, interview):
        scheduled = timezone.now() + timedelta(days=2)
        round_ = RoundFactory(interview=interview, scheduled_date=scheduled, completed_date=None)

        for body in (
            {"completed_date": scheduled.isoformat()},
            {"completed_date": (scheduled + timedelta(hours=1)).isoformat()},
            {"scheduled_date": None, "completed_date": scheduled.isoformat()},
            {"scheduled_date": scheduled.isoformat(), "completed_date": None},
        ):
            response = auth_client.patch(detail(round_.pk), body, format="json")
            assert response.status_code == 200, (body, response.json())

    def test_the_model_refuses_it_too(self, interview):
        scheduled = timezone.now() + timedelta(days=2)
        round_ = InterviewRound(
            interview=interview,
            stage="technical",
            scheduled_date=scheduled,
            completed_date=scheduled - timedelta(seconds=1),
        )

        with pytest.raises(ValidationError) as refused:
            round_.full_clean()

        assert list(refused.value.message_dict) == ["completed_date"]
