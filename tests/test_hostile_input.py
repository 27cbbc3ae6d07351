"""Hostile and broken input gets a clear 4xx, field by field; never a 500, never a partial write."""

import json

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from interview_coordinator.models import Interview, InterviewRound, Profile, ReminderDelivery
from tests.db_failures import failed_on_the_refused_insert, inserts_refused
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db

LIST = "/api/interviews/"
ROUNDS = "/api/interviews/rounds/"
NEXT_YEAR = timezone.now().year + 1


def create(client, **fields):
    body = {"company_name": "Acme", "position": "Engineer", **fields}
    return client.post(LIST, body, format="json")


def assert_field_error(response, field):
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not Interview.objects.exists()


@pytest.mark.parametrize("field", ["company_name", "position"])
@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "Acme</title><svg/onload=alert(1)>",
        "<!-- comment -->Acme",
        "<a href='javascript:alert(1)'>x</a>",
        "Acme<BR>",
        "<?xml version='1.0'?>",
    ],
)
def test_plain_text_fields_refuse_markup(auth_client, field, payload):
    response = create(auth_client, **{field: payload})

    assert_field_error(response, field)
    assert "HTML" in response.json()[field][0]


@pytest.mark.parametrize("text", ["AT&T", "R&D <3", "a < b > c", "C++ / C#", 'O\'Reilly "Media"'])
def test_plain_text_that_only_looks_like_markup_is_accepted(auth_client, text):
    response = create(auth_client, company_name=text)

    assert response.status_code == 201
    assert response.json()["company_name"] == text


@pytest.mark.parametrize(
    ("notes", "expected"),
    [
        ("<script>alert(1)</script>ok", "ok"),
        ('<p onclick="steal()">hi</p>', "<p>hi</p>"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        (
            '<a href="https://example.com" target="_blank">x</a>',
            '<a href="https://example.com" rel="noopener noreferrer nofollow">x</a>',
        ),
        ("<iframe src=//evil></iframe><b>bold</b>", "<b>bold</b>"),
        ('<img src=x onerror="alert(1)">', ""),
        ("<style>body{display:none}</style><em>e</em>", "<em>e</em>"),
        ("line one\nline two\ttab", "line one\nline two\ttab"),
    ],
)
def test_notes_keep_only_a_safe_html_subset(auth_client, notes, expected):
    response = create(auth_client, notes=notes)

    assert response.status_code == 201
    assert response.json()["notes"] == expected
    assert Interview.objects.get().notes == expected


def test_round_notes_are_cleaned_too(auth_client, user):
    interview = InterviewFactory(user=user)

    response = auth_client.post(
        ROUNDS,
        {"interview": interview.pk, "stage": "final", "notes": "<script>x</script><i>ok</i>"},
        format="json",
    )

    assert response.json()["notes"] == "<i>ok</i>"


def test_control_characters_and_null_bytes_are_removed(auth_client):
    response = create(
        auth_client, company_name="Ac\x00me\x07\x1b", position="Dev\r\nOps", notes="a\x00b\nc"
    )

    assert response.status_code == 201
    assert response.json()["company_name"] == "Acme"
    assert response.json()["position"] == "DevOps"
    assert response.json()["notes"] == "ab\nc"


def test_lone_surrogates_are_removed(auth_client):
    raw = '{"company_name": "Acme\\ud800", "position": "Dev\\udfff"}'

    response = auth_client.post(LIST, raw, content_type="application/json")

    assert response.status_code == 201
    assert (response.json()["company_name"], response.json()["position"]) == ("Acme", "Dev")


def test_unicode_is_kept(auth_client):
    text = "株式会社 🚀 Ünïcødé עברית"

    response = create(auth_client, company_name=text, position="Zoë", notes="<b>日本</b> ✓")

    assert response.status_code == 201
    assert response.json()["company_name"] == text
    assert Interview.objects.get().notes == "<b>日本</b> ✓"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("company_name", "x" * 201),
        ("position", "y" * 201),
        ("notes", "z" * 10_001),
        ("company_name", ""),
        ("company_name", "   "),
        ("company_name", None),
        ("company_name", ["Acme"]),
        ("company_name", {"name": "Acme"}),
    ],
)
def test_text_lengths_and_types(auth_client, field, value):
    assert_field_error(create(auth_client, **{field: value}), field)


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        (LIST, "company_name", 123),
        (LIST, "position", 1.5),
        (LIST, "position", True),
        (LIST, "notes", 3),
        (LIST, "notes", False),
        (ROUNDS, "notes", 3),
        ("/api/profile/", "timezone", 0),
    ],
)
def test_text_fields_refuse_numbers_and_booleans(auth_client, user, path, field, value):
    """A JSON number is not a string: refused like a boolean, never stored as "123"."""
    body = {field: value}
    if path == LIST:
        body = {"company_name": "Acme", "position": "Engineer", **body}
    elif path == ROUNDS:
        body = {"interview": InterviewFactory(user=user).pk, "stage": "final", **body}
    send = auth_client.patch if path == "/api/profile/" else auth_client.post

    response = send(path, body, format="json")

    assert response.status_code == 400, response.content
    assert response.json() == {field: ["Not a valid string."]}


