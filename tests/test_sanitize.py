"""The cleaning of notes: one pass, and a second pass would change nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview_coordinator.models import Interview, InterviewRound
from interview_coordinator.sanitize import clean_html
from tests.factories import InterviewFactory

# Pieces that make HTML parsers restructure a document: tags they reparent
# (tables, list items, <pre> and its leading newline), tags nh3 removes,
# entities, comments and the whitespace that str.strip() and parsers treat
# specially; plus any text at all.
HTML_PIECES = st.sampled_from(
    [
        *"<>/=&;\"' \n\t\rabp",
        "<pre>",
        "</pre>",
        "<p>",
        "</p>",
        "<b>",
        "</b>",
        "<ul>",
        "<ol>",
        "<li>",
        "</li>",
        "<blockquote>",
        "<code>",
        "<br>",
        '<a href="https://example.com/">',
        '<a href="javascript:alert(1)">',
        "</a>",
        "<table>",
        "<tr>",
        "<td>",
        "<textarea>",
        "<script>",
        "</script>",
        "<style>",
        "<!--",
        "-->",
        "<![CDATA[",
        "&amp;",
        "&lt;",
        "&nbsp;",
        "\xa0",
        "\u2028",
        "\x00",
    ]
)
NOTES = st.lists(HTML_PIECES, max_size=40).map("".join) | st.text(max_size=200)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NOTES)
def test_cleaning_twice_changes_nothing(notes):
    once = clean_html(notes)

    assert clean_html(once) == once


@pytest.mark.parametrize(
    "notes",
    ["<pre>\n\nindented\n</pre>", "<pre>\n</pre>", "<li><table>a<li>", "<b>x<pre>\ny</pre></b>"],
)
def test_cleaning_twice_changes_nothing_in_known_cases(notes):
    once = clean_html(notes)

    assert clean_html(once) == once


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/interviews/", "/api/interviews/rounds/"])
def test_notes_written_through_the_api_are_stored_as_cleaned_once(auth_client, user, url):
    notes = "<pre>\n\n  two blank lines above\n</pre>"
    body = {"company_name": "Acme", "position": "Engineer", "notes": notes}
    if "rounds" in url:
        body = {"interview": InterviewFactory(user=user).pk, "stage": "technical", "notes": notes}

    response = auth_client.post(url, body, format="json")

    assert response.status_code == 201, response.content
    model = InterviewRound if "rounds" in url else Interview
    stored = model.objects.get(pk=response.json()["id"]).notes
    assert response.json()["notes"] == stored == clean_html(notes)
    assert stored.startswith("<pre>\n\n  two blank lines above")
