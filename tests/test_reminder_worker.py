"""End to end with real parts: Celery workers with beat, a Redis broker, an SMTP server.

Two ``celery -A tests.celery_app worker --beat`` processes (two workers and two
beats, racing) run on this test's PostgreSQL database, a throwaway
redis-server and an aiosmtpd server; each beat runs the dispatch scan every
second, and a failed send is retried within two seconds. Rows are committed
(``transaction=True``) so the workers see them.
"""

# The fixtures are imported from tests.reminder_fixtures, then named as parameters.
# ruff: noqa: F811

import time

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from interview_coordinator.models import (
    DeliveryKind,
    DeliveryStatus,
    FollowUpNudge,
    ReminderDelivery,
)
from tests.factories import InterviewFactory, UserFactory
from tests.quiet import go_quiet, nudges_on
from tests.reminder_fixtures import (  # noqa: F401
    broker,
    celery_through,
    celery_workers,
    smtp,
    smtp_server,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a worker process shares the test database only on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
]
# Bounds on the waits: beat ticks every second, backoff is 1, 2, 4 s.
DELIVERY_TIMEOUT = 30


def logs(workers):
    return "\n\n".join(worker.log() for worker in workers)


def wait_for_status(delivery, status, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status == status:
            return delivery
        time.sleep(0.2)
    return delivery


def test_a_due_reminder_goes_out_through_beat_and_the_worker(celery_workers, smtp, user):
    moment = timezone.now() + timezone.timedelta(hours=3)
    InterviewFactory(user=user, interview_date=moment, company_name="Worker Corp")
    (message,) = smtp.wait_for_messages(1, DELIVERY_TIMEOUT) or [None]
    assert message is not None, logs(celery_workers)
    assert "Worker Corp" in message["Subject"]
    delivery = wait_for_status(ReminderDelivery.objects.get(), DeliveryStatus.SENT, 10)
    assert delivery.status == DeliveryStatus.SENT


def test_mail_server_failing_three_times_then_up_delivers_exactly_once(celery_workers, smtp, user):
    smtp.fail(3)
    InterviewFactory(user=user, interview_date=timezone.now() + timezone.timedelta(hours=3))
    delivery = wait_for_status(
        ReminderDelivery.objects.get(), DeliveryStatus.SENT, DELIVERY_TIMEOUT
    )
    assert delivery.status == DeliveryStatus.SENT, logs(celery_workers)
    assert delivery.attempts == 4
    assert smtp.handler.refused == 3
    # Beat keeps scanning every second: a few more ticks must not send it again.
    time.sleep(3)
    assert len(smtp.messages) == 1


def test_a_mail_outage_longer_than_five_attempts_still_delivers_once(celery_workers, smtp, user):
    smtp.stop()
    try:
        InterviewFactory(user=user, interview_date=timezone.now() + timezone.timedelta(hours=3))
        delivery = ReminderDelivery.objects.get()
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while delivery.attempts < 7 and time.monotonic() < deadline:
            time.sleep(0.2)
            delivery.refresh_from_db()
        assert delivery.attempts >= 7, logs(celery_workers)
        assert delivery.status != DeliveryStatus.FAILED
    finally:
        smtp.start()
    delivery = wait_for_status(delivery, DeliveryStatus.SENT, DELIVERY_TIMEOUT)
    assert delivery.status == DeliveryStatus.SENT, logs(celery_workers)
    time.sleep(3)
    assert len(smtp.messages) == 1


def test_test_email_is_queued_to_the_broker_and_sent_by_the_worker(
    celery_workers, celery_through, smtp, auth_client
):
    celery_through(celery_workers[0].broker_url)
    response = auth_client.post(reverse("interview_coordinator:profile-test-email"))
    assert response.status_code == 202
    (message,) = smtp.wait_for_messages(1, DELIVERY_TIMEOUT) or [None]
    assert message is not None, logs(celery_workers)
    assert message["To"] == "alice@example.com"
    assert "Test email" in message["Subject"]


def test_two_workers_and_two_beats_send_each_reminder_once(celery_workers, smtp, user):
    soon = timezone.now() + timezone.timedelta(hours=3)
    for index in range(20):
        InterviewFactory(
            user=user,
            interview_date=soon + timezone.timedelta(minutes=index),
            company_name=f"Race {index}",
        )
    messages = smtp.wait_for_messages(20, DELIVERY_TIMEOUT)
    assert len(messages) == 20, logs(celery_workers)
    # A few more ticks of both beats must not send anything again.
    time.sleep(3)
    subjects = [message["Subject"] for message in smtp.messages]
    assert len(subjects) == len(set(subjects)) == 20
    assert set(ReminderDelivery.objects.values_list("status", "attempts")) == {
        (DeliveryStatus.SENT, 1)
    }


def users_with_quiet_applications(count, applications=2):
    users = [UserFactory() for _ in range(count)]
    for user in users:
        for _ in range(applications):
            go_quiet(InterviewFactory(user=user, interview_date=None), days=10)
        # Midnight has passed today, after they went quiet: due at once.
        nudges_on(user, days=7, zone="Pacific/Auckland")
    return users


def test_two_workers_and_two_beats_send_each_users_digest_once(celery_workers, smtp):
    users = users_with_quiet_applications(6)
    messages = smtp.wait_for_messages(6, DELIVERY_TIMEOUT)
    assert len(messages) == 6, logs(celery_workers)
    time.sleep(3)
    assert sorted(message["To"] for message in smtp.messages) == sorted(u.email for u in users)
    assert set(
        ReminderDelivery.objects.filter(kind=DeliveryKind.DIGEST).values_list("status", "attempts")
    ) == {(DeliveryStatus.SENT, 1)}
    # One nudge per quiet period: each application once.
    assert FollowUpNudge.objects.count() == 12
    assert not ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()


def test_a_digest_survives_a_mail_outage_and_goes_out_once(celery_workers, smtp):
    smtp.stop()
    try:
        (user,) = users_with_quiet_applications(1)
        delivery = ReminderDelivery.objects.get(kind=DeliveryKind.DIGEST)
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while delivery.attempts < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
            delivery.refresh_from_db()
        assert delivery.attempts >= 4, logs(celery_workers)
        assert delivery.status != DeliveryStatus.FAILED
        assert not FollowUpNudge.objects.exists()
    finally:
        smtp.start()
    delivery = wait_for_status(delivery, DeliveryStatus.SENT, DELIVERY_TIMEOUT)
    assert delivery.status == DeliveryStatus.SENT, logs(celery_workers)
    time.sleep(3)
    (message,) = smtp.messages
    assert message["To"] == user.email
    assert FollowUpNudge.objects.count() == 2