def test_the_longest_allowed_text_is_accepted(auth_client):
    response = create(auth_client, company_name="x" * 200, position="y" * 200, notes="z" * 10_000)

    assert response.status_code == 201


def test_a_one_megabyte_body_answers_400_on_the_field(auth_client):
    response = create(auth_client, notes="A" * (1024 * 1024))

    assert_field_error(response, "notes")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=64 * 1024)
def test_a_body_over_the_hosts_upload_limit_answers_413(auth_client):
    response = create(auth_client, notes="A" * (128 * 1024))

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert not Interview.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("interview_stage", "hired"),
        ("application_status", "ghosted"),
        ("status", "SCHEDULED"),
        ("location", "moon"),
        ("interview_stage", None),
        ("interview_stage", ["applied"]),
    ],
)
def test_invalid_choices(auth_client, field, value):
    assert_field_error(create(auth_client, **{field: value}), field)


@pytest.mark.parametrize("field", ["interview_type", "status", "location"])
def test_an_empty_choice_reads_as_none(auth_client, field):
    response = create(auth_client, **{field: ""})

    assert response.status_code == 201
    assert response.json()[field] is None


@pytest.mark.parametrize(
    "value",
    [
        f"{NEXT_YEAR}-02-30",
        "yesterday",
        "10000-01-01",
        "0000-01-01",
        "2026-12-01T10:00",
        20261201,
        -1,
    ],
)
def test_invalid_application_dates(auth_client, value):
    assert_field_error(create(auth_client, application_date=value), "application_date")


@pytest.mark.parametrize(
    "value",
    [
        f"{NEXT_YEAR}-12-01T14:30+25:00",
        f"{NEXT_YEAR}-12-01T14:30+99",
        f"{NEXT_YEAR}-12-01T14:30[Europe/Paris]",
        f"{NEXT_YEAR}-12-01T14:30 Mars/Olympus",
        f"{NEXT_YEAR}-13-01T14:30",
        f"{NEXT_YEAR}-12-01T25:30",
        "0001-01-01T00:00:00+14:00",
        "not a date",
        1_700_000_000,
        "",
    ],
)
def test_invalid_datetimes_and_offsets(auth_client, value):
    assert_field_error(create(auth_client, interview_date=value), "interview_date")


ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x0660 + digit) for digit in range(10)))
FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + digit) for digit in range(10)))


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULLWIDTH])
@pytest.mark.parametrize(
    ("field", "value"),
    [("interview_date", f"{NEXT_YEAR}-12-01T10:00"), ("application_date", "2026-01-02")],
)
def test_dates_written_with_other_scripts_digits_are_refused(auth_client, digits, field, value):
    assert create(auth_client, **{field: value}).status_code == 201
    Interview.objects.all().delete()

    assert_field_error(create(auth_client, **{field: value.translate(digits)}), field)


