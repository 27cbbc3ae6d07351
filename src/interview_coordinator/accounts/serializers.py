"""dj-rest-auth's serializers on the host's user model, with the package's rules.

Security events are logged here, where the outcome is known.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from dj_rest_auth import serializers as rest_auth
from dj_rest_auth.app_settings import api_settings as rest_auth_settings
from django.contrib.auth import authenticate, get_user_model, update_session_auth_hash
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException

from interview_coordinator.accounts import passwords, tokens
from interview_coordinator.accounts.tasks import send_password_reset
from interview_coordinator.conf import app_settings
from interview_coordinator.queueing import BrokerUnavailable, publish
from interview_coordinator.ratelimit import enforce
from interview_coordinator.security import log_event

TAKEN = {
    "username": _("A user with that username already exists."),
    "email": _("A user with that email address already exists."),
}


class DetailSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField(read_only=True)


class TextField(serializers.CharField):
    """Strings only, none with lone surrogates (a 500 deeper down)."""

    def to_internal_value(self, data: Any) -> str:
        try:
            data.encode()  # DRF's CharField would read 123 as "123"
        except (AttributeError, UnicodeEncodeError):
            self.fail("invalid")
        return str(super().to_internal_value(data))


def password_field(max_length: int = 128) -> TextField:
    """A password; one to sign in with may be longer, as accounts made elsewhere may have."""
    return TextField(max_length=max_length, write_only=True, trim_whitespace=False)


def model_field(kind: str) -> str:
    model = get_user_model()
    return str(model.USERNAME_FIELD if kind == "username" else model.get_email_field_name())


def users_named(kind: str, value: str) -> Any:
    """The accounts whose username (or email) is ``value`` ignoring case and NFKC look-alikes."""
    model = get_user_model()
    return model._default_manager.filter(
        **{f"{model_field(kind)}__iexact": model.normalize_username(value)}
    )


def name_key(value: str) -> str:
    """A name as ``users_named`` compares it: its lock's key, and an unknown name's budget.

    The database's case mapping, not Python's: to it ``straße`` is not ``strasse``, and a
    dotless i is an i.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT UPPER(%s)", [get_user_model().normalize_username(value)])
        return str(cursor.fetchone()[0])


def claim(user: Any, kinds: tuple[str, ...]) -> None:
    """Save a user whose names are free, checked under a lock per name; a conflict is a 400.

    No case-insensitive constraint exists: a PostgreSQL lock serialises check and write.
    """
    setattr(user, model_field("username"), user.normalize_username(user.get_username()))
    names = {kind: getattr(user, model_field(kind)) or "" for kind in kinds}
    try:
        with transaction.atomic():
            locks = {name_key(name) for name in names.values() if name}
            for name in sorted(locks) if connection.vendor == "postgresql" else ():
                digest = hashlib.sha256(f"interview_coordinator:{name}".encode()).digest()
                with connection.cursor() as cursor:
                    key = int.from_bytes(digest[:8], "big", signed=True)
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
            taken = [
                k for k, v in names.items() if v and users_named(k, v).exclude(pk=user.pk).exists()
            ]
            if taken:
                raise serializers.ValidationError({kind: [TAKEN[kind]] for kind in taken})
            user.save()
    except IntegrityError:
        raise serializers.ValidationError({"username": [TAKEN["username"]]}) from None


@extend_schema_serializer(component_name="User")  # apart from the one of dj-rest-auth's answers
class UserDetailsSerializer(rest_auth.UserDetailsSerializer):  # type: ignore[misc]
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        CharField: TextField,
    }

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        for attr, value in validated_data.items():
            setattr(instance, attr, value)
        claim(instance, ("username",))
        return instance


def new_user(attrs: dict[str, Any]) -> Any:
    """An unsaved user with the registration's names, normalized as the model does."""
    model = get_user_model()
    username = model.normalize_username(attrs.get("username", ""))
    email = model._default_manager.normalize_email(attrs.get("email", ""))
    return model(**{model_field("username"): username, model_field("email"): email})


