"""Request and response bodies of the auth endpoints.

Field names and shapes are dj-rest-auth's (``password1``/``password2``,
``new_password1``/``new_password2``, ``uid``/``token``, ``{access, refresh,
user}``), so front ends written for it keep working. dj-rest-auth's own
serializers cannot be imported without a token model configured in the
host's ``REST_AUTH`` setting, which the package must not require, so these
are written here on the host's user model and password validators.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from interview_coordinator.conf import app_settings

# New passwords are capped like dj-rest-auth's; a login password may be
# longer, so that accounts created elsewhere can still sign in.
NEW_PASSWORD_MAX_LENGTH = 128
LOGIN_PASSWORD_MAX_LENGTH = 4096


class TextField(serializers.CharField):
    """A CharField that refuses text the database and hashers cannot encode.

    JSON may carry lone surrogates (``"\\ud800"``); left in, they fail deep in
    the password hasher or the database driver as a 500.
    """

    default_error_messages = {"encoding": _("Text contains characters that are not valid.")}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("encoding")
        return value


class PasswordField(TextField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", NEW_PASSWORD_MAX_LENGTH)
        super().__init__(
            write_only=True, trim_whitespace=False, style={"input_type": "password"}, **kwargs
        )


def username_field() -> str:
    return str(get_user_model().USERNAME_FIELD)


def email_field() -> str:
    return str(get_user_model().get_email_field_name())


def user_fields() -> list[str]:
    """dj-rest-auth's user shape, limited to the fields the host's user model has."""
    model = get_user_model()
    names = {field.name for field in model._meta.get_fields()}
    wanted = [model.USERNAME_FIELD, model.get_email_field_name(), "first_name", "last_name"]
    return ["pk", *(name for name in wanted if name in names)]


def normalize_email(value: str) -> str:
    """Emails are compared case-insensitively; the domain is also stored lowercased."""
    return str(get_user_model()._default_manager.normalize_email(value.strip()))


# Used when neither INTERVIEW_COORDINATOR nor the host names any validator: an
# empty AUTH_PASSWORD_VALIDATORS must not mean "any password will do" here.
DEFAULT_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


def password_validators() -> list[Any] | None:
    """The validators to apply; None means the host's, which Django builds once."""
    config = app_settings.PASSWORD_VALIDATORS
    if config is None and settings.AUTH_PASSWORD_VALIDATORS:
        return None
    if config is None:
        config = DEFAULT_PASSWORD_VALIDATORS
    return list(password_validation.get_password_validators(config))


def validate_new_password(
    password1: str, password2: str, user: Any, names: tuple[str, str]
) -> None:
    """Django's password validators, with their messages on the first field."""
    errors: dict[str, list[str]] = {}
    if password1 != password2:
        errors[names[1]] = [str(_("The two password fields didn't match."))]
    try:
        password_validation.validate_password(password1, user, password_validators())
    except DjangoValidationError as exc:
        errors[names[0]] = [str(message) for message in exc.messages]
    if errors:
        raise serializers.ValidationError(errors)


def username_taken(username: str, exclude_pk: Any = None) -> bool:
    users = get_user_model()._default_manager.filter(**{f"{username_field()}__iexact": username})
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    return bool(users.exists())


def clean_username(value: str) -> None:
    """The user model's own validators (length, allowed characters)."""
    field = get_user_model()._meta.get_field(username_field())
    try:
        field.run_validators(value)  # type: ignore[union-attr]
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc


class UserDetailsSerializer(serializers.ModelSerializer[Any]):
    """The ``user`` object: pk, username, email, first and last name.

    The email is read-only here, as in dj-rest-auth: changing it should
    prove the new address, which this endpoint cannot.
    """

    class Meta:
        model = get_user_model()
        fields = user_fields()
        read_only_fields = ["pk", get_user_model().get_email_field_name()]

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
    }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        name = username_field()
        if name in attrs:
            exclude = self.instance.pk if self.instance is not None else None
            if username_taken(attrs[name], exclude_pk=exclude):
                raise serializers.ValidationError(
                    {name: [_("A user with that username already exists.")]}
                )
        return attrs


class RegisterSerializer(serializers.Serializer[Any]):
    username = TextField(max_length=150, validators=[clean_username])
    email = serializers.EmailField(max_length=254)
    password1 = PasswordField()
    password2 = PasswordField()

    def validate_username(self, value: str) -> str:
        if username_taken(value):
            raise serializers.ValidationError(_("A user with that username already exists."))
        return value

    def validate_email(self, value: str) -> str:
        value = normalize_email(value)
        users = get_user_model()._default_manager.filter(**{f"{email_field()}__iexact": value})
        if users.exists():
            raise serializers.ValidationError(_("A user with that email address already exists."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = get_user_model()(
            **{username_field(): attrs["username"], email_field(): attrs["email"]}
        )
        validate_new_password(
            attrs["password1"], attrs["password2"], candidate, ("password1", "password2")
        )
        return attrs


class LoginSerializer(serializers.Serializer[Any]):
    username = TextField(required=False, allow_blank=True, max_length=254)
    email = TextField(required=False, allow_blank=True, max_length=254)
    password = PasswordField(max_length=LOGIN_PASSWORD_MAX_LENGTH)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["username"] = attrs.get("username", "").strip()
        attrs["email"] = attrs.get("email", "").strip()
        if not attrs["username"] and not attrs["email"]:
            raise serializers.ValidationError(
                {"username": [_('Must include either "username" or "email" and "password".')]}
            )
        return attrs


class RefreshSerializer(serializers.Serializer[Any]):
    refresh = TextField(max_length=4096)


class LogoutSerializer(serializers.Serializer[Any]):
    refresh = TextField(max_length=4096, required=False, allow_blank=True)


class PasswordChangeSerializer(serializers.Serializer[Any]):
    """Changing a password needs the old one: a stolen access token is not enough."""

    old_password = PasswordField(max_length=LOGIN_PASSWORD_MAX_LENGTH)
    new_password1 = PasswordField()
    new_password2 = PasswordField()

    def validate_old_password(self, value: str) -> str:
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError(
                _("Your old password was entered incorrectly. Please enter it again.")
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        validate_new_password(
            attrs["new_password1"],
            attrs["new_password2"],
            self.context["user"],
            ("new_password1", "new_password2"),
        )
        return attrs


class PasswordResetSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer[Any]):
    uid = TextField(max_length=64)
    token = TextField(max_length=128)
    new_password1 = PasswordField()
    new_password2 = PasswordField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user_model = get_user_model()
        try:
            pk = force_str(urlsafe_base64_decode(attrs["uid"]))
            user = user_model._default_manager.get(pk=pk)
        except (
            TypeError,
            ValueError,
            OverflowError,
            DjangoValidationError,
            user_model.DoesNotExist,
        ):
            raise serializers.ValidationError({"uid": [_("Invalid value")]}) from None
        if not default_token_generator.check_token(user, attrs["token"]):
            raise serializers.ValidationError({"token": [_("Invalid value")]})
        validate_new_password(
            attrs["new_password1"], attrs["new_password2"], user, ("new_password1", "new_password2")
        )
        attrs["user"] = user
        return attrs


class TokenPairSerializer(serializers.Serializer[Any]):
    """The answer of a token refresh."""

    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)


class TokenPairUserSerializer(TokenPairSerializer):
    """The answer of registration and login: dj-rest-auth's ``{access, refresh, user}``."""

    user = UserDetailsSerializer(read_only=True)


class DetailSerializer(serializers.Serializer[Any]):
    """The answer of logout and the password endpoints: a message for the person."""

    detail = serializers.CharField(read_only=True)
