"""What each role sees first on signing in, each loaded in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    Apprentice,
    ApprenticeStatus,
    AssignmentStatus,
    Cohort,
    Placement,
    PlacementAssignment,
)
from .pagination import first_with_total


@dataclass(frozen=True)
class CohortCounts:
    cohort: Cohort
    counts: dict[ApprenticeStatus, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def current_cohorts(limit: int) -> tuple[list[CohortCounts], int]:
    """The newest `limit` cohorts not archived, with how many apprentices are in each status,
    and how many cohorts are current in all."""
    found, total = first_with_total(
        sa.select(Cohort).where(Cohort.archived_at.is_(None)).order_by(Cohort.start_date.desc(), Cohort.id.desc()),
        limit)
    cohorts = [cohort for cohort, _ in found]
    rows = db.session.execute(
        sa.select(Apprentice.cohort_id, Apprentice.status, sa.func.count())
        .where(Apprentice.cohort_id.in_([c.id for c in cohorts]))
        .group_by(Apprentice.cohort_id, Apprentice.status)
    ).all()
    counts: dict[int, dict[ApprenticeStatus, int]] = {c.id: dict.fromkeys(ApprenticeStatus, 0) for c in cohorts}
    for cohort_id, status, count in rows:
        counts[cohort_id][status] = count
    return [CohortCounts(c, counts[c.id]) for c in cohorts], total


def _with_programme(query: sa.Select) -> sa.Select:
    return query.options(
        joinedload(Apprentice.cohort), joinedload(Apprentice.standard), joinedload(Apprentice.provider),
        joinedload(Apprentice.mentor),
    )


def current_mentees(mentor_id: int) -> list[Apprentice]:
    """Mentees still in learning: the ones who count against a mentor's capacity."""
    return list(db.session.scalars(_with_programme(
        sa.select(Apprentice)
        .where(Apprentice.mentor_id == mentor_id, Apprentice.status.in_(ApprenticeStatus.CURRENT))
        .order_by(Apprentice.last_name, Apprentice.first_name)
    )).unique())


def apprentice_placements(apprentice_id: int) -> list[PlacementAssignment]:
    return list(db.session.scalars(
        sa.select(PlacementAssignment)
        .where(PlacementAssignment.apprentice_id == apprentice_id,
               PlacementAssignment.status.in_(AssignmentStatus.HOSTING))
        .options(joinedload(PlacementAssignment.placement).joinedload(Placement.employer))
        .order_by(PlacementAssignment.start_date.desc())
    ).unique())
