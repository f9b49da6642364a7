"""Cohorts: creating and archiving them, and the table of a cohort's apprentices.

The table filters, sorts and paginates in the database on the same progress figures the
dashboard uses, so "at risk" means the same everywhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..ids import is_id
from ..models import (
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    Cohort,
    Mentor,
    ProgrammeSettings,
    ServiceArea,
    TrainingProvider,
    User,
    utcnow,
)
from . import audit
from .catalogue import is_taken
from .otj import Pace, pace
from .pagination import Page, paginate
from .progress import FAR_FUTURE, NextReview, next_review_from, progress_subquery, risk_conditions
from .spreadsheets import safe_cell

PAGE_SIZE = 50
SORTS = ("name", "standard", "service_area", "provider", "mentor", "status", "otj", "next_review", "rag")


@dataclass
class TableFilters:
    """What the person asked the table for, read from the query string (all optional)."""

    q: str = ""
    status: str = ""
    standard: str = ""
    service_area: str = ""
    provider: str = ""
    mentor: str = ""
    mentor_name: str = ""  # offered instead of a list when the cohort has many mentors
    at_risk: bool = False
    sort: str = "name"
    descending: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args) -> TableFilters:
        def pick(name: str, allowed) -> str:
            value = args.get(name, "").strip()
            return value if value in allowed else ""

        # "otj-desc" is "sort=otj&order=desc" in one value: the phone's "Sort by" list (cohorts/show.html).
        sort, _, reverse = (args.get("sort") or "").partition("-")
        return cls(
            q=args.get("q", "").strip()[:100],
            status=pick("status", ApprenticeStatus._value2member_map_),
            standard=pick("standard", _digits(args.get("standard", ""))),
            service_area=pick("service_area", ServiceArea._value2member_map_),
            provider=pick("provider", _digits(args.get("provider", ""))),
            mentor=pick("mentor", _digits(args.get("mentor", "")) | {"none"}),
            mentor_name=args.get("mentor_name", "").strip()[:100],
            at_risk=args.get("at_risk") == "yes",
            sort=sort if sort in SORTS else "name",
            descending=args.get("order") == "desc" or (sort in SORTS and reverse == "desc"),
            page=args.get("page", 1, type=int) or 1,
        )

    def args(self, **changes) -> dict[str, str]:
        """The query string for these filters (with changes), leaving out what is empty."""
        values = {"q": self.q, "status": self.status, "standard": self.standard, "service_area": self.service_area,
                  "provider": self.provider, "mentor": self.mentor, "mentor_name": self.mentor_name,
                  "at_risk": "yes" if self.at_risk else "",
                  "sort": "" if self.sort == "name" else self.sort, "order": "desc" if self.descending else "",
                  "page": "" if self.page == 1 else str(self.page)}
        values.update({k: str(v) if v is not None else "" for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}


def filters_in_words(filters: TableFilters) -> list[str]:
    """The filters set (not the search, which the page quotes), in words, for the count above the
    table: "status on a break, provider Acme Training, at risk". At most three statements, for the
    names of the standard, provider and mentor chosen (often already loaded with the rows)."""
    def named(model: type, value: str, what: str) -> str:
        chosen = db.session.get(model, int(value))
        if chosen is None:
            return what
        if model is ApprenticeshipStandard:  # as the filter's list names it: "Software developer (level 4)"
            return f"{what} {chosen.title} (level {chosen.level})"
        return f"{what} {chosen.name}"

    words = []
    if filters.status:
        words.append(f"status {ApprenticeStatus(filters.status).label.lower()}")
    if filters.standard:
        words.append(named(ApprenticeshipStandard, filters.standard, "standard"))
    if filters.service_area:
        words.append(f"service area {ServiceArea(filters.service_area).label}")
    if filters.provider:
        words.append(named(TrainingProvider, filters.provider, "provider"))
    if filters.mentor == "none":
        words.append("no mentor")
    elif filters.mentor:
        words.append(named(Mentor, filters.mentor, "mentor"))
    if filters.mentor_name:
        words.append(f"a mentor whose name contains “{filters.mentor_name}”")
    if filters.at_risk:
        words.append("at risk")
    return words


def _digits(value: str) -> set[str]:
    return {value} if is_id(value) else set()


@dataclass(frozen=True)
class Row:
    apprentice: Apprentice
    verified_minutes: int
    expected_minutes: float
    next_review: NextReview
    last_rag: str | None
    at_risk: bool

    @property
    def pace(self) -> Pace:
        """On track, slightly behind or behind (otj.pace, the rule every page uses)."""
        return pace(self.verified_minutes, self.expected_minutes)

    @property
    def otj_percent(self) -> int:
        if self.expected_minutes <= 0:
            return 100
        return min(100, round(100 * self.verified_minutes / self.expected_minutes))

    @property
    def shown(self) -> tuple:
        """Everything the cohort table's row shows, as the key its markup is kept by (templating.kept_row)."""
        person = self.apprentice
        return ("cohort-row", person.id, person.first_name, person.last_name, person.standard.display_name,
                person.service_area, person.provider.name, person.mentor.name if person.mentor else None,
                person.status, self.verified_minutes, self.expected_minutes, self.next_review, self.last_rag,
                self.at_risk)


