"""Recording who changed which record, without copying personal data into the log."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEvent, User
from ..versioning import expect


def record(actor: User | None, action: str, subject: Any, **details: Any) -> AuditEvent:
    """Add an audit event for `subject` to the current transaction.

    `subject` is a model instance, or a table name for a change to many rows at once.
    `details` must hold facts about the change (field names, counts), never what a person
    typed about someone: the log outlives retention of the records it points to.
    """
    if isinstance(subject, str):
        subject_type, subject_id = subject, None
    else:
        if subject.id is None:
            db.session.flush()
        subject_type, subject_id = subject.__class__.__tablename__, subject.id  # __class__: through a proxy too
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=details,
    )
    db.session.add(event)
    return event


def save(actor: User, row: Any, values: dict[str, Any], noun: str, *, version: int | None = None) -> list[str]:
    """Create or edit a row from a form's values and audit it (field names only); the request commits.

    `version` is the row's version the person loaded: a save after someone else's is refused
    (StaleRecord). Returns the names of the fields that changed.
    """
    if hasattr(row, "version"):
        expect(row, version, noun)
    creating = row.id is None
    changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
    for key in changed:
        setattr(row, key, values[key])
    db.session.add(row)
    if creating or changed:
        record(actor, f"{noun}.created" if creating else f"{noun}.edited", row, fields=changed)
    db.session.flush()
    return changed
