"""The apprentice's home in Chromium: on a phone the form to log learning is on the first screen (after
what waits for their answer), and an entry added there shows in the log further down; agreed actions
are marked done (and not done again) in place with JavaScript, and without it the page comes back at
the action."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from apprenticeships.extensions import db
from apprenticeships.models import LogEntry, ProgressReview, ReviewAction, User, VerificationStatus
from apprenticeships.services import logbook

from ..conftest import close_app, make_app
from ..helpers import DEMO_EMAILS, lookup, served
from .conftest import assert_accessible
from .test_phones import PHONE
from .test_sign_in import sign_in


def test_on_a_phone_the_form_to_log_learning_is_on_the_first_screen(page: Page, live_server, console_errors):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "apprentice@example.org")
    heading = page.get_by_role("heading", name="Log your learning")
    expect(heading).to_be_in_viewport()
    day = page.locator("#activity_date-day")
    assert day.bounding_box()["y"] + day.bounding_box()["height"] <= PHONE["height"]  # its first field too
    # Below it, in this order: the hours, the reviews, the log (each reached from the line at the top).
    tops = [page.locator(f"#{part}").bounding_box()["y"] for part in ("logbook", "progress", "past-reviews",
                                                                       "log-list")]
    assert tops == sorted(tops)
    page.get_by_role("link", name="your log").click()
    expect(page.locator("#your-log")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)

    # Logged from there: the message by the form, the entry in the log far below it.
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#activity_type").select_option("study_time")
    page.locator("#minutes").fill("1.25")
    page.locator("#description").fill("Read the chapter on query plans.")
    page.get_by_role("button", name="Add entry").click()
    banner = page.locator("#logbook .govuk-notification-banner--success")
    expect(banner).to_contain_text("Added 1.25 hours on")
    expect(banner).to_be_in_viewport()
    expect(page.locator("#log-list #log-entries")).to_contain_text("Read the chapter on query plans.")
    expect(page.locator("#log-list")).to_have_count(1)  # replaced, not added a second time
    assert_accessible(page)
    assert console_errors == []


@pytest.fixture
def served_app(databases, demo_database, tmp_path) -> Iterator[tuple[Flask, str]]:
    """The demo, served, with the app at hand to change its data: (app, address)."""
    app = make_app(databases, demo_database, tmp_path)
    with served(app) as address:
        yield app, address
    close_app(app, databases)


def _add_action(app) -> tuple[int, int]:
    with app.app_context():
        apprentice = db.session.scalar(sa.select(User.apprentice_id).where(User.email == DEMO_EMAILS["apprentice"]))
        review = db.session.scalars(sa.select(ProgressReview).where(
            ProgressReview.apprentice_id == apprentice, ProgressReview.held_date.is_not(None))
            .order_by(ProgressReview.held_date.desc())).first()
        review.actions.append(ReviewAction(description="Book the end-point assessment", owner="Jordan",
                                           due_date=date.today() + timedelta(days=7)))
        db.session.commit()
        return review.id, review.actions[-1].id


def test_an_action_is_marked_done_in_place_and_the_focus_stays_on_it(page: Page, served_app, console_errors):
    app, base = served_app
    review_id, action_id = _add_action(app)
    page.set_viewport_size(PHONE)
    sign_in(page, base, "apprentice@example.org")
    item = page.locator(f"#action-{action_id}")
    item.scroll_into_view_if_needed()
    scrolled, url = page.evaluate("window.scrollY"), page.url
    item.get_by_role("button", name=re.compile(r"^Mark as done ?: Book the end-point assessment$")).click()
    undo = page.locator(f"#action-{action_id}").get_by_role(
        "button", name=re.compile(r"^Mark as not done ?: Book the end-point assessment$"))
    expect(undo).to_be_focused()
    expect(page.locator(f"#action-{action_id}")).to_contain_text(f"done {date.today().day} ")
    assert page.url == url and abs(page.evaluate("window.scrollY") - scrolled) < 50  # no reload, no jump
    assert lookup(app, sa.select(ReviewAction.completed_on).where(ReviewAction.id == action_id)) == date.today()
    assert_accessible(page)
    undo.click()
    expect(page.locator(f"#action-{action_id}").get_by_role("button", name=re.compile("^Mark as done"))).to_be_focused()
    assert lookup(app, sa.select(ReviewAction.completed_on).where(ReviewAction.id == action_id)) is None

    # The same on the review's own page, as the apprentice's mentor.
    page.context.clear_cookies()
    sign_in(page, base, "mentor@example.org")
    page.goto(f"{base}/reviews/{review_id}")
    page.locator(f"#action-{action_id}").get_by_role("button", name=re.compile("^Mark as done")).click()
    expect(page.locator(f"#action-{action_id}").get_by_role("button", name=re.compile("^Mark as not done"))) \
        .to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert console_errors == []


@pytest.mark.parametrize("javascript", [False])
def test_without_javascript_marking_an_action_comes_back_to_it(browser: Browser, served_app, javascript):
    app, base = served_app
    _, action_id = _add_action(app)
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE)
    try:
        page = context.new_page()
        sign_in(page, base, "apprentice@example.org")
        page.locator(f"#action-{action_id}").get_by_role("button", name=re.compile("^Mark as done")).click()
        page.wait_for_url(f"**/apprentice#action-{action_id}")
        item = page.locator(f"#action-{action_id}")
        expect(item).to_be_in_viewport()
        expect(item).to_contain_text(f"done {date.today().day} ")
        expect(item.get_by_role("button", name=re.compile("^Mark as not done"))).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_with_three_things_waiting_logging_is_one_tap_from_the_first_screen_of_a_small_phone(
        page: Page, served_app, console_errors):
    """A 375 x 667 phone, two entries queried and a review to sign: the form is below the first screen,
    and the line at the top leads to it."""
    app, base = served_app
    with app.app_context():
        mentor = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS["mentor"]))
        apprentice = db.session.scalar(sa.select(User.apprentice_id).where(User.email == DEMO_EMAILS["apprentice"]))
        for entry in db.session.scalars(sa.select(LogEntry).where(
                LogEntry.apprentice_id == apprentice, LogEntry.status == VerificationStatus.PENDING).limit(2)):
            logbook.query(mentor, entry, "Which course was this?")
        db.session.commit()
    page.set_viewport_size({"width": 375, "height": 667})
    sign_in(page, base, "apprentice@example.org")
    expect(page.locator("#waiting-for-you")).to_contain_text("2 log entries need your answer")
    expect(page.locator("#waiting-for-you")).to_contain_text("1 progress review is waiting for your signature")
    expect(page.locator("#header-notifications")).to_contain_text("3")  # what is listed, counted once
    go = page.get_by_role("link", name="Log your learning")
    expect(go).to_be_in_viewport()
    go.click()
    expect(page.get_by_role("heading", name="Log your learning")).to_be_in_viewport()
    expect(page.locator("#activity_date-day")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
    assert console_errors == []
