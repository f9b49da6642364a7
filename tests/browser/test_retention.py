"""Records past their retention period, in a browser: the list, the confirmation and the record
anonymised, on a phone, with axe finding nothing; the privacy notice and the record's pages too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from ..conftest import close_app, make_app
from ..helpers import served
from ..web.test_retention import age
from .conftest import assert_accessible
from .test_phones import PHONE
from .test_sign_in import sign_in


@pytest.fixture
def past_their_period(databases, demo_database, tmp_path) -> Iterator[str]:
    """The demo programme with Adam Fletcher's and Gareth Jones's records past their period, served."""
    app = make_app(databases, demo_database, tmp_path)
    age(app, "Adam", "Gareth")
    with served(app) as address:
        yield address
    close_app(app, databases)


def fits_a_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_coordinator_chooses_confirms_and_anonymises_a_record_on_a_phone(page: Page, past_their_period,
                                                                          console_errors):
    page.set_viewport_size(PHONE)
    sign_in(page, past_their_period, "coordinator@example.org")
    page.goto(past_their_period + "/retention")
    expect(page.get_by_role("heading", level=1)).to_have_text("Records past their retention period")
    assert_accessible(page)
    fits_a_phone(page)

    page.get_by_label("Select Adam Fletcher").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anonymise 1 record")
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    assert_accessible(page)
    fits_a_phone(page)

    page.get_by_role("button", name="Anonymise this record").click()  # not confirmed yet
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Confirm that you understand anonymising cannot be undone")
    assert_accessible(page)
    page.get_by_label("I understand that anonymising these records cannot be undone").check()
    page.get_by_role("button", name="Anonymise this record").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("1 record anonymised.")
    expect(page.locator("tbody")).not_to_contain_text("Adam Fletcher")
    expect(page.locator("tbody")).to_contain_text("Gareth Jones")
    assert console_errors == []


@pytest.mark.parametrize("path,heading", [
    ("/apprentices/1/delete", "You cannot delete Jordan Ellis’s record"),
    ("/apprentices/1/keep-longer", "Keep this record longer?"),
    ("/privacy", "Privacy notice"),
])
def test_the_records_pages_have_no_accessibility_violations_on_a_phone(page: Page, live_server, console_errors,
                                                                        path, heading):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    fits_a_phone(page)
    assert console_errors == []


def test_anyone_reads_the_privacy_notice_from_the_footer(page: Page, live_server, console_errors):
    page.goto(live_server + "/")
    page.locator("footer").get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(page.get_by_text("kept for 6 years after their apprenticeship ends")).to_be_visible()
    assert_accessible(page)
    assert console_errors == []
