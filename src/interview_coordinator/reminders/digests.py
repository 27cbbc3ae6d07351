"""When a user's follow-up digest goes out, kept as a planned row of the delivery table.

A user whose profile asks for nudges has at most one digest to come: a
``ReminderDelivery`` of kind ``digest``, due at ``reminder_time`` on the first
local day on which one of their open applications has been quiet for
``follow_up_after_days`` days. It is re-planned by the writes that can move
that day (an application's or a round's change, the profile, the account's
state) and after each digest, so the dispatch scan reads only the digests
due now, whatever the number of users or applications.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from interview_coordinator.models import (
    REPLANNABLE_STATUSES,
    DeliveryKind,
    Profile,
    ReminderDelivery,
)
from interview_coordinator.reminders.emails import user_email
from interview_coordinator.reminders.quiet import first_quiet_since
from interview_coordinator.timezones import zone_named

DAY = datetime.timedelta(days=1)
# Statuses of a digest that planning may still delete or replace.
REPLANNABLE = frozenset(str(status) for status in REPLANNABLE_STATUSES)


@dataclass(frozen=True)
class DigestSlot:
    """One user's digest: the local day it belongs to, its send time, and when it gives up."""

    day: datetime.date
    send_at: datetime.datetime
    expires_at: datetime.datetime


def wants_digests(profile: Profile) -> bool:
    """Whether the profile asks for follow-up digests at all."""
    return bool(
        profile.email_notifications_enabled
        and profile.follow_up_digest_enabled
        and profile.follow_up_after_days
    )


def local_occurrence(day: datetime.date, time: datetime.time, zone: ZoneInfo) -> datetime.datetime:
    """``time`` on ``day`` in ``zone``, in UTC, read as the reminders read it.

    A time skipped by a spring-forward change is read with the offset before
    the change (an hour later); one that exists twice means the first.
    """
    return datetime.datetime.combine(day, time, tzinfo=zone).astimezone(datetime.timezone.utc)


def digest_slot(
    quiet_at: datetime.datetime,
    now: datetime.datetime,
    time: datetime.time,
    zone: ZoneInfo,
    taken: Collection[datetime.date] = (),
) -> DigestSlot:
    """The first digest at or after ``quiet_at`` on a day without one already.

    A digest whose time today has passed while the application was already
    quiet (nudges just turned on, say) goes out at once, as a reminder
    planned after its send time does; one that went quiet after today's
    time waits for tomorrow's.
    """
    day = max(quiet_at, now).astimezone(zone).date()
    if local_occurrence(day, time, zone) < quiet_at:
        day += DAY
    while day in taken:
        day += DAY
    return DigestSlot(
        day=day,
        send_at=local_occurrence(day, time, zone),
        expires_at=local_occurrence(day + DAY, time, zone),
    )


def reachable(user: Any) -> bool:
    """Whether the account can get a digest: active, with an email address."""
    return user is not None and bool(getattr(user, "is_active", True)) and bool(user_email(user))


def desired_slot(
    user: Any,
    profile: Profile,
    now: datetime.datetime,
    taken: Collection[datetime.date] = (),
) -> DigestSlot | None:
    """The digest the user should get next, or None: nudges off, nothing to nudge, no address."""
    if not wants_digests(profile) or not reachable(user):
        return None
    quiet_since = first_quiet_since(user.pk)
    if quiet_since is None:
        return None
    after = datetime.timedelta(days=int(profile.follow_up_after_days or 0))
    return digest_slot(
        quiet_since + after, now, profile.reminder_time, zone_named(profile.timezone), taken
    )


Row = tuple[int, datetime.date, datetime.datetime, datetime.datetime | None, str]
"""A digest row: its id, local day, send time, time sent (if it was) and status."""


def recent_digests(user_id: Any, now: datetime.datetime) -> list[Row]:
    """The user's digests of the last days and to come (two days back covers every offset)."""
    return list(
        ReminderDelivery.objects.filter(
            kind=DeliveryKind.DIGEST, user_id=user_id, digest_date__gte=(now - 2 * DAY).date()
        ).values_list("pk", "digest_date", "send_at", "sent_at", "status")
    )


def taken_days(rows: list[Row], zone: ZoneInfo) -> set[datetime.date]:
    """Local days that get no digest: one was sent, given up or is being sent for or on them.

    Each such digest takes the day it belongs to and, read in the user's
    current timezone, the day it went out (or was due) on. After a change
    of timezone the two differ: a digest sent at 05:00 in Paris went out on
    the previous evening's date in Los Angeles, which gets no second one.
    """
    taken = set()
    for _pk, day, send_at, sent_at, status in rows:
        if status in REPLANNABLE:
            continue
        taken.add(day)
        taken.add(max(send_at, sent_at or send_at).astimezone(zone).date())
    return taken


def plan_digest(user_id: Any, profile: Profile | None = None) -> None:
    """Bring the user's digest to come in line with the data, in a constant number of queries.

    Runs in the caller's transaction (its own when there is none), under the
    profile's row lock as reminder planning does. A day that already has a
    digest sent, given up or being sent gets no second one.
    """
    with transaction.atomic(savepoint=False):
        if profile is None:
            profile = Profile.objects.locked_for_user(user_id)
        now = timezone.now()
        existing = recent_digests(user_id, now)
        user = None
        if wants_digests(profile):
            user = get_user_model()._default_manager.filter(pk=user_id).first()
        wanted = desired_slot(
            user, profile, now, taken_days(existing, zone_named(profile.timezone))
        )
        stale = [
            pk
            for pk, day, at, _sent, status in existing
            if status in REPLANNABLE
            and (wanted is None or (day, at) != (wanted.day, wanted.send_at))
        ]
        if stale:
            ReminderDelivery.objects.filter(pk__in=stale, status__in=REPLANNABLE_STATUSES).delete()
        present = any(
            wanted is not None and (day, at) == (wanted.day, wanted.send_at)
            for _pk, day, at, _sent, status in existing
            if status in REPLANNABLE
        )
        if wanted is not None and not present:
            ReminderDelivery.objects.bulk_create(
                [
                    ReminderDelivery(
                        kind=str(DeliveryKind.DIGEST),
                        user_id=user_id,
                        digest_date=wanted.day,
                        moment=wanted.expires_at,
                        send_at=wanted.send_at,
                        due_at=wanted.send_at,
                    )
                ],
                ignore_conflicts=True,
            )


def is_still_planned(
    delivery: ReminderDelivery, user: Any, profile: Profile, now: datetime.datetime
) -> bool:
    """Whether the digest is still the one planning would ask for, right now."""
    taken = taken_days(recent_digests(delivery.user_id, now), zone_named(profile.timezone))
    wanted = desired_slot(user, profile, now, taken)
    return wanted is not None and (wanted.day, wanted.send_at) == (
        delivery.digest_date,
        delivery.send_at,
    )
