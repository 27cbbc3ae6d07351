"""Optional JWT authentication endpoints, rate limits and the security log."""

from __future__ import annotations
