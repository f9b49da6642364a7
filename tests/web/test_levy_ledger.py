"""The levy's ledger as a coordinator uses it: the overview (balance, funds by age, the expiry forecast),
an account's ledger, adding transactions, importing DfE's transactions file, funding bands, an
apprentice's levy funding, the dashboard's alert, and the worked-out expiries."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from apprenticeships.extensions import db
from apprenticeships.models import (
    ApplicationStatus,
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    AuditEvent,
    BreakInLearning,
    EmployerPartner,
    FundingBand,
    LevyAccount,
    LevyApplication,
    LevyFunding,
    LevyPledge,
    LevyReportedExpiry,
    LevyTransaction,
    TransactionKind,
    TransactionSource,
    TransferApprentice,
    User,
)
from apprenticeships.services import levy_ledger, levy_overview, reminders, retention
from apprenticeships.services.levy_ledger import add_months, first_of_month
from apprenticeships.templating import format_date, uk_today

from ..helpers import csrf_token_from, page, post_form, sql_statements, text_of

THIS_MONTH = first_of_month(uk_today())


def months_ago(n: int) -> date:
    return add_months(THIS_MONTH, -n)


def new_account(app, name: str = "Maintained schools", **values) -> int:
    with app.app_context():
        account = LevyAccount(name=name, **values)
        db.session.add(account)
        db.session.commit()
        return account.id


def add(app, account_id: int, month: date, kind: TransactionKind, pence: int, **extra) -> None:
    with app.app_context():
        account = db.session.get(LevyAccount, account_id)
        levy_ledger.record(account, month, kind, pence, actor=None, **extra)
        db.session.commit()


def ledger_rows(app, account_id: int) -> list[tuple]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(LevyTransaction.month, LevyTransaction.kind, LevyTransaction.amount_pence)
            .where(LevyTransaction.account_id == account_id).order_by(LevyTransaction.month, LevyTransaction.id))]


def balance(app, account_id: int) -> int:
    with app.app_context():
        return sum(r.signed_pence for r in db.session.scalars(
            sa.select(LevyTransaction).where(LevyTransaction.account_id == account_id)))


# --- The overview ------------------------------------------------------------------------------------

def test_the_levy_page_shows_each_accounts_balance_funds_by_age_and_what_will_expire(app, coordinator_client):
    soup = page(coordinator_client.get("/levy"))
    words = text_of(soup)
    with app.app_context():
        picture = levy_overview.pictures(uk_today())[0]
        held = db.session.execute(sa.select(LevyTransaction.kind, sa.func.sum(LevyTransaction.amount_pence))
                                  .group_by(LevyTransaction.kind)).tuples().all()
    totals = dict(held)
    assert picture.balance == totals[TransactionKind.CREDIT] - totals[TransactionKind.TRAINING] \
        - totals[TransactionKind.TRANSFER] - totals.get(TransactionKind.EXPIRY, 0)
    assert picture.balance == sum(p.left for p in picture.pots) - picture.overdrawn  # the ledger and the rule agree
    assert f"Balance {levy_ledger_money(picture.balance)}" in words
    # Funds by age: a chart and the same figures in a table, oldest first.
    table = soup.find("table", attrs={"class": "govuk-table"}, string=None)
    ages = soup.find("caption", string=lambda s: s and s.startswith("Funds by age")).find_parent("table")
    rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in ages.tbody.find_all("tr")]
    assert rows[0] == [f"{picture.pots[0].entered:%B %Y}", f"{picture.pots[0].expires:%B %Y}",
                       levy_ledger_money(picture.pots[0].left)]
    assert soup.find("svg", attrs={"role": "img"}) is not None and table is not None
    # The forecast: 12 months from this one; the demo's funds run ahead of its spending, so some expire.
    forecast = soup.find("caption", string=lambda s: s and s.startswith("Expiry forecast")).find_parent("table")
    months = [tr.th.get_text(" ", strip=True) for tr in forecast.tbody.find_all("tr")]
    assert len(months) == 12 and months[0] == f"{THIS_MONTH:%B %Y} (this month)"
    first = next(m for m in picture.forecast if m.expires)
    assert f"{levy_ledger_money(first.expires, whole=True)} will expire in {first.month:%B %Y} unless spent" in words
    # The transfer allowance for this year (the transfers' side supplies it).
    assert "Transfer allowance for" in words and "Left to pledge" in words


def levy_ledger_money(pence: int, whole: bool = False) -> str:
    from apprenticeships.text import money

    return money(pence, whole=whole)


def test_only_coordinators_reach_the_ledger_and_an_account_that_does_not_exist_is_not_found(signed_in):
    for role in ("mentor", "employer", "apprentice"):
        client = signed_in(role)
        for path in ("/levy", "/levy/accounts/1", "/levy/funding-bands", "/levy/apprentices/1/funding"):
            assert client.get(path).status_code == 403, (role, path)
    coordinator = signed_in("coordinator")
    assert coordinator.get("/levy/accounts/999").status_code == 404
    assert coordinator.get("/levy/accounts/99999999999999999999").status_code == 404
    assert coordinator.get("/levy/funding-bands/999").status_code == 404


def test_an_account_with_nothing_in_it_says_so(app, coordinator_client):
    account_id = new_account(app)
    soup = page(coordinator_client.get(f"/levy/accounts/{account_id}"))
    assert "No transactions yet" in text_of(soup)
    words = text_of(page(coordinator_client.get("/levy")))
    assert "Maintained schools" in words and "The account holds no funds." in words


# --- Accounts and transactions -------------------------------------------------------------------------

def test_a_coordinator_adds_an_account_and_a_name_cannot_be_used_twice(app, coordinator_client):
    response = post_form(coordinator_client, "/levy/accounts/new", {"name": "Schools", "service_reference": "ab12cd"})
    assert response.status_code == 303
    with app.app_context():
        account = db.session.scalar(sa.select(LevyAccount).where(LevyAccount.name == "Schools"))
        assert account.service_reference == "AB12CD"
        assert db.session.scalar(sa.select(AuditEvent.action).where(
            AuditEvent.subject_type == "levy_accounts", AuditEvent.subject_id == account.id)) == "levy.account_created"
    again = post_form(coordinator_client, "/levy/accounts/new", {"name": "schools", "service_reference": ""},
                      follow_redirects=True)
    assert "There is already a levy account with that name or account ID" in again.get_data(as_text=True)
    bad = page(post_form(coordinator_client, "/levy/accounts/new", {"name": "", "service_reference": "no way!"}))
    assert "Enter the name of the account" in text_of(bad) and "Account ID must be 4 to 20" in text_of(bad)


def test_funds_in_are_added_by_hand_and_the_balance_moves_to_the_penny(app, coordinator_client):
    account_id = new_account(app)
    url = f"/levy/accounts/{account_id}/transactions/new"
    response = post_form(coordinator_client, url, {"kind": "credit", "month": [str(THIS_MONTH.month),
                                                                               str(THIS_MONTH.year)],
                                                   "amount": "£40,000.50", "top_up": "3,636.41", "apprentice": "none"})
    assert response.status_code == 303
    assert ledger_rows(app, account_id) == [(THIS_MONTH, TransactionKind.CREDIT, 4_000_050)]
    assert balance(app, account_id) == 4_000_050
    soup = page(coordinator_client.get(f"/levy/accounts/{account_id}"))
    assert "Balance £40,000.50" in text_of(soup)
    assert "(of which £3,636.41 the 10% top up)" in text_of(soup)


@pytest.mark.parametrize("values,field,message", [
    ({"amount": "1e9"}, "amount", "Amount must be an amount in pounds, like 1,250 or 1,250.50"),
    ({"amount": "-5"}, "amount", "Amount must be an amount in pounds"),
    ({"amount": "10.001"}, "amount", "Amount must be an amount in pounds"),
    ({"amount": "£1,2,3"}, "amount", "Amount must be an amount in pounds"),  # not read as £123
    ({"amount": "1,23"}, "amount", "Amount must be an amount in pounds"),  # a decimal comma is not guessed at
    ({"amount": "9" * 30}, "amount", "Amount must be an amount in pounds"),
    ({"amount": "0"}, "amount", "Amount must be between £0.01 and £1,000,000,000"),
    ({"month": ["13", "2026"]}, "month", "Month of the transaction must be a real month"),
    ({"month": ["1", "3000"]}, "month", "Month of the transaction must be a year between 2017 and 2100"),
    ({"month": ["1", "99999999999"]}, "month", "Month of the transaction must be a real month"),
    ({"month": ["", "2026"]}, "month", "Month of the transaction must include a month"),
    ({"kind": "expiry"}, "kind", "Not a valid choice"),
    ({"top_up": "50,000"}, "top_up", "The 10% top up is part of the amount, so it cannot be more than it"),
    ({"apprentice": "99999999999999999999"}, "apprentice", "Select an apprentice from the list"),
    ({"description": "a\x00b"}, "description", "Note must not contain control characters"),
])
def test_hostile_entries_are_field_errors_and_store_nothing(app, coordinator_client, values, field, message):
    account_id = new_account(app)
    data = {"kind": "credit", "month": ["3", "2026"], "amount": "40,000", "top_up": "", "apprentice": "none",
            "description": ""} | values
    soup = page(post_form(coordinator_client, f"/levy/accounts/{account_id}/transactions/new", data))
    error = soup.find(id=f"{field}-error")
    assert error is not None and message in error.get_text(), error
    assert ledger_rows(app, account_id) == []


def test_a_month_after_this_one_is_refused(app, coordinator_client):
    account_id = new_account(app)
    later = add_months(THIS_MONTH, 1)
    soup = page(post_form(coordinator_client, f"/levy/accounts/{account_id}/transactions/new",
                          {"kind": "credit", "month": [str(later.month), str(later.year)], "amount": "10",
                           "description": "Typed ahead", "apprentice": "none"}))
    # An error next to the month, with everything typed kept (no banner, no empty form).
    assert "The month of the transaction must be this month or before" in soup.find(id="month-error").get_text()
    assert soup.find(class_="govuk-notification-banner") is None
    assert soup.find(id="amount")["value"] == "10" and soup.find(id="description")["value"] == "Typed ahead"
    assert soup.find(id="month-year")["value"] == str(later.year) and soup.find(id="kind").has_attr("checked")
    assert ledger_rows(app, account_id) == []


def test_a_training_payment_names_an_apprentice_the_account_pays_for(app, coordinator_client):
    with app.app_context():
        funding = db.session.scalar(sa.select(LevyFunding).where(LevyFunding.apprentice_id == 1))
        account_id, before = funding.account_id, balance(app, funding.account_id)
    url = f"/levy/accounts/{account_id}/transactions/new"
    soup = page(coordinator_client.get(url))
    assert "Jordan Ellis" in [o.get_text() for o in soup.find(id="apprentice").find_all("option")]
    response = post_form(coordinator_client, url, {"kind": "training", "month": [str(THIS_MONTH.month),
                                                                                 str(THIS_MONTH.year)],
                                                   "amount": "600", "apprentice": "1", "description": "Riverside"})
    assert response.status_code == 303
    assert balance(app, account_id) == before - 60_000
    with app.app_context():
        row = db.session.scalar(sa.select(LevyTransaction).order_by(LevyTransaction.id.desc()).limit(1))
        assert (row.kind, row.apprentice_id, row.source) == (TransactionKind.TRAINING, 1, TransactionSource.ENTERED)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "levy.transaction_recorded")
                                  .order_by(AuditEvent.id.desc()).limit(1))
        assert event.apprentice_id == 1 and "Riverside" not in str(event.details)


def test_the_ledger_pages_through_months_in_the_database(app, coordinator_client):
    account_id = new_account(app)
    for n in range(30):  # as one import would add them: the expiries not worked out yet
        add(app, account_id, months_ago(n), TransactionKind.CREDIT, 1000 + n, audited=False)
    soup = page(coordinator_client.get(f"/levy/accounts/{account_id}"))
    months = soup.find("caption", string="Month by month").find_parent("table")
    rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in months.tbody.find_all("tr")]
    assert rows[0] == [f"{THIS_MONTH:%B %Y}", "£10", "£0", "£0", "£0", f"£{(30 * 1000 + sum(range(30))) / 100:,.2f}"]
    assert len(rows) == levy_overview.MONTHS_A_PAGE and "Months 1 to 12 of 30" in text_of(soup)
    # Each month's transactions, folded away under the table (no JavaScript needed).
    details = soup.find("details", id=f"month-{THIS_MONTH.isoformat()[:7]}")
    assert "1 transaction" in details.summary.get_text() and "Funds in" in details.get_text()
    last = page(coordinator_client.get(f"/levy/accounts/{account_id}?page=3"))
    table = last.find("caption", string="Month by month").find_parent("table")
    assert [tr.th.get_text(" ", strip=True) for tr in table.tbody.find_all("tr")] == [
        f"{months_ago(n):%B %Y}" for n in range(24, 30)]


# --- Expiries: worked out, written once -----------------------------------------------------------------

def test_expiries_are_worked_out_first_in_first_out_and_written_once(app):
    account_id = new_account(app)
    add(app, account_id, months_ago(26), TransactionKind.CREDIT, 10_000, audited=False)  # as an import adds them
    add(app, account_id, months_ago(25), TransactionKind.CREDIT, 5_000, audited=False)
    add(app, account_id, months_ago(10), TransactionKind.TRAINING, 4_000, audited=False)
    with app.app_context():
        account = db.session.get(LevyAccount, account_id)
        assert levy_ledger.write_expiries(uk_today(), accounts=[account]) == 2
        db.session.commit()
    # 4,000 spent from the oldest pot; the rest of it expired 24 months after it entered, then the next.
    assert [r for r in ledger_rows(app, account_id) if r[1] is TransactionKind.EXPIRY] == [
        (months_ago(2), TransactionKind.EXPIRY, 6_000), (months_ago(1), TransactionKind.EXPIRY, 5_000)]
    assert balance(app, account_id) == 0
    with app.app_context():  # the daily job: the same rows, nothing new
        counts = reminders.run(uk_today())
        db.session.commit()
        assert counts["levy_expiries"] == 0
    # A payment entered late for an old month changes what expired: the rows follow the rule as it is added.
    add(app, account_id, months_ago(3), TransactionKind.TRAINING, 1_000)
    assert [r for r in ledger_rows(app, account_id) if r[1] is TransactionKind.EXPIRY] == [
        (months_ago(2), TransactionKind.EXPIRY, 5_000), (months_ago(1), TransactionKind.EXPIRY, 5_000)]
    assert balance(app, account_id) == 0


def test_the_database_keeps_one_expiry_an_account_and_month(app):
    account_id = new_account(app)
    add(app, account_id, months_ago(3), TransactionKind.EXPIRY, 100, source=TransactionSource.WORKED_OUT)
    with app.app_context(), pytest.raises(sa.exc.IntegrityError):
        account = db.session.get(LevyAccount, account_id)
        levy_ledger.record(account, months_ago(3), TransactionKind.EXPIRY, 200, actor=None)
        db.session.commit()


# --- Importing DfE's transactions file -------------------------------------------------------------

HEADER = ("Transaction date,Transaction type,Description,PAYE scheme,Payroll month,Levy declared,English %,"
          "10% top up,Training provider,Unique learner number,Apprentice,Apprenticeship training course,"
          "Course level,Paid from levy,Your contribution,Government contribution,Total\n")


def dfe_file(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def levy_row(day: date, total: str, kind: str = "Levy", top_up: str = "3636.36364") -> str:
    return f"{day:%d/%m/%Y},{kind},,123/AB12345,26-27 1,36363.63636,100.00000,{top_up},,,,,,,,,{total}"


def payment_row(day: date, paid: str, uln: str = "", course: str = "Software developer") -> str:
    return (f"{day:%d/%m/%Y},Payment,,,,,,,\"Riverside College\",{uln},Sam Taylor,{course},4,{paid},"
            f"0.00000,0.00000,{paid}")


def upload(client, account_id: int, content: bytes, name: str = "transactions.csv"):
    url = f"/levy/accounts/{account_id}/import"
    return post_form(client, url, {"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def confirm(client, account_id: int, preview_html: str):
    content = page_field(preview_html, "content")
    return client.post(f"/levy/accounts/{account_id}/import/confirm",
                       data={"content": content, "csrf_token": csrf_token_from(preview_html)})


def page_field(html: str, name: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser").find("input", attrs={"name": name})["value"]


def test_a_file_with_one_bad_row_imports_nothing_and_lists_every_problem_by_row(app, coordinator_client):
    account_id = new_account(app)
    day = months_ago(2).replace(day=23)
    content = dfe_file(levy_row(day, "40000.00000"), payment_row(day, "-six hundred"),
                       f"{day:%d/%m/%Y},Refund,,,,,,,,,,,,,,,10", "31/02/2026,Levy,,,,,,,,,,,,,,,5")
    soup = page(upload(coordinator_client, account_id, content))
    summary = soup.find(class_="govuk-error-summary")
    problems = [li.get_text(" ", strip=True) for li in summary.find_all("li")]
    assert problems == [
        "Row 3, paid from levy: Paid from levy must be an amount in pounds, like 1234.50",
        "Row 4, transaction type: Transaction type must be Levy, Levy Adjustment, Payment (or Monthly, Completion, "
        "Balance or Milestone Payment), Transfer or Expired Levy",
        "Row 5, transaction date: Transaction date must be a real date, like 07/03/2026"]
    assert "Nothing has been imported" in text_of(summary) and soup.find("button", string="Import") is None
    assert ledger_rows(app, account_id) == []


def test_a_good_file_is_previewed_then_imported_and_importing_it_again_adds_nothing(app, coordinator_client):
    account_id = new_account(app)
    with app.app_context():
        jordan = db.session.get(Apprentice, 1)
        uln = jordan.uln
    march, april = months_ago(3).replace(day=23), months_ago(2).replace(day=23)
    content = dfe_file(
        levy_row(march, "40000.00000"), levy_row(april, "40123.456789"),
        f"{april:%d/%m/%Y},Levy Adjustment,,123/AB12345,26-27 1,-100.00000,100.00000,-10.00000,,,,,,,,,-110.00000",
        payment_row(april, "-600.00000", uln=uln), payment_row(april, "-600.00000", uln="1111111111"),
        payment_row(april, "-600.00000", uln="1111111111"),
        f"{april:%d/%m/%Y},Completion Payment,,,,,,,,{uln},x,Software developer,4,0.00000,-50.00000,-450.00000,-500",
        f"{april:%d/%m/%Y},Transfer,,,,,,,,,,Data analyst,3,500.00000,,,-500.00000",
        f"{april:%d/%m/%Y},Expired Levy,,,,,,,,,,,,,,,-1200.00000")
    preview = upload(coordinator_client, account_id, content)
    soup = page(preview)
    words = text_of(soup)
    assert "9 rows: 8 to add, 0 to update, 0 already in the ledger, 1 with nothing paid from the levy" in words
    assert "2 rows have amounts with fractions of a penny, rounded to the nearest penny" in words
    assert "Funds in, in the file £80,013.46" in words  # 40,000 + 40,123.46 - 110
    assert ledger_rows(app, account_id) == []  # nothing until confirmed
    done = confirm(coordinator_client, account_id, preview.get_data(as_text=True))
    assert done.status_code == 303
    rows = ledger_rows(app, account_id)
    assert (months_ago(3), TransactionKind.CREDIT, 4_000_000) in rows
    assert (months_ago(2), TransactionKind.CREDIT, 4_001_346) in rows  # one row for the month, net of the adjustment
    assert sorted(r[2] for r in rows if r[1] is TransactionKind.TRAINING) == [60_000, 60_000, 60_000]
    assert [r[2] for r in rows if r[1] is TransactionKind.TRANSFER] == [50_000]
    with app.app_context():
        ours = db.session.scalars(sa.select(LevyTransaction).where(
            LevyTransaction.account_id == account_id, LevyTransaction.kind == TransactionKind.TRAINING)).all()
        assert sorted(r.apprentice_id or 0 for r in ours) == [0, 0, 1]  # only Jordan is held here
        assert not any("Sam Taylor" in (r.description or "") for r in ours)  # names in the file are never kept
        assert db.session.scalar(sa.select(LevyReportedExpiry.amount_pence).where(
            LevyReportedExpiry.account_id == account_id)) == 120_000
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "levy.transactions_imported",
                                                              AuditEvent.subject_id == account_id))
        assert event.details["new"] == 8
    # DfE's expiry is kept beside the ledger: the ledger works out none (the funds are young), so it says so.
    words = text_of(page(coordinator_client.get(f"/levy/accounts/{account_id}")))
    assert f"{months_ago(2):%B %Y}: DfE says £1,200, the ledger £0 (£1,200 more in DfE’s figures)" in words
    # The same file again, or one that overlaps it: nothing twice.
    again = page(upload(coordinator_client, account_id, content))
    assert "Everything in this file is already in the ledger: there is nothing to import." in text_of(again)
    overlapping = dfe_file(levy_row(april, "40123.456789"),
                           f"{april:%d/%m/%Y},Levy Adjustment,,123/AB12345,26-27 1,-100,100,-10,,,,,,,,,-110",
                           payment_row(april, "-600.00000", uln="1111111111"),
                           levy_row(months_ago(1).replace(day=23), "39000"))
    more = upload(coordinator_client, account_id, overlapping)
    assert "4 rows: 1 to add, 0 to update, 3 already in the ledger" in text_of(page(more))
    confirm(coordinator_client, account_id, more.get_data(as_text=True))
    assert len(ledger_rows(app, account_id)) == len(rows) + 1


def test_a_months_funds_in_already_held_with_another_total_is_a_problem(app, coordinator_client):
    account_id = new_account(app)
    month = months_ago(4)
    add(app, account_id, month, TransactionKind.CREDIT, 3_900_000)  # typed in by hand
    soup = page(upload(coordinator_client, account_id, dfe_file(levy_row(month.replace(day=23), "40000"))))
    assert (f"The ledger already holds £39,000 of funds in for {month:%B %Y} (entered by hand), and this file "
            "says £40,000 (row 2)") in text_of(soup)
    same = page(upload(coordinator_client, account_id, dfe_file(levy_row(month.replace(day=23), "39000"))))
    assert "Everything in this file is already in the ledger" in text_of(same)


def test_files_that_are_not_dfes_transactions_are_refused(app, coordinator_client):
    account_id = new_account(app)
    soup = page(upload(coordinator_client, account_id, b"first_name,last_name\nSam,Taylor\n"))
    assert "The file needs these columns: Transaction date, Transaction type, Total" in text_of(soup)
    soup = page(upload(coordinator_client, account_id, b"x", name="transactions.xlsx"))
    assert "The selected file must be a CSV" in text_of(soup)
    soup = page(upload(coordinator_client, account_id, b"\xff\xfe\x00\x00" * 10))
    assert ledger_rows(app, account_id) == []


def test_a_file_changed_between_preview_and_import_is_checked_again(app, coordinator_client):
    account_id = new_account(app)
    day = months_ago(1).replace(day=23)
    preview = upload(coordinator_client, account_id, dfe_file(levy_row(day, "40000")))
    html = preview.get_data(as_text=True)
    tampered = page_field(html, "content").replace("40000", "forty")
    response = coordinator_client.post(f"/levy/accounts/{account_id}/import/confirm",
                                       data={"content": tampered, "csrf_token": csrf_token_from(html)})
    assert "Nothing has been imported" in text_of(page(response))
    assert ledger_rows(app, account_id) == []


def test_the_template_lists_the_columns_read(coordinator_client):
    response = coordinator_client.get("/levy/import-template.csv")
    header = response.get_data(as_text=True).splitlines()[0]
    assert header == ("Transaction date,Transaction type,PAYE scheme,Payroll month,Levy declared,English %,"
                      "10% top up,Unique learner number,Apprentice,Apprenticeship training course,Paid from levy,"
                      "Paid from transfer,Total")


# --- Funding bands and an apprentice's funding --------------------------------------------------------

def test_funding_bands_are_listed_and_edited(app, coordinator_client):
    soup = page(coordinator_client.get("/levy/funding-bands"))
    with app.app_context():
        standard = db.session.scalar(sa.select(ApprenticeshipStandard).where(ApprenticeshipStandard.reference
                                                                             == "ST0116"))
        standard_id, name = standard.id, standard.display_name
    row = soup.find("th", string=name).find_parent("tr")
    assert "£18,000" in row.get_text()
    response = post_form(coordinator_client, f"/levy/funding-bands/{standard_id}", {"max_pence": "19,000"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(FundingBand, standard_id).max_pence == 1_900_000
    bad = page(post_form(coordinator_client, f"/levy/funding-bands/{standard_id}", {"max_pence": "lots"}))
    assert "Funding band maximum must be an amount in pounds" in text_of(bad)


def test_an_apprentices_page_shows_their_levy_funding_and_the_price_is_checked_against_the_band(
        app, coordinator_client):
    soup = page(coordinator_client.get("/apprentices/1"))
    section = soup.find(id="levy-funding").find_next("dl")
    with app.app_context():
        funding = db.session.scalar(sa.select(LevyFunding).where(LevyFunding.apprentice_id == 1))
        account_id, standard_id = funding.account_id, db.session.get(Apprentice, 1).standard_id
        band = db.session.get(FundingBand, standard_id).max_pence
    assert "Agreed price" in section.get_text() and "Paid so far, in the ledger" in section.get_text()
    url = "/levy/apprentices/1/funding"
    over = page(post_form(coordinator_client, url, {"account": str(account_id), "price": f"{band / 100 + 1:.2f}"}))
    error = over.find(id="price-error").get_text()
    assert "Agreed price must be" in error and "that is the funding band maximum" in error
    ok = post_form(coordinator_client, url, {"account": str(account_id), "price": f"{band / 100 - 1000:.2f}"})
    assert ok.status_code == 303 and ok.headers["Location"].startswith("/apprentices/1#")
    with app.app_context():
        assert db.session.scalar(sa.select(LevyFunding.price_pence).where(LevyFunding.apprentice_id == 1)) \
            == band - 100_000
    hostile = page(post_form(coordinator_client, url, {"account": "99999999999999999999", "price": "1e5"}))
    assert "Select the levy account" in text_of(hostile) and "Agreed price must be an amount" in text_of(hostile)


def test_a_standard_with_no_band_says_to_enter_it_first(app, coordinator_client):
    with app.app_context():
        standard_id = db.session.get(Apprentice, 1).standard_id
        db.session.delete(db.session.get(FundingBand, standard_id))
        account_id = db.session.scalar(sa.select(LevyAccount.id))
        db.session.commit()
    soup = page(post_form(coordinator_client, "/levy/apprentices/1/funding", {"account": str(account_id),
                                                                              "price": "9000"}))
    assert "on the Funding bands page first" in soup.find(id="price-error").get_text()


def test_removing_an_apprentices_funding_keeps_the_payments_made(app, coordinator_client):
    before = len(ledger_rows(app, 1))
    page_html = coordinator_client.get("/levy/apprentices/1/funding").get_data(as_text=True)
    response = coordinator_client.post("/levy/apprentices/1/funding/remove", data={
        "csrf_token": csrf_token_from(page_html), "version": page_field(page_html, "version")})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(LevyFunding).where(LevyFunding.apprentice_id == 1)) is None
    assert len(ledger_rows(app, 1)) == before
    words = text_of(page(coordinator_client.get("/apprentices/1")))
    assert "The levy does not pay for Jordan’s training, although the ledger has" in words


# --- The dashboard --------------------------------------------------------------------------------

def test_the_dashboard_warns_of_funds_expiring_within_three_months_with_no_plan_to_use_them(app, signed_in):
    coordinator = signed_in("coordinator")
    soup = page(coordinator.get("/coordinator"))
    alert = soup.find(id="levy-expiring")
    assert alert is not None and alert.a["href"] == "/levy" and "unless spent" in alert.get_text()
    with app.app_context():
        soon = levy_overview.expiring_soon(uk_today())
        assert soon and all(e.month <= add_months(THIS_MONTH, 2) for e in soon)
        # Enough planned spending in the coming months to use every pound: no alert.
        account = db.session.get(LevyAccount, soon[0].account_id)
        everything = levy_ledger.available(levy_ledger.histories([account.id])[account.id], THIS_MONTH, THIS_MONTH)
        levy_ledger.record(account, THIS_MONTH, TransactionKind.TRAINING, everything, actor=None)
        db.session.commit()
    assert page(coordinator.get("/coordinator")).find(id="levy-expiring") is None


# --- Personal data -----------------------------------------------------------------------------------

def test_anonymising_keeps_the_levy_figures_and_removes_notes(app):
    with app.app_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
        funding = db.session.scalar(sa.select(LevyFunding).join(Apprentice).where(
            Apprentice.status == ApprenticeStatus.COMPLETED).order_by(Apprentice.id).limit(1))
        account, apprentice = db.session.get(LevyAccount, funding.account_id), funding.apprentice
        levy_ledger.record(account, months_ago(1), TransactionKind.TRAINING, 12_345, actor=coordinator,
                           apprentice=apprentice, description=f"For {apprentice.full_name}, a laptop")
        db.session.commit()
        paid = db.session.scalar(sa.select(sa.func.sum(LevyTransaction.amount_pence)).where(
            LevyTransaction.apprentice_id == apprentice.id))
        price, name = funding.price_pence, apprentice.last_name
        assert "levy training payments" in " ".join(retention.deletion_blockers(apprentice))
        assert retention.anonymise(coordinator, [apprentice.id], date(2100, 1, 1)) == [apprentice.id]
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.sum(LevyTransaction.amount_pence)).where(
            LevyTransaction.apprentice_id == apprentice.id)) == paid
        assert db.session.scalar(sa.select(LevyFunding.price_pence).where(
            LevyFunding.apprentice_id == apprentice.id)) == price
        assert not db.session.scalar(sa.select(sa.func.count()).where(LevyTransaction.description.like(f"%{name}%")))


# --- A fixed number of statements ------------------------------------------------------------------

def funded_apprentice(account: LevyAccount, first_name: str, price_pence: int, **values) -> Apprentice:
    """An apprentice like the demo's first, whose training `account` pays for (in an app context)."""
    model = db.session.get(Apprentice, 1)
    apprentice = Apprentice(first_name=first_name, last_name="Funded", cohort_id=model.cohort_id,
                            standard_id=model.standard_id, provider_id=model.provider_id,
                            service_area=model.service_area, contracted_minutes_per_week=37 * 60, **values)
    db.session.add_all([apprentice, LevyFunding(apprentice=apprentice, account=account, price_pence=price_pence)])
    return apprentice


