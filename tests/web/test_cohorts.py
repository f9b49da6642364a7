"""Cohorts: adding, editing and archiving them, and the table of a cohort's apprentices."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    ApprenticeStatus,
    AuditEvent,
    Cohort,
    LogEntry,
    Mentor,
    VerificationStatus,
    utcnow,
)
from apprenticeships.services import cohorts

from ..helpers import page, post_form, text_of

COHORT = {"name": "Digital apprentices 2027 to 2029", "start_date": ["6", "9", "2027"], "description": "Next intake",
          "intake_target": "18"}


def current_cohort_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Cohort.id).order_by(Cohort.start_date.desc()).limit(1))


def add_extra_apprentices(app, cohort: int, count: int) -> None:
    """`count` more apprentices in the cohort, Extra00 Zed onwards, otherwise like the demo's Amara."""
    with app.app_context():
        template = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Amara"))
        for n in range(count):
            db.session.add(Apprentice(
                first_name=f"Extra{n:02d}", last_name="Zed", cohort_id=cohort, standard_id=template.standard_id,
                provider_id=template.provider_id, service_area=template.service_area,
                contracted_minutes_per_week=37 * 60, start_date=template.start_date,
                planned_end_date=template.planned_end_date))
        db.session.commit()


def names_in_table(soup: BeautifulSoup) -> list[str]:
    return [row.td.a.get_text(strip=True) for row in soup.select("#cohort-table tbody tr")]


def field_errors(soup: BeautifulSoup) -> dict[str, str]:
    return {tag["id"].removesuffix("-error"): text_of(tag).removeprefix("Error: ")
            for tag in soup.select(".govuk-error-message")}


def test_adding_a_cohort(app, coordinator_client):
    response = post_form(coordinator_client, "/cohorts/new", COHORT)
    assert response.status_code == 303
    soup = page(coordinator_client.get(response.headers["Location"]))
    assert soup.h1.get_text(strip=True) == COHORT["name"]
    assert "Started 6 September 2027" in text_of(soup)
    assert "There are no apprentices in this cohort yet." in text_of(soup)
    assert not soup.find("a", string=re.compile("CSV"))  # no rows to download
    with app.app_context():
        cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == COHORT["name"]))
        assert (cohort.start_date, cohort.intake_target) == (date(2027, 9, 6), 18)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cohort.created")
                                  .order_by(AuditEvent.id.desc()).limit(1))  # the demo's history has its own
        assert event.subject_id == cohort.id


@pytest.mark.parametrize("changes,field,message", [
    ({"name": ""}, "name", "Enter a name for the cohort"),
    ({"name": "digital apprentices 2025 to 2027"}, "name", "A cohort with this name already exists"),
    ({"start_date": ["", "", ""]}, "start_date", "Enter the start date"),
    ({"start_date": ["31", "2", "2027"]}, "start_date", "Start date must be a real date"),
    ({"start_date": ["6", "9"]}, "start_date", "Start date must include a year"),
    ({"start_date": ["", "9", "2027"]}, "start_date", "Start date must include a day"),
    ({"start_date": ["6", "", ""]}, "start_date", "Start date must include a month and year"),
    ({"intake_target": "lots"}, "intake_target", "Intake target must be a whole number"),
    ({"intake_target": "0"}, "intake_target", "Intake target must be between 1 and 10,000"),
])
def test_cohort_validation_keeps_what_was_typed(app, coordinator_client, changes, field, message):
    data = {**COHORT, **changes}
    if "2025 to 2027" in data["name"]:  # the demo's current cohort, in another case
        data["name"] = data["name"].replace("digital", "Digital").lower()
    soup = page(post_form(coordinator_client, "/cohorts/new", data))
    assert field_errors(soup)[field] == message
    anchor = f"#{field}-day" if field == "start_date" else f"#{field}"
    assert soup.select_one(".govuk-error-summary").find("a", href=anchor)
    assert soup.find(id="description").get_text() .strip() == "Next intake"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 2


def test_editing_a_cohort(app, coordinator_client):
    cohort_id = current_cohort_id(app)
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        name, start = cohort.name, cohort.start_date
    form = page(coordinator_client.get(f"/cohorts/{cohort_id}/edit"))
    assert form.find(id="name")["value"] == name
    assert [form.find(id=f"start_date-{part}")["value"] for part in ("day", "month", "year")] == \
        start.strftime("%d %m %Y").split()
    response = post_form(coordinator_client, f"/cohorts/{cohort_id}/edit",
                         {**COHORT, "name": "Renamed cohort", "start_date": ["1", "9", "2025"]})
    assert response.status_code == 303
    assert page(coordinator_client.get(f"/cohorts/{cohort_id}")).h1.get_text(strip=True) == "Renamed cohort"


