"""The network of employer partners: the directory, their contacts and a log of activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..extensions import db
from ..models import (
    Apprentice,
    AssignmentStatus,
    BreakInLearning,
    EmployerActivity,
    EmployerContact,
    EmployerPartner,
    PartnershipStatus,
    Placement,
    PlacementAssignment,
    ProgrammeSettings,
    ProgressReview,
    User,
)
from ..permissions import review_hosted_condition
from . import audit
from .pagination import Page, first_with_total, paginate
from .placements import holds_place
from .progress import NextReview, next_review_from, progress_subquery

PAGE_SIZE = 50
REVIEWS_PAGE_SIZE = 20


@dataclass
class DirectoryFilters:
    q: str = ""
    status: str = ""
    sector: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> DirectoryFilters:
        status = args.get("status", "")
        return cls(q=args.get("q", "").strip()[:100],
                   status=status if status in PartnershipStatus._value2member_map_ else "",
                   sector=args.get("sector", "").strip()[:80], page=args.get("page", 1, type=int) or 1)

    def args(self, **changes) -> dict[str, str]:
        values = {"q": self.q, "status": self.status, "sector": self.sector,
                  "page": "" if self.page == 1 else str(self.page)}
        values.update({k: "" if v is None else str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}


def directory(filters: DirectoryFilters) -> Page:
    """Employer partners matching the filters, with how many placements each has, 50 a page."""
    placements = sa.select(sa.func.count()).where(Placement.employer_id == EmployerPartner.id).scalar_subquery()
    query = sa.select(EmployerPartner, placements).order_by(EmployerPartner.name)
    if filters.q:
        query = query.where(sa.func.lower(EmployerPartner.name).contains(filters.q.lower(), autoescape=True))
    if filters.status:
        query = query.where(EmployerPartner.status == filters.status)
    if filters.sector:
        query = query.where(EmployerPartner.sector == filters.sector)
    return paginate(query, filters.page, PAGE_SIZE, rows=True)


def sectors() -> list[str]:
    return list(db.session.scalars(sa.select(EmployerPartner.sector).distinct().order_by(EmployerPartner.sector)))


def save(actor: User, employer: EmployerPartner, values: dict, *, version: int | None = None) -> None:
    audit.save(actor, employer, values, "employer", version=version)


def save_contact(actor: User, contact: EmployerContact, values: dict) -> None:
    audit.save(actor, contact, values, "employer_contact")


def add_activity(actor: User, employer: EmployerPartner, values: dict) -> None:
    activity = EmployerActivity(employer=employer, recorded_by_id=actor.id, **values)
    db.session.add(activity)
    audit.record(actor, "employer.activity_added", employer)
    db.session.flush()


def activities(employer: EmployerPartner) -> list[tuple[EmployerActivity, str | None]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(EmployerActivity, User.name).outerjoin(User, User.id == EmployerActivity.recorded_by_id)
        .where(EmployerActivity.employer_id == employer.id)
        .order_by(EmployerActivity.occurred_on.desc(), EmployerActivity.id.desc()))]


def contacts(employer: EmployerPartner) -> list[tuple[EmployerContact, User | None]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(EmployerContact, User).outerjoin(User, User.id == EmployerContact.user_id)
        .where(EmployerContact.employer_id == employer.id).order_by(EmployerContact.name))]


@dataclass(frozen=True)
class Hosted:
    """An apprentice with an employer: only the headlines the employer needs."""

    assignment: PlacementAssignment
    verified_hours: float
    expected_hours: float
    next_review: NextReview
    # Whether the placement has started for them, as the coordinator recorded (active): the employer
    # sees an apprentice's headlines (their hours, their next review) only from then on. (Reviews held
    # go by the date, review_hosted_condition.)
    started: bool
    # On a break in learning (the apprentice's status): when they are expected back.
    expected_back: date | None = None


def hosted(employer_id: int, today: date, settings: ProgrammeSettings,
           statuses: tuple[AssignmentStatus, ...] = AssignmentStatus.HOSTING) -> list[Hosted]:
    """Apprentices proposed for, accepted onto or on the employer's placements, with their headlines
    (`statuses` narrows them: an employer sees the headlines only of those placed with them)."""
    progress = progress_subquery(today)
    expected_back = (sa.select(sa.func.max(BreakInLearning.expected_return_date))
                     .where(BreakInLearning.apprentice_id == PlacementAssignment.apprentice_id,
                            BreakInLearning.returned_on.is_(None)).scalar_subquery())
    rows = db.session.execute(
        sa.select(PlacementAssignment, progress.c.verified_minutes, progress.c.expected_minutes,
                  progress.c.review_due_date, progress.c.review_scheduled_date, expected_back.label("expected_back"))
        .join(Placement, Placement.id == PlacementAssignment.placement_id)
        .join(progress, progress.c.apprentice_id == PlacementAssignment.apprentice_id)
        .where(Placement.employer_id == employer_id, PlacementAssignment.status.in_(statuses))
        .options(joinedload(PlacementAssignment.placement),
                 joinedload(PlacementAssignment.apprentice).joinedload(Apprentice.standard))
        .order_by(PlacementAssignment.proposed_at.desc())
    ).unique().all()
    return [Hosted(row[0], row.verified_minutes / 60, row.expected_minutes / 60,
                   next_review_from(row, row[0].apprentice.status, today),
                   started=row[0].status == AssignmentStatus.ACTIVE and row[0].start_date is not None
                   and row[0].start_date <= today, expected_back=row.expected_back) for row in rows]


@dataclass(frozen=True)
class Waiting:
    """A proposal waiting for the employer's answer, and whether they can accept it now (a reserve
    only once a place on its placement is free; until then they can only decline)."""

    assignment: PlacementAssignment
    can_accept: bool


WAITING_SHOWN = 20  # on the employer's home; each placement's page lists all of its own


def awaiting_decision(employer_id: int, limit: int = WAITING_SHOWN) -> tuple[list[Waiting], int]:
    """Apprentices proposed to the employer (reserves too) that they have not answered, oldest
    first: with only what the decision page shows, never their progress. The first `limit`, and
    how many in all."""
    held = aliased(PlacementAssignment)
    place_free = sa.select(sa.func.count()).select_from(held).where(
        held.placement_id == Placement.id, holds_place(held)).scalar_subquery() < Placement.places
    rows, total = first_with_total(  # the joined rows are many-to-one: one row an assignment
        sa.select(PlacementAssignment, place_free)
        .join(Placement, Placement.id == PlacementAssignment.placement_id)
        .where(Placement.employer_id == employer_id, PlacementAssignment.status == AssignmentStatus.PROPOSED)
        .options(joinedload(PlacementAssignment.placement),
                 joinedload(PlacementAssignment.apprentice).joinedload(Apprentice.standard))
        .order_by(PlacementAssignment.proposed_at, PlacementAssignment.id), limit)
    return [Waiting(assignment, not assignment.reserve or bool(free)) for assignment, free, _total in rows], total


def hosted_reviews(employer_id: int, page: int) -> Page:
    """Reviews held for the apprentices this employer hosts, newest first, 20 a page: only those
    held since each placement started (the rule by which an employer may open a review)."""
    return paginate(
        sa.select(ProgressReview)
        .where(ProgressReview.held_date.is_not(None), review_hosted_condition(employer_id))
        .options(joinedload(ProgressReview.apprentice), selectinload(ProgressReview.actions),
                 selectinload(ProgressReview.signoffs))
        .order_by(ProgressReview.held_date.desc(), ProgressReview.id.desc()),
        page, REVIEWS_PAGE_SIZE)