def grow_the_levy(app, months: int, apprentices: int) -> None:
    """More months of funds in and payments, and more apprentices the levy pays for."""
    with app.app_context():
        account = db.session.scalar(sa.select(LevyAccount).order_by(LevyAccount.id).limit(1))
        model = db.session.get(Apprentice, 1)
        for n in range(months):
            month = months_ago(31 + n)
            levy_ledger.record(account, month, TransactionKind.CREDIT, 4_000_000, actor=None, audited=False)
            levy_ledger.record(account, month, TransactionKind.TRAINING, 100_000, actor=None, audited=False)
        for n in range(apprentices):
            on_break = n % 10 == 0  # some on a break in learning, their payments paused or left out
            apprentice = funded_apprentice(account, f"Levy{n}", 1_500_000, start_date=model.start_date,
                                           planned_end_date=model.planned_end_date,
                                           status=ApprenticeStatus.BREAK_IN_LEARNING if on_break else
                                           ApprenticeStatus.ACTIVE)
            if on_break:
                db.session.add(BreakInLearning(apprentice=apprentice, start_date=months_ago(8), reason="Ill",
                                               expected_return_date=add_months(THIS_MONTH, n % 20 - 5)))
            levy_ledger.record(account, months_ago(1), TransactionKind.TRAINING, 50_000, actor=None,
                               apprentice=apprentice, audited=False)
        levy_ledger.write_expiries(uk_today(), accounts=[account])
        db.session.commit()
    for n in range(3):  # more accounts, each with funds in: /levy and the dashboard read them all at once
        add(app, new_account(app, f"Academy trust {n}"), months_ago(2), TransactionKind.CREDIT, 1_000_000)


