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

import markdown

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
    SCHEMA.write_text(json.dumps(with_cell_html(with_example_emails(schema)), indent=2))


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


def with_cell_html(node: Any, *, in_cell: bool = False) -> Any:
    """``node`` with the descriptions shown in table cells turned from Markdown into HTML.

    The reference shows parameters and object properties in HTML tables,
    whose cells Markdown leaves alone: drf-spectacular's list of an enum's
    values ("* `offer` - Offer Received", one per line) would show as typed.
    The schema served by a host keeps its Markdown, which Swagger UI and
    ReDoc render themselves.
    """
    if isinstance(node, list):
        return [with_cell_html(item, in_cell=in_cell) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {}
    for key, value in node.items():
        if key == "description" and in_cell and isinstance(value, str):
            converted[key] = cell_html(value)
        elif key == "parameters" and isinstance(value, list):
            converted[key] = [with_cell_html(item, in_cell=True) for item in value]
        elif key == "properties" and isinstance(value, dict):
            converted[key] = {
                name: with_cell_html(item, in_cell=True) for name, item in value.items()
            }
        else:
            converted[key] = with_cell_html(value)
    return converted


def cell_html(text: str) -> str:
    """Markdown as HTML for a table cell: one paragraph unwrapped, anything else kept whole."""
    html = markdown.markdown(text)
    inner = html.removeprefix("<p>").removesuffix("</p>")
    return inner if f"<p>{inner}</p>" == html and "<p>" not in inner else html
