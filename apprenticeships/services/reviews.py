"""Progress reviews: scheduling them, recording them, and the sign-offs that lock them.

When a review is due is one rule (`progress.review_due_on`, and the same in SQL for lists):
an interval after the last review held (or the start), moved later by breaks in learning.
Each apprentice has one review booked ahead (scheduled): on the due date unless someone
recording a review chose another day for the next. A break moves the booked review to the
new due date; so does the return from it.

The apprentice, the employer (the placement's host, or the coordinator where there is none)
and the coordinator each sign; when the programme asks mentors to sign, so does the
apprentice's mentor at the time of the review. Once all have, the review is locked. Reopening
needs a reason, is kept, and starts the sign-offs again.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..models import (
    Apprentice,
    ApprenticeStatus,
    Cohort,
    ProgrammeSettings,
    ProgressReview,
    ReviewAction,
    ReviewReopening,
    ReviewSignoff,
    Role,
    SignoffParty,
    User,
    utcnow,
)
from ..permissions import (
    FINISHED,
    for_viewer,
    record_is_read_only,
    review_host,
    review_hosted_condition,
    visible_apprentices_condition,
    visible_reviews_condition,
)
from ..versioning import expect
from . import audit, changes, notifications
from .errors import ServiceError
from .pagination import Page, first_with_total
from .progress import (
    NextReview,
    next_review,
    next_review_from,
    progress_subquery,
    review_clock_for,
    review_due_after,
    review_due_on,
    review_overdue_condition,
)

DUE_SOON = timedelta(days=14)


class ReviewError(ServiceError):
    """An action the review's state does not allow; the message is for the person."""


def scheduled_review(apprentice: Apprentice) -> ProgressReview | None:
    return db.session.scalar(sa.select(ProgressReview).where(
        ProgressReview.apprentice_id == apprentice.id, ProgressReview.held_date.is_(None))
        .order_by(ProgressReview.scheduled_date).limit(1))


def reschedule(apprentice: Apprentice, on: date) -> ProgressReview:
    """Move the apprentice's next scheduled review to `on` (making one if there is none). No commit."""
    review = scheduled_review(apprentice)
    if review is None:
        review = ProgressReview(apprentice=apprentice, scheduled_date=on)
        db.session.add(review)
    review.scheduled_date = on
    return review


def first_review(apprentice: Apprentice, settings: ProgrammeSettings) -> ProgressReview:
    return reschedule(apprentice, review_due_after(apprentice.start_date, settings))


def last_held(apprentice: Apprentice) -> date | None:
    return db.session.scalar(sa.select(sa.func.max(ProgressReview.held_date)).where(
        ProgressReview.apprentice_id == apprentice.id, ProgressReview.held_date.is_not(None)))


def due_on(apprentice: Apprentice, settings: ProgrammeSettings, today: date) -> date | None:
    """When the apprentice's next review is due (the one rule); None once no more are due."""
    db.session.flush()  # a break or review just added counts
    return review_due_on(review_clock_for(apprentice, last_held(apprentice)), settings, today)


def booked_next(review: ProgressReview, today: date) -> NextReview | None:
    """For a review not yet held that is its apprentice's next one booked: when that review is due."""
    if review.held_date is not None:
        return None
    progress = progress_subquery(today)
    row = db.session.execute(sa.select(progress).where(progress.c.apprentice_id == review.apprentice_id)).one()
    if row.scheduled_review_id != review.id:
        return None
    return next_review_from(row, review.apprentice.status, today)


def next_review_of(apprentice_id: int, today: date) -> NextReview:
    """An apprentice's next review as every page says it (the one rule, with the review booked): one statement."""
    progress = progress_subquery(today)
    row = db.session.execute(sa.select(progress, Apprentice.status.label("apprentice_status"))
                             .join(Apprentice, Apprentice.id == progress.c.apprentice_id)
                             .where(progress.c.apprentice_id == apprentice_id)).one()
    return next_review_from(row, row.apprentice_status, today)


def reschedule_to_due(apprentice: Apprentice, settings: ProgrammeSettings, today: date) -> None:
    """Book the next review for the day it is due (after a break starts or ends). No commit."""
    due = due_on(apprentice, settings, today)
    if due is not None:
        reschedule(apprentice, due)


