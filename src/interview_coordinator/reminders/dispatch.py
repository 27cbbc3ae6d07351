"""Claiming due deliveries and sending each exactly once.

Claiming runs ``SELECT … FOR UPDATE SKIP LOCKED`` on the partial index over
``due_at``, so two scans at once (two beats, or beat and the management
command) split the due rows between them instead of both taking them, and a
scan costs the same whatever the size of the table. A claimed row's
``due_at`` moves to the end of its claim, so a send task lost with its
broker or worker is claimed again later rather than lost.

Sending locks the row and checks it is still claimed and still planned
before talking to SMTP, and marks it sent in the same transaction: a second
task for the same row (after a re-claim) finds it locked or already sent.
A failed attempt puts the row back to pending with an exponential backoff on
``due_at``, so retries survive worker restarts; after the last attempt the
row is marked failed and logged.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from interview_coordinator.conf import app_settings
from interview_coordinator.models import (
    DISPATCHABLE_STATUSES,
    DeliveryStatus,
    InterviewRound,
    Profile,
    ReminderDelivery,
    RoundOutcome,
)
from interview_coordinator.reminders.emails import (
    ReminderContent,
    reminder_email,
    send,
    user_email,
)
from interview_coordinator.reminders.planning import Preferences, is_still_planned

logger = logging.getLogger(__name__)

# A scan stops after this many full batches; the next scan picks up the rest,
# so one scan never runs for long whatever the backlog.
MAX_BATCHES_PER_SCAN = 20
# Stored error text is bounded by the column.
ERROR_MAX_LENGTH = 500


def claim_due(now: datetime.datetime | None = None, batch_size: int | None = None) -> list[int]:
    """Claim up to one batch of due deliveries; return their ids.

    Two queries whatever the table size: the locked read on the partial
    index, and the update that marks the rows claimed until the claim expires.
    """
    now = now or timezone.now()
    batch_size = batch_size or int(app_settings.REMINDER_BATCH_SIZE)
    claim_expiry = now + datetime.timedelta(seconds=app_settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    with transaction.atomic():
        ids = list(
            ReminderDelivery.objects.select_for_update(skip_locked=True)
            .filter(status__in=DISPATCHABLE_STATUSES, due_at__lte=now)
            .order_by("due_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if ids:
            ReminderDelivery.objects.filter(pk__in=ids).update(
                status=DeliveryStatus.SENDING, due_at=claim_expiry, claimed_at=now
            )
    return ids


def dispatch_due(enqueue: Callable[[int], object]) -> int:
    """Claim the due deliveries batch by batch and hand each id to ``enqueue``.

    If ``enqueue`` fails (the broker is gone), the rows stay claimed and are
    claimed again once the claim expires.
    """
    batch_size = int(app_settings.REMINDER_BATCH_SIZE)
    total = 0
    for _batch in range(MAX_BATCHES_PER_SCAN):
        ids = claim_due(batch_size=batch_size)
        for delivery_id in ids:
            enqueue(delivery_id)
        total += len(ids)
        if len(ids) < batch_size:
            break
    return total


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff: the base after the first failure, doubling after each."""
    base = float(app_settings.REMINDER_RETRY_BACKOFF_SECONDS)
    return datetime.timedelta(seconds=base * 2 ** max(attempts - 1, 0))


def _record_failure(delivery: ReminderDelivery, error: str, *, final: bool = False) -> str:
    delivery.attempts += 1
    delivery.last_error = error[:ERROR_MAX_LENGTH]
    if final or delivery.attempts >= int(app_settings.REMINDER_MAX_ATTEMPTS):
        delivery.status = str(DeliveryStatus.FAILED)
        logger.error(
            "Reminder delivery %s given up after %s attempts: %s",
            delivery.pk,
            delivery.attempts,
            delivery.last_error,
        )
    else:
        delivery.status = str(DeliveryStatus.PENDING)
        delivery.due_at = timezone.now() + retry_delay(delivery.attempts)
        logger.warning(
            "Reminder delivery %s attempt %s failed, retrying at %s: %s",
            delivery.pk,
            delivery.attempts,
            delivery.due_at.isoformat(),
            delivery.last_error,
        )
    delivery.save(update_fields=["attempts", "last_error", "status", "due_at"])
    return str(delivery.status)


def deliver(delivery_id: int) -> str:
    """Send one claimed delivery, at most once; return what became of it.

    Outcomes: ``sent``, ``pending`` (failed, will be retried), ``failed``
    (gave up), ``cancelled`` (no longer planned, row removed) and ``skipped``
    (another task holds it, or it is no longer claimed).
    """
    with transaction.atomic():
        # Lock the delivery only: the interview stays writable while SMTP talks.
        delivery = (
            ReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=delivery_id, status=DeliveryStatus.SENDING)
            .select_related("interview")
            .first()
        )
        if delivery is None:
            return "skipped"
        user = get_user_model()._default_manager.get(pk=delivery.interview.user_id)
        profile = Profile.objects.for_user(user)
        if not is_still_planned(delivery, user.pk, profile):
            delivery.delete()
            return "cancelled"
        recipient = user_email(user)
        if not recipient:
            return _record_failure(delivery, "The user has no email address.", final=True)
        content = ReminderContent(
            interview=delivery.interview,
            round=InterviewRound.objects.filter(
                interview_id=delivery.interview_id,
                scheduled_date=delivery.moment,
                outcome=RoundOutcome.PENDING,
            )
            .order_by("pk")
            .first(),
            moment=delivery.moment,
            zone=ZoneInfo(Preferences.of(profile).timezone),
        )
        try:
            message = reminder_email(content, recipient, user.get_username(), delivery.pk)
            send(message)
        except OSError as exc:  # smtplib's errors included: the server may recover
            return _record_failure(delivery, f"{exc.__class__.__name__}: {exc}")
        except Exception as exc:
            # A malformed address or a broken template override: retrying cannot
            # help, and leaving the row claimed would retry it forever.
            logger.exception("Reminder delivery %s cannot be built or sent", delivery_id)
            return _record_failure(delivery, f"{exc.__class__.__name__}: {exc}", final=True)
        delivery.status = str(DeliveryStatus.SENT)
        delivery.attempts += 1
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["status", "attempts", "sent_at", "last_error"])
    logger.info("Reminder delivery %s sent", delivery_id)
    return "sent"
