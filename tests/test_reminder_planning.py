"""Planning keeps one delivery per scheduled moment, re-planned on every change."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from interview_coordinator.models import (
    DeliveryStatus,
    Interview,
    InterviewRound,
    Profile,
    ReminderDelivery,
)
from tests.db_failures import failed_on_the_refused_insert, inserts_refused
from tests.factories import InterviewFactory, RoundFactory

UTC = datetime.timezone.utc
DAY = datetime.timedelta(days=1)


def deliveries(interview=None):
    rows = ReminderDelivery.objects.order_by("moment")
    if interview is not None:
        rows = rows.filter(interview=interview)
    return list(rows.values_list("moment", "send_at", "status"))


def at_nine_days_before(moment, days=1, zone="UTC"):
    local = moment.astimezone(ZoneInfo(zone)).date() - datetime.timedelta(days=days)
    return datetime.datetime.combine(local, datetime.time(9), tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.fixture
def future():
    """A moment ten days ahead, on the minute."""
    return (timezone.now() + 10 * DAY).replace(second=0, microsecond=0)


@pytest.mark.django_db
class TestPlanning:
    def test_an_interview_date_gets_one_reminder_at_the_users_time(self, user, future):
        interview = InterviewFactory(user=user, interview_date=future)
        assert deliveries(interview) == [
            (future, at_nine_days_before(future), DeliveryStatus.PENDING)
        ]
        row = ReminderDelivery.objects.get()
        assert row.due_at == row.send_at

    def test_an_interview_and_a_round_at_the_same_moment_remind_once(self, user, future):
        interview = InterviewFactory(user=user, interview_date=future)
        RoundFactory(interview=interview, scheduled_date=future)
        RoundFactory(interview=interview, scheduled_date=future + 2 * DAY)
        assert [row[0] for row in deliveries(interview)] == [future, future + 2 * DAY]

    def test_moving_a_round_replans_it(self, user, future):
        interview = InterviewFactory(user=user, interview_date=None)
        round_ = RoundFactory(interview=interview, scheduled_date=future)
        round_.scheduled_date = future + 3 * DAY
        round_.save()
        assert deliveries(interview) == [
            (future + 3 * DAY, at_nine_days_before(future + 3 * DAY), DeliveryStatus.PENDING)
        ]

    @pytest.mark.parametrize("outcome", ["passed", "failed", "cancelled"])
    def test_a_round_that_is_no_longer_pending_is_not_reminded(self, user, future, outcome):
        interview = InterviewFactory(user=user, interview_date=None)
        round_ = RoundFactory(interview=interview, scheduled_date=future)
        round_.outcome = outcome
        round_.save()
        assert deliveries(interview) == []

    def test_an_inactive_user_gets_no_reminders(self, make_user, future):
        user = make_user("inactive", is_active=False)
        InterviewFactory(user=user, interview_date=future)
        assert deliveries() == []

    def test_deactivating_a_user_cancels_their_reminders_and_reactivating_plans_them(
        self, user, future
    ):
        InterviewFactory(user=user, interview_date=future)
        user.is_active = False
        user.save()
        assert deliveries() == []
        user.is_active = True
        user.save()
        assert deliveries() == [(future, at_nine_days_before(future), DeliveryStatus.PENDING)]

    def test_deleting_a_user_deletes_their_deliveries(self, user, other_user, future):
        InterviewFactory(user=user, interview_date=future)
        InterviewFactory(user=other_user, interview_date=future)
        user.delete()
        assert ReminderDelivery.objects.filter(interview__user=other_user).count() == 1
        assert ReminderDelivery.objects.count() == 1

    def test_deleting_a_round_cancels_its_reminder(self, user, future):
        interview = InterviewFactory(user=user, interview_date=future)
        round_ = RoundFactory(interview=interview, scheduled_date=future + DAY)
        round_.delete()
        assert [row[0] for row in deliveries(interview)] == [future]

    @pytest.mark.parametrize("status", ["cancelled", "completed"])
    def test_a_cancelled_or_completed_interview_is_not_reminded(self, user, future, status):
        interview = InterviewFactory(user=user, interview_date=future)
        interview.status = status
        interview.save()
        assert deliveries(interview) == []

    def test_moving_an_interview_replans_it(self, user, future):
        interview = InterviewFactory(user=user, interview_date=future)
        interview.interview_date = future + 5 * DAY
        interview.save()
        assert [row[0] for row in deliveries(interview)] == [future + 5 * DAY]

    def test_a_moment_in_the_past_is_not_reminded(self, user):
        interview = InterviewFactory(user=user, interview_date=timezone.now() - DAY)
        RoundFactory(interview=interview, scheduled_date=timezone.now() - 2 * DAY)
        assert deliveries(interview) == []

    def test_a_send_time_already_passed_is_due_at_once(self, user):
        moment = timezone.now() + datetime.timedelta(hours=2)
        InterviewFactory(user=user, interview_date=moment)
        row = ReminderDelivery.objects.get()
        assert row.due_at <= timezone.now() < row.moment

    def test_reminders_off_plan_nothing_and_turning_them_on_plans(self, user, future):
        profile = Profile.objects.for_user(user)
        profile.email_notifications_enabled = False
        profile.save()
        interview = InterviewFactory(user=user, interview_date=future)
        assert deliveries() == []
        profile.email_notifications_enabled = True
        profile.save()
        assert [row[0] for row in deliveries(interview)] == [future]

    def test_changed_preferences_replan_the_pending_reminders(self, user, future):
        interview = InterviewFactory(user=user, interview_date=future)
        profile = Profile.objects.for_user(user)
        profile.reminder_days_before = 3
        profile.reminder_time = datetime.time(18, 30)
        profile.timezone = "America/New_York"
        profile.save()
        zone = ZoneInfo("America/New_York")
        local_day = future.astimezone(zone).date() - 3 * DAY
        expected = datetime.datetime.combine(local_day, datetime.time(18, 30), tzinfo=zone)
        assert deliveries(interview) == [(future, expected, DeliveryStatus.PENDING)]

    def test_a_moment_already_reminded_is_not_reminded_again_after_a_change(self, user, future):
        interview = InterviewFactory(user=user, interview_date=future)
        ReminderDelivery.objects.update(status=DeliveryStatus.SENT, sent_at=timezone.now())
        profile = Profile.objects.for_user(user)
        profile.reminder_days_before = 2
        profile.save()
        interview.save()
        assert deliveries(interview) == [(future, at_nine_days_before(future), DeliveryStatus.SENT)]

    def test_each_user_is_planned_with_their_own_preferences(self, make_user, future):
        alice, bob = make_user("alice"), make_user("bob")
        bob_profile = Profile.objects.for_user(bob)
        bob_profile.timezone = "Asia/Tokyo"
        bob_profile.save()
        InterviewFactory(user=alice, interview_date=future)
        InterviewFactory(user=bob, interview_date=future)
        assert ReminderDelivery.objects.get(interview__user=alice).send_at == at_nine_days_before(
            future
        )
        assert ReminderDelivery.objects.get(interview__user=bob).send_at == at_nine_days_before(
            future, zone="Asia/Tokyo"
        )

    def test_a_timezone_stored_unchecked_plans_in_the_sites_timezone(self, user, future):
        Profile.objects.for_user(user)
        Profile.objects.filter(user=user).update(timezone="Not/A_Zone")
        interview = InterviewFactory(user=user, interview_date=future)
        assert deliveries(interview) == [
            (future, at_nine_days_before(future), DeliveryStatus.PENDING)
        ]

    def test_the_model_refuses_an_unknown_timezone(self, user):
        profile = Profile.objects.for_user(user)
        profile.timezone = "../../etc/passwd"
        with pytest.raises(ValidationError) as raised:
            profile.full_clean()
        assert "not a known IANA timezone" in str(raised.value.message_dict["timezone"])

    def test_planning_an_interview_costs_the_same_with_many_rounds(
        self, user, future, django_assert_max_num_queries
    ):
        small = InterviewFactory(user=user, interview_date=future)
        big = InterviewFactory(user=user, interview_date=future)
        RoundFactory.create_batch(2, interview=small)
        RoundFactory.create_batch(40, interview=big)
        for interview in (small, big):
            interview.interview_date = future + DAY
            # The owner's profile locked first, the locked read of the changed
            # fields, the update, its event, the rounds that follow it (one
            # UPDATE), then planning: profile, moments (2), deliveries,
            # delete, insert.
            with django_assert_max_num_queries(11):
                interview.save()

    def test_changing_preferences_costs_the_same_with_many_interviews(
        self, user, future, django_assert_max_num_queries
    ):
        InterviewFactory.create_batch(30, user=user, interview_date=future)
        profile = Profile.objects.for_user(user)
        profile.reminder_days_before = 2
        with django_assert_max_num_queries(6):
            profile.save()
        assert ReminderDelivery.objects.count() == 30


@pytest.mark.django_db
def test_moving_and_cancelling_through_the_api_replans(auth_client, user, future):
    created = auth_client.post(
        reverse("interview_coordinator:interview-list"),
        {"company_name": "Acme", "position": "Engineer", "interview_date": future.isoformat()},
        format="json",
    )
    assert created.status_code == 201, created.data
    url = reverse("interview_coordinator:interview-detail", args=[created.data["id"]])
    assert [row[0] for row in deliveries()] == [future]

    moved = auth_client.patch(url, {"interview_date": (future + DAY).isoformat()}, format="json")
    assert moved.status_code == 200, moved.data
    assert [row[0] for row in deliveries()] == [future + DAY]

    cancelled = auth_client.patch(url, {"status": "cancelled"}, format="json")
    assert cancelled.status_code == 200, cancelled.data
    assert deliveries() == []


@pytest.mark.django_db
def test_moving_a_round_to_another_interview_replans_both(auth_client, user, future):
    first = InterviewFactory(user=user, interview_date=None)
    second = InterviewFactory(user=user, interview_date=None)
    round_ = RoundFactory(interview=first, scheduled_date=future)
    assert [row[0] for row in deliveries(first)] == [future]

    moved = auth_client.patch(
        reverse("interview_coordinator:round-detail", args=[round_.pk]),
        {"interview": second.pk},
        format="json",
    )

    assert moved.status_code == 200, moved.data
    assert deliveries(first) == []
    assert [row[0] for row in deliveries(second)] == [future]


@pytest.mark.django_db
def test_moving_a_round_outside_the_api_replans_both(user, future):
    first = InterviewFactory(user=user, interview_date=None)
    second = InterviewFactory(user=user, interview_date=None)
    round_ = RoundFactory(interview=first, scheduled_date=future)

    moved = InterviewRound.objects.get(pk=round_.pk)
    moved.interview = second
    moved.save()

    assert deliveries(first) == []
    assert [row[0] for row in deliveries(second)] == [future]


@pytest.mark.django_db
def test_a_stage_advance_on_a_cancelled_interview_plans_no_reminder(auth_client, user, future):
    interview = InterviewFactory(user=user, interview_date=future, status="cancelled")

    advanced = auth_client.patch(
        reverse("interview_coordinator:interview-detail", args=[interview.pk]),
        {"interview_stage": "technical"},
        format="json",
    )

    assert advanced.status_code == 200, advanced.data
    assert interview.rounds.get().scheduled_date is None
    assert deliveries(interview) == []


@pytest.mark.django_db(transaction=True)
def test_a_rejected_write_plans_nothing(user, future, caplog):
    """The interview and its reminder are written, then its automatic round fails to insert."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    body = {
        "company_name": "Acme",
        "position": "Engineer",
        "interview_date": future.isoformat(),
        "interview_stage": "technical",
    }

    with inserts_refused(InterviewRound):
        response = client.post(reverse("interview_coordinator:interview-list"), body, format="json")

    assert response.status_code == 500
    assert failed_on_the_refused_insert(caplog)
    assert deliveries() == []
    assert not Interview.objects.exists()
    # The same write goes through once the database accepts it, reminder included.
    assert client.post(reverse("interview_coordinator:interview-list"), body).status_code == 201
    assert len(deliveries()) == 1


@pytest.mark.django_db(transaction=True)
def test_deleting_an_interview_with_rounds_takes_its_reminders_and_commits(user, future):
    interview = InterviewFactory(user=user, interview_date=future)
    RoundFactory.create_batch(3, interview=interview, scheduled_date=future + DAY)
    assert ReminderDelivery.objects.count() == 2
    with transaction.atomic():
        Interview.objects.get(pk=interview.pk).delete()
    assert ReminderDelivery.objects.count() == 0
    assert InterviewRound.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_deleting_a_user_with_planned_reminders_commits(user, future):
    InterviewFactory.create_batch(2, user=user, interview_date=future)
    with transaction.atomic():
        user.delete()
        connection.check_constraints()
    assert ReminderDelivery.objects.count() == 0
