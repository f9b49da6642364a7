"""Recording who changed which record, without copying personal data into the log."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEvent, User


def record(actor: User | None, action: str, subject: Any, **details: Any) -> AuditEvent:
    """Add an audit event for `subject` (a model instance) to the current transaction.

    `details` must hold facts about the change (field names, a status), never what a person
    typed about someone: the log outlives retention of the records it points to.
    """
    if subject.id is None:
        db.session.flush()
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=type(subject).__tablename__,
        subject_id=subject.id,
        details=details,
    )
    db.session.add(event)
    return event
