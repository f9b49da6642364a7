"""The public sector apprenticeship return: one per financial year, its figures per part of the council.

A return is a draft until a coordinator marks it submitted: then its apprentice figures are
stored as filed (beside the employee headcounts and the answers, which were stored all along),
and nothing about it changes until someone reopens it. Every change to a return, its figures or
its answers goes through a conditional UPDATE of the return's row (`submitted_at IS NULL`, and
the version the person saw): see services/sector_return.py.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import Choice, UTCDateTime, Versioned, choice_type, utcnow

FIRST_YEAR = 2017  # the public sector apprenticeship target began on 1 April 2017


class EmployedBy(Choice):
    """Who employs an apprentice: councils report each figure for these two parts separately."""

    COUNCIL = "council"
    MAINTAINED_SCHOOL = "maintained_school"

    @property
    def label(self) -> str:
        return {"council": "The council (excluding maintained schools)",
                "maintained_school": "A maintained school"}[self.value]

    @property
    def part(self) -> str:
        """The part of the council, as a heading or a column reads."""
        return {"council": "Council excluding maintained schools",
                "maintained_school": "Maintained schools"}[self.value]

    @property
    def other(self) -> EmployedBy:
        return EmployedBy.MAINTAINED_SCHOOL if self is EmployedBy.COUNCIL else EmployedBy.COUNCIL


class SectorReturn(Versioned, db.Model):
    """One financial year's return (1 April `year` to 31 March `year` + 1), with its narrative answers."""

    __tablename__ = "sector_returns"
    __table_args__ = (
        sa.CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND 2100", name="year_range"),
        sa.CheckConstraint("(submitted_at IS NULL) = (submitted_by_id IS NULL)", name="submitted_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    actions_taken: Mapped[str | None] = mapped_column(sa.Text)
    challenges: Mapped[str | None] = mapped_column(sa.Text)
    future_plans: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by every change to the return or its parts, so each is an UPDATE of this row checked
    # against the version the change was based on (a submitted return's version has moved on).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    parts: Mapped[list[SectorReturnPart]] = relationship(back_populates="sector_return",
                                                        order_by="SectorReturnPart.employed_by")

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


COUNTS = ("employees_start", "employees_end", "employees_new", "apprentices_start", "apprentices_end",
          "apprentices_new")


class SectorReturnPart(db.Model):
    """One part of the council's figures for a year: employee headcounts as entered (or imported from
    HR), and the apprentice figures as filed (empty until the return is submitted)."""

    __tablename__ = "sector_return_parts"
    __table_args__ = (
        sa.UniqueConstraint("return_id", "employed_by"),  # one row per part of the council
        *(sa.CheckConstraint(f"{name} IS NULL OR {name} BETWEEN 0 AND 10000000", name=f"{name}_range")
          for name in COUNTS),
        *(sa.CheckConstraint(f"{name} IS NULL OR {name} BETWEEN 0 AND 10000000", name=f"{name}_range")
          for name in ("fte_start", "fte_end", "fte_new")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(sa.ForeignKey("sector_returns.id", ondelete="CASCADE"), index=True)
    employed_by: Mapped[EmployedBy] = mapped_column(choice_type(EmployedBy, "return_part"))
    employees_start: Mapped[int | None]
    employees_end: Mapped[int | None]
    employees_new: Mapped[int | None]
    fte_start: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    fte_end: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    fte_new: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    # As filed: set when the return is submitted, cleared when it is reopened.
    apprentices_start: Mapped[int | None]
    apprentices_end: Mapped[int | None]
    apprentices_new: Mapped[int | None]

    sector_return: Mapped[SectorReturn] = relationship(back_populates="parts")
