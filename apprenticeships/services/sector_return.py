"""The public sector apprenticeship return: a financial year's figures, per part of the council.

Public bodies with 250 or more staff in England report each financial year (1 April to 31
March); councils split every figure between the council excluding maintained schools and the
maintained schools. Employee headcounts come from HR (entered, or imported from a CSV); the
apprentice figures come from the records, counted like this:

- **new apprentices**: apprenticeships whose start date falls in the year, 1 April to 31 March
  inclusive. Every apprentice here is an employee of the council or a school, so existing staff
  who began an apprenticeship count as well as new hires (as DfE asks).
- **apprentices at the start / at the end**: those in learning on 1 April / on 31 March: started
  on or before that day, not withdrawn or completed before it (the withdrawal or completion date
  is their last day in learning), and not on a break in learning that day. A break covers its
  first day up to the day before they returned (one not yet ended covers every day after it began).
- **transfers**: an apprentice's `employed_by` says who employs them now and `employed_by_since`
  from when, if they moved after starting; before that date they were employed by the other part.
  Each figure counts an apprentice in the part that employed them on that figure's day: a start
  on its start date, the figure at the start on 1 April, the one at the end on 31 March. So
  someone who moved from a school to the council during the year is a school's apprentice at the
  start and the council's at the end, and is never counted twice in one figure. Only the latest
  move is held: an apprentice who moved twice counts, before their latest move, as the other part's.

DfE works out three percentages from the figures: new apprentices as a share of new employees,
apprentices at the end as a share of employees at the end, and new apprentices as a share of
employees at the start (the former 2.3% target). Each is "not applicable" where its employee
figure is 0 or has not been given.

A return is a draft until it is marked submitted. Then its apprentice figures are stored as
filed, next to the headcounts and answers stored all along, and the page shows only what was
filed: later changes to the records do not move it. Every change to a return (headcounts,
answers, submitting, reopening) is an UPDATE of its row checked against the version the change
was based on (`Versioned`): a change based on the return as it was before someone submitted it
matches no row and is refused, whatever the timing. Reopening a submitted year asks for
confirmation and keeps the figures as filed in its audit event.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Apprentice,
    ApprenticeshipStandard,
    BreakInLearning,
    EmployedBy,
    ProgrammeSettings,
    SectorReturn,
    SectorReturnPart,
    TrainingProvider,
    User,
    utcnow,
)
from ..models.reporting import FIRST_YEAR
from ..versioning import expect
from . import audit, disclosure, open_data, publication
from .errors import ServiceError, StaleRecord
from .spreadsheets import csv_text

PARTS = (EmployedBy.COUNCIL, EmployedBy.MAINTAINED_SCHOOL)
MAX_COUNT = 10_000_000


# ---------------------------------------------------------------------------------------------
# Financial years


@dataclass(frozen=True, order=True)
class FinancialYear:
    """1 April `year` to 31 March `year` + 1."""

    year: int

    @property
    def first_day(self) -> date:
        return date(self.year, 4, 1)

    @property
    def last_day(self) -> date:
        return date(self.year + 1, 3, 31)

    @property
    def label(self) -> str:
        """2025-26, as DfE names the year."""
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    @property
    def in_words(self) -> str:
        return f"1 April {self.year} to 31 March {self.year + 1}"

    @property
    def time_period(self) -> str:
        """202526: the EES open data standard's financial year."""
        return f"{self.year}{(self.year + 1) % 100:02d}"

    def __contains__(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def ended(self, today: date) -> bool:
        """Whether the year is over: its figures for the last day are facts, not a forecast."""
        return today > self.last_day


def financial_year_of(day: date) -> FinancialYear:
    return FinancialYear(day.year if day.month >= 4 else day.year - 1)


def years_offered(today: date) -> list[FinancialYear]:
    """Every year a return can be made for, newest first: from the target's first year to this one."""
    return [FinancialYear(y) for y in range(financial_year_of(today).year, FIRST_YEAR - 1, -1)]


def year_offered(year: int, today: date) -> FinancialYear | None:
    """The year in an address, if a return can be made for it (else the page is not found)."""
    return FinancialYear(year) if FIRST_YEAR <= year <= financial_year_of(today).year else None


# ---------------------------------------------------------------------------------------------
# Counting apprentices (pure)


@dataclass(frozen=True)
class Apprenticeship:
    """What the return needs to know about one apprentice."""

    start_date: date
    withdrawal_date: date | None = None
    completion_date: date | None = None
    employed_by: EmployedBy = EmployedBy.COUNCIL
    employed_by_since: date | None = None
    breaks: tuple[tuple[date, date | None], ...] = ()  # (first day, day they returned or None)


def employer_on(apprenticeship: Apprenticeship, day: date) -> EmployedBy:
    """The part of the council that employed them on `day` (see the module's note on transfers)."""
    since = apprenticeship.employed_by_since
    if since is None or day >= since:
        return apprenticeship.employed_by
    return apprenticeship.employed_by.other


def on_break(apprenticeship: Apprenticeship, day: date) -> bool:
    return any(first <= day and (returned is None or day < returned) for first, returned in apprenticeship.breaks)


def in_learning_on(apprenticeship: Apprenticeship, day: date) -> bool:
    a = apprenticeship
    return (a.start_date <= day
            and (a.withdrawal_date is None or a.withdrawal_date >= day)
            and (a.completion_date is None or a.completion_date >= day)
            and not on_break(a, day))


@dataclass(frozen=True)
class ApprenticeCounts:
    start: int = 0
    end: int = 0
    new: int = 0


def count_apprentices(apprenticeships: Iterable[Apprenticeship],
                      year: FinancialYear) -> dict[EmployedBy, ApprenticeCounts]:
    """The three apprentice figures for each part of the council."""
    counts = {part: {"start": 0, "end": 0, "new": 0} for part in PARTS}
    for a in apprenticeships:
        if in_learning_on(a, year.first_day):
            counts[employer_on(a, year.first_day)]["start"] += 1
        if in_learning_on(a, year.last_day):
            counts[employer_on(a, year.last_day)]["end"] += 1
        if a.start_date in year:
            counts[employer_on(a, a.start_date)]["new"] += 1
    return {part: ApprenticeCounts(**c) for part, c in counts.items()}


# ---------------------------------------------------------------------------------------------
# Figures and percentages (pure)


@dataclass(frozen=True)
class Figures:
    """One part's figures (or the two parts added up); None where a figure has not been given."""

    employees_start: int | None = None
    employees_end: int | None = None
    employees_new: int | None = None
    fte_start: Decimal | None = None
    fte_end: Decimal | None = None
    fte_new: Decimal | None = None
    apprentices_start: int | None = None
    apprentices_end: int | None = None
    apprentices_new: int | None = None

    @property
    def has_headcounts(self) -> bool:
        return None not in (self.employees_start, self.employees_end, self.employees_new)

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{name: None if getattr(self, name) is None or getattr(other, name) is None
                          else getattr(self, name) + getattr(other, name) for name in FIGURE_NAMES})