@pytest.mark.parametrize("field", ["scheduled_date", "completed_date"])
def test_round_datetimes_written_with_other_scripts_digits_are_refused(auth_client, user, field):
    interview = InterviewFactory(user=user)
    value = f"{NEXT_YEAR}-12-01T10:00".translate(ARABIC_INDIC)
    response = auth_client.post(
        ROUNDS, {"interview": interview.pk, "stage": "final", field: value}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_an_unknown_profile_timezone_reads_as_the_sites(auth_client, user):
    Profile.objects.filter(pk=Profile.objects.for_user(user).pk).update(timezone="Mars/Olympus")

    response = create(auth_client, interview_date=f"{NEXT_YEAR}-12-01T14:30")

    assert response.status_code == 201, response.json()
    assert response.json()["interview_date"] == f"{NEXT_YEAR}-12-01T14:30:00Z"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ('{"company_name": "Acme", ', "application/json", 400),
        ("{'company_name': 'Acme'}", "application/json", 400),
        ('{"company_name": NaN}', "application/json", 400),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400),
        ('["Acme", "Engineer"]', "application/json", 400),
        ('"Acme"', "application/json", 400),
        ("null", "application/json", 400),
        (
            '{"company_name": "Acme", "position": "Dev", "id": ' + "9" * 5000 + "}",
            "application/json",
            400,
        ),
        ("company_name=Acme", "text/plain", 415),
        ("<interview/>", "application/xml", 415),
        (b"\xff\xfe\x00garbage", "application/json", 400),
    ],
)
def test_malformed_bodies_and_wrong_content_types(auth_client, body, content_type, status):
    response = auth_client.post(LIST, body, content_type=content_type)

    assert response.status_code == status
    assert response.json()
    assert not Interview.objects.exists()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (LIST, {"limit": "abc", "status": "zzz"}),
        (LIST, {"limit": "0", "offset": "-1", "interview_stage": "hired", "search": "a\x00b"}),
        (LIST, {"offset": "x", "interview_date_after": "soon"}),
        (ROUNDS, {"limit": "abc", "outcome": "won", "upcoming": "maybe"}),
    ],
)
def test_every_invalid_query_parameter_is_reported_at_once(auth_client, user, path, params):
    InterviewFactory(user=user)

    response = auth_client.get(path, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_every_invalid_page_parameter_of_a_timeline_is_reported_at_once(auth_client, user):
    interview = InterviewFactory(user=user)

    response = auth_client.get(f"{LIST}{interview.pk}/timeline/", {"limit": "a", "offset": "b"})

    assert response.status_code == 400
    assert set(response.json()) == {"limit", "offset"}


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"limit": "abc"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1" * 5000}, "limit"),
        ({"limit": "10", "offset": "-5"}, "offset"),
        ({"limit": "10", "offset": "1e3"}, "offset"),
        ({"offset": "abc"}, "offset"),
        ({"offset": "-1"}, "offset"),
        ({"interview_stage": "hired"}, "interview_stage"),
        ({"ordering": "password"}, "ordering"),
        ({"ordering": "user__password"}, "ordering"),
        ({"interview_date_after": "soon"}, "interview_date_after"),
        ({"interview_date_after": "2026-12-01T14:30+25:00"}, "interview_date_after"),
        (
            {"interview_date_after": "2026-12-01T14:30Z", "interview_date_before": "soon"},
            "interview_date_before",
        ),
        ({"application_date_before": "2026-02-30"}, "application_date_before"),
        ({"application_date_after": "1st of May"}, "application_date_after"),
        ({"search": "a\x00b"}, "search"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_invalid_query_parameters(auth_client, user, params, key):
    InterviewFactory(user=user)

    response = auth_client.get(LIST, params)

    assert response.status_code == 400
    # The key is the parameter the client sent, never the model field behind it.
    assert list(response.json()) == [key]


@pytest.mark.parametrize(
    ("url", "key", "value"),
    [
        (LIST, "interview_date_after", "2026-12-01T10:00"),
        (LIST, "interview_date_before", "2026-12-01T10:00Z"),
        (LIST, "application_date_after", "2026-01-02"),
        (LIST, "application_date_before", "2026-01-02"),
        (ROUNDS, "scheduled_date_after", "2026-12-01T10:00"),
    ],
)
def test_date_filters_written_with_other_scripts_digits_are_400(auth_client, url, key, value):
    assert auth_client.get(url, {key: value}).status_code == 200

    response = auth_client.get(url, {key: value.translate(ARABIC_INDIC)})

    assert response.status_code == 400
    assert list(response.json()) == [key]


@pytest.mark.parametrize(
    "params",
    [
        {"interview": "abc"},
        {"interview": "1.5"},
        {"interview": "-3"},
        {"stage": "x"},
        {"scheduled_date_before": "tomorrow"},
        {"offset": "x"},
    ],
)
def test_invalid_round_query_parameters(auth_client, params):
    response = auth_client.get(ROUNDS, params)

    assert response.status_code == 400
    assert list(response.json()) == list(params)


def test_huge_offsets_and_ids_answer_cleanly(auth_client, user):
    InterviewFactory(user=user)

    assert auth_client.get(LIST, {"limit": 5, "offset": 10**17}).json()["results"] == []
    assert auth_client.get(ROUNDS, {"interview": 10**30}).status_code == 400
    for path in (f"{LIST}{10**30}/", f"{ROUNDS}{10**30}/", f"{LIST}99999999999999999999/"):
        assert auth_client.get(path).status_code == 404
        assert auth_client.patch(path, {}, format="json").status_code == 404


@pytest.mark.parametrize("number", ["1e400", "-1e400", "9" * 400])
def test_numbers_beyond_any_range_in_raw_json(auth_client, user, number):
    interview = InterviewFactory(user=user)
    body = f'{{"interview": {interview.pk}, "stage": "final", "duration_minutes": {number}}}'

    response = auth_client.post(ROUNDS, body, content_type="application/json")

    assert response.status_code == 400
    assert "duration_minutes" in response.json()
    assert not InterviewRound.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_round_write_leaves_nothing(user, caplog):
    """The round is written, then planning its reminder fails in the database."""
    interview = InterviewFactory(user=user, interview_date=None)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    future = (timezone.now() + timezone.timedelta(days=5)).isoformat()
    body = {"interview": interview.pk, "stage": "final", "scheduled_date": future}

    with inserts_refused(ReminderDelivery):
        response = client.post(ROUNDS, body, format="json")

    assert response.status_code == 500
    assert failed_on_the_refused_insert(caplog)
    assert not InterviewRound.objects.exists()
    assert not ReminderDelivery.objects.exists()
    assert client.post(ROUNDS, body, format="json").status_code == 201
    assert ReminderDelivery.objects.count() == 1


def test_form_encoded_input_follows_the_same_rules(auth_client):
    response = auth_client.post(
        LIST,
        "company_name=%3Cscript%3E&position=Dev",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert "company_name" in response.json()


def test_error_bodies_are_json(auth_client):
    response = auth_client.post(LIST, "{", content_type="application/json")

    assert response["Content-Type"].startswith("application/json")
    assert "JSON parse error" in json.loads(response.content)["detail"]


ODD_VALUES = [
    None,
    "",
    " ",
    [],
    {},
    True,
    1.5,
    -1,
    10**30,
    "\x00",
    "x" * 300,
    "9999-12-31T23:59:59-14:00",
    "<svg onload=alert(1)>",
    {"$gt": ""},
]
INTERVIEW_FIELDS = [
    "company_name",
    "position",
    "interview_date",
    "interview_type",
    "status",
    "location",
    "interview_stage",
    "application_status",
    "application_date",
    "notes",
]
ROUND_FIELDS = [
    "interview",
    "stage",
    "scheduled_date",
    "completed_date",
    "duration_minutes",
    "notes",
    "outcome",
]


@pytest.mark.parametrize("field", INTERVIEW_FIELDS)
def test_no_value_of_any_interview_field_causes_a_server_error(auth_client, user, field):
    interview = InterviewFactory(user=user)
    for value in ODD_VALUES:
        created = create(auth_client, **{field: value})
        patched = auth_client.patch(f"{LIST}{interview.pk}/", {field: value}, format="json")
        listed = auth_client.get(LIST, {field: value if isinstance(value, str) else repr(value)})
        for response in (created, patched, listed):
            assert response.status_code < 500, (field, value, response.content)


@pytest.mark.parametrize("field", ROUND_FIELDS)
def test_no_value_of_any_round_field_causes_a_server_error(auth_client, user, field):
    interview = InterviewFactory(user=user)
    base = {"interview": interview.pk, "stage": "technical"}
    for value in ODD_VALUES:
        created = auth_client.post(ROUNDS, {**base, field: value}, format="json")
        listed = auth_client.get(ROUNDS, {field: value if isinstance(value, str) else repr(value)})
        for response in (created, listed):
            assert response.status_code < 500, (field, value, response.content)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/interviews/", {"interview_date_before": "9999-12-31T23:59:59-01:00"}),
        ("/api/interviews/rounds/", {"scheduled_date_after": "0001-01-01T00:00:00+05:00"}),
    ],
)
def test_datetime_filters_beyond_the_representable_range_are_400(auth_client, path, params):
    response = auth_client.get(path, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        # Offsets Python accepts but PostgreSQL refuses (beyond ±15:59).
        ("/api/interviews/", {"interview_date_after": "2026-09-29T22:17:02-20:24"}),
        ("/api/interviews/rounds/", {"scheduled_date_before": "2076-04-06T04:15:32.69+16:30"}),
    ],
)
def test_datetime_filters_with_extreme_offsets_are_normalised(auth_client, path, params):
    assert auth_client.get(path, params).status_code == 200


