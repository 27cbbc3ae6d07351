"""Datetimes without an offset, read in the user's timezone: never a 500, never another time.

A local time near the ends of Python's calendar answers the range's 400 in
any timezone; a local time the clocks skip answers 400; a local time the
clocks show twice answers 400 unless it names the minute already stored;
and a datetime the API answered, cut to ``YYYY-MM-DDTHH:MM`` and sent back,
keeps its instant (seconds included). Bodies, rounds and CSV imports alike.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils.dateparse import parse_datetime
from hypothesis import given, settings
from hypothesis import strategies as st

from interview_coordinator.models import Interview, InterviewRound, Profile
from interview_coordinator.wall_clock import (
    Overflow,
    Repeated,
    Skipped,
    instant_of,
    names_same_minute,
)
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db

INTERVIEWS = "/api/interviews/"
ROUNDS = "/api/interviews/rounds/"
IMPORT = "/api/interviews/import/?commit=1"
NEW_YORK = "America/New_York"
UTC = dt.timezone.utc


def set_timezone(user, name):
    Profile.objects.filter(pk=Profile.objects.for_user(user).pk).update(timezone=name)


def import_csv(client, rows):
    body = "company_name,position,interview_date\n" + "".join(f"{row}\n" for row in rows)
    return client.post(IMPORT, data=body.encode(), content_type="text/csv")


def cut(text):
    """What the original front end keeps of an answered datetime: ``YYYY-MM-DDTHH:MM``."""
    return text[:16]


EDGES = [
    ("America/Los_Angeles", "9999-12-31T23:59"),
    ("Asia/Kolkata", "0001-01-01T00:00"),
    ("Asia/Kolkata", "0001-01-01T05:29"),
    ("Pacific/Kiritimati", "0001-01-01T00:00"),
    ("Pacific/Pago_Pago", "9999-12-31T13:00"),
]


class TestTheEndsOfTheCalendar:
    @pytest.mark.parametrize(("zone", "value"), EDGES)
    def test_an_interview_date_is_the_ranges_400(self, auth_client, user, zone, value):
        set_timezone(user, zone)
        interview = InterviewFactory(user=user)

        created = auth_client.post(
            INTERVIEWS,
            {"company_name": "A", "position": "B", "interview_date": value},
            format="json",
        )
        patched = auth_client.patch(
            f"{INTERVIEWS}{interview.pk}/", {"interview_date": value}, format="json"
        )

        for response in (created, patched):
            assert response.status_code == 400, response.content
            assert "2199-12-31" in response.json()["interview_date"][0]
        assert Interview.objects.count() == 1

    @pytest.mark.parametrize(("zone", "value"), EDGES)
    @pytest.mark.parametrize("field", ["scheduled_date", "completed_date"])
    def test_a_rounds_date_is_the_ranges_400(self, auth_client, user, zone, value, field):
        set_timezone(user, zone)
        interview = InterviewFactory(user=user)

        response = auth_client.post(
            ROUNDS, {"interview": interview.pk, "stage": "technical", field: value}, format="json"
        )

        assert response.status_code == 400, response.content
        assert "2199-12-31" in response.json()[field][0]
        assert not InterviewRound.objects.filter(stage="technical").exists()

    @pytest.mark.parametrize(("zone", "value"), EDGES)
    def test_an_imported_date_is_the_ranges_400(self, auth_client, user, zone, value):
        set_timezone(user, zone)

        response = import_csv(auth_client, [f"A,B,{value}"])

        assert response.status_code == 400, response.content
        body = response.json()
        assert body["committed"] is False
        assert "2199-12-31" in body["rows"][0]["errors"]["interview_date"][0]
        assert not Interview.objects.exists()


# New York skips 02:00-03:00 on 2027-03-14 and shows 01:00-02:00 twice on 2027-11-07.
SKIPPED = "2027-03-14T02:30"
REPEATED = "2027-11-07T01:30"
FIRST_OCCURRENCE = dt.datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # 01:30-04:00
SECOND_OCCURRENCE = dt.datetime(2027, 11, 7, 6, 30, tzinfo=UTC)  # 01:30-05:00


class TestSkippedLocalTimes:
    def test_an_interview_date_is_a_400(self, auth_client, user):
        set_timezone(user, NEW_YORK)

        response = auth_client.post(
            INTERVIEWS,
            {"company_name": "G", "position": "P", "interview_date": SKIPPED},
            format="json",
        )

        assert response.status_code == 400, response.content
        message = response.json()["interview_date"][0]
        assert SKIPPED in message
        assert NEW_YORK in message
        assert not Interview.objects.exists()

    def test_a_rounds_date_is_a_400(self, auth_client, user):
        set_timezone(user, NEW_YORK)
        interview = InterviewFactory(user=user)

        response = auth_client.post(
            ROUNDS,
            {"interview": interview.pk, "stage": "technical", "scheduled_date": SKIPPED},
            format="json",
        )

        assert response.status_code == 400, response.content
        assert SKIPPED in response.json()["scheduled_date"][0]
        assert not InterviewRound.objects.filter(stage="technical").exists()

    def test_an_imported_date_is_a_400(self, auth_client, user):
        set_timezone(user, NEW_YORK)

        response = import_csv(auth_client, [f"G,P,{SKIPPED}"])

        assert response.status_code == 400, response.content
        assert SKIPPED in response.json()["rows"][0]["errors"]["interview_date"][0]
        assert not Interview.objects.exists()

    def test_the_same_time_with_an_offset_is_accepted(self, auth_client, user):
        set_timezone(user, NEW_YORK)

        response = auth_client.post(
            INTERVIEWS,
            {"company_name": "G", "position": "P", "interview_date": f"{SKIPPED}-05:00"},
            format="json",
        )

        assert response.status_code == 201, response.content
        assert response.json()["interview_date"] == "2027-03-14T03:30:00-04:00"


class TestRepeatedLocalTimes:
    def test_a_new_interview_at_a_repeated_time_is_a_400_naming_both_offsets(
        self, auth_client, user
    ):
        set_timezone(user, NEW_YORK)

        response = auth_client.post(
            INTERVIEWS,
            {"company_name": "G", "position": "P", "interview_date": REPEATED},
            format="json",
        )

        assert response.status_code == 400, response.content
        message = response.json()["interview_date"][0]
        assert REPEATED in message
        assert "-04:00" in message
        assert "-05:00" in message

    def test_the_filters_refuse_it_too(self, auth_client, user):
        set_timezone(user, NEW_YORK)

        response = auth_client.get(INTERVIEWS, {"interview_date_after": REPEATED})

        assert response.status_code == 400

    @pytest.mark.parametrize("stored", [FIRST_OCCURRENCE, SECOND_OCCURRENCE])
    def test_an_interview_sent_back_cut_keeps_either_occurrence(self, auth_client, user, stored):
        set_timezone(user, NEW_YORK)
        interview = InterviewFactory(user=user, interview_date=stored)
        url = f"{INTERVIEWS}{interview.pk}/"
        answered = auth_client.get(url).json()

        response = auth_client.put(
            url,
            {
                "company_name": answered["company_name"],
                "position": answered["position"],
                "interview_date": cut(answered["interview_date"]),
            },
            format="json",
        )

        assert response.status_code == 200, response.content
        assert response.json()["interview_date"] == answered["interview_date"]
        interview.refresh_from_db()
        assert interview.interview_date == stored

    @pytest.mark.parametrize(
        ("zone", "stored"),
        [
            (NEW_YORK, SECOND_OCCURRENCE),
            # Sydney shows 02:00-03:00 twice on 2027-04-04; the second is +10:00.
            ("Australia/Sydney", dt.datetime(2027, 4, 3, 16, 30, tzinfo=UTC)),
            # London shows 01:00-02:00 twice on 2027-10-31; the second is +00:00.
            ("Europe/London", dt.datetime(2027, 10, 31, 1, 30, tzinfo=UTC)),
        ],
    )
    @pytest.mark.parametrize("field", ["scheduled_date", "completed_date"])
    def test_a_round_sent_back_cut_keeps_the_second_occurrence(
        self, auth_client, user, zone, stored, field
    ):
        set_timezone(user, zone)
        assert stored.astimezone(ZoneInfo(zone)).fold == 1
        interview = InterviewFactory(user=user)
        round_ = RoundFactory(
            interview=interview, stage="technical", scheduled_date=stored, completed_date=stored
        )
        url = f"{ROUNDS}{round_.pk}/"
        answered = auth_client.get(url).json()

        response = auth_client.patch(url, {field: cut(answered[field])}, format="json")

        assert response.status_code == 200, response.content
        round_.refresh_from_db()
        assert getattr(round_, field) == stored

    def test_another_repeated_minute_on_update_is_a_400(self, auth_client, user):
        set_timezone(user, NEW_YORK)
        interview = InterviewFactory(user=user, interview_date=SECOND_OCCURRENCE)

        response = auth_client.patch(
            f"{INTERVIEWS}{interview.pk}/", {"interview_date": "2027-11-07T01:31"}, format="json"
        )

        assert response.status_code == 400, response.content
        interview.refresh_from_db()
        assert interview.interview_date == SECOND_OCCURRENCE

    def test_an_import_of_the_stored_row_leaves_its_occurrence(self, auth_client, user):
        set_timezone(user, NEW_YORK)
        interview = InterviewFactory(
            user=user, company_name="G", position="P", interview_date=SECOND_OCCURRENCE
        )
        day = interview.application_date.isoformat()
        body = "company_name,position,application_date,interview_date\n"
        body += f"G,P,{day},{REPEATED}\n"

        response = auth_client.post(IMPORT, data=body.encode(), content_type="text/csv")

        assert response.status_code == 200, response.content
        assert response.json()["rows"][0]["action"] == "unchanged"
        interview.refresh_from_db()
        assert interview.interview_date == SECOND_OCCURRENCE


class TestSecondsCutByTheClient:
    def test_an_interview_keeps_its_seconds(self, auth_client, user):
        set_timezone(user, NEW_YORK)
        stored = dt.datetime(2027, 12, 6, 15, 0, 45, tzinfo=UTC)  # 10:00:45-05:00
        interview = InterviewFactory(user=user, interview_date=stored)
        url = f"{INTERVIEWS}{interview.pk}/"
        answered = auth_client.get(url).json()
        assert answered["interview_date"] == "2027-12-06T10:00:45-05:00"

        response = auth_client.patch(
            url, {"interview_date": cut(answered["interview_date"])}, format="json"
        )

        assert response.status_code == 200, response.content
        assert response.json()["interview_date"] == "2027-12-06T10:00:45-05:00"
        interview.refresh_from_db()
        assert interview.interview_date == stored

    def test_a_round_keeps_its_seconds(self, auth_client, user):
        set_timezone(user, "Asia/Kolkata")
        stored = dt.datetime(2027, 12, 6, 15, 0, 45, 123456, tzinfo=UTC)
        round_ = RoundFactory(interview=InterviewFactory(user=user), scheduled_date=stored)
        url = f"{ROUNDS}{round_.pk}/"
        answered = auth_client.get(url).json()

        response = auth_client.patch(
            url, {"scheduled_date": cut(answered["scheduled_date"])}, format="json"
        )

        assert response.status_code == 200, response.content
        round_.refresh_from_db()
        assert round_.scheduled_date == stored

    def test_another_minute_is_a_change(self, auth_client, user):
        set_timezone(user, NEW_YORK)
        stored = dt.datetime(2027, 12, 6, 15, 0, 45, tzinfo=UTC)
        interview = InterviewFactory(user=user, interview_date=stored)

        response = auth_client.patch(
            f"{INTERVIEWS}{interview.pk}/", {"interview_date": "2027-12-06T10:01"}, format="json"
        )

        assert response.status_code == 200, response.content
        interview.refresh_from_db()
        assert interview.interview_date == dt.datetime(2027, 12, 6, 15, 1, tzinfo=UTC)

    def test_an_offset_keeps_meaning_that_instant(self, auth_client, user):
        set_timezone(user, NEW_YORK)
        stored = dt.datetime(2027, 12, 6, 15, 0, 45, tzinfo=UTC)
        interview = InterviewFactory(user=user, interview_date=stored)

        response = auth_client.patch(
            f"{INTERVIEWS}{interview.pk}/",
            {"interview_date": "2027-12-06T10:00-05:00"},
            format="json",
        )

        assert response.status_code == 200, response.content
        assert parse_datetime(response.json()["interview_date"]) == stored.replace(second=0)


# Zones with daylight saving both ways of the equator, a half-hour zone and
# one that changed its offset by a whole day (Apia skipped 2011-12-30).
ZONES = ["America/New_York", "Australia/Sydney", "Europe/London", "Asia/Kolkata", "Pacific/Apia"]


def shows(instant, zone, value):
    return instant.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == value


def reading(value, zone):
    """What ``instant_of`` makes of ``value``: its name for the case, and the instants it gives."""
    try:
        return "one", [instant_of(value, zone)]
    except Overflow:
        return "overflow", []
    except Skipped:
        return "skipped", []
    except Repeated as error:
        return "repeated", [error.first, error.second]


class TestTheWallClockRules:
    """``wall_clock`` on any time of these zones, the ends of the calendar included."""

    @given(value=st.datetimes(), zone=st.sampled_from(ZONES).map(ZoneInfo))
    @settings(max_examples=2000, deadline=None)
    def test_a_wall_clock_time_is_one_instant_showing_it_or_a_named_refusal(self, value, zone):
        case, instants = reading(value, zone)

        assert all(shows(instant, zone, value) for instant in instants)
        if case == "repeated":
            assert instants[0].astimezone(UTC) < instants[1].astimezone(UTC)
        if case == "skipped":
            folds = (value.replace(tzinfo=zone, fold=fold) for fold in (0, 1))
            assert not any(shows(moment, zone, value) for moment in folds)

    @given(
        stored=st.datetimes(
            min_value=dt.datetime(1900, 1, 2),
            max_value=dt.datetime(2199, 12, 30),
            timezones=st.just(UTC),
        ),
        zone=st.sampled_from(ZONES).map(ZoneInfo),
    )
    @settings(max_examples=2000, deadline=None)
    def test_a_stored_instant_cut_to_the_minute_names_its_minute(self, stored, zone):
        shown = stored.astimezone(zone).replace(tzinfo=None)

        assert names_same_minute(stored, shown.replace(second=0, microsecond=0, fold=0), zone)
        assert names_same_minute(stored, shown.replace(fold=0), zone)
        assert not names_same_minute(stored, shown + dt.timedelta(minutes=1), zone)
