"""The timeline: every change of an application and of its rounds, recorded with the change.

The models' signals compare what is stored with what is saved and write an
``ApplicationEvent`` per change, inside the write's transaction (the models'
``save()`` opens one even in autocommit; ``delete()`` runs in Django's), so
a write that fails leaves no event and an event never outlives its write.
The stored values are read under a row lock: a concurrent writer cannot
change them between the read and the write, so each event's "from" is what
the row held. Every writer of an application's timeline locks the
application's row before its first write and dates its events only then: a
writer that waited for another records after it, so the timeline read newest
first is a chain (each change starts where the next one listed ended) and
``last_event_at`` is the newest event's time. Taking that lock first also
keeps one lock order (the owner's profile, which the saves lock before
anything, then the application, its rounds and the user's dashboard row
that the triggers bump), so that a round's writer, the application's and
the profile's cannot deadlock. The package's own ``QuerySet.update()`` of
rounds goes through ``update_rounds``, which records the same way.

The entry path (API, admin, CSV import) is carried by a context variable
that the views, the admin and the import set around their writes; anything
else (a shell, a script, a task) records as "other".
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce, Greatest
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from interview_coordinator.models import (
    ApplicationEvent,
    EventKind,
    EventSource,
    Interview,
    InterviewRound,
    lock_owner_profile,
)

_source: ContextVar[str] = ContextVar(
    "interview_coordinator_event_source", default=str(EventSource.OTHER)
)

# The application's fields whose changes are events, and each one's kind.
INTERVIEW_FIELDS: Mapping[str, str] = {
    "interview_stage": str(EventKind.INTERVIEW_STAGE),
    "application_status": str(EventKind.APPLICATION_STATUS),
    "interview_date": str(EventKind.INTERVIEW_DATE),
    "status": str(EventKind.STATUS),
}
ROUND_FIELDS: Mapping[str, str] = {
    "scheduled_date": str(EventKind.ROUND_RESCHEDULED),
    "outcome": str(EventKind.ROUND_OUTCOME),
}
# Where pre_save leaves the stored values for post_save.
STORED = "_interview_coordinator_stored"
# Where pre_delete leaves the time of a round's deletion for post_delete.
DATED = "_interview_coordinator_dated"


@contextmanager
def recorded_as(source: str) -> Iterator[None]:
    """Record the events of the writes made inside the block as made through ``source``."""
    token = _source.set(str(source))
    try:
        yield
    finally:
        _source.reset(token)


def as_text(value: Any) -> str | None:
    """A value as an event stores it: datetimes in ISO 8601 (UTC), null as null."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat()
    return str(value)


def deleted_on_its_own(origin: Any, model: type[Interview] | type[InterviewRound]) -> bool:
    """Whether a row was deleted for itself rather than as part of its parent or user."""
    return isinstance(origin, model) or (isinstance(origin, QuerySet) and origin.model is model)


def _watched(update_fields: Any, fields: Mapping[str, str]) -> list[str]:
    if update_fields is None:
        return list(fields)
    return [field for field in fields if field in update_fields]


def _event(
    interview: Interview,
    kind: str,
    old: Any,
    new: Any,
    now: datetime.datetime,
    round_id: int | None = None,
    round_stage: str | None = None,
) -> ApplicationEvent:
    return ApplicationEvent(
        interview_id=interview.pk,
        user_id=interview.user_id,
        kind=kind,
        old_value=as_text(old),
        new_value=as_text(new),
        stage=interview.interview_stage,
        round_id=round_id,
        round_stage=round_stage,
        source=_source.get(),
        created_at=now,
    )


def moment_after(latest: datetime.datetime | None) -> datetime.datetime:
    """The time of an event recorded after ``latest``: now, or ``latest`` on a clock behind it.

    Processes on other hosts may read clocks a little apart: an event never
    dates before the one recorded ahead of it.
    """
    now = timezone.now()
    return latest if latest is not None and latest > now else now


def lock_application(interview_id: Any, using: str) -> datetime.datetime:
    """Lock the application's row for this transaction; the time its next events take.

    The lock (``FOR NO KEY UPDATE``, the one an UPDATE of the row takes)
    waits for any other writer of the application to commit, so the time
    read afterwards is later than that writer's events.
    """
    latest = (
        Interview.objects.using(using)
        .select_for_update(no_key=True)
        .filter(pk=interview_id)
        .values_list("last_event_at", flat=True)
        .first()
    )
    return moment_after(latest)


