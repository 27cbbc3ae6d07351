"""Calendar events of scheduled moments, shared by the reminder attachment and any feed.

A calendar application recognises an event by its ``UID``: an event sent
again with the same UID updates the one it already shows instead of adding a
second. So the UID names the moment's owner, never the delivery that carried
it: an interview's own date is ``interview-<pk>@<domain>``, a round's date is
``round-<pk>@<domain>``, and moving the date, re-planning its reminder or
publishing it in a feed keeps the UID. The domain part (RFC 5545 3.8.4.7)
makes it globally unique: ``ID_DOMAIN``, or the domain of the sender address.

The subscribable feed builds its events here too, with the same UIDs, so a
calendar holding both the feed and a reminder's attachment shows one event:
from the user's rows it reads ``Moment``s (two queries), then writes them
with ``SEQUENCE``, ``LAST-MODIFIED`` and ``STATUS``. Times are in UTC, which
every client converts to the viewer's zone; text is escaped by the
``icalendar`` library, so no user text can end a line or add a property.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import nh3
from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from interview_coordinator.conf import app_settings
from interview_coordinator.models import (
    CLOSED_STATUSES,
    CalendarFeed,
    Interview,
    InterviewRound,
    InterviewStage,
    InterviewStatus,
    RoundOutcome,
)
from interview_coordinator.pipeline import is_closed
from interview_coordinator.timezones import timezone_name_of, zone_named

PRODID = "-//django-interview-coordinator//reminders//EN"
# Length of the event when the round gives no duration.
DEFAULT_DURATION = datetime.timedelta(hours=1)
# Used only when neither ID_DOMAIN nor a sender address with a domain is configured.
FALLBACK_DOMAIN = "interview-coordinator.invalid"
FEED_PRODID = "-//django-interview-coordinator//calendar//EN"
# How often subscribed clients are asked to poll (RFC 7986 REFRESH-INTERVAL).
REFRESH_INTERVAL = datetime.timedelta(hours=1)
# Version of the feed's layout: part of every ETag, so new code never answers 304.
FEED_FORMAT = 3
BLOCK_END = re.compile(r"<br\s*/?>|</p>|</li>|</blockquote>|</pre>", re.IGNORECASE)


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


def plain_text(notes: str) -> str:
    """Notes without markup, for DESCRIPTION: block ends become line breaks."""
    text = nh3.clean(BLOCK_END.sub("\n", notes), tags=set())
    return html.unescape(text).strip()


@dataclass(frozen=True)
class Moment:
    """One calendar event, read from an interview's date or a round."""

    uid: str
    start: datetime.datetime
    duration: datetime.timedelta
    summary: str
    location: str
    description: str
    sequence: int
    last_modified: datetime.datetime
    cancelled: bool

    @classmethod
    def of(cls, interview: Interview, round_: InterviewRound | None, own: bool) -> Moment:
        """The event of the interview's date (``own``), or of the round's.

        A round at its interview's scheduled date lends that event its stage,
        duration and notes, as the reminder's attachment does. The event shows
        both rows, so a change of either counts in SEQUENCE and LAST-MODIFIED.
        """
        start = interview.interview_date if own or round_ is None else round_.scheduled_date
        assert start is not None, "only dated rows are moments"
        rows: list[Interview | InterviewRound] = [interview]
        stage = InterviewStage(interview.interview_stage).label
        duration = DEFAULT_DURATION
        notes = interview.notes
        if round_ is not None:
            rows.append(round_)
            stage = round_.get_stage_display()
            if round_.duration_minutes:
                duration = datetime.timedelta(minutes=round_.duration_minutes)
            notes = round_.notes or notes
        if own:
            # A closed application's date is no moment, as for the reminders.
            cancelled = is_closed(interview)
        else:
            cancelled = round_ is not None and round_.outcome == str(RoundOutcome.CANCELLED)
        return cls(
            uid=event_uid(interview, None if own else round_, start),
            start=start,
            duration=duration,
            summary=f"{interview.company_name} — {interview.position} ({stage})",
            location=interview.get_location_display() if interview.location else "",
            description=plain_text(notes),
            # An interview's revision also counts its rounds' changes (see
            # signals.count_round_change), so a round joining or leaving its
            # date never lowers it; a round's own event adds the round's.
            sequence=interview.sequence + (0 if own or round_ is None else round_.sequence),
            last_modified=max(row.updated_at for row in rows),
            cancelled=cancelled,
        )


