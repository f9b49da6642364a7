"""Progress reviews: scheduling them, recording them, and the three sign-offs that lock them.

A review is scheduled a programme interval (12 weeks, or 3 calendar months) after the last one
or the start. When one is recorded the next is scheduled; a break in learning moves the
scheduled review to the expected return, and the return schedules the next from that day.
The apprentice, the employer (the placement's host, or the coordinator where there is none)
and the coordinator each sign; once all three have, the review is locked. Reopening needs a
reason, is kept, and starts the sign-offs again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

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
from ..permissions import record_is_read_only, review_host, review_hosted_condition
from ..versioning import expect
from . import audit
from .errors import ServiceError
from .progress import review_due_after

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


def record(actor: User, review: ProgressReview, values: dict, actions: list[dict], otj_minutes: int, *,
           version: int | None = None) -> None:
    """Record (or correct) a held review; schedules the next one. Earlier sign-offs start over.

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
    review.actions = [ReviewAction(**a) for a in actions]
    if review.signoffs:
        review.signoffs = []
    audit.record(actor, "review.recorded" if first_time else "review.corrected", review)
    db.session.flush()
    if review.next_review_date and review.apprentice.status in ApprenticeStatus.CURRENT:
        reschedule(review.apprentice, review.next_review_date)
    db.session.flush()


def sign(actor: User, review: ProgressReview, party: SignoffParty, comment: str | None) -> bool:
    """Add a sign-off; returns True when it was the last of the three and the review is now locked."""
    if review.held_date is None:
        raise ReviewError("A review can only be signed once it has been held and recorded")
    if review.locked_at is not None:
        raise ReviewError("This review is already signed off")
    if any(s.party == party for s in review.signoffs):
        raise ReviewError("This part of the review is already signed")
    review.signoffs.append(ReviewSignoff(party=party, user_id=actor.id, comment=comment or None))
    audit.record(actor, "review.signed", review, party=party.value)
    locked = {s.party for s in review.signoffs} == set(SignoffParty)
    if locked:
        review.locked_at = utcnow()
        audit.record(actor, "review.locked", review)
    db.session.flush()
    return locked


def reopen(actor: User, review: ProgressReview, reason: str) -> None:
    if review.locked_at is None:
        raise ReviewError("Only a locked review can be reopened")
    db.session.add(ReviewReopening(review_id=review.id, reason=reason, reopened_by_id=actor.id))
    review.locked_at = None
    review.signoffs = []
    audit.record(actor, "review.reopened", review)
    db.session.flush()


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
class ToDo:
    overdue: ToDoList
    due_soon: ToDoList
    to_sign: ToDoList


def _signed(party: SignoffParty) -> sa.ColumnElement[bool]:
    return sa.exists().where(ReviewSignoff.review_id == ProgressReview.id, ReviewSignoff.party == party)


def awaiting_signature(user: User) -> sa.ColumnElement[bool]:
    """Reviews held, not locked, with this user's part still to sign (the same rule as `party_for`)."""
    held = sa.and_(ProgressReview.held_date.is_not(None), ProgressReview.locked_at.is_(None))
    if record_is_read_only(user):
        return sa.false()
    if user.role == Role.APPRENTICE:
        return sa.and_(held, ProgressReview.apprentice_id == user.apprentice_id, ~_signed(SignoffParty.APPRENTICE))
    if user.role == Role.EMPLOYER:
        return sa.and_(held, review_hosted_condition(user.employer_id), ~_signed(SignoffParty.EMPLOYER))
    if user.role == Role.COORDINATOR:
        no_host = ~review_hosted_condition()
        return sa.and_(held, sa.or_(~_signed(SignoffParty.COORDINATOR),
                                    sa.and_(no_host, ~_signed(SignoffParty.EMPLOYER))))
    return sa.false()  # mentors join reviews but do not sign them


def _reviews(*where) -> ToDoList:
    """The first 50 matching reviews, oldest first, and how many there are in all."""
    base = sa.select(ProgressReview).join(Apprentice).join(Cohort).where(Cohort.archived_at.is_(None), *where)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    signed = sa.select(sa.func.count()).where(ReviewSignoff.review_id == ProgressReview.id).scalar_subquery()
    reviews = [tuple(row) for row in db.session.execute(
        base.add_columns(signed).options(joinedload(ProgressReview.apprentice))
        .order_by(ProgressReview.scheduled_date, ProgressReview.id).limit(SHOWN)).unique()]
    return ToDoList(reviews, total)


def to_do(user: User, scope: sa.ColumnElement[bool], today: date) -> ToDo:
    """Overdue and soon-due reviews for the apprentices in scope, and reviews waiting for this user's signature."""
    unheld = [scope, ProgressReview.held_date.is_(None), Apprentice.status.in_(ApprenticeStatus.CURRENT)]
    return ToDo(
        overdue=_reviews(*unheld, ProgressReview.scheduled_date < today),
        due_soon=_reviews(*unheld, ProgressReview.scheduled_date >= today,
                          ProgressReview.scheduled_date <= today + DUE_SOON),
        to_sign=_reviews(scope, awaiting_signature(user)),
    )
