"""Levy transfers through the pages: pledges within the allowance, applications and DfE's statuses,
the local rules' reasons, transfer apprentices and their payments through the ledger, what an employer
partner sees (their own only), the outcomes and their share link, hostile input, fixed SQL counts and
two pledges at once that together cannot pass the allowance (on PostgreSQL too)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta

import pytest
import requests
import sqlalchemy as sa
from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

from apprenticeships.email.templates import template
from apprenticeships.extensions import db
from apprenticeships.models import (
    ApplicationStatus,
    ApprenticeshipStandard,
    AuditEvent,
    EmailState,
    EmployerPartner,
    FundingBand,
    LevyAccount,
    LevyApplication,
    LevyPledge,
    LevyScheme,
    LevyTransaction,
    Notification,
    NotificationKind,
    OutboxMessage,
    PledgeStatus,
    TransactionKind,
    TransferApprentice,
    TransferOutcome,
    TransferPublishedVersion,
    User,
)
from apprenticeships.services import levy_ledger, levy_transfers, open_data
from apprenticeships.services.errors import ServiceError
from apprenticeships.services.sector_return import FinancialYear, financial_year_of
from apprenticeships.templating import format_date
from apprenticeships.text import money

from ..helpers import (
    DEMO_EMAILS,
    csrf_token_from,
    forget_council_codes,
    lookup,
    page,
    served,
    sql_statements,
    text_of,
)
from .test_concurrency import TIMEOUT, at_once, form_fields, hidden_fields
from .test_concurrency import signed_in as signed_in_over_http
from .test_open_data import unzip

TODAY = date.today()


# --- Helpers ---------------------------------------------------------------------------------------


def post(client, url: str, pairs: list[tuple[str, str]] | dict, *, page_url: str | None = None, **kwargs):
    """Post a form as a browser does: its page first, for the CSRF token; repeated names for date parts."""
    token = csrf_token_from(client.get(page_url or url).get_data(as_text=True))
    pairs = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
    return client.post(url, data=MultiDict([*pairs, ("csrf_token", token)]), **kwargs)


def date_parts(name: str, day: date) -> list[tuple[str, str]]:
    return [(name, str(day.day)), (name, str(day.month)), (name, str(day.year))]


def month_parts(name: str, month: date) -> list[tuple[str, str]]:
    return [(name, str(month.month)), (name, str(month.year))]


def version_fields(client, url: str) -> list[tuple[str, str]]:
    """The version and what the form showed (VersionedForm), as the edit page carries them."""
    soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return [(name, soup.find("input", attrs={"name": name})["value"]) for name in ("version", "loaded")]


def errors_of(response) -> list[str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [" ".join(e.get_text(" ").split()) for e in soup.select(".govuk-error-message")]


def followed(client, response) -> str:
    """The page a redirect leads to, as text (where a flashed message shows)."""
    assert response.status_code == 303, response.status_code
    return text_of(page(client.get(response.headers["Location"])))


def pledge_id(app, title: str) -> int:
    return lookup(app, sa.select(LevyPledge.id).where(LevyPledge.title == title))


def application_id(app, employer_start: str, status: ApplicationStatus | None = None) -> int:
    query = (sa.select(LevyApplication.id).join(EmployerPartner, EmployerPartner.id == LevyApplication.employer_id)
             .where(EmployerPartner.name.startswith(employer_start)).order_by(LevyApplication.id))
    if status is not None:
        query = query.where(LevyApplication.status == status)
    return lookup(app, query.limit(1))


DIGITAL, HEALTH, LAST_YEARS = ("Digital apprenticeships in Northmoor", "Health and care apprenticeships",
                               "Small employers' first apprentices")


def allowance_left(app, title: str = DIGITAL) -> int:
    """What is left of the allowance of the pledge's account this year, worked out from the ledger here."""
    with app.app_context():
        pledge = db.session.scalar(sa.select(LevyPledge).where(LevyPledge.title == title))
        year = FinancialYear(pledge.year)
        credits = int(db.session.scalar(sa.select(sa.func.sum(LevyTransaction.amount_pence)).where(
            LevyTransaction.account_id == pledge.account_id, LevyTransaction.kind == TransactionKind.CREDIT,
            LevyTransaction.month >= date(year.year - 1, 4, 1), LevyTransaction.month < year.first_day)))
        pledged = 0
        for one in db.session.scalars(sa.select(LevyPledge).where(LevyPledge.account_id == pledge.account_id,
                                                                  LevyPledge.year == year.year)):
            committed = sum(a.amount_pence for a in one.applications if a.status in levy_transfers.COMMITTED)
            pledged += one.amount_pence if one.status is PledgeStatus.OPEN else committed
        return credits * 50 // 100 - pledged


def pledge_form(title: str, amount: str, account_id: int | None = None, **more) -> list[tuple[str, str]]:
    fields = [("title", title), ("amount", amount), ("locations", more.get("locations", "")),
              ("sectors", more.get("sectors", "")), ("standard_id", more.get("standard_id", "")),
              ("min_level", more.get("min_level", "")), ("max_level", more.get("max_level", ""))]
    return fields + ([("account_id", str(account_id))] if account_id else [])


def account_of(app, title: str = DIGITAL) -> int:
    return lookup(app, sa.select(LevyPledge.account_id).where(LevyPledge.title == title))


def standard_id(app, reference: str) -> int:
    return lookup(app, sa.select(ApprenticeshipStandard.id).where(ApprenticeshipStandard.reference == reference))


def application_form(app, **changes) -> list[tuple[str, str]]:
    values = {"standard_id": str(standard_id(app, "ST0116")), "apprentices_planned": "1", "amount": "15,000",
              "location": "NM1 4QT", "employer_pays_levy": "no", "hourly_wage": "13.50",
              "apprentices_live_in_borough": "yes", "details": ""}
    values.update(changes)
    start = values.pop("planned_start", TODAY + timedelta(days=60))
    return [*values.items(), *date_parts("planned_start", start)]


# --- The allowance and pledges ---------------------------------------------------------------------------


def test_the_coordinator_sees_each_accounts_allowance_and_what_is_pledged_committed_paid_and_left(
        app, coordinator_client):
    left = allowance_left(app)
    soup = page(coordinator_client.get("/levy/pledges"))
    year = financial_year_of(TODAY)
    assert soup.h1.get_text(strip=True) == "Levy transfers"
    table = soup.find("table", attrs={"class": "govuk-table"})
    assert f"Transfer allowance {year.label}" in table.caption.get_text()
    row = next(tr for tr in table.select("tbody tr") if account_name(app) in tr.th.get_text())
    assert row.select("td")[-1].get_text(strip=True) == money(left)
    # Pledged this year: the two open pledges; committed: Kestrel's accepted £36,000 and Millstone's approved £12,000.
    assert [td.get_text(strip=True) for td in row.select("td")[1:3]] == ["£100,000", "£48,000"]
    pledges = text_of(soup.find("table", attrs={"class": "govuk-table"}).find_next("table"))
    for title in (DIGITAL, HEALTH, LAST_YEARS):
        assert title in pledges


def account_name(app) -> str:
    return lookup(app, sa.select(LevyAccount.name).where(LevyAccount.id == account_of(app)))


def test_a_pledge_beyond_what_is_left_of_the_allowance_is_refused_beside_the_amount(app, coordinator_client):
    left = allowance_left(app)
    account = account_of(app)
    response = post(coordinator_client, "/levy/pledges/new", pledge_form("Green skills", money(left + 1), account))
    assert response.status_code == 200
    assert any(f"The pledge is more than is left of the {financial_year_of(TODAY).label} transfer allowance: "
               f"{money(left)} is left to pledge" in e for e in errors_of(response))
    assert lookup(app, sa.select(sa.func.count()).where(LevyPledge.title == "Green skills")) == 0

    response = post(coordinator_client, "/levy/pledges/new",
                    pledge_form("Green skills", money(left), account, locations="Northmoor, NM1", min_level="3"))
    assert response.status_code == 303
    assert "Green skills pledged" in followed(coordinator_client, response)
    assert allowance_left(app) == 0
    with app.app_context():
        made = db.session.scalar(sa.select(LevyPledge).where(LevyPledge.title == "Green skills"))
        assert (made.amount_pence, made.locations, made.min_level, made.status) == (
            left, "Northmoor, NM1", 3, PledgeStatus.OPEN)
        assert made.year == financial_year_of(TODAY).year
        assert db.session.scalar(sa.select(AuditEvent.action).where(
            AuditEvent.subject_type == "levy_pledges", AuditEvent.subject_id == made.id)) == "levy_pledge.created"


def funds_in(app, account: int, year: FinancialYear) -> int:
    """The funds that entered the account in the financial year, from the ledger (PostgreSQL sums as NUMERIC)."""
    return int(lookup(app, sa.select(sa.func.coalesce(sa.func.sum(LevyTransaction.amount_pence), 0)).where(
        LevyTransaction.account_id == account, LevyTransaction.kind == TransactionKind.CREDIT,
        LevyTransaction.month >= year.first_day, LevyTransaction.month <= date(year.year + 1, 3, 1))))


def test_a_pledge_draws_on_next_years_allowance_once_it_is_known(app, coordinator_client):
    this_year = financial_year_of(TODAY)
    following = FinancialYear(this_year.year + 1)
    account, name, left = account_of(app), account_name(app), allowance_left(app)
    soup = page(coordinator_client.get("/levy/pledges/new"))
    assert soup.find("input", attrs={"name": "year"}) is None  # only this year's can be pledged yet
    assert (f"The {following.label} allowance can be pledged once the funds for March {following.year} are in the "
            "ledger.") in text_of(soup)
    with app.app_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS["coordinator"]))
        with pytest.raises(ServiceError, match=f"The {following.label} transfer allowance is not known yet"):
            levy_transfers.create_pledge(coordinator, db.session.get(LevyAccount, account), following.year,
                                         {"title": "Too soon", "amount_pence": 100})
        db.session.rollback()
        # March's funds in: this year's are all in, so next year's allowance is known.
        levy_ledger.record(db.session.get(LevyAccount, account), date(following.year, 3, 1), TransactionKind.CREDIT,
                           1_234_500, actor=None, audited=False)
        db.session.commit()
    allowance_now = funds_in(app, account, FinancialYear(this_year.year - 1)) * 50 // 100
    allowance_next = funds_in(app, account, this_year) * 50 // 100

    soup = page(coordinator_client.get("/levy/pledges/new"))
    radios = soup.select("input[name=year]")
    assert [r["value"] for r in radios] == [str(this_year.year), str(following.year)]
    assert radios[0].has_attr("checked") and not radios[1].has_attr("checked")
    assert [text_of(label) for label in soup.select(".govuk-radios__label")] == [
        f"{this_year.label} (this year, {this_year.in_words})", f"{following.label} (next year, {following.in_words})"]
    assert [text_of(hint) for hint in soup.select(".govuk-radios__hint")] == [
        f"{name}: {money(left)} left of the {money(allowance_now)} allowance",
        f"{name}: {money(allowance_next)} left of the {money(allowance_next)} allowance"]

    title = "Next year's first apprentices"
    response = post(coordinator_client, "/levy/pledges/new",
                    [*pledge_form(title, money(allowance_next + 1), account), ("year", str(following.year))])
    assert any(f"The pledge is more than is left of the {following.label} transfer allowance: "
               f"{money(allowance_next)} is left to pledge" in e for e in errors_of(response))
    response = post(coordinator_client, "/levy/pledges/new",
                    [*pledge_form(title, "1", account), ("year", str(this_year.year + 2))])
    assert errors_of(response) == ["Error: Select the year whose transfer allowance the pledge comes from"]
    response = post(coordinator_client, "/levy/pledges/new",
                    [*pledge_form(title, money(allowance_next), account), ("year", str(following.year))])
    assert response.status_code == 303
    assert lookup(app, sa.select(LevyPledge.year).where(LevyPledge.title == title)) == following.year
    assert allowance_left(app, title) == 0 and allowance_left(app) == left  # this year's is as it was
    assert f"{name}, transfer allowance {following.label}" in text_of(
        page(coordinator_client.get(response.headers["Location"])))
    # The pledges page shows both years' allowances: next year's with what is now pledged from it.
    listed = page(coordinator_client.get("/levy/pledges"))
    assert [h.get_text(" ", strip=True) for h in listed.select("h2[id^=allowance-]")] == [
        f"Transfer allowance {this_year.label}", f"Transfer allowance {following.label} Next year"]
    row = listed.find(id=f"allowance-{following.year}").find_next("table").select_one("tbody tr")
    assert [td.get_text(strip=True) for td in row.select("td")] == [
        money(allowance_next), money(allowance_next), "£0", "£0", "£0"]


