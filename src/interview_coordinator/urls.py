"""The whole API in one include: ``path("api/", include("interview_coordinator.urls"))``.

Names live in the ``interview_coordinator`` namespace, e.g.
``interview_coordinator:interview-list`` and ``interview_coordinator:rest_login``.
"""

from __future__ import annotations

from django.urls import include, path

from interview_coordinator import core_urls
from interview_coordinator.accounts import urls as accounts_urls

app_name = "interview_coordinator"

urlpatterns = [
    *core_urls.urlpatterns,
    path("auth/", include(accounts_urls.urlpatterns)),
]
