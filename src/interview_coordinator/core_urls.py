"""URLs of the core API (interviews, rounds, dashboard, profile), without auth.

Hosts that keep their own login include this module alone; most include
``interview_coordinator.urls``, which adds the auth endpoints.
"""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from interview_coordinator.views.dashboard import DashboardStatsView
from interview_coordinator.views.interviews import InterviewRoundViewSet, InterviewViewSet
from interview_coordinator.views.profile import ProfileView, TestEmailView

app_name = "interview_coordinator"

router = SimpleRouter()
# Rounds first, for readers: ids are digits only, so "rounds" is never read as one.
router.register("interviews/rounds", InterviewRoundViewSet, basename="round")
router.register("interviews", InterviewViewSet, basename="interview")

urlpatterns = [
    path("interviews/dashboard-stats/", DashboardStatsView.as_view(), name="dashboard-stats"),
    path("profile/", ProfileView.as_view(), name="profile"),
    path("profile/test-email/", TestEmailView.as_view(), name="profile-test-email"),
    *router.urls,
]
