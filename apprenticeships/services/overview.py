"""What each role sees first on signing in, each loaded in a fixed number of queries."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    AssignmentStatus,
    Cohort,
    LogEntry,
    Placement,
    PlacementAssignment,
    PlacementInterest,
    PlacementStatus,
    ProgressReview,
    Role,
    User,
    VerificationStatus,
)
from ..permissions import record_is_read_only, viewer, viewer_key, visible_apprentices_condition
from . import changes
from .pagination import Listing, Page
from .reviews import awaiting_signature_rule


@dataclass(frozen=True)
class CohortCounts:
    cohort: Cohort
    counts: dict[ApprenticeStatus, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# Built once (pagination.Listing says why): the current cohorts, the newest first, and how many apprentices
# of the cohorts named by the parameter `cohort_ids` are in each status.
_CURRENT_COHORTS = Listing(
    sa.select(Cohort).where(Cohort.archived_at.is_(None)).order_by(Cohort.start_date.desc(), Cohort.id.desc()))
_COHORT_STATUS_COUNTS = (
    sa.select(Apprentice.cohort_id, Apprentice.status, sa.func.count())
    .where(Apprentice.cohort_id.in_(sa.bindparam("cohort_ids", expanding=True)))
    .group_by(Apprentice.cohort_id, Apprentice.status))


def current_cohorts(limit: int) -> tuple[list[CohortCounts], int]:
    """The newest `limit` cohorts not archived, with how many apprentices are in each status,
    and how many cohorts are current in all."""
    found, total = _CURRENT_COHORTS.first(limit)
    cohorts = [cohort for cohort, _ in found]
    rows = db.session.execute(_COHORT_STATUS_COUNTS, {"cohort_ids": [c.id for c in cohorts]}).all()
    counts: dict[int, dict[ApprenticeStatus, int]] = {c.id: dict.fromkeys(ApprenticeStatus, 0) for c in cohorts}
    for cohort_id, status, count in rows:
        counts[cohort_id][status] = count
    return [CohortCounts(c, counts[c.id]) for c in cohorts], total


def _with_programme(query: sa.Select) -> sa.Select:
    return query.options(
        joinedload(Apprentice.cohort), joinedload(Apprentice.standard), joinedload(Apprentice.provider),
        joinedload(Apprentice.mentor),
    )


def current_mentees(mentor_id: int) -> list[Apprentice]:
    """Mentees still in learning: the ones who count against a mentor's capacity."""
    return list(db.session.scalars(_with_programme(
        sa.select(Apprentice)
        .where(Apprentice.mentor_id == mentor_id, Apprentice.status.in_(ApprenticeStatus.CURRENT))
        .order_by(Apprentice.last_name, Apprentice.first_name)
    )).unique())


def _apprentice_placements() -> sa.Select:
    # Built once (pagination.Listing says why), for the apprentice named by the parameter `apprentice_id`.
    hosting = sa.orm.aliased(PlacementAssignment, name="hosting")
    theirs = sa.bindparam("apprentice_id", type_=sa.Integer)
    interested = sa.exists().where(PlacementInterest.placement_id == Placement.id,
                                   PlacementInterest.apprentice_id == theirs)
    return (sa.select(Placement, hosting)
            .outerjoin(hosting, sa.and_(hosting.placement_id == Placement.id, hosting.apprentice_id == theirs,
                                        hosting.status.in_(AssignmentStatus.HOSTING)))
            .where(sa.or_(hosting.id.is_not(None), sa.and_(interested, Placement.status == PlacementStatus.PUBLISHED)))
            .options(joinedload(Placement.employer), sa.orm.contains_eager(hosting.placement)))


_APPRENTICE_PLACEMENTS = _apprentice_placements()


def apprentice_placements(apprentice_id: int) -> tuple[list[PlacementAssignment], list[Placement]]:
    """The apprentice's placements (proposed, accepted or on), the latest first; and the published
    placements they said they would like and are not proposed for or on yet, the soonest first. One
    statement: each placement with the apprentice's assignment on it, if any."""
    rows = db.session.execute(_APPRENTICE_PLACEMENTS, {"apprentice_id": apprentice_id}).unique().all()
    assignments = [a for _, a in rows if a is not None]
    assignments.sort(key=lambda a: (a.start_date is not None, a.start_date), reverse=True)
    interests = sorted((p for p, a in rows if a is None), key=lambda p: (p.start_date, p.id))
    return assignments, interests


