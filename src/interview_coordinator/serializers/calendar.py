"""What the profile's calendar page answers: whether the feed is on, and its URL once."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from interview_coordinator.serializers.fields import ShownDateTimeField


class CalendarFeedSerializer(serializers.Serializer[dict[str, Any]]):
    enabled = serializers.BooleanField(read_only=True)
    url = serializers.URLField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "The feed's address: only in the answer that issues it (null otherwise), "
            "since only a hash of its token is stored."
        ),
    )
    issued_at = ShownDateTimeField(
        read_only=True, allow_null=True, help_text=_("In the user's timezone.")
    )
