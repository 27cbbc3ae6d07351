"""Query parameters: what the schema says about them is what the lists accept.

An empty value (``?status=``, what an HTML form sends for a field left empty)
is the same as leaving the parameter out, for every parameter of every list;
anything else that is malformed answers 400 naming the parameter
(tests/test_hostile_input.py). The schema states the bounds the lists enforce,
so a client built from it never sends a value that would be refused.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator

from interview_coordinator.filters import ID_MAX
from interview_coordinator.pagination import MAX_COUNT
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db

LISTS = {"/api/interviews/": "interview-list", "/api/interviews/rounds/": "round-list"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def query_parameters(schema, path):
    return {
        parameter["name"]: parameter
        for parameter in schema["paths"][path]["get"].get("parameters", [])
        if parameter["in"] == "query"
    }


@pytest.mark.parametrize("path", list(LISTS))
def test_an_empty_value_is_the_same_as_no_parameter(auth_client, user, schema, path):
    interview = InterviewFactory(user=user)
    RoundFactory(interview=interview)
    InterviewFactory(user=user, status=None, interview_date=None)
    everything = auth_client.get(path).json()
    names = list(query_parameters(schema, path))
    assert {"limit", "offset", "ordering"} <= set(names)

    for name in names:
        response = auth_client.get(path, {name: ""})
        assert response.status_code == 200, (name, response.content)
        assert response.json() == everything, name
    assert auth_client.get(path, dict.fromkeys(names, "")).json() == everything


@pytest.mark.parametrize("path", list(LISTS))
def test_an_offset_without_limit_is_checked_and_the_whole_array_answered(auth_client, user, path):
    InterviewFactory.create_batch(3, user=user)

    assert auth_client.get(path, {"offset": "abc"}).status_code == 400
    assert list(auth_client.get(path, {"offset": "abc"}).json()) == ["offset"]
    assert auth_client.get(path, {"offset": "2"}).json() == auth_client.get(path).json()


@pytest.mark.parametrize("path", list(LISTS))
def test_the_schema_states_the_bounds_of_limit_and_offset(schema, path):
    parameters = query_parameters(schema, path)

    assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_COUNT}
    assert parameters["offset"]["schema"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_COUNT,
    }


def test_the_schema_states_the_bounds_of_the_rounds_interview_filter(schema):
    interview = query_parameters(schema, "/api/interviews/rounds/")["interview"]

    assert interview["schema"] == {"type": "integer", "minimum": 1, "maximum": ID_MAX}


@pytest.mark.parametrize("value", [1, ID_MAX])
def test_the_ends_of_the_interview_filter_are_accepted(auth_client, value):
    assert auth_client.get("/api/interviews/rounds/", {"interview": value}).status_code == 200


@pytest.mark.parametrize(("limit", "offset"), [(1, 0), (MAX_COUNT, MAX_COUNT)])
def test_the_ends_of_limit_and_offset_are_accepted(auth_client, limit, offset):
    response = auth_client.get("/api/interviews/", {"limit": limit, "offset": offset})

    assert response.status_code == 200
