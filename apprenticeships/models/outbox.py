"""Emails waiting to be sent, and those sent or given up on: the outbox (see apprenticeships/email)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import Choice, UTCDateTime, choice_type, utcnow


class OutboxStatus(Choice):
    QUEUED = "queued"  # waiting for its next attempt (next_attempt_at)
    SENDING = "sending"  # claimed by a worker until next_attempt_at (a worker that died is taken over then)
    SENT = "sent"
    FAILED = "failed"  # given up on: shown to coordinators


def new_reference() -> str:
    return uuid.uuid4().hex


class OutboxMessage(db.Model):
    """One email, added in the same transaction as the change that causes it.

    A change that rolls back takes its messages with it, so nothing is sent for it. Once a
    message is sent or has failed, its personalisation (names, one-time links) is cleared:
    only the address, the template and the outcome stay, until the rows are purged.
    `reference` goes to the mail service with the message: a random value, no personal data.
    `last_error` says why the last attempt failed, without the address or the message's content.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_when_sent"),
        sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_reference)
    template: Mapped[str] = mapped_column(sa.String(64))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    personalisation: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    status: Mapped[OutboxStatus] = mapped_column(choice_type(OutboxStatus, "outbox_status"),
                                                 default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
