"""Re-plan reminders and digests when data or preferences change; forget deleted users' dashboards.

Planning runs in the writer's transaction (the API wraps its writes in
``transaction.atomic()``), so a write and its reminders commit or roll back
together. Deleting an interview needs no handler: its deliveries go with it
through the foreign key's cascade. Fixture loading (``raw``) plans nothing:
related rows may not be loaded yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_init, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from interview_coordinator.calendar import note_deletion
from interview_coordinator.history import deleted_on_its_own
from interview_coordinator.models import (
    FIRST_STAGE,
    DashboardSnapshot,
    DeliveryKind,
    DeliveryStatus,
    Interview,
    InterviewRound,
    Profile,
    ReminderDelivery,
    RoundStage,
    lock_owner_profile,
)
from interview_coordinator.pipeline import keep_rounds_in_step, record_stage_round
from interview_coordinator.reminders.digests import plan_digest, wants_digests
from interview_coordinator.reminders.dispatch import NO_ADDRESS
from interview_coordinator.reminders.emails import user_email
from interview_coordinator.reminders.planning import plan

# Users whose planning waits for the end of a bulk write (None: plan at once).
_deferred_plans: ContextVar[set[Any] | None] = ContextVar(
    "interview_coordinator_deferred_plans", default=None
)


@contextmanager
def planning_deferred() -> Iterator[None]:
    """Plan each user a bulk write touched once, at its end, rather than after every row.

    A CSV import of thousands of rows would otherwise re-plan after each
    save. The plan runs inside the caller's transaction, so the writes and
    their reminders still commit together; after an exception nothing is
    planned (the transaction rolls back anyway).
    """
    users: set[Any] = set()
    token = _deferred_plans.set(users)
    try:
        yield
    finally:
        _deferred_plans.reset(token)
    for user_id in users:
        plan_user_emails(user_id)


def plan_user_emails(user_id: Any, interview_id: int | None = None) -> None:
    """Re-plan the user's reminders (of one interview, or all) and their next digest.

    The profile is locked and read once for both. A user without nudges has
    no digest to re-plan when an application changes: the profile's own
    change removed it.
    """
    with transaction.atomic(savepoint=False):
        profile = Profile.objects.locked_for_user(user_id)
        plan(user_id, interview_id=interview_id, profile=profile)
        if wants_digests(profile):
            plan_digest(user_id, profile=profile)


def plan_or_defer(user_id: Any, interview_id: int) -> None:
    deferred = _deferred_plans.get()
    if deferred is None:
        plan_user_emails(user_id, interview_id=interview_id)
    else:
        deferred.add(user_id)


# The stage an interview held before the save under way (pre_save to post_save).
PREVIOUS_STAGE = "_interview_coordinator_previous_stage"


@receiver(pre_save, sender=Interview, dispatch_uid="interview_coordinator.read_stage")
def read_previous_stage(
    sender: type[Interview],
    instance: Interview,
    raw: bool = False,
    update_fields: Any = None,
    using: str = "default",
    **kwargs: Any,
) -> None:
    """Note the stored stage, so that any save advancing it records its round.

    The rule belongs to the model rather than the API: the admin, a shell
    and a script move stages too. A new interview starts from the first
    stage. The row is read locked, as the timeline reads it, and only when
    the stage saved is a round stage: no other stage records a round.
    """
    if (
        raw
        or instance.interview_stage not in RoundStage.values
        or (update_fields is not None and "interview_stage" not in update_fields)
    ):
        return
    previous = FIRST_STAGE
    if not instance._state.adding:
        previous = (
            Interview.objects.using(using)
            .select_for_update()
            .filter(pk=instance.pk)
            .values_list("interview_stage", flat=True)
            .first()
        )
    setattr(instance, PREVIOUS_STAGE, previous)


@receiver(post_save, sender=Interview, dispatch_uid="interview_coordinator.plan_interview")
def plan_interview(
    sender: type[Interview], instance: Interview, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    # The rounds first: planning reads their dates.
    previous_stage = instance.__dict__.pop(PREVIOUS_STAGE, None)
    if previous_stage is not None:
        record_stage_round(instance, previous_stage)
    keep_rounds_in_step(instance)
    plan_or_defer(instance.user_id, instance.pk)


def count_in_interviews(*interview_ids: int | None) -> None:
    """Raise the revision of the interviews whose calendar events a round change touches."""
    ids = {pk for pk in interview_ids if pk is not None}
    if ids:
        Interview.objects.filter(pk__in=ids).update(sequence=F("sequence") + 1)


# Before plan_round, which forgets the interview a moved round left.
@receiver(post_save, sender=InterviewRound, dispatch_uid="interview_coordinator.count_round")
def count_round_change(
    sender: type[InterviewRound], instance: InterviewRound, raw: bool = False, **kwargs: Any
) -> None:
    """A round change is a change of its interview's calendar event.

    A round at its interview's date is part of the interview's event: its
    changes, and its moving away, must raise that event's SEQUENCE too.
    """
    if raw:
        return
    count_in_interviews(instance.interview_id, instance.loaded_interview_id)


@receiver(post_save, sender=InterviewRound, dispatch_uid="interview_coordinator.plan_round")
def plan_round(
    sender: type[InterviewRound], instance: InterviewRound, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    plan_or_defer(instance.interview.user_id, instance.interview_id)
    left = instance.loaded_interview_id
    if left is not None and left != instance.interview_id:
        # Moved: the interview it left loses the reminder of this moment.
        owner = Interview.objects.filter(pk=left).values_list("user_id", flat=True).first()
        if owner is not None:
            plan_or_defer(owner, left)
    instance.loaded_interview_id = instance.interview_id


@receiver(pre_delete, sender=Interview, dispatch_uid="interview_coordinator.lock_interview")
def lock_profile_for_deletion(
    sender: type[Interview],
    instance: Interview,
    origin: Any = None,
    using: str = "default",
    **kwargs: Any,
) -> None:
    """Take the owner's profile lock before the application goes, as every writer does first.

    A profile write inserts reminders that reference the application: it
    waits for the deletion instead of failing on it. (A round's deletion
    takes the lock with the application's, for its timeline.) Rows deleted
    with their user go with the profile itself.
    """
    if deleted_on_its_own(origin, Interview):
        lock_owner_profile(instance.user_id, using)


@receiver(post_delete, sender=InterviewRound, dispatch_uid="interview_coordinator.unplan_round")
def unplan_round(
    sender: type[InterviewRound], instance: InterviewRound, origin: Any = None, **kwargs: Any
) -> None:
    """Re-plan after a round was deleted on its own.

    When the round goes because its interview (or user) is deleted, the
    interview's deliveries are being deleted too; planning then would insert
    rows pointing at an interview about to disappear.
    """
    if deleted_on_its_own(origin, InterviewRound):
        count_in_interviews(instance.interview_id)
        plan_user_emails(instance.interview.user_id, interview_id=instance.interview_id)


# The digest preferences a profile instance was loaded or last saved with.
LOADED_DIGEST = "_interview_coordinator_loaded_digest"


def digest_preferences(profile: Profile) -> tuple[Any, ...]:
    """What decides a user's digest: a change of any of these re-plans it."""
    return (
        wants_digests(profile),
        profile.follow_up_after_days,
        profile.reminder_time,
        profile.timezone,
    )


@receiver(post_init, sender=Profile, dispatch_uid="interview_coordinator.profile_init")
def remember_digest_preferences(sender: type[Profile], instance: Profile, **kwargs: Any) -> None:
    setattr(instance, LOADED_DIGEST, digest_preferences(instance))


@receiver(post_save, sender=Profile, dispatch_uid="interview_coordinator.plan_profile")
def plan_profile(
    sender: type[Profile], instance: Profile, raw: bool = False, **kwargs: Any
) -> None:
    """Re-plan the reminders, and the digest when one of its preferences changed.

    A new profile has no digest to remove, and one with nudges off whose
    preferences did not change has none either.
    """
    if raw:
        return
    plan(instance.user_id, profile=instance)
    current = digest_preferences(instance)
    if getattr(instance, LOADED_DIGEST, None) != current:
        plan_digest(instance.user_id, profile=instance)
    setattr(instance, LOADED_DIGEST, current)


# The account state a user instance was loaded or last saved with.
LOADED_ACCOUNT = "_interview_coordinator_loaded_account"


def account_state(user: Any) -> tuple[bool, str]:
    """What of an account decides its emails: whether it is active, and its address."""
    return bool(getattr(user, "is_active", True)), user_email(user)


@receiver(
    post_init, sender=settings.AUTH_USER_MODEL, dispatch_uid="interview_coordinator.user_init"
)
def remember_account(sender: type[Any], instance: Any, **kwargs: Any) -> None:
    setattr(instance, LOADED_ACCOUNT, account_state(instance))


@receiver(
    post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="interview_coordinator.plan_user"
)
def plan_user(
    sender: type[Any], instance: Any, raw: bool = False, created: bool = False, **kwargs: Any
) -> None:
    """Re-plan a user's emails when the account was (de)activated or its address changed.

    A deactivated account gets no reminders; a reactivated one gets them back.
    The digest is planned only for an account with an address: removing it
    removes the digest to come, and adding it back plans one at once, even
    for a user whose applications are all quiet and so see no write.
    Reminders are planned whatever the address; one that fell due while it
    was missing was given up, and is sent once an address is added back
    before its moment. Other saves (``last_login`` on every login, a password change)
    plan nothing.
    """
    active, email = account_state(instance)
    was_active, had_email = getattr(instance, LOADED_ACCOUNT, (active, email))
    setattr(instance, LOADED_ACCOUNT, (active, email))
    if raw or created:
        return
    if email and not had_email:
        retry_given_up_for_no_address(instance.pk)
    if was_active != active or (email and not had_email):
        plan(instance.pk)
    if was_active != active or had_email != email:
        plan_digest(instance.pk)


def retry_given_up_for_no_address(user_id: Any) -> None:
    """Forget the reminders given up for want of an address whose moment is still ahead.

    Given-up rows are never planned again; these failed only because the
    account had no address, which it has now, so planning sends them
    after all.
    """
    ReminderDelivery.objects.filter(
        interview__user_id=user_id,
        kind=DeliveryKind.REMINDER,
        status=DeliveryStatus.FAILED,
        last_error=NO_ADDRESS,
        moment__gt=timezone.now(),
    ).delete()


@receiver(post_delete, sender=Interview, dispatch_uid="interview_coordinator.feed_interview")
@receiver(post_delete, sender=InterviewRound, dispatch_uid="interview_coordinator.feed_round")
def date_feed_deletion(
    sender: type[Interview] | type[InterviewRound],
    instance: Interview | InterviewRound,
    origin: Any = None,
    **kwargs: Any,
) -> None:
    """A deleted event leaves the feed: move its ``Last-Modified`` so pollers refetch it.

    A user's deletion takes the feed with it, and a round deleted with its
    interview is dated by the interview.
    """
    if not deleted_on_its_own(origin, sender):
        return
    if isinstance(instance, Interview):
        note_deletion(instance.user_id)
    else:
        note_deletion(instance.interview.user_id)


@receiver(
    post_delete,
    sender=settings.AUTH_USER_MODEL,
    dispatch_uid="interview_coordinator.forget_dashboard",
)
def forget_dashboard(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Delete a deleted user's dashboard snapshot.

    The cascade deletes it first, but deleting the user's interviews
    afterwards fires the triggers that recreate it; this runs last.
    """
    DashboardSnapshot.objects.filter(user_id=instance.pk).delete()
