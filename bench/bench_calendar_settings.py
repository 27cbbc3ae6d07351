"""Settings of the calendar benchmark: the example project's dev settings, polled fast.

The benchmark polls one feed far more often than any calendar client would,
so its per-token rate limit is lifted here.
"""

from config.settings.dev import *  # noqa: F403
from config.settings.dev import INTERVIEW_COORDINATOR

DEBUG = False
INTERVIEW_COORDINATOR = {**INTERVIEW_COORDINATOR, "CALENDAR_FEED_RATE": "1000000/m"}
