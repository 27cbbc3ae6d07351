"""Dispatch: claiming due deliveries, sending each exactly once, retrying a failing server.

Emails go to a real SMTP server (aiosmtpd) that the tests make fail and recover.
"""

# The fixtures are imported from tests.reminder_fixtures, then named as parameters.
# ruff: noqa: F811

import datetime
import itertools
import logging
import threading
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from interview_coordinator.models import DeliveryStatus, Profile, ReminderDelivery
from interview_coordinator.reminders import dispatch
from interview_coordinator.reminders import smtp as smtp_module
from interview_coordinator.reminders.dispatch import (
    SCAN_SLACK,
    claim_due,
    deliver,
    dispatch_due,
)
from interview_coordinator.reminders.emails import send
from tests.factories import InterviewFactory, RoundFactory
from tests.reminder_fixtures import celery_app, smtp, smtp_server, use_smtp  # noqa: F401

HOUR = datetime.timedelta(hours=1)
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks (FOR UPDATE SKIP LOCKED) and concurrent connections need PostgreSQL",
)


def due_interview(user, hours_ahead=3, **fields):
    """An interview a few hours ahead: its reminder (one day before) is due at once."""
    moment = (timezone.now() + hours_ahead * HOUR).replace(microsecond=0)
    return InterviewFactory(user=user, interview_date=moment, **fields)


def calendar_uid(message):
    (attachment,) = list(message.iter_attachments())
    ics = attachment.get_content()
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return str(event["UID"])


def run_scan():
    outcomes = []
    dispatch_due(lambda delivery_id: outcomes.append(deliver(delivery_id)))
    return outcomes


@pytest.mark.django_db
class TestClaim:
    def test_claims_due_deliveries_only_and_only_once(self, user):
        due = due_interview(user)
        InterviewFactory(user=user, interview_date=timezone.now() + 10 * 24 * HOUR)
        ids = claim_due()
        assert ids == list(due.reminder_deliveries.values_list("pk", flat=True))
        row = ReminderDelivery.objects.get(pk=ids[0])
        assert row.status == DeliveryStatus.CLAIMED
        assert row.due_at > timezone.now()
        assert claim_due() == []

    def test_an_expired_claim_is_claimed_again(self, user, settings):
        due_interview(user)
        first = claim_due()
        later = timezone.now() + datetime.timedelta(seconds=601)
        assert claim_due(now=later) == first

    def test_claims_in_batches(self, user, settings):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_BATCH_SIZE": 2}
        for _ in range(5):
            due_interview(user)
        queued = []
        assert dispatch_due(queued.append) == 5
        assert sorted(queued) == sorted(ReminderDelivery.objects.values_list("pk", flat=True))

    def test_a_scan_costs_the_same_queries_whatever_is_due(
        self, user, settings, django_assert_max_num_queries
    ):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_BATCH_SIZE": 50}
        for count in (1, 20):
            for _ in range(count):
                due_interview(user)
            # One batch: the locked read and the update (plus the transaction's savepoint).
            with django_assert_max_num_queries(4):
                assert len(claim_due()) == count


