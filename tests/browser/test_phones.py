"""Every main page of every role on a phone 375 px wide: nothing pushes the page sideways.

Wide tables scroll inside their own region (a keyboard can reach it), so the page itself
never needs to; axe scans each page at that width too.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .test_sign_in import sign_in

PHONE = {"width": 375, "height": 740}
MAIN_PAGES = {
    "coordinator": ["/coordinator", "/cohorts", "/cohorts/1", "/apprentices/1", "/apprentices/1/edit", "/mentors",
                    "/employers", "/employers/1", "/placements", "/placements/2", "/verification", "/reviews",
                    "/providers", "/standards", "/users", "/settings", "/cohorts/1/sharing"],
    "mentor": ["/mentor", "/verification", "/reviews", "/apprentices/1"],
    "employer": ["/employer", "/placements", "/placements/1", "/reviews"],
    "apprentice": ["/apprentice", "/opportunities", "/opportunities/1", "/reviews"],
}


def _widest(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("role", MAIN_PAGES)
def test_no_main_page_is_wider_than_a_phone(page: Page, live_server, console_errors, role):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, f"{role}@example.org")
    too_wide = {}
    for path in MAIN_PAGES[role]:
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        assert_accessible(page)
        if _widest(page) > PHONE["width"]:
            too_wide[path] = _widest(page)
    assert too_wide == {}
    assert console_errors == []


def _regions_scrolled_sideways(page: Page) -> dict[str, int]:
    """The table regions whose table is wider than the screen leaves them (scrolled inside them), by label."""
    return page.evaluate("""Object.fromEntries([...document.querySelectorAll('.app-table-scroll')]
        .filter(region => region.scrollWidth > region.clientWidth)
        .map(region => [region.getAttribute('aria-label'), region.scrollWidth]))""")


def test_the_employers_tables_stack_into_rows_on_a_phone(page: Page, live_server, console_errors):
    """No table on an employer's pages needs scrolling sideways: each row stacks, every cell under
    its column's name (app-table--stacked, as the mentor's mentees), and the actions stay in reach."""
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "employer@example.org")
    visited = ["/employer"]
    rows = page.locator(".app-table--stacked tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.first.evaluate("row => getComputedStyle(row).display") == "block"
    assert rows.first.evaluate("row => getComputedStyle(row.querySelector('td[data-label]'), '::before').content") \
        == '"Proposed for: "'
    decide = page.get_by_role("link", name=re.compile("^Accept or decline Yusuf Ali"))
    expect(decide).to_be_in_viewport(ratio=1)  # on the screen, not beyond its right edge
    assert _regions_scrolled_sideways(page) == {}
    for path in ["/placements", "/placements/1", "/employers/reviews"]:
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        visited.append(path)
        assert _regions_scrolled_sideways(page) == {}, path
        assert _widest(page) <= PHONE["width"], path
    # A review (the demo's latest, waiting for the apprentice's signature), and the proposal's page.
    page.get_by_role("link", name=re.compile("^View review")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress review")
    assert _regions_scrolled_sideways(page) == {} and _widest(page) <= PHONE["width"]
    page.goto(live_server + "/employer")
    decide.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Will you take Yusuf Ali?")
    assert _regions_scrolled_sideways(page) == {} and _widest(page) <= PHONE["width"]
    assert_accessible(page)
    assert console_errors == []


def test_the_cohort_page_shows_its_apprentices_first_on_a_phone_and_its_filters_on_a_wider_screen(
        page: Page, live_server, console_errors):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/cohorts/1")
    filters = page.locator("#cohort-filters")
    expect(filters).not_to_have_attribute("open", re.compile(".*"))  # folded: one line
    expect(page.get_by_label("Name")).to_be_hidden()
    shown = page.locator("#cohort-count[role=status]")
    expect(shown).to_contain_text(re.compile(r"Showing 1 to \d+ of \d+ apprentices\."))
    expect(shown).to_be_in_viewport()  # the list starts on the first screen
    assert_accessible(page)
    page.get_by_text("Filter apprentices").click()  # unfolds, and filters as before
    page.get_by_label("Name").fill("wal")
    expect(page.locator("#cohort-table tbody tr")).to_have_count(1)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server + "/cohorts/1")
    expect(filters).to_have_attribute("open", "")  # on a wide screen the filters are out already
    expect(page.get_by_label("Name")).to_be_visible()
    assert console_errors == []


@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_phone_each_apprentice_of_a_cohort_is_a_block_sorted_from_a_list(browser, live_server, javascript):
    """The cohort page at 375 px: no sideways scrolling, each apprentice a block with their name, mentor,
    status, hours and next review in sight; a "Sort by" list sorts it (keeping the filters), with
    JavaScript or without, where the column headings do on a wider screen."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/cohorts/1?at_risk=yes")
    page.wait_for_load_state("load")
    assert _widest(page) <= PHONE["width"] and _regions_scrolled_sideways(page) == {}
    rows = page.locator("#cohort-table tbody tr")
    expect(rows).to_have_count(4)
    first = rows.first
    assert first.evaluate("row => getComputedStyle(row).display") == "block"
    labels = first.locator("td[data-label]").evaluate_all(
        "cells => cells.filter(c => c.offsetParent).map(c => getComputedStyle(c, '::before').content)")
    assert labels == ['"Mentor: "', '"Status: "', '"Off-the-job hours: "', '"Next review: "', '"Last review: "']
    expect(first.locator("td[data-label=Standard]")).to_be_hidden()  # the filters and their page give it
    for cell in [first.get_by_role("link").first, first.locator("td[data-label=Status]"),
                 first.locator("td[data-label='Off-the-job hours'] progress"),
                 first.locator("td[data-label='Next review']")]:
        cell.scroll_into_view_if_needed()
        expect(cell).to_be_in_viewport(ratio=1)  # not beyond the right edge
    expect(page.locator("#cohort-table thead")).not_to_be_in_viewport()  # its headings are out of sight
    if javascript:  # axe runs in the page
        assert_accessible(page)

    page.get_by_label("Sort by").select_option(label="Off-the-job hours (furthest ahead first)")
    page.get_by_role("button", name="Sort apprentices").click()
    expect(page.locator("#cohort-table th[aria-sort='descending']")).to_have_text("Off-the-job hours▼")
    # The filter kept (with JavaScript the address is the headings' own: sort=otj&order=desc).
    expect(page).to_have_url(re.compile(r"at_risk=yes.*sort=otj(-desc|&order=desc)"))
    expect(rows).to_have_count(4)
    expect(rows.last.get_by_role("link").first).to_have_text("Liam Walsh")  # furthest behind, last
    expect(page.get_by_label("Sort by")).to_have_value("otj-desc")
    assert _widest(page) <= PHONE["width"]
    # A keyboard reaching the column headings sees them.
    page.locator("#cohort-table thead a").first.focus()
    expect(page.locator("#cohort-table thead a").first).to_be_in_viewport()
    if javascript:
        assert_accessible(page)
    # On a wider screen the headings sort, and the list is not needed.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.get_by_label("Sort by")).to_be_hidden()
    expect(page.locator("#cohort-table thead a").last).to_be_visible()
    context.close()


def test_on_a_phone_without_javascript_a_form_sent_back_with_errors_shows_them_on_the_first_screen(
        browser, live_server):
    """Without JavaScript there is no Menu button to fold the menu under: its links run on in lines, so
    that a coordinator's fifteen leave room for the error summary above the fold (it used to open below)."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/cohorts/new")
    page.get_by_role("button", name="Save cohort").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a name for the cohort")
    expect(summary).to_be_in_viewport(ratio=1)
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Audit log")).to_be_visible()  # every link there, none folded away
    assert _widest(page) <= PHONE["width"]
    context.close()