def test_a_pledge_cannot_be_less_than_it_has_committed_nor_grow_beyond_the_allowance(app, coordinator_client):
    digital = pledge_id(app, DIGITAL)
    edit = f"/levy/pledges/{digital}/edit"
    keep = version_fields(coordinator_client, edit)
    response = post(coordinator_client, edit, [*pledge_form(DIGITAL, "35,999.99"), *keep])
    assert any("The pledge has £36,000 committed to approved applications, so its amount cannot be less than that"
               in e for e in errors_of(response))
    left = allowance_left(app)
    response = post(coordinator_client, edit, [*pledge_form(DIGITAL, money(6_000_000 + left + 1)), *keep])
    assert any(f"The pledge can be at most {money(6_000_000 + left)}: only {money(left)} more of the" in e
               for e in errors_of(response))
    response = post(coordinator_client, edit, [*pledge_form(DIGITAL, "40,000", min_level="3", max_level="2"), *keep])
    assert any("The highest level must be the same as the lowest level or above it" in e for e in errors_of(response))
    response = post(coordinator_client, edit, [*pledge_form(DIGITAL, "40,000"), *keep])
    assert response.status_code == 303
    assert lookup(app, sa.select(LevyPledge.amount_pence).where(LevyPledge.id == digital)) == 4_000_000


def test_a_pledge_closes_once_nothing_waits_for_a_decision_and_gives_back_what_it_had_not_committed(
        app, coordinator_client):
    digital = pledge_id(app, DIGITAL)
    left = allowance_left(app)
    confirm = page(coordinator_client.get(f"/levy/pledges/{digital}/close"))
    assert "1 application is waiting for a decision: approve or reject it before closing the pledge" in text_of(confirm)
    refused = post(coordinator_client, f"/levy/pledges/{digital}/close", {})
    assert "1 application is waiting for a decision" in followed(coordinator_client, refused)
    assert lookup(app, sa.select(LevyPledge.status).where(LevyPledge.id == digital)) is PledgeStatus.OPEN

    brightside = application_id(app, "Brightside")
    post(coordinator_client, f"/levy/applications/{brightside}/reject", {"seen": "pending", "reason": ""})
    closed = post(coordinator_client, f"/levy/pledges/{digital}/close", {})
    assert "is closed" in followed(coordinator_client, closed)
    # Of its £60,000, £36,000 (Kestrel's) stays committed; £24,000 is back in the allowance.
    assert allowance_left(app) == left + 2_400_000
    assert "Record an application" not in text_of(page(coordinator_client.get(f"/levy/pledges/{digital}")))


# --- Applications and DfE's statuses ----------------------------------------------------------------------


def test_an_employer_partner_sees_only_their_own_applications_and_applies_to_open_pledges(app, employer_client):
    kestrel = application_id(app, "Kestrel")
    others = [application_id(app, name) for name in ("Brightside", "Northmoor", "Ironbridge", "Heath")]
    soup = page(employer_client.get("/levy/applications"))
    listed = text_of(soup)
    assert "Your applications" in listed and DIGITAL in listed and "Accepted" in listed
    assert {a["href"] for a in soup.select("table a")} == {f"/levy/applications/{kestrel}"}
    assert LAST_YEARS not in listed  # closed: not offered
    assert {a.get_text(strip=True) for a in soup.select("#open ~ ul a")} == {DIGITAL, HEALTH}
    for other in others:
        assert employer_client.get(f"/levy/applications/{other}").status_code == 404
        assert employer_client.get(f"/levy/applications/{other}/withdraw").status_code == 404
    assert employer_client.get(f"/levy/pledges/{pledge_id(app, LAST_YEARS)}/apply").status_code == 404
    for coordinators_only in ("/levy/pledges", f"/levy/pledges/{pledge_id(app, DIGITAL)}", "/levy/scheme",
                              "/levy/transfers", f"/levy/applications/{kestrel}/apprentices/new"):
        assert employer_client.get(coordinators_only).status_code == 403
    # Their own moves only: the council's decision is not theirs to make.
    assert employer_client.get(f"/levy/applications/{kestrel}/approve").status_code == 404

    mine = page(employer_client.get(f"/levy/applications/{kestrel}"))
    assert mine.h1.get_text(strip=True) == f"Your application to {DIGITAL}"
    payments = text_of(mine)
    assert "KST-DEV-01: £3,000 paid of £18,000" in payments and "KST-DEV-02" in payments
    assert "Record a payment" not in payments and "Edit" not in [a.get_text(strip=True) for a in mine.select("a")]


def test_an_employers_menu_leads_to_its_levy_transfer_funding_named_as_the_page_is(app, employer_client):
    def menu(url: str) -> list[tuple[str, str, bool]]:
        return [(text_of(a), a["href"], "govuk-service-navigation__item--active" in a.find_parent("li")["class"])
                for a in page(employer_client.get(url)).select("nav .govuk-service-navigation__list > li:not("
                                                               ".app-service-navigation__notifications):not("
                                                               ".app-service-navigation__sign-out) > a")]

    assert menu("/employer") == [("Home", "/employer", True), ("Placements", "/placements", False),
                                 ("Reviews", "/reviews", False),
                                 ("Levy transfer funding", "/levy/applications", False)]
    levy = page(employer_client.get("/levy/applications"))
    assert levy.h1.get_text(strip=True) == "Levy transfer funding"
    assert menu("/levy/applications")[-1] == ("Levy transfer funding", "/levy/applications", True)
    # An application of its own sits under it.
    assert menu(f"/levy/applications/{application_id(app, 'Kestrel')}")[-1][2] is True


def test_an_employer_applies_and_the_coordinator_sees_it_checked_against_the_rules(app, employer_client, signed_in):
    health = pledge_id(app, HEALTH)
    response = post(employer_client, f"/levy/pledges/{health}/apply",
                    application_form(app, amount="12,500", hourly_wage="12.00", location="Eastbrook",
                                     standard_id=str(standard_id(app, "ST0120"))))
    assert response.status_code == 303
    assert "Application sent" in followed(employer_client, response)
    with app.app_context():
        made = db.session.scalar(sa.select(LevyApplication).order_by(LevyApplication.id.desc()).limit(1))
        employer = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS["employer"]))
        assert (made.employer_id, made.status, made.amount_pence, made.hourly_wage_pence, made.location) == (
            employer.employer_id, ApplicationStatus.PENDING, 1_250_000, 1200, "Eastbrook")
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.subject_type == "levy_applications",
                                                               AuditEvent.subject_id == made.id))
        assert (event.action, event.actor_id, event.details["by_employer"]) == (
            "levy_application.created", employer.id, True)
        made_id = made.id
    coordinator = signed_in("coordinator")
    listed = text_of(page(coordinator.get(f"/levy/pledges/{health}")))
    assert "The hourly wage (£12) is below this scheme’s minimum of £13.45 an hour" in listed
    assert "Check by hand: the pledge is for Northmoor, the workplace is at Eastbrook" in listed  # not a failure
    assert ("The employer’s sector (Transport and logistics) is not one this pledge is for: Health or Social care"
            in listed)
    shown = text_of(page(coordinator.get(f"/levy/applications/{made_id}")))
    assert "It does not meet these rules:" in shown


def test_an_application_is_checked_on_the_form(app, employer_client):
    digital = pledge_id(app, DIGITAL)
    response = post(employer_client, f"/levy/pledges/{digital}/apply",
                    application_form(app, amount="£1,2x", apprentices_planned="0", standard_id="999999",
                                     hourly_wage="1e999", location="\u200b", employer_pays_levy="maybe",
                                     planned_start=date(2026, 2, 30)) if False else
                    [*[(k, v) for k, v in application_form(app, amount="£1,2x", apprentices_planned="0",
                                                           standard_id="999999", hourly_wage="1e999",
                                                           location="\u200b", employer_pays_levy="maybe")
                       if k != "planned_start"],
                     ("planned_start", "30"), ("planned_start", "2"), ("planned_start", "2026")])
    assert response.status_code == 200
    found = errors_of(response)
    for message in ("Amount asked for must be an amount in pounds, like 1,250 or 1,250.50",
                    "The number of apprentices must be between 1 and 1,000",
                    "Select the apprenticeship standard", "Enter where the apprentices will work",
                    "Planned start date must be a real date",
                    "Hourly wage must be an amount in pounds, like 1,250 or 1,250.50"):
        assert any(message in e for e in found), (message, found)
    assert lookup(app, sa.select(sa.func.count()).select_from(LevyApplication)) == 9


def test_approving_an_application_that_does_not_meet_the_rules_needs_a_reason_the_employer_then_sees(
        app, coordinator_client, signed_in):
    brightside = application_id(app, "Brightside")
    url = f"/levy/applications/{brightside}/approve"
    confirm = text_of(page(coordinator_client.get(url)))
    assert "The hourly wage (£12.21) is below this scheme’s minimum of £13.45 an hour" in confirm
    response = post(coordinator_client, url, {"seen": "pending", "reason": "  "})
    assert response.status_code == 200
    assert any("Enter why you are approving it anyway" in e for e in errors_of(response))
    assert lookup(app, sa.select(LevyApplication.status).where(LevyApplication.id == brightside)) == \
        ApplicationStatus.PENDING

    reason = "They pay the London Living Wage from April"
    response = post(coordinator_client, url, {"seen": "pending", "reason": reason})
    assert "is approved" in followed(coordinator_client, response)
    with app.app_context():
        approved = db.session.get(LevyApplication, brightside)
        assert (approved.status, approved.decision_reason) == (ApplicationStatus.APPROVED, reason)
        assert approved.decided_by_id is not None and approved.decided_at is not None
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "levy_application.approved",
                                                               AuditEvent.subject_id == brightside))
        assert event.details == {"from_employer": False, "rules_not_met": 1}
        assert reason not in str(event.details)  # what was typed stays on the record, never in the log
    shown = text_of(page(coordinator_client.get(f"/levy/applications/{brightside}")))
    assert f"Approved on {TODAY.day} " in shown and reason in shown


def test_approving_more_than_the_pledge_has_left_is_refused(app, coordinator_client):
    health = pledge_id(app, HEALTH)  # £40,000; Millstone's £12,000 approved
    trust = application_id(app, "Northmoor")  # asks for £26,000
    post(coordinator_client, f"/levy/pledges/{health}/apply",
         [("employer_id", str(lookup(app, sa.select(EmployerPartner.id).where(EmployerPartner.name.startswith(
             "Brightside"))))), ("service_reference", "HLT-9"), *application_form(app, amount="3,000")])
    extra = lookup(app, sa.select(LevyApplication.id).where(LevyApplication.service_reference == "HLT-9"))
    post(coordinator_client, f"/levy/applications/{trust}/approve", {"seen": "pending", "reason": "Discretion"})
    response = post(coordinator_client, f"/levy/applications/{extra}/approve",
                    {"seen": "pending", "reason": "Discretion"})
    shown = followed(coordinator_client, response)
    assert "The application asks for £3,000, but only £2,000 of Health and care apprenticeships is not yet committed" \
        in shown
    assert lookup(app, sa.select(LevyApplication.status).where(LevyApplication.id == extra)) == \
        ApplicationStatus.PENDING


def test_a_move_from_a_status_the_person_did_not_see_changes_nothing(app, coordinator_client):
    brightside = application_id(app, "Brightside")
    with app.app_context():
        boss = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS["coordinator"]))
        application = db.session.get(LevyApplication, brightside)
        # Their page said "approved" (a stale tab): the UPDATE only moves it from that status, so nothing moves.
        with pytest.raises(ServiceError, match="This application is pending, so it cannot be rejected"):
            levy_transfers.decide(boss, application, "reject", seen=ApplicationStatus.APPROVED)
        db.session.rollback()
        assert db.session.get(LevyApplication, brightside).status is ApplicationStatus.PENDING
    # Someone withdrew it while the coordinator had the approve page open: they are told, nothing else changes.
    fields = hidden_fields(coordinator_client.get(f"/levy/applications/{brightside}/approve").get_data(as_text=True))
    post(coordinator_client, f"/levy/applications/{brightside}/withdraw", {"seen": "pending"})
    response = coordinator_client.post(f"/levy/applications/{brightside}/approve",
                                       data={**fields, "reason": "Discretion"})  # the page loaded before
    assert "This application is withdrawn, so it cannot be approved" in followed(coordinator_client, response)
    assert lookup(app, sa.select(LevyApplication.status).where(LevyApplication.id == brightside)) == \
        ApplicationStatus.WITHDRAWN


def waiting(client) -> int:
    """How many notifications need the person, as the header on their home page says ("Notifications 2 need you")."""
    said = text_of(page(client.get("/employer")).find(id="header-notifications"))
    return int(said.split()[1]) if said != "Notifications" else 0


