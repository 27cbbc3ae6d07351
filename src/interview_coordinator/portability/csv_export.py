"""The user's applications as a CSV file, written row by row as the response streams.

A list of 5,000 applications is never built in memory: the rows come from a
database cursor in chunks and each is written as it is sent. The file starts
with a UTF-8 byte order mark, without which spreadsheet programs read UTF-8
as their local code page.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from interview_coordinator.models import Interview
from interview_coordinator.portability.columns import (
    HEADER,
    VALUE_COLUMNS,
    export_cells,
    neutralise,
)

BOM = "\ufeff"
CONTENT_TYPE = "text/csv; charset=utf-8"
CHUNK_SIZE = 500


class _Echo:
    """A file-like object that hands back what ``csv.writer`` writes, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    interviews: QuerySet[Interview], zone: ZoneInfo, owner_column: str | None = None
) -> Iterator[str]:
    """The CSV text of the interviews, one line at a time, the header first.

    ``owner_column`` adds the owner's username first (the admin's export spans users).
    """
    writer: Any = csv.writer(_Echo())
    columns: tuple[str, ...] = VALUE_COLUMNS
    header: tuple[str, ...] = HEADER
    if owner_column is not None:
        columns = (owner_column, *VALUE_COLUMNS)
        header = ("user", *HEADER)
    yield BOM + writer.writerow(header)
    rows = interviews.order_by("pk").values_list(*columns).iterator(chunk_size=CHUNK_SIZE)
    for row in rows:
        if owner_column is None:
            yield writer.writerow(export_cells(row, zone))
        else:
            yield writer.writerow([neutralise(str(row[0])), *export_cells(row[1:], zone)])
