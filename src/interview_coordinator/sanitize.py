"""What text the package accepts, and how it is cleaned before it is stored.

Front ends render company names and positions as text and notes as HTML, so
the two kinds are treated differently: plain-text fields refuse anything that
looks like markup (silently dropping it would surprise the user), while notes
keep a small safe subset of HTML cleaned by nh3. Control characters are
removed everywhere: they are never meant, NUL cannot be stored by PostgreSQL,
and lone surrogates (which JSON can carry) cannot be encoded at all.
"""

from __future__ import annotations

import re
import unicodedata

import nh3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NOTES_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "br",
        "code",
        "em",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "u",
        "ul",
    }
)
NOTES_ATTRIBUTES = {"a": {"href", "title"}}
NOTES_URL_SCHEMES = frozenset({"http", "https", "mailto"})

# A tag opener, closer, comment, doctype or processing instruction as HTML
# parsers read them: "<" directly followed by a letter, "/", "!" or "?".
# "a < b", "<3" and "R&D" stay plain text.
MARKUP = re.compile(r"<[A-Za-z/!?]")

# Kept in multi-line text; every other control character is removed.
LINE_CONTROLS = frozenset("\n\r\t")


def remove_control_characters(value: str, *, keep_lines: bool = False) -> str:
    """Drop control characters (Cc) and lone surrogates (Cs).

    With ``keep_lines``, newlines and tabs survive (notes are multi-line).
    """
    return "".join(
        char
        for char in value
        if unicodedata.category(char) not in {"Cc", "Cs"} or (keep_lines and char in LINE_CONTROLS)
    )


def validate_plain_text(value: str) -> None:
    """Refuse markup in a field that front ends display as text."""
    if MARKUP.search(value):
        raise ValidationError(_("HTML tags are not allowed here; enter plain text."), code="markup")


def clean_plain_text(value: str) -> str:
    """Plain text with control characters removed; raises if it holds markup."""
    cleaned = remove_control_characters(value).strip()
    validate_plain_text(cleaned)
    return cleaned


class CleanHTML(str):
    """Notes already cleaned by ``clean_html``: storing them needs no second pass."""


# The HTML parser drops the first newline inside <pre>, and nh3's serializer
# does not write the extra one that would keep it: each pass would lose one.
PRE_NEWLINE = "<pre>\n"

# Re-parsing nh3's output can restructure it again (an <li> left inside an
# <li> once a <table> between them is removed); two passes reach the fixed
# point in every case the property test finds, the bound is a safety margin.
MAX_PASSES = 4


def _clean_pass(value: str) -> str:
    cleaned = nh3.clean(
        value,
        tags=set(NOTES_TAGS),
        attributes={tag: set(attrs) for tag, attrs in NOTES_ATTRIBUTES.items()},
        url_schemes=set(NOTES_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    # <pre> takes no attributes and a "<" in text is escaped, so this is always the tag.
    return cleaned.replace(PRE_NEWLINE, PRE_NEWLINE + "\n").strip()


def clean_html(value: str) -> CleanHTML:
    """Notes reduced to the safe subset: no scripts, no event handlers, safe links only.

    The result is a fixed point: cleaning it again gives it back unchanged,
    so text that goes through the API and then the admin stays as it was.
    """
    cleaned = _clean_pass(remove_control_characters(value, keep_lines=True))
    for _pass in range(MAX_PASSES):
        again = _clean_pass(cleaned)
        if again == cleaned:
            break
        cleaned = again
    return CleanHTML(cleaned)


def clean_html_once(value: str) -> CleanHTML:
    """``value`` cleaned, unless ``clean_html`` already cleaned it (the API's serializers)."""
    return value if isinstance(value, CleanHTML) else clean_html(value)
