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
