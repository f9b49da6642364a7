"""Everything an apprentice's page shows, loaded in a fixed number of queries."""

from __future__ import annotations

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


def load(apprentice: Apprentice, today: date, settings: ProgrammeSettings) -> Profile:
    progress = progress_subquery(today)
    figures = db.session.execute(sa.select(progress).where(progress.c.apprentice_id == apprentice.id)).one()
    timeline = [tuple(row) for row in db.session.execute(
        sa.select(StatusChange, User.name).outerjoin(User, User.id == StatusChange.recorded_by_id)
        .where(StatusChange.apprentice_id == apprentice.id)
        .order_by(StatusChange.effective_date.desc(), StatusChange.id.desc())
    )]
    placements = list(db.session.scalars(
        sa.select(PlacementAssignment).where(PlacementAssignment.apprentice_id == apprentice.id)
        .options(joinedload(PlacementAssignment.placement).joinedload(Placement.employer))
        .order_by(PlacementAssignment.proposed_at.desc())
    ).unique())
    entries = list(db.session.scalars(
        sa.select(LogEntry).where(LogEntry.apprentice_id == apprentice.id)
        .options(selectinload(LogEntry.ksbs))
        .order_by(LogEntry.activity_date.desc(), LogEntry.id.desc()).limit(RECENT_ENTRIES)
    ))
    reviews = list(db.session.scalars(
        sa.select(ProgressReview).where(ProgressReview.apprentice_id == apprentice.id)
        .order_by(ProgressReview.scheduled_date.desc())
    ))
    return Profile(apprentice, figures, timeline, placements, entries, reviews,
                   next_review_from(figures, apprentice.status, today))
