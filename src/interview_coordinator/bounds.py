"""The range of dates the package accepts, and showing stored dates without overflowing.

Python's datetimes end at the years 1 and 9999, so a moment near either end
cannot be shown in every timezone: 9999-12-31T23:59:59Z is already the year
10000 in Tokyo, and 0001-01-01T00:00:00Z is the year 0 in New York; both
raise ``OverflowError``. Input is bounded to a range every timezone can show
with room to spare (``EARLIEST`` to ``LATEST``, in UTC); rows written by other
means (admin, shell, bulk loads) may still hold any date, so readers convert
them through ``localize`` and ``local_date``, which never raise.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

UTC = datetime.timezone.utc

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2199, 12, 31)
# Accepted moments are in [EARLIEST, LATEST], in UTC.
EARLIEST = datetime.datetime.combine(EARLIEST_DATE, datetime.time.min, tzinfo=UTC)
LATEST = datetime.datetime.combine(LATEST_DATE, datetime.time.max, tzinfo=UTC)

DATETIME_RANGE_MESSAGE = _(
    "Enter a datetime between 1900-01-01T00:00:00Z and 2199-12-31T23:59:59Z."
)
DATE_RANGE_MESSAGE = _("Enter a date between 1900-01-01 and 2199-12-31.")


def datetime_in_range(value: datetime.datetime) -> bool:
    """Whether an aware datetime is an instant the package accepts."""
    return EARLIEST <= value <= LATEST


def date_in_range(value: datetime.date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE


def localize(value: datetime.datetime, zone: datetime.tzinfo) -> datetime.datetime:
    """``value`` in ``zone``, or in UTC when ``zone``'s wall clock is beyond the year 9999 or 1."""
    try:
        return value.astimezone(zone)
    except OverflowError:
        return value.astimezone(UTC)


def local_date(value: datetime.datetime, zone: datetime.tzinfo) -> datetime.date:
    """The date of ``value`` in ``zone``; the first or last date there is when it overflows."""
    try:
        return value.astimezone(zone).date()
    except OverflowError:
        return datetime.date.max if value.year > 1 else datetime.date.min


def validate_datetime_in_range(value: datetime.datetime) -> None:
    if not datetime_in_range(value):
        raise ValidationError(DATETIME_RANGE_MESSAGE, code="out_of_range")


def validate_date_in_range(value: datetime.date) -> None:
    if not date_in_range(value):
        raise ValidationError(DATE_RANGE_MESSAGE, code="out_of_range")
