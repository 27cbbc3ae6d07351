"""The reminder, digest and test emails: plain text, HTML, and a reminder's ``.ics`` file.

Templates live under ``templates/interview_coordinator/emails/`` so a host
can override them; times are shown in the user's own timezone.
"""

from __future__ import annotations

import datetime
import email.message
from dataclasses import dataclass
from email.header import Header
from email.policy import Compat32
from typing import Any
from zoneinfo import ZoneInfo

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from interview_coordinator import mailers
from interview_coordinator.calendar import (
    DEFAULT_DURATION,
    calendar_bytes,
    event,
    event_uid,
    id_domain,
    sender_address,
)
from interview_coordinator.conf import app_settings
from interview_coordinator.models import Interview, InterviewRound

TEMPLATE_DIR = "interview_coordinator/emails"
ICS_FILENAME = "interview.ics"
ICS_MIMETYPE = "text/calendar"


def sender() -> str:
    return sender_address()


def user_email(user: Any) -> str:
    """The user's email address, "" when none, whatever the user model calls the field."""
    return str(getattr(user, user.get_email_field_name(), "") or "")


SMTP_BACKEND = "interview_coordinator.reminders.smtp.EmailBackend"
# Commands of one SMTP session besides the message itself (connect, EHLO,
# STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA, QUIT), each bounded by the timeout.
SMTP_COMMANDS = 10


def smtp_timeout() -> float:
    return mailers.configured_timeout() or float(app_settings.SMTP_TIMEOUT_SECONDS)


def longest_send() -> datetime.timedelta:
    """The longest one send can take before its connection gives up."""
    return datetime.timedelta(
        seconds=SMTP_COMMANDS * smtp_timeout() + float(app_settings.SMTP_DATA_TIMEOUT_SECONDS)
    )


def send(message: EmailMessage) -> None:
    """Send through a connection with a timeout.

    Django's default connection waits forever (no SMTP timeout by default): a
    stalled mail server would hold a worker, or a request, with it. Django's
    SMTP backend is replaced by its subclass that tells a lost answer from a
    refused message (``reminders.smtp``); other backends are used as the host
    configured them, with ``EMAIL_*`` or ``MAILERS`` (``mailers``).
    """
    if not message.recipients():
        return
    mailers.connection(SMTP_BACKEND, smtp_timeout()).send_messages([message])


def _render(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    subject = render_to_string(f"{TEMPLATE_DIR}/{name}_subject.txt", context)
    text = render_to_string(f"{TEMPLATE_DIR}/{name}.txt", context)
    html = render_to_string(f"{TEMPLATE_DIR}/{name}.html", context)
    return one_line(subject), text, html


def one_line(subject: str) -> str:
    """The subject with each run of line breaks, and the spaces around it, as one space.

    A header cannot span lines (a template's trailing newline would break
    it), and the encoder would fold at U+2028 and the other breaks
    ``str.splitlines`` knows. Every other character, other spaces included,
    stays as written.
    """
    return " ".join(line.strip() for line in subject.splitlines() if line.strip())


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

    @property
    def uid(self) -> str:
        return event_uid(self.interview, self.round, self.moment)


def calendar_file(content: ReminderContent) -> bytes:
    """The moment as an iCalendar event, so the user can add it in one click."""
    location = content.interview.get_location_display() if content.interview.location else ""
    return calendar_bytes(
        event(content.uid, content.title, content.moment, content.duration, str(location))
    )


class Email(EmailMultiAlternatives):
    """A multipart email whose non-ASCII subject decodes exactly as it was written.

    Django 5.2 encodes such a subject without telling the encoder the header's
    name, so the ``Subject:`` line is folded before its first word and readers
    decode it with a leading space. The header is set again as a ``Header``
    that knows its name, past Django's ``__setitem__``, which would turn it
    back into text. (Django 6 builds messages with the modern email policy,
    which folds right.)
    """

    def message(self, *args: Any, **kwargs: Any) -> Any:
        message = super().message(*args, **kwargs)
        subject = str(self.subject)
        if isinstance(message.policy, Compat32) and not subject.isascii():
            del message["Subject"]
            header = Header(subject, "utf-8", header_name="Subject")
            email.message.Message.__setitem__(message, "Subject", header)
        return message


def message_id(delivery_id: int, kind: str = "reminder") -> str:
    """The Message-ID of a delivery: the same on every attempt, from every worker.

    A retry after an attempt whose answer was lost carries the same id, so
    mail systems that drop duplicate Message-IDs deliver it once.
    """
    return f"<{kind}-{delivery_id}@{id_domain()}>"


def reminder_email(
    content: ReminderContent, recipient: str, username: str, delivery_id: int
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
    message = Email(
        subject, text, sender(), [recipient], headers={"Message-ID": message_id(delivery_id)}
    )
    message.attach_alternative(html, "text/html")
    message.attach(ICS_FILENAME, calendar_file(content), ICS_MIMETYPE)
    return message


@dataclass(frozen=True)
class QuietApplication:
    """One line of a digest: an open application without news, and since when."""

    company_name: str
    position: str
    quiet_since: datetime.datetime
    days_quiet: int
    last_event: str


def digest_email(
    applications: list[QuietApplication],
    zone: ZoneInfo,
    recipient: str,
    username: str,
    delivery_id: int,
) -> EmailMultiAlternatives:
    """The follow-up digest: the user's quiet applications, in one email."""
    context = {
        "username": username,
        "applications": applications,
        "count": len(applications),
        "timezone": str(zone),
    }
    with timezone.override(zone):
        subject, text, html = _render("follow_up_digest", context)
    message = Email(
        subject,
        text,
        sender(),
        [recipient],
        headers={"Message-ID": message_id(delivery_id, "digest")},
    )
    message.attach_alternative(html, "text/html")
    return message


def test_email(recipient: str, username: str) -> EmailMultiAlternatives:
    subject, text, html = _render("test_email", {"username": username})
    message = Email(subject, text, sender(), [recipient])
    message.attach_alternative(html, "text/html")
    return message