@pytest.mark.parametrize("path", ["/levy", "/levy/accounts/1", "/levy/accounts/1?page=2",
                                  "/levy/accounts/1/transactions/new", "/levy/funding-bands", "/coordinator",
                                  "/levy/apprentices/1/funding"])
def test_the_levy_pages_run_the_same_number_of_statements_at_two_data_sizes(app, coordinator_client, path):
    def count() -> int:
        coordinator_client.get(path)  # warm up
        with sql_statements(app, lambda s: s not in ("BEGIN", "BEGIN IMMEDIATE")) as statements:
            assert coordinator_client.get(path).status_code == 200
        return len(statements)

    small = count()
    grow_the_levy(app, months=40, apprentices=60)
    assert count() == small, path
    assert small <= 20, (path, small)


def test_a_transaction_typed_in_by_mistake_is_removed_after_a_confirmation(app, coordinator_client):
    account_id = new_account(app)
    add(app, account_id, months_ago(26), TransactionKind.CREDIT, 10_000, source=TransactionSource.IMPORTED)
    add(app, account_id, months_ago(5), TransactionKind.TRAINING, 4_000, description="Wrong account")
    expired = months_ago(2)  # what was left of the funds from 26 months ago: 6,000, or all 10,000 without the payment
    assert [r for r in ledger_rows(app, account_id) if r[1] is TransactionKind.EXPIRY] == [
        (expired, TransactionKind.EXPIRY, 6_000)]
    ledger = f"/levy/accounts/{account_id}"
    links = [a for a in page(coordinator_client.get(ledger)).select("a.govuk-link")
             if a.get_text(" ", strip=True).startswith("Remove")]
    assert [a.get_text(" ", strip=True) for a in links] == [f"Remove training payment of £40 in {months_ago(5):%B %Y}"]

    confirm = page(coordinator_client.get(links[0]["href"]))  # nothing is removed by opening it
    words = text_of(confirm)
    assert confirm.h1.get_text(strip=True) == "Remove this transaction?"
    assert [" ".join(row.get_text(" ", strip=True).split()) for row in confirm.select(".govuk-summary-list__row")] \
        == ["What Training payment", f"Month {months_ago(5):%B %Y}", "Amount £40", "Note Wrong account"]
    assert f"{expired:%B %Y}: £60 expired, £100 will have expired once it is removed" in words
    assert "The balance goes from £0 to £0" in words
    form = confirm.select_one("main form")
    button = form.find("button")
    assert button.get_text(strip=True) == "Remove this transaction" and "govuk-button--warning" in button["class"]
    assert form.find("a", string="Cancel")["href"] == ledger
    assert len(ledger_rows(app, account_id)) == 3

    response = coordinator_client.post(links[0]["href"], data={i["name"]: i["value"] for i in form.find_all("input")})
    assert response.status_code == 303 and response.headers["Location"].startswith(ledger)
    after = text_of(page(coordinator_client.get(ledger)))
    assert f"Training payment of £40 in {months_ago(5):%B %Y} removed." in after
    assert "Remove training payment" not in after
    # The expiry follows at once: all of the old funds expired.
    assert ledger_rows(app, account_id) == [(months_ago(26), TransactionKind.CREDIT, 10_000),
                                            (expired, TransactionKind.EXPIRY, 10_000)]
    with app.app_context():
        details = db.session.scalar(sa.select(AuditEvent.details)
                                    .where(AuditEvent.action == "levy.transaction_removed"))
    assert details == {"account": account_id, "kind": "training", "month": months_ago(5).isoformat()[:7]}

    # Removed already (a second tab, a colleague at the same moment): said so, not an error.
    again = coordinator_client.post(links[0]["href"], data={i["name"]: i["value"] for i in form.find_all("input")})
    assert again.status_code == 303
    assert "That transaction has already been removed from the ledger." in text_of(page(coordinator_client.get(ledger)))
    assert "That transaction has already been removed from the ledger." in text_of(
        page(coordinator_client.get(links[0]["href"], follow_redirects=True)))


