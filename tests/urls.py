"""URLs of the test suite: the package included exactly as a host would."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("interview_coordinator.schema_urls")),
    path("api/", include("interview_coordinator.urls")),
]
