"""The rules of an application's life that writes must keep, whatever the endpoint.

- A user's interviews and an interview's rounds are capped, so that "all of
  them" stays bounded. The count is taken under a row lock (the user's, or
  the interview's), so two concurrent creates cannot both slip under the cap.
- Advancing an interview's stage to a round stage records a pending round,
  so the rounds are the application's history.

Callers run these inside the transaction of the write they guard.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from interview_coordinator.conf import app_settings
from interview_coordinator.models import (
    STAGE_ORDER,
    Interview,
    InterviewRound,
    InterviewStatus,
    RoundStage,
)


def check_interview_cap(user: Any) -> None:
    """400 when the user already has ``MAX_INTERVIEWS_PER_USER`` interviews."""
    get_user_model()._default_manager.select_for_update().filter(pk=user.pk).values_list(
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


def check_round_cap(interview: Interview, field: str) -> None:
    """400 on ``field`` when the interview already has ``MAX_ROUNDS_PER_INTERVIEW`` rounds."""
    Interview.objects.select_for_update().filter(pk=interview.pk).values_list("pk", flat=True).get()
    limit = int(app_settings.MAX_ROUNDS_PER_INTERVIEW)
    if InterviewRound.objects.filter(interview=interview).count() >= limit:
        raise ValidationError(
            {
                field: [
                    _("This interview has reached the limit of %(limit)d rounds.")
                    % {"limit": limit}
                ]
            },
            code="limit",
        )


def is_advance(previous_stage: str, stage: str) -> bool:
    return STAGE_ORDER.index(stage) > STAGE_ORDER.index(previous_stage)


def record_stage_round(interview: Interview, previous_stage: str) -> InterviewRound | None:
    """Record a pending round when the stage advanced to a round stage without one.

    The round is scheduled at the interview's next interview date when that
    is still ahead and the interview is scheduled; otherwise it is left
    unscheduled.
    """
    stage = interview.interview_stage
    if stage not in RoundStage.values or not is_advance(previous_stage, stage):
        return None
    if InterviewRound.objects.filter(interview=interview, stage=stage).exists():
        return None
    check_round_cap(interview, "interview_stage")
    # Only a date still to come of a scheduled interview becomes the round's:
    # a pending round is a reminder moment, and a cancelled date is none.
    scheduled = interview.interview_date
    if interview.status != str(InterviewStatus.SCHEDULED) or (
        scheduled is not None and scheduled <= timezone.now()
    ):
        scheduled = None
    # The outcome defaults to pending.
    pending_round: InterviewRound = InterviewRound.objects.create(
        interview=interview, stage=stage, scheduled_date=scheduled
    )
    return pending_round
