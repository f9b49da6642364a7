"""Adding and editing apprentices, and the guided changes to their status.

Every change is part of the request's one transaction: the record, its status history (who,
when, why) and the audit event are written together or not at all.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..extensions import db
from ..models import (
    Apprentice,
    ApprenticeStatus,
    BreakInLearning,
    EpaOutcome,
    ProgrammeSettings,
    StatusChange,
    User,
)
from ..versioning import expect
from . import audit, reviews
from .errors import ServiceError

MINIMUM_BREAK = timedelta(weeks=4)  # a break in learning is an agreed pause of 4 weeks or more
PASSED = (EpaOutcome.PASS, EpaOutcome.MERIT, EpaOutcome.DISTINCTION)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def minimum_duration_months(start: date) -> int:
    """12 months, or 8 for starts from August 2025."""
    return 8 if start >= date(2025, 8, 1) else 12


def create(actor: User, values: dict) -> Apprentice:
    apprentice = Apprentice(status=ApprenticeStatus.ACTIVE, **values)
    db.session.add(apprentice)
    db.session.add(StatusChange(apprentice=apprentice, from_status=None, to_status=ApprenticeStatus.ACTIVE,
                                effective_date=apprentice.start_date, reason="Started the programme",
                                recorded_by_id=actor.id))
    audit.record(actor, "apprentice.created", apprentice)
    db.session.flush()
    reviews.first_review(apprentice, ProgrammeSettings.current())
    db.session.flush()
    return apprentice


def changed_fields(apprentice: Apprentice, values: dict) -> list[str]:
    return sorted(k for k, v in values.items() if getattr(apprentice, k) != v)


def update(actor: User, apprentice: Apprentice, values: dict, *, version: int | None = None) -> list[str]:
    """Save changed details; returns the names of the fields that changed (also audited).

    `version` is the one the person loaded: a save after someone else's is refused (StaleRecord).
    """
    expect(apprentice, version, "apprentice")
    refuse_if_anonymised(apprentice)
    changed = changed_fields(apprentice, values)
    for key in changed:
        setattr(apprentice, key, values[key])
    if changed:
        audit.record(actor, "apprentice.edited", apprentice, fields=changed)
    db.session.flush()
    return changed


def refuse_if_anonymised(apprentice: Apprentice) -> None:
    """An anonymised record stays anonymous: nobody may type a name or a status back into it."""
    if apprentice.anonymised_at is not None:
        raise ServiceError("This record has been anonymised, so it can no longer be changed.")


def _change(actor: User, apprentice: Apprentice, to: ApprenticeStatus, on: date, reason: str, action: str) -> None:
    refuse_if_anonymised(apprentice)
    db.session.add(StatusChange(apprentice=apprentice, from_status=apprentice.status, to_status=to,
                                effective_date=on, reason=reason, recorded_by_id=actor.id))
    apprentice.status = to
    audit.record(actor, action, apprentice)
    db.session.flush()


def current_break(apprentice: Apprentice) -> BreakInLearning | None:
    return apprentice.current_break


def start_break(actor: User, apprentice: Apprentice, start: date, expected_return: date, reason: str) -> None:
    db.session.add(BreakInLearning(apprentice=apprentice, start_date=start, expected_return_date=expected_return,
                                   reason=reason, recorded_by_id=actor.id))
    # The break moves the review later by its length: booked for when it is due if they come back as expected.
    reviews.reschedule_to_due(apprentice, ProgrammeSettings.current(), expected_return)
    _change(actor, apprentice, ApprenticeStatus.BREAK_IN_LEARNING, start,
            f"Break in learning, expected back {long_date(expected_return)}", "apprentice.break_started")


def end_break(actor: User, apprentice: Apprentice, returned_on: date) -> int:
    """Back from a break: the planned end moves out by the break's length. Returns that length in days."""
    pause = current_break(apprentice)
    pause.returned_on = returned_on
    length = (returned_on - pause.start_date).days
    apprentice.planned_end_date += timedelta(days=length)
    reviews.reschedule_to_due(apprentice, ProgrammeSettings.current(), returned_on)
    _change(actor, apprentice, ApprenticeStatus.ACTIVE, returned_on,
            f"Returned after a break of {length} days; planned end moved to {long_date(apprentice.planned_end_date)}",
            "apprentice.break_ended")
    return length


def withdraw(actor: User, apprentice: Apprentice, on: date, reason: str) -> None:
    apprentice.withdrawal_date = on
    apprentice.withdrawal_reason = reason
    _change(actor, apprentice, ApprenticeStatus.WITHDRAWN, on, "Withdrew from the programme",
            "apprentice.withdrawn")


def record_gateway(actor: User, apprentice: Apprentice, on: date) -> None:
    apprentice.gateway_date = on
    _change(actor, apprentice, apprentice.status, on, "Reached gateway: ready for end-point assessment",
            "apprentice.gateway_recorded")


def record_epa(actor: User, apprentice: Apprentice, on: date, outcome: EpaOutcome) -> None:
    apprentice.epa_date = on
    apprentice.epa_outcome = outcome
    _change(actor, apprentice, apprentice.status, on, f"End-point assessment result: {outcome.label.lower()}",
            "apprentice.epa_recorded")


def complete(actor: User, apprentice: Apprentice, on: date) -> None:
    apprentice.completion_date = on
    _change(actor, apprentice, ApprenticeStatus.COMPLETED, on, "Completed the apprenticeship",
            "apprentice.completed")


def available_actions(apprentice: Apprentice) -> list[str]:
    """The status actions that make sense now, in the order they are offered."""
    if apprentice.status == ApprenticeStatus.BREAK_IN_LEARNING:
        return ["end_break", "withdraw"]
    if apprentice.status != ApprenticeStatus.ACTIVE:
        return []
    actions = ["start_break", "withdraw"]
    if apprentice.gateway_date is None:
        actions.append("gateway")
    else:
        actions.append("epa")
        if apprentice.epa_outcome in PASSED:
            actions.append("complete")
    return actions