def party_for(user: User, review: ProgressReview, host: int | None = ...) -> SignoffParty | None:
    """Which part of the review this user signs next, if any. The employer part is the review's
    host's (the employer the apprentice was placed with by the review's date), or the coordinator's."""
    if host is ...:
        host = review_host(review)
    signed = {s.party for s in review.signoffs}
    if record_is_read_only(user):
        return None  # an apprentice who has left reads their reviews but signs nothing
    if user.role == Role.APPRENTICE and user.apprentice_id == review.apprentice_id:
        party = SignoffParty.APPRENTICE
    elif user.role == Role.MENTOR and review.signing_mentor_id is not None \
            and user.mentor_id == review.signing_mentor_id:
        party = SignoffParty.MENTOR
    elif user.role == Role.EMPLOYER and host is not None and user.employer_id == host:
        party = SignoffParty.EMPLOYER
    elif user.role == Role.COORDINATOR:
        # With no host employer, the coordinator signs the employer's part too, after their own.
        party = SignoffParty.COORDINATOR
        if party in signed and host is None:
            party = SignoffParty.EMPLOYER
    else:
        return None
    return None if party in signed else party


def signing_mentor(review: ProgressReview, settings: ProgrammeSettings) -> int | None:
    """The mentor asked to sign: the apprentice's mentor at the time of the review (kept when a
    review is corrected), when the programme asks mentors to sign."""
    if not settings.mentors_sign_reviews:
        return None
    return review.signing_mentor_id or review.apprentice.mentor_id


def record(actor: User, review: ProgressReview, values: dict, actions: list[dict], otj_minutes: int,
           settings: ProgrammeSettings, today: date, *, version: int | None = None) -> None:
    """Record (or correct) a held review and book the next one: on the date given, or, when none
    is given, on the day it is due. Earlier sign-offs start over.

    Refused (StaleRecord) if it changed since the person loaded `version`.
    """
    expect(review, version, "review")
    if review.locked_at is not None:
        raise ReviewError("This review is signed off and locked. Reopen it to change it")
    first_time = review.held_date is None
    for key, value in values.items():
        setattr(review, key, value)
    review.otj_minutes_at_review = otj_minutes
    review.recorded_by_id = actor.id
    review.signing_mentor_id = signing_mentor(review, settings)
    review.actions = _corrected_actions(review, actions)
    if review.signoffs:
        review.signoffs = []
    audit.record(actor, "review.recorded" if first_time else "review.corrected", review)
    db.session.flush()
    if review.next_review_date is None:
        review.next_review_date = due_on(review.apprentice, settings, today)
    if review.next_review_date and review.apprentice.status in ApprenticeStatus.CURRENT:
        reschedule(review.apprentice, review.next_review_date)
    db.session.flush()
    notifications.review_to_sign(review, must_sign())


def _words(description: str) -> str:
    """An action's words, as two of them are compared: case and spacing aside."""
    return " ".join(description.split()).casefold()


def _corrected_actions(review: ProgressReview, actions: list[dict]) -> list[ReviewAction]:
    """The review's actions as recorded now. One whose words are unchanged is the same action: the same
    row (its id, and whether and when it was done), with the owner and due date given now. The others
    are new, not done; an action no longer given is removed."""
    before: dict[str, list[ReviewAction]] = {}
    for action in review.actions:
        before.setdefault(_words(action.description), []).append(action)
    recorded = []
    for values in actions:
        same = before.get(_words(values["description"]))
        if same:
            action = same.pop(0)
            for key, value in values.items():
                setattr(action, key, value)
        else:
            action = ReviewAction(**values)
        recorded.append(action)
    return recorded


def action_of(review: ProgressReview, action_id: int) -> ReviewAction | None:
    """One of the review's agreed actions, read afresh (another request may have marked it since)."""
    return db.session.scalar(sa.select(ReviewAction).where(ReviewAction.id == action_id,
                                                           ReviewAction.review_id == review.id)
                             .execution_options(populate_existing=True))


