"""URLs of the API benchmark: the package as the example project serves it, and the baseline.

The baseline is the list endpoint written the plain way, a DRF
``ModelSerializer`` over the same queryset with the same authentication and
the same output fields (computed ones included), so the comparison measures
only how rows become JSON.
"""

from config.urls import urlpatterns as example_urlpatterns
from django.db import connection
from django.urls import path
from django.utils import timezone
from rest_framework import generics, serializers

from interview_coordinator.models import Interview
from interview_coordinator.views.base import PackageViewMixin


class PlainInterviewSerializer(serializers.ModelSerializer):
    days_in_pipeline = serializers.SerializerMethodField()
    is_upcoming = serializers.SerializerMethodField()

    class Meta:
        model = Interview
        exclude = ["user"]

    def get_days_in_pipeline(self, interview):
        return max(0, (timezone.localdate() - interview.application_date).days)

    def get_is_upcoming(self, interview):
        return bool(
            interview.interview_date
            and interview.status == "scheduled"
            and interview.interview_date > timezone.now()
        )


class PlainInterviewList(PackageViewMixin, generics.ListAPIView):
    serializer_class = PlainInterviewSerializer

    def get_queryset(self):
        return Interview.objects.filter(user=self.request.user).order_by("-created_at", "-id")


class QueryCountMiddleware:
    """Report the number of SQL queries of the request in ``X-Bench-Queries``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(count)
        return response


urlpatterns = [
    path("bench/plain-interviews/", PlainInterviewList.as_view()),
    *example_urlpatterns,
]
