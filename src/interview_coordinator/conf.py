"""The package's settings, read from the host's ``INTERVIEW_COORDINATOR`` dict.

Values are read on every access (not cached at import time) so that
``override_settings`` in a host's tests reaches them, and nothing is ever
written back into ``django.conf.settings``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

SETTINGS_NAME = "INTERVIEW_COORDINATOR"

DEFAULTS: dict[str, Any] = {
    # Authentication and permission classes of the package's own API views.
    # The host's REST_FRAMEWORK setting is deliberately not consulted.
    "AUTHENTICATION_CLASSES": [
        # simplejwt's, with the user's profile read in the same query.
        "interview_coordinator.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Renderers of the package's views: JSON only, so that an error is never
    # an HTML page (DRF's browsable API answers one to Accept: text/html).
    # The CSV export and the calendar feed add their own file renderer.
    "RENDERER_CLASSES": ["interview_coordinator.renderers.PackageJSONRenderer"],
    # Lists answer a plain array unless ?limit= is given; then pages are
    # capped at this many rows.
    "PAGE_SIZE_MAX": 100,
    # Upper bound on a user's interviews, so that "all of them" stays bounded.
    "MAX_INTERVIEWS_PER_USER": 5000,
    # Upper bound on the rounds of one interview.
    "MAX_ROUNDS_PER_INTERVIEW": 50,
    # Rate limits (django-ratelimit syntax) of the auth endpoints.
    "AUTH_RATE": "5/m",
    "LOGIN_ACCOUNT_RATE": "5/m",
    # Password-reset emails per target address, from any client: low, so that
    # nobody can flood an inbox.
    "PASSWORD_RESET_RATE": "3/h",
    # What the auth endpoints do when that cache is unreachable: False refuses
    # them with 503 (an attacker who can knock the cache over gains nothing),
    # True lets them through unlimited.
    "RATELIMIT_FAIL_OPEN": False,
    # Password validators of registration, password change and reset, in
    # AUTH_PASSWORD_VALIDATORS form. None uses the host's AUTH_PASSWORD_VALIDATORS,
    # or, when that is empty, Django's four validators with a minimum of 8.
    "PASSWORD_VALIDATORS": None,
    # Front-end page linked from password-reset emails, formatted with {uid}
    # and {token}; None puts the two values in the email for the API.
    "PASSWORD_RESET_URL": None,
    # Number of reverse proxies in front of the site whose X-Forwarded-For
    # entries are trusted; 0 means REMOTE_ADDR is the client address.
    "TRUSTED_PROXY_COUNT": 0,
    # Blacklist the refresh token on logout (needs simplejwt's token_blacklist).
    "BLACKLIST_ON_LOGOUT": True,
    # A refresh token presented again this soon after its blacklisting is
    # refused without revoking its sign-in: two tabs refreshing at once are
    # not a stolen copy. 0 treats every such token as a copy.
    "REFRESH_REUSE_INTERVAL_SECONDS": 10,
    # Per-user limit of the test-email endpoint.
    "TEST_EMAIL_RATE": "3/h",
    # Reminders.
    "REMINDER_BATCH_SIZE": 200,
    # None: retry until the moment itself would pass; a number also gives up
    # after that many attempts.
    "REMINDER_MAX_ATTEMPTS": None,
    "REMINDER_RETRY_BACKOFF_SECONDS": 60,
    # The backoff doubles after each failure up to this, so that a long mail
    # outage is retried often enough to send the reminder soon after it ends.
    "REMINDER_RETRY_MAX_BACKOFF_SECONDS": 900,
    "REMINDER_FROM_EMAIL": None,
    "REMINDER_CLAIM_TIMEOUT_SECONDS": 600,
    # SMTP timeout of reminder and test emails when the host sets no EMAIL_TIMEOUT:
    # a send holds a worker, so it must not wait forever.
    "SMTP_TIMEOUT_SECONDS": 30.0,
    # Wait for the server's answer once the whole message was sent (RFC 5321
    # 4.5.3.2.6 recommends 10 minutes): the server may already have it, and a
    # lost answer means a retry that can duplicate it.
    "SMTP_DATA_TIMEOUT_SECONDS": 600.0,
    # Domain part of calendar UIDs and reminder Message-IDs; None takes the
    # domain of the sender address. Keep it once chosen: calendars match on it.
    "ID_DOMAIN": None,
    # Seconds to wait for the Celery broker before answering 503.
    "BROKER_TIMEOUT_SECONDS": 1.0,
    # The calendar feed holds moments from this many days ago onwards...
    "CALENDAR_PAST_DAYS": 90,
    # ...and cancelled ones for this many days after their cancellation.
    "CALENDAR_CANCELLED_DAYS": 30,
    # Requests per feed token (django-ratelimit syntax).
    "CALENDAR_FEED_RATE": "60/h",
    # CSV import: the largest file in bytes (413 above) and the most rows (400 above).
    "IMPORT_MAX_BYTES": 2_000_000,
    "IMPORT_MAX_ROWS": 1000,
}

# Settings holding dotted paths, resolved to objects on access.
IMPORT_STRINGS = frozenset({"AUTHENTICATION_CLASSES", "PERMISSION_CLASSES", "RENDERER_CLASSES"})

# Settings that existed once, each with what replaces it (the hint of check
# E005): naming one is an error rather than silently ignored.
REMOVED_SETTINGS: Mapping[str, str] = MappingProxyType(
    {
        "RATELIMIT_CACHE": "Name the rate-limit cache in django-ratelimit's top-level "
        "RATELIMIT_USE_CACHE setting instead (a CACHES alias, default 'default').",
    }
)


@dataclass(frozen=True)
class Kind:
    """What values one setting takes, so that a check refuses others at start-up.

    A wrongly typed value would otherwise pass every check and fail the first
    request that reads it, with a 500.
    """

    what: str
    types: tuple[type, ...]
    minimum: float | None = None
    positive: bool = False
    nullable: bool = False
    items: tuple[type, ...] = ()

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not of this kind, or None when it is."""
        if value is None and self.nullable:
            return None
        if not self.is_typed(value):
            return f"must be {self.what}, not {value!r} ({type(value).__name__})"
        if not self.is_in_range(value):
            return f"must be {self.what}, not {value!r}"
        return None

    def is_typed(self, value: Any) -> bool:
        # bool is an int to Python, but never a count here.
        if isinstance(value, bool) and bool not in self.types:
            return False
        if not isinstance(value, self.types):
            return False
        items: Any = value
        return all(isinstance(item, self.items) for item in items) if self.items else True

    def is_in_range(self, value: Any) -> bool:
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if self.minimum is not None and value < self.minimum:
            return False
        return not (self.positive and value <= 0)