def _date_latest(interview: Interview, now: datetime.datetime) -> None:
    """Date the application's latest event; never back, whatever a writer's clock read."""
    Interview.objects.filter(pk=interview.pk).update(
        last_event_at=Greatest(Coalesce("last_event_at", Value(now)), Value(now))
    )
    interview.last_event_at = now


def _store(interview: Interview, events: list[ApplicationEvent], now: datetime.datetime) -> None:
    """Write the events and date the application's latest one."""
    if events:
        ApplicationEvent.objects.bulk_create(events)
        _date_latest(interview, now)


@receiver(pre_save, sender=Interview, dispatch_uid="interview_coordinator.history_read_interview")
def read_stored_interview(
    sender: type[Interview],
    instance: Interview,
    raw: bool = False,
    update_fields: Any = None,
    using: str = "default",
    **kwargs: Any,
) -> None:
    """Find the changes before the row is written, so that the write itself dates them.

    The creation is the application's first event; a save of all fields
    carries ``last_event_at`` in its own UPDATE: the new events' time, else
    the stored one (an instance read earlier may hold an older one). The
    changes are dated once the row is locked.
    """
    if raw:
        return
    if instance._state.adding:
        instance.last_event_at = timezone.now()
        return
    fields = _watched(update_fields, INTERVIEW_FIELDS)
    if not fields and update_fields is not None and "user" not in update_fields:
        return
    stored = (
        Interview.objects.using(using)
        .select_for_update()
        .filter(pk=instance.pk)
        .values("user_id", "last_event_at", *fields)
        .first()
    )
    if stored is None:
        return
    now = moment_after(stored["last_event_at"])
    events = [
        _event(instance, INTERVIEW_FIELDS[field], stored[field], getattr(instance, field), now)
        for field in fields
        if stored[field] != getattr(instance, field)
    ]
    if update_fields is None:
        instance.last_event_at = now if events else stored["last_event_at"]
    setattr(instance, STORED, (stored["user_id"], events))


@receiver(post_save, sender=Interview, dispatch_uid="interview_coordinator.history_interview")
def record_interview(
    sender: type[Interview],
    instance: Interview,
    created: bool = False,
    raw: bool = False,
    update_fields: Any = None,
    **kwargs: Any,
) -> None:
    if raw:
        return
    if created:
        now = instance.last_event_at or timezone.now()
        event = _event(instance, str(EventKind.CREATED), None, instance.interview_stage, now)
        ApplicationEvent.objects.bulk_create([event])
        return
    stored_user_id, events = instance.__dict__.pop(STORED, (instance.user_id, []))
    if stored_user_id != instance.user_id:
        # Given to another user: its history goes along.
        ApplicationEvent.objects.filter(interview_id=instance.pk).update(user_id=instance.user_id)
    if not events:
        return
    ApplicationEvent.objects.bulk_create(events)
    if update_fields is not None:
        _date_latest(instance, events[0].created_at)


@receiver(pre_save, sender=InterviewRound, dispatch_uid="interview_coordinator.history_read_round")
def read_stored_round(
    sender: type[InterviewRound],
    instance: InterviewRound,
    raw: bool = False,
    update_fields: Any = None,
    using: str = "default",
    **kwargs: Any,
) -> None:
    """Lock the application, then read the round's stored values, before the round is written.

    A new round is an event too; a save that changes none of the watched
    fields records nothing and locks nothing. A round moved to another
    application locks both, the lower id first so that two moves the
    opposite way cannot deadlock, and is dated after the later of their
    latest events.
    """
    if raw:
        return
    fields = [] if instance._state.adding else _watched(update_fields, ROUND_FIELDS)
    moved_from = _moved_from(instance, update_fields)
    if not fields and moved_from is None and not instance._state.adding:
        return
    applications = sorted(pk for pk in (instance.interview_id, moved_from) if pk is not None)
    now = max(lock_application(pk, using) for pk in applications)
    stored = None
    if fields or moved_from is not None:
        stored = (
            InterviewRound.objects.using(using)
            .select_for_update()
            .filter(pk=instance.pk)
            .values("interview_id", *fields)
            .first()
        )
    if stored is not None and stored["interview_id"] not in applications:
        # Moved by another writer after the save read where it was stored:
        # it leaves that application, locked now that the round's row is.
        now = max(now, lock_application(stored["interview_id"], using))
        instance.loaded_interview_id = stored["interview_id"]
    setattr(instance, STORED, (fields, stored, now))