class RegisterSerializer(serializers.Serializer[Any]):
    """dj-rest-auth's registration body, on the host's user model and validators."""

    username = TextField(max_length=150)
    email = serializers.EmailField(max_length=254)
    password1 = password_field()
    password2 = password_field()

    def to_internal_value(self, data: Any) -> Any:
        """The fields' errors and the account rules' together: one answer names every mistake.

        DRF runs ``validate`` only once every field is valid, so a blank
        username would hide a weak password until the next try.
        """
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(data, Mapping) or not isinstance(exc.detail, dict):
                raise
            valid = {
                name: field.run_validation(field.get_value(data))
                for name, field in self.fields.items()
                if name not in exc.detail
            }
            raise serializers.ValidationError({**self.rule_errors(valid), **exc.detail}) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if errors := self.rule_errors(attrs):
            raise serializers.ValidationError(errors)
        user = new_user(attrs)
        user.set_password(attrs["password1"])
        return {"user": user}

    def rule_errors(self, attrs: dict[str, Any]) -> dict[str, list[Any]]:
        """The username's validators and the password policy, on those of ``attrs`` present."""
        user = new_user(attrs)
        errors: dict[str, list[Any]] = {}
        if attrs.keys() >= {"password1", "password2"} and attrs["password1"] != attrs["password2"]:
            errors["password2"] = [passwords.MISMATCH]
        if "username" in attrs:
            try:
                user._meta.get_field(model_field("username")).run_validators(user.get_username())
            except DjangoValidationError as exc:
                errors["username"] = exc.messages
        password = attrs.get("password1")
        if password is not None and (messages := passwords.password_errors(password, user)):
            errors["password1"] = messages
        return errors

    def save(self, **kwargs: Any) -> Any:
        claim(self.validated_data["user"], ("username", "email"))
        log_event("registration", self.context["request"], user_id=self.validated_data["user"].pk)
        return self.validated_data["user"]


def find_account(username: str, email: str) -> Any:
    """The one account named by the username, else by the email, ignoring case.

    The email is not read beside a username: falling back to it when no such username
    exists would tell which do. Either field finds the same account (its failure budget): a
    name holding ``@`` is an email first, so no username shadows another account's email.
    """
    name = username or email
    at = "@" in get_user_model().normalize_username(name)
    kinds = ("email", "username") if at else ("username",)
    for kind in kinds:
        found = list(users_named(kind, name)[:2])
        if len(found) > 1:
            found = [user for user in found if getattr(user, model_field(kind)) == name]
        if len(found) == 1:
            return found[0]
    return None


class LoginSerializer(rest_auth.LoginSerializer):  # type: ignore[misc]
    """dj-rest-auth's login; the account is found once, by username or email, any case."""

    username = TextField(required=False, allow_blank=True, max_length=254)
    email = TextField(required=False, allow_blank=True, max_length=254)
    password = password_field(4096)
    schema_one_of_required = ("username", "email")

    def get_auth_user(self, username: str, email: str, password: str) -> Any:
        username, email = (username or "").strip(), (email or "").strip()
        if not username and not email:
            message = _('Must include either "username" or "email" and "password".')
            raise serializers.ValidationError(message)
        account, request = find_account(username, email), self.context["request"]
        # An unknown name still goes through authenticate(), whose backend
        # hashes the password anyway, so timing does not reveal which exist.
        name = account.get_username() if account else username or email
        user = passwords.attempt(
            request,
            account,
            "" if account else name_key(name),
            lambda: authenticate(request, username=name, password=password),
        )
        if user is None:
            account_id = account.pk if account else None
            log_event("login_failure", request, level=logging.WARNING, user_id=account_id)
        return user


