"""The public sector apprenticeship return, as a coordinator makes, files and reopens it."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    AuditEvent,
    BreakInLearning,
    EmployedBy,
    ProgrammeSettings,
    SectorReturn,
    User,
    utcnow,
)
from apprenticeships.services import sector_return
from apprenticeships.services.errors import ServiceError, StaleRecord
from apprenticeships.services.sector_return import FinancialYear, financial_year_of
from apprenticeships.templating import uk_today

from ..helpers import csrf_token_from, forget_council_codes, page, post_form, text_of
from .test_apprentices import errors
from .test_open_data import unzip
from .test_query_counts import grow, statements_for

YEAR = FinancialYear(2019)  # 1 April 2019 to 31 March 2020: no demo apprentice is in it
URL = "/reports/2019"
NEW = dict(sector_return.QUESTIONS)["apprentices_new"]
AT_START = "Number of apprentices working in England at the start of the period"
AT_END = "Number of apprentices working in England at the end of the period"
EMPLOYEES = {"council_employees_start": "400", "council_employees_end": "410", "council_employees_new": "50",
             "council_fte_start": "380.5", "council_fte_end": "", "council_fte_new": "",
             "maintained_school_employees_start": "200", "maintained_school_employees_end": "190",
             "maintained_school_employees_new": "20", "maintained_school_fte_start": "",
             "maintained_school_fte_end": "", "maintained_school_fte_new": ""}


def add(app, start: date, employed_by=EmployedBy.COUNCIL, since=None, paused: date | None = None,
        name: str = "Counted") -> int:
    """An apprentice like the demo's Liam, starting on `start`."""
    with app.app_context():
        model = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Liam"))
        apprentice = Apprentice(first_name=name, last_name="Person", cohort_id=model.cohort_id,
                                standard_id=model.standard_id, provider_id=model.provider_id,
                                service_area=model.service_area, contracted_minutes_per_week=37 * 60,
                                start_date=start, planned_end_date=start + timedelta(days=800),
                                employed_by=employed_by, employed_by_since=since)
        db.session.add(apprentice)
        if paused:
            db.session.add(BreakInLearning(apprentice=apprentice, start_date=paused,
                                           expected_return_date=paused + timedelta(weeks=8), reason="test"))
        db.session.commit()
        return apprentice.id


@pytest.fixture
def year_2019(app):
    """Apprentices around 2019-20's edges: the figures are council 2 / 3 / 1, maintained schools 1 / 1 / 1."""
    add(app, date(2018, 9, 3))  # in learning all year
    add(app, date(2020, 3, 31))  # new on the last day
    add(app, date(2020, 4, 1))  # the next year's
    add(app, date(2019, 6, 3), EmployedBy.MAINTAINED_SCHOOL)  # new, in a school
    add(app, date(2018, 9, 3), EmployedBy.COUNCIL, since=date(2019, 10, 1))  # moved from a school to the council
    add(app, date(2018, 9, 3), paused=date(2020, 2, 1))  # on a break on 31 March
    return app


def row(soup, question: str) -> list[str]:
    header = soup.find("th", string=lambda s: s and s.strip() == question)
    assert header is not None, question
    return [text_of(cell) for cell in header.find_parent("tr").find_all("td")]


def hidden(soup, name: str) -> str:
    return soup.find("input", attrs={"name": name})["value"]


def events(app, action: str, year: str = "2019-20") -> list[AuditEvent]:
    """The audit events of one kind about one year's return (the demo's returns have theirs)."""
    with app.app_context():
        found = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                        .order_by(AuditEvent.id)))
        db.session.expunge_all()
        return [event for event in found if event.details.get("year") == year]


