"""Follow-up nudges: which applications a digest lists, when it goes out, and exactly once.

Digests are rows of the reminders' delivery table, claimed and sent by the
same scan; emails go to a real SMTP server (aiosmtpd).
"""

# The fixtures are imported from tests.reminder_fixtures, then named as parameters.
# ruff: noqa: F811

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from interview_coordinator.models import (
    DeliveryKind,
    DeliveryStatus,
    FollowUpNudge,
    Profile,
    ReminderDelivery,
)
from interview_coordinator.reminders.digests import digest_slot
from interview_coordinator.reminders.dispatch import claim_due, deliver, dispatch_due
from tests.factories import InterviewFactory, RoundFactory, UserFactory
from tests.quiet import DAY, go_quiet, nudges_on, replan
from tests.reminder_fixtures import smtp, smtp_server  # noqa: F401

UTC = datetime.timezone.utc
HOUR = datetime.timedelta(hours=1)
SETTLED = ["offer", "accepted", "rejected", "declined", "withdrawn"]


def at(text, zone="UTC"):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def digests():
    return ReminderDelivery.objects.filter(kind=DeliveryKind.DIGEST)


def run_scan():
    outcomes = []
    dispatch_due(lambda delivery_id: outcomes.append(deliver(delivery_id)))
    return outcomes


def quiet_application(user, days=10, **fields):
    interview = InterviewFactory(user=user, interview_date=None, **fields)
    go_quiet(interview, days)
    return interview


def first_after(moment, hour):
    """The first ``hour``:00 UTC at or after ``moment``."""
    time = moment.replace(hour=hour, minute=0, second=0, microsecond=0)
    return time if time >= moment else time + DAY


def make_due(delivery=None):
    """Bring a planned digest's time to now, as if the clock had reached it."""
    rows = digests().filter(status=DeliveryStatus.PENDING)
    if delivery is not None:
        rows = rows.filter(pk=delivery.pk)
    rows.update(due_at=timezone.now() - datetime.timedelta(seconds=1))


class TestDigestTime:
    """The digest's day and time, on the user's wall clock (no database)."""

    def test_quiet_before_todays_time_is_sent_at_once(self):
        slot = digest_slot(at("2026-06-01T08:00"), at("2026-06-10T15:00"), datetime.time(9), UTC)
        assert (slot.day, slot.send_at) == (datetime.date(2026, 6, 10), at("2026-06-10T09:00"))
        assert slot.expires_at == at("2026-06-11T09:00")

    def test_quiet_after_todays_time_waits_for_tomorrows(self):
        slot = digest_slot(at("2026-06-10T12:00"), at("2026-06-10T15:00"), datetime.time(9), UTC)
        assert slot.send_at == at("2026-06-11T09:00")

    def test_quiet_in_the_future_goes_at_the_first_time_after_it(self):
        slot = digest_slot(at("2026-06-14T08:59"), at("2026-06-10T15:00"), datetime.time(9), UTC)
        assert slot.send_at == at("2026-06-14T09:00")

    def test_a_day_that_had_its_digest_gets_no_second(self):
        taken = {datetime.date(2026, 6, 10), datetime.date(2026, 6, 11)}
        slot = digest_slot(
            at("2026-06-01T08:00"), at("2026-06-10T15:00"), datetime.time(9), UTC, taken
        )
        assert slot.send_at == at("2026-06-12T09:00")

    @pytest.mark.parametrize(
        ("zone", "expected"),
        [
            ("America/Los_Angeles", "2026-06-10T16:00+00:00"),  # UTC-7
            ("Asia/Kolkata", "2026-06-10T03:30+00:00"),  # UTC+5:30
            ("Pacific/Kiritimati", "2026-06-09T19:00+00:00"),  # UTC+14
        ],
    )
    def test_the_time_is_the_users_in_their_timezone(self, zone, expected):
        tz = ZoneInfo(zone)
        quiet = at("2026-06-09T12:00", zone)
        now = at("2026-06-09T20:00", zone)
        slot = digest_slot(quiet, now, datetime.time(9), tz)
        assert slot.day == datetime.date(2026, 6, 10)
        assert slot.send_at == datetime.datetime.fromisoformat(expected)
        assert slot.send_at.astimezone(tz).time() == datetime.time(9)

    def test_stays_at_nine_local_across_the_spring_forward_day(self):
        zone = ZoneInfo("America/New_York")
        before = digest_slot(
            at("2026-03-07T08:00", "America/New_York"),
            at("2026-03-07T08:00", "America/New_York"),
            datetime.time(9),
            zone,
        )
        on_the_day = digest_slot(
            at("2026-03-07T12:00", "America/New_York"),
            at("2026-03-07T12:00", "America/New_York"),
            datetime.time(9),
            zone,
        )
        assert before.send_at == datetime.datetime(2026, 3, 7, 14, tzinfo=UTC)  # EST, UTC-5
        assert on_the_day.day == datetime.date(2026, 3, 8)
        assert on_the_day.send_at == datetime.datetime(2026, 3, 8, 13, tzinfo=UTC)  # EDT
        assert on_the_day.expires_at == datetime.datetime(2026, 3, 9, 13, tzinfo=UTC)

    def test_a_time_skipped_by_the_change_is_read_an_hour_later(self):
        zone = ZoneInfo("America/New_York")
        slot = digest_slot(
            at("2026-03-07T12:00", "America/New_York"),
            at("2026-03-07T12:00", "America/New_York"),
            datetime.time(2, 30),
            zone,
        )
        assert slot.send_at == datetime.datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT

    def test_a_time_repeated_by_the_fall_back_change_is_its_first(self):
        zone = ZoneInfo("Europe/Berlin")
        slot = digest_slot(
            at("2026-10-24T12:00", "Europe/Berlin"),
            at("2026-10-24T12:00", "Europe/Berlin"),
            datetime.time(2, 30),
            zone,
        )
        assert slot.send_at == datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # CEST


