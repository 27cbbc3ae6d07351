"""Right of access and erasure: the full JSON export, the erasure command, account deletion."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from interview_coordinator.calendar import issue_token
from interview_coordinator.models import (
    CalendarFeed,
    Interview,
    InterviewRound,
    Profile,
    ReminderDelivery,
)
from interview_coordinator.portability.erasure import erase_user_data
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db

EXPORT_URL = "/api/profile/export/"
USER_URL = "/api/auth/user/"
PASSWORD = "correct-horse-battery"


def seed(user):
    interview = InterviewFactory(user=user, company_name=f"{user.username} Co")
    RoundFactory(interview=interview)
    return interview


class TestExport:
    def test_everything_the_package_holds_and_nothing_of_others(
        self, auth_client, user, other_user
    ):
        mine = seed(user)
        seed(other_user)
        issue_token(user.pk)
        response = auth_client.get(EXPORT_URL)
        assert response.status_code == 200
        body = response.json()
        assert body["account"]["username"] == "alice"
        assert "password" not in body["account"]
        assert body["profile"]["timezone"] == "UTC"
        assert [row["id"] for row in body["interviews"]] == [mine.pk]
        assert {row["interview_id"] for row in body["rounds"]} == {mine.pk}
        assert len(body["rounds"]) == InterviewRound.objects.filter(interview=mine).count()
        assert body["events"]
        assert {row["interview_id"] for row in body["events"]} == {mine.pk}
        deliveries = ReminderDelivery.objects.filter(interview=mine).count()
        assert deliveries > 0
        assert len(body["reminder_deliveries"]) == deliveries
        assert body["calendar_feed"]["enabled"] is True
        assert "token_hash" not in str(body)
        assert "mallory" not in str(body)

    @pytest.mark.parametrize("count", [1, 40])
    def test_queries_are_constant(self, auth_client, user, count, django_assert_max_num_queries):
        for _ in range(count):
            seed(user)
        # profile, feed, interviews, rounds, events, deliveries, nudges
        with django_assert_max_num_queries(7):
            response = auth_client.get(EXPORT_URL)
        assert len(response.json()["interviews"]) == count

    def test_needs_a_login(self, api_client):
        assert api_client.get(EXPORT_URL).status_code == 401


class TestErasure:
    def test_the_function_erases_one_users_data_only(self, user, other_user):
        seed(user)
        theirs = seed(other_user)
        Profile.objects.for_user(user)
        issue_token(user.pk)
        counts = erase_user_data(user.pk)
        assert counts["interview_coordinator.Interview"] == 1
        assert not Interview.objects.filter(user=user).exists()
        assert not Profile.objects.filter(user=user).exists()
        assert not CalendarFeed.objects.filter(user=user).exists()
        assert get_user_model().objects.filter(pk=user.pk).exists()
        assert Interview.objects.filter(pk=theirs.pk).exists()
        assert InterviewRound.objects.filter(interview=theirs).exists()

    def test_the_command_by_username_and_by_id(self, user, other_user, capsys):
        seed(user)
        seed(other_user)
        call_command("erase_user_data", "alice", "--yes")
        assert not Interview.objects.filter(user=user).exists()
        assert "Erased the interview data of alice" in capsys.readouterr().out
        call_command("erase_user_data", "--id", str(other_user.pk), "--yes")
        assert not Interview.objects.exists()

    def test_the_command_refuses_an_unknown_user(self, db):
        with pytest.raises(CommandError, match="No such user"):
            call_command("erase_user_data", "nobody", "--yes")
        with pytest.raises(CommandError, match="not both"):
            call_command("erase_user_data", "alice", "--id", "1", "--yes")


def login(api_client, username="alice"):
    response = api_client.post(
        "/api/auth/login/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


class TestAccountDeletion:
    def test_the_current_password_deletes_everything_and_revokes_the_tokens(
        self, api_client, user, other_user, caplog
    ):
        seed(user)
        theirs = seed(other_user)
        tokens = login(api_client)
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        caplog.set_level(logging.INFO, logger="interview_coordinator.security")
        jtis = list(OutstandingToken.objects.filter(user=user).values_list("jti", flat=True))
        assert jtis
        response = api_client.delete(USER_URL, {"password": PASSWORD}, format="json")
        assert response.status_code == 204, response.content
        assert BlacklistedToken.objects.filter(token__jti__in=jtis).count() == len(jtis)
        assert not get_user_model().objects.filter(pk=user.pk).exists()
        assert not Interview.objects.filter(user_id=user.pk).exists()
        assert not Profile.objects.filter(user_id=user.pk).exists()
        assert Interview.objects.filter(pk=theirs.pk).exists()
        events = [r for r in caplog.records if getattr(r, "event", "") == "account_deleted"]
        assert len(events) == 1
        assert events[0].user_id == user.pk
        api_client.credentials()
        refreshed = api_client.post(
            "/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
        )
        assert refreshed.status_code == 401
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        assert api_client.get(USER_URL).status_code == 401

    @pytest.mark.parametrize("body", [{}, {"password": ""}, {"password": "wrong-password"}])
    def test_without_the_right_password_nothing_is_deleted(self, auth_client, user, body):
        seed(user)
        response = auth_client.delete(USER_URL, body, format="json")
        assert response.status_code == 400
        assert "password" in response.json()
        assert get_user_model().objects.filter(pk=user.pk).exists()
        assert Interview.objects.filter(user=user).exists()

    def test_password_guesses_are_limited_per_account(self, client_for, user, settings):
        settings.INTERVIEW_COORDINATOR = {"LOGIN_ACCOUNT_RATE": "2/m", "AUTH_RATE": "100/m"}
        client = client_for(user)
        for _ in range(2):
            assert client.delete(USER_URL, {"password": "nope"}, format="json").status_code == 400
        refused = client.delete(USER_URL, {"password": PASSWORD}, format="json")
        assert refused.status_code == 429
        assert get_user_model().objects.filter(pk=user.pk).exists()

    def test_needs_a_login(self, api_client):
        assert api_client.delete(USER_URL, {"password": "x"}, format="json").status_code == 401
