"""Concurrent requests on one account or one name, in threads with their own connections.

A signal handler holds one request at the moment the race matters, so each
race happens on every run rather than by chance; every wait is bounded.
"""

import contextlib
import os
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.signals import post_save, pre_save
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from tests.test_timeline_recording import waiting_for_a_lock, while_one_waits
from tests.tokens import after_the_reuse_interval

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(60),
    pytest.mark.skipif(
        os.environ.get("DB_ENGINE") == "sqlite",
        reason="threads cannot share the in-memory SQLite test database",
    ),
]

PASSWORD = "correct-horse-battery"


def url(name):
    return reverse(f"interview_coordinator:{name}")


def in_threads(*calls):
    """Run each call in its own thread (named after its index); their results, in order."""
    results = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, call), name=f"racer-{i}")
        for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def hold_at(signal, sender, parties):
    """Make the racing threads meet at ``signal`` before any of them writes."""
    barrier = threading.Barrier(parties, timeout=2)

    def wait_for_the_others(**kwargs):
        if threading.current_thread().name.startswith("racer-"):
            # Broken when the others are held elsewhere (by the lock under test).
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

    signal.connect(wait_for_the_others, sender=sender, weak=False)
    return lambda: signal.disconnect(wait_for_the_others, sender=sender)


@contextlib.contextmanager
def rotation_held_until_another_waits():
    """Pause racer-0's rotation once it has issued its new token, until another request waits.

    The rotation has blacklisted its token and issued the new one, uncommitted;
    it commits once another connection waits on a lock. Yields the event set
    when the token is issued, for the other request to start on.
    """
    issued = threading.Event()

    def hold_the_rotation(created, **kwargs):
        if created and threading.current_thread().name == "racer-0":
            issued.set()
            waiting_for_a_lock()

    post_save.connect(hold_the_rotation, sender=OutstandingToken, weak=False)
    try:
        yield issued
    finally:
        post_save.disconnect(hold_the_rotation, sender=OutstandingToken)


@pytest.mark.parametrize(
    "names",
    [["Race1", "race1", "RACE1"], ["kira1", "k\u0131ra1", "KIRA1"]],
    ids=["ascii", "dotless-i"],
)
def test_registrations_differing_only_in_case_make_one_account(names):
    def register(name, i):
        body = {
            "username": name,
            "email": f"racer{i}@example.com",
            "password1": "Str0ng-enough-pw",
            "password2": "Str0ng-enough-pw",
        }
        client = APIClient(REMOTE_ADDR=f"10.8.0.{i}")
        return lambda: client.post(url("rest_register"), body, format="json").status_code

    release = hold_at(pre_save, get_user_model(), 3)
    try:
        statuses = in_threads(*(register(n, i) for i, n in enumerate(names)))
    finally:
        release()

    assert sorted(statuses) == [201, 400, 400]
    assert get_user_model().objects.filter(username__iexact=names[0]).count() == 1


def test_concurrent_renames_to_one_name_answer_200_and_400(make_user, client_for):
    clients = [client_for(make_user(name)) for name in ("first", "second")]

    def rename(client):
        return lambda: client.patch(url("rest_user_details"), {"username": "Same"}, format="json")

    release = hold_at(pre_save, get_user_model(), 2)
    try:
        answers = in_threads(*(rename(client) for client in clients))
    finally:
        release()

    assert sorted(answer.status_code for answer in answers) == [200, 400]
    assert all(answer["Content-Type"] == "application/json" for answer in answers)


def test_a_refresh_racing_a_password_change_does_not_survive_it(user, client_for):
    token = APIClient().post(
        url("rest_login"), {"username": "alice", "password": PASSWORD}, format="json"
    )
    token = token.data["refresh"]
    issued, go = threading.Event(), threading.Event()

    def hold_the_rotation(created, **kwargs):
        # The rotation has issued its new token and not yet committed.
        if created and threading.current_thread().name == "racer-0":
            issued.set()
            go.wait(5)

    def rotate():
        return APIClient().post(url("token_refresh"), {"refresh": token}, format="json")

    def change_password():
        assert issued.wait(5)
        threading.Timer(1.0, go.set).start()  # let the rotation commit a moment later
        new = "An0ther-good-one"
        body = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
        return client_for(user).post(url("rest_password_change"), body, format="json")

    post_save.connect(hold_the_rotation, sender=OutstandingToken, weak=False)
    try:
        rotated, changed = in_threads(rotate, change_password)
    finally:
        post_save.disconnect(hold_the_rotation, sender=OutstandingToken)

    assert changed.status_code == 200
    if rotated.status_code == 200:
        again = APIClient().post(
            url("token_refresh"), {"refresh": rotated.data["refresh"]}, format="json"
        )
        assert again.status_code == 401, "a token issued during the change outlived it"
    else:
        assert rotated.status_code == 401