def test_only_a_transaction_typed_in_can_be_removed_and_only_the_one_seen(app, coordinator_client):
    account_id = new_account(app)
    add(app, account_id, months_ago(2), TransactionKind.CREDIT, 500, source=TransactionSource.IMPORTED)
    add(app, account_id, months_ago(1), TransactionKind.CREDIT, 700)
    with app.app_context():
        imported, entered = db.session.scalars(sa.select(LevyTransaction.id).where(
            LevyTransaction.account_id == account_id).order_by(LevyTransaction.month)).all()
    assert coordinator_client.get(f"/levy/accounts/{account_id}/transactions/{imported}/remove").status_code == 404
    other = new_account(app, "Council")
    assert coordinator_client.get(f"/levy/accounts/{other}/transactions/{entered}/remove").status_code == 404
    url = f"/levy/accounts/{account_id}/transactions/{entered}/remove"
    token = csrf_token_from(coordinator_client.get(url).get_data(as_text=True))
    # Not the transaction the page showed (an id given again after a removal): nothing is removed.
    response = coordinator_client.post(url, data={"csrf_token": token, "seen": f"credit:{months_ago(1)}:1"},
                                       follow_redirects=True)
    assert "That transaction has already been removed from the ledger" in response.get_data(as_text=True)
    assert (months_ago(1), TransactionKind.CREDIT, 700) in ledger_rows(app, account_id)


