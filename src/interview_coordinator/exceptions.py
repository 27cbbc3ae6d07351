"""Error responses of the package: always JSON, never an HTML 500 page."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus clear answers for hostile bodies and a lost database.

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
    return drf_exception_handler(exc, context)


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