def test_archiving_asks_first_and_takes_the_cohort_off_the_dashboard(app, coordinator_client):
    cohort_id = current_cohort_id(app)
    assert "Liam Walsh" in text_of(page(coordinator_client.get("/coordinator")))
    soup = page(coordinator_client.get(f"/cohorts/{cohort_id}/archive"))
    assert soup.h1.get_text(strip=True).startswith("Archive ")
    response = post_form(coordinator_client, f"/cohorts/{cohort_id}/archive", {})
    assert response.status_code == 303
    dashboard = text_of(page(coordinator_client.get("/coordinator")))
    assert "Liam Walsh" not in dashboard and "Nobody is at risk" in dashboard
    assert "Archived" in text_of(page(coordinator_client.get("/cohorts")))
    post_form(coordinator_client, f"/cohorts/{cohort_id}/archive", {})  # and back again
    assert "Liam Walsh" in text_of(page(coordinator_client.get("/coordinator")))


def test_the_dashboard_counts_each_current_cohorts_apprentices_by_status(app, coordinator_client):
    """The dashboard's cohorts: the current ones, the newest first, each with how many of its apprentices
    are in each status and in all; with every cohort archived, a line saying there are none."""
    statuses = (ApprenticeStatus.ACTIVE, ApprenticeStatus.BREAK_IN_LEARNING, ApprenticeStatus.WITHDRAWN,
                ApprenticeStatus.COMPLETED)
    with app.app_context():
        current = db.session.scalars(sa.select(Cohort).where(Cohort.archived_at.is_(None))
                                     .order_by(Cohort.start_date.desc(), Cohort.id.desc())).all()
        expected = [[c.name, *(str(sum(a.status == s for a in c.apprentices)) for s in statuses),
                     str(len(c.apprentices))] for c in current]
        ids = [c.id for c in current]
    assert len(expected) > 1 and all(row[-1] != "0" for row in expected)  # the demo has a few, each with people
    table = page(coordinator_client.get("/coordinator")).find("table", class_="govuk-table")
    shown = [[next(cell.stripped_strings) for cell in row.find_all(["th", "td"]) if cell.name == "th" or
              "govuk-table__cell--numeric" in cell["class"]] for row in table.tbody.find_all("tr")]
    assert shown == expected
    for cohort_id in ids:
        post_form(coordinator_client, f"/cohorts/{cohort_id}/archive", {})
    assert "There are no current cohorts yet." in text_of(page(coordinator_client.get("/coordinator")))


def test_the_table_shows_what_a_coordinator_needs_for_each_apprentice(app, coordinator_client):
    soup = page(coordinator_client.get(f"/cohorts/{current_cohort_id(app)}"))
    assert "Showing 1 to 21 of 21 apprentices." in text_of(soup)
    headers = [th.get_text(strip=True) for th in soup.select("#cohort-table thead th")]
    assert headers == ["Name▲", "Standard", "Service area", "Provider", "Mentor", "Status", "Off-the-job hours",
                       "Next review", "Last review"]  # sorted by name, A to Z
    liam = next(tr for tr in soup.select("#cohort-table tbody tr") if "Liam Walsh" in tr.get_text())
    cells = [text_of(td) for td in liam.find_all("td")]
    assert cells[0] == "Liam Walsh At risk"
    assert cells[1] == "Software developer (level 4)"
    assert cells[4] == "Priya Shah"
    assert liam.find("progress")["value"].isdigit()
    assert "of" in cells[6] and "hours" in cells[6]


