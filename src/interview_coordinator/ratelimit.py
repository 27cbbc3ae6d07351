"""Rate limits of the auth endpoints and the test email, counted in a shared cache.

Rates use django-ratelimit's syntax (``"5/m"``, ``"100/h"``, ``"10/5m"``).
The counting is done here rather than through ``django_ratelimit.core``
because that reads its cache alias, its on/off switch and its fail-open
policy from the host's global ``RATELIMIT_*`` settings, which the package
must neither require nor change, and lets a refused cache connection out as
a 500.

Each counter opens its window at the first request and expires with it, so
"5/m" means: after the first request, at most five within the next minute;
the budget comes back when that window closes, however often the client
tried meanwhile.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import logging
import math
import re
import time
from typing import TYPE_CHECKING

from django.core.cache import caches
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import status
from rest_framework.exceptions import APIException, ErrorDetail, Throttled
from rest_framework.throttling import BaseThrottle

from interview_coordinator.conf import app_settings
from interview_coordinator.security import client_ip, log_event

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

KEY_PREFIX = "interview_coordinator:rl"
RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PERIOD_NAMES = {1: _("second"), 60: _("minute"), 3600: _("hour"), 86400: _("day")}


@dataclasses.dataclass(frozen=True)
class Rate:
    limit: int
    period: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """Read a django-ratelimit rate such as ``"5/m"``; ValueError if malformed."""
        match = RATE_RE.match(str(text))
        if match is None:
            raise ValueError(f"Invalid rate {text!r}: expected e.g. '5/m' or '10/5m'.")
        count, multiplier, unit = match.groups()
        period = PERIOD_SECONDS[unit] * int(multiplier or 1)
        if period <= 0 or int(count) <= 0:
            raise ValueError(f"Invalid rate {text!r}: count and period must be positive.")
        return cls(limit=int(count), period=period)

    def describe(self) -> str:
        name = PERIOD_NAMES.get(self.period)
        if name is not None:
            return f"{self.limit} per {name}"
        return f"{self.limit} per {self.period} seconds"


class RateLimitUnavailable(APIException):
    """The counters cannot be read and the host chose to fail closed."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _(
        "This request is temporarily unavailable because its rate limiter cannot be "
        "reached. Please retry shortly."
    )
    default_code = "ratelimit_unavailable"


def count_request(scope: str, value: str, rate: Rate) -> int:
    """Count one request of ``value`` in ``scope``; the seconds to wait, 0 when allowed.

    Raises the cache backend's own exception when the cache is unreachable.
    """
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    key = f"{KEY_PREFIX}:{scope}:{rate.limit}/{rate.period}:{digest}"
    reset_key = f"{key}:reset"
    cache = caches[app_settings.RATELIMIT_CACHE]
    now = time.time()
    if cache.add(key, 1, rate.period):
        cache.set(reset_key, now + rate.period, rate.period)
        return 0
    try:
        count = cache.incr(key)
    except ValueError:
        # The window closed between add() and incr(): open a new one.
        cache.set(key, 1, rate.period)
        cache.set(reset_key, now + rate.period, rate.period)
        return 0
    if count == 1:
        # incr() recreated a key that expired under it, without a timeout:
        # give it one, or the client would stay blocked forever.
        cache.touch(key, rate.period)
        cache.set(reset_key, now + rate.period, rate.period)
    if count <= rate.limit:
        return 0
    reset_at = cache.get(reset_key)
    if not isinstance(reset_at, int | float):
        return rate.period
    return max(1, math.ceil(reset_at - now))


def check(request: Request, scope: str, value: str, rate_text: str) -> int:
    """Count a request and return the seconds to wait, applying the fail policy.

    A cache outage is logged as a security event; the request is then let
    through (``RATELIMIT_FAIL_OPEN``) or refused with 503.
    """
    rate = Rate.parse(rate_text)
    try:
        return count_request(scope, value, rate)
    except Exception as exc:  # each cache backend raises its own connection errors
        fail_open = bool(app_settings.RATELIMIT_FAIL_OPEN)
        log_event(
            "ratelimit_unavailable",
            request,
            level=logging.ERROR,
            scope=scope,
            error=exc.__class__.__name__,
            fail_open=fail_open,
        )
        if fail_open:
            return 0
        raise RateLimitUnavailable() from exc


def throttled(request: Request, scope: str, wait: int, rate_text: str, what: str) -> Throttled:
    """The 429 of a limited request, logged as a security event."""
    log_event("rate_limited", request, level=logging.WARNING, scope=scope, retry_after=wait)
    rate = Rate.parse(rate_text).describe()
    detail = ngettext(
        "Too many requests %(what)s (at most %(rate)s). Try again in %(wait)d second.",
        "Too many requests %(what)s (at most %(rate)s). Try again in %(wait)d seconds.",
        wait,
    ) % {"what": what, "rate": rate, "wait": wait}
    exc = Throttled(wait=wait)
    exc.detail = ErrorDetail(detail, code="throttled")
    return exc


class ClientRateThrottle(BaseThrottle):
    """``AUTH_RATE`` per client address, counted separately for each endpoint.

    The endpoint is the view's ``ratelimit_scope``; methods listed in its
    ``ratelimit_exempt_methods`` (the safe ones) are not counted. Over the
    limit it raises the 429 itself, with the rate in the message.
    """

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in getattr(view, "ratelimit_exempt_methods", ()):
            return True
        scope = str(getattr(view, "ratelimit_scope", view.__class__.__name__))
        rate_text = str(app_settings.AUTH_RATE)
        wait = check(request, scope, client_key(request), rate_text)
        if wait:
            raise throttled(request, scope, wait, rate_text, str(_("from your address")))
        return True


def client_key(request: Request) -> str:
    """The client as the limits count it: an IPv6 client by its whole /64 network.

    One subscriber is usually given a /64, so counting single IPv6 addresses
    would hand them 2**64 fresh budgets.
    """
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return address


def check_account(request: Request, account: str, scope: str = "login-account") -> None:
    """Count an attempt on one target account; raise 429 over ``LOGIN_ACCOUNT_RATE``.

    ``account`` identifies the target account however it was named (its
    primary key when it exists), so that a botnet spreading attempts over
    many addresses (guessing a password, flooding an inbox with reset emails)
    still meets one budget per account.
    """
    rate_text = str(app_settings.LOGIN_ACCOUNT_RATE)
    wait = check(request, scope, account, rate_text)
    if wait:
        raise throttled(request, scope, wait, rate_text, str(_("for this account")))
