"""The OpenAPI schema and its documentation pages, one include away for a host.

``path("api/", include("interview_coordinator.schema_urls"))``, listed before
the API's own include, serves ``api/schema/`` (the OpenAPI document),
``api/docs/`` (Swagger UI) and ``api/redoc/`` (ReDoc). They are
drf-spectacular's views: the host's ``SPECTACULAR_SETTINGS`` apply, and the
schema documents every view of the site, the package's at the paths where
the host mounted them. ``drf_spectacular`` must be in ``INSTALLED_APPS`` for
the pages' templates.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

app_name = "interview_coordinator_schema"

SCHEMA_URL_NAME = f"{app_name}:schema"


# The pages are left out of the schema they serve. drf-spectacular excludes
# them with a decorator built on the host's DEFAULT_SCHEMA_CLASS, which breaks
# generation on a host that never set it; no schema at all excludes them anywhere.
# They answer GET only: the HTML pages cannot render OPTIONS metadata.
class SchemaView(SpectacularAPIView):
    schema = None
    http_method_names = ["get", "head"]


class SwaggerView(SpectacularSwaggerView):
    schema = None
    http_method_names = ["get", "head"]


class RedocView(SpectacularRedocView):
    schema = None
    http_method_names = ["get", "head"]
    # Without the web fonts of drf-spectacular's page: nothing loads from elsewhere.
    template_name = "interview_coordinator/redoc.html"


urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name=SCHEMA_URL_NAME), name="swagger-ui"),
    path("redoc/", RedocView.as_view(url_name=SCHEMA_URL_NAME), name="redoc"),
]
