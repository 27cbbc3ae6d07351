"""What the OpenAPI schema says about the auth endpoints beyond what their fields show.

Login takes a ``username`` or an ``email`` (either may be left out, not
both): each field alone is optional, so drf-spectacular documents neither
as required. The request schema adds the rule as an ``anyOf``, so a client
built from the schema never sends a login that is refused for its shape.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema

# A name that is not empty once surrounding spaces are removed.
NOT_BLANK = {"type": "string", "pattern": r"\S"}


class LoginSerializerExtension(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]
    """The login request needs a username or an email, at least one of them not blank."""

    target_class = "interview_coordinator.accounts.serializers.LoginSerializer"

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer(  # type: ignore[no-untyped-call]
            self.target_class, direction, bypass_extensions=True
        )
        if direction == "request":
            schema["anyOf"] = [
                {"required": [name], "properties": {name: NOT_BLANK}}
                for name in ("username", "email")
            ]
        return schema
