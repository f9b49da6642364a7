"""The levy's ledger pages in Chromium: axe finds nothing, nothing is wider than a phone, and a
coordinator adds funds in and imports DfE's file, with JavaScript on and off."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from apprenticeships.services.levy_ledger import add_months, first_of_month
from apprenticeships.templating import uk_today

from .conftest import assert_accessible
from .test_sign_in import sign_in

PHONE = {"width": 375, "height": 740}
PAGES = [
    ("/levy", "Levy"),
    ("/levy/accounts/1", "Northmoor Borough Council levy: transactions"),
    ("/levy/accounts/1/transactions/new", "Add a transaction"),
    ("/levy/accounts/1/import", "Import transactions from the apprenticeship service"),
    ("/levy/accounts/new", "Add a levy account"),
    ("/levy/funding-bands", "Funding bands"),
    ("/levy/funding-bands/1", "Funding band for Software developer (level 4)"),
    ("/levy/apprentices/1/funding", "Levy funding"),
    ("/apprentices/1", "Jordan Ellis"),
    ("/coordinator", "Programme overview"),
]


@pytest.mark.parametrize("width", [1280, 375])
def test_the_levy_pages_have_no_accessibility_violations_and_fit_a_phone(page: Page, live_server, console_errors,
                                                                          width):
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, "coordinator@example.org")
    too_wide = {}
    for path, heading in PAGES:
        page.goto(live_server + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
        if width == 375 and (widest := page.evaluate("document.documentElement.scrollWidth")) > 375:
            too_wide[path] = widest
    assert too_wide == {}
    assert console_errors == []


def test_the_dashboard_alert_leads_to_the_forecast(page: Page, live_server, console_errors):
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/coordinator")
    page.locator("#levy-expiring a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Levy")
    expect(page.get_by_role("table", name="Expiry forecast for Northmoor Borough Council levy")).to_be_visible()
    assert console_errors == []


@pytest.mark.parametrize("javascript", [True, False])
def test_a_coordinator_adds_funds_in_and_imports_dfes_file_on_a_phone(browser: Browser, live_server, tmp_path,
                                                                     javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/levy")
    page.get_by_role("link", name="Add a transaction to Northmoor Borough Council levy").click()
    page.get_by_label("Funds in: the month’s levy, with the 10% top up").check()
    page.get_by_label("Month", exact=True).fill("3")
    page.get_by_label("Year").fill("2025")
    page.get_by_label("Amount", exact=True).fill("abc")
    page.get_by_role("button", name="Add the transaction").click()
    expect(page.get_by_role("link", name="Amount must be an amount in pounds, like 1,250 or 1,250.50")).to_be_visible()
    if javascript:  # axe runs in the page: only with JavaScript on
        assert_accessible(page)
    page.get_by_label("Amount", exact=True).fill("1,234.56")
    page.get_by_role("button", name="Add the transaction").click()
    expect(page.get_by_text("Funds in of £1,234.56 added to March 2025.")).to_be_visible()

    page.get_by_role("link", name="Import transactions from the apprenticeship service").click()
    # The example file's columns, with rows from before the demo's ledger begins (30 months ago).
    header = page.request.get(live_server + "/levy/import-template.csv").text().splitlines()[0]
    day = add_months(first_of_month(uk_today()), -40).replace(day=23)
    file = tmp_path / "transactions.csv"
    file.write_text("\n".join([header, f"{day:%d/%m/%Y},Levy,123/AB12345,,36363.63636,100.00000,3636.36364,,,,,,40000",
                                f"{day:%d/%m/%Y},Payment,,,,,,1111111111,,Data analyst,-600.00000,,-600.00000"]))
    page.get_by_label("Upload a file").set_input_files(str(file))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import")
    if javascript:
        assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_text("Imported the file: 2 added, 0 updated, 0 already held.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northmoor Borough Council levy: transactions")
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_transaction_typed_in_by_mistake_is_removed_after_a_confirmation_on_a_phone(browser: Browser, live_server,
                                                                                      javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/levy/accounts/1")
    last_month = f"{add_months(first_of_month(uk_today()), -1):%B %Y}"  # the demo's funds in typed in by hand
    page.locator(f"#month-{add_months(first_of_month(uk_today()), -1).isoformat()[:7]} summary").click()
    remove = page.get_by_role("link", name="Remove funds in of £")
    expect(remove).to_have_count(1)
    remove.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove this transaction?")
    expect(page.locator(".govuk-summary-list")).to_contain_text(last_month)
    if javascript:
        assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Remove this transaction").click()
    expect(page.get_by_text(f"in {last_month} removed.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northmoor Borough Council levy: transactions")
    expect(page.get_by_role("link", name="Remove funds in of £")).to_have_count(0)
    context.close()


def test_the_ledgers_month_table_stacks_on_a_phone_with_the_balance_in_view(page: Page, live_server, console_errors):
    """At 375 px each month is a block, every figure under its column's name: nothing scrolls sideways."""
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + "/levy/accounts/1")
    region = page.get_by_role("region", name="Month by month")
    assert region.evaluate("r => r.scrollWidth - r.clientWidth") <= 0
    balance = region.locator("td[data-label='Balance at the end']").first
    expect(balance).to_be_visible()
    box = balance.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert console_errors == []
