"""The suite owns its configuration: variables exported for the example project change nothing.

Celery reads ``CELERY_BROKER_URL`` from the environment before any setting,
so a developer who ran the demo with a broker must not see the suite fail.
"""

import os
import subprocess
import sys

from tests.servers import ROOT

BROKER_TEST = (
    "tests/test_auth_attacks.py::TestResetEmailsGoThroughCelery"
    "::test_with_the_broker_down_nothing_is_sent_in_the_request"
)


def test_an_exported_broker_url_does_not_reach_the_suite():
    # SQLite in memory: a database of its own, whatever runs beside it.
    env = dict(os.environ, DB_ENGINE="sqlite", CELERY_BROKER_URL="redis://127.0.0.1:6379/9")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", BROKER_TEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-3000:]
