"""What the dashboard counts, written once for the aggregate and the lists alike.

A *scheduled moment* is an interview's ``interview_date`` while its status is
scheduled, or a pending round's ``scheduled_date``; a round at the very time
of its interview's own moment is that same moment, counted once (as the
reminders count it).
"""

from __future__ import annotations

from django.db.models import F, Q

from interview_coordinator.models import (
    CLOSED_STATUSES,
    OFFER_STATUSES,
    ApplicationStatus,
    InterviewStage,
    InterviewStatus,
    RoundOutcome,
)

RESOLVED_STATUSES = (*OFFER_STATUSES, ApplicationStatus.REJECTED, ApplicationStatus.DECLINED)
AWAITING_STAGES = (InterviewStage.APPLIED, InterviewStage.SCREENING)


def interview_moment() -> Q:
    """On Interview: the interview's own date is a moment, until the application closes."""
    return Q(status=InterviewStatus.SCHEDULED, interview_date__isnull=False) & ~Q(
        application_status__in=CLOSED_STATUSES
    )


def pending_round(prefix: str = "") -> Q:
    """A round with a date and no outcome yet; ``prefix`` reaches it from another model."""
    return Q(**{f"{prefix}outcome": RoundOutcome.PENDING, f"{prefix}scheduled_date__isnull": False})


def round_moment_of_interview() -> Q:
    """On Interview joined to its rounds: the round is a moment of its own."""
    return pending_round("rounds__") & ~Q(
        status=InterviewStatus.SCHEDULED, interview_date=F("rounds__scheduled_date")
    )


def round_moment() -> Q:
    """On InterviewRound: the round is a moment of its own."""
    return pending_round() & ~Q(
        interview__status=InterviewStatus.SCHEDULED,
        interview__interview_date=F("scheduled_date"),
    )


def awaiting_response() -> Q:
    """On Interview: in progress at an early stage, its own date not scheduled.

    The caller adds "and no pending round with a date", which needs the rounds.
    """
    return (
        Q(application_status=ApplicationStatus.IN_PROGRESS, interview_stage__in=AWAITING_STAGES)
        & ~interview_moment()
    )
