"""Placements: their lifecycle (draft to published to closed), and the apprentices on them.

A placement: draft -> submitted -> published (or returned to the employer with a comment,
to edit and submit again) -> closed; the employer may withdraw it before it closes.
An apprentice on a placement: proposed -> accepted or declined by the employer -> active ->
completed, or ended early with a reason.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    Apprentice,
    AssignmentStatus,
    Placement,
    PlacementAssignment,
    PlacementInterest,
    PlacementStatus,
    User,
    utcnow,
)
from ..versioning import expect
from . import audit
from .errors import ServiceError

EDITABLE = (PlacementStatus.DRAFT, PlacementStatus.RETURNED)
# Places are taken by apprentices accepted onto or on a placement, and held for proposals.
FILLING = AssignmentStatus.HOSTING


class PlacementError(ServiceError):
    """An action that the placement's state does not allow; the message is for the person."""


def save(actor: User, placement: Placement, values: dict, standards: list, submit: bool, *,
         version: int | None = None) -> Placement:
    """Create or edit a placement (a draft or one sent back), and submit it if asked.

    Refused (StaleRecord) if it changed since the person loaded `version`.
    """
    expect(placement, version, "placement")
    if placement.id is not None and placement.status not in EDITABLE:
        raise PlacementError("Only a draft, or a placement sent back to you, can be edited")
    creating = placement.id is None
    for key, value in values.items():
        setattr(placement, key, value)
    placement.standards = standards
    if creating:
        placement.created_by_id = actor.id
        placement.status = PlacementStatus.DRAFT
    db.session.add(placement)
    audit.record(actor, "placement.created" if creating else "placement.edited", placement)
    if submit:
        _move(actor, placement, PlacementStatus.SUBMITTED, "placement.submitted")
        placement.submitted_at = utcnow()
    db.session.flush()
    return placement


def _move(actor: User, placement: Placement, to: PlacementStatus, action: str, **details) -> None:
    placement.status = to
    audit.record(actor, action, placement, **details)


def submit(actor: User, placement: Placement) -> None:
    if placement.status not in EDITABLE:
        raise PlacementError("Only a draft, or a placement sent back to you, can be submitted")
    placement.submitted_at = utcnow()
    _move(actor, placement, PlacementStatus.SUBMITTED, "placement.submitted")
    db.session.flush()


def publish(actor: User, placement: Placement) -> None:
    if placement.status != PlacementStatus.SUBMITTED:
        raise PlacementError("Only a submitted placement can be published")
    placement.published_at = utcnow()
    placement.coordinator_comment = None
    _move(actor, placement, PlacementStatus.PUBLISHED, "placement.published")
    db.session.flush()


def send_back(actor: User, placement: Placement, comment: str) -> None:
    if placement.status != PlacementStatus.SUBMITTED:
        raise PlacementError("Only a submitted placement can be sent back")
    placement.coordinator_comment = comment
    _move(actor, placement, PlacementStatus.RETURNED, "placement.returned")
    db.session.flush()


def withdraw(actor: User, placement: Placement) -> None:
    if placement.status in (PlacementStatus.WITHDRAWN, PlacementStatus.CLOSED):
        raise PlacementError("This placement has already ended")
    if placed_count(placement) > 0:
        raise PlacementError("Apprentices are on this placement: close it when it ends instead")
    _move(actor, placement, PlacementStatus.WITHDRAWN, "placement.withdrawn")
    db.session.flush()


def close(actor: User, placement: Placement) -> None:
    if placement.status != PlacementStatus.PUBLISHED:
        raise PlacementError("Only a published placement can be closed")
    _move(actor, placement, PlacementStatus.CLOSED, "placement.closed")
    db.session.flush()


def placed_count(placement: Placement) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(
        PlacementAssignment.placement_id == placement.id, PlacementAssignment.status.in_(FILLING)))


def places_left(placement: Placement) -> int:
    return max(0, placement.places - placed_count(placement))


def overlapping(apprentice_id, start: date, end: date) -> sa.ColumnElement[bool]:
    """Apprentices already placed, or held for a placement, somewhere else for any of these dates."""
    return sa.exists().where(
        PlacementAssignment.apprentice_id == apprentice_id,
        PlacementAssignment.status.in_(FILLING),
        PlacementAssignment.placement_id == Placement.id,
        Placement.start_date <= end, Placement.end_date >= start,
    )


def propose(actor: User, placement: Placement, apprentice: Apprentice) -> PlacementAssignment:
    """Put an apprentice forward for a published placement, if a place is free and they are free."""
    if placement.status != PlacementStatus.PUBLISHED:
        raise PlacementError("Apprentices can only be proposed for a published placement")
    # Lock the placement row while counting places, so two proposals cannot both take the last one.
    db.session.execute(sa.select(Placement.id).where(Placement.id == placement.id).with_for_update())
    if places_left(placement) == 0:
        raise PlacementError("All the places on this placement are taken")
    busy = db.session.scalar(sa.select(overlapping(apprentice.id, placement.start_date, placement.end_date)))
    if busy:
        raise PlacementError(f"{apprentice.full_name} is already placed or proposed elsewhere for those dates")
    assignment = PlacementAssignment(placement=placement, apprentice=apprentice, proposed_by_id=actor.id,
                                     status=AssignmentStatus.PROPOSED)
    db.session.add(assignment)
    audit.record(actor, "placement.apprentice_proposed", assignment)
    db.session.flush()
    return assignment


