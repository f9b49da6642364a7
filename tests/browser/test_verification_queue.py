"""The verification queue in Chromium: one entry verified or queried in place (the page stays where
it was, the counts change, the focus stays in the row), all on a page ticked and verified at once,
and the same without JavaScript, which comes back to the entry it left from."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from apprenticeships.extensions import db
from apprenticeships.models import ActivityType, Apprentice, LogEntry, VerificationStatus
from apprenticeships.text import hour_figure

from ..conftest import close_app, make_app
from ..helpers import served
from .conftest import assert_accessible
from .test_phones import PHONE
from .test_sign_in import sign_in


@dataclass(frozen=True)
class Waiting:
    """What the mentor's queue should say is waiting, worked out from the data (the demo's dates move)."""
    entries: int
    minutes: int

    def less(self, entries: int, minutes: int) -> Waiting:
        return Waiting(self.entries - entries, self.minutes - minutes)

    @property
    def line(self) -> str:
        return f"{self.entries} entries waiting for verification, {hour_figure(self.minutes / 60)} hours."

    @property
    def summary(self) -> str:
        return f"{self.entries} entries, {hour_figure(self.minutes / 60)} hours."


def waiting_for(app, *first_names: str) -> Waiting:
    with app.app_context():
        entries = db.session.scalars(sa.select(LogEntry).join(Apprentice).where(
            Apprentice.first_name.in_(first_names), LogEntry.status == VerificationStatus.PENDING)).all()
        return Waiting(len(entries), sum(e.minutes for e in entries))


MENTEES = ("Jordan", "Amara", "Liam", "Chloe")  # the demo mentor's


@pytest.fixture
def long_queue_app(databases, demo_database, tmp_path) -> Iterator[tuple[Flask, str]]:
    """The demo, served, with 30 more of Jordan Ellis's entries waiting: a queue longer than the screen."""
    app = make_app(databases, demo_database, tmp_path)
    with app.app_context():
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
        first = date.today() - timedelta(days=120)
        for n in range(30):
            db.session.add(LogEntry(apprentice=jordan, activity_date=first + timedelta(days=n),
                                    activity_type=ActivityType.STUDY_TIME, minutes=60,
                                    description=f"Read chapter {n + 1} of the testing book.",
                                    status=VerificationStatus.PENDING))
        db.session.commit()
    with served(app) as address:
        yield app, address
    close_app(app, databases)


@pytest.fixture
def long_queue(long_queue_app) -> str:
    return long_queue_app[1]


@pytest.fixture
def queued(long_queue_app) -> Waiting:
    """All the demo mentor's mentees have waiting in the long queue."""
    return waiting_for(long_queue_app[0], *MENTEES)


@pytest.fixture
def long_description(databases, demo_database, tmp_path) -> Iterator[tuple[str, int, int]]:
    """The demo, served, with an entry of Jordan Ellis's today whose description is 1,089 characters long:
    the address, Jordan's id and the entry's."""
    app = make_app(databases, demo_database, tmp_path)
    with app.app_context():
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
        words = ("Worked through the provider's module on testing web forms, writing notes on each "
                 "check and trying them against our own service. ") * 8
        entry = LogEntry(apprentice=jordan, activity_date=date.today(), activity_type=ActivityType.STUDY_TIME,
                         minutes=120, description=words[:1089].strip(), status=VerificationStatus.PENDING)
        db.session.add(entry)
        db.session.commit()
        ids = jordan.id, entry.id
    with served(app) as address:
        yield (address, *ids)
    close_app(app, databases)


def counts(page: Page) -> str:
    return page.locator("#queue-counts p").first.inner_text()