def test_a_transfer_payment_for_a_past_month_rewrites_the_expiries_in_the_same_request(app, coordinator_client):
    """A payment recorded for a month before a pot expired uses that pot: what expired changes at once."""
    account_id = new_account(app)
    add(app, account_id, months_ago(26), TransactionKind.CREDIT, 1_000_000)  # expired two months ago, unspent
    assert [r for r in ledger_rows(app, account_id) if r[1] is TransactionKind.EXPIRY] == [
        (months_ago(2), TransactionKind.EXPIRY, 1_000_000)]
    application, transfer = transfer_apprentice(app, account_id)  # started 6 months ago
    url = f"/levy/applications/{application}/apprentices/{transfer}/payment"
    token = csrf_token_from(coordinator_client.get(url).get_data(as_text=True))
    paid = months_ago(4)  # before the pot expired: the oldest funds pay it
    response = coordinator_client.post(url, data=MultiDict([
        ("month", str(paid.month)), ("month", str(paid.year)), ("amount", "2,500"), ("csrf_token", token)]))
    assert response.status_code == 303
    assert [r for r in ledger_rows(app, account_id) if r[1] is not TransactionKind.CREDIT] == [
        (paid, TransactionKind.TRANSFER, 250_000), (months_ago(2), TransactionKind.EXPIRY, 750_000)]
    assert balance(app, account_id) == 0


