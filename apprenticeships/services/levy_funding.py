"""What the council's own apprentices cost its levy: each one's agreed price, checked against the
standard's funding band, and the payments it plans month by month (issue 17).

The price is paid as DfE pays providers (levy_ledger.instalments): 80% in equal monthly
instalments over the planned duration, 20% in the month after the planned end. An apprentice who
withdraws is paid for no month whose census date (its last day) comes after the withdrawal, and
no completion payment; one who completes early is paid what is left (the balancing payment) with
the completion payment, in the month after they completed. The levy pays at most the standard's
funding band (`levy_pays`): a price above it (the band lowered since the price was agreed) is planned
from the band, and the employer pays the rest.

A break in learning moves the planned payments (`paused`): none is planned while the apprentice is on
a break, from the month the break starts in (on a break on that month's census date, its last day,
they are not paid for it); those left resume, in order and as far apart as before, from the month
after the expected return (the completion payment moves with them, as the planned end moves out
when they come back). An apprentice on a break whose expected return has passed without a return
has no date to plan from: the forecast leaves their payments out and the levy page says how many.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    BreakInLearning,
    FundingBand,
    LevyAccount,
    LevyFunding,
    LevyTransaction,
    TransactionKind,
    User,
)
from ..templating import uk_today
from ..text import money
from ..versioning import expect
from . import audit
from .errors import ServiceError
from .levy_ledger import add_months, first_of_month, payments_planned


def schedule(price_pence: int, start: date, planned_end: date, *, withdrawn_on: date | None = None,
             completed_on: date | None = None) -> list[tuple[date, int]]:
    """One apprentice's payments by month, (month, pence), adding up to what will be paid in all."""
    planned = payments_planned(price_pence, start, planned_end, withdrawn_on=withdrawn_on)
    if completed_on is None or withdrawn_on is not None:
        return planned
    # Completed: whatever was planned after the month they completed in is paid the month after it.
    paid_by = add_months(first_of_month(completed_on), 1)
    kept = [(m, p) for m, p in planned if m < paid_by]
    balance = sum(p for m, p in planned if m >= paid_by)
    return kept + ([(paid_by, balance)] if balance else [])


def paused(planned: list[tuple[date, int]], break_start: date, expected_return: date) -> list[tuple[date, int]]:
    """`planned` (month, pence) for an apprentice on a break from `break_start`: the payments of the
    break's month and after move to resume in the month after `expected_return` (see the module's
    docstring); earlier ones stay where they were."""
    first_paused = first_of_month(break_start)
    resume = add_months(first_of_month(expected_return), 1)
    shift = (resume.year - first_paused.year) * 12 + resume.month - first_paused.month
    return [(m, pence) if m < first_paused else (add_months(m, shift), pence) for m, pence in planned]


# --- Funding bands -------------------------------------------------------------------------------

@dataclass(frozen=True)
class StandardBand:
    standard_id: int
    name: str
    reference: str
    max_pence: int | None


def bands() -> list[StandardBand]:
    """Every standard with its funding band maximum (None: not entered yet)."""
    return [StandardBand(s.id, s.display_name, s.reference, band)
            for s, band in db.session.execute(
                sa.select(ApprenticeshipStandard, FundingBand.max_pence)
                .outerjoin(FundingBand, FundingBand.standard_id == ApprenticeshipStandard.id)
                .order_by(ApprenticeshipStandard.title, ApprenticeshipStandard.level, ApprenticeshipStandard.id))]


def set_band(actor: User, standard: ApprenticeshipStandard, max_pence: int | None) -> bool:
    """Enter, change or remove (None) a standard's funding band maximum. Returns whether it changed."""
    band = db.session.get(FundingBand, standard.id)
    before = band.max_pence if band else None
    if before == max_pence:
        return False
    if max_pence is None:
        db.session.delete(band)
    elif band is None:
        db.session.add(FundingBand(standard_id=standard.id, max_pence=max_pence))
    else:
        band.max_pence = max_pence
    db.session.flush()
    audit.record(actor, "levy.funding_band_saved", standard, removed=max_pence is None)
    return True


# --- The funding of one apprentice ---------------------------------------------------------------

def band_problem(standard: ApprenticeshipStandard, price_pence: int) -> str | None:
    """Why the levy cannot pay `price_pence` for this standard, in words; None when it can."""
    band = db.session.get(FundingBand, standard.id)
    if band is None:
        return (f"Enter the funding band for {standard.display_name} ({standard.reference}) on the Funding bands "
                "page first: the agreed price is checked against it")
    if price_pence > band.max_pence:
        return (f"Agreed price must be {money(band.max_pence)} or less: that is the funding band maximum for "
                f"{standard.display_name} ({standard.reference}). The levy pays no more than the band, so the "
                "council pays anything above it from its own budget")
    return None


