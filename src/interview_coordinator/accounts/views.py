"""dj-rest-auth's views in JWT mode, each limited per client (``AUTH_RATE``) on its own budget.

Where the body is the credential, nothing is authenticated: no stale session stands in for it.
"""

from __future__ import annotations

from typing import Any, cast

from dj_rest_auth import views as rest_auth
from dj_rest_auth.app_settings import api_settings as rest_auth_settings
from dj_rest_auth.jwt_auth import JWTCookieAuthentication, get_refresh_view, unset_jwt_cookies
from dj_rest_auth.serializers import JWTSerializer
from dj_rest_auth.utils import jwt_encode
from django.contrib.auth import logout as django_logout
from django.contrib.auth.signals import user_logged_in
from django.middleware.csrf import get_token, rotate_token
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken

from interview_coordinator.accounts import passwords, tokens
from interview_coordinator.accounts import serializers as bodies
from interview_coordinator.portability.deletion import AccountDeleteSerializer, delete_account
from interview_coordinator.ratelimit import ClientRateThrottle
from interview_coordinator.security import log_event
from interview_coordinator.views.base import PackageViewMixin


class AuthView(PackageViewMixin):
    """The package's renderers, parsers and errors, and ``AUTH_RATE`` per client."""

    throttle_classes = [ClientRateThrottle]
    # None: the package's AUTHENTICATION_CLASSES; [] where the body is the credential.
    authentication: list[type[BaseAuthentication]] | None = None
    # Sets or clears the JWT cookies: in cookie mode, only the site's own pages may ask.
    sets_cookies = False
    # Reads a refresh token from the body (or its cookie): a refused one is a 401.
    token_in_body = False

    def get_authenticators(self) -> list[BaseAuthentication]:
        if self.authentication is None:
            return super().get_authenticators()
        return [authentication() for authentication in self.authentication]

    def get_permissions(self) -> list[BasePermission]:
        # dj-rest-auth's own, rather than the package's default IsAuthenticated.
        return [permission() for permission in self.permission_classes]  # type: ignore[misc]

    def check_permissions(self, request: Request) -> None:
        """In cookie mode, a cross-site form must neither sign a browser out nor in as another.

        dj-rest-auth's CSRF check, which its ``JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED``
        applies to requests it authenticates: nothing is authenticated here.
        """
        if self.checks_csrf():
            JWTCookieAuthentication().enforce_csrf(request)
        super().check_permissions(request)

    def checks_csrf(self) -> bool:
        """Whether a request needs the CSRF token beyond DRF's own session check (schema: 403)."""
        return self.sets_cookies and cookie_mode()

    def get_authenticate_header(self, request: Request) -> str:
        # A refused token must answer 401, which DRF only gives with a challenge.
        return 'Bearer realm="api"'

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """Answers in dj-rest-auth's cookie mode come with the CSRF cookie, and no token to scripts.

        dj-rest-auth blanks only the body's refresh token (the keys stay, for front ends).
        """
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        data = data if isinstance(data, dict) else {}
        if not rest_auth_settings.JWT_AUTH_RETURN_EXPIRATION:
            data.pop("access_expiration", None)
            data.pop("refresh_expiration", None)
        if cookie_mode():
            get_token(request._request)  # the CSRF cookie, which the next unsafe request needs
        hidden = rest_auth_settings.JWT_AUTH_COOKIE and rest_auth_settings.JWT_AUTH_HTTPONLY
        if hidden and "access" in data:
            data["access"] = ""
        return response


def cookie_mode() -> bool:
    """Whether dj-rest-auth keeps a JWT in a cookie, which a browser sends by itself."""
    return bool(rest_auth_settings.JWT_AUTH_COOKIE or rest_auth_settings.JWT_AUTH_REFRESH_COOKIE)


def signed_out(request: Request, response: Response) -> Response:
    """End the Django session the request came with, if any, and clear the JWT cookies."""
    if isinstance(request.successful_authenticator, SessionAuthentication):
        django_logout(request._request)
    unset_jwt_cookies(response)
    return response


