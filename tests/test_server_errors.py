"""An unexpected failure in one of the package's views answers a JSON 500, and is logged.

Django's own 500 page is HTML; the package's errors are all JSON, the
unexpected ones too. The traceback goes where Django puts it (the
``django.request`` logger, and ``got_request_exception`` for error
reporters), and the answer says nothing of the failure.
"""

import pytest
from django.core.signals import got_request_exception
from rest_framework.test import APIClient

from interview_coordinator.models import Interview
from tests.db_failures import MESSAGE, failed_on_the_refused_insert, inserts_refused

pytestmark = pytest.mark.django_db


def test_an_unexpected_failure_is_a_json_500_logged_with_its_traceback(user, caplog):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    signalled = []

    def receiver(sender, request=None, **kwargs):
        signalled.append(request.path)

    got_request_exception.connect(receiver)
    try:
        with inserts_refused(Interview):
            response = client.post(
                "/api/interviews/", {"company_name": "Acme", "position": "Dev"}, format="json"
            )
    finally:
        got_request_exception.disconnect(receiver)

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}
    assert MESSAGE not in response.content.decode()
    assert failed_on_the_refused_insert(caplog)
    assert signalled == ["/api/interviews/"]
    logged = [record for record in caplog.records if record.name == "django.request"]
    assert len(logged) == 1
