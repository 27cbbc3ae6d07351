"""Request bodies the package will read, and how hostile ones are refused with a 4xx.

DRF's parsers read the body as a stream, which bypasses Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` check on ``request.body``: without
``check_body_size`` a client could make a view parse any amount of JSON.
And ``json.load`` raises ``RecursionError`` (not ``ValueError``) on deeply
nested input, which DRF's JSON parser would let through as a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import BaseParser, JSONParser


def check_body_size(request: HttpRequest) -> None:
    """Refuse a body larger than the host's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` before reading it."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if limit is not None and length > limit:
        raise RequestDataTooBig(f"Request body exceeds {limit} bytes.")


def check_content_type(request: HttpRequest) -> None:
    """Refuse a body that declares no type, rather than reading it as no body at all.

    DRF parses such a request as empty, so a JSON body sent without its
    ``Content-Type`` would answer "field is required" instead of naming the
    real problem. A request without a body (``Content-Length: 0``) passes.
    """
    if request.META.get("CONTENT_TYPE", "").strip():
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 0 or "HTTP_TRANSFER_ENCODING" in request.META:
        raise UnsupportedMediaType(
            "", detail=_("A request body needs a Content-Type header, e.g. application/json.")
        )


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, answering 400 on nesting too deep to parse."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(_("JSON parse error - nesting is too deep.")) from error


class CSVParser(BaseParser):
    """A CSV file sent as the whole body (``Content-Type: text/csv``), kept as bytes."""

    media_type = "text/csv"

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        return bytes(stream.read()) if stream is not None else b""
