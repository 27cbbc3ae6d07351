"""The package's renderers: JSON only, plus those of the file endpoints.

No HTML renderer: every answer of the API, errors included, is JSON (or the
file an endpoint serves), whatever the client's ``Accept`` header says.

The file endpoints' success answers are Django responses written by the views; these
renderers exist so that a client asking only for ``text/calendar`` or
``text/csv`` passes content negotiation, and its error answers stay JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request


class PackageJSONRenderer(JSONRenderer):
    """JSON with non-ASCII escaped, so that any character a client sent can be echoed.

    Validation messages repeat the input ("… is not a valid choice"); a lone
    surrogate in it cannot be encoded as UTF-8 and would turn a 400 into a 500.
    """

    ensure_ascii = True


class JSONWhenUnacceptable(DefaultContentNegotiation):
    """DRF's negotiation, except that an ``Accept`` header matching nothing gets JSON.

    A browser asks for ``text/html``: it should read the real status (401,
    404…) and its JSON body rather than a 406 that hides it (RFC 9110 12.5.1
    lets a server disregard ``Accept``). An explicit ``?format=`` the view
    does not serve still answers DRF's 404 or 406.
    """

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        offered = list(renderers)
        try:
            chosen: tuple[BaseRenderer, str] = super().select_renderer(
                request, offered, format_suffix
            )
        except NotAcceptable:
            if format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE):
                raise
            return offered[0], offered[0].media_type
        return chosen


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