def test_the_employer_is_told_the_councils_decisions_in_the_app_and_by_email(app, employer_client, signed_in):
    """As an employer is told a placement's proposal (services/notifications.py): approving asks them to accept
    or decline the funds until they have; rejecting, and the funds used, tell them for their information."""
    digital = pledge_id(app, DIGITAL)
    with app.app_context():
        employer = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS["employer"]))
    before = waiting(employer_client)
    for amount in ("2,000", "1,000"):
        post(employer_client, f"/levy/pledges/{digital}/apply", application_form(app, amount=amount))
    first, second = (lookup(app, sa.select(LevyApplication.id).where(LevyApplication.amount_pence == pence)
                            .order_by(LevyApplication.id.desc()).limit(1)) for pence in (200_000, 100_000))
    coordinator = signed_in("coordinator")
    post(coordinator, f"/levy/applications/{first}/approve", {"seen": "pending", "reason": ""})

    assert waiting(employer_client) == before + 1
    [told] = page(employer_client.get("/notifications")).select("#notifications a.govuk-link")[:1]
    assert text_of(told) == (f"The council has approved your application for £2,000 from its pledge {DIGITAL}. "
                             "Accept or decline the funds.")
    assert told["href"] == f"/levy/applications/{first}"
    with app.app_context():
        [email] = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.template == "levy_application_approved")).all()
        assert email.recipient == DEMO_EMAILS["employer"] and email.personalisation["what"] == text_of(told)
        assert email.personalisation["link"].endswith(f"/levy/applications/{first}")
        assert template("levy_application_approved").render(
            {**email.personalisation, "organisation_name": "Council"}).subject == \
            f"Your application to {DIGITAL} has been approved"
        [notice] = db.session.scalars(sa.select(Notification).where(
            Notification.kind == NotificationKind.LEVY_APPLICATION_APPROVED,
            Notification.occurrence == f"levy_application:{first}"))
        assert (notice.user_id, notice.kind, notice.email_state) == (
            employer.id, NotificationKind.LEVY_APPLICATION_APPROVED, EmailState.SENT)

    # Accepting the funds is what it asked: it is done.
    post(employer_client, f"/levy/applications/{first}/accept", {"seen": "approved"})
    assert waiting(employer_client) == before

    # A rejection only tells them: listed and emailed, never counted as waiting.
    post(coordinator, f"/levy/applications/{second}/reject", {"seen": "pending", "reason": "The pledge is full"})
    assert waiting(employer_client) == before
    [told] = page(employer_client.get("/notifications")).select("#notifications a.govuk-link")[:1]
    assert text_of(told) == (f"The council has rejected your application for £1,000 from its pledge {DIGITAL}. "
                             "The council’s reason: The pledge is full.")
    with app.app_context():  # the email gives the council's reason too
        rejected = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.template == "levy_application_rejected")).all()[-1]
    assert rejected.recipient == DEMO_EMAILS["employer"]
    assert "The council’s reason: The pledge is full." in template("levy_application_rejected").render(
        {**rejected.personalisation, "organisation_name": "Council"}).body
    assert "The pledge is full" in text_of(page(employer_client.get(told["href"])))

    # Paid in full: the last payment uses the funds, and they are told.
    start = date(TODAY.year - 1, TODAY.month, 1)
    post(coordinator, f"/levy/applications/{first}/apprentices/new",
         [("reference", "TOLD-1"), ("price", "2,000"), ("hourly_wage", "13.45"), *date_parts("start_date", start),
          *date_parts("planned_end_date", start + timedelta(days=400)), ("lives_in_borough", "yes"),
          ("outcome", "in_learning")])
    apprentice = lookup(app, sa.select(TransferApprentice.id).where(TransferApprentice.reference == "TOLD-1"))
    post(coordinator, f"/levy/applications/{first}/apprentices/{apprentice}/payment",
         [*month_parts("month", start), ("amount", "2,000")])
    assert lookup(app, sa.select(LevyApplication.status).where(LevyApplication.id == first)) is \
        ApplicationStatus.FUNDS_USED
    [told] = page(employer_client.get("/notifications")).select("#notifications a.govuk-link")[:1]
    assert text_of(told) == (f"All £2,000 of your levy transfer from {DIGITAL} has been paid for your apprentices’ "
                             "training. There is nothing for you to do.")
    with app.app_context():
        assert [e.template for e in db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.recipient == DEMO_EMAILS["employer"]).order_by(OutboxMessage.id))][-3:] == [
            "levy_application_approved", "levy_application_rejected", "levy_application_funds_used"]


def test_the_whole_lifecycle_from_applying_to_funds_used(app, employer_client, signed_in):
    """The employer applies, the council approves, the employer accepts, apprentices are added and paid
    through the ledger, and the last payment uses the funds."""
    digital = pledge_id(app, DIGITAL)
    post(employer_client, f"/levy/pledges/{digital}/apply", application_form(app, amount="2,000"))
    mine = lookup(app, sa.select(sa.func.max(LevyApplication.id)))
    coordinator = signed_in("coordinator")
    assert coordinator.get(f"/levy/applications/{mine}/apprentices/new").status_code == 303  # not accepted yet
    post(coordinator, f"/levy/applications/{mine}/approve", {"seen": "pending", "reason": ""})
    accept_page = text_of(page(employer_client.get(f"/levy/applications/{mine}/accept")))
    assert "Accept the funds?" in accept_page
    response = post(employer_client, f"/levy/applications/{mine}/accept", {"seen": "approved"})
    assert "You accepted the funds." in followed(employer_client, response)

    start = date(TODAY.year - 1, TODAY.month, 1)
    apprentice = [("reference", "NEW-1"), ("price", "2,000"), ("hourly_wage", "14"), *date_parts("start_date", start),
                  *date_parts("planned_end_date", start + timedelta(days=400)), ("lives_in_borough", "yes"),
                  ("outcome", "in_learning")]
    new_apprentice = f"/levy/applications/{mine}/apprentices/new"
    too_dear = post(coordinator, new_apprentice, [(k, "2,000.01" if k == "price" else v) for k, v in apprentice])
    assert any("The price is more than is left of the application’s £2,000: £2,000 is not taken by its other "
               "apprentices" in e for e in errors_of(too_dear))
    assert post(coordinator, new_apprentice, apprentice).status_code == 303
    transfer = lookup(app, sa.select(TransferApprentice.id).where(TransferApprentice.reference == "NEW-1"))

    payment = f"/levy/applications/{mine}/apprentices/{transfer}/payment"
    first = levy_ledger.instalments(200_000, start, start + timedelta(days=400))[0]
    form = page(coordinator.get(payment))
    assert form.find("input", attrs={"name": "amount"})["value"] == money(first[1]).removeprefix("£")
    response = post(coordinator, payment, [*month_parts("month", start), ("amount", money(first[1]))])
    assert response.status_code == 303
    with app.app_context():
        row = db.session.scalar(sa.select(LevyTransaction).where(LevyTransaction.transfer_apprentice_id == transfer))
        pledge = db.session.get(LevyPledge, digital)
        assert (row.kind, row.amount_pence, row.month, row.account_id) == (
            TransactionKind.TRANSFER, first[1], start, pledge.account_id)
    future = post(coordinator, payment, [*month_parts("month", levy_ledger.add_months(TODAY.replace(day=1), 1)),
                                         ("amount", "10")])
    assert any("The month of the payment must be this month or before" in e for e in errors_of(future))
    rest = 200_000 - first[1]
    too_much = post(coordinator, payment, [*month_parts("month", start), ("amount", money(rest + 1))])
    assert any(f"That is more than is left to pay: {money(rest)} for NEW-1" in e for e in errors_of(too_much))
    response = post(coordinator, payment, [*month_parts("month", TODAY), ("amount", money(rest))])
    assert response.status_code == 303
    shown = text_of(page(employer_client.get(f"/levy/applications/{mine}")))
    assert "Funds used" in shown and "NEW-1: £2,000 paid of £2,000" in shown
    with app.app_context():
        assert db.session.get(LevyApplication, mine).status is ApplicationStatus.FUNDS_USED
        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.subject_type == "levy_applications", AuditEvent.subject_id == mine).order_by(AuditEvent.id)))
        assert actions == ["levy_application.created", "levy_application.approved", "levy_application.accepted",
                           "levy_application.funds_used"]


def test_a_price_above_the_funding_band_is_refused_and_an_outcome_needs_its_date(app, coordinator_client):
    ironbridge = application_id(app, "Ironbridge", ApplicationStatus.ACCEPTED)  # £24,000; £8,000 not taken
    with app.app_context():
        standard = db.session.get(LevyApplication, ironbridge).standard_id
        db.session.merge(FundingBand(standard_id=standard, max_pence=500_000))
        db.session.commit()
    url = f"/levy/applications/{ironbridge}/apprentices/new"
    fields = [("reference", "IRN-APP-03"), ("hourly_wage", "13.50"),
              *date_parts("start_date", TODAY - timedelta(days=30)),
              *date_parts("planned_end_date", TODAY + timedelta(days=335)), ("lives_in_borough", "yes"),
              ("outcome", "completed")]
    response = post(coordinator_client, url, [("price", "5,000.01"), *fields])
    found = errors_of(response)
    assert any("The price is more than the funding band of Infrastructure technician (level 3) (£5,000)" in e
               for e in found)
    assert any("Enter the day they completed or withdrew" in e for e in found)
    response = post(coordinator_client, url, [("price", "5,000"), *fields[:-1], ("outcome", "in_learning")])
    assert response.status_code == 303
    assert "IRN-APP-03" in text_of(page(coordinator_client.get(f"/levy/applications/{ironbridge}")))


def rows_of(app, query) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(query)]


def field_error(response, name: str) -> str | None:
    """The error shown next to a field (govuk-frontend's "<name>-error" message), without its hidden prefix."""
    found = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(id=f"{name}-error")
    return None if found is None else text_of(found).removeprefix("Error:").strip()


def test_a_transfer_apprentices_hourly_wage_is_needed_and_checked_against_the_schemes_minimum(
        app, coordinator_client):
    """The demo's scheme asks for at least £13.45 an hour: the wage is needed, and one below that is refused next
    to the field in the words the application's rule uses; a hostile figure is an error there, not a failure."""
    ironbridge = application_id(app, "Ironbridge", ApplicationStatus.ACCEPTED)
    url = f"/levy/applications/{ironbridge}/apprentices/new"
    form = page(coordinator_client.get(url))
    assert text_of(form.find("label", attrs={"for": "hourly_wage"})) == "Hourly wage"
    assert text_of(form.find(id="hourly_wage-hint")) == (
        "What the apprentice is paid an hour. The scheme asks for at least £13.45 an hour (a lower wage is saved, "
        "and the application shows the rule as not met). The application said £13.50.")
    assert form.find("input", attrs={"name": "hourly_wage"}).get("value") in (None, "")  # not taken on trust
    start = TODAY.replace(day=1)
    fields = [("reference", "IRN-APP-04"), ("price", "4,000"), *date_parts("start_date", start),
              *date_parts("planned_end_date", start + timedelta(days=400)), ("lives_in_borough", "yes"),
              ("outcome", "in_learning")]

    def added() -> int:
        return lookup(app, sa.select(sa.func.count()).select_from(TransferApprentice).where(
            TransferApprentice.reference == "IRN-APP-04"))

    missing = post(coordinator_client, url, fields)
    assert missing.status_code == 200 and field_error(missing, "hourly_wage") == "Enter the hourly wage"
    for hostile in ("99999999999999999999", "1e9", "-5", "£NaN"):
        response = post(coordinator_client, url, [*fields, ("hourly_wage", hostile)])
        assert response.status_code == 200, hostile
        assert field_error(response, "hourly_wage") in (
            "Hourly wage must be between £0.01 and £1,000",
            "Hourly wage must be an amount in pounds, like 1,250 or 1,250.50"), hostile
    assert field_error(post(coordinator_client, url, [*fields, ("hourly_wage", "1,000.01")]),
                       "hourly_wage") == "Hourly wage must be between £0.01 and £1,000"  # the database's bound
    assert added() == 0

    assert post(coordinator_client, url, [*fields, ("hourly_wage", "£13.45")]).status_code == 303
    with app.app_context():
        saved = db.session.scalar(sa.select(TransferApprentice).where(TransferApprentice.reference == "IRN-APP-04"))
        saved_id, version = saved.id, saved.version
        assert saved.hourly_wage_pence == 1345
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "transfer_apprentice.created", AuditEvent.subject_id == saved.id))
        assert "hourly_wage_pence" in event.details["fields"]
    shown = page(coordinator_client.get(f"/levy/applications/{ironbridge}"))
    [row] = [r for r in shown.select("#apprentices ~ div tbody tr") if "IRN-APP-04" in text_of(r)]
    assert text_of(row.find(attrs={"data-label": "Hourly wage"})) == "£13.45"

    # Changed later: the edit form shows the wage. A wage below the minimum is what they are paid: it is
    # saved as it is, said so, and the application lists the rule as not met (as for living outside the borough).
    edit = f"/levy/applications/{ironbridge}/apprentices/{saved_id}/edit"
    assert page(coordinator_client.get(edit)).find("input", attrs={"name": "hourly_wage"})["value"] == "13.45"
    lowered = post(coordinator_client, edit, [*fields, ("version", str(version)), ("hourly_wage", "12")],
                   follow_redirects=True)
    assert "IRN-APP-04 saved. The hourly wage (£12) is below this scheme’s minimum of £13.45 an hour: the " \
           "application shows this rule as not met." in text_of(page(lowered))
    assert "IRN-APP-04 is paid below this scheme’s minimum of £13.45 an hour" in text_of(page(lowered))
    assert lookup(app, sa.select(TransferApprentice.hourly_wage_pence).where(
        TransferApprentice.id == saved_id)) == 1200


