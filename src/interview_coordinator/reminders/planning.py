"""When each reminder goes out, and keeping the delivery table in line with it.

The original service checked once a day for interviews exactly N days away,
so a reminder was missed when the check ran before the interview was saved
and could repeat when it ran twice. Here every scheduled moment gets a row
with its exact send time, rewritten whenever the moment or the user's
preferences change, so the dispatch scan only has to read what is due.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from interview_coordinator.bounds import LATEST
from interview_coordinator.models import (
    CLOSED_STATUSES,
    DISPATCHABLE_STATUSES,
    REPLANNABLE_STATUSES,
    Interview,
    InterviewRound,
    InterviewStatus,
    Profile,
    ReminderDelivery,
    RoundOutcome,
)
from interview_coordinator.timezones import zone_named


@dataclass(frozen=True)
class Preferences:
    """The parts of a profile that decide when reminders go out."""

    enabled: bool
    days_before: int
    time: datetime.time
    timezone: str

    @classmethod
    def of(cls, profile: Profile) -> Preferences:
        """The profile's preferences; a timezone stored unchecked reads as the site's.

        The API and the admin validate the name, but a row written by other
        means must not make every write of the user's interviews fail.
        """
        return cls(
            enabled=profile.email_notifications_enabled,
            days_before=profile.reminder_days_before,
            time=profile.reminder_time,
            timezone=zone_named(profile.timezone).key,
        )


def send_time(moment: datetime.datetime, preferences: Preferences) -> datetime.datetime:
    """``days_before`` days before the moment's local date, at the reminder time, in UTC.

    The arithmetic is on local calendar dates, so a reminder at 09:00 stays
    at 09:00 local time across a daylight-saving change. A reminder time that
    does not exist that day (skipped by a spring-forward change) is read
    with the offset before the change, i.e. it moves one hour later; one that
    exists twice (fall-back) means its first occurrence.
    """
    zone = ZoneInfo(preferences.timezone)
    local_date = moment.astimezone(zone).date() - datetime.timedelta(days=preferences.days_before)
    local = datetime.datetime.combine(local_date, preferences.time, tzinfo=zone)
    return local.astimezone(datetime.timezone.utc)


Moment = tuple[int, datetime.datetime]
"""An interview id and one of its scheduled moments."""


def scheduled_moments(
    interviews: Iterable[tuple[int, str | None, datetime.datetime | None]],
    rounds: Iterable[tuple[int, datetime.datetime | None]],
    now: datetime.datetime,
) -> set[Moment]:
    """The future moments of some interviews, one per distinct time.

    An interview's date counts while its status is scheduled; a round's date
    counts while its outcome is pending. Moments beyond the accepted range
    (stored by other means than the API) get no reminder: some timezones
    cannot even show them.
    A set, so an interview date and a round at the same time remind once.
    """
    moments = {
        (interview_id, date)
        for interview_id, status, date in interviews
        if date is not None and now < date <= LATEST and status == str(InterviewStatus.SCHEDULED)
    }
    moments.update(
        (interview_id, date)
        for interview_id, date in rounds
        if date is not None and now < date <= LATEST
    )
    return moments


def planned_sends(
    moments: Iterable[Moment], preferences: Preferences
) -> dict[Moment, datetime.datetime]:
    """The send time of each moment, or nothing at all when reminders are off."""
    if not preferences.enabled:
        return {}
    return {moment: send_time(moment[1], preferences) for moment in moments}


def active_user(prefix: str) -> Q:
    """The owner's account is active; ``prefix`` reaches the user from the model queried.

    A deactivated account gets nothing. A user model without ``is_active``
    (``AbstractBaseUser`` makes it a constant ``True``) has only active users.
    """
    user_fields = {field.name for field in get_user_model()._meta.get_fields()}
    return Q(**{f"{prefix}is_active": True}) if "is_active" in user_fields else Q()


def _moments_query(interview_filter: Q, round_filter: Q, now: datetime.datetime) -> set[Moment]:
    # The owner's is_active is joined into both reads, so checking it costs no query.
    # A closed application's own date is no moment (its rounds are cancelled).
    interviews = (
        Interview.objects.filter(
            interview_filter,
            active_user("user__"),
            status=InterviewStatus.SCHEDULED,
            interview_date__gt=now,
            interview_date__lte=LATEST,
        )
        .exclude(application_status__in=CLOSED_STATUSES)
        .values_list("pk", "status", "interview_date")
    )
    rounds = InterviewRound.objects.filter(
        round_filter,
        active_user("user__"),
        outcome=RoundOutcome.PENDING,
        scheduled_date__gt=now,
        scheduled_date__lte=LATEST,
    ).values_list("interview_id", "scheduled_date")
    return scheduled_moments(interviews, rounds, now)


def desired_sends(
    user_id: object, interview_id: int | None, preferences: Preferences
) -> dict[Moment, datetime.datetime]:
    """What the delivery table should hold for one interview, or for all of a user's."""
    now = timezone.now()
    if interview_id is None:
        moments = _moments_query(Q(user_id=user_id), Q(user_id=user_id), now)
    else:
        moments = _moments_query(Q(pk=interview_id), Q(interview_id=interview_id), now)
    return planned_sends(moments, preferences)