def test_coordinators_find_the_returns_in_the_menu_and_last_year_is_filed(app, coordinator_client, signed_in):
    home = page(coordinator_client.get("/coordinator"))
    assert home.find("a", string=lambda s: s and s.strip() == "Reports")["href"] == "/reports"
    years = page(coordinator_client.get("/reports"))
    this_year = financial_year_of(uk_today())
    rows = {text_of(tr.find("td")).removesuffix(" return"): text_of(tr.find_all("td")[2])
            for tr in years.select("tbody tr")}
    assert rows[this_year.label] == "Draft"
    assert rows[FinancialYear(this_year.year - 1).label] == "Submitted"
    assert rows["2017-18"] == "Not started"
    last = page(coordinator_client.get(f"/reports/{this_year.year - 1}"))
    assert "Marked as submitted on" in text_of(last) and "by Alex Morgan" in text_of(last)
    assert signed_in("mentor").get("/reports").status_code == 403


@pytest.mark.parametrize("year", ["99999999999999999999", "2147483648", "0", "2016", "abc", "-1"])
def test_a_year_that_cannot_have_a_return_is_not_found(coordinator_client, year):
    for suffix in ("", "/employees", "/answers", "/submit", "/return.csv", "/open-data.zip"):
        assert coordinator_client.get(f"/reports/{year}{suffix}").status_code == 404
    next_year = financial_year_of(uk_today()).year + 1
    assert coordinator_client.get(f"/reports/{next_year}").status_code == 404


def test_the_figures_come_from_the_records_split_by_who_employed_them_on_each_day(year_2019, coordinator_client):
    soup = page(coordinator_client.get(URL))
    assert row(soup, AT_START) == ["2", "1", "3"]
    assert row(soup, AT_END) == ["3", "1", "4"]
    assert row(soup, NEW) == ["1", "1", "2"]
    assert row(soup, "Number of employees working in England at the start of the period") == ["Not given"] * 3
    assert "Not applicable: the number of employees at the start has not been given" in text_of(soup)


def test_the_database_counts_each_apprentice_as_the_rule_says(app):
    """The page's counts come from one statement (sector_return.count_in_the_records): it agrees with the
    rule written out in Python (count_apprentices, tested on its own in tests/unit/test_financial_year.py)
    for apprentices who start, leave, finish, pause and move on every kind of day, the years' edges most."""
    from apprenticeships.services.sector_return import Apprenticeship, count_apprentices, count_in_the_records

    rng = random.Random(2026)
    edges = [date(y, m, d) for y in range(2040, 2046) for m, d in ((3, 31), (4, 1), (4, 2), (3, 30))]

    def day(after: date) -> date:  # a year's edge, or any day, on or after `after`
        later = [d for d in edges if d >= after]
        if later and rng.random() < 0.5:
            return rng.choice(later)
        return after + timedelta(days=rng.randint(0, 1500))

    made = []
    for _ in range(120):
        start = day(date(2040, 1, 1))
        pauses = []
        for _ in range(rng.choice((0, 0, 1, 2))):
            first = day(start)
            pauses.append((first, rng.choice((None, day(first)))))
        made.append(Apprenticeship(
            start_date=start, withdrawal_date=rng.choice((None, day(start))),
            completion_date=rng.choice((None, None, day(start))), employed_by=rng.choice(list(EmployedBy)),
            employed_by_since=rng.choice((None, day(start))), breaks=tuple(pauses)))
    years = [FinancialYear(y) for y in range(2039, 2047)]
    with app.app_context():
        before = {year: count_in_the_records(year) for year in years}  # the demo's current apprentices
        model = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Liam"))
        for n, a in enumerate(made):
            apprentice = Apprentice(
                first_name="Counted", last_name=f"Person {n}", cohort_id=model.cohort_id,
                standard_id=model.standard_id, provider_id=model.provider_id, service_area=model.service_area,
                contracted_minutes_per_week=37 * 60, start_date=a.start_date,
                planned_end_date=a.start_date + timedelta(days=800), withdrawal_date=a.withdrawal_date,
                completion_date=a.completion_date, employed_by=a.employed_by,
                employed_by_since=a.employed_by_since)
            for first, returned in a.breaks:
                apprentice.breaks.append(BreakInLearning(
                    start_date=first, expected_return_date=first + timedelta(weeks=8), returned_on=returned,
                    reason="test"))
            db.session.add(apprentice)
        db.session.commit()
        for year in years:
            rule = count_apprentices(made, year)
            counted = count_in_the_records(year)
            assert {part: (c.start - before[year][part].start, c.end - before[year][part].end,
                           c.new - before[year][part].new) for part, c in counted.items()} == \
                {part: (c.start, c.end, c.new) for part, c in rule.items()}, year.label
    assert sum(c.start + c.end + c.new for year in years for c in count_apprentices(made, year).values()) > 200


