"""Applications from a CSV file: every row checked as the API checks it, applied all or nothing.

The table is read by ``tablib``; each row then goes through the API's own
``InterviewSerializer`` (plain-text rules, nh3 on notes, choices, dates in
the user's timezone), so an import can never store what the API refuses.
A row names an existing application when its company, position (both
case-insensitive) and application date match one; it then updates it, so
importing the same file twice creates nothing new.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime
from collections.abc import Iterable, Mapping
from typing import Any

import tablib
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.settings import api_settings
from tablib.exceptions import InvalidDimensions

from interview_coordinator.conf import app_settings
from interview_coordinator.history import recorded_as
from interview_coordinator.models import EventSource, Interview
from interview_coordinator.portability.columns import CHOICES, FIELDS, restore
from interview_coordinator.sanitize import remove_control_characters
from interview_coordinator.serializers.interviews import InterviewSerializer
from interview_coordinator.signals import planning_deferred

# Optional fields an empty cell sets to null (the others keep their default).
NULLABLE = frozenset({"interview_date", "interview_type", "status", "location"})
REQUIRED = ("company_name", "position")
# Columns of the export that an import reads past.
IGNORED = frozenset({"id", "created_at", "updated_at", "user", "days_in_pipeline", "is_upcoming"})

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY
IMPORT_ACTIONS = ("create", "update", "unchanged", "duplicate", "error")

Key = tuple[str, str, datetime.date]


UPLOAD_FIELD = "file"


class FileTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The file is too large.")
    default_code = "too_large"


def file_error(message: str) -> ValidationError:
    return ValidationError({UPLOAD_FIELD: [message]})


def too_large(limit: int) -> FileTooLarge:
    """The 413 of an upload past ``limit`` bytes, worded alike for the API and the admin."""
    return FileTooLarge(
        {UPLOAD_FIELD: [_("The file is larger than %(limit)d bytes.") % {"limit": limit}]}
    )


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), or UTF-16 with its BOM; else a 400."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise file_error(
            _(
                "The file is not UTF-8 text (byte %(position)d); save it as "
                '"CSV UTF-8" and try again.'
            )
            % {"position": error.start}
        ) from error


def normalise_header(header: Any) -> str:
    return " ".join(str(header or "").replace("_", " ").replace("-", " ").split()).casefold()


def header_names() -> dict[str, str]:
    """Each field by its name and by its verbose name, normalised ("Company name")."""
    names = {}
    for field in FIELDS:
        names[normalise_header(field)] = field
        verbose_name = getattr(Interview._meta.get_field(field), "verbose_name", field)
        names[normalise_header(verbose_name)] = field
    return names


def column_map(headers: Iterable[Any]) -> tuple[dict[int, str], list[str]]:
    """The field of each column that holds one, and the columns read past."""
    names = header_names()
    fields: dict[int, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = normalise_header(header)
        field = names.get(key)
        if field is None:
            if key and key.replace(" ", "_") not in IGNORED and not key.endswith(" label"):
                ignored.append(str(header))
            continue
        if field in fields.values():
            raise file_error(_("Two columns hold %(field)s.") % {"field": field})
        fields[index] = field
    missing = [field for field in REQUIRED if field not in fields.values()]
    if missing:
        raise file_error(missing_columns_message(missing))
    return fields, ignored


def missing_columns_message(missing: list[str]) -> str:
    """A sentence naming the required columns the header lacks (there are two at most)."""
    if len(missing) == 1:
        return _("The header row lacks the required column %(column)s.") % {"column": missing[0]}
    return _("The header row lacks the required columns %(first)s and %(second)s.") % {
        "first": missing[0],
        "second": missing[1],
    }


def choice_value(field: str, cell: str) -> str:
    """A choice cell as its value: the value or the label, in any letter case."""
    folded = cell.casefold()
    for value, label in CHOICES[field].choices:
        if folded in (str(value).casefold(), str(label).casefold()):
            return str(value)
    return cell


def row_data(cells: Iterable[Any], fields: Mapping[int, str]) -> dict[str, Any]:
    """What a row says, in the shape the API's serializer reads."""
    data: dict[str, Any] = {}
    for index, raw in enumerate(cells):
        field = fields.get(index)
        if field is None:
            continue
        cell = restore(str(raw if raw is not None else ""))
        if field != "notes":
            cell = cell.strip()
        if cell == "":
            if field in NULLABLE:
                data[field] = None
            elif field == "notes" or field in REQUIRED:
                data[field] = ""
            continue
        data[field] = choice_value(field, cell) if field in CHOICES else cell
    return data


def match_key(data: Mapping[str, Any], today: datetime.date) -> Key | None:
    """Company, position and application date as rows and applications are matched."""
    try:
        applied = datetime.date.fromisoformat(str(data.get("application_date") or today))
    except ValueError:
        return None

    def fold(value: Any) -> str:
        return remove_control_characters(str(value or "")).strip().casefold()

    return fold(data.get("company_name")), fold(data.get("position")), applied


@dataclasses.dataclass
class RowResult:
    row: int
    action: str
    id: int | None = None
    errors: dict[str, Any] = dataclasses.field(default_factory=dict)
    serializer: InterviewSerializer | None = dataclasses.field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "action": self.action, "id": self.id, "errors": self.errors}


@dataclasses.dataclass
class ImportPlan:
    rows: list[RowResult]
    ignored_columns: list[str]
    committed: bool = False

    @property
    def has_errors(self) -> bool:
        return any(result.action == "error" for result in self.rows)

    def report(self) -> dict[str, Any]:
        summary = dict.fromkeys(IMPORT_ACTIONS, 0)
        for result in self.rows:
            summary[result.action] += 1
        return {
            "committed": self.committed,
            "summary": summary,
            "ignored_columns": self.ignored_columns,
            "rows": [result.as_dict() for result in self.rows],
        }


