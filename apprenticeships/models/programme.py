"""Programme-wide settings, training providers and apprenticeship standards."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import Choice, UTCDateTime, Versioned, choice_type, utcnow


class ReviewIntervalUnit(Choice):
    WEEKS = "weeks"
    MONTHS = "months"


class ProgrammeSettings(Versioned, db.Model):
    """The one row of settings for the programme this installation runs."""

    __tablename__ = "programme_settings"
    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("review_interval_value BETWEEN 1 AND 52", name="review_interval_range"),
        sa.CheckConstraint("disclosure_threshold BETWEEN 2 AND 20", name="threshold_range"),
        sa.CheckConstraint("retention_years BETWEEN 1 AND 100", name="retention_range"),
        sa.CheckConstraint("audit_retention_years BETWEEN 1 AND 100", name="audit_retention_range"),
        sa.CheckConstraint("old_la_code IS NULL OR length(old_la_code) = 3", name="old_la_code_length"),
        sa.CheckConstraint("new_la_code IS NULL OR length(new_la_code) = 9", name="new_la_code_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # Older funding rules: a review at least every 12 weeks; 2025/26 rules: every 3 months.
    review_interval_unit: Mapped[ReviewIntervalUnit] = mapped_column(
        choice_type(ReviewIntervalUnit, "review_interval_unit"), default=ReviewIntervalUnit.WEEKS
    )
    review_interval_value: Mapped[int] = mapped_column(default=12)
    # When on, a progress review also needs its apprentice's mentor's signature (four in all).
    mentors_sign_reviews: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Counts below this are never published on a summary (DOMAIN.md, publishing safely).
    disclosure_threshold: Mapped[int] = mapped_column(default=5)
    # Years an apprentice's records are kept after their apprenticeship ends, then anonymised
    # (services/retention.py): 6 by default, as the funding rules ask providers to keep evidence.
    retention_years: Mapped[int] = mapped_column(default=6)
    # Years the audit log keeps an event; older events are deleted (the only deletion of the log).
    audit_retention_years: Mapped[int] = mapped_column(default=7, server_default="7")
    demo_loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Moves on with every change to programme data (services/changes.py), so that results
    # worked out from the data can be kept until it changes.
    data_version: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    # The council as open data in DfE's format names it (services/open_data.py): its old three-digit
    # local authority code, its nine-character GSS code (E09000033) and its name.
    old_la_code: Mapped[str | None] = mapped_column(sa.String(3))
    new_la_code: Mapped[str | None] = mapped_column(sa.String(9))
    la_name: Mapped[str | None] = mapped_column(sa.String(120))
    # When on, every published count is rounded to the nearest 5 (services/publication.py).
    round_to_five: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    @classmethod
    def current(cls) -> ProgrammeSettings:
        if _CURRENT_KEY in db.session.identity_map:  # held (below): Session.get finds it without a statement
            settings = db.session.get(cls, 1)
        else:  # Session.get would build its statement afresh each time
            settings = db.session.scalars(_CURRENT).one_or_none()
        if settings is None:
            settings = cls(id=1)
            db.session.add(settings)
            db.session.flush()
        # Held by the session: its identity map holds objects weakly, so once a caller let go of it, the
        # next caller in the same request (a page asks in several places) loaded the row again.
        db.session.info["programme_settings"] = settings
        return settings


# Built once (services.pagination.Listing says why): the settings' one row, and its key in a session's identity map.
_CURRENT = sa.select(ProgrammeSettings).where(ProgrammeSettings.id == 1)
_CURRENT_KEY = sa.inspect(ProgrammeSettings).identity_key_from_primary_key((1,))


class TrainingProvider(db.Model):
    __tablename__ = "training_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    ukprn: Mapped[str | None] = mapped_column(sa.String(8), unique=True)
    contact_name: Mapped[str | None] = mapped_column(sa.String(120))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KsbKind(Choice):
    KNOWLEDGE = "knowledge"
    SKILL = "skill"
    BEHAVIOUR = "behaviour"


class ApprenticeshipStandard(db.Model):
    """An occupation and level trained for, with its off-the-job minimum (starts from Aug 2025)."""

    __tablename__ = "apprenticeship_standards"
    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 2 AND 7", name="level_range"),
        sa.CheckConstraint("otj_minimum_hours >= 0", name="otj_minimum_not_negative"),
        sa.CheckConstraint("typical_duration_months BETWEEN 8 AND 72", name="duration_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(12), unique=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    level: Mapped[int]
    otj_minimum_hours: Mapped[int]
    typical_duration_months: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ksbs: Mapped[list[Ksb]] = relationship(
        back_populates="standard", order_by="Ksb.position", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        return f"{self.title} (level {self.level})"


class Ksb(db.Model):
    """One knowledge, skill or behaviour of a standard: K1, S3, B2..."""

    __tablename__ = "ksbs"
    __table_args__ = (
        sa.UniqueConstraint("standard_id", "code", name="uq_ksbs_standard_code"),
        sa.CheckConstraint(
            "(kind = 'knowledge' AND code LIKE 'K%') OR (kind = 'skill' AND code LIKE 'S%')"
            " OR (kind = 'behaviour' AND code LIKE 'B%')",
            name="code_matches_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(
        sa.ForeignKey("apprenticeship_standards.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(8))
    kind: Mapped[KsbKind] = mapped_column(choice_type(KsbKind, "ksb_kind"))
    description: Mapped[str] = mapped_column(sa.Text)
    position: Mapped[int] = mapped_column(default=0)

    standard: Mapped[ApprenticeshipStandard] = relationship(back_populates="ksbs")
