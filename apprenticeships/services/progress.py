"""Each apprentice's progress figures and at-risk signals, computed in SQL.

One subquery gives, per apprentice, the figures every list needs (OTJ minutes verified and
expected, last log, last review, when the next review is due and when it is scheduled, last
RAG), so a page can filter, sort and paginate on them in the database with a fixed number of
statements. The OTJ arithmetic is the one in `otj.py`, which is its specification; a test
holds the two equal on random apprentices.

When a progress review is due has one rule, written here twice: `review_due_on` (Python, for
one apprentice, the specification) and `_review_due` (the same in SQL, for lists). A test
holds the two equal on random apprentices. The rule:

- the next review is due one programme interval (12 weeks, or 3 calendar months) after the
  last review held, or after the start if none has been held;
- a break in learning that begins before that date moves it later by the break's length
  (counted from the last review if the break began before it; a break still going counts up
  to the expected return, or to today once that has passed);
- no review is due for an apprentice who has withdrawn, completed or reached gateway;
- a review is overdue when its due date has passed and the apprentice is in learning (never
  while on a break);
- the review booked in the calendar (the scheduled date) is shown beside the due date, and
  flagged when it is later than the due date.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    BreakInLearning,
    LogEntry,
    ProgrammeSettings,
    ProgressReview,
    ReviewIntervalUnit,
    VerificationStatus,
)
from ..sqlfunctions import add_days, days_between, greatest, least
from ..sqlfunctions import add_months as sql_add_months
from .otj import BEHIND_MARGIN, FULL_TIME_MINUTES, PER_STANDARD_FROM, SIX_HOURS_FROM, Break, Learner

FAR_FUTURE = date(9999, 12, 31)
NOTHING_LOGGED_FOR = timedelta(weeks=4)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    days_in_month = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, days_in_month))


def review_due_after(held_or_start: date, settings: ProgrammeSettings) -> date:
    """When the next review is due, counting from the last one (or the start)."""
    if settings.review_interval_unit == ReviewIntervalUnit.MONTHS:
        return add_months(held_or_start, settings.review_interval_value)
    return held_or_start + timedelta(weeks=settings.review_interval_value)


def interval_words(settings: ProgrammeSettings) -> str:
    """The review interval as a person reads it: "12 weeks", "3 calendar months"."""
    if settings.review_interval_unit == ReviewIntervalUnit.MONTHS:
        return f"{settings.review_interval_value} calendar month{'s' if settings.review_interval_value != 1 else ''}"
    return f"{settings.review_interval_value} week{'s' if settings.review_interval_value != 1 else ''}"


@dataclass(frozen=True)
class Pause:
    """A break in learning, as the review rule sees it."""

    start: date
    expected_return: date
    returned_on: date | None  # None while the break goes on


@dataclass(frozen=True)
class ReviewClock:
    """The plain facts the review rule needs about one apprentice."""

    start: date
    last_held: date | None  # the latest review held, if any
    breaks: tuple[Pause, ...] = ()
    reviewed: bool = True  # False once withdrawn, completed or at gateway: no review is due


def review_due_on(clock: ReviewClock, settings: ProgrammeSettings, today: date) -> date | None:
    """When the apprentice's next progress review is due (the rule in this module's docstring)."""
    if not clock.reviewed:
        return None
    since = clock.last_held or clock.start
    due = review_due_after(since, settings)
    for pause in sorted(clock.breaks, key=lambda p: p.start):
        paused_from = max(pause.start, since)
        paused_to = pause.returned_on or max(pause.expected_return, today)
        if paused_from < due and paused_to > paused_from:
            due += paused_to - paused_from
    return due


def due_when_held(start: date, held: list[date], breaks: tuple[Pause, ...],
                  settings: ProgrammeSettings) -> list[tuple[date, date]]:
    """Each review an apprentice held (its date) with the day it was due by the rule then: counted
    from the review before it (or the start), with the breaks up to the day it was held."""
    due_dates, previous = [], None
    for held_on in sorted(held):
        due_dates.append((held_on, review_due_on(ReviewClock(start, previous, breaks), settings, held_on)))
        previous = held_on
    return due_dates


def is_reviewed(apprentice: Apprentice) -> bool:
    """Reviews are due while an apprentice is in learning or on a break, until gateway."""
    return apprentice.status in ApprenticeStatus.CURRENT and apprentice.gateway_date is None


def review_clock_for(apprentice: Apprentice, last_held: date | None) -> ReviewClock:
    return ReviewClock(start=apprentice.start_date, last_held=last_held, reviewed=is_reviewed(apprentice),
                       breaks=tuple(Pause(b.start_date, b.expected_return_date, b.returned_on)
                                    for b in apprentice.breaks))


@dataclass(frozen=True)
class NextReview:
    """What every page says about an apprentice's next review. Plain values, so lists can be cached."""

    due: date | None  # None: no more reviews are due (withdrawn, completed or at gateway)
    scheduled: date | None  # the review booked and not yet held, if any
    on_break: bool
    passed: bool  # the due date has gone by
    overdue: bool  # ...and the apprentice is in learning (not on a break)
    scheduled_passed: bool = False  # the day booked has gone by and the review is not recorded as held

    @property
    def scheduled_late(self) -> bool:
        """Booked for a day after it is due."""
        return self.due is not None and self.scheduled is not None and self.scheduled > self.due


