"""The dashboard's three short lists: upcoming moments, overdue ones, applications waiting.

Each list is made of *parts* (interview moments and round moments; the
awaiting applications), and only the first ``LIST_SIZE`` rows of each part
are read. On PostgreSQL the parts are one ``UNION ALL`` of ordered, limited
selects, each walking an index and stopping after ``LIST_SIZE`` rows; on
backends that cannot order the members of a union (SQLite), each table's
parts are ranked with ``ROW_NUMBER() OVER (PARTITION BY part)`` instead, in
one query per table. Both answer the same rows.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.expressions import Combinable, OrderBy
from django.db.models.functions import Cast, RowNumber

from interview_coordinator.dashboard import conditions
from interview_coordinator.dashboard.clock import Clock
from interview_coordinator.models import Interview, InterviewRound

LIST_SIZE = 5
UPCOMING = "upcoming"
NEEDS_REVIEW = "needs_review"
AWAITING = "awaiting"

# Every part selects these columns, so that the parts can form one union.
INTERVIEW_COLUMNS = {
    "interview_pk": F("pk"),
    "company": F("company_name"),
    "job": F("position"),
    "moment": F("interview_date"),
    "moment_type": F("interview_type"),
    "place": F("location"),
    # Typed nulls: PostgreSQL must match the round columns' types in the union.
    "round_pk": Cast(Value(None), output_field=BigIntegerField()),
    "round_stage": Cast(Value(None), output_field=CharField()),
    "stage_now": F("interview_stage"),
    "applied_on": F("application_date"),
}
ROUND_COLUMNS = {
    "interview_pk": F("interview_id"),
    "company": F("interview__company_name"),
    "job": F("interview__position"),
    "moment": F("scheduled_date"),
    "moment_type": F("interview__interview_type"),
    "place": F("interview__location"),
    "round_pk": F("pk"),
    "round_stage": F("stage"),
    "stage_now": F("interview__interview_stage"),
    "applied_on": F("interview__application_date"),
}
COLUMNS = ("kind", *INTERVIEW_COLUMNS)


@dataclass(frozen=True)
class Part:
    """The rows of one list that one table holds, e.g. the rounds coming up."""

    kind: str
    condition: Q | Combinable
    # (column, descending) pairs: the order in which the part's rows are taken.
    order: tuple[tuple[str, bool], ...]

    def order_by(self) -> list[OrderBy]:
        return [OrderBy(F(column), descending=descending) for column, descending in self.order]


def list_rows(user: Any, clock: Clock) -> list[dict[str, Any]]:
    """Up to LIST_SIZE rows of each part, as dicts of COLUMNS."""
    if connections[Interview.objects.db].features.supports_slicing_ordering_in_compound:
        return union_rows(user, clock)
    return ranked_rows(user, clock)


def union_rows(user: Any, clock: Clock) -> list[dict[str, Any]]:
    """Every part as an ordered, limited select, all in one UNION ALL query."""
    first, *rest = [
        queryset.filter(part.condition)
        .annotate(kind=Value(part.kind), **columns)
        .order_by(*part.order_by())
        .values(*COLUMNS)[:LIST_SIZE]
        for queryset, columns, parts in _tables(user, clock)
        for part in parts
    ]
    return list(first.union(*rest, all=True))


def ranked_rows(user: Any, clock: Clock) -> list[dict[str, Any]]:
    """Each table's parts ranked by a window function, one query per table."""
    return [row for table in _tables(user, clock) for row in _ranked(*table)]


def _tables(user: Any, clock: Clock) -> list[tuple[QuerySet[Any], dict[str, Any], list[Part]]]:
    """Each table holding parts of the lists: the user's rows, their columns, the parts."""
    return [
        (Interview.objects.filter(user=user), INTERVIEW_COLUMNS, _interview_parts(clock)),
        (
            InterviewRound.objects.filter(user=user).filter(conditions.round_moment()),
            ROUND_COLUMNS,
            _round_parts(clock),
        ),
    ]


def _interview_parts(clock: Clock) -> list[Part]:
    moment = conditions.interview_moment()
    return [
        Part(
            UPCOMING,
            moment & Q(interview_date__gte=clock.now, interview_date__lt=clock.upcoming_end),
            (("moment", False), ("interview_pk", False)),
        ),
        Part(
            NEEDS_REVIEW,
            moment & Q(interview_date__lt=clock.now),
            (("moment", True), ("interview_pk", True)),
        ),
        Part(
            AWAITING,
            conditions.awaiting_response()
            & ~Exists(
                InterviewRound.objects.filter(conditions.pending_round(), interview=OuterRef("pk"))
            ),
            (("applied_on", False), ("interview_pk", False)),
        ),
    ]


def _round_parts(clock: Clock) -> list[Part]:
    return [
        Part(
            UPCOMING,
            Q(scheduled_date__gte=clock.now, scheduled_date__lt=clock.upcoming_end),
            (("moment", False), ("interview_pk", False), ("round_pk", False)),
        ),
        Part(
            NEEDS_REVIEW,
            Q(scheduled_date__lt=clock.now),
            (("moment", True), ("interview_pk", True), ("round_pk", True)),
        ),
    ]


def _ranked(
    queryset: QuerySet[Any], columns: dict[str, Any], parts: list[Part]
) -> QuerySet[Any, dict[str, Any]]:
    """The parts of one table in one query: ranked within each part, the first kept."""
    kind = Case(
        *(When(part.condition, then=Value(part.kind)) for part in parts),
        output_field=CharField(),
    )
    # Within a part, only that part's terms vary; the others are null for all its rows.
    order = [
        OrderBy(Case(When(kind=part.kind, then=F(column))), descending=descending)
        for part in parts
        for column, descending in part.order
    ]
    ranked: QuerySet[Any, dict[str, Any]] = (
        queryset.filter(functools.reduce(operator.or_, (part.condition for part in parts)))
        .annotate(kind=kind, **columns)
        .annotate(rank=Window(RowNumber(), partition_by=[F("kind")], order_by=order))
        .filter(rank__lte=LIST_SIZE)
        .values(*COLUMNS)
    )
    return ranked
