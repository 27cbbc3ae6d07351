"""Reads that skip compiling SQL or building fields answer what the ORM and DRF answer."""

import datetime

import pytest
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from interview_coordinator.models import Interview, Profile
from interview_coordinator.prepared import Prepared
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db


def bearer(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def test_a_user_without_a_profile_reads_in_one_query_and_gets_one(
    user, django_assert_max_num_queries
):
    interview = InterviewFactory(user=user)
    RoundFactory(interview=interview)
    client = bearer(user)

    with django_assert_max_num_queries(2):
        detail = client.get(f"/api/interviews/{interview.pk}/")
    profile = client.get("/api/profile/")

    assert detail.status_code == profile.status_code == 200
    assert len(detail.json()["rounds"]) == 1
    assert Profile.objects.filter(user=user).exists()


def test_the_token_read_detail_is_the_forced_one(user, client_for):
    Profile.objects.create(user=user, timezone="Asia/Kolkata")
    interview = InterviewFactory(user=user)
    RoundFactory.create_batch(2, interview=interview)
    path = f"/api/interviews/{interview.pk}/"

    assert bearer(user).get(path).content == client_for(user).get(path).content
    assert (
        bearer(user).get("/api/profile/").content == client_for(user).get("/api/profile/").content
    )


def test_a_profile_changed_since_is_read_anew(user):
    client = bearer(user)
    client.get("/api/profile/")
    Profile.objects.filter(user=user).update(timezone="Europe/Berlin")

    assert client.get("/api/profile/").json()["timezone"] == "Europe/Berlin"


def test_an_inactive_or_deleted_user_is_refused(make_user):
    inactive = make_user("idle", is_active=False)
    gone = make_user("gone")
    client = bearer(gone)
    gone.delete()

    assert bearer(inactive).get("/api/profile/").status_code == 401
    assert client.get("/api/profile/").status_code == 401


def test_other_values_and_changed_settings_go_through_the_orm(user, other_user):
    mine, theirs = InterviewFactory(user=user), InterviewFactory(user=other_user)
    owned = Prepared(
        Interview, lambda owner: Interview.objects.filter(user_id=owner).values_list("pk"), 1
    )

    assert owned.rows(user.pk) == [(mine.pk,)]
    assert owned.rows(str(other_user.pk)) == [(theirs.pk,)]
    with override_settings(TIME_ZONE="Asia/Tokyo"):
        assert owned.compiled == {}
        assert owned.rows(other_user.pk) == [(theirs.pk,)]


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"email_notifications_enabled": False, "reminder_days_before": 7},
        {"reminder_time": datetime.time(23, 59, 30), "timezone": "America/St_Johns"},
    ],
)
def test_the_profile_answers_what_its_fields_answer(user, values):
    from rest_framework import serializers

    from interview_coordinator.serializers.profile import ProfileSerializer

    profile = Profile.objects.create(user=user, **values)
    profile.refresh_from_db()
    serializer = ProfileSerializer(profile)

    answer = serializer.to_representation(profile)

    assert answer == serializers.ModelSerializer.to_representation(serializer, profile)
    assert list(answer) == ProfileSerializer.Meta.fields
