"""Placements: their lifecycle (draft to published to closed), and the apprentices on them.

A placement: draft -> submitted -> published (or returned to the employer with a comment,
to edit and submit again) -> closed; the employer may withdraw it before it closes. Once
published, the coordinator may still change its wording, closing date and number of places, and
its employer its closing date and number of places.
An apprentice on a placement: proposed -> accepted or declined by the employer (or withdrawn
by the coordinator before they answer) -> active -> completed, or ended early with a reason.

Places: a proposal holds a place while the employer decides, and so does an accepted or active
apprentice. When every place is held the coordinator can still propose someone as a reserve,
which holds no place: the employer can accept a reserve only once a place is free.

Races: each step on an apprentice's proposal or placement is one conditional UPDATE (`WHERE
status = <the step it follows>`), so of two people acting at once (the employer accepting, the
coordinator withdrawing) one wins and the other is told why. Counting places happens with the
placement's row locked (as proposing always has), inside the same UPDATE that takes the place.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..extensions import db
from ..models import (
    Apprentice,
    ApprenticeStatus,
    AssignmentStatus,
    AuditEvent,
    BreakInLearning,
    Placement,
    PlacementAssignment,
    PlacementInterest,
    PlacementStatus,
    Role,
    User,
    utcnow,
)
from ..versioning import expect
from . import audit, notifications
from .errors import ServiceError
from .pagination import Page, first_with_total, paginate

EDITABLE = (PlacementStatus.DRAFT, PlacementStatus.RETURNED)
# Fields of a published placement the coordinator may still change: its wording, how long it
# is open and how many it takes. Its dates and hours are what apprentices were proposed for.
AMENDABLE = ("title", "team", "description", "learning_outcomes", "skills", "location", "places", "closing_date")


def holds_place(assignment=PlacementAssignment) -> sa.ColumnElement[bool]:
    """An apprentice accepted onto or on a placement, or proposed for it (not as a reserve)."""
    return sa.and_(assignment.status.in_(AssignmentStatus.HOSTING), assignment.reserve.is_(False))


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
    db.session.flush()
    if submit:
        _submit(actor, placement, date.today())
    return placement


def _move(actor: User, placement: Placement, to: PlacementStatus, action: str, **details) -> None:
    placement.status = to
    audit.record(actor, action, placement, **details)


def submit(actor: User, placement: Placement, *, today: date | None = None) -> None:
    if placement.status not in EDITABLE:
        raise PlacementError("Only a draft, or a placement sent back to you, can be submitted")
    _submit(actor, placement, today or date.today())


def _submit(actor: User, placement: Placement, today: date) -> None:
    """For the coordinator's decision, who is told."""
    if problem := submit_problem(placement, today):
        raise PlacementError(problem)
    placement.submitted_at = utcnow()
    _move(actor, placement, PlacementStatus.SUBMITTED, "placement.submitted")
    db.session.flush()
    notifications.placement_submitted(placement)


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# What has happened to a published placement with time, which its stored status does not say:
# its end date has passed, or its closing date for applications has.
ENDED, APPLICATIONS_CLOSED = "ended", "applications closed"

STATUS_WORDS = {PlacementStatus.RETURNED: "Sent back"}
STATUS_COLOURS = {PlacementStatus.DRAFT: "grey", PlacementStatus.SUBMITTED: "blue", PlacementStatus.RETURNED: "orange",
                  PlacementStatus.PUBLISHED: "green", PlacementStatus.WITHDRAWN: "grey", PlacementStatus.CLOSED: "grey"}


def date_passed(placement: Placement, today: date) -> str | None:
    """ENDED once its end date has passed, else APPLICATIONS_CLOSED once its closing date has; None
    while neither has. The one rule (as `joinable` has it in SQL) for what status a placement shows,
    who can still join it, and whether it can be published."""
    if placement.end_date < today:
        return ENDED
    if placement.closing_date and placement.closing_date < today:
        return APPLICATIONS_CLOSED
    return None


def status_shown(placement: Placement, today: date) -> tuple[str, str]:
    """The status a person reads, and its tag's colour: a published placement whose end date or
    closing date has passed says "Ended" or "Applications closed", not "Published"."""
    if placement.status == PlacementStatus.PUBLISHED:
        passed = date_passed(placement, today)
        if passed == ENDED:
            return "Ended", "grey"
        if passed == APPLICATIONS_CLOSED:
            return "Applications closed", "yellow"
    return STATUS_WORDS.get(placement.status, placement.status.label), STATUS_COLOURS[placement.status]


