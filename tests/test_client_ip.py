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
        (1, "9.9.9.9:1", "9.9.9.9"),
        (1, "6.6.6.6, 9.9.9.9:65535", "9.9.9.9"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "[2001:db8::1]", "2001:db8::1"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "::ffff:192.0.2.7", "::ffff:192.0.2.7"),
    ],
)
def test_trusted_proxies_are_counted_from_the_right(settings, proxies, forwarded, expected):
    settings.INTERVIEW_COORDINATOR = {"TRUSTED_PROXY_COUNT": proxies}

    assert client_ip(request(forwarded=forwarded)) == expected


def test_missing_remote_addr_is_an_empty_address():
    factory_request = RequestFactory().get("/")
    del factory_request.META["REMOTE_ADDR"]

    assert client_ip(factory_request) == ""


@pytest.mark.django_db
def test_a_port_in_the_forwarded_address_gives_no_fresh_budget(settings):
    from django.urls import reverse
    from rest_framework.test import APIClient

    settings.INTERVIEW_COORDINATOR = {**settings.INTERVIEW_COORDINATOR, "TRUSTED_PROXY_COUNT": 1}
    forwarded = [f"9.9.9.9:{port}" for port in range(1, 7)]
    forwarded += [f"[2001:db8::1]:{port}" for port in range(1, 7)]
    statuses = [
        # A name of its own each time, so that only the per-address budget is spent.
        APIClient(HTTP_X_FORWARDED_FOR=address)
        .post(
            reverse("interview_coordinator:rest_login"),
            {"username": f"nobody{i}", "password": "wrong-guess-1"},
            format="json",
        )
        .status_code
        for i, address in enumerate(forwarded)
    ]

    assert statuses == ([400] * 5 + [429]) * 2


@pytest.mark.parametrize("forwarded", ["unknown", "6.6.6.6, unknown", "6.6.6.6,", "1.2.3.999"])
def test_a_forwarded_entry_that_is_no_address_is_the_remote_address(settings, forwarded):
    settings.INTERVIEW_COORDINATOR = {"TRUSTED_PROXY_COUNT": 1}

    assert client_ip(request(forwarded=forwarded)) == "192.0.2.1"


@pytest.mark.django_db
def test_forwarded_entries_that_are_no_addresses_give_no_fresh_budget(settings):
    from django.urls import reverse
    from rest_framework.test import APIClient

    settings.INTERVIEW_COORDINATOR = {**settings.INTERVIEW_COORDINATOR, "TRUSTED_PROXY_COUNT": 1}
    forwarded = ["unknown", "", "1.2.3.999", "x, ", "nowhere:80", "unknown"]
    statuses = [
        APIClient(HTTP_X_FORWARDED_FOR=address)
        .post(
            reverse("interview_coordinator:rest_login"),
            {"username": f"nobody{i}", "password": "wrong-guess-1"},
            format="json",
        )
        .status_code
        for i, address in enumerate(forwarded)
    ]

    assert statuses == [400] * 5 + [429]
