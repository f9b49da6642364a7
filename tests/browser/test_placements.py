"""An employer posts a placement, the coordinator publishes it and proposes the demo apprentice,
the employer accepts, and the apprentice sees it on their home page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import assert_accessible
from .test_apprentices import fill_date
from .test_sign_in import sign_in

TITLE = "Parcel tracking app"


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def post_placement(page: Page, base: str, *, check_accessibility: bool) -> None:
    sign_in(page, base, "employer@example.org")
    page.get_by_role("button", name="Post a placement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post a placement")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a title for the placement")
    if check_accessibility:
        assert_accessible(page)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("What the apprentice will do").fill("Build the screens drivers use to scan parcels.")
    page.get_by_label("Software developer (level 4)").check()
    page.get_by_label("Hybrid").check()
    page.get_by_label("Hours a week").fill("30")
    start = date.today() + timedelta(weeks=20)  # after the demo apprentice's current placement ends
    fill_date(page, "Start date", start)
    fill_date(page, "End date", start + timedelta(weeks=12))
    page.get_by_label("Number of places").fill("1")
    page.get_by_label("Host supervisor (optional)").select_option(label="Sam Okafor")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text(f"{TITLE} has been submitted for approval.")).to_be_visible()


def test_post_publish_propose_accept_and_the_apprentice_sees_it(page: Page, live_server, console_errors):
    post_placement(page, live_server, check_accessibility=True)
    assert_accessible(page)
    sign_out(page)

    sign_in(page, live_server, "coordinator@example.org")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Placements").click()
    page.get_by_role("link", name=TITLE).first.click()
    assert_accessible(page)
    page.get_by_label("Publish it").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text(f"{TITLE} is published.")).to_be_visible()
    page.wait_for_load_state()
    candidates = page.locator("#candidates")
    expect(candidates).to_contain_text("Jordan Ellis")
    expect(candidates).to_contain_text("On a standard it suits: Software developer (level 4)")
    page.get_by_label("Service area").select_option(label="Data")  # htmx narrows the list
    expect(candidates).to_contain_text("0 apprentices found")
    page.get_by_label("Service area").select_option(label="Software development")
    expect(candidates).to_contain_text("Jordan Ellis")
    assert_accessible(page)
    page.get_by_role("button", name="Propose Jordan Ellis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose Jordan Ellis")
    assert_accessible(page)
    page.get_by_label("Note to the employer (optional)").fill("Jordan has built two scanning apps already.")
    page.get_by_role("button", name="Propose Jordan Ellis").click()
    expect(page.get_by_text("Jordan Ellis proposed to Kestrel Logistics Ltd.")).to_be_visible()
    expect(page.locator("#candidates")).to_contain_text("All places are taken.")
    sign_out(page)

    sign_in(page, live_server, "employer@example.org")
    page.get_by_role("link", name=f"Jordan Ellis for {TITLE}").click()
    assert_accessible(page)
    expect(page.get_by_text("Jordan has built two scanning apps already.")).to_be_visible()
    page.get_by_label("Yes, accept").check()
    page.get_by_role("button", name="Send answer").click()
    start = date.today() + timedelta(weeks=20)  # as posted
    expect(page.get_by_text(f"You accepted Jordan Ellis. The coordinator has been told; Jordan starts on "
                            f"{start.day} {start:%B %Y}.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kestrel Logistics Ltd")  # home, with any others
    sign_out(page)

    sign_in(page, live_server, "apprentice@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your apprenticeship")
    expect(page.get_by_text(f"{TITLE} at Kestrel Logistics Ltd")).to_be_visible()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Placements").click()
    assert_accessible(page)
    assert console_errors == []


@pytest.mark.parametrize("javascript", [False])
def test_posting_a_placement_works_without_javascript(browser: Browser, live_server, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    post_placement(page, live_server, check_accessibility=False)
    expect(page.get_by_text("Submitted", exact=True)).to_be_visible()
    context.close()


PHONE = {"width": 375, "height": 740}


def _fits_a_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_a_reserve_waits_for_a_withdrawn_proposal_then_the_employer_decides_from_its_page(
        page: Page, live_server, console_errors):
    warehouse = "Warehouse systems developer"  # both its places held: Jordan Ellis on it, Yusuf Ali proposed
    sign_in(page, live_server, "coordinator@example.org")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Placements").click()
    page.get_by_role("link", name=warehouse).first.click()
    page.wait_for_load_state()
    expect(page.locator("#candidates")).to_contain_text(
        "All places are taken. You can still propose apprentices as reserves")
    page.get_by_label("Standard").select_option(label="Any standard")  # htmx widens the list
    page.get_by_role("button", name="Propose as a reserve Ethan Clarke").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose Ethan Clarke as a reserve")
    assert_accessible(page)
    page.get_by_label("Note to the employer (optional)").fill("Ethan would like to try software work.")
    page.get_by_role("button", name="Propose as a reserve").click()
    expect(page.get_by_text("Ethan Clarke proposed to Kestrel Logistics Ltd as a reserve.")).to_be_visible()
    expect(page.get_by_role("row", name="Ethan Clarke")).to_contain_text("Proposed as a reserve")

    # Yusuf Ali's proposal is withdrawn: asked first, with a way back.
    page.get_by_role("link", name="Withdraw the proposal of Yusuf Ali").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to withdraw the proposal of Yusuf Ali?")
    assert_accessible(page)
    page.get_by_role("link", name="No, keep the proposal").click()
    expect(page.get_by_role("row", name="Yusuf Ali")).to_contain_text("Proposed")
    page.get_by_role("link", name="Withdraw the proposal of Yusuf Ali").click()
    page.get_by_role("button", name="Yes, withdraw it").click()
    expect(page.get_by_text("The proposal of Yusuf Ali was withdrawn.")).to_be_visible()
    expect(page.get_by_text("2 places: 1 taken, 1 free.")).to_be_visible()

    # The closing date and places can still change; the page is checked as everyone's are.
    page.get_by_role("link", name="Change the details, closing date or number of places").click()
    assert_accessible(page)
    page.get_by_label("Number of places").fill("1")  # Jordan Ellis holds one: no fewer
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text(f"Your changes to {warehouse} have been saved.")).to_be_visible()
    expect(page.get_by_text("1 place: 1 taken, none free.")).to_be_visible()
    sign_out(page)

    # The employer, on a phone: the reserve is labelled, and they decide from its page.
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "employer@example.org")
    expect(page.get_by_text("Yusuf Ali")).to_have_count(0)
    expect(page.get_by_role("row", name="Ethan Clarke")).to_contain_text("Reserve")
    page.get_by_role("link", name=f"Decline Ethan Clarke for {warehouse}").click()  # no place is free for a reserve
    expect(page.get_by_role("heading", level=1)).to_have_text("Will you take Ethan Clarke?")
    expect(page.locator("#reserve")).to_contain_text("Reserve")
    expect(page.get_by_text("Ethan would like to try software work.")).to_be_visible()
    # The coordinator made it one place, and it is taken: accepting is not offered yet.
    expect(page.get_by_text("All places are taken: you can accept Ethan Clarke when a place is free.")).to_be_visible()
    expect(page.get_by_label("Yes, accept")).to_have_count(0)
    assert_accessible(page)
    _fits_a_phone(page)
    page.get_by_label("Reason for declining").fill("We need someone with Java for this one.")
    page.get_by_role("button", name="Decline Ethan Clarke").click()
    expect(page.get_by_text("You declined Ethan Clarke. The coordinator has been told.")).to_be_visible()

    # The placement, as the employer sees it: how to change it, and who changed it last.
    page.get_by_role("link", name=warehouse).first.click()
    expect(page.locator("#how-to-change")).to_have_text(
        "To change anything else about a published placement, contact your programme coordinator.")
    expect(page.get_by_role("link", name="Change the closing date or number of places")).to_be_visible()
    expect(page.locator("#amended")).to_contain_text("Last changed by the programme coordinator on")
    expect(page.locator("#placement-status .govuk-tag")).to_have_text("Applications closed")  # the demo's closed
    assert_accessible(page)
    _fits_a_phone(page)

    page.goto(live_server + "/employer")  # on a phone the menu is folded away
    page.get_by_role("link", name="Reviews of the apprentices with you").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews of the apprentices with you")
    expect(page.locator(".govuk-summary-card").first).to_contain_text("Jordan Ellis, held")
    assert_accessible(page)
    _fits_a_phone(page)
    assert console_errors == []
