"""A coordinator invites an employer contact, who sets a password and signs in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import assert_accessible
from .test_sign_in import sign_in

NEW_PASSWORD = "Tangerine-Kettle-Orbit-42"


def invite_employer(page: Page, base: str, *, javascript: bool) -> str:
    sign_in(page, base, "coordinator@example.org")
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    if javascript:
        assert_accessible(page)
    page.get_by_role("button", name="Invite someone").click()
    # First, a mistake: the error is shown next to the question and nothing is created.
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#role-error")).to_contain_text("Select the person's role")
    if javascript:
        expect(page.locator(".govuk-error-summary")).to_be_focused()
        assert_accessible(page)
    page.get_by_label("Employer partner").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite an employer partner")
    page.get_by_role("button", name="Create invitation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the person's full name")
    expect(page.locator("#record-error")).to_contain_text("Select the employer partner this person works for")
    if javascript:
        assert_accessible(page)
    page.get_by_label("Full name").fill("Robin Fox")
    page.get_by_label("Email address").fill("robin.fox@ironbridge-eng.example")
    page.get_by_label("Employer partner").select_option(label="Ironbridge Engineering")
    page.get_by_role("button", name="Create invitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation link for Robin Fox")
    if javascript:
        assert_accessible(page)
    link = page.get_by_label("Invitation link").input_value()
    page.get_by_role("button", name="Sign out").click()
    return link


def accept(page: Page, link: str, base: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a password")
    page.get_by_label("Create a password").fill("password1234")
    page.get_by_label("Confirm your password").fill("password1234")
    page.get_by_role("button", name="Save password").click()
    expect(page.locator("#password-error")).to_contain_text("Password is too common")
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm your password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    # Signed in at once, on their home page.
    expect(page.get_by_text("Your password is saved and you are signed in.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ironbridge Engineering")


def test_invite_an_employer_contact_who_then_signs_in(page: Page, live_server, console_errors):
    link = invite_employer(page, live_server, javascript=True)
    assert link.startswith(live_server + "/invite/")
    accept(page, link, live_server)
    assert_accessible(page)
    assert console_errors == []
    # Opened again, the spent link says what to do (a 404, which the browser notes in its console).
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has been used or has expired")
    expect(page.get_by_role("link", name="sign in")).to_have_attribute("href", "/sign-in")
    assert_accessible(page)


@pytest.mark.parametrize("javascript", [False])
def test_the_same_invitation_works_without_javascript(browser: Browser, live_server, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    link = invite_employer(page, live_server, javascript=javascript)
    accept(page, link, live_server)
    context.close()