FIGURE_NAMES = tuple(Figures.__dataclass_fields__)
HEADCOUNT_NAMES = ("employees_start", "employees_end", "employees_new", "fte_start", "fte_end", "fte_new")
APPRENTICE_NAMES = ("apprentices_start", "apprentices_end", "apprentices_new")


def percentage(numerator: int | None, denominator: int | None) -> Decimal | None:
    """numerator / denominator as a percentage to 2 decimal places; None ("not applicable") when
    either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Percentage:
    key: str
    title: str
    numerator_words: str
    denominator_words: str
    numerator: int | None
    denominator: int | None

    @property
    def value(self) -> Decimal | None:
        return percentage(self.numerator, self.denominator)

    @property
    def working(self) -> str:
        """How it was worked out, or why it could not be."""
        if self.numerator is None or self.denominator is None:
            return f"Not applicable: the number of {self.denominator_words} has not been given"
        if self.denominator == 0:
            return f"Not applicable: there were no {self.denominator_words}"
        return (f"{self.numerator:,} {self.numerator_words} ÷ {self.denominator:,} {self.denominator_words} "
                f"× 100 = {self.value}%")


def percentages(figures: Figures) -> list[Percentage]:
    """DfE's three percentages, in the order of its form."""
    return [
        Percentage("pct_app_new", "New apprentices as a percentage of new employees",
                   "new apprentices", "new employees", figures.apprentices_new, figures.employees_new),
        Percentage("pct_app_end", "Apprentices as a percentage of employees at the end of the period",
                   "apprentices at the end", "employees at the end", figures.apprentices_end, figures.employees_end),
        Percentage("pct_target", "New apprentices as a percentage of employees at the start of the period",
                   "new apprentices", "employees at the start", figures.apprentices_new, figures.employees_start),
    ]


