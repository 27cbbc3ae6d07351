"""Every change of an application and its rounds is an event, written with the change itself."""

import io
import itertools
import os
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from interview_coordinator.history import as_text
from interview_coordinator.models import (
    ApplicationEvent,
    Interview,
    InterviewRound,
    Profile,
    ReminderDelivery,
)
from interview_coordinator.portability.erasure import erase_user_data
from tests.db_failures import failed_on_the_refused_insert, inserts_refused
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db


def events(interview, *kinds):
    chosen = ApplicationEvent.objects.filter(interview=interview).order_by("created_at", "pk")
    if kinds:
        chosen = chosen.filter(kind__in=kinds)
    return list(chosen.values_list("kind", "old_value", "new_value", "source"))


@pytest.fixture
def admin_client(make_user):
    staff = make_user("staff", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return client


def test_a_shell_save_records_its_changes_as_other(user):
    interview = InterviewFactory(user=user, interview_date=None)
    interview.interview_stage = "screening"
    interview.application_status = "rejected"
    interview.notes = "not an event"
    interview.save()

    assert events(interview) == [
        ("created", None, "applied", "other"),
        ("interview_stage", "applied", "screening", "other"),
        ("application_status", "in_progress", "rejected", "other"),
        ("round_created", None, None, "other"),
    ]
    stored = Interview.objects.get(pk=interview.pk)
    assert (
        stored.last_event_at
        == ApplicationEvent.objects.filter(interview=interview).latest("created_at").created_at
    )


def test_a_save_that_changes_nothing_records_nothing(user):
    interview = InterviewFactory(user=user)
    interview.save()
    interview.save(update_fields=["notes"])

    assert [kind for kind, *_ in events(interview)] == ["created"]


def test_the_old_value_is_the_stored_one_even_from_a_stale_instance(user):
    interview = InterviewFactory(user=user)
    stale = Interview.objects.get(pk=interview.pk)
    Interview.objects.filter(pk=interview.pk).update(interview_stage="technical")
    stale.interview_stage = "onsite"
    stale.save(update_fields=["interview_stage"])

    assert events(interview, "interview_stage") == [
        ("interview_stage", "technical", "onsite", "other")
    ]
    assert Interview.objects.get(pk=interview.pk).last_event_at is not None


def test_saving_a_stale_instance_keeps_the_latest_event_time(user):
    interview = InterviewFactory(user=user, interview_date=None)
    stale = Interview.objects.get(pk=interview.pk)
    RoundFactory(interview=interview, scheduled_date=None)
    latest = ApplicationEvent.objects.filter(interview=interview).latest("created_at").created_at
    stale.notes = "not an event"
    stale.save()

    assert Interview.objects.get(pk=interview.pk).last_event_at == latest


def test_the_api_records_creation_stage_round_and_changes(auth_client, user):
    future = timezone.now() + timedelta(days=4)
    created = auth_client.post(
        "/api/interviews/",
        {"company_name": "Acme", "position": "Dev", "interview_date": future.isoformat()},
        format="json",
    )
    pk = created.json()["id"]
    auth_client.patch(f"/api/interviews/{pk}/", {"interview_stage": "technical"}, format="json")
    later = future + timedelta(days=1)
    auth_client.patch(
        f"/api/interviews/{pk}/", {"interview_date": later.isoformat()}, format="json"
    )

    interview = Interview.objects.get(pk=pk)
    round_ = interview.rounds.get()
    assert events(interview) == [
        ("created", None, "applied", "api"),
        ("interview_stage", "applied", "technical", "api"),
        ("round_created", None, future.isoformat(), "api"),
        ("interview_date", future.isoformat(), later.isoformat(), "api"),
        # The round follows its interview's date: a rescheduling too.
        ("round_rescheduled", future.isoformat(), later.isoformat(), "api"),
    ]
    assert set(
        ApplicationEvent.objects.filter(round=round_).values_list("round_stage", flat=True)
    ) == {"technical"}


def test_clearing_dates_records_nulls_as_documented(auth_client, user):
    future = timezone.now() + timedelta(days=4)
    pk = auth_client.post(
        "/api/interviews/",
        {"company_name": "Acme", "position": "Dev", "interview_stage": "screening"},
        format="json",
    ).json()["id"]
    interview = Interview.objects.get(pk=pk)
    undated = interview.rounds.get()
    by_hand = RoundFactory(interview=interview, stage="technical", scheduled_date=future)
    auth_client.patch(f"/api/interviews/{pk}/", {"interview_date": future.isoformat()})
    auth_client.patch(f"/api/interviews/{pk}/", {"interview_date": None}, format="json")
    auth_client.patch(f"/api/interviews/rounds/{by_hand.pk}/", {"scheduled_date": None}, "json")
    auth_client.patch(f"/api/interviews/{pk}/", {"status": None}, format="json")
    auth_client.delete(f"/api/interviews/rounds/{by_hand.pk}/")

    assert events(interview)[1:] == [
        # A stage advance with no date ahead: a round without a date.
        ("round_created", None, None, "api"),
        ("round_created", None, future.isoformat(), "other"),
        ("interview_date", None, future.isoformat(), "api"),
        ("round_rescheduled", None, future.isoformat(), "api"),
        ("interview_date", future.isoformat(), None, "api"),
        # The round that follows its interview loses its date with it.
        ("round_rescheduled", future.isoformat(), None, "api"),
        ("round_rescheduled", future.isoformat(), None, "api"),
        ("status", "scheduled", None, "api"),
        ("round_deleted", None, None, "api"),
    ]
    assert ApplicationEvent.objects.filter(round=undated, kind="round_rescheduled").count() == 2


def test_rounds_given_an_outcome_and_deleted_through_the_api(auth_client, user):
    interview = InterviewFactory(user=user)
    round_ = RoundFactory(interview=interview, stage="screening")
    auth_client.patch(f"/api/interviews/rounds/{round_.pk}/", {"outcome": "passed"}, format="json")
    auth_client.delete(f"/api/interviews/rounds/{round_.pk}/")

    assert events(interview, "round_outcome", "round_deleted") == [
        ("round_outcome", "pending", "passed", "api"),
        ("round_deleted", round_.scheduled_date.isoformat(), None, "api"),
    ]
    # The deleted round's events stay on the timeline, naming its stage.
    kept = ApplicationEvent.objects.filter(interview=interview, round_stage="screening")
    assert kept.count() == 3
    assert not kept.filter(round__isnull=False).exists()


def test_closing_an_application_records_its_cancelled_rounds(auth_client, user):
    interview = InterviewFactory(user=user)
    RoundFactory.create_batch(2, interview=interview)

    auth_client.patch(
        f"/api/interviews/{interview.pk}/", {"application_status": "withdrawn"}, format="json"
    )

    assert events(interview, "application_status", "round_outcome") == [
        ("application_status", "in_progress", "withdrawn", "api"),
        ("round_outcome", "pending", "cancelled", "api"),
        ("round_outcome", "pending", "cancelled", "api"),
    ]


def test_the_admin_change_view_records_as_the_admin(admin_client, user):
    interview = InterviewFactory(user=user, interview_date=None, status=None)
    round_ = RoundFactory(interview=interview, stage="screening", scheduled_date=None)
    response = admin_client.post(
        f"/admin/interview_coordinator/interview/{interview.pk}/change/",
        {
            "user": user.pk,
            "company_name": interview.company_name,
            "position": interview.position,
            "interview_stage": "screening",
            "application_status": "in_progress",
            "application_date": interview.application_date.isoformat(),
            "notes": "",
            "rounds-TOTAL_FORMS": "1",
            "rounds-INITIAL_FORMS": "1",
            "rounds-0-id": round_.pk,
            "rounds-0-interview": interview.pk,
            "rounds-0-stage": "screening",
            "rounds-0-outcome": "passed",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content
    assert events(interview, "interview_stage", "round_outcome") == [
        ("interview_stage", "applied", "screening", "admin"),
        ("round_outcome", "pending", "passed", "admin"),
    ]


def test_the_admin_shows_the_timeline_read_only(admin_client, user):
    interview = InterviewFactory(user=user)
    interview.interview_stage = "screening"
    interview.save()

    page = admin_client.get(f"/admin/interview_coordinator/interview/{interview.pk}/change/")
    added = admin_client.get("/admin/interview_coordinator/interview/add/")

    assert page.status_code == 200
    timeline = page.context["inline_admin_formsets"][1]
    assert timeline.formset.prefix == "events"
    assert not timeline.has_add_permission
    assert not timeline.has_change_permission
    assert not timeline.has_delete_permission
    assert [form.original.kind for form in timeline] == [
        "round_created",
        "interview_stage",
        "created",
    ]
    assert "events" not in [f.formset.prefix for f in added.context["inline_admin_formsets"]]


def test_a_csv_import_records_as_an_import(auth_client, user):
    file = io.BytesIO(b"company_name,position,interview_stage\nAcme,Dev,technical\n")
    file.name = "interviews.csv"
    response = auth_client.post("/api/interviews/import/?commit=1", {"file": file})

    assert response.status_code == 200, response.content
    interview = Interview.objects.get(user=user)
    assert {source for *_, source in events(interview)} == {"import"}
    assert [kind for kind, *_ in events(interview)] == ["created", "round_created"]


@pytest.mark.django_db(transaction=True)
def test_a_write_that_fails_midway_leaves_neither_change_nor_event(user, caplog):
    """The stage change and its event are written, then the stage's round fails to insert."""
    interview = InterviewFactory(user=user)
    before = events(interview)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)

    with inserts_refused(InterviewRound):
        response = client.patch(
            f"/api/interviews/{interview.pk}/", {"interview_stage": "technical"}, format="json"
        )

    assert response.status_code == 500
    assert failed_on_the_refused_insert(caplog)
    assert Interview.objects.get(pk=interview.pk).interview_stage == "applied"
    assert events(interview) == before


@pytest.mark.django_db(transaction=True)
def test_a_refused_event_refuses_the_change_in_a_shell_too(user):
    interview = InterviewFactory(user=user)

    interview.interview_stage = "final"
    with inserts_refused(ApplicationEvent), pytest.raises(Exception, match="refused"):
        interview.save()

    assert Interview.objects.get(pk=interview.pk).interview_stage == "applied"


def test_a_round_moved_to_another_application_is_recorded_on_both(auth_client, user):
    left = InterviewFactory(user=user, interview_date=None)
    joined = InterviewFactory(user=user, interview_date=None)
    round_ = RoundFactory(interview=left, stage="screening", outcome="pending")
    date = round_.scheduled_date
    before = {pk: Interview.objects.get(pk=pk).last_event_at for pk in (left.pk, joined.pk)}

    response = auth_client.patch(
        reverse("interview_coordinator:round-detail", args=[round_.pk]),
        {"interview": joined.pk},
        format="json",
    )

    assert response.status_code == 200, response.content
    kinds = ("round_created", "round_deleted", "round_rescheduled", "round_outcome")
    assert events(left, *kinds) == [
        ("round_created", None, as_text(date), "other"),
        ("round_deleted", as_text(date), None, "api"),
    ]
    assert events(joined, *kinds) == [("round_created", None, as_text(date), "api")]
    for pk in (left.pk, joined.pk):
        stored = Interview.objects.get(pk=pk)
        assert stored.last_event_at > before[pk]
        assert (
            stored.last_event_at
            == ApplicationEvent.objects.filter(interview_id=pk).latest("created_at").created_at
        )


def test_a_stale_round_moved_leaves_the_application_it_is_stored_on(user):
    """Moved by another writer since it was read: the move starts where the round is stored."""
    read_at, moved_to, joined = (InterviewFactory(user=user, interview_date=None) for _ in range(3))
    date = (timezone.now() + timedelta(days=5)).replace(microsecond=0)
    round_ = RoundFactory(interview=read_at, stage="screening", scheduled_date=date)
    stale = InterviewRound.objects.get(pk=round_.pk)
    elsewhere = InterviewRound.objects.get(pk=round_.pk)
    elsewhere.interview = moved_to
    elsewhere.save()
    sequence = Interview.objects.get(pk=moved_to.pk).sequence

    stale.interview = joined
    stale.save()

    assert events(moved_to, "round_deleted") == [("round_deleted", as_text(date), None, "other")]
    assert Interview.objects.get(pk=moved_to.pk).sequence > sequence
    reminded = ReminderDelivery.objects.filter(kind="reminder", moment=date)
    assert list(reminded.values_list("interview_id", flat=True)) == [joined.pk]


def test_a_round_deleted_with_its_application_records_nothing_and_commits(user):
    interview = InterviewFactory(user=user)
    RoundFactory.create_batch(2, interview=interview)
    with transaction.atomic():
        Interview.objects.get(pk=interview.pk).delete()

    assert not ApplicationEvent.objects.exists()


def test_an_application_given_to_another_user_takes_its_history(user, other_user):
    interview = InterviewFactory(user=user)
    interview.user = other_user
    interview.save()

    assert set(ApplicationEvent.objects.values_list("user_id", flat=True)) == {other_user.pk}


def test_erasure_and_account_deletion_delete_the_events(user, other_user):
    kept = InterviewFactory(user=other_user)
    InterviewFactory(user=user, interview_stage="technical")

    counts = erase_user_data(user.pk)

    # Its creation and the round its stage recorded.
    assert counts["interview_coordinator.ApplicationEvent"] == 2
    assert set(ApplicationEvent.objects.values_list("interview_id", flat=True)) == {kept.pk}
    InterviewFactory(user=user)
    user.delete()
    assert set(ApplicationEvent.objects.values_list("interview_id", flat=True)) == {kept.pk}


def test_the_full_export_holds_the_events(auth_client, user):
    interview = InterviewFactory(user=user)
    interview.interview_stage = "screening"
    interview.save()

    exported = auth_client.get(reverse("interview_coordinator:profile-export")).json()

    assert [(e["kind"], e["new_value"], e["source"]) for e in exported["events"]] == [
        ("created", "applied", "other"),
        ("interview_stage", "screening", "other"),
        ("round_created", interview.interview_date.isoformat(), "other"),
    ]


def waiting_for_a_lock(count=1):
    """Whether ``count`` other connections to this database wait for a lock, polled for 10 s.

    The activity view is read in a transaction, which keeps its first reading:
    each poll clears it.
    """
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return True
        time.sleep(0.05)
    return False


def while_one_waits(hold, wait):
    """Run ``wait`` in a thread while ``hold`` holds the application's row lock in another.

    ``hold`` locks the row, waits until ``wait`` is blocked on it, then writes
    and commits: the writer that waited always commits last.
    """
    errors = []

    def run(call):
        try:
            call()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    locked = threading.Event()

    def holder():
        with transaction.atomic():
            hold(locked)

    def waiter():
        assert locked.wait(10), "the holder never locked the row"
        wait()

    threads = [threading.Thread(target=run, args=(call,)) for call in (holder, waiter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []


def newest_first(interview):
    return list(
        ApplicationEvent.objects.filter(interview=interview)
        .order_by("-created_at", "-pk")
        .values_list("kind", "old_value", "new_value", "created_at")
    )


def assert_the_chain_holds(interview, kind, current):
    """Read newest first, each change starts where the one before it (next in the list) ended."""
    chain = [
        (old, new) for event_kind, old, new, _at in newest_first(interview) if event_kind == kind
    ]
    assert chain[0][1] == current
    for (old, _new), (_old, earlier_new) in itertools.pairwise(chain):
        assert old == earlier_new, chain
    stored = Interview.objects.get(pk=interview.pk)
    assert stored.last_event_at == newest_first(interview)[0][3]


# Concurrent writers: threads with their own connections, waiting on real row locks.
concurrent = pytest.mark.skipif(
    os.environ.get("DB_ENGINE") == "sqlite",
    reason="concurrent writers need PostgreSQL's row locks and connections",
)


def change_stage(pk, stage):
    interview = Interview.objects.get(pk=pk)
    interview.interview_stage = stage
    interview.save()


@concurrent
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_a_writer_that_waited_for_the_application_records_after_the_one_it_waited_for(user):
    interview = InterviewFactory(user=user, interview_date=None)

    def hold(locked):
        # As every writer does: the owner's profile first, then the application.
        Profile.objects.locked_for_user(user)
        row = Interview.objects.select_for_update().get(pk=interview.pk)
        locked.set()
        assert waiting_for_a_lock()
        row.interview_stage = "screening"
        row.save()

    while_one_waits(hold, lambda: change_stage(interview.pk, "technical"))

    assert_the_chain_holds(interview, "interview_stage", "technical")


@concurrent
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_a_round_change_that_waited_neither_deadlocks_nor_dates_the_application_back(user):
    """The application's change cancels nothing; the round's writer waits for its row first."""
    interview = InterviewFactory(user=user, interview_date=None)
    round_ = RoundFactory(interview=interview, stage="screening", scheduled_date=None)

    def hold(locked):
        # As every writer does: the owner's profile first, then the application.
        Profile.objects.locked_for_user(user)
        row = Interview.objects.select_for_update().get(pk=interview.pk)
        locked.set()
        assert waiting_for_a_lock()
        row.interview_stage = "technical"
        row.save()

    def reschedule():
        moved = InterviewRound.objects.get(pk=round_.pk)
        moved.scheduled_date = timezone.now() + timedelta(days=3)
        moved.save()

    while_one_waits(hold, reschedule)

    assert newest_first(interview)[0][0] == "round_rescheduled"
    assert_the_chain_holds(interview, "interview_stage", "technical")


@concurrent
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_a_round_moved_by_another_writer_while_a_move_waits_leaves_where_it_is_stored(user):
    """The waiting move finds the round on the application the other writer moved it to."""
    read_at, moved_to, joined = (InterviewFactory(user=user, interview_date=None) for _ in range(3))
    date = (timezone.now() + timedelta(days=5)).replace(microsecond=0)
    round_ = RoundFactory(interview=read_at, stage="screening", scheduled_date=date)
    stale = InterviewRound.objects.get(pk=round_.pk)

    def hold(locked):
        Profile.objects.locked_for_user(user)
        elsewhere = InterviewRound.objects.get(pk=round_.pk)
        elsewhere.interview = moved_to
        elsewhere.save()
        locked.set()
        assert waiting_for_a_lock()

    def move():
        stale.interview = joined
        stale.save()

    while_one_waits(hold, move)

    assert InterviewRound.objects.get(pk=round_.pk).interview_id == joined.pk
    assert events(moved_to, "round_created", "round_deleted") == [
        ("round_created", None, as_text(date), "other"),
        ("round_deleted", as_text(date), None, "other"),
    ]
    assert events(read_at, "round_deleted") == [("round_deleted", as_text(date), None, "other")]
    reminded = ReminderDelivery.objects.filter(kind="reminder", moment=date)
    assert list(reminded.values_list("interview_id", flat=True)) == [joined.pk]