@pytest.mark.django_db
class TestPlanning:
    def test_nudges_are_off_by_default(self, user):
        quiet_application(user, days=100)
        replan(user)
        profile = Profile.objects.for_user(user)
        assert profile.follow_up_after_days is None
        assert profile.follow_up_digest_enabled is True
        assert not digests().exists()

    def test_turning_nudges_on_plans_one_digest_at_the_users_time(self, user):
        interview = InterviewFactory(user=user, interview_date=None)
        since = go_quiet(interview, days=3)
        nudges_on(user, days=7, time=datetime.time(9), zone="Asia/Tokyo")
        (row,) = digests()
        zone = ZoneInfo("Asia/Tokyo")
        quiet_at = since + 7 * DAY
        day = quiet_at.astimezone(zone).date()
        send_at = datetime.datetime.combine(day, datetime.time(9), tzinfo=zone)
        if send_at < quiet_at:
            day += DAY
            send_at = datetime.datetime.combine(day, datetime.time(9), tzinfo=zone)
        assert (row.user_id, row.interview_id, row.digest_date) == (user.pk, None, day)
        assert row.send_at == row.due_at == send_at
        assert row.status == DeliveryStatus.PENDING

    def test_the_first_application_to_go_quiet_decides_the_day(self, user):
        starts = {
            days: go_quiet(InterviewFactory(user=user, interview_date=None), days)
            for days in (1, 5, 2)
        }
        nudges_on(user, days=6, time=datetime.time(12))
        (row,) = digests()
        assert row.send_at == first_after(starts[5] + 6 * DAY, 12)

    def test_a_new_event_moves_the_digest(self, user):
        interview = quiet_application(user, days=10)
        nudges_on(user, days=7)
        assert digests().get().send_at <= timezone.now()
        interview.status = "cancelled"
        interview.save()
        interview.refresh_from_db()
        assert digests().get().send_at == first_after(interview.last_event_at + 7 * DAY, 0)

    def test_a_round_change_is_an_event_of_its_application_too(self, user):
        interview = quiet_application(user, days=10)
        nudges_on(user, days=7)
        round_ = RoundFactory(interview=interview, scheduled_date=None)
        interview.refresh_from_db()
        assert digests().get().send_at == first_after(interview.last_event_at + 7 * DAY, 0)
        go_quiet(interview, 10)
        replan(user)
        assert digests().get().send_at <= timezone.now()
        round_.delete()
        interview.refresh_from_db()
        assert digests().get().send_at == first_after(interview.last_event_at + 7 * DAY, 0)

    def test_a_change_that_is_no_event_starts_no_new_period(self, user):
        interview = quiet_application(user, days=10)
        nudges_on(user, days=7)
        interview.refresh_from_db()
        interview.notes = "Looked at their careers page"
        interview.save()
        assert digests().get().send_at <= timezone.now()

    @pytest.mark.parametrize("status", SETTLED)
    def test_settled_applications_are_not_nudged(self, user, status):
        quiet_application(user, application_status=status)
        nudges_on(user, days=3)
        assert not digests().exists()

    @pytest.mark.parametrize(
        "change",
        [
            {"email_notifications_enabled": False},
            {"follow_up_digest_enabled": False},
            {"follow_up_after_days": None},
        ],
    )
    def test_turning_nudges_off_removes_the_planned_digest(self, user, change):
        quiet_application(user)
        profile = nudges_on(user, days=3)
        assert digests().count() == 1
        for name, value in change.items():
            setattr(profile, name, value)
        profile.save()
        assert not digests().exists()

    def test_an_inactive_user_gets_none_and_is_planned_again_when_reactivated(self, user):
        quiet_application(user)
        nudges_on(user, days=3)
        user.is_active = False
        user.save()
        assert not digests().exists()
        user.is_active = True
        user.save()
        assert digests().count() == 1

    def test_an_address_removed_then_added_back_re_plans_the_digest(self, user):
        quiet_application(user)
        profile = nudges_on(user, days=3)
        address = user.email
        user.email = ""
        user.save()
        assert not digests().exists()
        # A quiet account: no application's write comes to plan it again.
        profile.reminder_days_before = 2
        profile.save()
        user.email = address
        user.save()
        assert digests().count() == 1

    def test_a_user_without_an_address_gets_none(self, make_user):
        nobody = make_user("nobody", email="")
        quiet_application(nobody)
        nudges_on(nobody, days=3)
        assert not digests().exists()

    def test_changing_the_time_moves_the_digest(self, user):
        quiet_application(user, days=1)
        profile = nudges_on(user, days=3, time=datetime.time(9))
        profile.reminder_time = datetime.time(18, 30)
        profile.save()
        (row,) = digests()
        assert row.send_at.astimezone(UTC).time() == datetime.time(18, 30)

    def test_planning_costs_the_same_whatever_the_number_of_applications(
        self, user, django_assert_max_num_queries
    ):
        profile = nudges_on(user, days=3)
        for count in (1, 40):
            for _ in range(count):
                quiet_application(user)
            profile.follow_up_after_days += 1
            # The update, then: reminders (lock, moments 2, rows, delete, insert) and
            # the digest (user, first quiet, rows, delete, insert).
            with django_assert_max_num_queries(12):
                profile.save()
            assert digests().count() == 1

    def test_an_application_write_without_nudges_costs_no_query_more(
        self, user, django_assert_max_num_queries
    ):
        interview = InterviewFactory(user=user)
        interview.notes = "more"
        # As in the reminders' planning tests (the changed fields' locked read,
        # the update, then reminders): no digest work when nudges are off.
        with django_assert_max_num_queries(8):
            interview.save()


