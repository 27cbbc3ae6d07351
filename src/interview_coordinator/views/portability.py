"""Data portability endpoints: applications as CSV (out and in), and everything as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interview_coordinator.conf import app_settings
from interview_coordinator.models import Interview
from interview_coordinator.parsers import CSVParser
from interview_coordinator.portability.csv_export import CONTENT_TYPE, csv_lines
from interview_coordinator.portability.csv_import import (
    IMPORT_ACTIONS,
    UPLOAD_FIELD,
    decode,
    import_csv,
    too_large,
)
from interview_coordinator.portability.full_export import user_export
from interview_coordinator.renderers import CSVRenderer
from interview_coordinator.timezones import request_timezone
from interview_coordinator.views.base import PackageViewMixin

# As documented, and nothing else: an empty value is the parameter left out.
COMMIT_VALUES = {"1": True, "0": False, "": False}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


COUNT = {"type": "integer"}
# The import report, for the OpenAPI schema.
IMPORT_REPORT_SCHEMA = _object(
    {
        "committed": {"type": "boolean", "description": "Whether the rows were written."},
        "summary": _object(dict.fromkeys(IMPORT_ACTIONS, COUNT)),
        "ignored_columns": {"type": "array", "items": {"type": "string"}},
        "rows": {
            "type": "array",
            "items": _object(
                {
                    "row": {"type": "integer", "description": "Line of the file (header: 1)."},
                    "action": {"type": "string", "enum": list(IMPORT_ACTIONS)},
                    "id": {"type": "integer", "nullable": True},
                    "errors": {
                        "type": "object",
                        "description": "Why the row is refused or skipped, by field.",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                }
            ),
        },
    }
)


@extend_schema(
    responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="UTF-8 CSV")},
    tags=["interviews"],
)
class InterviewExportView(PackageViewMixin, APIView):
    """All the user's applications as a CSV file (UTF-8 with BOM), streamed row by row."""

    file_renderer_classes: Sequence[type[BaseRenderer]] = [CSVRenderer]

    def get(self, request: Request) -> StreamingHttpResponse:
        interviews = Interview.objects.filter(user_id=request.user.pk)
        response = StreamingHttpResponse(
            csv_lines(interviews, request_timezone(request)), content_type=CONTENT_TYPE
        )
        response["Content-Disposition"] = 'attachment; filename="interviews.csv"'
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema(
    request={
        "multipart/form-data": {
            "type": "object",
            "properties": {UPLOAD_FIELD: {"type": "string", "format": "binary"}},
            "required": [UPLOAD_FIELD],
        },
        "text/csv": {"type": "string"},
    },
    parameters=[
        OpenApiParameter(
            "commit",
            OpenApiTypes.INT,
            enum=[0, 1],
            description="1 applies the import (all rows or none); 0 or none, a dry run.",
        )
    ],
    responses={200: IMPORT_REPORT_SCHEMA, 400: IMPORT_REPORT_SCHEMA},
    tags=["interviews"],
)
class InterviewImportView(PackageViewMixin, APIView):
    """Import applications from a CSV file: a dry run by default, ``?commit=1`` applies it.

    Answers a report, row by row: what would be (or was) created, updated,
    left unchanged or skipped as a duplicate, and why a row is refused. With
    ``?commit=1`` and any refused row, nothing is written and the answer is 400.
    """

    parser_classes: Sequence[type[BaseParser]] = [MultiPartParser, FormParser, CSVParser]

    def post(self, request: Request) -> Response:
        commit = self.commit_flag(request)
        text = decode(self.upload(request))
        plan = import_csv(text, request, commit=commit)
        failed = commit and plan.has_errors
        return Response(
            plan.report(), status=status.HTTP_400_BAD_REQUEST if failed else status.HTTP_200_OK
        )

    def commit_flag(self, request: Request) -> bool:
        """``?commit=1`` applies, ``0`` (or none) is a dry run; any other value is refused."""
        value = request.query_params.get("commit", "")
        if value in COMMIT_VALUES:
            return COMMIT_VALUES[value]
        raise ValidationError({"commit": [_("Expected 1 (apply) or 0 (dry run).")]})

    def upload(self, request: Request) -> bytes:
        """The uploaded bytes, from the ``file`` field or the whole ``text/csv`` body."""
        limit = int(app_settings.IMPORT_MAX_BYTES)
        data = request.data
        if isinstance(data, bytes):
            raw: bytes = data
        else:
            upload = request.FILES.get(UPLOAD_FIELD)
            if upload is None:
                raise ValidationError(
                    {UPLOAD_FIELD: [_('Send the CSV file as the "file" field of a form.')]}
                )
            if upload.size is not None and upload.size > limit:
                raise too_large(limit)
            raw = bytes(upload.read(limit + 1))
        if len(raw) > limit:
            raise too_large(limit)
        return raw


@extend_schema(
    responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="See docs/privacy.md")},
    tags=["profile"],
)
class ProfileExportView(PackageViewMixin, APIView):
    """Everything the package holds about the user, as one JSON document.

    The right of access and of portability in one request: account fields,
    profile, applications, rounds, reminder deliveries and the calendar feed's
    state, read in a constant number of queries.
    """

    def get(self, request: Request) -> Response:
        response = Response(user_export(request.user))
        response["Cache-Control"] = "private, no-store"
        return response
