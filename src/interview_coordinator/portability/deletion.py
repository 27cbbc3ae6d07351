"""Deleting one's own account: the current password, then everything goes at once.

A stolen access token alone must not delete an account, so the current
password is required (wrong ones spend the failure budget of logins).
The refresh tokens are blacklisted before the user row goes, so no copy of
one can mint an access token afterwards; the package's data is erased by the
core app's ``erase_user_data`` in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.request import Request

from interview_coordinator.accounts import passwords, tokens
from interview_coordinator.accounts.serializers import TextField
from interview_coordinator.portability.erasure import erase_user_data
from interview_coordinator.security import log_event


class AccountDeleteSerializer(serializers.Serializer[Any]):
    password = TextField(
        max_length=4096,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=_("The account's current password."),
    )

    def validate_password(self, value: str) -> str:
        """Wrong passwords spend the account's failure budget, as failed logins do."""
        user = self.context["request"].user
        if not passwords.attempt(
            self.context["request"], user, "", lambda: user.check_password(value)
        ):
            raise serializers.ValidationError(_("The password is not correct."), code="invalid")
        return value


def delete_account(request: Request) -> dict[str, Any]:
    """Revoke the user's refresh tokens, erase the package's data, delete the user; log it."""
    user = request.user
    user_id = user.pk
    with transaction.atomic():
        revoked = tokens.revoke_tokens(user)
        erased = erase_user_data(user_id)
        user.delete()
    log_event("account_deleted", request, user_id=user_id, refresh_tokens_revoked=revoked)
    return {"refresh_tokens_revoked": revoked, "erased": erased}