def test_with_no_minimum_wage_in_the_scheme_a_transfer_apprentices_wage_is_optional(app, coordinator_client):
    with app.app_context():
        db.session.get(LevyScheme, 1).min_hourly_wage_pence = None
        db.session.commit()
    ironbridge = application_id(app, "Ironbridge", ApplicationStatus.ACCEPTED)
    url = f"/levy/applications/{ironbridge}/apprentices/new"
    form = page(coordinator_client.get(url))
    assert text_of(form.find("label", attrs={"for": "hourly_wage"})) == "Hourly wage (optional)"
    start = TODAY.replace(day=1)
    fields = [("price", "4,000"), *date_parts("start_date", start),
              *date_parts("planned_end_date", start + timedelta(days=400)), ("lives_in_borough", "yes"),
              ("outcome", "in_learning")]
    hostile = post(coordinator_client, url, [("reference", "IRN-APP-05"), *fields,
                                             ("hourly_wage", "99999999999999999999")])
    assert field_error(hostile, "hourly_wage") == "Hourly wage must be an amount in pounds, like 1,250 or 1,250.50"
    assert post(coordinator_client, url, [("reference", "IRN-APP-05"), *fields, ("hourly_wage", "")]
                ).status_code == 303
    assert post(coordinator_client, url, [("reference", "IRN-APP-06"), ("hourly_wage", "9"), *fields[1:],
                                          ("price", "1,000")]).status_code == 303  # no rule: any wage
    assert dict(rows_of(app, sa.select(TransferApprentice.reference, TransferApprentice.hourly_wage_pence).where(
        TransferApprentice.reference.in_(["IRN-APP-05", "IRN-APP-06"])))) == {"IRN-APP-05": None, "IRN-APP-06": 900}
    shown = page(coordinator_client.get(f"/levy/applications/{ironbridge}"))
    wages = {text_of(r.find("th")).split()[0]: text_of(r.find(attrs={"data-label": "Hourly wage"}))
             for r in shown.select("#apprentices ~ div tbody tr")}
    assert (wages["IRN-APP-05"], wages["IRN-APP-06"]) == ("Not given", "£9")


def test_apprentices_recorded_below_a_minimum_set_later_fail_the_rule_by_their_reference(
        app, coordinator_client, employer_client):
    """Kestrel's two apprentices were recorded at £13.50 an hour; the scheme's minimum then goes up to £14."""
    kestrel = application_id(app, "Kestrel")
    assert rows_of(app, sa.select(TransferApprentice.hourly_wage_pence).where(
        TransferApprentice.application_id == kestrel)) == [(1350,), (1350,)]  # the demo's, as the application
    before = text_of(page(coordinator_client.get(f"/levy/applications/{kestrel}")))
    assert "paid below" not in before
    with app.app_context():
        db.session.get(LevyScheme, 1).min_hourly_wage_pence = 1400
        db.session.commit()
    rule = "KST-DEV-01 and KST-DEV-02 are paid below this scheme’s minimum of £14 an hour"
    shown = page(coordinator_client.get(f"/levy/applications/{kestrel}"))
    assert text_of(shown.find(id="recorded-since")) == "Since then, its apprentices’ records show that:"
    assert f"{rule}." in text_of(shown.find(id="recorded-since").find_next("ul"))
    assert rule in text_of(page(coordinator_client.get("/levy/applications")))  # the list checks them too
    assert f"{rule}." in text_of(page(employer_client.get(f"/levy/applications/{kestrel}")))


def test_a_withdrawal_recorded_stops_the_planned_payments(app, coordinator_client):
    kestrel = application_id(app, "Kestrel")
    with app.app_context():
        one = db.session.scalar(sa.select(TransferApprentice).where(TransferApprentice.reference == "KST-DEV-01"))
        account = db.session.get(LevyApplication, kestrel).pledge.account_id
        fields = {"version": str(one.version), "reference": one.reference, "price": "18,000", "hourly_wage": "13.50",
                  "lives_in_borough": "yes", "outcome": "withdrawn"}
        one_id, start, end = one.id, one.start_date, one.planned_end_date
        before = dict(levy_transfers.planned_payments(account, 12, TODAY))
    response = post(coordinator_client, f"/levy/applications/{kestrel}/apprentices/{one_id}/edit",
                    [*fields.items(), *date_parts("start_date", start), *date_parts("planned_end_date", end),
                     *date_parts("end_date", TODAY - timedelta(days=1))])
    assert response.status_code == 303
    with app.app_context():
        after = dict(levy_transfers.planned_payments(account, 12, TODAY))
    this_month = TODAY.replace(day=1)
    planned = dict(levy_ledger.instalments(1_800_000, start, end))
    # Kestrel's two developers were each planned £600 a month; now only one is, from next month.
    assert before[levy_ledger.add_months(this_month, 1)] == 2 * planned[levy_ledger.add_months(this_month, 1)]
    assert after[levy_ledger.add_months(this_month, 1)] == planned[levy_ledger.add_months(this_month, 1)]


def test_the_planned_payments_are_each_apprentices_unpaid_instalments_ahead(app):
    with app.app_context():
        kestrel = db.session.get(LevyApplication, application_id(app, "Kestrel"))
        planned = levy_transfers.planned_payments(kestrel.pledge.account_id, 12, TODAY)
        expected: dict[date, int] = {}
        for one in kestrel.apprentices:  # the only accepted application with someone still to pay for
            paid = {row.month for row in db.session.scalars(sa.select(LevyTransaction).where(
                LevyTransaction.transfer_apprentice_id == one.id))}
            for month, pence in levy_ledger.instalments(one.price_pence, one.start_date, one.planned_end_date):
                if month >= TODAY.replace(day=1) and month not in paid:
                    expected[month] = expected.get(month, 0) + pence
    assert [m for m, _ in planned] == [levy_ledger.add_months(TODAY.replace(day=1), n) for n in range(12)]
    assert {m: p for m, p in planned if p} == {m: p for m, p in expected.items()
                                               if m < levy_ledger.add_months(TODAY.replace(day=1), 12)}


def test_the_schemes_rules_are_saved_and_checked_against_every_application(app, coordinator_client):
    fields = dict(version_fields(coordinator_client, "/levy/scheme"))
    response = post(coordinator_client, "/levy/scheme", {
        "version": fields["version"], "loaded": fields["loaded"], "non_levy_employers_only": "no",
        "apprentices_in_borough_only": "no", "min_hourly_wage": "14"})
    assert response.status_code == 303
    with app.app_context():
        scheme = db.session.get(LevyScheme, 1)
        assert (scheme.non_levy_employers_only, scheme.min_hourly_wage_pence) == (False, 1400)
    kestrel = text_of(page(coordinator_client.get(f"/levy/applications/{application_id(app, 'Kestrel')}")))
    assert "The hourly wage (£13.50) is below this scheme’s minimum of £14 an hour" in kestrel
    response = post(coordinator_client, "/levy/scheme", {
        "version": fields["version"], "loaded": fields["loaded"], "non_levy_employers_only": "perhaps",
        "apprentices_in_borough_only": "no", "min_hourly_wage": "99999999"})
    assert response.status_code == 200  # a stale version, a choice not offered, a wage out of range


# --- Outcomes and the shared summary -------------------------------------------------------------------


def test_outcomes_per_pledge_and_overall(app, coordinator_client):
    soup = page(coordinator_client.get("/levy/transfers"))
    figures = [" ".join(f.get_text(" ").split()) for f in soup.select(".app-figure")]
    # The demo's five transfer apprentices: two completed, one withdrew, two (Kestrel's) in learning.
    assert figures[:6] == ["5 apprentices started", "2 in learning", "2 completed", "1 withdrew",
                           "3 live in the borough", "3 employers funded"]
    # £60,000 and £40,000 open this year; last year's closed pledge had committed all its £30,000.
    assert figures[6] == "£28,000 used of £130,000 pledged (£78,000 committed)"
    rows = {tr.th.get_text(strip=True): [td.get_text(strip=True) for td in tr.select("td")]
            for tr in soup.select("#pledges ~ .app-table-scroll tbody tr")[:3]}
    assert rows[LAST_YEARS] == ["3", "2", "1", "2", "£22,000", "£30,000"]
    assert rows[DIGITAL] == ["2", "0", "0", "1", "£6,000", "£60,000"]


def test_the_shared_summary_hides_small_numbers_and_moves_on_only_by_the_threshold(app, coordinator_client, client):
    response = post(coordinator_client, "/levy/transfers/sharing/new", {"label": "Board paper", "mode": "live"})
    created = page(coordinator_client.get(response.headers["Location"]))
    url = created.find("input", attrs={"id": "share-url"})["value"]
    assert "Share link for Board paper" in text_of(page(coordinator_client.get(response.headers["Location"])))
    public = client.get(url.replace("http://localhost", ""))
    assert public.headers["Referrer-Policy"] == "no-referrer"
    shown = text_of(page(public))
    assert "£28,000 paid for training and assessment" in shown and "5 apprentices started" in shown
    assert "Not shown employers funded Fewer than 5 employer partners" in shown
    # Each pledge's money is over fewer than 5 apprentices: not shown, with the reason.
    assert shown.count("not shown: it was paid for fewer than 5 apprentices") == 2
    assert "fewer than 5" in shown and "KST-DEV" not in shown and "Kestrel" not in shown
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TransferPublishedVersion)) == 1
        kestrel = db.session.get(LevyApplication, application_id(app, "Kestrel"))
        db.session.add(TransferApprentice(application_id=kestrel.id, reference="KST-DEV-03", price_pence=100,
                                          start_date=TODAY, planned_end_date=TODAY + timedelta(days=400)))
        db.session.commit()
    # One more start would tell about one person: the live link keeps the figures it had.
    assert "5 apprentices started" in text_of(page(client.get(url.replace("http://localhost", ""))))

    link = lookup(app, sa.select(sa.func.max(sa.literal_column("id"))).select_from(sa.table("transfer_share_links")))
    post(coordinator_client, f"/levy/transfers/sharing/{link}/revoke", {})
    assert client.get(url.replace("http://localhost", "")).status_code == 404
    assert client.get("/levy/transfers/s/not-a-token").status_code == 404


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_summary_downloads_as_csv_and_as_open_data_with_small_numbers_hidden(app, coordinator_client, client):
    soup = page(coordinator_client.get("/levy/transfers"))
    downloads = {a.get_text(strip=True): a["href"] for a in soup.select("#downloads ~ ul a")}
    assert downloads["Download the figures (CSV)"] == "/levy/transfers/figures.csv"
    year = financial_year_of(TODAY)
    assert f"for the {year.label} financial year ({year.in_words}, time period {year.time_period} in the file)" in (
        text_of(soup.find(id="downloads").find_next("ul")))

    rows = csv_rows(coordinator_client.get("/levy/transfers/figures.csv"))
    assert rows[0] == ["measure", "category", "value"]
    values = {(measure, category): value for measure, category, value in rows[1:]}
    assert values[("starts", "")] == "5" and values[("used_pounds", "")] == "28000"
    assert values[("pledged_pounds", "")] == "130000"
    # Three employers funded, two apprentices on the digital pledge: fewer than the threshold of 5.
    assert values[("employers", "")] == "not shown: fewer than 5 employer partners"
    digital = f"{DIGITAL} ({year.label})"
    assert values[("starts_by_pledge", digital)] == "fewer than 5"
    assert values[("used_by_pledge_pounds", digital)] == "not shown: it was paid for fewer than 5 apprentices"
    assert not any("KST-DEV" in value or "Kestrel" in value for row in rows for value in row)

    raw = coordinator_client.get(downloads[
        "Download the figures as open data in the Department for Education’s format (ZIP)"])
    files = unzip(raw)
    assert list(files["data"][0]) == [*open_data.MANDATORY, *open_data.LA_COLUMNS, "pledge", "status_now",
                                      "residence", "starts", "employers", "used", "pledged"]
    assert [(m["col_name"], m["col_type"], m["indicator_unit"]) for m in files["meta"]] == [
        ("pledge", "Filter", ""), ("status_now", "Filter", ""), ("residence", "Filter", ""),
        ("starts", "Indicator", ""), ("employers", "Indicator", ""), ("used", "Indicator", "£"),
        ("pledged", "Indicator", "£")]
    assert {(r["time_period"], r["time_identifier"]) for r in files["data"]} == {(year.time_period, "Financial year")}
    # Labelled as cumulative: the metadata says every pledge up to the day is counted, not the year's alone.
    assert files["meta"][0]["filter_hint"].startswith(
        f"All pledges up to {TODAY.day} {TODAY:%B %Y}: cumulative, every pledge since the first")
    assert f"levy_transfers_cumulative_{year.time_period}_as_of_" in raw.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(raw.get_data())) as archive:
        data, meta = (archive.read(n) for n in sorted(archive.namelist(), key=lambda n: n.endswith(".meta.csv")))
    assert open_data.problems(data, meta) == []
    by_filter = {next((r[f] for f in ("pledge", "status_now", "residence") if r[f] != "Total"), "Total"): r
                 for r in files["data"]}
    assert {k: by_filter["Total"][k] for k in ("starts", "employers", "used", "pledged")} == {
        "starts": "5", "employers": "c", "used": "28000", "pledged": "130000"}
    assert {k: by_filter[digital][k] for k in ("starts", "employers", "used", "pledged")} == {
        "starts": "c", "employers": "x", "used": "c", "pledged": "60000"}
    assert by_filter["Completed"]["starts"] == "c" and by_filter["Completed"]["used"] == "z"
    with app.app_context():
        assert db.session.scalars(sa.select(AuditEvent.details).where(
            AuditEvent.action == "transfer_figures.exported").order_by(AuditEvent.id)).all() == [
            {"file": "csv"}, {"file": "open_data"}]

    # The public page behind a share link offers its own figures, the same way.
    made = post(coordinator_client, "/levy/transfers/sharing/new", {"label": "Open data", "mode": "snapshot"})
    url = page(coordinator_client.get(made.headers["Location"])).find(
        "input", attrs={"id": "share-url"})["value"].replace("http://localhost", "")
    public = page(client.get(url))
    links = {a.get_text(strip=True): a["href"] for a in public.select("a") if "Download" in a.get_text()}
    assert links["Download the figures (CSV)"] == f"{url}.csv"
    assert csv_rows(client.get(f"{url}.csv"))[1:-2] == rows[1:-2]
    shared = unzip(client.get(f"{url}/open-data.zip"))
    assert shared["data"] == files["data"]
    forget_council_codes(app)
    assert "open data" not in text_of(page(client.get(url)))
    assert client.get(f"{url}/open-data.zip").status_code == 404
    assert "Download the figures as open data" not in text_of(page(coordinator_client.get("/levy/transfers")))