@pytest.mark.django_db
class TestDeliver:
    def test_sends_text_html_and_calendar_in_the_users_timezone(self, user, smtp):
        profile = Profile.objects.for_user(user)
        profile.timezone = "Europe/Berlin"
        profile.save()
        interview = due_interview(user, company_name="Acme & Co", position="Engineer")
        RoundFactory(interview=interview, scheduled_date=interview.interview_date, stage="onsite")
        assert run_scan() == ["sent"]
        (message,) = smtp.messages
        assert message["To"] == user.email
        assert "Acme & Co" in message["Subject"]
        utc = interview.interview_date.astimezone(datetime.timezone.utc)
        berlin = interview.interview_date.astimezone(ZoneInfo("Europe/Berlin"))
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert berlin.strftime("%H:%M") in text
        assert "(Europe/Berlin)" in text
        assert "Onsite Interview" in text
        assert "Remote" in text
        assert "Acme &amp; Co" in html
        assert berlin.strftime("%H:%M") in html
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_content_type() == "text/calendar"
        assert attachment.get_filename() == "interview.ics"
        ics = attachment.get_content()
        ics = ics.decode() if isinstance(ics, bytes) else ics
        assert "BEGIN:VEVENT" in ics
        assert f"DTSTART:{utc:%Y%m%dT%H%M%S}Z" in ics
        row = ReminderDelivery.objects.get()
        assert (row.status, row.attempts) == (DeliveryStatus.SENT, 1)
        assert row.sent_at is not None

    def test_a_non_ascii_subject_decodes_exactly_as_written(self, user, smtp):
        due_interview(
            user, company_name="Société Générale Investissements", position="Ingénieure logicielle"
        )
        assert run_scan() == ["sent"]
        (message,) = smtp.messages
        assert message["Subject"].startswith(
            "Reminder: Société Générale Investissements — Ingénieure logicielle"
        )

    @pytest.mark.parametrize("separator", ["\u2028", "\u2029", " \u2028\u2029 "])
    def test_a_line_break_in_a_subject_becomes_one_space(self, user, smtp, separator):
        due_interview(user, company_name=f"Acme{separator}Labs", position="Ingénieure")
        assert run_scan() == ["sent"]
        (message,) = smtp.messages
        assert message["Subject"].startswith("Reminder: Acme Labs — Ingénieure —")

    @pytest.mark.parametrize("name", ["Acme\u00a0Labs", "Acme  Labs", "Acme\u3000Labs"])
    def test_spaces_that_are_not_line_breaks_decode_exactly_as_written(self, user, smtp, name):
        due_interview(user, company_name=name, position="Ingénieure")
        assert run_scan() == ["sent"]
        (message,) = smtp.messages
        assert message["Subject"].startswith(f"Reminder: {name} — Ingénieure —")

    def test_a_send_after_a_failed_attempt_clears_the_error(self, user, smtp, settings):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_RETRY_BACKOFF_SECONDS": 0}
        smtp.fail(1)
        due_interview(user)
        assert run_scan() == ["pending"]
        assert "451" in ReminderDelivery.objects.get().last_error
        assert run_scan() == ["sent"]
        row = ReminderDelivery.objects.get()
        assert (row.status, row.last_error) == (DeliveryStatus.SENT, "")

    def test_the_message_id_names_the_delivery_and_the_sites_domain(self, user, smtp):
        due_interview(user)
        assert run_scan() == ["sent"]
        (message,) = smtp.messages
        assert (
            message["Message-ID"] == f"<reminder-{ReminderDelivery.objects.get().pk}@example.com>"
        )

    def test_the_calendar_uid_stays_when_the_moment_moves_and_has_a_domain(
        self, user, smtp, auth_client
    ):
        profile = Profile.objects.for_user(user)
        profile.reminder_days_before = 7
        profile.save()
        interview = due_interview(user, hours_ahead=24 * 5)
        assert run_scan() == ["sent"]
        response = auth_client.patch(
            f"/api/interviews/{interview.pk}/",
            {"interview_date": (interview.interview_date + HOUR).isoformat()},
            format="json",
        )
        assert response.status_code == 200
        assert run_scan() == ["sent"]
        first, moved = (calendar_uid(message) for message in smtp.messages)
        assert first == moved == f"interview-{interview.pk}@example.com"

    def test_a_rounds_own_moment_has_the_rounds_uid(self, user, smtp):
        interview = InterviewFactory(user=user, interview_date=None)
        moment = (timezone.now() + 3 * HOUR).replace(microsecond=0)
        round_ = RoundFactory(interview=interview, scheduled_date=moment)
        assert run_scan() == ["sent"]
        (message,) = smtp.messages
        assert calendar_uid(message) == f"round-{round_.pk}@example.com"

    def test_an_inactive_user_is_sent_nothing(self, user, smtp):
        due_interview(user)
        # Without signals, as a bulk update or another application would.
        type(user).objects.filter(pk=user.pk).update(is_active=False)
        assert run_scan() == ["cancelled"]
        assert smtp.messages == []

    def test_is_never_sent_twice(self, user, smtp):
        due_interview(user)
        (delivery_id,) = claim_due()
        assert deliver(delivery_id) == "sent"
        assert deliver(delivery_id) == "skipped"
        assert run_scan() == []
        assert len(smtp.messages) == 1

    def test_rechecks_that_the_reminder_is_still_planned(self, user, smtp):
        interview = due_interview(user)
        (delivery_id,) = claim_due()
        # Moved without signals (a bulk update): the claimed delivery is stale.
        type(interview).objects.filter(pk=interview.pk).update(
            interview_date=interview.interview_date + HOUR
        )
        assert deliver(delivery_id) == "cancelled"
        assert smtp.messages == []
        assert not ReminderDelivery.objects.filter(pk=delivery_id).exists()
        # The interview is planned again: the moved moment gets its reminder.
        assert list(ReminderDelivery.objects.values_list("moment", flat=True)) == [
            interview.interview_date + HOUR
        ]

    def test_a_delivery_replanned_after_its_claim_is_not_sent(self, user, smtp):
        interview = due_interview(user)
        (delivery_id,) = claim_due()
        interview.status = "cancelled"
        interview.save()
        assert deliver(delivery_id) == "skipped"
        assert smtp.messages == []

    def test_reminders_turned_off_after_planning_are_not_sent(self, user, smtp):
        due_interview(user)
        profile = Profile.objects.for_user(user)
        profile.email_notifications_enabled = False
        profile.save()
        assert run_scan() == []
        assert smtp.messages == []

    def test_preferences_changed_after_planning_move_the_reminder(self, user, smtp):
        interview = due_interview(user, hours_ahead=24 * 5)
        assert run_scan() == []
        profile = Profile.objects.for_user(user)
        profile.reminder_days_before = 7
        profile.save()
        assert run_scan() == ["sent"]
        assert len(smtp.messages) == 1
        assert ReminderDelivery.objects.get().interview == interview

    def test_a_user_without_email_is_given_up_and_logged(self, make_user, smtp, caplog):
        user = make_user("noemail", email="")
        due_interview(user)
        with caplog.at_level(logging.ERROR, logger="interview_coordinator.reminders.dispatch"):
            assert run_scan() == ["failed"]
        assert "no email address" in caplog.text
        assert ReminderDelivery.objects.get().status == DeliveryStatus.FAILED

    def test_an_address_added_back_before_the_moment_gets_the_reminder(self, make_user, smtp):
        user = make_user("noemail", email="")
        due_interview(user)
        assert run_scan() == ["failed"]
        user.email = "back@example.com"
        user.save()
        assert run_scan() == ["sent"]
        (message,) = smtp.messages
        assert message["To"] == "back@example.com"

    def test_an_address_that_cannot_be_sent_to_is_given_up_not_left_claimed(
        self, make_user, smtp, caplog
    ):
        user = make_user("bad", email="a@b@c")
        due_interview(user)
        with caplog.at_level(logging.ERROR, logger="interview_coordinator.reminders.dispatch"):
            assert run_scan() == ["failed"]
        delivery = ReminderDelivery.objects.get()
        assert delivery.status == DeliveryStatus.FAILED
        assert "a@b@c" in delivery.last_error
        assert smtp.messages == []


