"""Auth endpoints under ``auth/``, with dj-rest-auth's paths and names for its front ends."""

from __future__ import annotations

from django.urls import path

from interview_coordinator.accounts import views

app_name = "interview_coordinator_accounts"

urlpatterns = [
    path("registration/", views.RegisterView.as_view(), name="rest_register"),
    path("login/", views.LoginView.as_view(), name="rest_login"),
    path("logout/", views.LogoutView.as_view(), name="rest_logout"),
    path("user/", views.UserDetailsView.as_view(), name="rest_user_details"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="token_refresh"),
    path("password/change/", views.PasswordChangeView.as_view(), name="rest_password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="rest_password_reset"),
    path(
        "password/reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="rest_password_reset_confirm",
    ),
]
