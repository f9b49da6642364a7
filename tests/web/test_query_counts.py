"""Pages run a fixed number of SQL statements, however many apprentices there are."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import (
    ActivityType,
    Apprentice,
    BreakInLearning,
    Cohort,
    EmployerPartner,
    EvidenceFile,
    LevyAccount,
    LevyApplication,
    LevyFunding,
    LevyPledge,
    LevyTransaction,
    LogEntry,
    Mentor,
    Placement,
    PlacementAssignment,
    PlacementInterest,
    PlacementStatus,
    ProgressReview,
    Rag,
    ReviewAction,
    TransactionKind,
    TransferApprentice,
    User,
    VerificationStatus,
    WorkingPattern,
)
from apprenticeships.services.progress import add_months
from apprenticeships.services.sector_return import financial_year_of

from ..helpers import DEMO_EMAILS, lookup, sql_statements


def counting(app):
    # SQLite's BEGIN, sent by the app itself (see transactions.py): PostgreSQL's driver sends none
    return sql_statements(app, lambda statement: statement not in ("BEGIN", "BEGIN IMMEDIATE"))


def grow(app, extra: int) -> None:
    """Add `extra` apprentices to the current cohort, each with logs, reviews and a break."""
    with app.app_context():
        cohort = db.session.scalar(sa.select(Cohort).order_by(Cohort.start_date.desc()).limit(1))
        model = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Liam"))
        mentor = db.session.scalar(sa.select(Mentor).where(Mentor.email == "mentor@example.org"))
        for n in range(extra):
            apprentice = Apprentice(
                first_name=f"Grown{n}", last_name="Scale", cohort=cohort, standard_id=model.standard_id,
                provider_id=model.provider_id, service_area=model.service_area, mentor=mentor,
                contracted_minutes_per_week=37 * 60, start_date=model.start_date,
                planned_end_date=model.planned_end_date)
            db.session.add(apprentice)
            for week in range(3):
                entry = LogEntry(apprentice=apprentice, activity_date=model.start_date + timedelta(weeks=week),
                                 activity_type=ActivityType.STUDY_TIME, minutes=120, description="study",
                                 status=VerificationStatus.PENDING)
                db.session.add(entry)
                if week == 0:  # evidence on some entries: the queue lists it beside them
                    db.session.add(EvidenceFile(apprentice=apprentice, log_entry=entry, filename="notes.pdf",
                                                media_type="application/pdf", size_bytes=100, digest="0" * 64))
            # Each review with an agreed action not done (overdue): the mentor's pages list and count them.
            db.session.add(ProgressReview(apprentice=apprentice, scheduled_date=model.start_date + timedelta(weeks=12),
                                          held_date=model.start_date + timedelta(weeks=12), rag=Rag.RED,
                                          actions=[ReviewAction(description="Read", owner="Them",
                                                                due_date=model.start_date + timedelta(weeks=14))]))
            db.session.add(BreakInLearning(apprentice=apprentice, start_date=model.start_date + timedelta(weeks=20),
                                           expected_return_date=model.start_date + timedelta(weeks=26),
                                           returned_on=model.start_date + timedelta(weeks=25), reason="test"))
        grow_levy(extra, model)
        db.session.commit()


def grow_levy(extra: int, model: Apprentice) -> None:
    """The levy grown too: each new apprentice funded from the account, with a month's funds in and a
    training payment for them; and a pledge a tenth as often, with an employer's application and a
    transfer apprentice it funds."""
    account = db.session.scalar(sa.select(LevyAccount).order_by(LevyAccount.id).limit(1))
    employer = db.session.scalar(sa.select(EmployerPartner).order_by(EmployerPartner.id).limit(1))
    grown = db.session.scalars(sa.select(Apprentice).where(Apprentice.last_name == "Scale")
                               .order_by(Apprentice.id.desc()).limit(extra)).all()
    first_month = model.start_date.replace(day=1)
    for n, apprentice in enumerate(grown):
        month = add_months(first_month, n % 24)
        db.session.add(LevyFunding(apprentice=apprentice, account=account, price_pence=1_200_000))
        db.session.add_all([
            LevyTransaction(account=account, month=month, kind=TransactionKind.CREDIT, amount_pence=110_000,
                            top_up_pence=10_000, description="Grown funds in"),
            LevyTransaction(account=account, month=month, kind=TransactionKind.TRAINING, amount_pence=25_000,
                            apprentice_id=apprentice.id, description="Grown training payment"),
        ])
        if n % 10 == 0:
            pledge = LevyPledge(account=account, year=model.start_date.year, title=f"Grown pledge {n}",
                                amount_pence=500_000)
            application = LevyApplication(pledge=pledge, employer_id=employer.id, amount_pence=400_000,
                                          standard_id=model.standard_id, planned_start=model.start_date)
            db.session.add_all([pledge, application, TransferApprentice(
                application=application, reference=f"GROWN-{n}", price_pence=400_000,
                start_date=model.start_date, planned_end_date=model.start_date + timedelta(days=500))])


def statements_for(app, client, path: str) -> int:
    client.get(path)  # warm up: the session's own upkeep is not what is measured
    with counting(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    assert b"govuk-error-summary" not in response.data, f"{path}: the filters were refused"
    return len(statements)


RECORD_PAGES = {"/apprentices/1", "/audit?apprentice=1", "/apprentice"}


@pytest.mark.parametrize("role,path", [
    ("coordinator", "/coordinator"),
    ("coordinator", "/cohorts"),
    ("coordinator", "/cohorts/{cohort}"),
    ("coordinator", "/cohorts/{cohort}?at_risk=yes&sort=otj"),
    ("coordinator", "/cohorts/{cohort}/apprentices.csv"),
    ("coordinator", "/users"),
    ("coordinator", "/reviews"),
    ("coordinator", "/verification"),
    ("coordinator", "/verification?status=answered&apprentice_name=a&date_from=1&date_from=1&date_from=2000"
                    "&date_to=31&date_to=12&date_to=2099&sort=newest"),
    ("mentor", "/verification?status=queried&sort=newest"),
    ("coordinator", "/apprentices/1"),
    ("coordinator", "/audit"),
    ("coordinator", "/audit?apprentice=1"),
    ("coordinator", "/audit?kind=log_entry.verified&actor=a&date_from=1&date_from=1&date_from=2000"),
    ("coordinator", "/reports"),
    ("coordinator", "/reports/{year}"),
    ("coordinator", "/levy"),
    ("coordinator", "/levy/accounts/{account}"),
    ("coordinator", "/levy/transfers"),
    ("coordinator", "/levy/pledges"),
    ("coordinator", "/levy/pledges/{pledge}"),
    ("coordinator", "/levy/applications"),
    ("coordinator", "/levy/applications/{application}"),
    ("mentor", "/mentor"),
    ("mentor", "/reviews"),
    ("apprentice", "/apprentice"),
    ("apprentice", "/reviews"),
    ("employer", "/employer"),
])
def test_the_same_number_of_statements_at_two_data_sizes(app, signed_in, role, path):
    with app.app_context():
        cohort = db.session.scalar(sa.select(Cohort.id).order_by(Cohort.start_date.desc()).limit(1))
        account = db.session.scalar(sa.select(LevyAccount.id).order_by(LevyAccount.id).limit(1))
        pledge = db.session.scalar(sa.select(LevyPledge.id).order_by(LevyPledge.id).limit(1))
        application = db.session.scalar(sa.select(LevyApplication.id).order_by(LevyApplication.id).limit(1))
    path = path.format(cohort=cohort, account=account, pledge=pledge, application=application,
                       year=financial_year_of(date.today()).year)
    client = signed_in(role)
    small = statements_for(app, client, path)
    grow(app, 120)
    large = statements_for(app, client, path)
    assert small == large, f"{path}: {small} statements with the demo, {large} with 120 more apprentices"
    # A page of someone's record also notes who looked at it (services.audit.viewed): one INSERT more; the
    # coordinator's page of an apprentice also reads their levy funding (services/levy_funding.py): one SELECT.
    assert small <= 15 + (path in RECORD_PAGES) + (path == "/apprentices/1" and role == "coordinator")


def grow_placements(app, extra: int) -> None:
    """Add `extra` placements to the demo employer's organisation, in turn published (for the demo
    apprentice's standard, who says they are interested in each), waiting for approval and drafts;
    each published one with an apprentice proposed for it."""
    with app.app_context():
        employer = db.session.scalar(sa.select(User.employer_id).where(User.email == DEMO_EMAILS["employer"]))
        me = db.session.scalar(sa.select(Apprentice).join(User, User.apprentice_id == Apprentice.id)
                               .where(User.email == DEMO_EMAILS["apprentice"]))
        others = db.session.scalars(sa.select(Apprentice).where(Apprentice.id != me.id)
                                    .order_by(Apprentice.id).limit(5)).all()
        first = date.today() + timedelta(weeks=20)
        statuses = (PlacementStatus.PUBLISHED, PlacementStatus.SUBMITTED, PlacementStatus.DRAFT)
        for n in range(extra):
            start = first + timedelta(days=n)
            placement = Placement(employer_id=employer, title=f"Grown placement {n}", description="Help the team.",
                                  working_pattern=WorkingPattern.HYBRID, minutes_per_week=600, start_date=start,
                                  end_date=start + timedelta(weeks=12), places=3, status=statuses[n % 3],
                                  standards=[me.standard])
            db.session.add(placement)
            if placement.status == PlacementStatus.PUBLISHED:
                db.session.add(PlacementInterest(placement=placement, apprentice_id=me.id))
                db.session.add(PlacementAssignment(placement=placement, apprentice=others[n % len(others)]))
        db.session.commit()


@pytest.mark.parametrize("role,path", [
    ("coordinator", "/placements"),
    ("coordinator", "/placements?status=published&page=2"),
    ("coordinator", "/employers/{employer}"),
    ("coordinator", "/employers/{employer}?page=2"),
    ("employer", "/placements"),
    ("employer", "/placements?page=2"),
    ("employer", "/employer"),
    ("apprentice", "/opportunities"),
])
def test_placement_lists_run_the_same_number_of_statements_at_two_data_sizes(app, signed_in, role, path):
    path = path.format(employer=lookup(app, sa.select(User.employer_id).where(User.email == DEMO_EMAILS["employer"])))
    client = signed_in(role)
    small = statements_for(app, client, path)
    grow_placements(app, 150)
    large = statements_for(app, client, path)
    assert small == large, f"{path}: {small} statements with the demo, {large} with 150 more placements"
    assert small <= 15
