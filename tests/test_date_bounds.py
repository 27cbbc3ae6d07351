"""Dates are accepted in a range every timezone can show, and stored ones never cause a 500.

Python's datetimes end at the years 1 and 9999, so a moment near either end
cannot be shown in every timezone (9999-12-31T23:59:59Z is already the year
10000 in Tokyo). The API refuses dates outside 1900-01-01T00:00:00Z to
2199-12-31T23:59:59Z with a 400 on the field; rows written by other means
(admin, shell, bulk loads) with dates beyond that range are read, planned and
shown without an error.
"""

import datetime as dt

import pytest
from django.test import override_settings

from interview_coordinator.models import Interview, InterviewRound, Profile, ReminderDelivery
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db

LIST = "/api/interviews/"
ROUNDS = "/api/interviews/rounds/"
DASHBOARD = "/api/interviews/dashboard-stats/"
PROFILE = "/api/profile/"
UTC = dt.timezone.utc
LAST_MOMENT = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
LATE_MOMENT = dt.datetime(9999, 12, 31, 10, 0, tzinfo=UTC)
FIRST_MOMENT = dt.datetime(1, 1, 1, tzinfo=UTC)


def set_timezone(user, name):
    Profile.objects.filter(pk=Profile.objects.for_user(user).pk).update(timezone=name)


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59",
        "2200-01-01T00:00:00Z",
        "2199-12-31T23:59:59-00:01",
    ],
)
def test_an_interview_date_beyond_the_range_is_a_400_on_the_field(auth_client, user, value):
    set_timezone(user, "Asia/Tokyo")

    response = auth_client.post(
        LIST, {"company_name": "Acme", "position": "Dev", "interview_date": value}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "2199" in response.json()["interview_date"][0]
    assert not Interview.objects.exists()


def test_the_last_accepted_moment_is_accepted_in_every_timezone(auth_client, user):
    set_timezone(user, "Pacific/Kiritimati")

    response = auth_client.post(
        LIST,
        {"company_name": "Acme", "position": "Dev", "interview_date": "2199-12-31T23:59:59Z"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert ReminderDelivery.objects.count() == 1


@pytest.mark.parametrize("field", ["scheduled_date", "completed_date"])
@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "9999-12-31T23:59:59+14:00"]
)
def test_a_rounds_date_beyond_the_range_is_a_400_on_the_field(auth_client, user, field, value):
    interview = InterviewFactory(user=user)
    set_timezone(user, "America/New_York")

    response = auth_client.post(
        ROUNDS, {"interview": interview.pk, "stage": "technical", field: value}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "1900" in response.json()[field][0]
    assert not InterviewRound.objects.exists()


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
def test_an_application_date_beyond_the_range_is_a_400_on_the_field(auth_client, value):
    response = auth_client.post(
        LIST, {"company_name": "Acme", "position": "Dev", "application_date": value}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "1900" in response.json()["application_date"][0]


@pytest.mark.parametrize("value", ["1900-01-01", "2199-12-31"])
def test_the_ends_of_the_application_date_range_are_accepted(auth_client, value):
    response = auth_client.post(
        LIST, {"company_name": "Acme", "position": "Dev", "application_date": value}, format="json"
    )

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("interview_date_after", "9999-12-31T23:59:59Z"),
        ("interview_date_before", "0001-01-01T00:00:00Z"),
        ("application_date_after", "0001-01-01"),
        ("application_date_before", "9999-12-31"),
    ],
)
def test_a_date_filter_beyond_the_range_is_a_400(auth_client, parameter, value):
    response = auth_client.get(LIST, {parameter: value})

    assert response.status_code == 400, response.content
    assert parameter.rsplit("_", 1)[0] in "".join(response.json())


def test_a_round_date_filter_beyond_the_range_is_a_400(auth_client):
    response = auth_client.get(ROUNDS, {"scheduled_date_after": "9999-12-31T23:59:59Z"})

    assert response.status_code == 400, response.content


def test_a_stored_date_beyond_the_range_plans_nothing_and_answers(auth_client, user):
    """Written by other means, e.g. the shell: no reminder, and no 500 anywhere."""
    set_timezone(user, "Asia/Tokyo")

    interview = InterviewFactory(user=user, interview_date=LAST_MOMENT)
    RoundFactory(interview=interview, scheduled_date=LAST_MOMENT)

    assert not ReminderDelivery.objects.exists()
    assert auth_client.get(LIST).status_code == 200
    assert auth_client.get(f"{LIST}{interview.pk}/").status_code == 200
    assert auth_client.get(DASHBOARD).status_code == 200


def test_changing_the_timezone_with_a_stored_late_date_still_answers(auth_client, user):
    interview = InterviewFactory(user=user)
    Interview.objects.filter(pk=interview.pk).update(interview_date=LATE_MOMENT)

    response = auth_client.patch(PROFILE, {"timezone": "Pacific/Kiritimati"}, format="json")

    assert response.status_code == 200, response.content
    assert auth_client.patch(PROFILE, {"reminder_days_before": 2}, format="json").status_code == 200
    assert not ReminderDelivery.objects.filter(interview=interview).exists()


@pytest.mark.parametrize("moment", [FIRST_MOMENT, LAST_MOMENT])
@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Kiritimati", "Etc/GMT+12"])
def test_every_reader_answers_for_stored_dates_at_the_ends(auth_client, user, moment, zone):
    set_timezone(user, zone)
    interview = InterviewFactory(user=user)
    round_ = RoundFactory(interview=interview)
    Interview.objects.filter(pk=interview.pk).update(
        interview_date=moment, application_date=moment.date()
    )
    InterviewRound.objects.filter(pk=round_.pk).update(scheduled_date=moment, completed_date=moment)

    for url in (LIST, f"{LIST}{interview.pk}/", ROUNDS, f"{ROUNDS}{round_.pk}/", DASHBOARD):
        for site_zone in ("UTC", zone):
            with override_settings(TIME_ZONE=site_zone):
                response = auth_client.get(url)
            assert response.status_code == 200, (url, site_zone, response.content)
    assert auth_client.patch(PROFILE, {"reminder_days_before": 3}, format="json").status_code == 200
    patched = auth_client.patch(f"{LIST}{interview.pk}/", {"position": "Lead"}, format="json")
    assert patched.status_code == 200, patched.content
