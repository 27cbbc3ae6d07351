"""The read path of interviews and rounds: columns in, API-shaped dicts out, no serializer.

A list of thousands of rows is one ``.values_list()`` query whose tuples
are reshaped here, instead of a DRF field object per cell. Every datetime is
printed in the owner's timezone with its offset, so that a client cutting it
to ``YYYY-MM-DDTHH:MM`` shows (and sends back) the user's wall clock; the
rows carry the owner's timezone name in their last column, read by the same
query. On PostgreSQL the database formats the datetimes in UTC
(``to_char``): turning thousands of timestamps into Python datetimes and back
into text was most of what was left of a list's cost, and for a user in UTC
the text is the answer as it is. Elsewhere (SQLite, single objects) Python
formats them; both ways print exactly what DRF's ``DateTimeField`` prints in
that zone, so every endpoint answers the same text for the same instant.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections
from django.db.models import CharField, F, Func, Model, QuerySet
from django.utils import timezone

from interview_coordinator.bounds import localize
from interview_coordinator.models import InterviewRound, RoundOutcome, RoundStage
from interview_coordinator.timezones import OWNER_TIMEZONE, site_timezone, zone_named

INTERVIEW_COLUMNS = (
    "id",
    "company_name",
    "position",
    "interview_date",
    "interview_type",
    "status",
    "location",
    "interview_stage",
    "application_status",
    "application_date",
    "notes",
    "created_at",
    "updated_at",
)
INTERVIEW_DATETIMES = frozenset({"interview_date", "created_at", "updated_at"})
ROUND_COLUMNS = (
    "id",
    "interview_id",
    "stage",
    "scheduled_date",
    "completed_date",
    "duration_minutes",
    "notes",
    "outcome",
    "created_at",
    "updated_at",
)
ROUND_DATETIMES = frozenset({"scheduled_date", "completed_date", "created_at", "updated_at"})

# The interview status under which an interview is upcoming.
SCHEDULED = "scheduled"

# The database's format always has microseconds; DRF (isoformat) omits zero ones.
ZERO_MICROSECONDS = ".000000Z"
UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class UtcIsoText(Func):
    """PostgreSQL: an aware datetime in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""

    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    output_field = CharField()


def is_utc(zone: datetime.tzinfo) -> bool:
    return getattr(zone, "key", None) in {"UTC", "Etc/UTC"} or zone is datetime.timezone.utc


def days_in_pipeline(application_date: datetime.date, today: datetime.date) -> int:
    """Whole days since the application; never negative for a future-dated one."""
    return max(0, (today - application_date).days)


def model_columns(instance: Model, columns: Iterable[str]) -> tuple[Any, ...]:
    """An object's values in the order of a ``values_list()`` row of ``columns``."""
    return tuple(getattr(instance, column) for column in columns)


def values(
    queryset: QuerySet[Any], columns: Iterable[str], datetimes: frozenset[str]
) -> QuerySet[Any, tuple[Any, ...]]:
    """The rows as tuples of ``columns`` and the owner's timezone name, datetimes as UTC
    text where the database can.

    Either way a column keeps its position, so the shapers read both alike.
    """
    if connections[queryset.db].vendor == "postgresql":
        return queryset.values_list(
            *(UtcIsoText(column) if column in datetimes else column for column in columns),
            OWNER_TIMEZONE,
        )
    return queryset.values_list(*columns, OWNER_TIMEZONE)


def interview_values(queryset: QuerySet[Any]) -> QuerySet[Any, tuple[Any, ...]]:
    """An interview list's rows; ``queryset`` carries the ``OWNER_TIMEZONE`` annotation."""
    return values(queryset, INTERVIEW_COLUMNS, INTERVIEW_DATETIMES)


def round_values(queryset: QuerySet[Any]) -> QuerySet[Any, tuple[Any, ...]]:
    """A round list's rows; ``queryset`` carries the ``OWNER_TIMEZONE`` annotation."""
    return values(queryset, ROUND_COLUMNS, ROUND_DATETIMES)