# --- Hostile input and fixed SQL counts ---------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1e999", "99999999999999", "-5", "£", "1,250.505", "£1,2,3", "1,23", "\x00", "٣"])
def test_hostile_amounts_are_errors_beside_the_field(app, coordinator_client, amount):
    response = post(coordinator_client, "/levy/pledges/new",
                    [*pledge_form("Hostile\x00", amount, account_of(app)), ("standard_id", "99999999999999999999")])
    assert response.status_code == 200
    found = errors_of(response)
    assert any("Amount" in e for e in found) and any("Title must not contain control characters" in e for e in found)
    assert lookup(app, sa.select(sa.func.count()).select_from(LevyPledge)) == 3


def grow(app, extra: int) -> None:
    """`extra` more pledges, applications (to the digital pledge), apprentices and payments."""
    with app.app_context():
        digital = db.session.scalar(sa.select(LevyPledge).where(LevyPledge.title == DIGITAL))
        kestrel = db.session.scalar(sa.select(LevyApplication).join(EmployerPartner).where(
            EmployerPartner.name.startswith("Kestrel")))
        for n in range(extra):
            db.session.add(LevyPledge(account_id=digital.account_id, year=digital.year - 3, title=f"Old pledge {n}",
                                      amount_pence=100, status=PledgeStatus.CLOSED))
            application = LevyApplication(pledge_id=digital.id, employer_id=kestrel.employer_id,
                                          status=ApplicationStatus.ACCEPTED, amount_pence=1000,
                                          standard_id=kestrel.standard_id, planned_start=TODAY, location="NM1")
            db.session.add(application)
            db.session.flush()
            one = TransferApprentice(application_id=application.id, reference=f"G{n}", price_pence=1000,
                                     start_date=TODAY - timedelta(days=100),
                                     planned_end_date=TODAY + timedelta(days=300), outcome=TransferOutcome.IN_LEARNING)
            db.session.add(one)
            db.session.flush()
            levy_ledger.record(digital.account, TODAY, TransactionKind.TRANSFER, 10, actor=None,
                               transfer_apprentice=one, audited=False)
            db.session.add(TransferApprentice(application_id=kestrel.id, reference=f"K{n}", price_pence=1,
                                              start_date=TODAY, planned_end_date=TODAY + timedelta(days=300)))
        db.session.commit()


def statements_for(app, client, path: str) -> int:
    client.get(path)
    with sql_statements(app, lambda s: s not in ("BEGIN", "BEGIN IMMEDIATE")) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


def test_the_pages_run_the_same_number_of_statements_whatever_the_data(app, signed_in):
    coordinator, employer = signed_in("coordinator"), signed_in("employer")
    digital, kestrel = pledge_id(app, DIGITAL), application_id(app, "Kestrel")
    pages = [(coordinator, "/levy/pledges"), (coordinator, f"/levy/pledges/{digital}"),
             (coordinator, "/levy/applications"), (coordinator, "/levy/applications?status=accepted"),
             (coordinator, f"/levy/applications/{kestrel}"), (coordinator, "/levy/transfers"),
             (employer, "/levy/applications"), (employer, f"/levy/applications/{kestrel}")]
    small = [statements_for(app, c, p) for c, p in pages]
    grow(app, 60)
    large = [statements_for(app, c, p) for c, p in pages]
    assert small == large, list(zip([p for _, p in pages], small, large, strict=True))
    assert max(small) <= 15


# --- Two pledges at once --------------------------------------------------------------------------------


@pytest.fixture
def server(app):
    with served(app) as address:
        yield address


