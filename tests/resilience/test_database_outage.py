"""PostgreSQL connections are killed under load (``pg_terminate_backend``).

Requests in flight may fail, but only with a clean JSON 5xx; the API recovers
within seconds without a restart; and no write is half-done: every interview
the client was told about exists with exactly its pending round and one
planned reminder, and nothing appears beyond the requests whose answer was
lost.
"""

import threading
import time
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg import sql

from tests.servers import pg_params, terminate_connections

from .client import call, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

WRITERS = 4
KILLS = 5
KILL_INTERVAL = 0.6


@pytest.fixture
def user_and_token(example_project):
    user_id = example_project.create_user("loaded", "loaded-pass-9024")
    return user_id, example_project.access_token(user_id)


class Client(threading.Thread):
    """Creates interviews (each with a round and a reminder) and reads them back."""

    def __init__(self, base_url, token, stop, index):
        super().__init__(daemon=True)
        self.base_url, self.token, self.stop, self.index = base_url, token, stop, index
        self.created, self.lost_creates, self.answers = set(), 0, []

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            when = datetime.now(timezone.utc) + timedelta(days=3, minutes=self.index * 1000 + n)
            answer = call(
                "POST",
                f"{self.base_url}/api/interviews/",
                {
                    "company_name": f"Load {self.index}-{n}",
                    "position": "Engineer",
                    "interview_stage": "technical",
                    "interview_date": when.isoformat(),
                },
                self.token,
            )
            self.answers.append(answer)
            if answer.status == 201:
                self.created.add(answer.body["id"])
            else:
                self.lost_creates += 1
            self.answers.append(call("GET", f"{self.base_url}/api/interviews/", token=self.token))


def all_ok(example_project, token):
    answers = [call("GET", f"{example_project.base_url}/api/interviews/", token=token)]
    answers += [call("GET", f"{example_project.base_url}/api/interviews/rounds/", token=token)]
    return all(a.status == 200 for a in answers)


def test_api_recovers_from_killed_connections_without_half_writes(example_project, user_and_token):
    user_id, token = user_and_token
    stop = threading.Event()
    clients = [Client(example_project.base_url, token, stop, i) for i in range(WRITERS)]
    for client in clients:
        client.start()
    killed = 0
    for _ in range(KILLS):
        time.sleep(KILL_INTERVAL)
        killed += terminate_connections(example_project.db_name)
    stop.set()
    for client in clients:
        client.join(timeout=30)
    assert killed > 0, "no connection was there to kill"

    answers = [a for client in clients for a in client.answers]
    assert {a.status for a in answers} <= {200, 201, 500, 503}
    failures = [a for a in answers if a.status >= 500]
    assert all(a.is_json for a in failures), [a.body for a in failures if not a.is_json]

    assert wait_until(lambda: all_ok(example_project, token), timeout=10), (
        "the API did not recover within 10 s"
    )

    told = set().union(*(client.created for client in clients))
    lost = sum(client.lost_creates for client in clients)
    with psycopg.connect(dbname=example_project.db_name, **pg_params()) as conn:
        stored = {
            row[0]
            for row in conn.execute(
                "SELECT id FROM interview_coordinator_interview WHERE user_id = %s", [user_id]
            )
        }
        rounds = per_interview(conn, "interview_coordinator_interviewround", user_id)
        reminders = per_interview(conn, "interview_coordinator_reminderdelivery", user_id)
    assert told <= stored, "an interview the client was told about is missing"
    assert len(stored - told) <= lost, "interviews appeared that no request created"
    assert set(rounds.values()) == {1}, "an interview lacks its round or has it twice"
    # The interview's date and its round's date are one moment: one reminder.
    assert set(reminders.values()) == {1}, "a reminder is missing or planned twice"


def per_interview(conn, table, user_id):
    """How many rows of table each of the user's interviews has (zero included)."""
    query = sql.SQL(
        "SELECT i.id, count(t.id) FROM interview_coordinator_interview i "
        "LEFT JOIN {} t ON t.interview_id = i.id WHERE i.user_id = %s GROUP BY i.id"
    ).format(sql.Identifier(table))
    return dict(conn.execute(query, [user_id]).fetchall())
