"""Councils side by side: other councils' published open data files, and links to a comparison.

A council file is a data file and its `.meta.csv` in the Explore Education Statistics open data
standard, as another council (or DfE, for England) published it: public figures, already through
their producer's disclosure control, kept as they were read so nothing is re-derived from them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .cohorts import Cohort
from .types import UTCDateTime, utcnow


class CouncilFile(db.Model):
    __tablename__ = "council_files"
    __table_args__ = (
        sa.CheckConstraint("size_bytes > 0", name="not_empty"),
        sa.CheckConstraint("geographic_level IN ('National', 'Local authority')", name="national_or_council"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose figures: the local authority's name from the file, or "England" for a National file.
    name: Mapped[str] = mapped_column(sa.String(120))
    geographic_level: Mapped[str] = mapped_column(sa.String(40))
    time_period: Mapped[str] = mapped_column(sa.String(20))
    time_identifier: Mapped[str] = mapped_column(sa.String(60))
    filename: Mapped[str] = mapped_column(sa.String(255))  # the data file's name, cleaned
    source_url: Mapped[str | None] = mapped_column(sa.String(2000))  # where it was fetched from, if it was
    # The two files as text (UTF-8, new lines as \n), read again with open_data.read when shown.
    data: Mapped[str] = mapped_column(sa.Text)
    meta: Mapped[str] = mapped_column(sa.Text)
    size_bytes: Mapped[int]
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ComparisonLink(db.Model):
    """A share link to a comparison: a snapshot of what the page showed when it was made."""

    __tablename__ = "comparison_links"
    __table_args__ = (sa.CheckConstraint("view_count >= 0", name="views_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    # SHA-256 of a token of 256 random bits; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_on: Mapped[date | None]
    # The comparison as published: aggregates only, each figure as its file gave it (symbols kept).
    published: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    figures_as_of: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    view_count: Mapped[int] = mapped_column(default=0)
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship()
