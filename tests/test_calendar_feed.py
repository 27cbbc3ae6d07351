"""The subscribable calendar feed: RFC 5545 content, token lifecycle, caching, isolation."""

import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from django.utils import timezone
from django.utils.http import http_date

from interview_coordinator.calendar import event_uid, id_domain
from interview_coordinator.models import CalendarFeed, Interview, InterviewRound
from interview_coordinator.reminders.emails import ReminderContent, calendar_file
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db

CALENDAR_URL = "/api/profile/calendar/"


def moment_uid(interview_id, round_id):
    """The UID the reminder attachment gives the same moment."""
    if round_id is None:
        return f"interview-{interview_id}@{id_domain()}"
    return f"round-{round_id}@{id_domain()}"


def feed_url(client):
    response = client.post(CALENDAR_URL)
    assert response.status_code == 201, response.content
    return response.json()["url"]


def fetch(api_client, url, **headers):
    return api_client.get(url, **headers)


def events_of(response):
    """The VEVENTs by UID, parsed with icalendar."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def vobject_events(response):
    """The same feed read by a second, independent parser."""
    calendar = vobject.readOne(response.content.decode("utf-8"))
    return {event.uid.value: event for event in calendar.vevent_list}


def new_interview(client, **fields):
    body = {
        "company_name": "Acme",
        "position": "Backend Engineer",
        "interview_date": (timezone.now() + timedelta(days=3)).isoformat(),
        "location": "remote",
        **fields,
    }
    response = client.post("/api/interviews/", body, format="json")
    assert response.status_code == 201, response.content
    return Interview.objects.get(pk=response.json()["id"])


def new_round(client, interview, **fields):
    body = {
        "interview": interview.pk,
        "stage": "technical",
        "scheduled_date": (timezone.now() + timedelta(days=5)).isoformat(),
        "duration_minutes": 45,
        **fields,
    }
    response = client.post("/api/interviews/rounds/", body, format="json")
    assert response.status_code == 201, response.content
    return InterviewRound.objects.get(pk=response.json()["id"])


class TestToken:
    def test_issuing_shows_the_url_once_and_stores_only_its_hash(self, auth_client, user):
        response = auth_client.post(CALENDAR_URL)
        assert response.status_code == 201
        body = response.json()
        assert body["enabled"] is True
        token = body["url"].rsplit("/", 1)[1].removesuffix(".ics")
        assert len(token) >= 40
        feed = CalendarFeed.objects.get(user=user)
        assert token not in feed.token_hash
        shown = auth_client.get(CALENDAR_URL).json()
        assert shown["enabled"] is True
        assert shown["url"] is None

    def test_a_rotated_token_answers_404_at_once(self, auth_client, api_client):
        old = feed_url(auth_client)
        assert fetch(api_client, old).status_code == 200
        new = feed_url(auth_client)
        assert new != old
        assert fetch(api_client, old).status_code == 404
        assert fetch(api_client, new).status_code == 200

    def test_turned_off_the_feed_answers_404(self, auth_client, api_client):
        url = feed_url(auth_client)
        assert auth_client.delete(CALENDAR_URL).status_code == 204
        assert fetch(api_client, url).status_code == 404
        assert auth_client.get(CALENDAR_URL).json() == {
            "enabled": False,
            "url": None,
            "issued_at": None,
        }

    def test_unknown_and_malformed_tokens_answer_404(self, api_client):
        assert fetch(api_client, "/api/calendar/" + "a" * 43 + ".ics").status_code == 404
        assert fetch(api_client, "/api/calendar/short.ics").status_code == 404

    def test_the_settings_page_needs_a_login(self, api_client):
        assert api_client.get(CALENDAR_URL).status_code == 401
        assert api_client.post(CALENDAR_URL).status_code == 401


class TestContent:
    def test_events_carry_every_rfc5545_property_for_both_parsers(self, auth_client, api_client):
        interview = new_interview(
            auth_client, notes="<p>Bring <b>ID</b> &amp; laptop</p><p>Room 4</p>"
        )
        round_ = new_round(auth_client, interview, stage="onsite", notes="")
        response = fetch(api_client, feed_url(auth_client))
        events = events_of(response)
        assert set(events) == {moment_uid(interview.pk, None), moment_uid(interview.pk, round_.pk)}
        event = events[moment_uid(interview.pk, round_.pk)]
        assert "@" in str(event["UID"])
        assert str(event["SUMMARY"]) == "Acme — Backend Engineer (Onsite Interview)"
        assert str(event["LOCATION"]) == "Remote"
        assert str(event["DESCRIPTION"]) == "Bring ID & laptop\nRoom 4"
        assert event.decoded("DTSTART") == round_.scheduled_date.replace(microsecond=0)
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert str(event["STATUS"]) == "CONFIRMED"
        for name in ("DTSTAMP", "LAST-MODIFIED", "SEQUENCE"):
            assert name in event

        second = vobject_events(response)
        assert set(second) == set(events)
        other = second[moment_uid(interview.pk, round_.pk)]
        assert other.summary.value == "Acme — Backend Engineer (Onsite Interview)"
        assert other.dtstart.value == round_.scheduled_date.replace(microsecond=0)
        assert other.description.value == "Bring ID & laptop\nRoom 4"

    def test_the_published_ttl_is_an_icalendar_duration(self, auth_client, api_client):
        new_interview(auth_client)
        response = fetch(api_client, feed_url(auth_client))
        lines = response.content.decode("utf-8").split("\r\n")
        assert "X-PUBLISHED-TTL:PT1H" in lines
        assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines

    def test_a_feed_without_events_holds_the_users_timezone(self, auth_client, api_client):
        response = auth_client.patch("/api/profile/", {"timezone": "Europe/Berlin"}, format="json")
        assert response.status_code == 200
        response = fetch(api_client, feed_url(auth_client))
        assert response.status_code == 200
        calendar = icalendar.Calendar.from_ical(response.content)
        assert [component.name for component in calendar.subcomponents] == ["VTIMEZONE"]
        assert str(calendar.subcomponents[0]["TZID"]) == "Europe/Berlin"
        assert vobject.readOne(response.content.decode("utf-8")).vtimezone.tzid.value

    def test_an_interview_date_without_duration_lasts_the_documented_default(
        self, auth_client, api_client
    ):
        interview = new_interview(auth_client, interview_stage="applied")
        event = events_of(fetch(api_client, feed_url(auth_client)))[moment_uid(interview.pk, None)]
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=60)
        assert str(event["SUMMARY"]) == "Acme — Backend Engineer (Applied)"

    def test_a_round_at_its_interview_date_is_one_event_as_in_the_reminder(
        self, auth_client, api_client
    ):
        interview = new_interview(auth_client, interview_stage="technical")
        round_ = interview.rounds.get()
        assert round_.scheduled_date == interview.interview_date
        auth_client.patch(f"/api/interviews/rounds/{round_.pk}/", {"duration_minutes": 90})
        events = events_of(fetch(api_client, feed_url(auth_client)))
        assert list(events) == [event_uid(interview, round_, round_.scheduled_date)]
        event = events[moment_uid(interview.pk, None)]
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)

    def test_the_reminder_attachment_names_each_moment_as_the_feed_does(
        self, auth_client, api_client
    ):
        shared = new_interview(auth_client, interview_stage="technical")
        shared_round = shared.rounds.get()
        alone = new_round(auth_client, shared, stage="final")
        feed = events_of(fetch(api_client, feed_url(auth_client)))
        for round_ in (shared_round, alone):
            round_.refresh_from_db()
            content = ReminderContent(
                interview=Interview.objects.get(pk=shared.pk),
                round=round_,
                moment=round_.scheduled_date,
                zone=ZoneInfo("UTC"),
            )
            attachment = icalendar.Calendar.from_ical(calendar_file(content))
            [attached] = attachment.walk("VEVENT")
            assert str(attached["UID"]) in feed
        assert len(feed) == 2

    def test_a_moved_round_keeps_its_uid_with_a_higher_sequence(self, auth_client, api_client):
        interview = new_interview(auth_client)
        round_ = new_round(auth_client, interview)
        url = feed_url(auth_client)
        uid = moment_uid(interview.pk, round_.pk)
        before = events_of(fetch(api_client, url))[uid]
        moved = timezone.now() + timedelta(days=9)
        response = auth_client.patch(
            f"/api/interviews/rounds/{round_.pk}/",
            {"scheduled_date": moved.isoformat()},
            format="json",
        )
        assert response.status_code == 200
        after = events_of(fetch(api_client, url))[uid]
        assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
        assert after.decoded("DTSTART") == moved.replace(microsecond=0)

    def test_moving_a_round_off_its_interviews_date_never_lowers_a_sequence(
        self, auth_client, api_client
    ):
        interview = new_interview(auth_client, interview_stage="technical")
        round_ = interview.rounds.get()
        url = feed_url(auth_client)
        for minutes in (30, 45, 60):
            auth_client.patch(f"/api/interviews/rounds/{round_.pk}/", {"duration_minutes": minutes})
        owned = moment_uid(interview.pk, None)
        before = int(events_of(fetch(api_client, url))[owned]["SEQUENCE"])
        moved = timezone.now() + timedelta(days=9)
        response = auth_client.patch(
            f"/api/interviews/rounds/{round_.pk}/",
            {"scheduled_date": moved.isoformat()},
            format="json",
        )
        assert response.status_code == 200
        events = events_of(fetch(api_client, url))
        assert set(events) == {owned, moment_uid(interview.pk, round_.pk)}
        assert int(events[owned]["SEQUENCE"]) > before

    def test_renaming_the_company_is_a_change_of_its_rounds_events(self, auth_client, api_client):
        interview = new_interview(auth_client)
        round_ = new_round(auth_client, interview)
        url = feed_url(auth_client)
        uid = moment_uid(interview.pk, round_.pk)
        before = events_of(fetch(api_client, url))[uid]
        auth_client.patch(f"/api/interviews/{interview.pk}/", {"company_name": "Acme 2"})
        after = events_of(fetch(api_client, url))[uid]
        assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
        assert str(after["SUMMARY"]).startswith("Acme 2 — ")

    def test_cancelled_moments_carry_status_cancelled_for_30_days(self, auth_client, api_client):
        interview = new_interview(auth_client)
        round_ = new_round(auth_client, interview)
        url = feed_url(auth_client)
        auth_client.patch(f"/api/interviews/rounds/{round_.pk}/", {"outcome": "cancelled"})
        auth_client.patch(f"/api/interviews/{interview.pk}/", {"status": "cancelled"})
        events = events_of(fetch(api_client, url))
        assert str(events[moment_uid(interview.pk, round_.pk)]["STATUS"]) == "CANCELLED"
        assert str(events[moment_uid(interview.pk, None)]["STATUS"]) == "CANCELLED"
        long_ago = timezone.now() - timedelta(days=31)
        InterviewRound.objects.filter(pk=round_.pk).update(updated_at=long_ago)
        Interview.objects.filter(pk=interview.pk).update(updated_at=long_ago)
        assert events_of(fetch(api_client, url)) == {}

    @pytest.mark.parametrize("closed", ["rejected", "withdrawn", "declined"])
    def test_a_closed_applications_date_is_cancelled_for_30_days(
        self, auth_client, api_client, closed
    ):
        interview = new_interview(auth_client, interview_stage="technical")
        url = feed_url(auth_client)
        uid = moment_uid(interview.pk, None)
        assert str(events_of(fetch(api_client, url))[uid]["STATUS"]) == "CONFIRMED"
        response = auth_client.patch(
            f"/api/interviews/{interview.pk}/", {"application_status": closed}, format="json"
        )
        assert response.status_code == 200, response.content
        events = events_of(fetch(api_client, url))
        assert list(events) == [uid]
        assert str(events[uid]["STATUS"]) == "CANCELLED"
        long_ago = timezone.now() - timedelta(days=31)
        Interview.objects.filter(pk=interview.pk).update(updated_at=long_ago)
        InterviewRound.objects.filter(interview=interview).update(updated_at=long_ago)
        assert events_of(fetch(api_client, url)) == {}

    def test_a_deleted_round_disappears(self, auth_client, api_client):
        interview = new_interview(auth_client)
        round_ = new_round(auth_client, interview)
        url = feed_url(auth_client)
        assert auth_client.delete(f"/api/interviews/rounds/{round_.pk}/").status_code == 204
        assert list(events_of(fetch(api_client, url))) == [moment_uid(interview.pk, None)]

    def test_moments_older_than_90_days_are_left_out(self, auth_client, api_client, user):
        old = InterviewFactory(user=user, interview_date=timezone.now() - timedelta(days=91))
        recent = InterviewFactory(user=user, interview_date=timezone.now() - timedelta(days=89))
        RoundFactory(interview=old, scheduled_date=timezone.now() - timedelta(days=100))
        events = events_of(fetch(api_client, feed_url(auth_client)))
        assert list(events) == [moment_uid(recent.pk, None)]

    def test_other_users_moments_never_appear(self, auth_client, api_client, other_user):
        mine = new_interview(auth_client)
        theirs = InterviewFactory(user=other_user)
        RoundFactory(interview=theirs)
        events = events_of(fetch(api_client, feed_url(auth_client)))
        assert list(events) == [moment_uid(mine.pk, None)]
        assert b"Company" not in fetch(api_client, feed_url(auth_client)).content

    def test_user_text_cannot_break_the_feed_or_add_properties(self, auth_client, api_client):
        notes = "line\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil;x,y\\z"
        interview = new_interview(auth_client, company_name="A; B, C\\D", notes=notes)
        response = fetch(api_client, feed_url(auth_client))
        events = events_of(response)
        assert list(events) == [moment_uid(interview.pk, None)]
        event = events[moment_uid(interview.pk, None)]
        assert str(event["SUMMARY"]).startswith("A; B, C\\D — ")
        assert "END:VEVENT" in str(event["DESCRIPTION"])
        assert list(vobject_events(response)) == [moment_uid(interview.pk, None)]

    def test_a_non_utc_user_keeps_local_times_across_a_dst_change(
        self, auth_client, api_client, user
    ):
        response = auth_client.patch("/api/profile/", {"timezone": "Europe/Berlin"}, format="json")
        assert response.status_code == 200
        interview = new_interview(auth_client)
        # Berlin leaves CET (UTC+1) for CEST (UTC+2) on 2027-03-28.
        before = new_round(auth_client, interview, scheduled_date="2027-03-26T10:00")
        after = new_round(auth_client, interview, scheduled_date="2027-03-30T10:00")
        response = fetch(api_client, feed_url(auth_client))
        events = events_of(response)
        utc = datetime.timezone.utc
        start = events[moment_uid(interview.pk, before.pk)].decoded("DTSTART")
        assert start == datetime.datetime(2027, 3, 26, 9, 0, tzinfo=utc)
        start = events[moment_uid(interview.pk, after.pk)].decoded("DTSTART")
        assert start == datetime.datetime(2027, 3, 30, 8, 0, tzinfo=utc)
        second = vobject_events(response)[moment_uid(interview.pk, after.pk)]
        assert second.dtstart.value == datetime.datetime(2027, 3, 30, 8, 0, tzinfo=utc)


class TestPolling:
    def test_etag_and_last_modified_answer_304(self, auth_client, api_client):
        new_interview(auth_client)
        url = feed_url(auth_client)
        first = fetch(api_client, url)
        assert first.status_code == 200
        assert "private" in first["Cache-Control"]
        again = fetch(api_client, url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
        dated = fetch(api_client, url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert dated.status_code == 304

    def test_a_change_ends_the_304s(self, auth_client, api_client):
        interview = new_interview(auth_client)
        url = feed_url(auth_client)
        first = fetch(api_client, url)
        auth_client.patch(f"/api/interviews/{interview.pk}/", {"position": "SRE"})
        assert fetch(api_client, url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200

    def test_a_deletion_moves_last_modified(self, auth_client, api_client, user):
        interview = new_interview(auth_client)
        url = feed_url(auth_client)
        long_ago = timezone.now() - timedelta(days=2)
        CalendarFeed.objects.filter(user=user).update(changed_at=long_ago)
        Interview.objects.filter(pk=interview.pk).update(updated_at=long_ago)
        first = fetch(api_client, url)
        assert auth_client.delete(f"/api/interviews/{interview.pk}/").status_code == 204
        response = fetch(api_client, url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert response.status_code == 200

    @pytest.mark.parametrize(
        "leave",
        ["interview date cleared", "round date cleared", "moved 100 days back", "aged out"],
    )
    def test_an_event_leaving_the_feed_moves_last_modified(
        self, auth_client, api_client, user, leave
    ):
        interview = new_interview(auth_client)
        round_ = new_round(auth_client, interview)
        url = feed_url(auth_client)
        long_ago = timezone.now() - timedelta(days=2)
        CalendarFeed.objects.filter(user=user).update(changed_at=long_ago)
        Interview.objects.filter(pk=interview.pk).update(updated_at=long_ago)
        InterviewRound.objects.filter(pk=round_.pk).update(updated_at=long_ago)
        first = fetch(api_client, url)
        assert len(events_of(first)) == 2
        if leave == "interview date cleared":
            body = {"interview_date": None}
            response = auth_client.patch(f"/api/interviews/{interview.pk}/", body, format="json")
        elif leave == "round date cleared":
            body = {"scheduled_date": None}
            path = f"/api/interviews/rounds/{round_.pk}/"
            response = auth_client.patch(path, body, format="json")
        elif leave == "moved 100 days back":
            body = {"scheduled_date": (timezone.now() - timedelta(days=100)).isoformat()}
            path = f"/api/interviews/rounds/{round_.pk}/"
            response = auth_client.patch(path, body, format="json")
        else:
            # No write: the clock takes the round out of the 90-day window.
            old = timezone.now() - timedelta(days=91)
            InterviewRound.objects.filter(pk=round_.pk).update(scheduled_date=old)
            response = None
        assert response is None or response.status_code == 200, response.content
        again = fetch(api_client, url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert again.status_code == 200
        assert len(events_of(again)) == 1

    def test_an_empty_feeds_last_modified_is_stable(self, auth_client, api_client, user):
        url = feed_url(auth_client)
        issued = timezone.now().replace(microsecond=0) - timedelta(days=3)
        CalendarFeed.objects.filter(user=user).update(changed_at=issued)
        first = fetch(api_client, url)
        second = fetch(api_client, url)
        assert first["Last-Modified"] == second["Last-Modified"]
        assert first["Last-Modified"] == http_date(issued.timestamp())
        again = fetch(api_client, url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert again.status_code == 304

    def test_a_client_asking_for_text_calendar_only_gets_it(self, auth_client, api_client):
        response = fetch(api_client, feed_url(auth_client), HTTP_ACCEPT="text/calendar")
        assert response.status_code == 200
        assert response.content.startswith(b"BEGIN:VCALENDAR")

    def test_each_token_is_rate_limited(self, auth_client, api_client, settings):
        # An hour: django-ratelimit's windows are aligned on the clock, and a
        # minute one may close between two of the fetches (tests/settings.py).
        settings.INTERVIEW_COORDINATOR = {"CALENDAR_FEED_RATE": "2/h"}
        url = feed_url(auth_client)
        assert fetch(api_client, url).status_code == 200
        assert fetch(api_client, url).status_code == 200
        refused = fetch(api_client, url)
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0

    @pytest.mark.parametrize("count", [2, 60])
    def test_queries_are_constant_in_the_number_of_events(
        self, auth_client, api_client, user, count, django_assert_max_num_queries
    ):
        url = feed_url(auth_client)
        interviews = Interview.objects.bulk_create(
            InterviewFactory.build(user=user, company_name=f"Bulk {i}") for i in range(count)
        )
        InterviewRound.objects.bulk_create(
            RoundFactory.build(interview=interview) for interview in interviews
        )
        with django_assert_max_num_queries(3):
            response = fetch(api_client, url)
        assert len(events_of(response)) == 2 * count
