"""Importing apprentices from a CSV: every problem shown by row and column, all rows or none."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from bs4 import BeautifulSoup

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, ApprenticeStatus, AuditEvent, Cohort, Mentor
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


FULL_MENTOR = "mentor@example.org"  # the demo's Priya Shah: 4 mentees, and room for 4
ROOMY_MENTOR = "daniel.hughes@northmoor.example"  # 3 mentees, and room for 4


def good_rows(cohort: str) -> list[dict]:
    base = {"cohort": cohort, "standard": "ST0116", "provider": "Riverside College",
            "service_area": "Software development", "contracted_hours_per_week": "37.5",
            "start_date": "2026-09-07", "planned_end_date": "07/09/2028", "consent_to_be_named": "no"}
    return [
        {**base, "first_name": "Asha", "last_name": "Green", "email": "asha.green@example.org", "uln": "1000000001",
         "mentor_email": ROOMY_MENTOR},
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
    # Its example names what this programme has, so it imports as it is (as a new apprentice).
    preview = page(upload(coordinator_client, response.get_data()))
    assert "1 rows: 1 to add, 0 to update, 0 already up to date." in text_of(preview)


def test_from_a_cohorts_page_rows_with_no_cohort_are_for_that_cohort(app, coordinator_client):
    with app.app_context():
        cohort_id = db.session.scalar(sa.select(Cohort.id).where(Cohort.name == cohort_name(app)))
    rows = good_rows(cohort_name(app))
    for row in rows:
        row["cohort"] = ""
    body = make_csv(rows)
    # From the list of cohorts, a row must say its cohort, in a spreadsheet's words.
    soup = page(upload(coordinator_client, body))
    assert "Row 2, cohort: Enter a cohort" in text_of(soup.select_one(".govuk-error-summary"))
    token = csrf_token_from(coordinator_client.get(f"/apprentices/import?cohort={cohort_id}").get_data(as_text=True))
    response = coordinator_client.post(f"/apprentices/import?cohort={cohort_id}", content_type="multipart/form-data",
                                       data={"csrf_token": token, "file": (io.BytesIO(body), "apprentices.csv")})
    soup = page(response)
    assert "3 rows: 3 to add" in text_of(soup)
    assert soup.find(class_="govuk-back-link")["href"] == f"/apprentices/import?cohort={cohort_id}"
    done = confirm(coordinator_client, response)
    assert done.headers["Location"] == f"/cohorts/{cohort_id}#main-content"
    assert count_new(app) == 3


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
    # Every row was for one cohort: the coordinator lands on it, to see who was added.
    with app.app_context():
        cohort_id = db.session.scalar(sa.select(Cohort.id).where(Cohort.name == cohort_name(app)))
    assert done.headers["Location"] == f"/cohorts/{cohort_id}#main-content"
    assert "3 added, 0 updated, 0 unchanged" in text_of(page(coordinator_client.get(done.headers["Location"])))
    assert count_new(app) == 3
    # Opened from that cohort's page, the import's way back is to the cohort.
    back = page(coordinator_client.get(f"/apprentices/import?cohort={cohort_id}")).find(class_="govuk-back-link")
    assert back["href"] == f"/cohorts/{cohort_id}" and back.get_text(strip=True) == f"Back to {cohort_name(app)}"
    with app.app_context():
        asha = db.session.scalar(sa.select(Apprentice).where(Apprentice.uln == "1000000001"))
        assert asha.mentor.email == ROOMY_MENTOR and asha.contracted_minutes_per_week == 2250
        assert db.session.scalar(sa.select(AuditEvent.details).where(AuditEvent.action == "apprentices.imported")) \
            == {"new": 3, "updated": 0, "unchanged": 0}


def test_importing_the_same_file_again_adds_no_one(app, coordinator_client):
    body = make_csv(good_rows(cohort_name(app)))
    confirm(coordinator_client, upload(coordinator_client, body))
    again = upload(coordinator_client, body)
    soup = page(again)
    assert "Every row in this file is already held as it is: there is nothing to import." in text_of(soup)
    assert not soup.find("form", action="/apprentices/import/confirm")  # no button that would do nothing
    assert count_new(app) == 3
    # A changed row updates the apprentice it matches.
    rows = good_rows(cohort_name(app))
    rows[0]["team"] = "Platform"
    changed = upload(coordinator_client, make_csv(rows))
    soup = page(changed)
    assert "0 to add, 1 to update, 2 already up to date" in text_of(soup)
    assert text_of(soup.find(id="row-2").find_all("td")[2]) == "Update team"  # what will change
    confirm(coordinator_client, changed)
    with app.app_context():
        assert db.session.scalar(sa.select(Apprentice.team).where(Apprentice.uln == "1000000001")) == "Platform"
    # Empty optional cells keep what is held: the mentor and the team stay.
    rows[0].update(mentor_email="", team="")
    soup = page(upload(coordinator_client, make_csv(rows)))
    assert "Every row in this file is already held as it is: there is nothing to import." in text_of(soup)
    with app.app_context():
        asha = db.session.scalar(sa.select(Apprentice).where(Apprentice.uln == "1000000001"))
        assert asha.mentor is not None and asha.mentor.email == ROOMY_MENTOR and asha.team == "Platform"


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


def mentees_and_room(app, email: str) -> tuple[int, int]:
    """The mentor picker's figures for a mentor: mentees in learning or on a break, and capacity."""
    with app.app_context():
        mentor = db.session.scalar(sa.select(Mentor).where(Mentor.email == email))
        mentees = db.session.scalar(sa.select(sa.func.count()).select_from(Apprentice).where(
            Apprentice.mentor_id == mentor.id, Apprentice.status.in_(ApprenticeStatus.CURRENT)))
        return mentees, mentor.capacity


