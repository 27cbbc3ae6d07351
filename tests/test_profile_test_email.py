"""The test-email endpoint: 202 at once, 400 without an address, rate limited per user,
a quick 503 when the broker is down, and sent within the request on a site without a
Celery broker."""

# The fixtures are imported from tests.reminder_fixtures, then named as parameters.
# ruff: noqa: F811

import socket
import time

import pytest
from django.core import mail
from django.urls import reverse

from tests.reminder_fixtures import (  # noqa: F401
    ThrowawayRedis,
    celery_app,
    celery_through,
    smtp,
    smtp_server,
)

URL = reverse("interview_coordinator:profile-test-email")


@pytest.mark.django_db
class TestTestEmail:
    def test_queues_a_test_email_and_answers_202(self, auth_client):
        response = auth_client.post(URL)
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == "queued"
        assert "alice@example.com" in body["message"]
        assert body["task_id"]
        # The suite's Celery app is eager: the task already ran.
        (message,) = mail.outbox
        assert message.to == ["alice@example.com"]
        assert message.alternatives[0][1] == "text/html"

    def test_a_user_without_email_gets_a_400(self, client_for, make_user):
        response = client_for(make_user("nomail", email="")).post(URL)
        assert response.status_code == 400
        assert "no email address" in response.json()["email"][0]
        assert mail.outbox == []

    def test_is_rate_limited_per_user(self, client_for, make_user, settings):
        settings.INTERVIEW_COORDINATOR = {"TEST_EMAIL_RATE": "3/h"}
        alice, bob = client_for(make_user("alice")), client_for(make_user("bob"))
        assert [alice.post(URL).status_code for _ in range(4)] == [202, 202, 202, 429]
        limited = alice.post(URL)
        assert limited.status_code == 429
        assert "test emails" in limited.json()["detail"]
        assert int(limited["Retry-After"]) > 0
        assert bob.post(URL).status_code == 202
        assert len(mail.outbox) == 4

    def test_requires_authentication(self, api_client):
        assert api_client.post(URL).status_code == 401


@pytest.mark.django_db
def test_broker_down_is_a_quick_503_and_the_rest_keeps_working(auth_client, celery_through):
    broker = ThrowawayRedis()
    broker.start()
    broker.stop()  # a port where a broker was, now refusing connections
    celery_through(f"{broker.url}/0")

    started = time.monotonic()
    response = auth_client.post(URL)
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert "task queue is unreachable" in response.json()["detail"]
    # No retry loop: one connection attempt bounded by BROKER_TIMEOUT_SECONDS.
    assert elapsed < 3, elapsed
    assert mail.outbox == []
    assert auth_client.get(reverse("interview_coordinator:profile")).status_code == 200
    assert auth_client.get(reverse("interview_coordinator:interview-list")).status_code == 200
    assert (
        auth_client.post(
            reverse("interview_coordinator:interview-list"),
            {"company_name": "Acme", "position": "Engineer"},
            format="json",
        ).status_code
        == 201
    )


@pytest.mark.django_db
def test_a_broker_transport_that_cannot_be_imported_is_a_503(auth_client, celery_through, caplog):
    # kombu's MongoDB transport needs pymongo, which is not installed here, as
    # the Redis transport needs redis and packaging (the package's redis extra).
    celery_through("mongodb://127.0.0.1:27017/broker")

    response = auth_client.post(URL)

    assert response.status_code == 503
    assert "task queue is unreachable" in response.json()["detail"]
    assert mail.outbox == []
    # A configuration to fix, not an outage: logged with its traceback.
    (record,) = [r for r in caplog.records if r.name == "interview_coordinator.queueing"]
    assert record.levelname == "ERROR"
    assert record.exc_info[0] is ModuleNotFoundError


@pytest.mark.django_db
def test_a_broker_that_accepts_but_never_answers_is_a_503(auth_client, celery_through, settings):
    settings.INTERVIEW_COORDINATOR = {"BROKER_TIMEOUT_SECONDS": 0.5}
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        celery_through(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        response = auth_client.post(URL)
    assert response.status_code == 503


@pytest.fixture
def without_broker(monkeypatch):
    """Celery as on a site that configured none: no broker URL, tasks not run eagerly."""
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    celery_app.conf.task_always_eager  # noqa: B018 - loads the configuration before overriding it
    saved = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = None
    yield
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved


@pytest.mark.django_db
class TestWithoutABroker:
    def test_the_email_is_sent_within_the_request(self, auth_client, without_broker, smtp):
        response = auth_client.post(URL)

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "sent"
        assert "alice@example.com" in body["message"]
        (message,) = smtp.messages
        assert message["To"] == "alice@example.com"
        assert "Test email" in message["Subject"]

    def test_an_unreachable_mail_server_is_a_clear_503(self, auth_client, without_broker, smtp):
        smtp.stop()
        try:
            response = auth_client.post(URL)
        finally:
            smtp.start()

        assert response.status_code == 503
        assert "mail server" in response.json()["detail"]
        assert int(response["Retry-After"]) > 0
        assert smtp.messages == []

    def test_is_still_rate_limited(self, client_for, make_user, without_broker, settings):
        settings.INTERVIEW_COORDINATOR = {"TEST_EMAIL_RATE": "2/h"}
        client = client_for(make_user("alice"))

        assert [client.post(URL).status_code for _ in range(3)] == [200, 200, 429]
        assert len(mail.outbox) == 2
