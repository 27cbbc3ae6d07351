"""Settings of the test suite: PostgreSQL by default, SQLite with DB_ENGINE=sqlite."""

import os

from interview_coordinator.mailers import mail_settings

# At least 32 bytes: JWTs are signed with it (HS256).
SECRET_KEY = "tests-only-not-secret-but-long-enough-for-hs256"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "tests.urls"
AUTH_USER_MODEL = "testapp.Member"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "tests.testapp",
    "interview_coordinator",
    "interview_coordinator.accounts",
]

MIDDLEWARE = [
    "interview_coordinator.middleware.DisallowedHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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

if os.environ.get("DB_ENGINE", "postgresql") == "sqlite":
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("DB_NAME", "interview_coordinator"),
            "USER": os.environ.get("DB_USER", "postgres"),
            "PASSWORD": os.environ.get("DB_PASSWORD", ""),
            "HOST": os.environ.get("DB_HOST", "127.0.0.1"),
            "PORT": os.environ.get("DB_PORT", "5432"),
        }
    }

# Each pytest-xdist worker (and each concurrent run, through REDIS_CACHE_DB)
# gets its own Redis database, so that clearing the cache between tests never
# touches another run's counters.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0")
REDIS_CACHE_DB = (int(os.environ.get("REDIS_CACHE_DB", "1")) + _worker) % 16
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"{REDIS_URL}/{REDIS_CACHE_DB}",
    }
}

# MAILERS from Django 6.1 on, EMAIL_BACKEND before: no deprecation warning on either.
globals().update(mail_settings("django.core.mail.backends.locmem.EmailBackend"))
DEFAULT_FROM_EMAIL = "reminders@example.com"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


# django-ratelimit's windows are aligned on the clock: a one-minute window may
# close in the middle of a test and hand out a fresh budget. An hour makes that
# 60 times less likely; tests that need a short window wait for a fresh one.
INTERVIEW_COORDINATOR = {"AUTH_RATE": "5/h", "LOGIN_ACCOUNT_RATE": "5/h"}

REST_AUTH = {
    "USE_JWT": True,
    "TOKEN_MODEL": None,
    "JWT_AUTH_HTTPONLY": False,
    "SESSION_LOGIN": False,
}

CELERY_TASK_ALWAYS_EAGER = True
# The suite's broker is its own, in the worker's Redis database: Celery reads
# CELERY_BROKER_URL from the environment before any setting, so one exported
# for the example project (dev.py demo) would otherwise replace it, in this
# process and in the workers and servers the tests start.
os.environ.pop("CELERY_BROKER_URL", None)
CELERY_BROKER_URL = f"{REDIS_URL}/{REDIS_CACHE_DB}"

STATIC_URL = "static/"