def test_verify_and_query_in_place_without_a_reload_or_a_jump(page: Page, long_queue, queued: Waiting,
                                                               console_errors):
    sign_in(page, long_queue, "mentor@example.org")
    page.goto(long_queue + "/verification")
    expect(page.locator("#queue-counts")).to_contain_text(queued.line)
    assert_accessible(page)
    expect(page.get_by_role("button", name=f"Verify all {queued.entries} on this page")).to_be_visible()

    row = page.locator("tbody tr").nth(25)
    row.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 500
    row_id = row.get_attribute("id")
    row.get_by_role("button", name=re.compile("^Verify")).click()
    settled = page.locator(f"#{row_id}")
    expect(settled).to_contain_text("Verified 1 hour of study time")
    expect(page.locator("#queue-counts")).to_contain_text(queued.less(1, 60).line)
    expect(page.locator("#queue-message")).to_have_text(re.compile(r"^\s*Verified 1 hour for Jordan Ellis\.\s*$"))
    assert abs(page.evaluate("window.scrollY") - scrolled) < 50  # no reload, no jump to the top
    assert page.evaluate("document.activeElement.closest('tr')?.id") == row_id  # the focus stays in the row
    page.keyboard.press("Tab")  # to its Undo, for a misclick
    expect(page.locator(f"#{row_id}").get_by_role("button", name=re.compile("^Undo verifying"))).to_be_focused()
    page.keyboard.press("Tab")  # and carries on to the next entry
    expect(page.locator(f"#{row_id} + tr input[name=entries]")).to_be_focused()
    expect(page.get_by_role("button", name=f"Verify all {queued.entries - 1} on this page")).to_be_visible()
    assert_accessible(page)

    nxt = page.locator(f"#{row_id} + tr")
    next_id = nxt.get_attribute("id")
    nxt.get_by_role("link", name=re.compile("^Query")).click()
    question = page.locator(f"#{next_id} textarea")
    expect(question).to_be_focused()
    assert_accessible(page)
    page.locator(f"#{next_id}").get_by_role("button", name=re.compile("^Send query")).click()
    expect(page.locator(f"#{next_id} .govuk-error-message")).to_contain_text("Enter what you need to know")
    question.fill("Which book is this?")
    page.locator(f"#{next_id}").get_by_role("button", name=re.compile("^Send query")).click()
    expect(page.locator(f"#{next_id}")).to_contain_text("Queried")
    expect(page.locator("#queue-counts")).to_contain_text(f"{queued.entries - 2} entries waiting for verification")
    expect(page.get_by_role("button", name=f"Verify all {queued.entries - 2} on this page")).to_be_visible()
    assert abs(page.evaluate("window.scrollY") - scrolled) < 400
    assert console_errors == []


def test_select_all_on_the_page_and_verify_them_in_one_go(page: Page, long_queue_app, console_errors):
    app, address = long_queue_app
    amaras = waiting_for(app, "Amara")
    assert amaras.entries > 1  # the demo's: more than one, so that one can be unticked
    sign_in(page, address, "mentor@example.org")
    page.goto(address + "/verification")
    page.get_by_text("Filter entries").click()  # folded away until asked for
    page.get_by_label("Apprentice").select_option(label="Amara Okoro")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#queue-counts")).to_contain_text(amaras.line)
    select_all = page.get_by_label("All entries on this page")
    expect(select_all).to_be_visible()
    assert_accessible(page)
    select_all.check()
    boxes = page.locator("tbody input[name=entries]")
    expect(boxes).to_have_count(amaras.entries)
    for n in range(amaras.entries):
        expect(boxes.nth(n)).to_be_checked()
    boxes.nth(1).uncheck()
    assert page.evaluate("document.getElementById('queue-select-all').indeterminate")
    select_all.check()
    page.get_by_role("button", name="Verify selected entries").click()
    expect(page.get_by_text(f"Verified {amaras.summary}")).to_be_visible()
    expect(page.locator("#queue-counts p").first).to_have_text(
        re.compile(r"^\s*No entries match these filters\. Clear filters\s*$"))
    expect(page.locator("#queue-filters-applied")).to_contain_text("Filtered by: Amara Okoro.")
    assert "apprentice=" in page.url  # the filter survived the action
    assert_accessible(page)
    assert console_errors == []


