"""A coordinator adds an apprentice, assigns a mentor, records a break, and imports a spreadsheet."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from apprenticeships.services.importing import COLUMNS

from .conftest import assert_accessible
from .test_cohorts import open_current_cohort


def fill_date(page: Page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_add_an_apprentice_to_a_cohort(page: Page, live_server, console_errors):
    open_current_cohort(page, live_server)
    page.get_by_role("button", name="Add an apprentice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an apprentice")
    page.get_by_role("button", name="Save apprentice").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the apprentice’s first name")
    assert_accessible(page)
    page.get_by_label("First name").fill("Noor")
    page.get_by_label("Last name").fill("Haddad")
    page.get_by_label("Apprenticeship standard").select_option(label="Data analyst (level 4, ST0118)")
    page.get_by_label("Training provider").select_option(label="Northern Digital Skills Ltd")
    page.get_by_label("Service area").select_option(label="Data")
    page.get_by_label("Contracted hours a week").fill("30")
    start = date.today() - timedelta(days=14)
    fill_date(page, "Start date", start)
    fill_date(page, "Planned end date", start + timedelta(days=730))
    page.get_by_role("button", name="Save apprentice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Noor Haddad")
    expect(page.get_by_text("Noor Haddad added.")).to_be_visible()
    assert_accessible(page)
    assert console_errors == []


def test_assign_a_mentor_with_the_inline_picker(page: Page, live_server, console_errors):
    open_current_cohort(page, live_server)
    page.get_by_label("Status").select_option(label="Break in learning")
    expect(page.locator("#cohort-table tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Ruby Edwards").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Assign a mentor").click()
    picker = page.locator("#mentor-picker")
    expect(picker).to_be_visible()
    expect(page).to_have_url(re.compile(r"/apprentices/\d+$"))  # still on the apprentice's page
    # The keyboard is in the picker that opened, not left on the link.
    expect(picker.get_by_label("Find a mentor by name or team")).to_be_focused()
    expect(picker.locator(".govuk-radios__hint", has_text="Full").first).to_contain_text("4 of 4 mentees")
    assert_accessible(page)
    region = picker.get_by_role("status").element_handle()
    picker.get_by_label("Find a mentor by name or team").fill("helen")  # narrows the list as you type
    expect(picker.locator("label.govuk-radios__label")).to_have_text(["Helen Carter", "No mentor"])
    expect(picker.get_by_role("status")).to_have_text(re.compile(r"^\s*1 mentor matching “helen”\.\s*$"))
    assert region.evaluate("element => element.isConnected")  # the same live region, its text changed
    expect(picker.get_by_label("Find a mentor by name or team")).to_be_focused()
    picker.get_by_label("Helen Carter").check()
    picker.get_by_role("button", name="Save mentor").click()
    expect(page.locator("#mentor-section")).to_contain_text("Helen Carter is now Ruby’s mentor.")
    expect(page.locator("#mentor-picker")).to_have_count(0)
    # The focus goes to the message, not back to the top of the page.
    expect(page.get_by_text("Helen Carter is now Ruby’s mentor.")).to_be_focused()
    page.reload()
    expect(page.locator("#mentor-section")).to_contain_text("Helen Carter")
    assert console_errors == []


def test_cancel_closes_the_inline_picker_and_gives_the_focus_back_to_its_link(page: Page, live_server,
                                                                             console_errors):
    open_current_cohort(page, live_server)
    page.get_by_role("link", name="Ruby Edwards").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Assign a mentor").click()
    picker = page.locator("#mentor-picker")
    expect(picker.get_by_role("group", name="Choose a mentor")).to_be_visible()  # the question, not "Mentor"
    picker.get_by_role("link", name="Cancel").click()
    expect(page.locator("#mentor-picker")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/apprentices/\d+$"))  # closed in place, not a page loaded again
    # The keyboard is back on the link that opened it, not at the top of the page.
    expect(page.get_by_role("link", name="Assign a mentor")).to_be_focused()
    expect(page.locator("#mentor-section")).to_contain_text("No mentor assigned.")
    assert console_errors == []


def test_the_mentor_pickers_own_page_saves_with_javascript(page: Page, live_server, console_errors):
    """Opened on its own (directly, or in a new tab), the picker saves and goes to the apprentice's page."""
    open_current_cohort(page, live_server)
    page.get_by_role("link", name="Ruby Edwards").click()
    page.wait_for_load_state()
    page.goto(live_server + page.get_by_role("link", name="Assign a mentor").get_attribute("href"))
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a mentor for Ruby Edwards")
    page.get_by_label("Find a mentor by name or team").fill("helen")
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^\s*1 mentor matching “helen”\.\s*$"))
    page.get_by_label("Helen Carter").check()
    page.get_by_role("button", name="Save mentor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ruby Edwards")
    expect(page.get_by_text("Helen Carter is now Ruby’s mentor.")).to_be_visible()
    assert console_errors == []