def set_funding(actor: User, apprentice: Apprentice, account: LevyAccount, price_pence: int, *,
                version: int | None = None) -> bool:
    """Say which account pays for `apprentice`, and the agreed price (within the funding band).
    Returns whether anything changed."""
    if problem := band_problem(apprentice.standard, price_pence):
        raise ServiceError(problem)
    funding = db.session.scalar(sa.select(LevyFunding).where(LevyFunding.apprentice_id == apprentice.id))
    funding = funding or LevyFunding(apprentice_id=apprentice.id)
    return bool(audit.save(actor, funding, {"account_id": account.id, "price_pence": price_pence},
                           "levy_funding", version=version if funding.id else None))


def remove_funding(actor: User, funding: LevyFunding, *, version: int | None = None) -> None:
    expect(funding, version, "levy funding")
    audit.record(actor, "levy_funding.removed", funding)
    db.session.delete(funding)
    db.session.flush()


@dataclass(frozen=True)
class ApprenticeFunding:
    """What the apprentice's page shows about their levy funding."""

    funding: LevyFunding | None
    account_name: str | None
    band_pence: int | None
    schedule: list[tuple[date, int]]  # moved by a break in learning (`paused`), as the forecast moves them
    paid_pence: int  # training payments in the ledger for them
    # On a break in learning: the month the payments stop from, and the month they resume in (None: the
    # expected return has passed, so the forecast plans none of them until a return is recorded).
    paused_from: date | None = None
    resume: date | None = None
    expected_return: date | None = None

    @property
    def levy_pays_pence(self) -> int | None:
        """What the levy pays in all: the agreed price, up to the funding band (the employer pays the rest)."""
        return levy_pays(self.funding.price_pence, self.band_pence) if self.funding else None

    @property
    def above_band_pence(self) -> int:
        """How much of the agreed price is above the funding band (the band lowered since): the employer's."""
        return self.funding.price_pence - self.levy_pays_pence if self.funding else 0

    @property
    def monthly_pence(self) -> int | None:
        return self.schedule[0][1] if len(self.schedule) > 1 else None


def _funding_of() -> sa.Select:
    # Built once (pagination.Listing says why), for the apprentice named by the parameter `apprentice_id`.
    theirs = sa.bindparam("apprentice_id", type_=sa.Integer)
    paid = (sa.select(sa.func.coalesce(sa.func.sum(LevyTransaction.amount_pence), 0))
            .where(LevyTransaction.apprentice_id == theirs, LevyTransaction.kind == TransactionKind.TRAINING)
            .scalar_subquery())
    on_break = sa.and_(BreakInLearning.apprentice_id == Apprentice.id, BreakInLearning.returned_on.is_(None),
                       Apprentice.status == ApprenticeStatus.BREAK_IN_LEARNING)
    return (sa.select(LevyFunding, LevyAccount.name, FundingBand.max_pence, paid, BreakInLearning.start_date,
                      BreakInLearning.expected_return_date)
            .select_from(Apprentice)
            .outerjoin(LevyFunding, LevyFunding.apprentice_id == Apprentice.id)
            .outerjoin(LevyAccount, LevyAccount.id == LevyFunding.account_id)
            .outerjoin(FundingBand, FundingBand.standard_id == Apprentice.standard_id)
            .outerjoin(BreakInLearning, on_break)
            .where(Apprentice.id == theirs)
            .order_by(BreakInLearning.start_date.desc()).limit(1))


_FUNDING_OF = _funding_of()


def for_apprentice(apprentice: Apprentice, today: date | None = None) -> ApprenticeFunding:
    """Their funding, the band, the planned payments (moved by a break in learning, by the forecast's own
    rule, `paused`) and what the ledger has paid: one statement."""
    today = today or uk_today()
    funding, account_name, band, paid, break_start, expected_return = db.session.execute(
        _FUNDING_OF, {"apprentice_id": apprentice.id}).one()
    planned = schedule(levy_pays(funding.price_pence, band), apprentice.start_date, apprentice.planned_end_date,
                       withdrawn_on=apprentice.withdrawal_date, completed_on=apprentice.completion_date) \
        if funding is not None and apprentice.planned_end_date > apprentice.start_date else []
    if break_start is None or not any(m >= first_of_month(break_start) for m, _ in planned):
        return ApprenticeFunding(funding, account_name, band, planned, int(paid))
    paused_from = first_of_month(break_start)
    if expected_return is None or expected_return < today:  # as the forecast: no month to plan from
        return ApprenticeFunding(funding, account_name, band, planned, int(paid), paused_from, None, expected_return)
    return ApprenticeFunding(funding, account_name, band, paused(planned, break_start, expected_return), int(paid),
                             paused_from, add_months(first_of_month(expected_return), 1), expected_return)