# What a draft may be saved without, as the employer's form names each: all are needed to submit it.
NEEDED = (("description", "what the apprentice will do"), ("standards", "the apprenticeship standards it suits"),
          ("working_pattern", "the working pattern"), ("minutes_per_week", "the hours a week"),
          ("start_date", "the start date"), ("end_date", "the end date"))


def missing(placement: Placement) -> list[str]:
    """What a draft still needs before it can be submitted, in words (none once it is complete)."""
    return [words for name, words in NEEDED if not getattr(placement, name)]


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def submit_problem(placement: Placement, today: date) -> str | None:
    """Why the employer cannot submit it as it is (not complete, or its dates have passed), in words;
    None when they can."""
    if needed := missing(placement):
        return f"It cannot be submitted until it is complete. Edit it to give {_listed(needed)}"
    if placement.start_date < today:
        return f"Its start date, {_day(placement.start_date)}, has passed. Edit it to give new dates, then submit it"
    if placement.closing_date and placement.closing_date < today:
        return (f"Its closing date for applications, {_day(placement.closing_date)}, has passed. Edit it to give "
                "a new closing date, then submit it")
    return None


def publish_problem(placement: Placement, today: date) -> str | None:
    """Why the coordinator cannot publish it as it stands (a date has passed), in words; None when they can."""
    passed = date_passed(placement, today)
    if passed is None:
        return None
    which = f"end date, {_day(placement.end_date)}" if passed == ENDED else \
        f"closing date for applications, {_day(placement.closing_date)}"
    return (f"Its {which}, has passed, so it cannot be published. Send it back to {placement.employer.name} "
            "to give new dates")


def publish(actor: User, placement: Placement, *, today: date | None = None) -> None:
    if placement.status != PlacementStatus.SUBMITTED:
        raise PlacementError("Only a submitted placement can be published")
    if problem := publish_problem(placement, today or date.today()):
        raise PlacementError(problem)
    placement.published_at = utcnow()
    placement.coordinator_comment = None
    _move(actor, placement, PlacementStatus.PUBLISHED, "placement.published")
    db.session.flush()
    notifications.placement_decided(placement)
    notifications.placement_published(placement)


def send_back(actor: User, placement: Placement, comment: str) -> None:
    if placement.status != PlacementStatus.SUBMITTED:
        raise PlacementError("Only a submitted placement can be sent back")
    placement.coordinator_comment = comment
    _move(actor, placement, PlacementStatus.RETURNED, "placement.returned")
    db.session.flush()
    notifications.placement_decided(placement)
    notifications.placement_returned(placement)


def withdraw(actor: User, placement: Placement) -> None:
    if placement.status in (PlacementStatus.WITHDRAWN, PlacementStatus.CLOSED):
        raise PlacementError("This placement has already ended")
    if placed_count(placement) > 0:
        raise PlacementError("Apprentices are on this placement: close it when it ends instead")
    _move(actor, placement, PlacementStatus.WITHDRAWN, "placement.withdrawn")
    db.session.flush()
    notifications.placement_decided(placement)  # nothing left for the coordinators to decide


def close(actor: User, placement: Placement) -> None:
    if placement.status != PlacementStatus.PUBLISHED:
        raise PlacementError("Only a published placement can be closed")
    _move(actor, placement, PlacementStatus.CLOSED, "placement.closed")
    db.session.flush()


def amend(actor: User, placement: Placement, values: dict, *, version: int | None = None) -> list[str]:
    """The coordinator changes a published placement's wording, closing date or number of places (its
    employer only the closing date and places: `values` holds the fields the person may change).

    Never fewer places than are held now (counted with the placement locked, so a proposal made
    at the same moment is counted). Refused (StaleRecord) if it changed since `version` was loaded.
    Returns the names of the fields that changed.
    """
    expect(placement, version, "placement")
    if placement.status != PlacementStatus.PUBLISHED:
        raise PlacementError("Only a published placement can be changed here")
    if set(values) - set(AMENDABLE):
        raise ValueError(f"not amendable: {sorted(set(values) - set(AMENDABLE))}")
    _lock(placement)
    held = placed_count(placement)
    if values["places"] < held:
        raise PlacementError(f"Apprentices hold {held} of its places now, so it needs at least {held}")
    changed = sorted(k for k, v in values.items() if getattr(placement, k) != v)
    for key in changed:
        setattr(placement, key, values[key])
    if changed:
        audit.record(actor, "placement.amended", placement, fields=changed)
    db.session.flush()
    return changed


