"""Claiming due deliveries and sending each exactly once, with no lock held while SMTP talks.

Reminders and follow-up digests are rows of the same table and go through
the same steps; a digest lists, when it is taken, the applications quiet
right then, and records them as nudged when it is marked sent.

Claiming runs ``SELECT … FOR UPDATE SKIP LOCKED`` on the partial index over
``due_at``, so two scans at once (two beats, or beat and the management
command) split the due rows between them instead of both taking them, and a
scan costs the same whatever the size of the table. A claimed row's
``due_at`` moves to the end of its claim, so a send task lost with its
broker or worker is claimed again later rather than lost.

Sending takes three steps, so that no write ever waits on a mail server:

1. *start*, a short transaction: lock the row (``SKIP LOCKED``), check it is
   still claimed, still planned and its moment still ahead, build the email,
   and mark the row ``sending`` with the attempt's number. Only one task can
   move a row from ``claimed`` to ``sending``: a second task for the same
   row finds it locked or no longer claimed and does nothing.
2. *send*, with no transaction and no lock: planning leaves a ``sending``
   row alone, so a write of its interview goes through meanwhile.
3. *record*, one short update: ``sent``, or back to ``pending`` with the
   next retry time, or ``failed`` once the moment would pass before a retry.

Retries are due a backoff after the claim of the failed attempt (the scan
that took it), so they fall on the scan one backoff later rather than the
one after; the backoff doubles up to ``REMINDER_RETRY_MAX_BACKOFF_SECONDS``.
"""

from __future__ import annotations

import datetime
import functools
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from interview_coordinator.conf import app_settings
from interview_coordinator.models import (
    DISPATCHABLE_STATUSES,
    DeliveryKind,
    DeliveryStatus,
    FollowUpNudge,
    InterviewRound,
    Profile,
    ReminderDelivery,
    RoundOutcome,
)
from interview_coordinator.reminders import digests
from interview_coordinator.reminders.emails import (
    QuietApplication,
    ReminderContent,
    digest_email,
    longest_send,
    reminder_email,
    send,
    user_email,
)
from interview_coordinator.reminders.planning import Preferences, is_still_planned, plan
from interview_coordinator.reminders.quiet import quiet_applications
from interview_coordinator.reminders.smtp import AnswerLost

logger = logging.getLogger(__name__)

# A scan stops after this many full batches; the next scan picks up the rest,
# so one scan never runs for long whatever the backlog.
MAX_BATCHES_PER_SCAN = 20
# Stored error text is bounded by the column.
ERROR_MAX_LENGTH = 500
# Why a delivery to an account without an address was given up.
NO_ADDRESS = "The user has no email address."
# Retries are due this much before the scan one backoff after the failed
# attempt's, so that a scan that runs a little earlier than the last one
# (beat's and the worker's own delays vary) still takes them.
SCAN_SLACK = datetime.timedelta(seconds=1)


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
                status=DeliveryStatus.CLAIMED, due_at=claim_expiry, claimed_at=now
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
    """Exponential backoff, capped: the base after the first failure, doubling after each."""
    base = float(app_settings.REMINDER_RETRY_BACKOFF_SECONDS)
    cap = float(app_settings.REMINDER_RETRY_MAX_BACKOFF_SECONDS)
    # The exponent is bounded so that a long outage's attempt count cannot overflow it.
    return datetime.timedelta(seconds=min(base * 2 ** min(max(attempts - 1, 0), 32), cap))


@dataclass(frozen=True)
class Attempt:
    """One started attempt: what the record step needs once SMTP has answered."""

    delivery_id: int
    number: int
    moment: datetime.datetime
    claimed_at: datetime.datetime
    message: EmailMessage
    # A digest's user, and the quiet periods it nudges (application id, start).
    digest_user_id: object = None
    nudges: tuple[tuple[int, datetime.datetime], ...] = ()