def next_review(due: date | None, scheduled: date | None, status: ApprenticeStatus, today: date) -> NextReview:
    """The next review's state from its due date (the rule's answer) and the apprentice's status."""
    passed = due is not None and due < today
    scheduled = scheduled if due is not None else None
    return NextReview(due=due, scheduled=scheduled,
                      on_break=status == ApprenticeStatus.BREAK_IN_LEARNING, passed=passed,
                      overdue=passed and status == ApprenticeStatus.ACTIVE,
                      scheduled_passed=scheduled is not None and scheduled < today)


def _interval_after(since: sa.ColumnElement) -> sa.ColumnElement:
    """`review_due_after` in SQL, reading the interval from the programme's settings."""
    unit = sa.select(ProgrammeSettings.review_interval_unit).where(ProgrammeSettings.id == 1).scalar_subquery()
    value = sa.func.coalesce(sa.select(ProgrammeSettings.review_interval_value)
                             .where(ProgrammeSettings.id == 1).scalar_subquery(), 12)
    return sa.type_coerce(sa.case((unit == ReviewIntervalUnit.MONTHS, sql_add_months(since, value)),
                                  else_=add_days(since, value * 7)), sa.Date)


def _review_due(a, last_held: sa.ColumnElement, today_: sa.ColumnElement) -> sa.ColumnElement:
    """`review_due_on` in SQL, for the apprentice `a` whose last review was held on `last_held`."""
    since = sa.func.coalesce(last_held, a.start_date)
    due = _interval_after(since)

    def paused(b):
        start = greatest(b.start_date, since)
        days = greatest(0, days_between(sa.func.coalesce(b.returned_on, greatest(b.expected_return_date, today_)),
                                        start))
        return start, days

    b, earlier = sa.orm.aliased(BreakInLearning), sa.orm.aliased(BreakInLearning)
    b_start, b_days = paused(b)
    # Breaks are apart and taken in order, so a break moves the date if it begins before the
    # date as moved by the breaks before it (once one begins after it, every later one does too).
    # (Correlated by hand: `last_held` inside these refers to the apprentice two levels up.)
    moved_by_earlier = sa.select(sa.func.coalesce(sa.func.sum(paused(earlier)[1]), 0)).where(
        earlier.apprentice_id == a.id, earlier.start_date < b.start_date).correlate(a, b).scalar_subquery()
    moved = sa.select(sa.func.coalesce(sa.func.sum(b_days), 0)).where(
        b.apprentice_id == a.id, b_days > 0, b_start < add_days(due, moved_by_earlier)).correlate(a).scalar_subquery()
    reviewed = sa.and_(a.status.in_(ApprenticeStatus.CURRENT), a.gateway_date.is_(None))
    return sa.type_coerce(sa.case((reviewed, add_days(due, moved)), else_=sa.null()), sa.Date)


