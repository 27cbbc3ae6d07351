"""Sign-in when the rate-limit cache is unreachable: a clean 503 (or, if chosen, open).

The test owns its Redis: a throwaway redis-server on a spare port, stopped
by the test itself; the machine's shared Redis is never touched.
"""

import logging
import shutil

import pytest
from django.urls import reverse

from tests.servers import ThrowawayRedis

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def throwaway_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    redis = ThrowawayRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def limits_on_throwaway_redis(settings, throwaway_redis):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"{throwaway_redis.url}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    settings.RATELIMIT_USE_CACHE = "ratelimit"

    return throwaway_redis.stop


def login(client):
    return client.post(
        reverse("interview_coordinator:rest_login"),
        {"username": "alice", "password": PASSWORD},
        format="json",
    )


def test_login_fails_closed_with_a_clear_503(api_client, user, limits_on_throwaway_redis, caplog):
    assert login(api_client).status_code == 200

    limits_on_throwaway_redis()
    with caplog.at_level(logging.ERROR, logger="interview_coordinator.security"):
        response = login(api_client)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    assert "rate limiter cannot be reached" in response.json()["detail"]
    (record,) = [r for r in caplog.records if getattr(r, "event", "") == "ratelimit_unavailable"]
    assert record.fail_open is False
    assert record.error == "ConnectionError"


def test_login_can_be_configured_to_fail_open(
    api_client, user, settings, limits_on_throwaway_redis
):
    limits_on_throwaway_redis()
    settings.INTERVIEW_COORDINATOR = {"RATELIMIT_FAIL_OPEN": True}

    assert login(api_client).status_code == 200


def test_the_current_user_is_still_readable(auth_client, limits_on_throwaway_redis):
    limits_on_throwaway_redis()

    response = auth_client.get(reverse("interview_coordinator:rest_user_details"))

    assert response.status_code == 200
