"""dj-rest-auth's views in JWT mode, with the package's limits, security events and rotation.

Every endpoint that takes credentials or tokens is limited per client
address (``AUTH_RATE``); login is also limited per target account. Endpoints
that take credentials in the body authenticate nothing, so a stale session or
cookie can neither stand in for the credentials nor trip a CSRF failure.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from dj_rest_auth import views as rest_auth
from dj_rest_auth.app_settings import api_settings as rest_auth_settings
from dj_rest_auth.jwt_auth import get_refresh_view, unset_jwt_cookies
from dj_rest_auth.serializers import JWTSerializer
from dj_rest_auth.utils import jwt_encode
from django.contrib.auth import logout as django_logout
from django.contrib.auth.signals import user_logged_in
from django.middleware.csrf import get_token
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken

from interview_coordinator.accounts import lockout, tokens
from interview_coordinator.accounts import serializers as bodies
from interview_coordinator.accounts.deletion import AccountDeleteSerializer, delete_account
from interview_coordinator.ratelimit import ClientRateThrottle
from interview_coordinator.security import log_event
from interview_coordinator.views.base import PackageViewMixin


class AuthView(PackageViewMixin):
    """The package's renderers, parsers and errors, and ``AUTH_RATE`` per client.

    ``ratelimit_scope`` names the endpoint's counter. Safe methods are not
    counted: they carry no credentials (reading the current user, CORS preflights).
    """

    throttle_classes = [ClientRateThrottle]
    ratelimit_scope = ""
    ratelimit_exempt_methods = ("GET", "HEAD", "OPTIONS")

    def get_permissions(self) -> list[BasePermission]:
        # dj-rest-auth's own, rather than the package's default IsAuthenticated.
        return [permission() for permission in self.permission_classes]  # type: ignore[misc]

    def get_authenticate_header(self, request: Request) -> str:
        # A refused token must answer 401, which DRF only gives with a challenge.
        return 'Bearer realm="api"'

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        # Kept, so that the security events can say what the serializer did.
        self.serializer = super().get_serializer(*args, **kwargs)  # type: ignore[misc]
        return self.serializer


class CredentialsView(AuthView):
    """An endpoint whose body is the credential: no authentication."""

    def get_authenticators(self) -> list[BaseAuthentication]:
        return []


def access_user_id(request: Request) -> Any:
    """The user of a valid access token, else None: an expired one must not stop a logout."""
    try:
        found = JWTAuthentication().authenticate(request)
    except (InvalidToken, AuthenticationFailed):
        return None
    return found[0].pk if found else None


def hide_access(response: Response) -> Response:
    """Blank the body's access token when an HttpOnly cookie carries it.

    dj-rest-auth blanks only the refresh token; the access token would be
    within reach of any script on the page, which the cookie mode is there
    to prevent. The key stays, as dj-rest-auth keeps ``refresh``.
    """
    cookie_only = rest_auth_settings.JWT_AUTH_COOKIE and rest_auth_settings.JWT_AUTH_HTTPONLY
    if cookie_only and isinstance(response.data, dict) and "access" in response.data:
        response.data["access"] = ""
    return response


@extend_schema(responses={200: JWTSerializer})
class LoginView(CredentialsView, rest_auth.LoginView):  # type: ignore[misc]
    """Sign in with a username or an email and a password: ``{access, refresh, user}``."""

    serializer_class: Any = bodies.LoginSerializer
    ratelimit_scope = "login"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            response: Response = super().post(request, *args, **kwargs)
        except serializers.ValidationError:
            serializer = self.serializer
            if serializer.attempted:
                account_id = serializer.account.pk if serializer.account else None
                log_event("login_failure", request, level=logging.WARNING, user_id=account_id)
            raise
        log_event("login_success", request, user_id=self.user.pk)
        lockout.remember_device(request, response, self.user)
        return response

    def login(self) -> None:
        super().login()
        if not rest_auth_settings.SESSION_LOGIN:
            # django's login() sends it otherwise; it records last_login.
            user_logged_in.send(sender=type(self.user), request=self.request, user=self.user)

    def get_response(self) -> Response:
        if rest_auth_settings.JWT_AUTH_COOKIE:
            # The cookie mode checks CSRF: give the front end the token to send back.
            get_token(self.request._request)
        response: Response = super().get_response()
        return hide_access(response)


@extend_schema(responses={201: JWTSerializer})
class RegisterView(LoginView):
    """Create an account; answers as login does (dj-rest-auth's, without django-allauth)."""

    serializer_class = bodies.RegisterSerializer
    ratelimit_scope = "register"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.user = serializer.save()
        self.access_token, self.refresh_token = jwt_encode(self.user)
        log_event("registration", request, user_id=self.user.pk)
        response: Response = self.get_response()
        response.status_code = 201
        return response


class TokenRefreshView(CredentialsView, get_refresh_view()):  # type: ignore[misc]
    """simplejwt's refresh as dj-rest-auth wires it (cookies), always rotating."""

    serializer_class = bodies.RefreshSerializer
    ratelimit_scope = "token-refresh"

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response.data, dict) and not rest_auth_settings.JWT_AUTH_RETURN_EXPIRATION:
            response.data.pop("access_expiration", None)
            response.data.pop("refresh_expiration", None)
        return hide_access(response)