# ---------------------------------------------------------------------------------------------
# Reading a year's return


def _before_the_move(day) -> sa.ColumnElement[bool]:
    """Whether on `day` (a date, or a column) the apprentice was still in the other part of the council:
    as `employer_on`, someone who moved after `day` was."""
    return sa.and_(Apprentice.employed_by_since.is_not(None), day < Apprentice.employed_by_since)


def _in_learning(day: date) -> sa.ColumnElement[bool]:
    """`in_learning_on(apprentice, day)` as a condition on the apprentices table."""
    on_break = sa.exists().where(BreakInLearning.apprentice_id == Apprentice.id, BreakInLearning.start_date <= day,
                                 sa.or_(BreakInLearning.returned_on.is_(None), BreakInLearning.returned_on > day))
    return sa.and_(Apprentice.start_date <= day,
                   sa.or_(Apprentice.withdrawal_date.is_(None), Apprentice.withdrawal_date >= day),
                   sa.or_(Apprentice.completion_date.is_(None), Apprentice.completion_date >= day),
                   sa.not_(on_break))


def count_in_the_records(year: FinancialYear) -> dict[EmployedBy, ApprenticeCounts]:
    """`count_apprentices` of every apprentice on record, counted by the database: one statement that reads
    the apprentices once, whatever the numbers. (Reading each apprentice to count them in Python took 5 ms a
    page at 2,000 apprentices, and grew with them.) tests/web/test_sector_return.py checks the two agree."""
    first, last = year.first_day, year.last_day
    moved = (_before_the_move(first), _before_the_move(last), _before_the_move(Apprentice.start_date))
    found = db.session.execute(
        sa.select(Apprentice.employed_by, *moved,
                  *(sa.func.sum(sa.case((condition, 1), else_=0)) for condition in (
                      _in_learning(first), _in_learning(last), Apprentice.start_date.between(first, last))))
        .where(Apprentice.start_date <= last)  # nobody who starts later counts in any of the three
        .group_by(Apprentice.employed_by, *moved))
    counts = {part: {"start": 0, "end": 0, "new": 0} for part in PARTS}
    for employed_by, *row in found:
        part = EmployedBy(employed_by)
        for figure, before_the_move, count in zip(("start", "end", "new"), row[:3], row[3:], strict=True):
            counts[part.other if before_the_move else part][figure] += int(count or 0)
    return {part: ApprenticeCounts(**c) for part, c in counts.items()}


@dataclass
class YearReturn:
    """A year's return as a page shows it: as filed once submitted, else from the records as they are now."""

    year: FinancialYear
    record: SectorReturn | None
    parts: dict[EmployedBy, Figures]
    submitted_by_name: str | None = None

    @property
    def submitted(self) -> bool:
        return self.record is not None and self.record.submitted

    @property
    def version(self) -> int | None:
        return self.record.version if self.record else None

    @property
    def total(self) -> Figures:
        return self.parts[EmployedBy.COUNCIL] + self.parts[EmployedBy.MAINTAINED_SCHOOL]

    @property
    def has_headcounts(self) -> bool:
        return all(figures.has_headcounts for figures in self.parts.values())

    def answers(self) -> dict[str, str | None]:
        return {name: getattr(self.record, name) if self.record else None for name in ANSWERS}

    def fingerprint(self) -> str:
        """The figures as shown, in one line: a submission says what it saw, and is refused if they moved since."""
        return ";".join(",".join("" if getattr(self.parts[p], n) is None else str(getattr(self.parts[p], n))
                                 for n in FIGURE_NAMES) for p in PARTS)


