"""Mentors, their caseloads, and assigning them to apprentices."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Apprentice, ApprenticeStatus, Mentor, User
from . import audit
from .pagination import Page, first_with_total, paginate


@dataclass(frozen=True)
class Caseload:
    mentor: Mentor
    mentees: list[Apprentice]

    @property
    def count(self) -> int:
        return len(self.mentees)

    @property
    def full(self) -> bool:
        return self.count >= self.mentor.capacity

    @property
    def over(self) -> bool:
        return self.count > self.mentor.capacity


PICKER_SHOWN = 20


def caseloads(page: int, size: int = 50) -> Page:
    """One page of mentors with their current mentees (in learning or on a break)."""
    paged = paginate(sa.select(Mentor).order_by(Mentor.name, Mentor.id), page, size)
    return Page(_with_mentees(paged.items), paged.number, paged.size, paged.total)


def caseload(mentor: Mentor) -> Caseload:
    return _with_mentees([mentor])[0]


def for_picker(search: str, current_id: int | None) -> tuple[list[Caseload], int]:
    """Mentors whose name or team contains `search` (the first 20 by name, after the current
    mentor), with their caseloads, and how many match in all: a programme can have thousands."""
    query = sa.select(Mentor)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(sa.or_(sa.func.lower(Mentor.name).like(pattern),
                                   sa.func.lower(sa.func.coalesce(Mentor.team, "")).like(pattern)))
    current_first = sa.case((Mentor.id == current_id, 0), else_=1)
    rows, total = first_with_total(query.order_by(current_first, Mentor.name, Mentor.id), PICKER_SHOWN)
    return _with_mentees([mentor for mentor, _ in rows]), total


def _with_mentees(mentors: list[Mentor]) -> list[Caseload]:
    mentees = db.session.scalars(
        sa.select(Apprentice).where(Apprentice.mentor_id.in_([m.id for m in mentors]),
                                    Apprentice.status.in_(ApprenticeStatus.CURRENT))
        .options(joinedload(Apprentice.cohort), joinedload(Apprentice.standard))
        .order_by(Apprentice.last_name, Apprentice.first_name)
    ).unique().all()
    by_mentor: dict[int, list[Apprentice]] = defaultdict(list)
    for apprentice in mentees:
        by_mentor[apprentice.mentor_id].append(apprentice)
    return [Caseload(m, by_mentor[m.id]) for m in mentors]


def assign(actor: User, apprentice: Apprentice, mentor: Mentor | None) -> None:
    apprentice.mentor = mentor
    audit.record(actor, "apprentice.mentor_assigned" if mentor else "apprentice.mentor_removed", apprentice,
                 mentor_id=mentor.id if mentor else None)
    db.session.flush()


def save(actor: User, mentor: Mentor, values: dict) -> None:
    audit.save(actor, mentor, values, "mentor")