def review_overdue_condition(progress: sa.Subquery, today: date) -> sa.ColumnElement[bool]:
    """`NextReview.overdue` in SQL, on Apprentice joined to the progress subquery."""
    return sa.and_(Apprentice.status == ApprenticeStatus.ACTIVE,
                   sa.func.coalesce(progress.c.review_due_date, FAR_FUTURE) < today)


def next_review_from(row, status: ApprenticeStatus, today: date) -> NextReview:
    """The next review from a row carrying the progress subquery's review_due_date and review_scheduled_date."""
    return next_review(row.review_due_date, row.review_scheduled_date, status, today)


def progress_subquery(today: date) -> sa.Subquery:
    """Per apprentice: OTJ figures, last log, reviews. Columns are named as in `Progress`.

    Statements hold it as SQL text, compiled from `progress_select` once a day per process and
    database. SQLAlchemy finds a statement's compiled form by a key made from the whole
    statement: with the expression in it, working that key out walked every part of the
    expression, about 4 ms for each statement that held it (a quarter of the cohort page's
    time); a text's key is its string.
    """
    return _progress_text(db.engine.dialect.name, today)


@functools.lru_cache(maxsize=8)
def _progress_text(dialect_name: str, today: date) -> sa.Subquery:
    select = progress_select(today)
    sql = select.compile(db.engine, compile_kwargs={"literal_binds": True})  # its values are constants
    return (sa.text(str(sql)).columns(*[sa.column(c.name, c.type) for c in select.selected_columns])
            .subquery("progress"))


@functools.lru_cache(maxsize=4)
def progress_select(today: date) -> sa.Select:
    """The SELECT behind `progress_subquery`, as an expression. Built once a day per process."""
    a = Apprentice
    today_ = sa.literal(today, sa.Date)
    stopped = least(sa.func.coalesce(a.gateway_date, FAR_FUTURE), sa.func.coalesce(a.withdrawal_date, FAR_FUTURE),
                    sa.func.coalesce(a.completion_date, FAR_FUTURE))
    end = least(today_, stopped)

    b = sa.orm.aliased(BreakInLearning)
    break_end = least(sa.func.coalesce(b.returned_on, today_), today_, end)
    overlap = sa.select(sa.func.coalesce(sa.func.sum(
        greatest(0, days_between(break_end, greatest(b.start_date, a.start_date)))), 0)
    ).where(b.apprentice_id == a.id).scalar_subquery()
    ended_breaks = sa.select(sa.func.coalesce(sa.func.sum(days_between(b.returned_on, b.start_date)), 0)).where(
        b.apprentice_id == a.id, b.returned_on.is_not(None)).scalar_subquery()
    planned_days = greatest(0, days_between(a.planned_end_date, a.start_date) - ended_breaks)
    elapsed = sa.case((end <= a.start_date, 0), else_=days_between(end, a.start_date) - overlap)
    days_in_learning = greatest(0, least(elapsed, planned_days))

    weekly = sa.case(
        (sa.and_(a.start_date >= SIX_HOURS_FROM, a.contracted_minutes_per_week >= FULL_TIME_MINUTES), 360.0),
        else_=a.contracted_minutes_per_week * 0.2,
    )
    total = sa.case(
        (a.start_date >= PER_STANDARD_FROM, ApprenticeshipStandard.otj_minimum_hours * 60.0),
        else_=weekly * planned_days / 7.0,
    )
    expected = sa.case((planned_days == 0, 0.0), else_=total * days_in_learning / sa.func.nullif(planned_days, 0))

    def otj_minutes(status: VerificationStatus):
        # No OTJ hours count after gateway.
        return sa.select(sa.func.coalesce(sa.func.sum(LogEntry.minutes), 0)).where(
            LogEntry.apprentice_id == a.id, LogEntry.off_the_job.is_(True), LogEntry.status == status,
            sa.or_(a.gateway_date.is_(None), LogEntry.activity_date <= a.gateway_date),
        ).scalar_subquery()

    held, unheld = ProgressReview.held_date.is_not(None), ProgressReview.held_date.is_(None)
    last_held = sa.select(sa.func.max(ProgressReview.held_date)).where(
        ProgressReview.apprentice_id == a.id, held).correlate(a).scalar_subquery()
    return (
        sa.select(
            a.id.label("apprentice_id"),
            otj_minutes(VerificationStatus.VERIFIED).label("verified_minutes"),
            otj_minutes(VerificationStatus.PENDING).label("pending_minutes"),
            sa.func.coalesce(expected, 0.0).label("expected_minutes"),
            total.label("total_minutes"),
            sa.select(sa.func.max(LogEntry.activity_date)).where(LogEntry.apprentice_id == a.id)
            .scalar_subquery().label("last_log_date"),
            last_held.label("last_review_date"),
            sa.select(ProgressReview.rag).where(ProgressReview.apprentice_id == a.id, held)
            .order_by(ProgressReview.held_date.desc(), ProgressReview.id.desc()).limit(1)
            .scalar_subquery().label("last_rag"),
            _review_due(a, last_held, today_).label("review_due_date"),
            sa.select(ProgressReview.scheduled_date).where(ProgressReview.apprentice_id == a.id, unheld)
            .order_by(ProgressReview.scheduled_date, ProgressReview.id).limit(1)
            .scalar_subquery().label("review_scheduled_date"),
            sa.select(ProgressReview.id).where(ProgressReview.apprentice_id == a.id, unheld)
            .order_by(ProgressReview.scheduled_date, ProgressReview.id).limit(1)
            .scalar_subquery().label("scheduled_review_id"),
        )
        .join(ApprenticeshipStandard, ApprenticeshipStandard.id == a.standard_id)
    )