def mark_action(actor: User, action: ReviewAction, done: bool, today: date) -> bool:
    """Mark an agreed action done (today, by `actor`), or not done again (who did is forgotten). One
    conditional UPDATE decides, so two presses at once (a double click, two people) change it, and
    audit it, once. Returns whether this changed it (False: it was already so, and stays as it is)."""
    changed = db.session.execute(
        sa.update(ReviewAction)
        .where(ReviewAction.id == action.id,
               ReviewAction.completed_on.is_(None) if done else ReviewAction.completed_on.is_not(None))
        .values(completed_on=today if done else None, completed_by_id=actor.id if done else None)
        .execution_options(synchronize_session=False)).rowcount == 1
    try:
        db.session.refresh(action)
    except sa.exc.InvalidRequestError:  # removed by a correction of the review meanwhile
        raise ReviewError("This action is no longer on the review: it was corrected while you were "
                          "looking at it") from None
    if changed:
        audit.record(actor, "review_action.done" if done else "review_action.not_done", action)
        db.session.flush()
    return changed


OPEN_ACTIONS_PAGE_SIZE = 20


@dataclass(frozen=True)
class ActionCounts:
    open: int
    overdue: int


def _open_actions(scope: sa.ColumnElement[bool]) -> sa.Select:
    """Agreed actions not done yet, from reviews held, of the apprentices in `scope` (SQL on Apprentice)."""
    return (sa.select(ReviewAction).join(ProgressReview, ProgressReview.id == ReviewAction.review_id)
            .join(Apprentice, Apprentice.id == ProgressReview.apprentice_id)
            .where(scope, ProgressReview.held_date.is_not(None), ReviewAction.completed_on.is_(None)))


def action_counts(scope: sa.ColumnElement[bool], today: date) -> ActionCounts:
    """How many agreed actions of the apprentices in `scope` are not done, and how many of them are
    overdue (ReviewAction.is_overdue in SQL): one statement."""
    actions = _open_actions(scope).subquery()
    row = db.session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((actions.c.due_date < today, 1), else_=0)), 0))
        .select_from(actions)).one()
    return ActionCounts(row[0], row[1])


def open_actions(scope: sa.ColumnElement[bool], today: date, page: int,
                 size: int = OPEN_ACTIONS_PAGE_SIZE) -> tuple[Page, ActionCounts]:
    """A page of the agreed actions not done of the apprentices in `scope`, the earliest due first
    (so the overdue ones first), each with its review and apprentice; and how many are open and
    overdue in all. Two statements, whatever their number."""
    counts = action_counts(scope, today)
    pages = max(1, math.ceil(counts.open / size))
    number = min(max(1, page), pages)
    items = list(db.session.scalars(
        _open_actions(scope)
        .options(contains_eager(ReviewAction.review).contains_eager(ProgressReview.apprentice))
        .order_by(ReviewAction.due_date, Apprentice.last_name, Apprentice.first_name, ReviewAction.id)
        .limit(size).offset((number - 1) * size)).unique())
    return Page(items, number, size, counts.open), counts


WHO = {SignoffParty.APPRENTICE: "the apprentice", SignoffParty.EMPLOYER: "the employer",
       SignoffParty.COORDINATOR: "the coordinator", SignoffParty.MENTOR: "the mentor"}


def who_signs(review: ProgressReview) -> str:
    """"the apprentice, the employer and the coordinator" (and the mentor, when they sign)."""
    names = [WHO[p] for p in review.parties]
    return ", ".join(names[:-1]) + " and " + names[-1]


def no_host_words(review: ProgressReview, user: User, host: int | None = ...) -> str | None:
    """When no employer hosts the review (no placement by its date), who signs the employer's part
    instead, as `party_for` has it: any coordinator, after the coordinator's own part. None otherwise."""
    if host is ...:
        host = review_host(review)
    if host is not None:
        return None
    who = "you sign" if user.role == Role.COORDINATOR else "the coordinator signs"
    return (f"{review.apprentice.first_name} had no host employer at the time of this review, "
            f"so {who} for the employer as well.")


def sign(actor: User, review: ProgressReview, party: SignoffParty, comment: str | None) -> bool:
    """Add a sign-off; returns True when it was the last one needed and the review is now locked."""
    if review.held_date is None:
        raise ReviewError("A review can only be signed once it has been held and recorded")
    if review.locked_at is not None:
        raise ReviewError("This review is already signed off")
    if party not in review.parties:
        raise ReviewError("This review does not need that signature")
    if any(s.party == party for s in review.signoffs):
        raise ReviewError("This part of the review is already signed")
    review.signoffs.append(ReviewSignoff(party=party, user_id=actor.id, comment=comment or None))
    audit.record(actor, "review.signed", review, party=party.value)
    locked = {s.party for s in review.signoffs} >= set(review.parties)
    if locked:
        review.locked_at = utcnow()
        audit.record(actor, "review.locked", review)
    db.session.flush()
    notifications.review_signed(review.id, must_sign())
    return locked


