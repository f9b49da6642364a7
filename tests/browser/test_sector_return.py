"""The coordinator makes this year's public sector return, without JavaScript, and files it; every page fits a phone."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser, Page, expect

from apprenticeships.services.sector_return import financial_year_of
from apprenticeships.templating import uk_today

from .conftest import assert_accessible
from .test_phones import PHONE, _regions_scrolled_sideways, _widest
from .test_sign_in import sign_in

EMPLOYEES = [("Employees at the start of the period", "2460", "1210"),
             ("Employees at the end of the period", "2520", "1195"),
             ("New employees in the period", "320", "150")]


def test_making_this_years_return_and_filing_last_years_without_javascript(browser: Browser, live_server):
    year = financial_year_of(uk_today())
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "coordinator@example.org")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Public sector apprenticeship returns")
    page.get_by_role("link", name=f"{year.label} return").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Public sector apprenticeship return {year.label}")

    page.get_by_role("link", name="Change the employee numbers").click()
    for label, council, schools in EMPLOYEES:
        for part, value in (("Council excluding maintained schools", council), ("Maintained schools", schools)):
            page.get_by_role("group", name=part, exact=True).get_by_label(label).fill(value)
    page.get_by_role("button", name="Save employee numbers").click()
    expect(page.get_by_text("Employee numbers saved.")).to_be_visible()
    expect(page.get_by_text("employees at the start × 100 =").first).to_be_visible()

    page.get_by_role("link", name="Write the answers (drafted for you from the year’s figures)").click()
    expect(page.get_by_label("What actions have you taken to meet the target? (optional)")).to_contain_text(
        f"From {year.in_words}")
    page.get_by_label("How are you planning to meet the target in future? (optional)").fill("A new cohort in 2027.")
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_text("A new cohort in 2027.")).to_be_visible()

    # The year is still running: it is checked, not filed.
    page.get_by_role("button", name="Check and mark as submitted").click()
    expect(page.locator("#year-running")).to_contain_text(f"You can mark the return as submitted from 1 April "
                                                          f"{year.year + 1}.")
    expect(page.get_by_role("button", name="Mark as submitted")).to_have_count(0)

    # Last year's, filed in the demo: reopened (after confirming), then marked as submitted again.
    page.goto(live_server + f"/reports/{year.year - 1}/reopen")
    page.get_by_label("Yes, reopen it so its figures and answers can change").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Change the employee numbers")).to_be_visible()
    page.get_by_role("button", name="Check and mark as submitted").click()
    page.get_by_role("button", name="Mark as submitted").click()
    last = financial_year_of(year.first_day - timedelta(days=1))
    expect(page.get_by_text(f"The {last.label} return is marked as submitted.")).to_be_visible()
    expect(page.get_by_text("by Alex Morgan")).to_be_visible()
    expect(page.get_by_role("link", name="Change the employee numbers")).to_have_count(0)
    context.close()


def test_the_return_pages_fit_a_phone_and_pass_axe(page: Page, live_server, console_errors):
    """Every page of the return on a phone: nothing wider than the screen, and no table to scroll sideways
    either: each figure's row stacks, every part's number under its name."""
    year = financial_year_of(uk_today())
    last = year.year - 1
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "coordinator@example.org")
    too_wide, scrolled = {}, {}
    for path in ["/reports", f"/reports/{year.year}", f"/reports/{year.year}/employees",
                 f"/reports/{year.year}/employees/import", f"/reports/{year.year}/answers",
                 f"/reports/{year.year}/submit", f"/reports/{year.year}/publish", f"/reports/{last}",
                 f"/reports/{last}/reopen", f"/reports/{last}/publish"]:
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        assert_accessible(page)
        if _widest(page) > PHONE["width"]:
            too_wide[path] = _widest(page)
        if regions := _regions_scrolled_sideways(page):
            scrolled[path] = regions
    assert too_wide == {} and scrolled == {}
    page.goto(live_server + f"/reports/{last}")
    cell = page.locator("#figures ~ .app-table-scroll tbody tr").first.locator("td").nth(1)
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"Maintained schools: "'
    box = cell.bounding_box()  # under its figure's name, not beyond the screen's right edge
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    # A figure that is wrong: the summary and the field both name the part and the figure, on the screen.
    page.goto(live_server + f"/reports/{year.year}/employees")
    schools = page.get_by_role("group", name="Maintained schools", exact=True)
    schools.get_by_label("New employees in the period").fill("twelve")
    page.get_by_role("button", name="Save employee numbers").click()
    message = "New employees in the period (maintained schools) must be a whole number, like 250"
    expect(page.locator(".govuk-error-summary")).to_contain_text(message)
    expect(schools.locator(".govuk-error-message")).to_have_text(f"Error: {message}")
    page.get_by_role("link", name=message).click()
    expect(schools.get_by_label("New employees in the period")).to_be_focused()
    assert _widest(page) <= PHONE["width"]
    assert_accessible(page)
    assert console_errors == []
