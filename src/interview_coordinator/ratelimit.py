"""Rate limits of the auth endpoints and the test email, counted by django-ratelimit.

``django_ratelimit.core`` counts, in the cache ``RATELIMIT_USE_CACHE`` and
under its switch ``RATELIMIT_ENABLE``; the package gives it its own keys
(a client's address or network, an account) and its rates from
``INTERVIEW_COORDINATOR``. django-ratelimit lets a cache's connection error
out as an exception: here it is logged and, unless the package's
``RATELIMIT_FAIL_OPEN``, answered with a 503 and ``Retry-After``, never a 500.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from rest_framework import status
from rest_framework.exceptions import APIException, ErrorDetail, Throttled
from rest_framework.throttling import BaseThrottle

from interview_coordinator.conf import app_settings
from interview_coordinator.security import client_ip, log_event

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PERIOD_NAMES = {1: _("second"), 60: _("minute"), 3600: _("hour"), 86400: _("day")}
# IPv6 prefix through which NAT64 gateways carry IPv4 clients (RFC 6052).
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_rate(text: str) -> tuple[int, int]:
    """A django-ratelimit rate such as ``"5/m"`` as (limit, seconds); ValueError if malformed."""
    match = RATE_RE.match(str(text))
    if match is None:
        raise ValueError(f"Invalid rate {text!r}: expected e.g. '5/m' or '10/5m'.")
    count, multiplier, unit = match.groups()
    period = PERIOD_SECONDS[unit] * int(multiplier or 1)
    if period <= 0 or int(count) <= 0:
        raise ValueError(f"Invalid rate {text!r}: count and period must be positive.")
    return int(count), period


class RateLimitUnavailable(APIException):
    """The counters cannot be read and the host chose to fail closed."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _(
        "This request is temporarily unavailable because its rate limiter cannot be "
        "reached. Please retry shortly."
    )
    default_code = "ratelimit_unavailable"
    # DRF's handler turns ``wait`` into Retry-After, as for the database's 503.
    wait = 5


def check(request: Request, scope: str, value: str, rate_text: str, *, count: bool = True) -> int:
    """Count (or, with ``count=False``, only read) one request; the seconds to wait, 0 if allowed.

    A cache outage is logged as a security event; the request is then let
    through (``RATELIMIT_FAIL_OPEN``) or refused with 503.
    """
    limit, period = parse_rate(rate_text)
    try:
        usage = get_usage(
            request,
            group=f"interview_coordinator:{scope}",
            key=lambda group, request: value,
            rate=(limit, period),
            increment=count,
        )
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
    # None: RATELIMIT_ENABLE is off; limit 0: django-ratelimit lost a key it had just added.
    if usage is None or not usage["limit"]:
        return 0
    over = usage["count"] > limit if count else usage["count"] >= limit
    return max(1, int(usage["time_left"])) if over else 0


def throttled(request: Request, scope: str, wait: int, rate_text: str, what: str) -> Throttled:
    """The 429 of a limited request, logged as a security event."""
    log_event("rate_limited", request, level=logging.WARNING, scope=scope, retry_after=wait)
    limit, period = parse_rate(rate_text)
    name = PERIOD_NAMES.get(period)
    rate = f"{limit} per {name}" if name else f"{limit} per {period} seconds"
    detail = ngettext(
        "Too many requests %(what)s (at most %(rate)s). Try again in %(wait)d second.",
        "Too many requests %(what)s (at most %(rate)s). Try again in %(wait)d seconds.",
        wait,
    ) % {"what": what, "rate": rate, "wait": wait}
    exc = Throttled(wait=wait)
    exc.detail = ErrorDetail(detail, code="throttled")
    return exc


def enforce(
    request: Request, scope: str, value: str, rate_text: str, what: str, *, count: bool = True
) -> None:
    """Raise the 429 when ``value`` is over ``rate_text`` in ``scope``."""
    wait = check(request, scope, value, rate_text, count=count)
    if wait:
        raise throttled(request, scope, wait, rate_text, what)


class ClientRateThrottle(BaseThrottle):
    """``AUTH_RATE`` per client address, counted separately for each endpoint.

    The endpoint is the view's ``ratelimit_scope``; methods listed in its
    ``ratelimit_exempt_methods`` (the safe ones) are not counted.
    """

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in getattr(view, "ratelimit_exempt_methods", ()):
            return True
        scope = str(getattr(view, "ratelimit_scope", view.__class__.__name__))
        what = str(_("from your address"))
        enforce(request, scope, client_key(request), str(app_settings.AUTH_RATE), what)
        return True


def client_key(request: Request) -> str:
    """The client as the limits count it.

    An IPv6 client counts by its whole /64, since one subscriber is usually
    given a /64. An IPv4 client seen through a dual-stack socket
    (``::ffff:a.b.c.d``) or a NAT64 gateway counts as the IPv4 address it
    carries: grouped by /64, every IPv4 client would share one budget.
    """
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv4Address):
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip in NAT64:
        return str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))
