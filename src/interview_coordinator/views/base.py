"""What every view of the package shares, configured from ``conf.py``.

The package never changes the host's ``REST_FRAMEWORK`` setting: its views
pick their authentication, permissions, renderers, parsers and error handling here, read
on each request so that ``override_settings`` applies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponseBase
from rest_framework.authentication import BaseAuthentication
from rest_framework.metadata import SimpleMetadata
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.inspectors import ViewInspector

from interview_coordinator.authentication import JWTAuthentication
from interview_coordinator.conf import app_settings
from interview_coordinator.exceptions import exception_handler
from interview_coordinator.history import recorded_as
from interview_coordinator.models import EventSource
from interview_coordinator.parsers import SafeJSONParser, check_body_size, check_content_type
from interview_coordinator.renderers import JSONWhenUnacceptable
from interview_coordinator.schema import PackageAutoSchema

# The mixin is used before an APIView in every view's bases; type it as one.
if TYPE_CHECKING:
    from rest_framework.views import APIView

    MixinBase = APIView
else:
    MixinBase = object


class PackageMetadata(SimpleMetadata):
    """DRF's OPTIONS answer, naming the renderers and parsers the view really uses.

    ``SimpleMetadata`` lists the view's ``renderer_classes``, which are the
    host's defaults (the browsable API's ``text/html`` among them), not what
    ``get_renderers`` picks: OPTIONS would advertise HTML the view never answers.
    """

    def determine_metadata(self, request: Request, view: APIView) -> dict[str, Any]:
        metadata: dict[str, Any] = super().determine_metadata(request, view)
        metadata["renders"] = [renderer.media_type for renderer in view.get_renderers()]
        metadata["parses"] = [parser.media_type for parser in view.get_parsers()]
        return metadata


class PackageViewMixin(MixinBase):
    """Mixed into every API view of the package.

    Every view refuses hostile bodies the same way: larger than the host's
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413, before the body is read) or nested
    too deeply to parse (400); a body without a ``Content-Type`` is a 415.
    """

    schema: ViewInspector | None = PackageAutoSchema()
    # Renderers of the files a view serves, after the package's RENDERER_CLASSES.
    file_renderer_classes: Sequence[type[BaseRenderer]] = ()
    content_negotiation_class = JSONWhenUnacceptable
    metadata_class = PackageMetadata
    parser_classes: Sequence[type[BaseParser]] = [SafeJSONParser, FormParser, MultiPartParser]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Changes made by the request are recorded on the timelines as made through the API."""
        with recorded_as(str(EventSource.API)):
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # After authentication and rate limits: an anonymous or throttled
        # client learns nothing about size limits.
        super().initial(request, *args, **kwargs)
        check_body_size(request._request)
        check_content_type(request._request)

    # One-to-one rows of the user that the view reads, joined to the user's
    # lookup by the package's JWT authentication (see ``authentication``).
    user_related: tuple[str, ...] = ()

    def get_authenticators(self) -> list[BaseAuthentication]:
        authenticators: list[BaseAuthentication] = [
            cls() for cls in app_settings.AUTHENTICATION_CLASSES
        ]
        for authenticator in authenticators:
            if isinstance(authenticator, JWTAuthentication):
                authenticator.related = self.user_related
        return authenticators

    def get_permissions(self) -> list[BasePermission]:
        return [cls() for cls in app_settings.PERMISSION_CLASSES]

    def get_renderers(self) -> list[BaseRenderer]:
        # Not the host's DEFAULT_RENDERER_CLASSES: its browsable API would
        # answer a browser's errors as HTML pages.
        classes = [*app_settings.RENDERER_CLASSES, *self.file_renderer_classes]
        return [cls() for cls in classes]

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return exception_handler
