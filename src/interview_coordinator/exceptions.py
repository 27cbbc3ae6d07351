"""Error responses of the package: always JSON, never an HTML 500 page."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from interview_coordinator.models import RoundCapReached

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus clear answers for hostile bodies, a lost database and the unexpected.

    A dropped database connection is a transient fault the client can retry,
    so it answers 503 with a JSON body instead of Django's HTML 500 page.
    """
    if isinstance(exc, RequestDataTooBig):
        set_rollback()
        return Response(
            {"detail": _("Request body is too large.")},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):
        return suspicious_request(exc)
    if isinstance(exc, OperationalError | InterfaceError) or type(exc) is DatabaseError:
        logger.warning("Database unavailable: %s", exc.__class__.__name__)
        set_rollback()
        return Response(
            {"detail": _("The service is temporarily unavailable. Please retry.")},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, Http404):
        # One body for every 404: Django's "No Interview matches the given
        # query." would tell a row lookup from a refused URL, and name the model.
        exc = NotFound()
    if isinstance(exc, RoundCapReached):
        # The model's refusal, answered as the API's own validation errors are.
        exc = ValidationError(as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    return response if response is not None else server_error(exc, context)


def suspicious_request(exc: SuspiciousOperation) -> Response:
    """A 400 in JSON for what Django answers with its HTML 400 page.

    Parsing a form or multipart body with more fields or files than
    ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` / ``_FILES`` allow raises these while a
    view reads ``request.data``. Logged where Django logs them
    (``django.security.<class name>``), so a host's security alerts still fire.
    """
    logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
    set_rollback()
    return Response(
        {"detail": _("The request was refused: %(reason)s") % {"reason": str(exc)}},
        status=status.HTTP_400_BAD_REQUEST,
    )


def server_error(exc: Exception, context: dict[str, Any]) -> Response | None:
    """A JSON 500 for an unexpected exception, reported as Django reports its own.

    The traceback goes to the ``django.request`` logger and
    ``got_request_exception`` (error reporters, the test client), as
    Django's handler would send them; the answer tells nothing of the
    failure. With ``DEBUG`` on, Django's debug page shows the traceback.
    """
    if settings.DEBUG:
        return None
    request = getattr(context.get("request"), "_request", None)
    got_request_exception.send(sender=None, request=request)
    path = request.path if request is not None else ""
    logging.getLogger("django.request").error(
        "Internal Server Error: %s",
        path,
        exc_info=exc,
        extra={"status_code": status.HTTP_500_INTERNAL_SERVER_ERROR, "request": request},
    )
    set_rollback()
    response = Response(
        {"detail": _("A server error occurred.")},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
    # Logged above with the traceback: Django's own line would repeat it without.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