def test_datetime_filters_compare_instants_whatever_the_offset(auth_client, user):
    InterviewFactory(user=user, interview_date=timezone.now() + timezone.timedelta(days=30))
    later = (timezone.now() + timezone.timedelta(days=29)).astimezone(
        timezone.get_fixed_timezone(14 * 60)
    )

    response = auth_client.get("/api/interviews/", {"interview_date_after": later.isoformat()})

    assert response.status_code == 200
    assert len(response.json()) == 1


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/interviews/", "interview_type"),
        ("/api/interviews/", "application_status"),
        ("/api/interviews/rounds/", "stage"),
        ("/api/interviews/rounds/", "outcome"),
    ],
)
def test_a_lone_surrogate_in_a_choice_is_400(auth_client, user, path, field):
    fields = {"company_name": "Acme", "position": "Dev"}
    if path.endswith("rounds/"):
        fields = {"interview": InterviewFactory(user=user).pk, "stage": "screening"}
    # json.dumps cannot write a lone surrogate escape: put it in by hand.
    body = json.dumps({**fields, field: "SURROGATE"}).replace('"SURROGATE"', '"\\ud800"')

    response = auth_client.post(path, body, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("value", ["²", "١٢", "½"])
def test_non_ascii_digits_in_limit_and_offset_are_400(auth_client, value):
    for name in ("limit", "offset"):
        params = {"limit": "5", name: value}
        response = auth_client.get("/api/interviews/", params)
        assert response.status_code == 400, (name, value)
        assert name in response.json()


def test_required_text_that_is_only_control_characters_is_400(auth_client):
    response = auth_client.post(
        "/api/interviews/",
        {"company_name": "\u0000", "position": "\u0007"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"company_name", "position"}
    assert not Interview.objects.exists()


@pytest.mark.parametrize("value", ["maybe", "yes please", "2", "\x00"])
def test_an_unknown_upcoming_value_is_400_not_ignored(auth_client, value):
    response = auth_client.get("/api/interviews/rounds/", {"upcoming": value})

    assert response.status_code == 400
    assert "upcoming" in response.json()