def test_two_pledges_at_the_same_instant_never_pass_the_allowance_together(app, server):
    """Each of two coordinators pledges 60% of what is left: each alone fits, both would not. The account's
    row is locked before the sum is read, so exactly one is saved and the other is told why."""
    left = allowance_left(app)
    account = account_of(app)
    browsers = [signed_in_over_http(server, DEMO_EMAILS["coordinator"]) for _ in range(2)]
    tokens = [hidden_fields(b.get(f"{server}/levy/pledges/new", timeout=TIMEOUT).text)["csrf_token"]
              for b in browsers]
    amount = money(left * 60 // 100)
    responses = at_once([
        lambda b=b, t=t, n=n: b.post(f"{server}/levy/pledges/new", allow_redirects=False, timeout=TIMEOUT,
                                     data=[*pledge_form(f"At once {n}", amount, account), ("csrf_token", t)])
        for n, (b, t) in enumerate(zip(browsers, tokens, strict=True))])
    # The one that comes second is refused: by the form, beside the amount, when it reads the sum after the
    # other has saved (SQLite queues whole requests); by the save, under the lock, when it got past the form
    # before the other saved (PostgreSQL, as the timing falls), and told on the page it is sent back to.
    pages = [" ".join(BeautifulSoup(r.text if r.status_code == 200 else b.get(
        requests.compat.urljoin(r.url, r.headers["Location"]), timeout=TIMEOUT).text, "html.parser").get_text(
        " ").split()) for b, r in zip(browsers, responses, strict=True)]
    assert sorted(r.status_code for r in responses) in ([200, 303], [303, 303])
    assert sum("pledged." in p for p in pages) == 1
    assert sum("The pledge is more than is left of the" in p for p in pages) == 1
    assert lookup(app, sa.select(sa.func.count()).where(LevyPledge.title.startswith("At once"))) == 1
    assert allowance_left(app) == left - left * 60 // 100 >= 0


# --- The trial's findings (issue 17) ------------------------------------------------------------------------


def error_beside(response, name: str) -> str:
    """The error message in the form group of the field `name` (next to it, as GOV.UK shows it)."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    group = next(g for g in soup.select(".govuk-form-group") if g.select_one(f"[name='{name}']"))
    message = group.select_one(".govuk-error-message")
    return " ".join(message.get_text(" ").split()) if message else ""


def test_an_apprentice_recorded_outside_the_borough_fails_the_rule_by_their_reference(app, coordinator_client):
    kestrel = application_id(app, "Kestrel")  # says every apprentice lives in the borough; KST-DEV-02 does not
    soup = page(coordinator_client.get(f"/levy/applications/{kestrel}"))
    shown = text_of(soup)
    assert "KST-DEV-02 lives outside the borough: this scheme is for apprentices who live in the borough." in shown
    assert "Meets the local rules" not in shown
    assert ("Every apprentice lives in the borough No: KST-DEV-02 lives outside the borough (the application said "
            "yes)") in shown
    listed = text_of(page(coordinator_client.get(f"/levy/pledges/{pledge_id(app, DIGITAL)}")))
    assert "KST-DEV-02 lives outside the borough" in listed  # the list checks the apprentices too


def test_asking_for_more_than_the_pledge_has_left_is_a_reason_before_approving_and_refused_to_the_employer(
        app, coordinator_client, employer_client):
    health = pledge_id(app, HEALTH)  # £40,000; Millstone's £12,000 approved: £28,000 left
    brightside = lookup(app, sa.select(EmployerPartner.id).where(EmployerPartner.name.startswith("Brightside")))
    post(coordinator_client, f"/levy/pledges/{health}/apply",
         [("employer_id", str(brightside)), ("service_reference", "HLT-30"), *application_form(app, amount="30,000")])
    big = lookup(app, sa.select(LevyApplication.id).where(LevyApplication.service_reference == "HLT-30"))
    shown = text_of(page(coordinator_client.get(f"/levy/applications/{big}")))
    assert "It asks for £30,000; the pledge has £28,000 left." in shown
    approve = page(coordinator_client.get(f"/levy/applications/{big}/approve"))
    assert "It asks for £30,000; the pledge has £28,000 left." in text_of(approve)
    assert "It cannot be approved while the pledge has less left than it asks for" in text_of(approve)
    assert approve.find("button", string="Approve the application") is None

    apply_page = text_of(page(employer_client.get(f"/levy/pledges/{health}/apply")))
    assert "The pledge has £28,000 left to apply for, of £40,000 in all." in apply_page
    response = post(employer_client, f"/levy/pledges/{health}/apply", application_form(app, amount="28,000.01"))
    assert response.status_code == 200
    assert error_beside(response, "amount") == \
        "Error: Amount asked for must be £28,000 or less: that is what the pledge has left"


def test_the_employers_form_refuses_a_past_start_needs_the_wage_and_warns_of_an_application_pending(
        app, employer_client):
    health = pledge_id(app, HEALTH)
    form = page(employer_client.get(f"/levy/pledges/{health}/apply"))
    wage = form.find("label", attrs={"for": "hourly_wage"})
    assert text_of(wage) == "Hourly wage"  # the scheme sets a minimum: not optional
    assert "The scheme asks for at least £13.45 an hour" in text_of(form.find(id="hourly_wage-hint"))
    assert "You already have an application pending" not in text_of(form)
    response = post(employer_client, f"/levy/pledges/{health}/apply",
                    application_form(app, hourly_wage="", planned_start=date(2020, 2, 1)))
    assert response.status_code == 200
    assert error_beside(response, "planned_start") == "Error: Planned start date must be today or in the future"
    assert error_beside(response, "hourly_wage") == "Error: Enter the hourly wage"
    assert lookup(app, sa.select(sa.func.count()).select_from(LevyApplication)) == 9

    assert post(employer_client, f"/levy/pledges/{health}/apply",
                application_form(app, amount="12,500", planned_start=TODAY)).status_code == 303
    again = text_of(page(employer_client.get(f"/levy/pledges/{health}/apply")))
    assert (f"You already have an application pending for this pledge, sent on {TODAY.day} {TODAY:%B %Y}."
            in again)


def test_the_coordinators_are_told_when_an_employer_applies_until_it_is_decided(app, employer_client, signed_in):
    from apprenticeships.models import Notification, NotificationKind, OutboxMessage

    coordinator = signed_in("coordinator")
    header = text_of(page(coordinator.get("/coordinator")).find(id="header-notifications"))
    before = int(header.split()[1]) if header.split()[1].isdigit() else 0
    health = pledge_id(app, HEALTH)
    post(employer_client, f"/levy/pledges/{health}/apply", application_form(app, amount="12,500"))
    made = lookup(app, sa.select(sa.func.max(LevyApplication.id)))
    home = page(coordinator.get("/coordinator"))
    assert text_of(home.find(id="header-notifications")) == f"Notifications {before + 1} need you"
    listed = page(coordinator.get("/notifications"))
    link = listed.select("#notifications a.govuk-link")[0]
    assert link["href"] == f"/levy/applications/{made}"
    assert text_of(link) == ("Kestrel Logistics Ltd has applied for £12,500 of levy transfer funds from the pledge "
                             "Health and care apprenticeships. Approve or reject it.")
    assert "It goes once the application is approved, rejected or withdrawn." in text_of(listed)
    with app.app_context():
        sent = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.template == "levy_application_received")).all()
        assert [m.recipient for m in sent] == [DEMO_EMAILS["coordinator"]]
        assert f"/levy/applications/{made}" in sent[0].personalisation["link"]
    # The coordinator's decision ends it.
    post(coordinator, f"/levy/applications/{made}/reject", {"seen": "pending", "reason": ""})
    with app.app_context():
        assert db.session.scalar(sa.select(Notification.done_at).where(
            Notification.kind == NotificationKind.LEVY_APPLICATION_RECEIVED)) is not None
    assert text_of(page(coordinator.get("/coordinator")).find(id="header-notifications")) == header


def test_withdrawing_with_apprentices_in_learning_says_what_they_lose(app, employer_client):
    kestrel = application_id(app, "Kestrel")
    with app.app_context():
        application = db.session.get(LevyApplication, kestrel)
        still = sum(f.left_to_pay for f in levy_transfers.funded(list(application.apprentices)))
    assert still > 0
    warning = page(employer_client.get(f"/levy/applications/{kestrel}/withdraw")).select_one(".govuk-warning-text")
    assert text_of(warning) == (f"! Warning 2 apprentices are still in learning. {money(still)} still to be paid for "
                                "their training and assessment will not be paid: you lose it.")


def test_a_workplace_in_a_district_matches_and_one_a_named_place_may_take_in_is_checked_by_hand(
        app, coordinator_client, employer_client):
    assert "for an automatic check" in text_of(page(coordinator_client.get("/levy/pledges/new")))
    digital = pledge_id(app, DIGITAL)  # Northmoor, NM1, NM2, NM3
    post(employer_client, f"/levy/pledges/{digital}/apply", application_form(app, amount="2,000", location="NM2 8HF"))
    matched = lookup(app, sa.select(sa.func.max(LevyApplication.id)))
    assert "Check by hand" not in text_of(page(coordinator_client.get(f"/levy/applications/{matched}")))
    health = pledge_id(app, HEALTH)  # Northmoor
    post(employer_client, f"/levy/pledges/{health}/apply", application_form(app, amount="2,000", location="NM2 8HF"))
    by_hand = lookup(app, sa.select(sa.func.max(LevyApplication.id)))
    soup = page(coordinator_client.get(f"/levy/applications/{by_hand}"))
    assert text_of(soup.select_one(".govuk-inset-text")) == \
        "Check by hand: the pledge is for Northmoor, the workplace is at NM2 8HF."
    assert "this pledge is for Northmoor" not in text_of(soup)  # not a failure


def test_closed_pledges_rejected_applications_and_the_employers_words(app, coordinator_client, employer_client,
                                                                      signed_in):
    closed = pledge_id(app, LAST_YEARS)
    response = coordinator_client.get(f"/levy/pledges/{closed}/edit")
    assert f"{LAST_YEARS} is closed, so it cannot be changed." in followed(coordinator_client, response)
    soup = page(coordinator_client.get(f"/levy/pledges/{closed}"))
    assert soup.find("a", string="Edit the pledge") is None and "Not yet committed" not in text_of(soup)
    assert "Committed to approved applications £30,000" in text_of(soup)  # Ironbridge's and Heath's
    with app.app_context():
        boss = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS["coordinator"]))
        with pytest.raises(ServiceError, match="is closed, so it cannot be changed"):
            levy_transfers.edit_pledge(boss, db.session.get(LevyPledge, closed),
                                       {"title": "Changed", "amount_pence": 3_000_000}, version=None)
        db.session.rollback()

    money_rows = page(coordinator_client.get(f"/levy/applications/{application_id(app, 'Fenwick')}")).find(
        id="money").find_next("dl")
    assert "Remaining" not in text_of(money_rows)  # rejected: nothing is left of it to use

    digital = pledge_id(app, DIGITAL)
    post(employer_client, f"/levy/pledges/{digital}/apply", application_form(app, amount="2,000"))
    mine = lookup(app, sa.select(sa.func.max(LevyApplication.id)))
    post(coordinator_client, f"/levy/applications/{mine}/approve", {"seen": "pending", "reason": ""})
    post(employer_client, f"/levy/applications/{mine}/accept", {"seen": "approved"})
    assert ("No apprentices yet. The council adds each apprentice once you have sent their details, with their "
            "price and the payments made for them.") in text_of(page(employer_client.get(f"/levy/applications/{mine}")))


# --- Issue 17's second trial ------------------------------------------------------------------------


def test_an_employer_is_warned_before_applying_to_a_pledge_it_is_unlikely_to_qualify_for(app, employer_client):
    health, digital = pledge_id(app, HEALTH), pledge_id(app, DIGITAL)
    sector = ("Your organisation’s sector (Transport and logistics) is not one this pledge is for: "
              "Health or Social care")
    form = page(employer_client.get(f"/levy/pledges/{health}/apply"))
    assert "it is likely to turn down an application to this pledge" in form.find(id="likely-turned-down").get_text()
    assert [li.get_text(strip=True) for li in form.select("#likely-reasons li")] == [sector + "."]
    assert "You can still apply: the council decides." in text_of(form)
    # Its sector is not on the form: it is told where to say it has changed, and nothing about the levy.
    assert text_of(form.find(id="likely-record")) == (
        "If your organisation’s sector or address has changed, say so under “Anything else”: the council reads it "
        "with your application.")
    assert form.find(id="likely-levy") is None and form.find("textarea", attrs={"name": "details"}) is not None
    assert page(employer_client.get(f"/levy/pledges/{digital}/apply")).find(id="likely-turned-down") is None
    listed = page(employer_client.get("/levy/applications"))
    # Its own sentences after the warning's, not a capital letter after a colon.
    assert " ".join(listed.find(id=f"likely-{health}").find("strong").get_text(" ", strip=True).split()) == (
        f"Warning The council is likely to turn down an application from you. {sector}.")
    assert listed.find(id=f"likely-{digital}") is None

    # The scheme turns to non-levy employers only, and the employer's record says it pays the levy: both rules.
    with app.app_context():
        employer_id = db.session.scalar(sa.select(User.employer_id).where(User.email == DEMO_EMAILS["employer"]))
        db.session.get(EmployerPartner, employer_id).pays_levy = True
        scheme = levy_transfers.scheme()
        scheme.non_levy_employers_only = True
        db.session.add(scheme)
        db.session.commit()
    form = page(employer_client.get(f"/levy/pledges/{health}/apply"))
    assert [li.get_text(strip=True) for li in form.select("#likely-reasons li")] == [
        "Your organisation pays the levy: this scheme is for non-levy employers only.", sector + "."]
    # The levy is asked on this form, answered from the record: the advice points to that answer, which it links.
    levy_advice = form.find(id="likely-levy")
    assert text_of(levy_advice) == (
        "If your organisation does not pay the levy, answer “No” to “Does your organisation pay the apprenticeship "
        "levy?” below. Your answer updates the council’s record of your organisation.")
    target = form.find(id=levy_advice.find("a")["href"].removeprefix("#"))
    assert target.name == "input" and target["name"] == "employer_pays_levy"
    assert [i["value"] for i in form.select("input[name=employer_pays_levy][checked]")] == ["yes"]
    assert "If your details have changed" not in text_of(form) and form.find(id="likely-record") is not None
    listed = page(employer_client.get("/levy/applications"))
    assert " ".join(listed.find(id=f"likely-{health}").find("strong").get_text(" ", strip=True).split()) == (
        "Warning The council is likely to turn down an application from you. Your organisation pays the levy: "
        f"this scheme is for non-levy employers only. {sector}.")
    # A warning, not a refusal: the council decides.
    response = post(employer_client, f"/levy/pledges/{health}/apply",
                    application_form(app, amount="12,500", standard_id=str(standard_id(app, "ST0120"))))
    assert response.status_code == 303 and "Application sent" in followed(employer_client, response)


def test_the_employer_reads_its_own_application_in_its_own_words_without_the_councils_notes(
        app, employer_client, signed_in):
    health = pledge_id(app, HEALTH)
    # Not answered: the question and its error speak to the employer.
    response = post(employer_client, f"/levy/pledges/{health}/apply",
                    [(k, v) for k, v in application_form(app) if k != "employer_pays_levy"])
    assert "Error: Select yes if your organisation pays the levy" in errors_of(response)
    assert "Does your organisation pay the apprenticeship levy?" in response.get_data(as_text=True)
    with app.app_context():
        scheme = levy_transfers.scheme()
        scheme.non_levy_employers_only = True
        db.session.add(scheme)
        db.session.commit()
    response = post(employer_client, f"/levy/pledges/{health}/apply",
                    application_form(app, amount="12,500", location="Eastbrook", employer_pays_levy="yes",
                                     standard_id=str(standard_id(app, "ST0120"))))
    assert response.status_code == 303
    made = int(response.headers["Location"].split("#")[0].rsplit("/", 1)[1])

    mine = text_of(page(employer_client.get(f"/levy/applications/{made}")))
    assert "Your organisation pays the levy: this scheme is for non-levy employers only." in mine
    assert "Your organisation’s sector (Transport and logistics) is not one this pledge is for" in mine
    assert "Your application does not meet these rules:" in mine
    assert "They are added once you have accepted the funds." in mine
    listed = text_of(page(employer_client.get("/levy/applications")))
    assert "Your organisation pays the levy" in listed
    for council_words in ("The employer pays the levy", "The employer’s sector", "Check by hand",
                          "Meets the rules that can be checked here", "once the employer has accepted"):
        assert council_words not in mine and council_words not in listed, council_words

    # The council reads the same application in its own words, with its note to check the town by hand.
    theirs = text_of(page(signed_in("coordinator").get(f"/levy/applications/{made}")))
    assert "The employer pays the levy: this scheme is for non-levy employers only." in theirs
    assert "Check by hand: the pledge is for Northmoor, the workplace is at Eastbrook." in theirs


def test_after_accepting_the_employer_is_told_what_to_send_and_the_coordinators_hear_of_each_answer(
        app, employer_client, signed_in):
    digital = pledge_id(app, DIGITAL)
    for amount in ("2,000", "1,000", "500"):
        post(employer_client, f"/levy/pledges/{digital}/apply", application_form(app, amount=amount))
    accepted, declined, withdrawn = (
        lookup(app, sa.select(LevyApplication.id).where(LevyApplication.amount_pence == pence)
               .order_by(LevyApplication.id.desc()).limit(1)) for pence in (200_000, 100_000, 50_000))
    coordinator = signed_in("coordinator")
    for approved in (accepted, declined):
        post(coordinator, f"/levy/applications/{approved}/approve", {"seen": "pending", "reason": ""})
    assert page(employer_client.get(f"/levy/applications/{accepted}")).find(id="next-steps") is None

    response = post(employer_client, f"/levy/applications/{accepted}/accept", {"seen": "approved"})
    with app.app_context():  # who approved it: the contact the app knows at the council
        approver = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS["coordinator"]))
        name, address = approver.name, approver.email
    assert "You accepted the funds." in followed(employer_client, response)
    steps = page(employer_client.get(f"/levy/applications/{accepted}")).find(id="next-steps")
    assert " ".join(steps.find("p").get_text().split()) == (
        f"When your apprentice starts, email their details to {name} at the council, {address}. You cannot send "
        "them through this service.")
    assert steps.find("a", href=f"mailto:{address}") is not None
    assert [text_of(li) for li in steps.select("li")] == [
        "their reference on the apprenticeship service (not their name)", "their start date and planned end date",
        "the agreed price of their training", "their hourly wage"]
    assert "The council adds them here" in text_of(steps)
    # The coordinator who approved it can no longer sign in: the employer is told to contact their coordinator.
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == DEMO_EMAILS["coordinator"]).values(active=False))
        db.session.execute(sa.update(LevyPledge).where(LevyPledge.id == digital).values(created_by_id=None))
        db.session.commit()
    steps = page(employer_client.get(f"/levy/applications/{accepted}")).find(id="next-steps")
    assert " ".join(steps.find("p").get_text().split()) == (
        "When your apprentice starts, email their details to your programme coordinator at the council. You "
        "cannot send them through this service.")
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == DEMO_EMAILS["coordinator"]).values(active=True))
        db.session.commit()
    assert page(coordinator.get(f"/levy/applications/{accepted}")).find(id="next-steps") is None
    post(employer_client, f"/levy/applications/{declined}/decline", {"seen": "approved"})
    post(employer_client, f"/levy/applications/{withdrawn}/withdraw", {"seen": "pending"})

    with app.app_context():
        employer = db.session.get(EmployerPartner, db.session.scalar(
            sa.select(LevyApplication.employer_id).where(LevyApplication.id == accepted))).name
        told = {(n.kind, n.occurrence, n.done_at is not None) for n in db.session.scalars(
            sa.select(Notification).join(User, User.id == Notification.user_id)
            .where(User.email == DEMO_EMAILS["coordinator"],
                   Notification.kind.in_([NotificationKind.LEVY_FUNDS_ACCEPTED, NotificationKind.LEVY_FUNDS_DECLINED,
                                          NotificationKind.LEVY_APPLICATION_WITHDRAWN])))}
        emails = {e.template: e for e in db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.recipient == DEMO_EMAILS["coordinator"]))}
    # Accepted asks the coordinators to add the apprentices: it waits. The others are for their information:
    # listed and emailed, never counted as waiting.
    assert told == {(NotificationKind.LEVY_FUNDS_ACCEPTED, f"levy_application:{accepted}", False),
                    (NotificationKind.LEVY_FUNDS_DECLINED, f"levy_application:{declined}", True),
                    (NotificationKind.LEVY_APPLICATION_WITHDRAWN, f"levy_application:{withdrawn}", True)}
    listed = page(coordinator.get("/notifications")).select("#notifications a.govuk-link")
    texts = {text_of(a): a["href"] for a in listed}
    assert texts[f"{employer} has accepted the £2,000 of levy transfer funds approved from the pledge {DIGITAL}. "
                 f"Add each apprentice once {employer} sends their details."] == f"/levy/applications/{accepted}"
    assert texts[f"{employer} has declined the £1,000 of levy transfer funds approved from the pledge {DIGITAL}. "
                 "The funds go back to the pledge."] == f"/levy/applications/{declined}"
    assert texts[f"{employer} has withdrawn its application for £500 from the pledge {DIGITAL}. Its funds go back "
                 "to the pledge."] == f"/levy/applications/{withdrawn}"
    email = emails["levy_application_accepted"]
    assert email.personalisation["link"].endswith(f"/levy/applications/{accepted}")
    assert template("levy_application_accepted").render(
        {**email.personalisation, "organisation_name": "Council"}).subject == \
        f"{employer} has accepted its levy transfer funds"
    assert {"levy_application_declined", "levy_application_withdrawn"} <= set(emails)
    tags = {text_of(a): text_of(a.find_parent("li")) for a in listed}
    accepted_text = (f"{employer} has accepted the £2,000 of levy transfer funds approved from the pledge "
                     f"{DIGITAL}. Add each apprentice once {employer} sends their details.")
    assert "New" in tags[accepted_text] and "For information" not in tags[accepted_text]
    # Adding the first apprentice is what it asked: it is done, and the count in the header goes down by one.
    def needing() -> int:
        said = text_of(page(coordinator.get("/coordinator")).find(id="header-notifications")).split()
        return int(said[1]) if len(said) > 1 and said[1].isdigit() else 0

    needed = needing()
    assert needed >= 1
    start = date(TODAY.year, TODAY.month, 1)
    post(coordinator, f"/levy/applications/{accepted}/apprentices/new",
         [("reference", "SENT-1"), ("price", "1,000"), ("hourly_wage", "13.45"), *date_parts("start_date", start),
          *date_parts("planned_end_date", start + timedelta(days=400)), ("lives_in_borough", "yes"),
          ("outcome", "in_learning")])
    assert needing() == needed - 1
    assert lookup(app, sa.select(Notification.done_at.is_not(None)).join(User, User.id == Notification.user_id).where(
        User.email == DEMO_EMAILS["coordinator"], Notification.kind == NotificationKind.LEVY_FUNDS_ACCEPTED,
        Notification.occurrence == f"levy_application:{accepted}")) is True

    # Recorded by the coordinator on the employer's behalf: the coordinators are not told of their own record.
    post(employer_client, f"/levy/pledges/{digital}/apply", application_form(app, amount="250"))
    recorded = lookup(app, sa.select(sa.func.max(LevyApplication.id)))
    post(coordinator, f"/levy/applications/{recorded}/withdraw", {"seen": "pending"})
    assert lookup(app, sa.select(sa.func.count()).select_from(Notification).where(
        Notification.occurrence == f"levy_application:{recorded}",
        Notification.kind == NotificationKind.LEVY_APPLICATION_WITHDRAWN)) == 0


def test_the_apply_forms_date_example_is_a_date_to_come(app, employer_client):
    form = page(employer_client.get(f"/levy/pledges/{pledge_id(app, DIGITAL)}/apply"))
    hint = form.find(id="planned_start-hint").get_text(strip=True)
    day, month, year = (int(n) for n in hint.removeprefix("For example, ").split())
    assert date(year, month, day) > TODAY


# --- Issue 17's follow-ups -----------------------------------------------------------------------------


def test_an_application_approved_despite_a_rule_says_the_council_knew_on_the_employers_pages(
        app, employer_client, signed_in):
    digital = pledge_id(app, DIGITAL)
    post(employer_client, f"/levy/pledges/{digital}/apply", application_form(app, amount="2,000", hourly_wage="12"))
    mine = lookup(app, sa.select(sa.func.max(LevyApplication.id)))
    below = "The hourly wage (£12) is below this scheme’s minimum of £13.45 an hour"
    before = page(employer_client.get(f"/levy/applications/{mine}"))
    assert "Your application does not meet this rule:" in text_of(before) and before.find(id="approved-anyway") is None

    coordinator = signed_in("coordinator")
    post(coordinator, f"/levy/applications/{mine}/approve",
         {"seen": "pending", "reason": "They pay the real Living Wage from April."})
    shown = page(employer_client.get(f"/levy/applications/{mine}"))
    said = text_of(shown)
    assert text_of(shown.find(id="approved-anyway")) == (
        f"The council approved your application on {format_date(TODAY)}, knowing it does not meet this rule:")
    assert f"{below}. The council’s reason: They pay the real Living Wage from April." in said
    assert "does not meet this rule:" not in said.replace("knowing it does not meet this rule:", "")
    # Their list of applications says so beside the rule.
    [row] = [r for r in page(employer_client.get("/levy/applications")).select("#yours ~ div tbody tr")
             if f"/levy/applications/{mine}" in str(r)]
    assert text_of(row.find(attrs={"data-label": "Rules"})) == (
        f"{below} The council approved it anyway: you can still accept the funds")
    # The council's own page says it too, in its words.
    council = page(coordinator.get(f"/levy/applications/{mine}"))
    assert text_of(council.find(id="approved-anyway")) == (
        f"Approved on {format_date(TODAY)}, knowing it does not meet this rule:")
    assert "The reason given: They pay the real Living Wage from April." in text_of(council)


def test_the_apply_and_decision_pages_keep_the_form_pages_errors_way_back_and_heading(
        app, employer_client, coordinator_client):
    """Both extend form_page.html: its error summary, back link, caption and heading, their own text before
    the fields (and the decision page its own form)."""
    health, brightside = pledge_id(app, HEALTH), application_id(app, "Brightside")
    cases = [
        (employer_client, f"/levy/pledges/{health}/apply", {"amount": "x"}, "Levy transfer",
         f"Apply to {HEALTH}", "/levy/applications", "From what the council knows about your organisation"),
        (coordinator_client, f"/levy/applications/{brightside}/approve", {"seen": "pending", "reason": " "},
         lookup(app, sa.select(LevyPledge.title).join(LevyApplication).where(LevyApplication.id == brightside)),
         "Approve the application from Brightside Design Studio?", f"/levy/applications/{brightside}",
         "Approving commits"),
    ]
    for client, url, data, caption, heading, back, before_fields in cases:
        for soup in (page(client.get(url)), page(post(client, url, data))):
            assert text_of(soup.find(class_="govuk-caption-l")) == caption
            assert text_of(soup.find("h1")) == heading
            assert soup.find("a", class_="govuk-back-link")["href"] == back
            main = str(soup.find("main"))
            assert main.index(before_fields) < main.index("<form")  # the page's own text, then the fields
        summary = soup.find(class_="govuk-error-summary")
        assert summary is not None and summary.find("a") is not None
        assert soup.title.get_text().startswith(f"Error: {heading}")
    # The decision page's own form: its button and the way back.
    approve = page(coordinator_client.get(f"/levy/applications/{brightside}/approve"))
    assert approve.find("button", string="Approve the application") is not None
    assert approve.find("a", string="No, go back")["href"] == f"/levy/applications/{brightside}"


# --- The new employer's trial (after issue 17) ------------------------------------------------------------


def test_withdrawing_an_accepted_application_is_a_link_at_the_end_saying_what_it_does_not_a_red_button(
        app, employer_client, coordinator_client):
    """GOV.UK's destructive actions: a warning (red) button only on the page that confirms; elsewhere a link or
    a secondary button. Kestrel's (demo) is accepted, with payments going through."""
    kestrel = application_id(app, "Kestrel")
    shown = page(employer_client.get(f"/levy/applications/{kestrel}"))
    assert shown.select(".govuk-button--warning") == [] and shown.select("main .govuk-button") == []
    main = shown.find("main")
    headings = [text_of(h) for h in main.find_all("h2")]
    assert headings[-1] == "If you no longer need the funds"
    assert headings.index("What happens next") < headings.index("Money") < headings.index("Apprentices") < len(
        headings) - 1  # after the reassurance, what happens next and the payments: the page's last section
    section = main.find(id="withdrawing")
    assert text_of(section.find_next("p")) == (
        "You can withdraw your application. Its funds go back to the pledge, and no more payments are made for your "
        "apprentices’ training and assessment. This cannot be undone.")
    [link] = [a for a in main.find_all("a") if "withdraw" in a.get_text().lower()]
    assert (text_of(link), link["href"]) == ("Withdraw your application", f"/levy/applications/{kestrel}/withdraw")
    assert "govuk-button" not in link.get("class", [])
    # The page it opens confirms, with the red button.
    confirm = page(employer_client.get(link["href"]))
    assert confirm.h1.get_text(strip=True) == "Withdraw your application?"
    assert [text_of(b) for b in confirm.select("main .govuk-button--warning")] == ["Withdraw the application"]

    # The coordinator's moves are secondary buttons beside the first, never red on this page.
    pending = page(coordinator_client.get(f"/levy/applications/{application_id(app, 'Brightside')}"))
    assert [(text_of(b), b["class"]) for b in pending.select("main .govuk-button-group .govuk-button")] == [
        ("Approve", ["govuk-button"]), ("Reject", ["govuk-button", "govuk-button--secondary"]),
        ("Record that they withdrew", ["govuk-button", "govuk-button--secondary"])]
    theirs = page(coordinator_client.get(f"/levy/applications/{kestrel}"))
    assert [(text_of(b), b["class"]) for b in theirs.select("main .govuk-button-group .govuk-button")] == [
        ("Record that they withdrew", ["govuk-button", "govuk-button--secondary"])]
    assert theirs.find(id="withdrawing") is None


def rules_cell(client, application: int) -> str:
    """What the employer's list of applications says of one application's rules."""
    [row] = [r for r in page(client.get("/levy/applications")).select("#yours ~ div tbody tr")
             if f"/levy/applications/{application}\"" in str(r)]
    return text_of(row.find(attrs={"data-label": "Rules"}))


def test_a_rule_broken_since_the_approval_does_not_stop_the_transfer_and_the_employer_is_told_so(
        app, employer_client):
    """Kestrel's (demo): approved meeting the rules; the council has since recorded an apprentice who lives
    outside the borough. The employer reads what that means: nothing stops."""
    kestrel = application_id(app, "Kestrel")
    shown = page(employer_client.get(f"/levy/applications/{kestrel}"))
    with app.app_context():
        decided = db.session.get(LevyApplication, kestrel).decided_at
    assert text_of(shown.find(id="recorded-since")) == (
        f"The council approved your application on {format_date(decided)}. Since then, the council has recorded "
        "that:")
    assert text_of(shown.find(id="rules-outcome")) == (
        "This does not stop your transfer: payments go ahead as agreed, and you do not need to do anything about it.")
    said = text_of(shown)
    assert "KST-DEV-02 lives outside the borough: this scheme is for apprentices who live in the borough." in said
    assert "Your application does not meet" not in said and shown.find(class_="govuk-warning-text") is None
    assert shown.find(id="approved-anyway") is None  # the council did not know of it when it approved
    assert rules_cell(employer_client, kestrel) == (
        "KST-DEV-02 lives outside the borough: this scheme is for apprentices who live in the borough "
        "The council approved it: payments go ahead as agreed")
    # Both its apprentices are added: nothing more to send, and who to tell when one leaves.
    steps = shown.find(id="next-steps")
    assert [text_of(p) for p in steps.find_all("p")] == [
        "The council has added both apprentices on your application, so you do not need to send anything more. "
        "The transfer pays for their training and assessment month by month, as shown below.",
        "If an apprentice leaves, completes or changes their planned dates, email Alex Morgan at the council, "
        "coordinator@example.org . You cannot tell the council through this service."]
    assert steps.find("a", href="mailto:coordinator@example.org") is not None
    assert "As each" not in text_of(steps) and steps.find("ul") is None


def test_approved_despite_a_rule_the_employer_reads_it_everywhere_with_the_reason_and_what_happens_next(
        app, employer_client, signed_in):
    digital = pledge_id(app, DIGITAL)
    post(employer_client, f"/levy/pledges/{digital}/apply",
         application_form(app, amount="4,000", hourly_wage="12", apprentices_planned="2"))
    mine = lookup(app, sa.select(sa.func.max(LevyApplication.id)))
    url = f"/levy/applications/{mine}"
    below = "The hourly wage (£12) is below this scheme’s minimum of £13.45 an hour"
    coordinator = signed_in("coordinator")
    post(coordinator, f"{url}/approve", {"seen": "pending", "reason": "They pay the real Living Wage from April."})

    # The email says it was approved anyway, and why, as the rejection's gives its reason.
    with app.app_context():
        email = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.template == "levy_application_approved",
            OutboxMessage.recipient == DEMO_EMAILS["employer"]).order_by(OutboxMessage.id.desc())).first()
    body = template("levy_application_approved").render({**email.personalisation, "organisation_name": "Council"}).body
    assert (f"The council has approved your application for £4,000 from its pledge {DIGITAL}, even though it does "
            "not meet all the rules. The council’s reason: They pay the real Living Wage from April. Accept or "
            "decline the funds.") in body
    [told] = page(employer_client.get("/notifications")).select("#notifications a.govuk-link")[:1]
    assert text_of(told) + "\n" in body  # the app's notification says the same

    # Approved, not yet accepted: the page and the list say the funds can still be accepted.
    shown = page(employer_client.get(url))
    assert text_of(shown.find(id="approved-anyway")) == (
        f"The council approved your application on {format_date(TODAY)}, knowing it does not meet this rule:")
    assert text_of(shown.find(id="rules-outcome")) == (
        "This does not stop your transfer: you can still accept the funds, and payments then go ahead as agreed.")
    assert rules_cell(employer_client, mine) == (
        f"{below} The council approved it anyway: you can still accept the funds")

    # Accepting: a short banner; what to do next is in the box below it, its address a link.
    response = post(employer_client, f"{url}/accept", {"seen": "approved"})
    accepted = page(employer_client.get(response.headers["Location"]))
    banner = accepted.find(class_="govuk-notification-banner")
    assert text_of(banner.find(class_="govuk-notification-banner__content")) == "You accepted the funds."
    assert banner.find("a") is None and "email" not in text_of(banner)
    steps = accepted.find(id="next-steps")
    assert text_of(steps.find("p")) == (
        "As each of your 2 apprentices starts, email their details to Alex Morgan at the council, "
        "coordinator@example.org . You cannot send them through this service.")
    assert steps.find("a", href="mailto:coordinator@example.org") is not None
    assert text_of(accepted.find(id="rules-outcome")) == (
        "This does not stop your transfer: payments go ahead as agreed, and you do not need to do anything about it.")
    assert f"{below}. The council’s reason: They pay the real Living Wage from April." in text_of(accepted)
    assert rules_cell(employer_client, mine) == f"{below} The council approved it anyway: payments go ahead as agreed"

    # One apprentice added (living outside the borough): one still to send; the new rule is told apart.
    start = date(TODAY.year, TODAY.month, 1)

    def add(reference: str, in_borough: str) -> None:
        post(coordinator, f"{url}/apprentices/new",
             [("reference", reference), ("price", "2,000"), ("hourly_wage", "13.45"), *date_parts("start_date", start),
              *date_parts("planned_end_date", start + timedelta(days=400)), ("lives_in_borough", in_borough),
              ("outcome", "in_learning")])

    add("WAGE-1", "no")
    shown = page(employer_client.get(url))
    assert text_of(shown.find(id="next-steps").find("p")) == (
        "The council has added 1 of the 2 apprentices on your application. When the other one starts, email their "
        "details to Alex Morgan at the council, coordinator@example.org . You cannot send them through this "
        "service.")
    assert text_of(shown.find(id="approved-anyway")).endswith("knowing it does not meet this rule:")
    assert text_of(shown.find(id="recorded-since")) == "Since then, the council has recorded that:"
    assert "WAGE-1 lives outside the borough: this scheme is for apprentices who live in the borough." in \
        text_of(shown)
    assert text_of(shown.find(id="rules-outcome")).startswith("This does not stop your transfer")
    add("WAGE-2", "yes")
    steps = page(employer_client.get(url)).find(id="next-steps")
    assert text_of(steps.find("p")).startswith(
        "The council has added both apprentices on your application, so you do not need to send anything more.")