def test_the_demo_mentors_used_here_are_full_and_have_one_place(app):
    assert mentees_and_room(app, FULL_MENTOR) == (4, 4)
    assert mentees_and_room(app, ROOMY_MENTOR) == (3, 4)


def test_rows_that_would_take_a_mentor_over_their_limit_are_problems_on_those_rows(app, coordinator_client):
    rows = good_rows(cohort_name(app))
    rows[1]["mentor_email"] = FULL_MENTOR  # row 3: one more for a mentor with no place left
    rows[2]["mentor_email"] = ROOMY_MENTOR  # rows 2 and 4: two more for a mentor with one place
    soup = page(upload(coordinator_client, make_csv(rows)))
    summary = text_of(soup.select_one(".govuk-error-summary"))
    assert "Nothing has been imported" in summary
    assert "3 of the 3 rows cannot be imported" in summary
    assert ("Row 3, mentor_email: Priya Shah can mentor 4 apprentices and already has 4: row 3 would take them "
            "to 5. Choose another mentor for this row") in summary
    for row in (2, 4):
        assert (f"Row {row}, mentor_email: Daniel Hughes can mentor 4 apprentices and already has 3: rows 2 and 4 "
                "would take them to 5. Choose another mentor for at least 1 of these rows") in summary
    assert not soup.find("form", action="/apprentices/import/confirm")
    assert count_new(app) == 0


def test_the_check_is_made_again_on_import(app, coordinator_client):
    preview = upload(coordinator_client, make_csv(good_rows(cohort_name(app))))  # Daniel's last place
    with app.app_context():  # meanwhile someone gives Daniel another mentee on the mentor page
        mentor = db.session.scalar(sa.select(Mentor).where(Mentor.email == ROOMY_MENTOR))
        mentor.capacity = 3
        db.session.commit()
    soup = page(confirm(coordinator_client, preview))
    assert "Daniel Hughes can mentor 3 apprentices and already has 3" in text_of(soup.select_one(
        ".govuk-error-summary"))
    assert count_new(app) == 0


def test_moving_a_mentee_to_another_mentor_frees_their_place(app, coordinator_client):
    with app.app_context():
        liam = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Liam"))
        assert liam.mentor.email == FULL_MENTOR
        moved = {"first_name": liam.first_name, "last_name": liam.last_name, "email": liam.email, "uln": liam.uln,
                 "cohort": liam.cohort.name, "standard": liam.standard.reference, "provider": liam.provider.name,
                 "service_area": liam.service_area.value, "team": liam.team or "", "job_title": liam.job_title or "",
                 "contracted_hours_per_week": f"{liam.contracted_minutes_per_week / 60:g}",
                 "start_date": liam.start_date.isoformat(), "planned_end_date": liam.planned_end_date.isoformat(),
                 "mentor_email": ROOMY_MENTOR, "consent_to_be_named": "yes" if liam.consent_to_be_named else "no"}
    new = {**good_rows(cohort_name(app))[0], "mentor_email": FULL_MENTOR}
    soup = page(upload(coordinator_client, make_csv([moved, new])))
    assert "2 rows: 1 to add, 1 to update, 0 already up to date." in text_of(soup)
    assert not soup.select_one(".govuk-error-summary")


def test_the_check_page_counts_the_rows_that_cannot_be_imported(app, coordinator_client):
    rows = good_rows(cohort_name(app)) + [{**good_rows(cohort_name(app))[2], "first_name": f"Dan{n}"}
                                           for n in ("a", "b", "c")]
    rows[4]["standard"] = "ST9999"
    soup = page(upload(coordinator_client, make_csv(rows)))
    assert ("The file has 6 rows. 5 are ready to import and 1 is not: fix it in your spreadsheet and upload the "
            "file again. Nothing is imported until every row is ready.") in text_of(soup)
    assert "1 of the 6 rows cannot be imported" in text_of(soup.select_one(".govuk-error-summary"))
    assert text_of(soup.find(id="row-6")).startswith("6 Danb Lund Cannot import")