def placed_count(placement: Placement) -> int:
    """How many places are held: apprentices accepted or on it, and proposals (not reserves)."""
    return db.session.scalar(sa.select(sa.func.count()).where(
        PlacementAssignment.placement_id == placement.id, holds_place()))


def any_proposed(placement: Placement) -> bool:
    """Whether anyone was ever proposed for it (answered, withdrawn or not)."""
    return bool(db.session.scalar(sa.select(sa.exists().where(PlacementAssignment.placement_id == placement.id))))


def places_left(placement: Placement) -> int:
    return max(0, placement.places - placed_count(placement))


def _proposed(assignment=PlacementAssignment) -> sa.ColumnElement[bool]:
    """A proposal waiting for the employer's answer that holds a place (not a reserve)."""
    return sa.and_(assignment.status == AssignmentStatus.PROPOSED, assignment.reserve.is_(False))


def place_counts(placement: Placement) -> tuple[int, int]:
    """How many places are held (as `placed_count`), and how many of those by proposals waiting for
    the employer's answer. One statement."""
    held, proposed = db.session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((_proposed(), 1), else_=0)), 0))
        .where(PlacementAssignment.placement_id == placement.id, holds_place())).one()
    return held, proposed


def places_words(places: int, held: int, proposed: int, *, waiting_for: str) -> str:
    """What holds the places, in words: "2 places: 1 taken, 1 held for a proposal waiting for
    you, none free" (`waiting_for` "you" or "the employer"), "1 place, free". The one wording of
    places: a proposal holds a place until it is answered, a reserve holds none."""
    plural = "s" if places != 1 else ""
    if held == 0:
        return f"{places} place{plural}, {'all ' if places != 1 else ''}free"
    taken, free = held - proposed, max(0, places - held)
    words = [f"{taken} taken"] if taken else []
    if proposed:
        words.append(f"{proposed} held for {'a proposal' if proposed == 1 else 'proposals'} waiting for {waiting_for}")
    words.append(f"{free} free" if free else "none free")
    return f"{places} place{plural}: " + ", ".join(words)


def held_words(held: int) -> str:
    """For the coordinator changing the number of places: how many it must keep, in plain words."""
    if held == 0:
        return "No places are taken or held for a proposed apprentice yet. Reserves do not hold a place."
    return (f"{held} place{'s are' if held != 1 else ' is'} taken or held for proposed apprentices, so it needs "
            f"at least {held}. Reserves do not hold a place.")


def last_amended(placement: Placement) -> tuple[datetime, Role | None] | None:
    """When it was last changed after it was published, and the role of who changed it (the
    coordinator or its employer), from the audit log; None if never. One statement."""
    row = db.session.execute(
        sa.select(AuditEvent.occurred_at, User.role).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.subject_type == Placement.__tablename__, AuditEvent.subject_id == placement.id,
               AuditEvent.action == "placement.amended")
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(1)).first()
    return (row.occurred_at, row.role) if row is not None else None


def overlapping(apprentice_id, start: date, end: date) -> sa.ColumnElement[bool]:
    """Apprentices already placed, or held for a placement, somewhere else for any of these dates."""
    # A reserve counts too: it may become a place, and an apprentice is offered one at a time.
    return sa.exists().where(
        PlacementAssignment.apprentice_id == apprentice_id,
        PlacementAssignment.status.in_(AssignmentStatus.HOSTING),
        PlacementAssignment.placement_id == Placement.id,
        Placement.start_date <= end, Placement.end_date >= start,
    )


def _lock(placement: Placement) -> None:
    """Lock the placement's row until the request commits: counting its places and taking one
    cannot interleave with another request doing the same (on SQLite every writing request
    holds the database's write lock already, see transactions.py).

    FOR NO KEY UPDATE (key_share): rows that only refer to the placement (a notification about it,
    an audit event) can still be added meanwhile. A plain FOR UPDATE would make them wait, and a
    request adding one while holding a proposal's row would deadlock with this one.
    """
    db.session.execute(sa.select(Placement.id).where(Placement.id == placement.id).with_for_update(key_share=True))


