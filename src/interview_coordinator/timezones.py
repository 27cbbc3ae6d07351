"""The user's timezone: one reader and one rule for every part of the package.

Datetimes the API prints, datetimes sent without an offset (bodies and
filters), "today" (``days_in_pipeline``, a new application's date, the
dashboard) and reminder send times all follow the timezone of the user's
profile, read here. A stored name the zone database does not know (written
by other means than the API, or dropped by a tzdata update) reads as the
site's ``TIME_ZONE`` everywhere alike: a stale profile never fails a request,
and never makes two parts of the package disagree.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Subquery

from interview_coordinator.models import Profile, is_joined, joined_row, known_timezones

# Attribute caching the user's timezone on the request: the fields, filters
# and renderings of one request share a single lookup.
REQUEST_ATTRIBUTE = "_interview_coordinator_timezone"

# The annotation that carries the owner's timezone name with an interview or
# round row, so that reading a row also reads the zone it is shown in.
OWNER_TIMEZONE = "owner_timezone"


def site_timezone() -> ZoneInfo:
    """The site's ``TIME_ZONE``; UTC if even that is not a known zone."""
    name = str(settings.TIME_ZONE or "UTC")
    return ZoneInfo(name if name in known_timezones() else "UTC")


def zone_named(name: str | None) -> ZoneInfo:
    """The zone of a stored profile name; an unknown or missing one is the site's."""
    if name and name in known_timezones():
        return ZoneInfo(name)
    return site_timezone()


def timezone_name_of(user_id: Any) -> Subquery:
    """The profile's timezone name as an SQL expression, for a query that reads it along."""
    return Subquery(Profile.objects.filter(user_id=user_id).values("timezone")[:1])


def user_timezone(user: Any) -> ZoneInfo:
    """The zone of ``user`` (a user or its pk), without creating the profile.

    One query, or none when the profile was read with the user (see ``authentication``).
    """
    if is_joined(user, Profile):
        profile = joined_row(user, Profile)
        return zone_named(profile.timezone if profile is not None else None)
    user_id = getattr(user, "pk", user)
    name = Profile.objects.filter(user_id=user_id).values_list("timezone", flat=True).first()
    return zone_named(name)


def request_timezone(request: Any) -> ZoneInfo:
    """The requesting user's zone, looked up once per request (the site's when anonymous)."""
    cached = getattr(request, REQUEST_ATTRIBUTE, None)
    if isinstance(cached, ZoneInfo):
        return cached
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return site_timezone()
    return remember_timezone(request, user_timezone(user))


def remember_timezone(request: Any, zone: ZoneInfo) -> ZoneInfo:
    """Cache ``zone`` as the request's, when a query already read it along with a row."""
    setattr(request, REQUEST_ATTRIBUTE, zone)
    return zone