@pytest.mark.django_db
class TestFailingMailServer:
    @pytest.mark.parametrize(
        "refusal",
        [
            {"recipient": "550 5.1.1 No such user here"},
            {"data": "554 5.7.1 Message refused"},
        ],
        ids=["recipient", "data"],
    )
    def test_a_permanent_refusal_is_given_up_at_once(self, user, smtp, settings, refusal):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_RETRY_BACKOFF_SECONDS": 0}
        smtp.refuse(**refusal)
        due_interview(user)
        assert [run_scan() for _ in range(2)] == [["failed"], []]
        row = ReminderDelivery.objects.get()
        assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
        assert "55" in row.last_error
        assert smtp.messages == []

    @pytest.mark.parametrize(
        "refusal",
        [{"recipient": "451 4.3.0 Try again later"}, {"data": "452 4.3.1 Out of space"}],
        ids=["recipient", "data"],
    )
    def test_a_temporary_refusal_is_retried(self, user, smtp, settings, refusal):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_RETRY_BACKOFF_SECONDS": 0}
        smtp.refuse(**refusal)
        due_interview(user)
        assert [run_scan() for _ in range(2)] == [["pending"], ["pending"]]
        smtp.refuse()
        assert run_scan() == ["sent"]
        assert len(smtp.messages) == 1

    def test_three_temporary_failures_then_exactly_one_email(self, user, smtp, settings):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_RETRY_BACKOFF_SECONDS": 0}
        smtp.fail(3)
        due_interview(user)
        outcomes = [run_scan() for _ in range(6)]
        assert outcomes == [["pending"], ["pending"], ["pending"], ["sent"], [], []]
        assert len(smtp.messages) == 1
        assert smtp.handler.refused == 3
        row = ReminderDelivery.objects.get()
        assert (row.status, row.attempts) == (DeliveryStatus.SENT, 4)

    def test_a_server_that_is_down_is_retried_until_it_is_up(self, user, smtp, settings):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_RETRY_BACKOFF_SECONDS": 0}
        due_interview(user)
        smtp.stop()
        try:
            assert [run_scan() for _ in range(3)] == [["pending"]] * 3
            assert "ConnectionRefusedError" in ReminderDelivery.objects.get().last_error
        finally:
            smtp.start()
        assert run_scan() == ["sent"]
        assert len(smtp.messages) == 1

    def test_backoff_doubles_up_to_its_cap_counted_from_the_claim(self, user, smtp, settings):
        settings.INTERVIEW_COORDINATOR = {
            "REMINDER_RETRY_BACKOFF_SECONDS": 60,
            "REMINDER_RETRY_MAX_BACKOFF_SECONDS": 200,
        }
        smtp.fail(10)
        due_interview(user)
        delays = []
        scan_at = timezone.now()
        for _ in range(4):
            (delivery_id,) = claim_due(now=scan_at)
            assert deliver(delivery_id) == "pending"
            row = ReminderDelivery.objects.get(pk=delivery_id)
            delays.append((row.due_at - scan_at + SCAN_SLACK).total_seconds())
            scan_at = row.due_at
        assert delays == [60, 120, 200, 200]

    def test_a_retry_is_taken_by_the_scan_one_backoff_after_the_failed_attempts(
        self, user, smtp, settings
    ):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_RETRY_BACKOFF_SECONDS": 60}
        smtp.fail(1)
        due_interview(user)
        scan_at = timezone.now()
        (delivery_id,) = claim_due(now=scan_at)
        assert deliver(delivery_id) == "pending"
        # Beat scans every minute: the one a minute later takes the retry.
        next_scan = scan_at + datetime.timedelta(seconds=60)
        assert claim_due(now=next_scan) == [delivery_id]
        assert deliver(delivery_id) == "sent"

    def test_an_outage_longer_than_five_attempts_still_delivers_once(self, user, smtp, settings):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_RETRY_BACKOFF_SECONDS": 0}
        due_interview(user)
        smtp.stop()
        try:
            assert [run_scan() for _ in range(8)] == [["pending"]] * 8
        finally:
            smtp.start()
        assert run_scan() == ["sent"]
        assert run_scan() == []
        assert len(smtp.messages) == 1
        row = ReminderDelivery.objects.get()
        assert (row.status, row.attempts) == (DeliveryStatus.SENT, 9)

    def test_gives_up_once_the_next_retry_would_come_after_the_moment(
        self, user, smtp, settings, caplog
    ):
        settings.INTERVIEW_COORDINATOR = {
            "REMINDER_RETRY_BACKOFF_SECONDS": 2 * 3600,
            "REMINDER_RETRY_MAX_BACKOFF_SECONDS": 2 * 3600,
        }
        smtp.fail(1)
        due_interview(user, hours_ahead=3)
        with caplog.at_level(logging.WARNING, logger="interview_coordinator.reminders.dispatch"):
            assert run_scan() == ["pending"]
            (delivery_id,) = claim_due(now=ReminderDelivery.objects.get().due_at)
            smtp.fail(1)
            assert deliver(delivery_id) == "failed"
        row = ReminderDelivery.objects.get()
        assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 2)
        assert "given up after 2 attempts" in caplog.text

    def test_a_delivery_claimed_after_its_moment_is_given_up_not_sent(self, user, smtp, caplog):
        interview = due_interview(user)
        (delivery_id,) = claim_due()
        # Its task waited in a queue until the moment was over.
        past = timezone.now() - datetime.timedelta(minutes=1)
        type(interview).objects.filter(pk=interview.pk).update(interview_date=past)
        ReminderDelivery.objects.filter(pk=delivery_id).update(moment=past)
        with caplog.at_level(logging.ERROR, logger="interview_coordinator.reminders.dispatch"):
            assert deliver(delivery_id) == "failed"
        assert "moment passed" in caplog.text
        assert smtp.messages == []

    def test_gives_up_after_the_last_attempt_and_logs_it(self, user, smtp, settings, caplog):
        settings.INTERVIEW_COORDINATOR = {
            "REMINDER_RETRY_BACKOFF_SECONDS": 0,
            "REMINDER_MAX_ATTEMPTS": 3,
        }
        smtp.fail(100)
        due_interview(user)
        with caplog.at_level(logging.WARNING, logger="interview_coordinator.reminders.dispatch"):
            outcomes = [run_scan() for _ in range(5)]
        assert outcomes == [["pending"], ["pending"], ["failed"], [], []]
        row = ReminderDelivery.objects.get()
        assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 3)
        assert "given up after 3 attempts" in caplog.text
        assert smtp.messages == []


