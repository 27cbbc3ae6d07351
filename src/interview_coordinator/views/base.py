"""What every view of the package shares, configured from ``conf.py``.

The package never changes the host's ``REST_FRAMEWORK`` setting: its views
pick their authentication, permissions, parsers and error handling here, read
on each request so that ``override_settings`` applies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import BaseParser, FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.schemas.inspectors import ViewInspector

from interview_coordinator.conf import app_settings
from interview_coordinator.exceptions import exception_handler
from interview_coordinator.schema import PackageAutoSchema


class PackageViewMixin:
    """Mixed into every API view of the package."""

    schema: ViewInspector | None = PackageAutoSchema()
    renderer_classes: Sequence[type[BaseRenderer]] = [JSONRenderer, BrowsableAPIRenderer]
    parser_classes: Sequence[type[BaseParser]] = [JSONParser, FormParser, MultiPartParser]

    def get_authenticators(self) -> list[BaseAuthentication]:
        return [cls() for cls in app_settings.AUTHENTICATION_CLASSES]

    def get_permissions(self) -> list[BasePermission]:
        return [cls() for cls in app_settings.PERMISSION_CLASSES]

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return exception_handler