def test_two_tabs_refreshing_at_once_keep_the_user_signed_in(user, caplog):
    token = APIClient().post(
        url("rest_login"), {"username": "alice", "password": PASSWORD}, format="json"
    )
    token = token.data["refresh"]

    def rotate(i):
        client = APIClient(REMOTE_ADDR=f"10.13.0.{i}")
        return lambda: client.post(url("token_refresh"), {"refresh": token}, format="json")

    # The first to lock the user holds before blacklisting; the other waits on the lock.
    release = hold_at(pre_save, BlacklistedToken, 2)
    try:
        with caplog.at_level("INFO", logger="interview_coordinator.security"):
            answers = in_threads(rotate(1), rotate(2))
    finally:
        release()

    assert sorted(answer.status_code for answer in answers) == [200, 401]
    assert [(r.event, r.reason) for r in caplog.records if hasattr(r, "reason")] == [
        ("refresh_token_invalid", "superseded")
    ]
    winner = next(answer for answer in answers if answer.status_code == 200)
    again = APIClient().post(
        url("token_refresh"), {"refresh": winner.data["refresh"]}, format="json"
    )
    assert again.status_code == 200, again.data


def test_a_tab_refreshing_just_after_another_keeps_the_user_signed_in(user, caplog):
    token = APIClient().post(
        url("rest_login"), {"username": "alice", "password": PASSWORD}, format="json"
    )
    token = token.data["refresh"]
    # The second tab sent the same token; it arrives once the first one's rotation committed.
    winner = APIClient().post(url("token_refresh"), {"refresh": token}, format="json")
    with caplog.at_level("INFO", logger="interview_coordinator.security"):
        loser = APIClient().post(url("token_refresh"), {"refresh": token}, format="json")

    assert loser.status_code == 401
    assert [(r.event, r.reason) for r in caplog.records if hasattr(r, "reason")] == [
        ("refresh_token_invalid", "superseded")
    ]
    again = APIClient().post(
        url("token_refresh"), {"refresh": winner.data["refresh"]}, format="json"
    )
    assert again.status_code == 200, "the other tab's refresh signed the user out"


def test_a_rotation_racing_its_familys_revocation_does_not_survive_it(user):
    stolen = APIClient().post(
        url("rest_login"), {"username": "alice", "password": PASSWORD}, format="json"
    )
    stolen = stolen.data["refresh"]
    thiefs = APIClient().post(url("token_refresh"), {"refresh": stolen}, format="json")
    thiefs = thiefs.data["refresh"]
    after_the_reuse_interval()

    def rotate():
        return APIClient().post(url("token_refresh"), {"refresh": thiefs}, format="json")

    # The thief's rotation has issued its new token; it commits once the reuse waits.
    with rotation_held_until_another_waits() as issued:

        def reuse():
            assert issued.wait(5)
            return APIClient().post(url("token_refresh"), {"refresh": stolen}, format="json")

        rotated, reused = in_threads(rotate, reuse)

    assert reused.status_code == 401
    assert rotated.status_code == 200
    again = APIClient().post(
        url("token_refresh"), {"refresh": rotated.data["refresh"]}, format="json"
    )
    assert again.status_code == 401, "a token of the revoked family outlived the revocation"


def test_a_logout_racing_a_rotation_of_its_token_signs_the_family_out(user):
    token = APIClient().post(
        url("rest_login"), {"username": "alice", "password": PASSWORD}, format="json"
    )
    token = token.data["refresh"]

    def rotate():
        return APIClient().post(url("token_refresh"), {"refresh": token}, format="json")

    # The rotation commits once the logout, past its check of the token, waits to
    # blacklist it too.
    with rotation_held_until_another_waits() as issued:

        def logout():
            assert issued.wait(5)
            return APIClient().post(url("rest_logout"), {"refresh": token}, format="json")

        rotated, logged_out = in_threads(rotate, logout)

    assert rotated.status_code == 200
    assert logged_out.status_code == 200
    again = APIClient().post(
        url("token_refresh"), {"refresh": rotated.data["refresh"]}, format="json"
    )
    assert again.status_code == 401, "a token rotated during the logout outlived it"


