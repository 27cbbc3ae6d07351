"""dj-rest-auth's serializers on the host's user model, with the package's rules.

Field names and shapes are dj-rest-auth's. Every text field refuses what is
not a string or cannot be encoded with a 400; the endpoints log their
security events here, where the outcome is known.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from typing import Any

from dj_rest_auth import serializers as rest_auth
from dj_rest_auth.app_settings import api_settings as rest_auth_settings
from dj_rest_auth.jwt_auth import CookieTokenRefreshSerializer, JWTCookieAuthentication
from django.contrib.auth import authenticate, get_user_model, update_session_auth_hash
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException

from interview_coordinator.accounts import forms, lockout, tokens
from interview_coordinator.accounts.tasks import send_password_reset
from interview_coordinator.conf import app_settings
from interview_coordinator.queueing import BrokerUnavailable, publish
from interview_coordinator.ratelimit import enforce
from interview_coordinator.security import log_event

# Longer than a new password may be, so that accounts created elsewhere sign in.
LOGIN_PASSWORD_MAX_LENGTH = 4096
TAKEN = {
    "username": _("A user with that username already exists."),
    "email": _("A user with that email address already exists."),
}


class DetailSerializer(serializers.Serializer[Any]):
    """The answer of logout and the password endpoints: a message for the person."""

    detail = serializers.CharField(read_only=True)


class TextField(serializers.CharField):
    """Strings only (DRF's turns 123 into "123"), none with lone surrogates (a 500 deeper down)."""

    def to_internal_value(self, data: Any) -> str:
        try:
            data.encode()
        except (AttributeError, UnicodeEncodeError):
            self.fail("invalid")
        return str(super().to_internal_value(data))


def password_field(max_length: int = 128) -> TextField:
    return TextField(max_length=max_length, write_only=True, trim_whitespace=False)


def model_field(kind: str) -> str:
    model = get_user_model()
    return str(model.USERNAME_FIELD if kind == "username" else model.get_email_field_name())


def normalize(value: str) -> str:
    """NFKC, as ``create_user`` stores a username: full-width look-alikes are one name."""
    return unicodedata.normalize("NFKC", value)


def users_named(kind: str, value: str) -> Any:
    """The accounts whose username (or email) equals ``value`` ignoring case and look-alikes."""
    lookup = {f"{model_field(kind)}__iexact": normalize(value)}
    return get_user_model()._default_manager.filter(**lookup)


def claim(user: Any, kinds: tuple[str, ...]) -> None:
    """Save a user if its names are free, checked under a lock per name; a conflict is a 400.

    The host's user table knows nothing of case-insensitive uniqueness, so
    two requests could both find a name free: on PostgreSQL a transaction
    lock per name (not a table constraint) serialises check and write.
    """
    names = {kind: getattr(user, model_field(kind)) or "" for kind in kinds}
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                for name in sorted({normalize(name).casefold() for name in names.values() if name}):
                    digest = hashlib.sha256(f"interview_coordinator:{name}".encode()).digest()
                    key = int.from_bytes(digest[:8], "big", signed=True)
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
            errors = {
                kind: [TAKEN[kind]]
                for kind, name in names.items()
                if name and users_named(kind, name).exclude(pk=user.pk).exists()
            }
            if errors:
                raise serializers.ValidationError(errors)
            user.save()
    except IntegrityError:
        raise serializers.ValidationError({"username": [TAKEN["username"]]}) from None


# Named apart from dj-rest-auth's, which its JWT answer documents.
@extend_schema_serializer(component_name="User")
class UserDetailsSerializer(rest_auth.UserDetailsSerializer):  # type: ignore[misc]
    """dj-rest-auth's ``user``: pk, username, email (read-only), first and last name."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        CharField: TextField,
    }

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        for attr, value in validated_data.items():
            setattr(instance, attr, normalize(value) if attr == model_field("username") else value)
        claim(instance, ("username",))
        return instance


class RegisterSerializer(serializers.Serializer[Any]):
    """dj-rest-auth's registration body, on the host's user model and validators."""

    username = TextField(max_length=150)
    email = serializers.EmailField(max_length=254)
    password1 = password_field()
    password2 = password_field()

    def validate_username(self, value: str) -> str:
        field = get_user_model()._meta.get_field(model_field("username"))
        try:
            field.run_validators(normalize(value))  # type: ignore[union-attr]
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return normalize(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        model = get_user_model()
        email = model._default_manager.normalize_email(attrs["email"])
        user = model(**{model_field("username"): attrs["username"], model_field("email"): email})
        errors: dict[str, list[Any]] = (
            {"password2": [forms.MISMATCH]} if attrs["password1"] != attrs["password2"] else {}
        )
        if messages := forms.password_errors(attrs["password1"], user):
            errors["password1"] = messages
        if errors:
            raise serializers.ValidationError(errors)
        user.set_password(attrs["password1"])
        return {"user": user}

    def save(self, **kwargs: Any) -> Any:
        claim(self.validated_data["user"], ("username", "email"))
        log_event("registration", self.context["request"], user_id=self.validated_data["user"].pk)
        return self.validated_data["user"]


def find_account(username: str, email: str) -> Any:
    """The one account named by a username or an email, ignoring case.

    A name holding ``@`` is looked up as an email first: front ends send
    whatever the person typed in ``username``, and nobody's username may
    shadow another account's email.
    """
    lookups = [("email", username)] if "@" in username else []
    for kind, value in [*lookups, ("username", username), ("email", email)]:
        found = list(users_named(kind, value)[:2]) if value else []
        if len(found) > 1:
            found = [user for user in found if getattr(user, model_field(kind)) == value]
        if len(found) == 1:
            return found[0]
    return None


class LoginSerializer(rest_auth.LoginSerializer):  # type: ignore[misc]
    """dj-rest-auth's login; the account is found once, by username or email, any case."""

    username = TextField(required=False, allow_blank=True, max_length=254)
    email = TextField(required=False, allow_blank=True, max_length=254)
    password = password_field(LOGIN_PASSWORD_MAX_LENGTH)
    schema_one_of_required = ("username", "email")

    def get_auth_user(self, username: str, email: str, password: str) -> Any:
        username, email = (username or "").strip(), (email or "").strip()
        if not username and not email:
            raise serializers.ValidationError(
                _('Must include either "username" or "email" and "password".')
            )
        account, request = find_account(username, email), self.context["request"]
        where = lockout.bucket(request, account, username or email)
        lockout.failures(request, where, count=False)
        # An unknown name still goes through authenticate(), whose backend
        # hashes the password anyway, so timing does not reveal which exist.
        name = account.get_username() if account else username or email
        user = authenticate(request, username=name, password=password)
        if user is None:
            lockout.failures(request, where, count=True)
            account_id = account.pk if account else None
            log_event("login_failure", request, level=logging.WARNING, user_id=account_id)
        return user


def refresh_token(request: Any, body: str | None) -> str:
    """The body's refresh token, else the refresh cookie's.

    A token read from the cookie is a cookie credential: without the CSRF
    token the answer is 403. A body's token is not, so Bearer and body
    clients need no CSRF token.
    """
    raw = body or str(request.COOKIES.get(rest_auth_settings.JWT_AUTH_REFRESH_COOKIE or "", ""))
    if raw and not body:
        JWTCookieAuthentication().enforce_csrf(request)
    return raw


class RefreshSerializer(CookieTokenRefreshSerializer):  # type: ignore[misc]
    """simplejwt's refresh, reading dj-rest-auth's refresh cookie when the body has none."""

    refresh = TextField(required=False, allow_blank=True, max_length=4096)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Without the cookie mode, the body is the only place: say so field by field.
        self.fields["refresh"].required = not rest_auth_settings.JWT_AUTH_REFRESH_COOKIE

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        request = self.context["request"]
        try:
            return tokens.rotate(refresh_token(request, attrs.get("refresh")))
        except tokens.RefreshRejected as exc:
            reused = exc.reason == "blacklisted"
            raise exc.refuse(request, f"refresh_token_{'reused' if reused else 'invalid'}") from exc


class LogoutSerializer(serializers.Serializer[Any]):
    refresh = TextField(max_length=4096, required=False, allow_blank=True)


class PasswordChangeSerializer(rest_auth.PasswordChangeSerializer):  # type: ignore[misc]
    """dj-rest-auth's, always asking for the old password: a stolen access token is not enough."""

    set_password_form_class = forms.SetPasswordForm
    new_password1 = password_field()
    new_password2 = password_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.old_password_field_enabled = True
        self.fields["old_password"] = password_field(LOGIN_PASSWORD_MAX_LENGTH)

    def validate_old_password(self, value: str) -> str:
        """Wrong old passwords spend the account's failure budget, as failed logins do."""
        where = lockout.bucket(self.request, self.user, "")
        lockout.failures(self.request, where, count=False)
        try:
            return str(super().validate_old_password(value))
        except serializers.ValidationError:
            lockout.failures(self.request, where, count=True)
            raise

    def save(self) -> None:
        self.set_password_form.save()
        revoked = self.set_password_form.revoked
        log_event("password_change", self.request, revoked_tokens=revoked)
        # Only a browser signed in through Django's session keeps it; a JWT
        # client must not get a session row.
        if isinstance(self.request.successful_authenticator, SessionAuthentication):
            update_session_auth_hash(self.request, self.user)


class EmailUnavailable(APIException):
    status_code = 503
    default_detail = _("Emails cannot be queued right now. Please try again in a few minutes.")
    default_code = "email_unavailable"
    wait = 60


class PasswordResetSerializer(rest_auth.PasswordResetSerializer):  # type: ignore[misc]
    email = serializers.EmailField(max_length=254)
    password_reset_form_class = forms.PasswordResetForm

    def save(self) -> None:
        """Queue the email, after a limit per target address from any client."""
        request, address = self.context["request"], self.validated_data["email"]
        rate, what = app_settings.PASSWORD_RESET_RATE, str(_("for this address"))
        enforce(request, "password-reset-address", address.casefold(), rate, what)
        try:
            publish(send_password_reset, address, request.get_host(), request.is_secure())
        except BrokerUnavailable as exc:
            raise EmailUnavailable() from exc
        log_event("password_reset_requested", request)


class PasswordResetConfirmSerializer(rest_auth.PasswordResetConfirmSerializer):  # type: ignore[misc]
    set_password_form_class = forms.SetPasswordForm
    new_password1 = password_field()
    new_password2 = password_field()
    uid = TextField(max_length=64)
    token = TextField(max_length=128)

    def save(self) -> None:
        form = self.set_password_form
        form.save()
        log_event(
            "password_reset",
            self.context["request"],
            user_id=form.user.pk,
            revoked_tokens=form.revoked,
        )
