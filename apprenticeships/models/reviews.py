"""Tripartite progress reviews: the meeting, its actions and its sign-offs (three, or four with the mentor)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .cohorts import Apprentice
from .people import User
from .types import Choice, UTCDateTime, Versioned, choice_type, utcnow


class Rag(Choice):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class SignoffParty(Choice):
    APPRENTICE = "apprentice"
    EMPLOYER = "employer"
    COORDINATOR = "coordinator"
    MENTOR = "mentor"  # only when the programme asks mentors to sign (ProgrammeSettings.mentors_sign_reviews)


# Everyone signs these; the mentor too when the review names a signing mentor.
ALWAYS_SIGN = (SignoffParty.APPRENTICE, SignoffParty.EMPLOYER, SignoffParty.COORDINATOR)


class ProgressReview(Versioned, db.Model):
    __tablename__ = "progress_reviews"
    __table_args__ = (
        sa.CheckConstraint("held_date IS NOT NULL OR rag IS NULL", name="rag_when_held"),
        sa.CheckConstraint("otj_minutes_at_review IS NULL OR otj_minutes_at_review >= 0", name="otj_not_negative"),
        sa.CheckConstraint("locked_at IS NULL OR held_date IS NOT NULL", name="locked_when_held"),
        sa.CheckConstraint("signing_mentor_id IS NULL OR held_date IS NOT NULL", name="mentor_signs_when_held"),
        sa.Index("ix_progress_reviews_apprentice_scheduled", "apprentice_id", "scheduled_date"),
        # Each apprentice's last review held (progress.py), found at the end of their range whatever
        # the planner's statistics say (migration 0020).
        sa.Index("ix_progress_reviews_apprentice_held", "apprentice_id", "held_date"),
        # Reviews to do (not yet held) by date, for the dashboard and the reviews page.
        sa.Index("ix_progress_reviews_unheld", "held_date", "scheduled_date"),
        # Reviews still open for signing.
        sa.Index("ix_progress_reviews_unlocked", "locked_at", "scheduled_date"),
        {"sqlite_autoincrement": True},  # an id is never given again (migration 0015)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    apprentice_id: Mapped[int] = mapped_column(sa.ForeignKey("apprentices.id", ondelete="CASCADE"))
    scheduled_date: Mapped[date]
    held_date: Mapped[date | None]
    attendees: Mapped[str | None] = mapped_column(sa.Text)
    rag: Mapped[Rag | None] = mapped_column(choice_type(Rag, "rag"))
    progress_notes: Mapped[str | None] = mapped_column(sa.Text)
    ksb_progress: Mapped[str | None] = mapped_column(sa.Text)
    otj_minutes_at_review: Mapped[int | None]
    next_review_date: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The apprentice's mentor when the review was recorded, who signs it too; None when the
    # programme does not ask mentors to sign (or the apprentice had no mentor).
    signing_mentor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mentors.id"), index=True)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    apprentice: Mapped[Apprentice] = relationship()
    actions: Mapped[list[ReviewAction]] = relationship(
        back_populates="review", order_by="ReviewAction.due_date", cascade="all, delete-orphan"
    )
    signoffs: Mapped[list[ReviewSignoff]] = relationship(back_populates="review", cascade="all, delete-orphan")

    @property
    def parties(self) -> tuple[SignoffParty, ...]:
        """Who signs this review: all of them signed, it is locked."""
        return ALWAYS_SIGN + ((SignoffParty.MENTOR,) if self.signing_mentor_id is not None else ())


class ReviewAction(db.Model):
    __tablename__ = "review_actions"
    __table_args__ = {"sqlite_autoincrement": True}  # an id is never given again (migration 0015)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("progress_reviews.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    owner: Mapped[str] = mapped_column(sa.String(120))
    due_date: Mapped[date]
    completed_on: Mapped[date | None]
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    review: Mapped[ProgressReview] = relationship(back_populates="actions")
    # Who marked it done, named wherever it is listed: loaded with it (one statement, however many).
    completed_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[completed_by_id])

    def is_overdue(self, today: date) -> bool:
        """Past its due date and not done: what every page marks "overdue"."""
        return self.completed_on is None and self.due_date < today


class ReviewSignoff(db.Model):
    __tablename__ = "review_signoffs"
    __table_args__ = (sa.UniqueConstraint("review_id", "party", name="uq_review_signoffs_review_party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("progress_reviews.id", ondelete="CASCADE"))
    party: Mapped[SignoffParty] = mapped_column(choice_type(SignoffParty, "signoff_party"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[ProgressReview] = relationship(back_populates="signoffs")


class ReviewReopening(db.Model):
    """A locked review opened again: the reason is kept, and the sign-offs start over."""

    __tablename__ = "review_reopenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("progress_reviews.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    reopened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reopened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
