"""Every endpoint that reads a body refuses hostile ones the same way.

Bodies over the host's DATA_UPLOAD_MAX_MEMORY_SIZE answer 413 before they
are read, and JSON nested too deeply to parse answers 400 — never a 500,
never a write — whichever of the package's views receives them.
"""

import pytest
from django.test import override_settings
from django.urls import reverse

from interview_coordinator.models import Interview, InterviewRound, Profile
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def targets(user):
    interview = InterviewFactory(user=user)
    round_ = RoundFactory(interview=interview)
    detail = {"pk": interview.pk}
    return [
        ("post", reverse("interview_coordinator:rest_register")),
        ("post", reverse("interview_coordinator:rest_login")),
        ("post", reverse("interview_coordinator:rest_logout")),
        ("post", reverse("interview_coordinator:token_refresh")),
        ("put", reverse("interview_coordinator:rest_user_details")),
        ("patch", reverse("interview_coordinator:rest_user_details")),
        ("post", reverse("interview_coordinator:rest_password_change")),
        ("post", reverse("interview_coordinator:rest_password_reset")),
        ("post", reverse("interview_coordinator:rest_password_reset_confirm")),
        ("put", reverse("interview_coordinator:profile")),
        ("patch", reverse("interview_coordinator:profile")),
        ("post", reverse("interview_coordinator:profile-test-email")),
        ("post", reverse("interview_coordinator:interview-list")),
        ("put", reverse("interview_coordinator:interview-detail", kwargs=detail)),
        ("patch", reverse("interview_coordinator:interview-detail", kwargs=detail)),
        ("post", reverse("interview_coordinator:round-list")),
        ("put", reverse("interview_coordinator:round-detail", kwargs={"pk": round_.pk})),
        ("patch", reverse("interview_coordinator:round-detail", kwargs={"pk": round_.pk})),
    ]


def state(user):
    profile = Profile.objects.for_user(user)
    return (
        list(Interview.objects.values_list("id", "company_name", "updated_at")),
        list(InterviewRound.objects.values_list("id", "stage", "updated_at")),
        (profile.timezone, profile.reminder_time),
        user.__class__.objects.values_list("username", "email", "password").get(pk=user.pk),
    )


def test_deeply_nested_json_is_400_everywhere(auth_client, user, targets):
    before = state(user)
    # The test-email endpoint takes no body and never parses one.
    test_email = reverse("interview_coordinator:profile-test-email")
    for method, url in (target for target in targets if target[1] != test_email):
        response = getattr(auth_client, method)(url, DEEP_JSON, content_type="application/json")
        assert response.status_code == 400, (method, url, response.status_code)
        assert "detail" in response.json()
    assert state(user) == before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_bodies_over_the_upload_limit_are_413_everywhere(auth_client, user, targets):
    before = state(user)
    body = '{"notes": "' + "x" * 2048 + '"}'
    for method, url in targets:
        response = getattr(auth_client, method)(url, body, content_type="application/json")
        assert response.status_code == 413, (method, url, response.status_code)
        assert "detail" in response.json()
    assert state(user) == before