def plan(user_id: object, interview_id: int | None = None, profile: Profile | None = None) -> None:
    """Bring the user's deliveries (of one interview, or all) in line with the data.

    Runs in the caller's transaction (its own when there is none), in a
    constant number of queries: the profile (locked), the moments (two
    queries), the existing deliveries, one delete of the stale ones and one
    insert of the missing ones. A moment that already got its reminder (sent
    or given up) is not planned again.
    """
    # No savepoint inside the writer's transaction: the two commit together.
    with transaction.atomic(savepoint=False):
        # Plans of one user run one at a time (the profile row is their lock,
        # and a profile being saved is locked already), so that each sees the
        # moments and preferences the one before committed.
        if profile is None:
            profile = Profile.objects.locked_for_user(user_id)
        wanted = desired_sends(user_id, interview_id, Preferences.of(profile))
        if interview_id is None:
            scope = Q(interview__user_id=user_id)
        else:
            scope = Q(interview_id=interview_id)
        _reconcile(scope, wanted)


def _reconcile(scope: Q, wanted: dict[Moment, datetime.datetime]) -> None:
    """Delete the deliveries in scope that are no longer wanted and add the missing ones."""
    # Past moments that were reminded are history: leave them out of the read,
    # so that re-planning costs the same however long the user's history is.
    current = Q(moment__gt=timezone.now()) | Q(status__in=DISPATCHABLE_STATUSES)
    existing = ReminderDelivery.objects.filter(scope, current).values_list(
        "pk", "interview_id", "moment", "send_at", "status"
    )
    stale: list[int] = []
    present: set[tuple[Moment, datetime.datetime]] = set()
    done: set[Moment] = set()
    for pk, row_interview, moment, planned, status in existing:
        if status not in REPLANNABLE_STATUSES:
            done.add((row_interview, moment))
        elif wanted.get((row_interview, moment)) == planned:
            present.add(((row_interview, moment), planned))
        else:
            stale.append(pk)
    if stale:
        # The status is checked again under the row lock: a row that a send
        # took meanwhile stays, and the send records its outcome there.
        ReminderDelivery.objects.filter(pk__in=stale, status__in=REPLANNABLE_STATUSES).delete()
    missing = [
        ReminderDelivery(interview_id=moment[0], moment=moment[1], send_at=at, due_at=at)
        for moment, at in wanted.items()
        if moment not in done and (moment, at) not in present
    ]
    if missing:
        ReminderDelivery.objects.bulk_create(missing, ignore_conflicts=True)


def is_still_planned(delivery: ReminderDelivery, user_id: object, profile: Profile) -> bool:
    """Whether the delivery is still what planning would ask for, right now."""
    if delivery.interview_id is None:
        return False
    wanted = desired_sends(user_id, delivery.interview_id, Preferences.of(profile))
    return wanted.get((delivery.interview_id, delivery.moment)) == delivery.send_at
