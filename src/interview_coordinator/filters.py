"""Query-string filters, search and ordering of the interviews and rounds lists.

Everything goes through django-filter forms, search and ordering included,
so every parameter is validated: a malformed value answers 400 naming the
parameter instead of being ignored or reaching the database (a NUL byte in a
search term would make PostgreSQL raise).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.forms.utils import ErrorDict, ErrorList
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import DateRangeField, IsoDateTimeField, RangeField
from django_filters.widgets import DateRangeWidget
from drf_spectacular.utils import extend_schema_field

from interview_coordinator.bounds import (
    DATETIME_RANGE_MESSAGE,
    validate_date_in_range,
    validate_datetime_in_range,
)
from interview_coordinator.models import (
    ApplicationStatus,
    Interview,
    InterviewRound,
    InterviewStage,
    InterviewStatus,
    InterviewType,
    Location,
    RoundOutcome,
    RoundStage,
)
from interview_coordinator.timezones import request_timezone, site_timezone

# The outcome of a round still to happen, as the field holds it.
PENDING_OUTCOME = "pending"

# Longest accepted search string; names are at most 200 characters anyway.
SEARCH_MAX_LENGTH = 200


# A NUL byte cannot reach PostgreSQL: the form field refuses it, the schema says so.
@extend_schema_field({"type": "string", "maxLength": SEARCH_MAX_LENGTH, "pattern": r"^[^\x00]*$"})
class SearchFilter(django_filters.CharFilter):  # type: ignore[misc]
    """Words to find in the company name or the position."""


class StableOrderingFilter(django_filters.OrderingFilter):  # type: ignore[misc]
    """``?ordering=`` with the id as tie-breaker, so pages never overlap or skip rows."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value in EMPTY_VALUES:
            return qs
        ordering: list[str] = [self.get_ordering_value(param) for param in value if param]
        ordered: QuerySet[Any] = qs.order_by(*ordering, "-id")
        return ordered


# Largest id a database column holds (64-bit); larger values answer 400
# instead of overflowing the database driver.
ID_MAX = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.Filter):  # type: ignore[misc]
    """An integer id: ``?interview=1.5``, ``abc`` or an out-of-range number answer 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


def refuse_non_ascii(field: forms.Field, value: Any) -> None:
    """A 400 with the field's "invalid" message on a value with non-ASCII characters.

    Django's ISO 8601 parser takes any script's digits: "١٩٩٩-01-01T10:00"
    would filter on 1999. (Dates go through ``strptime``, which takes ASCII only.)
    """
    if isinstance(value, str) and not value.isascii():
        raise forms.ValidationError(field.error_messages["invalid"], code="invalid")


class UtcIsoDateTimeField(IsoDateTimeField):  # type: ignore[misc]
    """An ISO 8601 datetime, normalised to UTC before it reaches the database.

    One without an offset is the user's wall clock, as in request bodies: it
    is read in ``local_timezone()``, which the filter set points at the
    requesting user's timezone. Python accepts offsets up to ±23:59 but
    PostgreSQL refuses those beyond ±15:59, and shifting a datetime near
    year 1 or 9999 to UTC can overflow: both answer 400 here instead of a
    database error.
    """

    default_error_messages = {"out_of_range": DATETIME_RANGE_MESSAGE}
    default_validators = [validate_datetime_in_range]

    local_timezone: Callable[[], datetime.tzinfo] = staticmethod(site_timezone)

    def to_python(self, value: Any) -> datetime.datetime | None:
        if value in self.empty_values:
            return None
        refuse_non_ascii(self, value)
        # Django's parsing reads an offset-less value in the current timezone.
        with timezone.override(self.local_timezone()):
            parsed: datetime.datetime | None = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(datetime.timezone.utc)
        except OverflowError as error:
            raise forms.ValidationError(
                self.error_messages["out_of_range"], code="out_of_range"
            ) from error


class UtcIsoDateTimeRangeField(RangeField):  # type: ignore[misc]
    widget = DateRangeWidget

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__((UtcIsoDateTimeField(), UtcIsoDateTimeField()), *args, **kwargs)


class BoundedDateRangeField(DateRangeField):  # type: ignore[misc]
    """``<name>_after`` / ``<name>_before`` as dates within the accepted range."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields:
            field.validators.append(validate_date_in_range)


class DateRangeFilter(django_filters.DateFromToRangeFilter):  # type: ignore[misc]
    field_class = BoundedDateRangeField


class DateTimeRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):  # type: ignore[misc]
    """``<name>_after`` / ``<name>_before`` as ISO 8601 datetimes, validated to UTC."""

    field_class = UtcIsoDateTimeRangeField


class StrictBooleanField(forms.Field):
    """``true``/``false`` (or ``1``/``0``); anything else is a 400, not "no filter"."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value: Any) -> bool | None:
        if value in EMPTY_VALUES:
            return None
        text = str(value).strip().lower()
        if text in {"true", "1"}:
            return True
        if text in {"false", "0"}:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):  # type: ignore[misc]
    field_class = StrictBooleanField


class ParameterErrorsFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    """A filter set whose errors name the query parameter, not the form field behind it.

    A range filter is one form field (``interview_date``) read from two
    parameters (``interview_date_after``, ``interview_date_before``); the
    client sent, and must be told about, the parameter.
    """

    @property
    def errors(self) -> ErrorDict:
        errors = ErrorDict()
        for name, messages in self.form.errors.items():
            field = self.form.fields.get(name)
            found = self.range_errors(name, field) if isinstance(field, RangeField) else {}
            errors.update(found or {name: messages})
        return errors

    def range_errors(self, name: str, field: RangeField) -> dict[str, ErrorList]:
        """The errors of each parameter of a range field, checked one by one."""
        found: dict[str, ErrorList] = {}
        for suffix, bound in zip(field.widget.suffixes, field.fields, strict=True):
            parameter = field.widget.suffixed(name, suffix)
            try:
                bound.clean(self.form.data.get(parameter))
            except forms.ValidationError as error:
                found[parameter] = ErrorList(error.error_list)
        return found


class UserTimezoneFilterSet(ParameterErrorsFilterSet):
    """A filter set whose datetimes without an offset are read in the user's timezone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            if isinstance(field, UtcIsoDateTimeRangeField):
                for bound in field.fields:
                    bound.local_timezone = self.user_timezone

    def user_timezone(self) -> datetime.tzinfo:
        """Looked up only when a datetime without an offset needs it."""
        return site_timezone() if self.request is None else request_timezone(self.request)


class InterviewFilter(UserTimezoneFilterSet):
    interview_stage = django_filters.ChoiceFilter(choices=InterviewStage.choices)
    application_status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices)
    status = django_filters.ChoiceFilter(choices=InterviewStatus.choices)
    location = django_filters.ChoiceFilter(choices=Location.choices)
    interview_type = django_filters.ChoiceFilter(choices=InterviewType.choices)
    interview_date = DateTimeRangeFilter(
        help_text=_("interview_date_after / interview_date_before (ISO 8601 datetimes).")
    )
    application_date = DateRangeFilter(
        help_text=_("application_date_after / application_date_before (YYYY-MM-DD).")
    )
    search = SearchFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        help_text=_("Words that must each appear in the company name or the position."),
    )
    ordering = StableOrderingFilter(
        fields=(
            "interview_date",
            "application_date",
            "created_at",
            "updated_at",
            "company_name",
            "position",
        )
    )

    class Meta:
        model = Interview
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Interview], name: str, value: str) -> Any:
        for term in value.split():
            queryset = queryset.filter(
                Q(company_name__icontains=term) | Q(position__icontains=term)
            )
        return queryset


class InterviewRoundFilter(UserTimezoneFilterSet):
    interview = IdFilter(field_name="interview_id")
    stage = django_filters.ChoiceFilter(choices=RoundStage.choices)
    outcome = django_filters.ChoiceFilter(choices=RoundOutcome.choices)
    upcoming = StrictBooleanFilter(
        method="filter_upcoming",
        help_text=_("true: pending rounds scheduled in the future; false: all others."),
    )
    scheduled_date = DateTimeRangeFilter(
        help_text=_("scheduled_date_after / scheduled_date_before (ISO 8601 datetimes).")
    )
    ordering = StableOrderingFilter(
        fields=("scheduled_date", "completed_date", "created_at", "updated_at", "stage")
    )

    class Meta:
        model = InterviewRound
        fields: list[str] = []

    def filter_upcoming(
        self, queryset: QuerySet[InterviewRound], name: str, value: bool
    ) -> QuerySet[InterviewRound]:
        upcoming = Q(scheduled_date__gt=timezone.now(), outcome=PENDING_OUTCOME)
        rounds: QuerySet[InterviewRound] = (
            queryset.filter(upcoming) if value else queryset.exclude(upcoming)
        )
        return rounds
