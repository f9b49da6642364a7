"""Share links: a cohort summary that anyone holding the link can read, without signing in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .cohorts import Cohort
from .types import Choice, UTCDateTime, choice_type, utcnow


class ShareMode(Choice):
    LIVE = "live"
    SNAPSHOT = "snapshot"


class ShareLink(db.Model):
    __tablename__ = "share_links"
    __table_args__ = (
        sa.CheckConstraint("view_count >= 0", name="views_not_negative"),
        sa.CheckConstraint("mode != 'snapshot' OR published_figures IS NOT NULL", name="snapshot_has_figures"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    # SHA-256 of a token of 256 random bits; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    mode: Mapped[ShareMode] = mapped_column(choice_type(ShareMode, "share_mode"))
    narrative: Mapped[str | None] = mapped_column(sa.Text)
    expires_on: Mapped[date | None]
    # Aggregates only, already passed through disclosure control; never row-level data.
    published_figures: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    figures_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    view_count: Mapped[int] = mapped_column(default=0)
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship()


class PublishedVersion(db.Model):
    """One distinct version of a cohort's figures that has been published anywhere (a live link, a
    snapshot or a downloaded file): aggregates only, already through disclosure control and rounding.
    services/publication.py checks every new version against all of these before it goes out."""

    __tablename__ = "published_versions"
    __table_args__ = (
        # Two requests publishing at once both take the next number: the database lets one of them
        # have it, and the other checks again against what was just published.
        sa.UniqueConstraint("cohort_id", "sequence", name="uq_published_versions_cohort_sequence"),
        sa.UniqueConstraint("cohort_id", "digest", name="uq_published_versions_cohort_digest"),
        sa.CheckConstraint("sequence >= 1", name="sequence_positive"),
        sa.CheckConstraint("length(digest) = 64", name="sha256_digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    sequence: Mapped[int]
    # SHA-256 of the figures as canonical JSON (sorted keys), so the same figures are kept once.
    digest: Mapped[str] = mapped_column(sa.String(64))
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
