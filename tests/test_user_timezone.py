"""One timezone per user, everywhere: the profile's, read by one reader.

Datetimes go out in it with its offset, datetimes without an offset come in
in it (bodies and filters alike), and "today" is the user's day for
``days_in_pipeline`` as for the dashboard. A stored name the zone database
does not know reads as the site's ``TIME_ZONE`` everywhere, never as an
error.
"""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from interview_coordinator.models import Interview, InterviewRound, Profile
from tests.factories import InterviewFactory, RoundFactory, bulk_interviews

pytestmark = pytest.mark.django_db

INTERVIEWS = "/api/interviews/"
ROUNDS = "/api/interviews/rounds/"
DASHBOARD = "/api/interviews/dashboard-stats/"
NEW_YORK = "America/New_York"


def set_timezone(user, name):
    Profile.objects.for_user(user)
    # .update(): a name the zone database does not know can only be written so.
    Profile.objects.filter(user=user).update(timezone=name)


def in_a_week_at(hour, minute=0):
    """An instant in a week at HH:MM UTC, in December so that New York is at -05:00."""
    day = timezone.now().date() + timedelta(days=7)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt_timezone.utc)


def zone_on_another_day():
    """A zone whose date differs from UTC's right now (UTC+14 or UTC-11)."""
    return "Pacific/Kiritimati" if timezone.now().hour >= 10 else "Pacific/Pago_Pago"


def offset_of(text):
    return parse_datetime(text).utcoffset()


class TestDatetimesGoOutInTheUsersTimezone:
    @pytest.mark.parametrize("zone", [NEW_YORK, "Asia/Kolkata"])
    def test_interviews_and_rounds(self, auth_client, user, zone):
        set_timezone(user, zone)
        moment = in_a_week_at(15, 30)
        interview = InterviewFactory(user=user, interview_date=moment)
        round_ = RoundFactory(interview=interview, scheduled_date=moment, completed_date=moment)
        expected = moment.astimezone(ZoneInfo(zone)).isoformat()

        detail = auth_client.get(f"{INTERVIEWS}{interview.pk}/").json()
        listed = auth_client.get(INTERVIEWS).json()[0]
        paged = auth_client.get(INTERVIEWS, {"limit": 10}).json()["results"][0]
        rounds = auth_client.get(ROUNDS).json()[0]
        one_round = auth_client.get(f"{ROUNDS}{round_.pk}/").json()

        for body in (detail, listed, paged):
            assert body["interview_date"] == expected
            assert offset_of(body["created_at"]) == moment.astimezone(ZoneInfo(zone)).utcoffset()
            assert parse_datetime(body["created_at"]) == interview.created_at
        for body in (detail["rounds"][0], rounds, one_round):
            assert body["scheduled_date"] == expected
            assert body["completed_date"] == expected
            assert parse_datetime(body["updated_at"]) == round_.updated_at

    def test_a_write_answers_in_the_users_timezone(self, auth_client, user):
        set_timezone(user, NEW_YORK)
        moment = in_a_week_at(15, 30)

        created = auth_client.post(
            INTERVIEWS,
            {"company_name": "Acme", "position": "Dev", "interview_date": moment.isoformat()},
            format="json",
        )

        assert created.status_code == 201, created.json()
        assert created.json()["interview_date"] == moment.astimezone(ZoneInfo(NEW_YORK)).isoformat()

    def test_the_dashboard(self, auth_client, user):
        set_timezone(user, NEW_YORK)
        moment = timezone.now().replace(microsecond=0) + timedelta(days=2)
        InterviewFactory(user=user, interview_date=moment)

        (upcoming,) = auth_client.get(DASHBOARD).json()["upcoming_interviews"]

        assert upcoming["interview_date"] == moment.astimezone(ZoneInfo(NEW_YORK)).isoformat()

    def test_the_calendar_feed_settings(self, auth_client, user):
        set_timezone(user, NEW_YORK)

        issued = auth_client.post("/api/profile/calendar/").json()["issued_at"]
        read = auth_client.get("/api/profile/calendar/").json()["issued_at"]

        assert issued == read
        assert offset_of(issued) == timezone.now().astimezone(ZoneInfo(NEW_YORK)).utcoffset()

    def test_a_user_in_utc_still_reads_z(self, auth_client, user):
        set_timezone(user, "UTC")
        moment = in_a_week_at(15, 30)
        InterviewFactory(user=user, interview_date=moment)

        assert auth_client.get(INTERVIEWS).json()[0]["interview_date"] == (
            moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        )

    def test_lists_still_read_the_timezone_with_their_one_query(
        self, auth_client, user, django_assert_max_num_queries
    ):
        set_timezone(user, NEW_YORK)
        own = bulk_interviews(user, 20)
        round_id = own[0].rounds.values_list("pk", flat=True).first()

        for path, queries in [
            (INTERVIEWS, 1),
            (ROUNDS, 1),
            (f"{INTERVIEWS}{own[0].pk}/", 2),
            (f"{ROUNDS}{round_id}/", 1),
        ]:
            with django_assert_max_num_queries(queries, info=path):
                response = auth_client.get(path)
            assert response.status_code == 200


class TestTheUsersToday:
    def test_days_in_pipeline_counts_from_the_users_today(self, auth_client, user):
        zone = zone_on_another_day()
        set_timezone(user, zone)
        users_today = timezone.now().astimezone(ZoneInfo(zone)).date()
        interview = InterviewFactory(
            user=user, application_date=users_today - timedelta(days=3), interview_date=None
        )

        detail = auth_client.get(f"{INTERVIEWS}{interview.pk}/").json()
        listed = auth_client.get(INTERVIEWS).json()[0]
        (awaiting,) = auth_client.get(DASHBOARD).json()["awaiting_response"]

        assert detail["days_in_pipeline"] == 3
        assert listed["days_in_pipeline"] == 3
        assert awaiting["days_waiting"] == 3


