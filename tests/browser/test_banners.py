"""After an action, its message: GOV.UK Frontend moves the focus to a success banner, so that a screen
reader reads it out and the next Tab goes on from there; without JavaScript the page opens at it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from .conftest import assert_accessible
from .test_sign_in import sign_in


def mark_the_first_notification_done(page: Page, base: str) -> None:
    """An action with a success message: the demo leaves the coordinator a placement to approve."""
    page.goto(base + "/notifications")
    page.locator("#notifications").get_by_role("button", name=re.compile("^Mark as done")).first.click()


def test_the_focus_moves_to_the_success_message_after_an_action(page: Page, live_server, console_errors):
    sign_in(page, live_server, "coordinator@example.org")
    mark_the_first_notification_done(page, live_server)
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Marked as done: ")
    expect(banner).to_be_focused()
    expect(banner).to_be_in_viewport()
    # The address no longer names the place of the banner (#main-content), whose focus would take it away.
    expect(page).to_have_url(live_server + "/notifications")
    page.wait_for_load_state("load")
    expect(banner).to_be_focused()  # still, once the page has loaded
    assert_accessible(page)
    page.keyboard.press("Tab")  # on from the message, not from the top of the page
    expect(page.get_by_role("link", name="Change how often we email you")).to_be_focused()
    assert console_errors == []


def test_without_javascript_the_page_opens_at_the_message(browser: Browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "coordinator@example.org")
    mark_the_first_notification_done(page, live_server)
    expect(page).to_have_url(live_server + "/notifications#main-content")
    expect(page.locator(".govuk-notification-banner--success")).to_be_in_viewport()
    context.close()


PHONE = {"width": 375, "height": 740}


def assert_focused_on_screen(page: Page, message) -> None:
    """The message has the focus and its top is on the screen, not scrolled away above it."""
    expect(message).to_be_focused()
    page.wait_for_load_state("load")
    box = message.bounding_box()
    assert box is not None and 0 <= box["y"] < PHONE["height"], box
    expect(message).to_be_focused()


def test_on_a_phone_the_message_is_on_the_screen_under_a_long_menu(page: Page, live_server, console_errors):
    """A coordinator's menu is long: folded under its Menu button from the start, it does not fold
    only after the focus has brought the message into view, which would push the message off the top."""
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "coordinator@example.org")
    menu = page.get_by_role("navigation", name="Menu")
    page.goto(live_server + "/providers/new")
    page.get_by_role("button", name="Save provider").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the provider's name")
    assert_focused_on_screen(page, summary)
    expect(menu.get_by_role("link", name="Providers")).to_be_hidden()
    page.get_by_label("Name", exact=True).fill("Harbour Skills Academy")
    page.get_by_role("button", name="Save provider").click()
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Harbour Skills Academy saved.")
    assert_focused_on_screen(page, banner)
    menu.get_by_role("button", name=re.compile("^Menu")).click()  # and the menu still opens
    expect(menu.get_by_role("link", name="Providers")).to_be_visible()
    assert console_errors == []
