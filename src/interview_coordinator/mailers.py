"""The email configuration, read the way each supported Django expects it.

Django 6.1 replaces ``EMAIL_BACKEND`` and the other ``EMAIL_*`` settings with
``MAILERS``, and ``get_connection()`` with ``mail.mailers``: the old ones warn
of their removal, and reading an ``EMAIL_*`` setting raises once ``MAILERS``
is defined. Everything in the package that depends on which of the two a host
uses lives here, so that the rest never reads an email setting itself.
"""

from __future__ import annotations

from typing import Any

import django
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.module_loading import import_string

MAILERS_SUPPORTED = django.VERSION >= (6, 1)
DEFAULT_MAILER = "default"
DJANGO_SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

# The setting that held each of the SMTP backend's ``MAILERS`` options before
# Django 6.1 (Django's "Migrating email to mailers" guide).
LEGACY_SETTINGS = {
    "host": "EMAIL_HOST",
    "port": "EMAIL_PORT",
    "username": "EMAIL_HOST_USER",
    "password": "EMAIL_HOST_PASSWORD",
    "use_tls": "EMAIL_USE_TLS",
    "use_ssl": "EMAIL_USE_SSL",
    "timeout": "EMAIL_TIMEOUT",
    "ssl_certfile": "EMAIL_SSL_CERTFILE",
    "ssl_keyfile": "EMAIL_SSL_KEYFILE",
    "file_path": "EMAIL_FILE_PATH",
}


def mail_settings(backend: str, **options: Any) -> dict[str, Any]:
    """The settings that make ``backend`` the default mailer, for the running Django.

    ``options`` are named as in ``MAILERS`` (``host``, ``port``, ``username``,
    ...). A settings module that supports several Django versions writes its
    email configuration once: ``globals().update(mail_settings(...))``.
    """
    if MAILERS_SUPPORTED:
        return {"MAILERS": {DEFAULT_MAILER: {"BACKEND": backend, "OPTIONS": options}}}
    legacy = {LEGACY_SETTINGS[name]: value for name, value in options.items()}
    return {"EMAIL_BACKEND": backend, **legacy}


def mailers_setting() -> dict[str, dict[str, Any]] | None:
    """The host's ``MAILERS``; None when email is set up with the ``EMAIL_*`` settings.

    ``MAILERS`` counts only from Django 6.1 on: an earlier Django ignores it.
    """
    mailers: dict[str, dict[str, Any]] | None = getattr(settings, "MAILERS", None)
    return mailers if MAILERS_SUPPORTED else None


def configured_timeout() -> float | None:
    """The SMTP timeout the host set, None when it set none."""
    mailers = mailers_setting()
    if mailers is None:
        timeout = settings.EMAIL_TIMEOUT
    else:
        timeout = mailers.get(DEFAULT_MAILER, {}).get("OPTIONS", {}).get("timeout")
    return None if timeout is None else float(timeout)


def connection(smtp_backend: str, timeout: float) -> BaseEmailBackend:
    """A connection of the default mailer, Django's SMTP backend replaced by ``smtp_backend``.

    ``smtp_backend`` (a subclass of Django's) gets ``timeout``, and so do the
    other backends configured with ``EMAIL_BACKEND``, as before. A mailer whose
    backend is not Django's SMTP one is used exactly as configured:
    ``MAILERS`` refuses options that a backend does not declare.
    """
    mailers = mailers_setting()
    if mailers is None:
        from django.core.mail import get_connection

        backend = settings.EMAIL_BACKEND
        return get_connection(
            smtp_backend if backend == DJANGO_SMTP_BACKEND else backend, timeout=timeout
        )
    mailer = mailers.get(DEFAULT_MAILER)
    if mailer is not None and mailer.get("BACKEND", DJANGO_SMTP_BACKEND) == DJANGO_SMTP_BACKEND:
        backend_class: type[BaseEmailBackend] = import_string(smtp_backend)
        options = {**mailer.get("OPTIONS", {}), "timeout": timeout}
        return backend_class(alias=DEFAULT_MAILER, **options)
    from django.core.mail import mailers as configured  # type: ignore[attr-defined, unused-ignore]

    # Without a "default" mailer this raises Django's own MailerDoesNotExist.
    default: BaseEmailBackend = configured[DEFAULT_MAILER]
    return default