def test_approving_an_application_that_meets_every_rule_asks_no_reason_and_keeps_none(
        app, employer_client, signed_in):
    post(employer_client, f"/levy/pledges/{pledge_id(app, DIGITAL)}/apply", application_form(app, amount="2,000"))
    mine = lookup(app, sa.select(sa.func.max(LevyApplication.id)))
    coordinator = signed_in("coordinator")
    assert page(coordinator.get(f"/levy/applications/{mine}/approve")).find(attrs={"name": "reason"}) is None
    post(coordinator, f"/levy/applications/{mine}/approve", {"seen": "pending", "reason": "Good fit"})
    with app.app_context():
        approved = db.session.get(LevyApplication, mine)
        assert (approved.status, approved.decision_reason) == (ApplicationStatus.APPROVED, None)
    [told] = page(employer_client.get("/notifications")).select("#notifications a.govuk-link")[:1]
    assert text_of(told) == (f"The council has approved your application for £2,000 from its pledge {DIGITAL}. "
                             "Accept or decline the funds.")
    shown = page(employer_client.get(f"/levy/applications/{mine}"))
    assert "Your application meets the council’s local rules" in text_of(shown)
    assert shown.find(id="rules-outcome") is None


def test_a_pledge_with_nothing_left_is_listed_without_a_form_to_apply(app, employer_client):
    """All its funds committed to approved applications: named, not offered; its apply address says why."""
    with app.app_context():
        # An open pledge of the demo's with an approved application, cut to exactly what it has committed.
        pledge = next(p for p in db.session.scalars(sa.select(LevyPledge).where(
            LevyPledge.status == PledgeStatus.OPEN).order_by(LevyPledge.id)) if levy_transfers.committed_on(p) > 0)
        pledge.amount_pence = levy_transfers.committed_on(pledge)
        db.session.commit()
        assert levy_transfers.left_on(pledge) == 0
        title, full_id = pledge.title, pledge.id
    listing = page(employer_client.get("/levy/applications"))
    item = next(li for li in listing.find(id="open").find_next("ul").find_all("li") if title in text_of(li))
    assert "nothing left to apply for at the moment" in text_of(item) and item.find("a") is None
    response = employer_client.get(f"/levy/pledges/{full_id}/apply")
    assert response.status_code == 303 and response.headers["Location"].split("#")[0].endswith("/levy/applications")
    text = text_of(page(employer_client.get("/levy/applications")))
    assert f"Nothing is left to apply for on {title}: all of its funds are committed to approved applications." in text