def test_employee_numbers_give_the_three_percentages_with_their_working(year_2019, app, coordinator_client):
    form = page(coordinator_client.get(f"{URL}/employees"))
    assert form.find("legend", string=None) is not None
    response = post_form(coordinator_client, f"{URL}/employees", {**EMPLOYEES, "version": ""})
    assert response.status_code == 303
    soup = page(coordinator_client.get(URL))
    text = text_of(soup)
    assert row(soup, "Number of employees working in England at the start of the period") == ["400", "200", "600"]
    assert row(soup, "Full-time equivalent employees at the start of the period (optional)") == [
        "380.5", "Not given", "Not given"]
    assert "1 new apprentices ÷ 50 new employees × 100 = 2.00%" in text
    assert "3 apprentices at the end ÷ 410 employees at the end × 100 = 0.73%" in text
    assert "1 new apprentices ÷ 400 employees at the start × 100 = 0.25%" in text
    assert "2 new apprentices ÷ 70 new employees × 100 = 2.86%" in text  # both parts together
    [event] = events(app, "sector_return.headcounts_saved")
    assert event.details["year"] == "2019-20" and "council employees_start" in event.details["fields"]


def test_a_zero_denominator_is_not_applicable(year_2019, coordinator_client):
    post_form(coordinator_client, f"{URL}/employees", {**EMPLOYEES, "maintained_school_employees_new": "0"})
    assert "Not applicable: there were no new employees" in text_of(page(coordinator_client.get(URL)))


@pytest.mark.parametrize("changes,field,message", [
    ({"council_employees_start": ""}, "council_employees_start",
     "Enter the number of employees at the start of the period (council excluding maintained schools)"),
    ({"maintained_school_employees_end": "-3"}, "maintained_school_employees_end",
     "Employees at the end of the period (maintained schools) must be between 0 and 10,000,000"),
    ({"council_employees_new": "12.5"}, "council_employees_new",
     "New employees in the period (council excluding maintained schools) must be a whole number, like 250"),
    ({"maintained_school_employees_new": "twelve"}, "maintained_school_employees_new",
     "New employees in the period (maintained schools) must be a whole number, like 250"),
    ({"council_fte_end": "12.345"}, "council_fte_end",
     "Full-time equivalent at the end of the period (council excluding maintained schools) must have no more than "
     "2 decimal places"),
    ({"maintained_school_fte_start": "12\x01"}, "maintained_school_fte_start",
     "Full-time equivalent at the start of the period (maintained schools) must be a number, like 412.5"),
])
def test_employee_numbers_are_checked_and_nothing_saved(app, coordinator_client, changes, field, message):
    """Both parts' fields share their labels, so each message names the figure and the part: in the error
    summary, linked to the field, and next to the field, under its part's heading."""
    soup = page(post_form(coordinator_client, f"{URL}/employees", {**EMPLOYEES, **changes}))
    assert errors(soup) == {field: message}
    summary = soup.select(".govuk-error-summary__list a")
    assert [(a["href"], text_of(a)) for a in summary] == [(f"#{field}", message)]
    box = soup.find("input", id=field)
    assert text_of(box.find_parent("fieldset").find("legend")) == message.split("(")[1].split(")")[0].capitalize()
    assert box["aria-describedby"].split() == [f"{field}-hint", f"{field}-error"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SectorReturn)
                                 .where(SectorReturn.year == 2019)) == 0


