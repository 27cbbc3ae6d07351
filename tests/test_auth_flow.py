"""Registration, login, token rotation, logout and the current user, over HTTP."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from tests.tokens import after_the_reuse_interval

PASSWORD = "correct-horse-battery"
USER_KEYS = {"pk", "username", "email", "first_name", "last_name"}

pytestmark = pytest.mark.django_db


def url(name):
    return reverse(f"interview_coordinator:{name}")


def register(client, username="dana", email="dana@example.com", password="Str0ng-enough-pw"):
    return client.post(
        url("rest_register"),
        {"username": username, "email": email, "password1": password, "password2": password},
        format="json",
    )


def login(client, password=PASSWORD, **name):
    return client.post(url("rest_login"), {**name, "password": password}, format="json")


def refresh(client, token):
    return client.post(url("token_refresh"), {"refresh": token}, format="json")


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


class TestRegistration:
    def test_answers_a_token_pair_and_the_user(self, api_client):
        response = register(api_client)

        assert response.status_code == 201, response.data
        assert set(response.data) == {"access", "refresh", "user"}
        assert set(response.data["user"]) == USER_KEYS
        assert response.data["user"]["username"] == "dana"
        user = get_user_model().objects.get(username="dana")
        assert user.check_password("Str0ng-enough-pw")
        me = bearer(response.data["access"]).get(url("rest_user_details"))
        assert me.status_code == 200
        assert me.data["pk"] == user.pk

    def test_email_is_normalized(self, api_client):
        response = register(api_client, email="  Dana@EXAMPLE.com ")

        assert response.status_code == 201, response.data
        assert response.data["user"]["email"] == "Dana@example.com"

    @pytest.mark.parametrize(
        ("username", "email", "field"),
        [
            ("ALICE", "new@example.com", "username"),
            ("newname", "ALICE@example.COM", "email"),
        ],
    )
    def test_usernames_and_emails_are_unique_ignoring_case(
        self, api_client, user, username, email, field
    ):
        response = register(api_client, username=username, email=email)

        assert response.status_code == 400
        assert "already exists" in str(response.data[field])
        assert get_user_model().objects.count() == 1

    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("password", "too common"),
            ("12345678", "entirely numeric"),
            ("dana-the-user", "too similar"),
            ("Sh0rt!", "at least 8 characters"),
        ],
    )
    def test_weak_passwords_are_refused_with_the_validators_messages(
        self, api_client, password, message
    ):
        response = register(api_client, username="dana-the-user", password=password)

        assert response.status_code == 400
        assert message in " ".join(response.data["password1"])
        assert not get_user_model().objects.exists()

    def test_mismatched_confirmation_is_an_error_on_password2(self, api_client):
        response = api_client.post(
            url("rest_register"),
            {
                "username": "dana",
                "email": "dana@example.com",
                "password1": "Str0ng-enough-pw",
                "password2": "Str0ng-enough-pX",
            },
            format="json",
        )

        assert response.status_code == 400
        assert "didn't match" in response.data["password2"][0]

    def test_username_with_forbidden_characters_is_refused(self, api_client):
        response = register(api_client, username="dana smith<script>")

        assert response.status_code == 400
        assert "username" in response.data

    def test_every_mistake_is_reported_at_once(self, api_client):
        body = {"username": "", "email": "bad", "password1": "x", "password2": "y"}

        response = api_client.post(url("rest_register"), body, format="json")

        assert response.status_code == 400
        errors = response.json()
        assert set(errors) == {"username", "email", "password1", "password2"}
        assert "too short" in " ".join(errors["password1"])
        assert "didn't match" in errors["password2"][0]


class TestLogin:
    @pytest.mark.parametrize(
        "name",
        [
            {"username": "alice"},
            {"username": "ALICE"},
            {"email": "Alice@Example.com"},
            {"username": "alice@example.com"},
            {"username": "Alice", "email": "alice@example.com"},
            {"username": "", "email": "alice@example.com"},
        ],
    )
    def test_by_username_or_email_ignoring_case(self, api_client, user, name):
        response = login(api_client, **name)

        assert response.status_code == 200, response.data
        assert set(response.data) == {"access", "refresh", "user"}
        assert response.data["user"]["pk"] == user.pk

    def test_records_the_last_login(self, api_client, user):
        login(api_client, username="alice")

        user.refresh_from_db()
        assert user.last_login is not None

    @pytest.mark.parametrize(
        "body",
        [
            {"username": "alice", "password": "wrong-password-1"},
            {"username": "nobody", "password": PASSWORD},
        ],
    )
    def test_wrong_credentials_give_one_message(self, api_client, user, body):
        response = api_client.post(url("rest_login"), body, format="json")

        assert response.status_code == 400
        assert response.data == {
            "non_field_errors": ["Unable to log in with provided credentials."]
        }

    def test_inactive_user_cannot_log_in(self, api_client, user):
        user.is_active = False
        user.save()

        assert login(api_client, username="alice").status_code == 400

    def test_query_count_does_not_grow_with_outstanding_tokens(
        self, api_client, user, django_assert_max_num_queries
    ):
        from rest_framework_simplejwt.tokens import RefreshToken

        with django_assert_max_num_queries(8):
            assert login(api_client, username="alice").status_code == 200
        for _ in range(30):
            RefreshToken.for_user(user)
        with django_assert_max_num_queries(8):
            assert login(api_client, username="alice").status_code == 200


class TestRefresh:
    def test_rotates_the_refresh_token_and_blacklists_the_old_one(self, api_client, user):
        first = login(api_client, username="alice").data["refresh"]

        response = refresh(api_client, first)

        assert response.status_code == 200, response.data
        assert set(response.data) == {"access", "refresh"}
        assert response.data["refresh"] != first
        assert bearer(response.data["access"]).get(url("rest_user_details")).status_code == 200
        assert BlacklistedToken.objects.filter(token__token=first).exists()

    def test_a_reused_rotated_refresh_token_is_refused(self, api_client, user):
        first = login(api_client, username="alice").data["refresh"]
        second = refresh(api_client, first).data["refresh"]
        after_the_reuse_interval()

        reuse = refresh(api_client, first)

        assert reuse.status_code == 401
        assert reuse.data["code"] == "token_not_valid"
        # Someone holds a copy: the token it was rotated to goes too.
        assert refresh(api_client, second).status_code == 401

    @pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 4000])
    def test_invalid_tokens_are_401(self, api_client, token):
        assert refresh(api_client, token).status_code == 401

    def test_an_access_token_is_not_a_refresh_token(self, api_client, user):
        access = login(api_client, username="alice").data["access"]

        assert refresh(api_client, access).status_code == 401

    def test_refresh_for_a_deactivated_user_is_refused(self, api_client, user):
        token = login(api_client, username="alice").data["refresh"]
        user.is_active = False
        user.save()

        assert refresh(api_client, token).status_code == 401


class TestLogout:
    def test_makes_the_refresh_token_useless(self, api_client, user):
        token = login(api_client, username="alice").data["refresh"]

        response = api_client.post(url("rest_logout"), {"refresh": token}, format="json")

        assert response.status_code == 200
        assert response.data == {"detail": "Successfully logged out."}
        assert refresh(api_client, token).status_code == 401

    def test_without_a_token_answers_200_and_says_so(self, api_client):
        response = api_client.post(url("rest_logout"), {}, format="json")

        assert response.status_code == 200
        assert "nothing to blacklist" in response.data["detail"]

    def test_with_an_invalid_token_is_401(self, api_client):
        response = api_client.post(url("rest_logout"), {"refresh": "nope"}, format="json")

        assert response.status_code == 401


class TestUserDetails:
    def test_needs_authentication(self, api_client):
        assert api_client.get(url("rest_user_details")).status_code == 401

    def test_patch_changes_names_but_not_email(self, auth_client, user):
        response = auth_client.patch(
            url("rest_user_details"),
            {"first_name": "Alice", "email": "evil@example.com"},
            format="json",
        )

        assert response.status_code == 200
        user.refresh_from_db()
        assert user.first_name == "Alice"
        assert user.email == "alice@example.com"

    def test_username_stays_unique_ignoring_case(self, auth_client, user, other_user):
        response = auth_client.patch(
            url("rest_user_details"), {"username": "MALLORY"}, format="json"
        )

        assert response.status_code == 400
        assert "already exists" in str(response.data["username"])

    def test_session_authentication_works_for_the_browsable_api(self, client, user):
        client.force_login(user)

        response = client.get(url("rest_user_details"), HTTP_ACCEPT="application/json")

        assert response.status_code == 200
        assert response.json()["username"] == "alice"


class TestPasswordChange:
    def change(self, client, old=PASSWORD, new="An0ther-good-one"):
        return client.post(
            url("rest_password_change"),
            {"old_password": old, "new_password1": new, "new_password2": new},
            format="json",
        )

    def test_changes_the_password_and_revokes_refresh_tokens(self, api_client, user):
        tokens = login(api_client, username="alice").data
        client = bearer(tokens["access"])

        response = self.change(client)

        assert response.status_code == 200, response.data
        user.refresh_from_db()
        assert user.check_password("An0ther-good-one")
        assert refresh(api_client, tokens["refresh"]).status_code == 401

    def test_needs_the_old_password(self, auth_client, user):
        response = self.change(auth_client, old="not-my-password")

        assert response.status_code == 400
        assert "old_password" in response.data
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    @pytest.mark.parametrize(
        ("password", "message"),
        [("password", "too common"), ("12345678", "numeric"), ("alice", "too similar")],
    )
    def test_weak_new_passwords_are_refused(self, auth_client, password, message):
        response = self.change(auth_client, new=password)

        assert response.status_code == 400
        assert message in " ".join(response.data["new_password1"])

    def test_names_every_mistake_and_counts_one_failure(self, client_for, user, settings):
        settings.INTERVIEW_COORDINATOR = {"LOGIN_ACCOUNT_RATE": "2/m", "AUTH_RATE": "100/m"}
        client = client_for(user)
        body = {"old_password": "nope", "new_password1": "alice", "new_password2": "other"}

        response = client.post(url("rest_password_change"), body, format="json")

        assert response.status_code == 400
        assert set(response.data) == {"old_password", "new_password1", "new_password2"}
        assert "too similar" in " ".join(response.data["new_password1"])
        again = [client.post(url("rest_password_change"), body, format="json") for _ in range(2)]
        assert [answer.status_code for answer in again] == [400, 429]

    def test_needs_authentication(self, api_client):
        assert self.change(api_client).status_code == 401

    def test_revoking_costs_the_same_whatever_the_number_of_tokens(
        self, user, client_for, django_assert_max_num_queries
    ):
        from rest_framework_simplejwt.tokens import RefreshToken

        for _ in range(30):
            RefreshToken.for_user(user)
        with django_assert_max_num_queries(9):  # with the user's row lock
            assert self.change(client_for(user)).status_code == 200
        assert BlacklistedToken.objects.count() == OutstandingToken.objects.count() == 30


class TestPasswordReset:
    def test_sends_an_email_with_uid_and_token_that_resets(self, api_client, user, mailoutbox):
        response = api_client.post(
            url("rest_password_reset"), {"email": "ALICE@example.com"}, format="json"
        )

        assert response.status_code == 200
        (message,) = mailoutbox
        assert message.to == ["alice@example.com"]
        lines = dict(line.split(": ", 1) for line in message.body.splitlines() if ": " in line)
        confirm = api_client.post(
            url("rest_password_reset_confirm"),
            {
                "uid": lines["uid"],
                "token": lines["token"],
                "new_password1": "Brand-new-pass-9",
                "new_password2": "Brand-new-pass-9",
            },
            format="json",
        )
        assert confirm.status_code == 200, confirm.data
        user.refresh_from_db()
        assert user.check_password("Brand-new-pass-9")

    def test_links_to_the_front_end_when_configured(self, api_client, user, mailoutbox, settings):
        settings.INTERVIEW_COORDINATOR = {
            "PASSWORD_RESET_URL": "https://app.example.com/reset/{uid}/{token}/"
        }

        api_client.post(url("rest_password_reset"), {"email": "alice@example.com"}, format="json")

        assert "https://app.example.com/reset/" in mailoutbox[0].body

    def test_unknown_address_answers_the_same_and_sends_nothing(self, api_client, user, mailoutbox):
        known = api_client.post(
            url("rest_password_reset"), {"email": "alice@example.com"}, format="json"
        )
        unknown = api_client.post(
            url("rest_password_reset"), {"email": "who@example.com"}, format="json"
        )

        assert unknown.status_code == known.status_code == 200
        assert unknown.content == known.content
        assert [message.to for message in mailoutbox] == [["alice@example.com"]]

    def test_a_reset_revokes_every_refresh_token(self, api_client, user, mailoutbox):
        token = login(api_client, username="alice").data["refresh"]
        api_client.post(url("rest_password_reset"), {"email": "alice@example.com"}, format="json")
        lines = dict(
            line.split(": ", 1) for line in mailoutbox[0].body.splitlines() if ": " in line
        )
        new = "Brand-new-pass-9"
        body = {"uid": lines["uid"], "token": lines["token"]}
        confirm = api_client.post(
            url("rest_password_reset_confirm"),
            {**body, "new_password1": new, "new_password2": new},
            format="json",
        )

        assert confirm.status_code == 200, confirm.data
        assert refresh(api_client, token).status_code == 401

    @pytest.mark.parametrize(
        ("uid", "token", "field"),
        # An unknown uid answers as a wrong token does: which ids exist is no one's business.
        [("!!!", "abc", "token"), ("MTIzNDU2Nzg5", "abc", "token"), (None, "abc-def", "token")],
    )
    def test_bad_uid_or_token_is_400(self, api_client, user, uid, token, field):
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        response = api_client.post(
            url("rest_password_reset_confirm"),
            {
                "uid": uid or urlsafe_base64_encode(force_bytes(user.pk)),
                "token": token,
                "new_password1": "Brand-new-pass-9",
                "new_password2": "Brand-new-pass-9",
            },
            format="json",
        )

        assert response.status_code == 400
        assert response.data == {field: ["Invalid value"]}

    @pytest.mark.parametrize(
        ("mistake", "field"),
        [({"uid": ""}, "uid"), ({"uid": None}, "uid"), ({"token": ""}, "token"), ({}, "token")],
        ids=["blank-uid", "no-uid", "blank-token", "wrong-token"],
    )
    def test_names_every_mistake_at_once(self, api_client, user, mistake, field):
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        body = {"uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": "abc-def"}
        body = {**body, "new_password1": "alice", "new_password2": "other", **mistake}

        response = api_client.post(
            url("rest_password_reset_confirm"),
            {key: value for key, value in body.items() if value is not None},
            format="json",
        )

        assert response.status_code == 400
        assert set(response.data) == {field, "new_password1", "new_password2"}
        # Before the token is checked, the account's names are not compared: they are secret.
        assert "too similar" not in " ".join(response.data["new_password1"])

    def test_only_the_uid_of_the_email_names_its_user(self, api_client, user):
        from django.contrib.auth.tokens import default_token_generator
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        full_width_pk = "".join(chr(ord(digit) + 0xFEE0) for digit in str(user.pk))

        response = api_client.post(
            url("rest_password_reset_confirm"),
            {
                "uid": urlsafe_base64_encode(force_bytes(full_width_pk)),
                "token": default_token_generator.make_token(user),
                "new_password1": "Brand-new-pass-9",
                "new_password2": "Brand-new-pass-9",
            },
            format="json",
        )

        assert response.status_code == 400, response.data
        assert response.data == {"token": ["Invalid value"]}


class TestPasswordPolicy:
    def test_a_host_without_validators_still_gets_djangos_four(self, api_client, settings):
        settings.AUTH_PASSWORD_VALIDATORS = []

        response = register(api_client, password="12345678")

        assert response.status_code == 400
        assert "entirely numeric" in " ".join(response.data["password1"])

    def test_the_package_setting_wins(self, api_client, settings):
        settings.INTERVIEW_COORDINATOR = {
            "PASSWORD_VALIDATORS": [
                {
                    "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
                    "OPTIONS": {"min_length": 20},
                }
            ]
        }

        response = register(api_client, password="Str0ng-enough-pw")

        assert response.status_code == 400
        assert "at least 20 characters" in " ".join(response.data["password1"])


class TestLogoutWithStaleCredentials:
    def test_an_expired_access_token_does_not_stop_logout(self, api_client, user):
        token = login(api_client, username="alice").data["refresh"]
        api_client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")

        response = api_client.post(url("rest_logout"), {"refresh": token}, format="json")

        assert response.status_code == 200
        assert refresh(APIClient(), token).status_code == 401

    def test_a_session_logout_ends_the_session(self, client, user):
        client.force_login(user)

        response = client.post(url("rest_logout"), {}, content_type="application/json")

        assert response.status_code == 200
        me = client.get(url("rest_user_details"), HTTP_ACCEPT="application/json")
        assert me.status_code in {401, 403}
