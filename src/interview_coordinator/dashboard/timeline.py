"""What the timeline tells the dashboard: how long applications stay in a stage, where they end.

One query reads the user's applications with their stage and status events
(an application without any still counts, as the stage it is in); the rest
is arithmetic over those rows. A stay in a stage runs from the event that
entered it (the creation, or a change of stage) to the next change of stage,
and lasts the days between the two events' calendar dates in the user's
timezone, like every number of days on the dashboard: from 23:30 to 00:30
the next day is a day, from 00:10 to 23:50 the same day none. Stays not over
yet are left out, so the numbers do not move with the clock (only with the
user's timezone, which the stored answer is judged by).
An application ends at the stage it was in when its status became rejected
or withdrawn, as its latest event to that status recorded; without one (a
status written by other means) at the stage it is in.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import FilteredRelation, Q

from interview_coordinator.bounds import local_date
from interview_coordinator.models import (
    COMPLETED_STAGE,
    ApplicationStatus,
    EventKind,
    Interview,
    InterviewStage,
)

# Stages an application can leave, and the statuses that end it early.
LEFT_STAGES = tuple(stage for stage in InterviewStage.values if stage != COMPLETED_STAGE)
ENDINGS = (str(ApplicationStatus.REJECTED), str(ApplicationStatus.WITHDRAWN))
STAGE_ENTRIES = frozenset({str(EventKind.CREATED), str(EventKind.INTERVIEW_STAGE)})


def timeline_numbers(user: Any, zone: ZoneInfo) -> dict[str, Any]:
    """The median stay in each stage and where applications ended, days counted in ``zone``."""
    rows = (
        Interview.objects.filter(user=user)
        .annotate(
            moves=FilteredRelation(
                "events",
                condition=Q(events__kind__in=[*STAGE_ENTRIES, str(EventKind.APPLICATION_STATUS)]),
            )
        )
        .order_by("pk", "moves__created_at", "moves__id")
        .values_list(
            "pk",
            "application_status",
            "interview_stage",
            "moves__kind",
            "moves__new_value",
            "moves__stage",
            "moves__created_at",
        )
    )
    stays: dict[str, list[int]] = defaultdict(list)
    ended: dict[str, dict[str, int]] = {
        status: dict.fromkeys(InterviewStage.values, 0) for status in ENDINGS
    }
    current: Any = None
    for pk, status, stage_now, kind, value, stage_then, at in rows:
        if current is None or current["pk"] != pk:
            _close(current, ended)
            current = {"pk": pk, "status": status, "ended_at": stage_now, "entered": None}
        if kind in STAGE_ENTRIES:
            entered = current["entered"]
            if entered is not None and entered[0] != value:
                stays[entered[0]].append(_days(entered[1], at, zone))
            if entered is None or entered[0] != value:
                current["entered"] = (value, at)
        elif kind is not None and value == status:
            current["ended_at"] = stage_then
    _close(current, ended)
    return {
        "median_days_in_stage": {
            stage: round(float(statistics.median(stays[stage])), 1) if stays[stage] else None
            for stage in LEFT_STAGES
        },
        "ended_at_stage": ended,
    }


def _close(application: dict[str, Any] | None, ended: dict[str, dict[str, int]]) -> None:
    if application is not None and application["status"] in ended:
        ended[application["status"]][application["ended_at"]] += 1


def _days(entered: datetime.datetime, left: datetime.datetime, zone: ZoneInfo) -> int:
    """Days between the local calendar dates of entering and leaving a stage."""
    return (local_date(left, zone) - local_date(entered, zone)).days