class Rendering:
    """Turns the rows of one response into API dicts in one timezone; shared lookups happen once.

    "Now", today's date in the zone and the translated labels would otherwise
    be looked up for every cell.
    """

    def __init__(self, zone: datetime.tzinfo) -> None:
        self.zone = zone
        self.utc = is_utc(zone)
        self.now = timezone.now()
        self.now_text = self.now.astimezone(datetime.timezone.utc).strftime(UTC_FORMAT)
        # The user's today: days_in_pipeline counts from it, like the dashboard.
        self.today = timezone.localdate(self.now, zone)
        self.stages = {value: str(label) for value, label in RoundStage.choices}
        self.outcomes = {value: str(label) for value, label in RoundOutcome.choices}

    @classmethod
    def of_rows(cls, rows: Sequence[Sequence[Any]]) -> Rendering:
        """The rendering of list rows, in the zone their last column names (one owner's)."""
        return cls(zone_named(rows[0][-1]) if rows else site_timezone())

    def instant(self, value: datetime.datetime | str | None) -> str | None:
        """ISO 8601 in the rendering's zone, "Z" for UTC: what DRF's DateTimeField prints."""
        if value is None:
            return None
        if isinstance(value, str):
            if self.utc:
                if value.endswith(ZERO_MICROSECONDS):
                    return value[: -len(ZERO_MICROSECONDS)] + "Z"
                return value
            # The database's UTC text; "Z" spelled out for Python 3.10's parser.
            value = datetime.datetime.fromisoformat(value[:-1] + "+00:00")
        text = localize(value, self.zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def is_future(self, value: datetime.datetime | str | None) -> bool:
        if value is None:
            return False
        if isinstance(value, str):
            # Same fixed-width UTC format on both sides: text order is time order.
            return value > self.now_text
        return value > self.now

    def interview(self, row: Sequence[Any]) -> dict[str, Any]:
        """The API shape of one interview from a row of ``INTERVIEW_COLUMNS``."""
        (
            pk,
            company_name,
            position,
            interview_date,
            interview_type,
            status,
            location,
            interview_stage,
            application_status,
            application_date,
            notes,
            created_at,
            updated_at,
            *_owner_timezone,
        ) = row
        return {
            "id": pk,
            "company_name": company_name,
            "position": position,
            "interview_date": self.instant(interview_date),
            "interview_type": interview_type,
            "status": status,
            "location": location,
            "interview_stage": interview_stage,
            "application_status": application_status,
            "application_date": application_date.isoformat(),
            "notes": notes,
            "created_at": self.instant(created_at),
            "updated_at": self.instant(updated_at),
            "days_in_pipeline": days_in_pipeline(application_date, self.today),
            "is_upcoming": status == SCHEDULED and self.is_future(interview_date),
        }

    def round(self, row: Sequence[Any]) -> dict[str, Any]:
        """The API shape of one round from a row of ``ROUND_COLUMNS``."""
        (
            pk,
            interview_id,
            stage,
            scheduled_date,
            completed_date,
            duration_minutes,
            notes,
            outcome,
            created_at,
            updated_at,
            *_owner_timezone,
        ) = row
        return {
            "id": pk,
            "interview": interview_id,
            "stage": stage,
            "stage_display": self.stages.get(stage, stage),
            "scheduled_date": self.instant(scheduled_date),
            "completed_date": self.instant(completed_date),
            "duration_minutes": duration_minutes,
            "notes": notes,
            "outcome": outcome,
            "outcome_display": self.outcomes.get(outcome, outcome),
            "created_at": self.instant(created_at),
            "updated_at": self.instant(updated_at),
        }

    def interviews(self, rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        return [self.interview(row) for row in rows]

    def rounds(self, rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        return [self.round(row) for row in rows]


# Rounds in the order they happen; unscheduled ones last, then by creation.
ROUND_ORDER = (F("scheduled_date").asc(nulls_last=True), "id")


# An interview's columns followed by one of its rounds' (nulls without rounds).
DETAIL_COLUMNS = (*INTERVIEW_COLUMNS, *(f"rounds__{column}" for column in ROUND_COLUMNS))
DETAIL_DATETIMES = INTERVIEW_DATETIMES | {f"rounds__{column}" for column in ROUND_DATETIMES}
DETAIL_ORDER = (F("rounds__scheduled_date").asc(nulls_last=True), "rounds__id")


def detail_values(queryset: QuerySet[Any]) -> QuerySet[Any, tuple[Any, ...]]:
    """The rows of an interview's detail: the interview joined to its rounds.

    A row per round (at most ``MAX_ROUNDS_PER_INTERVIEW``), so a detail costs
    one round trip rather than one for the interview and one for its rounds.
    ``queryset`` carries the ``OWNER_TIMEZONE`` annotation, like the lists'.
    """
    return values(queryset.order_by(*DETAIL_ORDER), DETAIL_COLUMNS, DETAIL_DATETIMES)


def render_detail(rows: list[tuple[Any, ...]]) -> dict[str, Any] | None:
    """The interview of ``detail_values`` rows with its rounds embedded; None without rows."""
    if not rows:
        return None
    rendering = Rendering.of_rows(rows)
    split = len(INTERVIEW_COLUMNS)
    data = rendering.interview(rows[0][:split])
    data["rounds"] = [rendering.round(row[split:-1]) for row in rows if row[split] is not None]
    return data


def interview_rounds(interview_id: int, rendering: Rendering) -> list[dict[str, Any]]:
    """The rounds embedded in an interview's detail, in the order they happen: one query."""
    queryset = InterviewRound.objects.filter(interview_id=interview_id).order_by(*ROUND_ORDER)
    return rendering.rounds(queryset.values_list(*ROUND_COLUMNS))
