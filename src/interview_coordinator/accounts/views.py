"""The auth endpoints: registration, login, logout, token refresh, user, passwords.

Every endpoint that takes credentials or tokens is limited per client
address (``AUTH_RATE``, through ``ClientRateThrottle``); login is also
limited per target account. Endpoints that take credentials in the body do
not authenticate the request at all, so a stale session cookie can neither
stand in for the credentials nor trip a CSRF failure.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from django.contrib.auth import authenticate, get_user_model, logout, update_session_auth_hash
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework_simplejwt.exceptions import InvalidToken

from interview_coordinator.accounts import tokens
from interview_coordinator.accounts.forms import (
    BODY_TEMPLATE,
    SUBJECT_TEMPLATE,
    ApiPasswordResetForm,
)
from interview_coordinator.accounts.serializers import (
    DetailSerializer,
    LoginSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    TokenPairUserSerializer,
    UserDetailsSerializer,
    email_field,
    username_field,
)
from interview_coordinator.ratelimit import ClientRateThrottle, check_account
from interview_coordinator.security import log_event
from interview_coordinator.views.base import PackageViewMixin

INVALID_CREDENTIALS = _("Unable to log in with provided credentials.")


class AuthView(PackageViewMixin, generics.GenericAPIView[Any]):
    """Rate limited per client; ``ratelimit_scope`` names the endpoint's counter.

    Safe methods are not counted: they carry no credentials (reading the
    current user, the browsable API's forms, CORS preflights).
    """

    throttle_classes = [ClientRateThrottle]
    ratelimit_scope = ""
    ratelimit_exempt_methods = ("GET", "HEAD", "OPTIONS")

    def get_authenticate_header(self, request: Request) -> str:
        # A refused token must answer 401, which DRF only gives with a challenge.
        return 'Bearer realm="api"'


class CredentialsView(AuthView):
    """An endpoint whose body is the credential: no authentication, open to all."""

    def get_authenticators(self) -> list[BaseAuthentication]:
        return []

    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()]


def has_session_login(request: Request) -> bool:
    """Whether the browser is logged in through Django's session (admin, browsable API).

    Only then is the session touched: a JWT client must not get a session row.
    """
    return isinstance(request.successful_authenticator, SessionAuthentication)


def replace_password(user: Any, password: str) -> int:
    """Set a new password and revoke every refresh token, together; the number revoked.

    A token issued before the change must not outlive it: whoever knew the
    old password may hold one.
    """
    with transaction.atomic():
        user.set_password(password)
        user.save()
        revoked: int = tokens.revoke_all(user)
    return revoked


def token_response(user: AbstractBaseUser, pair: dict[str, str], code: int) -> Response:
    return Response(TokenPairUserSerializer({**pair, "user": user}).data, status=code)


@extend_schema(responses={201: TokenPairUserSerializer})
class RegisterView(CredentialsView):
    """Create an account with the host's user model; answers a token pair and the user."""

    serializer_class = RegisterSerializer
    ratelimit_scope = "register"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        fields = {username_field(): data["username"], email_field(): data["email"]}
        try:
            with transaction.atomic():
                user = get_user_model()._default_manager.create_user(
                    password=data["password1"], **fields
                )
                pair = tokens.issue_pair(user)
        except IntegrityError:
            # Another registration took the same name between validation and insert.
            raise serializers.ValidationError(
                {"username": [_("A user with that username already exists.")]}
            ) from None
        log_event("registration", request, user_id=user.pk)
        return token_response(user, pair, status.HTTP_201_CREATED)


def find_account(username: str, email: str) -> AbstractBaseUser | None:
    """The one account named by a username or an email, ignoring case.

    A ``username`` that holds an email address is also tried as one, since
    front ends often send whatever the person typed in that field.
    """
    manager = get_user_model()._default_manager
    if username:
        found: list[AbstractBaseUser] = list(
            manager.filter(**{f"{username_field()}__iexact": username})[:2]
        )
        if len(found) > 1:
            found = [user for user in found if user.get_username() == username]
        if len(found) == 1:
            return found[0]
        if "@" not in username:
            return None
        email = email or username
    if email:
        found = list(manager.filter(**{f"{email_field()}__iexact": email})[:2])
        if len(found) == 1:
            return found[0]
    return None


@extend_schema(responses={200: TokenPairUserSerializer})
class LoginView(CredentialsView):
    """Sign in with a username or an email and a password; answers a token pair and the user."""

    serializer_class = LoginSerializer
    ratelimit_scope = "login"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        account = find_account(data["username"], data["email"])
        named = data["username"] or data["email"]
        check_account(request, f"pk:{account.pk}" if account else f"name:{named.casefold()}")
        # An unknown name still goes through authenticate(), whose backend
        # hashes the password anyway, so timing does not reveal which exist.
        user = authenticate(
            request._request,
            username=account.get_username() if account else named,
            password=data["password"],
        )
        if user is None:
            log_event(
                "login_failure",
                request,
                level=logging.WARNING,
                user_id=account.pk if account else None,
            )
            raise serializers.ValidationError({"non_field_errors": [INVALID_CREDENTIALS]})
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        pair = tokens.issue_pair(user)
        log_event("login_success", request, user_id=user.pk)
        return token_response(user, pair, status.HTTP_200_OK)


@extend_schema(responses={200: TokenPairSerializer})
class TokenRefreshView(CredentialsView):
    """Exchange a refresh token for a new pair; the one given stops working."""

    serializer_class = RefreshSerializer
    ratelimit_scope = "token-refresh"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            pair = tokens.rotate(serializer.validated_data["refresh"])
        except tokens.RefreshRejected as exc:
            reused = exc.reason == "blacklisted"
            log_event(
                "refresh_token_reused" if reused else "refresh_token_invalid",
                request,
                level=logging.WARNING,
                user_id=exc.user_id,
                reason=exc.reason,
            )
            raise InvalidToken() from exc
        return Response(pair)


@extend_schema(responses={200: DetailSerializer})
class LogoutView(AuthView):
    """Blacklists the given refresh token and ends the session, if any.

    Open to all: the refresh token in the body is the credential. Without
    one it still answers 200, as front ends call it that way. Only the
    session is authenticated here: front ends often log out with an expired
    access token, which must not stop the refresh token being blacklisted.
    """

    serializer_class = LogoutSerializer
    ratelimit_scope = "logout"

    def get_authenticators(self) -> list[BaseAuthentication]:
        return [
            authenticator
            for authenticator in super().get_authenticators()
            if isinstance(authenticator, SessionAuthentication)
        ]

    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        raw = serializer.validated_data.get("refresh", "")
        user_id = request.user.pk if request.user.is_authenticated else None
        if raw:
            try:
                user_id = tokens.revoke(raw)
            except tokens.RefreshRejected as exc:
                log_event(
                    "logout_rejected",
                    request,
                    level=logging.WARNING,
                    user_id=exc.user_id,
                    reason=exc.reason,
                )
                raise InvalidToken() from exc
        if has_session_login(request):
            logout(request._request)
        log_event("logout", request, user_id=user_id, blacklisted=bool(raw))
        if raw:
            return Response({"detail": _("Successfully logged out.")})
        return Response(
            {
                "detail": _(
                    "Successfully logged out. No refresh token was given, "
                    "so there was nothing to blacklist."
                )
            }
        )


class UserDetailsView(AuthView, generics.RetrieveUpdateAPIView[Any]):
    """The current user. Reading it is not counted against the credential limit."""

    serializer_class = UserDetailsSerializer
    ratelimit_scope = "user"

    def get_throttles(self) -> list[BaseThrottle]:
        # Reads fall under the host's ordinary throttles; writes are counted
        # against the credential limit as well.
        # The stubs type the setting as strings; DRF has imported the classes.
        defaults = cast("list[type[BaseThrottle]]", api_settings.DEFAULT_THROTTLE_CLASSES)
        return [*(throttle() for throttle in defaults), *super().get_throttles()]

    def get_permissions(self) -> list[BasePermission]:
        return [IsAuthenticated()]

    def get_object(self) -> Any:
        return self.request.user

    def get_queryset(self) -> Any:
        return get_user_model()._default_manager.none()


@extend_schema(responses={200: DetailSerializer})
class PasswordChangeView(AuthView):
    """Sets a new password and revokes every refresh token of the user."""

    serializer_class = PasswordChangeSerializer
    ratelimit_scope = "password-change"

    def get_permissions(self) -> list[BasePermission]:
        return [IsAuthenticated()]

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "user": self.request.user}

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user: Any = request.user
        revoked = replace_password(user, serializer.validated_data["new_password1"])
        if has_session_login(request):
            update_session_auth_hash(request._request, user)
        log_event("password_change", request, user_id=user.pk, revoked_tokens=revoked)
        return Response({"detail": _("New password has been saved.")})


@extend_schema(responses={200: DetailSerializer})
class PasswordResetView(CredentialsView):
    """Emails a reset token; answers the same whether or not the address is known."""

    serializer_class = PasswordResetSerializer
    ratelimit_scope = "password-reset"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        check_account(request, f"email:{email.casefold()}", scope="password-reset-account")
        form = ApiPasswordResetForm({"email": email})
        if form.is_valid():
            form.save(
                request=request._request,
                use_https=request.is_secure(),
                subject_template_name=SUBJECT_TEMPLATE,
                email_template_name=BODY_TEMPLATE,
            )
        log_event("password_reset_requested", request)
        return Response({"detail": _("Password reset e-mail has been sent.")})


@extend_schema(responses={200: DetailSerializer})
class PasswordResetConfirmView(CredentialsView):
    """Set a new password with the uid and token of a reset email."""

    serializer_class = PasswordResetConfirmSerializer
    ratelimit_scope = "password-reset-confirm"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        revoked = replace_password(user, serializer.validated_data["new_password1"])
        log_event("password_reset", request, user_id=user.pk, revoked_tokens=revoked)
        return Response({"detail": _("Password has been reset with the new password.")})
