"""Levy transfers: what the council may transfer, what it pledged to local employers, and each
application and transfer apprentice (issue 17). Money is whole pence throughout.

**The transfer allowance.** In a financial year (1 April to 31 March) an account may transfer up to
a share of the funds that entered it (its credits) in the previous financial year: 50% for years
from April 2024, 25% before (`allowance_pence`). Of that, what is *pledged* is every open pledge's
amount plus what a closed pledge had committed (closing a pledge gives back the rest); what is
*committed* is the amount of every approved, accepted or funds-used application; *paid* is the
transfer payments in the ledger for those applications' apprentices; *left* is the allowance less
what is pledged. A pledge draws on this year's allowance, or on next year's once it is known: once the
funds of this year's last month (March) are in the ledger, since next year's is worked out from them.

**No overshooting.** Pledging more of the allowance (a new pledge, a larger amount) first locks the
account's row (SELECT ... FOR NO KEY UPDATE) and only then adds up what is pledged and checks the
new amount fits. Two requests at once each lock the same row, so the second waits until the first
has committed and then sees its pledge: together they can never pass the allowance. (A conditional
INSERT ... WHERE sum + amount <= allowance would not do: under READ COMMITTED both statements read
the sum as it was before either pledge existed.) Approving an application locks its pledge's row the
same way before checking that the pledge has enough left, and adding an apprentice or a payment locks
the application's row. FOR NO KEY UPDATE, as in services/placements.py: rows that only refer to the
locked one (ledger rows, audit events) can still be added meanwhile. On SQLite every writing request
holds the database's write lock from its start (transactions.py), which serialises them anyway.

**DfE's statuses.** An application moves pending -> approved or rejected (the council decides),
approved -> accepted or declined (the employer), accepted -> funds used (every pound has been paid),
and pending, approved or accepted -> withdrawn (the employer). Each move is one conditional UPDATE on
the status the person saw (`WHERE status IN (...)`), never a read and then a write: of two people
acting at once, one moves it and the other is told what happened.

**Local eligibility.** The council's scheme (non-levy employers only, apprentices who live in the
borough, a minimum hourly wage) and the pledge's criteria (locations, sectors, standard, levels) are
checked against each application by one pure function, `problems`, which says what is not met in
plain words. Approving an application that does not meet them needs a reason for going ahead, which
the application keeps and its employer sees: a council may use its discretion (a workplace just over
the boundary), but never without saying why. A transfer apprentice's own hourly wage below the
scheme's minimum is recorded as it is, and listed among the rules its application does not meet (the
application's words, `wage_problem`), as one living outside the borough is.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    ApplicationStatus,
    ApprenticeshipStandard,
    EmployerPartner,
    FundingBand,
    LevyAccount,
    LevyApplication,
    LevyPledge,
    LevyScheme,
    LevyTransaction,
    PledgeStatus,
    Role,
    TransactionKind,
    TransferApprentice,
    TransferOutcome,
    User,
    utcnow,
)
from ..text import money
from . import audit, levy_ledger, notifications
from .errors import ServiceError
from .pagination import Page, paginate
from .sector_return import FinancialYear, financial_year_of

PAGE_SIZE = 50

# ---------------------------------------------------------------------------------------------
# The transfer allowance (pure)

ALLOWANCE_RAISED_IN = 2024  # from the financial year beginning 1 April 2024: 50% rather than 25%


def allowance_percent(year: int) -> int:
    """The share of last year's funds an account may transfer in the financial year beginning 1 April `year`."""
    return 50 if year >= ALLOWANCE_RAISED_IN else 25


def allowance_pence(funds_in_previous_year: int, year: int) -> int:
    """The transfer allowance for the year beginning 1 April `year`, from the funds that entered the
    account in the year before: a whole number of pence, rounded down (never more than the rule allows)."""
    return max(0, funds_in_previous_year) * allowance_percent(year) // 100


# Statuses whose amount the council has committed (approved, and not since declined or withdrawn).
COMMITTED = (ApplicationStatus.APPROVED, ApplicationStatus.ACCEPTED, ApplicationStatus.FUNDS_USED)
# Statuses in which transfer apprentices are funded and paid for.
FUNDED = (ApplicationStatus.ACCEPTED, ApplicationStatus.FUNDS_USED)


@dataclass(frozen=True)
class AllowanceSummary:
    """An account's transfer allowance for a financial year, and what has been done with it."""

    account_id: int
    year: FinancialYear
    percent: int
    funds_in_previous_year: int
    allowance: int
    pledged: int
    committed: int
    paid: int

    @property
    def left(self) -> int:
        """What can still be pledged (below zero when the funds in were corrected down after pledging)."""
        return self.allowance - self.pledged


def total(column) -> sa.ColumnElement[int]:
    """SUM as a whole number on every database, 0 when there is nothing to add: PostgreSQL sums a BIGINT
    as NUMERIC, which its driver hands back as a Decimal."""
    return sa.cast(sa.func.coalesce(sa.func.sum(column), 0), sa.BigInteger)


def _month_range(year: FinancialYear) -> tuple[date, date]:
    """The ledger's months of a financial year: first days of April to March."""
    return year.first_day, date(year.year + 1, 3, 1)


def _committed_on(pledge_id) -> sa.ScalarSelect:
    # An alias of its own, so that it adds up the pledge's applications also inside a query of applications.
    application = aliased(LevyApplication)
    return (sa.select(total(application.amount_pence))
            .where(application.pledge_id == pledge_id, application.status.in_(COMMITTED))
            .scalar_subquery())


def _paid_on_applications(where: sa.ColumnElement[bool]) -> sa.ScalarSelect:
    return (sa.select(total(LevyTransaction.amount_pence))
            .join(TransferApprentice, TransferApprentice.id == LevyTransaction.transfer_apprentice_id)
            .join(LevyApplication, LevyApplication.id == TransferApprentice.application_id)
            .join(LevyPledge, LevyPledge.id == LevyApplication.pledge_id)
            .where(LevyTransaction.kind == TransactionKind.TRANSFER, where).scalar_subquery())


def _allowance_columns(account_id, year: FinancialYear) -> list[sa.ScalarSelect]:
    """Funds in the year before, pledged, committed and paid: one scalar subquery each, for the account
    `account_id` names (a value, or the outer query's account column)."""
    first, last = _month_range(FinancialYear(year.year - 1))
    funds_in = (sa.select(total(LevyTransaction.amount_pence))
                .where(LevyTransaction.account_id == account_id, LevyTransaction.kind == TransactionKind.CREDIT,
                       LevyTransaction.month.between(first, last)).scalar_subquery())
    this_year = sa.and_(LevyPledge.account_id == account_id, LevyPledge.year == year.year)
    pledged = (sa.select(total(sa.case(
        (LevyPledge.status == PledgeStatus.OPEN, LevyPledge.amount_pence), else_=_committed_on(LevyPledge.id))))
        .where(this_year).scalar_subquery())
    committed = (sa.select(total(LevyApplication.amount_pence))
                 .join(LevyPledge, LevyPledge.id == LevyApplication.pledge_id)
                 .where(this_year, LevyApplication.status.in_(COMMITTED)).scalar_subquery())
    return [funds_in, pledged, committed, _paid_on_applications(this_year)]