def _moved_from(instance: InterviewRound, update_fields: Any) -> int | None:
    """The application a stored round is being moved away from, as it was read; else None."""
    if instance._state.adding or (
        update_fields is not None and not {"interview", "interview_id"} & set(update_fields)
    ):
        return None
    left = instance.loaded_interview_id
    return left if left is not None and left != instance.interview_id else None


@receiver(post_save, sender=InterviewRound, dispatch_uid="interview_coordinator.history_round")
def record_round(
    sender: type[InterviewRound],
    instance: InterviewRound,
    created: bool = False,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if raw:
        return
    fields, stored, now = instance.__dict__.pop(STORED, ((), None, None))
    if now is None:
        return
    interview = instance.interview
    if created:
        events = [_round_created(interview, instance, now)]
    elif stored is None:
        return
    elif stored["interview_id"] != instance.interview_id:
        _record_move(instance, stored, now)
        events = [_round_created(interview, instance, now)]
        fields = [field for field in fields if field != "scheduled_date"]
    else:
        events = []
    events += [
        _event(
            interview,
            ROUND_FIELDS[field],
            stored[field],
            getattr(instance, field),
            now,
            instance.pk,
            instance.stage,
        )
        for field in fields
        if stored is not None and stored[field] != getattr(instance, field)
    ]
    _store(interview, events, now)


def _round_created(
    interview: Interview, instance: InterviewRound, now: datetime.datetime
) -> ApplicationEvent:
    return _event(
        interview,
        str(EventKind.ROUND_CREATED),
        None,
        instance.scheduled_date,
        now,
        instance.pk,
        instance.stage,
    )


def _record_move(
    instance: InterviewRound, stored: Mapping[str, Any], now: datetime.datetime
) -> None:
    """A round moved away leaves its application's timeline as a deleted round does.

    The application left is the one the round was stored on, read under the
    round's row lock, whichever one the instance was read with. The
    application it joins records it as created; both are dated alike.
    """
    left = Interview.objects.filter(pk=stored["interview_id"]).first()
    if left is None:
        return
    scheduled = stored.get("scheduled_date", instance.scheduled_date)
    event = _event(left, str(EventKind.ROUND_DELETED), scheduled, None, now, None, instance.stage)
    _store(left, [event], now)


@receiver(
    pre_delete, sender=InterviewRound, dispatch_uid="interview_coordinator.history_lock_delete"
)
def lock_for_round_deletion(
    sender: type[InterviewRound],
    instance: InterviewRound,
    origin: Any = None,
    using: str = "default",
    **kwargs: Any,
) -> None:
    """Lock the application before its round is deleted, and date the deletion then.

    The owner's profile is locked first, as every writer of their data does.
    """
    if deleted_on_its_own(origin, InterviewRound):
        lock_owner_profile(instance.user_id, using)
        setattr(instance, DATED, lock_application(instance.interview_id, using))


@receiver(post_delete, sender=InterviewRound, dispatch_uid="interview_coordinator.history_delete")
def record_round_deletion(
    sender: type[InterviewRound], instance: InterviewRound, origin: Any = None, **kwargs: Any
) -> None:
    """A round deleted for itself; one deleted with its application leaves with the timeline."""
    now = instance.__dict__.pop(DATED, None)
    if now is None:
        return
    event = _event(
        instance.interview,
        str(EventKind.ROUND_DELETED),
        instance.scheduled_date,
        None,
        now,
        None,
        instance.stage,
    )
    _store(instance.interview, [event], now)


def update_rounds(rounds: QuerySet[InterviewRound], interview: Interview, **changes: Any) -> None:
    """``rounds.update(**changes)`` of one interview's rounds, with an event per change.

    The rounds are read under a row lock first, so each event says what the
    round held; nothing is written when no round matches. The caller, the
    application's save, holds the application's row lock already.
    """
    watched = [field for field in ROUND_FIELDS if field in changes]
    rows = list(rounds.select_for_update().values("pk", "stage", *watched))
    if not rows:
        return
    InterviewRound.objects.filter(pk__in=[row["pk"] for row in rows]).update(**changes)
    now = moment_after(interview.last_event_at)
    events = [
        _event(
            interview,
            ROUND_FIELDS[field],
            row[field],
            changes[field],
            now,
            row["pk"],
            row["stage"],
        )
        for row in rows
        for field in watched
        if row[field] != changes[field]
    ]
    _store(interview, events, now)
