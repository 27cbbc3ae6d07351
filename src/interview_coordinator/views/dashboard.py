"""The dashboard statistics endpoint: the stored answer in one query while it holds."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interview_coordinator.authentication import DASHBOARD
from interview_coordinator.dashboard.snapshot import current_answer
from interview_coordinator.serializers.dashboard import DashboardStatsSerializer
from interview_coordinator.views.base import PackageViewMixin


# On the class rather than the method: a method-level extend_schema would build
# on the host's DEFAULT_SCHEMA_CLASS instead of the package's own AutoSchema.
@extend_schema(responses=DashboardStatsSerializer, tags=["interviews"])
class DashboardStatsView(PackageViewMixin, APIView):
    """Totals, rates, short lists and trends of the requesting user's job search."""

    # The stored answer comes with the user: serving it costs no query of its own.
    user_related = (DASHBOARD,)

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(current_answer(request.user))