MENTORS_LISTED = 30  # more than this in a cohort, and the filter asks for a name instead


@dataclass(frozen=True)
class FilterOptions:
    standards: list[tuple[int, str]] = field(default_factory=list)
    providers: list[tuple[int, str]] = field(default_factory=list)
    mentors: list[tuple[int, str]] | None = field(default_factory=list)  # None: too many to list


def _filter_option_statements() -> tuple[sa.Select, sa.Select, sa.Select]:
    # Built once (pagination.Listing says why), for the cohort named by the parameter `cohort_id`; the mentors
    # at most `mentors_shown`.
    in_cohort = sa.select(Apprentice).where(Apprentice.cohort_id == sa.bindparam("cohort_id", type_=sa.Integer))

    def used(column) -> sa.Select:
        return in_cohort.with_only_columns(column).distinct().scalar_subquery()

    return (
        sa.select(ApprenticeshipStandard.id, ApprenticeshipStandard.title, ApprenticeshipStandard.level)
        .where(ApprenticeshipStandard.id.in_(used(Apprentice.standard_id))).order_by(ApprenticeshipStandard.title),
        sa.select(TrainingProvider.id, TrainingProvider.name)
        .where(TrainingProvider.id.in_(used(Apprentice.provider_id))).order_by(TrainingProvider.name),
        sa.select(Mentor.id, Mentor.name).where(Mentor.id.in_(used(Apprentice.mentor_id)))
        .order_by(Mentor.name).limit(sa.bindparam("mentors_shown", type_=sa.Integer)),
    )


_STANDARDS_USED, _PROVIDERS_USED, _MENTORS_USED = _filter_option_statements()


def filter_options(cohort: Cohort) -> FilterOptions:
    """The standards, providers and mentors of this cohort's apprentices: a programme can have
    thousands of mentors, and a filter offering one nobody in the cohort has finds nothing."""
    params = {"cohort_id": cohort.id}
    return FilterOptions(
        standards=[(i, f"{t} (level {lv})") for i, t, lv in db.session.execute(_STANDARDS_USED, params)],
        providers=list(db.session.execute(_PROVIDERS_USED, params).tuples()),
        mentors=_listable(list(db.session.execute(
            _MENTORS_USED, {**params, "mentors_shown": MENTORS_LISTED + 1}).tuples())),
    )


def _listable(mentors: list[tuple[int, str]]) -> list[tuple[int, str]] | None:
    return None if len(mentors) > MENTORS_LISTED else mentors


def _table_query(cohort: Cohort, filters: TableFilters, today: date, settings: ProgrammeSettings, *,
                 figures: bool = True):
    """The table's rows, filtered and in order; without `figures`, only the apprentices (for their ids
    and count, when neither the filters nor the order need progress figures). The progress subquery
    is large, and SQLAlchemy walks all of it for each statement that holds it, to find the statement's
    compiled form: a page's count and ids leave it out."""
    if not figures and (filters.at_risk or filters.sort in PROGRESS_SORTS):
        raise ValueError("filtering on risk or sorting on progress needs the figures")
    query = (
        sa.select(Apprentice)
        .join(ApprenticeshipStandard, ApprenticeshipStandard.id == Apprentice.standard_id)
        .join(TrainingProvider, TrainingProvider.id == Apprentice.provider_id)
        .outerjoin(Mentor, Mentor.id == Apprentice.mentor_id)
        .where(Apprentice.cohort_id == cohort.id)
    )
    if figures:  # one row a person: the subquery has one for each apprentice
        progress = progress_subquery(today)
        risk = risk_conditions(progress, today, settings)
        p = progress.c
        query = query.add_columns(p.verified_minutes, p.expected_minutes, p.review_due_date,
                                  p.review_scheduled_date, p.last_rag, risk.any().label("at_risk")) \
            .join(progress, p.apprentice_id == Apprentice.id)
    if filters.q:
        full_name = sa.func.lower(Apprentice.first_name + " " + Apprentice.last_name)
        query = query.where(full_name.contains(filters.q.lower(), autoescape=True))
    if filters.status:
        query = query.where(Apprentice.status == filters.status)
    if filters.standard:
        query = query.where(Apprentice.standard_id == int(filters.standard))
    if filters.service_area:
        query = query.where(Apprentice.service_area == filters.service_area)
    if filters.provider:
        query = query.where(Apprentice.provider_id == int(filters.provider))
    if filters.mentor == "none":
        query = query.where(Apprentice.mentor_id.is_(None))
    elif filters.mentor:
        query = query.where(Apprentice.mentor_id == int(filters.mentor))
    if filters.mentor_name:
        query = query.where(sa.func.lower(Mentor.name).contains(filters.mentor_name.lower(), autoescape=True))
    if filters.at_risk:
        query = query.where(risk.any())

    keys = {
        "name": [Apprentice.last_name, Apprentice.first_name],
        "standard": [ApprenticeshipStandard.title, ApprenticeshipStandard.level],
        "service_area": [Apprentice.service_area],
        "provider": [TrainingProvider.name],
        "mentor": [sa.func.coalesce(Mentor.name, "")],
        "status": [Apprentice.status],
    }
    if figures:
        rag_order = sa.case({"red": 0, "amber": 1, "green": 2}, value=p.last_rag, else_=3)
        otj_ratio = p.verified_minutes / sa.func.nullif(p.expected_minutes, 0.0)
        # By the date the next review is due (progress.py's rule); those with none due come last.
        keys |= {
            "otj": [sa.func.coalesce(otj_ratio, 1000.0)],
            "next_review": [sa.func.coalesce(p.review_due_date, FAR_FUTURE)],
            "rag": [rag_order],
        }
    order = [k.desc() if filters.descending else k.asc() for k in keys[filters.sort]]
    if filters.sort == "next_review":  # those with none due last, whichever way it is sorted
        order.insert(0, sa.case((p.review_due_date.is_(None), 1), else_=0))
    return query.order_by(*order, Apprentice.last_name, Apprentice.first_name, Apprentice.id)