class LogoutSerializer(serializers.Serializer[Any]):
    """Logout's (and refresh's) refresh token: the body's, else the refresh cookie's."""

    refresh = TextField(max_length=4096, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        cookies = self.context["request"].COOKIES
        cookie = cookies.get(rest_auth_settings.JWT_AUTH_REFRESH_COOKIE or "", "")
        return {"refresh": str(attrs.get("refresh") or cookie)}


class RefreshSerializer(LogoutSerializer):
    access = serializers.CharField(read_only=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Without the cookie mode, the body is the only place: say so field by field.
        self.fields["refresh"].required = not rest_auth_settings.JWT_AUTH_REFRESH_COOKIE

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            return tokens.rotate(super().validate(attrs)["refresh"])
        except tokens.RefreshRejected as exc:
            reused = exc.reason == "blacklisted"
            event = f"refresh_token_{'reused' if reused else 'invalid'}"
            raise exc.refuse(self.context["request"], event) from exc


class NewPasswordSerializer(serializers.Serializer[Any]):
    set_password_form_class = passwords.SetPasswordForm
    set_password_form: passwords.SetPasswordForm
    new_password1 = password_field()
    new_password2 = password_field()
    event = "password_reset"

    def run_validation(self, data: Any = serializers.empty) -> Any:
        """Every field's errors at once: a wrong old password, uid or token, which stop DRF
        and dj-rest-auth before the new passwords are checked, does not hide their messages.
        """
        try:
            return super().run_validation(data)
        except serializers.ValidationError as exc:
            if not isinstance(data, Mapping) or not isinstance(exc.detail, dict):
                raise
            valid = {
                name: self.fields[name].run_validation(self.fields[name].get_value(data))
                for name in ("new_password1", "new_password2")
                if name not in exc.detail
            }
            form = self.set_password_form_class(user=self.known_user(), data=valid)
            errors: dict[str, Any] = {**form.errors, **exc.detail}
            raise serializers.ValidationError(errors) from exc

    def known_user(self) -> Any:
        """Whose names a new password may be compared with before the request is trusted."""
        return None

    def save(self, **kwargs: Any) -> Any:
        with transaction.atomic():
            # Checked again in turn on the locked row: a concurrent change or
            # reset may have used the old password or the token since.
            user = self.set_password_form.user
            user.refresh_from_db(from_queryset=type(user)._default_manager.select_for_update())
            self.run_validation(self.initial_data)
            form = self.set_password_form
            form.save()
        log_event(
            self.event, self.context["request"], user_id=form.user.pk, revoked_tokens=form.revoked
        )


class PasswordChangeSerializer(NewPasswordSerializer, rest_auth.PasswordChangeSerializer):  # type: ignore[misc]
    """dj-rest-auth's, always asking for the old password: a stolen access token is not enough."""

    event = "password_change"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.old_password_field_enabled = True
        self.fields["old_password"] = password_field(4096)

    def known_user(self) -> Any:
        return self.user

    def validate_old_password(self, value: str) -> str:
        """Wrong old passwords spend the account's failure budget, as failed logins do."""
        if not passwords.attempt(
            self.request, self.user, "", lambda: self.user.check_password(value)
        ):
            message = _("Your old password was entered incorrectly. Please enter it again.")
            raise serializers.ValidationError(message)
        return value

    def save(self, **kwargs: Any) -> Any:
        super().save()
        # Only a browser signed in through Django's session keeps it; a JWT
        # client must not get a session row.
        if isinstance(self.request.successful_authenticator, SessionAuthentication):
            update_session_auth_hash(self.request, self.user)


class PasswordResetConfirmSerializer(
    NewPasswordSerializer,
    rest_auth.PasswordResetConfirmSerializer,  # type: ignore[misc]
):
    uid = TextField(max_length=64)
    token = TextField(max_length=128)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """dj-rest-auth's, answering a uid that names no user as a wrong token: apart, they
        told which user ids exist. Only the uid the email wrote names its user, not another
        spelling of its pk (full-width digits read as an int).
        """
        try:
            attrs = super().validate(attrs)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict) or "uid" not in exc.detail:
                raise
            raise serializers.ValidationError({"token": exc.detail["uid"]}) from None
        if force_str(urlsafe_base64_decode(attrs["uid"])) != str(self.user.pk):
            raise serializers.ValidationError({"token": [_("Invalid value")]})
        return attrs


class EmailUnavailable(APIException):
    status_code = 503
    default_detail = _("Emails cannot be queued right now. Please try again in a few minutes.")
    default_code = "email_unavailable"
    wait = 60


class PasswordResetSerializer(rest_auth.PasswordResetSerializer):  # type: ignore[misc]
    email = serializers.EmailField(max_length=254)

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
