"""URLs of the dashboard benchmark: the package, the original's way, and a bare view.

- ``bench/original-dashboard/``: the dashboard computed the way the service
  this package descends from did, one ``COUNT`` per stage and per status and
  a count plus a list query for each list, with the package's authentication.
- ``bench/bare/<name>/``: the floor: a plain Django function view that
  authenticates the JWT (simplejwt, one user lookup) and answers bytes the
  driver recorded from the package's own endpoint (``BENCH_BODIES``, a JSON
  file of ``{"<name> <user id>": body}``), with no DRF around it.
"""

import datetime as dt
import json
import os

from config.urls import urlpatterns as example_urlpatterns
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from interview_coordinator.models import ApplicationStatus, Interview, InterviewStage
from interview_coordinator.views.base import PackageViewMixin


class ListedInterviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Interview
        fields = [
            "id",
            "company_name",
            "position",
            "interview_date",
            "interview_type",
            "location",
            "interview_stage",
            "application_date",
        ]


class OriginalDashboard(PackageViewMixin, APIView):
    """The original's dashboard: a query per number, each list counted then read."""

    def get(self, request, *args, **kwargs):
        now = timezone.now()
        own = Interview.objects.filter(user=request.user)
        upcoming = own.filter(
            status="scheduled", interview_date__gte=now, interview_date__lte=now + dt.timedelta(7)
        ).order_by("interview_date")
        awaiting = own.filter(
            application_status="in_progress",
            interview_stage__in=["applied", "screening"],
            interview_date__isnull=True,
        ).order_by("application_date")
        review = own.filter(status="scheduled", interview_date__lt=now).order_by("-interview_date")
        total = own.count()
        offers = own.filter(application_status__in=["offer", "accepted"]).count()
        resolved = own.filter(
            application_status__in=["offer", "accepted", "rejected", "declined"]
        ).count()
        return Response(
            {
                "total": total,
                "active": own.filter(application_status="in_progress").count(),
                "offers": offers,
                "success_rate": round(100 * offers / resolved, 1) if resolved else 0.0,
                "upcoming_count": upcoming.count(),
                "upcoming_interviews": ListedInterviewSerializer(upcoming[:5], many=True).data,
                "awaiting_count": awaiting.count(),
                "awaiting_response": ListedInterviewSerializer(awaiting[:5], many=True).data,
                "needs_review_count": review.count(),
                "needs_review": ListedInterviewSerializer(review[:5], many=True).data,
                "by_interview_stage": {
                    stage: own.filter(interview_stage=stage).count()
                    for stage in InterviewStage.values
                },
                "by_application_status": {
                    status: own.filter(application_status=status).count()
                    for status in ApplicationStatus.values
                },
            }
        )


_bodies = {}
_jwt = JWTAuthentication()


def bare(request, name):
    """Authenticate the JWT, answer recorded bytes: what any authenticated read must pay."""
    authenticated = _jwt.authenticate(request)
    if authenticated is None:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    if not _bodies:
        with open(os.environ["BENCH_BODIES"], encoding="utf-8") as bodies:
            _bodies.update(json.load(bodies))
    body = _bodies[f"{name} {authenticated[0].pk}"]
    return HttpResponse(body.encode(), content_type="application/json")


urlpatterns = [
    path("bench/original-dashboard/", OriginalDashboard.as_view()),
    path("bench/bare/<str:name>/", bare),
    *example_urlpatterns,
]