def upload(client, text: str):
    html = client.get(f"{URL}/employees/import").get_data(as_text=True)
    return client.post(f"{URL}/employees/import", data={
        "csrf_token": csrf_token_from(html), "version": "",
        "file": (io.BytesIO(text.encode()), "hr.csv")}, content_type="multipart/form-data")


def test_an_hr_file_with_a_wrong_row_imports_nothing_and_says_what_is_wrong(app, coordinator_client):
    soup = page(upload(coordinator_client, "part,employees_start,employees_end,employees_new\n"
                                           "council,2450,2510,310\nschools,lots,1185,140\n"))
    assert [text_of(li) for li in soup.select("#file-problems li")] == [
        "Row 3: employees_start must be a whole number, like 250"]
    assert "nothing was imported" in text_of(soup)
    with app.app_context():
        assert db.session.scalar(sa.select(SectorReturn).where(SectorReturn.year == 2019)) is None


def test_an_hr_file_imports_both_parts_and_the_template_names_the_columns(app, coordinator_client):
    template = coordinator_client.get("/reports/employees-template.csv")
    assert template.mimetype == "text/csv"
    header = template.get_data(as_text=True).splitlines()[0]
    assert header == "part,employees_start,employees_end,employees_new,fte_start,fte_end,fte_new"
    columns = page(coordinator_client.get(f"{URL}/employees/import"))
    assert [text_of(code) for code in columns.select("table code")] == header.split(",")
    response = upload(coordinator_client, template.get_data(as_text=True))
    assert response.status_code == 303
    soup = page(coordinator_client.get(URL))
    assert row(soup, "Number of employees working in England at the end of the period") == ["2,510", "1,185", "3,695"]
    assert events(app, "sector_return.headcounts_imported")


def test_the_answers_are_drafted_with_the_years_facts_and_saved_as_edited(year_2019, app, coordinator_client):
    soup = page(coordinator_client.get(f"{URL}/answers"))
    drafted = soup.find("textarea", attrs={"name": "actions_taken"}).get_text()
    assert drafted.startswith("From 1 April 2019 to 31 March 2020, 2 people started an apprenticeship with us "
                              "(1 in the council and 1 in maintained schools)")
    assert "On 31 March 2020, 4 apprentices were in learning, compared with 3 on 1 April 2019." in drafted
    response = post_form(coordinator_client, f"{URL}/answers", {
        "version": "", "actions_taken": "We advertised every role as open to apprentices.\nAnd more.",
        "challenges": "", "future_plans": "A new cohort."})
    assert response.status_code == 303
    shown = text_of(page(coordinator_client.get(URL)))
    assert "We advertised every role as open to apprentices. And more." in shown
    [event] = events(app, "sector_return.answers_saved")
    assert event.details["fields"] == ["actions_taken", "future_plans"]  # names only, never the words


def submit(client) -> object:
    form = page(client.get(f"{URL}/submit"))
    return post_form(client, f"{URL}/submit", {"version": hidden(form, "version"), "figures": hidden(form, "figures")},
                     page=f"{URL}/submit")


