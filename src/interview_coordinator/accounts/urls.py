"""Auth endpoints, to mount under ``auth/``.

Included by ``interview_coordinator.urls``; a host may also include this
module on its own (namespace ``interview_coordinator_accounts``).
"""

from __future__ import annotations

from dj_rest_auth.jwt_auth import get_refresh_view
from dj_rest_auth.views import LoginView, LogoutView, UserDetailsView
from django.urls import path

app_name = "interview_coordinator_accounts"

urlpatterns = [
    path("login/", LoginView.as_view(), name="rest_login"),
    path("logout/", LogoutView.as_view(), name="rest_logout"),
    path("user/", UserDetailsView.as_view(), name="rest_user_details"),
    path("token/refresh/", get_refresh_view().as_view(), name="token_refresh"),
]