@pytest.mark.parametrize("javascript", [False])
def test_without_javascript_verify_comes_back_to_the_entry(browser: Browser, long_queue, queued: Waiting,
                                                           javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, long_queue, "mentor@example.org")
    page.goto(long_queue + "/verification?sort=newest")
    expect(page.locator("[data-queue-select-all]")).to_be_hidden()  # needs JavaScript
    row = page.locator("tbody tr").nth(30)
    row_id = row.get_attribute("id")
    row.get_by_role("button", name=re.compile("^Verify")).click()
    expect(page.locator(f"#{row_id}")).to_contain_text("Verified")
    assert page.url.endswith(f"#{row_id}") and "sort=newest" in page.url
    assert page.evaluate("window.scrollY") > 500  # at the entry, not the top of the page
    left = queued.less(1, 60)
    expect(page.locator("#queue-counts")).to_contain_text(f"{left.entries} entries waiting")
    page.get_by_role("button", name=f"Verify all {left.entries} on this page").click()
    expect(page.get_by_text(f"Verified {left.summary}")).to_be_visible()
    context.close()


@pytest.mark.parametrize("undo_from", ["banner", "row"])
def test_without_javascript_an_undo_comes_back_to_the_entry(browser: Browser, long_queue, undo_from):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, long_queue, "mentor@example.org")
    page.goto(long_queue + "/verification?sort=newest")
    row = page.locator("tbody tr").nth(30)
    row_id = row.get_attribute("id")
    row.get_by_role("button", name=re.compile("^Verify")).click()
    expect(page.locator(f"#{row_id}")).to_contain_text("Verified")
    where = page.locator("#queue-verified") if undo_from == "banner" else page.locator(f"#{row_id}")
    where.get_by_role("button", name=re.compile("^Undo")).click()
    # The same filters, at the entry (not the top of the list), waiting again and saying so.
    expect(page.locator(f"#{row_id}")).to_contain_text("is waiting for verification again")
    assert page.url.endswith(f"#{row_id}") and "sort=newest" in page.url
    assert page.evaluate("window.scrollY") > 500
    expect(page.locator(f"#{row_id}")).to_be_in_viewport()
    expect(page.locator(".govuk-notification-banner")).to_have_count(0)
    context.close()


def test_without_javascript_verify_selected_with_nothing_ticked_can_be_refreshed(browser: Browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "mentor@example.org")
    page.goto(live_server + "/verification?sort=newest")
    page.get_by_role("button", name="Verify selected entries").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the entries you want to verify")
    # Back at the queue's own address, with its filters: a refresh asks nothing again and the error has gone.
    assert "/verification/verify" not in page.url and "sort=newest" in page.url
    page.reload()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    context.close()


