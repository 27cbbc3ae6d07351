"""The rules of an application's life that writes must keep, whatever the endpoint.

- A user's interviews and an interview's rounds are capped, so that "all of
  them" stays bounded. The count is taken under a row lock (the user's, or
  the interview's), so two concurrent creates cannot both slip under the cap.
- Advancing an interview's stage to a round stage records a pending round,
  so the rounds are the application's history. That round keeps its
  interview's date while both are pending and nobody edited the round.
- A closed application (rejected, declined, withdrawn, or its interview
  cancelled) cancels its rounds still to come.

Callers run these inside the transaction of the write they guard.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from interview_coordinator.conf import app_settings
from interview_coordinator.history import update_rounds
from interview_coordinator.models import (
    CLOSED_STATUSES,
    Interview,
    InterviewRound,
    InterviewStatus,
    RoundOutcome,
    RoundStage,
    check_round_count,
    is_advance,
)


def check_interview_cap(user: Any) -> None:
    """400 when the user already has ``MAX_INTERVIEWS_PER_USER`` interviews.

    The user's row is locked ``FOR NO KEY UPDATE``: concurrent creators wait
    for each other, but a concurrent profile write, which inserts rows
    referencing the user (reminders, the dashboard row) while it holds the
    profile's lock, does not wait for this one, which would deadlock.
    """
    get_user_model()._default_manager.select_for_update(no_key=True).filter(pk=user.pk).values_list(
        "pk", flat=True
    ).get()
    limit = int(app_settings.MAX_INTERVIEWS_PER_USER)
    if Interview.objects.filter(user=user).count() >= limit:
        raise ValidationError(
            {
                api_settings.NON_FIELD_ERRORS_KEY: [
                    _("You have reached the limit of %(limit)d interviews; delete one first.")
                    % {"limit": limit}
                ]
            },
            code="limit",
        )


def check_round_cap(interview: Interview, field: str, adding: int = 1) -> None:
    """Refuse on ``field`` when ``adding`` rounds would take the interview past the cap.

    A stored interview is locked first, so that concurrent writers count
    one after the other.
    """
    if interview.pk is not None:
        Interview.objects.select_for_update().filter(pk=interview.pk).values_list(
            "pk", flat=True
        ).get()
    check_round_count(interview.pk, field, adding)


# Stages whose round the writer saving the interview enters itself (admin inlines).
_entered_stages: ContextVar[frozenset[str]] = ContextVar(
    "interview_coordinator_entered_stages", default=frozenset()
)


@contextmanager
def rounds_entered(stages: Iterable[str]) -> Iterator[None]:
    """Record no round for a stage advance to one of ``stages``: the caller saves it next.

    The admin's form saves the interview before its inline rounds; a round
    of the new stage typed there is the advance's round, not a second one.
    """
    token = _entered_stages.set(frozenset(stages))
    try:
        yield
    finally:
        _entered_stages.reset(token)


def stage_round_due(interview: Interview, previous_stage: str) -> bool:
    """Whether saving the interview will record a round for its stage advance.

    Only for an advance to a round stage that the writer does not enter
    itself (``rounds_entered``) and that the interview has no round of.
    """
    stage = interview.interview_stage
    if stage not in RoundStage.values or not is_advance(previous_stage, stage):
        return False
    if stage in _entered_stages.get():
        return False
    return (
        interview.pk is None
        or not InterviewRound.objects.filter(interview=interview, stage=stage).exists()
    )


def record_stage_round(interview: Interview, previous_stage: str) -> InterviewRound | None:
    """Record a pending round when the stage advanced to a round stage without one.

    The round is scheduled at the interview's next interview date when that
    is still ahead and the interview is scheduled; otherwise it is left
    unscheduled.
    """
    if not stage_round_due(interview, previous_stage):
        return None
    stage = interview.interview_stage
    check_round_cap(interview, "interview_stage")
    # The outcome defaults to pending; a closed application's round will not
    # take place.
    pending_round: InterviewRound = InterviewRound.objects.create(
        interview=interview,
        stage=stage,
        scheduled_date=followed_date(interview),
        follows_interview=True,
        outcome=RoundOutcome.CANCELLED if is_closed(interview) else RoundOutcome.PENDING,
    )
    return pending_round


def is_closed(interview: Interview) -> bool:
    """Whether the application is over, or its interview called off."""
    return interview.application_status in CLOSED_STATUSES or interview.status == str(
        InterviewStatus.CANCELLED
    )


def followed_date(interview: Interview) -> datetime.datetime | None:
    """The date a following round takes: the interview's, while it is scheduled and ahead.

    A pending round is a reminder moment: a cancelled or past date is none.
    """
    scheduled = interview.interview_date
    if interview.status != str(InterviewStatus.SCHEDULED) or (
        scheduled is not None and scheduled <= timezone.now()
    ):
        return None
    return scheduled


def keep_rounds_in_step(interview: Interview) -> None:
    """Bring the interview's pending rounds in line with it, after any save of it.

    A closed application cancels its rounds still to come (or undated); a past
    one still waiting for its outcome is left for the user to review. Else a
    round that follows its interview takes the interview's date (or none,
    once the date is cleared), unless that date has passed. One locked read,
    and one UPDATE when a round changes; it counts as a change of the rounds
    for calendars (``sequence``) and on their timeline, but is no edit by
    the user, so the rounds keep following.
    """
    now = timezone.now()
    pending = InterviewRound.objects.filter(interview_id=interview.pk, outcome=RoundOutcome.PENDING)
    changed = {"updated_at": now, "sequence": F("sequence") + 1}
    if is_closed(interview):
        update_rounds(
            pending.filter(Q(scheduled_date__isnull=True) | Q(scheduled_date__gt=now)),
            interview,
            outcome=RoundOutcome.CANCELLED,
            **changed,
        )
        return
    if interview.status != str(InterviewStatus.SCHEDULED):
        return
    date = interview.interview_date
    if date is not None and date <= now:
        return
    update_rounds(
        pending.filter(follows_interview=True).exclude(scheduled_date=date),
        interview,
        scheduled_date=date,
        **changed,
    )
