"""The OpenAPI schema of the package's views, error answers included.

drf-spectacular documents only the success answer of an operation, but
clients (and schema-driven fuzzers) rely on knowing every status code an
operation can give. The errors below are answered by every view of the
package in the same JSON shapes, so they are added to every operation here
once, rather than repeated on each view.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_class
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON = "application/json"
# A name that is not empty once surrounding spaces are removed.
NOT_BLANK = {"type": "string", "pattern": r"\S"}
UNAUTHORIZED = ("401", "Missing or invalid credentials.")
INVALID_TOKEN = ("401", "Invalid credentials: none are needed, but a token sent must be valid.")
REFUSED_TOKEN = ("401", "The token sent is invalid, expired or revoked.")
FORBIDDEN = ("403", "Not allowed (for session authentication: CSRF failure).")
CSRF_FAILED = ("403", "CSRF failure: the request comes with a session or the JWT cookies.")


def error_response(description: str) -> dict[str, Any]:
    """A fresh response object (shared ones would become YAML aliases in the schema).

    DRF answers errors either as {"detail": "..."} or, for validation errors,
    as {"field": ["message", ...], "non_field_errors": [...]}.
    """
    body = {
        "type": "object",
        "description": 'Either {"detail": "message"} or messages by field name.',
        "additionalProperties": True,
    }
    return {"description": description, "content": {"application/json": {"schema": body}}}


# drf-spectacular registers extensions in an untyped __init_subclass__.
def reads_header_token(authenticator: Any) -> bool:
    """Whether it reads a token from the ``Authorization`` header, so refuses a bad one with 401.

    A scheme with a challenge does; session authentication has none.
    """
    return bool(authenticator.authenticate_header(None))


class PackageJWTScheme(SimpleJWTScheme):  # type: ignore[no-untyped-call]
    """The package's JWT authentication is simplejwt's: the same bearer scheme, same name."""

    target_class = "interview_coordinator.authentication.JWTAuthentication"


class PackageAutoSchema(AutoSchema):
    """AutoSchema that documents the error answers every package view can give.

    Request bodies are documented as JSON where a view reads JSON. The views
    also read form and multipart bodies, but those cannot carry ``null`` or
    types other than text: a schema offering them would promise shapes (a
    null ``interview_type``, an integer id) that such a body cannot express.
    A view that reads no JSON (a file upload) keeps its own media types.
    """

    # The DELETE's declared request while its body is documented as a POST's.
    pinned_request: Any = None

    def _map_serializer(self, serializer: Any, direction: str, *args: Any, **kwargs: Any) -> Any:
        """Say in an ``anyOf`` that one of ``schema_one_of_required`` is needed, not blank.

        Each such field alone is optional (login takes a username or an
        email), so drf-spectacular documents none as required: with the rule
        stated, a client built from the schema never sends a refused shape.
        """
        schema = super()._map_serializer(serializer, direction, *args, **kwargs)  # type: ignore[no-untyped-call]
        names = getattr(serializer, "schema_one_of_required", ())
        if direction == "request" and names:
            schema["anyOf"] = [
                {"required": [name], "properties": {name: NOT_BLANK}} for name in names
            ]
        return schema

    def map_parsers(self) -> list[Any]:
        media_types: list[Any] = super().map_parsers()
        return [JSON] if JSON in media_types else media_types

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code, description in self.error_statuses():
            responses.setdefault(code, error_response(description))
        return operation

    def _get_request_body(self, direction: str = "request") -> Any:
        """drf-spectacular documents a body for POST, PUT and PATCH only.

        A DELETE that declares one with ``extend_schema(request=...)`` (deleting
        one's account takes the current password) gets it documented too, so
        that clients send it.
        """
        # drf-spectacular's private helpers are untyped.
        if not self.declares_delete_body():
            return super()._get_request_body(direction)  # type: ignore[no-untyped-call]
        # As a POST the declaration (scoped to DELETE) would not apply: pin it.
        self.pinned_request = self.get_request_serializer()
        self.method = "POST"
        try:
            return super()._get_request_body(direction)  # type: ignore[no-untyped-call]
        finally:
            self.method = "DELETE"
            self.pinned_request = None

    def get_request_serializer(self) -> Any:
        if self.pinned_request is not None:
            return self.pinned_request
        return super().get_request_serializer()

    def declares_delete_body(self) -> bool:
        if self.method != "DELETE":
            return False
        declared = self.get_request_serializer()
        if declared is None:
            return False
        default = self._get_serializer()  # type: ignore[no-untyped-call]
        return get_class(declared) is not get_class(default)

    def takes_body(self) -> bool:
        return self.method in BODY_METHODS or self.declares_delete_body()

    def get_paginated_name(self, serializer_name: str) -> str:
        """``PaginatedInterviewList`` for a page of ``InterviewList``, not ``...ListList``."""
        return super().get_paginated_name(serializer_name.removesuffix("List"))

    def open_to_anyone(self) -> bool:
        return all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())

    def credential_statuses(self) -> list[tuple[str, str]]:
        """401 and 403 where the operation can answer them.

        A view for signed-in users answers both: 401 without credentials, 403
        when a permission refuses or a session's CSRF check fails. A view open
        to anyone answers 401 only for a token it reads, in the header (even
        the index refuses an invalid one) or in the body (``token_in_body``:
        the token refresh, logout), and 403 only for a write it checks for
        CSRF: with a session, or where the view says so (``checks_csrf``:
        dj-rest-auth's cookie mode). So login, registration and the password
        reset and its confirmation answer neither without cookies, and the
        calendar feed, which authenticates nobody (its token is in its URL,
        an unknown one is a 404), neither.
        """
        authenticators = self.view.get_authenticators()
        if not self.open_to_anyone():
            return [UNAUTHORIZED, FORBIDDEN] if authenticators else [FORBIDDEN]
        statuses = []
        if getattr(self.view, "token_in_body", False):
            statuses.append(REFUSED_TOKEN)
        elif any(reads_header_token(authenticator) for authenticator in authenticators):
            statuses.append(INVALID_TOKEN)
        if self.method not in SAFE_METHODS and self.checks_csrf(authenticators):
            statuses.append(CSRF_FAILED)
        return statuses

    def checks_csrf(self, authenticators: list[Any]) -> bool:
        if any(isinstance(each, SessionAuthentication) for each in authenticators):
            return True
        declared = getattr(self.view, "checks_csrf", None)
        return bool(declared()) if callable(declared) else False

    def error_statuses(self) -> list[tuple[str, str]]:
        statuses = []
        if self.takes_body() or self._is_list_view():
            statuses.append(("400", "Invalid input, explained field by field."))
        statuses += self.credential_statuses()
        if "{" in self.path:
            statuses.append(("404", "No such object among the user's own."))
        if self.takes_body():
            statuses.append(("413", "Request body too large."))
            statuses.append(("415", "Unsupported content type."))
        statuses.append(("429", "Rate limit exceeded; see the Retry-After header."))
        statuses.append(("503", "A backing service is unavailable; retry later."))
        return statuses