def user_moments(user_id: Any, now: datetime.datetime) -> list[Moment]:
    """The user's moments from ``CALENDAR_PAST_DAYS`` ago on, in two queries.

    One event per moment, owned as ``event_uid`` says: a round at its
    interview's scheduled date is part of the interview's event. Cancelled
    ones (a closed application's date too) stay for ``CALENDAR_CANCELLED_DAYS``
    after their last change, long enough for every subscribed client to see
    the cancellation.
    """
    since = now - datetime.timedelta(days=int(app_settings.CALENDAR_PAST_DAYS))
    cancelled_since = now - datetime.timedelta(days=int(app_settings.CALENDAR_CANCELLED_DAYS))
    closed = Q(status=InterviewStatus.CANCELLED) | Q(application_status__in=CLOSED_STATUSES)
    interviews = list(
        Interview.objects.filter(user_id=user_id, interview_date__gte=since)
        .filter(~closed | Q(updated_at__gte=cancelled_since))
        .order_by("pk")
    )
    rounds = (
        InterviewRound.objects.filter(user_id=user_id, scheduled_date__gte=since)
        .filter(~Q(outcome=RoundOutcome.CANCELLED) | Q(updated_at__gte=cancelled_since))
        .select_related("interview")
        .order_by("pk")
    )
    owned = {
        (interview.pk, interview.interview_date): interview
        for interview in interviews
        if interview.interview_date is not None
        and is_interview_moment(interview, interview.interview_date)
    }
    partners: dict[int, InterviewRound] = {}
    moments = []
    live_dates = set()
    for round_ in rounds:
        key = (round_.interview_id, round_.scheduled_date)
        live = round_.outcome != str(RoundOutcome.CANCELLED)
        if key in owned:
            if live:
                partners.setdefault(round_.interview_id, round_)
            continue
        if live:
            live_dates.add(key)
        moments.append(Moment.of(round_.interview, round_, own=False))
    for interview in interviews:
        key = (interview.pk, interview.interview_date)
        # An unscheduled interview's date that a live round holds is that round's event.
        if key in owned or is_closed(interview):
            moments.append(Moment.of(interview, partners.get(interview.pk), own=True))
        elif key not in live_dates:
            moments.append(Moment.of(interview, None, own=True))
    moments.sort(key=lambda moment: (moment.start, moment.uid))
    return moments


def utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(datetime.timezone.utc).replace(microsecond=0)


def feed_event(moment: Moment) -> icalendar.Event:
    """The feed's VEVENT of a moment: the attachment's event, with its revision and status.

    DTSTAMP is the moment's last change (RFC 5545: without a METHOD it is
    LAST-MODIFIED), so the same data always gives the same text.
    """
    item = event(
        moment.uid,
        moment.summary,
        utc(moment.start),
        moment.duration,
        moment.location,
    )
    item.pop("DTSTAMP")
    item.add("dtstamp", utc(moment.last_modified))
    if moment.description:
        item.add("description", moment.description)
    item.add("sequence", moment.sequence)
    item.add("last-modified", utc(moment.last_modified))
    item.add("status", "CANCELLED" if moment.cancelled else "CONFIRMED")
    return item


def feed_calendar(moments: Iterable[Moment], zone: ZoneInfo | None = None) -> bytes:
    """The feed's VCALENDAR: the same bytes for the same events, language and zone.

    RFC 5545 3.6 wants at least one component: a feed without events holds
    the VTIMEZONE of ``zone`` (the user's), or of UTC.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", FEED_PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Interviews"))
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    # An X- property is text to the library: give it the duration's own type,
    # or it writes Python's "1:00:00" instead of RFC 5545's "PT1H".
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
    events = [feed_event(moment) for moment in moments]
    if not events:
        calendar.add_component(icalendar.Timezone.from_tzid(zone.key if zone else "UTC"))
    for item in events:
        calendar.add_component(item)
    return bytes(calendar.to_ical())


def feed_etag(moments: Sequence[Moment], zone: ZoneInfo | None = None) -> str:
    """A strong ETag of the feed, from its events rather than its bytes.

    Building the iCalendar text costs far more than reading the rows, so a
    poll answered 304 skips it. The events and the active language (labels,
    the calendar's name) determine the text, and the zone when there is no
    event; ``FEED_FORMAT`` changes with it.
    """
    key = zone.key if zone is not None and not moments else None
    seed = repr((FEED_FORMAT, get_language(), key, moments)).encode("utf-8", "surrogatepass")
    return f'"{hashlib.sha256(seed).hexdigest()[:32]}"'


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256 (the token is random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(user_id: Any) -> tuple[str, CalendarFeed]:
    """A new token for the user's feed; the previous one stops working at once."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    feed, _created = CalendarFeed.objects.update_or_create(
        user_id=user_id,
        defaults={"token_hash": token_digest(token), "created_at": now, "changed_at": now},
    )
    return token, feed


