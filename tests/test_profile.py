"""Profile settings over HTTP: defaults, validation of every field, no partial writes."""

import threading
import time

import pytest
from django import db
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from interview_coordinator.models import Profile, ReminderDelivery
from tests.db_failures import failed_on_the_refused_insert, inserts_refused
from tests.factories import InterviewFactory
from tests.quiet import go_quiet

URL = reverse("interview_coordinator:profile")


@pytest.mark.django_db
class TestRead:
    def test_defaults_for_a_user_without_a_profile(self, auth_client, user):
        assert not Profile.objects.filter(user=user).exists()
        response = auth_client.get(URL)
        assert response.status_code == 200
        assert response.json() == {
            "username": "alice",
            "email": "alice@example.com",
            "email_notifications_enabled": True,
            "reminder_days_before": 1,
            "reminder_time": "09:00",
            "timezone": "UTC",
            "follow_up_after_days": None,
            "follow_up_digest_enabled": True,
        }
        assert Profile.objects.filter(user=user).count() == 1

    def test_default_timezone_is_the_sites(self, auth_client, settings):
        settings.TIME_ZONE = "Europe/Paris"
        assert auth_client.get(URL).json()["timezone"] == "Europe/Paris"

    def test_reading_costs_a_constant_few_queries(self, auth_client, django_assert_max_num_queries):
        auth_client.get(URL)
        with django_assert_max_num_queries(1):
            assert auth_client.get(URL).status_code == 200

    def test_requires_authentication(self, api_client):
        assert api_client.get(URL).status_code == 401
        assert api_client.patch(URL, {"reminder_days_before": 2}, format="json").status_code == 401