def test_a_row_shown_before_shows_what_changed_since(app, coordinator_client):
    """Rows are kept by what they show (Row.shown, templating.kept_row): a mentor's new name, hours
    verified and a new status show in the next view."""
    def liams_row() -> list[str]:
        soup = page(coordinator_client.get(f"/cohorts/{current_cohort_id(app)}"))
        return [text_of(td) for td in next(tr for tr in soup.select("#cohort-table tbody tr")
                                           if "Liam Walsh" in tr.get_text()).find_all("td")]

    before = liams_row()
    assert liams_row() == before
    with app.app_context():
        db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Liam")).mentor.name = "Priya Jones"
        db.session.commit()
    assert liams_row() == [*before[:4], "Priya Jones", *before[5:]]
    with app.app_context():
        liam = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Liam"))
        for entry in db.session.scalars(sa.select(LogEntry).where(LogEntry.apprentice_id == liam.id,
                                                                  LogEntry.status == VerificationStatus.PENDING)):
            entry.status, entry.verified_by_id, entry.verified_at = VerificationStatus.VERIFIED, 1, utcnow()
        liam.status = ApprenticeStatus.BREAK_IN_LEARNING
        db.session.commit()
    after = liams_row()
    assert after[5] == "Break in learning" and after[6] != before[6]


@pytest.mark.parametrize("query,expected", [
    ("q=walsh", ["Liam Walsh"]),
    ("q=%25", []),  # a literal percent sign matches nobody, it is not a wildcard
    ("status=withdrawn", ["Josh Wood"]),
    ("status=break_in_learning", ["Ruby Edwards"]),
    ("service_area=infrastructure", ["Reece Hall", "Isla Morgan", "Tomasz Nowak"]),
    ("mentor=none", ["Ruby Edwards"]),
    ("at_risk=yes", ["Reece Hall", "Callum Murphy", "Ella Robinson", "Liam Walsh"]),
    ("service_area=data&at_risk=yes", ["Callum Murphy"]),
])
def test_filters_and_search(app, coordinator_client, query, expected):
    soup = page(coordinator_client.get(f"/cohorts/{current_cohort_id(app)}?{query}"))
    assert names_in_table(soup) == expected


def test_filters_by_standard_provider_and_mentor_ids(app, coordinator_client):
    with app.app_context():
        priya = db.session.scalar(sa.select(Mentor.id).where(Mentor.name == "Priya Shah"))
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
        standard, provider = jordan.standard_id, jordan.provider_id
    cohort = current_cohort_id(app)
    assert names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}?mentor={priya}"))) == [
        "Chloe Bennett", "Jordan Ellis", "Amara Okoro", "Liam Walsh"]
    assert "Jordan Ellis" in names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}?standard={standard}")))
    assert len(names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}?provider={provider}")))) == 6
    # Nonsense in the query string is ignored, not an error.
    assert len(names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}?mentor=x&status=odd&page=zz")))) == 21


def test_a_cohort_with_many_mentors_is_filtered_by_mentor_name(app, coordinator_client, monkeypatch):
    cohort = current_cohort_id(app)
    soup = page(coordinator_client.get(f"/cohorts/{cohort}"))
    assert soup.find("select", id="mentor") and not soup.find(id="mentor_name")  # a few: a list
    monkeypatch.setattr(cohorts, "MENTORS_LISTED", 2)
    soup = page(coordinator_client.get(f"/cohorts/{cohort}"))
    assert soup.find("input", id="mentor_name") and not soup.find(id="mentor")  # many: a name
    assert names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}?mentor_name=PRIYA"))) == [
        "Chloe Bennett", "Jordan Ellis", "Amara Okoro", "Liam Walsh"]


def test_sorting_by_a_column_and_back(app, coordinator_client):
    cohort = current_cohort_id(app)
    by_otj = names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}?sort=otj")))
    assert by_otj[0] == "Liam Walsh"  # furthest behind first
    by_otj_desc = names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}?sort=otj&order=desc")))
    assert by_otj_desc[-1] == "Liam Walsh"
    soup = page(coordinator_client.get(f"/cohorts/{cohort}?sort=rag"))
    assert names_in_table(soup)[0] == "Callum Murphy"  # the red review first
    header = soup.find("th", attrs={"aria-sort": "ascending"})
    assert header.get_text(strip=True) == "Last review▲"
    assert "order=desc" in header.a["href"]


def test_only_the_sorted_column_shows_its_order_with_an_arrow(app, coordinator_client):
    cohort = current_cohort_id(app)
    soup = page(coordinator_client.get(f"/cohorts/{cohort}?sort=otj&order=desc"))
    sorted_headers = soup.select("#cohort-table th[aria-sort]")
    assert [(th.get_text(strip=True), th["aria-sort"]) for th in sorted_headers] == [
        ("Off-the-job hours▼", "descending")]
    assert sorted_headers[0].select_one("[aria-hidden=true]").get_text() == "▼"  # seen, not read out twice
    assert "▲" not in text_of(soup.select_one("#cohort-table thead"))
    by_name = soup.select_one("#cohort-table thead a").get("href")  # another column sorts A to Z afresh
    # Without JavaScript, the sorted page opens at the table, not at the top.
    assert by_name == f"/cohorts/{cohort}?sort=name#cohort-table"


