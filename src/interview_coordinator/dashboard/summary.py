"""Every number of the dashboard, from one aggregate query.

The user's applications are joined to their rounds and grouped per
application (furthest stage reached, first and last round, round counts);
one outer aggregate then counts them with ``FILTER`` clauses. The cost is one
pass over the user's rows, whatever the number of stages, statuses or weeks.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from interview_coordinator.bounds import EARLIEST, LATEST
from interview_coordinator.dashboard import conditions
from interview_coordinator.dashboard.clock import Clock
from interview_coordinator.dashboard.median import Median
from interview_coordinator.models import (
    OFFER_STATUSES,
    ApplicationStatus,
    Interview,
    InterviewStage,
    RoundOutcome,
    RoundStage,
)

# Funnel steps after "applied", ranked: an application that reached a step
# reached every step before it, even one it skipped or did not record.
ROUND_STAGE_RANKS = {stage: rank for rank, stage in enumerate(RoundStage.values, start=1)}
FUNNEL_STEPS = (str(InterviewStage.APPLIED), *RoundStage.values, "offer")


def summary_numbers(user: Any, clock: Clock) -> dict[str, Any]:
    return _shape(_aggregate(user, clock), clock)


def _per_application(user: Any, clock: Clock) -> Any:
    """The user's applications, each with what its rounds say about it."""
    upcoming = Q(
        rounds__scheduled_date__gte=clock.now, rounds__scheduled_date__lt=clock.upcoming_end
    )
    return (
        Interview.objects.filter(user=user)
        .order_by()
        .annotate(
            furthest=Max(
                Case(
                    *(
                        When(rounds__stage=stage, then=Value(rank))
                        for stage, rank in ROUND_STAGE_RANKS.items()
                    ),
                    output_field=IntegerField(),
                )
            ),
            first_round_at=Min("rounds__scheduled_date"),
            last_round_at=Max(Coalesce("rounds__completed_date", "rounds__scheduled_date")),
            pending_rounds=Count("rounds", filter=conditions.pending_round("rounds__")),
            upcoming_rounds=Count(
                "rounds", filter=conditions.round_moment_of_interview() & upcoming
            ),
            overdue_rounds=Count(
                "rounds",
                filter=conditions.round_moment_of_interview()
                & Q(rounds__scheduled_date__lt=clock.now),
            ),
            **{
                f"rounds_{outcome}": Count("rounds", filter=Q(rounds__outcome=outcome))
                for outcome in RoundOutcome.values
            },
        )
    )


def _aggregate(user: Any, clock: Clock) -> dict[str, Any]:
    moment = conditions.interview_moment()
    offers = Q(application_status__in=OFFER_STATUSES)
    week_ends = (*clock.week_starts[1:], clock.week_starts[-1] + datetime.timedelta(weeks=1))
    return dict(
        _per_application(user, clock).aggregate(
            total=Count("pk"),
            active=Count("pk", filter=Q(application_status=ApplicationStatus.IN_PROGRESS)),
            offers=Count("pk", filter=offers),
            resolved=Count("pk", filter=Q(application_status__in=conditions.RESOLVED_STATUSES)),
            upcoming_interviews=Count(
                "pk",
                filter=moment
                & Q(interview_date__gte=clock.now, interview_date__lt=clock.upcoming_end),
            ),
            overdue_interviews=Count("pk", filter=moment & Q(interview_date__lt=clock.now)),
            upcoming_round_moments=Sum("upcoming_rounds"),
            overdue_round_moments=Sum("overdue_rounds"),
            awaiting=Count("pk", filter=conditions.awaiting_response() & Q(pending_rounds=0)),
            **{
                f"stage_{stage}": Count("pk", filter=Q(interview_stage=stage))
                for stage in InterviewStage.values
            },
            **{
                f"status_{status}": Count("pk", filter=Q(application_status=status))
                for status in ApplicationStatus.values
            },
            **{
                f"funnel_{rank}": Count("pk", filter=Q(furthest__gte=rank) | offers)
                for rank in ROUND_STAGE_RANKS.values()
            },
            **{
                f"week_{index}": Count(
                    "pk", filter=Q(application_date__gte=start, application_date__lt=end)
                )
                for index, (start, end) in enumerate(zip(clock.week_starts, week_ends, strict=True))
            },
            **{f"outcome_{outcome}": Sum(f"rounds_{outcome}") for outcome in RoundOutcome.values},
            median_first=Median(_days_since_application("first_round_at", clock)),
            # The offer came with the last round: its completion, else its date.
            median_offer=Median(_days_since_application("last_round_at", clock), filter=offers),
        )
    )


def _days_since_application(moment: str, clock: Clock) -> Case:
    """Days from the application date to the user's local date of ``moment``.

    Moments beyond the accepted range (stored by other means) count as
    unknown: some timezones cannot even show their date.
    """
    in_range = Q(**{f"{moment}__gte": EARLIEST, f"{moment}__lte": LATEST})
    days = ExpressionWrapper(
        TruncDate(moment, tzinfo=clock.tz) - F("application_date"),
        output_field=DurationField(),
    )
    return Case(When(in_range, then=days), output_field=DurationField())


def _shape(row: dict[str, Any], clock: Clock) -> dict[str, Any]:
    offers = row["offers"]
    funnel_counts = [
        row["total"],
        *(row[f"funnel_{rank}"] for rank in ROUND_STAGE_RANKS.values()),
        offers,
    ]
    return {
        "total": row["total"],
        "active": row["active"],
        "offers": offers,
        "success_rate": percent(offers, row["resolved"]),
        "upcoming_count": row["upcoming_interviews"] + (row["upcoming_round_moments"] or 0),
        "awaiting_count": row["awaiting"],
        "needs_review_count": row["overdue_interviews"] + (row["overdue_round_moments"] or 0),
        "by_interview_stage": {stage: row[f"stage_{stage}"] for stage in InterviewStage.values},
        "by_application_status": {
            status: row[f"status_{status}"] for status in ApplicationStatus.values
        },
        "funnel": [
            {
                "stage": step,
                "count": count,
                "conversion_rate": None if index == 0 else percent(count, funnel_counts[index - 1]),
            }
            for index, (step, count) in enumerate(zip(FUNNEL_STEPS, funnel_counts, strict=True))
        ],
        "applications_per_week": [
            {"week_start": start, "count": row[f"week_{index}"]}
            for index, start in enumerate(clock.week_starts)
        ],
        "median_days_to_first_interview": _days(row["median_first"]),
        "median_days_to_offer": _days(row["median_offer"]),
        "rounds_by_outcome": {
            outcome: row[f"outcome_{outcome}"] or 0 for outcome in RoundOutcome.values
        },
    }


def percent(part: int, whole: int) -> float:
    """``part`` of ``whole`` in percent with one decimal; 0 when ``whole`` is 0."""
    return round(100 * part / whole, 1) if whole else 0.0


def _days(median: datetime.timedelta | None) -> float | None:
    return None if median is None else round(median / datetime.timedelta(days=1), 1)
