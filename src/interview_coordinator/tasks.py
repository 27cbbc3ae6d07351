"""Celery tasks of the package, as ``shared_task`` so that the host's Celery app finds them.

The host's beat runs ``dispatch_due_reminders`` every minute; it claims the
due deliveries (reminders and follow-up digests alike) and queues one
``send_reminder`` per delivery. Tasks take
primary keys, never model instances.
"""

from __future__ import annotations

import functools

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction

from interview_coordinator.reminders import dispatch
from interview_coordinator.reminders.emails import send, test_email, user_email

# Retries of a test email: it is a one-off the user is waiting for, so a few
# quick retries are enough; reminders retry through their delivery row instead.
TEST_EMAIL_MAX_RETRIES = 3


@shared_task(ignore_result=True)
def send_reminder(delivery_id: int) -> str:
    return dispatch.deliver(delivery_id)


def queue_reminder(delivery_id: int) -> None:
    """Queue the send once the claim is committed, so the worker sees the row claimed."""
    transaction.on_commit(functools.partial(send_reminder.delay, delivery_id))


@shared_task(ignore_result=True)
def dispatch_due_reminders() -> int:
    return dispatch.dispatch_due(queue_reminder)


@shared_task(
    ignore_result=True,
    autoretry_for=(OSError,),  # smtplib's errors included
    retry_backoff=True,
    max_retries=TEST_EMAIL_MAX_RETRIES,
)
def send_test_email(user_id: int) -> None:
    user = get_user_model()._default_manager.get(pk=user_id)
    recipient = user_email(user)
    if not recipient:
        return
    send(test_email(recipient, user.get_username()))
