"""Settings shared by every environment, read from the environment variables.

With DB_NAME unset the project runs on an SQLite file; with it set, on
PostgreSQL. With CELERY_BROKER_URL unset, Celery tasks run in-process; with
EMAIL_HOST unset, emails print to the console.
"""

import os
from pathlib import Path

import interview_coordinator
from interview_coordinator.mailers import mail_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "interview_coordinator",
    "interview_coordinator.accounts",
    "demo",
]

MIDDLEWARE = [
    # First: a JSON 400 for the API when ALLOWED_HOSTS refuses the Host header.
    "interview_coordinator.middleware.DisallowedHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

if os.environ.get("DB_NAME"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["DB_NAME"],
            "USER": os.environ.get("DB_USER", "postgres"),
            "PASSWORD": os.environ.get("DB_PASSWORD", ""),
            "HOST": os.environ.get("DB_HOST", "127.0.0.1"),
            "PORT": os.environ.get("DB_PORT", "5432"),
            "CONN_MAX_AGE": int(os.environ.get("DB_CONN_MAX_AGE", "0")),
            "CONN_HEALTH_CHECKS": True,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }


def shared_redis_url() -> str:
    """The Redis that every process of the site reaches: REDIS_URL, else the broker's.

    The original service's variables name no REDIS_URL, only CELERY_BROKER_URL;
    when that broker is a Redis, the rate-limit counters live there too, so
    that several processes share them. Django's keys are prefixed, so they
    never meet Celery's.
    """
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if redis_url:
        return redis_url
    broker_url = os.environ.get("CELERY_BROKER_URL", "").strip()
    if broker_url.startswith(("redis://", "rediss://")):
        return broker_url
    return ""


def redis_cache(location: str) -> dict[str, object]:
    # Short socket timeouts make a dead Redis fail fast: sign-in then answers 503 at once.
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": location,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


# Rate-limit counters must be shared by every process: in Redis whenever there
# is one, in a per-process cache otherwise (fine for the single-process demo;
# the package's system check warns about it when DEBUG is off).
REDIS_URL = shared_redis_url()
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Where `manage.py seed_demo` keeps the demo account's password between runs.
DEMO_PASSWORD_FILE = Path(os.environ.get("DEMO_PASSWORD_FILE") or BASE_DIR / ".demo-password")

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "Interview coordinator API",
    "DESCRIPTION": "Track applications, interview rounds and reminders.",
    "VERSION": interview_coordinator.__version__,
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files, not a CDN:
    # api/docs/ and api/redoc/ work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "")

# dj-rest-auth, in the JWT mode the package's auth endpoints answer.
REST_AUTH = {
    "USE_JWT": True,
    "TOKEN_MODEL": None,
    "JWT_AUTH_HTTPONLY": False,
    "SESSION_LOGIN": False,
}

INTERVIEW_COORDINATOR = {
    "TRUSTED_PROXY_COUNT": int(os.environ.get("TRUSTED_PROXY_COUNT", "0")),
    # The package's defaults unless the environment names other rates.
    **{
        name: os.environ[name]
        for name in ("AUTH_RATE", "LOGIN_ACCOUNT_RATE", "PASSWORD_RESET_RATE")
        if os.environ.get(name)
    },
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
# Without a broker the tasks run in-process, so the demo needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TIMEZONE = "UTC"
# The reminder dispatch scan: every minute, so reminders leave within a minute
# of their time. Run one beat (`celery -A config beat`) beside the workers.
CELERY_BEAT_SCHEDULE = {
    "interview-coordinator-dispatch-due-reminders": {
        "task": "interview_coordinator.tasks.dispatch_due_reminders",
        "schedule": 60.0,
        # A scan that waited longer than a minute is superseded by the next one.
        "options": {"expires": 55},
    },
}
# An every-minute scan needs no memory of past runs; the default scheduler's
# shelve file also fails ("locking protocol") under Python 3.13's dbm.sqlite3.
CELERY_BEAT_SCHEDULER = "celery.beat:Scheduler"

# The original's EMAIL_* variables, as MAILERS from Django 6.1 on and as the
# EMAIL_* settings before: each Django gets the configuration it expects.
_email_host = os.environ.get("EMAIL_HOST", "")
_email_port = int(os.environ.get("EMAIL_PORT", "587"))
if _email_host:
    globals().update(
        mail_settings(
            "django.core.mail.backends.smtp.EmailBackend",
            host=_email_host,
            port=_email_port,
            username=os.environ.get("EMAIL_HOST_USER", ""),
            password=os.environ.get("EMAIL_HOST_PASSWORD", ""),
            use_tls=env_bool("EMAIL_USE_TLS", _email_port == 587),
        )
    )
else:
    globals().update(mail_settings("django.core.mail.backends.console.EmailBackend"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "interviews@localhost")

# Server errors (django.request, with their traceback) and the package's own
# messages go to the console, whatever DEBUG says: Django's default sends
# request errors only to ADMINS by email once DEBUG is off.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "interview_coordinator": {"handlers": ["console"], "level": "INFO"},
    },
}