def latest(rows: QuerySet[Any], field: str) -> Subquery:
    """The largest ``field`` of the rows, as a subquery of the feed's own query."""
    return Subquery(rows.order_by(f"-{field}").values(field)[:1])


def feed_with_changes(token_hash: str, now: datetime.datetime) -> CalendarFeed | None:
    """The feed of a token, with what dates the events that left it, in one query.

    An event leaves the feed when a write moves or clears its date (its row's
    ``updated_at`` dates that), or when the clock takes it out of the window:
    ``CALENDAR_PAST_DAYS`` after its start, ``CALENDAR_CANCELLED_DAYS`` after a
    cancellation. Neither leaves a row in ``user_moments``; without these,
    ``If-Modified-Since`` would answer a stale 304.
    """
    past_days = datetime.timedelta(days=int(app_settings.CALENDAR_PAST_DAYS))
    cancelled_days = datetime.timedelta(days=int(app_settings.CALENDAR_CANCELLED_DAYS))
    interviews = Interview.objects.filter(user_id=OuterRef("user_id"))
    rounds = InterviewRound.objects.filter(user_id=OuterRef("user_id"))
    closed = Q(status=InterviewStatus.CANCELLED) | Q(application_status__in=CLOSED_STATUSES)
    expired = Q(updated_at__lt=now - cancelled_days)
    since = now - past_days
    feed: CalendarFeed | None = (
        CalendarFeed.objects.filter(token_hash=token_hash)
        .annotate(
            interview_written=latest(interviews, "updated_at"),
            round_written=latest(rounds, "updated_at"),
            interview_aged=latest(interviews.filter(interview_date__lt=since), "interview_date"),
            round_aged=latest(rounds.filter(scheduled_date__lt=since), "scheduled_date"),
            interview_expired=latest(interviews.filter(closed, expired), "updated_at"),
            timezone_name=timezone_name_of(OuterRef("user_id")),
            round_expired=latest(
                rounds.filter(expired, outcome=RoundOutcome.CANCELLED), "updated_at"
            ),
        )
        .first()
    )
    return feed


def feed_last_modified(feed: CalendarFeed, moments: Iterable[Moment]) -> datetime.datetime:
    """The latest change of the feed: of an event in it, or of one that left it.

    ``feed`` comes from ``feed_with_changes``. Stable while nothing changes:
    with no rows at all it is when the feed was issued.
    """
    past_days = datetime.timedelta(days=int(app_settings.CALENDAR_PAST_DAYS))
    cancelled_days = datetime.timedelta(days=int(app_settings.CALENDAR_CANCELLED_DAYS))
    shifted = {
        "interview_written": datetime.timedelta(0),
        "round_written": datetime.timedelta(0),
        "interview_aged": past_days,
        "round_aged": past_days,
        "interview_expired": cancelled_days,
        "round_expired": cancelled_days,
    }
    candidates = [feed.changed_at, *(moment.last_modified for moment in moments)]
    for name, shift in shifted.items():
        value = getattr(feed, name, None)
        if value is not None:
            candidates.append(value + shift)
    return max(candidates)


def feed_zone(feed: CalendarFeed) -> ZoneInfo:
    """The user's zone, read along by ``feed_with_changes``."""
    return zone_named(getattr(feed, "timezone_name", None))


def note_deletion(user_id: Any) -> None:
    """Date a deleted event, so that ``Last-Modified`` moves although no row is left."""
    CalendarFeed.objects.filter(user_id=user_id).update(changed_at=timezone.now())
