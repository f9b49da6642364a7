"""Someone who forgot their password asks for a link, finds it in the email, and chooses a new one.

The site uses the `log` backend, so the email is read where a person trying the demo reads
it: the development mailbox, open to the coordinator (in a browser of their own).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from apprenticeships.extensions import db
from apprenticeships.models import OutboxMessage, OutboxStatus

from ..conftest import close_app, make_app
from ..helpers import served
from .conftest import assert_accessible
from .test_phones import PHONE, _widest
from .test_sign_in import sign_in

NEW_PASSWORD = "Marmalade-Lighthouse-Spoon-17"


def test_a_forgotten_password_is_reset_from_the_emailed_link(page: Page, browser: Browser, live_server,
                                                              console_errors):
    page.goto(live_server + "/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    assert_accessible(page)
    page.get_by_label("Email address").fill("apprentice@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)

    # The email, as the coordinator reads it in the development mailbox.
    context = browser.new_context()
    mailbox = context.new_page()
    sign_in(mailbox, live_server, "coordinator@example.org")
    mailbox.goto(live_server + "/dev/mailbox")
    expect(mailbox.get_by_role("heading", level=1)).to_have_text("Development mailbox")
    assert_accessible(mailbox)
    mailbox.get_by_role("row").filter(has_text="apprentice@example.org").get_by_role("link",
                                                                                    name="Password reset").click()
    expect(mailbox.get_by_role("heading", level=1)).to_have_text("Reset your password for Apprenticeships")
    expect(mailbox.get_by_text("Dear Jordan Ellis,")).to_be_visible()
    assert_accessible(mailbox)
    link = mailbox.get_by_role("link", name=live_server + "/password/reset/").get_attribute("href")
    context.close()

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm your new password").fill(NEW_PASSWORD + "?")
    page.get_by_role("button", name="Save new password").click()
    expect(page.locator("#confirm-error")).to_contain_text("Passwords must match")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm your new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save new password").click()
    expect(page.get_by_text("Your password has been reset.")).to_be_visible()

    sign_in(page, live_server, "apprentice@example.org", NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your apprenticeship")
    assert console_errors == []
    page.goto(link)  # used once: it works no more (a 404, which the browser notes in its console)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has been used or has expired")
    assert_accessible(page)


@pytest.fixture
def served_app(databases, demo_database, tmp_path):
    """The app (for its database) and its address, on its own copy of the demo programme."""
    app = make_app(databases, demo_database, tmp_path)
    with served(app) as address:
        yield app, address
    close_app(app, databases)


def test_the_email_pages_fit_a_phone(page: Page, served_app, console_errors):
    app, base = served_app
    with app.app_context():  # one email that could not be sent, and one in the mailbox
        db.session.add(OutboxMessage(template="invitation", recipient="someone.with.a.long.address@example.net",
                                     status=OutboxStatus.FAILED, attempts=9,
                                     last_error="The mail server refused the address (550)"))
        db.session.add(OutboxMessage(template="password_reset", status=OutboxStatus.QUEUED, attempts=1,
                                     recipient="someone.else.with.a.long.address@example.net",
                                     last_error="Could not reach the mail server (ConnectionRefusedError)"))
        db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto(base + "/password/forgotten")
    page.get_by_label("Email address").fill("apprentice@example.org")
    page.get_by_role("button", name="Send me a link").click()
    pages = ["/password/forgotten", "/password/check-your-email"]
    too_wide = {}
    for path in pages:
        page.goto(base + path)
        assert_accessible(page)
        if _widest(page) > PHONE["width"]:
            too_wide[path] = _widest(page)
    sign_in(page, base, "coordinator@example.org")
    with app.app_context():
        reset = db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.template == "password_reset"))
    for path in ["/users", "/emails/problems", "/dev/mailbox", f"/dev/mailbox/{reset}", "/account/password"]:
        page.goto(base + path)
        assert_accessible(page)
        if _widest(page) > PHONE["width"]:
            too_wide[path] = _widest(page)
    assert too_wide == {}
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    # The problems themselves are in sight on a phone, without scrolling sideways.
    page.goto(base + "/emails/problems")
    for cause in ["The email address may be wrong", "We could not reach the mail server. It will be tried again"]:
        box = page.get_by_text(cause).bounding_box()
        assert box and box["x"] + box["width"] <= PHONE["width"], cause
    assert console_errors == []
