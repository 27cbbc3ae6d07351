"""After any sequence of writes and clock moves, the dashboard answers what the tables say.

Hypothesis draws sequences of API writes (creates, updates, stage advances,
rounds created, moved between interviews and rescheduled, deletes, timezone
changes), writes that bypass the ORM's signals (``QuerySet.update()``, as
the admin's and a host's bulk edits do), another user's writes, and moves of
the clock (minutes, hours, exactly onto the first upcoming moment and just
past it, past the user's midnight and past a week boundary). After every
step the answer served (stored or computed) must be byte for byte the one
computed from scratch from the tables at that moment, and what the timeline
tells (stays in each stage, where applications end) the one found by walking
each application's events one by one.

Each example runs in a transaction rolled back at its end, so every example
starts from empty tables.
"""

import datetime as dt
import itertools
import statistics
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from interview_coordinator.dashboard import dashboard_stats
from interview_coordinator.dashboard.snapshot import current_answer, render
from interview_coordinator.models import (
    ApplicationStatus,
    Interview,
    InterviewRound,
    InterviewStage,
    InterviewStatus,
    RoundOutcome,
    RoundStage,
)
from interview_coordinator.renderers import PackageJSONRenderer
from interview_coordinator.timezones import user_timezone

ZONES = ["UTC", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata", "Asia/Kathmandu"]
# Weighted towards scheduled moments, which the clock moves between the lists.
STATUSES = [None, *InterviewStatus.values, "scheduled", "scheduled"]
OUTCOMES = [*RoundOutcome.values, "pending", "pending"]
INTERVIEWS = "/api/interviews/"
ROUNDS = "/api/interviews/rounds/"
PROFILE = "/api/profile/"

which = st.integers(min_value=0, max_value=30)
# Offsets from the simulated now, in minutes: many within the day, some days away.
minutes = st.integers(min_value=-300, max_value=300) | st.integers(
    min_value=-14400, max_value=14400
)
ticks = st.tuples(
    st.just("tick"),
    st.sampled_from(["minute", "hours", "first_moment", "past_first_moment", "midnight", "monday"]),
)
steps = st.one_of(
    ticks,
    ticks,
    ticks,
    st.tuples(
        st.just("create"),
        st.sampled_from(InterviewStage.values),
        st.sampled_from(ApplicationStatus.values),
        st.sampled_from(STATUSES),
        st.none()
        | st.integers(min_value=2, max_value=300)
        | st.integers(min_value=2, max_value=14400),
        st.integers(min_value=-100, max_value=0),
    ),
    st.tuples(
        st.just("update"),
        which,
        st.sampled_from(ApplicationStatus.values),
        st.sampled_from(STATUSES),
        st.none() | minutes,
        st.integers(min_value=-100, max_value=0),
    ),
    st.tuples(st.just("advance"), which, st.sampled_from(InterviewStage.values)),
    st.tuples(
        st.just("round"),
        which,
        st.sampled_from(RoundStage.values),
        st.sampled_from(OUTCOMES),
        st.none() | minutes,
    ),
    st.tuples(
        st.just("move_round"),
        which,
        which,
        st.none() | minutes,
        st.sampled_from(OUTCOMES),
    ),
    st.tuples(st.just("delete_interview"), which),
    st.tuples(st.just("delete_round"), which),
    st.tuples(st.just("timezone"), st.sampled_from(ZONES)),
    st.tuples(st.just("bulk_status"), st.sampled_from(ApplicationStatus.values)),
    st.tuples(st.just("other_user"), minutes),
    ticks,
)


class Search:
    """One user's job search driven through the API, and the simulated clock of the dashboard."""

    def __init__(self):
        users = get_user_model().objects
        self.user = users.create_user("prop", "prop@example.com", "correct-horse-battery")
        self.other = users.create_user("other", "other@example.com", "correct-horse-battery")
        self.client = APIClient()
        self.client.force_authenticate(self.user)
        self.now = timezone.now()

    def pick(self, model, index, **filters):
        ids = list(model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True))
        return ids[index % len(ids)] if ids else None

    def interview(self, index):
        return self.pick(Interview, index, user=self.user)

    def write(self, method, url, data):
        response = getattr(self.client, method)(url, data, format="json")
        # Refused input is fine (and leaves nothing behind); a server error is not.
        assert response.status_code < 500, response.content

    def when(self, offset):
        return None if offset is None else self.now + dt.timedelta(minutes=offset)

    def apply(self, step):
        kind, *args = step
        getattr(self, f"do_{kind}")(*args)

    def do_create(self, stage, status, interview_status, ahead, applied_days):
        # New interviews cannot be in the past of the real clock.
        date = (
            None if ahead is None else max(self.now, timezone.now()) + dt.timedelta(minutes=ahead)
        )
        self.write(
            "post",
            INTERVIEWS,
            {
                "company_name": "Acme",
                "position": "Engineer",
                "interview_stage": stage,
                "application_status": status,
                "status": interview_status,
                "interview_date": date and date.isoformat(),
                "application_date": (self.now.date() + dt.timedelta(days=applied_days)).isoformat(),
            },
        )

    def do_update(self, index, status, interview_status, offset, applied_days):
        pk = self.interview(index)
        if pk is not None:
            date = self.when(offset)
            self.write(
                "patch",
                f"{INTERVIEWS}{pk}/",
                {
                    "application_status": status,
                    "status": interview_status,
                    "interview_date": date and date.isoformat(),
                    "application_date": (
                        self.now.date() + dt.timedelta(days=applied_days)
                    ).isoformat(),
                },
            )

    def do_advance(self, index, stage):
        pk = self.interview(index)
        if pk is not None:
            self.write("patch", f"{INTERVIEWS}{pk}/", {"interview_stage": stage})

    def do_round(self, index, stage, outcome, offset):
        pk = self.interview(index)
        if pk is not None:
            date = self.when(offset)
            self.write(
                "post",
                ROUNDS,
                {
                    "interview": pk,
                    "stage": stage,
                    "outcome": outcome,
                    "scheduled_date": date and date.isoformat(),
                },
            )

    def do_move_round(self, index, target, offset, outcome):
        pk = self.pick(InterviewRound, index, interview__user=self.user)
        if pk is not None:
            date = self.when(offset)
            self.write(
                "patch",
                f"{ROUNDS}{pk}/",
                {
                    "interview": self.interview(target),
                    "scheduled_date": date and date.isoformat(),
                    "outcome": outcome,
                },
            )

    def do_delete_interview(self, index):
        pk = self.interview(index)
        if pk is not None:
            self.write("delete", f"{INTERVIEWS}{pk}/", None)

    def do_delete_round(self, index):
        pk = self.pick(InterviewRound, index, interview__user=self.user)
        if pk is not None:
            self.write("delete", f"{ROUNDS}{pk}/", None)

    def do_timezone(self, zone):
        self.write("patch", PROFILE, {"timezone": zone})

    def do_bulk_status(self, status):
        """An edit that sends no signal, as a bulk action or a data migration would."""
        Interview.objects.filter(user=self.user, pk=self.interview(0)).update(
            application_status=status
        )

    def do_other_user(self, offset):
        Interview.objects.create(
            user=self.other,
            company_name="Other",
            position="Engineer",
            status="scheduled",
            interview_date=self.when(offset),
        )

    def do_tick(self, how):
        zone = user_timezone(self.user)
        today = self.now.astimezone(zone).date()
        upcoming = dashboard_stats(self.user, now=self.now)["upcoming_interviews"]
        if how == "minute":
            self.now += dt.timedelta(minutes=1)
        elif how == "hours":
            self.now += dt.timedelta(hours=7)
        elif how == "first_moment" and upcoming:
            self.now = upcoming[0]["interview_date"]
        elif how == "past_first_moment" and upcoming:
            self.now = upcoming[0]["interview_date"] + dt.timedelta(microseconds=1)
        elif how == "midnight":
            self.now = local_midnight(today + dt.timedelta(days=1), zone)
        elif how == "monday":
            self.now = local_midnight(today + dt.timedelta(days=7 - today.weekday()), zone)

    def check(self):
        served = PackageJSONRenderer().render(current_answer(self.user, now=self.now))
        computed = dashboard_stats(self.user, now=self.now)
        expected = PackageJSONRenderer().render(render(computed, user_timezone(self.user)))
        assert served == expected
        assert {key: computed[key] for key in TIMELINE_KEYS} == timeline_reference(self.user)


