"""The settings and system checks references name everything the code has.

A key added to ``conf.DEFAULTS``, a Django setting the package starts to
read, or a new check id fails here until docs/settings.md or docs/checks.md
documents it; an id the docs keep after the code dropped it fails too.
"""

import json
import re
from pathlib import Path

import pytest

from interview_coordinator.conf import DEFAULTS, REMOVED_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "interview_coordinator"
SETTINGS_PAGE = (ROOT / "docs" / "settings.md").read_text()
# The INTERVIEW_COORDINATOR keys come first; the host's own settings after this heading.
PACKAGE_SETTINGS, _, HOST_SETTINGS = SETTINGS_PAGE.partition("\n## Django and library settings")
CHECKS_PAGE = (ROOT / "docs" / "checks.md").read_text()

CHECK_ID = re.compile(r"[\"'](interview_coordinator(?:_accounts)?\.[CEWI]\d{3})[\"']")
DOCUMENTED_CHECK = re.compile(r"^### `(interview_coordinator(?:_accounts)?\.[CEWI]\d{3})`$", re.M)
# django.conf.settings read as an attribute or through getattr, not the
# package's app_settings (nor DRF's, simplejwt's or dj-rest-auth's objects).
DJANGO_SETTING = re.compile(
    r"(?<![\w.])settings\.([A-Z][A-Z0-9_]+)|getattr\(settings, \"([A-Z_]+)\""
)


def sources():
    return [path for path in SOURCE.rglob("*.py") if "migrations" not in path.parts]


def table_keys(page):
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", page, re.M))


def test_every_setting_is_documented_with_its_type_and_default():
    assert HOST_SETTINGS, "the settings page lost its heading of the host's settings"
    assert set(DEFAULTS) - table_keys(PACKAGE_SETTINGS) == set()


def test_the_settings_page_documents_no_setting_the_package_lacks():
    assert table_keys(PACKAGE_SETTINGS) - set(DEFAULTS) - set(REMOVED_SETTINGS) == set()


def test_every_removed_setting_is_documented():
    assert set(REMOVED_SETTINGS) - table_keys(PACKAGE_SETTINGS) == set()


def test_every_django_setting_the_package_reads_is_documented():
    read = {
        name
        for path in sources()
        for match in DJANGO_SETTING.finditer(path.read_text())
        for name in match.groups()
        if name
    }
    assert read, "the pattern no longer finds the settings the package reads"
    assert {name for name in read if f"`{name}`" not in HOST_SETTINGS} == set()


def test_every_check_id_is_documented_and_none_other():
    in_code = {check for path in sources() for check in CHECK_ID.findall(path.read_text())}
    documented = DOCUMENTED_CHECK.findall(CHECKS_PAGE)

    assert len(documented) == len(set(documented)), "an id is documented twice"
    assert in_code == set(documented)


def test_check_ids_are_written_out_so_that_they_can_be_found():
    # An id built at run time (f"...E{n:03d}") would escape the test above.
    for path in SOURCE.rglob("checks.py"):
        assert not re.search(r"\bid=f[\"']", path.read_text()), path


# Fences may be indented (inside a list item or an admonition).
FENCED_BLOCK = re.compile(r"^([ \t]*)(`{3,}|~{3,}).*?^\1\2", re.M | re.S)
# Two backticks with nothing between them: Markdown prints them as they are.
EMPTY_CODE_SPAN = re.compile(r"(?<!`)``(?!`)")


# What holds indented Markdown rather than code: list items, admonitions
# (!!!), collapsible blocks (???) and tabs (===).
CONTAINER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s|^(?:!!!|\?\?\?\+?|===)\s")


def prose_lines(text):
    """The lines of a page that Markdown renders as text: code blocks left out.

    Fenced blocks go first; then an indented code block, lines indented by
    four spaces after a blank line, unless they continue a list item or an
    admonition, where that indentation is the container's Markdown.
    """
    lines, in_code, in_container, after_blank = [], False, False, True
    for line in FENCED_BLOCK.sub("", text).splitlines():
        blank, indented = not line.strip(), line.startswith(("    ", "\t"))
        if CONTAINER.match(line):
            in_container = True
        elif not blank and not line[0].isspace():
            in_container = False
        in_code = indented and not in_container and (in_code or after_blank)
        if not in_code and not blank:
            lines.append(line)
        after_blank = blank
    return lines


