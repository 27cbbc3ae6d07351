"""The profile settings: reminder and nudge preferences, timezone, the user's name and email.

``reminder_time`` accepts "HH:MM" and "HH:MM:SS" (the original front end
sends both) and answers "HH:MM"; ``timezone`` must be an IANA name known to
this system's zoneinfo database; ``follow_up_after_days`` is 3 to 60, or null
for no nudges; the day counts are JSON integers, never text or decimals.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from interview_coordinator.models import Profile, known_timezones
from interview_coordinator.reminders.emails import user_email
from interview_coordinator.serializers.fields import StrictIntegerField, StrictTextField

REMINDER_TIME_FORMAT = "%H:%M"
REMINDER_TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        "example": "09:00",
    }
)
class ReminderTimeField(serializers.TimeField):
    """A time of day in, "HH:MM" out: the original front end sends both forms."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", REMINDER_TIME_FORMAT)
        kwargs.setdefault("input_formats", REMINDER_TIME_INPUT_FORMATS)
        super().__init__(**kwargs)


# The names this system's zone database knows, the only ones accepted.
@extend_schema_field(
    {"type": "string", "enum": sorted(known_timezones()), "example": "Europe/Berlin"}
)
class TimezoneField(StrictTextField):
    default_error_messages = {
        "unknown": _("{value!r} is not a known IANA timezone name, e.g. 'Europe/Berlin'."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value not in known_timezones():
            self.fail("unknown", value=value[:64])
        return value


class ProfileSerializer(serializers.ModelSerializer[Profile]):
    # The day counts are whole JSON numbers, never text or decimals; the
    # booleans read as DRF's do everywhere in the API.
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.PositiveSmallIntegerField: StrictIntegerField,
    }

    username = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    reminder_time = ReminderTimeField(required=False)
    timezone = TimezoneField(required=False)

    class Meta:
        model = Profile
        fields = [
            "username",
            "email",
            "email_notifications_enabled",
            "reminder_days_before",
            "reminder_time",
            "timezone",
            "follow_up_after_days",
            "follow_up_digest_enabled",
        ]

    def update(self, instance: Profile, validated_data: dict[str, Any]) -> Profile:
        """Write only the fields the request carries, so a concurrent write of others stays."""
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.save(update_fields=[*validated_data, "updated_at"])
        return instance

    def to_representation(self, instance: Profile) -> dict[str, Any]:
        """What the fields answer, without building them: that was most of a read's cost.

        A ``ModelSerializer`` makes its fields anew for every instance it
        serializes, from the model's; a test holds this to their answer.
        """
        return {
            "username": self.get_username(instance),
            "email": self.get_email(instance),
            "email_notifications_enabled": bool(instance.email_notifications_enabled),
            "reminder_days_before": int(instance.reminder_days_before),
            "reminder_time": instance.reminder_time.strftime(REMINDER_TIME_FORMAT),
            "timezone": str(instance.timezone),
            "follow_up_after_days": None
            if instance.follow_up_after_days is None
            else int(instance.follow_up_after_days),
            "follow_up_digest_enabled": bool(instance.follow_up_digest_enabled),
        }

    def get_username(self, profile: Profile) -> str:
        return str(profile.user.get_username())

    def get_email(self, profile: Profile) -> str:
        return user_email(profile.user)


class TestEmailQueuedSerializer(serializers.Serializer[dict[str, str]]):
    """The 202 answer of the test-email endpoint (documentation only)."""

    status = serializers.CharField()
    message = serializers.CharField()
    task_id = serializers.CharField()


class TestEmailSentSerializer(serializers.Serializer[dict[str, str]]):
    """The 200 answer of the test-email endpoint on a site without a Celery broker."""

    status = serializers.CharField()
    message = serializers.CharField()