def reopen(actor: User, review: ProgressReview, reason: str) -> None:
    if review.locked_at is None:
        raise ReviewError("Only a locked review can be reopened")
    db.session.add(ReviewReopening(review_id=review.id, reason=reason, reopened_by_id=actor.id))
    review.locked_at = None
    review.signoffs = []
    audit.record(actor, "review.reopened", review)
    db.session.flush()
    # Everyone who must sign it again is told now, not only when the reminder is due.
    notifications.review_to_sign(review, must_sign(), kind=notifications.K.REVIEW_REOPENED)


def reopenings(review: ProgressReview) -> list[tuple[ReviewReopening, str]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(ReviewReopening, User.name).join(User, User.id == ReviewReopening.reopened_by_id)
        .where(ReviewReopening.review_id == review.id).order_by(ReviewReopening.reopened_at))]


def signers(review: ProgressReview) -> dict[SignoffParty, tuple[ReviewSignoff, str]]:
    return {s.party: (s, name) for s, name in db.session.execute(
        sa.select(ReviewSignoff, User.name).join(User, User.id == ReviewSignoff.user_id)
        .where(ReviewSignoff.review_id == review.id))}


SHOWN = 50


@dataclass(frozen=True)
class ToDoList:
    reviews: list[tuple[ProgressReview, int]]  # each with how many have signed it
    total: int


@dataclass(frozen=True)
class DueReview:
    """An apprentice's next review, for the lists of reviews due. Plain values, so lists can be cached."""

    apprentice_id: int
    name: str
    review_id: int | None  # the review booked, if there is one
    next: NextReview


@dataclass(frozen=True)
class DueList:
    items: list[DueReview]
    total: int


@dataclass(frozen=True)
class ToDo:
    overdue: DueList
    due_soon: DueList
    to_sign: ToDoList


def _signed(party: SignoffParty) -> sa.ColumnElement[bool]:
    return sa.exists().where(ReviewSignoff.review_id == ProgressReview.id, ReviewSignoff.party == party)


def awaiting_signature(user: User) -> sa.ColumnElement[bool]:
    """Reviews held, not locked, with this user's part still to sign (the same rule as `party_for`)."""
    return for_viewer(awaiting_signature_rule(user.role, record_is_read_only(user)), user)


@functools.cache
def awaiting_signature_rule(role: Role, read_only: bool) -> sa.ColumnElement[bool]:
    """`awaiting_signature` for a role, with permissions.viewer's parameters for whose account it is: a
    statement built once can hold it (overview.reviews_to_sign)."""
    held = sa.and_(ProgressReview.held_date.is_not(None), ProgressReview.locked_at.is_(None))
    if read_only:
        return sa.false()
    if role == Role.APPRENTICE:
        return sa.and_(held, ProgressReview.apprentice_id == sa.bindparam("viewer_apprentice_id", type_=sa.Integer),
                       ~_signed(SignoffParty.APPRENTICE))
    if role == Role.EMPLOYER:
        return sa.and_(held, review_hosted_condition(sa.bindparam("viewer_employer_id", type_=sa.Integer)),
                       ~_signed(SignoffParty.EMPLOYER))
    if role == Role.COORDINATOR:
        no_host = ~review_hosted_condition()
        return sa.and_(held, sa.or_(~_signed(SignoffParty.COORDINATOR),
                                    sa.and_(no_host, ~_signed(SignoffParty.EMPLOYER))))
    if role == Role.MENTOR:
        return sa.and_(held, ProgressReview.signing_mentor_id == sa.bindparam("viewer_mentor_id", type_=sa.Integer),
                       ~_signed(SignoffParty.MENTOR))
    return sa.false()


