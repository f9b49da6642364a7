"""The audit log in a browser, on a phone: from an apprentice's record to who has looked at it, filters
with an error, with and without JavaScript (axe, which needs JavaScript, scans the pages with it)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .test_sign_in import sign_in

PHONE = {"width": 375, "height": 740}


def _widest(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("javascript", [True, False])
def test_from_a_record_to_who_has_looked_at_it_on_a_phone(browser, live_server, javascript):
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/apprentices/1")
    page.get_by_role("link", name="See everyone who has looked at, downloaded or changed Jordan’s record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who has looked at or changed Jordan Ellis’s record")
    expect(page.locator("#audit-events tbody tr").first).to_contain_text("Alex Morgan viewed Jordan Ellis’s record")
    if javascript:
        assert_accessible(page)
    assert _widest(page) <= PHONE["width"]

    # The page says it is filtered to Jordan, with the filters open to change.
    expect(page.locator("#audit-filters-in-use")).to_contain_text("Filtered by: apprentice Jordan Ellis")
    expect(page.locator("#audit-filters")).to_have_attribute("open", "")

    # A filter that is not a real date: the error next to it, the filters open, nothing listed.
    page.locator("#date_from-day").fill("31")
    page.locator("#date_from-month").fill("2")
    page.locator("#date_from-year").fill("2026")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The ‘from’ date must be a real date")
    expect(page.locator("#audit-events")).to_have_count(0)
    if javascript:
        assert_accessible(page)
    assert _widest(page) <= PHONE["width"]

    # Only views, by someone named Alex.
    page.locator("#date_from-day").fill("")
    page.locator("#date_from-month").fill("")
    page.locator("#date_from-year").fill("")
    page.get_by_label("Name of who did it").fill("alex")
    page.get_by_label("Kind of event").select_option(label="Looked at (viewed or downloaded)")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#audit-events tbody tr").first).to_contain_text("Alex Morgan viewed")
    if javascript:
        assert_accessible(page)
    assert errors == []
    context.close()