def test_prose_lines_leave_out_indented_code_but_not_indented_markdown():
    page = (
        "Text\n\n    code ``\n\n    more code\n\nText again\n"
        "- item\n  continued\n\n    item's paragraph\n\n    ```\n    fenced ``\n    ```\n"
        "!!! note\n\n    note text\n"
    )

    assert prose_lines(page) == [
        "Text",
        "Text again",
        "- item",
        "  continued",
        "    item's paragraph",
        "!!! note",
        "    note text",
    ]


def test_no_page_shows_literal_backticks():
    pages = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md", ROOT / "CHANGELOG.md"]
    shown = {
        f"{page.name}: {line.strip()}"
        for page in pages
        for line in prose_lines(page.read_text())
        if EMPTY_CODE_SPAN.search(line)
    }
    assert shown == set()


TABLE_CELL = re.compile(r"<td>(.*?)</td>", re.S)
# What Markdown would have turned into a list or code: shown as typed in an HTML cell.
RAW_MARKDOWN = re.compile(r"^\s*[*+-] |`", re.M)


def test_the_api_reference_shows_no_raw_markdown_in_its_tables():
    """The page's tables are HTML, which Markdown leaves as it is: their cells must be HTML."""
    pytest.importorskip("markdown", reason="the docs dependency group is not installed")
    handler_module = pytest.importorskip(
        "openapidocs.mk.v3", reason="the docs dependency group is not installed"
    )
    from docs_hooks import openapi

    openapi.on_pre_build(None)
    schema = json.loads(openapi.SCHEMA.read_text())
    page = handler_module.OpenAPIV3DocumentationHandler(schema, style="MKDOCS").write()

    cells = TABLE_CELL.findall(page)
    assert [cell for cell in cells if RAW_MARKDOWN.search(cell)] == []
    assert any("<li><code>offer</code> - Offer Received</li>" in cell for cell in cells)


def readme_embed_snippet():
    """The README's text that the quickstart includes (between the snippet markers)."""
    text = (ROOT / "README.md").read_text()
    return text.split("--8<-- [start:embed] -->", 1)[1].split("<!-- --8<-- [end:embed]", 1)[0]


def test_the_quickstart_creates_its_database_as_the_role_django_connects_as():
    quickstart = (ROOT / "docs" / "quickstart.md").read_text()
    embed = readme_embed_snippet()
    default = {
        name: re.search(rf'os\.environ\.get\("DB_{name}", "([^"]*)"\)', embed)[1]
        for name in ("NAME", "USER", "HOST", "PORT")
    }

    createdb = f"createdb -h {default['HOST']} -p {default['PORT']} -U {default['USER']}"
    assert f"{createdb} {default['NAME']}" in quickstart
    # The quickstart made the project and its database before including the snippet.
    assert "startproject" not in embed
    assert "createdb" not in embed


def test_the_quickstart_says_the_swagger_ui_needs_the_sidecar_offline():
    quickstart = " ".join((ROOT / "docs" / "quickstart.md").read_text().split())
    assert "interactive Swagger UI" in quickstart
    assert "from a CDN" in quickstart
    assert "drf-spectacular-sidecar" in quickstart


EXAMPLE_SETTINGS = ROOT / "example_project" / "config" / "settings"
# A variable read by name: os.environ.get("X"), os.environ["X"], or the
# settings' helpers env_bool("X", ...), env_list("X", ...) and required("X").
ENV_READ = re.compile(
    r'(?:os\.environ(?:\.get\(|\[)|env_bool\(|env_list\(|required\()"([A-Z][A-Z0-9_]*)"'
)
# Variables read in a loop: os.environ[name] for name in ("X", "Y").
ENV_LOOP = re.compile(r"os\.environ\[name\]\s+for name in \(([^)]*)\)")
INSTALLATION_PAGE = (ROOT / "docs" / "installation.md").read_text()


def test_the_example_projects_variables_are_all_in_the_installation_table():
    read = set()
    for path in EXAMPLE_SETTINGS.glob("*.py"):
        text = path.read_text()
        read |= set(ENV_READ.findall(text))
        for names in ENV_LOOP.findall(text):
            read |= set(re.findall(r'"([A-Z][A-Z0-9_]*)"', names))
    table = "\n".join(line for line in INSTALLATION_PAGE.splitlines() if line.startswith("| `"))
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]*)`", table))

    assert {"DB_NAME", "BEHIND_TLS_PROXY", "AUTH_RATE"} <= read, "the patterns miss variables"
    assert read - documented == set()
