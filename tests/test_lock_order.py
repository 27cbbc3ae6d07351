"""Writers of one user's data take their row locks in one order, so that none deadlocks.

The order: the user's profile, then the application, its rounds, and the
user's dashboard row that the triggers bump. A profile write locks the
profile and then bumps the dashboard; an application's writer, which plans
reminders under the profile's lock, takes that lock before its first write.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from interview_coordinator.models import Interview, InterviewRound, Profile
from tests.factories import InterviewFactory, RoundFactory
from tests.test_timeline_recording import concurrent, waiting_for_a_lock, while_one_waits

pytestmark = [concurrent, pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def hold_the_profile(user):
    """A profile write that waits, its profile locked, until the other writer waits on it."""

    def hold(locked):
        profile = Profile.objects.locked_for_user(user)
        locked.set()
        assert waiting_for_a_lock()
        profile.reminder_days_before = 2
        profile.save()

    return hold


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_application_write_waits_for_a_profile_write_without_deadlock(user):
    interview = InterviewFactory(user=user)
    answers = []

    def write_notes():
        response = api_client(user).patch(
            f"/api/interviews/{interview.pk}/", {"notes": "x"}, format="json"
        )
        answers.append((response.status_code, response.content))

    while_one_waits(hold_the_profile(user), write_notes)

    assert [status for status, _body in answers] == [200], answers
    assert Interview.objects.get(pk=interview.pk).notes == "x"
    assert Profile.objects.get(user=user).reminder_days_before == 2


def test_a_round_write_waits_for_a_profile_write_without_deadlock(user):
    round_ = RoundFactory(interview=InterviewFactory(user=user), stage="screening")
    moved = (timezone.now() + timedelta(days=9)).replace(microsecond=0)

    def reschedule():
        response = api_client(user).patch(
            f"/api/interviews/rounds/{round_.pk}/",
            {"scheduled_date": moved.isoformat()},
            format="json",
        )
        assert response.status_code == 200, response.content

    while_one_waits(hold_the_profile(user), reschedule)

    assert InterviewRound.objects.get(pk=round_.pk).scheduled_date == moved


def test_a_round_moved_to_another_users_application_waits_for_the_old_owners_profile(
    user, other_user
):
    round_ = RoundFactory(interview=InterviewFactory(user=user), stage="screening")
    target = InterviewFactory(user=other_user)

    def move():
        moved = InterviewRound.objects.get(pk=round_.pk)
        moved.interview = target
        moved.save()

    while_one_waits(hold_the_profile(user), move)

    assert InterviewRound.objects.get(pk=round_.pk).interview_id == target.pk
    assert Profile.objects.get(user=user).reminder_days_before == 2


def test_a_round_deletion_waits_for_a_profile_write_without_deadlock(user):
    round_ = RoundFactory(interview=InterviewFactory(user=user), stage="screening")

    def delete():
        response = api_client(user).delete(f"/api/interviews/rounds/{round_.pk}/")
        assert response.status_code == 204, response.content

    while_one_waits(hold_the_profile(user), delete)

    assert not InterviewRound.objects.filter(pk=round_.pk).exists()


def test_an_application_created_while_the_profile_is_written_commits(user):
    def create():
        response = api_client(user).post(
            "/api/interviews/",
            {"company_name": "Acme", "position": "Dev", "interview_stage": "screening"},
            format="json",
        )
        assert response.status_code == 201, response.content

    while_one_waits(hold_the_profile(user), create)

    assert Interview.objects.filter(user=user).count() == 1


def test_an_application_deleted_while_the_profile_is_written_goes_after_it(user):
    """The profile write plans reminders that reference the application: the deletion waits."""
    interview = InterviewFactory(user=user)

    def delete():
        response = api_client(user).delete(f"/api/interviews/{interview.pk}/")
        assert response.status_code == 204, response.content

    while_one_waits(hold_the_profile(user), delete)

    assert not Interview.objects.filter(pk=interview.pk).exists()
    assert Profile.objects.get(user=user).reminder_days_before == 2
