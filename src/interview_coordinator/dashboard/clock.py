"""The moments that bound the statistics, in the user's timezone.

"Today", "the next 7 days" and week boundaries are the user's: at 22:00 on a
Sunday in Los Angeles it is already Monday in UTC, and the dashboard must
still show Sunday's week.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from interview_coordinator.bounds import local_date

# "The next 7 days": the rest of today and the seven following days.
UPCOMING_DAYS = 7
# Weeks shown by applications_per_week, the current one included.
WEEKS = 12


@dataclass(frozen=True)
class Clock:
    """Now, and the dates and bounds derived from it in one timezone."""

    now: datetime.datetime
    tz: ZoneInfo
    today: datetime.date
    # Upcoming moments are those in [now, upcoming_end).
    upcoming_end: datetime.datetime
    # Mondays of the WEEKS weeks shown, oldest first.
    week_starts: tuple[datetime.date, ...]

    @classmethod
    def at(cls, now: datetime.datetime, tz: ZoneInfo) -> Clock:
        today = now.astimezone(tz).date()
        end_day = today + datetime.timedelta(days=UPCOMING_DAYS + 1)
        monday = today - datetime.timedelta(days=today.weekday())
        return cls(
            now=now,
            tz=tz,
            today=today,
            # Local midnight after the seventh day, whatever DST does in between.
            upcoming_end=datetime.datetime.combine(end_day, datetime.time.min, tzinfo=tz),
            week_starts=tuple(
                monday - datetime.timedelta(weeks=weeks_ago)
                for weeks_ago in range(WEEKS - 1, -1, -1)
            ),
        )

    def local_date(self, moment: datetime.datetime) -> datetime.date:
        """The moment's date here; rows written by other means may be beyond what ``tz`` shows."""
        return local_date(moment, self.tz)
