"""Reading a wall-clock time (a datetime without an offset) as an instant in a timezone.

A wall-clock time names no instant, one, or two: the clocks skip the local
times of a daylight-saving gap and show those of its fold twice. Python
quietly picks an instant for every one of them (``make_aware`` gives a
skipped 02:30 the offset from before the gap, so it is stored as 03:30),
and converting one near the years 1 and 9999 to UTC raises
``OverflowError``. ``instant_of`` names each case instead, so callers answer
400 rather than storing another time or failing with a 500.

``names_same_minute`` lets an update keep a stored instant that a client
sends back cut to ``YYYY-MM-DDTHH:MM``: that minute is the stored one even
when it is the second occurrence of a repeated time or had seconds.
"""

from __future__ import annotations

import datetime

from interview_coordinator.bounds import UTC


class WallClockError(ValueError):
    """A wall-clock time that names no single instant in the zone."""


class Overflow(WallClockError):
    """The instant would fall outside Python's calendar (before the year 1 or after 9999)."""


class Skipped(WallClockError):
    """The clocks skip this time (a daylight-saving gap)."""


class Repeated(WallClockError):
    """The clocks show this time twice (a daylight-saving fold)."""

    def __init__(self, first: datetime.datetime, second: datetime.datetime) -> None:
        super().__init__(first, second)
        self.first = first
        self.second = second


def instant_of(value: datetime.datetime, zone: datetime.tzinfo) -> datetime.datetime:
    """The one instant the naive ``value`` names in ``zone``, aware in ``zone``.

    Raises ``Overflow``, ``Skipped`` or ``Repeated`` (carrying both
    occurrences) when there is no single such instant.
    """
    first = value.replace(tzinfo=zone, fold=0)
    second = value.replace(tzinfo=zone, fold=1)
    try:
        earlier = first.astimezone(UTC)
        later = second.astimezone(UTC)
        shown = earlier.astimezone(zone)
    except OverflowError as error:
        raise Overflow(value) from error
    if shown.replace(tzinfo=None, fold=0) != value.replace(fold=0):
        raise Skipped(value)
    if earlier != later:
        raise Repeated(first, second)
    return first


def names_same_minute(
    stored: datetime.datetime, value: datetime.datetime, zone: datetime.tzinfo
) -> bool:
    """Whether the naive ``value`` is the aware ``stored`` as ``zone``'s clocks show it.

    Either exactly, or cut to the minute (a ``YYYY-MM-DDTHH:MM`` input has
    no seconds). A stored instant ``zone`` cannot show names no minute.
    """
    try:
        shown = stored.astimezone(zone).replace(tzinfo=None, fold=0)
    except OverflowError:
        return False
    sent = value.replace(fold=0)
    if sent == shown:
        return True
    whole_minute = sent.second == 0 and sent.microsecond == 0
    return whole_minute and sent == shown.replace(second=0, microsecond=0)