@extend_schema(responses={200: JWTSerializer})
class LoginView(AuthView, rest_auth.LoginView):  # type: ignore[misc]
    """Sign in with a username or an email and a password: ``{access, refresh, user}``."""

    serializer_class: Any = bodies.LoginSerializer
    authentication = []
    sets_cookies = True

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().post(request, *args, **kwargs)
        log_event("login_success", request, user_id=self.user.pk)
        passwords.remember_device(request, response, self.user)
        return response

    def get_response(self) -> Response:
        """The JWT cookies come with a new CSRF token, as Django's session login gives one:
        a token planted or read before (another site sharing ``CSRF_COOKIE_DOMAIN``) is void.
        """
        if cookie_mode():
            rotate_token(self.request._request)
        response: Response = super().get_response()
        return response

    def login(self) -> None:
        super().login()
        if not rest_auth_settings.SESSION_LOGIN:
            # django's login() sends it otherwise; it records last_login.
            user_logged_in.send(sender=type(self.user), request=self.request, user=self.user)


@extend_schema(responses={201: JWTSerializer})
class RegisterView(LoginView):
    """Create an account; answers as login does (dj-rest-auth's, without django-allauth)."""

    serializer_class = bodies.RegisterSerializer

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.user = serializer.save()
        self.access_token, self.refresh_token = jwt_encode(self.user)
        response: Response = self.get_response()
        response.status_code = status.HTTP_201_CREATED
        return response


class TokenRefreshView(AuthView, get_refresh_view()):  # type: ignore[misc]
    """simplejwt's refresh as dj-rest-auth wires it (cookies), always rotating."""

    serializer_class = bodies.RefreshSerializer
    authentication = []
    sets_cookies = True
    token_in_body = True


def access_user_id(request: Request) -> Any:
    """The user of a valid access token, else None: an expired one must not stop a logout."""
    try:
        found = JWTAuthentication().authenticate(request)
    except (InvalidToken, AuthenticationFailed):
        return None
    return found[0].pk if found else None


@extend_schema(request=bodies.LogoutSerializer, responses={200: bodies.DetailSerializer})
class LogoutView(AuthView, rest_auth.LogoutView):  # type: ignore[misc]
    """Blacklists the refresh token (body or cookie), ends the session, clears the cookies."""

    authentication = [SessionAuthentication]
    http_method_names = ["post", "options"]
    sets_cookies = True
    token_in_body = True

    def logout(self, request: Request) -> Response:
        serializer = bodies.LogoutSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        raw = serializer.validated_data["refresh"]
        user_id = request.user.pk if request.user.is_authenticated else access_user_id(request)
        try:
            user_id = tokens.revoke(raw) if raw else user_id
        except tokens.RefreshRejected as exc:
            raise exc.refuse(request, "logout_rejected") from exc
        log_event("logout", request, user_id=user_id, blacklisted=bool(raw))
        detail = _("Successfully logged out.")
        if not raw:
            detail = _(
                "Successfully logged out. No refresh token was given, "
                "so there was nothing to blacklist."
            )
        return signed_out(request, Response({"detail": detail}))


@extend_schema(
    methods=["DELETE"],
    request=AccountDeleteSerializer,
    responses={204: None, 400: OpenApiResponse(description=_("The password is missing or wrong."))},
)
class UserDetailsView(AuthView, rest_auth.UserDetailsView):  # type: ignore[misc]
    """The current user; DELETE, with the current password, deletes the account and its data.

    Reads fall under the host's ordinary throttles only; writes under the credential limit too.
    """

    serializer_class = bodies.UserDetailsSerializer

    def get_throttles(self) -> list[BaseThrottle]:
        defaults = cast("list[type[BaseThrottle]]", api_settings.DEFAULT_THROTTLE_CLASSES)
        return [*(throttle() for throttle in defaults), *super().get_throttles()]

    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AccountDeleteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        delete_account(request)
        return signed_out(request, Response(status=status.HTTP_204_NO_CONTENT))


@extend_schema(responses={200: bodies.DetailSerializer})
class PasswordChangeView(AuthView, rest_auth.PasswordChangeView):  # type: ignore[misc]
    """Needs the old password; sets the new one and revokes every refresh token."""

    serializer_class = bodies.PasswordChangeSerializer


@extend_schema(responses={200: bodies.DetailSerializer})
class PasswordResetView(AuthView, rest_auth.PasswordResetView):  # type: ignore[misc]
    """Emails a reset token; answers the same whether or not the address is known."""

    serializer_class = bodies.PasswordResetSerializer
    authentication = []


@extend_schema(responses={200: bodies.DetailSerializer})
class PasswordResetConfirmView(AuthView, rest_auth.PasswordResetConfirmView):  # type: ignore[misc]
    """Sets a new password with the uid and token of a reset email; revokes refresh tokens."""

    serializer_class = bodies.PasswordResetConfirmSerializer
    authentication = []