def _whole(minimum: int, *, nullable: bool = False) -> Kind:
    what = f"a whole number of at least {minimum}" + (", or None" if nullable else "")
    return Kind(what, (int,), minimum=minimum, nullable=nullable)


_SECONDS = Kind("a number of seconds greater than 0", (int, float), positive=True)
_RATE = Kind("a rate such as '5/m' (str)", (str,))
_BOOL = Kind("True or False", (bool,))
_TEXT_OR_NONE = Kind("a str, or None", (str,), nullable=True)
_CLASSES = Kind("a list of dotted paths or classes", (list, tuple), items=(str, type))

# The kind of every setting, checked by interview_coordinator.E007.
KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        "AUTHENTICATION_CLASSES": _CLASSES,
        "PERMISSION_CLASSES": _CLASSES,
        "RENDERER_CLASSES": _CLASSES,
        "PAGE_SIZE_MAX": _whole(1),
        "MAX_INTERVIEWS_PER_USER": _whole(1),
        "MAX_ROUNDS_PER_INTERVIEW": _whole(1),
        "AUTH_RATE": _RATE,
        "LOGIN_ACCOUNT_RATE": _RATE,
        "PASSWORD_RESET_RATE": _RATE,
        "RATELIMIT_FAIL_OPEN": _BOOL,
        "PASSWORD_VALIDATORS": Kind(
            "a list of dicts (AUTH_PASSWORD_VALIDATORS form), or None",
            (list, tuple),
            nullable=True,
            items=(dict,),
        ),
        "PASSWORD_RESET_URL": _TEXT_OR_NONE,
        "TRUSTED_PROXY_COUNT": _whole(0),
        "BLACKLIST_ON_LOGOUT": _BOOL,
        "REFRESH_REUSE_INTERVAL_SECONDS": Kind("a number of seconds, 0 or more", (int, float), 0),
        "TEST_EMAIL_RATE": _RATE,
        "REMINDER_BATCH_SIZE": _whole(1),
        "REMINDER_MAX_ATTEMPTS": _whole(1, nullable=True),
        "REMINDER_RETRY_BACKOFF_SECONDS": _SECONDS,
        "REMINDER_RETRY_MAX_BACKOFF_SECONDS": _SECONDS,
        "REMINDER_FROM_EMAIL": _TEXT_OR_NONE,
        "REMINDER_CLAIM_TIMEOUT_SECONDS": _SECONDS,
        "SMTP_TIMEOUT_SECONDS": _SECONDS,
        "SMTP_DATA_TIMEOUT_SECONDS": _SECONDS,
        "ID_DOMAIN": _TEXT_OR_NONE,
        "BROKER_TIMEOUT_SECONDS": _SECONDS,
        "CALENDAR_PAST_DAYS": _whole(0),
        "CALENDAR_CANCELLED_DAYS": _whole(0),
        "CALENDAR_FEED_RATE": _RATE,
        "IMPORT_MAX_BYTES": _whole(1),
        "IMPORT_MAX_ROWS": _whole(1),
    }
)


def setting_problems() -> list[str]:
    """What is wrong with the values of the host's settings, one sentence each."""
    value = getattr(settings, SETTINGS_NAME, {})
    if not isinstance(value, dict):
        return [f"{SETTINGS_NAME} must be a dict, not {type(value).__name__}."]
    return [
        f"{SETTINGS_NAME}[{name!r}] {problem}."
        for name in sorted(value)
        if name in KINDS and (problem := KINDS[name].problem(value[name])) is not None
    ]


class AppSettings:
    """Attribute access to the package settings with defaults filled in."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Invalid {SETTINGS_NAME} setting: {name!r}")
        value = self.user_settings.get(name, DEFAULTS[name])
        if name in IMPORT_STRINGS:
            return [import_string(path) if isinstance(path, str) else path for path in value]
        return value

    @property
    def user_settings(self) -> dict[str, Any]:
        value = getattr(settings, SETTINGS_NAME, {})
        return value if isinstance(value, dict) else {}


app_settings = AppSettings()
