"""Lists answer a plain array, as the original service did, or pages on request.

Without ``?limit=`` a list is the whole (capped) set of the user's rows as a
JSON array, which front ends written for the original expect. With
``?limit=&offset=`` it is DRF's limit/offset envelope (``count``, ``next``,
``previous``, ``results``), ``limit`` capped by ``PAGE_SIZE_MAX``. Unlike
DRF's class, a malformed ``limit`` or ``offset`` answers 400 instead of being
silently replaced, so a client bug shows up at once; ``offset`` is checked
even without ``limit``. An empty value (``?limit=``, what a form sends for a
field left empty) is the same as leaving the parameter out, as for filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.views import APIView

from interview_coordinator.conf import app_settings

# Larger numbers overflow the database's 64-bit OFFSET and LIMIT: refuse them first.
MAX_DIGITS = 18
MAX_COUNT = 10**MAX_DIGITS - 1

ModelT = TypeVar("ModelT", bound=Model)
RowT = TypeVar("RowT")


def parse_count(request: Request, name: str, *, minimum: int) -> int | None:
    """The integer query parameter ``name``, or None when absent or empty; 400 when malformed."""
    if message := count_error(request, name, minimum=minimum):
        raise ValidationError({name: [message]}, code="invalid")
    text = request.query_params.get(name, "").strip()
    return int(text) if text else None


def count_error(request: Request, name: str, *, minimum: int) -> str | None:
    """What is wrong with the integer query parameter ``name``, if anything."""
    text = request.query_params.get(name, "").strip()
    # isdigit() also accepts superscripts, which int() refuses, and other scripts' digits.
    if not text or (
        text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS and int(text) >= minimum
    ):
        return None
    return str(_("Enter a whole number of at least %(minimum)d.") % {"minimum": minimum})


class ArrayOrPagePagination(LimitOffsetPagination):
    """A plain array by default; DRF's limit/offset envelope when ``?limit=`` is given."""

    default_limit = None
    template = None

    @property
    def max_limit(self) -> int:  # type: ignore[override]
        return int(app_settings.PAGE_SIZE_MAX)

    def get_limit(self, request: Request) -> int | None:
        limit = parse_count(request, self.limit_query_param, minimum=1)
        return None if limit is None else min(limit, self.max_limit)

    def get_offset(self, request: Request) -> int:
        return parse_count(request, self.offset_query_param, minimum=0) or 0

    def parameter_errors(self, request: Request) -> dict[str, Any]:
        """The messages of every malformed page parameter, so that one answer names them all.

        Checked before paging: without limit DRF never reads offset, and
        ?offset=abc would pass.
        """
        errors: dict[str, Any] = {}
        for name, minimum in ((self.limit_query_param, 1), (self.offset_query_param, 0)):
            if message := count_error(request, name, minimum=minimum):
                errors[name] = [message]
        return errors

    def paginate_queryset(
        self,
        queryset: QuerySet[ModelT, RowT] | Sequence[RowT],
        request: Request,
        view: APIView | None = None,
    ) -> list[RowT] | None:
        if errors := self.parameter_errors(request):
            raise ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        """``limit`` and ``offset`` with the bounds this class enforces."""
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            is_limit = parameter["name"] == self.limit_query_param
            parameter["schema"].update(minimum=1 if is_limit else 0, maximum=MAX_COUNT)
            if is_limit:
                parameter["description"] = _(
                    "Answer a page of at most this many results (capped by the server) "
                    "instead of the whole array."
                )
            else:
                parameter["description"] = _(
                    "The index of the first result of the page; used only with limit."
                )
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Document both shapes: the array without ``limit``, the envelope with it."""
        return {"oneOf": [schema, super().get_paginated_response_schema(schema)]}


# Entries of a page of a list that always pages, when ``?limit=`` is absent.
DEFAULT_PAGE_SIZE = 50


class PagesAlways(ArrayOrPagePagination):
    """Always the envelope: for lists that grow without a cap (an application's timeline)."""

    def get_limit(self, request: Request) -> int:
        limit = parse_count(request, self.limit_query_param, minimum=1)
        return min(limit or DEFAULT_PAGE_SIZE, self.max_limit)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["description"] = _(
                    "Entries per page (default %(default)d, capped by the server)."
                ) % {"default": DEFAULT_PAGE_SIZE}
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return LimitOffsetPagination.get_paginated_response_schema(self, schema)
