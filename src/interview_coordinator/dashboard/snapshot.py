"""The dashboard's stored answer: served while it still holds, computed again once it does not.

The front end asks for the dashboard on every visit of its home page, far
more often than the data changes, so each user's last answer is kept in
``DashboardSnapshot`` with what it depends on. Serving it is one indexed
read (the snapshot joined to the profile's timezone), whatever the size of
the job search. It no longer holds when:

- the user's interviews, rounds or profile changed: database triggers bump
  the snapshot's ``generation`` in the writer's transaction, for every kind
  of write (see the model);
- the user's local date changed: days, weeks and the 7-day window move;
- the first upcoming moment has passed: it leaves the upcoming list and
  joins the needs-review one (no other moment can change list before it);
- the user's timezone is another one (the profile's, or the site's
  without a profile).

Only PostgreSQL and SQLite get the triggers; on other backends every
request computes the answer.
"""

from __future__ import annotations

import datetime
import json
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from interview_coordinator.dashboard import stats_at
from interview_coordinator.dashboard.clock import Clock
from interview_coordinator.models import DashboardSnapshot, Profile, is_joined, joined_row
from interview_coordinator.serializers.dashboard import DashboardStatsSerializer
from interview_coordinator.timezones import remember_timezone, user_timezone, zone_named

# Backends on which the migration installs the triggers that keep generations.
TRIGGER_VENDORS = frozenset({"postgresql", "sqlite"})

# The snapshot's fields an answer is judged by, and the profile's timezone name.
FIELDS = (
    "generation",
    "body",
    "body_generation",
    "computed_at",
    "valid_through",
    "local_date",
    "timezone",
    "zone",
)


def current_answer(user: Any, now: datetime.datetime | None = None) -> Any:
    """The dashboard response data for ``user`` at ``now``: stored if it holds, else computed.

    "Today" and the datetimes shown follow one read of the user's timezone.
    """
    now = now or timezone.now()
    stored = _stored(user) if _has_triggers() else None
    if stored is None:
        # No row: the triggers create it on the user's first write (the
        # migration did for earlier data), so there is nothing to store.
        zone = user_timezone(user)
        return render(stats_at(user, Clock.at(now, zone)), zone)
    # Judged by the zone read with the snapshot, whose generation covers it.
    zone = zone_named(stored["zone"])
    if holds(stored, now, zone):
        return json.loads(stored["body"])
    # The generation was read before the data: a write committed after that
    # read moves it, and the answer computed here is then not stored.
    generation = stored["generation"]
    clock = Clock.at(now, zone)
    stats = stats_at(user, clock)
    data = render(stats, zone)
    upcoming = stats["upcoming_interviews"]
    DashboardSnapshot.objects.filter(user=user, generation=generation).update(
        body=json.dumps(data, cls=JSONEncoder),
        body_generation=generation,
        computed_at=now,
        valid_through=upcoming[0]["interview_date"] if upcoming else None,
        local_date=clock.today,
        timezone=zone.key,
    )
    return data


class _ShownIn:
    """Stands for the request in the serializer's context: it carries the zone to show datetimes in.

    The datetime fields read the requesting user's zone through
    ``request_timezone``; this gives them the zone the statistics were
    computed in, with or without a request at hand.
    """

    def __init__(self, zone: ZoneInfo) -> None:
        remember_timezone(self, zone)


def render(stats: dict[str, Any], zone: ZoneInfo) -> Any:
    """The response data of computed statistics, datetimes shown in ``zone``."""
    return DashboardStatsSerializer(stats, context={"request": _ShownIn(zone)}).data


def holds(stored: dict[str, Any], now: datetime.datetime, zone: ZoneInfo) -> bool:
    """Whether a stored answer is still the answer at ``now`` (see the module's docstring)."""
    valid_through = stored["valid_through"]
    return bool(
        stored["body"] is not None
        and stored["body_generation"] == stored["generation"]
        and stored["timezone"] == zone.key
        and stored["computed_at"] <= now
        and (valid_through is None or now <= valid_through)
        and now.astimezone(zone).date() == stored["local_date"]
    )


def _has_triggers() -> bool:
    return connections[DashboardSnapshot.objects.db].vendor in TRIGGER_VENDORS


def _stored(user: Any) -> dict[str, Any] | None:
    """The user's snapshot with the profile's timezone name; None before the first.

    Read with the user when the authentication joined both rows, else in one query.
    """
    if is_joined(user, DashboardSnapshot) and is_joined(user, Profile):
        snapshot = joined_row(user, DashboardSnapshot)
        if snapshot is None:
            return None
        profile = joined_row(user, Profile)
        return {
            **{field: getattr(snapshot, field) for field in FIELDS[:-1]},
            "zone": profile.timezone if profile is not None else None,
        }
    rows = (
        DashboardSnapshot.objects.filter(user=user)
        .annotate(
            zone=Subquery(Profile.objects.filter(user=OuterRef("user")).values("timezone")[:1])
        )
        .values(*FIELDS)[:1]
    )
    return next(iter(rows), None)
