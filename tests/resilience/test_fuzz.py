"""Fuzzing every operation of the package's OpenAPI schema against the example project.

Schemathesis generates requests from the schema the example project serves,
sends them over HTTP to gunicorn on PostgreSQL as an authenticated user, and
checks that no answer is a server error, that every status code is
documented and that every response body matches its schema. A second run
checks that every request the schema allows is accepted, unless one of the
documented rules that a schema cannot express refuses it. The number of
examples per operation is fixed so that the run stays bounded.
The fuzzed server has its own rate limits, far above the production ones:
with those, most examples of the credential endpoints (all sent from one
address) would answer 429 and test nothing.
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.servers import ExampleProject

from .client import call

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

EXAMPLES_PER_OPERATION = 30
PACKAGE_PATHS = r"^/api/(interviews|profile|auth)/"
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def example_project(database, throwaway_redis, tmp_path):
    """The example project, as the suite's fixture starts it, with the fuzz test's own limits."""
    project = ExampleProject(
        database,
        throwaway_redis.url,
        tmp_path / "server.log",
        AUTH_RATE="100000/m",
        LOGIN_ACCOUNT_RATE="100000/m",
        PASSWORD_RESET_RATE="100000/m",
    )
    project.start()
    yield project
    project.stop()


def test_the_fuzzed_server_has_its_own_limits(example_project):
    # Fifty failed logins from one address: none is refused by a rate limit.
    statuses = {call_login(example_project.base_url, f"nobody{i}").status for i in range(50)}
    assert statuses == {400}


@pytest.fixture
def fuzz_token(example_project):
    user_id = example_project.create_user("fuzzer", "fuzzing-pass-8812")
    return example_project.access_token(user_id)


@pytest.fixture
def package_operations(example_project):
    loaded = schemathesis.openapi.from_url(f"{example_project.base_url}/api/schema/")
    operations = [
        result.ok() for result in loaded.include(path_regex=PACKAGE_PATHS).get_all_operations()
    ]
    assert operations, "the schema lists none of the package's operations"
    return operations


def call_login(base_url, name):
    return call("POST", f"{base_url}/api/auth/login/", {"username": name, "password": "x"})


def fuzz(operation, base_url, token, checks=CHECKS):
    """Run the fixed number of generated examples against one operation."""

    # Positive mode: only requests the schema allows.
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}"},
            checks=checks,
            timeout=30,
        )

    run()


def test_every_operation_survives_generated_requests(
    example_project, fuzz_token, package_operations
):
    failures = {}
    for operation in package_operations:
        try:
            fuzz(operation, example_project.base_url, fuzz_token)
        except (KeyboardInterrupt, SystemExit):
            raise
        # Hypothesis reports failures as exception groups, not always Exceptions.
        except BaseException as error:
            failures[f"{operation.method.upper()} {operation.path}"] = str(error)[:2000]
    assert failures == {}, "\n\n".join(f"{name}:\n{text}" for name, text in failures.items())


# What refuses a request the schema allows: rules about values that a JSON
# schema cannot state, each documented (docs/api.md, docs/auth.md), with the
# message it answers.
DOCUMENTED_RULES = [
    # docs/api.md#accepted-range: the date range, an instant in UTC.
    r"^Enter a date between 1900-01-01 and 2199-12-31\.$",
    r"^Enter a datetime between 1900-01-01T00:00:00Z and 2199-12-31T23:59:59Z\.$",
    # docs/api.md#interview: a new interview is not in the past.
    r"^A new interview cannot be scheduled in the past\.$",
    # docs/api.md#round: a round belongs to one of the user's own interviews.
    r"^No interview \d+ among yours\.$",
    # docs/api.md: the caps on interviews per user and rounds per interview.
    r"^You have reached the limit of \d+ interviews; delete one first\.$",
    r"^This interview has reached the limit of \d+ rounds\.$",
    # docs/api.md#text: markup refused, control characters removed (which can
    # leave a name blank), lengths counted after cleaning.
    r"^HTML tags are not allowed here; enter plain text\.$",
    r"^This field may not be blank\.$",
    r"^Ensure this field has no more than \d+ characters\.$",
    # docs/auth.md: credentials and the password policy.
    r"^Unable to log in with provided credentials\.$",
    r"^Your old password was entered incorrectly\. Please enter it again\.$",
    # docs/auth.md: deleting the account needs the current password.
    r"^The password is not correct\.$",
    r"^Invalid value$",
    r"^This password is |^The password is too similar|^The two password fields didn",
    r"^A user with that (username|email address) already exists\.$",
    # docs/auth.md: usernames follow the host's user model's validators.
    r"^Enter a valid username\.",
    # docs/auth.md: NUL is refused in credentials.
    r"^Null characters are not allowed\.$",
]
# An uploaded file's content is checked row by row; its schema is "a file".
FILE_CONTENT_OPERATIONS = {"POST /api/interviews/import/"}


def messages(body):
    """Every message of an error body, whatever its nesting."""
    if isinstance(body, str):
        yield body
    elif isinstance(body, dict):
        for value in body.values():
            yield from messages(value)
    elif isinstance(body, list):
        for value in body:
            yield from messages(value)


def refused_only_by_a_documented_rule(ctx, response, case):
    """A 400 to a request the schema allows must name a documented rule."""
    if response.status_code != 400 or case.operation.label in FILE_CONTENT_OPERATIONS:
        return
    unexplained = [
        message
        for message in messages(response.json())
        if not any(re.search(rule, message) for rule in DOCUMENTED_RULES)
    ]
    if unexplained:
        raise AssertionError(
            f"{case.operation.label} refused a request its schema allows: {unexplained}; "
            f"query={case.query!r} body={case.body!r}"
        )


def test_no_request_the_schema_allows_is_refused_for_its_shape(
    example_project, fuzz_token, package_operations
):
    failures = {}
    for operation in package_operations:
        try:
            fuzz(
                operation,
                example_project.base_url,
                fuzz_token,
                checks=[refused_only_by_a_documented_rule],
            )
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:
            failures[f"{operation.method.upper()} {operation.path}"] = str(error)[:2000]
    assert failures == {}, "\n\n".join(f"{name}:\n{text}" for name, text in failures.items())