@pytest.mark.parametrize("javascript", [False])
def test_assign_a_mentor_without_javascript(browser: Browser, live_server, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    open_current_cohort(page, live_server)
    page.get_by_role("link", name="Ruby Edwards").click()
    page.get_by_role("link", name="Assign a mentor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a mentor for Ruby Edwards")
    page.get_by_label("Helen Carter").check()
    page.get_by_role("button", name="Save mentor").click()
    expect(page.get_by_text("Helen Carter is now Ruby’s mentor.")).to_be_visible()
    context.close()


def test_start_and_end_a_break_in_learning(page: Page, live_server, console_errors):
    open_current_cohort(page, live_server)
    page.get_by_role("link", name="Liam Walsh").click()
    planned_end = page.locator(".govuk-summary-list__row", has_text="Planned end date").locator("dd").inner_text()
    page.get_by_role("link", name="Start a break in learning").click()
    start = date.today() - timedelta(days=42)
    fill_date(page, "Date the break starts", start)
    fill_date(page, "Expected return date", start + timedelta(days=10))
    page.get_by_label("Reason for the break").fill("Agreed break for family reasons")
    page.get_by_role("button", name="Start the break").click()
    expect(page.locator("#expected_return_date-error")).to_contain_text("at least 4 weeks")
    assert_accessible(page)
    fill_date(page, "Expected return date", start + timedelta(days=56))
    page.get_by_role("button", name="Start the break").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Liam Walsh is on a break in learning.")
    expect(page.locator("p.govuk-body", has_text="Liam Walsh is on a break in learning")).to_be_visible()
    page.get_by_role("link", name="Record their return from the break").click()
    fill_date(page, "Date they returned", date.today())
    page.get_by_role("button", name="Record the return").click()
    expect(page.get_by_text("Liam Walsh is back in learning. Their planned end date moved out by 42 days.")) \
        .to_be_visible()
    new_end = page.locator(".govuk-summary-list__row", has_text="Planned end date").locator("dd").inner_text()
    assert new_end != planned_end
    page.get_by_text("History of Liam’s status").click()  # folded away: opened to read
    expect(page.locator("#status-history")).to_contain_text("Break in learning")
    expect(page.locator("#status-history").get_by_text("Break in learning").first).to_be_visible()
    assert_accessible(page)
    assert console_errors == []


def write_csv(path, rows) -> str:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def test_import_a_csv_with_a_bad_row_then_a_good_one(page: Page, live_server, console_errors, tmp_path):
    open_current_cohort(page, live_server)
    cohort = page.get_by_role("heading", level=1).inner_text()
    base = {"cohort": cohort, "standard": "ST0120", "provider": "Riverside College", "service_area": "User support",
            "contracted_hours_per_week": "37", "start_date": "2026-09-07", "planned_end_date": "2027-12-07"}
    rows = [{**base, "first_name": "Asha", "last_name": "Green", "uln": "1000000001"},
            {**base, "first_name": "Ben", "last_name": "Cole", "uln": "1000000002", "provider": "Nowhere College"}]
    page.get_by_role("button", name="Import from a spreadsheet").click()
    assert_accessible(page)
    page.get_by_label("Upload a file").set_input_files(write_csv(tmp_path / "bad.csv", rows))
    page.get_by_role("button", name="Check the file").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Nothing has been imported")
    expect(summary).to_contain_text("Row 3, provider: There is no training provider called “Nowhere College”")
    expect(page.get_by_role("button", name=re.compile("Import"))).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="Upload a different file").first.click()
    rows[1]["provider"] = "Riverside College"
    page.get_by_label("Upload a file").set_input_files(write_csv(tmp_path / "good.csv", rows))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("2 rows: 2 to add, 0 to update, 0 already up to date.")).to_be_visible()
    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_text("Imported the file: 2 added, 0 updated, 0 unchanged.")).to_be_visible()
    open_current_cohort(page, live_server, signed_in=True)
    page.get_by_label("Name").fill("green")
    expect(page.locator("#cohort-table tbody tr")).to_have_count(2)  # Asha Green, and the demo's Leah Green
    assert console_errors == []
