"""Serializer fields that encode the package's input rules once, for every serializer.

- ``UserTimezoneDateTimeField``: a browser's local-time input sends datetimes
  without an offset ("2026-12-01T14:30"); they mean the user's wall clock, so
  they are read in the timezone of the user's profile, not the server's, and
  datetimes are printed in it with its offset. A wall-clock time naming no
  single instant there is a 400, except on update when it is the minute
  already stored, sent back cut (see ``wall_clock``).
- ``AsciiDateField``: dates and datetimes are ASCII; DRF's parsers would
  read other scripts' digits ("١٩٩٩") as the same number.
- ``StrictTextField``: text is a JSON string. DRF's ``CharField`` reads the
  number 123 as "123" but refuses ``true``; every text field of the package
  refuses both, with DRF's own message, as the auth endpoints do.
- ``PlainTextField`` and ``SafeHTMLField``: the text rules of ``sanitize``.
- ``OptionalChoiceField``: an HTML select left empty sends ``""``; for an
  optional choice that means "none", stored as NULL rather than as a value
  outside the choices.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings
from rest_framework.utils import humanize_datetime

from interview_coordinator.bounds import (
    DATETIME_RANGE_MESSAGE,
    localize,
    validate_datetime_in_range,
)
from interview_coordinator.sanitize import clean_html, clean_plain_text
from interview_coordinator.timezones import request_timezone, site_timezone
from interview_coordinator.wall_clock import (
    Overflow,
    Repeated,
    Skipped,
    instant_of,
    names_same_minute,
)


def refuse_non_ascii(field: serializers.DateField | serializers.DateTimeField, data: Any) -> None:
    """Fail with the field's own "wrong format" message on a non-ASCII string.

    Django's date parsing matches ``\\d``, which takes any script's digits,
    and ``int()`` reads them: "١٩٩٩-01-01" would be stored as 1999-01-01.
    """
    if not isinstance(data, str) or data.isascii():
        return
    if isinstance(field, serializers.DateTimeField):
        formats = getattr(field, "input_formats", None) or api_settings.DATETIME_INPUT_FORMATS
        field.fail("invalid", format=humanize_datetime.datetime_formats(formats or [ISO_8601]))
    formats = getattr(field, "input_formats", None) or api_settings.DATE_INPUT_FORMATS
    field.fail("invalid", format=humanize_datetime.date_formats(formats or [ISO_8601]))


class AsciiDateField(serializers.DateField):
    """DRF's date field, refusing dates written with non-ASCII characters."""

    def to_internal_value(self, value: Any) -> datetime.date:
        refuse_non_ascii(self, value)
        return super().to_internal_value(value)


class UserTimezoneDateTimeField(serializers.DateTimeField):
    """An aware datetime in the user's timezone, in and out.

    One sent without an offset is read in the zone of the requesting user's
    profile; one with an offset keeps its instant. Output is in the user's
    zone with its offset ("Z" in UTC): the same instant for every client, and
    the wall clock for a client that cuts it to ``YYYY-MM-DDTHH:MM``. Only
    instants every timezone can show are accepted (see ``bounds``).

    A wall-clock time the clocks skip, or show twice, is refused rather than
    stored as another time, like the datetime filters refuse it. On update,
    a wall-clock time naming the minute already stored keeps the stored
    instant: a client that cuts what it was answered to the minute and sends
    it back moves nothing, whichever occurrence of a repeated time it was,
    and whatever its seconds.
    """

    default_error_messages = {
        "overflow": DATETIME_RANGE_MESSAGE,
        "skipped": _(
            "{value} does not exist in {timezone}: the clocks skip it for daylight saving "
            "time. Enter another time, or one with its offset."
        ),
        "repeated": _(
            "{value} happens twice in {timezone}: the clocks go back. "
            "Send it with its offset, {first} or {second}."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_datetime_in_range)

    def to_internal_value(self, value: Any) -> datetime.datetime:
        refuse_non_ascii(self, value)
        return super().to_internal_value(value)

    def default_timezone(self) -> datetime.tzinfo:
        request = self.context.get("request")
        return site_timezone() if request is None else request_timezone(request)

    def enforce_timezone(self, value: datetime.datetime) -> datetime.datetime:
        if timezone.is_aware(value):
            return super().enforce_timezone(value)
        zone = self.default_timezone()
        stored = self.stored_value()
        if stored is not None and names_same_minute(stored, value, zone):
            return stored
        try:
            return instant_of(value, zone)
        except Overflow:
            self.fail("overflow")
        except Skipped:
            self.fail("skipped", value=wall_clock_text(value), timezone=zone)
        except Repeated as error:
            self.fail(
                "repeated",
                value=wall_clock_text(value),
                timezone=zone,
                first=error.first.isoformat(timespec="minutes"),
                second=error.second.isoformat(timespec="minutes"),
            )

    def stored_value(self) -> datetime.datetime | None:
        """The value the instance being updated holds in this field, if any."""
        instance = getattr(self.parent, "instance", None)
        if not isinstance(instance, models.Model) or not self.source:
            return None
        stored = getattr(instance, self.source, None)
        return stored if isinstance(stored, datetime.datetime) else None


def wall_clock_text(value: datetime.datetime) -> str:
    """A naive datetime as sent: to the minute unless it has seconds."""
    whole_minute = value.second == 0 and value.microsecond == 0
    return value.isoformat(timespec="minutes" if whole_minute else "auto")


class OptionalChoiceField(serializers.ChoiceField):
    """A nullable choice where ``""`` reads as ``None``."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        super().__init__(choices, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if data == "":
            return None
        return super().to_internal_value(data)


class StrictTextField(serializers.CharField):
    """A string and nothing else: a number or a boolean is "Not a valid string."."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and nothing else: text ("7") and decimals (7.0, "3.0") are refused.

    DRF's own field reads "7", " 7" and 7.0 as 7; a setting documented as
    a whole number answers a 400 for anything else, as text fields refuse
    numbers.
    """

    default_error_messages = {"invalid": _("A whole number is required, such as 7.")}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class PlainTextField(StrictTextField):
    """Text shown as text: control characters removed, markup refused."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            cleaned = clean_plain_text(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages), code="markup") from error
        # DRF's blank check ran before the control characters were removed.
        if not cleaned and not self.allow_blank:
            self.fail("blank")
        return cleaned


class SafeHTMLField(StrictTextField):
    """Notes: a small safe subset of HTML, cleaned by nh3; ``null`` reads as empty.

    The original front end sends ``null`` for empty notes, so it is accepted
    and stored as an empty string rather than refused.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None:
            return True, ""
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> str:
        return clean_html(super().to_internal_value(data))


class ShownDateTimeField(UserTimezoneDateTimeField):
    """A datetime in answers: in the user's timezone, or in UTC when that one cannot show it.

    Rows written by other means may hold moments near the years 1 and 9999,
    which some timezones cannot show; the answer then keeps the instant.
    """

    def enforce_timezone(self, value: datetime.datetime) -> datetime.datetime:
        if timezone.is_aware(value):
            return localize(value, self.default_timezone())
        return super().enforce_timezone(value)
