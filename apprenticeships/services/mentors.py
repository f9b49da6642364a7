"""Mentors, their caseloads, and assigning them to apprentices."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Apprentice, Mentor, User
from . import audit
from .overview import CURRENT_STATUSES


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


def caseloads() -> list[Caseload]:
    """Every mentor with their current mentees (in learning or on a break), in two queries."""
    mentors = db.session.scalars(sa.select(Mentor).order_by(Mentor.name)).all()
    mentees = db.session.scalars(
        sa.select(Apprentice).where(Apprentice.mentor_id.is_not(None), Apprentice.status.in_(CURRENT_STATUSES))
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
    db.session.commit()


def save(actor: User, mentor: Mentor, values: dict) -> None:
    audit.save(actor, mentor, values, "mentor")