def test_a_submitted_year_stays_as_filed_until_reopened(year_2019, app, coordinator_client):
    assert "Enter the employee numbers for both parts" in text_of(page(coordinator_client.get(f"{URL}/submit")))
    post_form(coordinator_client, f"{URL}/employees", EMPLOYEES)
    assert submit(coordinator_client).status_code == 303
    soup = page(coordinator_client.get(URL))
    assert "Marked as submitted on" in text_of(soup) and "by Alex Morgan" in text_of(soup)

    add(app, date(2019, 7, 1))  # a start recorded late: the filed figures do not move
    soup = page(coordinator_client.get(URL))
    assert row(soup, NEW) == ["1", "1", "2"]
    assert "Enter the employee numbers" not in text_of(soup)
    refused = post_form(coordinator_client, f"{URL}/employees", {**EMPLOYEES, "council_employees_start": "1"},
                        page=URL)
    assert refused.status_code == 303
    assert "has been submitted, so it cannot be changed" in text_of(page(coordinator_client.get(URL)))
    csv_rows = list(csv.reader(io.StringIO(coordinator_client.get(f"{URL}/return.csv").get_data(as_text=True))))
    assert csv_rows[1][:4] == ["2019-20", "Council excluding maintained schools", "400", "410"]
    [event] = events(app, "sector_return.submitted")
    assert event.details == {"year": "2019-20"}

    reopen_page = page(coordinator_client.get(f"{URL}/reopen"))
    asked = page(post_form(coordinator_client, f"{URL}/reopen", {"version": hidden(reopen_page, "version")}))
    assert errors(asked)["confirm"] == "Select yes if you want to reopen the return"
    response = post_form(coordinator_client, f"{URL}/reopen", {"version": hidden(reopen_page, "version"),
                                                                 "confirm": "yes"})
    assert response.status_code == 303
    soup = page(coordinator_client.get(URL))
    assert row(soup, NEW) == ["2", "1", "3"]  # from the records again
    [event] = events(app, "sector_return.reopened")
    assert event.details["filed"]["council"] == {"employees_start": 400, "employees_end": 410, "employees_new": 50,
                                                 "apprentices_start": 2, "apprentices_end": 3, "apprentices_new": 1}