def test_an_employer_partners_record_says_whether_it_pays_the_levy_and_the_levy_rules_read_it(
        app, employer_client, coordinator_client):
    """The coordinator records it on the employer's page; the employer's own application updates it; the warning
    before applying and the apply form's answer follow it."""
    digital = pledge_id(app, DIGITAL)
    with app.app_context():
        employer = db.session.scalar(sa.select(EmployerPartner).join(User, User.employer_id == EmployerPartner.id)
                                     .where(User.email == DEMO_EMAILS["employer"]))
        employer.pays_levy = None
        scheme = levy_transfers.scheme()
        scheme.non_levy_employers_only = True
        db.session.add(scheme)
        db.session.commit()
        employer_id, name = employer.id, employer.name
    show, edit = f"/employers/{employer_id}", f"/employers/{employer_id}/edit"
    levy_warning = ("Warning The council is likely to turn down an application from you. Your organisation pays the "
                    "levy: this scheme is for non-levy employers only.")

    def recorded() -> str:
        rows = page(coordinator_client.get(show)).select(".govuk-summary-list__row")
        [row] = [r for r in rows if text_of(r.find("dt")) == "Pays the apprenticeship levy"]
        return text_of(row.find("dd"))

    def warned() -> str | None:
        found = page(employer_client.get("/levy/applications")).find(id=f"likely-{digital}")
        return None if found is None else " ".join(found.find("strong").get_text(" ", strip=True).split())

    def answered() -> list[str]:
        form = page(employer_client.get(f"/levy/pledges/{digital}/apply"))
        return [i["value"] for i in form.select("input[name=employer_pays_levy][checked]")]

    def edited_by(email: str) -> list[dict]:
        with app.app_context():
            return [e.details for e in db.session.scalars(
                sa.select(AuditEvent).join(User, User.id == AuditEvent.actor_id)
                .where(AuditEvent.action == "employer.edited", AuditEvent.subject_type == "employer_partners",
                       AuditEvent.subject_id == employer_id, User.email == DEMO_EMAILS[email]))]

    # Not known: the levy rule is not guessed at, and the apply form leaves the question unanswered.
    assert (recorded(), warned(), answered()) == ("Not known", None, [])
    edit_page = page(coordinator_client.get(edit))
    assert text_of(edit_page.find("legend")) == "Does the employer pay the apprenticeship levy?"
    assert text_of(edit_page.find(id="pays_levy-hint")) == (
        "Employers with a pay bill over £3 million a year do. The levy transfer rules use this, and it changes to "
        "what the employer says when it applies for a levy transfer.")
    assert [i["value"] for i in edit_page.select("input[name=pays_levy][checked]")] == ["unknown"]

    # The coordinator records that it pays the levy: the employer is warned before applying, and the form says yes.
    fields = [(k, v) for k, v in form_fields(coordinator_client.get(edit).get_data(as_text=True)) if k != "pays_levy"]
    response = coordinator_client.post(edit, data=MultiDict([*fields, ("pays_levy", "yes")]))
    assert f"{name} saved." in followed(coordinator_client, response)
    assert (recorded(), warned(), answered()) == ("Yes", levy_warning, ["yes"])
    assert edited_by("coordinator") == [{"fields": ["pays_levy"]}]
    form = page(employer_client.get(f"/levy/pledges/{digital}/apply"))
    assert "Your organisation pays the levy: this scheme is for non-levy employers only." in [
        li.get_text(strip=True) for li in form.select("#likely-reasons li")]
    assert form.find(id="likely-levy") is not None and form.find(id="likely-record") is None  # its sector fits

    # The employer applies saying it does not: its newer word is what its record now says.
    response = post(employer_client, f"/levy/pledges/{digital}/apply",
                    application_form(app, amount="1,000", employer_pays_levy="no"))
    assert "Application sent" in followed(employer_client, response)
    assert (recorded(), warned(), answered()) == ("No", None, ["no"])
    assert edited_by("employer") == [{"fields": ["pays_levy"]}]
    # Saying the same again changes nothing, and records nothing.
    post(employer_client, f"/levy/pledges/{digital}/apply", application_form(app, amount="1,000"))
    assert recorded() == "No" and len(edited_by("employer")) == 1

    # The council can say it is not known again.
    fields = [(k, v) for k, v in form_fields(coordinator_client.get(edit).get_data(as_text=True)) if k != "pays_levy"]
    coordinator_client.post(edit, data=MultiDict([*fields, ("pays_levy", "unknown")]))
    assert (recorded(), warned(), answered()) == ("Not known", None, [])
