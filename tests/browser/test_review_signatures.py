"""The programme asks mentors to sign reviews: a mentor records one booked for after it is due,
and the pages that show the due date and the four signatures pass an axe scan."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .test_apprentices import fill_date
from .test_placements import sign_out
from .test_sign_in import sign_in


def test_a_mentor_records_a_review_booked_late_and_signs_it_as_the_fourth_party(page: Page, live_server,
                                                                                 console_errors):
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/settings")
    assert_accessible(page)
    page.get_by_role("group", name="Do mentors sign progress reviews?").get_by_label("Yes").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Settings saved.")
    sign_out(page)

    sign_in(page, live_server, "mentor@example.org")
    page.get_by_role("link", name="Jordan Ellis").first.click()
    page.get_by_role("link", name="Record this review").click()
    expect(page.get_by_role("group", name="Next review date (optional)")).to_contain_text(
        "Leave it empty to book it for the day it is due: 12 weeks after the date held")
    assert_accessible(page)
    fill_date(page, "Date held", date.today())
    page.get_by_label("Who attended").fill("Jordan, Priya, Alex")
    page.get_by_label("Green").check()
    page.get_by_label("Progress against the training plan").fill("On track.")
    late = date.today() + timedelta(weeks=14)
    fill_date(page, "Next review date (optional)", late)
    page.get_by_role("button", name="Save review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "the apprentice, the employer, the coordinator and the mentor")
    expect(page.get_by_text("0 of 4 signed.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to Jordan Ellis").click()
    expect(page.locator("#next-review")).to_contain_text(f"{late.day} {late:%B %Y}, after it is due")
    expect(page.locator("#next-review")).to_contain_text("Scheduled late")
    assert_accessible(page)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home").first.click()
    waiting = page.locator("ul", has_text="0 of 4 signed")
    expect(waiting).to_contain_text("Jordan Ellis")
    assert_accessible(page)
    waiting.get_by_role("link", name="Jordan Ellis").click()
    page.get_by_label("Your comments (optional)").fill("Agreed.")
    page.get_by_role("button", name="Sign off the review").click()
    expect(page.get_by_text("1 of 4 signed.")).to_be_visible()
    assert console_errors == []


def test_a_new_calendar_link_is_asked_for_first(page: Page, live_server, console_errors):
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/reviews/calendar")
    page.get_by_role("button", name="Make my calendar link").click()
    first = page.get_by_label("Your calendar link").input_value()
    page.goto(live_server + "/reviews/calendar")
    page.get_by_role("button", name="Make a new calendar link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a new calendar link?")
    expect(page.get_by_text("Your old link will stop working: any calendar that subscribed to it will stop "
                            "updating.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="No, keep my link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews in your calendar")
    page.get_by_role("button", name="Make a new calendar link").click()
    page.get_by_role("button", name="Yes, make a new link").click()
    second = page.get_by_label("Your calendar link").input_value()
    assert second != first and "/calendar/" in second
    assert page.request.get(first).status == 404 and page.request.get(second).status == 200
    assert console_errors == []


def test_the_coordinator_is_told_why_they_sign_for_the_employer(page: Page, live_server, console_errors):
    sign_in(page, live_server, "coordinator@example.org")
    page.get_by_role("link", name="Liam Walsh").first.click()  # among those at risk on the dashboard
    page.get_by_role("link", name="Record this review").click()
    fill_date(page, "Date held", date.today())
    page.get_by_label("Who attended").fill("Liam, Alex")
    page.get_by_label("Green").check()
    page.get_by_label("Progress against the training plan").fill("On track.")
    page.get_by_role("button", name="Save review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Liam had no host employer at the time of this review, so you sign for the employer as well.")
    expect(page.locator("#no-host-employer")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign off the review").click()
    expect(page.get_by_role("heading", name="Sign off this review as the employer")).to_be_visible()
    expect(page.locator("#no-host-employer")).to_contain_text("so you sign for the employer as well")
    assert console_errors == []