@pytest.mark.django_db
class TestDigest:
    def test_one_email_lists_the_quiet_open_applications(self, user, smtp):
        quiet_application(user, days=12, company_name="Smith & Sons", position="<b>SRE</b>")
        quiet_application(user, days=9, company_name="Acme", position="Engineer")
        quiet_application(user, days=1, company_name="Too Recent")
        quiet_application(user, days=30, company_name="Rejected Co", application_status="rejected")
        nudges_on(user, days=7, zone="Europe/Berlin")
        assert run_scan() == ["sent"]
        (message,) = smtp.messages
        assert message["To"] == user.email
        assert "2 applications" in message["Subject"]
        assert message["Message-ID"].startswith("<digest-")
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "Smith & Sons — <b>SRE</b>" in text
        assert "Quiet for 12 days" in text
        assert "Quiet for 9 days" in text
        assert "(Europe/Berlin)" in text
        assert "Last event: Application created: Applied, " in text
        assert "Application created: Applied, " in html
        assert text.index("Smith & Sons") < text.index("Acme")
        assert "Too Recent" not in text
        assert "Rejected Co" not in text
        assert "Smith &amp; Sons" in html
        assert "&lt;b&gt;SRE&lt;/b&gt;" in html
        assert "<b>SRE" not in html
        assert "Too Recent" not in html
        assert list(message.iter_attachments()) == []

    def test_an_application_is_nudged_once_per_quiet_period(self, user, smtp):
        interview = quiet_application(user, days=10, company_name="Once")
        nudges_on(user, days=7)
        assert run_scan() == ["sent"]
        assert FollowUpNudge.objects.filter(interview=interview).count() == 1
        # Nothing else is quiet: no digest is planned, later scans send nothing.
        assert not digests().filter(status=DeliveryStatus.PENDING).exists()
        replan(user)
        make_due()
        assert run_scan() == []
        # A new event starts a new quiet period, nudged again once it is long enough.
        interview.interview_stage = "screening"
        interview.save()
        go_quiet(interview, 8)
        replan(user)
        # Today's digest went out: the new period waits for tomorrow's.
        (pending,) = digests().filter(status=DeliveryStatus.PENDING)
        assert pending.digest_date > timezone.now().date() - DAY
        make_due(pending)
        assert run_scan() == ["sent"]
        assert len(smtp.messages) == 2
        assert FollowUpNudge.objects.filter(interview=interview).count() == 2

    def test_one_digest_per_user_per_day_whatever_the_replans(self, user, smtp):
        quiet_application(user, days=10)
        nudges_on(user, days=7)
        assert run_scan() == ["sent"]
        # A second application goes quiet the same day: it waits for tomorrow.
        go_quiet(InterviewFactory(user=user, interview_date=None), 10)
        replan(user)
        (sent,) = digests().filter(status=DeliveryStatus.SENT)
        (pending,) = digests().filter(status=DeliveryStatus.PENDING)
        assert pending.digest_date == sent.digest_date + DAY
        assert run_scan() == []
        assert len(smtp.messages) == 1

    @pytest.mark.parametrize(
        ("sent_in", "moved_to"),
        [("Pacific/Kiritimati", "Pacific/Pago_Pago"), ("Pacific/Pago_Pago", "Pacific/Kiritimati")],
        ids=["westwards", "eastwards"],
    )
    def test_a_new_timezone_gets_no_second_digest_on_the_local_day_of_the_last(
        self, user, smtp, sent_in, moved_to
    ):
        """UTC+14 and UTC-11 are 25 hours apart: either way, the local dates differ."""
        quiet_application(user, days=10)
        profile = nudges_on(user, days=7, zone=sent_in)
        assert run_scan() == ["sent"]
        # Another application went quiet (a write that plans nothing).
        go_quiet(InterviewFactory(user=user, interview_date=None), 10)
        profile.timezone = moved_to
        profile.save()
        (sent,) = digests().filter(status=DeliveryStatus.SENT)
        (pending,) = digests().filter(status=DeliveryStatus.PENDING)
        zone = ZoneInfo(moved_to)
        assert pending.send_at.astimezone(zone).date() > sent.sent_at.astimezone(zone).date()
        assert pending.send_at > timezone.now()
        assert run_scan() == []
        assert len(smtp.messages) == 1

    def test_a_digest_whose_applications_all_had_news_is_not_sent(self, user, smtp):
        interview = quiet_application(user, days=10)
        nudges_on(user, days=7)
        # Changed by a write that plans nothing (the scan re-checks anyway).
        since = go_quiet(interview, 1)
        assert run_scan() == ["cancelled"]
        assert smtp.messages == []
        (row,) = digests()
        assert row.send_at == first_after(since + 7 * DAY, 0)

    @pytest.mark.parametrize(
        ("model", "change"),
        [
            ("profile", {"follow_up_digest_enabled": False}),
            ("profile", {"email_notifications_enabled": False}),
            ("profile", {"follow_up_after_days": None}),
            ("user", {"is_active": False}),
            ("user", {"email": ""}),
        ],
    )
    def test_a_digest_turned_off_after_planning_is_not_sent(self, user, smtp, model, change):
        quiet_application(user)
        nudges_on(user, days=3)
        # Written without signals: the send re-checks everything.
        if model == "profile":
            Profile.objects.filter(user=user).update(**change)
        else:
            type(user).objects.filter(pk=user.pk).update(**change)
        assert run_scan() == ["cancelled"]
        assert smtp.messages == []
        assert not digests().exists()

    def test_a_settled_application_is_dropped_from_a_planned_digest(self, user, smtp):
        quiet_application(user, company_name="Still open")
        closed = quiet_application(user, company_name="Closed since")
        nudges_on(user, days=3)
        type(closed).objects.filter(pk=closed.pk).update(application_status="withdrawn")
        assert run_scan() == ["sent"]
        text = smtp.messages[0].get_body(("plain",)).get_content()
        assert "Still open" in text
        assert "Closed since" not in text

    def test_a_server_that_is_down_is_retried_and_nudges_once_it_is_up(self, user, smtp, settings):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_RETRY_BACKOFF_SECONDS": 0}
        interview = quiet_application(user)
        nudges_on(user, days=3)
        smtp.stop()
        try:
            assert [run_scan() for _ in range(3)] == [["pending"]] * 3
            assert "ConnectionRefusedError" in digests().get().last_error
            assert not FollowUpNudge.objects.exists()
        finally:
            smtp.start()
        assert run_scan() == ["sent"]
        assert run_scan() == []
        assert len(smtp.messages) == 1
        assert list(FollowUpNudge.objects.values_list("interview_id", flat=True)) == [interview.pk]
        assert digests().get().attempts == 4

    def test_a_digest_refused_for_good_is_given_up_at_once(self, user, smtp):
        quiet_application(user)
        nudges_on(user, days=3)
        smtp.refuse(recipient="550 5.1.1 No such user here")
        assert run_scan() == ["failed"]
        failed = digests().get(status="failed")
        assert (failed.attempts, failed.last_error[:30]) == (1, "SMTPRecipientsRefused: 550 5.1")
        assert not FollowUpNudge.objects.exists()

    def test_a_digest_refused_for_now_is_retried(self, user, smtp, settings):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_RETRY_BACKOFF_SECONDS": 0}
        quiet_application(user)
        nudges_on(user, days=3)
        smtp.refuse(recipient="451 4.3.0 Try again later")
        assert run_scan() == ["pending"]
        smtp.refuse()
        assert run_scan() == ["sent"]

    def test_a_digest_given_up_leaves_its_applications_to_the_next(self, user, smtp, settings):
        settings.INTERVIEW_COORDINATOR = {"REMINDER_MAX_ATTEMPTS": 1}
        quiet_application(user)
        nudges_on(user, days=3)
        smtp.fail(1)
        assert run_scan() == ["failed"]
        assert not FollowUpNudge.objects.exists()
        (pending,) = digests().filter(status=DeliveryStatus.PENDING)
        assert pending.digest_date == digests().get(status="failed").digest_date + DAY


