"""The levy ledger: money into and out of the council's levy accounts, in whole pence (issue 17).

Every movement of money is one `LevyTransaction`, written by `record` (here and nowhere else), so
that every figure the levy pages show is a sum of the same rows and reconciles to the penny:
the balance is always credits - training payments - transfer payments - expiries.

**The funds' age, first in, first out.** Each month's credit is a pot that entered the account
that month. Spending (training and transfer payments) takes from the oldest pot first; whatever is
left of a pot EXPIRY_MONTHS (24) months after it entered expires in that month. In each month the
credit arrives first, then that month's spending is taken, then the pot from 24 months before
expires: so a payment in the month a pot expires still uses it (DfE's rule: funds older than 24
months, minus every payment to date, minus everything expired to date). Spending beyond everything
held makes the account overdrawn, and later credits repay that first (it cannot happen in DfE's
account, where the government co-invests instead; here it says a credit is missing). So a training
payment typed in can take no more than the balance available in its month (`training_problem`,
checked with the account's row locked, so that two entered at once cannot both pass); a row imported
from DfE's file is DfE's record and is never refused (the import's preview warns instead).

**One truth for expiries: the rule, written down.** An expiry is never typed in: for every month
that has passed, `write_expiries` works out by the rule above what expired and keeps exactly one
ledger row of kind expiry for it (source "worked out"; the database allows one per account and
month), adding, changing or removing rows until they agree with the rule. The worker's daily job
runs it, and so does every entry and import, so it is idempotent: run twice, it changes nothing the
second time. The month now running has no expiry row until it is over: what it will expire is the
first line of the forecast. DfE's own "Expired Levy" rows, when a transactions file is imported,
are kept beside the ledger (`LevyReportedExpiry`) and compared month by month with the worked-out
rows: where they differ the account page says so, with both figures (a payment missing from the
ledger, or a credit, is the usual reason).

**The forecast.** From what is held now, month by month for the next FORECAST_MONTHS (12): the
planned payments for the council's own apprentices (each `LevyFunding` paid as DfE pays providers,
`instalments`; a withdrawn apprentice's stop at the withdrawal, and a payment already in the ledger
for an apprentice and month is not planned again), and the transfer payments committed to other
employers (services/levy_transfers.py's `planned_payments`), are taken first in, first out, and
what is left of each pot in its 24th month is what will expire then unless more is spent. Future
credits cannot change it: they are newer than every pot that can expire within the year, and the
oldest funds are always spent first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Apprentice,
    AuditEvent,
    FundingBand,
    LevyAccount,
    LevyFunding,
    LevyTransaction,
    TransactionKind,
    TransactionSource,
    TransferApprentice,
    User,
)
from ..models.levy import EXPIRY_MONTHS
from ..templating import uk_today
from ..text import money
from . import audit
from .errors import ServiceError


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after `month` (a first day)."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


ON_PROGRAMME_SHARE = 80  # per cent of the price paid in monthly instalments; the rest on completion


def instalments(price_pence: int, start: date, planned_end: date) -> list[tuple[date, int]]:
    """How an apprenticeship's agreed price is paid, as DfE pays providers: (month, pence) pairs.

    80% in equal monthly instalments, one for each month whose last day (the census date) falls
    between the start and the planned end (at least one, in the start's month); the last
    instalment takes the pence the division leaves over. The other 20% (the completion payment)
    in the month after the planned end. The amounts add up to the price exactly. The same rule for
    the council's own apprentices and for transfer apprentices (services/levy_transfers.py)."""
    if price_pence < 1:
        raise ValueError("a price is at least 1p")
    if planned_end <= start:
        raise ValueError("the planned end is after the start")
    months, month = [], first_of_month(start)
    while (census := next_month(month) - timedelta(days=1)) <= planned_end:
        if census >= start:
            months.append(month)
        month = next_month(month)
    months = months or [first_of_month(start)]
    on_programme = price_pence * ON_PROGRAMME_SHARE // 100
    each = on_programme // len(months)
    paid = [(m, each) for m in months[:-1]] + [(months[-1], on_programme - each * (len(months) - 1))]
    completion = price_pence - on_programme
    if completion:
        paid.append((next_month(first_of_month(planned_end)), completion))
    return [(m, pence) for m, pence in paid if pence > 0]


def record(account: LevyAccount, month: date, kind: TransactionKind, amount_pence: int, *, actor: User | None,
           apprentice: Apprentice | None = None, transfer_apprentice: TransferApprentice | None = None,
           top_up_pence: int | None = None, description: str | None = None,
           source: TransactionSource = TransactionSource.ENTERED, import_key: str | None = None,
           audited: bool = True, today: date | None = None) -> LevyTransaction:
    """Add one movement of money to `account`'s ledger in `month` (any day of it), and audit it.

    Funds in and payments change what has expired (a payment for a past month may use funds that
    had counted as expired), so every writer of them goes through here, and on return the account's
    expiry rows agree with the rule again: write_expiries runs at once, as of `today` (the UK's date
    when None). A caller adding many rows at once (an import, the demo, the worked-out expiries) passes
    `audited=False`, records one event for them all and runs write_expiries once they are all in."""
    if amount_pence < 1:
        raise ServiceError("An amount must be at least 1p")
    if apprentice is not None and kind is not TransactionKind.TRAINING:
        raise ServiceError("Only a training payment is for one of the council’s apprentices")
    if transfer_apprentice is not None and kind is not TransactionKind.TRANSFER:
        raise ServiceError("Only a transfer payment is for a transfer apprentice")
    if source is TransactionSource.ENTERED and kind in (TransactionKind.TRAINING, TransactionKind.TRANSFER):
        lock_account(account)  # two payments entered at once are checked one after the other
        if kind is TransactionKind.TRAINING and (problem := training_problem(
                account, month, amount_pence, apprentice, today or uk_today())):
            raise ServiceError(problem)
        if transfer_apprentice is not None and (imported := _unmatched_transfer(account, month, amount_pence)):
            return _match_transfer(imported, transfer_apprentice, actor=actor, audited=audited)
    row = LevyTransaction(account=account, month=first_of_month(month), kind=kind, amount_pence=amount_pence,
                          top_up_pence=top_up_pence, apprentice=apprentice, transfer_apprentice=transfer_apprentice,
                          description=description, source=source, import_key=import_key,
                          created_by_id=actor.id if actor else None)
    db.session.add(row)
    if audited:
        db.session.flush()
        audit.record(actor, "levy.transaction_recorded", row, kind=kind.value, source=source.value)
        if kind is not TransactionKind.EXPIRY:
            write_expiries(today or uk_today(), actor=actor, accounts=[account])
    return row


def lock_account(account: LevyAccount) -> None:
    """Lock the account's row until the request commits, as levy_transfers does before pledging (SELECT ...
    FOR NO KEY UPDATE): a second payment entered at the same moment waits, then sees the first. Rows that
    only refer to the account can still be added meanwhile. (SQLite's write lock serialises requests anyway.)"""
    db.session.execute(sa.select(LevyAccount.id).where(LevyAccount.id == account.id).with_for_update(key_share=True))


# One sentence, no full stop, as the app's other error messages.
CO_INVESTED = ("a levy account’s balance never goes below zero, as what its funds do not cover is co-invested (the "
               "government pays 95%, the employer 5%) and not paid from the levy, so enter only what the levy paid")


def training_problem(account: LevyAccount, month: date, amount_pence: int, apprentice: Apprentice | None,
                     today: date) -> str | None:
    """Why a training payment typed in cannot be added, in words; None when it can. It can take no more than
    the balance available in its month (`available`), nor, for an apprentice, more than is left of their levy
    funding (`funding_left`). Two statements (three with an apprentice)."""
    month, this_month = first_of_month(month), first_of_month(today)
    room = available(histories([account.id]).get(account.id, {}), month, max(month, this_month))
    if amount_pence > room:
        return f"That is more than the balance available in {month_name(month)}, {money(room)}: {CO_INVESTED}"
    if apprentice is not None and (left := funding_left(apprentice)) is not None and amount_pence > left[0]:
        return (f"That is more than is left of {apprentice.full_name}’s levy funding: {money(max(left[0], 0))} "
                f"({left[1]})")
    return None


def funding_left(apprentice: Apprentice) -> tuple[int, str] | None:
    """What is left of the levy funding for `apprentice` (the agreed price, capped at the funding band, less
    every training payment in the ledger for them), and how it is worked out in words; None when the levy
    does not pay for them. One statement."""
    paid = (sa.select(sa.func.coalesce(sa.func.sum(LevyTransaction.amount_pence), 0))
            .where(LevyTransaction.apprentice_id == apprentice.id, LevyTransaction.kind == TransactionKind.TRAINING)
            .scalar_subquery())
    found = db.session.execute(
        sa.select(LevyFunding.price_pence, FundingBand.max_pence, paid).select_from(LevyFunding)
        .join(Apprentice, Apprentice.id == LevyFunding.apprentice_id)
        .outerjoin(FundingBand, FundingBand.standard_id == Apprentice.standard_id)
        .where(LevyFunding.apprentice_id == apprentice.id)).first()
    if found is None:
        return None
    price, band, paid = found[0], found[1], int(found[2])
    levy_pays = price if band is None else min(price, band)
    how = (f"the agreed price of {money(price)}" if levy_pays == price else
           f"the agreed price of {money(price)}, of which the levy pays up to the funding band, {money(band)}")
    return levy_pays - paid, f"{how}, less {money(paid)} already paid"


def _unmatched_transfer(account: LevyAccount, month: date, amount_pence: int) -> LevyTransaction | None:
    """A transfer payment imported from DfE's file in this month, of this amount, not yet matched to a transfer
    apprentice: the same money as a payment recorded for one (DfE's file does not say whose it is)."""
    return db.session.scalar(sa.select(LevyTransaction).where(
        LevyTransaction.account_id == account.id, LevyTransaction.month == first_of_month(month),
        LevyTransaction.kind == TransactionKind.TRANSFER, LevyTransaction.source == TransactionSource.IMPORTED,
        LevyTransaction.transfer_apprentice_id.is_(None), LevyTransaction.amount_pence == amount_pence)
        .order_by(LevyTransaction.id).limit(1))


def _match_transfer(row: LevyTransaction, transfer_apprentice: TransferApprentice, *, actor: User | None,
                    audited: bool) -> LevyTransaction:
    """A payment recorded for a transfer apprentice that DfE's file already brought in: the imported row is
    that payment, now matched to them, rather than a second row counting the same money twice."""
    row.transfer_apprentice = transfer_apprentice
    db.session.flush()
    if audited:
        audit.record(actor, "levy.transfer_matched", row, kind=row.kind.value, source=row.source.value)
    return row


def unmatched_transfers(account_ids: Iterable[int] | None = None) -> int:
    """The transfer payments in the ledger not matched to any transfer apprentice (imported from DfE's file and
    not recorded for one), in pence: they are in the ledger's transfers, but in no pledge's payments."""
    query = sa.select(sa.func.coalesce(sa.func.sum(LevyTransaction.amount_pence), 0)).where(
        LevyTransaction.kind == TransactionKind.TRANSFER, LevyTransaction.transfer_apprentice_id.is_(None))
    if account_ids is not None:
        query = query.where(LevyTransaction.account_id.in_(list(account_ids)))
    return int(db.session.scalar(query))


# --- The funds' age, first in first out (pure: no database) ---------------------------------------

FORECAST_MONTHS = 12


def add_months(month: date, months: int) -> date:
    """The first of the month `months` after (or before) `month`'s."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def expires_in(entered: date) -> date:
    """The month funds that entered in `entered`'s month expire in, if unspent."""
    return add_months(first_of_month(entered), EXPIRY_MONTHS)


@dataclass(frozen=True)
class MonthTotals:
    """One account's movements in one month, in pence (each a total of ledger rows, all positive)."""

    credits: int = 0
    training: int = 0
    transfers: int = 0
    expiries: int = 0  # as written in the ledger (the rule's, once write_expiries has run)

    @property
    def spending(self) -> int:
        return self.training + self.transfers


@dataclass
class Pot:
    """What is left of the funds that entered in one month."""

    entered: date
    left: int

    @property
    def expires(self) -> date:
        return expires_in(self.entered)


@dataclass
class Funds:
    """An account's funds as pots, oldest first, run forward month by month by the rule."""

    pots: list[Pot] = field(default_factory=list)
    overdrawn: int = 0  # spent beyond everything held; later credits repay it first
    expired: dict[date, int] = field(default_factory=dict)  # month: pence the rule expired then

    @property
    def held(self) -> int:
        """What the account holds: the pots, less anything overdrawn (at most one is not zero)."""
        return sum(p.left for p in self.pots) - self.overdrawn

    def credit(self, month: date, pence: int) -> None:
        repaid = min(pence, self.overdrawn)
        self.overdrawn -= repaid
        if pence - repaid:
            if self.pots and self.pots[-1].entered == month:
                self.pots[-1].left += pence - repaid
            else:
                self.pots.append(Pot(month, pence - repaid))

    def spend(self, pence: int) -> None:
        """Take `pence` from the oldest pots first."""
        while pence and self.pots:
            taken = min(pence, self.pots[0].left)
            self.pots[0].left -= taken
            pence -= taken
            if not self.pots[0].left:
                self.pots.pop(0)
        self.overdrawn += pence

    def expire(self, month: date) -> int:
        """Whatever is left of the pots that entered EXPIRY_MONTHS or more before `month` expires."""
        gone = 0
        while self.pots and self.pots[0].expires <= month:
            gone += self.pots.pop(0).left
        if gone:
            self.expired[month] = self.expired.get(month, 0) + gone
        return gone

    def copy(self) -> Funds:
        return Funds([Pot(p.entered, p.left) for p in self.pots], self.overdrawn, dict(self.expired))


def _months(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def funds_now(history: Mapping[date, MonthTotals], this_month: date) -> Funds:
    """The pots at this moment: every month before `this_month` run through in full (credit, spending,
    expiry), and `this_month`'s credits and spending so far (its expiry happens when it is over).

    The ledger's own expiry rows are not read: the rule works them out (`Funds.expired`), and
    write_expiries makes the ledger agree. Months after `this_month` are not looked at."""
    funds = Funds()
    if not history:
        return funds
    for month in _months(min(history), this_month):
        totals = history.get(month, MonthTotals())
        funds.credit(month, totals.credits)
        funds.spend(totals.spending)
        if month < this_month:
            funds.expire(month)
    return funds


def expiries_due(history: Mapping[date, MonthTotals], this_month: date) -> dict[date, int]:
    """What the rule expires in each month that has passed (before `this_month`): months with none
    are left out."""
    return {m: p for m, p in funds_now(history, this_month).expired.items() if m < this_month and p}


def overdrawn_by_month(history: Mapping[date, MonthTotals], this_month: date) -> dict[date, int]:
    """How far below zero the account is once each month's spending is taken, up to `this_month` (months
    where it is not are left out): never, in a ledger that has every credit."""
    funds, result = Funds(), {}
    for month in _months(min(history), max(this_month, max(history))) if history else []:
        totals = history.get(month, MonthTotals())
        funds.credit(month, totals.credits)
        funds.spend(totals.spending)
        if funds.overdrawn:
            result[month] = funds.overdrawn
        if month < this_month:
            funds.expire(month)
    return result


def available(history: Mapping[date, MonthTotals], month: date, this_month: date) -> int:
    """The balance available for a payment in `month` (this month or before): the most it can take without
    taking the account below zero, then or in any month after it up to `this_month` (a payment in a past
    month also leaves less for the months since, so it can be less than that month's balance)."""
    month = first_of_month(month)
    held = funds_now(history, month).held
    if held <= 0:
        return 0
    totals = history.get(month, MonthTotals())

    def overdraws(extra: int) -> bool:
        spent = {**history, month: replace(totals, training=totals.training + extra)}
        return overdrawn_by_month(spent, this_month) != before

    before, low, high = overdrawn_by_month(history, this_month), 0, held
    while low < high:  # more spending never takes the account less far below zero: the most that changes nothing
        middle = (low + high + 1) // 2
        low, high = (low, middle - 1) if overdraws(middle) else (middle, high)
    return low


@dataclass(frozen=True)
class ForecastMonth:
    month: date
    planned: int  # spending planned in the month (not yet in the ledger)
    expires: int  # what will expire at the month's end unless more is spent
    held_after: int  # what is held once the month is over


def forecast(history: Mapping[date, MonthTotals], this_month: date, planned: Mapping[date, int],
             months: int = FORECAST_MONTHS) -> list[ForecastMonth]:
    """Month by month from `this_month`, what will expire, taking the `planned` spending (pence a
    month, beyond what the ledger already holds) first in, first out from the funds held now."""
    funds = funds_now(history, this_month)
    result = []
    for month in _months(this_month, add_months(this_month, months - 1)):
        funds.spend(planned.get(month, 0))
        expires = funds.expire(month)
        result.append(ForecastMonth(month, planned.get(month, 0), expires, funds.held))
    return result


def payments_planned(price_pence: int, start: date, planned_end: date, *,
                     withdrawn_on: date | None = None) -> list[tuple[date, int]]:
    """An apprentice's payments as `instalments` plans them; once withdrawn, only the instalments
    for months whose census date (the last day) they were still in learning on."""
    planned = instalments(price_pence, start, planned_end)
    if withdrawn_on is None:
        return planned
    # The completion payment is always the last (20% of a price is at least 1p); it is never paid.
    return [(month, pence) for month, pence in planned[:-1] if add_months(month, 1) - timedelta(days=1) <= withdrawn_on]


@dataclass(frozen=True)
class ExpiryDifference:
    """A month where DfE's file and the rule disagree about what expired."""

    month: date
    worked_out: int
    reported: int

    @property
    def difference(self) -> int:
        return self.reported - self.worked_out


def differences(worked_out: Mapping[date, int], reported: Mapping[date, int]) -> list[ExpiryDifference]:
    """Each month DfE's file reports an expiry for that differs from the ledger's worked-out one."""
    return [ExpiryDifference(m, worked_out.get(m, 0), reported[m]) for m in sorted(reported)
            if worked_out.get(m, 0) != reported[m]]


# --- The ledger in the database -------------------------------------------------------------------

def histories(account_ids: Iterable[int] | None = None) -> dict[int, dict[date, MonthTotals]]:
    """Each account's totals by month and kind, in one statement whatever the number of rows."""
    query = (sa.select(LevyTransaction.account_id, LevyTransaction.month, LevyTransaction.kind,
                       sa.func.sum(LevyTransaction.amount_pence))
             .group_by(LevyTransaction.account_id, LevyTransaction.month, LevyTransaction.kind))
    if account_ids is not None:
        query = query.where(LevyTransaction.account_id.in_(list(account_ids)))
    sums: dict[int, dict[date, dict[str, int]]] = {}
    names = {TransactionKind.CREDIT: "credits", TransactionKind.TRAINING: "training",
             TransactionKind.TRANSFER: "transfers", TransactionKind.EXPIRY: "expiries"}
    for account_id, month, kind, pence in db.session.execute(query):
        sums.setdefault(account_id, {}).setdefault(month, {})[names[kind]] = int(pence)
    return {a: {m: MonthTotals(**totals) for m, totals in months.items()} for a, months in sums.items()}


def write_expiries(today: date, *, actor: User | None = None, accounts: Iterable[LevyAccount] | None = None) -> int:
    """Make the ledger's expiry rows agree with the rule for every month before `today`'s (see the
    module's docstring), for `accounts` (all, when None). Returns how many rows it added, changed or
    removed: none the second time. Run by the daily job, and after every entry and import."""
    this_month = first_of_month(today)
    if accounts is None:
        accounts = db.session.scalars(sa.select(LevyAccount).order_by(LevyAccount.id))
    accounts = list(accounts)
    if not accounts:
        return 0
    ids = [a.id for a in accounts]
    history = histories(ids)
    written: dict[tuple[int, date], LevyTransaction] = {
        (row.account_id, row.month): row for row in db.session.scalars(sa.select(LevyTransaction).where(
            LevyTransaction.account_id.in_(ids), LevyTransaction.kind == TransactionKind.EXPIRY))}
    changes = 0
    for account in accounts:
        due = expiries_due(history.get(account.id, {}), this_month)
        months = sorted(set(due) | {m for a, m in written if a == account.id})
        changed = []
        for month in months:
            want, row = due.get(month, 0), written.get((account.id, month))
            if row is None:
                record(account, month, TransactionKind.EXPIRY, want, actor=actor, source=TransactionSource.WORKED_OUT,
                       description=f"Funds from {month_name(add_months(month, -EXPIRY_MONTHS))} not spent in "
                                   f"{EXPIRY_MONTHS} months", audited=False)
            elif not want:
                db.session.delete(row)
            elif row.amount_pence != want:
                row.amount_pence = want
            else:
                continue
            changed.append(month.isoformat()[:7])
        if changed:
            changes += len(changed)
            audit.record(actor, "levy.expiries_worked_out", account, months=changed)
    db.session.flush()
    return changes


def month_name(month: date) -> str:
    return f"{month:%B %Y}"


def create_account(actor: User, name: str, service_reference: str | None) -> LevyAccount:
    taken = db.session.scalar(sa.select(LevyAccount.id).where(sa.or_(
        sa.func.lower(LevyAccount.name) == name.lower(),
        LevyAccount.service_reference == service_reference if service_reference else sa.false())))
    if taken:
        raise ServiceError("There is already a levy account with that name or account ID")
    account = LevyAccount(name=name, service_reference=service_reference)
    db.session.add(account)
    db.session.flush()
    audit.record(actor, "levy.account_created", account, fields=["name", "service_reference"])
    return account


def enter_transaction(actor: User, account: LevyAccount, today: date, *, month: date, kind: TransactionKind,
                      amount_pence: int, top_up_pence: int | None = None, apprentice: Apprentice | None = None,
                      description: str | None = None) -> LevyTransaction:
    """A movement of money typed in: funds in or a training payment, this month or earlier. Transfer
    payments are recorded for their transfer apprentice (services/levy_transfers.py), and expiries
    are only ever worked out (write_expiries), which this does again at once."""
    if kind not in (TransactionKind.CREDIT, TransactionKind.TRAINING):
        raise ServiceError("Only funds in and training payments are entered here")
    if first_of_month(month) > first_of_month(today):
        raise ServiceError("The month cannot be after this month")
    if top_up_pence is not None and (kind is not TransactionKind.CREDIT or top_up_pence > amount_pence):
        raise ServiceError("The 10% top up is part of the funds in, so it cannot be more than them")
    return record(account, month, kind, amount_pence, actor=actor, apprentice=apprentice,
                  top_up_pence=top_up_pence, description=description, today=today)


def same_funds_in_before(row: LevyTransaction) -> bool:
    """Whether `row` is funds in of an amount the account already held for its month: maybe the same money
    twice (the person is asked to check; a month can have two credits, so it is not refused)."""
    return row.kind is TransactionKind.CREDIT and db.session.scalar(sa.select(sa.literal(True)).where(
        LevyTransaction.account_id == row.account_id, LevyTransaction.month == row.month,
        LevyTransaction.kind == TransactionKind.CREDIT, LevyTransaction.amount_pence == row.amount_pence,
        LevyTransaction.id != row.id).limit(1)) is not None


# --- Removing a transaction typed in by mistake ---------------------------------------------------

REMOVABLE = (TransactionKind.CREDIT, TransactionKind.TRAINING)
ALREADY_REMOVED = "That transaction has already been removed from the ledger"


def removable(row: LevyTransaction) -> bool:
    """Only funds in and training payments typed in here: imported rows come from DfE's file (import it
    again to correct them), transfer payments belong to their transfer apprentice, and expiries are
    worked out."""
    return row.source is TransactionSource.ENTERED and row.kind in REMOVABLE


def fingerprint(row: LevyTransaction) -> str:
    """What the confirmation page showed: the removal goes ahead only for the same transaction (an id
    can be given again once its row is gone)."""
    return f"{row.kind.value}:{row.month.isoformat()}:{row.amount_pence}"


def was_removed(account_id: int, transaction_id: int) -> bool:
    """Whether the audit log says this transaction was removed (so a second removal is told so, not 404)."""
    return db.session.scalar(sa.select(sa.literal(True)).where(
        AuditEvent.action == "levy.transaction_removed", AuditEvent.subject_type == LevyTransaction.__tablename__,
        AuditEvent.subject_id == transaction_id, AuditEvent.details["account"].as_integer() == account_id)
        .limit(1)) is not None


@dataclass(frozen=True)
class ExpiryChange:
    month: date
    now: int
    after: int


@dataclass(frozen=True)
class Removal:
    """What taking a transaction out changes: each month that has passed whose expiry by the rule
    differs (what expired, what would have), and the balance before and after."""

    changes: list[ExpiryChange]
    balance_now: int
    balance_after: int


def removal(row: LevyTransaction, today: date) -> Removal:
    """What removing `row` would do, worked out by the rule without writing anything. One statement."""
    this_month = first_of_month(today)
    history = histories([row.account_id]).get(row.account_id, {})
    name = "credits" if row.kind is TransactionKind.CREDIT else "training"
    totals = history.get(row.month, MonthTotals())
    without = {**history, row.month: replace(totals, **{name: max(0, getattr(totals, name) - row.amount_pence)})}
    now, after = expiries_due(history, this_month), expiries_due(without, this_month)

    def balance(months: Mapping[date, MonthTotals]) -> int:
        return sum(t.credits - t.spending for t in months.values())

    return Removal([ExpiryChange(m, now.get(m, 0), after.get(m, 0)) for m in sorted(set(now) | set(after))
                    if now.get(m, 0) != after.get(m, 0)],
                   balance(history) - sum(t.expiries for t in history.values()),
                   balance(without) - sum(after.values()))


def remove_entered(actor: User, account: LevyAccount, transaction_id: int, seen: str | None, today: date) -> None:
    """Take out a transaction typed in by mistake, if it is still the one the person saw (`seen`, its
    fingerprint), and work the expiries out again. Removed at the same moment by someone else, or not
    one that can be removed: refused, with a message. Audited with its kind and month (no one's name)."""
    row = db.session.execute(sa.select(LevyTransaction).where(
        LevyTransaction.id == transaction_id, LevyTransaction.account_id == account.id)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None or seen != fingerprint(row):
        raise ServiceError(ALREADY_REMOVED)
    if not removable(row):
        raise ServiceError("Only funds in and training payments typed in here can be removed")
    audit.record(actor, "levy.transaction_removed", row, account=account.id, kind=row.kind.value,
                 month=row.month.isoformat()[:7])
    # A delete that finds nothing was removed by someone else between the read and now (SQLite takes no lock).
    gone = db.session.execute(sa.delete(LevyTransaction).where(LevyTransaction.id == row.id)
                              .execution_options(synchronize_session=False)).rowcount
    if gone != 1:
        raise ServiceError(ALREADY_REMOVED)
    db.session.expunge(row)
    write_expiries(today, actor=actor, accounts=[account])
