"""A minimal JSON client over real HTTP, with a bounded timeout on every call."""

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass
class Answer:
    status: int
    content_type: str
    body: object
    seconds: float

    @property
    def is_json(self):
        return self.content_type.startswith("application/json")


def call(method, url, body=None, token=None, timeout=10, headers=None):
    """Send one request; connection failures answer status 0 instead of raising."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _answer(response.status, response.headers, response.read(), started)
    except urllib.error.HTTPError as error:
        return _answer(error.code, error.headers, error.read(), started)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return Answer(0, "", None, time.monotonic() - started)


def _answer(status, headers, raw, started):
    content_type = headers.get("Content-Type", "") or ""
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")
    return Answer(status, content_type, body, time.monotonic() - started)


def wait_until(predicate, timeout, interval=0.25):
    """Poll predicate until it is truthy; return its last value (bounded by timeout)."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value
