"""The test suite's Celery app, as a host would configure its own.

Imported by the reminder tests (it becomes the default app, so the
package's shared tasks bind to it) and started as a real worker with
``celery -A tests.celery_app worker``. It reads the ``CELERY_*`` Django
settings: eager in the test process, a real broker in the worker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

app = Celery("tests")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["interview_coordinator"])
app.set_default()
