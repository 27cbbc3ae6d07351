"""Production settings: everything secret or host-specific comes from the environment.

``python manage.py check --deploy`` reports nothing on these settings (the
test suite asserts it). Required: SECRET_KEY, ALLOWED_HOSTS, DB_NAME and
a Redis (REDIS_URL, or a redis:// CELERY_BROKER_URL); the process refuses to
start without them rather than run with insecure or per-process fallbacks.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL, env_bool, env_list


def required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} is required in production.")
    return value


DEBUG = False
SECRET_KEY = required("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "")
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the site's host names in production.")

required("DB_NAME")
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Rate limits must hold across every worker process: base.py keeps them in
# Redis (REDIS_URL, or the Redis of CELERY_BROKER_URL) whenever there is one,
# and production refuses the per-process fallback.
if not REDIS_URL:
    raise ImproperlyConfigured(
        "The environment variable REDIS_URL (or a redis:// CELERY_BROKER_URL) is required "
        "in production: rate limits must be shared by every process."
    )

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Trust X-Forwarded-Proto only when the deployment says a proxy sets it:
# otherwise any client could claim its plain-HTTP request was HTTPS.
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
