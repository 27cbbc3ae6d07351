"""Every auth endpoint answers hostile bodies with a clear 4xx, never a 500 or a write."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "rest_register",
    "rest_login",
    "rest_logout",
    "token_refresh",
    "rest_password_change",
    "rest_password_reset",
    "rest_password_reset_confirm",
]

# Bodies sent as JSON: wrong shapes, wrong types, nulls, huge and undecodable text.
JSON_BODIES = {
    "list": [],
    "string": "username",
    "number": 12,
    "nulls": {
        "username": None,
        "email": None,
        "password": None,
        "password1": None,
        "password2": None,
        "refresh": None,
        "old_password": None,
        "new_password1": None,
        "new_password2": None,
        "uid": None,
        "token": None,
    },
    "objects": {
        "username": {"$ne": ""},
        "email": ["a@example.com"],
        "password": {"x": 1},
        "password1": [1],
        "password2": [1],
        "refresh": {"token": "x"},
        "old_password": [],
        "new_password1": {},
        "new_password2": {},
        "uid": [],
        "token": {},
    },
    "huge": {
        "username": "u" * 100_000,
        "email": "e" * 100_000 + "@example.com",
        "password": "p" * 100_000,
        "password1": "p" * 100_000,
        "password2": "p" * 100_000,
        "refresh": "r" * 100_000,
        "old_password": "p" * 100_000,
        "new_password1": "p" * 100_000,
        "new_password2": "p" * 100_000,
        "uid": "u" * 100_000,
        "token": "t" * 100_000,
    },
    "null_bytes": {
        "username": "al\x00ice",
        "email": "a\x00@example.com",
        "password": "pa\x00ss",
        "password1": "Str0ng-\x00enough",
        "password2": "Str0ng-\x00enough",
        "refresh": "a\x00b",
        "old_password": "x\x00",
        "new_password1": "Str0ng-\x00enough",
        "new_password2": "Str0ng-\x00enough",
        "uid": "\x00",
        "token": "\x00",
    },
}

# Lone surrogates are valid JSON escapes but cannot be encoded to UTF-8.
SURROGATES = (
    '{"username": "ali\\ud800ce", "email": "a\\ud800@example.com", "password": "pass\\ud800word",'
    ' "password1": "Str0ng-\\ud800-enough", "password2": "Str0ng-\\ud800-enough",'
    ' "refresh": "\\udfff", "old_password": "\\ud800", "new_password1": "Str0ng-\\ud800-enough",'
    ' "new_password2": "Str0ng-\\ud800-enough", "uid": "\\ud800", "token": "\\ud800"}'
)


@pytest.fixture
def client(user):
    """Authenticated, so that password change reaches its body too."""
    client = APIClient()
    client.force_authenticate(user)
    return client


def users_and_passwords():
    return sorted(get_user_model().objects.values_list("username", "password"))


@pytest.mark.parametrize("name", ENDPOINTS)
@pytest.mark.parametrize("body", list(JSON_BODIES), ids=list(JSON_BODIES))
def test_bad_json_bodies_are_400(client, name, body):
    before = users_and_passwords()

    response = client.post(
        reverse(f"interview_coordinator:{name}"), JSON_BODIES[body], format="json"
    )

    assert response.status_code in {400, 401}, response.content
    assert response.status_code == 400 or name in {"rest_logout", "token_refresh"}
    assert users_and_passwords() == before


@pytest.mark.parametrize("name", ENDPOINTS)
def test_lone_surrogates_are_400(client, name):
    before = users_and_passwords()

    response = client.post(
        reverse(f"interview_coordinator:{name}"), SURROGATES, content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert users_and_passwords() == before


@pytest.mark.parametrize("name", ENDPOINTS)
@pytest.mark.parametrize(
    ("payload", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("", "application/json", 400),
        ("username=alice", "text/plain", 415),
        ("<xml/>", "application/xml", 415),
    ],
    ids=["malformed", "empty", "text", "xml"],
)
def test_malformed_or_unsupported_bodies(client, name, payload, content_type, status):
    if name == "rest_logout" and payload == "":
        status = 200  # an empty logout is allowed: there is nothing to blacklist

    response = client.post(
        reverse(f"interview_coordinator:{name}"), payload, content_type=content_type
    )

    assert response.status_code == status, response.content
    assert "detail" in response.json() or response.status_code == 400


def test_error_messages_name_the_fields(api_client):
    response = api_client.post(
        reverse("interview_coordinator:rest_register"),
        {"username": "", "email": "not-an-email", "password1": "x"},
        format="json",
    )

    assert response.status_code == 400
    body = json.loads(response.content)
    assert set(body) == {"username", "email", "password1", "password2"}
    assert body["email"] == ["Enter a valid email address."]


def test_user_details_refuses_bad_values(client, user):
    response = client.put(
        reverse("interview_coordinator:rest_user_details"),
        {"username": "x" * 500, "first_name": "a\x00b", "last_name": {"x": 1}},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.data) == {"username", "first_name", "last_name"}
    user.refresh_from_db()
    assert user.username == "alice"


@pytest.mark.parametrize("value", [123, 1.5, 1e308, True], ids=["int", "float", "huge", "bool"])
def test_numbers_are_not_names(api_client, client, user, value):
    register = api_client.post(
        reverse("interview_coordinator:rest_register"),
        {
            "username": value,
            "email": "n@example.com",
            "password1": "Str0ng-enough-pw",
            "password2": "Str0ng-enough-pw",
        },
        format="json",
    )
    rename = client.patch(
        reverse("interview_coordinator:rest_user_details"),
        {"username": value, "first_name": value},
        format="json",
    )

    assert register.status_code == 400
    assert set(register.data) == {"username"}
    assert rename.status_code == 400
    assert set(rename.data) == {"username", "first_name"}
    assert get_user_model().objects.count() == 1
    user.refresh_from_db()
    assert user.username == "alice"


@pytest.mark.parametrize("password", [12345, "\ud800"], ids=["number", "surrogate"])
def test_account_deletion_reads_its_password_as_the_other_auth_bodies_do(client, user, password):
    answers = [
        client.delete(
            reverse("interview_coordinator:rest_user_details"),
            json.dumps({"password": password}),
            content_type="application/json",
            REMOTE_ADDR=f"10.15.0.{i}",
        )
        for i in range(6)
    ]

    assert [answer.status_code for answer in answers] == [400] * 6
    assert answers[0].json() == {"password": ["Not a valid string."]}
    signed_in = APIClient(REMOTE_ADDR="10.15.1.1").post(
        reverse("interview_coordinator:rest_login"),
        {"username": "alice", "password": "correct-horse-battery"},
        format="json",
    )
    assert signed_in.status_code == 200, signed_in.data
