"""Redis stops while the API is serving, then comes back.

Interviews are read and written without Redis; the test-email endpoint says
503 quickly instead of hanging; the credential endpoints behave as
docs/auth.md says; and everything recovers when Redis returns, without
restarting the API.
"""

import pytest

from .client import call, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


CREDENTIALS = {"username": "outage", "password": "outage-pass-7731"}


@pytest.fixture
def token(example_project):
    user_id = example_project.create_user(CREDENTIALS["username"], CREDENTIALS["password"])
    return example_project.access_token(user_id)


def api(example_project, path):
    return f"{example_project.base_url}/api/{path}"


def test_api_keeps_serving_interviews_while_redis_is_down(example_project, throwaway_redis, token):
    assert call("POST", api(example_project, "profile/test-email/"), {}, token).status == 202

    throwaway_redis.stop()

    created = call(
        "POST",
        api(example_project, "interviews/"),
        {"company_name": "Outage Ltd", "position": "Engineer"},
        token,
    )
    assert created.status == 201, created.body
    listed = call("GET", api(example_project, "interviews/"), token=token)
    assert listed.status == 200
    assert [row["company_name"] for row in listed.body] == ["Outage Ltd"]
    detail = call("GET", api(example_project, f"interviews/{created.body['id']}/"), token=token)
    assert detail.status == 200

    queued = call("POST", api(example_project, "profile/test-email/"), {}, token)
    assert queued.status == 503, queued.body
    assert queued.is_json
    assert queued.seconds < 3

    # Login fails closed (docs/auth.md): without its counters it cannot tell a
    # guessing attack from a user, so it answers 503 and logs the outage.
    login = call("POST", api(example_project, "auth/login/"), CREDENTIALS)
    assert login.status == 503, login.body
    assert login.is_json
    assert login.seconds < 3
    assert "ratelimit_unavailable" in example_project.log()

    throwaway_redis.start()

    recovered = wait_until(
        lambda: call("POST", api(example_project, "profile/test-email/"), {}, token).status == 202,
        timeout=20,
    )
    assert recovered, "test-email did not recover within 20 s of Redis returning"
    login = call("POST", api(example_project, "auth/login/"), CREDENTIALS)
    assert login.status == 200, login.body