def test_a_rotation_that_waited_for_its_familys_revocation_is_refused(user, caplog):
    stolen = APIClient().post(
        url("rest_login"), {"username": "alice", "password": PASSWORD}, format="json"
    )
    stolen = stolen.data["refresh"]
    thiefs = APIClient().post(url("token_refresh"), {"refresh": stolen}, format="json")
    thiefs = thiefs.data["refresh"]
    after_the_reuse_interval()
    answers = {}

    def hold(locked):
        # The user's row is locked when the reuse comes, in this transaction.
        get_user_model().objects.select_for_update().get(pk=user.pk)
        locked.set()
        assert waiting_for_a_lock()
        body = {"refresh": stolen}
        answers["reuse"] = APIClient().post(url("token_refresh"), body, format="json")

    def rotate():
        body = {"refresh": thiefs}
        answers["rotation"] = APIClient().post(url("token_refresh"), body, format="json")

    with caplog.at_level("INFO", logger="interview_coordinator.security"):
        while_one_waits(hold, rotate)

    assert answers["reuse"].status_code == answers["rotation"].status_code == 401
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken=None).exists()
    assert sorted((r.event, r.reason) for r in caplog.records if hasattr(r, "reason")) == [
        ("refresh_token_invalid", "revoked"),
        ("refresh_token_reused", "blacklisted"),
    ]


def test_a_rotation_that_waited_for_a_password_change_is_logged_as_revoked(
    user, client_for, caplog
):
    token = APIClient().post(
        url("rest_login"), {"username": "alice", "password": PASSWORD}, format="json"
    )
    token = token.data["refresh"]
    answers = {}

    def hold(locked):
        get_user_model().objects.select_for_update().get(pk=user.pk)
        locked.set()
        assert waiting_for_a_lock()
        body = {"old_password": PASSWORD, **new_passwords(0)}
        answers["change"] = client_for(user).post(url("rest_password_change"), body, format="json")

    def rotate():
        body = {"refresh": token}
        answers["rotation"] = APIClient().post(url("token_refresh"), body, format="json")

    with caplog.at_level("INFO", logger="interview_coordinator.security"):
        while_one_waits(hold, rotate)

    assert answers["change"].status_code == 200
    assert answers["rotation"].status_code == 401
    assert [(r.event, r.reason) for r in caplog.records if hasattr(r, "reason")] == [
        ("refresh_token_invalid", "revoked")
    ]


def racing_password_posts(name, bodies):
    """Post each body to ``name`` at once, both held until both passed validation; the answers."""

    def post(i, body):
        client = APIClient(REMOTE_ADDR=f"10.15.0.{i}")
        if "old_password" in body:  # each request with its own instance of the user
            client.force_authenticate(get_user_model().objects.get(username="alice"))
        return lambda: client.post(url(name), body, format="json")

    release = hold_at(pre_save, get_user_model(), 2)
    try:
        answers = in_threads(*(post(i, body) for i, body in enumerate(bodies)))
    finally:
        release()
    assert sorted(answer.status_code for answer in answers) == [200, 400]
    again = post(9, bodies[0])()  # what a later, sequential attempt answers
    assert again.status_code == 400
    refused = next(answer for answer in answers if answer.status_code == 400)
    assert refused.json() == again.json()
    return answers


def new_passwords(i):
    return {"new_password1": f"An0ther-good-one-{i}", "new_password2": f"An0ther-good-one-{i}"}


def test_two_password_changes_with_one_old_password_set_one_password(user):
    bodies = [{"old_password": PASSWORD, **new_passwords(i)} for i in range(2)]

    answers = racing_password_posts("rest_password_change", bodies)

    user.refresh_from_db()
    winner = answers.index(next(answer for answer in answers if answer.status_code == 200))
    assert user.check_password(bodies[winner]["new_password1"])


def test_one_reset_token_used_twice_at_once_sets_one_password(user):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    bodies = [{"uid": uid, "token": token, **new_passwords(i)} for i in range(2)]

    answers = racing_password_posts("rest_password_reset_confirm", bodies)

    user.refresh_from_db()
    winner = answers.index(next(answer for answer in answers if answer.status_code == 200))
    assert user.check_password(bodies[winner]["new_password1"])
