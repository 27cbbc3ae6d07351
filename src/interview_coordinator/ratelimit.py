"""Rate limits of the auth endpoints, the test email and the calendar feed, on django-ratelimit.

An unreachable cache is logged and, unless ``RATELIMIT_FAIL_OPEN``, answered 503, never 500.
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
    count = int(match[1]) if match else 0
    period = PERIOD_SECONDS[match[3]] * int(match[2] or 1) if match else 0
    if count <= 0 or period <= 0:
        raise ValueError(
            f"Invalid rate {text!r}: write a number of requests per period, such as '5/m' "
            "or '10/5m' (10 per 5 minutes); the number of requests and the number of periods "
            "must be whole numbers of at least 1."
        )
    return count, period


class RateLimitUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _(
        "This request is temporarily unavailable because its rate limiter cannot be "
        "reached. Please retry shortly."
    )
    default_code = "ratelimit_unavailable"
    wait = 5  # DRF's handler turns it into Retry-After


def enforce(
    request: Request, scope: str, value: str, rate: str, what: str, *, count: bool = True
) -> None:
    """Count (with ``count=False`` only read) a request of ``value``; a logged 429 over ``rate``."""
    limit, period = parse_rate(rate)
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
        details = {"scope": scope, "error": type(exc).__name__, "fail_open": fail_open}
        log_event("ratelimit_unavailable", request, level=logging.ERROR, **details)
        if not fail_open:
            raise RateLimitUnavailable() from exc
        return
    # None: RATELIMIT_ENABLE is off; limit 0: django-ratelimit lost a key it had just added.
    if usage is None or not usage["limit"] or usage["count"] < limit + count:
        return
    wait = max(1, int(usage["time_left"]))
    log_event("rate_limited", request, level=logging.WARNING, scope=scope, retry_after=wait)
    name = PERIOD_NAMES.get(period)
    detail = ngettext(
        "Too many requests %(what)s (at most %(rate)s). Try again in %(wait)d second.",
        "Too many requests %(what)s (at most %(rate)s). Try again in %(wait)d seconds.",
        wait,
    ) % {"what": what, "rate": f"{limit} per {name or f'{period} seconds'}", "wait": wait}
    refusal = Throttled(wait=wait)
    refusal.detail = ErrorDetail(detail, code="throttled")
    raise refusal


class ClientRateThrottle(BaseThrottle):
    """``AUTH_RATE`` per client and endpoint (its URL name); safe methods are not counted."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            name = getattr(request.resolver_match, "url_name", None) or type(view).__name__
            scope = name.removeprefix("rest_")
            rate, what = str(app_settings.AUTH_RATE), str(_("from your address"))
            enforce(request, scope, client_key(request), rate, what)
        return True


def client_key(request: Request) -> str:
    """The client as the limits count it: IPv6 by its /64 (one subscriber's), an IPv4 as itself.

    An IPv4 carried in IPv6 (dual-stack socket, NAT64) must not share one /64 with every other.
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