def propose(actor: User, placement: Placement, apprentice: Apprentice, *, reserve: bool = False,
            note: str | None = None) -> PlacementAssignment:
    """Put an apprentice forward for a published placement, if they are free for its dates.

    A proposal holds a place, so one needs a place free; a reserve (asked for when every place
    is held) holds none, and is refused while a place is free, so it is never made by mistake.
    """
    if placement.status != PlacementStatus.PUBLISHED:
        raise PlacementError("Apprentices can only be proposed for a published placement")
    _lock(placement)
    free = places_left(placement)
    if not reserve and free == 0:
        raise PlacementError(f"All the places on this placement are taken. You can propose "
                             f"{apprentice.full_name} as a reserve instead")
    if reserve and free > 0:
        raise PlacementError(f"A place on this placement is free now, so {apprentice.full_name} "
                             "can be proposed for it rather than as a reserve")
    busy = db.session.scalar(sa.select(overlapping(apprentice.id, placement.start_date, placement.end_date)))
    if busy:
        raise PlacementError(f"{apprentice.full_name} is already placed or proposed elsewhere for those dates")
    assignment = PlacementAssignment(placement=placement, apprentice=apprentice, proposed_by_id=actor.id,
                                     status=AssignmentStatus.PROPOSED, reserve=reserve, note_to_employer=note or None)
    db.session.add(assignment)
    # Whether there is a note, never what it says: the log outlives the records it points to.
    audit.record(actor, "placement.apprentice_proposed", assignment, reserve=reserve, note=bool(note))
    db.session.flush()
    notifications.placement_proposed(assignment)
    return assignment


def _step(assignment: PlacementAssignment, came_from: tuple[AssignmentStatus, ...], *where,
          **values) -> bool:
    """Move the assignment on with one conditional UPDATE: only if it is still in one of the
    statuses `came_from` (and meets `where`). False, changing nothing, if someone got there first."""
    db.session.flush()
    done = db.session.execute(
        sa.update(PlacementAssignment)
        .where(PlacementAssignment.id == assignment.id, PlacementAssignment.status.in_(came_from), *where)
        .values(**values).execution_options(synchronize_session=False)).rowcount == 1
    db.session.refresh(assignment)  # as it is stored now: changed by us, or by whoever got there first
    return done


def undecided_problem(assignment: PlacementAssignment) -> str | None:
    """Why a proposal can no longer be answered or withdrawn, in words; None while it can."""
    name = assignment.apprentice.full_name
    match assignment.status:
        case AssignmentStatus.PROPOSED:
            return None
        case AssignmentStatus.WITHDRAWN:
            return f"The coordinator withdrew the proposal of {name}"
        case AssignmentStatus.DECLINED:
            return f"{name} has already been declined"
        case _:
            return f"{name} has already been accepted"


def _place_free(placement_id: int) -> sa.ColumnElement[bool]:
    """SQL: the placement has a place that no one holds (read as the UPDATE runs, not before)."""
    other = aliased(PlacementAssignment)
    held = sa.select(sa.func.count()).select_from(other).where(
        other.placement_id == placement_id, holds_place(other)).scalar_subquery()
    places = sa.select(Placement.places).where(Placement.id == placement_id).scalar_subquery()
    return held < places


def decide(actor: User, assignment: PlacementAssignment, accept: bool, reason: str | None, *,
           today: date | None = None) -> None:
    """The employer accepts or declines a proposal (a decline needs a reason).

    A reserve is accepted only if a place is free as the acceptance is saved: it then holds it.
    An apprentice accepted onto a placement that has already started joins it on the day of
    acceptance, never before: the employer hosts them (and sees their reviews) from then on.
    """
    placement, was_reserve = assignment.placement, assignment.reserve
    today = today or date.today()
    values = {"status": AssignmentStatus.ACCEPTED if accept else AssignmentStatus.DECLINED,
              "decision_reason": reason or None, "decided_by_id": actor.id, "decided_at": utcnow()}
    where = []
    if accept:
        if placement.end_date < today:
            raise PlacementError(f"{placement.title} has finished, so {assignment.apprentice.full_name} "
                                 "can no longer join it")
        _lock(placement)
        values.update(start_date=max(placement.start_date, today), end_date=placement.end_date, reserve=False)
        where.append(sa.or_(PlacementAssignment.reserve.is_(False), _place_free(placement.id)))
    if not _step(assignment, (AssignmentStatus.PROPOSED,), *where, **values):
        if problem := undecided_problem(assignment):
            raise PlacementError(problem)
        raise PlacementError(f"All the places on {placement.title} are taken, so {assignment.apprentice.full_name} "
                             "is still a reserve. You can accept them when a place is free")
    audit.record(actor, "placement.proposal_accepted" if accept else "placement.proposal_declined", assignment,
                 reserve=was_reserve)
    db.session.flush()
    notifications.proposal_decided(assignment, accept)