def _summary(account_id: int, year: FinancialYear, values) -> AllowanceSummary:
    funds, pledged, committed, paid = (int(v) for v in values)
    return AllowanceSummary(account_id, year, allowance_percent(year.year), funds, allowance_pence(funds, year.year),
                            pledged, committed, paid)


def allowance_summary(account: LevyAccount | int, year: int | FinancialYear) -> AllowanceSummary:
    """The account's allowance for the financial year and what is pledged, committed, paid and left: one statement."""
    account_id = account if isinstance(account, int) else account.id
    year = year if isinstance(year, FinancialYear) else FinancialYear(year)
    return _summary(account_id, year, db.session.execute(sa.select(*_allowance_columns(account_id, year))).one())


def allowance_summaries(year: int | FinancialYear) -> list[tuple[LevyAccount, AllowanceSummary]]:
    """Every account's allowance for the year, by name: one statement whatever the number of accounts."""
    year = year if isinstance(year, FinancialYear) else FinancialYear(year)
    return [(row[0], _summary(row[0].id, year, row[1:])) for row in db.session.execute(
        sa.select(LevyAccount, *_allowance_columns(LevyAccount.id, year)).order_by(LevyAccount.name))]


def accounts() -> list[LevyAccount]:
    return list(db.session.scalars(sa.select(LevyAccount).order_by(LevyAccount.name)))


def _lock(model, row_id: int) -> sa.Row | None:
    """Lock one row until the request commits (see the module's docstring), reading it as it is now."""
    return db.session.execute(sa.select(model).where(model.id == row_id)
                              .with_for_update(key_share=True)
                              .execution_options(populate_existing=True)).scalar_one_or_none()


# ---------------------------------------------------------------------------------------------
# Local eligibility (pure)


def listed(text: str | None) -> tuple[str, ...]:
    """A pledge's locations or sectors as a list: written with commas (or semicolons) between them."""
    return tuple(part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip())