def test_a_break_in_learning_pauses_the_planned_payments_and_an_overdue_return_leaves_them_out(
        app, coordinator_client):
    account_id = new_account(app)
    with app.app_context():
        account = db.session.get(LevyAccount, account_id)
        pair = [funded_apprentice(account, name, 1_200_000, start_date=months_ago(6),
                                  planned_end_date=add_months(THIS_MONTH, 12) - timedelta(1),
                                  status=ApprenticeStatus.BREAK_IN_LEARNING) for name in ("Paused", "Overdue")]
        # On a break since last month, back expected in two months' time: nothing planned until the month after.
        db.session.add(BreakInLearning(apprentice=pair[0], start_date=months_ago(1),
                                       expected_return_date=add_months(THIS_MONTH, 2) + timedelta(9), reason="Ill"))
        # Expected back last month and not back: no month to plan from.
        db.session.add(BreakInLearning(apprentice=pair[1], start_date=months_ago(3),
                                       expected_return_date=months_ago(1), reason="Caring"))
        db.session.commit()
        planned = [m.planned for m in levy_overview.pictures(uk_today(), account_id)[0].forecast]
    # 80% of £12,000 over 18 months (6 before this month to 11 after): £533.33 a month. Those from last
    # month on move 4 months later, to resume 3 months from now.
    assert planned == [0, 0, 0] + [53_333] * 9
    soup = page(coordinator_client.get("/levy"))
    note = soup.find(id=f"account-{account_id}-left-out")
    # Who is left out, linked to their record, with the expected return that has passed.
    assert " ".join(note.get_text(" ", strip=True).split()) == (
        "1 apprentice on a break in learning is not in the forecast: their expected return date has passed, so "
        f"there is no month to plan their payments from. Overdue Funded , expected back "
        f"{format_date(months_ago(1))} Once a return is recorded on the apprentice’s page, the "
        "payments are planned again.")
    with app.app_context():
        overdue = db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == "Overdue"))
    assert [(a.get_text(strip=True), a["href"]) for a in note.select("li a")] == [
        ("Overdue Funded", f"/apprentices/{overdue}")]
    assert "none while they are on a break in learning, the rest from the month after their expected return" \
        in text_of(soup)


# --- Issue 17's trial: the balance never below zero, one transfer counted once, the band, the import -------

def entry(month: date, amount: str, kind: str = "training", **values) -> dict:
    return {"kind": kind, "month": [str(month.month), str(month.year)], "amount": amount, "top_up": "",
            "apprentice": "none", "description": ""} | values


def test_a_training_payment_typed_in_cannot_take_the_balance_below_zero(app, coordinator_client):
    account_id = new_account(app)
    add(app, account_id, months_ago(3), TransactionKind.CREDIT, 100_000, source=TransactionSource.IMPORTED)
    add(app, account_id, months_ago(1), TransactionKind.TRAINING, 80_000, source=TransactionSource.IMPORTED)
    url = f"/levy/accounts/{account_id}/transactions/new"
    # The trial's typo: 2,000,000 for 2,000. Refused beside the amount, saying the balance and why.
    soup = page(post_form(coordinator_client, url, entry(THIS_MONTH, "2,000,000")))
    error = soup.find(id="amount-error").get_text(" ", strip=True)
    assert error == (f"Error: That is more than the balance available in {THIS_MONTH:%B %Y}, £200: a levy account’s "
                     "balance never goes below zero, as what its funds do not cover is co-invested (the government "
                     "pays 95%, the employer 5%) and not paid from the levy, so enter only what the levy paid")
    assert soup.find(id="amount")["value"] == "2,000,000"
    # Two months ago the account held £1,000, but last month's £800 was paid from it: £200 is available then.
    soup = page(post_form(coordinator_client, url, entry(months_ago(2), "200.01")))
    assert f"the balance available in {months_ago(2):%B %Y}, £200:" in soup.find(id="amount-error").get_text()
    assert len(ledger_rows(app, account_id)) == 2
    assert post_form(coordinator_client, url, entry(months_ago(2), "200")).status_code == 303
    assert balance(app, account_id) == 0
    assert "some funds in are missing" not in text_of(page(coordinator_client.get(f"/levy/accounts/{account_id}")))
    # Where the row is written, the same rule (a request that got past the form is refused there)...
    with app.app_context():
        account = db.session.get(LevyAccount, account_id)
        with pytest.raises(levy_ledger.ServiceError, match="balance available"):
            levy_ledger.enter_transaction(None, account, uk_today(), month=THIS_MONTH, kind=TransactionKind.TRAINING,
                                          amount_pence=1)
        db.session.rollback()
        # ...but DfE's own rows, imported, are its record: never refused.
        levy_ledger.record(account, THIS_MONTH, TransactionKind.TRAINING, 5_000, actor=None,
                           source=TransactionSource.IMPORTED)
        db.session.commit()
    assert balance(app, account_id) == -5_000


def test_a_training_payment_for_an_apprentice_is_no_more_than_is_left_of_their_levy_funding(app, coordinator_client):
    with app.app_context():
        funding = db.session.scalar(sa.select(LevyFunding).where(LevyFunding.apprentice_id == 1))
        paid = int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LevyTransaction.amount_pence), 0))
                                     .where(LevyTransaction.apprentice_id == 1,
                                            LevyTransaction.kind == TransactionKind.TRAINING)))
        band = db.session.get(FundingBand, db.session.get(Apprentice, 1).standard_id)
        band.max_pence, funding.price_pence = paid + 100_000, paid + 850_000  # the band lowered below the price
        account_id, band_pence, price = funding.account_id, band.max_pence, funding.price_pence
        db.session.commit()
    url = f"/levy/accounts/{account_id}/transactions/new"
    soup = page(post_form(coordinator_client, url, entry(THIS_MONTH, "1,000.01", apprentice="1")))
    assert soup.find(id="amount-error").get_text(" ", strip=True) == (
        f"Error: That is more than is left of Jordan Ellis’s levy funding: £1,000 (the agreed price of "
        f"{levy_ledger_money(price)}, of which the levy pays up to the funding band, {levy_ledger_money(band_pence)}, "
        f"less {levy_ledger_money(paid)} already paid)")
    assert post_form(coordinator_client, url, entry(THIS_MONTH, "1,000", apprentice="1")).status_code == 303


