"""Reads use a small constant number of SQL queries, whatever the amount of data.

Each endpoint is measured at two data sizes (10 and 500 interviews with 3
rounds each, for the user and for another user) with the same bound: a
query per row (N+1) would blow it at the larger size. The client is
force-authenticated, so the counts are the endpoint's own; JWT adds one
user lookup per request.
"""

import pytest

from tests.factories import bulk_interviews

pytestmark = pytest.mark.django_db

# The endpoint, its query string, and the queries it may use.
READS = [
    ("/api/interviews/", {}, 1),
    ("/api/interviews/", {"limit": 50, "offset": 5}, 2),
    ("/api/interviews/", {"search": "bulk 1", "ordering": "-interview_date"}, 1),
    ("/api/interviews/", {"interview_stage": "applied", "location": "remote"}, 1),
    ("/api/interviews/rounds/", {}, 1),
    ("/api/interviews/rounds/", {"limit": 20}, 2),
    ("/api/interviews/rounds/", {"upcoming": "true", "stage": "technical"}, 1),
]


@pytest.fixture(params=[10, 500], ids=["10-interviews", "500-interviews"])
def seeded(request, user, other_user):
    own = bulk_interviews(user, request.param)
    bulk_interviews(other_user, request.param)
    return request.param, own


def test_reads_use_a_constant_number_of_queries(auth_client, seeded, django_assert_max_num_queries):
    size, own = seeded
    round_id = own[0].rounds.values_list("pk", flat=True).first()
    reads = [
        *READS,
        ("/api/interviews/rounds/", {"interview": own[-1].pk}, 1),
        # The interview joined to its rounds.
        (f"/api/interviews/{own[-1].pk}/", {}, 1),
        (f"/api/interviews/rounds/{round_id}/", {}, 1),
    ]

    for path, params, queries in reads:
        with django_assert_max_num_queries(queries, info=f"{path} {params}"):
            response = auth_client.get(path, params)
        assert response.status_code == 200, (path, params)

    assert len(auth_client.get("/api/interviews/").json()) == size
    assert len(auth_client.get("/api/interviews/rounds/").json()) == 3 * size
    assert len(auth_client.get(f"/api/interviews/{own[-1].pk}/").json()["rounds"]) == 3
