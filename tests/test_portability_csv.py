"""CSV export and import of applications, hostile files included."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.utils import timezone

from interview_coordinator.models import Interview, Profile, ReminderDelivery
from tests.factories import InterviewFactory, RoundFactory

pytestmark = pytest.mark.django_db

EXPORT_URL = "/api/interviews/export.csv"
IMPORT_URL = "/api/interviews/import/"


def exported(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def upload(client, text, commit=False, encoding="utf-8", name="interviews.csv"):
    data = text.encode(encoding) if isinstance(text, str) else text
    file = io.BytesIO(data)
    file.name = name
    url = f"{IMPORT_URL}?commit=1" if commit else IMPORT_URL
    return client.post(url, {"file": file}, format="multipart")


HEADER = "company_name,position,application_date,interview_stage,application_status,notes\n"


class TestExport:
    def test_rows_carry_values_labels_and_iso_dates_in_the_users_zone(self, auth_client, user):
        Profile.objects.for_user(user)
        Profile.objects.filter(user=user).update(timezone="Europe/Berlin")
        moment = timezone.now().replace(microsecond=0) + timedelta(days=3)
        InterviewFactory(
            user=user,
            company_name="Acme",
            interview_stage="screening",
            interview_type="phone",
            application_date=date(2026, 11, 2),
            interview_date=moment,
        )
        [row] = exported(auth_client.get(EXPORT_URL))
        assert row["company_name"] == "Acme"
        assert row["interview_stage"] == "screening"
        assert row["interview_stage_label"] == "Phone Screening"
        assert row["interview_type_label"] == "Phone Screen"
        assert row["application_date"] == "2026-11-02"
        assert row["interview_date"].endswith(("+01:00", "+02:00"))
        assert timezone.datetime.fromisoformat(row["interview_date"]) == moment

    @pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
    def test_formula_cells_are_neutralised(self, auth_client, user, start):
        interview = InterviewFactory(user=user)
        # Stored as is (saving would drop a leading tab or CR): the export guards any row.
        Interview.objects.filter(pk=interview.pk).update(
            company_name=f"{start}HYPERLINK(1)", notes=f"{start}cmd"
        )
        [row] = exported(auth_client.get(EXPORT_URL))
        assert row["company_name"] == f"'{start}HYPERLINK(1)"
        assert row["notes"] == f"'{start}cmd"

    def test_only_the_users_own_rows(self, auth_client, user, other_user):
        InterviewFactory(user=user, company_name="Mine")
        InterviewFactory(user=other_user, company_name="Theirs")
        assert [row["company_name"] for row in exported(auth_client.get(EXPORT_URL))] == ["Mine"]

    @pytest.mark.parametrize("count", [3, 300])
    def test_queries_are_constant(self, auth_client, user, count, django_assert_max_num_queries):
        Profile.objects.for_user(user)
        Interview.objects.bulk_create(
            InterviewFactory.build(user=user, company_name=f"C{i}") for i in range(count)
        )
        with django_assert_max_num_queries(2):
            rows = exported(auth_client.get(EXPORT_URL))
        assert len(rows) == count

    def test_needs_a_login(self, api_client):
        assert api_client.get(EXPORT_URL).status_code == 401


class TestImport:
    def test_a_dry_run_reports_and_writes_nothing(self, auth_client, user):
        text = HEADER + "Acme,Backend,2026-11-01,Phone Screening,in_progress,hi\n"
        response = upload(auth_client, text)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["committed"] is False
        assert body["summary"]["create"] == 1
        assert body["rows"] == [{"row": 2, "action": "create", "id": None, "errors": {}}]
        assert not Interview.objects.filter(user=user).exists()

    def test_commit_applies_and_a_second_import_creates_nothing(self, auth_client, user):
        text = (
            "Company Name,POSITION,Application date,Interview stage\n"
            "Acme,Backend,2026-11-01,technical interview\n"
            "Globex,SRE,2026-11-02,applied\n"
        )
        response = upload(auth_client, text, commit=True)
        assert response.status_code == 200, response.content
        assert response.json()["committed"] is True
        assert Interview.objects.filter(user=user).count() == 2
        acme = Interview.objects.get(user=user, company_name="Acme")
        assert acme.interview_stage == "technical"
        again = upload(auth_client, text, commit=True)
        assert again.json()["summary"] == {
            "create": 0,
            "update": 0,
            "unchanged": 2,
            "duplicate": 0,
            "error": 0,
        }
        assert Interview.objects.filter(user=user).count() == 2

    def test_the_export_imports_back_unchanged(self, auth_client, user):
        InterviewFactory(user=user, company_name="=SUM(A1)", notes="<p>Hi</p>\nthere")
        InterviewFactory(user=user, company_name="Initech", interview_type=None, location=None)
        body = b"".join(auth_client.get(EXPORT_URL).streaming_content)
        response = upload(auth_client, body, commit=True)
        assert response.status_code == 200, response.content
        assert response.json()["summary"]["unchanged"] == 2
        assert Interview.objects.filter(user=user).count() == 2

    @pytest.mark.parametrize("name", ["'+Apostrophe Co", "'Quoted", "''=Twice", "'"])
    def test_a_leading_apostrophe_survives_the_round_trip(self, auth_client, user, name):
        InterviewFactory(user=user, company_name=name, notes=name)
        body = b"".join(auth_client.get(EXPORT_URL).streaming_content)
        response = upload(auth_client, body, commit=True)
        assert response.status_code == 200, response.content
        assert response.json()["summary"]["unchanged"] == 1
        interview = Interview.objects.get(user=user)
        assert (interview.company_name, interview.notes) == (name, name)

    def test_a_past_interview_date_imports_into_a_fresh_account_as_history(
        self, auth_client, client_for, user, other_user
    ):
        past = timezone.now().replace(microsecond=0) - timedelta(days=40)
        InterviewFactory(user=user, company_name="Initech", interview_date=past)
        body = b"".join(auth_client.get(EXPORT_URL).streaming_content)
        response = upload(client_for(other_user), body, commit=True)
        assert response.status_code == 200, response.content
        assert response.json()["summary"]["create"] == 1
        imported = Interview.objects.get(user=other_user)
        assert imported.interview_date == past
        assert not ReminderDelivery.objects.filter(interview=imported).exists()
        again = upload(client_for(other_user), body, commit=True)
        assert again.json()["summary"]["unchanged"] == 1

    def test_the_api_still_refuses_a_new_interview_in_the_past(self, auth_client):
        past = (timezone.now() - timedelta(days=40)).isoformat()
        body = {"company_name": "A", "position": "B", "interview_date": past}
        response = auth_client.post("/api/interviews/", body, format="json")
        assert response.status_code == 400
        assert "interview_date" in response.json()

    @pytest.mark.parametrize("count", [5, 200])
    def test_a_dry_run_costs_constant_queries(
        self, auth_client, user, count, django_assert_max_num_queries
    ):
        Profile.objects.for_user(user)
        Interview.objects.bulk_create(
            InterviewFactory.build(
                user=user, company_name=f"C{i}", position="E", application_date=date(2026, 11, 1)
            )
            for i in range(count)
        )
        text = "company_name,position,application_date\n" + "".join(
            f"C{i},E,2026-11-01\nN{i},E,2026-11-01\n" for i in range(count)
        )
        with django_assert_max_num_queries(3):
            response = upload(auth_client, text)
        summary = response.json()["summary"]
        assert (summary["create"], summary["unchanged"]) == (count, count)

    def test_a_commit_plans_the_reminders_of_every_imported_moment(self, auth_client, user):
        start = timezone.now().replace(microsecond=0) + timedelta(days=3)
        moments = [start + timedelta(hours=n) for n in range(5)]
        text = "company_name,position,interview_date,interview_stage\n" + "".join(
            f"C{n},E,{moment.isoformat()},{'Phone Screening' if n % 2 else 'applied'}\n"
            for n, moment in enumerate(moments)
        )
        response = upload(auth_client, text, commit=True)
        assert response.status_code == 200, response.content
        planned = ReminderDelivery.objects.filter(interview__user=user)
        assert sorted(planned.values_list("moment", flat=True)) == moments

    def test_a_matching_row_updates_the_existing_application(self, auth_client, user):
        existing = InterviewFactory(
            user=user, company_name="Acme", position="Backend", application_date=date(2026, 1, 5)
        )
        text = "company_name,position,application_date,application_status\n"
        text += "ACME,backend,2026-01-05,Offer Received\n"
        response = upload(auth_client, text, commit=True)
        assert response.json()["rows"][0]["action"] == "update"
        assert response.json()["rows"][0]["id"] == existing.pk
        existing.refresh_from_db()
        assert existing.application_status == "offer"
        assert existing.interview_stage == "completed"

    def test_any_refused_row_refuses_the_whole_commit(self, auth_client, user):
        text = HEADER + "Acme,Backend,2026-11-01,applied,in_progress,\n"
        text += "<b>Evil</b>,Backend,2026-13-45,Astronaut,in_progress,\n"
        response = upload(auth_client, text, commit=True)
        assert response.status_code == 400
        body = response.json()
        assert body["committed"] is False
        error = body["rows"][1]
        assert error["action"] == "error"
        assert {"company_name", "application_date", "interview_stage"} <= set(error["errors"])
        assert not Interview.objects.filter(user=user).exists()

    def test_a_stage_advance_past_the_round_cap_is_a_400_on_the_stage(
        self, auth_client, user, settings
    ):
        settings.INTERVIEW_COORDINATOR = {"MAX_ROUNDS_PER_INTERVIEW": 1}
        existing = InterviewFactory(
            user=user, company_name="Acme", position="Backend", application_date=date(2026, 1, 5)
        )
        RoundFactory(interview=existing, stage="screening", scheduled_date=None)
        text = "company_name,position,application_date,interview_stage\n"
        text += "Acme,Backend,2026-01-05,technical\n"
        response = upload(auth_client, text, commit=True)
        assert response.status_code == 400
        assert "limit of 1 rounds" in response.json()["interview_stage"][0]
        existing.refresh_from_db()
        assert existing.interview_stage == "applied"

    def test_duplicate_rows_are_created_once(self, auth_client, user):
        row = "Acme,Backend,2026-11-01,applied,in_progress,\n"
        response = upload(auth_client, HEADER + row + row.replace("Acme", "acme"), commit=True)
        assert response.status_code == 200
        assert [r["action"] for r in response.json()["rows"]] == ["create", "duplicate"]
        assert Interview.objects.filter(user=user).count() == 1

    def test_formula_cells_are_stored_as_text(self, auth_client, user):
        text = HEADER + '"=HYPERLINK(""http://evil"")",@SUM(1),2026-11-01,applied,,+cmd\n'
        response = upload(auth_client, text, commit=True)
        assert response.status_code == 200, response.content
        interview = Interview.objects.get(user=user)
        assert interview.company_name == '=HYPERLINK("http://evil")'
        [row] = exported(auth_client.get(EXPORT_URL))
        assert row["company_name"] == '\'=HYPERLINK("http://evil")'

    def test_notes_are_sanitized_as_by_the_api(self, auth_client, user):
        text = HEADER + 'Acme,Backend,2026-11-01,applied,,"<script>x()</script><b>ok</b>"\n'
        upload(auth_client, text, commit=True)
        assert Interview.objects.get(user=user).notes == "<b>ok</b>"

    def test_the_cap_holds(self, auth_client, user, settings):
        settings.INTERVIEW_COORDINATOR = {"MAX_INTERVIEWS_PER_USER": 2}
        InterviewFactory(user=user)
        text = HEADER + "A,B,2026-11-01,applied,,\nC,D,2026-11-01,applied,,\n"
        response = upload(auth_client, text, commit=True)
        assert response.status_code == 400
        assert [r["action"] for r in response.json()["rows"]] == ["create", "error"]
        assert Interview.objects.filter(user=user).count() == 1

    def test_another_users_application_is_never_matched(self, auth_client, user, other_user):
        theirs = InterviewFactory(
            user=other_user, company_name="Acme", position="B", application_date=date(2026, 1, 1)
        )
        text = "company_name,position,application_date,notes\nAcme,B,2026-01-01,mine\n"
        response = upload(auth_client, text, commit=True)
        assert response.json()["rows"][0]["action"] == "create"
        theirs.refresh_from_db()
        assert theirs.notes == ""

    def test_a_raw_text_csv_body_is_accepted(self, auth_client):
        response = auth_client.post(
            IMPORT_URL, (HEADER + "A,B,2026-11-01,applied,,\n").encode(), content_type="text/csv"
        )
        assert response.status_code == 200, response.content
        assert response.json()["summary"]["create"] == 1

    def test_utf16_with_bom_is_read(self, auth_client):
        response = upload(
            auth_client, HEADER + "Zürich AG,B,2026-11-01,applied,,\n", encoding="utf-16"
        )
        assert response.status_code == 200, response.content
        assert response.json()["summary"]["create"] == 1


class TestHostileFiles:
    def test_a_wrong_encoding_is_a_400_on_the_file(self, auth_client):
        response = upload(auth_client, HEADER + "Zürich AG,B,2026-11-01,,,\n", encoding="latin-1")
        assert response.status_code == 400
        assert "UTF-8" in response.json()["file"][0]

    def test_10_mb_is_a_413(self, auth_client, user):
        big = HEADER + ("A,B,2026-11-01,applied,," + "x" * 1000 + "\n") * 10_000
        response = upload(auth_client, big, commit=True)
        assert response.status_code == 413
        assert not Interview.objects.filter(user=user).exists()

    def test_a_file_over_the_import_limit_is_a_413_naming_the_file(self, auth_client, settings):
        settings.INTERVIEW_COORDINATOR = {"IMPORT_MAX_BYTES": 1000}
        response = upload(auth_client, HEADER + ("A,B,2026-11-01,,,\n" * 100))
        assert response.status_code == 413
        assert "file" in response.json()

    def test_100000_rows_are_a_400(self, auth_client, user):
        response = upload(auth_client, "company_name,position\n" + "A,B\n" * 100_000, commit=True)
        assert response.status_code == 400
        assert "100000 rows" in response.json()["file"][0]
        assert not Interview.objects.filter(user=user).exists()

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "empty"),
            ("notes,location\nx,remote\n", "company_name"),
            ("company_name,Company name,position\nA,A,B\n", "Two columns"),
            ("company_name,position\nA,B,C,D\n", "more cells"),
            (
                'company_name,position,notes\nA,P,"oops\nB,P,x\nC,P,y\nD,P,z\n',
                "not a readable CSV",
            ),
            ('company_name,position\n"A"x,B\n', "not a readable CSV"),
        ],
    )
    def test_malformed_tables_are_a_400_on_the_file(self, auth_client, text, message):
        response = upload(auth_client, text)
        assert response.status_code == 400, response.content
        assert message in response.json()["file"][0]

    @pytest.mark.parametrize(
        ("header", "message"),
        [
            (
                "notes,location",
                "The header row lacks the required columns company_name and position.",
            ),
            ("company_name,notes", "The header row lacks the required column position."),
            ("Position", "The header row lacks the required column company_name."),
        ],
    )
    def test_a_missing_required_column_is_named_in_a_sentence(self, auth_client, header, message):
        row = ",".join("x" for _ in header.split(","))
        response = upload(auth_client, f"{header}\n{row}\n")
        assert response.status_code == 400, response.content
        assert response.json() == {"file": [message]}

    def test_bad_dates_and_unknown_labels_are_refused_row_by_row(self, auth_client):
        text = "company_name,position,application_date,interview_date,location\n"
        text += "A,B,31/12/2026,,remote\n"
        text += "C,D,2026-11-01,tomorrow,Moon\n"
        response = upload(auth_client, text)
        assert response.status_code == 200
        rows = response.json()["rows"]
        assert set(rows[0]["errors"]) == {"application_date"}
        assert set(rows[1]["errors"]) == {"interview_date", "location"}

    def test_nul_bytes_are_removed_as_by_the_api(self, auth_client, user):
        response = upload(auth_client, HEADER + "A\x00cme,B,2026-11-01,,,\n", commit=True)
        assert response.status_code == 200, response.content
        assert Interview.objects.get(user=user).company_name == "Acme"

    def test_a_missing_file_is_a_400(self, auth_client):
        response = auth_client.post(IMPORT_URL, {"other": "x"}, format="multipart")
        assert response.status_code == 400
        assert "file" in response.json()

    def test_an_unknown_commit_value_is_a_400(self, auth_client):
        response = auth_client.post(f"{IMPORT_URL}?commit=maybe", b"", content_type="text/csv")
        assert response.status_code == 400
        assert "commit" in response.json()

    @pytest.mark.parametrize("value", ["yes", "true", "True", "no", "false", " 1", "on", "2"])
    def test_a_commit_value_other_than_0_or_1_is_a_400_and_writes_nothing(self, auth_client, value):
        response = auth_client.post(
            f"{IMPORT_URL}?commit={value}", HEADER + "Acme,Dev,,,,\n", content_type="text/csv"
        )
        assert response.status_code == 400
        assert list(response.json()) == ["commit"]
        assert not Interview.objects.exists()


class TestAdminExport:
    def test_the_action_exports_the_selected_rows_with_their_owner(
        self, make_user, user, other_user
    ):
        from django.test import Client

        staff = make_user("staff", is_staff=True, is_superuser=True)
        client = Client()
        client.force_login(staff)
        mine = InterviewFactory(user=user, company_name="=cmd()")
        theirs = InterviewFactory(user=other_user, company_name="Globex")
        InterviewFactory(user=user, company_name="Unselected")
        response = client.post(
            "/admin/interview_coordinator/interview/",
            {"action": "export_csv", "_selected_action": [mine.pk, theirs.pk]},
        )
        rows = exported(response)
        assert {(row["user"], row["company_name"]) for row in rows} == {
            ("alice", "'=cmd()"),
            ("mallory", "Globex"),
        }


class TestAdminImport:
    URL = "/admin/interview_coordinator/interview/import-csv/"

    @pytest.fixture
    def staff_client(self, make_user):
        from django.test import Client

        client = Client()
        client.force_login(make_user("staff", is_staff=True, is_superuser=True))
        return client

    def post(self, client, text, user="alice", apply=False):
        file = io.BytesIO(text.encode())
        file.name = "interviews.csv"
        data = {"user": user, "file": file}
        if apply:
            data["apply"] = "on"
        return client.post(self.URL, data)

    def test_the_changelist_links_to_the_import(self, staff_client):
        page = staff_client.get("/admin/interview_coordinator/interview/")
        assert self.URL.encode() in page.content

    def test_a_dry_run_then_an_apply_for_the_named_user(self, staff_client, user, make_user):
        text = HEADER + "Acme,Backend,2026-11-01,Phone Screening,,\n<b>x</b>,B,2026-11-01,,,\n"
        response = self.post(staff_client, text)
        assert response.status_code == 200
        assert response.context["report"]["summary"]["create"] == 1
        assert response.context["report"]["summary"]["error"] == 1
        assert not Interview.objects.exists()
        response = self.post(staff_client, HEADER + "Acme,Backend,2026-11-01,,,\n", apply=True)
        assert response.context["report"]["committed"] is True
        interview = Interview.objects.get()
        assert interview.user == user
        assert b"Applied" in response.content

    def test_bad_files_and_unknown_users_are_form_errors(self, staff_client, user):
        response = self.post(staff_client, "", apply=True)
        assert "empty" in str(response.context["form"].errors["file"])
        response = self.post(staff_client, HEADER, user="nobody")
        assert "user" in response.context["form"].errors
        assert not Interview.objects.exists()

    def test_a_refused_row_is_reported_with_its_messages_and_nothing_is_written(
        self, staff_client, user
    ):
        text = HEADER + "Acme,Backend,2026-11-01,,,\n<b>x</b>,B,05/11/2026,nowhere,,\n"
        response = self.post(staff_client, text, apply=True)
        assert response.status_code == 200
        assert not response.context["form"].errors
        report = response.context["report"]
        assert report["committed"] is False
        errors = report["rows"][1]["errors"]
        assert set(errors) == {"company_name", "application_date", "interview_stage"}
        page = response.content.decode()
        assert "HTML tags are not allowed here; enter plain text." in page
        assert "Date has wrong format." in page
        assert "is not a valid choice." in page
        assert not Interview.objects.exists()

    def test_a_stage_advance_past_the_round_cap_is_a_form_error(self, staff_client, user, settings):
        settings.INTERVIEW_COORDINATOR = {"MAX_ROUNDS_PER_INTERVIEW": 1}
        existing = InterviewFactory(
            user=user, company_name="Acme", position="Backend", application_date=date(2026, 1, 5)
        )
        RoundFactory(interview=existing, stage="screening", scheduled_date=None)
        text = "company_name,position,application_date,interview_stage\n"
        text += "Acme,Backend,2026-01-05,technical\n"
        response = self.post(staff_client, text, apply=True)
        assert response.status_code == 200
        assert "limit of 1 rounds" in str(response.context["form"].errors["file"])
        existing.refresh_from_db()
        assert existing.interview_stage == "applied"

    def test_staff_without_permission_are_refused(self, make_user):
        from django.test import Client

        client = Client()
        client.force_login(make_user("viewer", is_staff=True))
        assert client.get(self.URL).status_code == 403
