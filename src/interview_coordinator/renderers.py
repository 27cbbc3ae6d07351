"""Renderers of the file endpoints (the calendar feed, the CSV export).

Their success answers are Django responses written by the views; these
renderers exist so that a client asking only for ``text/calendar`` or
``text/csv`` passes content negotiation, and its error answers stay JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import BaseRenderer


class FileRenderer(BaseRenderer):
    """Bytes as they are; anything else (an error body) as JSON."""

    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=True).encode("ascii")


class ICalendarRenderer(FileRenderer):
    media_type = "text/calendar"
    format = "ics"


class CSVRenderer(FileRenderer):
    media_type = "text/csv"
    format = "csv"