@dataclass(frozen=True)
class RiskConditions:
    """Each at-risk reason as a SQL condition on Apprentice joined to the progress subquery."""

    review_overdue: sa.ColumnElement[bool]
    otj_behind: sa.ColumnElement[bool]
    red_review: sa.ColumnElement[bool]
    nothing_logged: sa.ColumnElement[bool]
    past_planned_end: sa.ColumnElement[bool]

    def any(self) -> sa.ColumnElement[bool]:
        return sa.or_(self.review_overdue, self.otj_behind, self.red_review, self.nothing_logged,
                      self.past_planned_end)


def risk_conditions(progress: sa.Subquery, today: date, settings: ProgrammeSettings) -> RiskConditions:
    active = Apprentice.status == ApprenticeStatus.ACTIVE
    p = progress.c
    return RiskConditions(
        review_overdue=review_overdue_condition(progress, today),
        otj_behind=sa.and_(active, p.expected_minutes > 0, p.verified_minutes < BEHIND_MARGIN * p.expected_minutes),
        red_review=sa.and_(active, p.last_rag == "red"),
        nothing_logged=sa.and_(active, sa.func.coalesce(p.last_log_date, Apprentice.start_date)
                               < today - NOTHING_LOGGED_FOR),
        past_planned_end=sa.and_(active, Apprentice.planned_end_date < today),
    )


def learner_for(apprentice: Apprentice) -> Learner:
    """The plain facts the OTJ arithmetic needs, from an apprentice and their breaks."""
    stops = [d for d in (apprentice.gateway_date, apprentice.withdrawal_date, apprentice.completion_date) if d]
    return Learner(
        start=apprentice.start_date,
        planned_end=apprentice.planned_end_date,
        contracted_minutes_per_week=apprentice.contracted_minutes_per_week,
        standard_minimum_hours=apprentice.standard.otj_minimum_hours,
        stopped_on=min(stops) if stops else None,
        breaks=tuple(Break(b.start_date, b.returned_on) for b in apprentice.breaks),
    )
