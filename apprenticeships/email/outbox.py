"""The outbox: queueing a message with the change that causes it, and sending what is due.

The outbox table is the source of truth; the background queue (worker.py) only says "look
now". A message is claimed by one atomic UPDATE (queued, or sending with its claim run out,
and due), so two workers, a scheduled retry and the minute's sweep never send it twice. A claim
lasts CLAIM_LASTS: a worker that dies mid-send leaves the message to be taken over after that.
A failed attempt that may pass later is tried again after EMAIL_RETRY_DELAYS[attempt - 1];
after the last delay, or when the mail service says it will never send it, the message is
marked failed and shown to coordinators (/emails/problems).

Once a message is sent or has failed, its personalisation (names, one-time links) is cleared,
except with the `log` backend outside production, where the development mailbox shows it.
Messages are deleted KEPT_FOR after they were queued.

Each step runs in its own short transaction on its own session, never the request's: the
claim is the first statement of its transaction, so on SQLite it takes the write lock at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, utcnow
from .backends import DeliveryError, Email, backend
from .templates import template

CLAIM_LASTS = timedelta(minutes=5)
KEPT_FOR = timedelta(days=30)
NEW_MESSAGES = "outbox_new_messages"  # ids added in the session's transaction, sent for once it commits
# Filled in from the configuration when a template uses them and the caller did not give them.
COMMON = {"service_name": "SERVICE_NAME", "organisation_name": "ORGANISATION_NAME"}


def queue(template_name: str, to: str, personalisation: Mapping[str, str]) -> OutboxMessage:
    """Add a message to the outbox in the current transaction (see email.send)."""
    chosen = template(template_name)
    values = {key: str(value) for key, value in personalisation.items()}
    for key, setting in COMMON.items():
        if key in chosen.placeholders:
            values.setdefault(key, current_app.config[setting])
    missing, unknown = chosen.placeholders - values.keys(), values.keys() - chosen.placeholders
    if missing or unknown:
        raise ValueError(f"email {template_name!r}: missing {sorted(missing)}, not in the template {sorted(unknown)}")
    message = OutboxMessage(template=template_name, recipient=to.strip(), personalisation=values,
                            status=OutboxStatus.QUEUED, attempts=0, next_attempt_at=utcnow())
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(NEW_MESSAGES, []).append(message.id)
    return message


@dataclass(frozen=True)
class Outcome:
    status: str  # "sent", "retry", "failed", or "not due" (sent already, or someone else has it)
    retry_in: float | None = None  # seconds, for "retry"


def _keeps_content() -> bool:
    config = current_app.config
    return config["EMAIL_BACKEND"] == "log" and config["ENV_NAME"] != "production"


def deliver(message_id: int, *, now: datetime | None = None) -> Outcome:
    """Claim the message if it is due, send it, and record what happened."""
    claimed_at = now or utcnow()
    due = sa.or_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.status == OutboxStatus.SENDING)
    with Session(db.engine) as session:
        with session.begin():
            claimed = session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == message_id, due, OutboxMessage.next_attempt_at <= claimed_at)
                .values(status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1,
                        next_attempt_at=claimed_at + CLAIM_LASTS)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not claimed:
                return Outcome("not due")
            message = session.get(OutboxMessage, message_id)
            attempt = message.attempts
            email = _email(message)

        error = None
        try:
            if isinstance(email, DeliveryError):
                raise email
            backend(current_app)(email)
        except DeliveryError as failure:
            error = failure
        finished = now or utcnow()
        delays = current_app.config["EMAIL_RETRY_DELAYS"]
        if error is None:
            outcome = Outcome("sent")
            values = {"status": OutboxStatus.SENT, "sent_at": finished, "last_error": None}
        elif error.temporary and attempt <= len(delays):
            outcome = Outcome("retry", delays[attempt - 1])
            values = {"status": OutboxStatus.QUEUED, "last_error": error.reason,
                      "next_attempt_at": finished + timedelta(seconds=delays[attempt - 1])}
        else:
            outcome = Outcome("failed")
            values = {"status": OutboxStatus.FAILED, "last_error": error.reason}
        if outcome.status != "retry" and not (outcome.status == "sent" and _keeps_content()):
            values["personalisation"] = sa.null()
        with session.begin():
            # Only while the claim is still ours: a worker that took over after CLAIM_LASTS wins.
            session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.SENDING,
                       OutboxMessage.attempts == attempt)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    if error is not None:
        current_app.logger.warning("Email %s, attempt %s: %s (%s)", email.reference if isinstance(email, Email)
                                   else message_id, attempt, error.reason, outcome.status)
    return outcome


def _email(message: OutboxMessage) -> Email | DeliveryError:
    try:
        rendered = template(message.template).render(message.personalisation or {})
    except (ValueError, KeyError):
        return DeliveryError(f"The template {message.template!r} or its placeholders have changed", temporary=False)
    return Email(message.reference, message.template, message.recipient, dict(message.personalisation or {}),
                 rendered)


def due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Messages waiting for an attempt, and those whose worker's claim ran out, oldest first."""
    with Session(db.engine) as session:
        return list(session.scalars(
            sa.select(OutboxMessage.id)
            .where(OutboxMessage.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING)),
                   OutboxMessage.next_attempt_at <= (now or utcnow()))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        ))


def purge(*, now: datetime | None = None) -> int:
    """Delete sent and failed messages queued more than KEPT_FOR ago. Returns how many."""
    with Session(db.engine) as session, session.begin():
        return session.execute(
            sa.delete(OutboxMessage)
            .where(OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)),
                   OutboxMessage.created_at < (now or utcnow()) - KEPT_FOR)
            .execution_options(synchronize_session=False)
        ).rowcount
