"""Fixtures shared by the whole suite."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.test import APIClient

# The suite's Celery app (eager), loaded as a host's project loads its own.
import tests.celery_app  # noqa: F401


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Keep the tests that share a module-scoped fixture on one xdist worker.

    Those fixtures are the expensive ones (a built wheel and a new project,
    real Celery workers, a clean virtualenv): with ``--dist loadgroup``, which
    ``dev.py test`` passes, each is set up once, not once per worker that
    happens to get one of its tests.
    """
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        definitions = info.name2fixturedefs.values() if info else ()
        if any(d.scope == "module" for group in definitions for d in group):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db):
    def make(username="alice", password="correct-horse-battery", **extra):
        extra.setdefault("email", f"{username}@example.com")
        return get_user_model().objects.create_user(username=username, password=password, **extra)

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def other_user(make_user):
    return make_user("mallory")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for():
    """An API client authenticated as the given user (forced, no token round trip)."""

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def auth_client(client_for, user):
    return client_for(user)