@pytest.mark.django_db
class TestWrite:
    def test_full_put(self, auth_client):
        payload = {
            "email_notifications_enabled": False,
            "reminder_days_before": 7,
            "reminder_time": "18:45",
            "timezone": "America/New_York",
            "follow_up_after_days": 14,
            "follow_up_digest_enabled": False,
        }
        response = auth_client.put(URL, payload, format="json")
        assert response.status_code == 200, response.data
        assert response.json() == {"username": "alice", "email": "alice@example.com", **payload}

    def test_reminder_time_accepts_seconds_and_answers_hours_and_minutes(self, auth_client):
        response = auth_client.patch(URL, {"reminder_time": "07:05:00"}, format="json")
        assert response.status_code == 200, response.data
        assert response.json()["reminder_time"] == "07:05"
        assert auth_client.get(URL).json()["reminder_time"] == "07:05"

    def test_username_and_email_are_read_only(self, auth_client, user):
        response = auth_client.patch(
            URL, {"username": "root", "email": "evil@example.com"}, format="json"
        )
        assert response.status_code == 200
        user.refresh_from_db()
        assert (user.username, user.email) == ("alice", "alice@example.com")
        assert response.json()["email"] == "alice@example.com"

    @pytest.mark.parametrize("days", [3, 60])
    def test_follow_up_days_accept_their_bounds_and_null_turns_them_off(self, auth_client, days):
        response = auth_client.patch(URL, {"follow_up_after_days": days}, format="json")
        assert response.status_code == 200, response.data
        assert response.json()["follow_up_after_days"] == days
        response = auth_client.patch(URL, {"follow_up_after_days": None}, format="json")
        assert response.status_code == 200, response.data
        assert auth_client.get(URL).json()["follow_up_after_days"] is None

    def test_follow_up_days_out_of_range_name_the_range(self, auth_client):
        low = auth_client.patch(URL, {"follow_up_after_days": 2}, format="json").json()
        high = auth_client.patch(URL, {"follow_up_after_days": 61}, format="json").json()
        assert "greater than or equal to 3" in low["follow_up_after_days"][0]
        assert "less than or equal to 60" in high["follow_up_after_days"][0]

    def test_turning_nudges_on_plans_the_digest(self, auth_client, user):
        interview = InterviewFactory(user=user, interview_date=None)
        go_quiet(interview, 20)
        response = auth_client.patch(URL, {"follow_up_after_days": 14}, format="json")
        assert response.status_code == 200
        assert ReminderDelivery.objects.filter(kind="digest", user=user).count() == 1
        response = auth_client.patch(URL, {"follow_up_digest_enabled": False}, format="json")
        assert response.status_code == 200
        assert not ReminderDelivery.objects.filter(kind="digest").exists()

    def test_changing_preferences_replans_the_reminders(self, auth_client, user):
        InterviewFactory(user=user)
        before = ReminderDelivery.objects.get().send_at
        response = auth_client.patch(URL, {"reminder_days_before": 2}, format="json")
        assert response.status_code == 200
        assert ReminderDelivery.objects.get().send_at != before

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
            ({"timezone": "../../etc/passwd"}, "timezone"),
            ({"timezone": "Europe/Berlin\x00"}, "timezone"),
            ({"timezone": "x" * 10_000}, "timezone"),
            ({"timezone": ""}, "timezone"),
            ({"timezone": None}, "timezone"),
            ({"timezone": ["UTC"]}, "timezone"),
            ({"reminder_time": "25:00"}, "reminder_time"),
            ({"reminder_time": "9 am"}, "reminder_time"),
            ({"reminder_time": ""}, "reminder_time"),
            ({"reminder_time": 900}, "reminder_time"),
            ({"reminder_days_before": 0}, "reminder_days_before"),
            ({"reminder_days_before": 8}, "reminder_days_before"),
            ({"reminder_days_before": -1}, "reminder_days_before"),
            ({"reminder_days_before": "soon"}, "reminder_days_before"),
            ({"reminder_days_before": 10**30}, "reminder_days_before"),
            ({"email_notifications_enabled": "maybe"}, "email_notifications_enabled"),
            ({"follow_up_after_days": 2}, "follow_up_after_days"),
            ({"follow_up_after_days": 61}, "follow_up_after_days"),
            ({"follow_up_after_days": 0}, "follow_up_after_days"),
            ({"follow_up_after_days": -3}, "follow_up_after_days"),
            ({"follow_up_after_days": "weekly"}, "follow_up_after_days"),
            ({"follow_up_after_days": 7.5}, "follow_up_after_days"),
            ({"follow_up_after_days": 10**30}, "follow_up_after_days"),
            ({"follow_up_after_days": [7]}, "follow_up_after_days"),
            ({"follow_up_after_days": "7"}, "follow_up_after_days"),
            ({"follow_up_after_days": " 7"}, "follow_up_after_days"),
            ({"follow_up_after_days": "3.0"}, "follow_up_after_days"),
            ({"follow_up_after_days": 7.0}, "follow_up_after_days"),
            ({"follow_up_after_days": True}, "follow_up_after_days"),
            ({"reminder_days_before": "2"}, "reminder_days_before"),
            ({"reminder_days_before": 2.0}, "reminder_days_before"),
            ({"reminder_days_before": True}, "reminder_days_before"),
            ({"follow_up_digest_enabled": "maybe"}, "follow_up_digest_enabled"),
            ({"follow_up_digest_enabled": None}, "follow_up_digest_enabled"),
        ],
    )
    def test_bad_values_are_a_clear_400_for_their_field(self, auth_client, payload, field):
        response = auth_client.patch(URL, payload, format="json")
        assert response.status_code == 400
        body = response.json()
        assert list(body) == [field]
        assert body[field][0]

    @pytest.mark.parametrize("field", ["follow_up_after_days", "reminder_days_before"])
    @pytest.mark.parametrize("value", ["7", 7.0])
    def test_a_whole_number_is_required_not_text_nor_a_decimal(
        self, auth_client, user, field, value
    ):
        response = auth_client.patch(URL, {field: value}, format="json")
        assert response.status_code == 400
        assert response.json() == {field: ["A whole number is required, such as 7."]}
        assert getattr(Profile.objects.for_user(user), field) != 7

    @pytest.mark.parametrize(
        ("value", "stored"),
        [(True, True), (False, False), ("false", False), ("yes", True), (0, False), (1, True)],
    )
    def test_booleans_read_as_every_boolean_field_of_the_api(self, auth_client, value, stored):
        for field in ("follow_up_digest_enabled", "email_notifications_enabled"):
            response = auth_client.patch(URL, {field: value}, format="json")
            assert response.status_code == 200
            assert response.json()[field] is stored

    @pytest.mark.parametrize("name", ["localtime", "posixrules", "Factory"])
    def test_a_zone_file_that_is_not_an_iana_zone_is_refused(self, auth_client, user, name):
        response = auth_client.patch(URL, {"timezone": name}, format="json")

        assert response.status_code == 400
        assert "not a known IANA timezone" in response.json()["timezone"][0]
        assert Profile.objects.for_user(user).timezone != name

    def test_an_unknown_timezone_names_the_problem(self, auth_client):
        response = auth_client.patch(URL, {"timezone": "Europe/Atlantis"}, format="json")
        assert response.status_code == 400
        assert "not a known IANA timezone" in response.json()["timezone"][0]

    def test_an_invalid_request_writes_nothing(self, auth_client, user):
        response = auth_client.patch(
            URL, {"reminder_time": "10:00", "timezone": "Nowhere/Special"}, format="json"
        )
        assert response.status_code == 400
        assert auth_client.get(URL).json()["reminder_time"] == "09:00"

    @pytest.mark.django_db(transaction=True)
    def test_a_rejected_request_writes_nothing(self, user, caplog):
        """The profile is saved, then re-planning its reminders fails in the database."""
        InterviewFactory(user=user)
        planned = list(ReminderDelivery.objects.values_list("moment", "send_at"))
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(user)

        with inserts_refused(ReminderDelivery):
            response = client.patch(
                URL, {"reminder_time": "10:00", "timezone": "Asia/Tokyo"}, format="json"
            )

        assert response.status_code == 500
        assert failed_on_the_refused_insert(caplog)
        profile = Profile.objects.get(user=user)
        assert (profile.reminder_time.isoformat("minutes"), profile.timezone) == ("09:00", "UTC")
        assert list(ReminderDelivery.objects.values_list("moment", "send_at")) == planned
        assert len(planned) == 1

    def test_malformed_json_is_a_400(self, auth_client):
        response = auth_client.generic(
            "PATCH", URL, '{"timezone": ', content_type="application/json"
        )
        assert response.status_code == 400
        assert "detail" in response.json()

    def test_a_json_array_body_is_a_400(self, auth_client):
        response = auth_client.generic("PUT", URL, "[1, 2]", content_type="application/json")
        assert response.status_code == 400

    def test_an_unsupported_content_type_is_a_415(self, auth_client):
        response = auth_client.generic("PATCH", URL, "timezone=UTC", content_type="text/plain")
        assert response.status_code == 415


