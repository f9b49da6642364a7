"""Progress log entries, with off-the-job hours, the KSBs they evidence and how they were verified."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .cohorts import Apprentice
from .programme import Ksb
from .types import Choice, UTCDateTime, Versioned, choice_type, utcnow


class ActivityType(Choice):
    TRAINING_COURSE = "training_course"
    STUDY_TIME = "study_time"
    SHADOWING = "shadowing"
    MENTORING = "mentoring"
    PROJECT_WORK = "project_work"
    ASSESSMENT_PREPARATION = "assessment_preparation"
    OTHER = "other"


class VerificationStatus(Choice):
    PENDING = "pending"
    VERIFIED = "verified"
    QUERIED = "queried"

    @property
    def label(self) -> str:
        """The one word every page uses: an entry not yet verified is "Waiting" (for verification)."""
        return "Waiting" if self is VerificationStatus.PENDING else self.value.capitalize()

    @property
    def tag_colour(self) -> str:
        """Its GOV.UK tag's colour (govuk-tag--<colour>), wherever an entry's status shows."""
        return {"pending": "yellow", "verified": "green", "queried": "orange"}[self.value]


log_entry_ksbs = sa.Table(
    "log_entry_ksbs",
    db.metadata,
    sa.Column("entry_id", sa.ForeignKey("log_entries.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("ksb_id", sa.ForeignKey("ksbs.id", ondelete="CASCADE"), primary_key=True),
)


class LogEntry(Versioned, db.Model):
    __tablename__ = "log_entries"
    __table_args__ = (
        # Quarter-hour steps, more than nothing and no more than a day holds.
        sa.CheckConstraint("minutes > 0 AND minutes <= 1440 AND minutes % 15 = 0", name="minutes_quarter_hours"),
        sa.CheckConstraint(
            "status != 'verified' OR (verified_by_id IS NOT NULL AND verified_at IS NOT NULL)",
            name="verified_by_someone",
        ),
        sa.CheckConstraint("status != 'queried' OR query_comment IS NOT NULL", name="query_has_comment"),
        sa.Index("ix_log_entries_apprentice_date", "apprentice_id", "activity_date"),
        # The verification queue, oldest first.
        sa.Index("ix_log_entries_status_date", "status", "activity_date"),
        # Holds every column the progress sums read, so they never visit the table.
        sa.Index("ix_log_entries_progress", "apprentice_id", "status", "off_the_job", "activity_date", "minutes"),
        {"sqlite_autoincrement": True},  # an id is never given again (migration 0015)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    apprentice_id: Mapped[int] = mapped_column(sa.ForeignKey("apprentices.id", ondelete="CASCADE"))
    activity_date: Mapped[date]
    activity_type: Mapped[ActivityType] = mapped_column(choice_type(ActivityType, "activity_type"))
    off_the_job: Mapped[bool] = mapped_column(default=True)
    minutes: Mapped[int]
    description: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[VerificationStatus] = mapped_column(
        choice_type(VerificationStatus, "verification_status"), default=VerificationStatus.PENDING
    )
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    query_comment: Mapped[str | None] = mapped_column(sa.Text)
    query_response: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    apprentice: Mapped[Apprentice] = relationship()
    ksbs: Mapped[list[Ksb]] = relationship(secondary=log_entry_ksbs, order_by="Ksb.position")
    revisions: Mapped[list[LogEntryRevision]] = relationship(
        back_populates="entry", order_by="LogEntryRevision.changed_at", cascade="all, delete-orphan"
    )

    @property
    def hours(self) -> float:
        return self.minutes / 60


MAX_MINUTES_A_DAY = 12 * 60  # the most a long working day allows


class LogDayTotal(db.Model):
    """The minutes an apprentice has logged on a day, held to the daily limit by the database.

    Kept by triggers on log_entries (migration 0003), whatever writes the entries: an atomic
    upsert per inserted, changed or deleted entry, so two entries posted at the same instant
    cannot both squeeze into a day with room for one. Never written by the app itself.
    """

    __tablename__ = "log_day_totals"
    __table_args__ = (sa.CheckConstraint(f"minutes BETWEEN 0 AND {MAX_MINUTES_A_DAY}", name="within_a_day"),)

    apprentice_id: Mapped[int] = mapped_column(sa.ForeignKey("apprentices.id", ondelete="CASCADE"), primary_key=True)
    activity_date: Mapped[date] = mapped_column(primary_key=True)
    minutes: Mapped[int]


class LogEntryRevision(db.Model):
    """Every change to an entry, so that a disputed figure can always be explained."""

    __tablename__ = "log_entry_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("log_entries.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[LogEntry] = relationship(back_populates="revisions")