def test_filtering_keeps_the_order_and_sorting_keeps_the_filters(app, coordinator_client):
    cohort = current_cohort_id(app)
    soup = page(coordinator_client.get(f"/cohorts/{cohort}?service_area=infrastructure&at_risk=yes&sort=rag"))
    # The filter form sends the order with the filters, from fields the table carries (htmx swaps the table).
    order = {i["name"]: i["value"] for i in soup.select('#cohort-table input[form="table-filters"]')}
    assert order == {"sort": "rag"}
    assert soup.find("form", id="table-filters").find("input", attrs={"name": "sort"}) is None  # only one each
    # Without JavaScript, the filtered page opens at the results.
    assert soup.find("form", id="table-filters")["action"] == f"/cohorts/{cohort}#cohort-table"
    # Each sort link keeps the filters.
    for a in soup.select("#cohort-table thead a"):
        assert "service_area=infrastructure" in a["href"] and "at_risk=yes" in a["href"], a["href"]
    # The same through htmx: the table comes back with the new order's fields.
    table = coordinator_client.get(f"/cohorts/{cohort}?service_area=infrastructure&sort=otj&order=desc",
                                   headers={"HX-Request": "true", "HX-Target": "cohort-table"})
    fragment = BeautifulSoup(table.get_data(as_text=True), "html.parser")
    assert {i["name"]: i["value"] for i in fragment.select('input[form="table-filters"]')} == {
        "sort": "otj", "order": "desc"}
    # And a filtered, sorted page asked for as the form sends it is in that order.
    names = names_in_table(page(coordinator_client.get(
        f"/cohorts/{cohort}?q=&service_area=&at_risk=yes&sort=otj&order=desc")))
    assert names[-1] == "Liam Walsh" and len(names) == 4


def test_the_sort_list_for_phones_sorts_as_the_headings_do_and_keeps_the_filters(app, coordinator_client):
    cohort = current_cohort_id(app)
    soup = page(coordinator_client.get(
        f"/cohorts/{cohort}?service_area=infrastructure&at_risk=yes&sort=otj&order=desc"))
    form = soup.select_one("#cohort-table form.app-cohort-sort")  # swapped with the table, so never stale
    assert form["method"] == "get" and form["action"] == f"/cohorts/{cohort}#cohort-table"
    assert {i["name"]: i["value"] for i in form.select("input[type=hidden]")} == {
        "service_area": "infrastructure", "at_risk": "yes"}
    chosen = form.find("select", attrs={"name": "sort"}).find("option", selected=True)
    assert (chosen["value"], text_of(chosen)) == ("otj-desc", "Off-the-job hours (furthest ahead first)")
    assert text_of(soup.find("label", attrs={"for": "sort-by"})) == "Sort by"
    # What it sends sorts as the headings' links do.
    for listed, linked in (("otj-desc", "sort=otj&order=desc"), ("rag", "sort=rag"), ("name-desc", "order=desc")):
        assert names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}?sort={listed}"))) == \
            names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}?{linked}")))
    sorted_by_list = page(coordinator_client.get(f"/cohorts/{cohort}?at_risk=yes&sort=otj-desc"))
    assert names_in_table(sorted_by_list)[-1] == "Liam Walsh" and len(names_in_table(sorted_by_list)) == 4
    assert sorted_by_list.select_one("#cohort-table th[aria-sort]")["aria-sort"] == "descending"
    # Nonsense is the usual order.
    assert names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}?sort=otj-x"))) == \
        names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}?sort=otj")))
    assert names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}?sort=-desc"))) == \
        names_in_table(page(coordinator_client.get(f"/cohorts/{cohort}")))


def test_each_cell_names_its_column_for_a_phone_and_the_hours_say_how_they_stand(app, coordinator_client):
    soup = page(coordinator_client.get(f"/cohorts/{current_cohort_id(app)}?q=walsh"))
    [liam] = soup.select("#cohort-table tbody tr")
    assert [td.get("data-label") for td in liam.find_all("td")] == [
        None, "Standard", "Service area", "Provider", "Mentor", "Status", "Off-the-job hours", "Next review",
        "Last review"]
    assert text_of(liam.find("td", attrs={"data-label": "Off-the-job hours"})).endswith("Behind")  # at risk for it


