"""Work placements that employer partners host, and the apprentices matched to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .cohorts import Apprentice
from .employers import EmployerContact, EmployerPartner
from .programme import ApprenticeshipStandard
from .types import Choice, UTCDateTime, Versioned, choice_type, utcnow


class WorkingPattern(Choice):
    ON_SITE = "on_site"
    HYBRID = "hybrid"
    REMOTE = "remote"

    @property
    def label(self) -> str:
        return {"on_site": "On site", "hybrid": "Hybrid", "remote": "Remote"}[self.value]


class PlacementStatus(Choice):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # sent back to the employer with a comment
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


placement_standards = sa.Table(
    "placement_standards",
    db.metadata,
    sa.Column("placement_id", sa.ForeignKey("placements.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("standard_id", sa.ForeignKey("apprenticeship_standards.id", ondelete="CASCADE"), primary_key=True),
)


class Placement(Versioned, db.Model):
    __tablename__ = "placements"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="end_after_start"),
        sa.CheckConstraint("places BETWEEN 1 AND 50", name="places_range"),
        sa.CheckConstraint("minutes_per_week BETWEEN 60 AND 3600", name="hours_range"),
        sa.CheckConstraint("closing_date IS NULL OR closing_date <= start_date", name="closes_before_start"),
        # A draft (or a draft withdrawn) may be saved with only its title; nothing else goes without these.
        sa.CheckConstraint(
            "status IN ('draft', 'withdrawn') OR (description IS NOT NULL AND working_pattern IS NOT NULL "
            "AND minutes_per_week IS NOT NULL AND start_date IS NOT NULL AND end_date IS NOT NULL)",
            name="complete_unless_draft"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer_partners.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    team: Mapped[str | None] = mapped_column(sa.String(120))
    description: Mapped[str | None] = mapped_column(sa.Text)  # these five: None only in a draft
    learning_outcomes: Mapped[str | None] = mapped_column(sa.Text)
    skills: Mapped[str | None] = mapped_column(sa.Text)
    location: Mapped[str | None] = mapped_column(sa.String(160))
    working_pattern: Mapped[WorkingPattern | None] = mapped_column(choice_type(WorkingPattern, "working_pattern"))
    minutes_per_week: Mapped[int | None]
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    places: Mapped[int] = mapped_column(default=1)
    closing_date: Mapped[date | None]
    host_supervisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employer_contacts.id"))
    status: Mapped[PlacementStatus] = mapped_column(
        choice_type(PlacementStatus, "placement_status"), default=PlacementStatus.DRAFT, index=True
    )
    coordinator_comment: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    employer: Mapped[EmployerPartner] = relationship()
    host_supervisor: Mapped[EmployerContact | None] = relationship()
    standards: Mapped[list[ApprenticeshipStandard]] = relationship(secondary=placement_standards)
    assignments: Mapped[list[PlacementAssignment]] = relationship(back_populates="placement")


class AssignmentStatus(Choice):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ACTIVE = "active"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"
    WITHDRAWN = "withdrawn"  # the coordinator took the proposal back before the employer answered

    # (set below: annotations only, not members)
    HOSTING: ClassVar[tuple[AssignmentStatus, ...]]
    PLACED: ClassVar[tuple[AssignmentStatus, ...]]


# An employer hosts (or is deciding on) the apprentice; these also hold a place on the placement,
# except a proposal made as a reserve (PlacementAssignment.reserve), which waits for a place to free.
AssignmentStatus.HOSTING = (AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED, AssignmentStatus.ACTIVE)
# Placed with the employer: accepted or on the placement (reviews are for this employer, not one
# the apprentice is only proposed to).
AssignmentStatus.PLACED = (AssignmentStatus.ACCEPTED, AssignmentStatus.ACTIVE)


class PlacementAssignment(db.Model):
    """An apprentice proposed for, accepted onto or placed on a placement.

    A reserve is a proposal made when every place was taken: it holds no place, and the employer
    can accept it only once a place is free (it then stops being a reserve). The database keeps
    a reserve from being accepted, started or finished as one.
    """

    __tablename__ = "placement_assignments"
    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="end_after_start"),
        sa.CheckConstraint(
            "status NOT IN ('declined', 'ended_early') OR decision_reason IS NOT NULL", name="reason_given"
        ),
        sa.CheckConstraint("NOT reserve OR status IN ('proposed', 'declined', 'withdrawn')", name="reserve_undecided"),
        sa.Index("ix_placement_assignments_apprentice_status", "apprentice_id", "status"),
        {"sqlite_autoincrement": True},  # an id is never given again (migration 0015)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    apprentice_id: Mapped[int] = mapped_column(sa.ForeignKey("apprentices.id"))
    status: Mapped[AssignmentStatus] = mapped_column(
        choice_type(AssignmentStatus, "assignment_status"), default=AssignmentStatus.PROPOSED
    )
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    reserve: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Written by the coordinator when proposing; the employer reads it when deciding.
    note_to_employer: Mapped[str | None] = mapped_column(sa.Text)
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    placement: Mapped[Placement] = relationship(back_populates="assignments")
    apprentice: Mapped[Apprentice] = relationship()


class PlacementInterest(db.Model):
    """An apprentice saying they would like a published placement."""

    __tablename__ = "placement_interests"
    __table_args__ = (sa.UniqueConstraint("placement_id", "apprentice_id", name="uq_placement_interests_pair"),
                      {"sqlite_autoincrement": True})  # an id is never given again (migration 0015)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True)
    apprentice_id: Mapped[int] = mapped_column(sa.ForeignKey("apprentices.id", ondelete="CASCADE"), index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    placement: Mapped[Placement] = relationship()
    apprentice: Mapped[Apprentice] = relationship()
