"""Settings of the dashboard benchmark: the example project's dev settings, plus two baselines.

``bench_dashboard_urls`` adds the original service's way of computing the
dashboard and a bare Django view beside the package's URLs. Persistent
database connections follow ``DB_CONN_MAX_AGE``, as in the example project.
"""

from datetime import timedelta

from config.settings.dev import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench_dashboard_urls"
# One token serves a whole run.
SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(hours=3)}
