"""Everything the package holds about one user, as one JSON document (access and portability).

Each table is read once with ``.values()``, so the export costs the same few
queries whatever the user's history. Datetimes are ISO 8601 in UTC; the
calendar feed's token hash is left out (it is a credential, not the user's
data), its state is not.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from interview_coordinator.models import (
    ApplicationEvent,
    CalendarFeed,
    FollowUpNudge,
    Interview,
    InterviewRound,
    Profile,
    ReminderDelivery,
)

FORMAT_VERSION = 1
# A round's columns but its owner's: the copy of its interview's is no data of its own.
ROUND_COLUMNS = tuple(
    field.attname for field in InterviewRound._meta.concrete_fields if field.name != "user"
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def _rows(rows: Any) -> list[dict[str, Any]]:
    return [{key: _plain(value) for key, value in row.items()} for row in rows]


def account(user: Any) -> dict[str, Any]:
    """The user's own account fields the host's model has (no password hash)."""
    user_model = get_user_model()
    names = (
        user_model.USERNAME_FIELD,
        user_model.get_email_field_name(),
        "first_name",
        "last_name",
        "date_joined",
        "last_login",
    )
    present = {field.name for field in user_model._meta.concrete_fields}
    fields = {name: _plain(getattr(user, name)) for name in dict.fromkeys(names) if name in present}
    return {"id": user.pk, **fields}


def user_export(user: Any) -> dict[str, Any]:
    """The document: account, profile, applications, rounds, events, reminders, digests, nudges."""
    profile = Profile.objects.filter(user_id=user.pk).values().first()
    feed = CalendarFeed.objects.filter(user_id=user.pk).values("created_at").first()
    return {
        "format_version": FORMAT_VERSION,
        "exported_at": _plain(timezone.now()),
        "account": account(user),
        "profile": _rows([profile])[0] if profile else None,
        "interviews": _rows(Interview.objects.filter(user_id=user.pk).order_by("pk").values()),
        "rounds": _rows(
            InterviewRound.objects.filter(user_id=user.pk).order_by("pk").values(*ROUND_COLUMNS)
        ),
        "events": _rows(
            ApplicationEvent.objects.filter(user_id=user.pk).order_by("created_at", "pk").values()
        ),
        "reminder_deliveries": _rows(
            ReminderDelivery.objects.filter(Q(interview__user_id=user.pk) | Q(user_id=user.pk))
            .order_by("pk")
            .values()
        ),
        "follow_up_nudges": _rows(
            FollowUpNudge.objects.filter(interview__user_id=user.pk).order_by("pk").values()
        ),
        "calendar_feed": {"enabled": feed is not None, "issued_at": _plain(feed["created_at"])}
        if feed
        else {"enabled": False, "issued_at": None},
    }