def _one_of(words: tuple[str, ...]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


@dataclass(frozen=True)
class Rules:
    """What an application is checked against: the scheme's local rules and its pledge's criteria."""

    non_levy_employers_only: bool = False
    apprentices_in_borough_only: bool = False
    min_hourly_wage_pence: int | None = None
    locations: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    standard_id: int | None = None
    standard_name: str | None = None
    min_level: int | None = None
    max_level: int | None = None


@dataclass(frozen=True)
class Facts:
    """What an application says about itself, its employer and its standard."""

    employer_pays_levy: bool
    apprentices_live_in_borough: bool
    hourly_wage_pence: int | None
    location: str | None
    employer_sector: str
    standard_id: int
    standard_name: str
    level: int
    amount_pence: int = 0
    apprentices_planned: int = 1
    band_max_pence: int | None = None
    # The references of the application's transfer apprentices recorded as living outside the borough.
    outside_borough: tuple[str, ...] = ()
    # Each of its transfer apprentices' references with their hourly wage as recorded (None: not recorded).
    apprentice_wages: tuple[tuple[str, int | None], ...] = ()
    # What its pledge has not yet committed, while the application waits for a decision (None: not asked).
    pledge_left: int | None = None
    # The location is the employer's own address (before it applies), not where it says the apprentices work.
    location_is_address: bool = False


# A postcode area (NM) or district (NM1, EC1A) as a pledge names it; a full postcode's outward code.
POSTCODE_CODE = re.compile(r"[A-Z]{1,2}(?:\d[A-Z\d]?)?", re.IGNORECASE)
FULL_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*\d[A-Z]{2}\b", re.IGNORECASE)
DISTRICT = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?", re.IGNORECASE)


def is_postcode_code(text: str) -> bool:
    """Whether a pledge's location is a postcode area or district (NM, NM1), not a place's name."""
    return POSTCODE_CODE.fullmatch(text.strip()) is not None


def outward_code(location: str) -> str | None:
    """The postcode district of a workplace: the first part of a postcode in it (NM2 of "Unit 3, NM2 8HF"),
    or the whole of it when it is only a district (NM2). None when it gives no postcode."""
    if found := FULL_POSTCODE.search(location):
        return found.group(1).upper()
    return location.strip().upper() if DISTRICT.fullmatch(location.strip()) else None


def _in_code(district: str, code: str) -> bool:
    """A district is in a pledge's area (NM2 in NM) or is its district (NM1, or the part EC1A of EC1)."""
    code = code.strip().upper()
    if code.isalpha():
        return re.match(r"[A-Z]+", district).group() == code
    return district == code or (district.startswith(code) and district[len(code)].isalpha())


def location_matches(location: str, allowed: Iterable[str]) -> bool:
    """A workplace matches a pledge's locations when its postcode is in a postcode area or district the
    pledge names (NM2 8HF is in NM and in NM2; NM12 3AB is not in NM1), or it is a place the pledge names or
    starts with one and a space ("Northmoor town centre"). Case does not matter."""
    place = " ".join(location.lower().split())
    district = outward_code(location)
    return any(place == a.lower() or place.startswith(a.lower() + " ")
               or (district is not None and is_postcode_code(a) and _in_code(district, a)) for a in allowed)


def _checked_by_hand(location: str, allowed: tuple[str, ...]) -> bool:
    """Whether a workplace the pledge's locations do not match may still be in them, which only a person can
    tell without a gazetteer: the pledge names a place (is NM2 8HF in Northmoor?), or the workplace gives no
    postcode to match against the pledge's districts."""
    return any(not is_postcode_code(a) for a in allowed) or outward_code(location) is None


def _levels(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"level {low} only" if low == high else f"levels {low} to {high}"
    return f"level {low} and above" if low is not None else f"up to level {high}"


def problems(facts: Facts, rules: Rules, *, to_employer: bool = False) -> list[str]:
    """Every local rule and pledge criterion the application does not meet, each in plain words; an
    empty list when it meets them all. `to_employer`: worded for the employer itself ("your organisation")."""
    found = []
    who = "Your organisation" if to_employer else "The employer"
    if rules.non_levy_employers_only and facts.employer_pays_levy:
        found.append(f"{who} pays the levy: this scheme is for non-levy employers only")
    if rules.apprentices_in_borough_only and not facts.apprentices_live_in_borough:
        found.append("Not every apprentice lives in the borough: this scheme is for apprentices who live in "
                     "the borough")
    if rules.apprentices_in_borough_only and facts.outside_borough:
        who = _one_of(tuple(facts.outside_borough)).replace(" or ", " and ")
        found.append(f"{who} {'lives' if len(facts.outside_borough) == 1 else 'live'} outside the borough: this "
                     "scheme is for apprentices who live in the borough")
    if rules.min_hourly_wage_pence is not None:
        minimum = money(rules.min_hourly_wage_pence)
        if facts.hourly_wage_pence is None:
            found.append(f"The hourly wage is not given: this scheme asks for at least {minimum} an hour")
        elif problem := wage_problem(facts.hourly_wage_pence, rules.min_hourly_wage_pence):
            found.append(problem)
        if low_paid := [reference for reference, wage in facts.apprentice_wages
                        if wage is not None and wage < rules.min_hourly_wage_pence]:
            found.append(f"{_one_of(tuple(low_paid)).replace(' or ', ' and ')} "
                         f"{'is' if len(low_paid) == 1 else 'are'} paid below this scheme’s minimum of {minimum} "
                         "an hour")
    if rules.locations:
        places = _one_of(rules.locations)
        if not facts.location:
            found.append(f"Where the apprentices would work is not given: this pledge is for {places}")
        elif not location_matches(facts.location, rules.locations) and not _checked_by_hand(facts.location,
                                                                                            rules.locations):
            found.append(f"{who}’s address is in {facts.location}: this pledge is for apprentices who work in "
                         f"{places}" if facts.location_is_address
                         else f"The apprentices would work in {facts.location}: this pledge is for {places}")
    if rules.sectors and facts.employer_sector.strip().lower() not in {s.lower() for s in rules.sectors}:
        found.append(f"{who}’s sector ({facts.employer_sector}) is not one this pledge is for: "
                     f"{_one_of(rules.sectors)}")
    if rules.standard_id is not None and facts.standard_id != rules.standard_id:
        found.append(f"The standard ({facts.standard_name}) is not the one this pledge is for: {rules.standard_name}")
    low, high = rules.min_level, rules.max_level
    if (low is not None and facts.level < low) or (high is not None and facts.level > high):
        found.append(f"{facts.standard_name} is level {facts.level}: this pledge is for {_levels(low, high)}")
    if facts.band_max_pence is not None and facts.amount_pence > facts.band_max_pence * facts.apprentices_planned:
        planned = facts.apprentices_planned
        found.append(f"The amount asked for ({money(facts.amount_pence)}) is more than the funding band allows for "
                     f"{planned} apprentice{'s' if planned != 1 else ''} "
                     f"({money(facts.band_max_pence * planned)})")
    if facts.pledge_left is not None and facts.amount_pence > facts.pledge_left:
        found.append(f"It asks for {money(facts.amount_pence)}; the pledge has {money(max(facts.pledge_left, 0))} "
                     "left")
    return found


def wage_problem(wage_pence: int | None, minimum_pence: int | None) -> str | None:
    """Why an hourly wage (an application's, or a transfer apprentice's) does not meet the scheme's minimum, in
    the same words wherever it is checked. None when it does, or when either is not known."""
    if wage_pence is not None and minimum_pence is not None and wage_pence < minimum_pence:
        return (f"The hourly wage ({money(wage_pence)}) is below this scheme’s minimum of {money(minimum_pence)} "
                "an hour")
    return None


def notes(facts: Facts, rules: Rules) -> list[str]:
    """What a person must check by hand, not a rule the application fails: a workplace the pledge's locations
    may take in, which cannot be told without a gazetteer (`_checked_by_hand`)."""
    if (rules.locations and facts.location and not location_matches(facts.location, rules.locations)
            and _checked_by_hand(facts.location, rules.locations)):
        return [f"Check by hand: the pledge is for {_one_of(rules.locations)}, the workplace is at {facts.location}"]
    return []


def scheme() -> LevyScheme:
    """The council's local rules (none set: a row with every rule off, not yet saved)."""
    return db.session.get(LevyScheme, 1) or LevyScheme(id=1, non_levy_employers_only=False,
                                                       apprentices_in_borough_only=False)


def save_scheme(actor: User, local: LevyScheme, values: dict, *, version: int | None) -> list[str]:
    """Change the council's local rules (the first save makes its one row)."""
    return audit.save(actor, local, values, "levy_scheme", version=version)


def rules_for(pledge: LevyPledge, local: LevyScheme, standard: ApprenticeshipStandard | None = None) -> Rules:
    """The rules an application to `pledge` is checked against (`standard`: the pledge's, if already loaded)."""
    standard = standard or pledge.standard
    return Rules(non_levy_employers_only=bool(local.non_levy_employers_only),
                 apprentices_in_borough_only=bool(local.apprentices_in_borough_only),
                 min_hourly_wage_pence=local.min_hourly_wage_pence, locations=listed(pledge.locations),
                 sectors=listed(pledge.sectors), standard_id=pledge.standard_id,
                 standard_name=standard.display_name if standard else None,
                 min_level=pledge.min_level, max_level=pledge.max_level)


def facts_of(application: LevyApplication, employer_sector: str, standard: ApprenticeshipStandard,
             band_max_pence: int | None, *, outside_borough: Iterable[str] = (),
             apprentice_wages: Iterable[tuple[str, int | None]] = (), pledge_left: int | None = None) -> Facts:
    """`outside_borough`: its apprentices' references who live outside the borough; `apprentice_wages`: its
    apprentices' references with their hourly wages; `pledge_left`: what its pledge has not committed (used
    only while the application waits for a decision)."""
    return Facts(employer_pays_levy=application.employer_pays_levy,
                 apprentices_live_in_borough=application.apprentices_live_in_borough,
                 hourly_wage_pence=application.hourly_wage_pence, location=application.location,
                 employer_sector=employer_sector, standard_id=standard.id, standard_name=standard.display_name,
                 level=standard.level, amount_pence=application.amount_pence,
                 apprentices_planned=application.apprentices_planned, band_max_pence=band_max_pence,
                 outside_borough=tuple(sorted(outside_borough)),
                 apprentice_wages=tuple(sorted(apprentice_wages)),
                 pledge_left=pledge_left if application.status is ApplicationStatus.PENDING else None)


@dataclass(frozen=True)
class Likely:
    """Why the council is likely to turn an employer's application down, before it applies (`likely_problems`).
    `levy`: what its answer to the apply form's levy question can put right (sending the form updates its
    record); `record`: what only the council's record of it can (its sector, its address). `all`: both, in the
    words and order an application's check would give them."""

    levy: list[str]
    record: list[str]

    @property
    def all(self) -> list[str]:
        return self.levy + self.record

    def __bool__(self) -> bool:
        return bool(self.levy or self.record)


def likely_problems(pledge: LevyPledge, employer: EmployerPartner, local: LevyScheme) -> Likely:
    """Before an employer applies: what the app already knows about it (its sector, its address, whether
    it pays the levy when that is known: its record's `pays_levy`) checked by the same rule as an application
    (`problems`), against the pledge's criteria and the local rules that those facts can tell, in the
    employer's own words. A warning only: the council decides. No statement."""
    pays_levy = employer.pays_levy
    rules = Rules(non_levy_employers_only=bool(local.non_levy_employers_only) and pays_levy is not None,
                  locations=listed(pledge.locations) if employer.postcode else (), sectors=listed(pledge.sectors))
    facts = Facts(employer_pays_levy=bool(pays_levy), apprentices_live_in_borough=True, hourly_wage_pence=None,
                  location=employer.postcode, employer_sector=employer.sector, standard_id=0, standard_name="",
                  level=0, location_is_address=True)
    return Likely(levy=problems(facts, Rules(non_levy_employers_only=rules.non_levy_employers_only), to_employer=True),
                  record=problems(facts, replace(rules, non_levy_employers_only=False), to_employer=True))


def band_for(standard_id: int) -> int | None:
    """The funding band maximum of a standard, when one has been entered."""
    return db.session.scalar(sa.select(FundingBand.max_pence).where(FundingBand.standard_id == standard_id))


@dataclass(frozen=True)
class Assessment:
    """What an application does not meet (`problems`) and what a person must check by hand (`notes`).
    `from_apprentices`: those of `problems` that its apprentices' records make (one lives outside the borough).
    The council records apprentices only once the funds are accepted, so these came after the approval."""

    problems: list[str]
    notes: list[str]
    from_apprentices: list[str] = field(default_factory=list)


def assess(application: LevyApplication, *, to_employer: bool = False) -> Assessment:
    """The application checked against the local rules, its pledge's criteria and what its pledge has left,
    with its apprentices as recorded (one application's page). `to_employer`: worded for the employer, and
    without the council's notes to check by hand."""
    left = (application.pledge.amount_pence - committed_on(application.pledge)
            if application.status is ApplicationStatus.PENDING else None)
    facts = facts_of(application, application.employer.sector, application.standard,
                     band_for(application.standard_id), pledge_left=left,
                     outside_borough=[a.reference for a in application.apprentices if not a.lives_in_borough],
                     apprentice_wages=[(a.reference, a.hourly_wage_pence) for a in application.apprentices])
    rules = rules_for(application.pledge, scheme())
    found = problems(facts, rules, to_employer=to_employer)
    before = problems(replace(facts, outside_borough=(), apprentice_wages=()), rules, to_employer=to_employer)
    return Assessment(found, [] if to_employer else notes(facts, rules), [p for p in found if p not in before])


def eligibility(application: LevyApplication) -> list[str]:
    """What the application does not meet of the local rules and its pledge's criteria (one application's page)."""
    return assess(application).problems


# ---------------------------------------------------------------------------------------------
# DfE's statuses (pure)


@dataclass(frozen=True)
class Step:
    """One move of DfE's lifecycle: from which statuses, to which, who may make it, and its words."""

    name: str
    came_from: tuple[ApplicationStatus, ...]
    to: ApplicationStatus
    employer_may: bool  # the employer's own move in DfE's service (the coordinator may record it too)
    destructive: bool  # ends the application for good: asked to confirm, with a warning button
    verb: str  # "Approve"
    done: str  # "approved"


STEPS: dict[str, Step] = {step.name: step for step in (
    Step("approve", (ApplicationStatus.PENDING,), ApplicationStatus.APPROVED, False, False, "Approve", "approved"),
    Step("reject", (ApplicationStatus.PENDING,), ApplicationStatus.REJECTED, False, True, "Reject", "rejected"),
    Step("accept", (ApplicationStatus.APPROVED,), ApplicationStatus.ACCEPTED, True, False, "Accept the funds",
         "accepted"),
    Step("decline", (ApplicationStatus.APPROVED,), ApplicationStatus.DECLINED, True, True, "Decline the funds",
         "declined"),
    Step("withdraw", (ApplicationStatus.PENDING, ApplicationStatus.APPROVED, ApplicationStatus.ACCEPTED),
         ApplicationStatus.WITHDRAWN, True, True, "Withdraw", "withdrawn"),
)}
# Reached only when the payments reach the amount (record_payment), never chosen.
FUNDS_USED = Step("funds_used", (ApplicationStatus.ACCEPTED,), ApplicationStatus.FUNDS_USED, False, False,
                  "Mark funds used", "marked as funds used")


def steps_from(status: ApplicationStatus, *, employer: bool = False) -> list[Step]:
    """The moves DfE's lifecycle allows from `status` (for an employer: only their own moves)."""
    return [s for s in STEPS.values() if status in s.came_from and (s.employer_may or not employer)]


def next_status(status: ApplicationStatus, step: str) -> ApplicationStatus | None:
    """Where `step` takes an application in `status`; None when the lifecycle does not allow it."""
    found = STEPS.get(step)
    return found.to if found is not None and status in found.came_from else None


def why_not(status: ApplicationStatus, step: Step) -> str:
    """Why an application in `status` cannot make `step` (already moved on by someone else, say)."""
    return f"This application is {status.label.lower()}, so it cannot be {step.done}"


# ---------------------------------------------------------------------------------------------
# Pledges


def pledge_values_problem(summary: AllowanceSummary, amount: int, *, already: int = 0) -> str | None:
    """Why a pledge of `amount` does not fit the allowance, when `already` of it is pledged by this pledge."""
    room = summary.left + already
    if amount <= room:
        return None
    allowance = (f"the allowance is {money(summary.allowance)}, {summary.percent}% of the funds that entered the "
                 f"account in {FinancialYear(summary.year.year - 1).label}")
    if already:
        return (f"The pledge can be at most {money(max(room, 0))}: only {money(max(summary.left, 0))} more of the "
                f"{summary.year.label} transfer allowance is left to pledge ({allowance})")
    return (f"The pledge is more than is left of the {summary.year.label} transfer allowance: "
            f"{money(max(room, 0))} is left to pledge ({allowance})")


def committed_on(pledge: LevyPledge) -> int:
    return db.session.scalar(sa.select(_committed_on(pledge.id)))


def left_on(pledge: LevyPledge) -> int:
    """What an open pledge has not yet committed to approved applications: what can still be applied for."""
    return pledge.amount_pence - committed_on(pledge)


def amount_problem(account_id: int, year: int, amount: int, pledge: LevyPledge | None = None) -> str | None:
    """Why a pledge (new, or `pledge` changed) of `amount` cannot be made: more than is left of the account's
    allowance for the year, or less than the pledge has committed. The form asks it to say so beside the
    amount; the save asks again with the account's row locked, which is what holds (see the docstring)."""
    already = 0
    if pledge is not None:
        committed = committed_on(pledge)
        if amount < committed:
            return (f"The pledge has {money(committed)} committed to approved applications, so its amount cannot be "
                    "less than that")
        if pledge.status is not PledgeStatus.OPEN or amount <= pledge.amount_pence:
            return None
        already = pledge.amount_pence
    return pledge_values_problem(allowance_summary(account_id, year), amount, already=already)


def next_year_known(current: FinancialYear) -> set[int]:
    """The accounts whose allowance for the year after `current` is known: it is a share of the funds that
    enter the account in `current`, all in once the year's last month (March) has its funds in. One statement."""
    return set(db.session.scalars(sa.select(LevyTransaction.account_id).distinct().where(
        LevyTransaction.kind == TransactionKind.CREDIT, LevyTransaction.month == date(current.year + 1, 3, 1))))


def allowance_years(today: date | None = None
                    ) -> list[tuple[FinancialYear, list[tuple[LevyAccount, AllowanceSummary]]]]:
    """The financial years the pledges page shows, each with its accounts' allowances: this year, every
    account; and next year, once its allowance is known or something is pledged from it, the accounts for
    which it is. Four statements, whatever the number of accounts or pledges."""
    current = current_year(today)
    following = FinancialYear(current.year + 1)
    years = [(current, allowance_summaries(current))]
    shown = next_year_known(current) | set(db.session.scalars(
        sa.select(LevyPledge.account_id).distinct().where(LevyPledge.year == following.year)))
    next_year = [(a, summary) for a, summary in allowance_summaries(following) if a.id in shown]
    return years + [(following, next_year)] if next_year else years


@dataclass(frozen=True)
class PledgeYear:
    """A financial year a new pledge may draw on, with each account's allowance (None: not known yet)."""

    year: FinancialYear
    allowances: list[tuple[LevyAccount, AllowanceSummary | None]]


def pledge_years(today: date | None = None) -> list[PledgeYear]:
    """The financial years a new pledge may draw on: this one, and the next once its allowance is known for
    an account (`next_year_known`). Three statements at most, whatever the number of accounts."""
    current = current_year(today)
    years = [PledgeYear(current, list(allowance_summaries(current)))]
    if known := next_year_known(current):
        following = FinancialYear(current.year + 1)
        years.append(PledgeYear(following, [(account, summary if account.id in known else None)
                                            for account, summary in allowance_summaries(following)]))
    return years


def year_problem(account_id: int, year: int, today: date | None = None) -> str | None:
    """Why a new pledge from the account cannot draw on the financial year beginning 1 April `year`: only this
    year's allowance, or next year's once it is known, can be pledged."""
    current = current_year(today)
    following = FinancialYear(current.year + 1)
    if year == current.year or (year == following.year and account_id in next_year_known(current)):
        return None
    if year == following.year:
        return (f"The {following.label} transfer allowance is not known yet: it is "
                f"{allowance_percent(following.year)}% of the funds that enter the account in {current.label}, so it "
                f"can be pledged once the funds for March {following.year} are in the ledger")
    return f"A pledge draws on the {current.label} transfer allowance, or on the {following.label} one once it is known"


def create_pledge(actor: User, account: LevyAccount, year: int, values: dict, today: date | None = None) -> LevyPledge:
    """A new open pledge drawing on the account's allowance for the financial year beginning 1 April `year`
    (this year's, or next year's once known: `year_problem`), if its amount fits what is left of it."""
    _lock(LevyAccount, account.id)
    if problem := year_problem(account.id, year, today) or amount_problem(account.id, year, values["amount_pence"]):
        raise ServiceError(problem)
    pledge = LevyPledge(account_id=account.id, year=year, status=PledgeStatus.OPEN, created_by_id=actor.id)
    audit.save(actor, pledge, values, "levy_pledge")
    return pledge


def edit_pledge(actor: User, pledge: LevyPledge, values: dict, *, version: int | None) -> list[str]:
    """Change an open pledge: a larger amount must still fit the allowance, and never below what it has
    committed. A closed pledge is not changed: what it had not committed is back in the allowance."""
    _lock(LevyAccount, pledge.account_id)
    if pledge.status is not PledgeStatus.OPEN:
        raise ServiceError(f"{pledge.title} is closed, so it cannot be changed")
    if problem := amount_problem(pledge.account_id, pledge.year, values["amount_pence"], pledge):
        raise ServiceError(problem)
    return audit.save(actor, pledge, values, "levy_pledge", version=version)


def close_problem(pending: int) -> str | None:
    if pending:
        return (f"{pending} application{'s are' if pending != 1 else ' is'} waiting for a decision: approve or reject "
                f"{'them' if pending != 1 else 'it'} before closing the pledge")
    return None


def pending_count(pledge: LevyPledge) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(
        LevyApplication.pledge_id == pledge.id, LevyApplication.status == ApplicationStatus.PENDING))


def close_pledge(actor: User, pledge: LevyPledge) -> None:
    """Close a pledge to new applications: what it has not committed goes back to the allowance.

    Refused while an application waits for a decision (approving it afterwards would take funds the
    closing gave back). The pledge's row is locked first, as approving does, so neither slips past the other.
    """
    _lock(LevyPledge, pledge.id)
    if problem := close_problem(pending_count(pledge)):
        raise ServiceError(problem)
    db.session.flush()
    done = db.session.execute(
        sa.update(LevyPledge).where(LevyPledge.id == pledge.id, LevyPledge.status == PledgeStatus.OPEN)
        .values(status=PledgeStatus.CLOSED, version=LevyPledge.version + 1)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.refresh(pledge)
    if not done:
        raise ServiceError(f"{pledge.title} is already closed")
    audit.record(actor, "levy_pledge.closed", pledge)
    db.session.flush()


@dataclass(frozen=True)
class PledgeRow:
    """A pledge as the list shows it, with its money and the applications waiting."""

    pledge: LevyPledge
    account_name: str
    committed: int
    paid: int
    pending: int

    @property
    def uncommitted(self) -> int:
        return self.pledge.amount_pence - self.committed

    @property
    def year(self) -> FinancialYear:
        return FinancialYear(self.pledge.year)


def _paid_on_pledge(pledge_id) -> sa.ScalarSelect:
    return (sa.select(total(LevyTransaction.amount_pence))
            .join(TransferApprentice, TransferApprentice.id == LevyTransaction.transfer_apprentice_id)
            .join(LevyApplication, LevyApplication.id == TransferApprentice.application_id)
            .where(LevyTransaction.kind == TransactionKind.TRANSFER, LevyApplication.pledge_id == pledge_id)
            .scalar_subquery())


def _pending_on(pledge_id) -> sa.ScalarSelect:
    return (sa.select(sa.func.count()).where(LevyApplication.pledge_id == pledge_id,
                                             LevyApplication.status == ApplicationStatus.PENDING).scalar_subquery())


def pledges(page: int, *, open_only: bool = False) -> Page:
    """Pledges, open ones first then newest, 50 a page, each with its committed, paid and waiting
    figures: two statements whatever the number."""
    query = (sa.select(LevyPledge, LevyAccount.name, _committed_on(LevyPledge.id), _paid_on_pledge(LevyPledge.id),
                       _pending_on(LevyPledge.id))
             .join(LevyAccount, LevyAccount.id == LevyPledge.account_id)
             .order_by(sa.case((LevyPledge.status == PledgeStatus.OPEN, 0), else_=1), LevyPledge.year.desc(),
                       LevyPledge.id.desc()))
    if open_only:
        query = query.where(LevyPledge.status == PledgeStatus.OPEN)
    found = paginate(query, page, PAGE_SIZE, rows=True)
    return Page([PledgeRow(*row) for row in found.items], found.number, found.size, found.total)


def pledge_row(pledge: LevyPledge) -> PledgeRow:
    """One pledge's figures, as the list shows them: one statement."""
    committed, paid, waiting = db.session.execute(sa.select(
        _committed_on(pledge.id), _paid_on_pledge(pledge.id), _pending_on(pledge.id))).one()
    return PledgeRow(pledge, pledge.account.name, committed, paid, waiting)


# ---------------------------------------------------------------------------------------------
# Applications


@dataclass(frozen=True)
class ApplicationRow:
    """An application as a list shows it: its employer, standard, money used and what it does not meet."""

    application: LevyApplication
    employer_name: str
    pledge_title: str
    standard_name: str
    used: int
    problems: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> int | None:
        """What is left of the amount to use: only for an application whose amount is committed."""
        return self.application.amount_pence - self.used if self.application.status in COMMITTED else None


def _used_on(application_id) -> sa.ScalarSelect:
    return (sa.select(total(LevyTransaction.amount_pence))
            .join(TransferApprentice, TransferApprentice.id == LevyTransaction.transfer_apprentice_id)
            .where(LevyTransaction.kind == TransactionKind.TRANSFER,
                   TransferApprentice.application_id == application_id).scalar_subquery())


def applications(page: int, *, pledge_id: int | None = None, employer_id: int | None = None,
                 status: ApplicationStatus | None = None, to_employer: bool = False) -> Page:
    """Applications (of one pledge, one employer, in one status), newest first, 50 a page, each checked
    against the local rules, its pledge's criteria and what its pledge has left: four statements whatever the
    number. `to_employer`: for the employer's own list, worded for it and without the council's notes to
    check by hand."""
    standard = aliased(ApprenticeshipStandard)
    query = (sa.select(LevyApplication, EmployerPartner.name, EmployerPartner.sector, LevyPledge, standard,
                       FundingBand.max_pence, _used_on(LevyApplication.id), _committed_on(LevyPledge.id))
             .join(EmployerPartner, EmployerPartner.id == LevyApplication.employer_id)
             .join(LevyPledge, LevyPledge.id == LevyApplication.pledge_id)
             .join(standard, standard.id == LevyApplication.standard_id)
             .outerjoin(FundingBand, FundingBand.standard_id == LevyApplication.standard_id)
             .order_by(LevyApplication.created_at.desc(), LevyApplication.id.desc()))
    if pledge_id is not None:
        query = query.where(LevyApplication.pledge_id == pledge_id)
    if employer_id is not None:
        query = query.where(LevyApplication.employer_id == employer_id)
    if status is not None:
        query = query.where(LevyApplication.status == status)
    found = paginate(query, page, PAGE_SIZE, rows=True)
    local = scheme()
    pledge_standards = {s.id: s for s in db.session.scalars(sa.select(ApprenticeshipStandard).where(
        ApprenticeshipStandard.id.in_({row[3].standard_id for row in found.items if row[3].standard_id})))}
    outside: dict[int, list[str]] = defaultdict(list)
    wages: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
    # Only the apprentices whose records break a rule: living outside the borough, or paid below the minimum.
    breaking = TransferApprentice.lives_in_borough.is_(False)
    if local.min_hourly_wage_pence is not None:
        breaking = sa.or_(breaking, TransferApprentice.hourly_wage_pence < local.min_hourly_wage_pence)
    for application_id, reference, in_borough, wage in db.session.execute(
            sa.select(TransferApprentice.application_id, TransferApprentice.reference,
                      TransferApprentice.lives_in_borough, TransferApprentice.hourly_wage_pence)
            .where(TransferApprentice.application_id.in_([row[0].id for row in found.items]), breaking)):
        if not in_borough:
            outside[application_id].append(reference)
        wages[application_id].append((reference, wage))
    rows = []
    for application, employer_name, sector, pledge, standard_row, band, used, committed in found.items:
        rules = rules_for(pledge, local, pledge_standards.get(pledge.standard_id))
        facts = facts_of(application, sector, standard_row, band, outside_borough=outside[application.id],
                         apprentice_wages=wages[application.id], pledge_left=pledge.amount_pence - committed)
        rows.append(ApplicationRow(application, employer_name, pledge.title, standard_row.display_name, used,
                                   problems(facts, rules, to_employer=to_employer),
                                   [] if to_employer else notes(facts, rules)))
    return Page(rows, found.number, found.size, found.total)


def used_on(application: LevyApplication) -> int:
    return db.session.scalar(sa.select(_used_on(application.id)))


def create_application(actor: User, pledge: LevyPledge, employer: EmployerPartner, values: dict) -> LevyApplication:
    """An application to an open pledge, as it arrived through DfE's service (the coordinator) or from
    the employer partner's own account; it waits for the council's decision."""
    if pledge.status is not PledgeStatus.OPEN:
        raise ServiceError(f"{pledge.title} is closed to new applications")
    if values["amount_pence"] > pledge.amount_pence:
        raise ServiceError(f"The amount asked for is more than the whole pledge ({money(pledge.amount_pence)})")
    if actor.employer_id == employer.id and values["amount_pence"] > (left := left_on(pledge)):
        raise ServiceError(f"The amount asked for is more than the pledge has left ({money(max(left, 0))})")
    application = LevyApplication(pledge=pledge, employer_id=employer.id, status=ApplicationStatus.PENDING)
    for key, value in values.items():
        setattr(application, key, value)
    db.session.add(application)
    db.session.flush()
    audit.record(actor, "levy_application.created", application, by_employer=actor.employer_id == employer.id,
                 fields=sorted(k for k, v in values.items() if v is not None))
    # Whether it pays the levy, as it says now: its record keeps the newest word (the council may correct it).
    # One conditional UPDATE, so that a coordinator's edit of the record meanwhile never stops the application.
    says = application.employer_pays_levy
    if db.session.execute(
            sa.update(EmployerPartner).where(EmployerPartner.id == employer.id,
                                             EmployerPartner.pays_levy.is_distinct_from(says))
            .values(pays_levy=says, version=EmployerPartner.version + 1)
            .execution_options(synchronize_session=False)).rowcount:
        db.session.refresh(employer)
        audit.record(actor, "employer.edited", employer, fields=["pays_levy"])
    if actor.employer_id == employer.id:
        notifications.levy_application_received(application)  # the coordinators decide on it
    db.session.flush()
    return application


def pending_from(pledge: LevyPledge, employer_id: int) -> LevyApplication | None:
    """The employer's newest application to the pledge still waiting for a decision, if any."""
    return db.session.scalar(sa.select(LevyApplication).where(
        LevyApplication.pledge_id == pledge.id, LevyApplication.employer_id == employer_id,
        LevyApplication.status == ApplicationStatus.PENDING).order_by(LevyApplication.id.desc()).limit(1))


def council_contact(application: LevyApplication) -> User | None:
    """The coordinator an employer partner sends its apprentices' details to (the app has no way to send
    them): the one who approved the application or, when they no longer can be reached here, the one who
    made the pledge. None when neither is an active coordinator. One statement."""
    wanted = [i for i in (application.decided_by_id, application.pledge.created_by_id) if i is not None]
    if not wanted:
        return None
    found = {u.id: u for u in db.session.scalars(sa.select(User).where(
        User.id.in_(wanted), User.role == Role.COORDINATOR, User.active.is_(True)))}
    return next((found[i] for i in wanted if i in found), None)


def _move(application: LevyApplication, step: Step, expected: ApplicationStatus | None = None, **values) -> bool:
    """Move the application on with one conditional UPDATE: only from the statuses `step` comes from (and
    only from `expected`, the one the person saw, when given). False, changing nothing, when someone got
    there first."""
    came_from = [s for s in step.came_from if expected is None or s is expected]
    db.session.flush()
    done = db.session.execute(
        sa.update(LevyApplication)
        .where(LevyApplication.id == application.id, LevyApplication.status.in_(came_from))
        .values(status=step.to, version=LevyApplication.version + 1, **values)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.refresh(application)  # as it is stored now: moved by us, or by whoever got there first
    return done


def decide(actor: User, application: LevyApplication, step_name: str, reason: str | None = None,
           *, seen: ApplicationStatus | None = None) -> Step:
    """Make one move of DfE's lifecycle (see the module's docstring), audited.

    `seen`: the status the person's page showed. The UPDATE moves the application only from that status,
    so nothing is decided on a state the person did not see (approving what had just been withdrawn).
    Approving checks the pledge has enough left (its row locked first) and, when the application does
    not meet every local rule, needs `reason` (kept only then: the employer is told it was approved anyway, with
    it). An employer partner makes only their own moves.
    """
    step = STEPS.get(step_name)
    if step is None:
        raise ServiceError("That is not a step an application can take")
    if actor.employer_id is not None and not step.employer_may:
        raise ServiceError(f"Only the council can {step.verb.lower()} an application")
    values: dict = {}
    unmet: list[str] = []
    if step.name in ("approve", "reject"):
        values = {"decided_at": utcnow(), "decided_by_id": actor.id, "decision_reason": reason or None}
    if step.name == "approve":
        pledge = _lock(LevyPledge, application.pledge_id)
        if pledge.status is not PledgeStatus.OPEN:
            raise ServiceError(f"{pledge.title} is closed, so no more of it can be approved")
        left = pledge.amount_pence - committed_on(pledge)
        if application.amount_pence > left:
            raise ServiceError(f"The application asks for {money(application.amount_pence)}, but only {money(left)} "
                               f"of {pledge.title} is not yet committed")
        unmet = eligibility(application)
        if unmet and not reason:
            raise ServiceError("The application does not meet every local rule: give a reason for approving it")
        # An approval's reason is why it was approved although it does not meet every rule (what the employer
        # is told with it): none is kept for one that meets them all (the form does not ask for one).
        values["decision_reason"] = (reason or None) if unmet else None
    if not _move(application, step, seen, **values):
        raise ServiceError(why_not(application.status, step))
    details: dict = {"from_employer": actor.employer_id == application.employer_id}
    if step.name == "approve":
        details["rules_not_met"] = len(unmet)
    audit.record(actor, f"levy_application.{step.to.value}", application, **details)
    if step.name in ("approve", "reject", "withdraw"):
        notifications.levy_application_decided(application)  # nothing waits for the coordinators' decision now
    if step.name in ("approve", "reject"):
        notifications.levy_application_to_employer(application)  # the employer is told, in the app and by email
    else:
        notifications.levy_funds_answered(application)  # accepted, declined or withdrawn: nothing waits for them
        if step.name == "withdraw":
            notifications.levy_funds_accepted_done(application)  # no apprentices to add to it now
        if details["from_employer"]:
            notifications.levy_application_answered(application)  # the coordinators are told
    db.session.flush()
    return step


# ---------------------------------------------------------------------------------------------
# Transfer apprentices and their payments


def _payments_by_apprentice(apprentice_ids: Iterable[int]) -> dict[int, dict[date, int]]:
    """What has been paid for each transfer apprentice, month by month: one statement."""
    ids = list(apprentice_ids)
    paid: dict[int, dict[date, int]] = defaultdict(dict)
    if not ids:
        return paid
    for apprentice_id, month, pence in db.session.execute(
            sa.select(LevyTransaction.transfer_apprentice_id, LevyTransaction.month,
                      total(LevyTransaction.amount_pence))
            .where(LevyTransaction.kind == TransactionKind.TRANSFER, LevyTransaction.transfer_apprentice_id.in_(ids))
            .group_by(LevyTransaction.transfer_apprentice_id, LevyTransaction.month)):
        paid[apprentice_id][month] = int(pence)
    return paid


@dataclass(frozen=True)
class PaymentMonth:
    month: date
    planned: int  # 0 when nothing was planned that month
    paid: int


@dataclass(frozen=True)
class FundedApprentice:
    """A transfer apprentice with their schedule and what has been paid, month by month."""

    apprentice: TransferApprentice
    months: list[PaymentMonth]

    @property
    def paid(self) -> int:
        return sum(m.paid for m in self.months)

    @property
    def left_to_pay(self) -> int:
        return max(0, self.apprentice.price_pence - self.paid)

    @property
    def next_due(self) -> tuple[date, int] | None:
        """The first planned month not yet paid, and what is planned then (capped at what is left to pay)."""
        if self.apprentice.outcome is TransferOutcome.WITHDRAWN or not self.left_to_pay:
            return None
        for m in self.months:
            if m.planned and not m.paid:
                return m.month, min(m.planned, self.left_to_pay)
        return None


def planned_for(apprentice: TransferApprentice) -> list[tuple[date, int]]:
    """What is planned to be paid for the apprentice: the price in instalments as DfE pays providers
    (levy_ledger.payments_planned, the same rule as the council's own apprentices); a withdrawn apprentice's
    stop with the last month they were in learning on its census date; for one who completed, the rest of
    the price not yet due (the completion payment, and any instalments not reached) falls in the month
    after they completed."""
    price, start, planned_end = apprentice.price_pence, apprentice.start_date, apprentice.planned_end_date
    if apprentice.outcome is TransferOutcome.IN_LEARNING or apprentice.end_date is None:
        return levy_ledger.payments_planned(price, start, planned_end)
    in_learning = levy_ledger.payments_planned(price, start, planned_end, withdrawn_on=apprentice.end_date)
    if apprentice.outcome is TransferOutcome.WITHDRAWN:
        return in_learning
    rest = price - sum(p for _, p in in_learning)
    after = levy_ledger.add_months(levy_ledger.first_of_month(apprentice.end_date), 1)
    return in_learning + ([(after, rest)] if rest > 0 else [])


def funded(apprentices: list[TransferApprentice]) -> list[FundedApprentice]:
    """Each apprentice with their months, planned and paid: one statement for all of them."""
    paid = _payments_by_apprentice(a.id for a in apprentices)
    result = []
    for apprentice in apprentices:
        theirs = paid.get(apprentice.id, {})
        planned = dict(planned_for(apprentice))
        months = sorted(planned.keys() | theirs.keys())
        result.append(FundedApprentice(apprentice, [PaymentMonth(m, planned.get(m, 0), theirs.get(m, 0))
                                                    for m in months]))
    return result


def still_in_learning(apprentices: list[FundedApprentice]) -> tuple[int, int]:
    """How many of the apprentices are in learning, and what is still to be paid for them: what withdrawing
    their application stops."""
    learning = [f for f in apprentices if f.apprentice.outcome is TransferOutcome.IN_LEARNING]
    return len(learning), sum(f.left_to_pay for f in learning)


def allocated(application: LevyApplication, apprentices: list[FundedApprentice], *,
              leaving_out: int | None = None) -> int:
    """What the application's apprentices take of its amount: each one's price, or for one who withdrew what
    was paid for them (the rest is free again)."""
    return sum(f.paid if f.apprentice.outcome is TransferOutcome.WITHDRAWN else f.apprentice.price_pence
               for f in apprentices if f.apprentice.id != leaving_out)


def apprentice_problem(application: LevyApplication, apprentice: TransferApprentice | None, price: int) -> str | None:
    """Why an apprentice (new, or `apprentice` changed) cannot have this price: above the standard's funding
    band (when entered); with the application's other apprentices, more than its amount; or less than has
    been paid for them already. The form asks it; the save asks again with the application's row locked."""
    band = band_for(application.standard_id)
    if band is not None and price > band:
        return f"The price is more than the funding band of {application.standard.display_name} ({money(band)})"
    everyone = funded(list(application.apprentices))
    others = allocated(application, everyone, leaving_out=apprentice.id if apprentice is not None else None)
    if others + price > application.amount_pence:
        room = max(0, application.amount_pence - others)
        return (f"The price is more than is left of the application’s {money(application.amount_pence)}: "
                f"{money(room)} is not taken by its other apprentices")
    mine = next((f for f in everyone if apprentice is not None and f.apprentice.id == apprentice.id), None)
    if mine is not None and price < mine.paid:
        return (f"{money(mine.paid)} has already been paid for {apprentice.reference}, so the price cannot be less "
                "than that")
    return None


def save_apprentice(actor: User, application: LevyApplication, apprentice: TransferApprentice, values: dict, *,
                    version: int | None = None) -> list[str]:
    """Add a transfer apprentice to an accepted application, or change one (see `apprentice_problem`). Their
    hourly wage is needed when the scheme sets a minimum. One below it is saved as it is (the record must say
    what they are paid) and the application lists the rule as not met, as for one living outside the borough."""
    if application.status not in FUNDED:
        raise ServiceError("Apprentices are added once the employer has accepted the funds")
    _lock(LevyApplication, application.id)
    if problem := apprentice_problem(application, apprentice if apprentice.id else None, values["price_pence"]):
        raise ServiceError(problem)
    minimum = scheme().min_hourly_wage_pence
    if minimum is not None and values.get("hourly_wage_pence") is None:
        raise ServiceError(f"Enter the hourly wage: this scheme asks for at least {money(minimum)} an hour")
    if values.get("outcome", TransferOutcome.IN_LEARNING) is TransferOutcome.IN_LEARNING:
        values = {**values, "end_date": None}
    adding = apprentice.id is None
    apprentice.application_id = application.id
    changed = audit.save(actor, apprentice, values, "transfer_apprentice", version=version)
    if adding:
        notifications.levy_funds_accepted_done(application)  # the coordinators acted on the funds accepted
    return changed


def payment_problem(apprentice: TransferApprentice, amount_pence: int) -> str | None:
    """Why a payment of this amount cannot be recorded: more than is left of the apprentice's price, or of
    the application's amount."""
    application = apprentice.application
    room = min(funded([apprentice])[0].left_to_pay, application.amount_pence - used_on(application))
    if amount_pence > room:
        return f"That is more than is left to pay: {money(max(room, 0))} for {apprentice.reference}"
    return None


def record_payment(actor: User, apprentice: TransferApprentice, month: date, amount_pence: int,
                   today: date | None = None) -> LevyTransaction:
    """A transfer payment for the apprentice, through the ledger (levy_ledger.record), in this month or
    one before. It can be no more than is left of their price or of the application's amount; when the
    payments reach the amount, the application's funds are used. What expired is worked out again (a
    payment in a past month may have used funds that had counted as expired)."""
    today = today or date.today()
    application = apprentice.application
    if levy_ledger.first_of_month(month) > levy_ledger.first_of_month(today):
        raise ServiceError("The month of a payment cannot be after this month")
    if application.status is not ApplicationStatus.ACCEPTED:
        raise ServiceError(f"Payments are recorded while the application is accepted; it is "
                           f"{application.status.label.lower()}")
    _lock(LevyApplication, application.id)
    if levy_ledger.first_of_month(month) < levy_ledger.first_of_month(apprentice.start_date):
        raise ServiceError(f"{apprentice.reference} started in {apprentice.start_date:%B %Y}: a payment cannot be "
                           "before that")
    if problem := payment_problem(apprentice, amount_pence):
        raise ServiceError(problem)
    used = used_on(application)
    row = levy_ledger.record(application.pledge.account, month, TransactionKind.TRANSFER, amount_pence, actor=actor,
                             transfer_apprentice=apprentice,
                             description=f"Transfer to {application.employer.name}"[:200])
    if used + amount_pence >= application.amount_pence and _move(application, FUNDS_USED):
        audit.record(actor, "levy_application.funds_used", application)
        notifications.levy_application_to_employer(application)
        notifications.levy_funds_accepted_done(application)  # nothing left to add apprentices to
    levy_ledger.write_expiries(today, actor=actor, accounts=[application.pledge.account])
    db.session.flush()
    return row


def planned_payments(account: LevyAccount | int, months: int, today: date | None = None) -> list[tuple[date, int]]:
    """For each of the `months` months from this one, the transfer payments planned from the account
    (`planned_payments_of`, for one account). Two statements."""
    account_id = account if isinstance(account, int) else account.id
    return list(planned_payments_of([account_id], months, today).get(account_id, {}).items())


def planned_payments_of(account_ids: list[int], months: int, today: date | None = None) -> dict[int, dict[date, int]]:
    """For each account, and each of the `months` months from this one, the transfer payments planned from it:
    the instalments (levy_ledger.instalments) of the apprentices on its accepted applications not yet paid
    for that month; withdrawn apprentices' stop, a completed apprentice's rest falls after completing.
    Months before this one are history (the ledger has what was paid). Two statements, however many accounts."""
    first = levy_ledger.first_of_month(today or date.today())
    window = [first]
    while len(window) < months:
        window.append(levy_ledger.add_months(window[-1], 1))
    totals = {account_id: dict.fromkeys(window, 0) for account_id in account_ids}
    rows = db.session.execute(
        sa.select(TransferApprentice, LevyPledge.account_id)
        .join(LevyApplication, LevyApplication.id == TransferApprentice.application_id)
        .join(LevyPledge, LevyPledge.id == LevyApplication.pledge_id)
        .where(LevyPledge.account_id.in_(account_ids), LevyApplication.status == ApplicationStatus.ACCEPTED)).all()
    account_of = {apprentice.id: account_id for apprentice, account_id in rows}
    for one in funded([apprentice for apprentice, _ in rows]):
        left, theirs = one.left_to_pay, totals[account_of[one.apprentice.id]]
        for m in one.months:
            if m.month in theirs and m.planned and not m.paid and left > 0:
                pence = min(m.planned, left)
                theirs[m.month] += pence
                left -= pence
    return totals


def current_year(today: date | None = None) -> FinancialYear:
    return financial_year_of(today or date.today())
