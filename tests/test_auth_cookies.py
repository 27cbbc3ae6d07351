"""dj-rest-auth's HttpOnly cookie mode, exactly as docs/auth.md shows it to a host.

Both tokens live in HttpOnly cookies that JavaScript cannot read; requests
authenticated by the access cookie must carry the CSRF token.
"""

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"

# The settings of docs/auth.md's cookie-mode example.
REST_AUTH = {
    "USE_JWT": True,
    "TOKEN_MODEL": None,
    "SESSION_LOGIN": False,
    "JWT_AUTH_COOKIE": "ic-access",
    "JWT_AUTH_REFRESH_COOKIE": "ic-refresh",
    "JWT_AUTH_REFRESH_COOKIE_PATH": "/api/auth/",
    "JWT_AUTH_HTTPONLY": True,
    "JWT_AUTH_SECURE": True,
    "JWT_AUTH_SAMESITE": "Lax",
    "JWT_AUTH_COOKIE_USE_CSRF": True,
}
INTERVIEW_COORDINATOR = {
    "AUTHENTICATION_CLASSES": [
        "dj_rest_auth.jwt_auth.JWTCookieAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}


@pytest.fixture
def browser(user):
    with override_settings(REST_AUTH=REST_AUTH, INTERVIEW_COORDINATOR=INTERVIEW_COORDINATOR):
        yield APIClient(enforce_csrf_checks=True)


def url(name):
    return reverse(f"interview_coordinator:{name}")


def same_origin(browser):
    """What the front end adds to an unsafe request: the CSRF token, and the browser's Origin."""
    return {
        "HTTP_X_CSRFTOKEN": browser.cookies["csrftoken"].value,
        "HTTP_ORIGIN": "https://testserver",
    }


def csrf_cookie(browser):
    """What the front end does first: any answer of auth/ sets the csrftoken cookie."""
    assert browser.get(url("rest_user_details"), secure=True).cookies["csrftoken"].value
    return browser


def sign_in(browser):
    return csrf_cookie(browser).post(
        url("rest_login"),
        {"username": "alice", "password": PASSWORD},
        secure=True,
        **same_origin(browser),
    )


def test_login_puts_both_tokens_in_httponly_cookies(browser):
    response = sign_in(browser)

    assert response.status_code == 200, response.data
    assert response.data["refresh"] == ""
    for name in ("ic-access", "ic-refresh"):
        assert response.cookies[name]["httponly"]
        assert response.cookies[name]["secure"]
    assert response.cookies["ic-refresh"]["path"] == "/api/auth/"
    assert response.cookies["csrftoken"].value


@pytest.mark.parametrize("name", ["rest_login", "rest_register"])
def test_signing_in_rotates_the_csrf_token(browser, name):
    before = csrf_cookie(browser).cookies["csrftoken"].value
    body = {
        "rest_login": {"username": "alice", "password": PASSWORD},
        "rest_register": {
            "username": "bob",
            "email": "bob@example.com",
            "password1": "Str0ng-enough-pw",
            "password2": "Str0ng-enough-pw",
        },
    }[name]
    signed_in = browser.post(url(name), body, secure=True, **same_origin(browser))
    write = {"company_name": "Acme", "position": "Engineer"}

    old = {**same_origin(browser), "HTTP_X_CSRFTOKEN": before}
    with_old = browser.post(url("interview-list"), write, secure=True, **old)
    with_new = browser.post(url("interview-list"), write, secure=True, **same_origin(browser))

    assert signed_in.cookies["csrftoken"].value not in {"", before}
    assert with_old.status_code == 403, with_old.data
    assert with_new.status_code == 201, with_new.data


def test_the_access_cookie_authenticates_reads(browser):
    sign_in(browser)

    response = browser.get(url("interview-list"), secure=True)

    assert response.status_code == 200


def test_writes_need_the_csrf_token(browser):
    sign_in(browser)
    body = {"company_name": "Acme", "position": "Engineer"}

    refused = browser.post(url("interview-list"), body, format="json", secure=True)
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        url("interview-list"),
        body,
        format="json",
        secure=True,
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="https://testserver",  # a browser sends it with HTTPS requests
    )

    assert refused.status_code == 403
    assert "CSRF" in refused.data["detail"]
    assert accepted.status_code == 201, accepted.data


def test_refresh_reads_and_rotates_the_refresh_cookie(browser):
    first = sign_in(browser).cookies["ic-refresh"].value

    response = browser.post(
        url("token_refresh"), {}, format="json", secure=True, **same_origin(browser)
    )

    assert response.status_code == 200, response.data
    assert "refresh" not in response.data
    assert response.cookies["ic-refresh"].value not in {"", first}
    assert browser.get(url("interview-list"), secure=True).status_code == 200


def test_logout_revokes_the_refresh_cookie_and_clears_both(browser):
    refresh = sign_in(browser).cookies["ic-refresh"].value

    response = browser.post(
        url("rest_logout"), {}, format="json", secure=True, **same_origin(browser)
    )

    assert response.status_code == 200
    assert response.data == {"detail": "Successfully logged out."}
    assert response.cookies["ic-access"].value == response.cookies["ic-refresh"].value == ""
    again = APIClient().post(url("token_refresh"), {"refresh": refresh}, format="json")
    assert again.status_code == 401


@pytest.mark.parametrize("name", ["token_refresh", "rest_logout"])
def test_the_refresh_cookie_alone_does_not_refresh_or_log_out_without_the_csrf_token(browser, name):
    refresh = sign_in(browser).cookies["ic-refresh"].value

    refused = browser.post(
        url(name), {}, format="json", secure=True, HTTP_ORIGIN="https://evil.example"
    )
    accepted = browser.post(url(name), {}, format="json", secure=True, **same_origin(browser))

    assert refused.status_code == 403
    assert "CSRF" in refused.data["detail"]
    assert accepted.status_code == 200, accepted.data
    assert accepted.cookies["ic-refresh"].value != refresh


def test_a_refresh_token_in_the_body_needs_the_csrf_token_too(browser):
    refresh = sign_in(browser).cookies["ic-refresh"].value
    body_client = csrf_cookie(APIClient(enforce_csrf_checks=True))

    response = body_client.post(
        url("token_refresh"),
        {"refresh": refresh},
        format="json",
        secure=True,
        **same_origin(body_client),
    )

    assert response.status_code == 200, response.data


def test_no_answer_puts_a_token_where_javascript_reads_it(browser):
    registered = csrf_cookie(browser).post(
        url("rest_register"),
        {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "password1": "Str0ng-enough-pw",
            "password2": "Str0ng-enough-pw",
        },
        format="json",
        secure=True,
        **same_origin(browser),
    )
    signed_in = sign_in(browser)
    refreshed = browser.post(
        url("token_refresh"), {}, format="json", secure=True, **same_origin(browser)
    )

    for response in (registered, signed_in, refreshed):
        assert response.status_code in (200, 201), response.data
        assert response.data["access"] == ""
        assert response.data.get("refresh", "") == ""
        assert response.cookies["ic-access"].value


def cross_site_form(browser, name, **fields):
    """A plain <form> of another site posting to ``name``: form-encoded, no CSRF token."""
    return browser.post(url(name), fields, secure=True, HTTP_ORIGIN="https://evil.example")


@pytest.mark.parametrize("fields", [{}, {"x": "1"}])
def test_another_site_cannot_sign_the_browser_out(browser, fields):
    # SameSite=Lax: a cross-site form's POST carries none of the site's cookies.
    response = cross_site_form(APIClient(enforce_csrf_checks=True), "rest_logout", **fields)

    assert response.status_code == 403, response.data
    assert "CSRF" in response.data["detail"]
    assert "ic-access" not in response.cookies


@pytest.mark.parametrize("name", ["rest_login", "rest_register", "token_refresh"])
def test_another_site_cannot_sign_the_browser_in_to_its_own_account(browser, make_user, name):
    make_user("mallory", password="mallory-own-password")
    attackers = APIClient().post(
        url("rest_login"), {"username": "mallory", "password": "mallory-own-password"}
    )
    fields = {
        "rest_login": {"username": "mallory", "password": "mallory-own-password"},
        "rest_register": {
            "username": "mallory2",
            "email": "mallory2@example.com",
            "password1": "Str0ng-enough-pw",
            "password2": "Str0ng-enough-pw",
        },
        "token_refresh": {"refresh": attackers.cookies["ic-refresh"].value},
    }[name]

    response = cross_site_form(browser, name, **fields)

    assert response.status_code == 403, response.data
    assert "CSRF" in response.data["detail"]
    assert "ic-access" not in response.cookies
    assert "ic-refresh" not in response.cookies


def test_the_header_mode_needs_no_csrf_token(user):
    browser = APIClient(enforce_csrf_checks=True)
    signed_in = browser.post(url("rest_login"), {"username": "alice", "password": PASSWORD})
    refresh = signed_in.data["refresh"]

    refreshed = browser.post(url("token_refresh"), {"refresh": refresh})
    signed_out = browser.post(url("rest_logout"), {"refresh": refreshed.data["refresh"]})

    assert (signed_in.status_code, refreshed.status_code, signed_out.status_code) == (200,) * 3