def must_sign() -> sa.ColumnElement[bool]:
    """The SQL condition on User, ProgressReview and its Apprentice: the user must still sign the
    review. The rule of `awaiting_signature` (and `party_for`), for every person at once: the
    notifications and reminders to sign use it."""
    return sa.and_(ProgressReview.held_date.is_not(None), ProgressReview.locked_at.is_(None), sa.or_(
        sa.and_(User.role == Role.APPRENTICE, User.apprentice_id == ProgressReview.apprentice_id,
                Apprentice.status.not_in(FINISHED), ~_signed(SignoffParty.APPRENTICE)),
        sa.and_(User.role == Role.MENTOR, User.mentor_id == ProgressReview.signing_mentor_id,
                ~_signed(SignoffParty.MENTOR)),
        sa.and_(User.role == Role.EMPLOYER, review_hosted_condition(User.employer_id),
                ~_signed(SignoffParty.EMPLOYER)),
        sa.and_(User.role == Role.COORDINATOR, sa.or_(
            ~_signed(SignoffParty.COORDINATOR),
            sa.and_(~review_hosted_condition(), ~_signed(SignoffParty.EMPLOYER)))),
    ))


def _reviews(*where) -> ToDoList:
    """The first 50 matching reviews, oldest first, and how many there are in all."""
    base = sa.select(ProgressReview).join(Apprentice).join(Cohort).where(Cohort.archived_at.is_(None), *where)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    signed = sa.select(sa.func.count()).where(ReviewSignoff.review_id == ProgressReview.id).scalar_subquery()
    reviews = [tuple(row) for row in db.session.execute(
        base.add_columns(signed).options(joinedload(ProgressReview.apprentice))
        .order_by(ProgressReview.scheduled_date, ProgressReview.id).limit(SHOWN)).unique()]
    return ToDoList(reviews, total)


def due_reviews(scope: sa.ColumnElement[bool], today: date, *where, limit: int = SHOWN) -> DueList:
    """The next reviews of the apprentices in scope (in current cohorts, with a review due) that
    also meet `where`, soonest due first: the first `limit`, and how many there are in all."""
    progress = progress_subquery(today)
    p = progress.c
    rows, total = first_with_total(
        sa.select(Apprentice.id, Apprentice.first_name, Apprentice.last_name, Apprentice.status,
                  p.review_due_date, p.review_scheduled_date, p.scheduled_review_id)
        .join(Cohort, Cohort.id == Apprentice.cohort_id).join(progress, p.apprentice_id == Apprentice.id)
        .where(scope, Cohort.archived_at.is_(None), Apprentice.status.in_(ApprenticeStatus.CURRENT),
               p.review_due_date.is_not(None), *where)
        .order_by(p.review_due_date, Apprentice.last_name, Apprentice.first_name, Apprentice.id), limit)
    return DueList([DueReview(row.id, f"{row.first_name} {row.last_name}", row.scheduled_review_id,
                              next_review(row.review_due_date, row.review_scheduled_date, row.status, today))
                    for row in rows], total)


def overdue(scope: sa.ColumnElement[bool], today: date, limit: int = SHOWN) -> DueList:
    progress = progress_subquery(today)
    return due_reviews(scope, today, review_overdue_condition(progress, today), limit=limit)


def due_soon(scope: sa.ColumnElement[bool], today: date, limit: int = SHOWN) -> DueList:
    """Reviews due from today to 14 days ahead (an apprentice on a break included: when it will
    be due if they come back as expected)."""
    due = progress_subquery(today).c.review_due_date
    return due_reviews(scope, today, due >= today, due <= today + DUE_SOON, limit=limit)


def waiting_for_signature(user: User) -> ToDoList:
    """Reviews this user may see with their part still to sign, oldest first."""
    return _reviews(visible_reviews_condition(user), awaiting_signature(user))


def to_do(user: User, today: date) -> ToDo:
    """Overdue and soon-due reviews of the apprentices this user sees, and reviews waiting for their signature.

    Working out who is due takes a while at scale, so the two lists are kept, like the
    dashboard's, until the programme's data or the date changes."""
    apprentices = visible_apprentices_condition(user)
    whose = f"{user.role.value}:{user.mentor_id or user.employer_id or user.apprentice_id or 'everyone'}"
    late, soon = changes.cached(("reviews_to_do", whose, today),
                                lambda: (overdue(apprentices, today), due_soon(apprentices, today)))
    return ToDo(overdue=late, due_soon=soon, to_sign=waiting_for_signature(user))
