"""Everything an apprentice's page shows, loaded in a fixed number of queries."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    Apprentice,
    LogEntry,
    Placement,
    PlacementAssignment,
    ProgrammeSettings,
    ProgressReview,
    StatusChange,
    User,
)
from .progress import NextReview, next_review_from, progress_subquery

RECENT_ENTRIES = 20
# What the record's details show of them, loaded with them in one statement (permissions.apprentice_or_404's
# options) rather than one statement each as the page reaches them.
DETAILS = (joinedload(Apprentice.cohort), joinedload(Apprentice.standard), joinedload(Apprentice.provider),
           joinedload(Apprentice.mentor))


@dataclass(frozen=True)
class Profile:
    apprentice: Apprentice
    figures: Any
    timeline: list[tuple[StatusChange, str | None]]
    placements: list[PlacementAssignment]
    recent_entries: list[LogEntry]
    reviews: list[ProgressReview]
    next_review: NextReview


# Built once (pagination.Listing says why), for the apprentice named by the parameter `apprentice_id`.
_THEIRS = sa.bindparam("apprentice_id", type_=sa.Integer)
_TIMELINE = (sa.select(StatusChange, User.name).outerjoin(User, User.id == StatusChange.recorded_by_id)
             .where(StatusChange.apprentice_id == _THEIRS)
             .order_by(StatusChange.effective_date.desc(), StatusChange.id.desc()))
_PLACEMENTS = (sa.select(PlacementAssignment).where(PlacementAssignment.apprentice_id == _THEIRS)
               .options(joinedload(PlacementAssignment.placement).joinedload(Placement.employer))
               .order_by(PlacementAssignment.proposed_at.desc()))
_RECENT_ENTRIES = (sa.select(LogEntry).where(LogEntry.apprentice_id == _THEIRS)
                   .options(selectinload(LogEntry.ksbs))
                   .order_by(LogEntry.activity_date.desc(), LogEntry.id.desc()).limit(RECENT_ENTRIES))
_REVIEWS = (sa.select(ProgressReview).where(ProgressReview.apprentice_id == _THEIRS)
            .order_by(ProgressReview.scheduled_date.desc()))


@functools.lru_cache(maxsize=8)
def _figures(progress: sa.Subquery) -> sa.Select:
    # Built once for each progress subquery (one a day per database, progress._progress_text keeps them), as
    # the statements above are built once (pagination.Listing says why); a subquery is keyed by identity.
    return sa.select(progress).where(progress.c.apprentice_id == sa.bindparam("apprentice_id", type_=sa.Integer))


def load(apprentice: Apprentice, today: date, settings: ProgrammeSettings) -> Profile:
    theirs = {"apprentice_id": apprentice.id}
    figures = db.session.execute(_figures(progress_subquery(today)), theirs).one()
    timeline = [tuple(row) for row in db.session.execute(_TIMELINE, theirs)]
    placements = list(db.session.scalars(_PLACEMENTS, theirs).unique())
    entries = list(db.session.scalars(_RECENT_ENTRIES, theirs))
    reviews = list(db.session.scalars(_REVIEWS, theirs))
    return Profile(apprentice, figures, timeline, placements, entries, reviews,
                   next_review_from(figures, apprentice.status, today))
