"""The dashboard statistics endpoint: the job seeker's overview in at most four SQL queries."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interview_coordinator.dashboard import dashboard_stats
from interview_coordinator.serializers.dashboard import DashboardStatsSerializer
from interview_coordinator.timezones import request_timezone
from interview_coordinator.views.base import PackageViewMixin


# On the class rather than the method: a method-level extend_schema would build
# on the host's DEFAULT_SCHEMA_CLASS instead of the package's own AutoSchema.
@extend_schema(responses=DashboardStatsSerializer, tags=["interviews"])
class DashboardStatsView(PackageViewMixin, APIView):
    """Totals, rates, short lists and trends of the requesting user's job search."""

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Read once: the statistics' "today" and the printed datetimes share it.
        stats = dashboard_stats(request.user, zone=request_timezone(request))
        return Response(DashboardStatsSerializer(stats, context={"request": request}).data)
