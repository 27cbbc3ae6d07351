"""When a reminder goes out: local calendar arithmetic, across daylight-saving changes."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from interview_coordinator.reminders.planning import (
    Preferences,
    planned_sends,
    scheduled_moments,
    send_time,
)

UTC = datetime.timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def prefs(zone, days=1, at=datetime.time(9, 0), enabled=True):
    return Preferences(enabled=enabled, days_before=days, time=at, timezone=zone)


@pytest.mark.parametrize(
    ("moment", "zone", "days", "expected_utc"),
    [
        # Berlin springs forward on 2026-03-29: 09:00 CET the day before, CEST the day of.
        (
            datetime.datetime(2026, 3, 29, 10, 0, tzinfo=BERLIN),
            "Europe/Berlin",
            1,
            datetime.datetime(2026, 3, 28, 8, 0, tzinfo=UTC),
        ),
        (
            datetime.datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN),
            "Europe/Berlin",
            1,
            datetime.datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
        ),
        # Across the change: the moment is in summer time, the reminder in winter time.
        (
            datetime.datetime(2026, 3, 31, 10, 0, tzinfo=BERLIN),
            "Europe/Berlin",
            3,
            datetime.datetime(2026, 3, 28, 8, 0, tzinfo=UTC),
        ),
        # Berlin falls back on 2026-10-25.
        (
            datetime.datetime(2026, 10, 26, 15, 0, tzinfo=BERLIN),
            "Europe/Berlin",
            1,
            datetime.datetime(2026, 10, 25, 8, 0, tzinfo=UTC),
        ),
        # New York springs forward on 2026-03-08 and falls back on 2026-11-01.
        (
            datetime.datetime(2026, 3, 9, 10, 0, tzinfo=NEW_YORK),
            "America/New_York",
            1,
            datetime.datetime(2026, 3, 8, 13, 0, tzinfo=UTC),
        ),
        (
            datetime.datetime(2026, 3, 8, 10, 0, tzinfo=NEW_YORK),
            "America/New_York",
            1,
            datetime.datetime(2026, 3, 7, 14, 0, tzinfo=UTC),
        ),
        (
            datetime.datetime(2026, 11, 2, 10, 0, tzinfo=NEW_YORK),
            "America/New_York",
            1,
            datetime.datetime(2026, 11, 1, 14, 0, tzinfo=UTC),
        ),
        (
            datetime.datetime(2026, 11, 1, 10, 0, tzinfo=NEW_YORK),
            "America/New_York",
            1,
            datetime.datetime(2026, 10, 31, 13, 0, tzinfo=UTC),
        ),
    ],
)
def test_send_time_is_the_reminder_time_in_local_time_around_dst(moment, zone, days, expected_utc):
    sent = send_time(moment.astimezone(UTC), prefs(zone, days))
    assert sent == expected_utc
    assert sent.astimezone(ZoneInfo(zone)).time() == datetime.time(9, 0)


def test_a_reminder_time_skipped_by_spring_forward_moves_one_hour_later():
    moment = datetime.datetime(2026, 3, 9, 12, 0, tzinfo=NEW_YORK)
    sent = send_time(moment, prefs("America/New_York", at=datetime.time(2, 30)))
    # 02:30 does not exist on 2026-03-08 in New York; it is read as 03:30 EDT.
    assert sent == datetime.datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert sent.astimezone(NEW_YORK).time() == datetime.time(3, 30)


def test_a_reminder_time_repeated_by_fall_back_means_its_first_occurrence():
    moment = datetime.datetime(2026, 11, 2, 12, 0, tzinfo=NEW_YORK)
    sent = send_time(moment, prefs("America/New_York", at=datetime.time(1, 30)))
    assert sent == datetime.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT


def test_the_local_date_of_the_moment_decides_not_the_utc_date():
    # 01:00 UTC on June 1st is still May 31st in New York.
    moment = datetime.datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    sent = send_time(moment, prefs("America/New_York"))
    assert sent.astimezone(NEW_YORK) == datetime.datetime(2026, 5, 30, 9, 0, tzinfo=NEW_YORK)


def test_scheduled_moments_keep_future_scheduled_interviews_and_pending_rounds_once():
    now = datetime.datetime(2026, 1, 1, tzinfo=UTC)
    soon = now + datetime.timedelta(days=2)
    later = now + datetime.timedelta(days=5)
    past = now - datetime.timedelta(hours=1)
    moments = scheduled_moments(
        interviews=[
            (1, "scheduled", soon),
            (2, "cancelled", soon),
            (3, "completed", soon),
            (4, "scheduled", past),
            (5, "scheduled", None),
        ],
        rounds=[(1, soon), (1, later), (6, past), (6, None)],
        now=now,
    )
    assert moments == {(1, soon), (1, later)}


def test_reminders_off_plan_nothing():
    now = datetime.datetime(2026, 1, 1, tzinfo=UTC)
    moments = {(1, now + datetime.timedelta(days=3))}
    assert planned_sends(moments, prefs("UTC", enabled=False)) == {}
    assert planned_sends(moments, prefs("UTC")) == {
        (1, now + datetime.timedelta(days=3)): datetime.datetime(2026, 1, 3, 9, 0, tzinfo=UTC)
    }
