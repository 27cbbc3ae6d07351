"""Every endpoint that reads a body refuses hostile ones the same way.

Bodies over the host's DATA_UPLOAD_MAX_MEMORY_SIZE answer 413 before they
are read, and JSON nested too deeply to parse answers 400 — never a 500,
never a write — whichever of the package's views receives them.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
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


def parsing_targets(targets):
    """The targets that parse a body: the test-email endpoint takes none and never reads one."""
    test_email = reverse("interview_coordinator:profile-test-email")
    return [target for target in targets if target[1] != test_email]


def test_deeply_nested_json_is_400_everywhere(auth_client, user, targets):
    before = state(user)
    for method, url in parsing_targets(targets):
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


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=10)
@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_too_many_fields_are_a_json_400_everywhere(auth_client, user, targets, content_type):
    before = state(user)
    fields = {f"field{number}": "x" for number in range(20)}
    for method, url in parsing_targets(targets):
        if content_type.startswith("multipart"):
            response = getattr(auth_client, method)(url, fields, format="multipart")
        else:
            body = "&".join(f"{name}={value}" for name, value in fields.items())
            response = getattr(auth_client, method)(url, body, content_type=content_type)
        assert response.status_code == 400, (method, url, response.status_code)
        assert response["Content-Type"] == "application/json", (method, url, response.content)
        assert "detail" in response.json(), (method, url)
    assert state(user) == before


@override_settings(DATA_UPLOAD_MAX_NUMBER_FILES=2)
def test_too_many_files_are_a_json_400_everywhere(auth_client, user, targets):
    before = state(user)
    files = {f"file{number}": SimpleUploadedFile(f"{number}.txt", b"x") for number in range(5)}
    for method, url in parsing_targets(targets):
        for upload in files.values():
            upload.seek(0)
        response = getattr(auth_client, method)(url, files, format="multipart")
        assert response.status_code == 400, (method, url, response.status_code)
        assert response["Content-Type"] == "application/json", (method, url, response.content)
        assert "detail" in response.json(), (method, url)
    assert state(user) == before


def test_a_body_without_a_content_type_is_a_415_everywhere(auth_client, user, targets):
    before = state(user)
    writes = [
        *targets,
        ("post", reverse("interview_coordinator:interview-import")),
        ("delete", reverse("interview_coordinator:rest_user_details")),
        ("post", reverse("interview_coordinator:profile-calendar")),
    ]
    for method, url in writes:
        body = b'{"company_name": "Acme", "position": "Dev", "password": "x"}'
        response = auth_client.generic(method.upper(), url, body, content_type="")
        assert response.status_code == 415, (method, url, response.status_code)
        assert "detail" in response.json(), (method, url)
    assert state(user) == before


def test_a_logout_without_a_body_or_a_content_type_is_still_a_200(auth_client):
    response = auth_client.generic("POST", reverse("interview_coordinator:rest_logout"))

    assert response.status_code == 200
