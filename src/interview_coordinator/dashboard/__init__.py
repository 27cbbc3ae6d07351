"""The dashboard statistics, computed by the database in a constant handful of queries.

The service this package descends from ran one query per stage and per
status and evaluated each list twice, so its dashboard slowed down as a job
search grew. Here a computation takes five queries at most, at any data size:
the user's timezone (``timezones``), every number in one aggregate (``summary``),
the three short lists (``lists``: one query on PostgreSQL, one per table
elsewhere), and the stays in each stage and the stages applications end at,
from the stage and status events (``timeline``). The endpoint serves the
stored answer of ``snapshot`` while it still holds, and computes only when
a write or the clock has changed it.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from interview_coordinator.dashboard.clock import Clock
from interview_coordinator.dashboard.lists import (
    AWAITING,
    LIST_SIZE,
    NEEDS_REVIEW,
    UPCOMING,
    list_rows,
)
from interview_coordinator.dashboard.summary import FUNNEL_STEPS, summary_numbers
from interview_coordinator.dashboard.timeline import timeline_numbers
from interview_coordinator.timezones import user_timezone

__all__ = ["FUNNEL_STEPS", "dashboard_stats", "stats_at"]


def dashboard_stats(
    user: Any, now: datetime.datetime | None = None, zone: ZoneInfo | None = None
) -> dict[str, Any]:
    """Everything the dashboard shows for ``user`` at ``now`` (default: the current time).

    ``zone`` is the user's timezone when the caller has read it already.
    """
    return stats_at(user, Clock.at(now or timezone.now(), zone or user_timezone(user)))


def stats_at(user: Any, clock: Clock) -> dict[str, Any]:
    """Everything the dashboard shows for ``user`` at ``clock``, computed from the tables."""
    stats = summary_numbers(user, clock)
    rows = list_rows(user, clock)

    def of_kind(kind: str, *, reverse: bool = False) -> list[dict[str, Any]]:
        chosen = [row for row in rows if row["kind"] == kind]
        chosen.sort(key=lambda r: (r["moment"], r["interview_pk"], r["round_pk"] or 0))
        return (chosen[::-1] if reverse else chosen)[:LIST_SIZE]

    awaiting = sorted(
        (row for row in rows if row["kind"] == AWAITING),
        key=lambda r: (r["applied_on"], r["interview_pk"]),
    )
    return {
        **stats,
        **timeline_numbers(user, clock.tz),
        "upcoming_interviews": [_moment(row) for row in of_kind(UPCOMING)],
        "awaiting_response": [_awaiting(row, clock) for row in awaiting],
        "needs_review": [
            {**_moment(row), "days_ago": (clock.today - clock.local_date(row["moment"])).days}
            for row in of_kind(NEEDS_REVIEW, reverse=True)
        ],
    }


def _moment(row: dict[str, Any]) -> dict[str, Any]:
    """A scheduled moment: the interview's own date, or one of its pending rounds."""
    return {
        "id": row["interview_pk"],
        "company_name": row["company"],
        "position": row["job"],
        "interview_date": row["moment"],
        "interview_type": row["moment_type"],
        "location": row["place"],
        "round_id": row["round_pk"],
        "round_stage": row["round_stage"],
    }


def _awaiting(row: dict[str, Any], clock: Clock) -> dict[str, Any]:
    return {
        "id": row["interview_pk"],
        "company_name": row["company"],
        "position": row["job"],
        "interview_stage": row["stage_now"],
        "application_date": row["applied_on"],
        "days_waiting": (clock.today - row["applied_on"]).days,
    }
