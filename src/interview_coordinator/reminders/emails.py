"""The reminder and test emails: plain text, HTML, and the moment as an ``.ics`` file.

Templates live under ``templates/interview_coordinator/emails/`` so a host
can override them; times are shown in the user's own timezone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import timezone

from interview_coordinator.conf import app_settings
from interview_coordinator.models import Interview, InterviewRound

TEMPLATE_DIR = "interview_coordinator/emails"
# Length of the calendar event when the round gives no duration.
DEFAULT_DURATION = datetime.timedelta(hours=1)
ICS_FILENAME = "interview.ics"
ICS_MIMETYPE = "text/calendar"


def sender() -> str:
    return str(app_settings.REMINDER_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL)


def user_email(user: Any) -> str:
    """The user's email address, "" when none, whatever the user model calls the field."""
    return str(getattr(user, user.get_email_field_name(), "") or "")


def send(message: EmailMessage) -> None:
    """Send through a connection with a timeout.

    Django's default connection waits forever (``EMAIL_TIMEOUT`` is None by
    default): a stalled mail server would hold a worker, or a request, with it.
    """
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or app_settings.SMTP_TIMEOUT_SECONDS
    message.connection = get_connection(timeout=float(timeout))
    message.send()


def _render(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    subject = render_to_string(f"{TEMPLATE_DIR}/{name}_subject.txt", context)
    text = render_to_string(f"{TEMPLATE_DIR}/{name}.txt", context)
    html = render_to_string(f"{TEMPLATE_DIR}/{name}.html", context)
    # A header cannot span lines: a template's trailing newline would break it.
    return " ".join(subject.split()), text, html


@dataclass(frozen=True)
class ReminderContent:
    """Everything a reminder email says about one moment."""

    interview: Interview
    round: InterviewRound | None
    moment: datetime.datetime
    zone: ZoneInfo

    @property
    def local_moment(self) -> datetime.datetime:
        return self.moment.astimezone(self.zone)

    @property
    def duration(self) -> datetime.timedelta:
        minutes = self.round.duration_minutes if self.round is not None else None
        return datetime.timedelta(minutes=minutes) if minutes else DEFAULT_DURATION

    @property
    def title(self) -> str:
        stage = f" ({self.round.get_stage_display()})" if self.round is not None else ""
        return f"{self.interview.company_name} — {self.interview.position}{stage}"


def calendar_file(content: ReminderContent, uid: str) -> bytes:
    """The moment as an iCalendar event, so the user can add it in one click."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//django-interview-coordinator//reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("summary", content.title)
    event.add("dtstart", content.moment.astimezone(datetime.timezone.utc))
    event.add("dtend", (content.moment + content.duration).astimezone(datetime.timezone.utc))
    event.add("dtstamp", datetime.datetime.now(datetime.timezone.utc))
    if content.interview.location:
        event.add("location", content.interview.get_location_display())
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def reminder_email(
    content: ReminderContent, recipient: str, username: str, uid: str
) -> EmailMultiAlternatives:
    context = {
        "username": username,
        "interview": content.interview,
        "round": content.round,
        "title": content.title,
        "moment": content.local_moment,
        "timezone": str(content.zone),
    }
    # Templates show datetimes in the current timezone: make it the user's.
    with timezone.override(content.zone):
        subject, text, html = _render("reminder", context)
    message = EmailMultiAlternatives(subject, text, sender(), [recipient])
    message.attach_alternative(html, "text/html")
    message.attach(ICS_FILENAME, calendar_file(content, uid), ICS_MIMETYPE)
    return message


def test_email(recipient: str, username: str) -> EmailMultiAlternatives:
    subject, text, html = _render("test_email", {"username": username})
    message = EmailMultiAlternatives(subject, text, sender(), [recipient])
    message.attach_alternative(html, "text/html")
    return message
