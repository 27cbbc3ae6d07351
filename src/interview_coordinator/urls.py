"""The whole API in one include: ``path("api/", include("interview_coordinator.urls"))``.

Names live in the ``interview_coordinator`` namespace, e.g.
``interview_coordinator:interview-list`` and ``interview_coordinator:rest_login``.
The include's root answers an index of the endpoints, and every other path
under it that names nothing answers a JSON 404.
"""

from __future__ import annotations

from django.urls import include, path

from interview_coordinator import core_urls
from interview_coordinator.accounts import urls as accounts_urls

app_name = "interview_coordinator"

urlpatterns = [
    core_urls.index,
    *core_urls.endpoints,
    path("auth/", include(accounts_urls.urlpatterns)),
    core_urls.unmatched,
]