def test_two_training_payments_at_the_same_instant_never_take_the_balance_below_zero(app):
    """Each of two coordinators enters a payment of 60% of the balance: each alone fits, both would not. The
    account's row is locked before the balance is read, so exactly one is saved."""
    from apprenticeships.text import money

    from ..helpers import DEMO_EMAILS, served
    from .test_concurrency import TIMEOUT, at_once, hidden_fields
    from .test_concurrency import signed_in as signed_in_over_http

    account_id = new_account(app)
    add(app, account_id, months_ago(1), TransactionKind.CREDIT, 1_000_000, source=TransactionSource.IMPORTED)
    url = f"/levy/accounts/{account_id}/transactions/new"
    with served(app) as server:
        browsers = [signed_in_over_http(server, DEMO_EMAILS["coordinator"]) for _ in range(2)]
        tokens = [hidden_fields(b.get(server + url, timeout=TIMEOUT).text)["csrf_token"] for b in browsers]
        fields = entry(THIS_MONTH, money(600_000))
        responses = at_once([
            lambda b=b, t=t: b.post(server + url, allow_redirects=False, timeout=TIMEOUT, data=[
                ("kind", "training"), ("month", fields["month"][0]), ("month", fields["month"][1]),
                ("amount", fields["amount"]), ("apprentice", "none"), ("csrf_token", t)])
            for b, t in zip(browsers, tokens, strict=True)])
    assert sorted(r.status_code for r in responses) in ([200, 303], [303, 303])
    assert [r[2] for r in ledger_rows(app, account_id) if r[1] is TransactionKind.TRAINING] == [600_000]
    assert balance(app, account_id) == 400_000


def transfer_apprentice(app, account_id: int) -> tuple[int, int]:
    """An accepted application on a pledge of the account, with one transfer apprentice: (application, apprentice)."""
    with app.app_context():
        employer = db.session.scalars(sa.select(EmployerPartner).order_by(EmployerPartner.id)).first()
        standard = db.session.scalars(sa.select(ApprenticeshipStandard).order_by(ApprenticeshipStandard.id)).first()
        pledge = LevyPledge(account_id=account_id, year=months_ago(6).year, title="Care", amount_pence=1_000_000)
        application = LevyApplication(pledge=pledge, employer_id=employer.id, status=ApplicationStatus.ACCEPTED,
                                      amount_pence=600_000, standard_id=standard.id, planned_start=months_ago(6))
        transfer = TransferApprentice(application=application, reference="CARE-1", price_pence=600_000,
                                      start_date=months_ago(6), planned_end_date=add_months(THIS_MONTH, 12))
        db.session.add_all([pledge, application, transfer])
        db.session.commit()
        return application.id, transfer.id


def transfer_row(day: date, amount: str) -> str:
    return f"{day:%d/%m/%Y},Transfer,,,,,,,,,,Data analyst,3,,,,-{amount}"


def test_a_transfer_payment_imported_then_recorded_is_counted_once(app, coordinator_client):
    account_id = new_account(app)
    add(app, account_id, months_ago(8), TransactionKind.CREDIT, 2_000_000, source=TransactionSource.IMPORTED)
    application_id, transfer_id = transfer_apprentice(app, account_id)
    december = months_ago(1)
    preview = upload(coordinator_client, account_id, dfe_file(transfer_row(december.replace(day=20), "600.00000")))
    assert confirm(coordinator_client, account_id, preview.get_data(as_text=True)).status_code == 303
    # Not matched to a pledge's payments yet: /levy/transfers says how much of the ledger's transfers that is.
    note = page(coordinator_client.get("/levy/transfers")).find(id="transfers-unmatched")
    assert "The levy ledger also has £600 of transfer payments that are not matched to a pledge’s payments" \
        in note.get_text(" ", strip=True)
    # "Record payment" for the same month and amount: the same money, so the imported row is matched to it.
    payment = f"/levy/applications/{application_id}/apprentices/{transfer_id}/payment"
    token = csrf_token_from(coordinator_client.get(payment).get_data(as_text=True))
    response = coordinator_client.post(payment, data=MultiDict([
        ("month", str(december.month)), ("month", str(december.year)), ("amount", "600"), ("csrf_token", token)]))
    assert response.status_code == 303
    with app.app_context():
        transfers = db.session.scalars(sa.select(LevyTransaction).where(
            LevyTransaction.account_id == account_id, LevyTransaction.kind == TransactionKind.TRANSFER)).all()
        assert [(t.month, t.amount_pence, t.transfer_apprentice_id, t.source) for t in transfers] == [
            (december, 60_000, transfer_id, TransactionSource.IMPORTED)]
        assert db.session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc()).where(
            AuditEvent.subject_type == "levy_transactions").limit(1)) == "levy.transfer_matched"
    assert balance(app, account_id) == 2_000_000 - 60_000
    assert page(coordinator_client.get("/levy/transfers")).find(id="transfers-unmatched") is None
    # Importing the file again adds nothing.
    again = page(upload(coordinator_client, account_id, dfe_file(transfer_row(december.replace(day=20), "600"))))
    assert "Everything in this file is already in the ledger" in text_of(again)


def test_a_transfer_payment_recorded_then_imported_is_counted_once(app, coordinator_client):
    account_id = new_account(app)
    add(app, account_id, months_ago(8), TransactionKind.CREDIT, 2_000_000, source=TransactionSource.IMPORTED)
    application_id, transfer_id = transfer_apprentice(app, account_id)
    november = months_ago(2)
    payment = f"/levy/applications/{application_id}/apprentices/{transfer_id}/payment"
    token = csrf_token_from(coordinator_client.get(payment).get_data(as_text=True))
    assert coordinator_client.post(payment, data=MultiDict([
        ("month", str(november.month)), ("month", str(november.year)), ("amount", "400"),
        ("csrf_token", token)])).status_code == 303
    soup = page(upload(coordinator_client, account_id, dfe_file(transfer_row(november.replace(day=20), "400"))))
    assert "Everything in this file is already in the ledger" in text_of(soup)
    assert "Already in the ledger: entered by hand" in text_of(soup)
    assert "already in the ledger, entered by hand" not in text_of(soup).lower().replace(
        "already in the ledger: entered by hand", "")
    assert [r for r in ledger_rows(app, account_id) if r[1] is TransactionKind.TRANSFER] == [
        (november, TransactionKind.TRANSFER, 40_000)]