TIMELINE_KEYS = ("median_days_in_stage", "ended_at_stage")
ENDINGS = ("rejected", "withdrawn")


def timeline_reference(user):
    """The timeline's numbers, walking each application's events in order.

    A stay lasts the days between its two events' dates in the user's timezone.
    """
    zone = user_timezone(user)
    # Every stage can be left (a stage may move backwards), but "completed" is
    # not reported: it is where a search ends, not a step of it.
    stays = {stage: [] for stage in InterviewStage.values}
    ended = {status: dict.fromkeys(InterviewStage.values, 0) for status in ENDINGS}
    for interview in Interview.objects.filter(user=user):
        events = list(interview.events.order_by("created_at", "pk"))
        entries = []
        for event in events:
            moved = not entries or entries[-1].new_value != event.new_value
            if event.kind in ("created", "interview_stage") and moved:
                entries.append(event)
        for before, after in itertools.pairwise(entries):
            stays[before.new_value].append(
                (
                    after.created_at.astimezone(zone).date()
                    - before.created_at.astimezone(zone).date()
                ).days
            )
        if interview.application_status in ENDINGS:
            endings = [
                event
                for event in events
                if event.kind == "application_status"
                and event.new_value == interview.application_status
            ]
            stage = endings[-1].stage if endings else interview.interview_stage
            ended[interview.application_status][stage] += 1
    return {
        "median_days_in_stage": {
            stage: round(statistics.median(days), 1) if days else None
            for stage, days in stays.items()
            if stage != "completed"
        },
        "ended_at_stage": ended,
    }


def local_midnight(day, zone):
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(zone.key)).astimezone(
        dt.timezone.utc
    )


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, min_size=1, max_size=12))
# Always tried, besides the drawn ones: each way the clock retires an answer.
@example(
    sequence=[
        ("create", "screening", "in_progress", "scheduled", 30, -3),
        ("tick", "first_moment"),
        ("tick", "past_first_moment"),
    ]
)
@example(
    sequence=[
        ("create", "applied", "in_progress", None, None, -3),
        ("round", 0, "screening", "pending", 20),
        ("tick", "past_first_moment"),
        ("move_round", 0, 0, 90, "pending"),
        ("tick", "hours"),
    ]
)
# An application that leaves the last stage: its stay there is not reported.
@example(
    sequence=[
        ("create", "completed", "in_progress", None, None, -3),
        ("tick", "hours"),
        ("advance", 0, "applied"),
    ]
)
@example(
    sequence=[
        ("timezone", "Pacific/Auckland"),
        ("create", "applied", "in_progress", None, None, -1),
        ("tick", "midnight"),
        ("tick", "monday"),
        ("timezone", "America/Los_Angeles"),
    ]
)
def test_the_answer_is_always_the_one_computed_from_the_tables(sequence):
    with transaction.atomic():
        search = Search()
        search.check()
        for step in sequence:
            search.apply(step)
            search.check()
        transaction.set_rollback(True)