ANSWERS = ("actions_taken", "challenges", "future_plans")


def _record(year: FinancialYear) -> SectorReturn | None:
    return db.session.scalar(sa.select(SectorReturn).where(SectorReturn.year == year.year)
                             .options(selectinload(SectorReturn.parts)))


def load(year: FinancialYear) -> YearReturn:
    """A year's return: a fixed number of statements, however many apprentices there are."""
    record = _record(year)
    stored = {part.employed_by: part for part in record.parts} if record else {}
    if record is not None and record.submitted:
        counts = None
    else:
        counts = count_in_the_records(year)
    parts = {}
    for part in PARTS:
        row = stored.get(part)
        values = {name: getattr(row, name) for name in HEADCOUNT_NAMES} if row else {}
        if counts is None:
            values.update({name: getattr(row, name) if row else None for name in APPRENTICE_NAMES})
        else:
            c = counts[part]
            values.update(apprentices_start=c.start, apprentices_end=c.end, apprentices_new=c.new)
        parts[part] = Figures(**values)
    name = None
    if record is not None and record.submitted_by_id:
        name = db.session.scalar(sa.select(User.name).where(User.id == record.submitted_by_id))
    return YearReturn(year, record, parts, name)


def returns_by_year() -> dict[int, SectorReturn]:
    """Every return made so far, by year: one statement."""
    return {r.year: r for r in db.session.scalars(sa.select(SectorReturn))}


# ---------------------------------------------------------------------------------------------
# Changing a return


def _refuse_if_submitted(record: SectorReturn, year: FinancialYear) -> None:
    if record.submitted:
        raise ServiceError(f"The {year.label} return has been submitted, so it cannot be changed. "
                           "Reopen it first if it must change.")


def _open_record(year: FinancialYear, version: int | None) -> SectorReturn:
    """The year's return, made if there is none yet, checked open and at the version the person saw.

    The change then sets `updated_at`, so it is an UPDATE `WHERE version = ?`: one based on the
    return before someone else submitted (or changed) it matches no row and is refused.
    """
    record = _record(year)
    if record is None:
        if version is not None:  # they saw a return that is no longer there
            raise StaleRecord("Someone else changed this return while you were editing")
        record = SectorReturn(year=year.year)
        db.session.add(record)
        db.session.flush()
        return record
    expect(record, version, "return")
    _refuse_if_submitted(record, year)
    record.updated_at = utcnow()
    return record


def _part(record: SectorReturn, employed_by: EmployedBy) -> SectorReturnPart:
    row = next((p for p in record.parts if p.employed_by == employed_by), None)
    if row is None:
        row = SectorReturnPart(sector_return=record, employed_by=employed_by)
        db.session.add(row)
    return row


def save_headcounts(actor: User, year: FinancialYear, headcounts: dict[EmployedBy, dict[str, object]], *,
                    version: int | None, source: str = "form") -> list[str]:
    """Store the employee headcounts (and full-time equivalents) of each part; audited with the
    names of the figures that changed. `source` is "form" or "import"."""
    record = _open_record(year, version)
    changed = []
    for part, values in headcounts.items():
        row = _part(record, part)
        for name in HEADCOUNT_NAMES:
            if name not in values:  # an optional column the HR file did not have: kept as it was
                continue
            if getattr(row, name) != values.get(name):
                setattr(row, name, values.get(name))
                changed.append(f"{part.value} {name}")
    if changed or source == "import":  # an import is noted even when it matched what was held
        audit.record(actor, "sector_return.headcounts_imported" if source == "import"
                     else "sector_return.headcounts_saved", record, year=year.label, fields=changed)
    db.session.flush()
    return changed


