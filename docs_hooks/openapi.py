"""MkDocs hook: write the package's OpenAPI schema before each build.

The API reference page renders this file, generated from the example
project's views by drf-spectacular, so the reference is the schema the code
serves and cannot drift from it. The file lands under ``build/`` (ignored by
git): it is never committed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "build" / "docs" / "openapi.json"


def on_pre_build(config: Any) -> None:
    SCHEMA.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        # No database is opened and no key of the checkout is written: the
        # schema comes from the views alone.
        DB_NAME="",
        SECRET_KEY="docs-build-only-" + "x" * 40,
        CELERY_BROKER_URL="",
        REDIS_URL="",
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--format",
            "openapi-json",
            "--file",
            str(SCHEMA),
        ],
        check=True,
        cwd=ROOT / "example_project",
        env=env,
    )
    schema = json.loads(SCHEMA.read_text())
    SCHEMA.write_text(json.dumps(with_example_emails(schema), indent=2))


def with_example_emails(node: Any) -> Any:
    """``node`` with an example address on every email string that has none.

    The renderer otherwise makes one up at a real-looking domain; example.com
    is reserved for documentation (RFC 2606).
    """
    if isinstance(node, list):
        return [with_example_emails(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: with_example_emails(value) for key, value in node.items()}
    if node.get("format") == "email" and "example" not in node:
        node["example"] = "user@example.com"
    return node