def test_pages_of_50_are_cut_in_the_database(app, coordinator_client):
    cohort = current_cohort_id(app)
    add_extra_apprentices(app, cohort, 60)
    first = page(coordinator_client.get(f"/cohorts/{cohort}"))
    assert len(names_in_table(first)) == 50
    assert "Showing 1 to 50 of 81 apprentices." in text_of(first)
    second = page(coordinator_client.get(f"/cohorts/{cohort}?page=2"))
    assert len(names_in_table(second)) == 31
    assert "Showing 51 to 81 of 81 apprentices." in text_of(second)
    # Without JavaScript, another page opens at the table, as a sort does, not at the top.
    assert second.select_one(".govuk-pagination__prev a")["href"] == f"/cohorts/{cohort}?page=1#cohort-table"
    assert [a["href"] for a in second.select(".govuk-pagination__item a")] == [
        f"/cohorts/{cohort}?page=1#cohort-table", f"/cohorts/{cohort}?page=2#cohort-table"]


def test_htmx_gets_just_the_table_and_the_url_can_be_shared(app, coordinator_client):
    cohort = current_cohort_id(app)
    response = coordinator_client.get(f"/cohorts/{cohort}?q=walsh",
                                      headers={"HX-Request": "true", "HX-Target": "cohort-table"})
    html = response.get_data(as_text=True)
    assert "HX-Target" in response.headers["Vary"]
    assert "<html" not in html and 'id="cohort-table"' in html
    assert names_in_table(BeautifulSoup(html, "html.parser")) == ["Liam Walsh"]
    # A boosted link or history restore also sends HX-Request, but not the target: the whole page.
    boosted = coordinator_client.get(f"/cohorts/{cohort}?q=walsh", headers={"HX-Request": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def htmx_search(client, cohort: int, query: str):
    """What htmx gets for a search or a filter while the table shows rows (the filter form's target)."""
    return client.get(f"/cohorts/{cohort}?{query}", headers={"HX-Request": "true", "HX-Target": "cohort-rows"})


def fragment_of(response) -> BeautifulSoup:
    """An htmx answer with its <template>s' contents in their place, as htmx swaps them."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    for template in soup.find_all("template"):
        template.replace_with(BeautifulSoup(template.decode_contents(), "html.parser"))
    return soup


def test_a_search_through_htmx_swaps_the_rows_and_updates_the_count_sort_links_and_pages(app, coordinator_client):
    cohort = current_cohort_id(app)
    full = page(coordinator_client.get(f"/cohorts/{cohort}?at_risk=yes&sort=otj&order=desc"))
    # The filter form swaps the table's rows when it has some, else the whole table (the message instead).
    assert full.find("form", id="table-filters")["hx-target"] == "next #cohort-rows, next #cohort-table"
    assert full.select_one("#cohort-table tbody")["id"] == "cohort-rows"

    response = htmx_search(coordinator_client, cohort, "q=walsh&at_risk=yes&sort=otj&order=desc")
    assert "HX-Target" in response.headers["Vary"] and "HX-Retarget" not in response.headers
    fragment = fragment_of(response)
    # The rows, to take the place of the table's...
    rows = fragment.find("tbody", id="cohort-rows", recursive=False)
    assert [text_of(tr.td.a) for tr in rows.find_all("tr")] == ["Liam Walsh"]
    # ...and out of band what changes with them: the count, in the live region that stays on the page...
    count = fragment.find(id="cohort-count")
    assert count["hx-swap-oob"] == "innerHTML" and full.find(id="cohort-count")["role"] == "status"
    assert text_of(count).startswith("Showing 1 to 1 of 1 apprentice matching “walsh” and these filters: at risk.")
    assert count.a["href"] == f"/cohorts/{cohort}/apprentices.csv?q=walsh&at_risk=yes&sort=otj&order=desc"
    # ...the sort links, which keep the search, the order still shown...
    head = fragment.find("thead", id="cohort-head")
    assert head["hx-swap-oob"] == "true"
    for a in head.select("a"):
        assert "q=walsh" in a["href"] and "at_risk=yes" in a["href"], a["href"]
    assert [(th.get_text(strip=True), th["aria-sort"]) for th in head.select("th[aria-sort]")] == [
        ("Off-the-job hours▼", "descending")]
    # ...the phone's "Sort by" list's filters (the list keeps the order: a search does not change it)...
    assert {i["name"]: i["value"] for i in fragment.find(id="cohort-sort-filters").find_all("input")} == {
        "q": "walsh", "at_risk": "yes"}
    # ...and the pages (one page here: no links).
    assert fragment.find(id="cohort-pages")["hx-swap-oob"] == "innerHTML"
    assert not fragment.find(id="cohort-pages").find("a")
    # Not the filters, the sort list, the caption or the page around them.
    assert not fragment.find("form") and not fragment.find("select") and not fragment.find("caption")
    assert "<html" not in response.get_data(as_text=True)


def test_a_search_through_htmx_brings_the_pages_of_what_it_found(app, coordinator_client):
    cohort = current_cohort_id(app)
    add_extra_apprentices(app, cohort, 55)
    fragment = fragment_of(htmx_search(coordinator_client, cohort, "q=zed"))
    assert len(fragment.select("#cohort-rows tr")) == 50
    assert text_of(fragment.find(id="cohort-count")).startswith("Showing 1 to 50 of 55 apprentices matching “zed”.")
    pages = fragment.find(id="cohort-pages")
    assert pages.select_one(".govuk-pagination__next a")["href"] == f"/cohorts/{cohort}?page=2&q=zed#cohort-table"
    # The next page, through the table's own links, is the whole table as before.
    second = coordinator_client.get(f"/cohorts/{cohort}?q=zed&page=2",
                                    headers={"HX-Request": "true", "HX-Target": "cohort-table"})
    assert names_in_table(BeautifulSoup(second.get_data(as_text=True), "html.parser")) == [
        f"Extra{n:02d} Zed" for n in range(50, 55)]


def test_a_search_through_htmx_that_finds_nobody_replaces_the_table_with_the_message(app, coordinator_client):
    cohort = current_cohort_id(app)
    response = htmx_search(coordinator_client, cohort, "q=nobody-by-this-name")
    assert (response.headers["HX-Retarget"], response.headers["HX-Reswap"]) == ("#cohort-table", "outerHTML")
    fragment = fragment_of(response)
    # The count goes to the live region that stays on the page (outside the table), so it is read out.
    count = fragment.find(id="cohort-count")
    assert count["hx-swap-oob"] == "innerHTML" and count.parent.name == "[document]"
    assert text_of(count) == "No apprentices match “nobody-by-this-name”."  # and nothing to download
    assert not fragment.find("table") and fragment.find("div", id="cohort-table")
    assert not fragment.find("div", id="cohort-table").find(id="cohort-count")
    # From there the next search finds no rows to swap, so it asks for the whole table, and gets it.
    back = coordinator_client.get(f"/cohorts/{cohort}?q=walsh",
                                  headers={"HX-Request": "true", "HX-Target": "cohort-table"})
    assert names_in_table(BeautifulSoup(back.get_data(as_text=True), "html.parser")) == ["Liam Walsh"]
    assert text_of(fragment_of(back).find(id="cohort-count", attrs={"hx-swap-oob": "innerHTML"})).startswith(
        "Showing 1 to 1 of 1 apprentice matching “walsh”.")


def test_the_csv_has_the_filtered_rows_and_is_audited(app, coordinator_client):
    cohort = current_cohort_id(app)
    response = coordinator_client.get(f"/cohorts/{cohort}/apprentices.csv?service_area=data")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(r["Name"] for r in rows) == ["Callum Murphy", "Ethan Clarke", "Zainab Hussain"]
    callum = next(r for r in rows if r["Name"] == "Callum Murphy")
    assert callum["Last review rating"] == "red" and callum["At risk"] == "yes"
    assert float(callum["Off-the-job hours verified"]) > 0
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cohort.exported"))
        assert event.details == {"rows": 3}


def test_csv_cells_cannot_run_as_spreadsheet_formulas(app, coordinator_client):
    with app.app_context():
        liam = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Liam"))
        liam.first_name = "=HYPERLINK(\"http://evil.example\")"
        db.session.commit()
    body = coordinator_client.get(f"/cohorts/{current_cohort_id(app)}/apprentices.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body
    assert "\n=HYPERLINK" not in body


def test_unknown_cohorts_are_a_404(coordinator_client):
    for path in ("/cohorts/999", "/cohorts/999/edit", "/cohorts/999/archive", "/cohorts/999/apprentices.csv"):
        assert coordinator_client.get(path).status_code == 404


def test_the_dashboard_lists_who_is_at_risk_and_why(app, coordinator_client):
    soup = page(coordinator_client.get("/coordinator"))
    section = soup.find(id="at-risk").find_next("ul")
    items = {li.h3.a.get_text(strip=True): [a.get_text(strip=True) for a in li.select(":scope > ul a")]
             for li in section.find_all("li", class_="app-risk-list__item")}
    assert set(items) == {"Reece Hall", "Callum Murphy", "Ella Robinson", "Liam Walsh"}
    assert items["Callum Murphy"] == ["Last review rated red"]
    [ella] = items["Ella Robinson"]  # the date itself: tests/web/test_review_dates.py
    assert ella.startswith("Progress review overdue: it was due by ")
    assert items["Liam Walsh"][0].startswith("Off-the-job hours behind:")
    # How long it has really been, from Reece's last log (4 weeks or more).
    [quiet] = [r for r in items["Reece Hall"] if r.startswith("Nothing logged")]
    weeks, since = re.fullmatch(r"Nothing logged for (\d+) weeks, since (\d+ \w+ \d{4})", quiet).groups()
    since = datetime.strptime(since, "%d %B %Y").date()
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(LogEntry.activity_date)).join(Apprentice)
                                 .where(Apprentice.first_name == "Reece", Apprentice.last_name == "Hall"))
    assert since == last and int(weeks) == (date.today() - last).days // 7 >= 4
    link = section.find("a", string="Last review rated red")["href"]
    assert link.endswith("#reviews")
    assert "Clinic booking service research" in text_of(soup)  # a placement waiting for approval
    assert "Yusuf Ali proposed for Warehouse systems developer" in text_of(soup)


def test_the_dashboard_counts_by_status(coordinator_client):
    soup = page(coordinator_client.get("/coordinator"))
    for hidden in soup.select(".govuk-visually-hidden"):  # what a screen reader hears besides
        hidden.decompose()
    current, earlier = [[td.get_text(strip=True) for td in row.find_all("td")][1:]
                        for row in soup.select("table tbody tr")]
    assert current == ["19", "1", "1", "0", "21"]  # active, on a break, withdrawn, completed, total
    assert earlier == ["0", "0", "1", "10", "11"]


def test_a_mentor_sees_their_mentees_at_risk_with_the_same_reasons(mentor_client):
    soup = page(mentor_client.get("/mentor"))
    risky = [li.h3.a.get_text(strip=True) for li in soup.select(".app-risk-list__item")]
    assert risky == ["Liam Walsh"]
    assert "Callum Murphy" not in text_of(soup)  # not their mentee


@pytest.mark.parametrize("query,count,opened", [
    ("", "Showing 1 to 21 of 21 apprentices.", False),
    ("sort=otj&order=desc&page=1", "Showing 1 to 21 of 21 apprentices.", False),  # an order filters nothing
    ("q=walsh", "Showing 1 to 1 of 1 apprentice matching “walsh”.", True),
    ("at_risk=yes", "Showing 1 to 4 of 4 apprentices matching these filters: at risk.", True),
    ("q=a&service_area=data&status=",
     "Showing 1 to 3 of 3 apprentices matching “a” and these filters: service area Data.", True),
    ("q=nobody", "No apprentices match “nobody”.", True),
    ("status=withdrawn&at_risk=yes", "No apprentices match these filters: status withdrawn and at risk.", True),
])
def test_a_page_opened_with_a_search_or_filter_says_so(app, coordinator_client, query, count, opened):
    soup = page(coordinator_client.get(f"/cohorts/{current_cohort_id(app)}?{query}"))
    # The count says what the rows are filtered by, and the filters' fold is open to show them.
    region = soup.find(id="cohort-count")
    assert text_of(region).removesuffix(" Download these rows as CSV") == count
    assert soup.find("details", id="cohort-filters").has_attr("open") is opened
    # Nothing to download when there are no rows.
    assert bool(region.find("a", string="Download these rows as CSV")) is not count.startswith("No ")


def test_the_count_names_each_filter_set_the_standard_provider_and_mentor_by_name(app, coordinator_client):
    cohort = current_cohort_id(app)
    with app.app_context():
        someone = db.session.scalar(sa.select(Apprentice).where(Apprentice.cohort_id == cohort,
                                                                Apprentice.mentor_id.is_not(None))
                                    .order_by(Apprentice.id).limit(1))
        standard, provider, mentor = someone.standard.title, someone.provider.name, someone.mentor.name
        level = someone.standard.level
        query = f"standard={someone.standard_id}&provider={someone.provider_id}&mentor={someone.mentor_id}"
    for args in (query, query + "&sort=status"):  # the page, and the rows a search sends through htmx
        soup = page(coordinator_client.get(f"/cohorts/{cohort}?{args}"))
        # The standard as the filter's list names it, with its level.
        assert f"matching these filters: standard {standard} (level {level}), provider {provider} and " \
            f"mentor {mentor}." in text_of(soup.find(id="cohort-count"))
        assert f"{standard} (level {level})" in [text_of(option) for option in soup.select("select#standard option")]
    fragment = BeautifulSoup(coordinator_client.get(
        f"/cohorts/{cohort}?q=zzz&mentor=none&mentor_name=Sam&status=active",
        headers={"HX-Request": "true", "HX-Target": "cohort-rows"}).get_data(as_text=True), "html.parser")
    assert text_of(fragment.find(id="cohort-count")) == (
        "No apprentices match “zzz” and these filters: status active, no mentor and "
        "a mentor whose name contains “Sam”.")


def test_the_count_is_one_live_region_that_every_update_of_the_table_changes(app, coordinator_client):
    cohort = current_cohort_id(app)
    soup = page(coordinator_client.get(f"/cohorts/{cohort}"))
    # There from the start, outside the table that a sort, another page or a search finding nobody replaces.
    [region] = soup.select('[role="status"]')
    assert region["id"] == "cohort-count" and not region.find_parent(id="cohort-table")
    assert region.find_next_sibling(id="cohort-table")
    # A sort through the headings' links (or the pages') brings the table and, out of band, the count.
    for query in ("sort=status&order=desc", "page=1&q=a", "q=zzz"):
        response = coordinator_client.get(f"/cohorts/{cohort}?{query}",
                                          headers={"HX-Request": "true", "HX-Target": "cohort-table"})
        fragment = fragment_of(response)
        [count] = fragment.find_all(id="cohort-count")
        assert count["hx-swap-oob"] == "innerHTML" and not count.has_attr("role")
        assert not count.find_parent(id="cohort-table")
    assert text_of(count) == "No apprentices match “zzz”."


def test_the_focus_stays_on_the_sort_or_page_link_used(app, coordinator_client):
    cohort = current_cohort_id(app)
    add_extra_apprentices(app, cohort, 55)
    # htmx gives the focus back to the element of the same id in what it swaps in: each link has one...
    table = fragment_of(coordinator_client.get(f"/cohorts/{cohort}?page=2&sort=otj",
                                               headers={"HX-Request": "true", "HX-Target": "cohort-table"}))
    assert [a["id"] for a in table.select("thead a")] == [
        "sort-link-name", "sort-link-standard", "sort-link-service_area", "sort-link-provider", "sort-link-mentor",
        "sort-link-status", "sort-link-otj", "sort-link-next_review", "sort-link-rag"]
    pages = table.find(id="cohort-pages")
    assert [a["id"] for a in pages.select("a")] == ["cohort-page-previous", "cohort-page-1", "cohort-page-2"]
    # ...and where the link used is gone (no Next on the last page), static/page.js moves it to the table.
    assert table.find(id=pages["data-app-refocus"])["role"] == "region"


def test_the_address_pushed_after_a_search_has_only_the_settings_made(app, coordinator_client):
    cohort = current_cohort_id(app)
    query = "q=walsh&status=&standard=&service_area=&provider=&mentor=&at_risk=yes&sort=otj"
    for target in ("cohort-rows", "cohort-table"):
        response = coordinator_client.get(f"/cohorts/{cohort}?{query}",
                                          headers={"HX-Request": "true", "HX-Target": target})
        assert response.headers["HX-Push-Url"] == f"/cohorts/{cohort}?q=walsh&at_risk=yes&sort=otj"
    # The whole page pushes nothing.
    assert "HX-Push-Url" not in coordinator_client.get(f"/cohorts/{cohort}?{query}").headers
