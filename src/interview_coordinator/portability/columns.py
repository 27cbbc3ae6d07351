"""The columns of the applications CSV, shared by the export and the import.

Choice fields go out twice, as the stored value and as its label, so that a
spreadsheet reads well and a re-import is exact; the import accepts either.
Cells that a spreadsheet would run as a formula are neutralised on the way
out (OWASP "CSV injection"), and the neutralising is undone on the way in.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models

from interview_coordinator.models import (
    ApplicationStatus,
    InterviewStage,
    InterviewStatus,
    InterviewType,
    Location,
)

# The fields an import may set, in the export's order.
FIELDS = (
    "company_name",
    "position",
    "application_date",
    "application_status",
    "interview_stage",
    "interview_date",
    "interview_type",
    "status",
    "location",
    "notes",
)
CHOICES: Mapping[str, type[models.TextChoices]] = {
    "application_status": ApplicationStatus,
    "interview_stage": InterviewStage,
    "interview_type": InterviewType,
    "status": InterviewStatus,
    "location": Location,
}
LABEL_SUFFIX = "_label"
# Written by the export, ignored by the import.
READ_ONLY = ("id", "created_at", "updated_at")
HEADER = (
    "id",
    *(
        column
        for field in FIELDS
        for column in ((field, f"{field}{LABEL_SUFFIX}") if field in CHOICES else (field,))
    ),
    "created_at",
    "updated_at",
)
# The database columns behind HEADER, in its order (labels are derived).
VALUE_COLUMNS = ("id", *FIELDS, "created_at", "updated_at")

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"
# Cells the export prefixes: formulas, and cells already starting with the
# neutraliser, so that the import can tell the export's apostrophe from the
# text's own and every exported cell reads back unchanged.
ESCAPED_STARTS = (*FORMULA_STARTS, NEUTRALISER)


def neutralise(cell: str) -> str:
    """The cell with a leading apostrophe when a spreadsheet would run it as a formula.

    A cell starting with an apostrophe gets one more, which ``restore`` removes.
    """
    return f"{NEUTRALISER}{cell}" if cell.startswith(ESCAPED_STARTS) else cell


def restore(cell: str) -> str:
    """Undo ``neutralise``: the export's apostrophe, not the text's own.

    An apostrophe before a formula character or before another apostrophe is
    the export's; any other leading apostrophe belongs to the text.
    """
    if cell.startswith(NEUTRALISER) and cell[1:].startswith(ESCAPED_STARTS):
        return cell[1:]
    return cell


def cell_text(value: Any, zone: ZoneInfo) -> str:
    """One value as the CSV writes it: ISO dates, datetimes in the user's zone with offset."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(str(value))


def export_cells(row: tuple[Any, ...], zone: ZoneInfo) -> list[str]:
    """The cells of one row of ``VALUE_COLUMNS`` values, in ``HEADER`` order, labels added."""
    cells = []
    for name, value in zip(VALUE_COLUMNS, row, strict=True):
        cells.append(cell_text(value, zone))
        if name in CHOICES:
            label = CHOICES[name](value).label if value else ""
            cells.append(neutralise(str(label)))
    return cells
