"""Calendar events of scheduled moments, shared by the reminder attachment and any feed.

A calendar application recognises an event by its ``UID``: an event sent
again with the same UID updates the one it already shows instead of adding a
second. So the UID names the moment's owner, never the delivery that carried
it: an interview's own date is ``interview-<pk>@<domain>``, a round's date is
``round-<pk>@<domain>``, and moving the date, re-planning its reminder or
publishing it in a feed keeps the UID. The domain part (RFC 5545 3.8.4.7)
makes it globally unique: ``ID_DOMAIN``, or the domain of the sender address.
"""

from __future__ import annotations

import datetime
from email.utils import parseaddr

import icalendar
from django.conf import settings

from interview_coordinator.conf import app_settings
from interview_coordinator.models import Interview, InterviewRound, InterviewStatus

PRODID = "-//django-interview-coordinator//reminders//EN"
# Length of the event when the round gives no duration.
DEFAULT_DURATION = datetime.timedelta(hours=1)
# Used only when neither ID_DOMAIN nor a sender address with a domain is configured.
FALLBACK_DOMAIN = "interview-coordinator.invalid"


def sender_address() -> str:
    """The address reminders come from: ``REMINDER_FROM_EMAIL`` or ``DEFAULT_FROM_EMAIL``."""
    return str(app_settings.REMINDER_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL)


def id_domain() -> str:
    """The domain part of UIDs and Message-IDs: the same on every host of a site.

    Not the machine's name (what ``make_msgid`` uses): several workers on
    several hosts must build the same identifier for the same thing.
    """
    configured = app_settings.ID_DOMAIN
    if configured:
        return str(configured)
    _name, address = parseaddr(sender_address())
    domain = address.rpartition("@")[2].strip()
    return domain or FALLBACK_DOMAIN


def is_interview_moment(interview: Interview, moment: datetime.datetime) -> bool:
    """Whether ``moment`` is the interview's own scheduled date (rather than only a round's)."""
    return interview.status == str(InterviewStatus.SCHEDULED) and interview.interview_date == moment


def event_uid(
    interview: Interview, round_: InterviewRound | None, moment: datetime.datetime
) -> str:
    """The UID of the event of a moment: its interview's when it is the interview's date.

    A round recorded at its interview's date shares that moment; the
    interview owns it, as the dashboard and the reminders count it once.
    """
    if round_ is None or is_interview_moment(interview, moment):
        return f"interview-{interview.pk}@{id_domain()}"
    return f"round-{round_.pk}@{id_domain()}"


def event(
    uid: str,
    summary: str,
    start: datetime.datetime,
    duration: datetime.timedelta,
    location: str = "",
) -> icalendar.Event:
    """One event, times in UTC so that every calendar reads them the same."""
    item = icalendar.Event()
    item.add("uid", uid)
    item.add("summary", summary)
    item.add("dtstart", start.astimezone(datetime.timezone.utc))
    item.add("dtend", (start + duration).astimezone(datetime.timezone.utc))
    item.add("dtstamp", datetime.datetime.now(datetime.timezone.utc))
    if location:
        item.add("location", location)
    return item


def calendar_bytes(*events: icalendar.Event) -> bytes:
    """An iCalendar file (``METHOD:PUBLISH``) holding the events."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for item in events:
        calendar.add_component(item)
    return bytes(calendar.to_ical())
