"""The admin lists, filters and searches interviews and rounds, and keeps text clean."""

import pytest
from django.test import Client

from interview_coordinator.models import Interview
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(make_user):
    staff = make_user("staff", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return client


def test_interview_changelist_filters_and_searches(admin_client, user):
    RoundFactory(interview=InterviewFactory(user=user, company_name="Globex"))
    InterviewFactory(user=user, company_name="Initech", interview_stage="technical")

    searched = admin_client.get("/admin/interview_coordinator/interview/", {"q": "globex"})
    filtered = admin_client.get(
        "/admin/interview_coordinator/interview/", {"interview_stage__exact": "technical"}
    )

    assert searched.status_code == 200
    assert b"Globex" in searched.content
    assert b"Initech" not in searched.content
    assert b"Initech" in filtered.content
    assert b"Globex" not in filtered.content


def test_round_changelist_and_change_page(admin_client, user):
    round_ = RoundFactory(interview=InterviewFactory(user=user, company_name="Hooli"))

    listed = admin_client.get("/admin/interview_coordinator/interviewround/", {"q": "hooli"})
    change = admin_client.get(
        f"/admin/interview_coordinator/interview/{round_.interview_id}/change/"
    )

    assert listed.status_code == 200
    assert b"Hooli" in listed.content
    assert change.status_code == 200


def test_admin_refuses_markup_in_plain_text_fields(admin_client, user):
    response = admin_client.post(
        "/admin/interview_coordinator/interview/add/",
        {
            "user": user.pk,
            "company_name": "<script>alert(1)</script>",
            "position": "Dev",
            "interview_stage": "applied",
            "application_status": "in_progress",
            "application_date": "2026-01-05",
            "rounds-TOTAL_FORMS": "0",
            "rounds-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert b"HTML tags are not allowed" in response.content
    assert not Interview.objects.exists()


def test_profile_changelist_searches_by_user(admin_client, user, other_user):
    from interview_coordinator.models import Profile

    Profile.objects.for_user(user)
    Profile.objects.for_user(other_user)

    searched = admin_client.get("/admin/interview_coordinator/profile/", {"q": "alice"})

    assert searched.status_code == 200
    assert b"alice" in searched.content
    assert b"mallory" not in searched.content


def test_reminder_deliveries_are_visible_but_never_editable(admin_client, user):
    from datetime import timedelta

    from django.utils import timezone

    from interview_coordinator.models import ReminderDelivery

    InterviewFactory(
        user=user, company_name="Vandelay", interview_date=timezone.now() + timedelta(days=3)
    )
    delivery = ReminderDelivery.objects.get(interview__user=user)

    listed = admin_client.get("/admin/interview_coordinator/reminderdelivery/", {"q": "vandelay"})
    change = admin_client.post(
        f"/admin/interview_coordinator/reminderdelivery/{delivery.pk}/change/", {"status": "sent"}
    )

    assert listed.status_code == 200
    assert b"Vandelay" in listed.content
    assert change.status_code == 403
    assert admin_client.get("/admin/interview_coordinator/reminderdelivery/add/").status_code == 403
    deleted = admin_client.post(
        f"/admin/interview_coordinator/reminderdelivery/{delivery.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert ReminderDelivery.objects.filter(pk=delivery.pk).exists()
    delivery.refresh_from_db()
    assert delivery.status != "sent"


def test_digests_are_listed_with_the_reminders_and_their_nudges_beside(
    admin_client, user, make_user
):
    from interview_coordinator.models import FollowUpNudge, ReminderDelivery
    from tests.quiet import go_quiet, nudges_on

    go_quiet(InterviewFactory(user=user, company_name="Quiet Corp", interview_date=None), 20)
    nudges_on(user, days=7)
    digest = ReminderDelivery.objects.get(kind="digest")
    FollowUpNudge.objects.create(
        interview=Interview.objects.get(user=user), quiet_since=digest.send_at
    )
    other = make_user("zed")
    InterviewFactory(user=other, company_name="Reminded Inc")

    digests = admin_client.get(
        "/admin/interview_coordinator/reminderdelivery/", {"kind__exact": "digest"}
    )
    by_user = admin_client.get("/admin/interview_coordinator/reminderdelivery/", {"q": "alice"})
    nudges = admin_client.get("/admin/interview_coordinator/followupnudge/", {"q": "quiet corp"})
    change = admin_client.post(
        f"/admin/interview_coordinator/reminderdelivery/{digest.pk}/change/", {"status": "sent"}
    )

    assert digests.status_code == by_user.status_code == nudges.status_code == 200
    assert b"Follow-up digest" in digests.content
    assert b"Reminded Inc" not in digests.content
    assert f"/reminderdelivery/{digest.pk}/change/".encode() in by_user.content
    assert b"Quiet Corp" in nudges.content
    assert change.status_code == 403
    assert admin_client.get("/admin/interview_coordinator/followupnudge/add/").status_code == 403


def test_admin_search_uses_only_the_user_fields_the_user_model_has(monkeypatch):
    from django.contrib.auth import get_user_model

    from interview_coordinator.admin import user_search_fields

    assert user_search_fields("user__") == ("user__username", "user__email")
    monkeypatch.setattr(get_user_model(), "EMAIL_FIELD", "contact_address")
    assert user_search_fields("user__") == ("user__username",)


def change_form(interview, *, stage=None, rounds=(), new_rounds=()):
    """The change form's POST: the interview as stored, its rounds, and rounds typed in."""
    stored = list(interview.rounds.order_by("pk"))
    data = {
        "user": interview.user_id,
        "company_name": interview.company_name,
        "position": interview.position,
        "interview_stage": stage or interview.interview_stage,
        "application_status": interview.application_status,
        "application_date": interview.application_date.isoformat(),
        "notes": "",
        "rounds-TOTAL_FORMS": str(len(stored) + len(new_rounds)),
        "rounds-INITIAL_FORMS": str(len(stored)),
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    for index, round_ in enumerate(stored):
        data |= {
            f"rounds-{index}-id": round_.pk,
            f"rounds-{index}-interview": interview.pk,
            f"rounds-{index}-stage": round_.stage,
            f"rounds-{index}-outcome": round_.outcome,
        }
        if round_.pk in rounds:
            data[f"rounds-{index}-DELETE"] = "on"
    for offset, stage_ in enumerate(new_rounds, start=len(stored)):
        data |= {f"rounds-{offset}-stage": stage_, f"rounds-{offset}-outcome": "pending"}
    return data


class TestRoundCapInTheAdmin:
    """The inline rounds obey ``MAX_ROUNDS_PER_INTERVIEW``, as the API and a model save do."""

    URL = "/admin/interview_coordinator/interview/{}/change/"

    @pytest.fixture(autouse=True)
    def cap_of_two(self, settings):
        settings.INTERVIEW_COORDINATOR = {"MAX_ROUNDS_PER_INTERVIEW": 2}

    def test_inline_rounds_past_the_cap_are_a_form_error_and_write_nothing(
        self, admin_client, user
    ):
        interview = InterviewFactory(user=user, interview_date=None, status=None)
        RoundFactory(interview=interview, stage="screening", scheduled_date=None)

        response = admin_client.post(
            self.URL.format(interview.pk),
            change_form(interview, new_rounds=["technical", "onsite"]),
        )

        assert response.status_code == 200
        errors = [
            str(error)
            for error in response.context["inline_admin_formsets"][0].formset.non_form_errors()
        ]
        assert errors == ["This interview has reached the limit of 2 rounds."]
        assert b"limit of 2 rounds" in response.content
        assert list(interview.rounds.values_list("stage", flat=True)) == ["screening"]

    def test_a_new_application_with_more_inline_rounds_than_the_cap_is_refused(
        self, admin_client, user
    ):
        data = {
            "user": user.pk,
            "company_name": "Initech",
            "position": "Dev",
            "interview_stage": "applied",
            "application_status": "in_progress",
            "application_date": "2026-01-05",
            "notes": "",
            "rounds-TOTAL_FORMS": "3",
            "rounds-INITIAL_FORMS": "0",
        }
        for index, stage in enumerate(["screening", "technical", "onsite"]):
            data |= {f"rounds-{index}-stage": stage, f"rounds-{index}-outcome": "pending"}

        response = admin_client.post("/admin/interview_coordinator/interview/add/", data)

        assert response.status_code == 200
        assert b"limit of 2 rounds" in response.content
        assert not Interview.objects.exists()

    def test_rounds_deleted_in_the_same_save_make_room(self, admin_client, user):
        interview = InterviewFactory(user=user, interview_date=None, status=None)
        first = RoundFactory(interview=interview, stage="screening", scheduled_date=None)
        RoundFactory(interview=interview, stage="technical", scheduled_date=None)

        response = admin_client.post(
            self.URL.format(interview.pk),
            change_form(interview, rounds=[first.pk], new_rounds=["onsite"]),
        )

        assert response.status_code == 302, response.content.decode()[:2000]
        assert sorted(interview.rounds.values_list("stage", flat=True)) == ["onsite", "technical"]

    def test_the_round_a_stage_advance_records_counts_with_the_inline_rounds(
        self, admin_client, user
    ):
        interview = InterviewFactory(user=user, interview_date=None, status=None)
        RoundFactory(interview=interview, stage="screening", scheduled_date=None)

        response = admin_client.post(
            self.URL.format(interview.pk),
            change_form(interview, stage="onsite", new_rounds=["technical"]),
        )

        assert response.status_code == 200
        assert b"limit of 2 rounds" in response.content
        interview.refresh_from_db()
        assert interview.interview_stage == "applied"
        assert list(interview.rounds.values_list("stage", flat=True)) == ["screening"]

    def test_a_round_entered_for_the_advanced_stage_is_the_advance_s_round(
        self, admin_client, user
    ):
        interview = InterviewFactory(user=user, interview_date=None, status=None)
        RoundFactory(interview=interview, stage="screening", scheduled_date=None)

        response = admin_client.post(
            self.URL.format(interview.pk),
            change_form(interview, stage="technical", new_rounds=["technical"]),
        )

        assert response.status_code == 302, response.content.decode()[:2000]
        assert sorted(interview.rounds.values_list("stage", flat=True)) == [
            "screening",
            "technical",
        ]


class TestRoundCapInTheRoundAdmin:
    """The rounds' own admin pages obey the cap too, on a create and on a move."""

    @pytest.fixture(autouse=True)
    def cap_of_one(self, settings):
        settings.INTERVIEW_COORDINATOR = {"MAX_ROUNDS_PER_INTERVIEW": 1}

    def round_form(self, interview, stage="technical"):
        return {"interview": interview.pk, "stage": stage, "outcome": "pending", "notes": ""}

    def test_a_round_added_past_the_cap_is_refused_on_its_interview(self, admin_client, user):
        full = InterviewFactory(user=user, interview_date=None, status=None)
        RoundFactory(interview=full, stage="screening", scheduled_date=None)

        response = admin_client.post(
            "/admin/interview_coordinator/interviewround/add/", self.round_form(full)
        )

        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert errors["interview"] == ["This interview has reached the limit of 1 rounds."]
        assert full.rounds.count() == 1

    def test_a_round_moved_to_a_full_interview_is_refused_and_stays(self, admin_client, user):
        full = InterviewFactory(user=user, interview_date=None, status=None)
        RoundFactory(interview=full, stage="screening", scheduled_date=None)
        moving = RoundFactory(
            interview=InterviewFactory(user=user, interview_date=None, status=None),
            stage="technical",
            scheduled_date=None,
        )

        response = admin_client.post(
            f"/admin/interview_coordinator/interviewround/{moving.pk}/change/",
            self.round_form(full),
        )

        assert response.status_code == 200
        assert "limit of 1 rounds" in response.context["adminform"].form.errors["interview"][0]
        moving.refresh_from_db()
        assert moving.interview_id != full.pk

    def test_a_round_edited_on_its_full_interview_is_saved(self, admin_client, user):
        full = InterviewFactory(user=user, interview_date=None, status=None)
        round_ = RoundFactory(interview=full, stage="screening", scheduled_date=None)

        response = admin_client.post(
            f"/admin/interview_coordinator/interviewround/{round_.pk}/change/",
            self.round_form(full, stage="onsite"),
        )

        assert response.status_code == 302, response.content.decode()[:2000]
        round_.refresh_from_db()
        assert round_.stage == "onsite"