def read_table(text: str) -> tablib.Dataset:
    """The file as a table with a header row; 400 for anything that is not one."""
    if not text.strip():
        raise file_error(_("The file is empty; expected a header row and one row per application."))
    try:
        # strict: an unterminated quote is an error, not a cell swallowing
        # every later row up to the end of the file.
        # Python 3.10's csv module refuses NUL ("line contains NUL"), later ones
        # read it; the cells are cleaned as by the API, which removes it anyway.
        return tablib.Dataset().load(text.replace("\x00", ""), format="csv", strict=True)
    except InvalidDimensions as error:
        raise file_error(
            _("The file is not a table: a row has more cells than the header row.")
        ) from error
    except Exception as error:  # the csv module's and tablib's own parse errors
        raise file_error(
            _("The file is not a readable CSV table: %(error)s") % {"error": error}
        ) from error


def is_unchanged(instance: Interview, values: Mapping[str, Any]) -> bool:
    return all(getattr(instance, field) == value for field, value in values.items())


@dataclasses.dataclass
class ImportingFor:
    """What the API's serializer reads of its request, for an import made on a user's behalf.

    The admin imports for the user it names: the rows are checked as that
    user's (their timezone, their applications), not as the staff member's.
    """

    user: Any


class HistorySerializer(InterviewSerializer):
    """The API's serializer, except that a new row may have a past interview date.

    An import restores a job search's history (an export of another account,
    of the original service): its past interviews happened. No reminder is
    planned for a past moment, and a stage round never takes a past date.
    """

    accepts_past_dates = True


def plan_import(text: str, request: Request | ImportingFor) -> ImportPlan:
    """Validate every row against the user's data; writes nothing."""
    table = read_table(text)
    limit = int(app_settings.IMPORT_MAX_ROWS)
    if table.height > limit:
        raise file_error(
            _("The file has %(rows)d rows; at most %(limit)d are imported at once.")
            % {"rows": table.height, "limit": limit}
        )
    fields, ignored = column_map(table.headers or [])
    user = request.user
    # One read of the user's applications (bounded by the cap), keyed as rows are.
    existing: dict[Key | None, Interview] = {
        match_key(
            {
                "company_name": interview.company_name,
                "position": interview.position,
                "application_date": interview.application_date,
            },
            interview.application_date,
        ): interview
        for interview in Interview.objects.filter(user_id=user.pk)
    }
    today = InterviewSerializer(context={"request": request}).creation_day()
    seen: dict[Key, int] = {}
    results = []
    for offset, cells in enumerate(table):
        number = offset + 2  # the header is row 1, as a spreadsheet numbers it
        data = row_data(cells, fields)
        key = match_key(data, today)
        if key is not None and key in seen:
            message = _("The same application as row %(row)d; skipped.") % {"row": seen[key]}
            results.append(RowResult(number, "duplicate", errors={NON_FIELD: [message]}))
            continue
        instance = existing.get(key) if key is not None else None
        pk = instance.pk if instance is not None else None
        if instance is not None:
            serializer = HistorySerializer(
                instance, data=data, partial=True, context={"request": request}
            )
        else:
            serializer = HistorySerializer(data=data, context={"request": request})
        if not serializer.is_valid():
            results.append(RowResult(number, "error", id=pk, errors=dict(serializer.errors)))
            continue
        if key is not None:
            seen[key] = number
        if pk is None:
            results.append(RowResult(number, "create", serializer=serializer))
        elif instance is not None and is_unchanged(instance, serializer.validated_data):
            results.append(RowResult(number, "unchanged", id=pk))
        else:
            results.append(RowResult(number, "update", id=pk, serializer=serializer))
    check_cap(results, len(existing))
    return ImportPlan(results, ignored)


def check_cap(results: list[RowResult], existing: int) -> None:
    """Refuse the creates beyond the user's ``MAX_INTERVIEWS_PER_USER``."""
    room = int(app_settings.MAX_INTERVIEWS_PER_USER) - existing
    for result in results:
        if result.action != "create":
            continue
        if room > 0:
            room -= 1
            continue
        result.action = "error"
        result.serializer = None
        result.errors = {
            NON_FIELD: [
                _("You have reached the limit of %(limit)d interviews; delete one first.")
                % {"limit": int(app_settings.MAX_INTERVIEWS_PER_USER)}
            ]
        }


def import_csv(text: str, request: Request | ImportingFor, *, commit: bool) -> ImportPlan:
    """Plan the import and, with ``commit`` and no refused row, apply it in one transaction.

    The user's row is locked first, so a concurrent import or create cannot
    overshoot the cap between the check and the writes; the lock is the one
    of ``check_interview_cap``, which leaves the rows that reference the user
    free to be written. Reminders are planned once for the whole import, not
    after every row.
    """
    if not commit:
        return plan_import(text, request)
    with transaction.atomic():
        get_user_model()._default_manager.select_for_update(no_key=True).filter(
            pk=request.user.pk
        ).values_list("pk", flat=True).get()
        plan = plan_import(text, request)
        if plan.has_errors:
            return plan
        with planning_deferred(), recorded_as(str(EventSource.IMPORT)):
            for result in plan.rows:
                if result.serializer is None:
                    continue
                if result.action == "create":
                    result.id = result.serializer.save(user=request.user).pk
                else:
                    result.serializer.save()
        plan.committed = True
    return plan
