"""Levy transfers in a browser: every page axe-scanned and within a phone's width; the coordinator approves
an application that does not meet a rule (a reason asked for), and an employer partner applies, with and
without JavaScript (axe, which needs JavaScript, scans the pages with it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from apprenticeships.extensions import db
from apprenticeships.models import LevyAccount, TransactionKind
from apprenticeships.services import levy_ledger
from apprenticeships.services.sector_return import financial_year_of

from ..conftest import close_app, make_app
from ..helpers import served
from .conftest import assert_accessible
from .test_placements import sign_out
from .test_sign_in import sign_in

PHONE = {"width": 375, "height": 740}


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_every_transfer_page_is_accessible_and_fits_a_phone(page: Page, live_server, console_errors):
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/levy/pledges")
    pages = ["/levy/pledges"]
    page.get_by_role("link", name="Digital apprenticeships in Northmoor", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Digital apprenticeships in Northmoor")
    pledge = page.url.removeprefix(live_server)
    page.get_by_role("link", name="Kestrel Logistics Ltd", exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Application from Kestrel Logistics Ltd")
    application = page.url.removeprefix(live_server)
    page.get_by_text("KST-DEV-01: £3,000 paid of £18,000").click()  # the month-by-month payments open
    expect(page.get_by_role("region", name="Payments for KST-DEV-01")).to_be_visible()
    assert_accessible(page)
    edit = page.get_by_role("link", name="Edit KST-DEV-01").get_attribute("href")
    payment = page.get_by_role("link", name="Record a payment for KST-DEV-01").get_attribute("href")
    pages += [pledge, application, edit, payment, f"{pledge}/edit", f"{pledge}/close", f"{pledge}/apply",
              "/levy/pledges/new", "/levy/applications", "/levy/applications?status=pending",
              f"{application}/withdraw", "/levy/scheme", "/levy/transfers", "/levy/transfers/sharing/new"]
    page.goto(live_server + "/levy/applications?status=pending")
    page.get_by_role("link", name="Brightside Design Studio").click()
    pages += [page.url.removeprefix(live_server) + "/approve", page.url.removeprefix(live_server) + "/reject"]
    for size in ({"width": 1280, "height": 900}, PHONE):
        page.set_viewport_size(size)
        for path in pages:
            page.goto(live_server + path)
            assert_accessible(page)
            if size == PHONE:
                _fits(page)

    # A share link, and the summary it shows anyone.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/levy/transfers/sharing/new")
    page.get_by_label("Who is it for?").fill("Board paper")
    page.get_by_role("button", name="Create share link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share link created")
    assert_accessible(page)
    url = page.get_by_label("The link").input_value()
    sign_out(page)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Levy transfers to local employers")
    expect(page.locator(".app-figure").nth(3)).to_contain_text("Not shown employers funded")
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    _fits(page)
    assert console_errors == []


@pytest.mark.parametrize("javascript", [True, False])
def test_approving_an_application_that_misses_a_rule_asks_why_on_a_phone(browser, live_server, javascript):
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/levy/pledges")
    page.get_by_role("link", name="1 waiting for a decision on Digital apprenticeships in Northmoor").click()
    row = page.get_by_role("row", name="Brightside Design Studio")
    expect(row).to_contain_text("The hourly wage (£12.21) is below this scheme’s minimum of £13.45 an hour")
    row.get_by_role("link", name="Brightside Design Studio").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Approve the application from Brightside Design Studio?")
    page.get_by_role("button", name="Approve the application").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you are approving it anyway")
    if javascript:
        assert_accessible(page)
    _fits(page)
    page.get_by_label("Why approve it anyway?").fill("They pay the Real Living Wage from April")
    page.get_by_role("button", name="Approve the application").click()
    expect(page.get_by_text("The application from Brightside Design Studio is approved.")).to_be_visible()
    expect(page.locator(".govuk-summary-list").first).to_contain_text("They pay the Real Living Wage from April")
    expect(page.get_by_role("button", name="Record that they accepted")).to_be_visible()
    if javascript:
        assert_accessible(page)
    _fits(page)
    assert errors == []
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_an_employer_partner_applies_from_their_home_on_a_phone(browser, live_server, javascript):
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, "employer@example.org")
    page.get_by_role("link", name="Apply, or see your applications and payments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Levy transfer funding")
    expect(page.get_by_role("row", name="Digital apprenticeships in Northmoor")).to_contain_text("Accepted")
    _fits(page)
    page.get_by_role("link", name="Health and care apprenticeships").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply to Health and care apprenticeships")
    # Warned before sending, from what the app knows of the employer: not stopped.
    expect(page.locator("#likely-reasons")).to_contain_text(
        "Your organisation’s sector (Transport and logistics) is not one this pledge is for: Health or Social care")
    page.get_by_role("button", name="Send application").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the apprenticeship standard")
    if javascript:
        assert_accessible(page)
    _fits(page)
    page.get_by_label("Apprenticeship standard").select_option(label="Digital support technician (level 3)")
    page.get_by_label("Amount asked for").fill("13,000")
    page.locator("#planned_start-day").fill("1")
    page.locator("#planned_start-month").fill("9")
    page.locator("#planned_start-year").fill("2030")
    page.get_by_label("Where will the apprentices work?").fill("Northmoor")
    page.get_by_role("group", name="Does your organisation pay the apprenticeship levy?").get_by_label("No").check()
    page.get_by_label("Hourly wage", exact=True).fill("13.60")  # required: the scheme sets a minimum
    page.get_by_role("group", name="Will every apprentice live in the borough?").get_by_label("Yes").check()
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your application to Health and care apprenticeships")
    expect(page.locator("main")).to_contain_text("Pending")
    expect(page.locator("main")).to_contain_text(
        "Your organisation’s sector (Transport and logistics) is not one this pledge is for: Health or Social care")
    if javascript:
        assert_accessible(page)
    _fits(page)
    assert errors == []
    context.close()


@pytest.fixture
def next_year_known(databases, demo_database, tmp_path) -> Iterator[str]:
    """The demo programme with this financial year's last month of funds in (March), so next year's transfer
    allowance is known, served on a free port."""
    app = make_app(databases, demo_database, tmp_path)
    with app.app_context():
        account = db.session.scalars(sa.select(LevyAccount).order_by(LevyAccount.id)).first()
        march = date(financial_year_of(date.today()).year + 1, 3, 1)
        levy_ledger.record(account, march, TransactionKind.CREDIT, 1_000_000, actor=None, audited=False)
        db.session.commit()
    with served(app) as address:
        yield address
    close_app(app, databases)


def test_a_pledge_from_next_years_allowance_on_a_phone(browser, next_year_known):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, next_year_known, "coordinator@example.org")
    page.goto(next_year_known + "/levy/pledges/new")
    this_year = financial_year_of(date.today())
    following = f"{this_year.year + 1}-{(this_year.year + 2) % 100:02d}"
    years = page.get_by_role("group", name="Which year’s transfer allowance does it come from?")
    expect(years).to_contain_text("left of the")  # each year's allowance and what is left, beside it
    assert_accessible(page)
    _fits(page)
    years.get_by_label(f"{following} (next year", exact=False).check()
    page.get_by_label("Title").fill("Next year's first apprentices")
    page.get_by_label("Amount").fill("1,000")
    page.get_by_role("button", name="Save pledge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Next year's first apprentices")
    expect(page.locator(".govuk-caption-l")).to_contain_text(f"transfer allowance {following}")
    assert_accessible(page)
    _fits(page)
    context.close()