def save_answers(actor: User, year: FinancialYear, answers: dict[str, str | None], *, version: int | None) -> list[str]:
    """Store the narrative answers; audited with the names of those that changed (never their words)."""
    record = _open_record(year, version)
    changed = [name for name in ANSWERS if getattr(record, name) != answers.get(name)]
    for name in changed:
        setattr(record, name, answers.get(name))
    if changed:
        audit.record(actor, "sector_return.answers_saved", record, year=year.label, fields=changed)
    db.session.flush()
    return changed


def submit(actor: User, year: FinancialYear, *, version: int | None, seen: str, today: date) -> YearReturn:
    """Mark the year submitted: its figures, as the person saw them (`seen`, a fingerprint), are stored as filed."""
    now_showing = load(year)
    if now_showing.submitted:
        raise ServiceError(f"The {year.label} return has already been submitted.")
    if not now_showing.has_headcounts:
        raise ServiceError("Enter the employee numbers for both parts of the council before submitting.")
    if not year.ended(today):
        raise ServiceError(f"The {year.label} return can be marked as submitted from 1 April {year.year + 1}, "
                           f"once its year has ended: until then its figures for 31 March are not known.")
    if seen != now_showing.fingerprint():
        raise StaleRecord("The figures changed since you checked them. Check them again before submitting.")
    record = _open_record(year, version)
    for part in PARTS:
        row = _part(record, part)
        for name in APPRENTICE_NAMES:
            setattr(row, name, getattr(now_showing.parts[part], name))
    record.submitted_at = utcnow()
    record.submitted_by_id = actor.id
    audit.record(actor, "sector_return.submitted", record, year=year.label)
    db.session.flush()
    return load(year)


def reopen(actor: User, year: FinancialYear, *, version: int | None) -> None:
    """Open a submitted year for changes again. Its figures as filed are kept in the audit event."""
    record = _record(year)
    if record is None or not record.submitted:
        raise ServiceError(f"The {year.label} return is not submitted, so there is nothing to reopen.")
    expect(record, version, "return")
    filed = {part.employed_by.value: {name: getattr(part, name) for name in COUNTED_AS_FILED} for part in record.parts}
    for part in record.parts:
        for name in APPRENTICE_NAMES:
            setattr(part, name, None)
    record.submitted_at = None
    record.submitted_by_id = None
    record.updated_at = utcnow()
    audit.record(actor, "sector_return.reopened", record, year=year.label, filed=filed)
    db.session.flush()


COUNTED_AS_FILED = ("employees_start", "employees_end", "employees_new", *APPRENTICE_NAMES)


# ---------------------------------------------------------------------------------------------
# The HR headcount file


@dataclass(frozen=True)
class HeadcountColumn:
    name: str
    required: bool
    description: str


HEADCOUNT_COLUMNS = (
    HeadcountColumn("part", True, "council (the council excluding maintained schools) or maintained_school"),
    HeadcountColumn("employees_start", True, "employees working in England on 1 April (the start of the year)"),
    HeadcountColumn("employees_end", True, "employees working in England on 31 March (the end of the year)"),
    HeadcountColumn("employees_new", True, "employees who started working for you in England during the year"),
    HeadcountColumn("fte_start", False, "full-time equivalent of the employees at the start, like 412.5"),
    HeadcountColumn("fte_end", False, "full-time equivalent of the employees at the end"),
    HeadcountColumn("fte_new", False, "full-time equivalent of the new employees"),
)
PART_NAMES = {"council": EmployedBy.COUNCIL, "maintained_school": EmployedBy.MAINTAINED_SCHOOL,
              "maintained_schools": EmployedBy.MAINTAINED_SCHOOL, "maintained school": EmployedBy.MAINTAINED_SCHOOL,
              "maintained schools": EmployedBy.MAINTAINED_SCHOOL, "schools": EmployedBy.MAINTAINED_SCHOOL,
              "council excluding maintained schools": EmployedBy.COUNCIL}


def headcount_template() -> str:
    return csv_text([[c.name for c in HEADCOUNT_COLUMNS],
                     ["council", "2450", "2510", "310", "2103.5", "2150", "280.4"],
                     ["maintained_school", "1200", "1185", "140", "", "", ""]])


