from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before the API: its include answers every other path under api/ with a JSON 404.
    path("api/", include("interview_coordinator.schema_urls")),
    path("api/", include("interview_coordinator.urls")),
]