def someone_can_answer(employer_id: int) -> bool:
    """Whether anyone at this employer can sign in to accept or decline a proposal (an account
    in use, not an invitation still waiting)."""
    return db.session.scalar(sa.select(sa.exists().where(
        User.role == Role.EMPLOYER, User.employer_id == employer_id, User.active.is_(True),
        User.password_hash.is_not(None))))


def withdrawal_problem(assignment: PlacementAssignment) -> str | None:
    """Why the coordinator cannot withdraw this proposal, in words; None while they can."""
    name, employer = assignment.apprentice.full_name, assignment.placement.employer.name
    match assignment.status:
        case AssignmentStatus.PROPOSED:
            return None
        case AssignmentStatus.WITHDRAWN:
            return f"The proposal of {name} has already been withdrawn"
        case AssignmentStatus.DECLINED:
            return f"{employer} has already declined {name}, so there is no proposal to withdraw"
        case _:
            return (f"{employer} has already accepted {name}, so the proposal cannot be withdrawn. If the "
                    "placement will not go ahead, record that it ended early")


def withdraw_proposal(actor: User, assignment: PlacementAssignment) -> None:
    """The coordinator takes back a proposal the employer has not answered: its place is free
    again, and the employer no longer sees it. One the employer has answered stays as it is."""
    if not _step(assignment, (AssignmentStatus.PROPOSED,), status=AssignmentStatus.WITHDRAWN,
                 decided_by_id=actor.id, decided_at=utcnow()):
        raise PlacementError(withdrawal_problem(assignment) or "The proposal could not be withdrawn")
    audit.record(actor, "placement.proposal_withdrawn", assignment, reserve=assignment.reserve)
    notifications.proposal_withdrawn(assignment)
    db.session.flush()


def start(actor: User, assignment: PlacementAssignment, on: date) -> None:
    if not _step(assignment, (AssignmentStatus.ACCEPTED,), status=AssignmentStatus.ACTIVE, start_date=on):
        raise PlacementError("Only an accepted apprentice can start a placement")
    audit.record(actor, "placement.started", assignment)
    db.session.flush()


def finish(actor: User, assignment: PlacementAssignment, on: date, early_reason: str | None) -> None:
    """The placement is over: completed, or ended early with a reason (which frees its place)."""
    status = AssignmentStatus.ENDED_EARLY if early_reason else AssignmentStatus.COMPLETED
    values = {"status": status, "end_date": on}
    if early_reason:
        values["decision_reason"] = early_reason
    if not _step(assignment, (AssignmentStatus.ACCEPTED, AssignmentStatus.ACTIVE), **values):
        raise PlacementError("Only an accepted or active placement can end")
    audit.record(actor, "placement.ended_early" if early_reason else "placement.completed", assignment)
    db.session.flush()


def _places_taken() -> sa.ScalarSelect:
    return sa.select(sa.func.count()).where(
        PlacementAssignment.placement_id == Placement.id, holds_place()).scalar_subquery()


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
    passed = date_passed(placement, today)
    if passed == ENDED:
        return "This placement has finished"
    if passed == APPLICATIONS_CLOSED:
        return f"This placement closed on {_day(placement.closing_date)}"
    if places_left(placement) <= 0:
        return "All the places on this placement are taken"
    return None


def clashing_placement(apprentice: Apprentice, placement: Placement) -> PlacementAssignment | None:
    """The placement `apprentice` is already on (or accepted onto) during `placement`'s dates, if any."""
    ends = sa.func.coalesce(PlacementAssignment.end_date, Placement.end_date)
    starts = sa.func.coalesce(PlacementAssignment.start_date, Placement.start_date)
    return db.session.scalar(
        sa.select(PlacementAssignment).join(Placement, Placement.id == PlacementAssignment.placement_id)
        .where(PlacementAssignment.apprentice_id == apprentice.id, PlacementAssignment.placement_id != placement.id,
               PlacementAssignment.status.in_(AssignmentStatus.PLACED),
               starts <= placement.end_date, ends >= placement.start_date)
        .options(joinedload(PlacementAssignment.placement).joinedload(Placement.employer))
        .order_by(starts).limit(1))


