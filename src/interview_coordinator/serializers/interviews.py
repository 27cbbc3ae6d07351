"""Serializers of interviews and rounds: what a write may contain, and its validation.

Writes go through these (clean text, ownership of the interview a round
belongs to, the user's timezone). Their output, like every read, is built by
``rows.Rendering``, so a created or updated object answers exactly the shape
the lists and details answer. The declared read-only fields document that
shape in the OpenAPI schema.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from interview_coordinator.bounds import validate_date_in_range
from interview_coordinator.ids import ID_MAX_DIGITS
from interview_coordinator.models import (
    COMPLETED_BEFORE_SCHEDULED,
    NOTES_MAX_LENGTH,
    Interview,
    InterviewRound,
    InterviewStatus,
    InterviewType,
    Location,
    completed_before_scheduled,
)
from interview_coordinator.rows import (
    INTERVIEW_COLUMNS,
    ROUND_COLUMNS,
    Rendering,
    interview_rounds,
    model_columns,
)
from interview_coordinator.security import log_event
from interview_coordinator.serializers.fields import (
    AsciiDateField,
    OptionalChoiceField,
    PlainTextField,
    SafeHTMLField,
    UserTimezoneDateTimeField,
)
from interview_coordinator.timezones import request_timezone

# A browser's local-time input has minute precision: an interview created
# "now" arrives up to a minute in the past and must still be accepted.
PAST_TOLERANCE = datetime.timedelta(minutes=1)

TEXT_MAX_LENGTH = 200


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class OwnInterviewField(serializers.PrimaryKeyRelatedField[Interview]):
    """The interview of a round: only one of the requesting user's own.

    Another user's interview reads exactly like a missing one.
    """

    default_error_messages = {
        "does_not_exist": _("No interview {pk_value} among yours."),
        "incorrect_type": _("Expected an interview id (an integer), got {data_type}."),
        "too_large": _("No interview has an id that large."),
    }

    def get_queryset(self) -> QuerySet[Interview]:
        request = self.context["request"]
        own: QuerySet[Interview] = Interview.objects.filter(user_id=request.user.pk)
        return own

    def to_internal_value(self, data: Any) -> Interview:
        is_integer = isinstance(data, int) and not isinstance(data, bool)
        is_digits = isinstance(data, str) and data.isascii() and data.isdigit()
        if not is_integer and not is_digits:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if len(str(data)) > ID_MAX_DIGITS:
            self.fail("too_large")
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            self.log_if_foreign(int(data))
            raise

    def log_if_foreign(self, pk: int) -> None:
        """Log naming another user's interview; the answer stays the plain 400."""
        if Interview.objects.filter(pk=pk).exists():
            log_event(
                "object_access_denied",
                self.context["request"],
                object_type=Interview._meta.label,
                object_id=pk,
            )


class InterviewRoundSerializer(serializers.ModelSerializer[InterviewRound]):
    interview = OwnInterviewField()
    stage_display = serializers.CharField(read_only=True)
    outcome_display = serializers.CharField(read_only=True)
    scheduled_date = UserTimezoneDateTimeField(allow_null=True, required=False)
    completed_date = UserTimezoneDateTimeField(allow_null=True, required=False)
    notes = SafeHTMLField(max_length=NOTES_MAX_LENGTH, required=False)

    class Meta:
        model = InterviewRound
        fields = (
            "id",
            "interview",
            "stage",
            "stage_display",
            "scheduled_date",
            "completed_date",
            "duration_minutes",
            "notes",
            "outcome",
            "outcome_display",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "created_at", "updated_at")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The dates of the round once written, the stored ones where the request has none."""

        def written(name: str) -> Any:
            return attrs[name] if name in attrs else getattr(self.instance, name, None)

        if completed_before_scheduled(written("scheduled_date"), written("completed_date")):
            raise serializers.ValidationError(
                {"completed_date": [COMPLETED_BEFORE_SCHEDULED]}, code="before_scheduled"
            )
        return attrs

    def to_representation(self, instance: InterviewRound) -> dict[str, Any]:
        rendering = Rendering(request_timezone(self.context["request"]))
        return rendering.round(model_columns(instance, ROUND_COLUMNS))


class InterviewSerializer(serializers.ModelSerializer[Interview]):
    company_name = PlainTextField(max_length=TEXT_MAX_LENGTH)
    position = PlainTextField(max_length=TEXT_MAX_LENGTH)
    interview_date = UserTimezoneDateTimeField(allow_null=True, required=False)
    interview_type = OptionalChoiceField(InterviewType.choices)
    status = OptionalChoiceField(InterviewStatus.choices)
    location = OptionalChoiceField(Location.choices)
    application_date = AsciiDateField(
        allow_null=True,
        required=False,
        validators=[validate_date_in_range],
        help_text=_("Absent or null: the day the application was created, in the user's timezone."),
    )
    notes = SafeHTMLField(max_length=NOTES_MAX_LENGTH, required=False)
    days_in_pipeline = serializers.IntegerField(
        read_only=True,
        help_text=_("Days from the application date to today, in the user's timezone."),
    )
    is_upcoming = serializers.BooleanField(
        read_only=True, help_text=_("Scheduled, with the next interview still ahead.")
    )
    rounds = InterviewRoundSerializer(many=True, read_only=True)

    class Meta:
        model = Interview
        fields: tuple[str, ...] = (*INTERVIEW_COLUMNS, "days_in_pipeline", "is_upcoming", "rounds")
        read_only_fields = ("id", "created_at", "updated_at")

    # Whether a new interview may have a past date: an import brings history.
    accepts_past_dates = False

    def validate_interview_date(self, value: datetime.datetime | None) -> Any:
        """A new interview cannot be scheduled in the past; an existing one keeps its history."""
        if (
            self.instance is None
            and not self.accepts_past_dates
            and value is not None
            and value < timezone.now() - PAST_TOLERANCE
        ):
            raise serializers.ValidationError(
                _("A new interview cannot be scheduled in the past."), code="past"
            )
        return value

    def validate_application_date(self, value: datetime.date | None) -> datetime.date:
        """The original front end sends null when the user gave no date: store the creation day.

        The column stays a plain date, so lists, filters, ordering and the
        statistics never meet an application without one.
        """
        return value if value is not None else self.creation_day()

    def create(self, validated_data: dict[str, Any]) -> Interview:
        validated_data.setdefault("application_date", self.creation_day())
        interview: Interview = super().create(validated_data)
        return interview

    def creation_day(self) -> datetime.date:
        """The day the application was (or is being) created, in the user's timezone.

        "Applied today" means the user's today, not the server's.
        """
        created = self.instance.created_at if self.instance is not None else timezone.now()
        return timezone.localdate(created, timezone=request_timezone(self.context["request"]))

    def to_representation(self, instance: Interview) -> dict[str, Any]:
        rendering = Rendering(request_timezone(self.context["request"]))
        data = rendering.interview(model_columns(instance, INTERVIEW_COLUMNS))
        data["rounds"] = interview_rounds(instance.pk, rendering)
        return data


class InterviewListSerializer(InterviewSerializer):
    """A list entry: an interview without its rounds (what the schema shows for lists)."""

    class Meta(InterviewSerializer.Meta):
        fields = (*INTERVIEW_COLUMNS, "days_in_pipeline", "is_upcoming")
