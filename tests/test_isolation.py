"""A user sees and touches only their own data: the matrix of endpoints by methods.

Another user's object must answer exactly what a missing one answers (404,
same body), change nothing, and leave a security log entry; a round can
never be attached to another user's interview.
"""

import logging

import pytest

from interview_coordinator.models import ApplicationEvent, Interview, InterviewRound
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db

MISSING_ID = 987654321

BODIES = {
    "interviews": {"company_name": "Hijacked", "position": "Owner", "notes": "mine now"},
    "interviews/rounds": {"stage": "final", "outcome": "failed", "notes": "mine now"},
}


@pytest.fixture
def victim_rows(other_user):
    interview = InterviewFactory(user=other_user, company_name="Victim", notes="secret")
    round_ = RoundFactory(interview=interview, stage="technical", notes="secret")
    return {"interviews": interview, "interviews/rounds": round_}


def snapshot():
    return (
        list(Interview.objects.order_by("pk").values()),
        list(InterviewRound.objects.order_by("pk").values()),
    )


@pytest.mark.parametrize("resource", ["interviews", "interviews/rounds"])
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_users_object_answers_like_a_missing_one(
    auth_client, user, victim_rows, resource, method, caplog
):
    victim = victim_rows[resource]
    body = dict(BODIES[resource])
    if resource == "interviews/rounds":
        body["interview"] = InterviewFactory(user=user).pk
    before = snapshot()
    send = getattr(auth_client, method)

    with caplog.at_level(logging.INFO, logger="interview_coordinator.security"):
        foreign = send(f"/api/{resource}/{victim.pk}/", body, format="json")
    missing = send(f"/api/{resource}/{MISSING_ID}/", body, format="json")

    assert foreign.status_code == 404
    assert (missing.status_code, missing.content) == (foreign.status_code, foreign.content)
    assert snapshot() == before
    denied = [r for r in caplog.records if getattr(r, "event", None) == "object_access_denied"]
    assert len(denied) == 1
    assert denied[0].object_id == str(victim.pk)


@pytest.mark.parametrize("resource", ["interviews", "interviews/rounds"])
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize("object_id", ["0", "9" * 19, "9" * 20, "abc", "-1", "victim"])
def test_every_404_has_the_documented_body(auth_client, victim_rows, resource, method, object_id):
    if object_id == "victim":
        object_id = str(victim_rows[resource].pk)
    response = getattr(auth_client, method)(f"/api/{resource}/{object_id}/", {}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_another_users_timeline_answers_like_a_missing_one(
    auth_client, victim_rows, method, caplog
):
    victim = victim_rows["interviews"]
    before = (snapshot(), list(ApplicationEvent.objects.order_by("pk").values()))
    send = getattr(auth_client, method)

    with caplog.at_level(logging.INFO, logger="interview_coordinator.security"):
        foreign = send(f"/api/interviews/{victim.pk}/timeline/", {}, format="json")
    missing = send(f"/api/interviews/{MISSING_ID}/timeline/", {}, format="json")

    # Reading: the 404 of a missing one; writing: no method to write with.
    assert foreign.status_code == (404 if method == "get" else 405)
    assert (missing.status_code, missing.content) == (foreign.status_code, foreign.content)
    assert (snapshot(), list(ApplicationEvent.objects.order_by("pk").values())) == before
    denied = [r for r in caplog.records if getattr(r, "event", None) == "object_access_denied"]
    assert len(denied) == (1 if method == "get" else 0)


def test_a_missing_object_is_not_logged_as_denied(auth_client, caplog):
    with caplog.at_level(logging.INFO, logger="interview_coordinator.security"):
        auth_client.get(f"/api/interviews/{MISSING_ID}/")

    assert not [r for r in caplog.records if getattr(r, "event", None) == "object_access_denied"]


def test_lists_hold_only_ones_own_rows(auth_client, user, victim_rows):
    own = RoundFactory(interview=InterviewFactory(user=user))

    interviews = auth_client.get("/api/interviews/").json()
    rounds = auth_client.get("/api/interviews/rounds/").json()
    filtered = auth_client.get(
        "/api/interviews/rounds/", {"interview": victim_rows["interviews"].pk}
    ).json()

    assert [r["id"] for r in interviews] == [own.interview_id]
    assert [r["id"] for r in rounds] == [own.pk]
    assert filtered == []


def test_a_round_cannot_be_created_on_another_users_interview(auth_client, victim_rows):
    victim = victim_rows["interviews"]

    response = auth_client.post(
        "/api/interviews/rounds/", {"interview": victim.pk, "stage": "final"}, format="json"
    )
    missing = auth_client.post(
        "/api/interviews/rounds/", {"interview": MISSING_ID, "stage": "final"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["interview"]
    assert response.json()["interview"][0].replace(str(victim.pk), "ID") == missing.json()[
        "interview"
    ][0].replace(str(MISSING_ID), "ID")
    assert InterviewRound.objects.filter(interview=victim).count() == 1


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_round_cannot_be_moved_to_another_users_interview(auth_client, user, victim_rows, method):
    own = RoundFactory(interview=InterviewFactory(user=user), stage="screening")

    response = getattr(auth_client, method)(
        f"/api/interviews/rounds/{own.pk}/",
        {"interview": victim_rows["interviews"].pk, "stage": "screening"},
        format="json",
    )

    assert response.status_code == 400
    assert "interview" in response.json()
    own.refresh_from_db()
    assert own.interview.user == user


def test_the_owner_cannot_be_reassigned(auth_client, user, other_user):
    interview = InterviewFactory(user=user)

    for method in ("put", "patch"):
        response = getattr(auth_client, method)(
            f"/api/interviews/{interview.pk}/",
            {
                "company_name": method,
                "position": "Y",
                "user": other_user.pk,
                "user_id": other_user.pk,
            },
            format="json",
        )

        # Accepted, with the owner keys ignored: the write happened, the owner stayed.
        assert response.status_code == 200, (method, response.content)
        assert response.json()["company_name"] == method
        assert not {"user", "user_id"} & set(response.json())
        interview.refresh_from_db()
        assert (interview.company_name, interview.user) == (method, user)


def test_naming_another_users_interview_for_a_round_is_400_and_logged(
    auth_client, victim_rows, caplog
):
    victim_interview = victim_rows["interviews"]
    body = {"interview": victim_interview.pk, "stage": "screening"}

    with caplog.at_level(logging.INFO, logger="interview_coordinator.security"):
        foreign = auth_client.post("/api/interviews/rounds/", body, format="json")
    missing = auth_client.post(
        "/api/interviews/rounds/", {**body, "interview": MISSING_ID}, format="json"
    )

    assert foreign.status_code == 400
    assert "interview" in foreign.json()
    assert missing.status_code == 400
    denied = [r for r in caplog.records if getattr(r, "event", None) == "object_access_denied"]
    assert [r.object_id for r in denied] == [victim_interview.pk]
