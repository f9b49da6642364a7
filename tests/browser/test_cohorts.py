"""A coordinator adds a cohort and finds apprentices in a cohort's table, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import assert_accessible
from .test_sign_in import sign_in


def open_current_cohort(page: Page, base: str, *, signed_in: bool = False) -> None:
    if not signed_in:
        sign_in(page, base, "coordinator@example.org")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Cohorts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cohorts")
    page.get_by_role("link", name=re.compile(r"Digital apprentices 20\d\d to 20\d\d")).first.click()
    page.wait_for_load_state()  # the filters use htmx, which starts on load


def table_names(page: Page) -> list[str]:
    return page.locator("#cohort-table tbody tr td:first-child a").all_inner_texts()


def test_add_a_cohort(page: Page, live_server, console_errors):
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/cohorts")
    assert_accessible(page)
    page.get_by_role("button", name="Add a cohort").click()
    page.get_by_role("button", name="Save cohort").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the cohort")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the start date")
    assert_accessible(page)
    page.get_by_label("Name").fill("Digital apprentices 2027 to 2029")
    page.get_by_label("Day").fill("6")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("Intake target (optional)").fill("18")
    page.get_by_role("button", name="Save cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Digital apprentices 2027 to 2029")
    expect(page.get_by_text("There are no apprentices in this cohort yet.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("CSV"))).to_have_count(0)  # no rows to download
    assert console_errors == []


def test_filter_and_search_update_the_table_as_you_type(page: Page, live_server, console_errors):
    open_current_cohort(page, live_server)
    expect(page.get_by_text("Showing 1 to 21 of 21 apprentices.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name").fill("wal")
    expect(page.locator("#cohort-table tbody tr")).to_have_count(1)
    assert table_names(page) == ["Liam Walsh"]
    expect(page).to_have_url(re.compile(r"q=wal"))  # the filtered view can be bookmarked
    # htmx swaps the rows; the count, the sort links, the phone's sort list and the download keep up.
    expect(page.get_by_role("status").filter(has_text="apprentice")).to_have_text(re.compile(
        r"^\s*Showing 1 to 1 of 1 apprentice matching “wal”\."))
    expect(page.locator("#cohort-table thead").get_by_role("link", name="Status")).to_have_attribute(
        "href", re.compile(r"q=wal.*sort=status"))
    expect(page.locator("#cohort-sort-filters input[name=q]")).to_have_value("wal")
    expect(page.get_by_role("link", name="Download these rows as CSV")).to_have_attribute("href", re.compile(r"q=wal"))
    # Nobody found: the message in place of the table; then someone again: the table is back.
    page.get_by_label("Name").fill("walz")
    expect(page.get_by_text("No apprentices match “walz”.")).to_be_visible()
    expect(page.locator("#cohort-table table")).to_have_count(0)
    page.get_by_label("Name").fill("wals")
    expect(page.locator("#cohort-table tbody tr")).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="apprentice")).to_have_text(re.compile(
        r"^\s*Showing 1 to 1 of 1 apprentice matching “wals”\."))
    assert_accessible(page)
    page.get_by_label("Name").fill("")
    page.get_by_label("At risk only").check()
    expect(page.locator("#cohort-table tbody tr")).to_have_count(4)
    page.get_by_label("Service area").select_option(label="Data")
    expect(page.locator("#cohort-table tbody tr")).to_have_count(1)
    assert table_names(page) == ["Callum Murphy"]
    # The shared address opens the same view.
    page.goto(page.url)
    assert table_names(page) == ["Callum Murphy"]
    expect(page.get_by_label("At risk only")).to_be_checked()
    page.get_by_role("link", name="Clear filters").click()
    page.get_by_role("link", name="Off-the-job hours").click()
    expect(page.locator("#cohort-table th[aria-sort='ascending']")).to_have_text("Off-the-job hours▲")
    assert table_names(page)[0] == "Liam Walsh"
    # Sorted (by htmx, the form left as it was), then filtered: the order holds, and the other way round.
    page.get_by_role("link", name="Off-the-job hours").click()
    expect(page.locator("#cohort-table th[aria-sort='descending']")).to_have_text("Off-the-job hours▼")
    page.get_by_label("At risk only").check()
    expect(page.locator("#cohort-table tbody tr")).to_have_count(4)
    expect(page.locator("#cohort-table th[aria-sort='descending']")).to_have_text("Off-the-job hours▼")
    assert table_names(page)[-1] == "Liam Walsh"
    expect(page).to_have_url(re.compile(r"sort=otj.*order=desc|order=desc.*sort=otj"))
    page.get_by_role("link", name="Name").click()
    expect(page.locator("#cohort-table th[aria-sort='ascending']")).to_have_text("Name▲")
    expect(page.locator("#cohort-table tbody tr")).to_have_count(4)  # still at risk only
    assert table_names(page) == sorted(table_names(page), key=lambda name: name.split()[-1])
    assert_accessible(page)
    assert console_errors == []


@pytest.mark.parametrize("javascript", [False])
def test_filters_work_as_a_plain_form_without_javascript(browser: Browser, live_server, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    open_current_cohort(page, live_server)
    expect(page.get_by_label("Name")).to_be_hidden()  # folded away (the apprentices first), and opens with a click
    page.get_by_text("Filter apprentices").click()
    page.get_by_label("Name").fill("walsh")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"q=walsh"))
    assert table_names(page) == ["Liam Walsh"]
    # The filtered page says so: the filters shown as they were applied, and the count what it matches.
    expect(page.get_by_label("Name")).to_have_value("walsh")
    expect(page.locator("#cohort-count")).to_contain_text("Showing 1 to 1 of 1 apprentice matching “walsh”.")
    page.get_by_label("Name").fill("")
    page.get_by_label("Status").select_option(label="Withdrawn")
    page.get_by_role("button", name="Apply filters").click()
    assert table_names(page) == ["Josh Wood"]
    context.close()


def test_the_count_is_one_live_region_and_the_focus_stays_on_the_link_used(page: Page, live_server, console_errors):
    open_current_cohort(page, live_server)
    count = page.get_by_role("status")
    expect(count).to_have_count(1)
    region = count.element_handle()
    # Nobody found (the table gives way to a message), found again, sorted: the one region's text changes,
    # so that a screen reader reads each count out.
    page.get_by_label("Name").fill("walz")
    expect(count).to_have_text(re.compile(r"^\s*No apprentices match “walz”\.\s*$"))  # nothing to download
    page.get_by_label("Name").fill("wals")
    expect(count).to_have_text(re.compile(r"^\s*Showing 1 to 1 of 1 apprentice matching “wals”\."))
    # The address has the search, not the form's empty fields.
    expect(page).to_have_url(re.compile(r"/cohorts/\d+\?q=wals$"))
    page.get_by_label("Name").fill("")
    expect(count).to_have_text(re.compile(r"^\s*Showing 1 to 21 of 21 apprentices\."))
    status = page.locator("#cohort-table thead").get_by_role("link", name="Status")
    status.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cohort-table th[aria-sort='ascending']")).to_have_text("Status▲")
    expect(page.locator("#cohort-table thead").get_by_role("link", name="Status")).to_be_focused()
    expect(page).to_have_url(re.compile(r"/cohorts/\d+\?sort=status(#cohort-table)?$"))
    assert region.evaluate("element => element.isConnected")  # the same region all along
    expect(count).to_have_count(1)
    assert_accessible(page)
    assert console_errors == []


@pytest.mark.parametrize("javascript", [True, False])
def test_a_filtered_page_on_a_phone_shows_its_filters_open(browser: Browser, live_server, javascript):
    context = browser.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/cohorts/1?at_risk=yes")
    expect(page.locator("#cohort-filters")).to_have_attribute("open", "")
    expect(page.get_by_label("At risk only")).to_be_visible()
    expect(page.get_by_label("At risk only")).to_be_checked()
    expect(page.locator("#cohort-count")).to_contain_text(
        re.compile(r"of \d+ apprentices? matching these filters: at risk\."))
    context.close()
