"""What the levy pages and the dashboard show: each account's balance, its funds by age, the
expiry forecast, and its ledger month by month (issue 17). The rules are in levy_ledger.py.

Every page here runs a fixed number of statements whatever the number of transactions, apprentices
or months: the ledger is read as totals by account, month and kind, the planned payments in two
statements, and a ledger page is one page of months in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Apprentice,
    LevyAccount,
    LevyReportedExpiry,
    LevyTransaction,
    TransactionKind,
    TransferApprentice,
)
from . import changes, levy_funding, levy_ledger, levy_transfers
from .levy_ledger import (
    FORECAST_MONTHS,
    ExpiryDifference,
    ForecastMonth,
    MonthTotals,
    Pot,
    differences,
    first_of_month,
    funds_now,
)
from .pagination import Page

ALERT_MONTHS = 3  # the dashboard warns of funds that will expire this month or in the next two
MONTHS_A_PAGE = 12


@dataclass(frozen=True)
class AccountPicture:
    """One account at a glance. Plain values (no database objects), so the dashboard can keep it."""

    account_id: int
    name: str
    service_reference: str | None
    credits: int
    training: int
    transfers: int
    expiries: int  # as written in the ledger
    held: int  # by the rule, now: equal to the balance once every expiry due is written
    overdrawn: int
    pots: list[Pot]  # oldest first
    forecast: list[ForecastMonth]
    # Months that have passed whose expiry by the rule the ledger does not hold yet (the daily job, or the
    # next entry or import, writes them): until then the balance and what is held differ.
    unwritten: list[date]
    differences: list[ExpiryDifference] = field(default_factory=list)
    # Apprentices on a break whose expected return has passed: no date to plan their payments from.
    on_break_left_out: list[levy_funding.LeftOut] = field(default_factory=list)

    @property
    def balance(self) -> int:
        """Credits - training - transfers - expiries, from the ledger's rows: always."""
        return self.credits - self.training - self.transfers - self.expiries

    @property
    def will_expire(self) -> int:
        return sum(m.expires for m in self.forecast)

    def expiring_within(self, months: int) -> list[ForecastMonth]:
        return [m for m in self.forecast[:months] if m.expires]


def _picture(account: LevyAccount, history: dict[date, MonthTotals], this_month: date, planned: dict[date, int],
             reported: dict[date, int],
             on_break_left_out: list[levy_funding.LeftOut] | None = None) -> AccountPicture:
    totals = MonthTotals(*(sum(getattr(t, name) for t in history.values())
                           for name in ("credits", "training", "transfers", "expiries")))
    funds = funds_now(history, this_month)
    worked_out = {m: t.expiries for m, t in history.items() if t.expiries}
    due = {m: p for m, p in funds.expired.items() if m < this_month}
    unwritten = sorted(m for m in set(due) | {m for m in worked_out if m < this_month}
                       if due.get(m, 0) != worked_out.get(m, 0))
    return AccountPicture(
        account.id, account.name, account.service_reference, totals.credits, totals.training, totals.transfers,
        totals.expiries, funds.held, funds.overdrawn, [Pot(p.entered, p.left) for p in funds.pots],
        levy_ledger.forecast(history, this_month, planned), unwritten, differences(worked_out, reported),
        on_break_left_out or [])


def pictures(today: date, account_id: int | None = None) -> list[AccountPicture]:
    """Every account (or one), with its figures, funds by age and forecast, oldest account first."""
    this_month = first_of_month(today)
    query = sa.select(LevyAccount).order_by(LevyAccount.id)
    if account_id is not None:
        query = query.where(LevyAccount.id == account_id)
    accounts = list(db.session.scalars(query))
    if not accounts:
        return []
    ids = [a.id for a in accounts]
    history = levy_ledger.histories(ids)
    training = levy_funding.planned_training(today, FORECAST_MONTHS)
    reported: dict[int, dict[date, int]] = {}
    for a, month, pence in db.session.execute(sa.select(
            LevyReportedExpiry.account_id, LevyReportedExpiry.month, LevyReportedExpiry.amount_pence)
            .where(LevyReportedExpiry.account_id.in_(ids))):
        reported.setdefault(a, {})[month] = pence
    # The transfer payments committed from each account and not yet in the ledger (services/levy_transfers.py,
    # which owns the transfers' side), for all the accounts at once.
    transfers = levy_transfers.planned_payments_of(ids, FORECAST_MONTHS, today)
    result = []
    for account in accounts:
        planned = dict(training.payments.get(account.id, {}))
        for month, pence in transfers[account.id].items():
            planned[month] = planned.get(month, 0) + pence
        result.append(_picture(account, history.get(account.id, {}), this_month, planned,
                               reported.get(account.id, {}), training.left_out.get(account.id, [])))
    return result


