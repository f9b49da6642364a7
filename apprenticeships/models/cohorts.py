"""Cohorts, apprentices and the history of their status."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .programme import ApprenticeshipStandard, TrainingProvider
from .reporting import EmployedBy
from .types import Choice, UTCDateTime, Versioned, choice_type, utcnow

if TYPE_CHECKING:
    from .people import Mentor


class Cohort(Versioned, db.Model):
    __tablename__ = "cohorts"
    __table_args__ = (sa.CheckConstraint("intake_target IS NULL OR intake_target > 0", name="intake_target_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    start_date: Mapped[date]
    description: Mapped[str | None] = mapped_column(sa.Text)
    intake_target: Mapped[int | None]
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    apprentices: Mapped[list[Apprentice]] = relationship(back_populates="cohort")


class ServiceArea(Choice):
    APPLICATIONS = "applications"
    DATA = "data"
    DELIVERY = "delivery"
    DIGITAL_SERVICE_DESIGN = "digital_service_design"
    INFRASTRUCTURE = "infrastructure"
    SOFTWARE_DEVELOPMENT = "software_development"
    USER_SUPPORT = "user_support"


class ApprenticeStatus(Choice):
    ACTIVE = "active"
    BREAK_IN_LEARNING = "break_in_learning"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"

    CURRENT: ClassVar[tuple[ApprenticeStatus, ...]]  # (set below: an annotation only, not a member)

    @property
    def in_a_sentence(self) -> str:
        """After "Jordan is": "active", "on a break in learning", "withdrawn"."""
        return "on a break in learning" if self is ApprenticeStatus.BREAK_IN_LEARNING else self.label.lower()


# "Current" apprentices are still on the programme: learning, or on a break in learning.
ApprenticeStatus.CURRENT = (ApprenticeStatus.ACTIVE, ApprenticeStatus.BREAK_IN_LEARNING)


class EpaOutcome(Choice):
    PASS = "pass"
    MERIT = "merit"
    DISTINCTION = "distinction"
    FAIL = "fail"


class Apprentice(Versioned, db.Model):
    __tablename__ = "apprentices"
    __table_args__ = (
        sa.CheckConstraint("planned_end_date > start_date", name="end_after_start"),
        # 1 to 60 hours a week, held in minutes so that 37.5 is exact.
        sa.CheckConstraint(
            "contracted_minutes_per_week BETWEEN 60 AND 3600", name="contracted_hours_range"
        ),
        sa.CheckConstraint(
            "status != 'withdrawn' OR withdrawal_date IS NOT NULL", name="withdrawal_dated"
        ),
        sa.CheckConstraint(
            "status != 'completed' OR completion_date IS NOT NULL", name="completion_dated"
        ),
        sa.CheckConstraint("epa_outcome IS NULL OR gateway_date IS NOT NULL", name="epa_after_gateway"),
        sa.CheckConstraint("NOT keep_longer OR keep_longer_reason IS NOT NULL", name="keep_longer_reason"),
        sa.Index("ix_apprentices_cohort_status", "cohort_id", "status"),
        # Everyone in one status by name: the at-risk list reads only active apprentices.
        sa.Index("ix_apprentices_status_name", "status", "last_name", "first_name"),
        {"sqlite_autoincrement": True},  # an id is never given again (migration 0015)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(sa.String(80))
    last_name: Mapped[str] = mapped_column(sa.String(80))
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    # Unique learner number: how a re-imported spreadsheet row finds its apprentice.
    uln: Mapped[str | None] = mapped_column(sa.String(10), unique=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    standard_id: Mapped[int] = mapped_column(sa.ForeignKey("apprenticeship_standards.id"), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("training_providers.id"), index=True)
    mentor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mentors.id"), index=True)
    service_area: Mapped[ServiceArea] = mapped_column(choice_type(ServiceArea, "service_area"))
    team: Mapped[str | None] = mapped_column(sa.String(120))
    job_title: Mapped[str | None] = mapped_column(sa.String(120))
    contracted_minutes_per_week: Mapped[int]
    start_date: Mapped[date]
    planned_end_date: Mapped[date]
    status: Mapped[ApprenticeStatus] = mapped_column(
        choice_type(ApprenticeStatus, "apprentice_status"), default=ApprenticeStatus.ACTIVE
    )
    gateway_date: Mapped[date | None]
    epa_outcome: Mapped[EpaOutcome | None] = mapped_column(choice_type(EpaOutcome, "epa_outcome"))
    epa_date: Mapped[date | None]
    withdrawal_date: Mapped[date | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)
    completion_date: Mapped[date | None]
    consent_to_be_named: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Past the retention period (services/retention.py), kept anyway, for the reason given.
    keep_longer: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    keep_longer_reason: Mapped[str | None] = mapped_column(sa.String(200))
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set afresh by triggers on log_entries (migration 0021) whenever this apprentice's log changes, never
    # by the app: figures worked out from their whole log are kept until it moves (services/changes.py).
    log_version: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    # For the public sector return: who employs them, and since when if they moved between the
    # council and a maintained school after starting (empty: since they started). See services/sector_return.py.
    employed_by: Mapped[EmployedBy] = mapped_column(choice_type(EmployedBy, "employed_by"),
                                                    default=EmployedBy.COUNCIL, server_default="council")
    employed_by_since: Mapped[date | None]

    cohort: Mapped[Cohort] = relationship(back_populates="apprentices")
    standard: Mapped[ApprenticeshipStandard] = relationship()
    provider: Mapped[TrainingProvider] = relationship()
    mentor: Mapped[Mentor | None] = relationship(back_populates="mentees")
    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="apprentice", order_by="StatusChange.recorded_at"
    )
    breaks: Mapped[list[BreakInLearning]] = relationship(
        back_populates="apprentice", order_by="BreakInLearning.start_date"
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def contracted_hours_per_week(self) -> float:
        return self.contracted_minutes_per_week / 60

    @property
    def is_part_time(self) -> bool:
        return self.contracted_minutes_per_week < 30 * 60

    @property
    def current_break(self) -> BreakInLearning | None:
        """The break in learning they have not come back from, if any."""
        return next((b for b in self.breaks if b.returned_on is None), None)

    def break_on(self, day: date) -> BreakInLearning | None:
        """The break in learning that `day` falls in: from its first day until the day they came back
        (or, not back yet, with no end)."""
        return next((b for b in self.breaks
                     if b.start_date <= day and (b.returned_on is None or day < b.returned_on)), None)


class StatusChange(db.Model):
    """One step in an apprentice's status history: who recorded it, when, and why."""

    __tablename__ = "apprentice_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    apprentice_id: Mapped[int] = mapped_column(sa.ForeignKey("apprentices.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[ApprenticeStatus | None] = mapped_column(choice_type(ApprenticeStatus, "from_status"))
    to_status: Mapped[ApprenticeStatus] = mapped_column(choice_type(ApprenticeStatus, "to_status"))
    effective_date: Mapped[date]
    reason: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    apprentice: Mapped[Apprentice] = relationship(back_populates="status_changes")


class BreakInLearning(db.Model):
    """An agreed pause of 4 weeks or more; the planned end moves out by its length."""

    __tablename__ = "breaks_in_learning"
    __table_args__ = (
        sa.CheckConstraint("expected_return_date > start_date", name="return_after_start"),
        sa.CheckConstraint("returned_on IS NULL OR returned_on >= start_date", name="returned_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    apprentice_id: Mapped[int] = mapped_column(sa.ForeignKey("apprentices.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date]
    expected_return_date: Mapped[date]
    returned_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    apprentice: Mapped[Apprentice] = relationship(back_populates="breaks")
