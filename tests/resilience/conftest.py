"""Fixtures of the resilience tests: throwaway services and the example project."""

import pytest

from tests.servers import ExampleProject, ThrowawayRedis, create_database, drop_database

pytestmark = pytest.mark.slow


@pytest.fixture
def throwaway_redis():
    redis = ThrowawayRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def database():
    name = create_database("ic_resilience")
    yield name
    drop_database(name)


@pytest.fixture
def example_project(database, throwaway_redis, tmp_path):
    """The example project on production settings with its own database and Redis."""
    project = ExampleProject(database, throwaway_redis.url, tmp_path / "server.log")
    project.start()
    yield project
    project.stop()
