"""The client address: REMOTE_ADDR, unless the host declares trusted proxies."""

import pytest
from django.test import RequestFactory

from interview_coordinator.security import client_ip


def request(remote="192.0.2.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored():
    assert client_ip(request(forwarded="203.0.113.5")) == "192.0.2.1"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (1, " 6.6.6.6 ,203.0.113.5 ", "203.0.113.5"),
        (2, "203.0.113.5", "192.0.2.1"),
        (1, "", "192.0.2.1"),
        (1, ", ,", "192.0.2.1"),
    ],
)
def test_trusted_proxies_are_counted_from_the_right(settings, proxies, forwarded, expected):
    settings.INTERVIEW_COORDINATOR = {"TRUSTED_PROXY_COUNT": proxies}

    assert client_ip(request(forwarded=forwarded)) == expected


def test_missing_remote_addr_is_an_empty_address():
    factory_request = RequestFactory().get("/")
    del factory_request.META["REMOTE_ADDR"]

    assert client_ip(factory_request) == ""
