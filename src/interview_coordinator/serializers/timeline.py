"""The timeline's entries: an application's events, with labels and datetimes the user reads."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from interview_coordinator.bounds import localize
from interview_coordinator.models import (
    ApplicationStatus,
    EventKind,
    EventSource,
    InterviewStage,
    InterviewStatus,
    RoundOutcome,
    RoundStage,
)
from interview_coordinator.serializers.fields import ShownDateTimeField

# How each kind's values read: the labels of a choice, or datetimes.
CHOICE_LABELS: Mapping[str, type[models.TextChoices]] = {
    str(EventKind.CREATED): InterviewStage,
    str(EventKind.INTERVIEW_STAGE): InterviewStage,
    str(EventKind.APPLICATION_STATUS): ApplicationStatus,
    str(EventKind.STATUS): InterviewStatus,
    str(EventKind.ROUND_OUTCOME): RoundOutcome,
}
COLUMNS = (
    "id",
    "kind",
    "old_value",
    "new_value",
    "stage",
    "round_id",
    "round_stage",
    "source",
    "created_at",
)


def _labels(choices: type[models.TextChoices]) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices.choices}


def shown_value(labels: Mapping[str, str] | None, value: str | None, zone: ZoneInfo) -> str | None:
    """A stored value as the user reads it: a choice's label, or a datetime in their zone."""
    if value is None:
        return None
    if labels is not None:
        return labels.get(value, value)
    text = localize(datetime.datetime.fromisoformat(value), zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def entries(rows: Iterable[Mapping[str, Any]], zone: ZoneInfo) -> list[dict[str, Any]]:
    """The events' rows (``COLUMNS``) with what the user reads of them.

    The labels are translated once per page, not once per value.
    """
    kinds, sources = _labels(EventKind), _labels(EventSource)
    stages, round_stages = _labels(InterviewStage), _labels(RoundStage)
    values = {kind: _labels(choices) for kind, choices in CHOICE_LABELS.items()}
    return [
        {
            **row,
            "kind_display": kinds.get(row["kind"], row["kind"]),
            "old_display": shown_value(values.get(row["kind"]), row["old_value"], zone),
            "new_display": shown_value(values.get(row["kind"]), row["new_value"], zone),
            "stage_display": stages.get(row["stage"], row["stage"]),
            "round_stage_display": round_stages.get(row["round_stage"] or "", None),
            "source_display": sources.get(row["source"], row["source"]),
        }
        for row in rows
    ]


class ApplicationEventSerializer(serializers.Serializer[Any]):
    """One entry of an application's timeline (read-only)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EventKind.choices, help_text=_("What changed."))
    kind_display = serializers.CharField()
    old_value = serializers.CharField(
        allow_null=True,
        help_text=_(
            "The value before the change, as the API writes it (a choice's value, a datetime "
            "in ISO 8601, UTC); null for none."
        ),
    )
    new_value = serializers.CharField(allow_null=True, help_text=_("The value after the change."))
    old_display = serializers.CharField(
        allow_null=True,
        help_text=_("The value before, as shown: a label, or a datetime in the user's timezone."),
    )
    new_display = serializers.CharField(allow_null=True)
    # Plain strings in the schema, as in the dashboard: as enums they would
    # repeat the stage choices under other names.
    stage = serializers.CharField(help_text=_("The application's stage once the change was made."))
    stage_display = serializers.CharField()
    round_id = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "The round the event is about; null for the application's own, or once the "
            "round is deleted."
        ),
    )
    round_stage = serializers.CharField(
        allow_null=True, help_text=_("The round's stage, kept after the round is deleted.")
    )
    round_stage_display = serializers.CharField(allow_null=True)
    # A field named like Field.source: DRF's metaclass takes declared fields
    # off the class, so it never shadows the attribute; the stubs cannot tell.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=EventSource.choices, help_text=_("What the change was made through.")
    )
    source_display = serializers.CharField()
    created_at = ShownDateTimeField(help_text=_("When the change was made."))