def deliver(delivery_id: int) -> str:
    """Send one claimed delivery, at most once per accepted attempt; return what became of it.

    Outcomes: ``sent``, ``pending`` (failed, will be retried), ``failed``
    (gave up), ``cancelled`` (no longer planned, row removed) and ``skipped``
    (another task holds it, or it is no longer claimed).
    """
    started = _start(delivery_id)
    if isinstance(started, str):
        return started
    try:
        send(started.message)
    except AnswerLost as exc:
        # The server may have the message: retried all the same (a reminder is
        # never silently lost), with the same Message-ID.
        return _record_failure(started, str(exc))
    except OSError as exc:  # smtplib's errors included: the server may recover
        refusal = permanent_refusal(exc)
        if refusal is not None:
            return _record_failure(started, refusal, final=True)
        return _record_failure(started, f"{exc.__class__.__name__}: {exc}")
    except Exception as exc:
        # A malformed address, say: retrying cannot help, and leaving the row
        # in flight would retry it forever.
        logger.exception("Delivery %s cannot be sent", delivery_id)
        return _record_failure(started, f"{exc.__class__.__name__}: {exc}", final=True)
    _record_sent(started)
    logger.info("Delivery %s sent", delivery_id)
    return "sent"


def permanent_refusal(exc: OSError) -> str | None:
    """The error to record when the server refused the recipient or the message for good.

    A 5xx reply to RCPT or to DATA means the same message to the same
    address will be refused again (RFC 5321, 4.2.1): retrying cannot help,
    so the delivery is given up at once. A 4xx reply is transient, and so is
    everything else (a refused connection, authentication, the sender
    refused: the site's own set-up, which it can fix), all retried.
    """
    replies: list[tuple[int, bytes | str]]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
    elif isinstance(exc, smtplib.SMTPDataError):
        replies = [(exc.smtp_code, exc.smtp_error)]
    else:
        return None
    if not replies or not all(500 <= code < 600 for code, _text in replies):
        return None
    code, text = replies[0]
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{exc.__class__.__name__}: {code} {said}"


def _start(delivery_id: int) -> Attempt | str:
    """Take a claimed delivery for one attempt, in a short transaction; or say why not."""
    with transaction.atomic():
        delivery = (
            ReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=delivery_id, status=DeliveryStatus.CLAIMED)
            .select_related("interview")
            .first()
        )
        if delivery is None:
            return "skipped"
        if delivery.kind == DeliveryKind.DIGEST:
            started = _start_digest(delivery, timezone.now())
        else:
            started = _start_reminder(delivery, timezone.now())
    if started == "cancelled" and delivery.interview_id is not None:
        # Planned again once the lock is released: what replaces the stale row (a
        # moved moment, new preferences) is due now rather than at the next write.
        plan(delivery.interview.user_id, interview_id=delivery.interview_id)
    elif isinstance(started, str) and delivery.kind == DeliveryKind.DIGEST:
        # The user's next digest, planned once the lock is released.
        digests.plan_digest(delivery.user_id)
    return started


def _start_reminder(delivery: ReminderDelivery, now: datetime.datetime) -> Attempt | str:
    if delivery.moment <= now:
        _give_up(delivery, "The moment passed before the reminder could be sent.")
        return "failed"
    assert delivery.interview is not None, "a reminder names its interview"
    user = get_user_model()._default_manager.get(pk=delivery.interview.user_id)
    profile = Profile.objects.for_user(user)
    if not is_still_planned(delivery, user.pk, profile):
        delivery.delete()
        return "cancelled"
    return _take(delivery, user, now, functools.partial(_build, delivery, profile))


def _start_digest(delivery: ReminderDelivery, now: datetime.datetime) -> Attempt | str:
    """Take a digest: still planned, and listing the applications quiet right now."""
    if delivery.moment <= now:
        _give_up(delivery, "The next day's digest came before this one could be sent.")
        return "failed"
    user = get_user_model()._default_manager.get(pk=delivery.user_id)
    profile = Profile.objects.for_user(user)
    if not digests.is_still_planned(delivery, user, profile, now):
        delivery.delete()
        return "cancelled"
    zone = ZoneInfo(Preferences.of(profile).timezone)
    rows = quiet_applications(user.pk, int(profile.follow_up_after_days or 0), now)
    if not rows:
        delivery.delete()
        return "cancelled"
    applications = [
        QuietApplication(
            company_name=row["company_name"],
            position=row["position"],
            quiet_since=row["quiet_since"].astimezone(zone),
            days_quiet=(now - row["quiet_since"]).days,
            last_event=row["last_event"],
        )
        for row in rows
    ]

    def build(username: str, recipient: str) -> EmailMessage:
        return digest_email(applications, zone, recipient, username, delivery.pk)

    return _take(
        delivery,
        user,
        now,
        build,
        digest_user_id=user.pk,
        nudges=tuple((row["pk"], row["quiet_since"]) for row in rows),
    )


