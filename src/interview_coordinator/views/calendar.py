"""The calendar feed (token in the URL, no JWT) and the profile page that issues its token."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interview_coordinator.calendar import (
    feed_calendar,
    feed_etag,
    feed_last_modified,
    feed_with_changes,
    feed_zone,
    issue_token,
    token_digest,
    user_moments,
)
from interview_coordinator.conf import app_settings
from interview_coordinator.models import CalendarFeed
from interview_coordinator.ratelimit import enforce
from interview_coordinator.renderers import ICalendarRenderer
from interview_coordinator.serializers.calendar import CalendarFeedSerializer
from interview_coordinator.views.base import PackageViewMixin

FEED_SCOPE = "calendar-feed"
CONTENT_TYPE = "text/calendar; charset=utf-8"


@extend_schema(
    auth=[],
    responses={
        (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="RFC 5545 feed"),
        304: OpenApiResponse(description="Unchanged since If-None-Match / If-Modified-Since"),
    },
    tags=["calendar"],
)
class CalendarFeedView(PackageViewMixin, APIView):
    """The user's interview moments as a subscribable iCalendar feed.

    Calendar clients cannot send a JWT: the random token in the URL is the
    credential, looked up by its hash. An unknown or rotated token answers 404.
    Polling is cheap: three queries whatever the number of events, and a 304
    when the client's ``ETag`` or date is current.
    """

    file_renderer_classes: Sequence[type[BaseRenderer]] = [ICalendarRenderer]

    def get_authenticators(self) -> list[BaseAuthentication]:
        return []

    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()]

    def get(self, request: Request, token: str) -> HttpResponseBase:
        digest = token_digest(token)
        rate = str(app_settings.CALENDAR_FEED_RATE)
        enforce(request, FEED_SCOPE, digest, rate, _("for this calendar feed"))
        now = timezone.now()
        feed = feed_with_changes(digest, now)
        if feed is None:
            raise NotFound()
        moments = user_moments(feed.user_id, now)
        zone = feed_zone(feed)
        etag = feed_etag(moments, zone)
        last_modified = int(feed_last_modified(feed, moments).timestamp())
        response = get_conditional_response(
            request._request, etag=etag, last_modified=last_modified
        )
        if response is None:
            response = HttpResponse(feed_calendar(moments, zone), content_type=CONTENT_TYPE)
            response["Content-Disposition"] = 'inline; filename="interviews.ics"'
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        # The URL is a credential: shared caches must neither keep nor serve it.
        patch_cache_control(response, private=True, no_cache=True)
        return response


# On the class, scoped by method: a method-level extend_schema would build on
# the host's DEFAULT_SCHEMA_CLASS instead of the package's own AutoSchema.
@extend_schema(tags=["calendar"])
@extend_schema(methods=["GET"], responses=CalendarFeedSerializer)
@extend_schema(methods=["POST"], request=None, responses={201: CalendarFeedSerializer})
@extend_schema(methods=["DELETE"], request=None, responses={204: None})
class CalendarSettingsView(PackageViewMixin, APIView):
    """Whether the feed is on; POST issues a new URL (shown once), DELETE turns it off.

    Only the token's hash is stored, so the URL can be shown only when issued;
    a lost URL is replaced by issuing a new one, which retires the old one.
    """

    def get(self, request: Request) -> Response:
        feed = CalendarFeed.objects.filter(user_id=request.user.pk).first()
        return Response(self.describe(feed, None))

    def post(self, request: Request) -> Response:
        token, feed = issue_token(request.user.pk)
        return Response(self.describe(feed, token), status=status.HTTP_201_CREATED)

    def delete(self, request: Request) -> Response:
        CalendarFeed.objects.filter(user_id=request.user.pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def describe(self, feed: CalendarFeed | None, token: str | None) -> dict[str, Any]:
        url = None
        if token is not None:
            match = self.request.resolver_match
            namespace = match.namespace if match is not None else "interview_coordinator"
            path = reverse(f"{namespace}:calendar-feed", args=[token])
            url = self.request.build_absolute_uri(path)
        return CalendarFeedSerializer(
            {
                "enabled": feed is not None,
                "url": url,
                "issued_at": feed.created_at if feed is not None else None,
            },
            context={"request": self.request},
        ).data