def test_a_mentees_latest_entries_are_cut_to_three_lines_with_a_button(page: Page, long_description,
                                                                       console_errors):
    address, jordan, entry_id = long_description
    sign_in(page, address, "mentor@example.org")
    for viewport in (PHONE, {"width": 1280, "height": 900}):
        page.set_viewport_size(viewport)
        page.goto(address + f"/apprentices/{jordan}")
        what = page.locator(f"#what-{entry_id}")
        button = page.locator(f"[aria-controls=what-{entry_id}]")
        expect(button).to_have_text(re.compile("^Show all"))
        lines = what.evaluate("e => e.clientHeight / parseFloat(getComputedStyle(e).lineHeight)")
        assert round(lines) == 3, lines
        button.click()
        expect(button).to_have_attribute("aria-expanded", "true")
        assert what.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
        # A short description is not cut and has no button.
        for other in page.locator("[data-clamp] .app-clamp").all():
            if other.get_attribute("id") != f"what-{entry_id}":
                if other.evaluate("e => e.scrollHeight <= e.clientHeight + 1"):
                    expect(page.locator(f"[aria-controls={other.get_attribute('id')}]")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert_accessible(page)
    assert console_errors == []


def _within_the_screen(page: Page, locator) -> bool:
    """Wholly within the phone's screen as it is now scrolled: no scrolling, sideways or down, to see it."""
    box = locator.bounding_box()
    return (box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"])


def test_on_a_phone_each_entry_is_a_block_with_its_buttons_in_view(page: Page, long_queue, console_errors):
    page.set_viewport_size(PHONE)
    sign_in(page, long_queue, "mentor@example.org")
    page.goto(long_queue + "/verification")
    first = page.locator("tbody tr").first
    # The filters are folded away: the first entry, its box and its Verify button, on the first screen.
    for part in (first.get_by_role("button", name=re.compile("^Verify")), first.locator("input[name=entries]"),
                 first.get_by_role("link", name=re.compile("^Query"))):
        assert _within_the_screen(page, part)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    region = page.locator(".app-table-scroll")
    assert region.evaluate("element => element.scrollWidth <= element.clientWidth")  # nothing to scroll sideways
    assert_accessible(page)

    # A query opened in its row: its box the screen's width, its Send button in view; Cancel gives the focus back.
    row_id = first.get_attribute("id")
    first.get_by_role("link", name=re.compile("^Query")).click()
    question = page.locator(f"#{row_id} textarea")
    expect(question).to_be_focused()
    assert question.bounding_box()["width"] > PHONE["width"] - 60
    send = page.locator(f"#{row_id}").get_by_role("button", name=re.compile("^Send query")).bounding_box()
    assert send["x"] >= 0 and send["x"] + send["width"] <= PHONE["width"]  # not off the side of the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    page.locator(f"#{row_id}").get_by_role("link", name=re.compile("^Cancel")).click()
    expect(page.locator(f"#{row_id}").get_by_role("link", name=re.compile("^Query"))).to_be_focused()

    # "Verify selected entries" with nothing ticked: the error by the button, the page where it was.
    button = page.get_by_role("button", name="Verify selected entries")
    button.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    button.click()
    expect(page.locator("#queue-bulk-error")).to_have_text(re.compile(r"Select the entries you want to verify"))
    assert abs(page.evaluate("window.scrollY") - scrolled) < 50 and "/verification/verify" not in page.url
    first.locator("input[name=entries]").check()
    expect(page.locator("#queue-bulk-error")).to_be_hidden()
    assert console_errors == []


def test_on_a_phone_each_entry_is_a_compact_card_and_what_they_did_opens_in_full(page: Page, long_description,
                                                                                 console_errors):
    live_server = long_description[0]  # the demo, and a description of 1,089 characters
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "mentor@example.org")
    page.goto(live_server + "/verification")
    cards = page.locator("tbody tr")
    for n in range(cards.count()):
        card = cards.nth(n)
        # Who, when and how long on the card's first line, beside its box; the date's month cut short.
        box, name = card.locator(".govuk-checkboxes__input"), card.locator("[data-label=Apprentice] a")
        date, hours = card.locator("[data-label=Date]"), card.locator("[data-label=Hours]")
        tops = [part.bounding_box()["y"] for part in (name, date, hours)]
        assert max(tops) - min(tops) < 12, (n, tops)
        assert box.bounding_box()["y"] < name.bounding_box()["y"] + name.bounding_box()["height"]
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", date.locator(".app-date--short").inner_text().strip())
        assert date.locator(".app-date--long").bounding_box()["width"] <= 1  # read out, not shown
        assert hours.evaluate("cell => getComputedStyle(cell, '::after').content") in ('" hours"', '" hour"')
        # Its buttons side by side, and the whole card well under half the screen.
        verify = card.get_by_role("button", name=re.compile("^Verify"))
        query = card.get_by_role("link", name=re.compile("^Query"))
        if verify.count() and query.count():
            assert abs(verify.bounding_box()["y"] - query.bounding_box()["y"]) < 30
        assert card.bounding_box()["height"] < 230, (n, card.bounding_box()["height"])
    # A description longer than three lines is cut, with a button that shows it all and hides it again.
    more = page.get_by_role("button", name="Show all of what they did")
    assert more.count() > 0
    controls = more.first.get_attribute("aria-controls")
    button = page.locator(f"[aria-controls={controls}]")  # the same button, whatever it says
    what = page.locator(f"#{controls}")
    cut = what.bounding_box()["height"]
    assert what.evaluate("element => element.scrollHeight > element.clientHeight")
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(button).to_have_text(re.compile("^Show less"))
    assert what.bounding_box()["height"] > cut and what.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    button.click()
    expect(button).to_have_text(re.compile("^Show all"))
    assert abs(what.bounding_box()["height"] - cut) < 2
    # Descriptions that fit have no button.
    for n in range(cards.count()):
        text = cards.nth(n).locator(".app-clamp")
        if text.count() and text.evaluate("e => e.scrollHeight <= e.clientHeight + 1"):
            expect(cards.nth(n).locator(".app-clamp-more")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    # At a desktop's width nothing is cut and nothing offers to show more.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator(".app-clamp-more:visible")).to_have_count(0)
    assert page.locator(".app-clamp").first.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    assert console_errors == []


@pytest.mark.parametrize("javascript", [False])
def test_on_a_phone_without_javascript_each_card_shows_what_they_did_in_full(browser: Browser, live_server,
                                                                            javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE)
    try:
        page = context.new_page()
        sign_in(page, live_server, "mentor@example.org")
        page.goto(live_server + "/verification")
        expect(page.locator(".app-clamp-more")).to_have_count(0)
        for what in page.locator(".app-clamp").all():
            assert what.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_on_a_phone_without_javascript_a_verified_entry_shows_in_full_where_the_page_lands(browser: Browser,
                                                                                         long_queue):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        sign_in(page, long_queue, "mentor@example.org")
        page.goto(long_queue + "/verification")
        row = page.locator("tbody tr").nth(20)
        row_id = row.get_attribute("id")
        row.get_by_role("button", name=re.compile("^Verify")).click()
        settled = page.locator(f"#{row_id}")
        expect(settled).to_contain_text("Verified 1 hour of study time")
        assert page.url.endswith(f"#{row_id}") and page.evaluate("window.scrollY") > 500
        assert _within_the_screen(page, settled)  # the whole row, its message included
        assert _within_the_screen(page, settled.locator(".govuk-tag"))
        assert _within_the_screen(page, settled.get_by_role("button", name=re.compile("^Undo")))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # At the top of the page the same is said, with the same way to undo it.
        banner = page.locator("#queue-verified")
        expect(banner).to_contain_text("Verified 1 hour for Jordan Ellis.")
        banner.get_by_role("button", name=re.compile("^Undo this verification")).click()
        # Back at the entry, waiting again, with the message in its row, all in view.
        expect(page.locator(f"#{row_id}")).to_contain_text(
            "Verification undone: 1 hour for Jordan Ellis is waiting for verification again.")
        expect(page.locator(f"#{row_id} input[name=entries]")).to_be_visible()
        assert page.url.endswith(f"#{row_id}") and _within_the_screen(page, page.locator(f"#{row_id}"))

        # Without JavaScript, nothing ticked: the queue again with the error at its top, linked to the first box.
        page.get_by_role("button", name="Verify selected entries").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("Select the entries you want to verify")
        summary.get_by_role("link", name="Select the entries you want to verify").click()
        expect(page.locator("tbody input[name=entries]").first).to_be_focused()
    finally:
        context.close()


def test_the_queue_fits_a_phone_with_a_query_open(page: Page, long_queue, console_errors):
    page.set_viewport_size(PHONE)
    sign_in(page, long_queue, "coordinator@example.org")
    page.goto(long_queue + "/verification")
    page.locator("tbody tr").first.get_by_role("link", name=re.compile("^Query")).click()
    expect(page.locator("tbody textarea")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    assert console_errors == []


def test_a_date_filter_error_shows_no_entries_and_nothing_to_verify(page: Page, live_server, console_errors):
    sign_in(page, live_server, "mentor@example.org")
    page.goto(live_server + "/verification?date_from=31&date_from=2&date_from=2026&date_to=1&date_to=1&date_to=2026")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The ‘from’ date must be a real date")
    expect(page.get_by_label("Day").first).to_be_visible()  # the filters open, with the error by its field
    expect(page.locator("tbody tr")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Verify"))).to_have_count(0)
    assert_accessible(page)
    assert console_errors == []


def test_a_misclick_is_undone_in_place_and_the_entry_waits_again(page: Page, long_queue, queued: Waiting,
                                                                  console_errors):
    sign_in(page, long_queue, "mentor@example.org")
    page.goto(long_queue + "/verification")
    row = page.locator("tbody tr").nth(10)
    row.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    row_id = row.get_attribute("id")
    row.get_by_role("button", name=re.compile("^Verify")).click()
    expect(page.locator("#queue-counts")).to_contain_text(f"{queued.entries - 1} entries waiting for verification")
    assert_accessible(page)
    page.locator(f"#{row_id}").get_by_role("button", name=re.compile("^Undo verifying")).click()
    expect(page.locator("#queue-message")).to_contain_text("Verification undone: 1 hour for Jordan Ellis")
    expect(page.locator("#queue-counts")).to_contain_text(queued.line)
    expect(page.locator(f"#{row_id}").get_by_role("button", name=re.compile("^Verify"))).to_be_focused()
    expect(page.get_by_role("button", name=f"Verify all {queued.entries} on this page")).to_be_visible()
    assert abs(page.evaluate("window.scrollY") - scrolled) < 50
    assert console_errors == []


@pytest.mark.parametrize("width", [PHONE["width"], 1280])
def test_the_bulk_buttons_stay_in_reach_along_a_long_list(page: Page, long_queue, console_errors, width):
    page.set_viewport_size({"width": width, "height": PHONE["height"]})
    sign_in(page, long_queue, "mentor@example.org")
    page.goto(long_queue + "/verification")
    bar = page.locator("#queue-bulk [data-queue-bulk]")
    height = page.viewport_size["height"]
    for n in (0, 15, 30):  # the top, the middle and the end of the list: the bar at the bottom of the screen
        page.locator("tbody tr").nth(n).scroll_into_view_if_needed()
        box = bar.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height + 1, (n, box)
    assert bar.bounding_box()["height"] < height / 4  # a strip, not a wall over the entries
    # Ticked far down the list, verified without scrolling to the end.
    row = page.locator("tbody tr").nth(20)
    row.locator("input[name=entries]").check()
    page.get_by_role("button", name="Verify selected entries").click()
    expect(page.locator("#queue-verified")).to_contain_text("Verified 1 entry, 1 hour.")
    # Moving along with the keyboard, the focused control is never under the bar.
    page.goto(long_queue + "/verification")
    page.locator("tbody tr").first.locator("input[name=entries]").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate("(() => { const e = document.activeElement, r = e.getBoundingClientRect(); "
                                "return [r.top, r.bottom, e.closest('#queue-bulk') !== null]; })()")
        if not focused[2]:
            assert focused[1] <= bar.bounding_box()["y"] + 1, focused
    # Above the list (the filters), the bar is not over anything: it is with the list.
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_text("Filter entries").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page)
    assert console_errors == []


def test_verifying_all_on_a_page_can_be_undone_without_javascript(browser: Browser, long_queue, queued: Waiting):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        sign_in(page, long_queue, "mentor@example.org")
        page.goto(long_queue + "/verification")
        page.get_by_role("button", name=f"Verify all {queued.entries} on this page").click()
        banner = page.locator("#queue-verified")
        expect(banner).to_contain_text(f"Verified {queued.summary}")
        assert _within_the_screen(page, banner.get_by_role("button", name=re.compile("^Undo")))
        banner.get_by_role("button", name=f"Undo: put these {queued.entries} entries back to waiting").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            f"Verification undone: {queued.entries} entries are waiting for verification again.")
        expect(page.locator("#queue-counts")).to_contain_text(queued.line)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_a_mentees_whole_log_and_an_entrys_history_fit_a_phone(page: Page, long_queue, console_errors):
    page.set_viewport_size(PHONE)
    sign_in(page, long_queue, "mentor@example.org")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # the mentees stack
    assert_accessible(page)
    page.get_by_role("link", name="Jordan Ellis").first.click()
    page.get_by_role("link", name=re.compile("^See all of Jordan")).click()
    expect(page.locator("h1")).to_have_text("Jordan Ellis’s log entries")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    page.locator("tbody tr").first.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Log entry history")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Waiting")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    page.get_by_role("link", name="Back to Jordan Ellis").click()
    assert page.url.endswith("#entries")
    assert console_errors == []


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE])
def test_an_open_query_is_never_under_the_bulk_bar_and_an_empty_one_is_refused_cleanly(page: Page, long_queue,
                                                                                   console_errors, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, long_queue, "mentor@example.org")
    page.goto(long_queue + "/verification")
    row = page.locator("tbody tr").nth(3)
    row_id = row.get_attribute("id")
    row.get_by_role("link", name=re.compile("^Query")).click()
    opened = page.locator(f"#{row_id}")
    expect(opened.locator("textarea")).to_be_focused()
    bar = page.locator("#queue-bulk [data-queue-bulk]")

    def clear_of_the_bar(locator) -> bool:
        box, covering = locator.bounding_box(), bar.bounding_box()
        return box["y"] + box["height"] <= covering["y"] + 1 or box["y"] >= covering["y"] + covering["height"]

    send = opened.get_by_role("button", name=re.compile("^Send query"))
    for control in (opened.locator("textarea"), send):
        control.scroll_into_view_if_needed()
        assert clear_of_the_bar(control)
    # The box made taller by hand (the browser gives it a style attribute), then sent empty: the error by
    # the box, in place, and the browser reports nothing (htmx copies no inline style, which the CSP blocks).
    box = opened.locator("textarea").bounding_box()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] + 40, steps=4)
    page.mouse.up()
    assert opened.locator("textarea").get_attribute("style")
    send.scroll_into_view_if_needed()
    send.click()
    expect(opened.locator(".govuk-error-message")).to_have_text("Error: Enter what you need to know")
    expect(opened.locator("textarea")).to_be_focused()
    assert clear_of_the_bar(opened.locator("textarea")) and clear_of_the_bar(send)
    opened.locator("textarea").fill("Which course was this?")
    send.click()
    expect(page.locator(f"#{row_id}")).to_contain_text("Your question has gone to Jordan")
    # The query sent, the bar sticks to the bottom of the screen again.
    page.locator("tbody tr").nth(15).scroll_into_view_if_needed()
    covering = bar.bounding_box()
    assert covering["y"] + covering["height"] <= viewport["height"] + 1
    assert_accessible(page)
    assert console_errors == []


def test_when_the_last_entry_is_verified_in_place_the_table_still_reads_right(page: Page, long_queue_app,
                                                                             console_errors):
    app, address = long_queue_app
    amaras = waiting_for(app, "Amara")
    sign_in(page, address, "mentor@example.org")
    page.goto(address + "/verification")
    page.get_by_text("Filter entries").click()
    page.get_by_label("Apprentice").select_option(label="Amara Okoro")
    page.get_by_role("button", name="Apply filters").click()
    for n in range(amaras.entries):
        page.locator("tbody tr").nth(n).get_by_role("button", name=re.compile("^Verify")).click()
        expect(page.locator("tbody tr").nth(n)).to_contain_text("Verified")
    expect(page.locator("#queue-select-all")).to_be_hidden()  # nothing left to tick
    expect(page.locator("[data-queue-without-js]")).to_be_attached()
    assert page.locator("[data-queue-without-js]").evaluate("e => !e.hidden")  # the column's heading is "Select"
    assert_accessible(page)
    assert console_errors == []