@pytest.mark.django_db
class TestManagementCommand:
    def test_inline_sends_the_due_reminders(self, user, smtp, capsys):
        due_interview(user)
        call_command("send_due_reminders", "--inline")
        assert "1 due reminder(s) processed. sent: 1" in capsys.readouterr().out
        assert len(smtp.messages) == 1

    def test_queues_to_celery_by_default(self, user, capsys, django_capture_on_commit_callbacks):
        due_interview(user)
        mail.outbox.clear()
        # Sends are queued once the claim commits.
        with django_capture_on_commit_callbacks(execute=True) as queued:
            call_command("send_due_reminders")
        assert len(queued) == 1
        assert "1 due reminder(s) queued." in capsys.readouterr().out
        # The test suite's Celery app runs tasks eagerly, in process.
        assert celery_app.conf.task_always_eager
        assert len(mail.outbox) == 1
        assert ReminderDelivery.objects.get().status == DeliveryStatus.SENT


@needs_postgresql
@pytest.mark.django_db(transaction=True)
class TestConcurrency:
    def race(self, count, target):
        barrier = threading.Barrier(count)
        results = [None] * count
        errors = []

        def run(index):
            try:
                barrier.wait(timeout=10)
                results[index] = target()
            except Exception as exc:  # reported below with the test's own assertion
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
        return results

    def test_two_dispatchers_split_the_due_deliveries(self, user, settings):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_BATCH_SIZE": 7}
        for _ in range(60):
            due_interview(user)

        def drain():
            claimed = []
            while ids := claim_due():
                claimed.extend(ids)
            return claimed

        first, second = self.race(2, drain)
        assert not set(first) & set(second)
        assert sorted(first + second) == sorted(
            ReminderDelivery.objects.values_list("pk", flat=True)
        )

    def test_two_scans_sending_at_once_send_each_reminder_once(self, user, smtp):
        for _ in range(10):
            due_interview(user)
        results = self.race(2, run_scan)
        assert sorted(itertools.chain.from_iterable(results)) == ["sent"] * 10
        assert len(smtp.messages) == 10
        assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}

    def test_two_workers_given_the_same_delivery_send_it_once(self, user, smtp):
        due_interview(user)
        (delivery_id,) = claim_due()
        outcomes = self.race(2, lambda: deliver(delivery_id))
        assert sorted(outcomes) == ["sent", "skipped"]
        assert len(smtp.messages) == 1


