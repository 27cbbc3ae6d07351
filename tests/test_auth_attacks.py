"""Attacks on the auth endpoints, each reproduced over HTTP against the real stack."""

# The fixtures are imported from tests.reminder_fixtures, then named as parameters.
# ruff: noqa: F811

import http.cookies
from email.utils import parsedate_to_datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from interview_coordinator.accounts.passwords import DEVICE_COOKIE
from tests.reminder_fixtures import ThrowawayRedis, celery_app, celery_through  # noqa: F401
from tests.tokens import after_the_reuse_interval

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
FULL_WIDTH_ALICE = "\uff41\uff4c\uff49\uff43\uff45"


def full_width(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def url(name):
    return reverse(f"interview_coordinator:{name}")


def login(client, password=PASSWORD, **name):
    return client.post(url("rest_login"), {**name, "password": password}, format="json")


def refresh(client, token):
    return client.post(url("token_refresh"), {"refresh": token}, format="json")


def register(client, username, email, password="Str0ng-enough-pw"):
    body = {"username": username, "email": email, "password1": password, "password2": password}
    return client.post(url("rest_register"), body, format="json")


class TestIPv4ThroughIPv6Sockets:
    @pytest.mark.parametrize("prefix", ["::ffff:", "64:ff9b::"])
    def test_each_ipv4_client_has_its_own_budget(self, prefix):
        for i in range(6):
            login(APIClient(REMOTE_ADDR=f"{prefix}192.0.2.1"), username=f"nobody{i}")

        neighbour = login(APIClient(REMOTE_ADDR=f"{prefix}192.0.2.2"), username="nobody")

        assert neighbour.status_code == 400

    def test_a_mapped_client_shares_the_budget_of_its_ipv4_address(self):
        for i in range(5):
            login(APIClient(REMOTE_ADDR="192.0.2.9"), username=f"nobody{i}")

        assert login(APIClient(REMOTE_ADDR="::ffff:192.0.2.9"), username="x").status_code == 429


class TestUnicodeLookAlikes:
    def test_a_full_width_twin_cannot_register(self, api_client, make_user):
        make_user("Alice")

        response = register(api_client, FULL_WIDTH_ALICE, "twin@example.com")

        assert response.status_code == 400
        assert "already exists" in str(response.data["username"])
        assert login(api_client, username="ALICE").status_code == 200

    def test_a_full_width_rename_is_refused(self, make_user, client_for):
        make_user("Alice")
        other = make_user("bob")

        response = client_for(other).patch(
            url("rest_user_details"), {"username": FULL_WIDTH_ALICE.upper()}, format="json"
        )

        assert response.status_code == 400
        other.refresh_from_db()
        assert other.username == "bob"

    def test_login_normalises_the_name_too(self, api_client, make_user):
        make_user("alice")

        assert login(api_client, username=FULL_WIDTH_ALICE).status_code == 200

    def test_case_is_ignored_as_the_database_ignores_it(self, api_client, make_user):
        make_user("strasse")

        assert login(api_client, username="STRASSE").status_code == 200
        assert register(api_client, "stra\u00dfe", "sharp-s@example.com").status_code == 201


class TestUsernameShadowingAnEmail:
    def test_the_victim_still_signs_in_by_email(self, api_client, make_user):
        victim = make_user("victim", email="victim@example.com")
        register(api_client, "Victim@Example.com", "attacker@example.com")

        response = login(APIClient(), username="victim@example.com")

        assert response.status_code == 200, response.data
        assert response.data["user"]["pk"] == victim.pk


class TestRefreshReuse:
    def test_reuse_revokes_the_token_the_thief_rotated_to(self, api_client, user):
        stolen = login(api_client, username="alice").data["refresh"]
        thiefs = refresh(APIClient(), stolen).data["refresh"]
        after_the_reuse_interval()

        assert refresh(api_client, stolen).status_code == 401
        assert refresh(APIClient(), thiefs).status_code == 401

    def test_reuse_leaves_the_accounts_other_sign_ins_alone(self, api_client, user):
        other_device = login(APIClient(), username="alice").data["refresh"]
        stolen = login(api_client, username="alice").data["refresh"]
        refresh(APIClient(), stolen)
        after_the_reuse_interval()

        assert refresh(api_client, stolen).status_code == 401
        assert refresh(APIClient(), other_device).status_code == 200

    def test_with_no_reuse_interval_a_token_presented_at_once_is_a_copy(
        self, api_client, user, settings
    ):
        settings.INTERVIEW_COORDINATOR = {
            **settings.INTERVIEW_COORDINATOR,
            "REFRESH_REUSE_INTERVAL_SECONDS": 0,
        }
        stolen = login(api_client, username="alice").data["refresh"]
        thiefs = refresh(APIClient(), stolen).data["refresh"]

        assert refresh(api_client, stolen).status_code == 401
        assert refresh(APIClient(), thiefs).status_code == 401

    def test_logout_with_a_reused_token_revokes_the_family_too(self, api_client, user):
        stolen = login(api_client, username="alice").data["refresh"]
        thiefs = refresh(APIClient(), stolen).data["refresh"]
        after_the_reuse_interval()

        response = api_client.post(url("rest_logout"), {"refresh": stolen}, format="json")

        assert response.status_code == 401
        assert refresh(APIClient(), thiefs).status_code == 401

    def test_logout_with_a_just_rotated_token_signs_its_family_out(self, api_client, user):
        stolen = login(api_client, username="alice").data["refresh"]
        thiefs = refresh(APIClient(), stolen).data["refresh"]

        response = api_client.post(url("rest_logout"), {"refresh": stolen}, format="json")

        assert response.status_code == 200, response.data
        assert refresh(APIClient(), thiefs).status_code == 401

    @pytest.mark.parametrize("how", ["change", "reset"])
    def test_a_token_revoked_by_a_new_password_revokes_nothing_more(
        self, user, client_for, how, caplog
    ):
        device_b = login(APIClient(), username="alice").data["refresh"]
        assert set_new_password(user, client_for, how).status_code == 200
        device_a = login(APIClient(), username="alice", password=NEW_PASSWORD).data["refresh"]

        with caplog.at_level("INFO", logger="interview_coordinator.security"):
            refused = refresh(APIClient(), device_b)

        assert refused.status_code == 401
        assert [(r.event, r.reason) for r in caplog.records if hasattr(r, "reason")] == [
            ("refresh_token_invalid", "revoked")
        ]
        assert refresh(APIClient(), device_a).status_code == 200


NEW_PASSWORD = "Brand-new-pass-9"


def set_new_password(user, client_for, how):
    """Change the password with the old one, or reset it with a reset email's uid and token."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    body = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    if how == "change":
        return client_for(user).post(
            url("rest_password_change"), {**body, "old_password": PASSWORD}, format="json"
        )
    user.refresh_from_db()  # the token covers last_login, which signing in just set
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    body.update(uid=uid, token=default_token_generator.make_token(user))
    return APIClient().post(url("rest_password_reset_confirm"), body, format="json")


class TestLockingAVictimOut:
    def test_successful_logins_do_not_count_against_the_account(self, user):
        statuses = [
            login(APIClient(REMOTE_ADDR=f"10.3.0.{i}"), username="alice").status_code
            for i in range(8)
        ]

        assert statuses == [200] * 8

    def test_a_known_device_keeps_signing_in_while_guesses_lock_the_account(self, user):
        owner = APIClient(REMOTE_ADDR="10.4.0.1")
        assert login(owner, username="alice").status_code == 200
        guesses = [
            login(APIClient(REMOTE_ADDR=f"10.5.0.{i}"), "wrong-guess-1", username="alice")
            for i in range(6)
        ]
        assert [r.status_code for r in guesses] == [400] * 5 + [429]

        stranger = login(APIClient(REMOTE_ADDR="10.4.0.2"), username="alice")
        again = login(owner, username="alice")

        assert stranger.status_code == 429
        assert again.status_code == 200, again.data

    def test_the_device_cookie_is_a_well_formed_cookie_for_the_login_url_only(self, user):
        response = login(APIClient(REMOTE_ADDR="10.4.1.1"), username="alice")
        header = response.cookies[DEVICE_COOKIE].OutputString()

        morsel = http.cookies.SimpleCookie(header)[DEVICE_COOKIE]
        assert morsel["path"] == url("rest_login")
        assert int(morsel["max-age"]) > 0
        assert parsedate_to_datetime(morsel["expires"]).year >= 2026
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "Lax"

    def test_a_device_cookie_of_another_account_gives_no_pass(self, user, make_user):
        device = APIClient(REMOTE_ADDR="10.6.0.1")
        make_user("bob")
        assert login(device, username="bob").status_code == 200
        for i in range(5):
            login(APIClient(REMOTE_ADDR=f"10.7.0.{i}"), "wrong-guess-1", username="alice")

        assert login(device, username="alice").status_code == 429

    def test_wrong_old_passwords_spend_the_account_budget(self, user, client_for):
        owner = client_for(user)
        body = {"old_password": "wrong-guess-1", "new_password1": NEW_PASSWORD}
        body["new_password2"] = NEW_PASSWORD
        statuses = [
            owner.post(
                url("rest_password_change"), body, format="json", REMOTE_ADDR=f"10.12.0.{i}"
            ).status_code
            for i in range(8)
        ]

        assert statuses == [400] * 5 + [429] * 3
        assert login(APIClient(REMOTE_ADDR="10.12.1.1"), username="alice").status_code == 429

    def test_wrong_passwords_at_account_deletion_spend_the_account_budget(self, user, client_for):
        owner = client_for(user)
        statuses = [
            owner.delete(
                url("rest_user_details"),
                {"password": "wrong-guess-1"},
                format="json",
                REMOTE_ADDR=f"10.14.0.{i}",
            ).status_code
            for i in range(6)
        ]

        assert statuses == [400] * 5 + [429]
        assert login(APIClient(REMOTE_ADDR="10.14.1.1"), username="alice").status_code == 429


class TestResetEmailsGoThroughCelery:
    def test_with_the_broker_down_nothing_is_sent_in_the_request(
        self, api_client, user, mailoutbox, celery_through
    ):
        broker = ThrowawayRedis()
        broker.start()
        broker.stop()  # a port where a broker was, now refusing connections
        celery_through(f"{broker.url}/0")

        response = api_client.post(
            url("rest_password_reset"), {"email": "alice@example.com"}, format="json"
        )

        assert response.status_code == 503, response.data
        assert int(response["Retry-After"]) > 0
        assert mailoutbox == []

    def test_with_a_transport_that_cannot_be_imported_it_is_a_503(
        self, api_client, user, mailoutbox, celery_through
    ):
        # kombu's MongoDB transport needs pymongo, which is not installed here.
        celery_through("mongodb://127.0.0.1:27017/broker")

        response = api_client.post(
            url("rest_password_reset"), {"email": "alice@example.com"}, format="json"
        )

        assert response.status_code == 503, response.data
        assert response.json()["detail"].startswith("Emails cannot be queued")
        assert mailoutbox == []


class TestEnumerationPolicy:
    """docs/auth.md: only registration, and a rename for usernames, tell what exists."""

    def test_an_unknown_name_is_locked_like_an_account(self, user):
        answers = {}
        for name in ("alice", "ghost"):
            for i in range(5):
                login(APIClient(REMOTE_ADDR=f"10.9.{i}.1"), "wrong-guess-1", username=name)
            answers[name] = login(APIClient(REMOTE_ADDR="10.9.9.9"), "x", username=name)

        assert answers["alice"].status_code == answers["ghost"].status_code == 429
        assert "for this account" in answers["ghost"].data["detail"]

    @pytest.mark.parametrize(
        "spelling",
        [str.upper, full_width, lambda name: name.replace("ss", "\u00df")],
        ids=["upper", "full-width", "sharp-s"],
    )
    @pytest.mark.parametrize(
        "names", [("strasse", "grosse"), ("strasse@example.com", "grosse@example.com")]
    )
    def test_an_unknown_name_is_locked_like_an_account_whatever_its_spelling(
        self, make_user, names, spelling
    ):
        make_user("strasse")
        answers = []
        for name in names:  # the account's, then an unknown one
            for i in range(5):
                login(APIClient(REMOTE_ADDR=f"10.9.{i}.1"), "wrong-guess-1", username=name)
            answers.append(login(APIClient(REMOTE_ADDR="10.9.9.9"), "x", username=spelling(name)))

        assert answers[0].status_code == answers[1].status_code, [a.data for a in answers]

    @pytest.mark.parametrize("fields", [("username", "email"), ("email", "username")])
    @pytest.mark.parametrize("name", ["alice", "ghost"])
    def test_a_name_shares_its_budget_whichever_field_carries_it(self, user, name, fields):
        guessed, then = fields
        for i in range(5):
            login(APIClient(REMOTE_ADDR=f"10.9.{i}.1"), "wrong-guess-1", **{guessed: name})

        answer = login(APIClient(REMOTE_ADDR="10.9.9.9"), **{then: name})

        assert answer.status_code == 429, answer.data

    def test_a_username_beside_ones_own_email_tells_nothing(self, user, make_user):
        make_user("mallory", password="mallory-own-password")
        probes = ["alice", "nosuchuser", "alice@example.com", "nosuch@example.com"]
        statuses = [
            login(
                APIClient(REMOTE_ADDR=f"10.8.{i}.1"),
                "mallory-own-password",
                username=probe,
                email="mallory@example.com",
            ).status_code
            for i, probe in enumerate(probes)
        ]

        assert statuses == [statuses[0]] * 4, dict(zip(probes, statuses, strict=True))

    def test_registration_says_when_a_name_is_taken(self, api_client, user):
        response = register(api_client, "Alice", "new@example.com")

        assert response.data == {"username": ["A user with that username already exists."]}

    def test_a_rename_says_when_a_username_is_taken_within_the_client_limit(self, user):
        renamer = APIClient(REMOTE_ADDR="10.7.0.1")
        renamer.force_authenticate(get_user_model().objects.create_user("bob", password="x"))
        rename = url("rest_user_details")

        answers = [renamer.patch(rename, {"username": "ALICE"}, format="json") for _ in range(6)]

        assert answers[0].data == {"username": ["A user with that username already exists."]}
        assert [answer.status_code for answer in answers] == [400] * 5 + [429]
