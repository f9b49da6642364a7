"""What needs a person: the in-app list of notifications, which is also where their emails come from."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import Choice, UTCDateTime, choice_type, utcnow


class NotificationKind(Choice):
    # Immediate: made in the same transaction as the change that causes them.
    ENTRY_QUERIED = "entry_queried"  # to the apprentice
    QUERY_ANSWERED = "query_answered"  # to whoever asked the query
    PLACEMENT_PROPOSED = "placement_proposed"  # to the employer's users
    PROPOSAL_ACCEPTED = "proposal_accepted"  # to the coordinators
    PROPOSAL_DECLINED = "proposal_declined"  # to the coordinators
    PLACEMENT_RETURNED = "placement_returned"  # to the employer user who posted it
    PROPOSAL_WITHDRAWN = "proposal_withdrawn"  # to the employer's users: a proposal they had not answered
    REVIEW_TO_SIGN = "review_to_sign"  # to everyone who must sign a review just recorded or corrected
    PLACEMENT_PUBLISHED = "placement_published"  # to the employer user who posted it
    PLACEMENT_SUBMITTED = "placement_submitted"  # to the coordinators: publish it or send it back
    REVIEW_REOPENED = "review_reopened"  # to everyone who must sign a review a coordinator reopened
    LEVY_APPLICATION_RECEIVED = "levy_application_received"  # to the coordinators: an employer applied
    # To the employer partner's users: the council's decision on their application, and its funds all paid.
    LEVY_APPLICATION_APPROVED = "levy_application_approved"
    LEVY_APPLICATION_REJECTED = "levy_application_rejected"
    LEVY_FUNDS_USED = "levy_application_funds_used"
    # To the coordinators: the employer partner accepted or declined the funds approved, or withdrew.
    LEVY_FUNDS_ACCEPTED = "levy_application_accepted"
    LEVY_FUNDS_DECLINED = "levy_application_declined"
    LEVY_APPLICATION_WITHDRAWN = "levy_application_withdrawn"
    # Made by the daily job (services/reminders.py), once per occurrence.
    SHARE_LINK_EXPIRING = "share_link_expiring"
    REVIEW_DUE_SOON = "review_due_soon"
    REVIEW_OVERDUE = "review_overdue"
    SIGNATURE_WAITING = "signature_waiting"
    NOTHING_LOGGED = "nothing_logged"
    HOURS_BEHIND = "hours_behind"
    RETENTION_DUE = "retention_due"  # to the coordinators: records past their retention period to review


class EmailFrequency(Choice):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    NEVER = "never"

    @property
    def label(self) -> str:
        return {"immediate": "Each time something needs you",
                "daily": "Once a day, in one email listing everything",
                "never": "Do not email me: I will check the app"}[self.value]


class EmailState(Choice):
    WAITING = "waiting"  # for the daily email
    SENT = "sent"  # queued in the outbox (emailed_at says when)
    NOT_SENT = "not_sent"  # the person chose no email, or had it done before the daily email


class Notification(db.Model):
    """One thing that needs one person, with the records it is about (ids only: no personal data).

    `occurrence` names a reminder's occurrence ("the review due on 2026-03-01 of apprentice
    42"), unique per person and kind, so the daily job makes each reminder once however often it
    runs (the database refuses a second one). Immediate notifications have none: each event is
    its own occurrence. Every record it points at takes it with it when deleted.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "occurrence", name="uq_notifications_once"),
        sa.CheckConstraint("(email_state = 'sent') = (emailed_at IS NOT NULL)", name="emailed_when_sent"),
        # A person's list, newest first, and the count of what is not done.
        sa.Index("ix_notifications_user_done", "user_id", "done_at", "created_at"),
        sa.Index("ix_notifications_email_state", "email_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(choice_type(NotificationKind, "notification_kind"))
    occurrence: Mapped[str | None] = mapped_column(sa.String(64))
    apprentice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("apprentices.id", ondelete="CASCADE"), index=True)
    log_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("log_entries.id", ondelete="CASCADE"), index=True)
    review_id: Mapped[int | None] = mapped_column(sa.ForeignKey("progress_reviews.id", ondelete="CASCADE"),
                                                  index=True)
    placement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("placement_assignments.id", ondelete="CASCADE"),
                                                      index=True)
    share_link_id: Mapped[int | None] = mapped_column(sa.ForeignKey("share_links.id", ondelete="CASCADE"), index=True)
    on_date: Mapped[date | None]  # the day it is about: a review due, a link's expiry, the last log
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_state: Mapped[EmailState] = mapped_column(choice_type(EmailState, "email_state"),
                                                    default=EmailState.WAITING)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(db.Model):
    """How often a person wants email about what needs them. No row: each time (immediate).

    Essential messages (invitations, password reset) are sent whatever this says.
    """

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    frequency: Mapped[EmailFrequency] = mapped_column(choice_type(EmailFrequency, "email_frequency"),
                                                      default=EmailFrequency.IMMEDIATE)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