def _take(
    delivery: ReminderDelivery,
    user: Any,
    now: datetime.datetime,
    build: Callable[[str, str], EmailMessage],
    **attempt: Any,
) -> Attempt | str:
    """Build the email and mark the delivery sending (the caller holds its lock)."""
    recipient = user_email(user)
    if not recipient:
        _give_up(delivery, NO_ADDRESS)
        return "failed"
    try:
        message = build(user.get_username(), recipient)
    except Exception as exc:
        # A broken template override: retrying cannot help.
        logger.exception("Delivery %s cannot be built", delivery.pk)
        _give_up(delivery, f"{exc.__class__.__name__}: {exc}")
        return "failed"
    delivery.attempts += 1
    delivery.status = str(DeliveryStatus.SENDING)
    # Claimable again only if this task dies: after the longest a send can take.
    delivery.due_at = now + max(
        datetime.timedelta(seconds=app_settings.REMINDER_CLAIM_TIMEOUT_SECONDS), longest_send()
    )
    delivery.save(update_fields=["attempts", "status", "due_at"])
    return Attempt(
        delivery_id=delivery.pk,
        number=delivery.attempts,
        moment=delivery.moment,
        claimed_at=delivery.claimed_at or now,
        message=message,
        **attempt,
    )


def _build(
    delivery: ReminderDelivery, profile: Profile, username: str, recipient: str
) -> EmailMessage:
    assert delivery.interview is not None, "a reminder names its interview"
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
    return reminder_email(content, recipient, username, delivery.pk)


def _give_up(delivery: ReminderDelivery, error: str) -> None:
    delivery.status = str(DeliveryStatus.FAILED)
    delivery.last_error = error[:ERROR_MAX_LENGTH]
    delivery.save(update_fields=["status", "last_error"])
    logger.error(
        "Delivery %s given up after %s attempts: %s",
        delivery.pk,
        delivery.attempts,
        delivery.last_error,
    )


def _record_sent(attempt: Attempt) -> None:
    """Mark the delivery sent, whatever happened to it meanwhile (unless it is gone).

    The email went out: if the row was claimed again (its task was thought
    dead), the task of that claim finds it sent and does nothing. A digest
    records, in the same transaction, the quiet periods it nudged; then the
    user's next digest is planned.
    """
    with transaction.atomic():
        marked = (
            ReminderDelivery.objects.filter(pk=attempt.delivery_id)
            .exclude(status=DeliveryStatus.SENT)
            .update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
        )
        if marked and attempt.nudges:
            FollowUpNudge.objects.bulk_create(
                [
                    FollowUpNudge(interview_id=interview_id, quiet_since=quiet_since)
                    for interview_id, quiet_since in attempt.nudges
                ],
                ignore_conflicts=True,
            )
    if attempt.digest_user_id is not None:
        digests.plan_digest(attempt.digest_user_id)


def _record_failure(attempt: Attempt, error: str, *, final: bool = False) -> str:
    """Schedule the retry of a failed attempt, or give up; ``skipped`` if another took over."""
    error = error[:ERROR_MAX_LENGTH]
    retry_at = attempt.claimed_at + retry_delay(attempt.number) - SCAN_SLACK
    max_attempts = app_settings.REMINDER_MAX_ATTEMPTS
    give_up = (
        final
        or retry_at >= attempt.moment
        or (max_attempts is not None and attempt.number >= int(max_attempts))
    )
    with transaction.atomic():
        delivery = (
            ReminderDelivery.objects.select_for_update()
            .filter(pk=attempt.delivery_id, status=DeliveryStatus.SENDING, attempts=attempt.number)
            .first()
        )
        if delivery is None:
            return "skipped"
        if give_up:
            _give_up(delivery, error)
        else:
            delivery.status = str(DeliveryStatus.PENDING)
            delivery.due_at = retry_at
            delivery.last_error = error
            delivery.save(update_fields=["status", "due_at", "last_error"])
    if give_up:
        if attempt.digest_user_id is not None:
            # Given up: the applications it listed go into the next day's digest.
            digests.plan_digest(attempt.digest_user_id)
        return "failed"
    logger.warning(
        "Delivery %s attempt %s failed, retrying at %s: %s",
        attempt.delivery_id,
        attempt.number,
        retry_at.isoformat(),
        error,
    )
    return "pending"
