"""Settings of the API benchmark: the example project's dev settings, plus the baseline.

``bench_api_urls`` adds a plain DRF ``ModelSerializer`` list beside the
package's URLs, and a middleware reports the SQL queries of each request in
a response header, so the driver can record them without touching the package.
"""

from datetime import timedelta

from config.settings.dev import *  # noqa: F403
from config.settings.dev import MIDDLEWARE

DEBUG = False
ROOT_URLCONF = "bench_api_urls"
MIDDLEWARE = ["bench_api_urls.QueryCountMiddleware", *MIDDLEWARE]
# One token serves a whole run.
SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(hours=2)}
