"""The client address and the security event log shared by the core and accounts apps.

Events go to the ``interview_coordinator.security`` logger with structured
``extra`` fields (``event``, ``user_id``, ``client_ip``, ``user_agent``), so a
host can route them to its SIEM without parsing messages. Passwords and
tokens are never logged.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from django.http import HttpRequest

from interview_coordinator.conf import app_settings

logger = logging.getLogger("interview_coordinator.security")

# User agents are attacker-controlled: keep log lines bounded.
USER_AGENT_MAX_LENGTH = 256


def client_ip(request: HttpRequest) -> str:
    """The address of the client, as far as the host's proxies can be trusted.

    With no trusted proxies this is ``REMOTE_ADDR``: a client can put anything
    in ``X-Forwarded-For``, so reading it would let every request claim a fresh
    address and a fresh rate-limit budget. With N trusted proxies, each of
    them appended the address it saw, so the client is the N-th entry counted
    from the right; entries further left were written by the client. An entry
    there that is no address (``unknown``, empty) names no client: ``REMOTE_ADDR``.
    """
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    proxies = int(app_settings.TRUSTED_PROXY_COUNT)
    if proxies <= 0:
        return remote
    header = str(request.META.get("HTTP_X_FORWARDED_FOR", "") or "")
    hops = [hop.strip() for hop in header.split(",")]
    if len(hops) < proxies:
        return remote
    hop = without_port(hops[-proxies])
    try:
        ipaddress.ip_address(hop)
    except ValueError:
        return remote
    return hop


def without_port(hop: str) -> str:
    """The address of a forwarded entry without the port some proxies append.

    ``a.b.c.d:port`` and ``[addr]:port``: left in, every port would count as
    a client of its own, with a fresh rate-limit budget. A bare IPv6 address
    keeps its colons.
    """
    if hop.startswith("["):
        return hop[1:].split("]", 1)[0]
    host, colon, _port = hop.rpartition(":")
    return host if colon and "." in host and ":" not in host else hop


def log_event(
    event: str,
    request: HttpRequest | None,
    *,
    user_id: Any = None,
    level: int = logging.INFO,
    **details: Any,
) -> None:
    """Record one security event with the request's client address and user agent."""
    if user_id is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            user_id = user.pk
    extra = {
        "event": event,
        "user_id": user_id,
        "client_ip": client_ip(request) if request is not None else None,
        "user_agent": (
            str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX_LENGTH]
            if request is not None
            else None
        ),
        **details,
    }
    logger.log(level, "security event %s (user %s)", event, user_id, extra=extra)
