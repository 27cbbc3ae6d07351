"""A JSON 400 for the API's paths when the Host header names no site in ``ALLOWED_HOSTS``."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from interview_coordinator.views.index import json_error


class DisallowedHostMiddleware:
    """First in ``MIDDLEWARE``: answers before Django's middleware reads the host.

    Django answers ``DisallowedHost`` there with its HTML 400 page, or its debug page with
    ``DEBUG`` on, neither of which a URL handler can replace. Paths outside the package's
    URLs keep Django's answer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request.get_host()
        except DisallowedHost as exc:
            if serves_the_api(request):
                # Where Django logs it, so a host's security alerts still fire.
                logging.getLogger("django.security.DisallowedHost").error(str(exc))
                return json_error(_("The Host header names no site served here."), 400)
        return self.get_response(request)


def serves_the_api(request: HttpRequest) -> bool:
    """Whether the path is the package's, or would be with the slash a client left off
    (``/api``, which the JSON 404 of a slashless path already counts as the API's).
    """
    path, urlconf = request.path_info, getattr(request, "urlconf", None)
    return any(in_the_api(candidate, urlconf) for candidate in {path, f"{path.rstrip('/')}/"})


def in_the_api(path: str, urlconf: str | None) -> bool:
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False
    return any(name.startswith("interview_coordinator") for name in match.app_names)
