"""The Notifications page and the count in the header, on a phone 375 px wide, with axe."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .test_phones import PHONE, _widest
from .test_sign_in import sign_in


def test_a_query_reaches_the_apprentice_in_the_header_and_the_list_and_is_marked_done(
        page: Page, live_server, console_errors):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "mentor@example.org")
    page.goto(live_server + "/verification?apprentice=1")  # apprentice@example.org's entries
    row = page.locator("tbody tr").first
    row_id = row.get_attribute("id")
    row.get_by_role("link", name=re.compile("^Query")).click()
    page.locator(f"#{row_id} textarea").fill("Which course was this?")
    page.locator(f"#{row_id}").get_by_role("button", name=re.compile("^Send query")).click()
    expect(page.locator(f"#{row_id}")).to_contain_text("Queried")
    page.context.clear_cookies()  # signed out (on a phone the button is behind the Menu)

    sign_in(page, live_server, "apprentice@example.org")
    header = page.locator("#header-notifications")
    # On a phone the navigation folds behind its button, which shows the count: the query, and the
    # demo's review waiting for their signature (with the daily job's reminder of it, after a week).
    menu = page.get_by_role("button", name=re.compile(r"^Menu \(\d+ new\)$"))
    waiting = int(re.search(r"\d+", menu.inner_text()).group())
    assert waiting >= 2
    menu.click()
    expect(header).to_have_text(f"Notifications {waiting} need you")
    header.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.locator("#notifications .govuk-tag--blue")).to_have_count(waiting)  # each "New"
    query = page.locator("#notifications li").first  # the newest
    expect(query.get_by_role("link")).to_have_text(
        re.compile(r"Answer the query so it can be verified\.$"))  # a sentence, as in the email
    # The query and the review still need them: neither can be marked done, each says what ends it.
    expect(query).to_contain_text("It goes once you have answered the query.")
    expect(page.locator("#notifications").get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark everything as done")).to_have_count(0)
    assert_accessible(page)
    assert _widest(page) <= PHONE["width"]
    entry = query.get_by_role("link").get_attribute("href").rpartition("#entry-")[2]
    query.get_by_role("link").click()  # to the entry in their log, where they answer it
    page.locator(f"#response-{entry}").fill("The provider's testing module.")
    page.locator(f"#answer-{entry}").get_by_role("button", name="Send answer").click()
    expect(page.get_by_text("Answer sent.")).to_be_visible()
    page.goto(live_server + "/notifications")
    expect(page.locator("#notifications li").first.locator(".govuk-tag")).to_have_text("Done")  # answering ended it
    expect(header).to_have_text(f"Notifications {waiting - 1} need you", use_inner_text=True)
    page.get_by_role("link", name="Change how often we email you").click()
    page.get_by_label("Once a day, in one email listing everything").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your email choice has been saved.")).to_be_visible()
    assert_accessible(page)
    assert console_errors == []