def _row(record, today: date) -> Row:
    apprentice = record[0]
    return Row(apprentice, record.verified_minutes, record.expected_minutes,
               next_review_from(record, apprentice.status, today), record.last_rag, bool(record.at_risk))


WITH_PEOPLE = (joinedload(Apprentice.standard), joinedload(Apprentice.provider), joinedload(Apprentice.mentor))
PROGRESS_SORTS = ("otj", "next_review", "rag")


def table(cohort: Cohort, filters: TableFilters, today: date, settings: ProgrammeSettings) -> Page:
    query = _table_query(cohort, filters, today, settings)
    if filters.at_risk or filters.sort in PROGRESS_SORTS:
        page = paginate(query.options(*WITH_PEOPLE), filters.page, PAGE_SIZE, rows=True)
        return Page([_row(r, today) for r in page.items], page.number, page.size, page.total)
    # Neither the filters nor the order need progress figures: find the page's apprentices
    # first, then work figures out for those 50 alone rather than for the whole cohort.
    ids = paginate(_table_query(cohort, filters, today, settings, figures=False).with_only_columns(Apprentice.id),
                   filters.page, PAGE_SIZE)
    rows = db.session.execute(query.where(Apprentice.id.in_(ids.items)).options(*WITH_PEOPLE)).all()
    return Page([_row(r, today) for r in rows], ids.number, ids.size, ids.total)


CSV_HEADER = ["Name", "Standard", "Level", "Service area", "Training provider", "Mentor", "Status",
              "Off-the-job hours verified", "Off-the-job hours expected by now", "Next review due",
              "Next review overdue", "Last review rating", "At risk"]


def export_csv(actor: User, cohort: Cohort, filters: TableFilters, today: date,
               settings: ProgrammeSettings) -> Iterator[str]:
    """The filtered table, every page of it, as CSV lines. The export itself is audited."""
    values, ids = [], []
    for record in db.session.execute(_table_query(cohort, filters, today, settings).options(*WITH_PEOPLE)):
        row = _row(record, today)
        a = row.apprentice
        ids.append(a.id)
        values.append((
            a.full_name, a.standard.title, a.standard.level, a.service_area.label, a.provider.name,
            a.mentor.name if a.mentor else "", a.status.label, f"{row.verified_minutes / 60:.2f}",
            f"{row.expected_minutes / 60:.2f}", row.next_review.due.isoformat() if row.next_review.due else "",
            "yes" if row.next_review.overdue else "no", row.last_rag or "", "yes" if row.at_risk else "no"))
    audit.record(actor, "cohort.exported", cohort, rows=len(values))
    # Each person's row left the service in it: their record's trail says so (one statement).
    audit.record_each(actor, "apprentice.exported_with_cohort", ids, cohort_id=cohort.id)
    db.session.flush()

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for line in [CSV_HEADER, *values]:
            writer.writerow([safe_cell(v) for v in line])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    return lines()


COHORTS_PAGE_SIZE = 50


def all_cohorts(page: int) -> Page:
    """One page of every cohort, current first, newest first, each with its number of apprentices."""
    count = sa.select(sa.func.count()).where(Apprentice.cohort_id == Cohort.id).scalar_subquery()
    return paginate(sa.select(Cohort, count).order_by(Cohort.archived_at.is_not(None), Cohort.start_date.desc(),
                                                      Cohort.id.desc()), page, COHORTS_PAGE_SIZE, rows=True)


def name_taken(name: str, except_id: int | None = None) -> bool:
    return is_taken(Cohort.name, name, except_id)


def save(actor: User, cohort: Cohort, values: dict, *, version: int | None = None) -> Cohort:
    """Create or edit a cohort (refused if it changed since the person loaded `version`)."""
    audit.save(actor, cohort, values, "cohort", version=version)
    return cohort


def set_archived(actor: User, cohort: Cohort, archived: bool) -> None:
    cohort.archived_at = utcnow() if archived else None
    audit.record(actor, "cohort.archived" if archived else "cohort.unarchived", cohort)
    db.session.flush()