def sessions_waiting_for_a_lock():
    with db.connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    db.connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)"
)
def test_concurrent_patches_of_different_fields_both_stay(user):
    """Two PATCHes read the profile while a third transaction holds its row, then both write.

    The holder makes the interleaving deterministic: both requests are
    waiting on the row (after reading it, if they read without a lock) before
    either may write.
    """
    profile = Profile.objects.for_user(user)
    holding, release = threading.Event(), threading.Event()
    statuses = []

    def hold_the_row():
        try:
            with transaction.atomic():
                Profile.objects.select_for_update().get(pk=profile.pk)
                holding.set()
                release.wait(timeout=20)
        finally:
            db.connection.close()

    def patch(body):
        client = APIClient()
        client.force_authenticate(user)
        try:
            statuses.append(client.patch(URL, body, format="json").status_code)
        finally:
            db.connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    assert holding.wait(timeout=10)
    writers = [
        threading.Thread(target=patch, args=({"reminder_days_before": 3},)),
        threading.Thread(target=patch, args=({"timezone": "Asia/Tokyo"},)),
    ]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 10
    while sessions_waiting_for_a_lock() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    waiting = sessions_waiting_for_a_lock()
    release.set()
    for thread in [holder, *writers]:
        thread.join(timeout=30)

    assert waiting == 2
    assert statuses == [200, 200]
    profile.refresh_from_db()
    assert (profile.reminder_days_before, profile.timezone) == (3, "Asia/Tokyo")
