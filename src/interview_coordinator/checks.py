"""System checks telling a host what it must configure.

Ids are never reused once retired.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from interview_coordinator.conf import (
    DEFAULTS,
    REMOVED_SETTINGS,
    SETTINGS_NAME,
    app_settings,
    setting_problems,
)
from interview_coordinator.queueing import broker_configured
from interview_coordinator.ratelimit import parse_rate

# Cache backends whose counters live inside one process: rate limits kept
# there reset per worker, so several workers multiply every limit.
PER_PROCESS_CACHES = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)

E001 = "interview_coordinator.E001"
E002 = "interview_coordinator.E002"
E003 = "interview_coordinator.E003"
E004 = "interview_coordinator.E004"
E005 = "interview_coordinator.E005"
E006 = "interview_coordinator.E006"
E007 = "interview_coordinator.E007"
W001 = "interview_coordinator.W001"
W002 = "interview_coordinator.W002"
W003 = "interview_coordinator.W003"


@register(Tags.compatibility)
def check_use_tz(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    if settings.USE_TZ:
        return []
    return [
        Error(
            "interview_coordinator needs USE_TZ = True.",
            hint="Interview dates and reminders are stored as aware datetimes; "
            "set USE_TZ = True in your settings.",
            id=E001,
        )
    ]


@register(Tags.compatibility)
def check_dependencies(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    # django_filters ships the filter form templates of the browsable API.
    return [
        Error(
            f"{app!r} must be in INSTALLED_APPS to use interview_coordinator.",
            hint=f"Add {app!r} to INSTALLED_APPS.",
            id=E002,
        )
        for app in ("rest_framework", "django_filters")
        if not apps.is_installed(app)
    ]


@register(Tags.caches)
def check_shared_cache(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    # django-ratelimit's setting, so that one alias serves it and the package.
    alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    caches = getattr(settings, "CACHES", {})
    if alias not in caches:
        return [
            Error(
                f"RATELIMIT_USE_CACHE names the cache {alias!r}, which is not in CACHES.",
                hint="Name a cache alias defined in CACHES.",
                id=E003,
            )
        ]
    if settings.DEBUG or caches[alias].get("BACKEND") not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            f"The cache {alias!r} used for rate limits is private to each process.",
            hint="Rate limits hold across several worker processes only with a shared "
            "cache: configure Redis (django.core.cache.backends.redis.RedisCache) or "
            "Memcached.",
            id=W001,
        )
    ]


def malformed_rates(names: Sequence[str], check_id: str) -> list[CheckMessage]:
    """An Error for each of the named settings that is not a rate such as "5/m"."""
    messages: list[CheckMessage] = []
    for name in names:
        try:
            parse_rate(getattr(app_settings, name))
        except ValueError as exc:
            messages.append(
                Error(
                    f"INTERVIEW_COORDINATOR[{name!r}]: {exc}",
                    hint="Write a rate as a count per period, e.g. '5/m', '100/h' or '10/5m'.",
                    id=check_id,
                )
            )
    return messages


@register(Tags.compatibility)
def check_test_email_rate(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    # A malformed rate would otherwise surface as a 500 on the first test email
    # or the first poll of a calendar feed.
    return malformed_rates(("TEST_EMAIL_RATE", "CALENDAR_FEED_RATE"), E004)


@register(Tags.compatibility)
def check_setting_names(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    # A misspelt key would otherwise be ignored silently and its default used.
    messages: list[CheckMessage] = []
    for name in sorted(app_settings.user_settings):
        if name in REMOVED_SETTINGS:
            messages.append(
                Error(
                    f"{SETTINGS_NAME}[{name!r}] is no longer supported.",
                    hint=f"Remove it. {REMOVED_SETTINGS[name]}",
                    id=E005,
                )
            )
        elif name not in DEFAULTS:
            messages.append(
                Warning(
                    f"{SETTINGS_NAME}[{name!r}] is not a setting of interview_coordinator.",
                    hint="Check its spelling against the settings reference; it is ignored.",
                    id=W002,
                )
            )
    return messages


@register(Tags.compatibility)
def check_setting_values(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    # A value of the wrong type or out of range would otherwise pass every
    # check and answer 500 to the first request that reads it.
    return [
        Error(
            problem,
            hint="See the settings reference for each setting's type and range, "
            "or remove the key to use its default.",
            id=E007,
        )
        for problem in setting_problems()
    ]


@register(Tags.compatibility)
def check_celery_broker(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    # Without a broker, Celery publishes to its default amqp://localhost and the
    # emails of a site that runs no worker would silently never leave.
    from celery import current_app

    if broker_configured(current_app):
        return []
    return [
        Warning(
            "No Celery broker is configured: reminders are not sent by Celery, and test "
            "emails are sent within the request.",
            hint="Set CELERY_BROKER_URL for the Celery app of your project (imported from "
            "its __init__.py) and run a worker with beat (celery -A yourproject worker "
            "--beat), or run 'manage.py send_due_reminders --inline' every minute from cron "
            "and silence this check.",
            id=W003,
        )
    ]


@register(Tags.compatibility)
def check_broker_transport(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    # Kombu imports a transport's module and its library only when the first
    # message is published: a missing one (the Redis transport needs redis and
    # packaging) would otherwise pass every check and fail each email request.
    from celery import current_app

    if current_app.conf.task_always_eager or not current_app.conf.broker_url:
        return []
    try:
        with current_app.connection_for_write() as connection:
            connection.get_transport_cls()(client=connection)
    except (ImportError, KeyError) as exc:
        # The scheme only: the URL may carry the broker's password.
        scheme = str(current_app.conf.broker_url).partition("://")[0]
        return [
            Error(
                f"The Celery broker's transport ({scheme}://) cannot be loaded: "
                f"{type(exc).__name__}: {exc}",
                hint="Install the transport's dependencies: for a Redis broker, "
                "pip install 'django-interview-coordinator[redis]' (Celery's redis extra); "
                "for another broker, Celery's extra of that name.",
                id=E006,
            )
        ]
    return []