def whole_number(text: str, label: str) -> tuple[int | None, str | None]:
    """A count from 0 to 10,000,000 written as digits (commas allowed)."""
    cleaned = text.strip().replace(",", "")
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > 9:
        return None, f"{label} must be a whole number, like 250"
    value = int(cleaned)
    if value > MAX_COUNT:
        return None, f"{label} must be {MAX_COUNT:,} or fewer"
    return value, None


def full_time_equivalent(text: str, label: str) -> tuple[Decimal | None, str | None]:
    """A full-time equivalent: a number from 0 to 10,000,000 with at most 2 decimal places."""
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        return None, None
    if not cleaned.isascii() or len(cleaned) > 12 or not all(c.isdigit() or c == "." for c in cleaned):
        return None, f"{label} must be a number, like 412.5"
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None, f"{label} must be a number, like 412.5"
    if value.as_tuple().exponent < -2:
        return None, f"{label} must have no more than 2 decimal places"
    if value > MAX_COUNT:
        return None, f"{label} must be {MAX_COUNT:,} or fewer"
    return value, None


@dataclass
class HeadcountFile:
    problems: list[str] = field(default_factory=list)  # for the whole file, or "Row 3: ..."
    headcounts: dict[EmployedBy, dict[str, object]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_headcounts(text: str) -> HeadcountFile:
    """Check an HR file: every problem, by row; the headcounts only when there are none."""
    result = HeadcountFile()
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error:
        result.problems.append("The file could not be read as a CSV")
        return result
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        result.problems.append("The file is empty")
        return result
    header = [cell.strip().lower() for cell in rows[0]]
    missing = [c.name for c in HEADCOUNT_COLUMNS if c.required and c.name not in header]
    if missing:
        result.problems.append(f"The first row must name the columns; missing: {', '.join(missing)}")
        return result
    if len(rows) > 1 + len(PARTS) * 5:
        result.problems.append(f"The file has {len(rows) - 1} rows; it should have one for each part of the council")
        return result
    where = {name: header.index(name) for name in (c.name for c in HEADCOUNT_COLUMNS) if name in header}
    found: dict[EmployedBy, dict[str, object]] = {}
    seen: set[EmployedBy] = set()  # every row's part, with problems or not: a repeated part is said at once
    for number, row in enumerate(rows[1:], start=2):
        def cell(name: str, row: list[str] = row) -> str:
            index = where.get(name)
            return row[index] if index is not None and index < len(row) else ""

        problems = []
        part = PART_NAMES.get(cell("part").strip().lower())
        if part is None:
            problems.append("part must be council or maintained_school")
        elif part in seen:
            problems.append(f"there is already a row for {part.part.lower()}")
        else:
            seen.add(part)
        values: dict[str, object] = {}
        for column in HEADCOUNT_COLUMNS[1:]:
            if not column.required and column.name not in where:
                continue  # an optional column left out of the file: what is held stays
            text = cell(column.name)
            if column.name.startswith("fte"):
                value, problem = full_time_equivalent(text, column.name)
            elif not text.strip():
                value, problem = None, f"{column.name} is empty"
            else:
                value, problem = whole_number(text, column.name)
            if problem:
                problems.append(problem)
            values[column.name] = value
        if problems:
            result.problems.append(f"Row {number}: " + "; ".join(problems))
        elif part is not None:
            found[part] = values
    absent = [p.part.lower() for p in PARTS if p not in seen]
    if absent:
        result.problems.append(f"There is no row for {' or '.join(absent)}")
    if result.ok:
        result.headcounts = found
    return result


# ---------------------------------------------------------------------------------------------
# Drafting the narrative answers


def draft_answers(year_return: YearReturn) -> dict[str, str]:
    """Drafts of the three answers, with the year's facts in them, for the coordinator to edit."""
    year, total = year_return.year, year_return.total
    first, last = year.first_day, year.last_day
    standards = db.session.scalars(
        sa.select(ApprenticeshipStandard.title).join(Apprentice, Apprentice.standard_id == ApprenticeshipStandard.id)
        .where(Apprentice.start_date.between(first, last)).distinct().order_by(ApprenticeshipStandard.title)).all()
    providers = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(TrainingProvider.id)))
        .join(Apprentice, Apprentice.provider_id == TrainingProvider.id)
        .where(Apprentice.start_date.between(first, last))) or 0
    council, schools = (year_return.parts[p].apprentices_new or 0 for p in PARTS)
    offered = (f" on {len(standards)} apprenticeship standards ({', '.join(standards)})" if standards else "")
    with_providers = f", trained by {providers} training provider{'s' if providers != 1 else ''}" if providers else ""
    actions = (f"From {year.in_words}, {total.apprentices_new or 0} people started an apprenticeship with us"
               f" ({council} in the council and {schools} in maintained schools), including existing staff who "
               f"began one{offered}{with_providers}. On 31 March {year.year + 1}, {total.apprentices_end or 0} "
               f"apprentices were in learning, compared with {total.apprentices_start or 0} on 1 April {year.year}.")
    target = next(p for p in percentages(total) if p.key == "pct_target")
    if target.value is None:
        challenges = ("[Enter the employee numbers to see how new apprentices compare with the 2.3% of employees "
                      "the former target asked for.] [Describe the challenges you met.]")
    else:
        compared = "above" if target.value >= Decimal("2.3") else "below"
        challenges = (f"New apprentices were {target.value}% of the employees we had at the start of the year, "
                      f"{compared} the 2.3% the former public sector target asked for. "
                      "[Describe the challenges you met, such as recruiting to some roles or releasing staff for "
                      "off-the-job training.]")
    future = (f"[Describe your plans for {FinancialYear(year.year + 1).label}: the cohorts and standards you will "
              "offer, and how you will support maintained schools to take on apprentices.]")
    return {"actions_taken": actions, "challenges": challenges, "future_plans": future}


