"""Profile settings and the test-email endpoint."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interview_coordinator.views.base import PackageViewMixin


class ProfileView(PackageViewMixin, APIView):
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotImplementedError


class TestEmailView(PackageViewMixin, APIView):
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotImplementedError
