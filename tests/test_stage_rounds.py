"""The round a stage change records follows its interview; a closed application cancels its rounds.

Through every way of writing: the API, the admin and plain model saves (a
shell, a script, another app).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interview_coordinator.models import (
    ApplicationEvent,
    Interview,
    InterviewRound,
    ReminderDelivery,
)
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def detail(pk):
    return reverse("interview_coordinator:interview-detail", args=[pk])


def round_detail(pk):
    return reverse("interview_coordinator:round-detail", args=[pk])


@pytest.fixture
def future():
    return (timezone.now() + 10 * DAY).replace(second=0, microsecond=0)


@pytest.fixture
def staged(auth_client, future):
    """An interview created through the API at the technical stage: it records its round."""
    response = auth_client.post(
        reverse("interview_coordinator:interview-list"),
        {
            "company_name": "Acme",
            "position": "Dev",
            "interview_stage": "technical",
            "interview_date": future.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def the_round(interview_id):
    return InterviewRound.objects.get(interview_id=interview_id)


def reminded_moments(interview_id):
    return sorted(
        ReminderDelivery.objects.filter(interview_id=interview_id).values_list("moment", flat=True)
    )


def upcoming_count(client):
    response = client.get(reverse("interview_coordinator:dashboard-stats"))
    assert response.status_code == 200
    return response.json()["upcoming_count"]


class TestFollowing:
    def test_rescheduling_through_the_api_moves_the_round_and_reminds_once(
        self, auth_client, staged, future
    ):
        assert the_round(staged).scheduled_date == future
        moved = future + 2 * DAY
        response = auth_client.patch(
            detail(staged), {"interview_date": moved.isoformat()}, format="json"
        )
        assert response.status_code == 200
        assert the_round(staged).scheduled_date == moved
        assert reminded_moments(staged) == [moved]

    def test_rescheduling_with_a_model_save_moves_the_round(self, staged, future):
        interview = the_round(staged).interview
        interview.interview_date = future + DAY
        interview.save()
        assert the_round(staged).scheduled_date == future + DAY
        assert reminded_moments(staged) == [future + DAY]

    def test_a_round_without_a_date_takes_the_interviews_first_date(self, auth_client, future):
        response = auth_client.post(
            reverse("interview_coordinator:interview-list"),
            {"company_name": "Acme", "position": "Dev", "interview_stage": "screening"},
            format="json",
        )
        interview_id = response.json()["id"]
        assert the_round(interview_id).scheduled_date is None
        auth_client.patch(
            detail(interview_id), {"interview_date": future.isoformat()}, format="json"
        )
        assert the_round(interview_id).scheduled_date == future
        assert reminded_moments(interview_id) == [future]

    def test_clearing_the_interviews_date_unschedules_the_round(self, auth_client, staged):
        response = auth_client.patch(detail(staged), {"interview_date": None}, format="json")
        assert response.status_code == 200
        assert the_round(staged).scheduled_date is None
        assert reminded_moments(staged) == []

    def test_a_date_moved_into_the_past_is_not_followed(self, staged, future):
        interview = the_round(staged).interview
        interview.interview_date = timezone.now() - DAY
        interview.save()
        assert the_round(staged).scheduled_date == future

    def test_a_round_the_user_edited_keeps_its_date(self, auth_client, staged, future):
        response = auth_client.patch(
            round_detail(the_round(staged).pk), {"notes": "Bring the laptop"}, format="json"
        )
        assert response.status_code == 200
        auth_client.patch(
            detail(staged), {"interview_date": (future + DAY).isoformat()}, format="json"
        )
        assert the_round(staged).scheduled_date == future
        assert reminded_moments(staged) == [future, future + DAY]

    def test_a_round_edited_with_a_model_save_keeps_its_date(self, staged, future):
        round_ = the_round(staged)
        round_.duration_minutes = 90
        round_.save()
        interview = round_.interview
        interview.interview_date = future + DAY
        interview.save()
        assert the_round(staged).scheduled_date == future

    def test_a_round_with_an_outcome_keeps_its_date(self, auth_client, staged, future):
        InterviewRound.objects.filter(pk=the_round(staged).pk).update(outcome="passed")
        auth_client.patch(
            detail(staged), {"interview_date": (future + DAY).isoformat()}, format="json"
        )
        assert the_round(staged).scheduled_date == future

    def test_a_round_entered_by_hand_does_not_follow(self, user, future):
        interview = InterviewFactory(user=user, interview_date=future)
        round_ = RoundFactory(interview=interview, scheduled_date=future)
        interview.interview_date = future + DAY
        interview.save()
        round_.refresh_from_db()
        assert round_.scheduled_date == future


class TestClosing:
    @pytest.mark.parametrize(
        "change",
        [
            {"application_status": "rejected"},
            {"application_status": "withdrawn"},
            {"application_status": "declined"},
            {"status": "cancelled"},
        ],
    )
    def test_a_closed_application_cancels_its_pending_rounds_and_their_reminders(
        self, auth_client, user, staged, future, change
    ):
        by_hand = RoundFactory(interview_id=staged, stage="onsite", scheduled_date=future + 2 * DAY)
        # Shown by the dashboard's upcoming list once within its 7 days.
        soon = RoundFactory(
            interview_id=staged, stage="final", scheduled_date=timezone.now() + 2 * DAY
        )
        assert upcoming_count(auth_client) == 1
        response = auth_client.patch(detail(staged), change, format="json")
        assert response.status_code == 200
        outcomes = dict(InterviewRound.objects.values_list("pk", "outcome"))
        assert len(outcomes) == 3
        assert {by_hand.pk, soon.pk} < set(outcomes)
        assert set(outcomes.values()) == {"cancelled"}
        assert reminded_moments(staged) == []
        assert upcoming_count(auth_client) == 0

    def test_closing_with_a_model_save_cancels_the_rounds(self, staged):
        interview = the_round(staged).interview
        interview.application_status = "rejected"
        interview.save()
        assert the_round(staged).outcome == "cancelled"
        assert reminded_moments(staged) == []

    def test_closing_in_the_admin_cancels_the_rounds(self, make_user, staged):
        staff = make_user("staff", is_staff=True, is_superuser=True)
        admin = Client()
        admin.force_login(staff)
        interview = the_round(staged).interview
        round_ = the_round(staged)
        response = admin.post(
            f"/admin/interview_coordinator/interview/{staged}/change/",
            {
                "user": interview.user_id,
                "company_name": interview.company_name,
                "position": interview.position,
                "interview_date_0": interview.interview_date.strftime("%Y-%m-%d"),
                "interview_date_1": interview.interview_date.strftime("%H:%M:%S"),
                "interview_stage": interview.interview_stage,
                "application_status": "withdrawn",
                "status": "scheduled",
                "application_date": interview.application_date.isoformat(),
                "notes": "",
                "rounds-TOTAL_FORMS": "1",
                "rounds-INITIAL_FORMS": "1",
                "rounds-0-id": round_.pk,
                "rounds-0-interview": staged,
                "rounds-0-stage": round_.stage,
                "rounds-0-scheduled_date_0": round_.scheduled_date.strftime("%Y-%m-%d"),
                "rounds-0-scheduled_date_1": round_.scheduled_date.strftime("%H:%M:%S"),
                "rounds-0-outcome": "pending",
                "events-TOTAL_FORMS": "0",
                "events-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert the_round(staged).outcome == "cancelled"
        assert reminded_moments(staged) == []

    def test_a_past_round_still_waiting_for_its_outcome_is_left_for_review(
        self, auth_client, user, staged
    ):
        past = RoundFactory(
            interview_id=staged, stage="screening", scheduled_date=timezone.now() - 2 * DAY
        )
        auth_client.patch(detail(staged), {"application_status": "rejected"}, format="json")
        past.refresh_from_db()
        assert past.outcome == "pending"
        assert InterviewRound.objects.get(interview_id=staged, stage="technical").outcome == (
            "cancelled"
        )

    def test_a_stage_advance_of_a_closed_application_records_a_cancelled_round(
        self, auth_client, user
    ):
        interview = InterviewFactory(user=user, application_status="rejected")
        auth_client.patch(detail(interview.pk), {"interview_stage": "technical"}, format="json")
        assert the_round(interview.pk).outcome == "cancelled"
        assert reminded_moments(interview.pk) == []


def test_a_rejected_applications_own_date_is_neither_reminded_nor_upcoming(auth_client, user):
    soon = (timezone.now() + 2 * DAY).replace(microsecond=0)
    interview = InterviewFactory(user=user, interview_date=soon)
    assert upcoming_count(auth_client) == 1
    response = auth_client.patch(
        detail(interview.pk), {"application_status": "rejected"}, format="json"
    )
    assert response.status_code == 200
    assert reminded_moments(interview.pk) == []
    assert upcoming_count(auth_client) == 0


class TestEveryWayOfWriting:
    """The stage rule is the model's: a shell save and the admin record the round too."""

    def recorded(self, interview_id):
        return list(
            ApplicationEvent.objects.filter(interview_id=interview_id, kind="round_created")
            .order_by("pk")
            .values_list("round_stage", "source")
        )

    def test_a_shell_save_that_advances_the_stage_records_the_round(self, user, future):
        interview = InterviewFactory(user=user, interview_date=future, status="scheduled")
        interview.interview_stage = "technical"
        interview.save()
        assert list(interview.rounds.values_list("stage", "outcome", "scheduled_date")) == [
            ("technical", "pending", future)
        ]
        assert self.recorded(interview.pk) == [("technical", "other")]
        assert reminded_moments(interview.pk) == [future]

    def test_a_shell_create_at_a_round_stage_records_the_round(self, user):
        interview = InterviewFactory(user=user, interview_stage="screening", interview_date=None)
        assert list(interview.rounds.values_list("stage", flat=True)) == ["screening"]
        assert self.recorded(interview.pk) == [("screening", "other")]

    def test_a_save_that_moves_the_stage_back_records_nothing(self, user):
        interview = InterviewFactory(user=user, interview_stage="final", interview_date=None)
        interview.interview_stage = "technical"
        interview.save()
        assert list(interview.rounds.values_list("stage", flat=True)) == ["final"]

    def test_the_admin_change_form_records_the_round(self, make_user, user):
        staff = make_user("staff", is_staff=True, is_superuser=True)
        admin = Client()
        admin.force_login(staff)
        interview = InterviewFactory(user=user, interview_date=None, status=None)
        response = admin.post(
            f"/admin/interview_coordinator/interview/{interview.pk}/change/",
            {
                "user": user.pk,
                "company_name": interview.company_name,
                "position": interview.position,
                "interview_stage": "onsite",
                "application_status": "in_progress",
                "application_date": interview.application_date.isoformat(),
                "notes": "",
                "rounds-TOTAL_FORMS": "0",
                "rounds-INITIAL_FORMS": "0",
                "events-TOTAL_FORMS": "0",
                "events-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert self.recorded(interview.pk) == [("onsite", "admin")]

    def test_the_admin_add_form_keeps_the_round_entered_for_its_stage(self, make_user, user):
        staff = make_user("staff", is_staff=True, is_superuser=True)
        admin = Client()
        admin.force_login(staff)
        response = admin.post(
            "/admin/interview_coordinator/interview/add/",
            {
                "user": user.pk,
                "company_name": "Initech",
                "position": "Dev",
                "interview_stage": "technical",
                "application_status": "in_progress",
                "application_date": "2026-01-05",
                "notes": "",
                "rounds-TOTAL_FORMS": "1",
                "rounds-INITIAL_FORMS": "0",
                "rounds-0-stage": "technical",
                "rounds-0-scheduled_date_0": "2026-01-20",
                "rounds-0-scheduled_date_1": "10:00:00",
                "rounds-0-duration_minutes": "90",
                "rounds-0-outcome": "pending",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        interview = Interview.objects.get(user=user)
        assert list(interview.rounds.values_list("stage", "duration_minutes")) == [
            ("technical", 90)
        ]
        assert self.recorded(interview.pk) == [("technical", "admin")]

    def test_the_admin_refuses_an_advance_beyond_the_round_cap_on_the_stage(
        self, make_user, user, settings
    ):
        settings.INTERVIEW_COORDINATOR = {"MAX_ROUNDS_PER_INTERVIEW": 1}
        staff = make_user("staff", is_staff=True, is_superuser=True)
        admin = Client()
        admin.force_login(staff)
        interview = InterviewFactory(user=user, interview_date=None, status=None)
        RoundFactory(interview=interview, stage="screening", scheduled_date=None)
        response = admin.post(
            f"/admin/interview_coordinator/interview/{interview.pk}/change/",
            {
                "user": user.pk,
                "company_name": interview.company_name,
                "position": interview.position,
                "interview_stage": "technical",
                "application_status": "in_progress",
                "application_date": interview.application_date.isoformat(),
                "notes": "",
                "rounds-TOTAL_FORMS": "0",
                "rounds-INITIAL_FORMS": "0",
                "events-TOTAL_FORMS": "0",
                "events-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert "limit of 1 rounds" in errors["interview_stage"][0]
        interview.refresh_from_db()
        assert interview.interview_stage == "applied"

    def test_a_shell_save_past_the_round_cap_raises_djangos_validation_error(self, user, settings):
        settings.INTERVIEW_COORDINATOR = {"MAX_ROUNDS_PER_INTERVIEW": 1}
        interview = InterviewFactory(user=user, interview_date=None, status=None)
        RoundFactory(interview=interview, stage="screening", scheduled_date=None)
        interview.interview_stage = "technical"
        with pytest.raises(DjangoValidationError) as raised, transaction.atomic():
            interview.save()
        assert raised.value.message_dict == {
            "interview_stage": ["This interview has reached the limit of 1 rounds."]
        }
        interview.refresh_from_db()
        assert interview.interview_stage == "applied"

    def test_the_api_records_one_round_per_advance(self, auth_client, staged):
        auth_client.patch(detail(staged), {"interview_stage": "onsite"}, format="json")
        assert self.recorded(staged) == [("technical", "api"), ("onsite", "api")]
        assert InterviewRound.objects.filter(interview_id=staged).count() == 2
