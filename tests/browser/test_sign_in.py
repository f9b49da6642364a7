"""Each demo role signs in, reaches its home page and signs out, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ..helpers import DEMO_EMAILS
from .conftest import assert_accessible

PASSWORD = "demo-password-2026"
HOME_HEADINGS = {"coordinator": "Programme overview", "mentor": "Your mentees",
                 "employer": "Kestrel Logistics Ltd", "apprentice": "Your apprenticeship"}


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()  # htmx starts on load: act on the next page only after it


@pytest.mark.parametrize("role", list(DEMO_EMAILS))
def test_each_role_signs_in_reaches_home_and_signs_out(page: Page, live_server, console_errors, role):
    page.goto(live_server + "/sign-in")
    assert_accessible(page)
    sign_in(page, live_server, DEMO_EMAILS[role])
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_HEADINGS[role])
    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home")).to_be_visible()
    assert_accessible(page)
    sign_out = page.get_by_role("banner").get_by_role("button", name="Sign out")
    sign_out.focus()
    assert_accessible(page)  # the button, focused, still meets contrast and naming rules
    sign_out.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    # Back does not show the signed-in page again: it was never stored (Cache-Control: no-store),
    # so the browser asks for it afresh and is sent to sign in.
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text(HOME_HEADINGS[role])).to_have_count(0)
    assert console_errors == []


def test_a_wrong_password_shows_an_accessible_error(page: Page, live_server, console_errors):
    sign_in(page, live_server, "coordinator@example.org", "not-the-right-password")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a correct email address and password")
    expect(summary).to_be_focused()  # GOV.UK Frontend's JavaScript moves focus to the summary
    assert_accessible(page)
    assert console_errors == []


def test_signing_in_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "mentor@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your mentees")
    expect(page.get_by_role("rowheader", name="Jordan Ellis")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()  # a plain form post
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(live_server + "/mentor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    context.close()