@pytest.mark.django_db
class TestScanCost:
    def test_claiming_costs_the_same_whatever_the_number_of_users(
        self, django_assert_max_num_queries
    ):
        for count in (1, 30):
            for _ in range(count):
                owner = UserFactory()
                quiet_application(owner)
                nudges_on(owner, days=3)
            with django_assert_max_num_queries(4):
                assert len(claim_due()) == count

    def test_sending_one_digest_costs_the_same_whatever_it_lists(
        self, make_user, smtp, django_assert_max_num_queries
    ):
        for name, count in (("few", 1), ("many", 40)):
            owner = make_user(name)
            for _ in range(count):
                quiet_application(owner)
            nudges_on(owner, days=3)
            (delivery_id,) = claim_due()
            # start (row, user, profile, recheck 3, list, save) and record
            # (update, nudges, next plan 5), each in a short transaction.
            with django_assert_max_num_queries(24):
                assert deliver(delivery_id) == "sent"
            assert FollowUpNudge.objects.filter(interview__user=owner).count() == count

    def test_users_without_quiet_applications_cost_the_scan_nothing(self):
        for _ in range(20):
            owner = UserFactory()
            InterviewFactory(user=owner, interview_date=None)
            nudges_on(owner, days=3)
        assert not digests().filter(due_at__lte=timezone.now()).exists()
        assert claim_due() == []


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks (FOR UPDATE SKIP LOCKED) and concurrent connections need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_send_each_users_digest_once(smtp):
    users = [UserFactory() for _ in range(8)]
    for owner in users:
        quiet_application(owner)
        quiet_application(owner)
        nudges_on(owner, days=3)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def scan():
        try:
            barrier.wait(timeout=10)
            results.extend(run_scan())
        except Exception as exc:  # reported below with the test's own assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(results) == ["sent"] * 8
    assert sorted(message["To"] for message in smtp.messages) == sorted(u.email for u in users)
    assert FollowUpNudge.objects.count() == 16