@dataclass(frozen=True)
class Expiring:
    account_id: int
    account: str
    month: date
    pence: int


def expiring_soon(today: date) -> list[Expiring]:
    """For the dashboard: funds that will expire this month or in the next ALERT_MONTHS - 1, although
    every planned payment is taken first (so no plan uses them). Kept until the data or the day
    changes."""
    return changes.cached(("levy_expiring", today), lambda: [
        Expiring(p.account_id, p.name, m.month, m.expires)
        for p in pictures(today) for m in p.expiring_within(ALERT_MONTHS)])


# --- One account's ledger, month by month ----------------------------------------------------------

@dataclass(frozen=True)
class LedgerMonth:
    month: date
    credits: int
    training: int
    transfers: int
    expiries: int
    balance: int  # at the month's end, from the ledger's rows
    rows: list[LedgerRow]


@dataclass(frozen=True)
class LedgerRow:
    id: int
    kind: TransactionKind
    amount_pence: int
    top_up_pence: int | None
    description: str | None
    source: str
    apprentice_id: int | None
    apprentice_name: str | None
    transfer_reference: str | None


def ledger_page(account: LevyAccount, number: int, size: int = MONTHS_A_PAGE) -> Page:
    """A page of the account's months, newest first, each with its totals, the balance at its end
    (a running sum in the database) and its rows: three statements."""
    t = LevyTransaction
    signed = sa.case((t.kind == TransactionKind.CREDIT, t.amount_pence), else_=-t.amount_pence)

    def total(kind: TransactionKind) -> sa.ColumnElement:
        return sa.func.coalesce(sa.func.sum(sa.case((t.kind == kind, t.amount_pence), else_=0)), 0)

    by_month = (sa.select(t.month.label("month"), total(TransactionKind.CREDIT).label("credits"),
                          total(TransactionKind.TRAINING).label("training"),
                          total(TransactionKind.TRANSFER).label("transfers"),
                          total(TransactionKind.EXPIRY).label("expiries"), sa.func.sum(signed).label("net"))
                .where(t.account_id == account.id).group_by(t.month).subquery())
    months = sa.select(by_month.c.month, by_month.c.credits, by_month.c.training, by_month.c.transfers,
                       by_month.c.expiries,
                       sa.func.sum(by_month.c.net).over(order_by=by_month.c.month).label("balance")).subquery()
    total_months = db.session.scalar(sa.select(sa.func.count()).select_from(by_month))
    pages = max(1, -(-total_months // size))
    number = min(max(1, number), pages)
    page = db.session.execute(sa.select(months).order_by(months.c.month.desc())
                              .limit(size).offset((number - 1) * size)).all()
    shown = [row.month for row in page]
    rows: dict[date, list[LedgerRow]] = {m: [] for m in shown}
    if shown:
        transfer = aliased(TransferApprentice)
        for row, first, last, reference in db.session.execute(
                sa.select(t, Apprentice.first_name, Apprentice.last_name, transfer.reference)
                .outerjoin(Apprentice, Apprentice.id == t.apprentice_id)
                .outerjoin(transfer, transfer.id == t.transfer_apprentice_id)
                .where(t.account_id == account.id, t.month.in_(shown))
                .order_by(t.month, t.kind, t.id)):
            rows[row.month].append(LedgerRow(
                row.id, row.kind, row.amount_pence, row.top_up_pence, row.description, row.source.value,
                row.apprentice_id, f"{first} {last}" if first else None, reference))
    items = [LedgerMonth(r.month, int(r.credits), int(r.training), int(r.transfers), int(r.expiries),
                         int(r.balance), rows[r.month]) for r in page]
    return Page(items, number, size, total_months)
