"""Importing apprentices from a CSV: every problem shown by row and column, all rows or none."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from bs4 import BeautifulSoup

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, AuditEvent, Cohort
from apprenticeships.services.importing import COLUMNS

from ..helpers import csrf_token_from, page, text_of


def cohort_name(app) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Cohort.name).order_by(Cohort.start_date.desc()).limit(1))


def make_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def good_rows(cohort: str) -> list[dict]:
    base = {"cohort": cohort, "standard": "ST0116", "provider": "Riverside College",
            "service_area": "Software development", "contracted_hours_per_week": "37.5",
            "start_date": "2026-09-07", "planned_end_date": "07/09/2028", "consent_to_be_named": "no"}
    return [
        {**base, "first_name": "Asha", "last_name": "Green", "email": "asha.green@example.org", "uln": "1000000001",
         "mentor_email": "mentor@example.org"},
        {**base, "first_name": "Ben", "last_name": "Cole", "email": "ben.cole@example.org", "uln": "1000000002",
         "service_area": "data", "consent_to_be_named": "yes"},
        {**base, "first_name": "Cara", "last_name": "Lund", "email": "", "uln": ""},
    ]


def upload(client, body: bytes, filename: str = "apprentices.csv"):
    token = csrf_token_from(client.get("/apprentices/import").get_data(as_text=True))
    return client.post("/apprentices/import", data={"csrf_token": token, "file": (io.BytesIO(body), filename)},
                       content_type="multipart/form-data")


def confirm(client, preview_response):
    soup = BeautifulSoup(preview_response.get_data(as_text=True), "html.parser")
    form = soup.find("form", action="/apprentices/import/confirm")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    return client.post("/apprentices/import/confirm", data=data)


def count_new(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Apprentice)
                                 .where(Apprentice.first_name.in_(["Asha", "Ben", "Cara"])))


def test_the_template_has_every_column_and_an_example(coordinator_client):
    response = coordinator_client.get("/apprentices/import/template.csv")
    assert response.mimetype == "text/csv"
    header, example = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header == COLUMNS and len(example) == len(COLUMNS)


def test_a_file_with_one_bad_row_imports_nothing_and_says_where(app, coordinator_client):
    rows = good_rows(cohort_name(app))
    rows[1].update(standard="ST9999", contracted_hours_per_week="seventy", start_date="31/02/2026")
    response = upload(coordinator_client, make_csv(rows))
    soup = page(response)
    assert soup.title.get_text().startswith("Error:")
    summary = text_of(soup.select_one(".govuk-error-summary"))
    assert "Nothing has been imported" in summary
    assert "Row 3, standard: There is no standard with the reference “ST9999”" in summary
    assert "Row 3, contracted_hours_per_week: Contracted hours a week must be a number, like 37.5" in summary
    assert "Row 3, start_date: Start date must be a real date, like 2026-09-07" in summary
    assert "Row 2" not in summary
    assert not soup.find("form", action="/apprentices/import/confirm")
    assert count_new(app) == 0


def test_a_good_file_is_previewed_then_imported_all_at_once(app, coordinator_client):
    response = upload(coordinator_client, make_csv(good_rows(cohort_name(app))))
    soup = page(response)
    assert "3 rows: 3 to add, 0 to update, 0 already up to date." in text_of(soup)
    assert count_new(app) == 0  # the preview writes nothing
    done = confirm(coordinator_client, response)
    assert done.status_code == 303
    assert "3 added, 0 updated, 0 unchanged" in text_of(page(coordinator_client.get(done.headers["Location"])))
    assert count_new(app) == 3
    with app.app_context():
        asha = db.session.scalar(sa.select(Apprentice).where(Apprentice.uln == "1000000001"))
        assert asha.mentor.email == "mentor@example.org" and asha.contracted_minutes_per_week == 2250
        assert db.session.scalar(sa.select(AuditEvent.details).where(AuditEvent.action == "apprentices.imported")) \
            == {"new": 3, "updated": 0, "unchanged": 0}


def test_importing_the_same_file_again_adds_no_one(app, coordinator_client):
    body = make_csv(good_rows(cohort_name(app)))
    confirm(coordinator_client, upload(coordinator_client, body))
    again = upload(coordinator_client, body)
    assert "3 rows: 0 to add, 0 to update, 3 already up to date." in text_of(page(again))
    confirm(coordinator_client, again)
    assert count_new(app) == 3
    # A changed row updates the apprentice it matches.
    rows = good_rows(cohort_name(app))
    rows[0]["team"] = "Platform"
    changed = upload(coordinator_client, make_csv(rows))
    assert "0 to add, 1 to update, 2 already up to date" in text_of(page(changed))
    confirm(coordinator_client, changed)
    with app.app_context():
        assert db.session.scalar(sa.select(Apprentice.team).where(Apprentice.uln == "1000000001")) == "Platform"


def test_the_same_person_twice_in_a_file_is_a_problem(app, coordinator_client):
    rows = good_rows(cohort_name(app))
    rows[2].update(uln="1000000001")
    summary = text_of(page(upload(coordinator_client, make_csv(rows))).select_one(".govuk-error-summary"))
    assert "Row 4, uln: Row 2 has the same ULN" in summary


def test_a_file_changed_between_preview_and_import_is_checked_again(app, coordinator_client):
    preview = upload(coordinator_client, make_csv(good_rows(cohort_name(app))))
    soup = BeautifulSoup(preview.get_data(as_text=True), "html.parser")
    form = soup.find("form", action="/apprentices/import/confirm")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    data["content"] = data["content"].replace("ST0116", "ST0000")
    response = coordinator_client.post("/apprentices/import/confirm", data=data)
    assert "Nothing has been imported" in text_of(page(response))
    assert count_new(app) == 0


def test_files_that_are_not_csv_or_lack_columns_are_refused(app, coordinator_client):
    soup = page(upload(coordinator_client, b"first_name\nAsha\n"))
    assert "The file needs these columns" in text_of(soup.select_one(".govuk-error-summary"))
    soup = page(upload(coordinator_client, b"%PDF-1.4", filename="apprentices.pdf"))
    assert "The selected file must be a CSV" in text_of(soup.find(id="file-error"))
    soup = page(upload(coordinator_client, b"first_name,last_name\n"))
    assert "The file needs these columns" in text_of(soup)


def test_an_excel_csv_with_a_byte_order_mark_is_read(app, coordinator_client):
    body = "\ufeff".encode() + make_csv(good_rows(cohort_name(app)))
    assert "3 to add" in text_of(page(upload(coordinator_client, body)))