def test_a_year_still_running_cannot_be_marked_as_submitted(app, coordinator_client):
    this_year = financial_year_of(uk_today())
    url = f"/reports/{this_year.year}"
    post_form(coordinator_client, f"{url}/employees", EMPLOYEES)
    checking = page(coordinator_client.get(f"{url}/submit"))
    assert text_of(checking.find(id="year-running")).startswith(
        f"The {this_year.label} year is still running: it ends on 31 March {this_year.year + 1}.")
    assert checking.find("button", string=lambda t: t and "submitted" in t) is None  # nothing to press
    # Posted all the same (an old tab, say): refused, and nothing frozen.
    token = csrf_token_from(str(page(coordinator_client.get(url))))
    response = coordinator_client.post(f"{url}/submit", data={"csrf_token": token, "version": "1", "figures": "x"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(SectorReturn.submitted_at).where(SectorReturn.year == this_year.year)) \
            is None


def test_a_submission_based_on_an_older_version_or_older_figures_is_refused(year_2019, app, coordinator_client):
    post_form(coordinator_client, f"{URL}/employees", EMPLOYEES)
    form = page(coordinator_client.get(f"{URL}/submit"))
    seen = {"version": hidden(form, "version"), "figures": hidden(form, "figures")}
    add(app, date(2019, 8, 1))  # the figures move after the coordinator checked them
    response = post_form(coordinator_client, f"{URL}/submit", seen, page=f"{URL}/submit")
    assert response.status_code == 303
    assert "The figures changed since you checked them" in text_of(page(coordinator_client.get(URL)))
    post_form(coordinator_client, f"{URL}/employees", {**EMPLOYEES, "council_employees_new": "51"})
    form = page(coordinator_client.get(f"{URL}/submit"))
    stale = {"version": str(int(hidden(form, "version")) - 1), "figures": hidden(form, "figures")}
    post_form(coordinator_client, f"{URL}/submit", stale, page=f"{URL}/submit")
    with app.app_context():
        assert db.session.scalar(sa.select(SectorReturn.submitted_at).where(SectorReturn.year == 2019)) is None


def test_frozen_is_kept_by_the_versioned_update_not_by_reading_first(year_2019, app):
    """A change that read the return as a draft, made after someone submitted it, matches no row."""
    with app.app_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
        sector_return.save_headcounts(coordinator, YEAR, {EmployedBy.COUNCIL: {"employees_start": 1}}, version=None)
        db.session.commit()
        record = db.session.scalar(sa.select(SectorReturn).where(SectorReturn.year == 2019))
        seen = record.version
        # Someone else submits it now; this session still holds the return as it read it, a draft.
        db.session.execute(sa.update(SectorReturn).where(SectorReturn.id == record.id).values(
            submitted_at=utcnow(), submitted_by_id=coordinator.id, version=SectorReturn.version + 1)
            .execution_options(synchronize_session=False))
        assert record.submitted_at is None
        with pytest.raises((StaleDataError, StaleRecord)):
            sector_return.save_headcounts(coordinator, YEAR, {EmployedBy.COUNCIL: {"employees_start": 2}},
                                          version=seen)
        db.session.rollback()
        db.session.execute(sa.update(SectorReturn).where(SectorReturn.id == record.id).values(
            submitted_at=utcnow(), submitted_by_id=coordinator.id))
        db.session.commit()
        with pytest.raises(ServiceError, match="has been submitted"):
            sector_return.save_answers(coordinator, YEAR, {"challenges": "x"}, version=None)


def test_the_return_csv_has_the_forms_fields_in_its_order(year_2019, coordinator_client):
    post_form(coordinator_client, f"{URL}/employees", EMPLOYEES)
    response = coordinator_client.get(f"{URL}/return.csv")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="public-sector-apprenticeship-return-2019-20.csv"'
    header, council, schools = csv.reader(io.StringIO(response.get_data(as_text=True)))
    assert header == ["Financial year", "Part of the council", *(q for _, q in sector_return.QUESTIONS),
                      *(q for _, q in sector_return.ANSWER_QUESTIONS)]
    assert council[:9] == ["2019-20", "Council excluding maintained schools", "400", "410", "50", "2", "3", "1",
                           "380.50"]
    assert schools[:8] == ["2019-20", "Maintained schools", "200", "190", "20", "1", "1", "1"]


def test_the_page_to_publish_has_the_figures_and_no_personal_data(year_2019, app, coordinator_client):
    post_form(coordinator_client, f"{URL}/employees", EMPLOYEES)
    draft = page(coordinator_client.get(f"{URL}/publish"))
    text = text_of(draft)
    assert "new apprentices in England, including existing employees who started an apprenticeship: 1" in text
    assert "apprentices as a percentage of employees: 0.73%" in text
    # Until it is marked submitted it says it is a draft, in print too, and never "as reported".
    assert text_of(draft.find("h1")) == "Public sector apprenticeship figures 2019-20 (draft)"
    warning = draft.find(id="draft-warning")
    assert "This is a draft. These figures have not been submitted to the Department for Education yet" in text_of(
        warning)
    assert not warning.find_parent(class_="govuk-!-display-none-print")
    assert "as reported to the Department for Education" not in text
    assert submit(coordinator_client).status_code == 303
    filed = page(coordinator_client.get(f"{URL}/publish"))
    assert text_of(filed.find("h1")) == "Public sector apprenticeship figures 2019-20"
    assert filed.find(id="draft-warning") is None and "draft" not in text_of(filed.find("main")).lower()
    assert "from 1 April 2019 to 31 March 2020, as reported to the Department for Education" in text_of(filed)
    text = text_of(filed)
    with app.app_context():
        names = db.session.execute(sa.select(Apprentice.first_name, Apprentice.last_name)).all()
    assert not [f"{first} {last}" for first, last in names if f"{first} {last}" in text]


def test_open_data_needs_the_councils_codes_then_suppresses_small_counts(year_2019, app, coordinator_client):
    forget_council_codes(app)
    assert "enter the council’s local authority codes" in text_of(page(coordinator_client.get(URL)))
    refused = coordinator_client.get(f"{URL}/open-data.zip", follow_redirects=True)
    assert "Enter the council’s local authority codes and name in the programme settings first." in text_of(
        page(refused))
    with app.app_context():
        settings = ProgrammeSettings.current()
        settings.old_la_code, settings.new_la_code, settings.la_name = "999", "E09000999", "Northmoor"
        db.session.commit()
    post_form(coordinator_client, f"{URL}/employees", EMPLOYEES)
    downloads = page(coordinator_client.get(URL)).find(id="downloads").find_next("ul")
    link = downloads.find("a", string=lambda s: s and "as open data" in s)
    assert "for the financial year 2019-20 (time period 201920 in the file)" in text_of(link.parent)
    response = coordinator_client.get(link["href"])
    # One ZIP holding the data file and its .meta.csv, checked against the standard (unzip does).
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="public-sector-apprenticeships-2019-20_draft_as_of_{uk_today().isoformat()}.zip"')
    files = unzip(response)
    assert [(r["time_period"], r["time_identifier"], r["la_name"], r["council_part"]) for r in files["data"]] == [
        ("201920", "Financial year", "Northmoor", "Council excluding maintained schools"),
        ("201920", "Financial year", "Northmoor", "Maintained schools"),
        ("201920", "Financial year", "Northmoor", "Total")]
    council, schools, total = files["data"]
    assert (council["app_new"], schools["app_new"], total["app_new"]) == ("c", "c", "c")  # 1, 1 and 2: all small
    assert (council["emp_prior"], council["pct_target"]) == ("400", "c")
    assert [m["col_name"] for m in files["meta"]] == ["council_part", "emp_prior", "app_prior", "emp_new", "app_new",
                                                     "emp_end", "app_end", "pct_app_new", "pct_app_end", "pct_target"]
    assert submit(coordinator_client).status_code == 303  # filed: the file is no longer a draft's
    filed = coordinator_client.get(link["href"])
    assert filed.headers["Content-Disposition"] == 'attachment; filename="public-sector-apprenticeships-2019-20.zip"'
    assert unzip(filed)["data"] == files["data"]


def test_the_apprentice_form_sets_who_employs_them_and_the_figures_follow(year_2019, app, coordinator_client):
    moved = add(app, date(2019, 5, 1), name="Movable")
    form = page(coordinator_client.get(f"/apprentices/{moved}/edit"))
    assert form.find("input", attrs={"name": "employed_by", "value": "council"}).has_attr("checked")
    data = {f.get("name"): f.get("value", "") for f in form.select("input[name]") if f.get("type") != "radio"}
    data.update({s["id"]: s.find("option", selected=True)["value"] if s.find("option", selected=True) else ""
                 for s in form.find_all("select")})
    data.pop("csrf_token")
    data.update(consent_to_be_named="no", employed_by="maintained_school",
                start_date=["1", "5", "2019"], planned_end_date=[form.find(id=f"planned_end_date-{p}")["value"]
                                                                 for p in ("day", "month", "year")])
    data["employed_by_since"] = ["1", "4", "2019"]  # before the start: refused
    assert errors(page(post_form(coordinator_client, f"/apprentices/{moved}/edit", data)))["employed_by_since"] == \
        "Date they moved there must be after the start date"
    data["employed_by_since"] = ["", "", ""]
    assert post_form(coordinator_client, f"/apprentices/{moved}/edit", data).status_code == 303
    assert row(page(coordinator_client.get(URL)), NEW) == ["1", "2", "3"]
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "apprentice.edited",
                                                              AuditEvent.apprentice_id == moved))
        assert event.details == {"fields": ["employed_by"]}


def test_the_return_page_runs_the_same_statements_however_many_apprentices(app, coordinator_client):
    path = f"/reports/{financial_year_of(uk_today()).year}"
    small = statements_for(app, coordinator_client, path)
    grow(app, 120)
    large = statements_for(app, coordinator_client, path)
    assert small == large <= 12