# ---------------------------------------------------------------------------------------------
# Outputs


QUESTIONS = (  # the return's fields, in the order of DfE's form
    ("employees_start", "Number of employees working in England at the start of the period"),
    ("employees_end", "Number of employees working in England at the end of the period"),
    ("employees_new", "Number of new employees who started working in England during the period"),
    ("apprentices_start", "Number of apprentices working in England at the start of the period"),
    ("apprentices_end", "Number of apprentices working in England at the end of the period"),
    ("apprentices_new", "Number of new apprentices who started working in England during the period "
                        "(including existing employees who started an apprenticeship)"),
    ("fte_start", "Full-time equivalent employees at the start of the period (optional)"),
    ("fte_end", "Full-time equivalent employees at the end of the period (optional)"),
    ("fte_new", "Full-time equivalent new employees during the period (optional)"),
)
ANSWER_QUESTIONS = (
    ("actions_taken", "What actions have you taken to meet the target?"),
    ("challenges", "What challenges have you faced in meeting the target?"),
    ("future_plans", "How are you planning to meet the target in future?"),
)


def return_csv(year_return: YearReturn) -> str:
    """The return as DfE's form asks for it: one row per part of the council, the form's fields in its order."""
    header = ["Financial year", "Part of the council", *(q for _, q in QUESTIONS), *(q for _, q in ANSWER_QUESTIONS)]
    answers = year_return.answers()
    rows = [[year_return.year.label, part.part,
             *(_plain(getattr(year_return.parts[part], name)) for name, _ in QUESTIONS),
             *(answers[name] or "" for name, _ in ANSWER_QUESTIONS)] for part in PARTS]
    return csv_text([header, *rows])


def _plain(value) -> str:
    return "" if value is None else str(value)


OPEN_DATA_FILTERS = [open_data.Column("council_part", "Part of the council", "Filter",
                                      hint="The council excluding maintained schools, or its maintained schools")]
