"""A reusable Django app: an interview-tracking REST API."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

# The version is written once, in pyproject.toml; the installed metadata carries it.
try:
    __version__ = version("django-interview-coordinator")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