# What waits for an apprentice's answer -------------------------------------------------------

ANSWERS_SHOWN = 10


@dataclass(frozen=True)
class EntryToAnswer:
    entry: LogEntry
    log_page: int  # the page of their log the entry is on, where its answer form is


def entries_to_answer(apprentice_id: int, log_page_size: int,
                      limit: int = ANSWERS_SHOWN) -> tuple[list[EntryToAnswer], int]:
    """Entries a mentor queried that the apprentice has not answered yet (the oldest `limit`), each
    with the page of their log it is on, and how many there are: one statement."""
    rows, total = _TO_ANSWER.first(limit, apprentice_id=apprentice_id)
    return [EntryToAnswer(entry, (position - 1) // log_page_size + 1) for entry, position, _ in rows], total


def _to_answer() -> Listing:
    position = sa.func.row_number().over(order_by=(LogEntry.activity_date.desc(), LogEntry.id.desc()))
    log = (sa.select(LogEntry.id, LogEntry.status, position.label("position"))
           .where(LogEntry.apprentice_id == sa.bindparam("apprentice_id")).subquery())
    return Listing(sa.select(LogEntry, log.c.position).join(log, log.c.id == LogEntry.id)
                   .where(log.c.status == VerificationStatus.QUERIED).order_by(LogEntry.activity_date, LogEntry.id))


_TO_ANSWER = _to_answer()


SIGNATURES_SHOWN = 10


def reviews_to_sign(user: User, limit: int = SIGNATURES_SHOWN) -> tuple[list[ProgressReview], int]:
    """Held reviews waiting for this user's signature (the oldest `limit`), and how many there are:
    the reviews page's list of them, in current cohorts."""
    rows, total = _to_sign(user.role, record_is_read_only(user)).first(limit, **viewer(user))
    return [review for review, _ in rows], total


@functools.lru_cache(maxsize=16)
def _to_sign(role: Role, read_only: bool) -> Listing:
    return Listing(sa.select(ProgressReview).join(Apprentice).join(Cohort)
                   .where(awaiting_signature_rule(role, read_only), Cohort.archived_at.is_(None))
                   .order_by(ProgressReview.held_date, ProgressReview.id))


def entries_waiting(user: User) -> int:
    """How many log entries of the apprentices `user` may see wait for verification (answered queries
    too): what the verification queue lists first. Counting reads every entry waiting, which grows with
    the programme, so the answer is kept until its data changes (`changes.cached`, as the queue's counts)."""
    return changes.cached(("entries_waiting", viewer_key(user)), lambda: db.session.scalar(
        sa.select(sa.func.count()).select_from(LogEntry).join(Apprentice, Apprentice.id == LogEntry.apprentice_id)
        .where(visible_apprentices_condition(user), LogEntry.status == VerificationStatus.PENDING)))


PAST_REVIEWS_PAGE_SIZE = 3


def past_reviews(apprentice_id: int, page: int, size: int = PAST_REVIEWS_PAGE_SIZE) -> Page:
    """A page of an apprentice's held reviews, the latest first, with their agreed actions: the
    page and how many there are in one statement (a window count), and one for the actions."""
    return _PAST_REVIEWS.page_in_one(page, size, apprentice_id=apprentice_id)


_PAST_REVIEWS = Listing(
    sa.select(ProgressReview)
    .where(ProgressReview.apprentice_id == sa.bindparam("apprentice_id"), ProgressReview.held_date.is_not(None))
    .order_by(ProgressReview.held_date.desc(), ProgressReview.id.desc()).options(selectinload(ProgressReview.actions)))


# What the apprentice's home shows of their programme (standard and its KSBs, cohort, provider, mentor,
# breaks): loaded with them in one statement (permissions.apprentice_or_404's options), rather than one
# each as the page reaches them.
PROGRAMME = (joinedload(Apprentice.standard).joinedload(ApprenticeshipStandard.ksbs),
             joinedload(Apprentice.cohort), joinedload(Apprentice.provider), joinedload(Apprentice.mentor),
             joinedload(Apprentice.breaks))
