"""The audit log: who did what to which record, and when. Never the personal data itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One thing someone did (or looked at), kept as ids, names of fields and counts.

    `subject_type`/`subject_id` name the row acted on; `apprentice_id` and `user_id` name the
    person that row is about (an apprentice, or a user account), so "everything done to this
    person" is one indexed lookup whatever the row was. services.audit.record fills them.

    Rows are never changed: the database refuses an UPDATE (a trigger, migration 0010), except
    the one its own foreign keys make when a person's record is deleted (the link to them is
    set to NULL; the ids in subject_type/subject_id stay). Rows are deleted only by retention,
    once older than the audit log's own retention period.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_subject", "subject_type", "subject_id"),
        # Everything done to one person, newest first (their record's "who has looked at this").
        sa.Index("ix_audit_events_apprentice_occurred", "apprentice_id", "occurred_at"),
        sa.Index("ix_audit_events_user_occurred", "user_id", "occurred_at"),
        # The audit page's filters, newest first: a kind of event, and what one person did (migration 0018).
        sa.Index("ix_audit_events_action_occurred", "action", "occurred_at"),
        sa.Index("ix_audit_events_actor_occurred", "actor_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # ix_audit_events_actor_occurred
    action: Mapped[str] = mapped_column(sa.String(64))
    subject_type: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[int | None]
    # The person acted on: the apprentice the subject is (or belongs to), and the user account
    # the subject is (mentor, employer and coordinator accounts have no apprentice).
    apprentice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("apprentices.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Names of the fields touched and other non-personal facts, e.g. {"fields": ["team"]}.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
