"""Rate limits of the auth endpoints, counted in the real Redis cache."""

import time

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def url(name):
    return reverse(f"interview_coordinator:{name}")


def wait_for_a_fresh_window(value, period):
    """django-ratelimit's windows are aligned on the clock: start a short test at one's start."""
    from django_ratelimit.core import _get_window

    current = _get_window(value, period)
    deadline = time.monotonic() + period + 1
    while _get_window(value, period) == current:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def attempt_login(client, name="nobody", **extra):
    return client.post(
        url("rest_login"), {"username": name, "password": "wrong-pass-123"}, format="json", **extra
    )


def test_login_allows_exactly_five_per_minute_per_client(api_client):
    statuses = [attempt_login(api_client, f"nobody{i}").status_code for i in range(7)]

    assert statuses == [400] * 5 + [429] * 2


def test_the_429_says_why_and_when_to_retry(api_client):
    for i in range(5):
        attempt_login(api_client, f"nobody{i}")

    response = attempt_login(api_client, "nobody5")

    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 3600
    assert "at most 5 per hour" in response.data["detail"]
    assert "from your address" in response.data["detail"]
    assert response.data["detail"].endswith(f"{wait} second{'s' if wait > 1 else ''}.")


def test_successful_logins_count_too(api_client, user):
    statuses = [
        api_client.post(
            url("rest_login"), {"username": "alice", "password": PASSWORD}, format="json"
        ).status_code
        for _ in range(6)
    ]

    assert statuses == [200] * 5 + [429]


def test_twenty_forged_forwarded_for_headers_share_one_budget(api_client):
    statuses = [
        attempt_login(api_client, f"nobody{i}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(20)
    ]

    assert statuses == [400] * 5 + [429] * 15


def test_behind_a_trusted_proxy_a_forged_left_entry_gives_no_fresh_budget(api_client, settings):
    settings.INTERVIEW_COORDINATOR = {**settings.INTERVIEW_COORDINATOR, "TRUSTED_PROXY_COUNT": 1}

    # The client forges an entry; the proxy appends the address it really saw.
    statuses = [
        attempt_login(
            api_client, f"nobody{i}", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 192.0.2.7"
        ).status_code
        for i in range(20)
    ]

    assert statuses == [400] * 5 + [429] * 15


def test_behind_a_trusted_proxy_distinct_clients_have_distinct_budgets(api_client, settings):
    settings.INTERVIEW_COORDINATOR = {**settings.INTERVIEW_COORDINATOR, "TRUSTED_PROXY_COUNT": 1}

    statuses = [
        attempt_login(api_client, f"nobody{i}", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code
        for i in range(20)
    ]

    assert statuses == [400] * 20


def test_login_is_also_limited_per_account_across_addresses(user):
    statuses = []
    for i in range(7):
        client = APIClient(REMOTE_ADDR=f"10.1.0.{i}")
        name = "ALICE" if i % 2 else "alice@example.com"
        statuses.append(attempt_login(client, name).status_code)

    assert statuses == [400] * 5 + [429] * 2
    response = attempt_login(APIClient(REMOTE_ADDR="10.1.0.99"), "alice")
    assert "for this account" in response.data["detail"]


def test_the_account_limit_leaves_other_accounts_alone(user, other_user):
    for i in range(6):
        attempt_login(APIClient(REMOTE_ADDR=f"10.2.0.{i}"), "alice")

    response = APIClient(REMOTE_ADDR="10.2.0.50").post(
        url("rest_login"), {"username": "mallory", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200


REQUESTS = {
    "rest_register": lambda c, i: c.post(
        url("rest_register"), {"username": f"u{i}", "email": "bad"}, format="json"
    ),
    "token_refresh": lambda c, i: c.post(url("token_refresh"), {"refresh": "x"}, format="json"),
    "rest_logout": lambda c, i: c.post(url("rest_logout"), {}, format="json"),
    "rest_password_change": lambda c, i: c.post(url("rest_password_change"), {}, format="json"),
    "rest_password_reset": lambda c, i: c.post(
        url("rest_password_reset"), {"email": f"n{i}@example.com"}, format="json"
    ),
    "rest_password_reset_confirm": lambda c, i: c.post(
        url("rest_password_reset_confirm"), {}, format="json"
    ),
    "rest_user_details": lambda c, i: c.patch(
        url("rest_user_details"), {"first_name": f"A{i}"}, format="json"
    ),
}


@pytest.mark.parametrize("name", list(REQUESTS))
def test_every_credential_endpoint_allows_five_per_minute(auth_client, name):
    statuses = [REQUESTS[name](auth_client, i).status_code for i in range(6)]

    assert 429 not in statuses[:5]
    assert statuses[5] == 429


def test_endpoints_have_separate_budgets(api_client):
    for i in range(5):
        attempt_login(api_client, f"nobody{i}")

    response = api_client.post(
        url("rest_password_reset"), {"email": "a@example.com"}, format="json"
    )

    assert response.status_code == 200


def test_reading_the_current_user_is_not_credential_limited(auth_client):
    statuses = {auth_client.get(url("rest_user_details")).status_code for _ in range(20)}

    assert statuses == {200}


def test_a_new_window_opens_when_the_old_one_ends(api_client, settings):
    settings.INTERVIEW_COORDINATOR = {"AUTH_RATE": "2/2s"}
    wait_for_a_fresh_window("127.0.0.1", 2)
    statuses = [attempt_login(api_client, f"nobody{i}").status_code for i in range(3)]
    assert statuses == [400, 400, 429]

    time.sleep(2.2)

    assert attempt_login(api_client, "nobody9").status_code == 400


def test_hammering_does_not_extend_the_window(api_client, settings):
    settings.INTERVIEW_COORDINATOR = {"AUTH_RATE": "1/2s"}
    wait_for_a_fresh_window("127.0.0.1", 2)
    attempt_login(api_client, "a")
    waits = []
    for i in range(3):
        waits.append(int(attempt_login(api_client, f"n{i}")["Retry-After"]))

    assert all(wait <= 2 for wait in waits)
    time.sleep(2.2)
    assert attempt_login(api_client, "b").status_code == 400


def test_an_ipv6_client_is_counted_by_its_whole_slash_64(db):
    statuses = [
        attempt_login(APIClient(REMOTE_ADDR=f"2001:db8:1:2::{i:x}"), f"nobody{i}").status_code
        for i in range(7)
    ]

    assert statuses == [400] * 5 + [429] * 2
    neighbour = attempt_login(APIClient(REMOTE_ADDR="2001:db8:1:3::1"), "nobody")
    assert neighbour.status_code == 400


def test_password_reset_is_limited_per_target_address_across_clients(user, mailoutbox):
    statuses = [
        APIClient(REMOTE_ADDR=f"10.2.0.{i}")
        .post(url("rest_password_reset"), {"email": "ALICE@example.com"}, format="json")
        .status_code
        for i in range(7)
    ]

    # PASSWORD_RESET_RATE, "3/h" by default: far below the login limits.
    assert statuses == [200] * 3 + [429] * 4
    assert len(mailoutbox) == 3