def test_the_levy_pays_up_to_the_funding_band_and_the_forecast_plans_from_it(app, coordinator_client):
    with app.app_context():
        funding = db.session.scalar(sa.select(LevyFunding).where(LevyFunding.apprentice_id == 1))
        band = db.session.get(FundingBand, db.session.get(Apprentice, 1).standard_id)
        funding.price_pence, band.max_pence = 1_750_000, 1_000_000  # the band lowered after the price was agreed
        db.session.commit()
    said = ("The agreed price is £17,500, above the funding band of £10,000: the levy pays up to £10,000, the "
            "employer the other £7,500.")
    assert page(coordinator_client.get("/apprentices/1")).find(id="levy-above-band").get_text(" ", strip=True) == said
    assert page(coordinator_client.get("/levy/apprentices/1/funding")).find(id="levy-above-band").get_text(
        " ", strip=True) == said
    account_id = new_account(app)
    with app.app_context():
        account = db.session.get(LevyAccount, account_id)
        funded_apprentice(account, "Dearer", 1_750_000, start_date=months_ago(6),
                          planned_end_date=add_months(THIS_MONTH, 12) - timedelta(1))
        db.session.commit()
        planned = [m.planned for m in levy_overview.pictures(uk_today(), account_id)[0].forecast]
    # 80% of the band's £10,000 (not the price's £17,500) over 18 months: £444.44 a month, the last with the
    # pence left over; the completion payment falls after the forecast's year.
    assert planned == [44_444] * 11 + [800_000 - 44_444 * 17]


def test_the_pages_own_example_file_imports_into_the_demo_account(app, coordinator_client):
    example = coordinator_client.get("/levy/import-template.csv").get_data()
    preview = upload(coordinator_client, 1, example)
    soup = page(preview)
    assert soup.find(class_="govuk-error-summary") is None, text_of(soup)
    assert "3 rows: 3 to add, 0 to update, 0 already in the ledger." in text_of(soup)
    before = len(ledger_rows(app, 1))
    assert confirm(coordinator_client, 1, preview.get_data(as_text=True)).status_code == 303
    assert len(ledger_rows(app, 1)) == before + 3  # funds in, a payment, a transfer
    assert "DfE says" not in text_of(page(coordinator_client.get("/levy/accounts/1")))  # no difference to explain


def test_the_import_preview_says_what_the_file_holds_and_warns_when_it_goes_below_zero(app, coordinator_client):
    account_id = new_account(app)
    month = months_ago(4)
    add(app, account_id, month, TransactionKind.CREDIT, 3_900_000)
    clash = page(upload(coordinator_client, account_id, dfe_file(levy_row(month.replace(day=23), "40000"))))
    assert "Funds in, in the file £40,000" in text_of(clash)  # the file's figure, though it clashes
    assert "(row 2). Check which is right" in text_of(clash)
    empty = page(upload(coordinator_client, account_id, b""))
    assert "The file is empty" in text_of(empty) and "needs these columns" not in text_of(empty)
    # A file whose payments come to more than its funds in (a month's funds in missing): warned, not refused.
    other = new_account(app, "Schools")
    content = dfe_file(levy_row(months_ago(3).replace(day=23), "1000"),
                       payment_row(months_ago(2).replace(day=23), "-5000.00000"))
    preview = upload(coordinator_client, other, content)
    warning = page(preview).find(id="import-overdrawn").get_text(" ", strip=True)
    assert f"With this file the balance would go below zero in {months_ago(2):%B %Y}, by £4,000." in warning
    assert confirm(coordinator_client, other, preview.get_data(as_text=True)).status_code == 303
    assert balance(app, other) == -400_000


def test_the_same_funds_in_typed_in_twice_are_questioned(app, coordinator_client):
    account_id = new_account(app)
    url = f"/levy/accounts/{account_id}/transactions/new"
    first = post_form(coordinator_client, url, entry(date(2025, 3, 1), "123", kind="credit"), follow_redirects=True)
    assert "There was already" not in text_of(page(first))
    second = post_form(coordinator_client, url, entry(date(2025, 3, 1), "123", kind="credit"), follow_redirects=True)
    words = text_of(page(second))
    assert "Funds in of £123 added to March 2025." in words
    assert "There was already £123 of funds in for March 2025: check it is not the same money. If it is, remove one." \
        in words
    assert len(ledger_rows(app, account_id)) == 2


def test_an_apprentices_levy_funding_shows_the_payments_moved_by_their_break_as_the_forecast_moves_them(
        app, coordinator_client):
    account_id = new_account(app)
    with app.app_context():
        account = db.session.get(LevyAccount, account_id)
        paused, overdue = [funded_apprentice(account, name, 1_200_000, start_date=months_ago(6),
                                             planned_end_date=add_months(THIS_MONTH, 12) - timedelta(1),
                                             status=ApprenticeStatus.BREAK_IN_LEARNING)
                           for name in ("Paused", "Overdue")]
        db.session.add(BreakInLearning(apprentice=paused, start_date=months_ago(1),
                                       expected_return_date=add_months(THIS_MONTH, 2) + timedelta(9), reason="Ill"))
        db.session.add(BreakInLearning(apprentice=overdue, start_date=months_ago(3),
                                       expected_return_date=months_ago(1), reason="Caring"))
        db.session.commit()
        ids = paused.id, overdue.id
        forecast = {m.month: m.planned for m in levy_overview.pictures(uk_today(), account_id)[0].forecast}

    def planned_payments(apprentice_id: int) -> str:
        soup = page(coordinator_client.get(f"/apprentices/{apprentice_id}"))
        section = soup.find(id="levy-funding").find_next("dl")
        row = section.find("dt", string="Planned payments").find_parent("div")
        return " ".join(row.find("dd").get_text(" ", strip=True).split())

    # Paused from last month (on a break on its last day), resuming the month after the expected return,
    # the completion payment 4 months later than planned: the months the forecast plans them in.
    assert planned_payments(ids[0]) == (
        f"£533.33 a month from {months_ago(6):%B %Y}; payments paused from {months_ago(1):%B %Y}, while on a break "
        f"in learning; resume {add_months(THIS_MONTH, 3):%B %Y}; then £2,400 in {add_months(THIS_MONTH, 16):%B %Y}"
        " (19 payments, £12,000 in all)")
    assert [m for m, pence in forecast.items() if pence] == [add_months(THIS_MONTH, n) for n in range(3, 12)]
    # Expected back last month and not back: nothing planned, as the forecast, and the page says why
    # without a count and total of payments it has just said are not planned.
    assert planned_payments(ids[1]) == (
        f"£533.33 a month from {months_ago(6):%B %Y}; payments paused from {months_ago(3):%B %Y}, while on a break "
        f"in learning; the expected return, {format_date(months_ago(1))}, has passed, so none is planned until a "
        "return is recorded")
    assert "in all" not in planned_payments(ids[1])


# --- Issue 17's second trial: the import's words -------------------------------------------------------


def test_the_import_counts_one_row_in_the_singular_and_names_the_link_and_a_semicolon_file(app, coordinator_client):
    account_id = new_account(app)
    one = page(upload(coordinator_client, account_id, dfe_file(levy_row(months_ago(2).replace(day=23), "1000"))))
    assert "1 row: 1 to add, 0 to update, 0 already in the ledger." in text_of(one)
    # Not DfE's columns: the error names the link the page gives, in its own words.
    wrong = text_of(page(upload(coordinator_client, account_id, b"first_name,last_name\nSam,Taylor\n")))
    assert "download an example file to see them" in wrong
    upload_page = page(coordinator_client.get(f"/levy/accounts/{account_id}/import"))
    assert upload_page.find("a", string="Download an example file (CSV)") is not None
    # DfE's columns, saved with semicolons between them (a spreadsheet set to a European locale).
    semicolons = dfe_file(levy_row(months_ago(2).replace(day=23), "1000")).decode().replace(",", ";").encode()
    said = text_of(page(upload(coordinator_client, account_id, semicolons)))
    assert "The file’s columns are separated by semicolons: save it as CSV (comma separated) and upload it again" \
        in said
    assert "needs these columns" not in said
