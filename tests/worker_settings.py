"""Settings of the real Celery worker the end-to-end reminder tests start.

The test suite's settings, pointed at the test's database, its throwaway
Redis broker and its aiosmtpd server, with a one-second beat and short
(capped) retry backoff so that a failing-then-recovering mail server is seen within
seconds.
"""

import os

from interview_coordinator.mailers import mail_settings
from tests.settings import *  # noqa: F403
from tests.settings import DATABASES

DATABASES["default"]["NAME"] = os.environ["IC_WORKER_DB_NAME"]

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ["IC_WORKER_BROKER_URL"]
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-reminders": {
        "task": "interview_coordinator.tasks.dispatch_due_reminders",
        "schedule": 1.0,
    }
}

globals().update(
    mail_settings(
        "django.core.mail.backends.smtp.EmailBackend",
        host="127.0.0.1",
        port=int(os.environ["IC_WORKER_SMTP_PORT"]),
        use_tls=False,
        timeout=5,
    )
)

INTERVIEW_COORDINATOR = {
    "REMINDER_RETRY_BACKOFF_SECONDS": 1,
    "REMINDER_RETRY_MAX_BACKOFF_SECONDS": 2,
}
