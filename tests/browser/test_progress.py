"""The demo apprentice logs learning (with and without JavaScript), the mentor verifies it, and a
review is recorded and signed by all three demo roles, after which it cannot be changed."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import assert_accessible
from .test_apprentices import fill_date
from .test_placements import sign_out
from .test_sign_in import sign_in


def waiting_hours(page: Page) -> float:
    figure = page.locator(".app-figure", has_text="hours waiting for verification")
    return float(figure.locator(".app-figure__number").inner_text())


def log_entry(page: Page, description: str, hours: str) -> None:
    fill_date(page, "Date", date.today() - timedelta(days=1))
    page.get_by_label("Activity").select_option(label="Study time")
    page.get_by_label("Hours", exact=True).fill(hours)
    page.get_by_label("What you did and learned").fill(description)
    page.get_by_label("S1 Create logical and maintainable code").check()
    page.get_by_role("button", name="Add entry").click()


def test_log_with_htmx_totals_update_then_the_mentor_verifies(page: Page, live_server, console_errors):
    sign_in(page, live_server, "apprentice@example.org")
    assert_accessible(page)
    before = waiting_hours(page)
    url = page.url
    page.get_by_role("button", name="Add entry").click()  # nothing filled in but the date (today, to start with)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the activity")
    assert_accessible(page)
    log_entry(page, "Refactored the parcel scanner with tests.", "1.75")
    expect(page.locator("#logbook")).to_contain_text("Added 1.75 hours on")
    expect(page.locator("#log-entries")).to_contain_text("Refactored the parcel scanner with tests.")
    expect(page.locator(".app-figure", has_text="hours waiting").locator(".app-figure__number")) \
        .to_have_text(f"{before + 1.75:g}")
    assert page.url == url  # no page load: htmx swapped the log and refreshed the totals
    assert_accessible(page)
    sign_out(page)

    sign_in(page, live_server, "mentor@example.org")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Verify hours").click()
    row = page.locator("tr", has_text="Refactored the parcel scanner with tests.")
    expect(row).to_be_visible()
    assert_accessible(page)
    row.get_by_role("button", name=re.compile("^Verify")).click()
    expect(page.get_by_text("Verified 1.75 hours for Jordan Ellis.")).to_be_visible()
    expect(page.locator("tr", has_text="Refactored the parcel scanner with tests.")).to_have_count(0)
    assert console_errors == []


@pytest.mark.parametrize("javascript", [False])
def test_logging_works_without_javascript(browser: Browser, live_server, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, live_server, "apprentice@example.org")
    before = waiting_hours(page)
    log_entry(page, "Read the provider's notes on testing.", "2")
    expect(page.get_by_text("Added 2 hours on")).to_be_visible()
    assert waiting_hours(page) == before + 2
    context.close()


def test_a_review_recorded_and_signed_by_all_three_is_locked(page: Page, live_server, console_errors):
    sign_in(page, live_server, "mentor@example.org")
    page.get_by_role("link", name="Jordan Ellis").first.click()
    page.get_by_role("link", name="Record this review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a progress review")
    assert_accessible(page)
    fill_date(page, "Date held", date.today())  # starts empty: the day it was really held
    page.get_by_label("Who attended").fill("Jordan, Priya, Sam, Alex")
    page.get_by_label("Green").check()
    page.get_by_label("Progress against the training plan").fill("On track; strong feedback from Kestrel.")
    page.get_by_label("Action 1 (optional)").fill("Present the scanner demo to the team")
    page.get_by_label("Who will do action 1").fill("Jordan")
    fill_date(page, "When action 1 is due", date.today() + timedelta(weeks=3))
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Waiting for signatures")).to_be_visible()
    review_url = page.url.split("#")[0]  # the review, whatever part of it is in view
    sign_out(page)

    for email in ("apprentice@example.org", "employer@example.org", "coordinator@example.org"):
        sign_in(page, live_server, email)
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reviews").click()
        # Jordan reads "Your review held ...", the others Jordan's name; each with the day it was held
        # (the demo's latest review of Jordan's waits for their signature too).
        name = re.compile("^Your review held") if email.startswith("apprentice") else "Jordan Ellis"
        held = f"held {date.today().day} {date.today():%B %Y}"
        page.locator("li", has_text=held).get_by_role("link", name=name).click()
        assert page.url.split("#")[0] == review_url
        assert_accessible(page)
        page.get_by_label("Your comments (optional)").fill(f"Signed by {email.split('@')[0]}.")
        page.get_by_role("button", name="Sign off the review").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("You signed the review.")
        if email != "coordinator@example.org":
            sign_out(page)
    expect(page.get_by_text("Everyone has signed: the review is locked.")).to_be_visible()
    expect(page.get_by_role("link", name="Correct this review")).to_have_count(0)
    sign_out(page)
    sign_in(page, live_server, "mentor@example.org")
    page.goto(review_url + "/record")
    # Sent back to the review: there is no form to change it.
    expect(page).to_have_url(re.compile(re.escape(review_url) + r"(#main-content)?$"))
    expect(page.get_by_text("Signed off", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Save review")).to_have_count(0)
    assert console_errors == []
