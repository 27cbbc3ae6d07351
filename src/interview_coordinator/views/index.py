"""The include's root, an index of the endpoints, and the JSON 404 of every other path under it.

A client (or a person with a browser) that opens the include's root finds
every endpoint from there. A path under the include that names nothing
answers a JSON 404 like the API's other errors, not the host's HTML page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import NoReverseMatch, Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from interview_coordinator.conf import app_settings
from interview_coordinator.views.base import PackageViewMixin

# What the index lists: key -> URL name. Names missing from the include the
# request came through (the auth endpoints, for a host that includes the
# core URLs alone) are left out.
ENDPOINTS = {
    "interviews": "interview-list",
    "rounds": "round-list",
    "dashboard-stats": "dashboard-stats",
    "profile": "profile",
    "test-email": "profile-test-email",
    "calendar": "profile-calendar",
    "export": "profile-export",
    "interviews-export-csv": "interview-export",
    "interviews-import": "interview-import",
    "registration": "rest_register",
    "login": "rest_login",
    "logout": "rest_logout",
    "user": "rest_user_details",
    "token-refresh": "token_refresh",
    "password-change": "rest_password_change",
    "password-reset": "rest_password_reset",
    "password-reset-confirm": "rest_password_reset_confirm",
}

# The schema pages live in an include of their own (``schema_urls``), listed
# when the host mounts it.
SCHEMA_PAGES = {
    "schema": "interview_coordinator_schema:schema",
    "docs": "interview_coordinator_schema:swagger-ui",
    "redoc": "interview_coordinator_schema:redoc",
}


@extend_schema(
    responses=OpenApiResponse(OpenApiTypes.OBJECT, description="Endpoint names and their URLs."),
    tags=["index"],
)
class ApiIndexView(PackageViewMixin, APIView):
    """The endpoints of the API, by name, as absolute URLs; open to anyone."""

    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        match = request.resolver_match
        namespace = f"{match.namespace}:" if match and match.namespace else ""
        names = {key: namespace + name for key, name in ENDPOINTS.items()}
        index = {}
        for key, name in {**names, **SCHEMA_PAGES}.items():
            try:
                index[key] = reverse(name, request=request)
            except NoReverseMatch:
                continue
        return Response(index)


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Answer a path under the include that names nothing, whatever the method.

    Exempt from CSRF checks: it reads and changes nothing, and a write to an
    unknown path must get this JSON 404, not the host's HTML CSRF page.

    Being matched, such a path no longer gets the redirect that Django's
    ``CommonMiddleware`` gives a URL missing its trailing slash, so a read
    is redirected here when the path with a slash names an endpoint. A
    write is not: a redirect would lose its body (and most clients turn it
    into a GET), so it answers a 404 naming the URL with the slash.
    """
    with_slash = endpoint_with_slash(request)
    if with_slash is None:
        return json_error(_("Not found."), 404)
    if request.method in SAFE_METHODS:
        return HttpResponsePermanentRedirect(with_slash)
    detail = _("Not found. Did you mean %(url)s, with a trailing slash?") % {"url": with_slash}
    return json_error(detail, 404)


def json_error(detail: str, status: int) -> HttpResponse:
    """An error written by the renderer the API views answer with, so its bytes are theirs.

    Django's ``JsonResponse`` spaces its JSON differently from DRF's renderer;
    a client comparing or caching bodies would see two formats for one error.
    """
    renderer = app_settings.RENDERER_CLASSES[0]()
    body = renderer.render({"detail": detail})
    return HttpResponse(body, status=status, content_type=renderer.media_type)


def endpoint_with_slash(request: HttpRequest) -> str | None:
    """The URL with a trailing slash, when the path lacks one and that names an endpoint."""
    if not settings.APPEND_SLASH or request.path_info.endswith("/"):
        return None
    try:
        match = resolve(request.path_info + "/", getattr(request, "urlconf", None))
    except Resolver404:
        return None
    if match.func is not_found:
        return None
    return request.get_full_path(force_append_slash=True)
