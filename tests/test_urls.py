"""The include's URLs: an index at its root, a JSON 404 for every other path under it,
and ids that answer 404 or 400 whatever their length, never a 500."""

import pytest
from django.test import override_settings
from django.urls import include, path
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from interview_coordinator.models import InterviewRound
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db

ROOT = "/api/"
# Beyond the 4,300 digits Python converts to an int by default.
HUGE = "9" * 5000

# A host that keeps its own login includes the core URLs alone.
urlpatterns = [path("api/", include("interview_coordinator.core_urls"))]


class TestIndex:
    def test_lists_every_endpoint_to_anyone(self, api_client):
        response = api_client.get(ROOT)

        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        index = response.json()
        assert index["interviews"] == "http://testserver/api/interviews/"
        assert index["rounds"] == "http://testserver/api/interviews/rounds/"
        assert index["dashboard-stats"] == "http://testserver/api/interviews/dashboard-stats/"
        assert index["profile"] == "http://testserver/api/profile/"
        assert index["test-email"] == "http://testserver/api/profile/test-email/"
        assert index["calendar"] == "http://testserver/api/profile/calendar/"
        assert index["export"] == "http://testserver/api/profile/export/"
        assert index["interviews-export-csv"] == "http://testserver/api/interviews/export.csv"
        assert index["interviews-import"] == "http://testserver/api/interviews/import/"
        assert index["login"] == "http://testserver/api/auth/login/"
        assert index["registration"] == "http://testserver/api/auth/registration/"
        assert index["token-refresh"] == "http://testserver/api/auth/token/refresh/"

    def test_lists_the_schema_pages_when_the_host_mounts_them(self, api_client):
        index = api_client.get(ROOT).json()

        assert index["schema"] == "http://testserver/api/schema/"
        assert index["docs"] == "http://testserver/api/docs/"
        assert index["redoc"] == "http://testserver/api/redoc/"

    def test_every_url_it_lists_answers(self, auth_client):
        for url in auth_client.get(ROOT).json().values():
            # 405: the auth endpoints that only take a POST.
            assert auth_client.get(url).status_code in {200, 405}, url

    @override_settings(ROOT_URLCONF=__name__)
    def test_the_core_include_lists_the_core_endpoints_only(self, api_client):
        index = api_client.get(ROOT).json()

        assert "interviews" in index
        assert "login" not in index
        assert "schema" not in index


class TestSchemaInclude:
    def test_serves_the_schema_and_both_pages(self, api_client):
        schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        swagger = api_client.get("/api/docs/")
        redoc = api_client.get("/api/redoc/")

        assert schema.status_code == 200
        assert "/api/interviews/{id}/" in schema.json()["paths"]
        assert swagger.status_code == 200
        assert b"/api/schema/" in swagger.content
        assert redoc.status_code == 200
        assert b"/api/schema/" in redoc.content

    @pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/", "/api/redoc/"])
    def test_other_methods_are_refused_not_a_500(self, api_client, url):
        assert api_client.options(url).status_code == 405
        assert api_client.post(url).status_code == 405


class TestUnmatchedPaths:
    @pytest.mark.parametrize(
        "url",
        [
            "/api/interviews/abc/",
            "/api/interviews/rounds/abc/",
            "/api/interviews/1/abc/",
            "/api/nothing-here/",
            "/api/auth/nothing-here/",
            "/api/interviews/%E0%A5%A7/",  # a Devanagari digit is not an id
        ],
    )
    def test_answer_a_json_404(self, auth_client, url):
        for method in ("get", "post", "delete"):
            response = getattr(auth_client, method)(url)
            assert response.status_code == 404, (method, url)
            assert response["Content-Type"] == "application/json"
            assert response.json() == {"detail": "Not found."}

    def test_a_missing_slash_still_redirects_to_the_endpoint(self, auth_client):
        response = auth_client.get("/api/interviews?limit=1")

        assert response.status_code == 301
        assert response["Location"] == "/api/interviews/?limit=1"

    def test_a_missing_slash_on_an_unknown_path_is_a_404(self, auth_client):
        assert auth_client.get("/api/nothing-here").status_code == 404

    def test_paths_outside_the_include_are_the_hosts(self, auth_client):
        response = auth_client.get("/elsewhere/")

        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")


class TestUnmatchedPathsWithCsrfChecks:
    """Browsers' clients and token clients alike get the JSON 404, never the CSRF page."""

    @pytest.fixture
    def csrf_client(self):
        return APIClient(enforce_csrf_checks=True)

    @pytest.mark.parametrize(
        ("method", "url"),
        [
            ("post", "/api/nonexistent/"),
            ("put", "/api/nonexistent/"),
            ("patch", "/api/nonexistent/"),
            ("delete", "/api/nope"),
            ("put", "/api/interviews/1/rounds/"),
            ("post", "/api/auth/nothing-here/"),
        ],
    )
    def test_every_method_answers_a_json_404(self, csrf_client, method, url):
        response = getattr(csrf_client, method)(url, {}, format="json")

        assert response.status_code == 404, response.content[:200]
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}

    def test_a_logged_in_session_gets_the_json_404_too(self, csrf_client, user):
        csrf_client.force_login(user)

        response = csrf_client.post("/api/nonexistent/", {}, format="json")

        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}

    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_a_missing_slash_on_a_write_names_the_slash(self, csrf_client, user, method):
        csrf_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")

        response = getattr(csrf_client, method)("/api/interviews", {}, format="json")

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert "/api/interviews/" in response.json()["detail"]

    def test_a_missing_slash_on_a_read_still_redirects(self, csrf_client):
        response = csrf_client.head("/api/interviews")

        assert response.status_code == 301
        assert response["Location"] == "/api/interviews/"


class TestLongIds:
    @pytest.mark.parametrize("digits", ["9" * 19, "9" * 20, "0" * 30 + "1", HUGE])
    def test_a_detail_url_with_any_number_of_digits_is_a_404(self, auth_client, user, digits):
        interview = InterviewFactory(user=user)
        RoundFactory(interview=interview)
        for url in (f"/api/interviews/{digits}/", f"/api/interviews/rounds/{digits}/"):
            for method in ("get", "put", "patch", "delete"):
                response = getattr(auth_client, method)(url, {}, format="json")
                assert response.status_code == 404, (method, url[:40])
                assert "detail" in response.json()

    @pytest.mark.parametrize("digits", ["9" * 20, HUGE])
    def test_a_round_naming_an_interview_by_a_huge_id_is_a_400(self, auth_client, digits):
        response = auth_client.post(
            "/api/interviews/rounds/", {"interview": digits, "stage": "final"}, format="json"
        )

        assert response.status_code == 400
        assert list(response.json()) == ["interview"]
        assert len(response.json()["interview"][0]) < 200
        assert not InterviewRound.objects.exists()

    def test_moving_a_round_to_a_huge_interview_id_is_a_400(self, auth_client, user):
        round_ = RoundFactory(interview=InterviewFactory(user=user))

        response = auth_client.patch(
            f"/api/interviews/rounds/{round_.pk}/", {"interview": HUGE}, format="json"
        )

        assert response.status_code == 400
        assert "interview" in response.json()