class TestFiltersReadNaiveDatetimesInTheUsersTimezone:
    def test_interview_date(self, auth_client, user):
        set_timezone(user, NEW_YORK)
        early = InterviewFactory(user=user, interview_date=in_a_week_at(14, 30))  # 09:30 local
        late = InterviewFactory(user=user, interview_date=in_a_week_at(15, 30))  # 10:30 local
        ten_local = in_a_week_at(15).astimezone(ZoneInfo(NEW_YORK)).strftime("%Y-%m-%dT%H:%M")

        after = auth_client.get(INTERVIEWS, {"interview_date_after": ten_local})
        before = auth_client.get(INTERVIEWS, {"interview_date_before": ten_local})

        assert after.status_code == 200, after.json()
        assert [row["id"] for row in after.json()] == [late.pk]
        assert [row["id"] for row in before.json()] == [early.pk]

    def test_scheduled_date(self, auth_client, user):
        set_timezone(user, "Asia/Tokyo")
        interview = InterviewFactory(user=user)
        early = RoundFactory(interview=interview, scheduled_date=in_a_week_at(0, 30))  # 09:30
        RoundFactory(interview=interview, scheduled_date=in_a_week_at(1, 30))  # 10:30 local
        ten_local = in_a_week_at(1).astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%dT%H:%M")

        before = auth_client.get(ROUNDS, {"scheduled_date_before": ten_local})

        assert before.status_code == 200, before.json()
        assert [row["id"] for row in before.json()] == [early.pk]

    def test_an_offset_is_still_that_instant(self, auth_client, user):
        set_timezone(user, NEW_YORK)
        late = InterviewFactory(user=user, interview_date=in_a_week_at(15, 30))
        InterviewFactory(user=user, interview_date=in_a_week_at(14, 30))

        after = auth_client.get(
            INTERVIEWS, {"interview_date_after": in_a_week_at(15).isoformat()}
        ).json()

        assert [row["id"] for row in after] == [late.pk]


class TestAnUnknownStoredTimezone:
    """A name written by other means (or dropped by a tzdata update) reads as the site's."""

    def test_every_reader_falls_back_to_the_sites_timezone(self, auth_client, user, settings):
        settings.TIME_ZONE = "UTC"
        set_timezone(user, "Mars/Olympus_Mons")
        moment = in_a_week_at(15, 30)

        created = auth_client.post(
            INTERVIEWS,
            {
                "company_name": "Acme",
                "position": "Dev",
                "interview_date": moment.strftime("%Y-%m-%dT%H:%M"),
            },
            format="json",
        )
        listed = auth_client.get(INTERVIEWS, {"interview_date_after": "2000-01-01T00:00"})
        dashboard = auth_client.get(DASHBOARD)

        assert created.status_code == 201, created.json()
        assert Interview.objects.get().interview_date == moment
        assert created.json()["interview_date"] == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert listed.status_code == 200
        assert listed.json()[0]["interview_date"] == created.json()["interview_date"]
        assert dashboard.status_code == 200
        # The reminder plan reads the same zone: nine o'clock UTC the day before.
        delivery = Interview.objects.get().reminder_deliveries.get()
        assert delivery.send_at.astimezone(dt_timezone.utc).hour == 9


class TestRoundTrip:
    """A client that cuts a datetime to ``YYYY-MM-DDTHH:MM`` and sends it back moves nothing."""

    @pytest.mark.parametrize("zone", [NEW_YORK, "Asia/Kolkata"])
    def test_a_round_saved_untouched_keeps_its_instant(self, auth_client, user, zone):
        set_timezone(user, zone)
        round_ = RoundFactory(
            interview=InterviewFactory(user=user), scheduled_date=in_a_week_at(15, 30)
        )
        read = auth_client.get(f"{ROUNDS}{round_.pk}/").json()
        body = {
            "interview": read["interview"],
            "stage": read["stage"],
            "scheduled_date": read["scheduled_date"][:16],
            "completed_date": None,
            "duration_minutes": read["duration_minutes"],
            "notes": read["notes"],
            "outcome": read["outcome"],
        }

        response = auth_client.put(f"{ROUNDS}{round_.pk}/", body, format="json")

        assert response.status_code == 200, response.json()
        assert InterviewRound.objects.get(pk=round_.pk).scheduled_date == in_a_week_at(15, 30)
        assert response.json()["scheduled_date"] == read["scheduled_date"]

    @pytest.mark.parametrize("zone", [NEW_YORK, "Asia/Kolkata"])
    def test_an_interview_saved_untouched_keeps_its_instant(self, auth_client, user, zone):
        set_timezone(user, zone)
        interview = InterviewFactory(user=user, interview_date=in_a_week_at(15, 30))
        read = auth_client.get(f"{INTERVIEWS}{interview.pk}/").json()
        body = {
            key: read[key]
            for key in (
                "company_name",
                "position",
                "interview_type",
                "status",
                "location",
                "interview_stage",
                "application_status",
                "application_date",
                "notes",
            )
        }
        body["interview_date"] = read["interview_date"][:16]
        body["pipeline_stage"] = read["interview_stage"]

        response = auth_client.put(f"{INTERVIEWS}{interview.pk}/", body, format="json")

        assert response.status_code == 200, response.json()
        assert Interview.objects.get(pk=interview.pk).interview_date == in_a_week_at(15, 30)