@extend_schema(request=bodies.LogoutSerializer, responses={200: bodies.DetailSerializer})
class LogoutView(AuthView, rest_auth.LogoutView):  # type: ignore[misc]
    """Blacklists the refresh token (body or cookie), ends the session, clears the cookies.

    Without a token it still answers 200, as front ends call it that way.
    A valid access token names the user in the security log; an expired one
    (front ends often log out with one) must not stop the logout.
    """

    ratelimit_scope = "logout"
    http_method_names = ["post", "options"]

    def get_authenticators(self) -> list[BaseAuthentication]:
        return [SessionAuthentication()]

    def logout(self, request: Request) -> Response:
        serializer = bodies.LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cookie = rest_auth_settings.JWT_AUTH_REFRESH_COOKIE
        raw = serializer.validated_data.get("refresh")
        if not raw and (raw := request.COOKIES.get(cookie or "", "")):
            bodies.require_csrf(request)
        user_id = request.user.pk if request.user.is_authenticated else access_user_id(request)
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
        if isinstance(request.successful_authenticator, SessionAuthentication):
            django_logout(request._request)
        log_event("logout", request, user_id=user_id, blacklisted=bool(raw))
        detail = _("Successfully logged out.")
        if not raw:
            detail = _(
                "Successfully logged out. No refresh token was given, "
                "so there was nothing to blacklist."
            )
        response = Response({"detail": detail})
        unset_jwt_cookies(response)
        return response


@extend_schema(
    methods=["DELETE"],
    request=AccountDeleteSerializer,
    responses={204: None, 400: OpenApiResponse(description=_("The password is missing or wrong."))},
)
class UserDetailsView(AuthView, rest_auth.UserDetailsView):  # type: ignore[misc]
    """The current user. Reading it is not counted against the credential limit.

    DELETE, with the current password, deletes the account and everything
    the package holds about it.
    """

    serializer_class = bodies.UserDetailsSerializer
    ratelimit_scope = "user"

    def get_throttles(self) -> list[BaseThrottle]:
        # Reads fall under the host's ordinary throttles; writes are counted
        # against the credential limit as well.
        defaults = cast("list[type[BaseThrottle]]", api_settings.DEFAULT_THROTTLE_CLASSES)
        return [*(throttle() for throttle in defaults), *super().get_throttles()]

    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AccountDeleteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        delete_account(request)
        if isinstance(request.successful_authenticator, SessionAuthentication):
            django_logout(request._request)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        unset_jwt_cookies(response)
        return response


@extend_schema(responses={200: bodies.DetailSerializer})
class PasswordChangeView(AuthView, rest_auth.PasswordChangeView):  # type: ignore[misc]
    """Needs the old password; sets the new one and revokes every refresh token."""

    serializer_class = bodies.PasswordChangeSerializer
    ratelimit_scope = "password-change"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().post(request, *args, **kwargs)
        revoked = self.serializer.set_password_form.revoked
        log_event("password_change", request, revoked_tokens=revoked)
        return response


@extend_schema(responses={200: bodies.DetailSerializer})
class PasswordResetView(CredentialsView, rest_auth.PasswordResetView):  # type: ignore[misc]
    """Emails a reset token; answers the same whether or not the address is known."""

    serializer_class = bodies.PasswordResetSerializer
    ratelimit_scope = "password-reset"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().post(request, *args, **kwargs)
        log_event("password_reset_requested", request)
        return response


@extend_schema(responses={200: bodies.DetailSerializer})
class PasswordResetConfirmView(CredentialsView, rest_auth.PasswordResetConfirmView):  # type: ignore[misc]
    """Sets a new password with the uid and token of a reset email; revokes refresh tokens."""

    serializer_class = bodies.PasswordResetConfirmSerializer
    ratelimit_scope = "password-reset-confirm"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().post(request, *args, **kwargs)
        form = self.serializer.set_password_form
        log_event("password_reset", request, user_id=form.user.pk, revoked_tokens=form.revoked)
        return response
