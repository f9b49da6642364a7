"""Each apprentice's progress figures and at-risk signals, computed in SQL.

One subquery gives, per apprentice, the figures every list needs (OTJ minutes verified and
expected, last log, last and next review, last RAG), so a page can filter, sort and paginate
on them in the database with a fixed number of statements. The arithmetic is the one in
`otj.py`, which is its specification; a test holds the two equal on random apprentices.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

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
from ..sqlfunctions import days_between, greatest, least
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


def review_overdue_before(today: date, settings: ProgrammeSettings) -> date:
    """A review last held (or a start) before this date means one is overdue today."""
    if settings.review_interval_unit == ReviewIntervalUnit.MONTHS:
        return add_months(today, -settings.review_interval_value)
    return today - timedelta(weeks=settings.review_interval_value)


@functools.lru_cache(maxsize=4)
def progress_subquery(today: date) -> sa.Subquery:
    """Per apprentice: OTJ figures, last log, reviews. Columns are named as in `Progress`.

    Built once a day per process: it takes a few milliseconds to build, the same for every
    request, and SQLAlchemy expressions can be shared once built.
    """
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

    held = ProgressReview.held_date.is_not(None)
    return (
        sa.select(
            a.id.label("apprentice_id"),
            otj_minutes(VerificationStatus.VERIFIED).label("verified_minutes"),
            otj_minutes(VerificationStatus.PENDING).label("pending_minutes"),
            sa.func.coalesce(expected, 0.0).label("expected_minutes"),
            total.label("total_minutes"),
            sa.select(sa.func.max(LogEntry.activity_date)).where(LogEntry.apprentice_id == a.id)
            .scalar_subquery().label("last_log_date"),
            sa.select(sa.func.max(ProgressReview.held_date)).where(ProgressReview.apprentice_id == a.id, held)
            .scalar_subquery().label("last_review_date"),
            sa.select(ProgressReview.rag).where(ProgressReview.apprentice_id == a.id, held)
            .order_by(ProgressReview.held_date.desc(), ProgressReview.id.desc()).limit(1)
            .scalar_subquery().label("last_rag"),
            sa.select(sa.func.min(ProgressReview.scheduled_date))
            .where(ProgressReview.apprentice_id == a.id, ProgressReview.held_date.is_(None))
            .scalar_subquery().label("next_review_date"),
        )
        .join(ApprenticeshipStandard, ApprenticeshipStandard.id == a.standard_id)
        .subquery("progress")
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
        review_overdue=sa.and_(active, sa.func.coalesce(p.last_review_date, Apprentice.start_date)
                               < review_overdue_before(today, settings)),
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
