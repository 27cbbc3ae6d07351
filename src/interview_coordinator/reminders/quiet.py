"""Which applications have gone quiet: open, no event for a while, not nudged for that silence.

An application's quiet period starts at its last event on its timeline
(its creation, a change of its stage, status or dates, a round added,
rescheduled, given an outcome or deleted) and lasts until the next one.
It is nudged at most once per period: a ``FollowUpNudge`` row records the
period's start once a digest listing it has been sent.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, JSONObject

from interview_coordinator.models import (
    CLOSED_STATUSES,
    OFFER_STATUSES,
    ApplicationEvent,
    FollowUpNudge,
    Interview,
)
from interview_coordinator.serializers.timeline import CHOICE_LABELS, entries

# Statuses that end an application's wait for news: offers and closures.
SETTLED_STATUSES = OFFER_STATUSES | CLOSED_STATUSES


def last_event_at() -> Any:
    """When the application's timeline last moved: the start of its current quiet period.

    ``last_event_at`` is kept by the timeline in the transaction of each
    change; an application stored without events reads as quiet since its
    creation.
    """
    return Coalesce(F("last_event_at"), F("created_at"))


def last_event() -> Subquery:
    """The application's latest event, what a digest says of it (one subquery)."""
    latest = ApplicationEvent.objects.filter(interview_id=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    return Subquery(
        latest.values(
            event=JSONObject(kind="kind", new_value="new_value", round_stage="round_stage")
        )[:1]
    )


def describe(event: Mapping[str, Any] | None) -> str:
    """The event as the timeline shows it: its kind, its round, the choice it made."""
    if not event:
        return ""
    row = {"stage": "", "source": "", "old_value": None, **event}
    (entry,) = entries([row], ZoneInfo("UTC"))
    label = str(entry["kind_display"])
    if entry["round_stage_display"]:
        label += f" ({entry['round_stage_display']})"
    if event["kind"] in CHOICE_LABELS and entry["new_display"]:
        label += f": {entry['new_display']}"
    return label


def unnudged(user_id: Any) -> QuerySet[Interview]:
    """The user's open applications whose current quiet period has not been nudged yet."""
    queryset: QuerySet[Interview] = (
        Interview.objects.filter(user_id=user_id)
        .exclude(application_status__in=SETTLED_STATUSES)
        .annotate(quiet_since=last_event_at())
        .exclude(
            Exists(
                FollowUpNudge.objects.filter(
                    interview_id=OuterRef("pk"), quiet_since=OuterRef("quiet_since")
                )
            )
        )
    )
    return queryset


def first_quiet_since(user_id: Any) -> datetime.datetime | None:
    """The earliest start of a quiet period still to nudge, in one query."""
    value: datetime.datetime | None = unnudged(user_id).aggregate(first=Min("quiet_since"))["first"]
    return value


def quiet_applications(
    user_id: Any, after_days: int, now: datetime.datetime
) -> list[dict[str, Any]]:
    """The applications a digest sent now lists, longest quiet first, in one query."""
    rows = list(
        unnudged(user_id)
        .filter(Q(quiet_since__lte=now - datetime.timedelta(days=after_days)))
        .order_by("quiet_since", "pk")
        .annotate(last_event=last_event())
        .values("pk", "company_name", "position", "quiet_since", "last_event")
    )
    return [{**row, "last_event": describe(row["last_event"])} for row in rows]
