"""Someone sets up two-factor sign-in on a phone-sized screen, then signs out and in with a code.

The code is made by pyotp from the key the page shows, as an authenticator app would make it.
"""

from __future__ import annotations

import time

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from apprenticeships.extensions import db
from apprenticeships.models import User

from ..conftest import close_app, make_app
from ..helpers import served
from .conftest import assert_accessible
from .test_phones import PHONE, _widest
from .test_sign_in import sign_in

EMAIL = "apprentice@example.org"


@pytest.fixture
def served_app(databases, demo_database, tmp_path):
    """The app on its own copy of the demo programme, with the demo apprentice an ordinary account."""
    app = make_app(databases, demo_database, tmp_path)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == EMAIL).values(two_factor_exempt=False))
        db.session.commit()
    with served(app) as address:
        yield address
    close_app(app, databases)


def fits(page: Page) -> None:
    assert_accessible(page)
    assert _widest(page) <= PHONE["width"], page.url


def test_two_factor_sign_in_is_set_up_then_asked_for(page: Page, served_app, console_errors):
    page.set_viewport_size(PHONE)
    sign_in(page, served_app, EMAIL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your apprenticeship")
    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    fits(page)
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    page.get_by_text("I cannot scan the code").click()
    fits(page)
    totp = pyotp.TOTP(page.locator("#secret").inner_text().replace(" ", ""))

    page.get_by_label("Code from your app").fill("12345")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("link", name="Enter the code your authenticator app shows now")).to_be_visible()
    fits(page)
    page.get_by_label("Code from your app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()
    expect(page.locator("main li code")).to_have_count(10)
    fits(page)

    page.get_by_role("button", name="Menu").click()  # on a phone the navigation is folded away
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    sign_in(page, served_app, EMAIL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your authenticator app")
    fits(page)
    page.get_by_label("Code").fill(totp.at(time.time() + 30))  # newer than the code used to set it up
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your apprenticeship")
    page.goto(served_app + "/account/two-factor")
    expect(page.get_by_text("10 of 10")).to_be_visible()
    fits(page)
    assert console_errors == []