def register_interest(actor: User, placement: Placement, apprentice: Apprentice, interested: bool,
                      today: date) -> None:
    """Say an apprentice would like a placement (only one they can still join), or take it back (any time)."""
    if interested and (reason := why_not_joinable(placement, today)):
        raise PlacementError(reason)
    existing = db.session.scalar(sa.select(PlacementInterest).where(
        PlacementInterest.placement_id == placement.id, PlacementInterest.apprentice_id == apprentice.id))
    if interested and existing is None:
        interest = PlacementInterest(placement=placement, apprentice=apprentice)
        db.session.add(interest)
        audit.record(actor, "placement.interest_registered", interest, placement_id=placement.id)
    elif not interested and existing is not None:
        db.session.delete(existing)
        audit.record(actor, "placement.interest_withdrawn", existing, placement_id=placement.id)
    db.session.flush()


PAGE_SIZE = 25  # placements on each page of a list of them
SHOWN = 10  # the newest, where a page shows only the start of a list (the employer's home)


def _listing_query(*where) -> sa.Select:
    taken = _places_taken()
    proposed = sa.select(sa.func.count()).where(PlacementAssignment.placement_id == Placement.id,
                                                _proposed()).scalar_subquery()
    return (sa.select(Placement, taken, proposed).where(*where)
            .options(joinedload(Placement.employer), selectinload(Placement.standards))
            .order_by(Placement.start_date.desc().nulls_last(), Placement.id.desc()))


def listing(*where, page: int = 1, size: int = PAGE_SIZE) -> Page:
    """One page of the placements matching `where`, newest start first: each row the placement, how
    many places are held on it and how many of those by proposals waiting for an answer (as
    `place_counts`). Counted and cut to the page in the database, whatever the number of placements."""
    return paginate(_listing_query(*where), page, size, rows=True)


def newest(*where, limit: int = SHOWN) -> tuple[list[tuple[Placement, int, int]], int]:
    """The first `limit` rows `listing` would give, and how many placements match in all (one statement)."""
    rows, total = first_with_total(_listing_query(*where), limit)
    return [(placement, taken, proposed) for placement, taken, proposed, _total in rows], total


def longest_waiting(limit: int = SHOWN) -> tuple[list[tuple[Placement, int, int]], int]:
    """The placements submitted for approval longest ago (as `newest` gives its rows), and how many wait
    in all: the order the coordinator's dashboard lists them in too."""
    rows, total = first_with_total(
        _listing_query(Placement.status == PlacementStatus.SUBMITTED).order_by(None)
        .order_by(Placement.submitted_at.asc().nulls_last(), Placement.id), limit)
    return [(placement, taken, proposed) for placement, taken, proposed, _total in rows], total


def assignments_for(placement: Placement, *, withdrawn: bool = True) -> list[PlacementAssignment]:
    """Everyone proposed for or placed on it, newest first; without proposals taken back if not `withdrawn`
    (the employer's view: a withdrawn proposal is no longer theirs to see)."""
    query = sa.select(PlacementAssignment).where(PlacementAssignment.placement_id == placement.id)
    if not withdrawn:
        query = query.where(PlacementAssignment.status != AssignmentStatus.WITHDRAWN)
    return list(db.session.scalars(
        query.options(joinedload(PlacementAssignment.apprentice).joinedload(Apprentice.standard))
        .order_by(PlacementAssignment.proposed_at.desc())).unique())


def interested_in(placement: Placement) -> list[Apprentice]:
    return list(db.session.scalars(
        sa.select(Apprentice).join(PlacementInterest, PlacementInterest.apprentice_id == Apprentice.id)
        .where(PlacementInterest.placement_id == placement.id).order_by(Apprentice.last_name)))


def interests_of(apprentice: Apprentice) -> set[int]:
    """The placements this apprentice has said they would like."""
    return set(db.session.scalars(
        sa.select(PlacementInterest.placement_id).where(PlacementInterest.apprentice_id == apprentice.id)))


def expected_back(assignments: list[PlacementAssignment]) -> dict[int, date]:
    """When each of their apprentices on a break in learning is expected back (by apprentice id), as the
    employer's home has it (services/employers.hosted): the latest expected return of the breaks they have not
    come back from. One statement, none when nobody is on a break."""
    on_break = {a.apprentice_id for a in assignments if a.apprentice.status is ApprenticeStatus.BREAK_IN_LEARNING}
    if not on_break:
        return {}
    return dict(db.session.execute(
        sa.select(BreakInLearning.apprentice_id, sa.func.max(BreakInLearning.expected_return_date))
        .where(BreakInLearning.apprentice_id.in_(on_break), BreakInLearning.returned_on.is_(None))
        .group_by(BreakInLearning.apprentice_id)).tuples().all())