def levy_pays(price_pence: int, band_pence: int | None) -> int:
    """What the levy pays of an agreed price: at most the funding band; above it, the employer pays."""
    return price_pence if band_pence is None else min(price_pence, band_pence)


# --- Planned spending, for the forecast ------------------------------------------------------------

@dataclass(frozen=True)
class LeftOut:
    """An apprentice on a break whose expected return has passed: their payments are not planned."""

    apprentice_id: int
    name: str
    expected_return: date | None


@dataclass(frozen=True)
class PlannedTraining:
    """The training payments planned for each account's apprentices, by month (`payments`), and which
    of its apprentices on a break are left out of them (`left_out`: no expected return still to come),
    by name."""

    payments: dict[int, dict[date, int]]
    left_out: dict[int, list[LeftOut]]


def planned_training(today: date, months: int) -> PlannedTraining:
    """For each account, the training payments planned in each of the `months` months from this
    one, leaving out any apprentice's month the ledger already has a payment for, and moving those of
    an apprentice on a break (`paused`). Two statements, whatever the number of apprentices."""
    this_month = first_of_month(today)
    last = add_months(this_month, months - 1)
    on_break = sa.and_(BreakInLearning.apprentice_id == Apprentice.id, BreakInLearning.returned_on.is_(None),
                       Apprentice.status == ApprenticeStatus.BREAK_IN_LEARNING)
    fundings = db.session.execute(
        sa.select(LevyFunding.account_id, LevyFunding.apprentice_id, LevyFunding.price_pence, Apprentice.start_date,
                  Apprentice.planned_end_date, Apprentice.withdrawal_date, Apprentice.completion_date,
                  Apprentice.status, BreakInLearning.start_date, BreakInLearning.expected_return_date,
                  FundingBand.max_pence, Apprentice.first_name, Apprentice.last_name)
        .join(Apprentice, Apprentice.id == LevyFunding.apprentice_id)
        .outerjoin(BreakInLearning, on_break)
        .outerjoin(FundingBand, FundingBand.standard_id == Apprentice.standard_id)
        .where(Apprentice.planned_end_date > Apprentice.start_date,
               # Anyone paid for in the window started before its end and had not finished long before it.
               Apprentice.start_date <= add_months(last, 1)))
    paid = set(db.session.execute(
        sa.select(LevyTransaction.apprentice_id, LevyTransaction.month).distinct().where(
            LevyTransaction.kind == TransactionKind.TRAINING, LevyTransaction.apprentice_id.is_not(None),
            LevyTransaction.month >= this_month, LevyTransaction.month <= last)).tuples())
    planned: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    left_out: dict[int, list[LeftOut]] = defaultdict(list)
    for (account_id, apprentice_id, price, start, planned_end, withdrawn, completed, status, break_start,
         expected_return, band, first_name, last_name) in fundings:
        payments = schedule(levy_pays(price, band), start, planned_end, withdrawn_on=withdrawn, completed_on=completed)
        if status is ApprenticeStatus.BREAK_IN_LEARNING:
            if break_start is None or expected_return < today:
                left_out[account_id].append(LeftOut(apprentice_id, f"{first_name} {last_name}", expected_return))
                continue
            payments = paused(payments, break_start, expected_return)
        for month, pence in payments:
            if this_month <= month <= last and (apprentice_id, month) not in paid:
                planned[account_id][month] += pence
    by_name = {a: sorted(people, key=lambda p: (p.name, p.apprentice_id)) for a, people in left_out.items()}
    return PlannedTraining({a: dict(m) for a, m in planned.items()}, by_name)


def band_of(standard: ApprenticeshipStandard) -> int | None:
    band = db.session.get(FundingBand, standard.id)
    return band.max_pence if band else None


def funded_by(account: LevyAccount) -> list[Apprentice]:
    """The apprentices whose training this account pays for, by name."""
    return list(db.session.scalars(
        sa.select(Apprentice).join(LevyFunding, LevyFunding.apprentice_id == Apprentice.id)
        .where(LevyFunding.account_id == account.id).order_by(Apprentice.last_name, Apprentice.first_name,
                                                               Apprentice.id)))
