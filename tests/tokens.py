"""Refresh tokens presented again after the reuse interval, without waiting it out."""

from datetime import timedelta

from django.db.models import F
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from interview_coordinator.conf import app_settings


def after_the_reuse_interval():
    """Date every blacklisting back past ``REFRESH_REUSE_INTERVAL_SECONDS``.

    A token presented again then counts as a stolen copy's, as it would some seconds later.
    """
    gone = timedelta(seconds=app_settings.REFRESH_REUSE_INTERVAL_SECONDS + 1)
    BlacklistedToken.objects.update(blacklisted_at=F("blacklisted_at") - gone)