@pytest.mark.django_db
class TestLateAnswers:
    """A server that stores the message but answers late."""

    def test_an_answer_later_than_the_command_timeout_is_awaited_and_sent_once(
        self, user, smtp, settings
    ):
        use_smtp(settings, smtp.port, timeout=1)
        settings.INTERVIEW_COORDINATOR = {
            "REMINDER_RETRY_BACKOFF_SECONDS": 0,
            "SMTP_DATA_TIMEOUT_SECONDS": 10,
        }
        smtp.answer_late(2)
        due_interview(user)
        assert run_scan() == ["sent"]
        assert run_scan() == []
        assert len(smtp.messages) == 1
        row = ReminderDelivery.objects.get()
        assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 1, "")

    def test_an_answer_that_never_comes_is_retried_with_the_same_message_id(
        self, user, smtp, settings, caplog
    ):
        use_smtp(settings, smtp.port, timeout=1)
        settings.INTERVIEW_COORDINATOR = {
            "REMINDER_RETRY_BACKOFF_SECONDS": 0,
            "SMTP_DATA_TIMEOUT_SECONDS": 1,
        }
        smtp.answer_late(3)
        due_interview(user)
        with caplog.at_level(logging.WARNING, logger="interview_coordinator.reminders.dispatch"):
            assert run_scan() == ["pending"]
        row = ReminderDelivery.objects.get()
        assert "may have" in row.last_error
        assert "may have" in caplog.text
        smtp.answer_late(0)
        assert run_scan() == ["sent"]
        first, second = smtp.messages
        assert first["Message-ID"] == second["Message-ID"] == f"<reminder-{row.pk}@example.com>"

    def test_a_worker_dead_between_acceptance_and_record_is_the_documented_duplicate(
        self, user, smtp
    ):
        due_interview(user)
        (delivery_id,) = claim_due()
        # The first steps of deliver(): the server accepts the message...
        attempt = dispatch._start(delivery_id)
        send(attempt.message)
        # ...and the worker dies before recording it: the row stays sending.
        row = ReminderDelivery.objects.get()
        assert row.status == DeliveryStatus.SENDING
        # No second send while the first one could still be talking to the server.
        assert claim_due(now=row.due_at - datetime.timedelta(seconds=1)) == []
        assert claim_due(now=row.due_at) == [delivery_id]
        assert deliver(delivery_id) == "sent"
        first, second = smtp.messages
        assert first["Message-ID"] == second["Message-ID"]

    def test_a_refused_connection_is_not_reported_as_a_lost_answer(self, user, smtp, settings):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_RETRY_BACKOFF_SECONDS": 0}
        due_interview(user)
        smtp.stop()
        try:
            assert run_scan() == ["pending"]
        finally:
            smtp.start()
        error = ReminderDelivery.objects.get().last_error
        assert "ConnectionRefusedError" in error
        assert "may have" not in error


