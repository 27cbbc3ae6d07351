"""Fuzzing every operation of the package's OpenAPI schema against the example project.

Schemathesis generates requests from the schema the example project serves
(valid and invalid ones), sends them over HTTP to gunicorn on PostgreSQL as an
authenticated user, and checks that no answer is a server error, that every
status code is documented and that every response body matches its schema.
The number of examples per operation is fixed so that the run stays bounded.
The fuzzed server has its own rate limits, far above the production ones:
with those, most examples of the credential endpoints (all sent from one
address) would answer 429 and test nothing.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
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


def fuzz(operation, base_url, token):
    """Run the fixed number of generated examples against one operation."""

    @given(case=operation.as_strategy())
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
            checks=CHECKS,
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
