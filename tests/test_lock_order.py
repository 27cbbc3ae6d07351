"""Writers of one user's data take their row locks in one order, so that none deadlocks.

The order: the user's profile, then the application, its rounds, and the
user's dashboard row that the triggers bump. A profile write locks the
profile and then bumps the dashboard; an application's writer, which plans
reminders under the profile's lock, takes that lock before its first write.
"""

import io
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from interview_coordinator.models import Interview, InterviewRound, Profile, ReminderDelivery
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


def test_a_round_created_while_the_profile_is_written_commits(user):
    """The profile write re-plans the application's reminders; the round's cap check waits."""
    ahead = timezone.now() + timedelta(days=5)
    interview = InterviewFactory(user=user, status="scheduled", interview_date=ahead)

    def create():
        response = api_client(user).post(
            "/api/interviews/rounds/",
            {
                "interview": interview.pk,
                "stage": "final",
                "scheduled_date": (ahead + timedelta(days=1)).isoformat(),
            },
            format="json",
        )
        assert response.status_code == 201, response.content

    while_one_waits(hold_the_profile(user), create)

    assert InterviewRound.objects.filter(interview=interview).count() == 1
    assert Profile.objects.get(user=user).reminder_days_before == 2


def test_a_round_moved_while_the_profile_is_written_commits(user):
    ahead = timezone.now() + timedelta(days=5)
    round_ = RoundFactory(interview=InterviewFactory(user=user), stage="screening")
    target = InterviewFactory(user=user, status="scheduled", interview_date=ahead)

    def move():
        response = api_client(user).patch(
            f"/api/interviews/rounds/{round_.pk}/", {"interview": target.pk}, format="json"
        )
        assert response.status_code == 200, response.content

    while_one_waits(hold_the_profile(user), move)

    assert InterviewRound.objects.get(pk=round_.pk).interview_id == target.pk


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


def test_an_import_waits_with_an_application_write_for_a_profile_write_without_deadlock(user):
    """The import's lock of the user's row lets the profile write plan a digest for that user.

    The profile write, holding the profile, inserts the user's digest, which
    references the user's row that the import holds: the import's lock must
    not block that insert while the import waits for the profile.
    """
    quiet = InterviewFactory(user=user, company_name="Quiet", interview_date=None)
    Interview.objects.filter(pk=quiet.pk).update(last_event_at=timezone.now() - timedelta(days=30))
    answers = {}
    errors = []
    profile_locked = threading.Event()

    def hold_the_profile():
        with transaction.atomic():
            profile = Profile.objects.locked_for_user(user)
            profile_locked.set()
            assert waiting_for_a_lock(2), "the import and the application write never waited"
            profile.follow_up_after_days = 7
            profile.save()

    def import_rows():
        upload = io.BytesIO(b"company_name,position,application_date\nAcme,Dev,2026-11-01\n")
        upload.name = "interviews.csv"
        answers["import"] = api_client(user).post(
            "/api/interviews/import/?commit=1", {"file": upload}, format="multipart"
        )

    def write_the_application():
        answers["application"] = api_client(user).patch(
            f"/api/interviews/{quiet.pk}/", {"notes": "called back"}, format="json"
        )

    def run(call, after=None):
        try:
            if after is not None:
                assert after.wait(10), "the profile was never locked"
            call()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(hold_the_profile,))] + [
        threading.Thread(target=run, args=(call, profile_locked))
        for call in (import_rows, write_the_application)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {"import": 200, "application": 200}, answers["import"].content
    assert Interview.objects.filter(user=user, company_name="Acme").exists()
    assert Interview.objects.get(pk=quiet.pk).notes == "called back"
    assert ReminderDelivery.objects.filter(kind="digest", user=user).exists()
