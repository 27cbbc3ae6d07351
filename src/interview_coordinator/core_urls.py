"""URLs of the core API (interviews, rounds, dashboard, profile), without auth.

Hosts that keep their own login include this module alone; most include
``interview_coordinator.urls``, which adds the auth endpoints. Either way the
include's root answers an index of the endpoints, and every other path under
it that names nothing answers a JSON 404, so mount other views that share
its prefix before it.
"""

from __future__ import annotations

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from interview_coordinator.views.calendar import CalendarFeedView, CalendarSettingsView
from interview_coordinator.views.dashboard import DashboardStatsView
from interview_coordinator.views.index import ApiIndexView, not_found
from interview_coordinator.views.interviews import InterviewRoundViewSet, InterviewViewSet
from interview_coordinator.views.portability import (
    InterviewExportView,
    InterviewImportView,
    ProfileExportView,
)
from interview_coordinator.views.profile import ProfileView, TestEmailView

app_name = "interview_coordinator"

router = SimpleRouter()
# Rounds first, for readers: ids are digits only, so "rounds" is never read as one.
router.register("interviews/rounds", InterviewRoundViewSet, basename="round")
router.register("interviews", InterviewViewSet, basename="interview")

index = path("", ApiIndexView.as_view(), name="api-root")

endpoints = [
    path("interviews/dashboard-stats/", DashboardStatsView.as_view(), name="dashboard-stats"),
    path("profile/", ProfileView.as_view(), name="profile"),
    path("profile/test-email/", TestEmailView.as_view(), name="profile-test-email"),
    path("interviews/export.csv", InterviewExportView.as_view(), name="interview-export"),
    path("interviews/import/", InterviewImportView.as_view(), name="interview-import"),
    path("profile/export/", ProfileExportView.as_view(), name="profile-export"),
    path("profile/calendar/", CalendarSettingsView.as_view(), name="profile-calendar"),
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,128})\.ics$",
        CalendarFeedView.as_view(),
        name="calendar-feed",
    ),
    *router.urls,
]

# Last: whatever the patterns before it leave unmatched.
unmatched = re_path(r"^.*$", not_found)

urlpatterns = [index, *endpoints, unmatched]
