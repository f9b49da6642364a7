"""Evidence: files attached to a log entry or a progress review.

A row is one file as someone attached it (its name, type, size, who and when); its bytes
live in the evidence storage (apprenticeships/evidence/storage.py) under their SHA-256
digest, so the same bytes attached twice, by anyone, are stored once. An image's thumbnail is
stored the same way. The row names its apprentice too, for the per-apprentice quota and the
list of their evidence, whatever it is attached to.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ..extensions import db
from .cohorts import Apprentice
from .progress import LogEntry
from .reviews import ProgressReview
from .types import Choice, UTCDateTime, choice_type, utcnow


class ScanStatus(Choice):
    CLEAN = "clean"  # scanned and clean, or no virus scanner is set up (CLAMD_SOCKET)
    PENDING = "pending"  # waiting for the virus scanner: listed as "being checked", not served
    INFECTED = "infected"  # the scanner found a virus: its bytes are deleted, the row says so


class EvidenceFile(db.Model):
    __tablename__ = "evidence_files"
    __table_args__ = (
        # Attached to exactly one thing: a log entry or a review.
        sa.CheckConstraint("(log_entry_id IS NULL) <> (review_id IS NULL)", name="attached_to_one"),
        sa.CheckConstraint("size_bytes > 0", name="not_empty"),
        sa.CheckConstraint("length(digest) = 64", name="sha256_digest"),
        sa.Index("ix_evidence_files_apprentice_uploaded", "apprentice_id", "uploaded_at"),
        {"sqlite_autoincrement": True},  # an id is never given again (migration 0015)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    apprentice_id: Mapped[int] = mapped_column(sa.ForeignKey("apprentices.id", ondelete="CASCADE"))
    log_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("log_entries.id", ondelete="CASCADE"), index=True)
    review_id: Mapped[int | None] = mapped_column(sa.ForeignKey("progress_reviews.id", ondelete="CASCADE"),
                                                  index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    media_type: Mapped[str] = mapped_column(sa.String(127))
    size_bytes: Mapped[int]
    digest: Mapped[str] = mapped_column(sa.String(64), index=True)  # SHA-256 of the bytes stored, in hex
    thumbnail_digest: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    scan_status: Mapped[ScanStatus] = mapped_column(choice_type(ScanStatus, "evidence_scan_status"),
                                                    default=ScanStatus.CLEAN, index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    apprentice: Mapped[Apprentice] = relationship()
    log_entry: Mapped[LogEntry | None] = relationship()
    review: Mapped[ProgressReview | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.thumbnail_digest is not None

    @property
    def servable(self) -> bool:
        return self.scan_status == ScanStatus.CLEAN


# How many files an entry has, for its row in a log: read in the page's own query when asked for
# (`undefer(LogEntry.evidence_count)`), never one query a row.
LogEntry.evidence_count = column_property(
    sa.select(sa.func.count(EvidenceFile.id)).where(EvidenceFile.log_entry_id == LogEntry.id)
    .correlate_except(EvidenceFile).scalar_subquery(), deferred=True)