def decide(actor: User, assignment: PlacementAssignment, accept: bool, reason: str | None) -> None:
    """The employer accepts or declines a proposal (a decline needs a reason)."""
    if assignment.status != AssignmentStatus.PROPOSED:
        raise PlacementError(f"{assignment.apprentice.full_name} has already been "
                             f"{'declined' if assignment.status == AssignmentStatus.DECLINED else 'accepted'}")
    assignment.status = AssignmentStatus.ACCEPTED if accept else AssignmentStatus.DECLINED
    assignment.decision_reason = reason or None
    assignment.decided_by_id, assignment.decided_at = actor.id, utcnow()
    if accept:
        assignment.start_date, assignment.end_date = assignment.placement.start_date, assignment.placement.end_date
    audit.record(actor, "placement.proposal_accepted" if accept else "placement.proposal_declined", assignment)
    db.session.flush()


def start(actor: User, assignment: PlacementAssignment, on: date) -> None:
    if assignment.status != AssignmentStatus.ACCEPTED:
        raise PlacementError("Only an accepted apprentice can start a placement")
    assignment.status, assignment.start_date = AssignmentStatus.ACTIVE, on
    audit.record(actor, "placement.started", assignment)
    db.session.flush()


def finish(actor: User, assignment: PlacementAssignment, on: date, early_reason: str | None) -> None:
    """The placement is over: completed, or ended early with a reason."""
    if assignment.status not in (AssignmentStatus.ACCEPTED, AssignmentStatus.ACTIVE):
        raise PlacementError("Only an accepted or active placement can end")
    assignment.end_date = on
    if early_reason:
        assignment.status, assignment.decision_reason = AssignmentStatus.ENDED_EARLY, early_reason
    else:
        assignment.status = AssignmentStatus.COMPLETED
    audit.record(actor, "placement.ended_early" if early_reason else "placement.completed", assignment)
    db.session.flush()


def _places_taken() -> sa.ScalarSelect:
    return sa.select(sa.func.count()).where(
        PlacementAssignment.placement_id == Placement.id, PlacementAssignment.status.in_(FILLING)).scalar_subquery()


def joinable(today: date) -> sa.ColumnElement[bool]:
    """The SQL condition for a placement an apprentice can still join: published, not closed, not
    over, and with a place left."""
    return sa.and_(Placement.status == PlacementStatus.PUBLISHED,
                   sa.or_(Placement.closing_date.is_(None), Placement.closing_date >= today),
                   Placement.end_date >= today, _places_taken() < Placement.places)


def why_not_joinable(placement: Placement, today: date) -> str | None:
    """Why an apprentice cannot register interest in `placement` now, in words; None when they can."""
    if placement.status != PlacementStatus.PUBLISHED:
        return "This placement is no longer open"
    if placement.end_date < today:
        return "This placement has finished"
    if placement.closing_date and placement.closing_date < today:
        return f"This placement closed on {placement.closing_date.day} {placement.closing_date:%B %Y}"
    if places_left(placement) <= 0:
        return "All the places on this placement are taken"
    return None


def register_interest(actor: User, placement: Placement, apprentice: Apprentice, interested: bool,
                      today: date) -> None:
    """Say an apprentice would like a placement (only one they can still join), or take it back (any time)."""
    if interested and (reason := why_not_joinable(placement, today)):
        raise PlacementError(reason)
    existing = db.session.scalar(sa.select(PlacementInterest).where(
        PlacementInterest.placement_id == placement.id, PlacementInterest.apprentice_id == apprentice.id))
    if interested and existing is None:
        db.session.add(PlacementInterest(placement=placement, apprentice=apprentice))
        audit.record(actor, "placement.interest_registered", placement)
    elif not interested and existing is not None:
        db.session.delete(existing)
        audit.record(actor, "placement.interest_withdrawn", placement)
    db.session.flush()


def listing(*where) -> list[tuple[Placement, int]]:
    """Placements with how many apprentices hold places on each, newest start first."""
    taken = _places_taken()
    return [tuple(r) for r in db.session.execute(
        sa.select(Placement, taken).where(*where)
        .options(joinedload(Placement.employer), selectinload(Placement.standards))
        .order_by(Placement.start_date.desc(), Placement.id.desc()))]


def assignments_for(placement: Placement) -> list[PlacementAssignment]:
    return list(db.session.scalars(
        sa.select(PlacementAssignment).where(PlacementAssignment.placement_id == placement.id)
        .options(joinedload(PlacementAssignment.apprentice).joinedload(Apprentice.standard))
        .order_by(PlacementAssignment.proposed_at.desc())).unique())


def interested_in(placement: Placement) -> list[Apprentice]:
    return list(db.session.scalars(
        sa.select(Apprentice).join(PlacementInterest, PlacementInterest.apprentice_id == Apprentice.id)
        .where(PlacementInterest.placement_id == placement.id).order_by(Apprentice.last_name)))


def interests_of(apprentice: Apprentice) -> set[int]:
    """The placements this apprentice has said they would like."""
    return set(db.session.scalars(
        sa.select(PlacementInterest.placement_id).where(PlacementInterest.apprentice_id == apprentice.id)))