@needs_postgresql
@pytest.mark.django_db(transaction=True)
class TestWritesDuringASend:
    # Bounds on waits that only a defect makes long.
    WAIT = 30

    def test_moving_the_interview_while_the_server_holds_its_reminder_does_not_wait(
        self, user, smtp, auth_client
    ):
        interview = due_interview(user)
        (delivery_id,) = claim_due()
        smtp.hold()
        outcome = []

        def send_it():
            try:
                outcome.append(deliver(delivery_id))
            finally:
                connection.close()

        def move_it():
            try:
                moved = interview.interview_date + HOUR
                response = auth_client.patch(
                    f"/api/interviews/{interview.pk}/",
                    {"interview_date": moved.isoformat()},
                    format="json",
                )
                outcome.append(response.status_code)
            finally:
                connection.close()

        sender = threading.Thread(target=send_it)
        sender.start()
        writer = None
        try:
            assert smtp.handler.received.wait(self.WAIT), "the reminder never reached the server"
            writer = threading.Thread(target=move_it)
            writer.start()
            writer.join(self.WAIT)
            # The write finished while the server still had the sender waiting.
            assert not writer.is_alive()
            assert sender.is_alive()
            assert outcome == [200]
        finally:
            smtp.release()
            sender.join(self.WAIT)
            if writer is not None:
                writer.join(self.WAIT)
        assert outcome == [200, "sent"]
        assert len(smtp.messages) == 1
        # The reminder that went out is recorded; the new date has its own.
        rows = dict(ReminderDelivery.objects.values_list("moment", "status"))
        assert rows == {
            interview.interview_date: DeliveryStatus.SENT,
            interview.interview_date + HOUR: DeliveryStatus.PENDING,
        }


def test_the_long_wait_for_an_answer_ends_with_the_message(smtp, settings):
    settings.INTERVIEW_COORDINATOR = {"SMTP_DATA_TIMEOUT_SECONDS": 600}
    connection = smtp_module.SMTP("127.0.0.1", smtp.port, timeout=5)
    try:
        connection.sendmail("a@example.com", ["b@example.com"], b"Subject: x\r\n\r\nbody\r\n")
        # QUIT and any later command wait the ordinary timeout again.
        assert connection.sock.gettimeout() == 5
    finally:
        connection.quit()
    assert len(smtp.messages) == 1