OPEN_DATA_INDICATORS = [
    open_data.Column("emp_prior", "Employees at the start of the period", "Indicator", dp=0),
    open_data.Column("app_prior", "Apprentices at the start of the period", "Indicator", dp=0),
    open_data.Column("emp_new", "New employees in the period", "Indicator", dp=0),
    open_data.Column("app_new", "New apprentices in the period", "Indicator", dp=0),
    open_data.Column("emp_end", "Employees at the end of the period", "Indicator", dp=0),
    open_data.Column("app_end", "Apprentices at the end of the period", "Indicator", dp=0),
    open_data.Column("pct_app_new", "New apprentices as a percentage of new employees", "Indicator", unit="%", dp=1),
    open_data.Column("pct_app_end", "Apprentices as a percentage of employees at the end", "Indicator", unit="%",
                     dp=1),
    open_data.Column("pct_target", "New apprentices as a percentage of employees at the start", "Indicator",
                     unit="%", dp=1),
]
_APPRENTICE_COLUMNS = {"app_prior": "apprentices_start", "app_new": "apprentices_new", "app_end": "apprentices_end"}
_EMPLOYEE_COLUMNS = {"emp_prior": "employees_start", "emp_new": "employees_new", "emp_end": "employees_end"}
APPRENTICE_OF = _APPRENTICE_COLUMNS
_PERCENT_PARTS = {"pct_app_new": ("app_new", "emp_new"), "pct_app_end": ("app_end", "emp_end"),
                  "pct_target": ("app_new", "emp_prior")}


def open_data_rows(year_return: YearReturn, threshold: int, round_to: int | None = None) -> list[dict[str, object]]:
    """The return as open data rows (each part, and the total), apprentice counts through the
    disclosure rules: a small count is suppressed, with a second cell where the total would give
    it away (and where one part is everyone); a percentage is suppressed when its apprentice count
    is. With `round_to` (the programme's rounding setting) every count published is rounded to
    it, after disclosure control; percentages are worked out from the exact counts."""
    labels = {EmployedBy.COUNCIL: "Council excluding maintained schools",
              EmployedBy.MAINTAINED_SCHOOL: "Maintained schools"}
    figures = {labels[p]: year_return.parts[p] for p in PARTS} | {"Total": year_return.total}
    rows = {label: {"council_part": label} for label in figures}
    for column, name in _APPRENTICE_COLUMNS.items():
        counts = {labels[p]: getattr(year_return.parts[p], name) or 0 for p in PARTS}
        for cell in disclosure.protect(counts, threshold):
            rows[cell.label][column] = cell.value
        rows["Total"][column] = disclosure.count(getattr(year_return.total, name) or 0, threshold)
    for label, f in figures.items():
        row = rows[label]
        for column, name in _EMPLOYEE_COLUMNS.items():
            value = getattr(f, name)
            row[column] = open_data.UNAVAILABLE if value is None else value
        for column, (numerator, denominator) in _PERCENT_PARTS.items():
            employees = row[denominator]
            if employees == open_data.UNAVAILABLE:
                row[column] = open_data.UNAVAILABLE
            elif employees == 0:
                row[column] = open_data.NOT_APPLICABLE
            elif row[numerator] is None:
                row[column] = open_data.SUPPRESSED
            else:
                exact = getattr(figures[label], APPRENTICE_OF[numerator])
                row[column] = (Decimal(100) * exact / employees).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if round_to:
        for row in rows.values():
            for column in (*_APPRENTICE_COLUMNS, *_EMPLOYEE_COLUMNS):
                if isinstance(row[column], int):
                    row[column] = publication.rounded(row[column], round_to)
    return list(rows.values())


def open_data_file(year_return: YearReturn) -> open_data.OpenDataFile:
    """The EES data file and its metadata (refused, with the reason, until the council's codes are set)."""
    settings = ProgrammeSettings.current()
    rows = open_data_rows(year_return, settings.disclosure_threshold,
                          publication.ROUND_TO if settings.round_to_five else None)
    return open_data.write(f"public-sector-apprenticeships-{year_return.year.label}", year_return.year.time_period,
                           "Financial year", OPEN_DATA_FILTERS, OPEN_DATA_INDICATORS, rows)

