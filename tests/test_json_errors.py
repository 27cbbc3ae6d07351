"""Every error of the package is JSON, whatever the client asks for.

A browser sends ``Accept: text/html``; DRF's browsable API would answer it an
HTML page, which docs/api.md and docs/security.md rule out.
"""

import json
from pathlib import Path

import pytest

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# (method, path, body, content type, authenticated, expected status)
ERRORS = [
    ("get", "/api/interviews/999999/", None, None, True, 404),
    ("get", "/api/interviews/999999/", None, None, False, 401),
    ("get", "/api/interviews/", None, None, False, 401),
    ("get", "/api/interviews/import/", None, None, True, 405),
    ("post", "/api/interviews/import/", "x", "application/x-www-form-urlencoded", True, 400),
    ("post", "/api/interviews/", {"company_name": ""}, "application/json", True, 400),
    ("get", "/api/interviews/rounds/999999/", None, None, True, 404),
    ("get", "/api/interviews/dashboard-stats/", None, None, False, 401),
    ("get", "/api/profile/", None, None, False, 401),
    ("patch", "/api/profile/", {"timezone": "Mars/Base"}, "application/json", True, 400),
    ("get", "/api/profile/export/", None, None, False, 401),
    ("get", "/api/profile/calendar/", None, None, False, 401),
    ("get", "/api/interviews/export.csv", None, None, False, 401),
    ("get", "/api/calendar/not-a-token.ics", None, None, False, 404),
    ("delete", "/api/auth/user/", None, None, True, 400),
    ("get", "/api/auth/user/", None, None, False, 401),
    ("post", "/api/auth/login/", {}, "application/json", False, 400),
    ("get", "/api/auth/login/", None, None, False, 405),
    ("post", "/api/auth/registration/", {}, "application/json", False, 400),
    ("post", "/api/auth/password/change/", {}, "application/json", True, 400),
]


def send(client, method, path, body, content_type, **extra):
    if body is None:
        return getattr(client, method)(path, **extra)
    data = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(path, data=data, content_type=content_type, **extra)


@pytest.mark.parametrize(("method", "path", "body", "content_type", "authed", "expected"), ERRORS)
def test_errors_are_json_for_a_browser(
    api_client, auth_client, method, path, body, content_type, authed, expected
):
    client = auth_client if authed else api_client
    response = send(client, method, path, body, content_type, HTTP_ACCEPT=HTML)
    assert response.status_code == expected
    assert response["Content-Type"].startswith("application/json")
    assert isinstance(json.loads(response.content), dict)


def test_a_refused_bearer_token_is_json_for_a_browser(api_client):
    response = api_client.get(
        "/api/interviews/999999/", HTTP_ACCEPT="text/html", HTTP_AUTHORIZATION="Bearer nope"
    )
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/interviews/",
        "/api/interviews/rounds/",
        "/api/interviews/dashboard-stats/",
        "/api/profile/",
        "/api/profile/export/",
        "/api/profile/calendar/",
        "/api/interviews/export.csv",
        "/api/auth/user/",
    ],
)
def test_the_browsable_api_format_is_an_unknown_format(auth_client, path):
    response = auth_client.get(path, {"format": "api"}, HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["detail"]


@pytest.mark.parametrize(
    "path", ["/api/interviews/", "/api/profile/", "/api/profile/calendar/", "/api/auth/user/"]
)
def test_successes_for_a_browser_are_json(auth_client, path):
    response = auth_client.get(path, HTTP_ACCEPT=HTML)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("path", "renders"),
    [
        ("/api/", ["application/json"]),
        ("/api/interviews/", ["application/json"]),
        ("/api/interviews/rounds/", ["application/json"]),
        ("/api/profile/", ["application/json"]),
        ("/api/auth/user/", ["application/json"]),
        ("/api/auth/login/", ["application/json"]),
        ("/api/interviews/export.csv", ["application/json", "text/csv"]),
    ],
)
def test_options_advertise_only_what_the_endpoint_answers(auth_client, path, renders):
    """OPTIONS names the package's renderers, not the host's browsable API (text/html)."""
    response = auth_client.options(path)

    assert response.status_code == 200
    assert response.json()["renders"] == renders
    assert response.json()["parses"] == [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ]


def test_the_file_endpoints_keep_their_own_types(auth_client):
    csv = auth_client.get("/api/interviews/export.csv", HTTP_ACCEPT="text/csv")
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    url = auth_client.post("/api/profile/calendar/").json()["url"]
    feed = auth_client.get(url, HTTP_ACCEPT="text/calendar")
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")


def test_the_json_404_of_an_unknown_path_is_byte_for_byte_an_api_views(auth_client, user):
    from_a_view = auth_client.get("/api/interviews/999999/")
    unknown = auth_client.get("/api/no-such-endpoint/")

    assert from_a_view.status_code == unknown.status_code == 404
    assert unknown.content == from_a_view.content
    assert unknown["Content-Type"] == from_a_view["Content-Type"]


def test_a_write_missing_its_slash_is_told_in_the_api_views_json(auth_client, user):
    from interview_coordinator.renderers import PackageJSONRenderer

    response = auth_client.post("/api/interviews", {}, format="json")

    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "/api/interviews/" in detail
    assert response.content == PackageJSONRenderer().render({"detail": detail})


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/auth/password/reset/", "/api"])
@pytest.mark.parametrize("debug", [False, True])
def test_a_host_the_site_does_not_serve_is_a_json_400(api_client, settings, caplog, debug, path):
    settings.DEBUG = debug
    settings.ALLOWED_HOSTS = ["testserver"]

    response = api_client.post(
        path,
        {"email": "a@example.com"},
        format="json",
        HTTP_HOST="evil.example",
        HTTP_ACCEPT=HTML,
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json"), response.content[:80]
    assert response.json() == {"detail": "The Host header names no site served here."}
    assert "django.security.DisallowedHost" in [record.name for record in caplog.records]


def test_a_host_the_site_does_not_serve_keeps_the_sites_answer_outside_the_api(client, settings):
    settings.ALLOWED_HOSTS = ["testserver"]

    response = client.get("/admin/login/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_the_404_body_is_the_bytes_the_docs_show(auth_client):
    """docs/api.md shows the body as sent: compact JSON, no space after the colon."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()

    response = auth_client.get("/api/interviews/999999/")

    assert response.status_code == 404
    assert response.content == b'{"detail":"Not found."}'
    assert '`{"detail":"Not found."}`' in page
    assert '"detail": "Not found."' not in page
