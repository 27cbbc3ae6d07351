"""The shape of the dashboard statistics response.

The numbers are computed by ``interview_coordinator.dashboard``; these
serializers render them (datetimes in ISO 8601 in the user's timezone, like
every other endpoint) and describe the response in the OpenAPI schema. The
per-choice count objects are built from the model choices, so a new stage or
status appears in both.
"""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from interview_coordinator.dashboard.timeline import LEFT_STAGES
from interview_coordinator.models import (
    ApplicationStatus,
    InterviewStage,
    InterviewType,
    Location,
    RoundOutcome,
)
from interview_coordinator.serializers.fields import ShownDateTimeField


def _counts_serializer(name: str, choices: type[TextChoices]) -> type[serializers.Serializer[Any]]:
    """A serializer with one integer field per choice, zeros included."""
    fields: dict[str, Any] = {
        value: serializers.IntegerField(min_value=0, help_text=label)
        for value, label in choices.choices
    }
    return type(name, (serializers.Serializer,), fields)


InterviewStageCountsSerializer = _counts_serializer(
    "InterviewStageCountsSerializer", InterviewStage
)
ApplicationStatusCountsSerializer = _counts_serializer(
    "ApplicationStatusCountsSerializer", ApplicationStatus
)
RoundOutcomeCountsSerializer = _counts_serializer("RoundOutcomeCountsSerializer", RoundOutcome)


class MomentSerializer(serializers.Serializer[Any]):
    """A scheduled moment: an interview's own date, or one of its pending rounds."""

    id = serializers.IntegerField(help_text=_("The interview's id."))
    company_name = serializers.CharField()
    position = serializers.CharField()
    interview_date = ShownDateTimeField(
        help_text=_("When the moment takes place, in the user's timezone.")
    )
    interview_type = serializers.ChoiceField(choices=InterviewType.choices, allow_null=True)
    location = serializers.ChoiceField(choices=Location.choices, allow_null=True)
    round_id = serializers.IntegerField(
        allow_null=True, help_text=_("The round's id; null for the interview's own date.")
    )
    # Plain strings in the schema: as enums they would repeat the round's
    # stage choices under other names, which drf-spectacular can only name
    # cleanly when the host configures ENUM_NAME_OVERRIDES.
    round_stage = serializers.CharField(
        allow_null=True,
        help_text=_(
            "The round's stage (screening, technical, onsite or final); "
            "null for the interview's own date."
        ),
    )


class NeedsReviewSerializer(MomentSerializer):
    days_ago = serializers.IntegerField(
        min_value=0, help_text=_("Days since the moment, in the user's timezone.")
    )


class AwaitingResponseSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    company_name = serializers.CharField()
    position = serializers.CharField()
    interview_stage = serializers.ChoiceField(choices=InterviewStage.choices)
    application_date = serializers.DateField()
    days_waiting = serializers.IntegerField(
        help_text=_("Days since the application date, in the user's timezone.")
    )


class FunnelStepSerializer(serializers.Serializer[Any]):
    stage = serializers.CharField(
        help_text=_("applied, screening, technical, onsite, final, then offer, in this order.")
    )
    count = serializers.IntegerField(
        min_value=0, help_text=_("Applications that reached this stage or a later one.")
    )
    conversion_rate = serializers.FloatField(
        allow_null=True,
        help_text=_("Percent of the previous stage's applications; null for the first stage."),
    )


class WeekCountSerializer(serializers.Serializer[Any]):
    week_start = serializers.DateField(help_text=_("The Monday that starts the week."))
    count = serializers.IntegerField(min_value=0)


def _stage_days_serializer() -> type[serializers.Serializer[Any]]:
    """Median days per stage an application can leave; null without a finished stay."""
    fields: dict[str, Any] = {
        value: serializers.FloatField(allow_null=True, help_text=label)
        for value, label in InterviewStage.choices
        if value in LEFT_STAGES
    }
    return type("MedianDaysInStageSerializer", (serializers.Serializer,), fields)


MedianDaysInStageSerializer = _stage_days_serializer()


class EndedAtStageSerializer(serializers.Serializer[Any]):
    rejected = InterviewStageCountsSerializer(
        help_text=_("Rejected applications, by the stage they were in when rejected.")
    )
    withdrawn = InterviewStageCountsSerializer(
        help_text=_("Withdrawn applications, by the stage they were in when withdrawn.")
    )


class DashboardStatsSerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField(min_value=0)
    active = serializers.IntegerField(min_value=0, help_text=_("Applications in progress."))
    offers = serializers.IntegerField(min_value=0, help_text=_("Offers, accepted ones included."))
    success_rate = serializers.FloatField(
        help_text=_("Offers among resolved applications, in percent; 0 when none is resolved.")
    )
    upcoming_count = serializers.IntegerField(min_value=0)
    upcoming_interviews = MomentSerializer(
        many=True, help_text=_("Moments in the next 7 days, soonest first, at most 5.")
    )
    awaiting_count = serializers.IntegerField(min_value=0)
    awaiting_response = AwaitingResponseSerializer(
        many=True,
        help_text=_(
            "In-progress early applications with nothing scheduled, longest waiting first, "
            "at most 5."
        ),
    )
    needs_review_count = serializers.IntegerField(min_value=0)
    needs_review = NeedsReviewSerializer(
        many=True,
        help_text=_("Past moments still scheduled or pending, most recent first, at most 5."),
    )
    by_interview_stage = InterviewStageCountsSerializer()
    by_application_status = ApplicationStatusCountsSerializer()
    funnel = FunnelStepSerializer(many=True)
    applications_per_week = WeekCountSerializer(
        many=True, help_text=_("The last 12 weeks, oldest first, in the user's timezone.")
    )
    median_days_to_first_interview = serializers.FloatField(allow_null=True)
    median_days_to_offer = serializers.FloatField(allow_null=True)
    rounds_by_outcome = RoundOutcomeCountsSerializer()
    median_days_in_stage = MedianDaysInStageSerializer(
        help_text=_(
            "Median days an application stayed in each stage before moving on, from its "
            "timeline; stays not over yet are left out."
        )
    )
    ended_at_stage = EndedAtStageSerializer(
        help_text=_("Where applications ended: the stage they were in when it happened.")
    )
